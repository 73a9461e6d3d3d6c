"""The menu's count of what the signed-in adviser has to do: `{% load my_work %}`
`{% my_work_total as n %}`. One query per page (all the sections' counts in one SELECT), none
on the start page itself, which has counted them already."""

from __future__ import annotations

from django import template
from django.utils import timezone

from clients.models import Client

from ..selectors import my_work_counts, my_work_querysets

register = template.Library()


@register.simple_tag(takes_context=True)
def my_work_total(context) -> int:
    request = context["request"]
    total = getattr(request, "my_work_total", None)
    if total is None:
        querysets = my_work_querysets(
            clients=Client.objects.visible_to(request.user), today=timezone.localdate()
        )
        total = sum(my_work_counts(querysets=querysets, user=request.user).values())
        request.my_work_total = total
    return total
