from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teams import policy
from teams.backends import MemberBackend
from teams.models import ManagerScope
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_signed_in_user_comes_with_team_and_manager_flag_in_one_query(adviser, manager):
    backend = MemberBackend()
    with CaptureQueriesContext(connection) as queries:
        user = backend.get_user(adviser.pk)
        assert policy.membership_of(user).team.name == adviser.membership.team.name
        assert not policy.is_manager(user)
        assert policy.team_ids_visible_to(user) == [adviser.membership.team_id]
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        boss = backend.get_user(manager.pk)
        assert policy.membership_of(boss) is None
        assert policy.is_manager(boss)  # the scopes themselves: one more query
    assert len(queries) == 2


def test_a_user_without_membership_or_scope_is_neither(db):
    user = MemberBackend().get_user(make_user("nobody").pk)
    assert policy.membership_of(user) is None
    assert not policy.is_manager(user)
    assert policy.team_ids_visible_to(user) == []


def test_an_inactive_or_missing_user_is_not_loaded(adviser):
    get_user_model().objects.filter(pk=adviser.pk).update(is_active=False)
    assert MemberBackend().get_user(adviser.pk) is None
    assert MemberBackend().get_user(999_999) is None


def test_a_scope_given_after_sign_in_counts_from_the_next_request(client, adviser, office):
    client.force_login(adviser)
    menu = reverse("teams:office")
    assert menu not in client.get(reverse("accessibility")).content.decode()
    ManagerScope.objects.create(user=adviser, office=office)
    assert menu in client.get(reverse("accessibility")).content.decode()
