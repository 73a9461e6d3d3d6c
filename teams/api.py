"""The teams endpoint (the API's shared base is teoffice/api.py)."""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from teoffice.api import IdFilter, PolicyViewSet
from teoffice.api_datetimes import ModelSerializer

from . import policy
from .models import Membership, Team


class TeamMemberSerializer(ModelSerializer):
    id = serializers.IntegerField(source="user.id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    full_name = serializers.CharField(source="user.get_full_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "full_name", "role", "role_display"]


class TeamSerializer(ModelSerializer):
    service_line_name = serializers.CharField(source="service_line.name", read_only=True)
    office = serializers.IntegerField(source="service_line.office_id", read_only=True)
    office_name = serializers.CharField(source="service_line.office.name", read_only=True)
    members = TeamMemberSerializer(source="memberships", many=True, read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "service_line",
            "service_line_name",
            "office",
            "office_name",
            "target_caseload",
            "members",
        ]
        read_only_fields = fields


class TeamFilter(filters.FilterSet):
    office = IdFilter(field_name="service_line__office_id")
    service_line = IdFilter(field_name="service_line_id")

    class Meta:
        model = Team
        fields = ["office", "service_line"]


@extend_schema_view(
    list=extend_schema(summary="Teams the caller may see, with their members"),
    retrieve=extend_schema(summary="One team, with its members"),
)
class TeamViewSet(
    PolicyViewSet, viewsets.mixins.ListModelMixin, viewsets.mixins.RetrieveModelMixin
):
    """Teams: an adviser or team lead sees their own team, a manager the teams in scope."""

    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    ordering_fields = ["id", "name"]
    ordering = ["service_line__office__name", "service_line__name", "name", "id"]

    def get_queryset(self):
        return policy.teams_visible_to(self.request.user).prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("user"))
        )
