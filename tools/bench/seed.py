"""The bench database (teoffice_bench_<N>, beside the configured one) and the demo office in
it, with the coverage figures the reports keep."""

from __future__ import annotations

import time

import psycopg2
from django.core.management import call_command
from django.db import connection, connections

from reports.services import coverage_snapshots_refresh
from tools.demo.office import is_seeded, seed_demo

from .core import Bench, vacuum


def use_database(bench: Bench, *, reuse: bool) -> bool:
    """Point Django at teoffice_bench_<N>; create it if needed. True if already seeded."""
    base = dict(connection.settings_dict)
    name = f"{base['NAME']}_bench_{bench.clients}"
    admin = psycopg2.connect(
        dbname="postgres",
        user=base["USER"],
        password=base["PASSWORD"],
        host=base["HOST"] or None,
        port=base["PORT"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and not reuse:
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    connections["default"].close()
    connections.databases["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    bench.database = name
    call_command("migrate", verbosity=0, skip_checks=True)
    return exists and is_seeded()


def seed(bench: Bench, *, seeded: bool) -> None:

    if seeded:
        bench.log(f"reusing {bench.database} (already seeded)")
        bench.results["seed_s"] = None
    else:
        bench.log(f"seeding {bench.clients:,} clients into {bench.database} …")
        started = time.perf_counter()
        seed_demo(clients=bench.clients, seed=1, progress=lambda m: None)
        bench.results["seed_s"] = round(time.perf_counter() - started, 1)
        bench.log(f"  seed_s = {bench.results['seed_s']}")
        vacuum()
    started = time.perf_counter()
    built = coverage_snapshots_refresh()
    bench.results["coverage_snapshots"] = {
        "built": len(built),
        "s": round(time.perf_counter() - started, 1),
    }
    if built:  # the kept months' million rows: the planner must know them
        vacuum()
    bench.log(
        f"  coverage snapshots built for {len(built)} closed months in "
        f"{bench.results['coverage_snapshots']['s']} s"
    )
