"""Celery tasks: thin shells over services."""

from __future__ import annotations

from celery import shared_task

from .services import due_states_refresh


@shared_task(name="interviews.tasks.flag_due", acks_late=True)
def flag_due(full: bool = False) -> dict:
    run = due_states_refresh(full=full)
    return {"run": run.pk, "changed": run.changed, "skipped": run.skipped, "ms": run.duration_ms}
