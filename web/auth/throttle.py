"""Failed-login throttling with counters shared by every worker and kept
across restarts: in the database, or in Redis when REDIS_URL is set."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from flask import current_app
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
            pipe.expire(name, int(max(window, lock).total_seconds()), nx=False)
            pipe.execute()
            continue
        row = db.session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_start=now)
            db.session.add(row)
            try:
                with db.session.begin_nested():
                    db.session.flush()
            except IntegrityError:  # another worker created it first
                row = db.session.get(LoginThrottle, key, with_for_update=True)
        if row.window_start + window < now:
            row.failures = 0
            row.window_start = now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + lock
            log.warning("login throttled for %s after %d failures", key.split(":")[0], row.failures)
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
