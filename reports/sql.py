"""SQL pieces shared by the coverage and activity statements (PostgreSQL and SQLite):
local dates of datetime columns, and the team and adviser a client had on a day."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection

from clients.models import Assignment

from .periods import day_end


def zone_sql() -> str:
    """The project's time zone (settings.TIME_ZONE) as an SQL string literal."""
    return "'" + settings.TIME_ZONE.replace("'", "''") + "'"


def local_date_sql(column: str) -> str:
    """A datetime column (or scalar subquery) as its local date."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE {zone_sql()})::date"
    return f"django_datetime_cast_date({column}, {zone_sql()}, 'UTC')"


def days_between_sql(later: str, earlier: str) -> str:
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def row_on_sql(day: dt.date) -> tuple[str, str, str, list]:
    """(joins, team, adviser, params): the team and responsible adviser of client `c` as of
    the end of `day` (coverage definition 2: the latest move before, else the origin of the
    first move after, else the client's own columns)."""
    end = connection.ops.adapt_datetimefield_value(day_end(day))
    moves = connection.ops.quote_name(Assignment._meta.db_table)
    if connection.vendor == "postgresql":
        joins = (
            "LEFT JOIN (SELECT DISTINCT ON (client_id) client_id, to_team_id, to_adviser_id "
            f"FROM {moves} WHERE moved_at < %s ORDER BY client_id, moved_at DESC, id DESC) mb "
            "ON mb.client_id = c.id "
            "LEFT JOIN (SELECT DISTINCT ON (client_id) client_id, from_team_id, from_adviser_id "
            f"FROM {moves} WHERE moved_at >= %s ORDER BY client_id, moved_at, id) ma "
            "ON ma.client_id = c.id"
        )
        team = "COALESCE(mb.to_team_id, ma.from_team_id, c.team_id)"
        adviser = (
            "CASE WHEN mb.client_id IS NOT NULL THEN mb.to_adviser_id "
            "WHEN ma.client_id IS NOT NULL THEN ma.from_adviser_id "
            "ELSE c.responsible_adviser_id END"
        )
        return joins, team, adviser, [end, end]

    def move(column: str, after: bool) -> str:
        where = (
            "m.moved_at >= %s ORDER BY m.moved_at, m.id"
            if after
            else ("m.moved_at < %s ORDER BY m.moved_at DESC, m.id DESC")
        )
        return f"(SELECT m.{column} FROM {moves} m WHERE m.client_id = c.id AND {where} LIMIT 1)"

    before_exists = f"EXISTS (SELECT 1 FROM {moves} m WHERE m.client_id = c.id AND m.moved_at < %s)"
    after_exists = f"EXISTS (SELECT 1 FROM {moves} m WHERE m.client_id = c.id AND m.moved_at >= %s)"
    team = f"COALESCE({move('to_team_id', False)}, {move('from_team_id', True)}, c.team_id)"
    adviser = (
        f"CASE WHEN {before_exists} THEN {move('to_adviser_id', False)} "
        f"WHEN {after_exists} THEN {move('from_adviser_id', True)} "
        "ELSE c.responsible_adviser_id END"
    )
    return "", team, adviser, [end, end, end, end, end, end]
