"""teoffice settings, read from the environment (see .env.example and docs/operations.md).

With nothing set, the project runs as an embedded demo: a SQLite file and Celery tasks run
eagerly in-process. Production (DEBUG off) refuses to start with the default secret key.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from .logging_config import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEFAULT_SECRET_KEY = "insecure-dev-key-change-me"
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET_KEY)
TESTING = env_bool("TEOFFICE_TESTING")
if not DEBUG and not TESTING and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the default development key. Set SECRET_KEY in the environment, "
        "or DEBUG=true for a local demo."
    )

# Loopback is always allowed so that container health checks can reach /health/ and /ready/.
ALLOWED_HOSTS = [*env_list("ALLOWED_HOSTS"), "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "teoffice",
    "teams",
    "clients",
    "interviews",
    "plans",
    "notifications",
    "reports",
    "partners",
    "audit",
    "importing",
    "tools",
    "axes",
]

MIDDLEWARE = [
    "teoffice.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "teoffice.middleware.SessionRenewMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "teoffice.middleware.NoStoreMiddleware",
    "teoffice.db_routing.WroteRecentlyMiddleware",  # reads after a write stay on the primary  # no-store for signed-in users and the API
    "teoffice.i18n.ProfileLanguageMiddleware",  # the signed-in user's language beats the browser's
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "partners.middleware.PartnerPortalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused sign-in into the lock-out page
]

ROOT_URLCONF = "teoffice.urls"
WSGI_APPLICATION = "teoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teams.context_processors.membership",
            ],
        },
    },
]

# A covering index's included columns (reports.ActivityCount) exist on PostgreSQL only; on
# the embedded SQLite the index simply has its key columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# DATABASE_URL unset: a SQLite file, the embedded default for trying the product out.
# Persistent connections are checked (one `SELECT 1`) before their first use in each request
# or task, so a database restart or fail-over costs a reconnect, not a failed request.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs seconds on the reports' large statements and saves nothing on
    # the short ones; a report's hashes and sorts get memory instead of temporary files; and
    # index reads are costed as on SSD or cached data (the default 4 assumes spinning disks
    # and made the team dashboard hash-join all clients instead of reading its few).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options",
        f"-c jit=off -c work_mem={env('DB_WORK_MEM', '32MB')} "
        f"-c random_page_cost={env('DB_RANDOM_PAGE_COST', '1.1')}",
    )

# A PostgreSQL streaming replica for the read-heavy pages (teoffice/db_routing.py and
# docs/operations.md). Tests read it as a mirror of the test database.
if env("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = {
        **dj_database_url.parse(
            env("DATABASE_REPLICA_URL"), conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
        ),
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 2},
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["teoffice.db_routing.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = float(env("REPLICA_MAX_LAG_SECONDS", "5"))
REPLICA_CHECK_SECONDS = float(env("REPLICA_CHECK_SECONDS", "5"))
REPLICA_DOWN_SECONDS = float(env("REPLICA_DOWN_SECONDS", "30"))
REPLICA_AFTER_WRITE_SECONDS = int(env("REPLICA_AFTER_WRITE_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # The suite creates thousands of users: a fast hash there (TESTING is never set in
    # production, where the default PBKDF2 applies).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The office default is Finnish; the user's profile, then the browser's Accept-Language win.
# (The test suite runs in English: tests/conftest.py sets LANGUAGE_CODE per test.)
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", "Suomi"), ("sv", "Svenska"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["teoffice.formats"]  # d.m.yyyy also in Swedish (Finland), 24-hour times
USE_THOUSAND_SEPARATOR = True
# The accessibility statement's feedback address (/accessibility/).
ACCESSIBILITY_FEEDBACK_EMAIL = env(
    "ACCESSIBILITY_FEEDBACK_EMAIL", "saavutettavuus@teoffice.example"
)
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))

# Security: cookies, headers and the Content-Security-Policy (no inline scripts or styles).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(60 * 60)))  # one idle hour
# The age counts from the last request (inactivity expiry), renewed at most once a minute
# rather than written on every request (teoffice.middleware.SessionRenewMiddleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = 60
SESSION_COOKIE_SECURE = not DEBUG and not TESTING
CSRF_COOKIE_SECURE = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG and not TESTING)
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^ready/$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG or TESTING else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Sign-in: django-axes throttles failed sign-ins per username and address, and per address; OIDC (the
# organisation's sign-in) is on when OIDC_RP_CLIENT_ID is set. Tests turn axes on themselves.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "teams.backends.MemberBackend",  # ModelBackend, loading the user's team with the user
]
AXES_ENABLED = env_bool("AXES_ENABLED", default=not TESTING)
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
# Per account and address, and per address alone (many accounts tried from one address):
# audit/throttle.py gives the address its own, higher limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_ADDRESS_FAILURE_LIMIT = int(env("AXES_ADDRESS_FAILURE_LIMIT", "20"))
AXES_HANDLER = "audit.throttle.AddressAwareHandler"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins need no row each; failures are kept
AXES_LOCKOUT_TEMPLATE = "audit/locked_out.html"
# The client's address as the access log reads it: the X-Forwarded-For entry that the
# TRUSTED_PROXY_COUNT-th proxy from the app appended (REMOTE_ADDR with no proxy).
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
AUDIT_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
if OIDC_ENABLED:
    OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile")
    OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
    OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
    OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT")
    OIDC_CREATE_USER = False  # only existing accounts, matched by username or e-mail
    OIDC_USE_PKCE = True
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(1, "audit.oidc.ExistingAccountsOIDCBackend")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Celery. REDIS_URL unset: tasks run eagerly in-process, so the demo needs no broker.
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
# Tasks record what they did in the database (e.g. DueRun); no result backend to depend on.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "teoffice")
CELERY_TIMEZONE = TIME_ZONE
# No task is lost with its worker (docs/operations.md, "What a crash costs"): a message is
# acknowledged only after its task ran, and a task whose pool process died (the OOM killer) is
# put back on the queue at once. A whole worker killed leaves its message unacknowledged in
# Redis, which gives it back after the visibility timeout: longer than the longest task (the
# hard time limit below), or a task still running would be handed out a second time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 60 * 60  # the longest task (a full due run on 1M clients: minutes)
BROKER_VISIBILITY_TIMEOUT = int(env("CELERY_VISIBILITY_TIMEOUT", str(2 * 60 * 60)))
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that enqueues must not hang on a dead broker: fail fast, the caller falls back.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
    # kombu looks for abandoned messages every interval × throttle seconds (default 10 × 10).
    "unacked_restore_interval": int(env("CELERY_RESTORE_INTERVAL", "10")),
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5

# The beat schedule, in one place.
CELERY_BEAT_SCHEDULE = {
    "flag-due-daily": {
        "task": "interviews.tasks.flag_due",
        "schedule": 60 * 60 * 24,
        "options": {"expires": 60 * 60 * 6},
    },
    # Coverage figures of closed months, kept for the dashboards and reports.
    "coverage-snapshots-daily": {
        "task": "interviews.tasks.coverage_snapshots",
        "schedule": 60 * 60 * 24,
        "options": {"expires": 60 * 60 * 6},
    },
}
# Appointment reminders for tomorrow, once a day (idempotent: re-runs send nothing twice).
CELERY_BEAT_SCHEDULE["appointment-reminders-daily"] = {
    "task": "interviews.tasks.appointment_reminders_send",
    "schedule": 60 * 60 * 24,
    "options": {"expires": 60 * 60 * 6},
}
if env("REMINDERS_AT"):  # "HH:MM" local time, e.g. "10:00"
    from celery.schedules import crontab

    _r_hour, _r_minute = env("REMINDERS_AT").split(":")
    CELERY_BEAT_SCHEDULE["appointment-reminders-daily"]["schedule"] = crontab(
        hour=_r_hour, minute=_r_minute
    )
if env("FLAG_DUE_AT"):  # "HH:MM" local time instead of every 24 hours from beat start
    from celery.schedules import crontab

    _hour, _minute = env("FLAG_DUE_AT").split(":")
    CELERY_BEAT_SCHEDULE["flag-due-daily"]["schedule"] = crontab(hour=_hour, minute=_minute)

# The outbox of client messages: whatever the fast path did not send (a broker outage, a lost
# worker) goes out within a minute of the broker being back (notifications.tasks).
CELERY_BEAT_SCHEDULE["notifications-deliver"] = {
    "task": "notifications.tasks.notifications_deliver",
    "schedule": 60,
    "options": {"expires": 55},
}

# The previous month's coverage reports, built on the 1st of each month (reports.tasks).
from celery.schedules import crontab as _crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["monthly-coverage-reports"] = {
    "task": "reports.tasks.monthly_reports_build",
    "schedule": _crontab(minute=30, hour=3, day_of_month=1),
    "options": {"expires": 60 * 60 * 20},
}

# The interview rule's parameters (interviews/rules.py is the one place that reads them).
INTERVIEW_INTERVAL_MONTHS = int(env("INTERVIEW_INTERVAL_MONTHS", "3"))
INTERVIEW_FIRST_WITHIN_DAYS = int(env("INTERVIEW_FIRST_WITHIN_DAYS", "14"))
INTERVIEW_DUE_SOON_DAYS = int(env("INTERVIEW_DUE_SOON_DAYS", "14"))

REST_FRAMEWORK = {
    # Token first: an anonymous API call then answers 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "teoffice API",
    "DESCRIPTION": (
        "Clients, interviews, appointments, employment plans, teams and coverage.\n\n"
        "**Authentication**: a session (signed in to teoffice) or a token: send "
        "`Authorization: Token <key>`; an administrator issues keys with "
        "`python manage.py issue_token USERNAME` or the admin's *Issue API token* action.\n\n"
        "**Access** is the same as on the pages: an adviser or team lead sees the clients of "
        "their own team, a manager those of the teams in scope; any other id answers 404. "
        "Writes need membership of the client's team.\n\n"
        "**Identity codes** are read back masked (`131052-****`). `GET /api/v1/clients/{id}/"
        "?reveal=true` shows the full code to a member of the client's team, and is logged.\n\n"
        "**Example**: a team's overdue clients: "
        "`GET /api/v1/clients/?team=<id>&due_state=overdue`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ClientStatusEnum": "clients.models.Status",
        "AppointmentStatusEnum": "interviews.choices.AppointmentStatus",
        "InterviewKindEnum": "interviews.choices.InterviewKind",
        "ActionKindEnum": "plans.models.ActionKind",
        "ActionStatusEnum": "plans.models.ActionStatus",
        "ActionOutcomeEnum": "partners.models.ReferralOutcome",
        "InterviewOutcomeEnum": "interviews.choices.Outcome",
    },
}

MAILERS = {
    "default": {
        "BACKEND": env(
            "MAIL_BACKEND",
            "django.core.mail.backends.console.EmailBackend"
            if DEBUG or TESTING
            else "django.core.mail.backends.smtp.EmailBackend",
        ),
    }
}
if env("MAIL_HOST"):  # the SMTP backend's options for client confirmations and reminders
    MAILERS["default"]["OPTIONS"] = {
        "host": env("MAIL_HOST"),
        "port": int(env("MAIL_PORT", "587")),
        "username": env("MAIL_USER") or None,
        "password": env("MAIL_PASSWORD") or None,
        "use_tls": env_bool("MAIL_USE_TLS", default=True),
        "timeout": int(env("MAIL_TIMEOUT", "10")),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@teoffice.invalid")
# Client text messages: a dotted path to a class with send(*, to, text) (notifications/sms.py).
SMS_GATEWAY = env("SMS_GATEWAY", "notifications.sms.ConsoleSmsGateway")
if SMS_GATEWAY.startswith("partners.sms."):  # the gateways' module until they moved: still works
    SMS_GATEWAY = "notifications.sms." + SMS_GATEWAY.removeprefix("partners.sms.")
# With DEBUG off, console mail and SMS (messages written to the log, never sent) must be
# chosen explicitly; otherwise a system check stops the start (notifications/delivery.py).
ALLOW_CONSOLE_NOTIFICATIONS = env_bool("ALLOW_CONSOLE_NOTIFICATIONS")

# Structured logs (teoffice/logging.py; the dict in teoffice/logging_config.py): JSON lines in
# production, text in development; every line has request_id and user_id; identity codes are
# masked as a safety net.
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG or TESTING else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", "INFO"))
# Celery workers log through the LOGGING above instead of replacing the root logger.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
