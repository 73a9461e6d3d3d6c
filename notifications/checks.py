"""System checks: production must not quietly write client messages to the log instead of
sending them (notifications.delivery). They run with `manage.py check` (and `check
--deploy`), `migrate` and `runserver`, so a release with a console backend and DEBUG off
stops at its migrate step with the message below."""

from __future__ import annotations

from django.core.checks import Error

from .delivery import production_problems


def notification_backends_check(app_configs=None, **kwargs) -> list[Error]:
    return [Error(message, hint=hint, id=id_) for id_, message, hint in production_problems()]
