"""The interview rule's due state for templates that list clients: the template asks the
model (Client.due_state_on, the rule in interviews.rules) instead of comparing dates."""

from __future__ import annotations

import datetime as dt

from django import template

from clients.models import Client

register = template.Library()


@register.filter
def due_state_on(client: Client, today: dt.date) -> str:
    """{{ client|due_state_on:today }}: overdue, due_soon, ok or not_required."""
    return client.due_state_on(today)
