"""Organisation: office → service line → self-directed team, and who belongs where."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name


class ServiceLine(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="service_lines")
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["office__name", "name"]
        verbose_name = _("service line")
        verbose_name_plural = _("service lines")
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="serviceline_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    service_line = models.ForeignKey(ServiceLine, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("name"), max_length=200)
    target_caseload = models.PositiveIntegerField(
        _("target caseload per adviser"),
        default=300,
        help_text=_("How many clients one adviser can keep on the interview cycle."),
    )

    class Meta:
        ordering = ["service_line__office__name", "service_line__name", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["service_line", "name"], name="team_unique_name"),
            models.CheckConstraint(
                condition=Q(target_caseload__gte=1) & Q(target_caseload__lte=5000),
                name="team_target_caseload_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADVISER = "adviser", _("Adviser")
    LEAD = "lead", _("Team lead")


class Membership(models.Model):
    """A user's place in one team. An adviser or team lead belongs to exactly one team."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.ADVISER)
    since = models.DateField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.team} ({self.get_role_display()})"


class ManagerScope(models.Model):
    """A manager follows every team under one office or one service line."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="manager_scopes"
    )
    office = models.ForeignKey(Office, on_delete=models.CASCADE, null=True, blank=True)
    service_line = models.ForeignKey(ServiceLine, on_delete=models.CASCADE, null=True, blank=True)

    class Meta:
        verbose_name = _("manager scope")
        verbose_name_plural = _("manager scopes")
        constraints = [
            models.CheckConstraint(
                condition=(Q(office__isnull=False) & Q(service_line__isnull=True))
                | (Q(office__isnull=True) & Q(service_line__isnull=False)),
                name="managerscope_exactly_one_target",
            ),
            models.UniqueConstraint(fields=["user", "office"], name="managerscope_unique_office"),
            models.UniqueConstraint(
                fields=["user", "service_line"], name="managerscope_unique_service_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.office or self.service_line}"


class UserProfile(models.Model):
    """Per-user settings; for now the interface language (blank: the browser's choice)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(_("language"), max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=["", *(code for code, _name in settings.LANGUAGES)]),
                name="userprofile_language_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '-'})"


class CoverageGoalQuerySet(models.QuerySet):
    def in_force_on(self, day) -> CoverageGoalQuerySet:
        return self.filter(valid_from__lte=day)


class CoverageGoal(models.Model):
    """A coverage goal (e.g. 90 %) for one office, service line or team, from a date on.

    The goal in force for a team on a day is the newest one valid by then of the team itself,
    else of its service line, else of its office (teams.selectors.coverage_goals_for_teams).
    It sits beside the team's caseload target; neither replaces the other.
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="coverage_goals"
    )
    service_line = models.ForeignKey(
        ServiceLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coverage_goals",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="coverage_goals"
    )
    percent = models.DecimalField(
        _("coverage goal (%)"),
        max_digits=4,
        decimal_places=1,
        help_text=_("The share of clients who must be interviewed that are covered on time."),
    )
    valid_from = models.DateField(_("valid from"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    objects = CoverageGoalQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("coverage goal")
        verbose_name_plural = _("coverage goals")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(office__isnull=False, service_line__isnull=True, team__isnull=True)
                    | Q(office__isnull=True, service_line__isnull=False, team__isnull=True)
                    | Q(office__isnull=True, service_line__isnull=True, team__isnull=False)
                ),
                name="coveragegoal_exactly_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100),
                name="coveragegoal_percent_range",
            ),
            models.UniqueConstraint(
                fields=["office", "valid_from"],
                condition=Q(office__isnull=False),
                name="coveragegoal_unique_office_day",
            ),
            models.UniqueConstraint(
                fields=["service_line", "valid_from"],
                condition=Q(service_line__isnull=False),
                name="coveragegoal_unique_line_day",
            ),
            models.UniqueConstraint(
                fields=["team", "valid_from"],
                condition=Q(team__isnull=False),
                name="coveragegoal_unique_team_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope}: {self.percent} % ({self.valid_from:%Y-%m-%d})"

    @property
    def scope(self) -> Office | ServiceLine | Team | None:
        return self.team or self.service_line or self.office

    def meets(self, coverage_pct: float | None) -> bool | None:
        """Whether a coverage percentage reaches the goal (None: nothing to measure)."""
        return None if coverage_pct is None else coverage_pct >= float(self.percent)
