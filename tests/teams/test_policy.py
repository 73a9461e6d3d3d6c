"""The access policy's plain functions, one rule at a time (teams.policy).

The permission matrix (tests/audit) checks every route; these check the rules the routes ask,
for each persona, so a rule that drifts fails here with its name on it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import AccessAction, AccessLog
from audit.services import access_record
from clients.models import ImportRecord
from partners.models import Partner, Referral
from partners.services import consent_revoke
from reports.models import StoredReport
from teams import policy
from teams.models import ManagerScope, Office, Role, ServiceLine, Team
from tests.conftest import make_client, make_user
from tests.partners.conftest import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_c(db) -> Team:
    """A team of another office."""
    office = Office.objects.create(name="Other office", code="other")
    line = ServiceLine.objects.create(office=office, name="Job and business services")
    return Team.objects.create(service_line=line, name="Team C")


@pytest.fixture
def other_manager(team_c):
    user = make_user("otto")
    ManagerScope.objects.create(user=user, office=team_c.service_line.office)
    return user


@pytest.fixture
def line_manager(service_line):
    user = make_user("liisa")
    ManagerScope.objects.create(user=user, service_line=service_line)
    return user


@pytest.fixture
def admin(db):
    return make_user("root", is_superuser=True, is_staff=True)


def _fresh(user):
    """The same user without the per-object caches (membership, manager scopes)."""
    return type(user).objects.get(pk=user.pk)


# --- Reports --------------------------------------------------------------------------------


def test_report_teams_are_the_managers_scope_and_the_leads_own_team(
    manager, line_manager, lead, team_a, team_b, team_c, admin
):
    assert sorted(policy.report_team_ids(manager)) == sorted([team_a.pk, team_b.pk])
    assert sorted(policy.report_team_ids(line_manager)) == sorted([team_a.pk, team_b.pk])
    assert policy.report_team_ids(lead) == [team_a.pk]
    assert policy.report_team_ids(admin) is None  # every team


def test_advisers_partners_and_anonymous_have_no_report(adviser, outsider, partner_user, manager):
    from django.contrib.auth.models import AnonymousUser

    manager.is_active = False
    for user in (adviser, outsider, partner_user, AnonymousUser(), manager):
        with pytest.raises(PermissionDenied):
            policy.report_team_ids(user)
        assert policy.may_see_reports(user) is False
        assert policy.report_levels(user) == ()


def test_a_team_lead_reports_by_team_and_adviser_only(lead, manager, admin):
    assert policy.report_levels(lead) == ("team", "adviser")
    assert policy.report_levels(manager) == ("office", "service_line", "team", "adviser")
    assert policy.report_levels(admin) == ("office", "service_line", "team", "adviser")
    assert policy.may_see_reports(lead) and policy.may_see_reports(manager)


def test_client_level_export_needs_a_manager_with_the_permission(manager, lead):
    permission = Permission.objects.get(codename="export_clients")
    assert policy.may_export_clients(manager) is False
    manager.user_permissions.add(permission)
    lead.user_permissions.add(permission)
    assert policy.may_export_clients(_fresh(manager)) is True
    assert policy.may_export_clients(_fresh(lead)) is False  # a lead is no manager


def test_stored_reports_follow_the_managers_office_or_line(
    manager, line_manager, other_manager, lead, office, service_line, team_c
):
    month = dt.date(2026, 1, 1)
    common = {"month": month, "content": b"x", "size": 1}
    of_office = StoredReport.objects.create(office=office, file_name="o.xlsx", **common)
    of_line = StoredReport.objects.create(service_line=service_line, file_name="l.xlsx", **common)
    elsewhere = StoredReport.objects.create(
        office=team_c.service_line.office, file_name="c.xlsx", **common
    )

    def seen(user):
        return set(StoredReport.objects.visible_to(user))

    assert seen(manager) == {of_office}
    assert seen(line_manager) == {of_line}
    assert seen(other_manager) == {elsewhere}
    assert seen(lead) == set()


# --- Teams ----------------------------------------------------------------------------------


def test_a_team_is_managed_by_its_lead_and_the_managers_over_it(
    lead, adviser, manager, other_manager, team_a, team_b, admin
):
    assert policy.can_manage_team(lead, team_a)
    assert not policy.can_manage_team(lead, team_b)
    assert not policy.can_manage_team(adviser, team_a)
    assert policy.can_manage_team(manager, team_b)
    assert not policy.can_manage_team(other_manager, team_a)
    assert policy.can_manage_team(admin, team_b)


def test_service_lines_are_those_of_visible_teams(manager, other_manager, service_line, team_a):
    assert policy.service_lines_visible_to(manager) == [service_line]
    assert service_line not in policy.service_lines_visible_to(other_manager)


def test_moves_go_within_the_team_unless_lead_or_manager(
    adviser, lead, manager, team_a, team_b, team_c, service_line
):
    other_line = ServiceLine.objects.create(office=service_line.office, name="Competence")
    Team.objects.create(service_line=other_line, name="Team D")
    assert set(policy.move_destination_teams(adviser, team_a)) == {team_a}
    assert set(policy.move_destination_teams(lead, team_a)) == {team_a, team_b}
    assert set(policy.move_destination_teams(manager, team_a)) == {team_a, team_b}
    # A lead of team A moving team B's clients: no more than team B itself.
    assert set(policy.move_destination_teams(lead, team_b)) == {team_b}


def test_advisers_visible_are_members_of_visible_teams(
    adviser, teammate, outsider, manager, other_manager
):
    assert set(policy.advisers_visible_to(adviser)) == {adviser, teammate}
    assert set(policy.advisers_visible_to(manager)) == {adviser, teammate, outsider}
    assert set(policy.advisers_visible_to(other_manager)) == set()


def test_rule_sets_are_chosen_for_the_offices_a_manager_holds(
    manager, line_manager, lead, office, team_c, admin
):
    assert list(policy.offices_managed_by(manager)) == [office]
    assert list(policy.offices_managed_by(line_manager)) == []  # a line is not the office
    assert list(policy.offices_managed_by(lead)) == []
    assert set(policy.offices_managed_by(admin)) == {office, team_c.service_line.office}


# --- Managers' tools ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule", [policy.may_import_clients, policy.may_manage_partners, policy.may_search_access_log]
)
def test_managers_tools_are_for_managers_only(rule, manager, lead, adviser, partner_user, admin):
    assert rule(manager) and rule(admin)
    assert not rule(lead)
    assert not rule(adviser)
    assert not rule(partner_user)


def test_access_log_rows_are_those_of_the_managers_teams_and_their_own(
    manager, adviser, outsider, other_manager, team_c, client_a
):
    stranger = make_user("sami", team=team_c)
    far_client = make_client(team_c)
    own = access_record(clients=[client_a], action=AccessAction.PAGE, user=manager)
    by_adviser = access_record(clients=[client_a], action=AccessAction.PAGE, user=adviser)
    by_outsider = access_record(clients=[client_a], action=AccessAction.PAGE, user=outsider)
    by_stranger = access_record(clients=[far_client], action=AccessAction.PAGE, user=stranger)
    assert set(AccessLog.objects.visible_to(manager)) == {own, by_adviser, by_outsider}
    assert set(AccessLog.objects.visible_to(other_manager)) == {by_stranger}
    assert AccessLog.objects.count() == 4


def test_import_records_are_the_managers_own(manager, other_manager, lead, admin):

    def record(user):
        return ImportRecord.objects.create(
            created_by=user, source="web", file_name="a.csv", file_sha256="0" * 64, file_size=1
        )

    own, others = record(manager), record(other_manager)
    assert list(ImportRecord.objects.visible_to(manager)) == [own]
    assert list(ImportRecord.objects.visible_to(other_manager)) == [others]
    assert set(ImportRecord.objects.visible_to(admin)) == {own, others}
    assert not ImportRecord.objects.visible_to(lead).exists()


# --- Partner users --------------------------------------------------------------------------


def test_partner_of_is_the_active_organisation_of_a_partner_user(
    partner_user, partner_org, adviser
):
    assert Partner.objects.of_user(partner_user) == partner_org
    assert Partner.objects.of_user(adviser) is None
    partner_org.active = False
    partner_org.save(update_fields=["active"])
    assert Partner.objects.of_user(partner_user) is None


def test_partner_users_may_use_the_portal_and_sign_in_only():
    assert policy.partner_path_allowed("/portal/referrals/1/")
    assert policy.partner_path_allowed("/accounts/logout/")
    assert not policy.partner_path_allowed("/clients/1/")
    assert not policy.partner_path_allowed("/admin/")
    assert not policy.partner_path_allowed("/api/v1/clients/")


def test_office_staff_cannot_be_partner_users(adviser, manager, db):
    assert policy.may_be_partner_user(make_user("outside"))
    assert not policy.may_be_partner_user(adviser)
    assert not policy.may_be_partner_user(manager)
    assert not policy.may_be_partner_user(make_user("staffer", is_staff=True))


def test_portal_shows_referrals_to_the_partner_while_consent_is_valid(
    partner_org, other_partner_user, team_a, adviser, client_a
):
    other_org = Partner.objects.of_user(other_partner_user)
    mine = make_referral(client_a, partner_org, adviser)
    theirs = make_referral(make_client(team_a), other_org, adviser)
    assert list(Referral.objects.for_portal(partner_org)) == [mine]
    assert list(Referral.objects.for_portal(other_org)) == [theirs]
    assert list(Referral.objects.for_portal(None)) == []
    consent_revoke(consent=mine.consent, revoked_by=adviser)
    assert list(Referral.objects.for_portal(partner_org)) == []


def test_portal_hides_a_referral_once_the_consent_has_expired(
    partner_org, adviser, client_a, team_a
):
    referral = make_referral(client_a, partner_org, adviser)
    consent = referral.consent
    consent.valid_until = timezone.localdate() - dt.timedelta(days=1)
    consent.valid_from = consent.valid_until - dt.timedelta(days=10)
    consent.save(update_fields=["valid_from", "valid_until"])
    assert list(Referral.objects.for_portal(partner_org)) == []


def test_lead_role_is_what_makes_a_team_lead(team_a):
    user = make_user("tuuli", team=team_a, role=Role.LEAD)
    assert policy.is_team_lead(user)
    assert not policy.is_team_lead(make_user("taavi", team=team_a))
