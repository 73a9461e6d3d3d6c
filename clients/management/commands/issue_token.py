"""Print a user's API token, creating it if needed: `manage.py issue_token USERNAME [--rotate]`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from teoffice.api import api_token_issue


class Command(BaseCommand):
    help = (
        "Print the API token of USERNAME (creating one if the user has none). The API takes it "
        "as the header `Authorization: Token <key>`. --rotate replaces an existing token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--rotate", action="store_true", help="Replace the user's token with a new one."
        )

    def handle(self, *args, username: str, rotate: bool, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        if not user.is_active:
            raise CommandError(f"The user {username!r} is not active.")
        self.stdout.write(api_token_issue(user=user, rotate=rotate).key)
