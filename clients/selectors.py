"""Reads about clients: the interview rule sets that apply to a client's office.

An office's rule sets (interviews.models.OfficeRuleSet) are read through the reverse
relation Office.rule_sets, so that clients, below interviews, imports no interview model;
the rule itself (interviews.rules) takes them as a schedule of (effective from, code).
"""

from __future__ import annotations

from collections.abc import Iterable

from interviews import rulesets
from teams.models import Office, Team


def office_schedule(*, office_id: int) -> rulesets.Schedule:
    """The office's chosen rule sets, (effective from, code), in one query."""
    return list(
        Office.objects.filter(pk=office_id, rule_sets__isnull=False)
        .order_by("-rule_sets__effective_from")
        .values_list("rule_sets__effective_from", "rule_sets__code")
    )


def office_schedules(*, office_ids: Iterable[int]) -> dict[int, rulesets.Schedule]:
    """{office id: its schedule} for these offices (empty for an office with none), in one
    query."""
    schedules: dict[int, rulesets.Schedule] = {office_id: [] for office_id in office_ids}
    rows = (
        Office.objects.filter(pk__in=list(schedules), rule_sets__isnull=False)
        .order_by("pk", "-rule_sets__effective_from")
        .values_list("pk", "rule_sets__effective_from", "rule_sets__code")
    )
    for office_id, start, code in rows:
        schedules[office_id].append((start, code))
    return schedules


def office_schedule_of_team(*, team_id: int) -> rulesets.Schedule:
    """The rule sets chosen by the office of a team, (effective from, code), in one query."""
    office = "service_line__office__rule_sets"
    return list(
        Team.objects.filter(pk=team_id, **{f"{office}__isnull": False})
        .order_by(f"-{office}__effective_from")
        .values_list(f"{office}__effective_from", f"{office}__code")
    )
