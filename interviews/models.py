"""Appointments, interviews and the due engine's run records."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now, TruncDate
from django.utils.translation import gettext_lazy as _

from clients.models import Client

from . import rules_sql
from .choices import AppointmentStatus, Channel, InterviewKind, Outcome


class AppointmentQuerySet(models.QuerySet):
    def upcoming(self, now) -> AppointmentQuerySet:
        return self.filter(status=AppointmentStatus.BOOKED, starts_at__gte=now)


class Appointment(models.Model):
    """A booked time with the client: better than a call at a random time."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="appointments")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("adviser"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    # A form's one-time key: a double submit finds the appointment it already booked.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    cancel_reason = models.CharField(
        _("reason for cancelling"), max_length=300, blank=True, db_default=""
    )

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["adviser", "starts_at"], name="appointment_adviser"),
            models.Index(fields=["client", "starts_at"], name="appointment_client"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="appointment_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5) & Q(duration_minutes__lte=480),
                name="appointment_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.starts_at:%Y-%m-%d %H:%M} ({self.get_channel_display()})"

    @property
    def ends_at(self):
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class InterviewQuerySet(models.QuerySet):
    def held(self) -> InterviewQuerySet:
        """Held discussions of a kind that restarts the clock under the rule set in force on
        the day each was held, for its client's office (what the due engine counts)."""
        day = TruncDate("held_at")
        return self.filter(outcome=Outcome.HELD).filter(
            rules_sql.clock_kind_expression("kind", day, team="client__team")
        )

    def held_any_kind(self) -> InterviewQuerySet:
        """Every held interview, whatever its kind (activity counts them all)."""
        return self.filter(outcome=Outcome.HELD)


class Interview(models.Model):
    """What happened at an interview time. Only a held interview resets the cycle."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="interviews")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interviews",
        verbose_name=_("adviser"),
    )
    held_at = models.DateTimeField(_("held at"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    kind = models.CharField(
        _("kind"), max_length=16, choices=InterviewKind.choices, default=InterviewKind.JOB_SEARCH
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    appointment = models.OneToOneField(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="interview"
    )
    # A form's one-time key: a double submit finds the interview it already made.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_default=Now(), editable=False)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-held_at", "-id"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        indexes = [
            models.Index(fields=["client", "-held_at"], name="interview_client"),
            models.Index(fields=["held_at", "outcome", "channel"], name="interview_held"),
            models.Index(fields=["adviser", "held_at"], name="interview_adviser"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="interview_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=InterviewKind.values), name="interview_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="interview_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | (Q(duration_minutes__gte=1) & Q(duration_minutes__lte=480)),
                name="interview_duration_range",
            ),
            # Never in the future: not after the moment it was recorded.
            models.CheckConstraint(
                condition=Q(held_at__lte=F("recorded_at")), name="interview_not_in_future"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.held_at:%Y-%m-%d} {self.get_outcome_display()}"


class DueRun(models.Model):
    """One run of the due engine: when, how long, how many clients changed state."""

    class Mode(models.TextChoices):
        DAILY = "daily", _("Daily")
        FULL = "full", _("Full recompute")

    mode = models.CharField(max_length=8, choices=Mode.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    duration_ms = models.PositiveIntegerField(null=True)
    changed = models.PositiveIntegerField(default=0)
    skipped = models.BooleanField(
        default=False, help_text=_("Another run held the lock, so this one did nothing.")
    )
    as_of = models.DateField(help_text=_("The day the states were computed for."))
    rules = models.CharField(
        max_length=16,
        blank=True,
        help_text=_("The interview rule's fingerprint the run computed under."),
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        verbose_name = _("due run")
        verbose_name_plural = _("due runs")

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.changed})"


# --- Rule sets by office, the working-day calendar, contact attempts --------------------


class OfficeRuleSet(models.Model):
    """From `effective_from` on, the office's interview obligations follow rule set `code`
    (interviews.rulesets). Before an office's first row, each day follows the law in force (rulesets.LAW)."""

    office = models.ForeignKey(
        "teams.Office", on_delete=models.CASCADE, related_name="rule_sets", verbose_name=_("office")
    )
    code = models.CharField(_("rule set"), max_length=32)
    effective_from = models.DateField(_("effective from"))
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    chosen_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        ordering = ["office", "-effective_from"]
        verbose_name = _("office rule set")
        verbose_name_plural = _("office rule sets")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "effective_from"], name="officeruleset_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(code__in=["periodic_2017", "nordic_2022", "reform_2026"]),
                name="officeruleset_code_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office_id}: {self.code} from {self.effective_from}"


class CalendarDay(models.Model):
    """The working-day calendar (weekends and Finnish public holidays from the `holidays`
    library), kept as a table so the rule's SQL can count working days set-based.

    seq: how many working days there are up to and including this day (from the table's
    first day); next_working: this day if it is a working day, else the next one.
    Filled by interviews.services.working_calendar_fill.
    """

    day = models.DateField(primary_key=True)
    working = models.BooleanField()
    seq = models.PositiveIntegerField(db_index=True)
    next_working = models.DateField()

    class Meta:
        ordering = ["day"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.day} ({'working' if self.working else 'holiday'})"


class ContactResult(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CLIENT_CANCELLED = "client_cancelled", _("Client cancelled")


class ContactAttemptQuerySet(models.QuerySet):
    def missed(self) -> ContactAttemptQuerySet:
        return self.exclude(result=ContactResult.REACHED)

    def between(self, start, end) -> ContactAttemptQuerySet:
        """Attempts on days start..end (Helsinki), inclusive."""
        return self.filter(attempted_at__date__gte=start, attempted_at__date__lte=end)


class ContactAttempt(models.Model):
    """An attempt to reach a client: the evidence that the office tried (when, how, with
    notice or not, and what came of it)."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contact_attempts")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
        verbose_name=_("adviser"),
    )
    attempted_at = models.DateTimeField(_("when"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    notice_sent = models.BooleanField(_("notice sent beforehand"), default=False)
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=ContactResult.choices)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_default=Now(), editable=False)
    # A form's one-time key: a double submit finds the attempt it already recorded.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    objects = ContactAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-attempted_at", "-id"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        indexes = [
            models.Index(fields=["client", "-attempted_at"], name="contactattempt_client"),
            models.Index(fields=["attempted_at", "result"], name="contactattempt_when"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="contactattempt_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(result__in=ContactResult.values), name="contactattempt_result_valid"
            ),
            # A notice time only with a notice, and always before the attempt.
            models.CheckConstraint(
                condition=(Q(notice_sent=False) & Q(notice_sent_at__isnull=True))
                | (
                    Q(notice_sent=True)
                    & Q(notice_sent_at__isnull=False)
                    & Q(notice_sent_at__lte=F("attempted_at"))
                ),
                name="contactattempt_notice_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.attempted_at:%Y-%m-%d %H:%M} {self.get_result_display()}"
