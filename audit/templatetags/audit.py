"""Parts of the client page: who has viewed the client, and the client's change history.

Usage in a client page: `{% load audit %}{% client_viewers client %}{% client_history client %}`.
Each is one query, whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.db.models import Count, Max
from django.utils import timezone

from teams import policy

from ..forms import last_month
from ..models import AccessLog, ChangeEvent
from .history import event_lines

register = template.Library()

VIEWERS_DAYS = 90
HISTORY_ROWS = 50


@register.inclusion_tag("audit/_client_viewers.html", takes_context=True)
def client_viewers(context, client) -> dict:
    since = timezone.now() - dt.timedelta(days=VIEWERS_DAYS)
    viewers = list(
        AccessLog.objects.for_client(client.pk)
        .filter(at__gte=since, user__isnull=False)
        .values("user_id", "username", "user__first_name", "user__last_name")
        .annotate(last_viewed=Max("at"), times=Count("id"))
        .order_by("-last_viewed")[:20]
    )
    request = context.get("request")
    return {
        "client": client,
        "viewers": viewers,
        "days": VIEWERS_DAYS,
        "can_search_log": request is not None and policy.may_search_access_log(request.user),
        "last_month": last_month(timezone.localdate()),
    }


@register.inclusion_tag("audit/_client_history.html")
def client_history(client) -> dict:
    events = list(
        ChangeEvent.objects.filter(client_id=client.pk)
        .select_related("changed_by")
        .order_by("-changed_at", "-id")[:HISTORY_ROWS]
    )
    return {"client": client, "events": [(e, event_lines(e)) for e in events]}
