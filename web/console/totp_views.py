"""The second sign-in step and enrolment of a TOTP authenticator, for coordinators.

Separate from the console blueprint because both pages must open while the console
itself is still closed to her (code not entered yet, or enrolment required)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..audit import record
from ..auth import totp
from ..extensions import db
from ..models import LoginThrottle, utcnow
from ..security import is_safe_next
from .forms import TotpForm

bp = Blueprint("totp", __name__)
ENROL_KEY = "totp_enrol_secret"


def _failure_key(member_id: int) -> str:
    return f"totp:{member_id}"


@bp.route("/login/totp", methods=["GET", "POST"])
def verify():
    if not totp.is_pending(current_user):
        return redirect(url_for("main.index"))
    form = TotpForm()
    target = request.args.get("next")
    if form.validate_on_submit():
        member = current_user._get_current_object()
        if totp.accept(member, form.code.data or ""):
            session.pop(totp.SESSION_KEY, None)
            row = db.session.get(LoginThrottle, _failure_key(member.id))
            if row is not None:
                db.session.delete(row)
            record(member, "coordinator.second_factor")
            db.session.commit()
            return redirect(target if is_safe_next(target) else url_for("coordinator.dashboard"))
        # Counted in the database, not the cookie: replaying an old cookie resets nothing.
        row = db.session.get(LoginThrottle, _failure_key(member.id))
        if row is None:
            row = LoginThrottle(key=_failure_key(member.id), failures=0, window_start=utcnow())
            db.session.add(row)
        row.failures += 1
        record(member, "coordinator.second_factor_failed", failures=row.failures)
        if row.failures >= totp.MAX_FAILURES:
            db.session.delete(row)
            member.rotate_session()
            db.session.commit()
            logout_user()
            flash(_("Too many wrong codes. Sign in again."), "error")
            return redirect(url_for("auth.login"))
        db.session.commit()
        form.code.errors = [_("This code is not correct. Enter the current code.")]
    return render_template("console/totp_verify.html", form=form), 200 if not form.errors else 401


@bp.route("/coordinator/totp", methods=["GET", "POST"])
def enrol():
    if not current_user.is_coordinator or not current_user.is_approved:
        abort(403)
    if totp.is_pending(current_user):
        return redirect(url_for("totp.verify"))
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
    required = bool(current_app.config.get("COORDINATOR_TOTP_REQUIRED"))
    return render_template(
        "console/totp_enrol.html",
        form=form,
        secret=totp.grouped(secret),
        uri=totp.provisioning_uri(secret, current_user.email),
        required=required,
        enrolled=bool(current_user.totp_secret),
    ), 200 if not form.errors else 422
