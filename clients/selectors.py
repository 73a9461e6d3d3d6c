"""Reads about clients: the interview rule sets that apply to a client's office.

An office's rule sets (interviews.models.OfficeRuleSet) are read through the reverse
relation Office.rule_sets, so that clients, below interviews, imports no interview model;
the rule itself (interviews.rules) takes them as a schedule of (effective from, code).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, F, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from interviews import rules, rulesets
from teams.models import Office, Team

from .models import Client


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


def with_rule_set_in_force[Q: QuerySet](queryset: Q) -> Q:
    """Clients annotated with `office_rule_set`: the code of the rule set their office chose
    for the day their next deadline is counted from (the last held interview since the status
    began, else the status start), or None where the law's applies. Part of the query that
    loads the clients: the page's explanation of the due date costs no query of its own."""
    since = Coalesce("cycle_since", "status_since")
    anchor = Case(When(last_held_on__gte=since, then=F("last_held_on")), default=since)
    chosen = (
        Office.objects.filter(
            pk=OuterRef("team__service_line__office_id"),
            rule_sets__effective_from__lte=OuterRef("due_anchor"),
        )
        .order_by("-rule_sets__effective_from")
        .values("rule_sets__code")[:1]
    )
    return queryset.annotate(due_anchor=anchor).annotate(office_rule_set=Subquery(chosen))


def due_explanation(*, client: Client) -> rules.DueExplanation:
    """Why the client's next interview is due when it is, under its office's rule sets
    (from with_rule_set_in_force()'s annotation when the client was loaded so; else one
    query)."""
    if hasattr(client, "office_rule_set"):
        code = client.office_rule_set
        schedule: rulesets.Schedule = [(client.due_anchor, code)] if code else []
    else:
        schedule = office_schedule_of_team(team_id=client.team_id)
    return rules.next_due_explained(
        lambda day: rulesets.in_force(schedule, day),
        status=client.status,
        status_since=client.cycle_start,
        last_held_on=client.last_held_on,
    )
