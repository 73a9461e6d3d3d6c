"""The interview rule sets as data: one entry per law, each with its parameters.

With no office choice, each day is computed under the rule set the law had on that day
(LAW: each rule set applies from its `in_law_from` until the next one's; the 2017 rule for any
earlier day). An office may still choose a rule set from a date (interviews.models.
OfficeRuleSet, a pilot or a transition): from its first choice on, the choice in force that day
applies. interviews.rules turns a rule set into due dates in Python, interviews.rules_sql as SQL.
Check the law text before relying on a detail; the parameters here follow the public
descriptions in docs/rules.md:

- periodic_2017: every unemployed job seeker at least every three months; the first
  interview within two weeks (calendar days) of the status beginning.
- nordic_2022 (the Nordic job-seeking model, 2.5.2022): an initial interview within
  5 working days; supplementary conversations about every two weeks for the first three
  months (about five of them); then a job-seeking conversation every three months. When
  the unemployment has lasted six months, and again every six months after, a one-month
  period of extra supplementary conversations: two of them, about two weeks apart
  (HE 167/2021: "puolen vuoden välein kuukauden kestävä jakso, jonka aikana järjestettäisiin
  kaksi työnhakukeskustelua").
- reform_2026: an initial interview within 10 working days; supplementary conversations
  by need (none scheduled); three-monthly conversations after.

Each rule set also lists who must have discussions (required_statuses), which kinds of held
discussion restart the clock (clock_kinds) and the re-entry break (reentry_break_months);
docs/rules.md gives the sources.

Working days and weekend deadlines: see interviews.rules (Act on the Calculation of
Statutory Time Limits, 150/1930, section 5).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clients.choices import Status

from .choices import InterviewKind

# The rule sets of the law, oldest first: each applies from its in_law_from (the first also
# to any earlier day). Settings may override only the 2017 rule's numbers (see get()).
LAW: tuple[str, ...] = ("periodic_2017", "nordic_2022", "reform_2026")
SETTINGS_RULE = "periodic_2017"
# Bump when the rule's code changes what it computes (who is required, which interview
# restarts the clock …): the fingerprint changes, so the next due run recomputes everyone.
RULE_VERSION = 3

# Who must have job-search discussions (docs/rules.md, "Who must have them"). 2017: the
# unemployed (a fully laid-off person counts as unemployed, 916/2012 1:3). From 2.5.2022:
# Työmarkkinatori's list (the unemployed, those threatened with unemployment, part-time
# workers, those laid off by shortened working hours, people in pay-subsidised work); HE
# 108/2025 does not change it, so the 2026 rule keeps it.
_UNEMPLOYED = frozenset({Status.UNEMPLOYED, Status.LAID_OFF})
_SEEKERS_2022 = _UNEMPLOYED | {
    Status.THREATENED,
    Status.PART_TIME,
    Status.SHORTENED_HOURS,
    Status.WAGE_SUBSIDY,
}


@dataclass(frozen=True)
class RuleSet:
    code: str
    label: str
    in_law_from: dt.date  # informational: when the law took effect
    first_within_days: int
    first_in_working_days: bool  # False: calendar days
    interval_months: int
    supplementary_every_days: int | None  # None: no scheduled supplementary conversations
    supplementary_for_months: int  # the supplementary phase, from the status start
    # After this many months of the status, and every as many months after, a period of two
    # extra supplementary conversations, supplementary_every_days apart (None: no such period).
    extra_every_months: int | None
    shift_to_working_day: bool  # a deadline on a weekend or holiday moves to the next working day
    # The statuses that need job-search discussions under this rule set.
    required_statuses: frozenset[str]
    # The kinds of held discussion that restart the clock (the next deadline is counted from
    # the last one held of these kinds, under the rule set in force on the day it was held).
    clock_kinds: frozenset[str]
    # Re-entry: a client coming back to a required status within this many months of the end
    # of the last required one continues the cycle; after a longer break a new initial
    # interview is due. None: every change of status starts the cycle over.
    reentry_break_months: int | None


_RULE_SETS: dict[str, RuleSet] = {
    "periodic_2017": RuleSet(
        code="periodic_2017",
        label=_("Periodic interviews (2017)"),
        in_law_from=dt.date(2017, 1, 1),
        first_within_days=14,
        first_in_working_days=False,
        interval_months=3,
        supplementary_every_days=None,
        supplementary_for_months=0,
        extra_every_months=None,
        # Kept as the rule has always been computed here (calendar-day deadlines), so the
        # default's figures do not change.
        shift_to_working_day=False,
        required_statuses=_UNEMPLOYED,
        # One kind of interview in the law: any held one restarts the clock.
        clock_kinds=frozenset(InterviewKind.values),
        # The law counted continuous unemployment: any change starts over (as before).
        reentry_break_months=None,
    ),
    "nordic_2022": RuleSet(
        code="nordic_2022",
        label=_("Nordic job-seeking model (2022)"),
        in_law_from=dt.date(2022, 5, 2),
        first_within_days=5,
        first_in_working_days=True,
        interval_months=3,
        supplementary_every_days=14,
        supplementary_for_months=3,
        extra_every_months=6,
        shift_to_working_day=True,
        required_statuses=_SEEKERS_2022,
        # The supplementary discussions are the scheduled part of the cycle: each counts.
        clock_kinds=frozenset(
            {InterviewKind.INITIAL, InterviewKind.SUPPLEMENTARY, InterviewKind.JOB_SEARCH}
        ),
        reentry_break_months=6,
    ),
    "reform_2026": RuleSet(
        code="reform_2026",
        label=_("Employment services reform (2026)"),
        in_law_from=dt.date(2026, 1, 1),
        first_within_days=10,
        first_in_working_days=True,
        interval_months=3,
        supplementary_every_days=None,
        supplementary_for_months=0,
        extra_every_months=None,
        shift_to_working_day=True,
        required_statuses=_SEEKERS_2022,
        # Supplementary discussions are held by need and must not push the three-monthly one
        # back: counted "from the initial interview or the previous job-search discussion".
        clock_kinds=frozenset({InterviewKind.INITIAL, InterviewKind.JOB_SEARCH}),
        reentry_break_months=6,
    ),
}

CODES: tuple[str, ...] = tuple(_RULE_SETS)
CHOICES: list[tuple[str, str]] = [(code, rs.label) for code, rs in _RULE_SETS.items()]


def get(code: str) -> RuleSet:
    """The rule set of `code`. The 2017 rule's interval and first deadline come from settings
    (INTERVIEW_INTERVAL_MONTHS, INTERVIEW_FIRST_WITHIN_DAYS; 3 months and 14 days by default):
    the later laws' numbers are the law's."""
    rule_set = _RULE_SETS[code]
    if rule_set.code == SETTINGS_RULE:
        return dataclasses.replace(
            rule_set,
            first_within_days=settings.INTERVIEW_FIRST_WITHIN_DAYS,
            interval_months=settings.INTERVIEW_INTERVAL_MONTHS,
        )
    return rule_set


def all_rule_sets() -> list[RuleSet]:
    return [get(code) for code in CODES]


# Every status some rule set requires, and the kinds that restart the clock under every
# rule set (the SQL tests a held interview's rule set only for the other kinds).
ANY_REQUIRED: frozenset[str] = frozenset().union(
    *(rs.required_statuses for rs in _RULE_SETS.values())
)
ALWAYS_CLOCK_KINDS: frozenset[str] = frozenset.intersection(
    *(rs.clock_kinds for rs in _RULE_SETS.values())
)


Schedule = list[tuple[dt.date, str]]  # (effective from, code), any order


def fingerprint() -> str:
    """A short digest of every rule set's parameters and of the law's order (settings
    included): when it changes, the due engine's next run recomputes every client (a new
    default or a changed parameter takes effect everywhere, in one set-based run)."""
    parts = [
        repr(
            [
                (f.name, sorted(v) if isinstance(v := getattr(rs, f.name), frozenset) else v)
                for f in dataclasses.fields(rs)
                if f.name != "label"
            ]
        )
        for rs in all_rule_sets()
    ] + [repr(LAW), str(RULE_VERSION)]
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def law_code_on(day: dt.date) -> str:
    """The code of the rule set the law had on `day` (the same order as the SQL's)."""
    return next((code for start, code in law_starts() if start <= day), LAW[0])


def law_starts() -> list[tuple[dt.date, str]]:
    """(from, code) of the law's rule sets after the first, newest first (for SQL)."""
    return sorted(((_RULE_SETS[c].in_law_from, c) for c in LAW[1:]), reverse=True)


def in_force(schedule: Schedule | None, day: dt.date) -> RuleSet:
    """The rule set in force on `day`: the office's latest choice from before it, or else the
    law's."""
    chosen = [(start, code) for start, code in (schedule or []) if start <= day]
    return get(max(chosen)[1] if chosen else law_code_on(day))
