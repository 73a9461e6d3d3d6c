"""The interview rule, in one place: who must be interviewed, when, and the due state.

Every caller (the due engine's SQL, a single client's refresh after an interview, the pages,
the API and the reports) goes through this module, in Python for one client, or through
interviews.rules_sql, the same rule as SQL expressions for every client at once. The two
forms are tested against each other. Both are pure: they import no model (an office's rule
sets are read by the caller and passed in as a schedule).

The rule (each rule set, interviews.rulesets, has its own numbers and lists):
1. The deadline is counted from an anchor: the last held discussion of a kind that restarts
   the clock (the rule set's clock_kinds on the day it was held) since the client's job-search
   cycle began, else the cycle's start. The rule set in force on the anchor day applies. The
   callers pass the cycle's start as `status_since`: the status start, or an earlier day when
   the client came back within the rule set's re-entry break (cycle_start(),
   Client.cycle_start).
2. Clients whose status is in that rule set's required_statuses must be interviewed; others
   are "not required".
3. After a held discussion, the next one is due the rule set's interval_months calendar months
   after it (nordic_2022: supplementary discussions first, see below).
4. Otherwise the first (initial) interview is due first_within_days (calendar or working
   days) after the status began (history from before a pause does not count).
5. Past the due date the client is overdue; within INTERVIEW_DUE_SOON_DAYS of it, due soon.

Rule sets (interviews.rulesets): an office may choose another rule set from a date
(interviews.models.OfficeRuleSet). A deadline is computed under the rule set in force, for
the client's office, on the day the deadline is counted from: the status start for the
first interview, the last held interview for the next one. A later switch therefore never
changes a deadline counted from an earlier day, and past figures stay as they were. With no
OfficeRuleSet rows each day follows the law in force that day (rulesets.LAW).

Working days (nordic_2022, reform_2026): Monday to Friday except Finnish public holidays
(holidays.Finland(), which includes Midsummer Eve and Christmas Eve). A deadline that falls
on a Saturday, Sunday or holiday moves to the next working day, as in the Act on the
Calculation of Statutory Time Limits (laki säädettyjen määräaikain laskemisesta 150/1930,
5 §). "Within N working days of D" is the N-th working day after D. In SQL the working days
come from the CalendarDay table (filled from the same library), so both forms agree.

Supplementary conversations (nordic_2022): every two weeks for the first three months of the
status, then, each time the status has lasted another six months, a period of two more
(due_after_held() says how a held conversation is placed in such a period).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import holidays
from django.conf import settings

from clients.choices import Status

from . import rulesets
from .choices import DueState, InterviewKind


class DueKind(enum.StrEnum):
    """Which deadline a next due date is (DueExplanation.kind)."""

    NOT_REQUIRED = "not_required"  # the status needs no interviews: no due date
    FIRST = "first"  # first / initial interview, counted from the status start
    SUPPLEMENTARY = "supplementary"  # nordic_2022's first months: from the last conversation
    REGULAR = "regular"  # one interval after the last held interview
    EXTRA_FIRST = "extra_first"  # the first conversation of an extra period, from its start
    EXTRA_SECOND = "extra_second"  # the second one of the running extra period, from its start


@dataclass(frozen=True)
class DueExplanation:
    """Why the next interview is due when it is (next_due_explained()).

    `anchor` is the day the deadline is counted from (the status start, the last held
    interview, or an extra period's start), `counted` the deadline as counted, and `due` the
    deadline after moving it off a weekend or holiday where the rule set does so.
    """

    due: dt.date | None
    kind: DueKind
    anchor: dt.date | None
    rule_set: rulesets.RuleSet | None
    counted: dt.date | None

    @property
    def moved(self) -> bool:
        """The counted deadline fell on a weekend or holiday and moved to the next working day."""
        return self.due != self.counted


def due_soon_days() -> int:
    return settings.INTERVIEW_DUE_SOON_DAYS


def must_be_interviewed(status: str, rule_set: rulesets.RuleSet) -> bool:
    """Whether `status` needs job-search discussions under `rule_set`."""
    return status in rule_set.required_statuses


def restarts_clock(kind: str, rule_set: rulesets.RuleSet) -> bool:
    """Whether a held discussion of `kind` restarts the clock under `rule_set` (the rule set
    in force on the day it was held)."""
    return kind in rule_set.clock_kinds


def last_clock_day(
    held: list[tuple[dt.date, str]], rule_set_on: Callable[[dt.date], rulesets.RuleSet]
) -> dt.date | None:
    """The last day in `held` ((day, kind) of held discussions) whose kind restarts the clock
    under the rule set in force that day: what Client.last_held_on stores."""
    days = [day for day, kind in held if restarts_clock(kind, rule_set_on(day))]
    return max(days, default=None)


StatusHistory = list[tuple[dt.date, str]]  # (effective_on, new status), oldest first


def starts_cycle(
    earlier: StatusHistory, on: dt.date, status: str, rule_set: rulesets.RuleSet
) -> bool:
    """Whether a change to `status` on `on` starts a new job-search cycle (a new initial
    interview), under `rule_set` (in force on `on`), after the `earlier` changes.

    1. A status the rule set does not require starts nothing.
    2. Without a re-entry rule (reentry_break_months None) every change starts over.
    3. Else the change continues the cycle when a required status (of this rule set) ended
       less than reentry_break_months before `on`: moving between required statuses, or
       coming back after a short break. A required status ends when the next change begins.
    """
    if status not in rule_set.required_statuses:
        return False
    months = rule_set.reentry_break_months
    if months is None:
        return True
    for index, (_since, previous) in enumerate(earlier):
        if previous in rule_set.required_statuses:
            ended = earlier[index + 1][0] if index + 1 < len(earlier) else on
            if add_months(ended, months) > on:
                return False
    return True


def cycle_start(
    changes: StatusHistory,
    rule_set_on: Callable[[dt.date], rulesets.RuleSet],
    day: dt.date | None = None,
) -> dt.date | None:
    """The day the client's current job-search cycle began, as of `day` (None: every
    change): the latest change that started a cycle (starts_cycle, under the rule set of its
    day), or else the start of the status in force. The rule counts from it as from the
    status start (held discussions since it count; the initial interview is due from it).
    None when no change is on or before `day`."""
    changes = [change for change in changes if day is None or change[0] <= day]
    latest = None
    for index, (on, status) in enumerate(changes):
        if starts_cycle(changes[:index], on, status, rule_set_on(on)):
            latest = on
    if latest is None and changes:
        latest = changes[-1][0]
    return latest


def proposed_kind(*, status_since: dt.date, last_held_on: dt.date | None) -> str:
    """The kind the interview form proposes: an initial interview when none has been held
    since the status began, else the three-monthly job-search discussion."""
    if last_held_on is None or last_held_on < status_since:
        return InterviewKind.INITIAL
    return InterviewKind.JOB_SEARCH


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=64)
def _finnish_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Finland(years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _finnish_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the next working day (150/1930, 5 §)."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The `days`-th working day after `day` (`day` itself does not count)."""
    for _ in range(days):
        day = next_working_day(day + dt.timedelta(days=1))
    return day


def first_due(rule_set: rulesets.RuleSet, status_since: dt.date) -> dt.date:
    return _first_explained(rule_set, status_since).due


def _first_explained(rule_set: rulesets.RuleSet, status_since: dt.date) -> DueExplanation:
    if rule_set.first_in_working_days:
        counted = add_working_days(status_since, rule_set.first_within_days)
    else:
        counted = status_since + dt.timedelta(days=rule_set.first_within_days)
    return DueExplanation(
        due=_shift(rule_set, counted),
        kind=DueKind.FIRST,
        anchor=status_since,
        rule_set=rule_set,
        counted=counted,
    )


def months_elapsed(since: dt.date, day: dt.date) -> int:
    """Whole months from `since` to `day` (day >= since): the largest m with
    add_months(since, m) <= day."""
    months = (day.year - since.year) * 12 + day.month - since.month
    return months - 1 if add_months(since, months) > day else months


def _shift(rule_set: rulesets.RuleSet, day: dt.date) -> dt.date:
    return next_working_day(day) if rule_set.shift_to_working_day else day


def due_after_held(
    rule_set: rulesets.RuleSet, status_since: dt.date, last_held_on: dt.date
) -> dt.date:
    """The next conversation after one held on `last_held_on` (see _after_held_explained)."""
    return _after_held_explained(rule_set, status_since, last_held_on).due


def _after_held_explained(
    rule_set: rulesets.RuleSet, status_since: dt.date, last_held_on: dt.date
) -> DueExplanation:
    """The next conversation after one held on `last_held_on`, and why.

    1. While the supplementary phase lasts (supplementary_for_months from the status start),
       a supplementary conversation supplementary_every_days on.
    2. Else one interval on, unless an extra period comes first. With extra_every_months,
       period k (k >= 1) starts when the status has lasted k * extra_every_months months;
       its first conversation is due supplementary_every_days into it, its second twice as
       many days into it.
    3. A conversation held in a period's first three weeks (1.5 times
       supplementary_every_days: halfway between the two deadlines) is taken as its first,
       so the second is due next; one held later as its second. The rule reads only the
       last held day, so a first one held more than a week late ends the period too.
    """
    every = rule_set.supplementary_every_days
    why = functools.partial(DueExplanation, rule_set=rule_set)
    if every and last_held_on < add_months(status_since, rule_set.supplementary_for_months):
        counted = last_held_on + dt.timedelta(days=every)
        return why(
            due=_shift(rule_set, counted),
            kind=DueKind.SUPPLEMENTARY,
            anchor=last_held_on,
            counted=counted,
        )
    counted = add_months(last_held_on, rule_set.interval_months)
    explained = why(due=counted, kind=DueKind.REGULAR, anchor=last_held_on, counted=counted)
    repeat = rule_set.extra_every_months
    if every and repeat:
        period = months_elapsed(status_since, last_held_on) // repeat * repeat
        start = add_months(status_since, period)
        if period >= repeat and last_held_on < start + dt.timedelta(days=every * 3 // 2):
            counted = start + dt.timedelta(days=2 * every)
            explained = why(due=counted, kind=DueKind.EXTRA_SECOND, anchor=start, counted=counted)
        else:
            next_start = add_months(status_since, period + repeat)
            if next_start + dt.timedelta(days=every) < counted:
                counted = next_start + dt.timedelta(days=every)
                explained = why(
                    due=counted, kind=DueKind.EXTRA_FIRST, anchor=next_start, counted=counted
                )
    return dataclasses.replace(explained, due=_shift(rule_set, explained.counted))


def next_due_date(
    *,
    status: str,
    status_since: dt.date,
    last_held_on: dt.date | None,
    schedule: rulesets.Schedule | None = None,
) -> dt.date | None:
    """The next interview's due date. `schedule` is the office's rule sets by start date
    (clients.selectors.office_schedule()); None or empty: the law in force on each day."""
    return next_due_date_by(
        functools.partial(rulesets.in_force, schedule),
        status=status,
        status_since=status_since,
        last_held_on=last_held_on,
    )


def next_due_date_by(
    rule_set_on: Callable[[dt.date], rulesets.RuleSet],
    *,
    status: str,
    status_since: dt.date,
    last_held_on: dt.date | None,
) -> dt.date | None:
    """next_due_date() with the rule set in force on a day given by `rule_set_on` (a bulk
    writer resolves an office's schedule once and passes its look-up)."""
    return next_due_explained(
        rule_set_on, status=status, status_since=status_since, last_held_on=last_held_on
    ).due


def next_due_explained(
    rule_set_on: Callable[[dt.date], rulesets.RuleSet],
    *,
    status: str,
    status_since: dt.date,
    last_held_on: dt.date | None,
) -> DueExplanation:
    """The next interview's due date and why: what next_due_date_by() returns is this
    explanation's `due` (one code path, so the two cannot disagree)."""
    after_held = last_held_on is not None and last_held_on >= status_since
    rule_set = rule_set_on(last_held_on if after_held else status_since)
    if not must_be_interviewed(status, rule_set):
        return DueExplanation(
            due=None, kind=DueKind.NOT_REQUIRED, anchor=None, rule_set=None, counted=None
        )
    if after_held:
        return _after_held_explained(rule_set, status_since, last_held_on)
    return _first_explained(rule_set, status_since)


def due_state(next_due: dt.date | None, today: dt.date) -> DueState:
    if next_due is None:
        return DueState.NOT_REQUIRED
    if next_due < today:
        return DueState.OVERDUE
    if next_due <= today + dt.timedelta(days=due_soon_days()):
        return DueState.DUE_SOON
    return DueState.OK


def covered_on(
    last_held_on: dt.date | None, day: dt.date, schedule: rulesets.Schedule | None = None
) -> bool:
    """Coverage: the last held discussion is at most one interval (of the rule set in force
    on `day`) old on `day`."""
    months = rulesets.in_force(schedule, day).interval_months
    return last_held_on is not None and add_months(last_held_on, months) >= day


def required_on(status: str, day: dt.date, schedule: rulesets.Schedule | None = None) -> bool:
    """Coverage's denominator: `status` needs discussions under the rule set in force on
    `day`."""
    return must_be_interviewed(status, rulesets.in_force(schedule, day))


# --- The job-search obligation --------------------------------------------------------------
#
# The plan sets an amount of applications per review period (tarkastelujakso) of one or three
# calendar months, from a month's first day (the client reports applications per month, so a
# period is whole months). Periods follow one another from that start. A laid-off client's
# obligation begins only when the lay-off has lasted three months: from the first month that
# begins on or after that day. A shortfall exists only for a period that has ended; the running
# period shows its progress. docs/rules.md gives the sources. plans.selectors says the same in
# SQL (with_job_search_figures), and tests/rules/test_job_search_periods.py checks both.

# At most four applications a month (the law's "enintään neljä"): 4 in a one-month period,
# 12 in a three-month one. Older plans' larger figures were counted as 4 a month.
JOB_SEARCH_MAX_APPLICATIONS = 4
JOB_SEARCH_PERIOD_MONTHS: tuple[int, ...] = (1, 3)
JOB_SEARCH_DEFAULT_APPLICATIONS = 4
JOB_SEARCH_DEFAULT_PERIOD_MONTHS = 1
LAY_OFF_DEFERRAL_MONTHS = 3
JOB_SEARCH_STATUSES: frozenset[str] = frozenset(
    {Status.UNEMPLOYED, Status.LAID_OFF, Status.PART_TIME}
)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_ceiling(day: dt.date) -> dt.date:
    """The first day of the first month that begins on or after `day`."""
    return day if day.day == 1 else add_months(month_start(day), 1)


def job_search_default_start(agreed_on: dt.date) -> dt.date:
    """Where a plan's periods start when it does not say: the first whole month after the
    plan was agreed (a plan agreed on the 28th does not owe that month's applications)."""
    return month_ceiling(agreed_on)


def month_index(day: dt.date) -> int:
    """Months since year 0: the SQL form counts periods in these (plans.selectors)."""
    return day.year * 12 + day.month - 1


def month_of_index(index: int) -> dt.date:
    """The first day of the month that month_index() numbers `index`."""
    return dt.date(index // 12, index % 12 + 1, 1)


def job_search_period_around(
    first: dt.date, period_months: int, today: dt.date, *, back: int = 0
) -> tuple[dt.date, dt.date]:
    """(start, end) of the period running on `today` (today >= first) of periods of
    `period_months` months from `first` (a month's first day); `back` periods earlier with
    back=1 (the last ended one)."""
    elapsed = month_index(today) - month_index(first)
    begins = add_months(first, (elapsed // period_months - back) * period_months)
    return begins, add_months(begins, period_months) - dt.timedelta(days=1)


def job_search_max_applications(period_months: int) -> int:
    """The most applications a plan may require in a period of `period_months` months."""
    return JOB_SEARCH_MAX_APPLICATIONS * period_months


def job_search_obligation(*, status: str, plan_applications: int | None) -> int | None:
    """Applications a period the client must report (None: no obligation to follow up: not a
    job seeker in the obligation's scope, or no plan agreed yet)."""
    if status not in JOB_SEARCH_STATUSES or plan_applications is None:
        return None
    return plan_applications


def job_search_starts_on(*, status: str, status_since: dt.date, start: dt.date) -> dt.date:
    """The first day of the first period: the plan's start (a month's first day), for a
    laid-off client no earlier than the first month beginning on or after the day the
    lay-off has lasted LAY_OFF_DEFERRAL_MONTHS months."""
    start = month_start(start)
    if status != Status.LAID_OFF:
        return start
    return max(start, month_ceiling(add_months(status_since, LAY_OFF_DEFERRAL_MONTHS)))


@dataclass(frozen=True)
class JobSearchPeriod:
    """One review period: `start`..`end` (both inclusive), the applications `required` and
    those `reported` for its months, and whether it has `ended` (its last day is past)."""

    start: dt.date
    end: dt.date
    required: int
    reported: int
    ended: bool

    @property
    def short(self) -> bool:
        """Fallen short: only a period that has ended can be."""
        return self.ended and self.reported < self.required


def job_search_periods(
    *,
    status: str,
    status_since: dt.date,
    applications: int | None,
    period_months: int,
    start: dt.date | None,
    today: dt.date,
    reported: Mapping[dt.date, int],
) -> list[JobSearchPeriod]:
    """The client's review periods from the first through the running one (oldest first):
    [] when there is no obligation (status out of scope, no plan) or it has not begun.

    `reported` maps a month's first day to the applications reported for that month.
    """
    if job_search_obligation(status=status, plan_applications=applications) is None:
        return []
    if start is None:
        return []
    first = job_search_starts_on(status=status, status_since=status_since, start=start)
    periods = []
    begins = first
    while begins <= today:
        ends_after = add_months(begins, period_months)
        months = [add_months(begins, m) for m in range(period_months)]
        periods.append(
            JobSearchPeriod(
                start=begins,
                end=ends_after - dt.timedelta(days=1),
                required=applications,
                reported=sum(reported.get(month, 0) for month in months),
                ended=ends_after <= today,
            )
        )
        begins = ends_after
    return periods


def job_search_standing(
    periods: list[JobSearchPeriod],
) -> tuple[JobSearchPeriod | None, JobSearchPeriod | None]:
    """(the last ended period, the running one) of job_search_periods()' list."""
    running = periods[-1] if periods and not periods[-1].ended else None
    ended = [p for p in periods if p.ended]
    return (ended[-1] if ended else None), running


def job_search_short(obligation: int | None, reported: int | None) -> bool:
    """Whether the last ended period fell short, from the SQL figures js_obligation and
    js_last_reported (None: no obligation, or no period has ended): what `js_short` says."""
    return obligation is not None and reported is not None and reported < obligation


# --- Office hours --------------------------------------------------------------------------
# Appointments are booked on working days within these hours (Europe/Helsinki). A time
# outside them is not refused, but the adviser confirms it ("book anyway").
OFFICE_OPENS = dt.time(8, 0)
OFFICE_CLOSES = dt.time(16, 0)


class OffHours(enum.StrEnum):
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    HOURS = "hours"


def off_hours(starts: dt.datetime, ends: dt.datetime) -> tuple[OffHours, dt.date] | None:
    """Why the local times `starts`–`ends` fall outside office hours, with the day that
    makes it so, or None within them: a weekend, a Finnish public holiday, or before
    OFFICE_OPENS / after OFFICE_CLOSES (also an appointment running over midnight)."""
    day = starts.date()
    if day.weekday() >= 5:
        return OffHours.WEEKEND, day
    if not is_working_day(day):
        return OffHours.HOLIDAY, day
    if starts.time() < OFFICE_OPENS or ends.date() != day or ends.time() > OFFICE_CLOSES:
        return OffHours.HOURS, day
    return None


def holiday_name(day: dt.date, language: str) -> str:
    """The public holiday's name in `language` (fi, sv, else English), or ""."""
    code = {"fi": "fi", "sv": "sv_FI"}.get(language, "en_US")
    return holidays.Finland(years=day.year, language=code).get(day) or ""
