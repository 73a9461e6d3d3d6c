from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from clients.admin import ClientScopedAdmin

from . import services
from .models import (
    ClosingReport,
    Consent,
    ContactPerson,
    Partner,
    PartnerService,
    PartnerUser,
    Referral,
    ReferralEvent,
)


class PartnerServiceInline(admin.TabularInline):
    model = PartnerService
    extra = 0


class ContactPersonInline(admin.TabularInline):
    model = ContactPerson
    extra = 0


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [PartnerServiceInline, ContactPersonInline]


@admin.register(PartnerUser)
class PartnerUserAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "added_at"]
    list_select_related = ["user", "partner"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            services.partner_user_add(user=obj.user, partner=obj.partner)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(Consent)
class ConsentAdmin(ClientScopedAdmin):
    list_display = ["client", "partner", "valid_from", "valid_until", "revoked_at"]
    list_select_related = ["client", "partner"]
    raw_id_fields = ["client"]
    readonly_fields = ["recorded_by", "recorded_at", "revoked_at", "revoked_by"]

    def has_add_permission(self, request) -> bool:
        return False  # recorded by the client's adviser on the client page


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    can_delete = False
    readonly_fields = ["status", "at", "by", "note"]


@admin.register(Referral)
class ReferralAdmin(ClientScopedAdmin):
    list_display = ["client", "service", "status", "sent_at", "outcome", "needs_review"]
    list_filter = ["status", "outcome"]
    list_select_related = ["client", "service__partner"]
    raw_id_fields = ["client", "consent"]
    inlines = [ReferralEventInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ClosingReport)
class ClosingReportAdmin(ClientScopedAdmin):
    list_display = ["referral", "outcome", "filed_at"]
    raw_id_fields = ["referral"]
