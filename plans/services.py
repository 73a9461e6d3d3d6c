"""Writes to employment plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.models import ChangeEventKind
from audit.services import change_record, changes_between, field_labels
from clients.models import Client

from .models import ActionKind, ActionStatus, EmploymentPlan, PlanAction, PlanVersion


@dataclass(frozen=True)
class ActionInput:
    kind: str
    description: str
    status: str
    due_date: dt.date | None = None


@dataclass(frozen=True)
class PlanInput:
    goal: str
    applications_per_month: int
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


def plan_current_version(client: Client) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(plan__client=client)
        .select_related("author", "interview")
        .prefetch_related("actions")
        .order_by("-number")
        .first()
    )


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
    try:
        with transaction.atomic():
            version = PlanVersion.objects.create(
                plan=plan,
                number=(current_number or 0) + 1,
                goal=data.goal,
                goal_details=data.goal_details,
                applications_per_month=data.applications_per_month,
                follow_up=data.follow_up,
                strengths=data.strengths,
                needs=data.needs,
                author=author,
                interview=interview,
            )
    except IntegrityError:
        raise PlanConflict(plan.versions.order_by("-number").first()) from None
    PlanAction.objects.bulk_create(
        PlanAction(
            version=version,
            kind=a.kind,
            description=a.description,
            status=a.status,
            due_date=a.due_date,
        )
        for a in data.actions
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
    "follow_up",
    "strengths",
    "needs",
]


def _plan_labels() -> dict[str, str]:
    return {**field_labels(PlanVersion, _PLAN_FIELDS), "actions": _("agreed actions")}


def _version_values(version: PlanVersion | None, actions=None) -> dict:
    """A plan version as display values, for the change history's before/after."""
    if version is None:
        return {}
    if actions is None:
        actions = version.actions.all()
    values = {f: getattr(version, f) for f in _PLAN_FIELDS}
    values["goal"] = version.get_goal_display()
    values["actions"] = "; ".join(
        f"{ActionKind(a.kind).label}: {a.description} ({ActionStatus(a.status).label}"
        + (f", {a.due_date.isoformat()})" if a.due_date else ")")
        for a in actions
    )
    return values
