from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from interviews import rulesets
from reports.services import coverage_snapshots_refresh
from tools.demo.office import is_seeded, seed_demo
from tools.demo.partners import seed_partners


class Command(BaseCommand):
    help = "Build a realistic, deterministic demo office (once; a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=4300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default="demo")
        parser.add_argument(
            "--rule-set",
            choices=rulesets.CODES,
            help="the office follows this interview rule set from the day it took effect in law "
            "(default: the law in force on each day)",
        )

    def handle(
        self, *args, clients: int, seed: int, password: str, rule_set: str | None, **options
    ):
        if clients < 1:
            self.stderr.write("--clients must be at least 1.")
            raise SystemExit(2)
        if is_seeded():
            self.stdout.write("The demo office is already seeded; nothing changed.")
            return
        started = time.perf_counter()
        result = seed_demo(
            clients=clients,
            seed=seed,
            password=password,
            rule_sets=[(rulesets.get(rule_set).in_law_from, rule_set)] if rule_set else [],
            progress=lambda msg: self.stdout.write(f"  … {msg}"),
        )
        seconds = time.perf_counter() - started
        seed_partners(password=password)

        kept = coverage_snapshots_refresh()
        self.stdout.write(f"  … coverage figures kept for {len(kept)} closed months")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.clients:,} clients, {result.interviews:,} interviews and "
                f"{result.plan_versions:,} plan versions in {result.teams} teams "
                f"({result.advisers} advisers) in {seconds:.1f} s."
            )
        )
        self.stdout.write(f"Demo logins (password: {password}):")
        for username, who in result.users:
            self.stdout.write(f"  {username:<14} {who}")
