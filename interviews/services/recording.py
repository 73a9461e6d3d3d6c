"""Writes of the adviser's daily loop: recording interviews, booking and keeping
appointments, and recording contact attempts."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import ChangeEventKind
from audit.services import change_record, changes_between, field_labels
from clients.models import Client
from clients.selectors import office_schedule_of_team
from clients.services import client_due_refresh
from partners.services import ReferralInput, ReferralRefused, referral_send
from plans.services import PlanInput, plan_revise, referral_action
from teams.models import Membership
from teoffice.signals import history_changed

from .. import rules, rulesets
from ..choices import AppointmentStatus, InterviewKind, Outcome
from ..models import Appointment, ContactAttempt, Interview
from ..signals import appointment_booked


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
    if submission_key is not None:
        existing = Interview.objects.filter(submission_key=submission_key).first()
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
    """Book an appointment with an adviser of the client's team; the client is told."""
    if starts_at < timezone.now():
        raise ValidationError({"starts_at": _("An appointment cannot be booked in the past.")})
    if not Membership.objects.filter(user=adviser, team_id=client.team_id).exists():
        raise ValidationError({"adviser": [_("The adviser is not a member of the client's team.")]})
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
) -> ContactAttempt:
    """Record an attempt to reach the client (the evidence kept for every contact)."""
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
