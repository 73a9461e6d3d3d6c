"""The managers' coverage report: figures per office, service line, team or adviser.

The page, its CSV/XLSX exports, the scheduled monthly report and the API's /api/v1/coverage
all call `coverage_report()`; coverage itself comes from reports.selectors.coverage (never
redefined).

How a row is made (the definitions in reports.columns are shown on the page and in the
exports):
1. The period is [start, end] in local dates; an end after today is cut to today, since a
   figure for a day that has not come is no figure.
2. Each client is placed in the row of their team and responsible adviser at the end of the
   period (reports.selectors.coverage definition 2). Everything that happened to the client
   in the period (interviews, no-shows, outcomes) counts in that row, so a row's figures
   describe one set of clients.
3. The figures are a fixed number of aggregate queries, whatever the number of rows or
   clients: one coverage query per month of the period, one for interviews and cancelled
   appointments, one for the median interval (LAG window + median per group in SQL), one for
   outcomes, one for the row labels, and one for partners' referral outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from partners.services import outcome_counts
from teams import policy
from teams.models import Office, ServiceLine, Team

from ..columns import CHANNELS
from ..figures import LEVELS, Figures, Level
from ..periods import Period, period_validate
from .activity import OUTCOMES, activity_by_key, median_of
from .coverage import coverage_by_month

User = AbstractBaseUser | AnonymousUser


@dataclass
class Row:
    key: int | None
    label: str
    parent: str = ""
    figures: Figures = field(default_factory=Figures)
    held: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    no_shows: int = 0
    cancellations: int = 0
    median_interval_days: float | None = None
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))

    @property
    def held_total(self) -> int:
        return sum(self.held.values())

    def share(self, channel: str) -> float | None:
        return self.held[channel] / self.held_total if self.held_total else None

    def values(self) -> dict[str, object]:
        """The row as {column key: value}; shares and coverage as 0–1 fractions."""
        values: dict[str, object] = {
            "label": self.label,
            "required": self.figures.required,
            "covered": self.figures.covered,
            "coverage": self.figures.coverage,
            "overdue": self.figures.overdue,
            "held": self.held_total,
        }
        for channel in CHANNELS:
            values[f"held_{channel}"] = self.held[channel]
            values[f"share_{channel}"] = self.share(channel)
        values |= {
            "no_shows": self.no_shows,
            "cancellations": self.cancellations,
            "median_interval_days": self.median_interval_days,
            **self.outcomes,
        }
        return values


@dataclass
class Report:
    period: Period
    level: Level
    rows: list[Row]
    total: Row
    # Coverage at each month end of the period (the last one is the period end).
    series: list[tuple[dt.date, dict[int | None, Figures]]]
    referral_outcomes: dict[str, int] | None = None

    @property
    def start(self) -> dt.date:
        return self.period.start

    @property
    def end(self) -> dt.date:
        return self.period.end

    @property
    def series_total(self) -> list[tuple[dt.date, Figures]]:
        totals = []
        for day, by_key in self.series:
            total = Figures()
            for figures in by_key.values():
                total = total + figures
            totals.append((day, total))
        return totals

    def series_for(self, key: int | None) -> list[tuple[dt.date, Figures]]:
        return [(day, by_key.get(key, Figures())) for day, by_key in self.series]


def coverage_report(
    *,
    user: User,
    start: dt.date,
    end: dt.date,
    level: Level = "team",
    team_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    period_kind: str = "range",
) -> Report:
    """The report for the teams `user` may see (optionally narrowed to `team_ids`).

    Raises PermissionDenied for users without reports, ValidationError for a bad period or
    level. A `Period` from period_parse() may be unpacked into start/end.
    """
    if level not in LEVELS:
        raise ValidationError({"level": _("Choose office, service line, team or adviser.")})
    visible = policy.report_team_ids(user)
    if team_ids is not None:
        wanted = set(team_ids)
        visible = sorted(wanted if visible is None else wanted & set(visible))
    period = period_validate(Period(start, end, period_kind), today=today)
    return report_build(period=period, level=level, team_ids=visible)


def report_build(*, period: Period, level: Level, team_ids: list[int] | None) -> Report:
    """The report for the clients of `team_ids` (None: all teams); no access check here."""
    series = coverage_by_month(period.end, period.months, level=level, team_ids=team_ids)
    at_end = series[-1][1]
    activity = _activity(period, level, team_ids)
    keys = set(at_end) | set(activity)
    keys |= _all_keys(level, team_ids)
    labels = _labels(level, keys)
    rows = []
    for key in keys:
        label, parent = labels.get(key, (_("No responsible adviser"), ""))
        row = activity.get(key) or Row(key=key, label=label)
        row.label, row.parent = label, parent
        row.figures = at_end.get(key, Figures())
        rows.append(row)
    rows.sort(key=lambda r: (r.parent, r.key is None, r.label.lower(), r.key or 0))
    total = Row(key=None, label=_("Total"))
    for row in rows:
        total.figures = total.figures + row.figures
        for channel in CHANNELS:
            total.held[channel] += row.held[channel]
        total.no_shows += row.no_shows
        total.cancellations += row.cancellations
        for name in OUTCOMES:
            total.outcomes[name] += row.outcomes[name]
    total.median_interval_days = activity.total_median
    return Report(
        period=period,
        level=level,
        rows=rows,
        total=total,
        series=series,
        referral_outcomes=_referral_outcomes(period, team_ids),
    )


def _referral_outcomes(period: Period, team_ids: list[int] | None) -> dict[str, int]:
    """Partners' referral outcomes for the whole report (one query)."""
    return outcome_counts(start=period.start, end=period.end, team_ids=team_ids)


def _all_keys(level: Level, team_ids: list[int] | None) -> set[int | None]:
    """Every team (or its service line or office) in scope gets a row, even an empty one."""
    if level == "adviser":
        return set()
    teams = Team.objects.all() if team_ids is None else Team.objects.filter(pk__in=team_ids)
    field_name = {
        "team": "pk",
        "service_line": "service_line_id",
        "office": "service_line__office_id",
    }[level]
    return set(teams.values_list(field_name, flat=True))


def _labels(level: Level, keys: set[int | None]) -> dict[int | None, tuple[str, str]]:
    """{key: (label, parent label)} in one query."""
    ids = [k for k in keys if k is not None]
    if level == "office":
        return {o.pk: (o.name, "") for o in Office.objects.filter(pk__in=ids)}
    if level == "service_line":
        return {
            s.pk: (s.name, s.office.name)
            for s in ServiceLine.objects.filter(pk__in=ids).select_related("office")
        }
    if level == "team":
        return {
            t.pk: (t.name, t.service_line.name)
            for t in Team.objects.filter(pk__in=ids).select_related("service_line")
        }
    users = get_user_model().objects.filter(pk__in=ids).select_related("membership__team")
    labels = {}
    for u in users:
        membership = getattr(u, "membership", None)
        labels[u.pk] = (
            u.get_full_name() or u.get_username(),
            membership.team.name if membership else "",
        )
    return labels


# --- The activity figures ------------------------------------------------------------------


class _Activity(dict):
    total_median: float | None = None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _activity(period: Period, level: Level, team_ids: list[int] | None) -> _Activity:
    """Interviews, no-shows, cancellations, median interval and outcomes per row
    (reports.selectors.activity: one statement, kept months read, the rest computed)."""
    rows = _Activity()
    all_gaps: Counter = Counter()
    found = activity_by_key(period.start, period.end, level=level, team_ids=team_ids)
    for key, activity in found.items():
        row = rows[key] = Row(key=key, label="")
        for channel, n in activity.held.items():
            row.held[channel] += n
        row.no_shows, row.cancellations = activity.no_shows, activity.cancellations
        row.median_interval_days = _rounded(activity.median_gap)
        for name, n in activity.outcomes.items():
            row.outcomes[name] += n
        all_gaps.update(activity.gaps)
    rows.total_median = _rounded(median_of(all_gaps))
    return rows
