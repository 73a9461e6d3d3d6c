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

# The rule sets of the law, oldest first: each applies from its in_law_from (the first also
# to any earlier day). Settings may override only the 2017 rule's numbers (see get()).
LAW: tuple[str, ...] = ("periodic_2017", "nordic_2022", "reform_2026")
SETTINGS_RULE = "periodic_2017"
# Bump when the rule's code changes what it computes (who is required, which interview
# restarts the clock …): the fingerprint changes, so the next due run recomputes everyone.
RULE_VERSION = 2


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


Schedule = list[tuple[dt.date, str]]  # (effective from, code), any order


def fingerprint() -> str:
    """A short digest of every rule set's parameters and of the law's order (settings
    included): when it changes, the due engine's next run recomputes every client (a new
    default or a changed parameter takes effect everywhere, in one set-based run)."""
    parts = [
        repr([(f.name, getattr(rs, f.name)) for f in dataclasses.fields(rs) if f.name != "label"])
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
