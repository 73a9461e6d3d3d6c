"""Celery tasks: thin shells over services."""

from __future__ import annotations

from celery import shared_task

from reports.services import coverage_snapshots_refresh

from .services import due_states_refresh


@shared_task(name="interviews.tasks.flag_due", acks_late=True)
def flag_due(full: bool = False) -> dict:
    run = due_states_refresh(full=full)
    return {"run": run.pk, "changed": run.changed, "skipped": run.skipped, "ms": run.duration_ms}


@shared_task(name="interviews.tasks.coverage_snapshots", acks_late=True)
def coverage_snapshots() -> dict:
    """Keep the coverage figures of the last 13 closed month ends (missing or stale ones)."""
    built = coverage_snapshots_refresh()
    return {"built": [day.isoformat() for day in built]}
