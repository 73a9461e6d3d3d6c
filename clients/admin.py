from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Assignment, Client, StatusChange


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["old_status", "new_status", "effective_on", "changed_by", "changed_at"]
    can_delete = False


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
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


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
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
