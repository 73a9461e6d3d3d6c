"""Celery tasks of reports: thin shells over services."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from .services import stored_reports_build


@shared_task(name="reports.tasks.monthly_reports_build", acks_late=True)
def monthly_reports_build(month: str | None = None) -> dict:
    """On the 1st: the previous month's coverage report for every office and followed
    service line. `month` ("YYYY-MM-DD", any day of it) rebuilds a missing past month."""
    built = stored_reports_build(month=dt.date.fromisoformat(month) if month else None)
    return {"built": [r.pk for r in built]}
