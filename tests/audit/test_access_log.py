"""The access log: one insert per request, searchable by client, and append-only in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AccessAction, AccessLog
from audit.services import access_record, client_ip
from clients.models import Client
from teams import policy
from tests.conftest import make_client


def _request(user, path="/clients/1/", **meta):
    request = RequestFactory().get(path, REMOTE_ADDR="10.1.2.3", **meta)
    request.user = user
    return request


def test_one_insert_covers_every_client_a_list_shows(team_a, adviser, django_assert_num_queries):
    clients = [make_client(team_a) for _ in range(30)]
    with django_assert_num_queries(1):
        entry = access_record(
            request=_request(adviser, "/clients/"), clients=clients, action=AccessAction.PAGE
        )
    assert entry.client_ids == sorted(c.pk for c in clients)
    assert entry.client_count == 30
    assert entry.user == adviser and entry.username == "alice"
    assert entry.ip == "10.1.2.3" and entry.path == "/clients/"


def test_the_query_count_does_not_grow_with_the_clients_shown(
    team_a, adviser, django_assert_num_queries
):
    one = [make_client(team_a)]
    many = [make_client(team_a) for _ in range(50)]
    for clients in (one, many):
        with django_assert_num_queries(1):
            access_record(request=_request(adviser), clients=clients, action=AccessAction.PAGE)


def test_nothing_is_written_when_no_client_was_shown(adviser, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert access_record(request=_request(adviser), clients=[], action="page") is None


def test_an_unknown_action_is_refused(client_a, adviser):
    with pytest.raises(ValueError):
        access_record(request=_request(adviser), clients=[client_a], action="peek")


def test_the_log_is_searchable_by_client(team_a, adviser, teammate):
    first, second, third = (make_client(team_a) for _ in range(3))
    access_record(request=_request(adviser), clients=[first, second], action="page")
    access_record(request=_request(teammate), clients=[second, third], action="api_list")
    access_record(user=teammate, clients=[third.pk], action="export")
    assert set(AccessLog.objects.for_client(second.pk).values_list("username", flat=True)) == {
        "alice",
        "bob",
    }
    assert AccessLog.objects.for_client(first.pk).count() == 1
    assert AccessLog.objects.for_client(third.pk).count() == 2
    # Containment, not a text match: client 1 is not found inside client 11.
    assert not AccessLog.objects.for_client(10**9).exists()


def test_the_client_address_comes_from_the_trusted_proxy_only(adviser, settings):
    request = _request(adviser, HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1")
    assert client_ip(request) == "10.1.2.3"
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.0.0.1"
    settings.AUDIT_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.9"


# --- Append-only, in the database ---------------------------------------------------------


@pytest.fixture
def entry(client_a, adviser) -> AccessLog:
    return access_record(request=_request(adviser), clients=[client_a], action="page")


def test_an_entry_cannot_be_changed_through_the_orm(entry):
    entry.username = "someone-else"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(username="x")
    entry.refresh_from_db()
    assert entry.username == "alice"


def test_an_entry_cannot_be_deleted_through_the_orm(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.all().delete()
    assert AccessLog.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_accesslog SET username = 'x'",
        "UPDATE audit_accesslog SET client_ids = '[]'",
        "DELETE FROM audit_accesslog",
    ],
)
def test_an_entry_cannot_be_altered_with_raw_sql(entry, sql):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    entry.refresh_from_db()
    assert entry.username == "alice" and entry.client_ids == [entry.client_ids[0]]


def test_the_log_cannot_be_truncated(entry):
    statement = (
        "TRUNCATE audit_accesslog"
        if connection.vendor == "postgresql"
        else "DELETE FROM audit_accesslog"
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AccessLog.objects.count() == 1


def test_new_entries_can_still_be_added_after_a_refused_change(entry, client_a, adviser):
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).update(action="export")
    access_record(request=_request(adviser), clients=[client_a], action="partial")
    assert AccessLog.objects.for_client(client_a.pk).count() == 2


# --- Who has viewed this client (the client page's part) -----------------------------------


def _render_viewers(client, user) -> str:
    request = _request(user)
    return Template("{% load audit %}{% client_viewers client %}").render(
        Context({"client": client, "request": request})
    )


def test_the_client_page_part_lists_who_viewed_the_client(
    client_a, adviser, teammate, manager, django_assert_num_queries
):
    access_record(request=_request(adviser), clients=[client_a], action="page")
    access_record(request=_request(adviser), clients=[client_a], action="partial")
    access_record(request=_request(teammate), clients=[client_a], action="api_detail")
    policy.is_manager(adviser)  # cached per request, as the page's context processor does
    with django_assert_num_queries(1):
        html = _render_viewers(client_a, adviser)
    assert "Alice Tester" in html and "Bob Tester" in html
    assert "Full access log" not in html  # only managers search the log
    assert "Full access log" in _render_viewers(client_a, manager)


def test_old_views_fall_out_of_the_client_page_part(client_a, adviser):
    old = timezone.now() - dt.timedelta(days=120)
    AccessLog.objects.create(
        at=old, user=adviser, username="alice", action="page", client_ids=[client_a.pk]
    )
    assert "Alice Tester" not in _render_viewers(client_a, adviser)


def test_a_queryset_is_logged_by_the_database_in_one_statement(
    team_a, team_b, adviser, django_assert_num_queries
):
    """Exports: the ids are gathered by INSERT ... SELECT, never loaded into Python."""
    from clients.models import Client

    mine = [make_client(team_a) for _ in range(25)]
    make_client(team_b)
    with django_assert_num_queries(1):
        returned = access_record(
            request=_request(adviser, "/reports/clients-export/"),
            clients=Client.objects.filter(team=team_a),
            action=AccessAction.EXPORT,
        )
    entry = AccessLog.objects.get()
    assert (returned.pk, returned.client_count) == (entry.pk, 25)
    assert entry.client_ids == sorted(c.pk for c in mine)
    assert entry.client_count == 25 and entry.ip == "10.1.2.3" and entry.user == adviser
    assert AccessLog.objects.for_client(mine[3].pk).exists()
    # Sorted whatever order the queryset asks for.
    access_record(
        request=_request(adviser, "/reports/clients-export/"),
        clients=Client.objects.filter(team=team_a).order_by("-pk"),
        action=AccessAction.EXPORT,
    )
    assert AccessLog.objects.latest("id").client_ids == sorted(c.pk for c in mine)


def test_an_empty_queryset_writes_nothing(team_a, adviser):
    from clients.models import Client

    access_record(request=_request(adviser), clients=Client.objects.none(), action="export")
    access_record(request=_request(adviser), clients=Client.objects.filter(pk=-1), action="export")
    assert not AccessLog.objects.exists()


def test_a_bulk_entry_keeps_its_clients_as_id_ranges(team_a, team_b, adviser, monkeypatch):
    """More than BULK_ENTRY clients: PostgreSQL keeps runs of consecutive ids, exactly the
    clients of the queryset (gaps where other teams' clients are), and for_client finds the
    entry by its ranges; the search page lists its first clients. SQLite keeps the ids."""
    from audit import models as audit_models

    monkeypatch.setattr(audit_models, "BULK_ENTRY", 3)
    # Ids in creation order: team A's at 0-2, 4-5 and 8; team B's at 3, 6 and 7.
    made = [make_client(team_b if n in (3, 6, 7) else team_a) for n in range(9)]
    ours = [c for c in made if c.team_id == team_a.pk]
    few = [make_client(team_a)]
    access_record(user=adviser, clients=few, action="page")
    entry = access_record(
        user=adviser,
        clients=Client.objects.filter(team=team_a).exclude(pk=few[0].pk).order_by("-pk"),
        action="export",
    )
    entry = AccessLog.objects.get(pk=entry.pk)
    ids = sorted(c.pk for c in ours)
    assert entry.client_count == len(ids) == 6
    if connection.vendor == "postgresql":
        assert entry.client_ids == []
        covered = [i for first, last in entry.client_ranges for i in range(first, last + 1)]
        assert covered == ids and len(entry.client_ranges) == 3  # 0-2, 4-5, 8
    else:
        assert entry.client_ids == ids
    assert entry.first_client_ids(4) == ids[:4]
    for client in ours:
        assert AccessLog.objects.for_client(client.pk).get() == entry
    others = Client.objects.filter(team=team_b)
    assert all(not AccessLog.objects.for_client(c.pk).exists() for c in others)
    assert AccessLog.objects.for_client(few[0].pk).get().action == "page"
