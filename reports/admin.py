from __future__ import annotations

from django.contrib import admin

from .models import ClientExport, StoredReport


@admin.register(StoredReport)
class StoredReportAdmin(admin.ModelAdmin):
    list_display = ["month", "office", "service_line", "file_name", "size", "created_at"]
    list_filter = ["month"]
    list_select_related = ["office", "service_line"]
    exclude = ["content"]
    readonly_fields = ["office", "service_line", "month", "file_name", "size", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ClientExport)
class ClientExportAdmin(admin.ModelAdmin):
    """The record of client-level exports: read only."""

    list_display = ["started_at", "user", "format", "filters", "rows", "completed"]
    list_filter = ["format", "completed"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "started_at",
        "finished_at",
        "format",
        "filters",
        "rows",
        "completed",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
