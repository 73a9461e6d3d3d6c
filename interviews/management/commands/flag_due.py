from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from interviews.services import due_states_refresh


class Command(BaseCommand):
    help = "Bring every client's interview due state up to date (the daily due run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--full",
            action="store_true",
            help="Also recompute last interview and next-due date from the interviews.",
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Compute as of this day.")

    def handle(self, *args, full: bool, today: dt.date | None, **options):
        run = due_states_refresh(today=today, full=full)
        if run.skipped:
            self.stdout.write(self.style.WARNING("Another due run is in progress; skipped."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.get_mode_display()} due run as of {run.as_of}: "
                f"{run.changed} clients changed state in {run.duration_ms} ms."
            )
        )
