"""Keep partner users inside the partner portal.

The access policy already shows a partner user no client on adviser pages (they have no team
membership or manager scope); this middleware adds the second wall: a partner user's request
for anything outside the portal, sign-in and static files answers 403, and the home page
sends them to the portal. Whether the user is a partner user is remembered in the session at
sign-in, so adviser requests cost no extra query.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from teams import policy

from .models import Partner
from .services import SESSION_PARTNER_KEY


def remember_partner_at_sign_in(sender, request: HttpRequest, user, **kwargs) -> None:
    """user_logged_in receiver: mark a partner user's session (one query per sign-in)."""
    if request is None or not hasattr(request, "session"):
        return
    partner = Partner.objects.of_user(user)
    if partner is not None:
        request.session[SESSION_PARTNER_KEY] = partner.pk
    else:
        request.session.pop(SESSION_PARTNER_KEY, None)


class PartnerPortalMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_PARTNER_KEY):
            path = request.path_info
            if path == "/":
                return redirect("portal:home")
            if not policy.partner_path_allowed(path):
                # The 403 page in the user's language and the app's layout, with this reason.
                raise PermissionDenied(_("Partner users can use the partner portal only."))
        return self.get_response(request)
