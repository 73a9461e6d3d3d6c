"""Writes of the adviser's daily loop: recording interviews, booking and keeping
appointments, and recording contact attempts."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from audit.models import ChangeEventKind
from audit.services import change_record, changes_between, field_labels
from clients.models import Client
from clients.selectors import office_schedule_of_team
from clients.services import client_due_refresh
from partners.services import ReferralInput, ReferralRefused, referral_send
from plans.services import PlanInput, plan_revise, referral_action
from teams import access
from teams.models import Membership
from teoffice.idempotency import create_once, first_with_key
from teoffice.signals import history_changed

from .. import rules, rulesets
from ..choices import AppointmentStatus, InterviewKind, Outcome
from ..models import Appointment, ContactAttempt, Interview
from ..selectors import appointment_clash
from ..signals import appointment_booked, appointment_changed


class AppointmentNotBooked(ValidationError):
    """An interview recorded at an appointment that is no longer booked (it already has an
    outcome)."""

    def __init__(self) -> None:
        super().__init__({"appointment": [_("Only a booked appointment can be recorded.")]})


def _interview_changes(interview: Interview) -> list[dict[str, str]]:
    fields = ["held_at", "channel", "kind", "outcome", "duration_minutes"]
    return changes_between(
        {},
        {
            "held_at": timezone.localtime(interview.held_at),
            "channel": interview.channel,  # keys: the history shows them in the reader's language
            "kind": interview.kind,
            "outcome": interview.outcome,
            "duration_minutes": interview.duration_minutes,
        },
        labels=field_labels(Interview, fields),
    )


_APPOINTMENT_FIELDS = ["starts_at", "channel", "duration_minutes", "place", "video_link"]


def _appointment_values(appointment: Appointment) -> dict:
    return {
        "starts_at": timezone.localtime(appointment.starts_at),
        "channel": appointment.channel,  # a key: the history translates it when read
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
    kind: str | None = None,
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
    Raises ValidationError for a time in the future, AppointmentNotBooked for an appointment
    that already has an outcome, PlanConflict for a stale plan, ReferralRefused for a
    referral without the client's valid consent (nothing is saved).
    The referral's plan action goes into the version agreed at this interview.
    """
    existing = first_with_key(Interview, submission_key)
    if existing is not None:
        return existing, False
    if appointment is not None and appointment.status != AppointmentStatus.BOOKED:
        raise AppointmentNotBooked()
    held_at = held_at.replace(second=0, microsecond=0)  # interviews are kept to the minute
    if not kind:  # the rule's proposal from the client's state (the form shows the same)
        kind = rules.proposed_kind(
            status_since=client.cycle_start, last_held_on=client.last_held_on
        )
    if kind not in InterviewKind.values:
        raise ValidationError({"kind": _("Unknown kind of discussion.")})
    if held_at > timezone.now():
        raise ValidationError({"held_at": _("An interview cannot be held in the future.")})
    not_before_registration(client, held_at, "held_at")
    if plan is not None and outcome != Outcome.HELD:
        raise ValidationError(_("The plan can be revised only at a held interview."))
    if referral is not None and outcome != Outcome.HELD:
        raise ReferralRefused(
            _(
                "A referral is made with the client at a held interview: choose Held as the "
                "outcome or leave the referral empty."
            )
        )

    def create() -> Interview:
        agreed = plan
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
            schedule = office_schedule_of_team(team_id=client.team_id)
            counts = rules.restarts_clock(kind, rulesets.in_force(schedule, held_on))
            if counts and (client.last_held_on is None or held_on >= client.last_held_on):
                client.last_held_on = held_on
                client.last_channel = channel
            if referral is not None:
                sent = referral_send(
                    client=client,
                    service=referral.service,
                    reason=referral.reason,
                    shared_information=referral.shared_information,
                    created_by=adviser,
                    add_to_plan=agreed is None,
                )
                if agreed is not None:
                    agreed = replace(agreed, actions=[*agreed.actions, referral_action(sent)])
            if agreed is not None:
                plan_revise(
                    client=client,
                    author=adviser,
                    data=agreed,
                    based_on=plan_based_on,
                    interview=interview,
                )
            client_due_refresh(client=client)
        # Any outcome dated in a kept month changes its activity figures (no-shows and
        # cancellations count there too); a held one changes coverage from that day on.
        history_changed.send(
            sender=Interview, since=timezone.localdate(held_at), client_ids=[client.pk]
        )
        change_record(
            client=client,
            kind=ChangeEventKind.INTERVIEW_RECORDED,
            changed_by=adviser,
            subject_id=interview.pk,
            changes=_interview_changes(interview),
        )
        return interview

    return create_once(Interview, submission_key, create)


class AppointmentClash(ValidationError):
    """The adviser already has an appointment at that time (named in the message: its time,
    and its client only for a user who may see that client)."""

    def __init__(self, clash: Appointment, *, user: AbstractBaseUser | None) -> None:
        self.clash = clash
        start, end = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
        values = {
            "adviser": _person(clash.adviser),
            "day": formats.date_format(start, "SHORT_DATE_FORMAT"),
            "start": formats.time_format(start, "TIME_FORMAT"),
            "end": formats.time_format(end, "TIME_FORMAT"),
        }
        visible = (
            user is not None
            and access.scoped(user, Client.objects.filter(pk=clash.client_id)).exists()
        )
        if visible:
            message = _(
                "%(adviser)s already has an appointment on %(day)s at %(start)s–%(end)s "
                "with %(client)s. Choose another time."
            ) % {**values, "client": clash.client.full_name}
        else:
            message = (
                _(
                    "%(adviser)s already has an appointment on %(day)s at %(start)s–%(end)s. "
                    "Choose another time."
                )
                % values
            )
        super().__init__({"starts_at": [message]}, code="clash")


class OffHoursUnconfirmed(ValidationError):
    """A time outside office hours, on a weekend or a public holiday, not confirmed."""

    def __init__(self, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
        reason, day = rules.off_hours(timezone.localtime(starts_at), timezone.localtime(ends_at))
        date = formats.date_format(day, "SHORT_DATE_FORMAT")
        if reason == rules.OffHours.WEEKEND:
            message = _("%(day)s is a weekend day.") % {"day": date}
        elif reason == rules.OffHours.HOLIDAY:
            message = _("%(day)s is a public holiday (%(name)s).") % {
                "day": date,
                "name": rules.holiday_name(day, get_language() or "fi"),
            }
        else:
            message = _("The time is outside office hours (%(opens)s–%(closes)s).") % {
                "opens": formats.time_format(rules.OFFICE_OPENS, "TIME_FORMAT"),
                "closes": formats.time_format(rules.OFFICE_CLOSES, "TIME_FORMAT"),
            }
        message += " " + _("Tick “Book anyway” to keep this time.")
        super().__init__({"starts_at": [message]}, code="off_hours")


def _person(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def _adviser_lock(adviser_id: int) -> None:
    """Serialise bookings of one adviser until the transaction ends, so that two at once
    cannot both pass the clash check (PostgreSQL; SQLite serialises writers anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISER_LOCK_SPACE, adviser_id])


# The first key of the two-key advisory lock on an adviser's bookings (any constant).
ADVISER_LOCK_SPACE = 1_804_202


def _time_check(
    *,
    adviser_id: int,
    starts_at: dt.datetime,
    duration_minutes: int,
    user: AbstractBaseUser | None,
    off_hours_confirmed: bool,
    excluding: int | None = None,
) -> None:
    """Refuse a clash, and an unconfirmed time outside office hours (under _adviser_lock)."""
    clash = appointment_clash(
        adviser_id=adviser_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        excluding=excluding,
    )
    if clash is not None:
        raise AppointmentClash(clash, user=user)
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    if not off_hours_confirmed and rules.off_hours(
        timezone.localtime(starts_at), timezone.localtime(ends_at)
    ):
        raise OffHoursUnconfirmed(starts_at, ends_at)


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
    submission_key: uuid.UUID | None = None,
    off_hours_confirmed: bool = True,
) -> Appointment:
    """Book an appointment with an adviser of the client's team; the client is told.

    Refused (AppointmentClash) when the adviser already has an appointment then; with
    `off_hours_confirmed=False` a time outside office hours, on a weekend or a public
    holiday is refused too (OffHoursUnconfirmed: the form asks "book anyway?"). A repeated
    `submission_key` returns the appointment the first submit booked.
    """
    existing = first_with_key(Appointment, submission_key)
    if existing is not None:
        return existing
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("An appointment cannot be booked in the past.")})
    if not Membership.objects.filter(user=adviser, team_id=client.team_id).exists():
        raise ValidationError({"adviser": [_("The adviser is not a member of the client's team.")]})

    def create() -> Appointment:
        _adviser_lock(adviser.pk)
        # A concurrent submit of the same form may have booked it while this one waited.
        if (again := first_with_key(Appointment, submission_key)) is not None:
            return again
        _time_check(
            adviser_id=adviser.pk,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            user=booked_by,
            off_hours_confirmed=off_hours_confirmed,
        )
        appointment = Appointment.objects.create(
            client=client,
            adviser=adviser,
            booked_by=booked_by,
            starts_at=starts_at,
            channel=channel,
            duration_minutes=duration_minutes,
            place=place,
            video_link=video_link,
            submission_key=submission_key,
        )
        # The client is told of the booking (notifications: e-mail / SMS, from a Celery task
        # after commit).
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

    return create_once(Appointment, submission_key, create)[0]


def appointment_move(
    *,
    appointment: Appointment,
    starts_at: dt.datetime,
    channel: str,
    duration_minutes: int,
    place: str = "",
    video_link: str = "",
    moved_by: AbstractBaseUser | None = None,
    off_hours_confirmed: bool = True,
) -> Appointment:
    """Move a booked appointment; the client is told the new time (in the same transaction, a
    message row that a sender delivers)."""
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment can be moved."))
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("An appointment cannot be moved to the past.")})
    with transaction.atomic():
        if starts_at != appointment.starts_at or duration_minutes != appointment.duration_minutes:
            _adviser_lock(appointment.adviser_id)
            _time_check(
                adviser_id=appointment.adviser_id,
                starts_at=starts_at,
                duration_minutes=duration_minutes,
                user=moved_by,
                off_hours_confirmed=off_hours_confirmed,
                excluding=appointment.pk,
            )
        return _appointment_move(
            appointment=appointment,
            starts_at=starts_at,
            channel=channel,
            duration_minutes=duration_minutes,
            place=place,
            video_link=video_link,
            moved_by=moved_by,
        )


def _appointment_move(
    *,
    appointment: Appointment,
    starts_at: dt.datetime,
    channel: str,
    duration_minutes: int,
    place: str,
    video_link: str,
    moved_by: AbstractBaseUser | None,
) -> Appointment:
    before = _appointment_values(appointment)
    previous_starts_at = appointment.starts_at
    appointment.starts_at = starts_at
    appointment.channel = channel
    appointment.duration_minutes = duration_minutes
    appointment.place = place
    appointment.video_link = video_link
    appointment.save(
        update_fields=["starts_at", "channel", "duration_minutes", "place", "video_link"]
    )
    appointment_changed.send(
        sender=Appointment,
        appointment_id=appointment.pk,
        change="moved",
        previous_starts_at=previous_starts_at,
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
    *, appointment: Appointment, cancelled_by: AbstractBaseUser | None = None, reason: str = ""
) -> Appointment:
    """Cancel a booked appointment, with the reason; a client whose appointment was still to
    come is told (a message row written in the same transaction). Idempotent: cancelling twice
    changes nothing."""
    with transaction.atomic():
        return _appointment_cancel(
            appointment=appointment, cancelled_by=cancelled_by, reason=reason.strip()
        )


def _appointment_cancel(
    *, appointment: Appointment, cancelled_by: AbstractBaseUser | None, reason: str
) -> Appointment:
    updated = Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED, cancel_reason=reason
    )
    if not updated and appointment.status != AppointmentStatus.CANCELLED:
        raise ValidationError(_("Only a booked appointment can be cancelled."))
    if updated:
        appointment_changed.send(
            sender=Appointment, appointment_id=appointment.pk, change="cancelled"
        )
        # A cancelled appointment counts in the activity of its month, even a past one.
        history_changed.send(
            sender=Appointment,
            since=timezone.localdate(appointment.starts_at),
            client_ids=[appointment.client_id],
        )
        change_record(
            client=appointment.client_id,
            kind=ChangeEventKind.APPOINTMENT_CANCELLED,
            changed_by=cancelled_by,
            subject_id=appointment.pk,
            changes=changes_between(
                {"status": AppointmentStatus.BOOKED.value, "cancel_reason": ""},
                {"status": AppointmentStatus.CANCELLED.value, "cancel_reason": reason},
                labels=field_labels(Appointment, ["status", "cancel_reason"]),
            ),
        )
        appointment.cancel_reason = reason
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


def not_before_registration(client: Client, at: dt.datetime, field: str) -> None:
    """Nothing about a client happens before they registered as a job seeker."""
    if timezone.localdate(at) < client.registered_on:
        raise ValidationError(
            {
                field: _("This is before the client registered as a job seeker (%(day)s).")
                % {"day": formats.date_format(client.registered_on, "SHORT_DATE_FORMAT")}
            }
        )


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
    submission_key: uuid.UUID | None = None,
) -> ContactAttempt:
    """Record an attempt to reach the client (the evidence kept for every contact), within
    the client's time as a client and not in the future. A repeated `submission_key`
    returns the attempt the first submit recorded."""
    existing = first_with_key(ContactAttempt, submission_key)
    if existing is not None:
        return existing
    if attempted_at > timezone.now():
        raise ValidationError({"attempted_at": _("A contact attempt cannot be in the future.")})
    not_before_registration(client, attempted_at, "attempted_at")
    if notice_sent_at is not None and notice_sent_at > attempted_at:
        raise ValidationError({"notice_sent_at": _("The notice must be sent before the attempt.")})

    def create() -> ContactAttempt:
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
            submission_key=submission_key,
        )

    return create_once(ContactAttempt, submission_key, create)[0]
