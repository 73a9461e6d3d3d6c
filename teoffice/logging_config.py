"""The LOGGING setting: structured logs through teoffice/logging.py's filters and formatters.

JSON lines in production, text in development (settings picks `log_format`); every line has
request_id and user_id; identity codes are masked as a safety net.
"""

from __future__ import annotations

from typing import Any


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """The dictConfig for settings.LOGGING: `log_format` names the formatter ("text" or
    "json"), `level` is the root logger's level."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "teoffice.logging.RequestContextFilter"},
            "mask_identity_codes": {"()": "teoffice.logging.MaskIdentityCodesFilter"},
        },
        "formatters": {
            "text": {
                "format": "%(asctime)s %(levelname)s %(name)s [req=%(request_id)s user=%(user_id)s] %(message)s"
            },
            "json": {"()": "teoffice.logging.json_formatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context", "mask_identity_codes"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "INFO"}},
    }
