"""Where client messages and e-mail really go: the configured mail backend and SMS gateway,
and whether they reach anyone.

The console gateways (and Django's console, in-memory, file and dummy mail backends) write
to the log, or nowhere, instead of sending: right for development, the demo and tests, and
quietly wrong in production, where confirmations and reminders would never reach clients and
a password-reset link would land in the log. With DEBUG off they need an explicit choice,
ALLOW_CONSOLE_NOTIFICATIONS=true (notifications.checks refuses to start without it), and
/ready/ reports what is configured.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

LOG_ONLY_MAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
LOG_ONLY_SMS_GATEWAYS = frozenset(
    {"notifications.sms.ConsoleSmsGateway", "notifications.sms.TestSmsGateway"}
)


@dataclass(frozen=True)
class Backends:
    mail: str  # the mail backend's dotted path
    mail_host: str  # the SMTP host, "" when none is set
    sms: str  # the SMS gateway's dotted path

    @property
    def mail_delivers(self) -> bool:
        """Mail leaves this installation (as far as configuration can tell)."""
        if self.mail in LOG_ONLY_MAIL_BACKENDS:
            return False
        return self.mail != SMTP_BACKEND or bool(self.mail_host)

    @property
    def sms_delivers(self) -> bool:
        return self.sms not in LOG_ONLY_SMS_GATEWAYS


def readiness() -> dict:
    """What /ready/ says of notifications: each backend's short name and whether it sends.
    "log_only" when either only writes to the log; `chosen` when that was said explicitly
    (ALLOW_CONSOLE_NOTIFICATIONS) or is the development or test set-up."""
    configured = backends()
    delivers = configured.mail_delivers and configured.sms_delivers
    return {
        "status": "ok" if delivers else "log_only",
        "chosen": delivers
        or bool(settings.DEBUG or settings.TESTING or settings.ALLOW_CONSOLE_NOTIFICATIONS),
        "mail": {
            "backend": configured.mail.rsplit(".", 2)[-2],  # smtp, console, locmem, …
            "sends": configured.mail_delivers,
        },
        "sms": {"gateway": configured.sms.rsplit(".", 1)[-1], "sends": configured.sms_delivers},
    }


def backends() -> Backends:
    mailer = settings.MAILERS.get("default", {})
    return Backends(
        mail=mailer.get("BACKEND", SMTP_BACKEND),
        mail_host=(mailer.get("OPTIONS") or {}).get("host") or "",
        sms=settings.SMS_GATEWAY,
    )


def production_problems() -> list[tuple[str, str, str]]:
    """(id, message, hint) for each way production would quietly not notify anyone: only
    with DEBUG off, outside the test suite, and unless ALLOW_CONSOLE_NOTIFICATIONS says the
    log is meant."""
    if settings.DEBUG or settings.TESTING or settings.ALLOW_CONSOLE_NOTIFICATIONS:
        return []
    configured = backends()
    problems = []
    choose = (
        "or set ALLOW_CONSOLE_NOTIFICATIONS=true to write client messages to the log on "
        "purpose (a demo or staging)."
    )
    if configured.mail in LOG_ONLY_MAIL_BACKENDS:
        problems.append(
            (
                "notifications.E001",
                f"E-mail is not sent: MAIL_BACKEND is {configured.mail} with DEBUG off, so "
                "confirmations, reminders and password-reset links go to the log.",
                f"Set MAIL_BACKEND to the SMTP backend and MAIL_HOST, {choose}",
            )
        )
    elif not configured.mail_delivers:
        problems.append(
            (
                "notifications.E002",
                "E-mail cannot be sent: the SMTP backend has no MAIL_HOST.",
                f"Set MAIL_HOST (and MAIL_PORT, MAIL_USER, MAIL_PASSWORD), {choose}",
            )
        )
    if not configured.sms_delivers:
        problems.append(
            (
                "notifications.E003",
                f"Text messages are not sent: SMS_GATEWAY is {configured.sms} with DEBUG off, "
                "so phone numbers and message texts go to the log.",
                f"Set SMS_GATEWAY to your operator's gateway class, {choose}",
            )
        )
    return problems
