"""Client notifications: one row per message about an appointment (confirmations, new times,
cancellations, reminders). The table is also the outbox: a row is written in the same
transaction as the change it tells of, with the text as it will be sent, and stays pending until
a sender delivers it (notifications.services).

The table keeps its old name, `partners_notification`: the model moved here from `partners`
without touching the database (migrations 0001 here and partners 0002).
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import NotificationChannel, NotificationKind, NotificationStatus


class NotificationQuerySet(models.QuerySet):
    def claimable(self) -> NotificationQuerySet:
        return self.filter(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED])

    def deliverable(self, now: dt.datetime, lease: dt.timedelta) -> NotificationQuerySet:
        """Rows a sender may claim now: pending, failed and due for another attempt, or left
        "sending" longer than `lease` by a sender that died."""
        waiting = Q(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED]) & (
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        abandoned = Q(status=NotificationStatus.SENDING, updated_at__lt=now - lease)
        return self.filter(waiting | abandoned)


class Notification(models.Model):
    """One message about one appointment over one channel.

    The unique (appointment, kind, channel, revision) row is the claim that makes sending
    idempotent: a sender first moves the row from pending/failed to sending in one conditional
    UPDATE, so a retry or an overlapping run never sends the same message twice. `revision`
    counts the appointment's moves: each new time is a message of its own.
    """

    client_path = "appointment__client"  # how the gate (teams.access) finds the client

    appointment = models.ForeignKey(
        "interviews.Appointment", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=NotificationChannel.choices)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    # The message as written when the change was made: what is sent, and what the log shows.
    appointment_at = models.DateTimeField(_("time in the message"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "partners_notification"
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_outbox",
                condition=Q(status__in=["pending", "failed", "sending"]),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel", "revision"], name="notification_once"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="notification_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notification_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=NotificationStatus.SENT) | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind}/{self.channel}: {self.status}"
