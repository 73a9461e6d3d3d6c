from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from audit import views as audit_views

from . import i18n, views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("ready/", views.ready, name="ready"),
    path("language/", i18n.language_set, name="set_language"),
    path("accessibility/", i18n.accessibility_statement, name="accessibility"),
    # Django's reset page, except that it says when no e-mail could be sent.
    path(
        "accounts/password_reset/",
        audit_views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("clients/import/", include("importing.urls")),
    path("clients/", include("clients.urls")),
    path("interviews/", include("interviews.urls")),
    path("teams/", include("teams.urls")),
    path("reports/", include("reports.urls")),
    path("partners/", include("partners.urls")),
    path("portal/", include("partners.portal_urls")),
    path("api/", include("teoffice.api_urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
]
if settings.OIDC_ENABLED:  # the organisation's sign-in, next to the local one
    urlpatterns.append(path("oidc/", include("audit.oidc")))
