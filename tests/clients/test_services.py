from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Status, StatusChange
from clients.services import client_status_change
from interviews.choices import DueState
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def test_status_change_keeps_history_in_order(team_a, adviser):
    today = timezone.localdate()
    client = make_client(
        team_a,
        registered_on=today - dt.timedelta(days=100),
        status_since=today - dt.timedelta(days=30),
    )
    with pytest.raises(ValidationError) as exc:
        client_status_change(
            client=client,
            status=Status.EMPLOYED,
            effective_on=today - dt.timedelta(days=31),
            changed_by=adviser,
        )
    assert "effective_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        client_status_change(
            client=client,
            status=Status.EMPLOYED,
            effective_on=today + dt.timedelta(days=1),
            changed_by=adviser,
        )
    assert not StatusChange.objects.filter(client=client).exists()


def test_status_change_out_of_the_cycle_and_back_restarts_the_first_interview(team_a, adviser):
    today = timezone.localdate()
    client = make_client(
        team_a,
        registered_on=today - dt.timedelta(days=300),
        last_held_on=today - dt.timedelta(days=20),
    )
    client_status_change(
        client=client,
        status=Status.IN_SERVICE,
        effective_on=today - dt.timedelta(days=10),
        changed_by=adviser,
    )
    client.refresh_from_db()
    assert client.due_state == DueState.NOT_REQUIRED and client.next_due_date is None
    client_status_change(
        client=client, status=Status.UNEMPLOYED, effective_on=today, changed_by=adviser
    )
    client.refresh_from_db()
    assert client.next_due_date == today + dt.timedelta(days=14)  # not from stale history
    assert StatusChange.objects.filter(client=client).count() == 2
