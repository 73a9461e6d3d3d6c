"""How every form field renders (issue 20): required fields say so in text and to assistive
technology, through one field template and one BoundField, not per page."""

from __future__ import annotations

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting

# Inputs whose role takes aria-required (textbox, combobox, listbox, spinbutton); a checkbox's
# or a radio button's does not (axe aria-allowed-attr), and their group says it instead.
_NO_ARIA_REQUIRED = {"checkbox", "radio", "hidden", "file"}


class AccessibleBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if (
            self.field.required
            and not widget.is_hidden
            and not self.use_fieldset
            and getattr(widget, "input_type", None) not in _NO_ARIA_REQUIRED
        ):
            attrs["aria-required"] = "true"
        return attrs


class FormRenderer(TemplatesSetting):
    """The project's templates first (templates/forms/field.html), Django's for the widgets."""

    field_template_name = "forms/field.html"
    bound_field_class = AccessibleBoundField
