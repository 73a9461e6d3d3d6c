"""The project's own signal receivers, connected in TeofficeConfig.ready (teoffice/apps.py)."""

from __future__ import annotations

import time

from teams.models import UserProfile

from .i18n import SESSION_KEY
from .middleware import SessionRenewMiddleware


def language_remember(sender, request, user, **kwargs) -> None:
    """At sign-in, the user's saved interface language goes into the session (i18n.py)."""
    if request is None or not hasattr(request, "session"):
        return
    language = UserProfile.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


def session_renewed_at_sign_in(sender, request, user, **kwargs) -> None:
    """Signing in saves the session with a fresh expiry: that counts as its renewal."""
    if request is not None and hasattr(request, "session"):
        request.session[SessionRenewMiddleware.KEY] = int(time.time())
