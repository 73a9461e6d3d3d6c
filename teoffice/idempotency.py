"""One row per intent: a form's one-time submission key.

A form carries a fresh UUID in a hidden field; the row it creates stores it in a unique,
nullable `submission_key` column. A second submit with the same key (a double click, two
concurrent POSTs, back-and-resubmit of the same page) finds the row the first one made
instead of making another. Under concurrency the unique index decides: the loser's INSERT
fails with IntegrityError once the winner commits, and it answers with the winner's row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db import IntegrityError, models, transaction


def first_with_key[T: models.Model](model: type[T], submission_key: uuid.UUID | None) -> T | None:
    """The row an earlier submit with this key made, if any."""
    if submission_key is None:
        return None
    return model._default_manager.filter(submission_key=submission_key).first()


def create_once[T: models.Model](
    model: type[T], submission_key: uuid.UUID | None, create: Callable[[], T]
) -> tuple[T, bool]:
    """Run `create` (which writes a `model` row stamped with `submission_key`) once per key.

    Returns (row, created). Callers check `first_with_key` before their own validation when
    a repeat must answer with the first row even if the situation has changed since (the
    appointment is now booked, so a second check would call it a clash).
    """
    existing = first_with_key(model, submission_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        existing = first_with_key(model, submission_key)
        if existing is None:
            raise
        return existing, False
