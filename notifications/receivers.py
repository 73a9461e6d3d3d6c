"""Receivers of lower apps' signals, connected in NotificationsConfig.ready."""

from __future__ import annotations

from .tasks import appointment_confirm


def appointment_booked_receive(sender, *, appointment_id: int, **kwargs) -> None:
    """The client is told of the booking (e-mail / SMS, from a Celery task after commit)."""
    appointment_confirm(appointment_id)
