"""Writes in the interview domain (typed, keyword-only services), by responsibility:

- recording: interviews, appointments and contact attempts (the adviser's daily loop);
- due_engine: every client's due state in set-based runs, the working-day calendar and an
  office's choice of rule set.

One client's due columns are refreshed by clients.services.client_due_refresh; the
job-search reports are recorded by plans.services.job_search_report_record.
"""

from __future__ import annotations

from .due_engine import (
    CALENDAR_END,
    CALENDAR_START,
    DUE_RUN_LOCK_KEY,
    due_states_refresh,
    office_rule_set_choose,
    working_calendar_fill,
)
from .recording import (
    AppointmentClash,
    AppointmentNotBooked,
    OffHoursUnconfirmed,
    appointment_book,
    appointment_cancel,
    appointment_move,
    appointment_no_show,
    contact_attempt_record,
    interview_log,
    not_before_registration,
)

__all__ = [
    "CALENDAR_END",
    "CALENDAR_START",
    "DUE_RUN_LOCK_KEY",
    "AppointmentClash",
    "AppointmentNotBooked",
    "OffHoursUnconfirmed",
    "appointment_book",
    "appointment_cancel",
    "appointment_move",
    "appointment_no_show",
    "contact_attempt_record",
    "due_states_refresh",
    "interview_log",
    "not_before_registration",
    "office_rule_set_choose",
    "working_calendar_fill",
]
