"""Rebalancing a team's caseload: the clients to choose from, who may take them over, and
what a move would do to each adviser's load before it is confirmed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from clients.models import Client
from interviews import rules
from teams import policy
from teams.models import Membership, Team

UNASSIGNED = "unassigned"


def rebalance_clients(
    *, team: Team, today: dt.date, adviser: str | int | None, which: str
) -> QuerySet[Client]:
    """The team's clients to choose from: one adviser's (or unassigned) and a filter."""
    clients = Client.objects.for_team(team)
    if adviser == UNASSIGNED:
        clients = clients.filter(responsible_adviser__isnull=True)
    elif adviser:
        clients = clients.filter(responsible_adviser_id=adviser)
    if which == "overdue":
        clients = clients.filter(next_due_date__lt=today)
    elif which == "due_soon":
        soon = today + dt.timedelta(days=rules.due_soon_days())
        clients = clients.filter(next_due_date__gte=today, next_due_date__lte=soon)
    elif which == "never":
        clients = clients.filter(next_due_date__isnull=False, last_held_on__isnull=True)
    return clients.select_related("responsible_adviser").order_by(
        F("next_due_date").asc(nulls_last=True), "last_name", "first_name", "pk"
    )


def move_destinations(*, user: AbstractBaseUser, team: Team) -> list[tuple[Team, list]]:
    """Advisers the user may move this team's clients to, by team: the team's own members for
    everyone; other teams of the service line only for its lead or a manager."""
    teams = policy.move_destination_teams(user, team)
    memberships = (
        Membership.objects.filter(team__in=teams)
        .select_related("user", "team")
        .order_by("team__name", "user__first_name", "user__last_name")
    )
    grouped: dict[int, tuple[Team, list]] = {}
    for m in memberships:
        grouped.setdefault(m.team_id, (m.team, []))[1].append(m.user)
    own = grouped.pop(team.pk, (team, []))
    return [own, *grouped.values()]


def advisers_by_id(*, ids: Iterable[int]) -> dict[int, AbstractBaseUser]:
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=list(ids))}


@dataclass
class LoadChange:
    key: int | str | None
    name: str
    team_name: str
    caseload_before: int
    caseload_after: int
    overdue_before: int
    overdue_after: int
    target: int

    @property
    def load_pct_before(self) -> int:
        return round(100 * self.caseload_before / self.target) if self.target else 0

    @property
    def load_pct_after(self) -> int:
        return round(100 * self.caseload_after / self.target) if self.target else 0


@dataclass
class MovePreview:
    client_ids: list[int]
    to_adviser: AbstractBaseUser
    to_team: Team
    changes: list[LoadChange]
    clients: list[Client]


def move_preview(
    *, team: Team, client_ids: Iterable[int], to_adviser: AbstractBaseUser, today: dt.date
) -> MovePreview:
    """What a move would do: each affected adviser's caseload and overdue, before -> after.

    Only clients of `team` count; clients already with `to_adviser` are left out. Three
    queries: the clients, the receiving membership, and the affected advisers' current load.
    """
    to_membership = (
        Membership.objects.select_related("team", "user").filter(user=to_adviser).first()
    )
    if to_membership is None:
        raise ValidationError({"to_adviser": _("Choose an adviser who belongs to a team.")})
    clients = list(
        Client.objects.for_team(team)
        .filter(pk__in=list(client_ids))
        .exclude(responsible_adviser=to_adviser, team=to_membership.team)
        .select_related("responsible_adviser")
        .order_by("last_name", "first_name", "pk")
    )
    if not clients:
        raise ValidationError({"clients": _("Choose at least one client to move.")})
    affected = {c.responsible_adviser_id for c in clients} | {to_adviser.pk}
    overdue = Q(next_due_date__lt=today)
    current = {
        (r["team_id"], r["responsible_adviser_id"]): (r["n"], r["overdue"])
        for r in Client.objects.filter(
            Q(responsible_adviser_id__in=[a for a in affected if a is not None])
            | Q(team=team, responsible_adviser__isnull=True)
        )
        .values("team_id", "responsible_adviser_id")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    }

    def load(adviser_id, team_id=None) -> tuple[int, int]:
        pairs = [v for (t, a), v in current.items() if a == adviser_id and (team_id in (None, t))]
        return sum(p[0] for p in pairs), sum(p[1] for p in pairs)

    moving: dict = defaultdict(lambda: [0, 0, ""])
    for c in clients:
        entry = moving[c.responsible_adviser_id]
        entry[0] += 1
        entry[1] += 1 if c.next_due_date is not None and c.next_due_date < today else 0
        entry[2] = (
            c.responsible_adviser.get_full_name() or c.responsible_adviser.username
            if c.responsible_adviser
            else _("Unassigned")
        )
    changes = []
    for adviser_id, (n, n_overdue, name) in sorted(moving.items(), key=lambda kv: kv[1][2]):
        before, before_overdue = load(adviser_id, None if adviser_id else team.pk)
        changes.append(
            LoadChange(
                key=adviser_id,
                name=name,
                team_name=team.name,
                caseload_before=before,
                caseload_after=before - n,
                overdue_before=before_overdue,
                overdue_after=before_overdue - n_overdue,
                target=team.target_caseload,
            )
        )
    before, before_overdue = load(to_adviser.pk)
    total_overdue = sum(v[1] for v in moving.values())
    changes.append(
        LoadChange(
            key=to_adviser.pk,
            name=to_adviser.get_full_name() or to_adviser.username,
            team_name=to_membership.team.name,
            caseload_before=before,
            caseload_after=before + len(clients),
            overdue_before=before_overdue,
            overdue_after=before_overdue + total_overdue,
            target=to_membership.team.target_caseload,
        )
    )
    return MovePreview(
        client_ids=[c.pk for c in clients],
        to_adviser=to_adviser,
        to_team=to_membership.team,
        changes=changes,
        clients=clients,
    )
