"""The clients a client-level export lists."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

from clients.models import Client
from teams import policy

User = AbstractBaseUser | AnonymousUser


def clients_for_export(*, user: User, filters: dict[str, str]):
    """The clients a client-level export lists: visible to `user`, narrowed by `filters`."""
    if not policy.may_export_clients(user):
        raise PermissionDenied
    clients = Client.objects.visible_to(user)
    if filters.get("team"):
        clients = clients.filter(team_id=int(filters["team"]))
    if filters.get("due_state"):
        clients = clients.filter(due_state=filters["due_state"])
    return clients
