"""Session loading and lifetime, the access gate, request checks, security headers and
safe redirects."""

from __future__ import annotations

import functools
import logging
import re
import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user, user_logged_in
from sqlalchemy import bindparam, or_, select, text, update

from . import prefetch, read_only
from .extensions import db, login_manager
from .models import CacheVersion, Member, MemberStatus, utcnow
from .validation import text_problems

log = logging.getLogger(__name__)

# Endpoints anyone may open, signed in or not.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "main.index",  # visitors see the landing page, members their home page
        "main.healthz",
        "main.set_language",
        "main.privacy",
        "auth.login",
        "auth.register",
        "auth.forgot_password",
        "auth.reset_password",
    }
)
# What a member awaiting review may open besides the public pages.
PENDING_ENDPOINTS = frozenset({"main.pending", "profile.me", "profile.edit", "auth.logout", "auth.change_password"})


@login_manager.user_loader
def load_member(session_id: str) -> Member | None:
    """The member of the session, if its token is still hers and she may sign in. Her
    unread counts and the directory's cache version come in the same query (``web.prefetch``)."""
    member_id, _, token = session_id.partition(":")
    if not member_id.isdigit() or not token:
        return None
    row = db.session.execute(_member_statement(), {"member_id": int(member_id)}).first()
    if row is None:
        return None
    member, unread, waiting, directory_version = row
    if member.session_token != token or not member.is_active:
        return None
    prefetch.remember(
        member.id,
        unread_counts={"messages": unread or 0, "notifications": waiting or 0},
        directory_version=directory_version,
    )
    return member


@functools.cache
def _member_statement():
    from .messages.services import unread_subqueries

    messages, notifications = unread_subqueries()
    directory = select(CacheVersion.version).where(CacheVersion.name == "directory").scalar_subquery()
    return select(Member, messages, notifications, directory).where(Member.id == bindparam("member_id"))


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    # Before any blueprint adds its rules: every <int:id> is bounded (web/validation.py).
    from .validation import IdConverter

    app.url_map.converters["int"] = IdConverter
    # First of all before-request functions, before the CSRF check too: a cross-site
    # request is refused whatever token it carries.
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)
    app.before_request(enforce_session_times)
    app.before_request(gate)
    app.after_request(set_security_headers)
    prefetch.init_app(app)
    read_only.init_app(app)
    user_logged_in.connect(_start_session, app)
    install_log_redaction()

    @app.cli.command("check-config")
    def check_config():
        """Print what is unsafe in the production configuration of this environment."""
        import sys

        import click

        from .config import report

        text, ok = report()
        click.echo(text)
        sys.exit(0 if ok else 1)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUTH_AT, SEEN_AT = "_auth_at", "_seen_at"


def check_request():
    """Refuse what no page here accepts: a state-changing request from another site (by
    ``Sec-Fetch-Site`` or ``Origin``, even with a valid CSRF token), a file in a form, and
    control characters in the query string."""
    if request.method not in SAFE_METHODS:
        fetch_site = request.headers.get("Sec-Fetch-Site")
        origin = request.headers.get("Origin")
        if fetch_site is not None and fetch_site not in ("same-origin", "none"):
            log.warning("cross-site %s refused on %s (Sec-Fetch-Site=%s)", request.method, request.path, fetch_site)
            abort(403)
        if origin is not None and origin not in _own_origins():
            log.warning("cross-site %s refused on %s (Origin does not match)", request.method, request.path)
            abort(403)
        if request.mimetype == "application/x-www-form-urlencoded":
            # Werkzeug counts the parts of multipart bodies only (MAX_FORM_PARTS); a plain
            # form is counted here, on the body read once and kept for the form parser.
            limit = current_app.config.get("MAX_FORM_PARTS")
            if limit and request.get_data(cache=True).count(b"&") >= limit:
                abort(413)
        if request.mimetype == "multipart/form-data" and request.files:
            abort(400)
    for value in request.args.values():
        if text_problems(value):
            abort(400)
    return None


def _own_origins() -> set[str]:
    origins = {request.host_url.rstrip("/")}
    base = current_app.config.get("BASE_URL")
    if base:
        parts = urlsplit(base)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins


def _start_session(app, user, **_extra) -> None:
    """At sign-in: the session's clock starts, and the CSRF token of the anonymous visit is
    replaced, so a token planted or seen before sign-in is worth nothing after it."""
    now = int(time.time())
    session.permanent = True
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _limits(member) -> tuple[int, int]:
    cfg = current_app.config
    if member.is_coordinator:
        return cfg["SESSION_IDLE_COORDINATOR_SECONDS"], cfg["SESSION_MAX_AGE_COORDINATOR_SECONDS"]
    return cfg["SESSION_IDLE_SECONDS"], cfg["SESSION_MAX_AGE_SECONDS"]


def enforce_session_times():
    """End a session idle for too long or older than its absolute lifetime. The times live
    in the signed session cookie; "seen" is refreshed at most once a minute, so neither the
    cookie nor the database is written on every request."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    member = current_user._get_current_object()
    if not member.is_authenticated:
        return None
    now = int(time.time())
    idle, max_age = _limits(member)
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if auth_at is None or seen_at is None or now - seen_at > idle or now - auth_at > max_age:
        log.info("session of member %s ended (idle or too old)", member.id)
        language = session.get("lang")
        logout_user()
        session.clear()
        if language:
            session["lang"] = language
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        flash(_("You were signed out because the session ended. Please sign in again."), "info")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target))
    resolution = current_app.config["SESSION_SEEN_RESOLUTION_SECONDS"]
    if now - seen_at >= resolution:
        session[SEEN_AT] = now
        _mark_seen(member.id, resolution)
    return None


def _mark_seen(member_id: int, resolution: int) -> None:
    """One UPDATE, and only when the stored time is older than ``resolution`` seconds."""
    from datetime import timedelta

    now = utcnow()
    if db.session.get_bind().dialect.name == "postgresql":
        # A "seen" time lost in a crash is harmless: this commit does not wait for the disk
        # (the page it precedes would otherwise wait for a WAL flush once a minute per member).
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session.execute(
        update(Member)
        .where(
            Member.id == member_id,
            or_(Member.last_seen_at.is_(None), Member.last_seen_at < now - timedelta(seconds=resolution)),
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def gate():
    """One place that keeps everyone but approved members out of member pages."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.status == MemberStatus.PENDING and endpoint not in PENDING_ENDPOINTS:
        if request.method == "GET":
            return redirect(url_for("main.pending"))
        abort(403)
    if current_user.status not in (MemberStatus.ACTIVE, MemberStatus.PENDING):
        abort(403)
    return None


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'"
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    # No window opened from elsewhere keeps a handle on ours (and ours on it).
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static":
        # Pages carry personal data: never keep them in shared or browser caches.
        headers["Cache-Control"] = "no-store"
        headers.setdefault("Vary", "Cookie")
    return response


def is_safe_next(target: str | None) -> bool:
    """Follow ``next`` only when it stays on this site: a path, no scheme, no host."""
    if not target:
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")


def client_address() -> str:
    """The client's address. ProxyFix (PROXY_COUNT) decides what X-Forwarded-For is
    trusted; a header the client wrote itself is never read here."""
    return request.remote_addr or "unknown"


# --- what never reaches a log ---------------------------------------------------------------

_REDACTIONS = (
    # Reset links carry their token in the path.
    (re.compile(r"(/password/reset/)[^\s\"'?#]+"), r"\1[redacted]"),
    # form-encoded or key=value pairs of known secret fields
    (
        re.compile(
            r"((?:password|password_confirm|new_password|current_password|csrf_token|token|secret|totp_secret)=)[^&\s,;\"')]+",
            re.I,
        ),
        r"\1[redacted]",
    ),
    (re.compile(r"\$argon2[a-z]*\$[^\s'\",)]+"), "[redacted hash]"),
)


def redact(text: str) -> str:
    """``text`` without reset tokens, password hashes and values of known secret fields."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactFilter(logging.Filter):
    """Scrubs every record a handler writes, whoever logged it (the dev server's request
    line with a reset link included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactFilter) for f in handler.filters):
            handler.addFilter(RedactFilter())
