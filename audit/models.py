"""Who looked at which client's data (AccessLog) and who changed what (ChangeEvent).

Both tables are written only by audit.services and guarded by database triggers
(audit/db.py): an access-log row can never be changed or removed, a change event never changed.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Lookup, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams import policy

BULK_ENTRY = 5000  # more clients than this: kept as id ranges (AccessLog.client_ranges)


class AccessAction(models.TextChoices):
    PAGE = "page", _("Page")
    PARTIAL = "partial", _("Part of a page")
    API_DETAIL = "api_detail", _("API detail")
    API_LIST = "api_list", _("API list")
    EXPORT = "export", _("Export")
    IDENTITY_REVEAL = "identity_reveal", _("Identity code shown")


class ClientIdsField(models.JSONField):
    """A sorted JSON array of client ids: one row covers every client a request showed."""


@ClientIdsField.register_lookup
class IncludesClient(Lookup):
    """`client_ids__includes=<id>`: jsonb containment on PostgreSQL (GIN-indexed), json_each
    on SQLite."""

    lookup_name = "includes"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        client_id = int(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} @> %s::jsonb", [*lhs_params, json.dumps([client_id])]
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) WHERE json_each.value = %s)",
            [*lhs_params, client_id],
        )


class ClientRangesField(models.JSONField):
    """Runs of consecutive client ids, [[first, last], ...], ascending."""


@ClientRangesField.register_lookup
class CoversClient(Lookup):
    """`client_ranges__covers=<id>`: one of the [first, last] runs holds the id."""

    lookup_name = "covers"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        client_id = int(self.rhs)
        if connection.vendor == "postgresql":
            return (
                f"EXISTS (SELECT 1 FROM jsonb_array_elements({lhs}) AS r "
                "WHERE (r->>0)::bigint <= %s AND (r->>1)::bigint >= %s)",
                [*lhs_params, client_id, client_id],
            )
        return (
            f"EXISTS (SELECT 1 FROM json_each({lhs}) AS r WHERE "
            "json_extract(r.value, '$[0]') <= %s AND json_extract(r.value, '$[1]') >= %s)",
            [*lhs_params, client_id, client_id],
        )


class AccessLogQuerySet(models.QuerySet):
    def for_client(self, client_id: int) -> AccessLogQuerySet:
        """The entries that cover the client: in their id list (the GIN index answers) or,
        for a bulk entry, in one of its id ranges (a partial index finds the bulk entries;
        each holds a few hundred numbers)."""
        return self.filter(
            Q(client_ids__includes=client_id)
            | Q(client_ranges__isnull=False, client_ranges__covers=client_id)
        )

    def visible_to(self, user, *, client_visible: bool = False) -> AccessLogQuerySet:
        """Rows `user` may read (teams.policy.access_logs_q); `client_visible` when the rows
        are narrowed to one client the user may see."""
        return self.filter(policy.access_logs_q(user, client_visible=client_visible))

    def between(self, since=None, until=None) -> AccessLogQuerySet:
        qs = self
        if since is not None:
            qs = qs.filter(at__date__gte=since)
        if until is not None:
            qs = qs.filter(at__date__lte=until)
        return qs


class AccessLog(models.Model):
    """One request that showed client data: who, which clients, what, when and from where.

    Append-only: the database refuses UPDATE, DELETE and TRUNCATE (migration 0002).
    """

    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as it was at the time, so the log reads the same after a rename.
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("what"), max_length=20, choices=AccessAction.choices)
    client_ids = ClientIdsField(_("clients"), default=list)
    client_count = models.PositiveIntegerField(_("number of clients"), default=0)
    # An entry of more than BULK_ENTRY clients (an export) keeps its clients as runs of
    # consecutive ids, [[first, last], ...], and client_ids empty: a few hundred numbers
    # instead of a million, so neither the export nor a lookup of one client reads them all.
    client_ranges = ClientRangesField(_("clients as id ranges"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    view = models.CharField(_("view"), max_length=100, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["-at"], name="accesslog_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
            # The few bulk entries, for the second half of for_client().
            models.Index(
                fields=["id"], condition=Q(client_ranges__isnull=False), name="accesslog_bulk"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AccessAction.values), name="accesslog_action_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} ({self.client_count})"

    def first_client_ids(self, count: int) -> list[int]:
        """The first `count` client ids of the entry, from its list or its ranges."""
        if not self.client_ranges:
            return list(self.client_ids[:count])
        found: list[int] = []
        for first, last in self.client_ranges:
            found.extend(range(first, min(last, first + count - len(found) - 1) + 1))
            if len(found) >= count:
                break
        return found


class ChangeEventKind(models.TextChoices):
    CLIENT_CREATED = "client_created", _("Client created")
    CLIENT_CHANGED = "client_changed", _("Client details changed")
    STATUS_CHANGED = "status_changed", _("Job-seeker status changed")
    CLIENT_MOVED = "client_moved", _("Client moved")
    INTERVIEW_RECORDED = "interview_recorded", _("Interview recorded")
    INTERVIEW_CHANGED = "interview_changed", _("Interview changed")
    APPOINTMENT_BOOKED = "appointment_booked", _("Appointment booked")
    APPOINTMENT_MOVED = "appointment_moved", _("Appointment moved")
    APPOINTMENT_CANCELLED = "appointment_cancelled", _("Appointment cancelled")
    PLAN_REVISED = "plan_revised", _("Employment plan revised")


class ChangeEvent(models.Model):
    """Who changed what about a client, with old and new values.

    `changes` is a list of {"field", "label", "old", "new"} with values as display text.
    The database refuses UPDATE; DELETE goes with the client when its retention ends.
    """

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="change_events"
    )
    kind = models.CharField(_("change"), max_length=32, choices=ChangeEventKind.choices)
    subject_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=list)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("change event")
        verbose_name_plural = _("change history")
        default_permissions = ("view",)
        indexes = [models.Index(fields=["client", "-changed_at"], name="changeevent_client")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeEventKind.values), name="changeevent_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {self.client_id} {self.kind}"
