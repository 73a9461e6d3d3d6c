"""The project's URLs plus one view that fails, to see what a user and the logs get from an error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from teoffice.urls import urlpatterns as project_urlpatterns


def boom(request: HttpRequest, code: str) -> HttpResponse:
    raise ValueError(f"could not process client {code}")


urlpatterns = [*project_urlpatterns, path("boom/<str:code>/", boom)]
