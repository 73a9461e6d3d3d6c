"""Forms of the report page: the report's period and level, and the client-level export."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from interviews.choices import DueState

from .columns import LEVEL_LABELS
from .figures import LEVELS
from .periods import (
    month_choices,
    period_month,
    period_parse,
    period_quarter,
    previous_month,
    previous_quarter,
    quarter_choices,
)

PERIOD_CHOICES = [("month", _("Month")), ("quarter", _("Quarter")), ("range", _("Custom range"))]


class ReportForm(forms.Form):
    """The report's GET form: its values are the page's shareable query string."""

    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES)
    month = forms.ChoiceField(label=_("Month"), required=False)
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # ISO in any language
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    level = forms.ChoiceField(
        label=_("Rows"), choices=[(level, LEVEL_LABELS[level]) for level in LEVELS]
    )

    def __init__(self, data, *, today: dt.date, **kwargs):
        self.today = today
        last_month = previous_month(today)
        defaults = {"period": "month", "month": f"{last_month.start:%Y-%m}", "level": "team"}
        merged = {**defaults, **{k: v for k, v in (data or {}).items() if v not in ("", None)}}
        super().__init__(merged, label_suffix="", **kwargs)
        # The values stay YYYY-MM / YYYY-Qn (shareable URLs); the labels are the language's.
        self.fields["month"].choices = [(m, period_month(m).display) for m in month_choices(today)]
        self.fields["quarter"].choices = [
            (q, period_quarter(q).display) for q in quarter_choices(today)
        ]
        self.fields["quarter"].initial = f"{previous_quarter(today).label}"
        if "quarter" not in merged:
            self.data = {**self.data, "quarter": previous_quarter(today).label}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["period_obj"] = period_parse(
                kind=data["period"],
                month=data.get("month"),
                quarter=data.get("quarter"),
                start=data.get("start"),
                end=data.get("end"),
                today=self.today,
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        return data


class ClientExportForm(forms.Form):
    """Which clients a client-level export lists: one team (or all visible) and a due state."""

    team = forms.ChoiceField(label=_("Team"), required=False)
    due_state = forms.ChoiceField(
        label=_("Due state"), required=False, choices=[("", _("Any"))] + DueState.choices
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("csv", "CSV"), ("xlsx", "XLSX")])

    def __init__(self, data, *, teams, **kwargs):
        super().__init__(data, label_suffix="", auto_id="export_%s", **kwargs)
        self.fields["team"].choices = [("", _("All my teams"))] + [
            (str(t.pk), str(t)) for t in teams
        ]

    def filters(self) -> dict[str, str]:
        return {k: v for k in ("team", "due_state") if (v := self.cleaned_data.get(k))}
