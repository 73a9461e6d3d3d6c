"""Forms for contact attempts, job-search reports and an office's rule set."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from interviews import rulesets
from interviews.choices import Channel
from interviews.models import ContactResult


class ContactAttemptForm(forms.Form):
    attempted_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    result = forms.ChoiceField(label=_("Result"), choices=ContactResult.choices)
    notice_sent_at = forms.DateTimeField(
        label=_("Notice sent beforehand at"),
        required=False,
        help_text=_("Leave empty if no notice was sent."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=500)
    # A one-time key per form: a double submit finds the attempt the first one recorded.
    submission_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_key", uuid.uuid4())
        super().__init__(*args, **kwargs)


class JobSearchReportForm(forms.Form):
    month = forms.DateField(
        label=_("Month"), widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m"]
    )
    applications = forms.IntegerField(label=_("Applications reported"), min_value=0, max_value=200)


class OfficeRuleSetForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=None)
    code = forms.ChoiceField(label=_("Rule set"), choices=rulesets.CHOICES)
    effective_from = forms.DateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end cannot be before the start."))
        return data
