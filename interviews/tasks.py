"""Celery tasks: thin shells over services."""

from __future__ import annotations

from celery import shared_task

from reports.services import coverage_snapshots_refresh

from .services import due_states_refresh

# A due run that finds another holding the lock tries again this often, so that a run whose
# worker died (its database session may hold the lock for a while after) is done all the same.
SKIPPED_RUN_RETRY_SECONDS = 10
SKIPPED_RUN_RETRIES = 30


@shared_task(
    bind=True, name="interviews.tasks.flag_due", acks_late=True, max_retries=SKIPPED_RUN_RETRIES
)
def flag_due(self, full: bool = False) -> dict:
    run = due_states_refresh(full=full)
    if run.skipped and not self.request.is_eager and self.request.retries < self.max_retries:
        # The other run may be a dead worker's: retry until the lock is free. A retry after
        # a finished run changes nothing (the run is idempotent), so the work is done once.
        raise self.retry(countdown=SKIPPED_RUN_RETRY_SECONDS)
    return {"run": run.pk, "changed": run.changed, "skipped": run.skipped, "ms": run.duration_ms}


@shared_task(name="interviews.tasks.coverage_snapshots", acks_late=True)
def coverage_snapshots() -> dict:
    """Keep the coverage figures of the last 13 closed month ends (missing or stale ones)."""
    built = coverage_snapshots_refresh()
    return {"built": [day.isoformat() for day in built]}
