"""The second sign-in step and enrolment of a TOTP authenticator, for coordinators.

On the auth blueprint, with sign-in: both pages must open while the coordination pages
are still closed to her (code not entered yet, or enrolment required). Wrong codes count
on the same per-account throttle as wrong passwords, across sign-ins, so signing in again
does not buy five more guesses; the lock ends the session and is in the audit log."""

from __future__ import annotations

import segno
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from markupsafe import Markup

from ..audit import record
from ..extensions import db
from ..security import client_address, is_safe_next
from . import throttle, totp
from .blueprint import bp
from .forms import TotpForm

ENROL_KEY = "totp_enrol_secret"


@bp.route("/login/totp", methods=["GET", "POST"])
def totp_verify():
    if not current_user.is_authenticated or not totp.is_pending(current_user):
        return redirect(url_for("main.index"))
    member = current_user._get_current_object()
    if (wait := throttle.retry_after(member.email, client_address())) is not None:
        return _locked(member, wait)
    form = TotpForm()
    target = request.args.get("next")
    if form.validate_on_submit():
        if totp.accept(member, form.code.data or ""):
            session.pop(totp.SESSION_KEY, None)
            throttle.clear(member.email)
            record(member, "coordinator.second_factor")
            db.session.commit()
            return redirect(target if is_safe_next(target) else url_for("coordinator.dashboard"))
        record(member, "coordinator.second_factor_failed")
        db.session.commit()
        # Counted in the database (or Redis), not the cookie: replaying an old cookie or
        # signing in again resets nothing.
        throttle.record_failure(member.email, client_address())
        if (wait := throttle.retry_after(member.email, client_address())) is not None:
            return _locked(member, wait)
        form.code.errors = [_("This code is not correct. Enter the current code.")]
    return render_template("auth/totp_verify.html", form=form), 200 if not form.errors else 401


def _locked(member, wait: int):
    """Too many wrong codes or passwords: the session ends, and she waits like after wrong passwords."""
    record(member, "coordinator.second_factor_locked")
    member.rotate_session()
    db.session.commit()
    logout_user()
    session.pop(totp.SESSION_KEY, None)
    minutes = max(1, -(-wait // 60))
    flash(_("Too many wrong codes. Wait %(minutes)d minutes and sign in again.", minutes=minutes), "error")
    return render_template("errors/error.html", code=429), 429, {"Retry-After": str(wait)}


@bp.route("/login/totp/setup", methods=["GET", "POST"])
def totp_enrol():
    if not current_user.is_authenticated or not current_user.is_coordinator or not current_user.is_approved:
        abort(403)
    if totp.is_pending(current_user):
        return redirect(url_for("auth.totp_verify"))
    secret = session.get(ENROL_KEY)
    if not secret or request.method == "GET":
        secret = totp.new_secret()
        session[ENROL_KEY] = secret
    form = TotpForm()
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data or "")
        if step is not None:
            member = current_user._get_current_object()
            member.totp_secret = secret
            member.totp_last_step = step
            session.pop(ENROL_KEY, None)
            record(member, "coordinator.second_factor_enrol")
            db.session.commit()
            flash(_("Your authenticator is set up. You will be asked for a code at each sign-in."), "success")
            return redirect(url_for("coordinator.dashboard"))
        form.code.errors = [_("This code is not correct. Check the clock of your phone and enter the current code.")]
    uri = totp.provisioning_uri(secret, current_user.email)
    return render_template(
        "auth/totp_enrol.html",
        form=form,
        secret=totp.grouped(secret),
        uri=uri,
        qr=qr_svg(uri),
        required=bool(current_app.config.get("COORDINATOR_TOTP_REQUIRED")),
        enrolled=bool(current_user.totp_secret),
    ), 200 if not form.errors else 422


def qr_svg(uri: str) -> Markup:
    """The enrolment link as a QR code in inline SVG, drawn on the server: no script, no
    image request, nothing the Content-Security-Policy would have to allow."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff", omitsize=False)
    return Markup(svg)  # noqa: S704 - segno writes the markup; the URI is encoded into the path, not echoed
