"""A team's move history: its latest moves in and out, one entry per batch."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from clients.models import Assignment
from teams import policy
from teams.models import Team
from teams.names import display_name


@dataclass
class MoveBatch:
    batch: uuid.UUID
    moved_at: dt.datetime
    moved_by: str
    count: int
    flows: list[tuple[str, str, str, str, int]]  # from adviser, from team, to adviser, to team, n
    clients: list[str]  # names of moved clients the viewer may still see
    hidden: int  # moved clients now in a team the viewer cannot see
    client_ids: list[int] = field(default_factory=list)  # of `clients`, for the access log


def team_activity(*, team: Team, viewer: AbstractBaseUser, limit: int = 20) -> list[MoveBatch]:
    """The team's latest moves in and out, one entry per batch (two queries)."""
    touching = Q(from_team=team) | Q(to_team=team)
    latest = list(
        Assignment.objects.filter(touching)
        .values("batch")
        .annotate(at=Max("moved_at"))
        .order_by("-at")[:limit]
    )
    if not latest:
        return []
    visible_team_ids = policy.team_ids_visible_to(viewer)
    rows = (
        Assignment.objects.filter(batch__in=[b["batch"] for b in latest])
        .values(
            "batch",
            "moved_at",
            "moved_by__first_name",
            "moved_by__last_name",
            "moved_by__username",
            "from_adviser__first_name",
            "from_adviser__last_name",
            "from_adviser__username",
            "to_adviser__first_name",
            "to_adviser__last_name",
            "to_adviser__username",
            "from_team__name",
            "to_team__name",
            "client__first_name",
            "client__last_name",
            "client__team_id",
            "client_id",
        )
        .order_by("client__last_name", "client__first_name", "client_id")
    )
    batches: dict[uuid.UUID, MoveBatch] = {}
    flows: dict[uuid.UUID, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        b = batches.get(r["batch"])
        if b is None:
            b = batches[r["batch"]] = MoveBatch(
                batch=r["batch"],
                moved_at=r["moved_at"],
                moved_by=display_name(
                    r["moved_by__first_name"], r["moved_by__last_name"], r["moved_by__username"]
                ),
                count=0,
                flows=[],
                clients=[],
                hidden=0,
            )
        b.count += 1
        b.moved_at = max(b.moved_at, r["moved_at"])
        if r["client__team_id"] in visible_team_ids:
            b.clients.append(f"{r['client__first_name']} {r['client__last_name']}")
            b.client_ids.append(r["client_id"])
        else:
            b.hidden += 1
        flow = (
            display_name(
                r["from_adviser__first_name"],
                r["from_adviser__last_name"],
                r["from_adviser__username"],
            )
            or _("Unassigned"),
            r["from_team__name"],
            display_name(
                r["to_adviser__first_name"], r["to_adviser__last_name"], r["to_adviser__username"]
            )
            or _("Unassigned"),
            r["to_team__name"],
        )
        flows[r["batch"]][flow] += 1
    for key, b in batches.items():
        b.flows = [(*flow, n) for flow, n in sorted(flows[key].items())]
    return sorted(batches.values(), key=lambda b: b.moved_at, reverse=True)
