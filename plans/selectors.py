"""Reads of plans: a client's current plan and its history with what each version changed,
and the job-search figures by review period (the obligation the plan sets, the applications
reported in the running and the last ended period) as set-based annotations on clients.

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
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, Greatest

from clients.choices import Status
from clients.models import Client
from interviews.rules import (
    JOB_SEARCH_STATUSES,
    LAY_OFF_DEFERRAL_MONTHS,
    JobSearchPeriod,
    job_search_obligation,
    job_search_period_around,
    job_search_periods,
    job_search_standing,
    job_search_starts_on,
    month_index,
    month_of_index,
)

from .models import JobSearchReport, PlanAction, PlanVersion


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
    "job_search_period_months",
    "job_search_from",
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


# --- The job-search figures (the rule: interviews.rules.job_search_periods) -----------------
#
# In SQL, months are counted as integers (rules.month_index: year * 12 + month - 1), so the
# review periods are integer arithmetic on the latest plan version's row: its first period's
# month (the plan's start, for a laid-off client no earlier than the lay-off's fourth month),
# the period length, and today's month.

# What a page of rows selects (js_short is for filtering: selecting it too would repeat its
# subqueries; rules.job_search_short says the same from these).
JOB_SEARCH_COLUMNS = (
    "js_obligation",
    "js_period_months",
    "js_first_month",
    "js_reported",
    "js_last_reported",
)


def _month_index(expression) -> Cast:
    return Cast(
        ExtractYear(expression) * Value(12) + ExtractMonth(expression) - Value(1),
        IntegerField(),
    )


def _lay_off_first_month() -> Case:
    """For a laid-off client, the month index of the first month that begins on or after the
    day the lay-off has lasted LAY_OFF_DEFERRAL_MONTHS months (rules.job_search_starts_on)."""
    return Case(
        When(
            status=Status.LAID_OFF,
            then=_month_index("status_since")
            + Value(LAY_OFF_DEFERRAL_MONTHS)
            + Case(When(status_since__day__gt=1, then=Value(1)), default=Value(0)),
        ),
        default=Value(None),
        output_field=IntegerField(),
    )


def _latest_version_periods(today: dt.date) -> QuerySet[PlanVersion]:
    """The client's (OuterRef) latest plan version with its periods counted for `today`, as
    month indexes (rules.month_index): first (the first period's month) and running (the
    period running today's first month; meaningful once first <= today's month). Kept
    small: each is inlined wherever a subquery refers to it."""
    now = Value(month_index(today))
    first = Greatest(
        _month_index("job_search_from"),
        Coalesce(OuterRef("js_lay_off_first"), Value(0)),
        output_field=IntegerField(),
    )
    return (
        PlanVersion.objects.filter(plan__client=OuterRef("pk"))
        .order_by("-number")
        .annotate(first=first)
        .annotate(
            running=F("first")
            + (now - F("first")) / F("job_search_period_months") * F("job_search_period_months")
        )
    )


def _reported_between(start, end) -> Coalesce:
    """The applications the client (two levels out) reported for months start..end."""
    reports = (
        JobSearchReport.objects.filter(client=OuterRef(OuterRef("pk")))
        .annotate(index=_month_index("month"))
        .filter(index__gte=start, index__lte=end)
        .order_by()
        .values("client")
        .annotate(total=Sum("applications"))
        .values("total")
    )
    return Coalesce(Subquery(reports), Value(0), output_field=IntegerField())


def with_job_search_figures(*, clients: QuerySet[Client], today: dt.date) -> QuerySet[Client]:
    """Clients annotated, set-based, with their job-search figures on `today`:
    - js_obligation: applications required a period (None: no obligation to follow up: a
      status out of scope, or no plan); js_period_months: the period's length;
    - js_first_month: the month index (rules.month_index) of the first period's first month;
    - js_reported: applications reported so far in the running period (None: not begun);
    - js_last_reported: those reported in the last ended period (None: none has ended);
    - js_short: the last ended period fell short (None or False otherwise).
    Each figure is a subquery in the SELECT list on the latest version's row, so a page of
    rows reads them for its rows only. Clients that already have them are returned as
    they are."""
    if "js_obligation" in clients.query.annotations:
        return clients
    versions = _latest_version_periods(today)

    def latest(expression):
        return Subquery(versions.annotate(value=expression).values("value")[:1])

    in_scope = Q(status__in=list(JOB_SEARCH_STATUSES))
    now = Value(month_index(today))
    running, months = OuterRef("running"), OuterRef("job_search_period_months")
    # A version without a start (only a bulk loader writes one) has no obligation.
    required = Case(
        When(job_search_from__isnull=False, then=F("applications_per_month")),
        default=Value(None),
        output_field=IntegerField(),
    )
    clients = clients.annotate(js_lay_off_first=_lay_off_first_month()).annotate(
        js_obligation=Case(
            When(in_scope, then=latest(required)),
            default=Value(None),
            output_field=IntegerField(),
        ),
        js_period_months=latest(F("job_search_period_months")),
        js_first_month=latest(F("first")),
        js_reported=latest(
            Case(
                When(
                    first__lte=now,
                    then=_reported_between(running, running + months - Value(1)),
                ),
                default=Value(None),
                output_field=IntegerField(),
            )
        ),
        js_last_reported=latest(
            Case(
                When(
                    first__lte=now - F("job_search_period_months"),
                    then=_reported_between(running - months, running - Value(1)),
                ),
                default=Value(None),
                output_field=IntegerField(),
            )
        ),
    )
    return clients.annotate(
        js_short=ExpressionWrapper(
            Q(js_obligation__isnull=False)
            & Q(js_last_reported__isnull=False)
            & Q(js_last_reported__lt=F("js_obligation")),
            output_field=BooleanField(),
        )
    )


def fallen_short(*, clients: QuerySet[Client], today: dt.date) -> QuerySet[Client]:
    """The clients whose last ended review period fell short of their plan's obligation."""
    return with_job_search_figures(clients=clients, today=today).filter(js_short=True)


@dataclass(frozen=True)
class JobSearchShortfall:
    client: Client
    period_start: dt.date
    period_end: dt.date
    required: int
    reported: int


def job_search_shortfalls(
    clients: QuerySet[Client], *, today: dt.date, limit: int | None = None
) -> list[JobSearchShortfall]:
    """The clients (a queryset the caller has already scoped to what the user may see) whose
    last ended review period fell short, with that period: one query. Ordered by name;
    at most `limit` rows."""
    rows = fallen_short(clients=clients, today=today).order_by("last_name", "first_name", "id")
    if limit is not None:
        rows = rows[:limit]
    shortfalls = []
    for c in rows:
        start, end = job_search_period_around(
            month_of_index(c.js_first_month), c.js_period_months, today, back=1
        )
        shortfalls.append(
            JobSearchShortfall(
                client=c,
                period_start=start,
                period_end=end,
                required=c.js_obligation,
                reported=c.js_last_reported,
            )
        )
    return shortfalls


@dataclass(frozen=True)
class JobSearchOfClient:
    """One client's obligation and periods for the client page (rules.job_search_periods)."""

    applications: int | None  # required a period; None: no obligation to follow up
    period_months: int
    first: dt.date | None  # the first period's first day
    periods: list[JobSearchPeriod]  # newest first
    running: JobSearchPeriod | None
    last_ended: JobSearchPeriod | None


def job_search_of_client(*, client: Client, today: dt.date) -> JobSearchOfClient:
    """One client's obligation and review periods, by the Python rule: two queries (the
    latest plan version, the client's reports since the first period)."""
    version = (
        PlanVersion.objects.filter(plan__client=client)
        .order_by("-number")
        .only("applications_per_month", "job_search_period_months", "job_search_from", "created_at")
        .first()
    )
    if version is None:
        return JobSearchOfClient(None, 1, None, [], None, None)
    start = version.job_search_from  # None (a bulk loader's row): no obligation to follow up
    applications = job_search_obligation(
        status=client.status, plan_applications=version.applications_per_month
    )
    first = job_search_starts_on(
        status=client.status, status_since=client.status_since, start=start
    )
    reported = dict(
        JobSearchReport.objects.filter(client=client, month__gte=first).values_list(
            "month", "applications"
        )
    )
    periods = job_search_periods(
        status=client.status,
        status_since=client.status_since,
        applications=version.applications_per_month,
        period_months=version.job_search_period_months,
        start=start,
        today=today,
        reported=reported,
    )
    last_ended, running = job_search_standing(periods)
    return JobSearchOfClient(
        applications=applications,
        period_months=version.job_search_period_months,
        first=first,
        periods=periods[::-1],
        running=running,
        last_ended=last_ended,
    )


def job_search_reports(*, client: Client, last: int = 12) -> QuerySet[JobSearchReport]:
    """The client's latest monthly reports, newest first."""
    return JobSearchReport.objects.filter(client=client).order_by("-month")[:last]
