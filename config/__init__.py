"""Settings in layers: safe defaults in code, overridden by environment variables.

`load_config()` picks the class from `RECRUIT_ENV` (development, testing, production).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def database_url(raw: str | None) -> str:
    """Normalise a DATABASE_URL so that PostgreSQL uses psycopg 3."""
    if not raw:
        return f"sqlite:///{INSTANCE / 'recruit.db'}"
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    return raw


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0")
    SMTP_URL = os.environ.get("SMTP_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "recruit@localhost")
    ORG_NAME = os.environ.get("RECRUIT_ORG_NAME", "Riverside Care")
    BASE_URL = os.environ.get("RECRUIT_BASE_URL", "http://127.0.0.1:5000")
    TIMEZONE = os.environ.get("RECRUIT_TIMEZONE", "Europe/London")
    LOG_FORMAT = os.environ.get("RECRUIT_LOG_FORMAT", "text")  # or "json", one object a line
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: none, so
    # the client's address is the connection's). Sign-in limits per address rely on it.
    TRUSTED_PROXIES = int(os.environ.get("RECRUIT_TRUSTED_PROXIES", "0"))

    MAX_CONTENT_LENGTH = 1 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_PROTECTION = "basic"
    REMEMBER_COOKIE_DURATION = 0
    # Exports and admin actions need a password sign-in (or "Confirm it is you") this recent.
    FRESH_LOGIN_MINUTES = float(os.environ.get("RECRUIT_FRESH_LOGIN_MINUTES", "15"))
    WTF_CSRF_TIME_LIMIT = None  # no time-outs: a form left open all day still submits
    FORCE_HTTPS = False

    API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "720"))
    SIGN_IN_LIMIT = "10 per 5 minutes"
    # Any 5 minutes, not each clock-aligned 5 minutes: a fixed window would let 20 failures
    # through in a few seconds either side of a boundary.
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "") or None
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    DEFAULT_USER_RATE_LIMIT = "600 per minute"

    # Argon2id parameters (RFC 9106 second recommended option, lighter memory for small servers).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    ARGON2_PARALLELISM = 2

    CELERY_TASK_ALWAYS_EAGER = False
    OUTBOX_DISPATCH_SECONDS = float(os.environ.get("OUTBOX_DISPATCH_SECONDS", "5"))
    # After a failed nudge (Redis down), requests stop trying for this long; beat dispatches.
    OUTBOX_NUDGE_BACKOFF_SECONDS = float(os.environ.get("OUTBOX_NUDGE_BACKOFF_SECONDS", "30"))
    # A refused email is tried again after base * 2**attempts seconds (2, 4, 8, 16 by default).
    # A panel member who has not sent scores is reminded this long after the interview ended.
    REMINDER_AFTER_HOURS = float(os.environ.get("REMINDER_AFTER_HOURS", "2"))
    # Co-evaluation: the people supported are asked how the new staff member is doing this
    # many months after the appointment (each number is one check-in).
    COEVALUATION_AFTER_MONTHS = os.environ.get("COEVALUATION_AFTER_MONTHS", "3,6")
    # The workers check the audit trail and note its head (a checkpoint) this often.
    AUDIT_VERIFY_HOURS = float(os.environ.get("AUDIT_VERIFY_HOURS", "24"))
    EMAIL_RETRY_BASE_SECONDS = float(os.environ.get("EMAIL_RETRY_BASE_SECONDS", "1"))
    # An outbox row left queued or being sent this long was lost (with the broker's data, or
    # with a worker that died) and is handed over again. Longer than any task may run (300 s).
    OUTBOX_REQUEUE_SECONDS = float(os.environ.get("OUTBOX_REQUEUE_SECONDS", "600"))
    # Redis gives an unacknowledged task to another worker after this long (a worker machine
    # that vanished). Longer than any task may run, or a slow task would run twice.
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - tests only
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    FORCE_HTTPS = os.environ.get("RECRUIT_FORCE_HTTPS", "1") == "1"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


class MissingSecretKey(RuntimeError):
    pass


def load_config(name: str | None = None) -> type[Config]:
    """Return the settings class for `name` (default: `RECRUIT_ENV` or development)."""
    name = name or os.environ.get("RECRUIT_ENV", "development")
    if name not in CONFIGS:
        raise ValueError(f"RECRUIT_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    config = CONFIGS[name]
    if name == "production" and not os.environ.get("SECRET_KEY"):
        raise MissingSecretKey("Refusing to start in production without SECRET_KEY set.")
    return config
