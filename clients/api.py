"""Clients in the REST API: list, detail, create, status change and reassignment.

Access is the pages' access (teams.policy): a caller sees the clients of their own team (an
adviser or team lead) or of the teams in their scope (a manager); any other id is a 404.
Creating a client and changing a status need the gate's `may_work_with` (members of the client's
team); moving clients follows `can_move_between_teams` inside `clients_reassign`.

The personal identity code is written in full and read back masked (131052-****). The one
exception: the detail endpoint with `?reveal=true`, for a caller who may work with the client
(a member of its team), recorded in the access log as an identity reveal.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from audit.models import AccessAction
from interviews.choices import DueState
from teams import access, policy
from teoffice.api import MAX_ID, IdFilter, PolicyViewSet, VisibleRelatedField
from teoffice.api_datetimes import ModelSerializer

from . import identity, services
from .models import Client, Language, Status

User = get_user_model()


@extend_schema_field(
    {
        "type": "string",
        "description": "Write: the full code (DDMMYYCZZZQ). Read: masked as DDMMYYC****, "
        "unless revealed on the detail endpoint.",
        "example": "131052-308T",
    }
)
class IdentityCodeField(serializers.CharField):
    """Write a full, valid code; read it back masked unless the context says `reveal`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)  # room for stray spaces; the code itself is 11
        super().__init__(**kwargs)

    def to_representation(self, value: str) -> str:
        return value if self.context.get("reveal") else identity.mask(value)

    def to_internal_value(self, data) -> str:
        value = identity.normalize(super().to_internal_value(data))
        try:
            identity.validate_hetu(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


class ClientSerializer(ModelSerializer):
    personal_identity_code = IdentityCodeField(read_only=True)
    language_display = serializers.CharField(source="get_language_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    due_state_display = serializers.CharField(source="get_due_state_display", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)
    responsible_adviser_name = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = [
            "id",
            "personal_identity_code",
            "first_name",
            "last_name",
            "language",
            "language_display",
            "status",
            "status_display",
            "status_since",
            "registered_on",
            "team",
            "team_name",
            "responsible_adviser",
            "responsible_adviser_name",
            "due_state",
            "due_state_display",
            "next_due_date",
            "last_held_on",
        ]
        read_only_fields = fields

    def get_responsible_adviser_name(self, client: Client) -> str | None:
        adviser = client.responsible_adviser
        return (adviser.get_full_name() or adviser.get_username()) if adviser else None


class ClientCreateSerializer(serializers.Serializer):
    personal_identity_code = IdentityCodeField()
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    team = VisibleRelatedField(visible=policy.teams_visible_to)
    responsible_adviser = VisibleRelatedField(
        visible=policy.advisers_visible_to, required=False, allow_null=True
    )
    language = serializers.ChoiceField(choices=Language.choices, default=Language.FI)
    status = serializers.ChoiceField(choices=Status.choices, default=Status.UNEMPLOYED)
    registered_on = serializers.DateField(
        required=False, help_text=_("Defaults to today; never in the future.")
    )
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    # The rules (an existing client, the team, the adviser, the dates) are the service's,
    # clients.services.client_register, which the browser's form calls too.


class ClientStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    effective_on = serializers.DateField(
        required=False, help_text=_("Defaults to today; never in the future.")
    )
    submission_key = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("An idempotency key: the same key again changes nothing more."),
    )


class ClientsReassignSerializer(serializers.Serializer):
    clients = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=1000,
    )
    team = VisibleRelatedField(
        visible=policy.teams_visible_to,
        required=False,
        help_text=_("The team to move to; defaults to the clients' current team."),
    )
    responsible_adviser = VisibleRelatedField(visible=policy.advisers_visible_to, allow_null=True)

    def validate_clients(self, ids: list[int]) -> list[Client]:
        ids = list(dict.fromkeys(ids))
        user = self.context["request"].user
        found = list(Client.objects.visible_to(user).filter(pk__in=ids).select_related("team"))
        missing = sorted(set(ids) - {c.pk for c in found})
        if missing:
            raise serializers.ValidationError(
                _("No such clients: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
            )
        return found

    def validate(self, attrs):
        teams = {c.team_id for c in attrs["clients"]}
        if "team" not in attrs:
            if len(teams) > 1:
                raise serializers.ValidationError(
                    {"team": [_("The clients are in different teams: name the team.")]}
                )
            attrs["team"] = attrs["clients"][0].team
        return attrs


class ReassignResultSerializer(serializers.Serializer):
    moved = serializers.IntegerField()


class ClientFilter(filters.FilterSet):
    team = filters.ModelChoiceFilter(
        queryset=lambda request: policy.teams_visible_to(request.user),
        help_text=_("A team id (one the caller may see)."),
    )
    due_state = filters.MultipleChoiceFilter(choices=DueState.choices)
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    language = filters.ChoiceFilter(choices=Language.choices)
    responsible_adviser = IdFilter(field_name="responsible_adviser_id")
    next_due_date = filters.DateFromToRangeFilter(
        help_text=_("next_due_date_after / next_due_date_before, inclusive (YYYY-MM-DD).")
    )

    class Meta:
        model = Client
        fields = ["team", "due_state", "status", "language", "responsible_adviser"]


REVEAL = OpenApiParameter(
    "reveal",
    OpenApiTypes.BOOL,
    description="Show the full personal identity code. Honoured only for a member of the "
    "client's team (otherwise the code stays masked); every reveal is logged.",
)


@extend_schema_view(
    list=extend_schema(summary="Clients the caller may see (paginated, filterable)"),
    retrieve=extend_schema(summary="One client", parameters=[REVEAL]),
    create=extend_schema(
        summary="Register a new client",
        request=ClientCreateSerializer,
        responses={201: ClientSerializer},
    ),
)
class ClientViewSet(
    PolicyViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """Job-seeker clients. The identity code reads back masked (see `reveal` on the detail)."""

    serializer_class = ClientSerializer
    filterset_class = ClientFilter
    audit_client_id = "pk"
    ordering_fields = [
        "id",
        "last_name",
        "first_name",
        "next_due_date",
        "due_state",
        "status",
        "registered_on",
        "last_held_on",
    ]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self):
        return Client.objects.visible_to(self.request.user).with_list_columns()

    def retrieve(self, request, *args, **kwargs):
        client = self.get_object()
        reveal = request.query_params.get("reveal", "").lower() in {"1", "true", "yes"}
        reveal = reveal and access.may_reveal_identity_code(request.user, client)
        self.audit([client], AccessAction.IDENTITY_REVEAL if reveal else AccessAction.API_DETAIL)
        context = {**self.get_serializer_context(), "reveal": reveal}
        return Response(self.get_serializer(client, context=context).data)

    def create(self, request, *args, **kwargs):
        data = ClientCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        client = services.client_register(user=request.user, **data.validated_data)
        return Response(self.get_serializer(client).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change the client's job-seeker status",
        request=ClientStatusSerializer,
        responses={200: ClientSerializer},
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        client = self.get_object()
        if not access.may_work_with(request.user, client):
            raise exceptions.PermissionDenied(_("Only members of the team can change the status."))
        data = ClientStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = services.client_status_change(
            client=client,
            status=data.validated_data["status"],
            effective_on=data.validated_data.get("effective_on") or timezone.localdate(),
            changed_by=request.user,
            submission_key=data.validated_data.get("submission_key"),
        )
        return Response(self.get_serializer(client).data)

    @extend_schema(
        summary="Move clients to another adviser (and team) in one action",
        request=ClientsReassignSerializer,
        responses={200: ReassignResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def reassign(self, request):
        data = ClientsReassignSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        moved = services.clients_reassign(
            client_ids=[c.pk for c in data.validated_data["clients"]],
            to_adviser=data.validated_data["responsible_adviser"],
            to_team=data.validated_data["team"],
            moved_by=request.user,
        )
        return Response({"moved": moved})
