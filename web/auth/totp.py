"""Time-based one-time passwords (RFC 6238) for coordinator accounts, with the stdlib only,
and the session state of the second sign-in step.

A coordinator who enrolled signs in with her password first; the session then holds
``totp_pending`` (her id) until she enters a code, and ``coordinator_required`` sends her to
the code page instead of any coordinator page. With ``COORDINATOR_TOTP_REQUIRED`` a
coordinator without a secret is sent to enrolment first.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

STEP = 30
DIGITS = 6
WINDOW = 1  # steps accepted either side of now (clock drift)
SESSION_KEY = "totp_pending"


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226: HMAC the big-endian counter, dynamic truncation, ``digits`` decimals."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp(secret: str, at: float | None = None, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """The code for the 30-second step containing ``at`` (seconds since the epoch)."""
    at = time.time() if at is None else at
    return hotp(_key(secret), int(at // STEP), digits, digest)


def matching_step(secret: str | None, code: str, at: float | None = None, window: int = WINDOW) -> int | None:
    """The time step whose code ``code`` is (this step or one either side), or None."""
    if not secret:
        return None
    code = (code or "").replace(" ", "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    at = time.time() if at is None else at
    key = _key(secret)
    step = int(at // STEP)
    # Compare every candidate, so the time taken does not tell which one matched.
    found = None
    for delta in range(-window, window + 1):
        if hmac.compare_digest(hotp(key, step + delta), code) and found is None:
            found = step + delta
    return found


def verify(secret: str | None, code: str, at: float | None = None, window: int = WINDOW) -> bool:
    """True when ``code`` is the code of this step or of one step either side."""
    return matching_step(secret, code, at, window) is not None


def accept(member, code: str, at: float | None = None) -> bool:
    """Check a sign-in code and use it up: a code (its time step) works once only, so one
    seen over a shoulder or in a log cannot be replayed within its window."""
    step = matching_step(member.totp_secret, code, at)
    if step is None or (member.totp_last_step is not None and step <= member.totp_last_step):
        return False
    member.totp_last_step = step
    return True


def provisioning_uri(secret: str, account: str, issuer: str = "Bridges") -> str:
    """The ``otpauth://`` URI authenticator apps read (Key Uri Format)."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{label}?{query}"


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# --- the second step in the session -------------------------------------------------------


def begin_second_step(member, target: str | None):
    """Called right after the password step: a coordinator with a secret must still enter a
    code. Returns the redirect to the code page, or None when sign-in is complete."""
    from flask import redirect, session, url_for

    if member.is_coordinator and member.totp_secret:
        session[SESSION_KEY] = member.id
        return redirect(url_for("auth.totp_verify", next=target or None))
    session.pop(SESSION_KEY, None)
    return None


def is_pending(member) -> bool:
    from flask import session

    return session.get(SESSION_KEY) == member.id


def gate_redirect(member):
    """For ``coordinator_required``: where a coordinator must go before a coordinator page
    (the code step, or enrolment when the configuration demands a second factor)."""
    from flask import current_app, redirect, request, url_for

    if is_pending(member):
        return redirect(url_for("auth.totp_verify", next=request.full_path if request.method == "GET" else None))
    if current_app.config.get("COORDINATOR_TOTP_REQUIRED") and not member.totp_secret:
        return redirect(url_for("auth.totp_enrol"))
    return None
