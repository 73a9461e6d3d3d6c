"""Reads about teams that several pages share: the coverage goals in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q

from .models import CoverageGoal, ServiceLine, Team

Chain = tuple[int | None, int | None, int | None]  # (team, service line, office)


def _newest(goals: Iterable[CoverageGoal]) -> dict[tuple[str, int], CoverageGoal]:
    newest: dict[tuple[str, int], CoverageGoal] = {}
    for goal in sorted(goals, key=lambda g: (g.valid_from, g.pk)):  # the newest wins
        if goal.team_id:
            newest[("team", goal.team_id)] = goal
        elif goal.service_line_id:
            newest[("line", goal.service_line_id)] = goal
        else:
            newest[("office", goal.office_id)] = goal
    return newest


def coverage_goals_for(
    *, level: str, keys: Iterable[int | None], day: dt.date
) -> dict[int, CoverageGoal | None]:
    """The goal in force on `day` for each team, service line or office (`level`), by id.

    A team's goal is its own newest, else its service line's, else its office's; a service
    line's is its own, else its office's; an office's its own. None: no goal. Two queries
    whatever the number of keys (none for the adviser level, which has no goal of its own).
    """
    ids = [k for k in keys if k is not None]
    chains: dict[int, Chain]
    if not ids or level not in ("team", "service_line", "office"):
        return {}
    if level == "team":
        chains = {
            t: (t, sl, o)
            for t, sl, o in Team.objects.filter(pk__in=ids).values_list(
                "pk", "service_line_id", "service_line__office_id"
            )
        }
    elif level == "service_line":
        chains = {
            sl: (None, sl, o)
            for sl, o in ServiceLine.objects.filter(pk__in=ids).values_list("pk", "office_id")
        }
    else:
        chains = {o: (None, None, o) for o in ids}
    if not chains:
        return {}
    newest = _newest(
        CoverageGoal.objects.in_force_on(day).filter(
            Q(team_id__in={c[0] for c in chains.values() if c[0]})
            | Q(service_line_id__in={c[1] for c in chains.values() if c[1]})
            | Q(office_id__in={c[2] for c in chains.values()})
        )
    )
    return {
        key: (t and newest.get(("team", t)))
        or (sl and newest.get(("line", sl)))
        or newest.get(("office", o))
        for key, (t, sl, o) in chains.items()
    }
