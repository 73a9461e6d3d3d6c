"""Writes to a team's own settings. The team pages' reads are in reports.dashboard; moving
clients between advisers is clients' business (clients.services, clients.rebalance)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import policy
from .models import Team


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
