"""Job-seeker clients: identity, status with its history, team and due state."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import (
    Cast,
    Concat,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Mod,
    Substr,
)
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from interviews import rules
from interviews.choices import Channel, DueState
from teams import access, policy
from teams.models import Team
from teoffice.db import name_pattern

from . import identity
from .choices import Language, Status


def _hetu_int(start: int, length: int):
    return Cast(Substr("personal_identity_code", start, length), models.IntegerField())


# The check character: the 9 digits (date + individual number) modulo 31, indexed into the
# table of check characters. Written as an expression so that the database enforces it too.
_HETU_CHECK_CHARACTER = Substr(
    Cast(Value(identity.CHECK_CHARACTERS), models.CharField(max_length=31)),
    Cast(
        Mod(
            Cast(
                Concat(
                    Substr("personal_identity_code", 1, 6),
                    Substr("personal_identity_code", 8, 3),
                    output_field=models.CharField(),
                ),
                models.BigIntegerField(),
            ),
            Value(31),
        )
        + 1,
        models.IntegerField(),
    ),
    1,
)


# Between the words of a name search: spaces and the comma of "Last, First".
NAME_SEPARATORS = re.compile(r"[\s,;]+")


class ClientQuerySet(models.QuerySet):
    def for_team(self, team: Team | int) -> ClientQuerySet:
        return self.filter(team=team)

    def must_be_interviewed(self) -> ClientQuerySet:
        return self.exclude(due_state=DueState.NOT_REQUIRED)

    def overdue(self) -> ClientQuerySet:
        return self.filter(due_state=DueState.OVERDUE)

    def visible_to(self, user) -> ClientQuerySet:
        """The clients `user` may see (the gate, teams.access, applies the policy)."""
        return access.scoped(user, self)

    def due_soon(self) -> ClientQuerySet:
        return self.filter(due_state=DueState.DUE_SOON)

    def name_matches(self, text: str) -> ClientQuerySet:
        """Clients whose first or last name holds each word of `text`, in any order, without
        regard to case or accents: "Niemi, Helmi", "helmi niemi" and "nystrom" (Nyström)."""
        clients = self
        for word in NAME_SEPARATORS.split(text):
            if word:
                pattern = name_pattern(word)
                clients = clients.filter(
                    Q(first_name__iregex=pattern) | Q(last_name__iregex=pattern)
                )
        return clients

    def with_list_columns(self) -> ClientQuerySet:
        return self.select_related("team", "responsible_adviser")


class Client(models.Model):
    client_path = ""  # how the gate (teams.access) finds the client

    personal_identity_code = models.CharField(
        _("personal identity code"),
        max_length=11,
        unique=True,
        validators=[identity.validate_hetu],
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("birth date"), editable=False)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.FI
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)

    status = models.CharField(
        _("job-seeker status"), max_length=20, choices=Status.choices, default=Status.UNEMPLOYED
    )
    status_since = models.DateField(_("status since"))
    registered_on = models.DateField(_("registered as a job seeker on"))

    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="clients", verbose_name=_("team")
    )
    responsible_adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_for",
        verbose_name=_("responsible adviser"),
    )

    # Kept up to date by clients.services.client_due_refresh and the due engine
    # (interviews.services.due_engine), by the interview rule (interviews.rules).
    last_held_on = models.DateField(_("last interview held on"), null=True, blank=True)
    # Re-entry (interviews.rules.cycle_start): the day the current job-search cycle began,
    # when it began before the current status (a return within the rule set's break) and
    # the client has a due date; None: with the status.
    cycle_since = models.DateField(_("job-search cycle since"), null=True, blank=True)
    last_channel = models.CharField(
        _("channel of last interview"), max_length=16, choices=Channel.choices, blank=True
    )
    next_due_date = models.DateField(_("next interview due"), null=True, blank=True)
    due_state = models.CharField(
        _("due state"), max_length=16, choices=DueState.choices, default=DueState.NOT_REQUIRED
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        indexes = [
            models.Index(fields=["team", "next_due_date", "id"], name="client_team_due"),
            models.Index(fields=["team", "due_state", "next_due_date"], name="client_team_state"),
            models.Index(fields=["due_state", "next_due_date"], name="client_state_due"),
            models.Index(fields=["responsible_adviser", "next_due_date"], name="client_adviser"),
            models.Index(fields=["last_name", "first_name"], name="client_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(personal_identity_code__regex=identity.HETU_REGEX),
                name="client_hetu_format",
            ),
            models.CheckConstraint(
                condition=Exact(Substr("personal_identity_code", 11, 1), _HETU_CHECK_CHARACTER),
                name="client_hetu_check_character",
            ),
            models.CheckConstraint(
                condition=Exact(ExtractDay("birth_date"), _hetu_int(1, 2))
                & Exact(ExtractMonth("birth_date"), _hetu_int(3, 2))
                & Exact(Mod(ExtractYear("birth_date"), Value(100)), _hetu_int(5, 2)),
                name="client_hetu_matches_birth_date",
            ),
            models.CheckConstraint(
                condition=(
                    Q(personal_identity_code__regex=r"^.{6}\+", birth_date__year__lt=1900)
                    | Q(
                        personal_identity_code__regex=r"^.{6}[-UVWXY]",
                        birth_date__year__gte=1900,
                        birth_date__year__lt=2000,
                    )
                    | Q(personal_identity_code__regex=r"^.{6}[A-F]", birth_date__year__gte=2000)
                ),
                name="client_hetu_century",
            ),
            models.CheckConstraint(
                condition=~Q(personal_identity_code__regex=r"^.{7}(000|001)"),
                name="client_hetu_individual_number",
            ),
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="client_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="client_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(due_state__in=DueState.values), name="client_due_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(last_channel__in=[*Channel.values, ""]),
                name="client_last_channel_valid",
            ),
            models.CheckConstraint(
                condition=~Q(first_name="") & ~Q(last_name=""), name="client_names_present"
            ),
            models.CheckConstraint(
                condition=Q(status_since__gte=F("registered_on")),
                name="client_status_after_registration",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def cycle_start(self) -> dt.date:
        """The day the rule counts the job-search cycle from (the status start, or earlier
        after a short break: cycle_since)."""
        return self.cycle_since or self.status_since

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def masked_identity_code(self) -> str:
        return identity.mask(self.personal_identity_code)

    def due_state_on(self, today: dt.date) -> DueState:
        return rules.due_state(self.next_due_date, today)


class StatusChange(models.Model):
    """One change of a client's job-seeker status (event row)."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=Status.choices)
    effective_on = models.DateField(_("effective on"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # A form's one-time key: a double submit finds the change it already made.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-effective_on", "-id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(new_status__in=Status.values) & Q(old_status__in=[*Status.values, ""]),
                name="statuschange_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id}: {self.old_status or '–'} → {self.new_status}"


class Assignment(models.Model):
    """An event row: a client moved to another adviser or team (who, from where, when)."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="assignments")
    from_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    to_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    from_adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    moved_at = models.DateTimeField(auto_now_add=True)
    batch = models.UUIDField(help_text=_("Clients moved in the same action share a batch."))

    class Meta:
        ordering = ["-moved_at", "-id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [models.Index(fields=["to_team", "-moved_at"], name="assignment_team")]

    def __str__(self) -> str:
        return (
            f"{self.client_id}: {self.from_team_id} → {self.to_team_id} ({self.moved_at:%Y-%m-%d})"
        )


class ImportRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportRecordQuerySet:
        """Import records `user` may read (teams.policy.import_records_q)."""
        return self.filter(policy.import_records_q(user))


class ImportRecord(models.Model):
    """One bulk import of clients from a file: who, when, which file, what it did.

    A dry run keeps the uploaded file's bytes so that the confirmed import reads the same
    file the report was made from; the bytes are cleared once the import has run.
    """

    class Source(models.TextChoices):
        WEB = "web", _("Browser")
        COMMAND = "command", _("Command")

    class State(models.TextChoices):
        CHECKED = "checked", _("Checked (dry run)")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.CHECKED)
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    content = models.BinaryField(default=b"", editable=False)
    rows_total = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("clients created"), default=0)
    updated_count = models.PositiveIntegerField(_("clients updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("clients unchanged"), default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    # The dry run's report (file-level problems, rejected rows with reasons, ignored columns);
    # identity codes in it are masked.
    report = models.JSONField(default=dict, blank=True)

    objects = ImportRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("client import")
        verbose_name_plural = _("client imports")
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importrecord_user")]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=["web", "command"]), name="importrecord_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["checked", "imported", "rejected"]),
                name="importrecord_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()}, {self.created_at:%Y-%m-%d %H:%M})"
