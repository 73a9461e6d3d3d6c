from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.management import call_command

from clients.models import Client
from interviews.models import Appointment, Interview
from interviews.services import due_states_refresh
from plans.models import PlanAction, PlanVersion
from teams.models import Membership, Office
from tools.demo.office import seed_demo

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for row in Client.objects.order_by("pk").values_list(
        "personal_identity_code",
        "first_name",
        "last_name",
        "status",
        "status_since",
        "team__name",
        "responsible_adviser__username",
        "last_held_on",
        "next_due_date",
        "due_state",
    ):
        digest.update(repr(row).encode())
    for row in Interview.objects.order_by("pk").values_list(
        "client__personal_identity_code", "held_at", "channel", "outcome", "adviser__username"
    ):
        digest.update(repr(row).encode())
    for row in PlanVersion.objects.order_by("pk").values_list("plan__client_id", "number", "goal"):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _wipe() -> None:
    for model in (PlanAction, PlanVersion, Interview, Appointment):
        model.objects.all().delete()
    Client.objects.all().delete()
    Membership.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.all().delete()
    from teams.models import ManagerScope, ServiceLine, Team

    ManagerScope.objects.all().delete()
    Team.objects.all().delete()
    ServiceLine.objects.all().delete()
    Office.objects.all().delete()


def test_seed_is_deterministic_for_a_seed():
    seed_demo(clients=300, seed=7, today=TODAY)
    first = _fingerprint()
    _wipe()
    seed_demo(clients=300, seed=7, today=TODAY)
    assert _fingerprint() == first
    _wipe()
    seed_demo(clients=300, seed=8, today=TODAY)
    assert _fingerprint() != first


def test_seed_builds_the_demo_office_and_its_logins(client):
    call_command("seed_demo", "--clients", "600", "--password", "pw-demo-1")
    assert Client.objects.count() == 600
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles["adviser"] == "adviser" and roles["teamlead"] == "lead"
    adviser_team = Membership.objects.get(user__username="adviser").team
    other_team = Membership.objects.get(user__username="adviser_other").team
    assert adviser_team != other_team
    assert adviser_team.service_line.name == "Supported employment"
    assert adviser_team.service_line.teams.count() == 4
    assert all(3 <= t.memberships.count() <= 5 for t in adviser_team.service_line.teams.all())
    for username in ("adviser", "adviser_other", "teamlead", "manager"):
        assert client.login(username=username, password="pw-demo-1")
    # A mix of channels and some overdue clients, and plans with several versions.
    assert set(Interview.objects.values_list("channel", flat=True)) == {
        "phone",
        "face_to_face",
        "video",
    }
    assert Client.objects.filter(due_state="overdue").exists()
    assert PlanVersion.objects.filter(number__gte=2).exists()
    # The derived columns agree with the rule: a full due run right after changes nothing.
    assert due_states_refresh(full=True).changed == 0


def test_seeding_again_changes_nothing(capsys):
    call_command("seed_demo", "--clients", "50")
    before = (Client.objects.count(), Interview.objects.count())
    call_command("seed_demo", "--clients", "50")
    assert "already seeded" in capsys.readouterr().out
    assert (Client.objects.count(), Interview.objects.count()) == before


def test_default_demo_has_about_1900_unemployed_of_4300():
    seed_demo(clients=4300, seed=1, today=TODAY)
    unemployed = Client.objects.filter(status="unemployed").count()
    assert Client.objects.count() == 4300
    assert 1700 <= unemployed <= 2100
