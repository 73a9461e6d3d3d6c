"""Writes in the interview domain, and the due engine."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import ChangeEventKind
from audit.services import change_record, changes_between, field_labels
from clients.models import Client
from partners.services import ReferralInput, ReferralRefused, referral_send
from plans.services import PlanInput, plan_revise, referral_action
from teoffice.signals import history_changed

from . import rules
from .choices import AppointmentStatus, InterviewKind, Outcome
from .models import Appointment, DueRun, Interview
from .signals import appointment_booked

logger = logging.getLogger(__name__)

# Any constant; two due runs holding it at once is what it prevents.
DUE_RUN_LOCK_KEY = 7_341_902


def client_due_refresh(*, client: Client, today: dt.date | None = None) -> None:
    """Recompute one client's next-due date and due state at once (not only nightly)."""
    today = today or timezone.localdate()
    client.next_due_date = rules.next_due_date(
        status=client.status,
        status_since=client.status_since,
        last_held_on=client.last_held_on,
        schedule=rules.office_schedule_of_team(client.team_id),
    )
    client.due_state = rules.due_state(client.next_due_date, today)
    client.save(
        update_fields=["last_held_on", "last_channel", "next_due_date", "due_state", "updated_at"]
    )


def _interview_changes(interview: Interview) -> list[dict[str, str]]:
    fields = ["held_at", "channel", "kind", "outcome", "duration_minutes"]
    return changes_between(
        {},
        {
            "held_at": timezone.localtime(interview.held_at),
            "channel": interview.get_channel_display(),
            "kind": interview.get_kind_display(),
            "outcome": interview.get_outcome_display(),
            "duration_minutes": interview.duration_minutes,
        },
        labels=field_labels(Interview, fields),
    )


_APPOINTMENT_FIELDS = ["starts_at", "channel", "duration_minutes", "place", "video_link"]


def _appointment_values(appointment: Appointment) -> dict:
    return {
        "starts_at": timezone.localtime(appointment.starts_at),
        "channel": appointment.get_channel_display(),
        "duration_minutes": appointment.duration_minutes,
        "place": appointment.place,
        "video_link": appointment.video_link,
    }


def _outcome_to_appointment_status(outcome: str) -> str:
    return {
        Outcome.HELD: AppointmentStatus.HELD,
        Outcome.NO_SHOW: AppointmentStatus.NO_SHOW,
        Outcome.CANCELLED: AppointmentStatus.CANCELLED,
    }[outcome]


def interview_log(
    *,
    client: Client,
    adviser: AbstractBaseUser,
    held_at: dt.datetime,
    channel: str,
    outcome: str,
    kind: str = InterviewKind.PERIODIC,
    duration_minutes: int | None = None,
    notes: str = "",
    appointment: Appointment | None = None,
    submission_key: uuid.UUID | None = None,
    plan: PlanInput | None = None,
    plan_based_on: int | None = None,
    referral: ReferralInput | None = None,
) -> tuple[Interview, bool]:
    """Record an interview (and, when held, the plan agreed at it and a referral to a
    partner made at it) in one transaction.

    Returns (interview, created). A repeated `submission_key` returns the interview the
    first submit made, so a double click or back-and-resubmit creates one interview.
    Raises ValidationError for a time in the future, PlanConflict for a stale plan,
    ReferralRefused for a referral without the client's valid consent (nothing is saved).
    The referral's plan action goes into the version agreed at this interview.
    """
    if submission_key is not None:
        existing = Interview.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    held_at = held_at.replace(second=0, microsecond=0)  # interviews are kept to the minute
    if held_at > timezone.now():
        raise ValidationError({"held_at": _("An interview cannot be held in the future.")})
    if plan is not None and outcome != Outcome.HELD:
        raise ValidationError(_("The plan can be revised only at a held interview."))
    if referral is not None and outcome != Outcome.HELD:
        raise ReferralRefused(
            _(
                "A referral is made with the client at a held interview: choose Held as the "
                "outcome or leave the referral empty."
            )
        )
    try:
        with transaction.atomic():
            interview = Interview.objects.create(
                client=client,
                adviser=adviser,
                recorded_by=adviser,
                held_at=held_at,
                channel=channel,
                kind=kind,
                outcome=outcome,
                duration_minutes=duration_minutes,
                notes=notes,
                appointment=appointment,
                submission_key=submission_key,
            )
            if appointment is not None:
                appointment.status = _outcome_to_appointment_status(outcome)
                appointment.save(update_fields=["status"])
            if outcome == Outcome.HELD:
                held_on = timezone.localdate(held_at)
                if client.last_held_on is None or held_on >= client.last_held_on:
                    client.last_held_on = held_on
                    client.last_channel = channel
                if referral is not None:
                    sent = referral_send(
                        client=client,
                        service=referral.service,
                        reason=referral.reason,
                        shared_information=referral.shared_information,
                        created_by=adviser,
                        add_to_plan=plan is None,
                    )
                    if plan is not None:
                        plan = replace(plan, actions=[*plan.actions, referral_action(sent)])
                if plan is not None:
                    plan_revise(
                        client=client,
                        author=adviser,
                        data=plan,
                        based_on=plan_based_on,
                        interview=interview,
                    )
                client_due_refresh(client=client)
            # Any outcome dated in a kept month changes its activity figures (no-shows and
            # cancellations count there too); a held one changes coverage from that day on.
            history_changed.send(sender=Interview, since=timezone.localdate(held_at))
            change_record(
                client=client,
                kind=ChangeEventKind.INTERVIEW_RECORDED,
                changed_by=adviser,
                subject_id=interview.pk,
                changes=_interview_changes(interview),
            )
    except IntegrityError:
        if submission_key is not None:
            existing = Interview.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return existing, False
        raise
    return interview, True


def appointment_book(
    *,
    client: Client,
    adviser: AbstractBaseUser,
    booked_by: AbstractBaseUser,
    starts_at: dt.datetime,
    channel: str,
    duration_minutes: int = 30,
    place: str = "",
    video_link: str = "",
) -> Appointment:
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("An appointment cannot be booked in the past.")})
    appointment = Appointment.objects.create(
        client=client,
        adviser=adviser,
        booked_by=booked_by,
        starts_at=starts_at,
        channel=channel,
        duration_minutes=duration_minutes,
        place=place,
        video_link=video_link,
    )
    # The client is told of the booking (notifications: e-mail / SMS, from a Celery task after
    # commit).
    appointment_booked.send(sender=Appointment, appointment_id=appointment.pk)
    change_record(
        client=client,
        kind=ChangeEventKind.APPOINTMENT_BOOKED,
        changed_by=booked_by,
        subject_id=appointment.pk,
        changes=changes_between(
            {},
            _appointment_values(appointment),
            labels=field_labels(Appointment, _APPOINTMENT_FIELDS),
        ),
    )
    return appointment


def appointment_move(
    *,
    appointment: Appointment,
    starts_at: dt.datetime,
    channel: str,
    duration_minutes: int,
    place: str = "",
    video_link: str = "",
    moved_by: AbstractBaseUser | None = None,
) -> Appointment:
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment can be moved."))
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("An appointment cannot be moved to the past.")})
    before = _appointment_values(appointment)
    appointment.starts_at = starts_at
    appointment.channel = channel
    appointment.duration_minutes = duration_minutes
    appointment.place = place
    appointment.video_link = video_link
    appointment.save(
        update_fields=["starts_at", "channel", "duration_minutes", "place", "video_link"]
    )
    change_record(
        client=appointment.client_id,
        kind=ChangeEventKind.APPOINTMENT_MOVED,
        changed_by=moved_by,
        subject_id=appointment.pk,
        changes=changes_between(
            before,
            _appointment_values(appointment),
            labels=field_labels(Appointment, _APPOINTMENT_FIELDS),
        ),
    )
    return appointment


def appointment_cancel(
    *, appointment: Appointment, cancelled_by: AbstractBaseUser | None = None
) -> Appointment:
    """Cancel a booked appointment. Idempotent: cancelling twice changes nothing."""
    updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED
    )
    if not updated and appointment.status != AppointmentStatus.CANCELLED:
        raise ValidationError(_("Only a booked appointment can be cancelled."))
    if updated:
        # A cancelled appointment counts in the activity of its month, even a past one.
        history_changed.send(sender=Appointment, since=timezone.localdate(appointment.starts_at))
        change_record(
            client=appointment.client_id,
            kind=ChangeEventKind.APPOINTMENT_CANCELLED,
            changed_by=cancelled_by,
            subject_id=appointment.pk,
            changes=changes_between(
                {"status": AppointmentStatus.BOOKED.label},
                {"status": AppointmentStatus.CANCELLED.label},
                labels=field_labels(Appointment, ["status"]),
            ),
        )
    appointment.status = AppointmentStatus.CANCELLED
    return appointment


def appointment_no_show(*, appointment: Appointment, adviser: AbstractBaseUser) -> Interview:
    """Record that the client did not come: a no-show interview, which does not reset the cycle."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment can be marked as a no-show."))
    interview, _created = interview_log(
        client=appointment.client,
        adviser=adviser,
        held_at=min(appointment.starts_at, timezone.now()),
        channel=appointment.channel,
        outcome=Outcome.NO_SHOW,
        appointment=appointment,
        submission_key=uuid.uuid5(uuid.NAMESPACE_URL, f"no-show:{appointment.pk}"),
    )
    return interview


# --- The due engine ----------------------------------------------------------------------


def _try_lock() -> bool:
    """Take the due run's lock for this transaction (PostgreSQL); SQLite serialises writers."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [DUE_RUN_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def due_states_refresh(*, today: dt.date | None = None, full: bool = False) -> DueRun:
    """Bring every client's due state up to date, in a handful of set-based statements.

    1. Take a transaction-level lock; a run that cannot get it records itself as skipped,
       so overlapping runs never double-act.
    2. Daily: update the due state of exactly the rows whose stored state is stale for
       `today` (a no-op when re-run the same day: idempotent by database state).
    3. Full: recompute every derived column (last held interview, its channel, next-due
       date, due state) from the interviews in one UPDATE of the rows where any differs.
    4. Record the run (when, how long, how many clients changed state).
    """
    today = today or timezone.localdate()
    started_at, t0 = timezone.now(), time.perf_counter()
    mode = DueRun.Mode.FULL if full else DueRun.Mode.DAILY
    with transaction.atomic():
        if not _try_lock():
            logger.info("due run skipped: another run holds the lock")
            return DueRun.objects.create(
                mode=mode,
                started_at=started_at,
                finished_at=timezone.now(),
                duration_ms=0,
                skipped=True,
                as_of=today,
            )
        if full and connection.vendor == "postgresql":
            sql, params = rules.full_recompute_statement(today, connection)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                changed = cursor.rowcount
        elif full:
            values, differs = rules.recomputed_columns(today)
            changed = Client.objects.filter(differs).update(**values)
        else:
            changed = Client.objects.filter(rules.stale_due_state_filter(today)).update(
                due_state=rules.due_state_expression(today)
            )
        duration_ms = round((time.perf_counter() - t0) * 1000)
        run = DueRun.objects.create(
            mode=mode,
            started_at=started_at,
            finished_at=timezone.now(),
            duration_ms=duration_ms,
            changed=changed,
            as_of=today,
        )
    logger.info("due run %s as of %s: %d changed in %d ms", mode, today, changed, duration_ms)
    return run


# --- Rule sets by office, the working-day calendar, contact attempts ----------------------

CALENDAR_START = dt.date(2000, 1, 1)
CALENDAR_END = dt.date(2050, 12, 31)


def working_calendar_fill(*, start: dt.date = CALENDAR_START, end: dt.date = CALENDAR_END) -> int:
    """Fill the CalendarDay table (the rule's SQL counts working days from it) from the
    `holidays` library, when it is not complete. Returns the number of rows written."""
    from .models import CalendarDay

    days = (end - start).days + 1
    if CalendarDay.objects.filter(day__gte=start, day__lte=end).count() == days:
        return 0
    rows, seq = [], 0
    day = start
    for _index in range(days):
        working = rules.is_working_day(day)
        seq += working
        rows.append(
            CalendarDay(day=day, working=working, seq=seq, next_working=rules.next_working_day(day))
        )
        day += dt.timedelta(days=1)
    with transaction.atomic():
        CalendarDay.objects.filter(day__gte=start, day__lte=end).delete()
        CalendarDay.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def office_rule_set_choose(
    *, office, code: str, effective_from: dt.date, chosen_by: AbstractBaseUser | None = None
):
    """From `effective_from` on, the office follows rule set `code`.

    A choice for a day that already has one replaces it. Deadlines counted from days before
    `effective_from` do not change, so kept coverage figures for past days stay valid when
    the start is today or later; a start in the past marks them stale from that day. Then
    every client's derived columns are recomputed in one set-based run.
    """
    from . import rulesets
    from .models import OfficeRuleSet

    if code not in rulesets.CODES:
        raise ValidationError({"code": _("Unknown rule set.")})
    working_calendar_fill()
    with transaction.atomic():
        choice, _created = OfficeRuleSet.objects.update_or_create(
            office=office,
            effective_from=effective_from,
            defaults={"code": code, "chosen_by": chosen_by},
        )
        history_changed.send(sender=None, since=effective_from)
    due_states_refresh(full=True)
    return choice


def contact_attempt_record(
    *,
    client: Client,
    adviser: AbstractBaseUser,
    attempted_at: dt.datetime,
    channel: str,
    result: str,
    notice_sent_at: dt.datetime | None = None,
    notes: str = "",
    recorded_by: AbstractBaseUser | None = None,
):
    """Record an attempt to reach the client (the evidence kept for every contact)."""
    from .models import ContactAttempt

    if attempted_at > timezone.now():
        raise ValidationError({"attempted_at": _("A contact attempt cannot be in the future.")})
    if notice_sent_at is not None and notice_sent_at > attempted_at:
        raise ValidationError({"notice_sent_at": _("The notice must be sent before the attempt.")})
    return ContactAttempt.objects.create(
        client=client,
        adviser=adviser,
        attempted_at=attempted_at,
        channel=channel,
        result=result,
        notice_sent=notice_sent_at is not None,
        notice_sent_at=notice_sent_at,
        notes=notes,
        recorded_by=recorded_by or adviser,
    )


def job_search_report_record(
    *, client: Client, month: dt.date, applications: int, recorded_by: AbstractBaseUser
):
    """Record (or correct) the applications the client reported for a month."""
    from plans.models import JobSearchReport

    month = rules.month_start(month)
    if month > rules.month_start(timezone.localdate()):
        raise ValidationError({"month": _("A month that has not begun cannot be reported.")})
    if not 0 <= applications <= 200:
        raise ValidationError({"applications": _("Enter a number from 0 to 200.")})
    report, _created = JobSearchReport.objects.update_or_create(
        client=client,
        month=month,
        defaults={"applications": applications, "recorded_by": recorded_by},
    )
    return report


def missed_contacts(*, clients, start: dt.date, end: dt.date):
    """Contact attempts that did not reach the client on days start..end, with their
    evidence (when, channel, notice, result, who), for the clients given (a queryset)."""
    from .models import ContactAttempt

    return (
        ContactAttempt.objects.filter(client__in=clients)
        .missed()
        .between(start, end)
        .select_related("client", "adviser")
        .order_by("attempted_at", "id")
    )
