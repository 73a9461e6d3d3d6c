"""Models of reports: the kept coverage figures and activity of closed months, the stored
monthly reports and the record of client-level exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from teams import policy
from teams.models import Office, ServiceLine


class StoredReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> StoredReportQuerySet:
        """Stored reports of the offices and service lines in `user`'s manager scopes."""
        return self.filter(policy.stored_reports_q(user))


class CoverageDay(models.Model):
    """A day whose coverage figures are kept in CoverageSnapshot rows.

    Figures for a past day change only when history is written retroactively (an interview
    or status change dated on or before it); the services then mark the day stale, and a
    stale day is never served: reports.selectors.coverage computes it from the data instead
    until the nightly job rebuilds it.
    """

    day = models.DateField(unique=True)
    computed_at = models.DateTimeField()
    stale = models.BooleanField(default=False)

    class Meta:
        # The table was created by interviews, where the model lived first.
        db_table = "interviews_coverageday"
        ordering = ["-day"]
        verbose_name = _("coverage day")
        verbose_name_plural = _("coverage days")

    def __str__(self) -> str:
        return f"{self.day} ({'stale' if self.stale else 'fresh'})"


class CoverageSnapshot(models.Model):
    """Coverage figures of one team and responsible adviser as of the end of a day."""

    day = models.ForeignKey(CoverageDay, on_delete=models.CASCADE, related_name="rows")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    required = models.PositiveIntegerField()
    covered = models.PositiveIntegerField()
    overdue = models.PositiveIntegerField()

    class Meta:
        db_table = "interviews_coveragesnapshot"  # as CoverageDay's
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "adviser"], name="coveragesnapshot_unique"
            ),
            models.UniqueConstraint(
                fields=["day", "team"],
                condition=Q(adviser__isnull=True),
                name="coveragesnapshot_unique_unassigned",
            ),
            models.CheckConstraint(
                condition=Q(covered__lte=F("required")) & Q(overdue__lte=F("required")),
                name="coveragesnapshot_counts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day_id}: team {self.team_id} adviser {self.adviser_id}"


class StoredReport(models.Model):
    """A finished monthly coverage report (XLSX), built on the 1st for the month before.

    The file's bytes live in the row rather than under MEDIA_ROOT: a report has one row per
    team, not per client (tens of kilobytes even for a national office), the web and worker
    containers then need no shared volume, and the file is written in the same transaction
    as the unique (scope, month) row that makes the job idempotent.
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    service_line = models.ForeignKey(
        ServiceLine, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the reported month."))
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("built at"), auto_now_add=True)

    objects = StoredReportQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "id"]
        verbose_name = _("stored report")
        verbose_name_plural = _("stored reports")
        constraints = [
            models.CheckConstraint(
                condition=(Q(office__isnull=False) & Q(service_line__isnull=True))
                | (Q(office__isnull=True) & Q(service_line__isnull=False)),
                name="storedreport_exactly_one_scope",
            ),
            models.UniqueConstraint(fields=["office", "month"], name="storedreport_unique_office"),
            models.UniqueConstraint(
                fields=["service_line", "month"], name="storedreport_unique_service_line"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="storedreport_month_start"),
        ]

    def __str__(self) -> str:
        return f"{self.office or self.service_line} {self.month:%Y-%m}"

    @property
    def scope_name(self) -> str:
        return str(self.office or self.service_line)


class ClientExport(models.Model):
    """One client-level export: who, when, which filter, how many rows were streamed."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    filters = models.JSONField(_("filter"), default=dict)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    completed = models.BooleanField(
        _("completed"), default=False, help_text=_("False if the download was interrupted.")
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("client export")
        verbose_name_plural = _("client exports")
        permissions = [("export_clients", _("Can export client-level lists"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=["csv", "xlsx"]), name="clientexport_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.started_at:%Y-%m-%d %H:%M} ({self.rows})"


class ActivityKind(models.TextChoices):
    HELD = "held", _("held interviews by channel")
    NO_SHOW = "no_show", _("no-shows by channel")
    CANCELLED = "cancelled", _("cancellations by channel")
    GAP = "gap", _("days since the previous held interview")
    OUTCOME = "outcome", _("clients by outcome")


class ActivityMonth(models.Model):
    """The kept activity figures of a closed month, beside its coverage snapshot.

    They share the month end's CoverageDay: history written retroactively marks the day
    stale, and then neither is served (reports.selectors.activity computes the month from the data).
    """

    day = models.OneToOneField(CoverageDay, on_delete=models.CASCADE, related_name="activity")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        verbose_name = _("activity month")
        verbose_name_plural = _("activity months")

    def __str__(self) -> str:
        return f"activity of the month ending {self.day.day}"


class _Counted(models.Model):
    """How many of one kind of event (ActivityKind) with one value: the kept activity."""

    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    value = models.CharField(max_length=20)
    n = models.PositiveIntegerField()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values), name="%(class)s_kind_valid"
            ),
            models.CheckConstraint(condition=Q(n__gt=0), name="%(class)s_n_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}: {self.n}"


class ActivityCount(_Counted):
    """How many of one kind of event a (team, responsible adviser) had in the month:
    held interviews / no-shows / cancellations per channel, held interviews per number of
    days since the client's previous one (for the median), clients per outcome."""

    month = models.ForeignKey(ActivityMonth, on_delete=models.CASCADE, related_name="rows")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    adviser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )

    class Meta(_Counted.Meta):
        verbose_name = _("activity count")
        verbose_name_plural = _("activity counts")
        indexes = [
            # A report over many teams reads its kept months from the index alone.
            models.Index(
                fields=["month", "team"],
                include=["adviser", "kind", "value", "n"],
                name="activitycount_month_team",
            )
        ]


class ActivityLineCount(_Counted):
    """A month's ActivityCount rows summed per service line: what a service-line or office
    report reads for a kept month (a few hundred rows a month instead of a hundred thousand).
    Built with the month; rebuilt for every kept month when a team changes service line
    (reports.services.activity_lines_rebuild), so it always equals the team rows summed
    over the teams' current lines."""

    month = models.ForeignKey(ActivityMonth, on_delete=models.CASCADE, related_name="line_rows")
    service_line = models.ForeignKey(
        "teams.ServiceLine", on_delete=models.CASCADE, related_name="+"
    )

    class Meta(_Counted.Meta):
        verbose_name = _("activity count per service line")
        verbose_name_plural = _("activity counts per service line")
        indexes = [models.Index(fields=["month", "service_line"], name="activityline_month_line")]
