"""Helpers for the API tests: a DRF client signed in as a persona, by session or by token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from teams.api import api_token_issue


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated by session; api(user, token=True) by token;
    api() anonymous."""

    def make(user=None, *, token: bool = False) -> APIClient:
        client = APIClient()
        if user is not None:
            if token:
                client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")
            else:
                client.force_login(user)
        return client

    return make
