"""Writes to the access log and the change history.

Every view that shows client data calls `access_record` once per request (one INSERT, however
many clients the page shows). Services that change clients, interviews, appointments and plans
call `change_record` / `changes_record` with old and new values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from clients import identity

from . import models as log_models
from .models import AccessAction, AccessLog, ChangeEvent

# Fields whose values must not be copied into the history in full.
_MASKED_FIELDS = {"personal_identity_code": identity.mask}


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the trusted proxies saw.

    AUDIT_TRUSTED_PROXY_COUNT (default 0) is how many reverse proxies stand in front of the
    app; each appends to X-Forwarded-For, so the client is that many entries from the right.
    """
    proxies = getattr(settings, "AUDIT_TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def _ids(clients: Iterable[Any] | Any) -> list[int]:
    if isinstance(clients, int) or hasattr(clients, "pk"):
        clients = [clients]
    return sorted({c if isinstance(c, int) else c.pk for c in clients})


def access_record(
    *,
    clients: Iterable[Any] | models.QuerySet | Any,
    action: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    path: str = "",
    ip: str | None = None,
) -> AccessLog | None:
    """Log that `clients` (Client objects, ids or a queryset) were shown: ONE insert per call.

    Nothing is written when no client was shown (an empty list page).
    """
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}")
    view = ""
    if request is not None:
        user = user if user is not None else getattr(request, "user", None)
        path = path or request.path
        ip = ip or client_ip(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "")[:100]
    if user is not None and not user.is_authenticated:
        user = None
    entry = AccessLog(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        ip=ip,
        path=path[:300],
        view=view,
    )
    if isinstance(clients, models.QuerySet):
        return _insert_from_queryset(entry, clients)
    client_ids = _ids(clients)
    if not client_ids:
        return None
    entry.client_ids = client_ids
    entry.client_count = len(client_ids)
    entry.save(force_insert=True)
    return entry


def _insert_from_queryset(entry: AccessLog, clients: models.QuerySet) -> AccessLog | None:
    """INSERT ... SELECT: the database gathers the ids (an export of a million clients never
    passes its ids through Python). No row when the queryset is empty. On PostgreSQL an entry
    of more than BULK_ENTRY clients keeps them as id ranges (AccessLog.client_ranges). The
    returned entry carries its id and count; its clients are left in the database."""
    # A write, on the primary, even where the page reads from a replica.
    connection = connections[router.db_for_write(AccessLog)]
    # The ids go in sorted: the derived table is ordered by the primary key (its index, no
    # sort), and the aggregate takes its rows in that order. (SQLite before 3.44 has no
    # ORDER BY inside an aggregate; on PostgreSQL this also skips sorting a million ids.)
    ordered = clients.order_by("pk")
    try:
        ids_sql, ids_params = (
            ordered.annotate(audit_client_id=F("pk"))
            .values_list("audit_client_id", flat=True)
            .query.sql_with_params()
        )
    except EmptyResultSet:
        return None
    pk = "audit_client_id"
    table = connection.ops.quote_name(AccessLog._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    # The entry's own columns, in the order both statements name them.
    values = [at, entry.user_id, entry.username, entry.action, entry.ip, entry.path, entry.view]
    if connection.vendor == "postgresql":
        # Runs of consecutive ids (gaps and islands: id - DENSE_RANK is constant along a run,
        # and duplicates share a rank), then either the ids themselves or, for a bulk entry,
        # only the runs. The ordered derived table feeds the window without a sort.
        sql = (
            f"WITH g AS (SELECT s.{pk} AS id, s.{pk} - DENSE_RANK() OVER (ORDER BY s.{pk}) "
            f"AS run FROM ({ids_sql}) AS s), "
            "r AS (SELECT MIN(id) AS lo, MAX(id) AS hi FROM g GROUP BY run), "
            "t AS (SELECT SUM(hi - lo + 1) AS n, "
            "jsonb_agg(jsonb_build_array(lo, hi) ORDER BY lo) AS ranges FROM r) "
            f"INSERT INTO {table} (at, user_id, username, action, client_ids, client_count, "
            "client_ranges, ip, path, view) "
            f"SELECT %s, %s, %s, %s, CASE WHEN t.n > {log_models.BULK_ENTRY} THEN '[]'::jsonb ELSE "
            "(SELECT jsonb_agg(x ORDER BY x) FROM r, generate_series(r.lo, r.hi) AS x) END, "
            f"t.n, CASE WHEN t.n > {log_models.BULK_ENTRY} THEN t.ranges END, CAST(%s AS inet), %s, %s "
            "FROM t WHERE t.n > 0 RETURNING id, client_count"
        )
        params = [*ids_params, *values]  # the WITH comes first
    else:
        sql = (
            f"INSERT INTO {table} (at, user_id, username, action, client_ids, client_count, ip, "
            f"path, view) SELECT %s, %s, %s, %s, json_group_array(s.{pk}), COUNT(*), %s, %s, %s "
            f"FROM ({ids_sql}) AS s HAVING COUNT(*) > 0 RETURNING id, client_count"
        )
        params = [*values, *ids_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    entry.pk, entry.client_count = row  # client_ids stay in the database (maybe a million)
    entry.client_ids = None
    return entry


def access_action_for(request: HttpRequest) -> str:
    """A page, or a part of one when htmx asked for a fragment."""
    return AccessAction.PARTIAL if getattr(request, "htmx", False) else AccessAction.PAGE


# --- Change history -------------------------------------------------------------------------


def display_value(value: Any) -> str:
    """How a value is kept in the history: text a person can read later."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        if hasattr(value, "get_full_name") and value.get_full_name():
            return value.get_full_name()
        return str(value)
    return str(value)


def changes_between(
    old: Mapping[str, Any], new: Mapping[str, Any], *, labels: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """The fields whose display value differs, as {"field", "label", "old", "new"} rows."""
    rows = []
    for field, new_value in new.items():
        before = display_value(old.get(field))
        after = display_value(new_value)
        if before == after:
            continue
        mask = _MASKED_FIELDS.get(field)
        if mask is not None:
            before, after = mask(before), mask(after)
        label = str((labels or {}).get(field, field.replace("_", " ")))
        rows.append({"field": field, "label": label, "old": before, "new": after})
    return rows


def field_labels(model: type[models.Model], fields: Iterable[str]) -> dict[str, str]:
    return {f: str(model._meta.get_field(f).verbose_name) for f in fields}


def change_record(
    *,
    client: Any,
    kind: str,
    changed_by: AbstractBaseUser | None,
    changes: list[dict[str, str]] | None = None,
    subject_id: int | None = None,
) -> ChangeEvent:
    """One change event about one client."""
    return ChangeEvent.objects.create(
        client_id=client if isinstance(client, int) else client.pk,
        kind=kind,
        subject_id=subject_id,
        changes=changes or [],
        changed_by=changed_by if changed_by is not None and changed_by.is_authenticated else None,
    )


def changes_record(*, events: Iterable[ChangeEvent]) -> list[ChangeEvent]:
    """Many change events in one INSERT (e.g. moving a team's clients at once)."""
    return ChangeEvent.objects.bulk_create(list(events))
