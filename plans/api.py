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
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import AccessAction
from interviews.rules import month_start
from teams import access
from teoffice.api import (
    CLIENT_ID_PARAMETER,
    ClientRecordsViewSet,
    IdFilter,
    PolicyViewSet,
)

from .models import EmploymentPlan, JobSearchReport, PlanVersion
from .serializers import (
    JobSearchReportRecordSerializer,
    JobSearchReportSerializer,
    PlanConflictSerializer,
    PlanCreateSerializer,
    PlanReviseSerializer,
    PlanSerializer,
    PlanVersionSerializer,
)
from .services import job_search_report_record, plan_revise


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
