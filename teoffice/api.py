"""The REST API's shared pieces, which every app's api.py builds on.

Every API view builds on `PolicyViewSet`: its querysets come from `teams.policy`, so the API
shows exactly what the pages show, and an id the caller may not see answers 404 like an id
that does not exist. Errors from services are mapped here, once:

- Django `ValidationError` -> 400 with field messages (the services' dict errors keep their
  field names; other messages go under `non_field_errors`);
- `plans.services.PlanConflict` -> 409 with the current version number;
- `IntegrityError` (a concurrent write lost a race against a database constraint) -> 409.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from audit.models import AccessAction
from audit.services import access_record
from clients.models import Client
from plans.services import PlanConflict
from teams import access

# The largest id a bigint column holds; anything larger cannot exist (and must not reach SQL).
MAX_ID = access.MAX_ID


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _validation_detail(exc: DjangoValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): [
                str(message) for message in errors
            ]
            for field, errors in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in exc.messages]}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, PlanConflict):
        set_rollback()
        return Response(
            {
                "detail": str(exc),
                "current_version": exc.current.number if exc.current else None,
            },
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            {"detail": str(_("The change conflicts with data saved meanwhile; try again."))},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(exc, context)


class PolicyViewSet(viewsets.GenericViewSet):
    """Base of every API view set: policy-scoped querysets, integer ids, mapped errors, and
    the access log for what lists and details show."""

    pagination_class = Pagination
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    lookup_value_regex = r"[0-9]+"

    # Where each row keeps its client's id ("pk" for clients): every list page and detail that
    # shows client data is written to the access log, one INSERT per request. None: no client
    # data (teams).
    audit_client_id: str | None = None

    def get_exception_handler(self):
        return api_exception_handler

    def audit(self, rows, action: str = AccessAction.API_LIST) -> None:
        if self.audit_client_id is not None:
            access_record(
                clients=[getattr(row, self.audit_client_id) for row in rows],
                action=action,
                request=self.request,
            )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.audit(page if page is not None else queryset)
        return page

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.audit([instance], AccessAction.API_DETAIL)
        return Response(self.get_serializer(instance).data)

    def get_object(self):
        if int(self.kwargs[self.lookup_url_kwarg or self.lookup_field]) > MAX_ID:
            raise exceptions.NotFound()
        return super().get_object()


# The path parameter of ClientRecordsViewSet's routes, for their schema.
CLIENT_ID_PARAMETER = OpenApiParameter(
    "client_id", int, OpenApiParameter.PATH, description=_("The client's id.")
)


class ClientRecordsViewSet(PolicyViewSet):
    """Base of the endpoints under one client (/clients/{client_id}/...): the client comes
    from the policy, so another team's client (or no such client) is a 404, and a list is
    logged as one look at that client, even an empty one."""

    client_url_kwarg = "client_id"
    audit_client_id = "client_id"  # a detail is logged as a look at its client

    def get_client(self):
        if not hasattr(self, "_client"):
            client_id = int(self.kwargs[self.client_url_kwarg])
            self._client = access.record_for(self.request.user, Client.objects.all(), pk=client_id)
        return self._client

    def require_work_with(self, client, message) -> None:
        access.require_work_with(self.request.user, client, message)

    def list(self, request, *args, **kwargs):
        client = self.get_client()
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_queryset(queryset, request, view=self)
        access_record(clients=[client], action=AccessAction.API_LIST, request=request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key among the rows the caller may see: other ids are "does not exist" (400).

    `visible` maps the request's user to the queryset allowed, e.g. policy.teams_visible_to.
    """

    def __init__(self, *, visible, **kwargs):
        self.visible = visible
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.visible(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            value = int(data)
        except ValueError:
            self.fail("incorrect_type", data_type=type(data).__name__)
        if value < 1 or value > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(value)


class IdFilter(filters.NumberFilter):
    """An integer id in a query string; anything else (or beyond bigint) is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def api_token_issue(*, user, rotate: bool = False) -> Token:
    """The user's API token (`Authorization: Token <key>`); `rotate` replaces an existing one."""
    with transaction.atomic():
        if rotate:
            Token.objects.filter(user=user).delete()
        token, _created = Token.objects.get_or_create(user=user)
    return token
