"""Writes to a team's own settings, and the move of chosen clients. The team pages' reads are
in reports.dashboard."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clients.services import clients_reassign

from . import policy
from .models import Membership, Team


def team_target_set(*, team: Team, target_caseload: int, changed_by: AbstractBaseUser) -> Team:
    if not policy.can_manage_team(changed_by, team):
        raise PermissionDenied(_("Only the team lead or a manager can change the target."))
    if not 1 <= target_caseload <= 5000:
        raise ValidationError(
            {"target_caseload": _("The target must be between 1 and 5,000 clients.")}
        )
    team.target_caseload = target_caseload
    team.save(update_fields=["target_caseload"])
    return team


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
        policy.clients_visible_to(moved_by)
        .filter(team=team, pk__in=list(client_ids))
        .exclude(responsible_adviser=to_adviser, team=membership.team)
        .values_list("pk", flat=True)
    )
    if not ids:
        raise ValidationError({"clients": _("Choose at least one client to move.")})
    return clients_reassign(
        client_ids=ids, to_adviser=to_adviser, to_team=membership.team, moved_by=moved_by
    )
