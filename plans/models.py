"""Employment plans: one per client, with immutable versions agreed at interviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from interviews.rules import (
    JOB_SEARCH_DEFAULT_APPLICATIONS,
    JOB_SEARCH_DEFAULT_PERIOD_MONTHS,
    JOB_SEARCH_MAX_APPLICATIONS,
    JOB_SEARCH_PERIOD_MONTHS,
)
from partners.choices import ReferralOutcome


class Goal(models.TextChoices):
    WORK = "work", _("Work")
    TRAINING = "training", _("Training or study")
    BUSINESS = "business", _("Business start-up")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    OTHER = "other", _("Other")


class ActionKind(models.TextChoices):
    COACHING = "coaching", _("Coaching by a partner")
    TRAINING = "training", _("Labour-market training")
    WORK_TRIAL = "work_trial", _("Work trial")
    WAGE_SUBSIDY = "wage_subsidy", _("Wage subsidy")
    STUDY = "study", _("Study")
    ASSESSMENT = "assessment", _("Health or work-ability assessment")
    SOCIAL = "social", _("Social services")
    GUIDANCE = "guidance", _("Career guidance")
    OTHER = "other", _("Other")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class PeriodMonths(models.IntegerChoices):
    """The length of the job-search obligation's review period (interviews.rules)."""

    ONE = 1, _("One month")
    THREE = 3, _("Three months")


class EmploymentPlan(models.Model):
    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="plan")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("employment plan")
        verbose_name_plural = _("employment plans")

    def __str__(self) -> str:
        return str(_("Plan of %(client)s") % {"client": self.client})


class PlanVersion(models.Model):
    """What was agreed when, by whom. Never updated: a revision is a new version.

    The database refuses UPDATE and DELETE on this table (see the migration's triggers).
    """

    client_path = "plan__client"  # how the gate (teams.access) finds the client

    plan = models.ForeignKey(EmploymentPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    goal = models.CharField(_("goal"), max_length=20, choices=Goal.choices)
    goal_details = models.TextField(_("goal in the client's words"), blank=True)
    # The job-search obligation: `applications_per_month` applications in each review period
    # of `job_search_period_months` months, periods running from `job_search_from`
    # (interviews.rules.job_search_periods). The field kept its name (and the API's) from
    # when every period was one month: it is the amount per review period.
    applications_per_month = models.PositiveSmallIntegerField(
        _("job applications per review period"), default=JOB_SEARCH_DEFAULT_APPLICATIONS
    )
    job_search_period_months = models.PositiveSmallIntegerField(
        _("review period"),
        choices=PeriodMonths.choices,
        default=JOB_SEARCH_DEFAULT_PERIOD_MONTHS,
        db_default=JOB_SEARCH_DEFAULT_PERIOD_MONTHS,
    )
    job_search_from = models.DateField(
        _("job-search obligation from"),
        null=True,
        blank=True,
        help_text=_(
            "The first day of the first review period (a month's first day). Empty: nothing "
            "is followed up until a start is set."
        ),
    )
    follow_up = models.CharField(_("how the job search is followed up"), max_length=300, blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    needs = models.TextField(_("needs"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    interview = models.ForeignKey(
        "interviews.Interview",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_versions",
        help_text=_("The interview where this version was agreed."),
    )

    class Meta:
        ordering = ["plan", "-number"]
        get_latest_by = "number"
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        # The report reads the versions agreed in a period (studies and work trials started).
        indexes = [models.Index(fields=["created_at"], name="planversion_created")]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="planversion_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="planversion_number_positive"),
            models.CheckConstraint(
                condition=Q(goal__in=Goal.values), name="planversion_goal_valid"
            ),
            models.CheckConstraint(
                condition=Q(job_search_period_months__in=JOB_SEARCH_PERIOD_MONTHS),
                name="planversion_period_months_valid",
            ),
            # 0..4 a month of the period (the law's maximum; interviews.rules).
            models.CheckConstraint(
                condition=Q(applications_per_month__gte=0)
                & Q(
                    applications_per_month__lte=F("job_search_period_months")
                    * JOB_SEARCH_MAX_APPLICATIONS
                ),
                name="planversion_applications_per_period_range",
            ),
            models.CheckConstraint(
                condition=Q(job_search_from__isnull=True) | Q(job_search_from__day=1),
                name="planversion_job_search_from_month_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class PlanAction(models.Model):
    """An agreed service or action, as it stood in one plan version."""

    client_path = "version__plan__client"  # how the gate (teams.access) finds the client

    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("type"), max_length=20, choices=ActionKind.choices)
    description = models.CharField(_("description"), max_length=300)
    status = models.CharField(
        _("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # What came of a done action (the same outcomes as a partner's closing report). The
    # database default lets bulk loaders that list columns leave it out.
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=ReferralOutcome.choices,
        blank=True,
        default="",
        db_default="",
    )
    # The referral this action stands for in the plan. Each version's copy of the action
    # carries the link; RESTRICT keeps a referral while a plan refers to it, yet lets the
    # client's erasure delete both (a SET_NULL would UPDATE the immutable rows).
    referral = models.ForeignKey(
        "partners.Referral",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="plan_actions",
        verbose_name=_("referral"),
    )

    class Meta:
        ordering = ["version", "id"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="planaction_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="planaction_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(description=""), name="planaction_description_present"
            ),
            # Only a done action has an outcome.
            models.CheckConstraint(
                condition=Q(outcome="")
                | Q(status=ActionStatus.DONE, outcome__in=ReferralOutcome.values),
                name="planaction_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"


class JobSearchReport(models.Model):
    """The client's report of job applications made in one month (the job-search obligation's
    follow-up; the obligation itself is the plan's amount per review period, see
    interviews.rules.job_search_periods)."""

    client_path = "client"  # how the gate (teams.access) finds the client

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="job_search_reports")
    month = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    applications = models.PositiveSmallIntegerField(_("applications reported"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client", "-month"]
        verbose_name = _("job-search report")
        verbose_name_plural = _("job-search reports")
        constraints = [
            models.UniqueConstraint(fields=["client", "month"], name="jobsearchreport_unique"),
            models.CheckConstraint(
                condition=Q(month__day=1), name="jobsearchreport_month_first_day"
            ),
            models.CheckConstraint(
                condition=Q(applications__lte=200), name="jobsearchreport_applications_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.month:%Y-%m}: {self.applications}"
