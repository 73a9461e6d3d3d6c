from __future__ import annotations

from django.contrib import admin

from clients.admin import ClientScopedAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ClientScopedAdmin):
    list_display = ["appointment", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    raw_id_fields = ["appointment"]
