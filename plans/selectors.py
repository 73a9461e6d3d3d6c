"""Reads of plans: a client's current plan and its history with what each version changed,
and the job-search figures of the month (the obligation the plan sets, the applications
reported) as set-based annotations on clients.

There is no plan page of its own: the client page shows the plan and the interview form
revises it; the caseload, the client page and the fallen-short list show the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import In

from clients.models import Client
from interviews.rules import JOB_SEARCH_MAX_APPLICATIONS, JOB_SEARCH_STATUSES, month_start

from .models import ActionStatus, JobSearchReport, PlanAction, PlanVersion


def actions_with_referrals() -> Prefetch:
    """Prefetch a version's actions with the referral each stands for (one query)."""
    return Prefetch(
        "actions", queryset=PlanAction.objects.select_related("referral__partner").order_by("id")
    )


def plan_current_version(*, client: Client) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(plan__client=client)
        .select_related("author", "interview")
        .prefetch_related(actions_with_referrals())
        .order_by("-number")
        .first()
    )


# --- The plan's history ----------------------------------------------------------------------

_COMPARED_FIELDS = (
    "goal",
    "goal_details",
    "applications_per_month",
    "follow_up",
    "strengths",
    "needs",
)


@dataclass
class VersionChanges:
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # label, before, after
    added: list[PlanAction] = field(default_factory=list)
    changed: list[tuple[PlanAction, PlanAction]] = field(default_factory=list)  # before, after
    removed: list[PlanAction] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.added or self.changed or self.removed)


def _display(version: PlanVersion, name: str) -> str:
    getter = getattr(version, f"get_{name}_display", None)
    value = getter() if getter else getattr(version, name)
    return str(value) if value not in (None, "") else "–"


def version_changes(older: PlanVersion | None, newer: PlanVersion) -> VersionChanges:
    """What `newer` changed against `older` (actions are matched by type and description).

    Uses the prefetched actions only: no queries.
    """
    changes = VersionChanges()
    if older is None:
        changes.added = list(newer.actions.all())
        return changes
    for name in _COMPARED_FIELDS:
        if getattr(older, name) != getattr(newer, name):
            label = str(PlanVersion._meta.get_field(name).verbose_name)
            changes.fields.append((label, _display(older, name), _display(newer, name)))
    before = {(a.kind, a.description.strip().lower()): a for a in older.actions.all()}
    for action in newer.actions.all():
        previous = before.pop((action.kind, action.description.strip().lower()), None)
        if previous is None:
            changes.added.append(action)
        elif (previous.status, previous.due_date, previous.outcome) != (
            action.status,
            action.due_date,
            action.outcome,
        ):
            changes.changed.append((previous, action))
    changes.removed = list(before.values())
    return changes


def plan_history(*, client: Client) -> list[tuple[PlanVersion, VersionChanges]]:
    """All versions, newest first, each with what it changed: two queries in all (the
    actions come with the referrals they stand for)."""
    versions = list(
        PlanVersion.objects.filter(plan__client=client)
        .select_related("author", "interview")
        .prefetch_related(actions_with_referrals())
        .order_by("-number")
    )
    return [
        (version, version_changes(versions[i + 1] if i + 1 < len(versions) else None, version))
        for i, version in enumerate(versions)
    ]


# --- The job-search figures (the rule: interviews.rules.job_search_obligation) ---------------


def with_job_search_figures(*, clients: QuerySet[Client], month: dt.date) -> QuerySet[Client]:
    """Clients annotated, set-based, with the month's obligation (js_obligation: applications
    a month, capped at JOB_SEARCH_MAX_APPLICATIONS; None when there is none to follow up)
    and the applications reported for that month (js_reported). Each is one subquery in the
    SELECT list, so a page of rows reads them for its rows only. Clients that already have
    the figures (from with_job_search) are returned as they are."""
    if "js_obligation" in clients.query.annotations:
        return clients
    capped = Case(
        When(
            applications_per_month__gt=JOB_SEARCH_MAX_APPLICATIONS,
            then=Value(JOB_SEARCH_MAX_APPLICATIONS),
        ),
        default=F("applications_per_month"),
        output_field=IntegerField(),
    )
    latest = (
        PlanVersion.objects.filter(plan__client=OuterRef("pk"))
        .order_by("-number")
        .annotate(capped=capped)
        .values("capped")[:1]
    )
    obligation = Case(
        When(In(F("status"), list(JOB_SEARCH_STATUSES)), then=Subquery(latest)),
        default=Value(None, output_field=IntegerField()),
        output_field=IntegerField(),
    )
    reported = Coalesce(
        Subquery(
            JobSearchReport.objects.filter(client=OuterRef("pk"), month=month_start(month))
            .order_by()
            .values("applications")[:1]
        ),
        Value(0),
        output_field=IntegerField(),
    )
    return clients.annotate(js_obligation=obligation, js_reported=reported)


def with_job_search(*, clients: QuerySet[Client], month: dt.date) -> QuerySet[Client]:
    """with_job_search_figures, and whether the client fell short (js_short), for filtering
    (interviews.rules.job_search_short says the same for one client)."""
    return with_job_search_figures(clients=clients, month=month).annotate(
        js_short=ExpressionWrapper(
            Q(js_obligation__isnull=False) & Q(js_reported__lt=F("js_obligation")),
            output_field=BooleanField(),
        )
    )


def fallen_short(*, clients: QuerySet[Client], month: dt.date) -> QuerySet[Client]:
    """The clients who reported fewer applications than their obligation for `month`."""
    return with_job_search(clients=clients, month=month).filter(js_short=True)


def job_search_of_client(*, client: Client, month: dt.date) -> dict:
    """One client's figures for `month`: js_obligation, js_reported and js_short."""
    return with_job_search(clients=Client.objects.filter(pk=client.pk), month=month).values(
        "js_obligation", "js_reported", "js_short"
    )[0]


def job_search_reports(*, client: Client, last: int = 12) -> QuerySet[JobSearchReport]:
    """The client's latest monthly reports, newest first."""
    return JobSearchReport.objects.filter(client=client).order_by("-month")[:last]


def plan_actions_due(*, clients: QuerySet[Client], until: dt.date) -> QuerySet[PlanAction]:
    """The open actions (planned or in progress) of these clients' current plans that are
    due on or before `until`, earliest first, with the client."""
    current = (
        PlanVersion.objects.filter(plan=OuterRef("version__plan"))
        .order_by("-number")
        .values("number")[:1]
    )
    return (
        PlanAction.objects.filter(
            version__plan__client__in=clients,
            status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS],
            due_date__lte=until,
        )
        .filter(version__number=Subquery(current))
        .select_related("version__plan__client")
        .order_by("due_date", "id")
    )
