"""What the interviews app tells higher apps, which connect to it in their AppConfig.ready."""

from __future__ import annotations

from django.dispatch import Signal

# An appointment was booked: sent with `appointment_id` inside the booking's transaction
# (notifications connects its confirmation to it).
appointment_booked = Signal()

# A booked appointment was moved or cancelled: sent inside the change's transaction with
# `appointment_id`, `change` ("moved" or "cancelled") and, for a move, `previous_starts_at`
# (notifications writes the client's message in the same transaction).
appointment_changed = Signal()
