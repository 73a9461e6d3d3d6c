"""The project's own signals: how a low app tells a higher one that something happened,
without importing it (apps depend one way; see docs/architecture.md).

`history_changed` is sent, inside the writing transaction, by every service that writes
history dated in the past (a late interview, a no-show, a status change, an import): the
receivers (the reports' kept figures) rebuild or mark stale what they kept from `since` on.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `since` (a date): history on or after that day changed; and `client_ids`, the
# clients whose history it is (omitted: anyone's, e.g. a rule-set choice).
history_changed = Signal()
