"""The due engine's daily and full runs against their floors: one hand-written SQL statement
each, doing the same work."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from interviews import rules, rulesets
from interviews.services import due_states_refresh

from .core import Bench, median_of, timed_and_undone, vacuum


def due_engine(bench: Bench) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    soon = tomorrow + dt.timedelta(days=rules.due_soon_days())

    def daily() -> int:
        return due_states_refresh(today=tomorrow).changed

    def daily_floor() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE clients_client SET due_state = CASE
                    WHEN next_due_date IS NULL THEN 'not_required'
                    WHEN next_due_date < %(day)s THEN 'overdue'
                    WHEN next_due_date <= %(soon)s THEN 'due_soon' ELSE 'ok' END
                WHERE (due_state = 'ok' AND next_due_date <= %(soon)s)
                   OR (due_state = 'due_soon' AND next_due_date < %(day)s)
                   OR (due_state = 'due_soon' AND next_due_date > %(soon)s)
                   OR (due_state = 'overdue' AND next_due_date >= %(day)s)
                   OR (due_state = 'not_required' AND next_due_date IS NOT NULL)
                   OR (due_state IN ('ok', 'due_soon', 'overdue') AND next_due_date IS NULL)
                """,
                {"day": tomorrow, "soon": soon},
            )
            return cursor.rowcount

    s, rows = median_of(3, daily)
    floor_s, floor_rows = median_of(3, daily_floor)
    assert rows == floor_rows, (rows, floor_rows)
    bench.results["flag_due_daily"] = {
        "s": round(s, 3),
        "floor_s": round(floor_s, 3),
        "ratio": round(s / floor_s, 2),
        "clients_changed": rows,
        "share_changed_pct": round(100 * rows / bench.clients, 2),
    }
    bench.log(f"  flag_due daily: {s:.3f} s vs floor {floor_s:.3f} s ({rows:,} changed)")

    def invalidate() -> None:
        # Make every derived column wrong, so the full recompute rewrites every row.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE clients_client SET last_held_on = NULL, last_channel = '', "
                "next_due_date = NULL, due_state = 'ok'"
            )

    def full() -> int:
        return due_states_refresh(today=tomorrow, full=True).changed

    # The floor's simplified rule: the law in force today, calendar days, no look-ups.
    law = rulesets.get(rulesets.law_code_on(tomorrow))
    months, first = law.interval_months, law.first_within_days
    required = tuple(sorted(law.required_statuses))
    kinds = tuple(sorted(law.clock_kinds))

    def full_floor() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                WITH last AS (
                    SELECT DISTINCT ON (client_id) client_id,
                           (held_at AT TIME ZONE %(zone)s)::date AS day, channel
                    FROM interviews_interview WHERE outcome = 'held' AND kind IN %(kinds)s
                    ORDER BY client_id, held_at DESC, id DESC),
                computed AS (
                    SELECT c.id, l.day, COALESCE(l.channel, '') AS channel,
                        CASE WHEN c.status IN %(required)s AND l.day >= c.status_since
                                 THEN (l.day + interval '{months} months')::date
                             WHEN c.status IN %(required)s THEN c.status_since + {first}
                        END AS due
                    FROM clients_client c LEFT JOIN last l ON l.client_id = c.id)
                UPDATE clients_client c SET
                    last_held_on = x.day, last_channel = x.channel, next_due_date = x.due,
                    due_state = CASE WHEN x.due IS NULL THEN 'not_required'
                        WHEN x.due < %(day)s THEN 'overdue'
                        WHEN x.due <= %(soon)s THEN 'due_soon' ELSE 'ok' END
                FROM computed x WHERE x.id = c.id
                """,
                {
                    "zone": settings.TIME_ZONE,
                    "required": required,
                    "kinds": kinds,
                    "day": tomorrow,
                    "soon": soon,
                },
            )
            return cursor.rowcount

    # Each run rewrites every row: median of three, the product's and the floor's runs
    # taking turns so that drift on a shared machine falls on both alike.
    runs: dict[str, list[tuple[float, int]]] = {"full": [], "floor": []}
    for _ in range(3):
        for name, action in (("full", full), ("floor", full_floor)):
            vacuum()  # each starts from a table without the last run's dead rows
            runs[name].append(timed_and_undone(action, invalidate))
    vacuum()
    s, rows = sorted(runs["full"])[1]
    floor_s, floor_rows = sorted(runs["floor"])[1]
    bench.results["flag_due_full"] = {
        "s": round(s, 3),
        "floor_s": round(floor_s, 3),
        "ratio": round(s / floor_s, 2),
        "clients_changed": rows,
        "floor_rows": floor_rows,
    }
    bench.log(f"  flag_due full: {s:.3f} s vs floor {floor_s:.3f} s")
