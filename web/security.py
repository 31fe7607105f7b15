"""Session loading, the access gate, security headers and safe redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .extensions import db, login_manager
from .models import Member, MemberStatus

# Endpoints anyone may open, signed in or not.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
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
    member_id, _, token = session_id.partition(":")
    if not member_id.isdigit() or not token:
        return None
    member = db.session.get(Member, int(member_id))
    if member is None or member.session_token != token or not member.is_active:
        return None
    return member


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(gate)
    app.after_request(set_security_headers)


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
