"""Read-only admin views of the access log and change history (the database refuses edits).

Both ask the access policy, like every other page: the change history of the clients the user
serves, and the access log only for managers, as its search page (teams.policy).
"""

from __future__ import annotations

from django.contrib import admin

from clients.admin import ClientScopedAdmin, ReadOnlyAdmin
from teams import policy

from .models import AccessLog, ChangeEvent


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "client_count", "ip", "path"]
    list_filter = ["action"]
    search_fields = ["username"]
    date_hierarchy = "at"
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if not policy.may_search_access_log(request.user):
            return queryset.none()
        return queryset.visible_to(request.user)


@admin.register(ChangeEvent)
class ChangeEventAdmin(ClientScopedAdmin, ReadOnlyAdmin):
    list_display = ["changed_at", "client_id", "kind", "changed_by"]
    list_filter = ["kind"]
    list_select_related = ["changed_by"]
    raw_id_fields = ["client"]
    show_full_result_count = False
