import re
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.options import IS_FACETS_VAR
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from audit.models import AccessAction
from audit.services import access_record
from teams import access

from . import identity
from .models import Assignment, Client, ImportRecord, StatusChange

_SEARCHED_CODE = re.compile(identity.HETU_REGEX, re.IGNORECASE)


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["old_status", "new_status", "effective_on", "changed_by", "changed_at"]
    can_delete = False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that are only ever read in the admin (logs, event rows, import records)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ClientScopedAdmin(admin.ModelAdmin):
    """Admin pages go through the same gate as every other page (teams.access): staff see only
    the clients they serve (superusers all), and each change page is in the access log."""

    def get_queryset(self, request):
        return access.scoped(request.user, super().get_queryset(request))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            access_record(
                clients=[access.client_id_of(obj)], action=AccessAction.PAGE, request=request
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Client)
class ClientAdmin(ClientScopedAdmin):
    list_display = [
        "last_name",
        "first_name",
        "masked_code",
        "status",
        "team",
        "responsible_adviser",
        "due_state",
        "next_due_date",
        "last_held_on",
    ]
    list_filter = ["due_state", "status", "language", "team__service_line", "team"]
    # Identity codes: exact match only (=), never a partial search.
    search_fields = ["last_name", "first_name", "=personal_identity_code"]
    list_select_related = ["team", "responsible_adviser"]
    readonly_fields = [
        "birth_date",
        "last_held_on",
        "last_channel",
        "next_due_date",
        "due_state",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["team", "responsible_adviser"]
    inlines = [StatusChangeInline]
    show_full_result_count = False

    @admin.display(description=_("identity code"))
    def masked_code(self, obj: Client) -> str:
        return obj.masked_identity_code

    # The identity code policy holds here too: the code is typed in full when a client is
    # added, but an existing client's page shows it masked; the full code is revealed on the
    # client's own page, to the client's team only, and logged there as a reveal
    # (clients.views.identity_code_reveal).
    def get_exclude(self, request, obj=None):
        return ["personal_identity_code"] if obj is not None else []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return ["identity_code", *fields] if obj is not None else fields

    @admin.display(description=_("identity code"))
    def identity_code(self, obj: Client) -> str:
        return format_html(
            '{} <a href="{}">{}</a>',
            obj.masked_identity_code,
            reverse("clients:detail", args=[obj.pk]),
            _("Client page (the client's team may show the full code there)"),
        )

    def get_changelist_instance(self, request):
        # A search by identity code finds the client; the page then echoes the code masked
        # (in the search box and in the filter links that keep the search).
        changelist = super().get_changelist_instance(request)
        if _SEARCHED_CODE.match(identity.normalize(changelist.query)):
            masked = identity.mask(identity.normalize(changelist.query))
            changelist.query = masked
            changelist.params["q"] = masked
            changelist.filter_params["q"] = [masked]
            changelist.remove_facet_link = changelist.get_query_string(remove=[IS_FACETS_VAR])
            changelist.add_facet_link = changelist.get_query_string({IS_FACETS_VAR: True})
            changelist.preserved_filters = urlencode(
                {"_changelist_filters": changelist.get_query_string().removeprefix("?")}
            )
        return changelist


@admin.register(Assignment)
class AssignmentAdmin(ClientScopedAdmin):
    list_display = [
        "client",
        "from_team",
        "to_team",
        "from_adviser",
        "to_adviser",
        "moved_by",
        "moved_at",
    ]
    list_filter = ["to_team"]
    list_select_related = [
        "client",
        "from_team",
        "to_team",
        "from_adviser",
        "to_adviser",
        "moved_by",
    ]
    raw_id_fields = ["client"]
    date_hierarchy = "moved_at"


@admin.register(ImportRecord)
class ImportRecordAdmin(ReadOnlyAdmin):
    """Bulk imports, read only: who imported which file when, and what it did. Scoped by
    teams.policy (a manager's own imports); the kept file's bytes are never shown."""

    list_display = [
        "created_at",
        "created_by",
        "file_name",
        "source",
        "state",
        "rows_total",
        "rows_rejected",
        "created_count",
        "updated_count",
        "imported_at",
    ]
    list_filter = ["state", "source"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    exclude = ["content"]
    readonly_fields = [
        "created_by",
        "created_at",
        "imported_at",
        "source",
        "state",
        "file_name",
        "file_sha256",
        "file_size",
        "rows_total",
        "rows_accepted",
        "rows_rejected",
        "created_count",
        "updated_count",
        "unchanged_count",
        "duration_ms",
        "report",
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request) & ImportRecord.objects.visible_to(request.user)
        ).defer("content")
