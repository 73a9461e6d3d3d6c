"""Employment plans and their immutable versions in the REST API.

- `GET /plans/` and `GET /plans/{id}/`: a client's plan with its current version;
- `GET /plans/{id}/versions/`: the whole history, newest first;
- `POST /plans/`: the first version of a client's plan (409 if the client has a plan);
- `POST /plans/{id}/versions/`: a revision, with `based_on` = the version number the caller
  started from. If someone saved a newer version meanwhile the answer is 409 with
  `current_version`, and nothing is written (optimistic locking in plans.services.plan_revise).

- `GET /clients/{client_id}/job-search-reports/`: the client's monthly reports of job
  applications, newest month first; `POST` records a month's report, or corrects it: one
  report per client and month (a database constraint), 201 when new, 200 when corrected.

Reading and writing go through the gate (teams.access): what the caller may see, and the
client's team for writes.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import AccessAction
from clients.models import Client
from interviews.choices import Outcome
from interviews.models import Interview
from interviews.rules import month_start
from partners.choices import ReferralOutcome
from teams import access
from teoffice.api import (
    CLIENT_ID_PARAMETER,
    ClientRecordsViewSet,
    IdFilter,
    PolicyViewSet,
    VisibleRelatedField,
)

from .models import (
    ActionKind,
    ActionStatus,
    EmploymentPlan,
    Goal,
    JobSearchReport,
    PlanAction,
    PlanVersion,
)
from .services import ActionInput, PlanInput, job_search_report_record, plan_revise


class PlanActionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

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


class PlanVersionSerializer(serializers.ModelSerializer):
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


class PlanSerializer(serializers.ModelSerializer):
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
    applications_per_month = serializers.IntegerField(min_value=0, max_value=30)
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

    def plan_input(self) -> PlanInput:
        data = self.validated_data
        return PlanInput(
            goal=data["goal"],
            applications_per_month=data["applications_per_month"],
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


class PlanFilter(filters.FilterSet):
    client = IdFilter(field_name="client_id")

    class Meta:
        model = EmploymentPlan
        fields = ["client"]


def _require_work_with(user, client) -> None:
    access.require_work_with(user, client, _("Only members of the client's team can revise plans."))


CONFLICT = OpenApiResponse(PlanConflictSerializer, description=_("A newer version exists."))


@extend_schema_view(
    list=extend_schema(summary="Employment plans of the clients the caller may see"),
    retrieve=extend_schema(summary="One plan with its current version"),
    create=extend_schema(
        summary="Agree the first version of a client's plan",
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, 409: CONFLICT},
    ),
)
class PlanViewSet(
    PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Employment plans with their immutable versions (optimistic locking: 409 on conflict)."""

    serializer_class = PlanSerializer
    audit_client_id = "client_id"
    filterset_class = PlanFilter
    ordering_fields = ["id", "created_at"]
    ordering = ["id"]

    def get_queryset(self):
        return (
            access.scoped(self.request.user, EmploymentPlan.objects.all())
            .select_related("client")
            .prefetch_related(
                Prefetch(
                    "versions",
                    queryset=PlanVersion.objects.select_related("author")
                    .prefetch_related("actions")
                    .order_by("-number"),
                )
            )
        )

    def create(self, request, *args, **kwargs):
        data = PlanCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        client = data.validated_data["client"]
        _require_work_with(request.user, client)
        data.check_interview(client)
        plan_revise(
            client=client,
            author=request.user,
            data=data.plan_input(),
            based_on=None,
            interview=data.validated_data.get("interview"),
        )
        plan = self.get_queryset().get(client=client)
        return Response(self.get_serializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="The plan's versions, newest first",
        request=None,
        responses={200: PlanVersionSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Revise the plan (a new immutable version)",
        request=PlanReviseSerializer,
        responses={201: PlanVersionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None, ordering_fields=[])
    def versions(self, request, pk=None):
        plan = self.get_object()
        if request.method == "POST":
            return self._revise(request, plan)
        versions = (
            PlanVersion.objects.filter(plan=plan)
            .select_related("author")
            .prefetch_related("actions")
            .order_by("-number")
        )
        page = self.paginator.paginate_queryset(versions, request, view=self)
        self.audit([plan], AccessAction.API_DETAIL)  # one client's plan history
        return self.get_paginated_response(PlanVersionSerializer(page, many=True).data)

    def _revise(self, request, plan: EmploymentPlan) -> Response:
        client = plan.client
        _require_work_with(request.user, client)
        data = PlanReviseSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        data.check_interview(client)
        version = plan_revise(
            client=client,
            author=request.user,
            data=data.plan_input(),
            based_on=data.validated_data["based_on"],
            interview=data.validated_data.get("interview"),
        )
        version = (
            PlanVersion.objects.select_related("author")
            .prefetch_related("actions")
            .get(pk=version.pk)
        )
        return Response(PlanVersionSerializer(version).data, status=status.HTTP_201_CREATED)


# --- Job-search reports ------------------------------------------------------------------


class JobSearchReportSerializer(serializers.ModelSerializer):
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


class JobSearchReportFilter(filters.FilterSet):
    month = filters.DateFromToRangeFilter(
        help_text=_("month_after / month_before (ISO 8601 dates).")
    )

    class Meta:
        model = JobSearchReport
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="The client's monthly job-search reports, newest first",
        parameters=[CLIENT_ID_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="One monthly job-search report of the client", parameters=[CLIENT_ID_PARAMETER]
    ),
    create=extend_schema(
        summary="Record (or correct) the client's job-search report for a month",
        description="One report per client and month: a second report for the same month "
        "replaces the first (200) instead of adding one (201).",
        parameters=[CLIENT_ID_PARAMETER],
        request=JobSearchReportRecordSerializer,
        responses={201: JobSearchReportSerializer, 200: JobSearchReportSerializer},
    ),
)
class JobSearchReportViewSet(ClientRecordsViewSet):
    """The client's reports of job applications made, one per month (the follow-up of the
    plan's job-search obligation)."""

    serializer_class = JobSearchReportSerializer
    filterset_class = JobSearchReportFilter
    ordering_fields = ["month"]
    ordering = ["-month"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return JobSearchReport.objects.none()
        return JobSearchReport.objects.filter(client=self.get_client()).select_related(
            "recorded_by"
        )

    def create(self, request, *args, **kwargs):
        client = self.get_client()
        self.require_work_with(
            client, _("Only members of the client's team can record its job-search reports.")
        )
        data = JobSearchReportRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        month = month_start(data.validated_data["month"])
        # Only for the answer's status code: the write itself is an upsert on the unique
        # (client, month), so a concurrent first report cannot make two.
        existed = JobSearchReport.objects.filter(client=client, month=month).exists()
        report = job_search_report_record(
            client=client,
            month=month,
            applications=data.validated_data["applications"],
            recorded_by=request.user,
        )
        return Response(
            self.get_serializer(report).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )
