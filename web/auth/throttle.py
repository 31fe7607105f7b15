"""Failed-login throttling with counters shared by every worker and kept
across restarts: in the database, or in Redis when REDIS_URL is set."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle, utcnow

log = logging.getLogger(__name__)


def _keys(email: str, address: str) -> list[tuple[str, int]]:
    cfg = current_app.config
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"acct:{digest}", cfg["LOGIN_MAX_FAILURES_ACCOUNT"]),
        (f"addr:{address}", cfg["LOGIN_MAX_FAILURES_ADDRESS"]),
    ]


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    import redis

    client = current_app.extensions.get("bridges_redis")
    if client is None:
        client = redis.Redis.from_url(url)
        current_app.extensions["bridges_redis"] = client
    return client


def is_locked(email: str, address: str) -> bool:
    """True when either the account or the address has failed too often recently."""
    now = utcnow()
    client = _redis()
    for key, limit in _keys(email, address):
        if client is not None:
            value = client.get(f"bridges:login:{key}")
            if value is not None and int(value) >= limit:
                return True
            continue
        row = db.session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            return True
    return False


def record_failure(email: str, address: str) -> None:
    """Count a failed sign-in for the account and the address, atomically in the database
    (an UPDATE that increments, so concurrent workers never lose a count)."""
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_WINDOW_SECONDS"])
    lock = timedelta(seconds=cfg["LOGIN_LOCK_SECONDS"])
    now = utcnow()
    client = _redis()
    for key, limit in _keys(email, address):
        if client is not None:
            name = f"bridges:login:{key}"
            pipe = client.pipeline()
            pipe.incr(name)
            pipe.expire(name, int(max(window, lock).total_seconds()))
            pipe.execute()
            continue
        expired = LoginThrottle.window_start < now - window
        bump = (
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(
                failures=case((expired, 1), else_=LoginThrottle.failures + 1),
                window_start=case((expired, now), else_=LoginThrottle.window_start),
            )
        )
        if db.session.execute(bump).rowcount == 0:
            try:
                with db.session.begin_nested():
                    db.session.add(LoginThrottle(key=key, failures=1, window_start=now))
            except IntegrityError:  # another worker created it first
                db.session.execute(bump)
        failures = db.session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == key))
        if failures >= limit:
            db.session.execute(update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=now + lock))
            log.warning("login throttled for %s after %d failures", key.split(":")[0], failures)
    db.session.commit()


def clear(email: str) -> None:
    """A successful login clears the account counter (not the address one)."""
    key = _keys(email, "-")[0][0]
    client = _redis()
    if client is not None:
        client.delete(f"bridges:login:{key}")
        return
    row = db.session.get(LoginThrottle, key)
    if row is not None:
        db.session.delete(row)
