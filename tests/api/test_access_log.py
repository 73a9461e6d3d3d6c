"""What the API shows of clients is written to the access log, one row per request."""

from __future__ import annotations

import pytest

from audit.models import AccessAction, AccessLog

pytestmark = pytest.mark.django_db


def _last():
    return AccessLog.objects.order_by("-id").first()


def test_list_logs_the_clients_on_the_page(api, adviser, world):
    api(adviser, token=True).get("/api/v1/clients/", {"page_size": 1})
    entry = _last()
    assert entry.action == AccessAction.API_LIST
    assert entry.user == adviser
    assert len(entry.client_ids) == 1
    assert entry.path == "/api/v1/clients/"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/interviews/", "/api/v1/appointments/", "/api/v1/plans/"],
)
def test_lists_of_client_records_log_whose_they_are(api, adviser, world, url):
    api(adviser).get(url)
    entry = _last()
    assert (entry.action, entry.client_ids) == (AccessAction.API_LIST, [world.client.pk])


def test_detail_and_reveal_are_logged_apart(api, adviser, manager, world):
    url = f"/api/v1/clients/{world.client.pk}/"
    api(adviser).get(url)
    assert (_last().action, _last().client_ids) == (AccessAction.API_DETAIL, [world.client.pk])
    api(adviser).get(url, {"reveal": "true"})
    assert _last().action == AccessAction.IDENTITY_REVEAL
    api(manager).get(url, {"reveal": "true"})  # not honoured for a manager: a plain detail
    assert (_last().action, _last().user) == (AccessAction.API_DETAIL, manager)
    api(adviser).get(f"/api/v1/plans/{world.plan.pk}/versions/")
    assert (_last().action, _last().client_ids) == (AccessAction.API_DETAIL, [world.client.pk])


def test_nothing_shown_nothing_logged(api, adviser, outsider, world):
    before = AccessLog.objects.count()
    api(outsider).get(f"/api/v1/clients/{world.client.pk}/")  # 404
    api(adviser).get("/api/v1/clients/", {"status": "employed"})  # an empty page
    api(adviser).get("/api/v1/teams/")  # no client data
    api().get("/api/v1/clients/")  # 401
    assert AccessLog.objects.count() == before
