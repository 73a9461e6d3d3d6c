"""Sign-in with the organisation's identity provider (OpenID Connect), when configured.

An OIDC sign-in only ever finds an existing, active account (by username or e-mail); it
never creates one, so the provider alone can give no one access to client data.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q
from django.urls import path
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)


class ExistingAccountsOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims) -> bool:
        return bool(claims.get("preferred_username") or claims.get("email"))

    def filter_users_by_claims(self, claims):
        condition = Q(pk__in=[])
        if claims.get("preferred_username"):
            condition |= Q(username=claims["preferred_username"])
        if claims.get("email"):
            condition |= Q(email__iexact=claims["email"])
        return self.UserModel.objects.filter(condition, is_active=True)

    def create_user(self, claims):
        raise SuspiciousOperation("OIDC sign-in does not create accounts")


urlpatterns = [
    path(
        "callback/",
        login_not_required(OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
    path(
        "authenticate/",
        login_not_required(OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
]
