"""Configuration classes. Values come from the environment inside ``create_app``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    DEFAULT_TIMEZONE = "Asia/Almaty"
    # Login throttling: failures allowed in a window before the key is locked.
    LOGIN_MAX_FAILURES_ACCOUNT = 5
    LOGIN_MAX_FAILURES_ADDRESS = 20
    LOGIN_WINDOW_SECONDS = 15 * 60
    LOGIN_LOCK_SECONDS = 15 * 60
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
    BASE_URL = "http://127.0.0.1:5000"
    REDIS_URL: str | None = None
    DIRECTORY_PAGE_SIZE = 20
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
        if env.get("MATCHING_CONFIG"):
            import tomllib

            with open(env["MATCHING_CONFIG"], "rb") as fh:
                data = tomllib.load(fh)
            values["MATCHING_WEIGHTS"] = data.get("matcher", data)
        return values


class DevelopmentConfig(Config):
    NAME = "development"
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
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    LOGIN_MAX_FAILURES_ADDRESS = 50


class ProductionConfig(Config):
    NAME = "production"


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
