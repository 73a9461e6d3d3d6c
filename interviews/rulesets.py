"""The interview rule sets as data: one entry per law, each with its parameters.

An office chooses which rule set applies from which date (interviews.models.OfficeRuleSet);
with no choice the default, periodic_2017, applies. interviews.rules turns a rule set into
due dates in Python, interviews.rules_sql as SQL. Check the law text before relying on a
detail; the parameters here follow the public descriptions in ../shared/domain.md:

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
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT = "periodic_2017"


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


def get(code: str | None) -> RuleSet:
    """The rule set of `code` (the default for None). The default's interval and first
    deadline come from settings (INTERVIEW_INTERVAL_MONTHS, INTERVIEW_FIRST_WITHIN_DAYS)."""
    rule_set = _RULE_SETS[code or DEFAULT]
    if rule_set.code == DEFAULT:
        return dataclasses.replace(
            rule_set,
            first_within_days=settings.INTERVIEW_FIRST_WITHIN_DAYS,
            interval_months=settings.INTERVIEW_INTERVAL_MONTHS,
        )
    return rule_set


def all_rule_sets() -> list[RuleSet]:
    return [get(code) for code in CODES]


Schedule = list[tuple[dt.date, str]]  # (effective from, code), any order


def in_force(schedule: Schedule | None, day: dt.date) -> RuleSet:
    """The rule set in force on `day` under an office's schedule (the default before any)."""
    chosen = [(start, code) for start, code in (schedule or []) if start <= day]
    return get(max(chosen)[1] if chosen else None)
