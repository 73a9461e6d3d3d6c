"""The managers' coverage report: figures per office, service line, team or adviser.

The page, its CSV/XLSX exports, the scheduled monthly report and the API's /api/v1/coverage
all call `coverage_report()`; coverage itself comes from reports.coverage (never redefined).

How a row is made (the DEFINITIONS below are shown on the page and in the exports):
1. The period is [start, end] in local (Helsinki) dates; an end after today is cut to today,
   since a figure for a day that has not come is no figure.
2. Each client is placed in the row of their team and responsible adviser at the end of the
   period (reports.coverage definition 2). Everything that happened to the client in the
   period (interviews, no-shows, outcomes) counts in that row, so a row's figures describe
   one set of clients.
3. The figures are a fixed number of aggregate queries, whatever the number of rows or
   clients: one coverage query per month of the period, one for interviews and cancelled
   appointments, one for the median interval (LAG window + median per group in SQL), one for
   outcomes, one for the row labels, and one for partners' referral outcomes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from interviews import rules
from interviews.choices import Channel
from teams import policy
from teams.models import ManagerScope, Office, ServiceLine, Team

from .activity import OUTCOMES, activity_by_key, median_of
from .coverage import (
    LEVELS,
    Figures,
    Level,
    coverage_by_month,
    month_end,
)
from .models import ClientExport, StoredReport

User = AbstractBaseUser | AnonymousUser

MAX_MONTHS = 36
EARLIEST = dt.date(2000, 1, 1)
LEVEL_LABELS = {
    "office": gettext_lazy("Office"),
    "service_line": gettext_lazy("Service line"),
    "team": gettext_lazy("Team"),
    "adviser": gettext_lazy("Adviser"),
}
CHANNELS: tuple[str, ...] = tuple(Channel.values)


# --- Columns and their definitions (page, CSV, XLSX) ---------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # "int", "pct" (a 0–1 share), "days", "text"
    definition: str


def columns() -> list[Column]:
    """The report's columns in order, with the definition shown on the page and exports."""
    interval = rules.interval_months()
    c = []
    c.append(Column("label", _("Name"), "text", _("The office, service line, team or adviser.")))
    c.append(
        Column(
            "required",
            _("Must be interviewed"),
            "int",
            _(
                "Clients whose job-seeker status on the last day of the period requires "
                "periodic interviews (unemployed or laid off), placed by their team and "
                "responsible adviser on that day."
            ),
        )
    )
    c.append(
        Column(
            "covered",
            _("Covered on time"),
            "int",
            _(
                "Of those, clients whose last held interview on or before the last day is at "
                "most %(months)d months old. No-shows and cancellations do not count."
            )
            % {"months": interval},
        )
    )
    c.append(
        Column(
            "coverage",
            _("Coverage"),
            "pct",
            _("Covered on time divided by must be interviewed (empty when nobody must be)."),
        )
    )
    c.append(
        Column(
            "overdue",
            _("Overdue at period end"),
            "int",
            _(
                "Clients who must be interviewed and whose next interview was due before the "
                "last day of the period (the interview rule as of that day)."
            ),
        )
    )
    c.append(
        Column(
            "held",
            _("Interviews held"),
            "int",
            _("Interviews held in the period with the row's clients, in any channel."),
        )
    )
    names = {
        Channel.PHONE: (_("Phone"), _("Phone share")),
        Channel.FACE_TO_FACE: (_("Face to face"), _("Face-to-face share")),
        Channel.VIDEO: (_("Video"), _("Video share")),
    }
    for channel in CHANNELS:
        count, share = names[channel]
        c.append(
            Column(
                f"held_{channel}",
                count,
                "int",
                _("Interviews held in the period in this channel."),
            )
        )
        c.append(
            Column(
                f"share_{channel}",
                share,
                "pct",
                _("This channel's interviews divided by all interviews held in the period."),
            )
        )
    c.append(
        Column(
            "no_shows",
            _("No-shows"),
            "int",
            _("Interview times in the period that the client did not attend."),
        )
    )
    c.append(
        Column(
            "cancellations",
            _("Cancellations"),
            "int",
            _(
                "Interviews recorded as cancelled in the period, plus booked appointments in "
                "the period that were cancelled without an interview record."
            ),
        )
    )
    c.append(
        Column(
            "median_interval_days",
            _("Median days between interviews"),
            "days",
            _(
                "For each interview held in the period, the days since the same client's "
                "previous held interview (which may be before the period); the median of "
                "these. A client's first held interview has no interval."
            ),
        )
    )
    c.append(
        Column(
            "to_work",
            _("Moved to work"),
            "int",
            _(
                "Clients whose status changed in the period from unemployed or laid off to "
                "employed or part-time employed."
            ),
        )
    )
    c.append(
        Column(
            "to_study",
            _("Moved to study"),
            "int",
            _(
                "Clients with a study action in progress or done in a plan version agreed in "
                "the period, where no earlier version of the plan had one (so a study is "
                "counted in the period it started)."
            ),
        )
    )
    c.append(
        Column(
            "to_work_trial",
            _("Moved to a work trial"),
            "int",
            _("As moved to study, for work-trial actions."),
        )
    )
    c.append(
        Column(
            "to_service",
            _("Moved to another service"),
            "int",
            _(
                "Clients whose status changed in the period from unemployed or laid off to in "
                "a service (training, trial, subsidy)."
            ),
        )
    )
    return c


# --- The period -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    kind: str = "range"  # "month", "quarter", "range"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def period_month(value: str) -> Period:
    """ "2026-10" → October 2026."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", (value or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValidationError({"month": _("Enter a month as YYYY-MM.")})
    start = dt.date(int(match[1]), int(match[2]), 1)
    return Period(start, month_end(start), "month")


def period_quarter(value: str) -> Period:
    """ "2026-Q3" → July–September 2026."""
    match = re.fullmatch(r"(\d{4})-?Q([1-4])", (value or "").strip(), flags=re.IGNORECASE)
    if not match:
        raise ValidationError({"quarter": _("Enter a quarter as YYYY-Qn, e.g. 2026-Q3.")})
    year, quarter = int(match[1]), int(match[2])
    start = dt.date(year, 3 * quarter - 2, 1)
    return Period(start, month_end(dt.date(year, 3 * quarter, 1)), "quarter")


def period_validate(period: Period, *, today: dt.date | None = None) -> Period:
    """Check a period and cut its end to today. Raises ValidationError with field errors."""
    today = today or timezone.localdate()
    field_name = {"month": "month", "quarter": "quarter"}.get(period.kind, "start")
    if period.start < EARLIEST:
        raise ValidationError({field_name: _("The period cannot start before 2000.")})
    if period.end < period.start:
        raise ValidationError({"end": _("The end must not be before the start.")})
    if period.start > today:
        raise ValidationError({field_name: _("The period has not started yet.")})
    period = Period(period.start, min(period.end, today), period.kind)
    if period.months > MAX_MONTHS:
        raise ValidationError(
            {"end": _("A period can be at most %(n)d months long.") % {"n": MAX_MONTHS}}
        )
    return period


def period_parse(
    *,
    kind: str,
    month: str | None = None,
    quarter: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    today: dt.date | None = None,
) -> Period:
    """A period from the report's parameters (the page's GET form and the API use it)."""
    if kind == "month":
        period = period_month(month or "")
    elif kind == "quarter":
        period = period_quarter(quarter or "")
    elif kind == "range":
        errors = {}
        days = {}
        for name, value in (("start", start), ("end", end)):
            if isinstance(value, dt.date):
                days[name] = value
                continue
            try:
                days[name] = dt.date.fromisoformat((value or "").strip())
            except ValueError:
                errors[name] = _("Enter a date as YYYY-MM-DD.")
        if errors:
            raise ValidationError(errors)
        period = Period(days["start"], days["end"], "range")
    else:
        raise ValidationError({"period": _("Choose month, quarter or range.")})
    return period_validate(period, today=today)


def previous_month(today: dt.date) -> Period:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return Period(last.replace(day=1), last, "month")


def previous_quarter(today: dt.date) -> Period:
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)
    return period_quarter(f"{year}-Q{quarter}")


# --- The report -------------------------------------------------------------------------


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


def _referral_outcomes(period: Period, team_ids: list[int] | None) -> dict[str, int] | None:
    """Partners' referral outcomes for the whole report (one query); None without partners."""
    try:
        from partners.services import outcome_counts
    except ImportError:  # pragma: no cover - the partners app is optional here
        return None
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
    (reports.activity: one statement, kept months read, the rest computed)."""
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


# --- Client-level export ----------------------------------------------------------------


def clients_for_export(*, user: User, filters: dict[str, str]):
    """The clients a client-level export lists: visible to `user`, narrowed by `filters`."""
    if not policy.may_export_clients(user):
        raise PermissionDenied
    clients = Client.objects.visible_to(user)
    if filters.get("team"):
        clients = clients.filter(team_id=int(filters["team"]))
    if filters.get("due_state"):
        clients = clients.filter(due_state=filters["due_state"])
    return clients


def client_export_start(*, user: User, fmt: str, filters: dict[str, str]) -> ClientExport:
    """Record a client-level export before its first row goes out."""
    if not policy.may_export_clients(user):
        raise PermissionDenied
    return ClientExport.objects.create(user=user, format=fmt, filters=filters)


def client_export_finish(*, export: ClientExport, rows: int, completed: bool) -> None:
    """The row count as streamed, and whether the whole file went out."""
    ClientExport.objects.filter(pk=export.pk).update(
        rows=rows, completed=completed, finished_at=timezone.now()
    )


# --- The stored monthly report ----------------------------------------------------------


def stored_reports_build(
    *, month: dt.date | None = None, today: dt.date | None = None
) -> list[StoredReport]:
    """Build and keep the coverage report of `month` (default: the previous month) for every
    office (office and team rows) and every service line a manager follows (service line
    and team rows), as XLSX. Idempotent: a (scope, month) already stored is left as it is,
    and a parallel run that stores it first wins (unique constraints)."""
    from .exports import report_xlsx_write

    today = today or timezone.localdate()
    period = previous_month(today) if month is None else period_month(f"{month:%Y-%m}")
    period = period_validate(period, today=today)
    stored = set(
        StoredReport.objects.filter(month=period.start).values_list("office_id", "service_line_id")
    )
    teams = list(Team.objects.values_list("pk", "service_line_id", "service_line__office_id"))
    scopes: list[tuple[Office | None, ServiceLine | None, Level]] = [
        (office, None, "office") for office in Office.objects.all()
    ]
    followed = ManagerScope.objects.filter(service_line__isnull=False).values("service_line")
    scopes += [
        (None, line, "service_line")
        for line in ServiceLine.objects.filter(pk__in=followed).select_related("office")
    ]
    built = []
    for office, line, level in scopes:
        key = (office.pk if office else None, line.pk if line else None)
        if key in stored:
            continue
        team_ids = [
            t for t, sl, o in teams if (office and o == office.pk) or (line and sl == line.pk)
        ]
        top = report_build(period=period, level=level, team_ids=team_ids)
        by_team = report_build(period=period, level="team", team_ids=team_ids)
        buffer = io.BytesIO()
        report_xlsx_write(
            [(str(LEVEL_LABELS[level]), top), (str(LEVEL_LABELS["team"]), by_team)], buffer
        )
        scope_name = slugify(str(office or line)) or "scope"
        content = buffer.getvalue()
        try:
            with transaction.atomic():
                built.append(
                    StoredReport.objects.create(
                        office=office,
                        service_line=line,
                        month=period.start,
                        file_name=f"coverage_{scope_name}_{period.start:%Y-%m}.xlsx",
                        content=content,
                        size=len(content),
                    )
                )
        except IntegrityError:
            continue  # another run stored this scope's report first: keep that one
    return built


def month_choices(today: dt.date, count: int = 24) -> list[str]:
    """The last `count` months, newest first, as YYYY-MM."""
    year, month, out = today.year, today.month, []
    for _i in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out


def quarter_choices(today: dt.date, count: int = 8) -> list[str]:
    year, quarter, out = today.year, (today.month - 1) // 3 + 1, []
    for _i in range(count):
        out.append(f"{year}-Q{quarter}")
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return out
