from __future__ import annotations

from django.contrib import admin

from clients.admin import ReadOnlyAdmin

from .models import ActivityMonth, ClientExport, CoverageDay, StoredReport


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
class ClientExportAdmin(ReadOnlyAdmin):
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


@admin.register(ActivityMonth)
class ActivityMonthAdmin(ReadOnlyAdmin):
    """The kept activity of closed months (built nightly with the coverage snapshots; a
    stale day is computed from the data until it is built again)."""

    list_display = ["day", "stale", "computed_at"]
    list_select_related = ["day"]

    @admin.display(boolean=True, description="stale", ordering="day__stale")
    def stale(self, obj: ActivityMonth) -> bool:
        return obj.day.stale


@admin.register(CoverageDay)
class CoverageDayAdmin(ReadOnlyAdmin):
    """Days whose coverage figures are kept (month ends): fresh or stale."""

    list_display = ["day", "stale", "computed_at"]
    list_filter = ["stale"]
