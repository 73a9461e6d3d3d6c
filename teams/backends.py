"""Signing in with a username and password, and loading the signed-in user on each request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from .models import ManagerScope


class MemberBackend(ModelBackend):
    """Django's ModelBackend, loading the user with the team membership and its team, and
    whether the user has any manager scope, in the same query: every page's menu and header
    need them. teams.policy.membership_of and manager_scopes read what this caches (a user
    without a membership is cached as None, as Django would; a manager's scopes are then
    read as before)."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager
        try:
            user = (
                users.select_related("membership__team")
                .annotate(
                    has_manager_scope=Exists(ManagerScope.objects.filter(user=OuterRef("pk")))
                )
                .get(pk=user_id)
            )
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
