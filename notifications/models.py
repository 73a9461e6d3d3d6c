"""Client notifications: one row per message about an appointment (confirmations, reminders).

The table keeps its old name, `partners_notification`: the model moved here from `partners`
without touching the database (migrations 0001 here and partners 0002).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import NotificationChannel, NotificationKind, NotificationStatus


class NotificationQuerySet(models.QuerySet):
    def claimable(self) -> NotificationQuerySet:
        return self.filter(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED])


class Notification(models.Model):
    """One message about one appointment over one channel.

    The unique (appointment, kind, channel) row is the claim that makes sending idempotent: a
    sender first moves the row from pending/failed to sending in one conditional UPDATE, so a
    retry or an overlapping run never sends the same message twice.
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

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "partners_notification"
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel"], name="notification_once"
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
