"""Receivers of lower apps' signals, connected in NotificationsConfig.ready."""

from __future__ import annotations

import datetime as dt

from .tasks import appointment_change_tell, appointment_confirm


def appointment_booked_receive(sender, *, appointment_id: int, **kwargs) -> None:
    """The client is told of the booking (the message row now, its sending after commit)."""
    appointment_confirm(appointment_id)


def appointment_changed_receive(
    sender,
    *,
    appointment_id: int,
    change: str,
    previous_starts_at: dt.datetime | None = None,
    **kwargs,
) -> None:
    """The client is told of a new time or a cancellation, as of a booking."""
    appointment_change_tell(
        appointment_id=appointment_id, change=change, previous_starts_at=previous_starts_at
    )
