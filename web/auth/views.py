"""Sign in, sign out, register, password change and reset."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..security import client_address, is_safe_next
from ..validation import ValidationFailed
from . import services, throttle
from .blueprint import bp
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    RegistrationForm,
    ResetPasswordForm,
)

_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")  # what secrets.token_urlsafe makes


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm(next=request.args.get("next", ""))
    headers: dict[str, str] = {}
    status = 200
    if form.validate_on_submit():
        try:
            member = services.authenticate(form.email.data, form.password.data, client_address())
        except services.LoginThrottled as exc:
            minutes = max(1, -(-exc.retry_after // 60))
            form.form_errors.append(
                _(
                    "Too many failed attempts. Wait %(minutes)d minutes and try again, or reset your password.",
                    minutes=minutes,
                )
            )
            status, headers = 429, {"Retry-After": str(exc.retry_after)}
        except services.ApplicationRejected as exc:
            contacts = services.rejection_contacts(exc.member)
            return render_template("auth/not_accepted.html", contacts=contacts), 403
        except services.LoginFailed:
            form.form_errors.append(_("Email or password is not correct."))
            status = 401
        else:
            return _signed_in(member, form.next.data)
    elif form.errors:
        status = 422
    return render_template("auth/login.html", form=form), status, headers


def _signed_in(member, target: str | None):
    db.session.commit()
    login_user(member)
    if member.is_coordinator:
        from ..audit import record

        record(member, "coordinator.sign_in")
        db.session.commit()
    from .totp import begin_second_step  # coordinators with TOTP enter a code next

    if (second_step := begin_second_step(member, target)) is not None:
        return second_step
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        services.end_all_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm(locale=request.args.get("lang") or None)
    if request.method == "GET" and not form.locale.data:
        from flask_babel import get_locale

        form.locale.data = str(get_locale())
    if form.is_submitted() and form.check_text():
        throttle.limit("register", form.email.data or "", client_address())
        data = form.profile_data() | {
            "email": form.email.data,
            "password": form.password.data,
            "password_confirm": form.password_confirm.data,
            "consent": form.consent.data,
        }
        try:
            services.register(data)
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            # The same answer whether the email was new or already had an account.
            db.session.commit()
            flash(
                _("Thank you. Your application has arrived and we sent you an email. Sign in to see its status."),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.is_submitted() and form.check_text():
        try:
            services.change_password(
                current_user, form.current_password.data or "", form.new_password.data or "", form.new_password_confirm.data
            )
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            member = current_user._get_current_object()
            db.session.commit()
            login_user(member)  # this browser stays signed in with the new token
            flash(_("Your password is changed. Other devices were signed out."), "success")
            return redirect(url_for("profile.me"))
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        throttle.limit("reset", form.email.data, client_address())
        services.request_password_reset_later(form.email.data)
        flash(_("If an account uses this email, a reset link is on its way. It is valid for one hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if not _TOKEN.fullmatch(token) or services.reset_token_member(token) is None:
        flash(_("This reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.is_submitted() and form.check_text():
        try:
            services.reset_password(token, form.password.data or "", form.password_confirm.data)
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), 422 if form.errors else 200
