"""Coverage: the figure the office is steered by, computed the same way everywhere.

The team dashboard, the coverage report and its exports, and the API all call this module.

Definitions, for a day D (all dates in Europe/Helsinki):
1. **Must be interviewed on D**: the client's status on D (the latest StatusChange with
   effective_on <= D) is one the interview rule requires (interviews.rules.REQUIRED_STATUSES).
   A client with no status change on or before D was not yet registered and is not counted.
2. **Team and adviser on D**: from the Assignment history: the destination of the latest move
   on or before D; failing that, the origin of the first move after D; failing that (never
   moved), the client's current team and responsible adviser.
3. **Covered on D**: the last interview *held* on or before D is at most one interval old
   (held_on + INTERVIEW_INTERVAL_MONTHS >= D). No-shows and cancellations do not count.
4. **Overdue on D**: the rule's due date as of D (from the last held interview on or before D
   and the start of the status in force on D) is before D.
5. **Coverage** = covered / must be interviewed (None when nobody must be interviewed).

Every figure is a handful of aggregate queries (one per day asked for), whatever the number of
clients or groups; nothing loops over clients in Python.
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import LessThan

from clients.models import Assignment, Client, StatusChange
from interviews import rules
from interviews.choices import Outcome
from interviews.models import Interview
from teams.models import Team

Level = Literal["team", "adviser", "service_line", "office"]
LEVELS: tuple[Level, ...] = ("office", "service_line", "team", "adviser")
HELSINKI = zoneinfo.ZoneInfo("Europe/Helsinki")


@dataclass
class Figures:
    required: int = 0
    covered: int = 0
    overdue: int = 0

    @property
    def coverage(self) -> float | None:
        return self.covered / self.required if self.required else None

    @property
    def coverage_pct(self) -> float | None:
        return None if self.coverage is None else round(100 * self.coverage, 1)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.required + other.required,
            self.covered + other.covered,
            self.overdue + other.overdue,
        )


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` in Helsinki: held_at < day_end(D) means held on or before D."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), HELSINKI)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(last: dt.date, count: int) -> list[dt.date]:
    """The last day of each of `count` months up to `last`'s month, oldest first; the
    running month ends at `last` itself (a figure for a day that has not come is no figure)."""
    days = []
    year, month = last.year, last.month
    for _ in range(count):
        days.append(min(month_end(dt.date(year, month, 1)), last))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return days[::-1]


def clients_as_of(day: dt.date, clients=None):
    """Clients annotated with their status, status start, last held interview, team and
    responsible adviser as of the end of `day`."""
    end = day_end(day)
    clients = Client.objects.all() if clients is None else clients
    status = StatusChange.objects.filter(client=OuterRef("pk"), effective_on__lte=day).order_by(
        "-effective_on", "-id"
    )
    held = (
        Interview.objects.filter(client=OuterRef("pk"), outcome=Outcome.HELD, held_at__lt=end)
        .order_by("-held_at")
        .annotate(day=TruncDate("held_at", tzinfo=HELSINKI))
    )
    before = Assignment.objects.filter(client=OuterRef("pk"), moved_at__lt=end).order_by(
        "-moved_at", "-id"
    )
    after = Assignment.objects.filter(client=OuterRef("pk"), moved_at__gte=end).order_by(
        "moved_at", "id"
    )
    return clients.annotate(
        status_on=Subquery(status.values("new_status")[:1]),
        since_on=Subquery(status.values("effective_on")[:1]),
        held_on=Subquery(held.values("day")[:1]),
        team_on=Coalesce(
            Subquery(before.values("to_team")[:1]),
            Subquery(after.values("from_team")[:1]),
            F("team"),
            output_field=BigIntegerField(),
        ),
        adviser_on=Case(
            When(Exists(before), then=Subquery(before.values("to_adviser")[:1])),
            When(Exists(after), then=Subquery(after.values("from_adviser")[:1])),
            default=F("responsible_adviser"),
            output_field=BigIntegerField(),
        ),
    )


def _candidates(team_ids: Iterable[int] | None):
    """Clients that may have been in these teams at some time: now, or through a move."""
    if team_ids is None:
        return Client.objects.all()
    team_ids = list(team_ids)
    moved = Assignment.objects.filter(client=OuterRef("pk")).filter(
        Q(from_team__in=team_ids) | Q(to_team__in=team_ids)
    )
    return Client.objects.filter(Q(team__in=team_ids) | Exists(moved))


def coverage_on(
    day: dt.date, *, level: Level = "team", team_ids: Iterable[int] | None = None
) -> dict[int | None, Figures]:
    """Figures per group (team, adviser, service line or office id) as of `day`.

    `team_ids` limits the count to clients in those teams on `day` (None: every team).
    Adviser level keys are user ids, with None for clients without a responsible adviser.
    One aggregate query (plus one small team lookup for the service-line and office levels).
    """
    team_ids = None if team_ids is None else list(team_ids)
    annotated = clients_as_of(day, _candidates(team_ids)).filter(
        status_on__in=list(rules.REQUIRED_STATUSES)
    )
    if team_ids is not None:
        annotated = annotated.filter(team_on__in=team_ids)
    due_on = rules.next_due_date_expression("status_on", "since_on", "held_on")
    key = "adviser_on" if level == "adviser" else "team_on"
    rows = (
        annotated.annotate(
            is_covered=Case(
                When(rules.covered_expression("held_on", day), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            is_overdue=Case(
                When(LessThan(due_on, Value(day)), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values(key)
        .annotate(required=Count("pk"), covered=Sum("is_covered"), overdue=Sum("is_overdue"))
        .order_by()
    )
    by_key = {r[key]: Figures(r["required"], r["covered"] or 0, r["overdue"] or 0) for r in rows}
    if level in ("team", "adviser"):
        return by_key
    field = "service_line_id" if level == "service_line" else "service_line__office_id"
    parent = dict(Team.objects.filter(pk__in=list(by_key)).values_list("pk", field))
    grouped: dict[int | None, Figures] = {}
    for team_id, figures in by_key.items():
        grouped[parent[team_id]] = grouped.get(parent[team_id], Figures()) + figures
    return grouped


def coverage_by_month(
    last: dt.date, months: int, *, level: Level = "team", team_ids: Iterable[int] | None = None
) -> list[tuple[dt.date, dict[int | None, Figures]]]:
    """coverage_on() at each month end (oldest first): one aggregate query per month."""
    team_ids = None if team_ids is None else list(team_ids)
    return [
        (day, coverage_on(day, level=level, team_ids=team_ids)) for day in month_ends(last, months)
    ]
