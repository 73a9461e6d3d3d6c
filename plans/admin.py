from django.contrib import admin

from clients.admin import ClientScopedAdmin

from .models import EmploymentPlan, PlanAction, PlanVersion


class PlanActionInline(admin.TabularInline):
    model = PlanAction
    extra = 0
    raw_id_fields = ["referral"]  # never a list of every client's referrals


@admin.register(EmploymentPlan)
class EmploymentPlanAdmin(ClientScopedAdmin):
    list_display = ["client", "created_at"]
    search_fields = ["client__last_name", "client__first_name"]
    list_select_related = ["client"]
    raw_id_fields = ["client"]


@admin.register(PlanVersion)
class PlanVersionAdmin(ClientScopedAdmin):
    """Versions are immutable: the admin shows them but does not change or delete them."""

    list_display = ["plan", "number", "goal", "applications_per_month", "author", "created_at"]
    list_filter = ["goal"]
    search_fields = ["plan__client__last_name", "plan__client__first_name"]
    list_select_related = ["plan__client", "author"]
    raw_id_fields = ["plan", "interview"]
    inlines = [PlanActionInline]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanAction)
class PlanActionAdmin(ClientScopedAdmin):
    list_display = ["version", "kind", "description", "status", "due_date"]
    list_filter = ["kind", "status"]
    list_select_related = ["version__plan__client"]
    raw_id_fields = ["version", "referral"]
