"""The interface language: the user's profile setting, else the browser's, else Finnish.

Django's LocaleMiddleware picks the language from the language cookie (set by the switcher),
then Accept-Language, then LANGUAGE_CODE ("fi"). ProfileLanguageMiddleware runs after
authentication and, for a signed-in user with a saved preference, overrides that choice. The
preference is copied into the session at sign-in, so a request costs no extra query.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from teams.models import UserProfile

SESSION_KEY = "teoffice_language"
STATEMENT_DATE = datetime.date(2026, 12, 2)  # update with each new assessment
KNOWN = {code for code, _name in settings.LANGUAGES}


def profile_language_set(*, user, language: str) -> UserProfile:
    """Save the user's interface language ("" returns to the browser's choice)."""
    if language not in KNOWN and language != "":
        raise ValueError(f"unknown language {language!r}")
    profile, _created = UserProfile.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return profile


class ProfileLanguageMiddleware:
    """After AuthenticationMiddleware: activate the signed-in user's saved language."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if language in KNOWN and request.user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@login_not_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The header's switcher: Django's set_language (cookie), plus the profile when signed in."""
    language = request.POST.get("language", "")
    if language in KNOWN and request.user.is_authenticated:
        profile_language_set(user=request.user, language=language)
        request.session[SESSION_KEY] = language
    return set_language(request)


@login_not_required
@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """Saavutettavuusseloste: public, in the reader's language, linked from every footer."""
    context = {
        "feedback_email": settings.ACCESSIBILITY_FEEDBACK_EMAIL,
        "tested_on": STATEMENT_DATE,
    }
    return render(request, "accessibility.html", context)
