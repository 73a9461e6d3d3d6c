"""What the interviews app tells higher apps, which connect to it in their AppConfig.ready."""

from __future__ import annotations

from django.dispatch import Signal

# An appointment was booked: sent with `appointment_id` inside the booking's transaction
# (notifications connects its confirmation to it).
appointment_booked = Signal()
