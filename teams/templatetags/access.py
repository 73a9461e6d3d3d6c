"""Templates never decide a permission: they ask the gate (teams.access)."""

from __future__ import annotations

from django import template

from teams import access

register = template.Library()


@register.filter
def may_work_with(record, user) -> bool:
    """`{% if appointment|may_work_with:user %}`: may `user` work with `record`'s client?"""
    return access.may_work_with(user, record)
