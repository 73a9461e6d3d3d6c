"""Moving Notification from partners to the notifications app keeps every row: a database
migrated back to before the move, with rows written through the old model, is migrated forward
and read through the new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from notifications.models import Notification
from tests.conftest import make_client

from .conftest import make_appointment

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = [("partners", "0001_initial"), ("notifications", None)]
FIELDS = [
    "id",
    "appointment_id",
    "kind",
    "channel",
    "status",
    "recipient",
    "language",
    "attempts",
    "note",
    "last_error",
    "created_at",
    "updated_at",
    "sent_at",
]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _content_type_labels() -> set[str]:
    return set(ContentType.objects.filter(model="notification").values_list("app_label", flat=True))


def test_notifications_written_before_the_move_are_read_through_the_new_model(team_a, adviser):
    first = make_appointment(make_client(team_a, email="a@example.fi"), adviser)
    second = make_appointment(make_client(team_a, phone="+358401234567"), adviser)
    content_type_id = ContentType.objects.get(app_label="notifications", model="notification").pk
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()

    executor = _migrate(BEFORE_THE_MOVE)
    try:
        assert _content_type_labels() == {"partners"}
        old = executor.loader.project_state(("partners", "0001_initial")).apps
        OldNotification = old.get_model("partners", "Notification")
        sent_at = timezone.now() - dt.timedelta(hours=1)
        for appointment, kind, channel, status, extra in [
            (first, "confirmation", "email", "sent", {"sent_at": sent_at, "attempts": 1}),
            (first, "reminder", "email", "failed", {"attempts": 2, "last_error": "451"}),
            (second, "confirmation", "sms", "pending", {}),
            (second, "reminder", "email", "skipped", {"note": "no e-mail address"}),
            (second, "reminder", "sms", "gave_up", {"attempts": 6, "last_error": "down"}),
        ]:
            OldNotification.objects.create(
                appointment_id=appointment.pk,
                kind=kind,
                channel=channel,
                status=status,
                recipient=f"{kind}-{channel}",
                language="fi",
                **extra,
            )
        written = list(OldNotification.objects.order_by("id").values(*FIELDS))
    finally:
        _migrate(latest)

    assert len(written) == 5
    assert list(Notification.objects.order_by("id").values(*FIELDS)) == written
    assert {n.pk for n in first.notifications.all()} == {
        row["id"] for row in written if row["appointment_id"] == first.pk
    }
    assert Notification.objects.get(recipient="confirmation-email").appointment == first
    # The content type moved with the model (admin history and permissions follow it).
    assert _content_type_labels() == {"notifications"}
    assert ContentType.objects.get(app_label="notifications", model="notification").pk == (
        content_type_id
    )
