from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from teams import access, policy
from tests.conftest import PASSWORD, make_client

from .conftest import make_appointment, make_referral

pytestmark = pytest.mark.django_db


def test_partner_user_sees_only_clients_referred_to_their_organisation(
    client, team_a, adviser, partner_org, partner_user, other_partner_user
):
    mine = make_client(team_a, first_name="Minna", last_name="Mine")
    theirs = make_client(team_a, first_name="Teemu", last_name="Theirs")
    unreferred = make_client(team_a, first_name="Ulla", last_name="Unreferred")
    make_referral(mine, partner_org, adviser)
    other_ref = make_referral(theirs, other_partner_user.partner_user.partner, adviser)

    client.force_login(partner_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Minna Mine" in page
    assert "Teemu Theirs" not in page
    assert "Ulla Unreferred" not in page
    assert client.get(reverse("portal:referral", args=[other_ref.pk])).status_code == 404
    assert unreferred.pk  # never reachable: the portal has no client URL at all


def test_portal_shows_the_name_but_never_the_identity_code(
    client, client_a, adviser, partner_org, partner_user
):
    referral = make_referral(client_a, partner_org, adviser)
    client.force_login(partner_user)
    for url in (reverse("portal:home"), reverse("portal:referral", args=[referral.pk])):
        page = client.get(url).content.decode()
        assert client_a.full_name in page
        assert client_a.personal_identity_code not in page
        assert client_a.personal_identity_code[:6] not in page


def test_access_policy_gives_a_partner_user_nothing(partner_user, client_a):
    assert not Client.objects.visible_to(partner_user).exists()
    assert policy.team_ids_visible_to(partner_user) == []
    assert not policy.is_manager(partner_user)
    assert not access.may_work_with(partner_user, client_a)


def test_partner_user_is_kept_out_of_adviser_pages(
    client, client_a, adviser, partner_org, partner_user
):
    make_appointment(client_a, adviser)
    client.force_login(partner_user)
    for url in [
        reverse("clients:caseload"),
        reverse("clients:detail", args=[client_a.pk]),
        reverse("partners:client_panel", args=[client_a.pk]),
        reverse("partners:manage"),
        "/reports/",
        "/teams/",
        "/interviews/",
        "/api/",
        "/admin/",
    ]:
        response = client.get(url)
        assert response.status_code in {403, 404}, url
        assert client_a.last_name.encode() not in response.content, url


def test_without_the_session_mark_adviser_pages_still_show_a_partner_user_nothing(
    client, client_a, partner_user
):
    """The second wall: even if the portal middleware did not apply, the policy answers 404."""
    client.force_login(partner_user)
    session = client.session
    session.pop("partner_id", None)
    session.save()
    assert client.get(reverse("clients:detail", args=[client_a.pk])).status_code == 404
    assert client.get(reverse("partners:client_panel", args=[client_a.pk])).status_code == 404
    caseload = client.get(reverse("clients:caseload"))
    assert client_a.last_name.encode() not in caseload.content


def test_partner_user_signs_in_at_the_normal_login_and_lands_on_the_portal(client, partner_user):
    response = client.post(reverse("login"), {"username": "pia", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert b"Partner portal" in response.content


@pytest.mark.parametrize("who", ["adviser", "outsider", "manager"])
def test_office_staff_get_404_in_the_portal(request, client, who, partner_org):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("portal:home")).status_code == 404


def test_office_staff_cannot_be_made_partner_users(adviser, partner_org):
    from django.core.exceptions import ValidationError

    from partners.services import partner_user_add

    with pytest.raises(ValidationError):
        partner_user_add(user=adviser, partner=partner_org)


def _portal_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("portal:home")).status_code == 200
    return len(ctx)


def test_portal_list_query_count_does_not_grow_with_referrals(
    client, team_a, adviser, partner_org, partner_user
):
    make_referral(make_client(team_a), partner_org, adviser)
    client.force_login(partner_user)
    one = _portal_queries(client)
    for _ in range(5):
        make_referral(make_client(team_a), partner_org, adviser)
    many = _portal_queries(client)
    assert one == many
    assert one <= 10


def test_partner_access_is_written_to_the_access_log(
    client, client_a, adviser, partner_org, partner_user
):
    from audit.models import AccessLog

    referral = make_referral(client_a, partner_org, adviser)
    client.force_login(partner_user)
    client.get(reverse("portal:home"))
    client.get(reverse("portal:referral", args=[referral.pk]))
    rows = AccessLog.objects.filter(user=partner_user).order_by("id")
    assert [(r.client_ids, r.action) for r in rows] == [
        ([client_a.pk], "page"),
        ([client_a.pk], "page"),
    ]
