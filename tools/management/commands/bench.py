from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tools.bench.core import Bench
from tools.bench.runner import SECTIONS, bench_demo, bench_run


class Command(BaseCommand):
    help = "Benchmark at scale on PostgreSQL: every figure beside its floor (docs/scaling.md)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=1_000_000)
        parser.add_argument("--out", type=Path, help="Write the figures as JSON here.")
        parser.add_argument("--fresh", action="store_true", help="Rebuild the bench database.")
        parser.add_argument("--requests", type=int, default=30)
        parser.add_argument("--http-seconds", type=int, default=10)
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Measure the pages after late entries on the configured database (the demo "
            "that `make run` builds), without seeding.",
        )
        parser.add_argument("--only", nargs="*", choices=list(SECTIONS), default=list(SECTIONS))

    def handle(self, *args, clients, out, fresh, requests, http_seconds, only, demo, **options):
        bench = Bench(
            clients=clients, requests=requests, http_seconds=http_seconds, log=self.stdout.write
        )
        try:
            if demo:
                results = bench_demo(bench)
            else:
                results = bench_run(bench, reuse=not fresh, sections=only)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        text = json.dumps(results, indent=2, default=str)
        self.stdout.write(text)
        if out:
            out.write_text(text + "\n")
            self.stdout.write(self.style.SUCCESS(f"Figures written to {out}"))
        failed = [k for k, v in results.get("pages", {}).items() if "error" in v]
        failed += [
            f"late_entries {k}" for k in results.get("late_entries", {}).get("over_target", [])
        ]
        failed += ["http"] if "error" in results.get("http", {}) else []
        if failed:
            raise CommandError(f"bench: no figures for {', '.join(failed)}")
