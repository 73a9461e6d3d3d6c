"""Interviews, appointments and contact attempts in the REST API.

Reading follows the client's visibility (the gate, teams.access); logging an
interview and booking, moving, cancelling or marking a no-show need the gate's `may_work_with`
(members of the client's team). A client the caller may not see is "does not exist" (400 in a
payload, 404 in a URL). Writes go through interviews.services.

Contact attempts live under their client: `GET /clients/{client_id}/contact-attempts/` lists
them (newest first), `POST` records one (the evidence that the office tried to reach the
client: when, by which channel, whether a notice was sent beforehand, and the result).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from clients.models import Client
from teams import access
from teoffice.api import (
    CLIENT_ID_PARAMETER,
    ClientRecordsViewSet,
    IdFilter,
    PolicyViewSet,
)
from teoffice.api_datetimes import IsoDateTimeFromToRangeFilter

from . import services
from .choices import AppointmentStatus, Channel, InterviewKind, Outcome
from .models import Appointment, ContactAttempt, ContactResult, Interview
from .serializers import (
    AppointmentBookSerializer,
    AppointmentSerializer,
    AppointmentTimeSerializer,
    ContactAttemptRecordSerializer,
    ContactAttemptSerializer,
    InterviewLogSerializer,
    InterviewSerializer,
)

User = get_user_model()


def _require_work_with(user, client: Client) -> None:
    access.require_work_with(
        user,
        client,
        _("Only members of the client's team can record its interviews and appointments."),
    )


# --- Interviews --------------------------------------------------------------------------


class InterviewFilter(filters.FilterSet):
    client = IdFilter(field_name="client_id")
    adviser = IdFilter(field_name="adviser_id")
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    outcome = filters.MultipleChoiceFilter(choices=Outcome.choices)
    kind = filters.ChoiceFilter(choices=InterviewKind.choices)
    held_at = IsoDateTimeFromToRangeFilter(
        help_text=_("held_at_after / held_at_before (ISO 8601 date-times).")
    )

    class Meta:
        model = Interview
        fields = ["client", "adviser", "channel", "outcome", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Interviews of the clients the caller may see"),
    retrieve=extend_schema(summary="One interview"),
    create=extend_schema(
        summary="Log an interview (held, no-show or cancelled)",
        description="A held interview resets the client's interview cycle. Sending the same "
        "`submission_key` twice answers 200 with the interview the first request made.",
        request=InterviewLogSerializer,
        responses={201: InterviewSerializer, 200: InterviewSerializer},
    ),
)
class InterviewViewSet(
    PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Interviews held, missed (no-show) or cancelled; only a held one resets the cycle."""

    serializer_class = InterviewSerializer
    audit_client_id = "client_id"
    filterset_class = InterviewFilter
    ordering_fields = ["id", "held_at"]
    ordering = ["-held_at", "-id"]

    def get_queryset(self):
        return access.scoped(self.request.user, Interview.objects.all()).select_related("adviser")

    def create(self, request, *args, **kwargs):
        data = InterviewLogSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        _require_work_with(request.user, data.validated_data["client"])
        interview, created = services.interview_log(adviser=request.user, **data.validated_data)
        if not created and interview.client_id != data.validated_data["client"].pk:
            raise exceptions.ValidationError(
                {"submission_key": [_("This key was already used for another client.")]}
            )
        return Response(
            self.get_serializer(interview).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- Appointments ------------------------------------------------------------------------


class AppointmentFilter(filters.FilterSet):
    client = IdFilter(field_name="client_id")
    adviser = IdFilter(field_name="adviser_id")
    status = filters.MultipleChoiceFilter(choices=AppointmentStatus.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    starts_at = IsoDateTimeFromToRangeFilter(
        help_text=_("starts_at_after / starts_at_before (ISO 8601 date-times).")
    )

    class Meta:
        model = Appointment
        fields = ["client", "adviser", "status", "channel"]


@extend_schema_view(
    list=extend_schema(summary="Appointments of the clients the caller may see"),
    retrieve=extend_schema(summary="One appointment"),
    create=extend_schema(
        summary="Book an appointment",
        request=AppointmentBookSerializer,
        responses={201: AppointmentSerializer},
    ),
    update=extend_schema(
        summary="Move a booked appointment",
        request=AppointmentTimeSerializer,
        responses={200: AppointmentSerializer},
    ),
    partial_update=extend_schema(
        summary="Move a booked appointment (only the fields given change)",
        request=AppointmentTimeSerializer,
        responses={200: AppointmentSerializer},
    ),
)
class AppointmentViewSet(
    PolicyViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """Booked appointments: book, move (PUT/PATCH), cancel, or record a no-show."""

    serializer_class = AppointmentSerializer
    audit_client_id = "client_id"
    filterset_class = AppointmentFilter
    ordering_fields = ["id", "starts_at"]
    ordering = ["starts_at", "id"]

    def get_queryset(self):
        return access.scoped(self.request.user, Appointment.objects.all()).select_related(
            "adviser", "client"
        )

    def create(self, request, *args, **kwargs):
        data = AppointmentBookSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        _require_work_with(request.user, values["client"])
        values.setdefault("adviser", request.user)
        appointment = services.appointment_book(booked_by=request.user, **values)
        return Response(self.get_serializer(appointment).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        appointment = self.get_object()
        _require_work_with(request.user, appointment.client)
        partial = kwargs.get("partial", False)
        data = AppointmentTimeSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {
            "starts_at": appointment.starts_at,
            "channel": appointment.channel,
            "duration_minutes": appointment.duration_minutes,
            "place": appointment.place,
            "video_link": appointment.video_link,
        }
        values.update(data.validated_data)
        appointment = services.appointment_move(
            appointment=appointment, moved_by=request.user, **values
        )
        return Response(self.get_serializer(appointment).data)

    @extend_schema(summary="Cancel a booked appointment", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        _require_work_with(request.user, appointment.client)
        appointment = services.appointment_cancel(
            appointment=appointment, cancelled_by=request.user
        )
        return Response(self.get_serializer(appointment).data)

    @extend_schema(
        summary="Record that the client did not attend",
        description="Records a no-show interview (it does not reset the cycle) and returns it.",
        request=None,
        responses={201: InterviewSerializer},
    )
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        appointment = self.get_object()
        _require_work_with(request.user, appointment.client)
        interview = services.appointment_no_show(appointment=appointment, adviser=request.user)
        return Response(InterviewSerializer(interview).data, status=status.HTTP_201_CREATED)


# --- Contact attempts --------------------------------------------------------------------


class ContactAttemptFilter(filters.FilterSet):
    result = filters.MultipleChoiceFilter(choices=ContactResult.choices)
    attempted_at = IsoDateTimeFromToRangeFilter(
        help_text=_("attempted_at_after / attempted_at_before (ISO 8601 date-times).")
    )

    class Meta:
        model = ContactAttempt
        fields = ["result"]


@extend_schema_view(
    list=extend_schema(
        summary="The client's contact attempts, newest first", parameters=[CLIENT_ID_PARAMETER]
    ),
    retrieve=extend_schema(
        summary="One contact attempt of the client", parameters=[CLIENT_ID_PARAMETER]
    ),
    create=extend_schema(
        summary="Record an attempt to reach the client",
        description="The caller is recorded as the adviser who tried. A notice time makes "
        "`notice_sent` true; it must be before the attempt.",
        parameters=[CLIENT_ID_PARAMETER],
        request=ContactAttemptRecordSerializer,
        responses={201: ContactAttemptSerializer},
    ),
)
class ContactAttemptViewSet(ClientRecordsViewSet):
    """Attempts to reach one client: the evidence of every contact tried."""

    serializer_class = ContactAttemptSerializer
    filterset_class = ContactAttemptFilter
    ordering_fields = ["id", "attempted_at"]
    ordering = ["-attempted_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return ContactAttempt.objects.none()
        return ContactAttempt.objects.filter(client=self.get_client()).select_related("adviser")

    def create(self, request, *args, **kwargs):
        client = self.get_client()
        self.require_work_with(
            client, _("Only members of the client's team can record its contact attempts.")
        )
        data = ContactAttemptRecordSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        attempt = services.contact_attempt_record(
            client=client, adviser=request.user, **data.validated_data
        )
        return Response(self.get_serializer(attempt).data, status=status.HTTP_201_CREATED)
