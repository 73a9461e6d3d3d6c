"""The REST API, versioned under /api/v1/, and its OpenAPI schema."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
