from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reports.services import activity_lines_rebuild
from teoffice.api import api_token_issue

from .models import CoverageGoal, ManagerScope, Membership, Office, ServiceLine, Team


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(ServiceLine)
class ServiceLineAdmin(admin.ModelAdmin):
    list_display = ["name", "office"]
    list_filter = ["office"]
    search_fields = ["name"]
    list_select_related = ["office"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "service_line", "target_caseload"]
    list_filter = ["service_line__office", "service_line"]
    search_fields = ["name", "service_line__name"]
    list_select_related = ["service_line"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "service_line" in form.changed_data:
            # The reports' kept sums per service line follow the team to its new line.
            activity_lines_rebuild()


@admin.action(description=_("Issue API tokens for the selected members"))
def issue_api_tokens(modeladmin, request, queryset):
    for membership in queryset.select_related("user"):
        token = api_token_issue(user=membership.user)
        modeladmin.message_user(
            request,
            _("API token of %(user)s: %(key)s") % {"user": membership.user, "key": token.key},
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    actions = [issue_api_tokens]
    list_display = ["user", "team", "role", "since"]
    list_filter = ["role", "team__service_line"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(ManagerScope)
class ManagerScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "office", "service_line"]
    list_select_related = ["user", "office", "service_line"]
    autocomplete_fields = ["user"]


@admin.register(CoverageGoal)
class CoverageGoalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "percent", "valid_from", "set_by", "set_at"]
    list_filter = ["office", "service_line"]
    list_select_related = ["office", "service_line", "team", "set_by"]
    autocomplete_fields = ["team", "service_line", "office"]
    readonly_fields = ["set_by", "set_at"]
    date_hierarchy = "valid_from"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.set_by = request.user
        super().save_model(request, obj, form, change)
