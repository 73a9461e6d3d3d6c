from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ClosingReport, Consent, ContactPerson, Partner, PartnerService


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):  # noqa: A002  ISO whatever the language
        super().__init__(attrs, format)


class NoColon:
    """Labels without Django's trailing colon, like the rest of the product's forms."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ConsentForm(NoColon, forms.ModelForm):
    class Meta:
        model = Consent
        fields = [
            "partner",
            "purpose",
            "scope",
            "contact_details",
            "valid_from",
            "valid_until",
            "method",
        ]
        widgets = {
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "scope": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "purpose": _("Why the information is shared, e.g. coaching towards work."),
            "scope": _("What may be shared, e.g. contact details, plan, work history."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = Partner.objects.filter(active=True)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The consent cannot end before it begins."))
        return data

    def validate_constraints(self) -> None:
        # The period rule is reported next to the field by clean(); the database still
        # enforces it.
        if "valid_until" not in self.errors:
            super().validate_constraints()


class ReferralForm(NoColon, forms.Form):
    service = forms.ModelChoiceField(
        label=_("Partner service"),
        queryset=PartnerService.objects.filter(active=True, partner__active=True).select_related(
            "partner"
        ),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    shared_information = forms.CharField(
        label=_("Information shared with the partner"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only what the client's consent covers."),
    )
    # A one-time key per form: a double submit finds the referral the first one sent.
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)


class InterviewReferralForm(ReferralForm):
    """The optional referral in the interview form: left empty, nothing is referred; once
    any field is filled, all of them are needed."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "referral")
        super().__init__(*args, **kwargs)
        del self.fields["submission_key"]  # the interview's own key makes it one per intent
        self.fields["service"].empty_label = _("No referral")
        for field in self.fields.values():
            field.required = False

    @property
    def requested(self) -> bool:
        """Whether the adviser started a referral, read from the raw data."""
        if not self.is_bound:
            return False
        return any(self.data.get(self.add_prefix(name), "").strip() for name in self.fields)

    def clean(self) -> dict:
        data = super().clean()
        if self.requested:
            for name in self.fields:
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, self.fields[name].error_messages["required"])
        return data


class DeclineForm(NoColon, forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), widget=forms.Textarea(attrs={"rows": 2})
    )


class ClosingReportForm(NoColon, forms.ModelForm):
    class Meta:
        model = ClosingReport
        fields = [
            "work_done",
            "results",
            "outcome",
            "next_steps",
            "further_support_needed",
            "further_support",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ["work_done", "results", "next_steps", "further_support"]
        }


class PartnerForm(NoColon, forms.ModelForm):
    class Meta:
        model = Partner
        fields = ["name", "business_id"]


class PartnerServiceForm(NoColon, forms.ModelForm):
    class Meta:
        model = PartnerService
        fields = ["partner", "name", "service_type", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class ContactPersonForm(NoColon, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = ["partner", "name", "title", "email", "phone"]
