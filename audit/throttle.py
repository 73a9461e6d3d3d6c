"""Sign-in throttling (django-axes) per user name and address, and per address alone.

AXES_LOCKOUT_PARAMETERS lists two groups: `["username", "ip_address"]` (one account guessed
from one address: locked after AXES_FAILURE_LIMIT failures) and `"ip_address"` (many accounts
tried from one address, e.g. a password sprayed over 30 user names: locked after
AXES_ADDRESS_FAILURE_LIMIT failures). axes has one limit for all groups, so this handler
scales the per-address count to it. The address is the client's as django-ipware reads it
behind TRUSTED_PROXY_COUNT proxies (docs/operations.md).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class AddressAwareHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_account, per_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        # per_address reaches its own limit exactly when the scaled count reaches axes' limit.
        scaled = per_address * settings.AXES_FAILURE_LIMIT // settings.AXES_ADDRESS_FAILURE_LIMIT
        return max(per_account, scaled)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        # A successful sign-in clears that account's failures from this address only: signing
        # in to one's own account must not wipe an address's count of other accounts tried.
        per_account = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_account.delete()
        return count
