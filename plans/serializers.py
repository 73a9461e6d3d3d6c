"""The REST API's serializers for employment plans, their versions and job-search reports.

They validate input and shape output; plans.api's views call the services with what they
validated.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers

from clients.models import Client
from interviews.choices import Outcome
from interviews.models import Interview
from interviews.rules import JOB_SEARCH_PERIOD_MONTHS, job_search_max_applications
from partners.choices import ReferralOutcome
from teoffice.api import VisibleRelatedField
from teoffice.api_datetimes import ModelSerializer

from .models import (
    ActionKind,
    ActionStatus,
    EmploymentPlan,
    Goal,
    JobSearchReport,
    PeriodMonths,
    PlanAction,
    PlanVersion,
)
from .services import ActionInput, PlanInput, obligation_check


class PlanActionSerializer(ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Declared so that the schema says what an action not done yet has: an empty outcome.
    outcome = serializers.ChoiceField(
        choices=ReferralOutcome.choices, allow_blank=True, read_only=True, label=_("outcome")
    )

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "kind",
            "kind_display",
            "description",
            "status",
            "status_display",
            "due_date",
            "outcome",
            "referral",
        ]
        read_only_fields = fields


class PlanVersionSerializer(ModelSerializer):
    goal_display = serializers.CharField(source="get_goal_display", read_only=True)
    author_name = serializers.SerializerMethodField()
    actions = PlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "number",
            "goal",
            "goal_display",
            "goal_details",
            "applications_per_month",
            "job_search_period_months",
            "job_search_from",
            "follow_up",
            "strengths",
            "needs",
            "actions",
            "author",
            "author_name",
            "created_at",
            "interview",
        ]
        read_only_fields = fields

    def get_author_name(self, version: PlanVersion) -> str:
        return version.author.get_full_name() or version.author.get_username()


class PlanSerializer(ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = EmploymentPlan
        fields = ["id", "client", "created_at", "current_version"]
        read_only_fields = fields

    @extend_schema_field(PlanVersionSerializer(allow_null=True))
    def get_current_version(self, plan: EmploymentPlan):
        versions = plan.versions.all()  # prefetched newest first
        return PlanVersionSerializer(versions[0]).data if versions else None


class ActionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    description = serializers.CharField(max_length=300)
    status = serializers.ChoiceField(choices=ActionStatus.choices, default=ActionStatus.PLANNED)
    due_date = serializers.DateField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(
        choices=ReferralOutcome.choices,
        required=False,
        allow_blank=True,
        help_text=_("What came of a done action."),
    )

    def validate(self, attrs):
        if attrs.get("outcome") and attrs.get("status") != ActionStatus.DONE:
            raise exceptions.ValidationError({"outcome": [_("Only a done action has an outcome.")]})
        return attrs


class PlanRevisionSerializer(serializers.Serializer):
    goal = serializers.ChoiceField(choices=Goal.choices)
    goal_details = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    applications_per_month = serializers.IntegerField(
        min_value=0,
        max_value=job_search_max_applications(max(JOB_SEARCH_PERIOD_MONTHS)),
        help_text=_(
            "The job-search obligation: applications in each review period, at most 4 for "
            "each month of the period (the name is kept from when periods were a month)."
        ),
    )
    job_search_period_months = serializers.ChoiceField(
        choices=PeriodMonths.choices,
        required=False,
        help_text=_("The review period in months: 1 or 3. Left out: unchanged (new plan: 1)."),
    )
    job_search_from = serializers.DateField(
        input_formats=["%Y-%m", "iso-8601"],
        required=False,
        help_text=_(
            "The month the periods run from: YYYY-MM, or any day of it. Left out: unchanged "
            "(new plan: the first whole month from today)."
        ),
    )
    follow_up = serializers.CharField(max_length=300, required=False, allow_blank=True)
    strengths = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    needs = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    actions = ActionInputSerializer(many=True, required=False, max_length=50)
    interview = VisibleRelatedField(
        visible=lambda user: Interview.objects.filter(
            client__in=Client.objects.visible_to(user), outcome=Outcome.HELD
        ),
        required=False,
        allow_null=True,
        help_text=_("The held interview where this version was agreed, if any."),
    )

    def validate(self, attrs):
        if (months := attrs.get("job_search_period_months")) is not None:
            try:
                obligation_check(applications=attrs["applications_per_month"], period_months=months)
            except DjangoValidationError as error:
                raise exceptions.ValidationError(error.message_dict) from None
        return attrs

    def plan_input(self) -> PlanInput:
        data = self.validated_data
        return PlanInput(
            goal=data["goal"],
            applications_per_month=data["applications_per_month"],
            job_search_period_months=data.get("job_search_period_months"),
            job_search_from=data.get("job_search_from"),
            goal_details=data.get("goal_details", ""),
            follow_up=data.get("follow_up", ""),
            strengths=data.get("strengths", ""),
            needs=data.get("needs", ""),
            actions=[ActionInput(**action) for action in data.get("actions", [])],
        )

    def check_interview(self, client) -> None:
        interview = self.validated_data.get("interview")
        if interview is not None and interview.client_id != client.pk:
            raise exceptions.ValidationError(
                {"interview": [_("The interview is of another client.")]}
            )


class PlanCreateSerializer(PlanRevisionSerializer):
    client = VisibleRelatedField(visible=Client.objects.visible_to)


class PlanReviseSerializer(PlanRevisionSerializer):
    based_on = serializers.IntegerField(
        min_value=1,
        max_value=1_000_000,
        help_text=_("The version number the revision starts from (the current one)."),
    )


class PlanConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current_version = serializers.IntegerField(allow_null=True)


# --- Job-search reports ------------------------------------------------------------------


class JobSearchReportSerializer(ModelSerializer):
    recorded_by_name = serializers.SerializerMethodField()

    class Meta:
        model = JobSearchReport
        fields = [
            "id",
            "client",
            "month",
            "applications",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_recorded_by_name(self, report: JobSearchReport) -> str:
        return report.recorded_by.get_full_name() or report.recorded_by.get_username()


class JobSearchReportRecordSerializer(serializers.Serializer):
    month = serializers.DateField(
        input_formats=["%Y-%m", "iso-8601"],
        help_text=_("The month reported: YYYY-MM, or any day of it; not a month to come."),
    )
    applications = serializers.IntegerField(
        min_value=0, max_value=200, help_text=_("Job applications the client reported.")
    )
