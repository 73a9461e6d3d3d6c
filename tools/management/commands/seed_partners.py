from __future__ import annotations

from django.core.management.base import BaseCommand

from tools.demo.partners import DEMO_PARTNER_USERNAME, seed_partners


class Command(BaseCommand):
    help = "Create the demo partners and the partner-portal login (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", default="demo")

    def handle(self, *args, password: str, **options) -> None:
        partner = seed_partners(password=password)
        self.stdout.write(
            f"Demo partners ready; portal login '{DEMO_PARTNER_USERNAME}' works for {partner}."
        )
