"""Runs the benchmark: the bench database, the demo office, then the chosen sections."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from clients.models import Client

from .core import Bench
from .due_engine import due_engine
from .exports import exports
from .late import late_entries
from .pages import pages
from .seed import seed, use_database
from .throughput import http

# The sections, in the order they run by default (the bench command's --only choices).
SECTIONS: dict[str, Callable[[Bench], None]] = {
    "due_engine": due_engine,
    "pages": pages,
    "late_entries": late_entries,
    "exports": exports,
    "http": http,
}


def _demo_users() -> dict:
    names = ["adviser", "teamlead", "manager"]
    return {u.username: u for u in get_user_model().objects.filter(username__in=names)}


def bench_demo(bench: Bench) -> dict:
    """The late-entries section on the database as configured (the SQLite demo that
    `make run` builds), as an adviser's day there would meet it."""
    bench.users = _demo_users()
    if len(bench.users) < 3:
        raise RuntimeError("no demo office here: run `make run` (or manage.py seed_demo) first")
    bench.results = {
        "demo": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "clients": Client.objects.count(),
        "when": timezone.now().isoformat(),
        "cpus": os.cpu_count(),
    }
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    bench.log("late_entries …")
    late_entries(bench)
    return bench.results


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

    bench.users = _demo_users()
    for section in sections:
        bench.log(f"{section} …")
        SECTIONS[section](bench)
    return bench.results
