"""Days and periods of the reports, in the project's local time (settings.TIME_ZONE).

Everything in reports counts local dates: a day ends at local midnight, a month at its last
local day. A report's period (month, quarter or range) is parsed and checked here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from teoffice import l10n

LOCAL_ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
MAX_MONTHS = 36
EARLIEST = dt.date(2000, 1, 1)


def day_end(day: dt.date) -> dt.datetime:
    """The first local instant after `day`: held_at < day_end(D) means held on or before D."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), LOCAL_ZONE)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(last: dt.date, count: int) -> list[dt.date]:
    """The last day of each of `count` months up to `last`'s month, oldest first; the
    running month ends at `last` itself (a figure for a day that has not come is no figure)."""
    days = []
    year, month = last.year, last.month
    for _i in range(count):
        days.append(min(month_end(dt.date(year, month, 1)), last))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return days[::-1]


def month_parts(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The period's days cut at month ends: [(first, last), ...]."""
    parts, day = [], start
    while day <= end:
        last = min(month_end(day), end)
        parts.append((day, last))
        day = last + dt.timedelta(days=1)
    return parts


# --- The report's period ----------------------------------------------------------------


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
    def display(self) -> str:
        """The label in the active language: "marraskuu 2026", "3. neljännes 2026",
        "1.12.2026–15.12.2026" (`label` stays the language-free key of URLs and the API)."""
        if self.kind == "month":
            return l10n.month(self.start)
        if self.kind == "quarter":
            return _("Q%(quarter)d %(year)d") % {
                "quarter": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return f"{l10n.day(self.start)}–{l10n.day(self.end)}"

    @property
    def file_label(self) -> str:
        """The period in a file name: language-free and sortable (2026-11, 2026-Q3, …)."""
        return self.label.replace(" – ", "_")

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
