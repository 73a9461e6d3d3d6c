"""The plan revision that an adviser fills in with a held interview."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from interviews.rules import (
    JOB_SEARCH_DEFAULT_APPLICATIONS,
    JOB_SEARCH_DEFAULT_PERIOD_MONTHS,
    JOB_SEARCH_PERIOD_MONTHS,
    job_search_default_start,
    job_search_max_applications,
)
from partners.choices import ReferralOutcome

from .models import ActionKind, ActionStatus, Goal, PeriodMonths, PlanVersion
from .services import ActionInput, PlanInput, obligation_check, referral_action_state

BLANK_ACTION_ROWS = 2


class PlanForm(forms.Form):
    goal = forms.ChoiceField(label=_("Goal"), choices=[("", _("Choose…")), *Goal.choices])
    goal_details = forms.CharField(
        label=_("Goal in the client's words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    applications_per_month = forms.IntegerField(
        label=_("Job applications per review period"),
        min_value=0,
        max_value=job_search_max_applications(max(JOB_SEARCH_PERIOD_MONTHS)),
        help_text=_(
            "Normally 4 in each one-month period; e.g. 1 in three months for part-time work. "
            "At most 4 for each month of the period."
        ),
    )
    job_search_period_months = forms.TypedChoiceField(
        label=_("Review period"), choices=PeriodMonths.choices, coerce=int
    )
    job_search_from = forms.DateField(
        label=_("Periods from (month)"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_(
            "Periods are whole months. A laid-off client's obligation begins only when the "
            "lay-off has lasted three months."
        ),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
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

    def clean(self):
        data = super().clean()
        applications, months = (
            data.get("applications_per_month"),
            data.get("job_search_period_months"),
        )
        if applications is not None and months is not None:
            try:
                obligation_check(applications=applications, period_months=months)
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    self.add_error(field, messages)
        return data


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
        return {
            "applications_per_month": JOB_SEARCH_DEFAULT_APPLICATIONS,
            "job_search_period_months": JOB_SEARCH_DEFAULT_PERIOD_MONTHS,
            "job_search_from": job_search_default_start(timezone.localdate()),
        }, []
    plan = {
        "goal": current.goal,
        "goal_details": current.goal_details,
        "applications_per_month": current.applications_per_month,
        "job_search_period_months": current.job_search_period_months,
        "job_search_from": current.job_search_from
        or job_search_default_start(timezone.localtime(current.created_at).date()),
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
        job_search_period_months=data["job_search_period_months"],
        job_search_from=data["job_search_from"],
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
