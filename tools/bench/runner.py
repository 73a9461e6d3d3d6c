"""Runs the benchmark: the bench database, the demo office, then the chosen sections."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from .core import Bench
from .due_engine import due_engine
from .exports import exports
from .pages import pages
from .seed import seed, use_database
from .throughput import http

# The sections, in the order they run by default (the bench command's --only choices).
SECTIONS: dict[str, Callable[[Bench], None]] = {
    "due_engine": due_engine,
    "pages": pages,
    "exports": exports,
    "http": http,
}


def bench_run(bench: Bench, *, reuse: bool, sections: list[str]) -> dict:
    """Seed the bench database if needed, then measure `sections` (SECTIONS' keys)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("the benchmark needs PostgreSQL: set DATABASE_URL")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # Django's test client
    bench.results = {
        "clients": bench.clients,
        "when": timezone.now().isoformat(),
        "cpus": os.cpu_count(),
    }
    seed(bench, seeded=use_database(bench, reuse=reuse))
    bench.results["database"] = bench.database

    bench.users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["adviser", "teamlead", "manager"])
    }
    for section in sections:
        bench.log(f"{section} …")
        SECTIONS[section](bench)
    return bench.results
