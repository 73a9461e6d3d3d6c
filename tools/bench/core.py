"""The bench run's settings and results, and the helpers its sections share."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

BASE_DIR = Path(settings.BASE_DIR)


class Rollback(Exception):
    """Raised to undo a measured write."""


@dataclass
class Bench:
    clients: int
    requests: int = 30
    http_seconds: int = 10
    page_budget_s: float = 90.0
    log: Callable[[str], None] = print
    results: dict = field(default_factory=dict)
    database: str = ""  # the bench database's name, once chosen
    users: dict = field(default_factory=dict)  # the demo's adviser, teamlead and manager

    def database_url(self) -> str:
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{self.database}"


def vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed_and_undone(
    action: Callable[[], int], prepare: Callable[[], None] | None = None
) -> tuple[float, int]:
    """Run `action` inside a transaction that is rolled back; (seconds, rows changed)."""
    out = {}
    try:
        with transaction.atomic():
            if prepare:
                prepare()
            started = time.perf_counter()
            out["rows"] = action()
            out["s"] = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return out["s"], out["rows"]


def median_of(
    runs: int, action: Callable[[], int], prepare: Callable[[], None] | None = None
) -> tuple[float, int]:
    results = [timed_and_undone(action, prepare) for _ in range(runs)]
    return statistics.median(r[0] for r in results), results[0][1]
