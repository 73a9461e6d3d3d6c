"""The admin asks the same access policy: staff see only the clients they serve."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from tests.conftest import make_client, make_interview

pytestmark = pytest.mark.django_db


def test_staff_adviser_sees_only_own_teams_clients_in_the_admin(client, adviser, team_a, team_b):
    from django.contrib.auth.models import Permission

    mine = make_client(team_a, last_name="Omaasiakas")
    other = make_client(team_b, last_name="Vierasasiakas")
    make_interview(other, adviser, held_on=other.registered_on)
    adviser.is_staff = True
    adviser.save(update_fields=["is_staff"])
    adviser.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_client", "change_client", "view_interview"])
    )
    client.force_login(adviser)
    listing = client.get(reverse("admin:clients_client_changelist")).content.decode()
    assert "Omaasiakas" in listing and "Vierasasiakas" not in listing
    assert client.get(reverse("admin:clients_client_change", args=[other.pk])).status_code == 302
    assert (
        "Vierasasiakas"
        not in client.get(reverse("admin:interviews_interview_changelist")).content.decode()
    )
    before = AccessLog.objects.count()
    assert client.get(reverse("admin:clients_client_change", args=[mine.pk])).status_code == 200
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.latest("pk").client_ids == [mine.pk]


def _staff(user, *codenames):
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


def test_partner_records_in_the_admin_follow_the_clients_team(
    client, adviser, team_a, team_b, partner_org
):
    from partners.models import ClosingReport, ReferralOutcome
    from tests.partners.conftest import make_referral

    mine = make_client(team_a, last_name="Omaasiakas")
    other = make_client(team_b, last_name="Vierasasiakas")
    mine_referral = make_referral(mine, partner_org, adviser)
    other_referral = make_referral(other, partner_org, adviser)
    for referral in (mine_referral, other_referral):
        ClosingReport.objects.create(
            referral=referral,
            work_done="Coaching",
            results="Applied for jobs",
            next_steps="Keep applying",
            outcome=ReferralOutcome.OPEN_MARKET,
            filed_by=adviser,
            filed_at=timezone.now(),
        )
    _staff(adviser, "view_consent", "view_referral", "view_closingreport")
    client.force_login(adviser)
    client_of = {
        "consent": lambda o: o.client_id,
        "referral": lambda o: o.client_id,
        "closingreport": lambda o: o.referral.client_id,
    }
    for name, of in client_of.items():
        listing = client.get(reverse(f"admin:partners_{name}_changelist"))
        assert [of(o) for o in listing.context["cl"].result_list] == [mine.pk], name
    hidden = reverse("admin:partners_referral_change", args=[other_referral.pk])
    assert client.get(hidden).status_code == 302  # "does not exist", as for any other id
    before = AccessLog.objects.count()
    shown = reverse("admin:partners_referral_change", args=[mine_referral.pk])
    assert client.get(shown).status_code == 200
    assert AccessLog.objects.count() == before + 1
    assert AccessLog.objects.latest("pk").client_ids == [mine.pk]


def test_change_history_in_the_admin_follows_the_clients_team(client, adviser, team_a, team_b):
    from audit.models import ChangeEvent, ChangeEventKind

    mine = make_client(team_a)
    other = make_client(team_b)
    for c in (mine, other):
        ChangeEvent.objects.create(client=c, kind=ChangeEventKind.values[0], changed_by=adviser)
    _staff(adviser, "view_changeevent")
    client.force_login(adviser)
    response = client.get(reverse("admin:audit_changeevent_changelist"))
    assert [e.client_id for e in response.context["cl"].result_list] == [mine.pk]


def test_the_access_log_in_the_admin_is_for_managers_as_its_search(
    client, adviser, outsider, manager, team_c_manager, client_a
):
    from audit.services import access_record

    access_record(clients=[client_a], action="page", user=adviser)
    access_record(clients=[client_a], action="page", user=outsider)
    adviser = _staff(adviser, "view_accesslog")
    client.force_login(adviser)
    listing = client.get(reverse("admin:audit_accesslog_changelist"))
    assert list(listing.context["cl"].result_list) == []
    for who, expected in ((manager, {"alice", "charlie"}), (team_c_manager, set())):
        _staff(who, "view_accesslog")
        client.force_login(who)
        listing = client.get(reverse("admin:audit_accesslog_changelist"))
        assert {e.username for e in listing.context["cl"].result_list} == expected, who


@pytest.fixture
def team_c_manager(db):
    from teams.models import ManagerScope, Office
    from tests.conftest import make_user

    user = make_user("otto")
    ManagerScope.objects.create(user=user, office=Office.objects.create(name="Far", code="far"))
    return user
