"""Who may see or change what: the one access policy.

Pages, htmx partials, the API, exports and the admin all ask these functions. Visibility is
always expressed as a queryset filter so that "not yours" and "does not exist" look the same
(404) and so that lists never load rows only to throw them away.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import ManagerScope, Membership, Office, Role, ServiceLine, Team

User = AbstractBaseUser | AnonymousUser


def membership_of(user: User) -> Membership | None:
    """The user's membership with its team, read once per user object (every page's menu and
    header show the team)."""
    if not user.is_authenticated:
        return None
    cache = user._state.fields_cache
    if "membership" not in cache:
        # What `user.membership` would cache, with the team in the same query.
        cache["membership"] = Membership.objects.select_related("team").filter(user=user).first()
    return cache["membership"]


def manager_scopes(user: User) -> list[tuple[int | None, int | None]]:
    """The (office_id, service_line_id) pairs of a manager's scopes, read once per user object."""
    if not user.is_authenticated:
        return []
    scopes = getattr(user, "_manager_scopes_cache", None)
    if scopes is None and getattr(user, "has_manager_scope", None) is False:
        scopes = user._manager_scopes_cache = []  # known when the user was loaded
    if scopes is None:
        scopes = list(
            ManagerScope.objects.filter(user=user).values_list("office_id", "service_line_id")
        )
        user._manager_scopes_cache = scopes
    return scopes


def manager_team_filter(user: User) -> Q | None:
    """A Q over Team for the teams a manager's scopes cover, or None for a non-manager."""
    scopes = manager_scopes(user)
    if not scopes:
        return None
    offices = [o for o, _s in scopes if o]
    lines = [s for _o, s in scopes if s]
    return Q(service_line__office_id__in=offices) | Q(service_line_id__in=lines)


def is_manager(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or manager_team_filter(user) is not None)


def is_team_lead(user: User) -> bool:
    membership = membership_of(user)
    return membership is not None and membership.role == Role.LEAD


def teams_visible_to(user: User) -> QuerySet[Team]:
    teams = Team.objects.select_related("service_line__office")
    if not user.is_authenticated or not user.is_active:
        return teams.none()
    if user.is_superuser:
        return teams
    condition = Q(pk__in=[])
    membership = membership_of(user)
    if membership is not None:
        condition |= Q(pk=membership.team_id)
    manager = manager_team_filter(user)
    if manager is not None:
        condition |= manager
    return teams.filter(condition)


def team_ids_visible_to(user: User) -> list[int]:
    member = user.is_authenticated and user.is_active and not user.is_superuser
    if member and manager_team_filter(user) is None:  # a team member's own team: no query
        membership = membership_of(user)
        return [membership.team_id] if membership is not None else []
    return list(teams_visible_to(user).values_list("pk", flat=True))


def can_work_with_team(user: User, team_id: int) -> bool:
    """Log interviews, book appointments, revise plans: members of the client's team (the
    gate, teams.access, asks this about a record's team)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    membership = membership_of(user)
    return membership is not None and membership.team_id == team_id


def can_view_team(user: User, team: Team) -> bool:
    return teams_visible_to(user).filter(pk=team.pk).exists()


def service_lines_visible_to(user: User) -> list[ServiceLine]:
    """Service lines with at least one team `user` may see (the office overview's choices)."""
    return list(
        ServiceLine.objects.filter(teams__in=teams_visible_to(user))
        .select_related("office")
        .distinct()
        .order_by("office__name", "name")
    )


def can_manage_team(user: User, team: Team) -> bool:
    """Change a team's settings (target caseload): the team's lead, or a manager over it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    membership = membership_of(user)
    if membership is not None and membership.role == Role.LEAD and membership.team_id == team.pk:
        return True
    scope = manager_team_filter(user)
    return scope is not None and Team.objects.filter(scope, pk=team.pk).exists()


def can_move_between_teams(user: User, from_team: Team, to_team: Team) -> bool:
    """Team members move clients within their team; only a lead or manager across teams."""
    if from_team.pk == to_team.pk:
        return can_view_team(user, from_team)
    if user.is_superuser:
        return True
    visible = set(team_ids_visible_to(user))
    if manager_team_filter(user) is not None:
        return from_team.pk in visible and to_team.pk in visible
    membership = membership_of(user)
    return (
        membership is not None
        and membership.role == Role.LEAD
        and membership.team_id == from_team.pk
        and to_team.service_line_id == from_team.service_line_id
    )


# --- Reports ------------------------------------------------------------------------------

REPORT_LEVELS_ALL = ("office", "service_line", "team", "adviser")
REPORT_LEVELS_TEAM = ("team", "adviser")


def report_team_ids(user: User) -> list[int] | None:
    """Teams whose figures `user` may see: a manager's scope, a team lead's own team.

    None means every team (a superuser). Advisers and everyone else: PermissionDenied.
    """
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    if user.is_superuser:
        return None
    if is_manager(user):
        return team_ids_visible_to(user)
    if is_team_lead(user):
        return [membership_of(user).team_id]
    raise PermissionDenied


def report_levels(user: User) -> tuple[str, ...]:
    """The row levels of a report `user` may ask for: a team lead gets team and adviser rows.

    Empty for everyone without reports (advisers, partners, inactive or anonymous users).
    """
    if not user.is_authenticated or not user.is_active:
        return ()
    if is_manager(user):
        return REPORT_LEVELS_ALL
    if is_team_lead(user):
        return REPORT_LEVELS_TEAM
    return ()


def may_see_reports(user: User) -> bool:
    """Managers, team leads and superusers see the coverage report; advisers and partners don't."""
    return bool(report_levels(user))


def may_export_clients(user: User) -> bool:
    """Client-level export: managers with the explicit reports.export_clients permission."""
    return (
        user.is_authenticated
        and user.is_active
        and is_manager(user)
        and user.has_perm("reports.export_clients")
    )


def stored_reports_q(user: User) -> Q:
    """Stored monthly reports (a filter over StoredReport) of the offices and service lines in
    a manager's scopes."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    scopes = manager_scopes(user)
    offices = [o for o, _s in scopes if o]
    lines = [s for _o, s in scopes if s]
    return Q(office_id__in=offices) | Q(service_line_id__in=lines)


# --- Teams and their members -------------------------------------------------------------


def advisers_visible_to(user: User) -> QuerySet:
    """Users who belong to a team `user` may see: the candidates for responsible adviser."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(membership__team_id__in=team_ids_visible_to(user))


def move_destination_teams(user: User, team: Team) -> QuerySet[Team]:
    """Teams whose advisers may take over `team`'s clients when `user` moves them: the team
    itself for everyone; the other teams of its service line for its lead or a manager over it
    (the same rule as can_move_between_teams)."""
    membership = membership_of(user)
    if membership is not None and membership.role == Role.LEAD and membership.team_id == team.pk:
        return Team.objects.filter(service_line_id=team.service_line_id)
    if is_manager(user):
        return teams_visible_to(user).filter(service_line_id=team.service_line_id)
    return Team.objects.filter(pk=team.pk)


def offices_managed_by(user: User) -> QuerySet[Office]:
    """Offices whose interview rule set `user` may choose: those of the user's office scopes."""
    if not user.is_authenticated:
        return Office.objects.none()
    if user.is_superuser:
        return Office.objects.all()
    return Office.objects.filter(managerscope__user=user, managerscope__office__isnull=False)


# --- Managers' tools -----------------------------------------------------------------------


def may_import_clients(user: User) -> bool:
    """Bulk client import (upload, dry run, confirm): managers."""
    return is_manager(user)


def import_records_q(user: User) -> Q:
    """Records of bulk client imports (a filter over ImportRecord: file name, counts, the report
    with masked codes): a manager's own, as on the import pages; administrators all; nobody else
    any."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    if not may_import_clients(user):
        return Q(pk__in=[])
    return Q(created_by=user)


def may_manage_partners(user: User) -> bool:
    """Add partner organisations, their services and users: managers."""
    return is_manager(user)


def may_search_access_log(user: User) -> bool:
    """The access log search: managers."""
    return is_manager(user)


def access_logs_q(user: User, *, client_visible: bool = False) -> Q:
    """Access-log rows (a filter over AccessLog) a manager may read: those by users of the teams
    under the manager, and their own. Searching by a client the manager may see
    (`client_visible`) shows every row about that client, whoever wrote it: the caller narrows
    the rows to the client (AccessLog.objects.for_client)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or client_visible:
        return Q()
    team_ids = team_ids_visible_to(user)
    return Q(user__membership__team_id__in=team_ids) | Q(user=user)


# --- Partner users ---------------------------------------------------------------------------

# Where a partner user may go: the portal, sign-in and the site's plumbing. Anything else is 403
# (partners.middleware), on top of the partner user having no team and so seeing no client.
PARTNER_ALLOWED_PREFIXES = (
    "/portal/",
    "/accounts/",
    "/static/",
    "/health/",
    "/ready/",
    "/i18n/",
    "/language/",
    "/accessibility/",
)


def partner_path_allowed(path: str) -> bool:
    """May a partner user request `path`? Only the portal, sign-in and static files."""
    return path.startswith(PARTNER_ALLOWED_PREFIXES)


def may_be_partner_user(user: User) -> bool:
    """Office staff cannot be partner users: one role per account."""
    return not (
        user.is_staff
        or user.is_superuser
        or Membership.objects.filter(user=user).exists()
        or ManagerScope.objects.filter(user=user).exists()
    )
