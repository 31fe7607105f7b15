"""Configuration classes. Values come from the environment inside ``create_app``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TEST_SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
MIN_SECRET_BYTES = 32


class Config:
    NAME = "base"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    # Sessions end on the server (web/security.py): after idle time, and at an absolute age
    # counted from sign-in. The cookie is written only when something in it changes (the
    # "seen" time at most once a minute), never on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_IDLE_SECONDS = 14 * 24 * 3600
    SESSION_IDLE_COORDINATOR_SECONDS = 30 * 60
    SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600
    SESSION_MAX_AGE_COORDINATOR_SECONDS = 12 * 3600
    SESSION_SEEN_RESOLUTION_SECONDS = 60
    PERMANENT_SESSION_LIFETIME = 30 * 24 * 3600
    # Limits on what a request may carry: no form here takes more than a few kilobytes
    # and none takes a file. Larger requests get a short 413 page before being parsed.
    MAX_CONTENT_LENGTH = 512 * 1024
    MAX_FORM_MEMORY_SIZE = 128 * 1024
    MAX_FORM_PARTS = 300
    # The network's languages. Uzbek is served in Latin script (uz, the official one) and in
    # Cyrillic (uz_Cyrl, still read by many older officers): Babel has CLDR data for uz_Cyrl
    # (dates, numbers, plural rule) and Flask-Babel finds its catalogue under that name.
    LANGUAGES = ("en", "ru", "kk", "ky", "tg", "tk", "uz", "uz_Cyrl")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    DEFAULT_TIMEZONE = "Asia/Almaty"
    # Login throttling: failures allowed in a window before the key is locked.
    LOGIN_MAX_FAILURES_ACCOUNT = 5
    LOGIN_MAX_FAILURES_ADDRESS = 20
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_LOCK_SECONDS = 15 * 60
    # Flood limits (web/auth/throttle.py): (requests, per seconds) per account and per address.
    RESET_LIMIT_ACCOUNT = (3, 3600)
    RESET_LIMIT_ADDRESS = (10, 3600)
    REGISTER_LIMIT_ACCOUNT = (3, 3600)
    REGISTER_LIMIT_ADDRESS = (10, 3600)
    PROFILE_VIEW_LIMIT_ACCOUNT = (60, 60)
    PROFILE_VIEW_LIMIT_ADDRESS = (120, 60)
    # Number of reverse proxies in front of the app whose X-Forwarded-For we trust.
    PROXY_COUNT = 0
    PASSWORD_RESET_TTL_SECONDS = 3600
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "Bridges <no-reply@bridges.invalid>"
    MAIL_SUPPRESS_SEND = False
    # Production must set it (links in emails); development and tests have their own.
    BASE_URL: str | None = None
    REDIS_URL: str | None = None
    DIRECTORY_PAGE_SIZE = 20
    # Rendered directory results and conversations kept per web process (web/page_cache.py);
    # 0 turns it off. Up to about 15 KB an entry.
    PAGE_CACHE_SIZE = 1000
    HSTS = True
    # Matching / programme (used by mentorship and jobs areas)
    PROGRAMME_MONTHS = 6
    PROPOSAL_TTL_DAYS = 14
    PROPOSAL_REMINDER_DAYS = 7
    MATCHING_CRON = "0 6 * * mon"
    MATCHING_TIMEZONE = "Asia/Almaty"
    MATCHING_AUTO_PUBLISH = False
    MATCHING_MIN_GAP_YEARS = 2
    # Matcher weights (see docs/matcher.md); MATCHING_CONFIG=weights.toml fills it.
    MATCHING_WEIGHTS: dict = {}
    # Optional cron expressions per housekeeping job, e.g. {"expiry": "15 1 * * *"}.
    JOB_SCHEDULES: dict = {}
    CHECKIN_INTERVAL_DAYS = 30
    MESSAGE_MAX_LENGTH = 4000
    MESSAGES_PER_MINUTE = 20
    COORDINATOR_TOTP_REQUIRED = False
    # Scheduler (jobs/scheduler.py): a running execution renews its lease every quarter of
    # it; one whose lease expired (its process died) is marked failed. A slot missed while
    # the scheduler was down runs once at start when it is at most the grace period old.
    JOB_LEASE_SECONDS = 120
    JOB_CATCHUP_GRACE_SECONDS = 6 * 3600
    # Nightly backups (web/backup.py, job "backup"): folder (default: instance/backups)
    # and how many to keep.
    BACKUP_DIR: str | None = None
    BACKUP_KEEP = 14

    @classmethod
    def from_env(cls, instance_path: str) -> dict:
        env = os.environ
        values: dict = {}
        if env.get("DATABASE_URL"):
            url = env["DATABASE_URL"]
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://") :]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            values["SQLALCHEMY_DATABASE_URI"] = url
        if env.get("SECRET_KEY"):
            values["SECRET_KEY"] = env["SECRET_KEY"]
        for key in (
            "MAIL_SERVER",
            "MAIL_USERNAME",
            "MAIL_PASSWORD",
            "MAIL_DEFAULT_SENDER",
            "BASE_URL",
            "REDIS_URL",
            "MATCHING_CRON",
            "MATCHING_TIMEZONE",
        ):
            if env.get(key):
                values[key] = env[key]
        if env.get("MAIL_PORT"):
            values["MAIL_PORT"] = int(env["MAIL_PORT"])
        for key in ("MAIL_USE_TLS", "MAIL_USE_SSL", "MATCHING_AUTO_PUBLISH", "COORDINATOR_TOTP_REQUIRED"):
            if key in env:
                values[key] = _bool(env[key])
        if env.get("SESSION_IDLE_DAYS"):
            values["SESSION_IDLE_SECONDS"] = int(float(env["SESSION_IDLE_DAYS"]) * 24 * 3600)
        for key in (
            "PROXY_COUNT",
            "MATCHING_MIN_GAP_YEARS",
            "PROPOSAL_TTL_DAYS",
            "PROPOSAL_REMINDER_DAYS",
            "PROGRAMME_MONTHS",
            "CHECKIN_INTERVAL_DAYS",
            "MESSAGES_PER_MINUTE",
        ):
            if env.get(key):
                values[key] = int(env[key])
        for key in ("JOB_LEASE_SECONDS", "JOB_CATCHUP_GRACE_SECONDS", "BACKUP_KEEP"):
            if env.get(key):
                values[key] = int(env[key])
        if env.get("BACKUP_DIR"):
            values["BACKUP_DIR"] = env["BACKUP_DIR"]
        if env.get("MATCHING_CONFIG"):
            import tomllib

            with open(env["MATCHING_CONFIG"], "rb") as fh:
                data = tomllib.load(fh)
            values["MATCHING_WEIGHTS"] = data.get("matcher", data)
        return values


class DevelopmentConfig(Config):
    NAME = "development"
    BASE_URL = "http://127.0.0.1:5000"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS = False


class TestConfig(Config):
    NAME = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS = False
    MAIL_SUPPRESS_SEND = True
    BASE_URL = "http://localhost"
    SECRET_KEY = TEST_SECRET_KEY
    LOGIN_MAX_FAILURES_ADDRESS = 50


class ProductionConfig(Config):
    NAME = "production"
    # __Host-: the browser sends it only over HTTPS, to this host, for every path, and
    # no subdomain can set or shadow it.
    SESSION_COOKIE_NAME = "__Host-bridges_session"
    REMEMBER_COOKIE_NAME = "__Host-bridges_remember"


CONFIGS = {c.NAME: c for c in (DevelopmentConfig, TestConfig, ProductionConfig)}


def config_name_from_env() -> str:
    name = os.environ.get("BRIDGES_CONFIG") or os.environ.get("FLASK_ENV") or "development"
    return {"dev": "development", "prod": "production", "test": "testing"}.get(name, name)


def development_secret(instance_path: str) -> str:
    """Generate a secret once and keep it in the instance folder."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def unsafe_settings(config) -> tuple[list[str], list[str]]:
    """What is unsafe in a production configuration: ``(refused, warnings)``. Refused
    settings stop the start; warnings are printed at start-up and by ``flask check-config``."""
    refused: list[str] = []
    warnings: list[str] = []
    secret = config.get("SECRET_KEY") or ""
    secret_bytes = secret.encode() if isinstance(secret, str) else bytes(secret)
    if not secret:
        refused.append(
            "SECRET_KEY is not set. Set it to a long random value, "
            "e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    elif secret == TEST_SECRET_KEY:
        refused.append("SECRET_KEY is the test suite's key, which is public. Generate a new one.")
    elif len(secret_bytes) < MIN_SECRET_BYTES:
        refused.append(f"SECRET_KEY is {len(secret_bytes)} bytes; use at least {MIN_SECRET_BYTES} random bytes.")
    base_url = config.get("BASE_URL") or ""
    if not base_url:
        refused.append("BASE_URL is not set. Set it to the public address, e.g. https://bridges.example.org.")
    elif not base_url.startswith("https://"):
        warnings.append(f"BASE_URL {base_url!r} is not https: links in emails would travel in clear.")
    if not config.get("SESSION_COOKIE_SECURE"):
        refused.append("SESSION_COOKIE_SECURE is off: the session cookie would travel over plain HTTP.")
    if not config.get("MAIL_SERVER"):
        warnings.append(
            "MAIL_SERVER is not set: NO EMAIL IS SENT. Password resets and notifications go to the log only, "
            "without their links."
        )
    if str(config.get("SQLALCHEMY_DATABASE_URI") or "sqlite").startswith("sqlite"):
        warnings.append("The database is SQLite; production expects PostgreSQL (DATABASE_URL).")
    if not config.get("MAX_CONTENT_LENGTH"):
        warnings.append("MAX_CONTENT_LENGTH is not set: requests of any size are read.")
    if not config.get("COORDINATOR_TOTP_REQUIRED"):
        warnings.append("COORDINATOR_TOTP_REQUIRED is off: coordinators may sign in with a password only.")
    return refused, warnings


def production_settings() -> dict:
    """The production configuration as the environment makes it, without building an app."""
    values = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    values.update(ProductionConfig.from_env(""))
    return values


def report(config: dict | None = None) -> tuple[str, bool]:
    """What ``flask check-config`` prints, and whether production would start."""
    refused, warnings = unsafe_settings(production_settings() if config is None else config)
    lines = [f"REFUSED: {r}" for r in refused] + [f"WARNING: {w}" for w in warnings]
    if not lines:
        lines = ["The production configuration has nothing unsafe that this check knows of."]
    return "\n".join(lines), not refused


if __name__ == "__main__":  # python -m web.config: the check without loading the app
    import sys

    text, ok = report()
    print(text)
    sys.exit(0 if ok else 1)
