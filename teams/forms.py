from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.dashboard.rebalance import UNASSIGNED


class TargetCaseloadForm(forms.Form):
    target_caseload = forms.IntegerField(
        label=_("Target caseload per adviser"),
        min_value=1,
        max_value=5000,
        help_text=_("How many clients one adviser can keep on the interview cycle (1–5,000)."),
    )


class CoverageGoalForm(forms.Form):
    """A manager's coverage goal: for which office, service line or team, how much, from when."""

    scope = forms.ChoiceField(label=_("For"))
    percent = forms.DecimalField(
        label=_("Coverage goal (%)"),
        min_value=Decimal("0.1"),
        max_value=Decimal(100),
        decimal_places=1,
        max_digits=4,
        localize=True,
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data=None, *, scopes: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["scope"].choices = scopes


class RebalanceFilterForm(forms.Form):
    """Which of the team's clients to choose from (GET)."""

    adviser = forms.ChoiceField(label=_("Clients of"), required=False)
    which = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("overdue", _("Overdue")),
            ("due_soon", _("Due within 14 days")),
            ("never", _("Never interviewed")),
            ("all", _("All clients")),
        ],
    )

    def __init__(self, data, *, members: list[tuple[int, str]]):
        super().__init__(data)
        self.fields["adviser"].choices = [
            ("", _("Everyone in the team")),
            *[(str(pk), name) for pk, name in members],
            (UNASSIGNED, _("Unassigned")),
        ]

    def values(self) -> tuple[str | int | None, str]:
        if not self.is_valid():
            return None, "overdue"
        adviser = self.cleaned_data["adviser"]
        if adviser and adviser != UNASSIGNED:
            adviser = int(adviser)
        return adviser or None, self.cleaned_data["which"] or "overdue"


class ClientIdsField(forms.TypedMultipleChoiceField):
    """Client ids as ints; whether they belong to the team is the service's business."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


class MoveForm(forms.Form):
    """The clients chosen and who takes them over (POST, for the preview and the move)."""

    clients = ClientIdsField(
        label=_("Clients to move"),
        error_messages={"required": _("Choose at least one client to move.")},
    )
    to_adviser = forms.TypedChoiceField(
        label=_("Move to"),
        coerce=int,
        error_messages={"required": _("Choose who takes the clients over.")},
    )

    def __init__(self, data, *, destinations: list):
        super().__init__(data)
        self.fields["to_adviser"].choices = [("", _("Choose an adviser"))] + [
            (
                team.name,
                [(u.pk, u.get_full_name() or u.username) for u in users],
            )
            for team, users in destinations
        ]
