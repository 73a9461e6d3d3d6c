"""Small builders for the team dashboard tests: clients with their status history."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clients.models import StatusChange
from interviews.choices import Channel, Outcome
from interviews.models import Interview
from reports.periods import LOCAL_ZONE as HELSINKI
from tests.conftest import make_client


def client_with_history(team, **fields):
    """make_client plus the StatusChange row that coverage reads the status from."""
    client = make_client(team, **fields)
    StatusChange.objects.create(
        client=client, new_status=client.status, effective_on=client.status_since
    )
    return client


def interview(client, adviser, day: dt.date, *, outcome=Outcome.HELD, channel=Channel.PHONE):
    """An interview at 00:30 Helsinki time on `day` (so "today" is already past)."""
    held_at = dt.datetime.combine(day, dt.time(0, 30), HELSINKI)
    assert held_at <= timezone.now()
    return Interview.objects.create(
        client=client,
        adviser=adviser,
        recorded_by=adviser,
        held_at=held_at,
        channel=channel,
        outcome=outcome,
    )
