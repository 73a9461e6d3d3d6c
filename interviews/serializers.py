"""The REST API's serializers for interviews, appointments and contact attempts.

They validate input and shape output; interviews.api's views call the services with what they
validated.
"""

from __future__ import annotations

from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clients.models import Client
from teams import access, policy
from teoffice.api import VisibleRelatedField
from teoffice.api_datetimes import DateTimeField, ModelSerializer

from .choices import Channel, InterviewKind, Outcome
from .models import Appointment, ContactAttempt, ContactResult, Interview


def submission_key_field() -> serializers.UUIDField:
    """The optional idempotency key of a write (teoffice.idempotency)."""
    return serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_(
            "An idempotency key: sending the same key again returns what the first request "
            "made instead of a second one."
        ),
    )


def _person_name(user) -> str:
    return user.get_full_name() or user.get_username()


# --- Interviews --------------------------------------------------------------------------


class InterviewSerializer(ModelSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    outcome_display = serializers.CharField(source="get_outcome_display", read_only=True)
    adviser_name = serializers.SerializerMethodField()

    class Meta:
        model = Interview
        fields = [
            "id",
            "client",
            "adviser",
            "adviser_name",
            "held_at",
            "channel",
            "channel_display",
            "kind",
            "kind_display",
            "outcome",
            "outcome_display",
            "duration_minutes",
            "notes",
            "appointment",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_adviser_name(self, interview: Interview) -> str:
        return _person_name(interview.adviser)


class InterviewLogSerializer(serializers.Serializer):
    client = VisibleRelatedField(visible=Client.objects.visible_to)
    held_at = DateTimeField(help_text=_("When it was held; never in the future."))
    channel = serializers.ChoiceField(choices=Channel.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    kind = serializers.ChoiceField(
        choices=InterviewKind.choices,
        required=False,
        help_text=_(
            "The kind of discussion. Left out: proposed by the rule (an initial interview when "
            "none has been held since the status began, else the three-monthly job-search "
            "discussion)."
        ),
    )
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=480, required=False, allow_null=True
    )
    notes = serializers.CharField(max_length=10_000, required=False, allow_blank=True)
    appointment = VisibleRelatedField(
        visible=lambda user: access.scoped(user, Appointment.objects.all()),
        required=False,
        allow_null=True,
        help_text=_("The booked appointment this interview took place at, if any."),
    )
    submission_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_(
            "An idempotency key: sending the same key again returns the interview the first "
            "request made (200) instead of a second one."
        ),
    )

    def validate(self, attrs):
        appointment = attrs.get("appointment")
        if appointment is not None and appointment.client_id != attrs["client"].pk:
            raise serializers.ValidationError(
                {"appointment": [_("The appointment is for another client.")]}
            )
        return attrs


# --- Appointments ------------------------------------------------------------------------


class AppointmentSerializer(ModelSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    adviser_name = serializers.SerializerMethodField()
    video_link = serializers.CharField(read_only=True, help_text=_("A URL, or empty."))

    class Meta:
        model = Appointment
        fields = [
            "id",
            "client",
            "adviser",
            "adviser_name",
            "starts_at",
            "duration_minutes",
            "channel",
            "channel_display",
            "place",
            "video_link",
            "status",
            "status_display",
            "booked_by",
            "booked_at",
        ]
        read_only_fields = fields

    def get_adviser_name(self, appointment: Appointment) -> str:
        return _person_name(appointment.adviser)


class AppointmentTimeSerializer(serializers.Serializer):
    starts_at = DateTimeField(help_text=_("Never in the past."))
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, default=30)
    channel = serializers.ChoiceField(choices=Channel.choices)
    place = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    # A URL or empty: a CharField with the URL validator, so that the schema allows "".
    video_link = serializers.CharField(
        max_length=200,
        required=False,
        default="",
        allow_blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_("A meeting link (http or https), or empty."),
    )


class AppointmentBookSerializer(AppointmentTimeSerializer):
    client = VisibleRelatedField(visible=Client.objects.visible_to)
    adviser = VisibleRelatedField(
        visible=policy.advisers_visible_to,
        required=False,
        help_text=_("A member of the client's team; defaults to the caller."),
    )
    submission_key = submission_key_field()


# --- Contact attempts --------------------------------------------------------------------


class ContactAttemptSerializer(ModelSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    result_display = serializers.CharField(source="get_result_display", read_only=True)
    adviser_name = serializers.SerializerMethodField()

    class Meta:
        model = ContactAttempt
        fields = [
            "id",
            "client",
            "adviser",
            "adviser_name",
            "attempted_at",
            "channel",
            "channel_display",
            "notice_sent",
            "notice_sent_at",
            "result",
            "result_display",
            "notes",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_adviser_name(self, attempt: ContactAttempt) -> str:
        return _person_name(attempt.adviser)


class ContactAttemptRecordSerializer(serializers.Serializer):
    attempted_at = DateTimeField(
        help_text=_("When the adviser tried to reach the client; never in the future.")
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    result = serializers.ChoiceField(choices=ContactResult.choices)
    notice_sent_at = DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("When a notice of the contact was sent beforehand; null if none was sent."),
    )
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    submission_key = submission_key_field()
