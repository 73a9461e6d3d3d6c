from django.contrib import admin

from clients.admin import ClientScopedAdmin

from .models import Appointment, DueRun, Interview


@admin.register(Appointment)
class AppointmentAdmin(ClientScopedAdmin):
    list_display = ["client", "adviser", "starts_at", "channel", "status"]
    list_filter = ["status", "channel"]
    search_fields = ["client__last_name", "client__first_name", "adviser__username"]
    list_select_related = ["client", "adviser"]
    raw_id_fields = ["client"]
    date_hierarchy = "starts_at"


@admin.register(Interview)
class InterviewAdmin(ClientScopedAdmin):
    list_display = [
        "client",
        "adviser",
        "held_at",
        "channel",
        "kind",
        "outcome",
        "duration_minutes",
    ]
    list_filter = ["outcome", "channel", "kind"]
    search_fields = ["client__last_name", "client__first_name", "adviser__username"]
    list_select_related = ["client", "adviser"]
    raw_id_fields = ["client", "appointment"]
    date_hierarchy = "held_at"
    show_full_result_count = False


@admin.register(DueRun)
class DueRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "mode", "as_of", "changed", "duration_ms", "skipped"]
    list_filter = ["mode", "skipped"]
    readonly_fields = [f.name for f in DueRun._meta.fields]
