"""Error pages: short, translated, and the session is rolled back on failure.

Every 500 page shows an incident id, the same id that is on the log line with the stack
(the request id of web/observability.py when it is there). With the database down the
answer is 503 with ``Retry-After``, rendered without touching the database."""

from __future__ import annotations

import logging
import uuid

from flask import flash, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from ..auth.throttle import Throttled
from ..extensions import db, login_manager

log = logging.getLogger(__name__)
OUTAGE_RETRY_SECONDS = 30
# POST-only endpoints whose view shows its page again with the form when the form does
# not validate (other POST-only views may act without a form of their own: never re-run).
CSRF_RETRY_POST_ENDPOINTS = frozenset({"messages.send"})


def incident_id() -> str:
    try:
        from ..observability import request_id
    except ImportError:  # pragma: no cover - observability is optional
        return uuid.uuid4().hex[:16]
    rid = request_id()
    return rid if rid != "-" else uuid.uuid4().hex[:16]


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the page must still answer
        log.warning("rollback failed while answering an error", exc_info=True)


def _as_anonymous() -> None:
    """Render without loading the member: her row may be what failed."""
    g._login_user = login_manager.anonymous_user()


def register(app) -> None:
    def page(code: int):
        def handler(error):
            return render_template("errors/error.html", code=code), code

        return handler

    for code in (400, 403, 404, 405):
        app.register_error_handler(code, page(code))

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/error.html", code=413), 413

    @app.errorhandler(429)
    def too_many(error):
        return render_template("errors/error.html", code=429), 429

    @app.errorhandler(Throttled)
    def throttled(error):
        return render_template("errors/error.html", code=429), 429, {"Retry-After": str(error.retry_after)}

    @app.errorhandler(500)
    def server_error(error):
        _rollback()
        incident = incident_id()
        original = getattr(error, "original_exception", None) or error
        log.error(
            "error 500 incident=%s on %s %s",
            incident,
            request.method,
            request.path,
            exc_info=(type(original), original, original.__traceback__),
        )
        if _is_outage(original):
            return outage(original)
        return render_template("errors/error.html", code=500, incident=incident), 500

    def outage(error):
        _rollback()
        _as_anonymous()
        incident = incident_id()
        log.error(
            "database unavailable incident=%s on %s %s: %s", incident, request.method, request.path, type(error).__name__
        )
        body = render_template("errors/error.html", code=503, incident=incident)
        return body, 503, {"Retry-After": str(OUTAGE_RETRY_SECONDS)}

    for exc in (OperationalError, InterfaceError, PoolTimeout):
        app.register_error_handler(exc, outage)

    @app.errorhandler(DataError)
    def bad_value(error):
        # A value the database cannot hold (a number out of range, say) came from the
        # request: a 400, not a 500. Forms and URL converters should have caught it first.
        _rollback()
        log.warning("value refused by the database on %s %s: %s", request.method, request.path, type(error.orig).__name__)
        return render_template("errors/error.html", code=400), 400

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        log.info("csrf failure on %s: %s", request.path, error.description)
        return csrf_retry() or (render_template("errors/error.html", code=400, csrf=True), 400)


def _is_outage(error) -> bool:
    return isinstance(error, OperationalError | InterfaceError | PoolTimeout)


def csrf_retry():
    """The page she sent the form from, again, with what she typed and a short explanation;
    nothing is done (forms refuse to count as submitted, web/validation.py). Only for pages
    that show their form on GET too; None otherwise."""
    from flask import current_app

    from .. import security

    rule = request.url_rule
    if rule is None or request.endpoint not in current_app.view_functions:
        return None
    if "GET" not in (rule.methods or ()) and request.endpoint not in CSRF_RETRY_POST_ENDPOINTS:
        return None
    g.csrf_failed = True
    early = security.enforce_session_times() or security.gate()
    if early is not None:
        return early
    flash(
        _(
            "For your security the form was not accepted: the page was open too long or in another window. "
            "Check what you entered and send it again."
        ),
        "error",
    )
    result = current_app.ensure_sync(current_app.view_functions[request.endpoint])(**(request.view_args or {}))
    response = current_app.make_response(result)
    if response.status_code == 200:
        response.status_code = 400
    return response
