"""Throttles with counters shared by every worker and kept across restarts: in the
database, or in Redis when REDIS_URL is set.

Failed sign-ins (passwords and second-factor codes alike) lock an account and an address
for a while; ``limit`` caps how often anything else (reset emails, registrations, profile
views) may happen per account and per address. A refusal carries the seconds to wait, for
the ``Retry-After`` header of the 429 answer."""

from __future__ import annotations

import hashlib
import logging
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle, utcnow

log = logging.getLogger(__name__)


class Throttled(Exception):
    """Too many requests; ``retry_after`` is the number of seconds to wait."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = max(1, int(retry_after))


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _keys(email: str, address: str) -> list[tuple[str, int]]:
    cfg = current_app.config
    digest = _digest(email)
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
    return retry_after(email, address) is not None


def retry_after(email: str, address: str) -> int | None:
    """Seconds until the account and the address may try again, or None when neither is locked."""
    now = utcnow()
    client = _redis()
    waits = []
    for key, limit in _keys(email, address):
        if client is not None:
            name = f"bridges:login:{key}"
            value = client.get(name)
            if value is not None and int(value) >= limit:
                waits.append(max(1, client.ttl(name)))
            continue
        row = db.session.get(LoginThrottle, key)
        if row is not None and row.locked_until is not None and row.locked_until > now:
            waits.append(math.ceil((row.locked_until - now).total_seconds()))
    return max(waits) if waits else None


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


def limit(bucket: str, account: str | int | None, address: str) -> None:
    """Count one ``bucket`` event (``reset``, ``register``, ``profile_view``) for the account
    and the address; raise Throttled when either went over its configured limit (the
    ``<BUCKET>_LIMIT_ACCOUNT`` and ``_ADDRESS`` settings: requests per seconds). The
    account is hashed, so an email address never lands in the table."""
    cfg = current_app.config
    name = bucket.upper()
    keys = [(f"{bucket}:addr:{address}", cfg[f"{name}_LIMIT_ADDRESS"])]
    if account is not None:
        keys.insert(0, (f"{bucket}:acct:{_digest(str(account))}", cfg[f"{name}_LIMIT_ACCOUNT"]))
    waits = [w for key, (count, seconds) in keys if (w := _hit(key, count, seconds)) is not None]
    # The count is its own unit of work: it must hold even when the request then fails.
    db.session.commit()
    if waits:
        log.warning("%s throttled (%s)", bucket, ", ".join(k.split(":")[1] for k, _ in keys))
        raise Throttled(max(waits))


def _hit(key: str, count: int, seconds: int) -> int | None:
    """Add one to a fixed-window counter; the seconds to wait when it is over ``count``."""
    client = _redis()
    if client is not None:
        name = f"bridges:limit:{key}"
        pipe = client.pipeline()
        pipe.incr(name)
        pipe.expire(name, seconds, nx=True)
        pipe.ttl(name)
        value, _, ttl = pipe.execute()
        return max(1, ttl) if value > count else None
    now = utcnow()
    window = timedelta(seconds=seconds)
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
    row = db.session.execute(
        select(LoginThrottle.failures, LoginThrottle.window_start).where(LoginThrottle.key == key)
    ).one()
    if row.failures <= count:
        return None
    return max(1, math.ceil((row.window_start + window - now).total_seconds()))
