"""The plan revision that an adviser fills in with a held interview."""

from __future__ import annotations

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from partners.choices import ReferralOutcome

from .models import ActionKind, ActionStatus, Goal, PlanVersion
from .services import ActionInput, PlanInput, referral_action_state

BLANK_ACTION_ROWS = 2


class PlanForm(forms.Form):
    goal = forms.ChoiceField(label=_("Goal"), choices=[("", _("Choose…")), *Goal.choices])
    goal_details = forms.CharField(
        label=_("Goal in the client's words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    applications_per_month = forms.IntegerField(
        label=_("Job applications per month"),
        min_value=0,
        max_value=30,
        help_text=_("Normally 4; fewer for part-time or laid-off clients."),
    )
    follow_up = forms.CharField(
        label=_("How the job search is followed up"), required=False, max_length=300
    )
    strengths = forms.CharField(
        label=_("Strengths"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs = forms.CharField(
        label=_("Needs"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("prefix", "plan")
        super().__init__(*args, **kwargs)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *ActionKind.choices])
    description = forms.CharField(label=_("Description"), max_length=300)
    status = forms.ChoiceField(
        label=_("Action status"), choices=ActionStatus.choices, initial=ActionStatus.PLANNED
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    outcome = forms.ChoiceField(
        label=_("Action result"),
        required=False,
        choices=[("", "—"), *ReferralOutcome.choices],
        help_text=_("When the action is done."),
    )
    # The partner referral the action stands for, carried from version to version (the
    # service keeps only links to the client's own referrals).
    referral = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if data.get("outcome") and data.get("status") != ActionStatus.DONE:
            self.add_error("outcome", _("Only a done action has an outcome."))
        return data


class BaseActionFormSet(forms.BaseFormSet):
    deletion_widget = forms.CheckboxInput

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove from the plan")


ActionFormSet = forms.formset_factory(
    ActionForm, formset=BaseActionFormSet, extra=BLANK_ACTION_ROWS, can_delete=True, max_num=40
)


def plan_initial(current: PlanVersion | None) -> tuple[dict, list[dict]]:
    """The current version as the form's starting point (or a fresh plan's defaults)."""
    if current is None:
        return {"applications_per_month": 4}, []
    plan = {
        "goal": current.goal,
        "goal_details": current.goal_details,
        "applications_per_month": current.applications_per_month,
        "follow_up": current.follow_up,
        "strengths": current.strengths,
        "needs": current.needs,
    }
    return plan, [_action_initial(a) for a in current.actions.all()]


def _action_initial(action) -> dict:
    """An action as the next revision starts from it. An action that stands for a referral
    starts from what the partner has since reported (started, ended with an outcome,
    declined), for the adviser to confirm with the client; `referral_note` says so."""
    values = {
        "kind": action.kind,
        "description": action.description,
        "status": action.status,
        "due_date": action.due_date,
        "outcome": action.outcome,
        "referral": action.referral_id,
    }
    referral = action.referral if action.referral_id else None
    if referral is None:
        return values
    status, outcome = referral_action_state(referral)
    if action.status in (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS) and (
        status != ActionStatus.PLANNED
    ):
        values |= {"status": status, "outcome": outcome}
    values["referral_note"] = referral
    return values


def plan_input(plan_form: PlanForm, actions: BaseActionFormSet) -> PlanInput:
    """The service's input from two valid forms; removed and blank rows are left out."""
    data = plan_form.cleaned_data
    return PlanInput(
        goal=data["goal"],
        applications_per_month=data["applications_per_month"],
        goal_details=data["goal_details"],
        follow_up=data["follow_up"],
        strengths=data["strengths"],
        needs=data["needs"],
        actions=[
            ActionInput(
                kind=f.cleaned_data["kind"],
                description=f.cleaned_data["description"].strip(),
                status=f.cleaned_data["status"],
                due_date=f.cleaned_data.get("due_date"),
                outcome=f.cleaned_data.get("outcome") or "",
                referral_id=f.cleaned_data.get("referral"),
            )
            for f in actions.forms
            if f.has_changed() or f in actions.initial_forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ],
    )


def without_errors(plan_form: PlanForm, actions: BaseActionFormSet) -> None:
    """Keep what was typed in the plan on screen, unvalidated (an outcome that is not Held
    saves no plan, so its fields must not show errors). Marks the bound forms as cleaned
    with no errors, so rendering them shows the submitted values and nothing else."""
    plan_form._errors = ErrorDict()
    for form in actions.forms:
        form._errors = ErrorDict()
    actions._errors = [ErrorDict() for _form in actions.forms]
    actions._non_form_errors = actions.error_class()
