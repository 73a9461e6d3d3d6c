"""Rebalancing a team's caseload: moving the chosen clients of a team to one adviser.

A service over clients (the highest app it touches), built on clients_reassign; the page's
reads (the clients to choose from, the preview) are in reports.dashboard.rebalance.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from teams.models import Membership, Team

from .models import Client
from .services import clients_reassign


@transaction.atomic
def team_clients_move(
    *,
    team: Team,
    client_ids: Iterable[int],
    to_adviser: AbstractBaseUser,
    moved_by: AbstractBaseUser,
) -> int:
    """Move the chosen clients of `team` to `to_adviser` (in their team) as one recorded batch.

    Clients outside `team` or not visible to the mover are ignored; clients_reassign checks
    that the mover may move within the team or, for a lead or manager, across teams.
    """
    membership = Membership.objects.select_related("team").filter(user=to_adviser).first()
    if membership is None:
        raise ValidationError({"to_adviser": _("Choose an adviser who belongs to a team.")})
    ids = list(
        Client.objects.visible_to(moved_by)
        .filter(team=team, pk__in=list(client_ids))
        .exclude(responsible_adviser=to_adviser, team=membership.team)
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError({"clients": _("Choose at least one client to move.")})
    return clients_reassign(
        client_ids=ids, to_adviser=to_adviser, to_team=membership.team, moved_by=moved_by
    )
