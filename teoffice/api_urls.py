"""The REST API, versioned under /api/v1/, its OpenAPI schema and its documentation.

- /api/v1/...   the endpoints (each app's api.py), session or token authentication;
- /api/schema/  the OpenAPI 3 schema (drf-spectacular), public: it holds no data;
- /api/docs/    Swagger UI, served from static/vendor/ (no CDN), public.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from clients.api import ClientViewSet
from interviews.api import AppointmentViewSet, ContactAttemptViewSet, InterviewViewSet
from plans.api import JobSearchReportViewSet, PlanViewSet
from reports.api import CoverageView
from teams.api import TeamViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clients", ClientViewSet, basename="client")
router.register("interviews", InterviewViewSet, basename="interview")
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("plans", PlanViewSet, basename="plan")
router.register("teams", TeamViewSet, basename="team")
# Records of one client, under the client (another team's client is a 404).
router.register(
    r"clients/(?P<client_id>[0-9]+)/contact-attempts",
    ContactAttemptViewSet,
    basename="contact-attempt",
)
router.register(
    r"clients/(?P<client_id>[0-9]+)/job-search-reports",
    JobSearchReportViewSet,
    basename="job-search-report",
)


@login_not_required
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other path under /api/: the API's JSON 404, not the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


app_name = "api"
urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/coverage/", CoverageView.as_view(), name="coverage"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        login_not_required(require_GET(TemplateView.as_view(template_name="api/docs.html"))),
        name="docs",
    ),
    re_path(r"^(?P<path>.*)$", not_found),
]
