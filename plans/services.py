"""Writes to employment plans and the job-search reports they are followed up with."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import ChangeEventKind
from audit.services import change_record, changes_between, field_labels
from clients.models import Client
from interviews.rules import (
    JOB_SEARCH_DEFAULT_PERIOD_MONTHS,
    JOB_SEARCH_PERIOD_MONTHS,
    job_search_default_start,
    job_search_max_applications,
    month_start,
)
from partners.choices import ReferralStatus, ServiceType

from .models import (
    ActionKind,
    ActionStatus,
    EmploymentPlan,
    JobSearchReport,
    PlanAction,
    PlanVersion,
)

if TYPE_CHECKING:  # a referral is passed in; plans reads partners only through it
    from partners.models import Referral


@dataclass(frozen=True)
class ActionInput:
    kind: str
    description: str
    status: str
    due_date: dt.date | None = None
    outcome: str = ""
    referral_id: int | None = None

    @classmethod
    def of(cls, action: PlanAction) -> ActionInput:
        """An existing action as it stands, to carry into the next version."""
        return cls(
            kind=action.kind,
            description=action.description,
            status=action.status,
            due_date=action.due_date,
            outcome=action.outcome,
            referral_id=action.referral_id,
        )


@dataclass(frozen=True)
class PlanInput:
    goal: str
    applications_per_month: int  # the job-search obligation: applications per review period
    # None: the current version's, or the default (the API may leave them out)
    job_search_period_months: int | None = None
    job_search_from: dt.date | None = None
    goal_details: str = ""
    follow_up: str = ""
    strengths: str = ""
    needs: str = ""
    actions: list[ActionInput] = field(default_factory=list)


class PlanConflict(Exception):
    """Someone else saved a newer version since this revision was started."""

    def __init__(self, current: PlanVersion | None):
        self.current = current
        super().__init__(
            _(
                "The plan was revised by %(author)s while you were editing. Your text is kept "
                "below; check the newer version and save again."
            )
            % {"author": (current.author.get_full_name() or current.author) if current else "?"}
        )


# --- The job-search obligation ---------------------------------------------------------------


def obligation_check(*, applications: int, period_months: int) -> None:
    """The obligation's limits (the database's constraints say the same): a review period of
    one or three months, 0..4 applications a month of it."""
    if period_months not in JOB_SEARCH_PERIOD_MONTHS:
        raise ValidationError(
            {"job_search_period_months": _("Choose a review period of one or three months.")}
        )
    most = job_search_max_applications(period_months)
    if not 0 <= applications <= most:
        raise ValidationError(
            {
                "applications_per_month": _(
                    "Enter 0 to %(most)s applications: at most 4 for each month of the period."
                )
                % {"most": most}
            }
        )


def _obligation_start(given: dt.date | None, current: PlanVersion | None) -> dt.date:
    """The periods' start: the given day's month (periods are whole months), else the
    current version's start, else the first whole month from today."""
    if given is not None:
        return month_start(given)
    if current is not None and current.job_search_from is not None:
        return current.job_search_from
    return job_search_default_start(timezone.localdate())


# --- Referrals as plan actions --------------------------------------------------------------

_KIND_OF_SERVICE = {
    ServiceType.COACHING: ActionKind.COACHING,
    ServiceType.HEALTH: ActionKind.ASSESSMENT,
    ServiceType.SOCIAL: ActionKind.SOCIAL,
    ServiceType.EDUCATION: ActionKind.STUDY,
    ServiceType.CAREER_GUIDANCE: ActionKind.GUIDANCE,
}


def referral_action(referral: Referral) -> ActionInput:
    """The plan action that stands for a new referral: the service's kind, planned."""
    service = referral.service
    return ActionInput(
        kind=_KIND_OF_SERVICE.get(service.service_type, ActionKind.OTHER),
        description=f"{service.partner.name} – {service.name}"[:300],
        status=ActionStatus.PLANNED,
        referral_id=referral.pk,
    )


def referral_action_state(referral: Referral) -> tuple[str, str]:
    """(action status, outcome) that a referral's present state means for its plan action:
    started is in progress, ended is done with the closing report's outcome, declined is
    cancelled; sent and accepted are still planned."""
    return {
        ReferralStatus.STARTED: (ActionStatus.IN_PROGRESS, ""),
        ReferralStatus.ENDED: (ActionStatus.DONE, referral.outcome),
        ReferralStatus.DECLINED: (ActionStatus.CANCELLED, ""),
    }.get(referral.status, (ActionStatus.PLANNED, ""))


@transaction.atomic
def plan_action_add(
    *, client: Client, author: AbstractBaseUser, action: ActionInput
) -> PlanVersion | None:
    """Add one action to the client's plan: a new version that carries the current one's
    goal, obligation and actions unchanged, plus this action (versions are never edited).

    None when the client has no plan yet: a plan is first agreed at a held interview, and
    an action alone is no plan.
    """
    plan = EmploymentPlan.objects.select_for_update().filter(client=client).first()
    current = (
        plan.versions.prefetch_related("actions").order_by("-number").first() if plan else None
    )
    if current is None:
        return None
    data = PlanInput(
        goal=current.goal,
        applications_per_month=current.applications_per_month,
        job_search_period_months=current.job_search_period_months,
        job_search_from=current.job_search_from,
        goal_details=current.goal_details,
        follow_up=current.follow_up,
        strengths=current.strengths,
        needs=current.needs,
        actions=[*(ActionInput.of(a) for a in current.actions.all()), action],
    )
    return plan_revise(client=client, author=author, data=data, based_on=current.number)


def _with_referral_links(
    client: Client, current: PlanVersion | None, actions: list[ActionInput]
) -> list[ActionInput]:
    """The actions with only links to this client's referrals kept; an action that comes
    without a link (e.g. from the API) keeps the one its namesake in the current version
    had, matched by type and description as the plan history matches actions."""
    given = {a.referral_id for a in actions if a.referral_id is not None}
    known = (
        set(client.referrals.filter(pk__in=given).values_list("pk", flat=True)) if given else set()
    )
    carried: dict[tuple[str, str], int] = {}
    if current is not None and any(a.referral_id is None for a in actions):
        carried = {
            (kind, description.strip().lower()): referral_id
            for kind, description, referral_id in current.actions.filter(
                referral__isnull=False
            ).values_list("kind", "description", "referral_id")
        }
    linked = []
    for a in actions:
        if a.referral_id is None:
            referral_id = carried.get((a.kind, a.description.strip().lower()))
        else:
            referral_id = a.referral_id if a.referral_id in known else None
        linked.append(replace(a, referral_id=referral_id))
    return linked


@transaction.atomic
def plan_revise(
    *,
    client: Client,
    author: AbstractBaseUser,
    data: PlanInput,
    based_on: int | None,
    interview=None,
) -> PlanVersion:
    """Save a new immutable version of the client's plan.

    `based_on` is the version number the author started from (None for a first plan);
    if another version was saved meanwhile, PlanConflict is raised and nothing is written
    (optimistic locking: the second save never silently overwrites the first).
    """
    plan, _created = EmploymentPlan.objects.get_or_create(client=client)
    # Lock the plan row so two revisions serialise; the check below then sees the winner.
    EmploymentPlan.objects.select_for_update().filter(pk=plan.pk).first()
    current = plan.versions.order_by("-number").first()
    current_number = current.number if current else None
    if current_number != based_on:
        raise PlanConflict(current)
    period_months = data.job_search_period_months or (
        current.job_search_period_months if current else JOB_SEARCH_DEFAULT_PERIOD_MONTHS
    )
    obligation_check(applications=data.applications_per_month, period_months=period_months)
    try:
        with transaction.atomic():
            version = PlanVersion.objects.create(
                plan=plan,
                number=(current_number or 0) + 1,
                goal=data.goal,
                goal_details=data.goal_details,
                applications_per_month=data.applications_per_month,
                job_search_period_months=period_months,
                job_search_from=_obligation_start(data.job_search_from, current),
                follow_up=data.follow_up,
                strengths=data.strengths,
                needs=data.needs,
                author=author,
                interview=interview,
            )
    except IntegrityError:
        raise PlanConflict(plan.versions.order_by("-number").first()) from None
    actions = _with_referral_links(client, current, data.actions)
    PlanAction.objects.bulk_create(
        PlanAction(
            version=version,
            kind=a.kind,
            description=a.description,
            status=a.status,
            due_date=a.due_date,
            outcome=a.outcome if a.status == ActionStatus.DONE else "",
            referral_id=a.referral_id,
        )
        for a in actions
    )
    change_record(
        client=client,
        kind=ChangeEventKind.PLAN_REVISED,
        changed_by=author,
        subject_id=version.pk,
        changes=changes_between(
            _version_values(current), _version_values(version, data.actions), labels=_plan_labels()
        ),
    )
    return version


_PLAN_FIELDS = [
    "number",
    "goal",
    "goal_details",
    "applications_per_month",
    "job_search_period_months",
    "job_search_from",
    "follow_up",
    "strengths",
    "needs",
]


def _plan_labels() -> dict[str, str]:
    return {**field_labels(PlanVersion, _PLAN_FIELDS), "actions": _("agreed actions")}


def _version_values(version: PlanVersion | None, actions=None) -> dict:
    """A plan version's values for the change history's before/after: keys, not labels (the
    history words them in the reader's language; the actions as a JSON list)."""
    if version is None:
        return {}
    if actions is None:
        actions = version.actions.all()
    values = {f: getattr(version, f) for f in _PLAN_FIELDS}
    kept = [
        {
            "kind": a.kind,
            "description": a.description,
            "status": a.status,
            "outcome": a.outcome or "",
            "due_date": a.due_date.isoformat() if a.due_date else None,
        }
        for a in actions
    ]
    values["actions"] = json.dumps(kept, ensure_ascii=False) if kept else ""
    return values


def job_search_report_record(
    *, client: Client, month: dt.date, applications: int, recorded_by: AbstractBaseUser
) -> JobSearchReport:
    """Record (or correct) the applications the client reported for a month."""
    month = month_start(month)
    if month > month_start(timezone.localdate()):
        raise ValidationError({"month": _("A month that has not begun cannot be reported.")})
    if month < month_start(client.registered_on):
        raise ValidationError(
            {"month": _("This month is before the client registered as a job seeker.")}
        )
    if not 0 <= applications <= 200:
        raise ValidationError({"applications": _("Enter a number from 0 to 200.")})
    report, _created = JobSearchReport.objects.update_or_create(
        client=client,
        month=month,
        defaults={"applications": applications, "recorded_by": recorded_by},
    )
    return report
