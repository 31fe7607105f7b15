"""What every run service shares: the locale outside a request, the stopwatch, and
the key of a PostgreSQL advisory lock (the scheduler's job locks use it too)."""

from __future__ import annotations

import hashlib
import time
from contextlib import nullcontext

from flask import current_app, has_request_context
from flask_babel import force_locale


def job_locale():
    """Outside a request (scheduler, CLI) messages are rendered in the default
    locale: the app's locale selector needs a request, and services build
    ``ValidationFailed`` messages eagerly."""
    if has_request_context():
        return nullcontext()
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE") or "en")


def since(mark: float) -> float:
    return round(time.perf_counter() - mark, 4)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    digest = hashlib.sha256(f"bridges:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
