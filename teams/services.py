"""Writes to a team's own settings. The team pages' reads are in reports.dashboard; moving
clients between advisers is clients' business (clients.services, clients.rebalance)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from . import policy
from .models import CoverageGoal, Office, ServiceLine, Team


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


def may_set_coverage_goal(user: AbstractBaseUser, scope: Office | ServiceLine | Team) -> bool:
    """Managers, for an office they follow whole, or a service line or team they see."""
    if not policy.is_manager(user):
        return False
    if isinstance(scope, Office):
        return policy.offices_managed_by(user).filter(pk=scope.pk).exists()
    if isinstance(scope, ServiceLine):
        return any(line.pk == scope.pk for line in policy.service_lines_visible_to(user))
    return policy.can_view_team(user, scope)


def coverage_goal_set(
    *,
    scope: Office | ServiceLine | Team,
    percent: Decimal,
    valid_from: dt.date,
    set_by: AbstractBaseUser,
) -> CoverageGoal:
    """Set a coverage goal for an office, service line or team from `valid_from` on (a goal
    already set for the same day is replaced)."""
    if not may_set_coverage_goal(set_by, scope):
        raise PermissionDenied(_("Only a manager over it can set its coverage goal."))
    if not Decimal(0) < percent <= Decimal(100):
        raise ValidationError({"percent": _("The goal must be more than 0 and at most 100 %.")})
    field = {Office: "office", ServiceLine: "service_line", Team: "team"}[type(scope)]
    goal, _created = CoverageGoal.objects.update_or_create(
        **{field: scope, "valid_from": valid_from},
        defaults={"percent": percent, "set_by": set_by},
    )
    return goal
