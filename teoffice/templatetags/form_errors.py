"""The error summary every form shows on top (issue 20): each error listed, as a link to its
field, so a keyboard or screen-reader user reaches the field from the summary (WCAG 3.3.1)."""

from __future__ import annotations

from django import template
from django.forms import BaseForm, BaseFormSet

register = template.Library()


def _errors_of(form: BaseForm, rows: list[dict]) -> None:
    for message in form.non_field_errors():
        rows.append({"message": message})
    for name, messages in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        bound = form[name]
        for message in messages:
            rows.append(
                {
                    "href": f"#{bound.id_for_label}" if bound.id_for_label else "",
                    "label": bound.label,
                    "message": message,
                }
            )


@register.inclusion_tag("forms/error_summary.html")
def error_summary(*forms, intro: str = "") -> dict:
    """{% error_summary form plan_form actions intro=_("…") %}: nothing when all are valid.
    Formsets count with their forms and their own errors; None is skipped."""
    rows: list[dict] = []
    for form in forms:
        if isinstance(form, BaseFormSet):
            if not form.is_bound:
                continue
            for message in form.non_form_errors():
                rows.append({"message": message})
            for sub in form.forms:
                _errors_of(sub, rows)
        elif isinstance(form, BaseForm) and form.is_bound:
            _errors_of(form, rows)
    return {"rows": rows, "intro": intro}
