"""Watch everything the configured log handlers write during a test run for identity codes.

The handlers' streams are wrapped: output still goes where it went, and any line that
looks like a Finnish personal identity code is kept (masked) for the report at the end.
"""

from __future__ import annotations

import logging

from teoffice.logging import IDENTITY_CODE, mask_identity_codes


class _Tee:
    def __init__(self, stream, found: list[str], written: list[int]):
        self._stream = stream
        self._found = found
        self._written = written

    def write(self, text: str) -> int:
        self._written[0] += 1
        if IDENTITY_CODE.search(text):
            self._found.append(mask_identity_codes(text.strip())[:300])
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def watch_log_output() -> tuple[list[str], callable, list[int]]:
    """Wrap every StreamHandler that settings.LOGGING configured.

    Returns (found, undo, written): the masked offending lines, a function that unwraps,
    and a one-item list counting the writes seen (to show the watch saw anything at all).
    """
    found: list[str] = []
    written = [0]
    wrapped = []
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and type(handler).__module__ == "logging":
                wrapped.append((handler, handler.stream))
                handler.stream = _Tee(handler.stream, found, written)

    def undo() -> None:
        for handler, stream in wrapped:
            handler.stream = stream

    return found, undo, written
