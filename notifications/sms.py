"""SMS gateways, chosen by the SMS_GATEWAY setting (a dotted path to a class).

A gateway has one method, `send(*, to, text)`, which returns a message id or raises
`SmsError`. Ship: `ConsoleSmsGateway` (logs the message; the default) and `TestSmsGateway`
(keeps messages in memory and can be told to fail). A real operator's HTTP API is one more
small class with the same method.
"""

from __future__ import annotations

import abc
import itertools
import logging
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not accept the message; sending may be retried."""


class SmsGateway(abc.ABC):
    """The interface every gateway named in the SMS_GATEWAY setting implements."""

    @abc.abstractmethod
    def send(self, *, to: str, text: str) -> str:
        """Send `text` to the number `to`; return the gateway's message id."""


class ConsoleSmsGateway(SmsGateway):
    """Writes the message to the log instead of sending it (development, demo)."""

    _ids = itertools.count(1)

    def send(self, *, to: str, text: str) -> str:
        message_id = f"console-{next(self._ids)}"
        logger.info("SMS %s to %s: %s", message_id, to, text)
        return message_id


@dataclass
class SentSms:
    to: str
    text: str


class TestSmsGateway(SmsGateway):
    """An in-memory gateway for tests: `outbox` holds what was sent; set `fail_next` to make
    the next N sends raise SmsError."""

    outbox: ClassVar[list[SentSms]] = []
    fail_next: ClassVar[int] = 0

    @classmethod
    def reset(cls) -> None:
        cls.outbox = []
        cls.fail_next = 0

    def send(self, *, to: str, text: str) -> str:
        if TestSmsGateway.fail_next > 0:
            TestSmsGateway.fail_next -= 1
            raise SmsError("test gateway: temporary failure")
        TestSmsGateway.outbox.append(SentSms(to=to, text=text))
        return f"test-{len(TestSmsGateway.outbox)}"


def sms_gateway() -> SmsGateway:
    return import_string(settings.SMS_GATEWAY)()
