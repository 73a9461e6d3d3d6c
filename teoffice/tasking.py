"""Enqueue Celery tasks after commit, without ever failing a web request on a dead broker."""

from __future__ import annotations

import logging

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits.

    If the broker (Redis) is down the task is not lost silently: it is logged, and the
    periodic jobs that own the same work (the daily due run) catch up on their next run.
    """

    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except (OperationalError, ConnectionError, OSError) as exc:
            logger.warning("broker unavailable, task %s not enqueued: %s", task.name, exc)

    transaction.on_commit(send)
