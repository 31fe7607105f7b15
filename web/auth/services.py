"""Registration, sign-in, passwords and sessions."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..mail import after_response, queue_email
from ..models import Member, MemberStatus, PasswordResetToken, utcnow
from ..profile.services import apply_profile, clean_profile
from ..validation import ValidationFailed, data_problems
from . import throttle
from .emails import email_problems, find_by_email, normalise_email
from .passwords import hash_password, needs_rehash, password_problems, verify_password

log = logging.getLogger(__name__)


class LoginFailed(Exception):
    """Sign-in refused. The message never says whether the email is registered."""


class LoginThrottled(LoginFailed):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class ApplicationRejected(LoginFailed):
    """The password matched, but the coordinators did not accept her application."""

    def __init__(self, member: Member):
        super().__init__("application rejected")
        self.member = member


def register(data: dict) -> Member:
    """Create a pending member from registration data (email, password, consent and profile),
    and email her that the application arrived. When the email already has an account,
    nothing is created and that address is told instead, by email: the answer on the page
    is the same either way, so the form does not tell who is a member. Returns the new
    member, or None."""
    errors: list = data_problems(data)
    if errors:
        raise ValidationFailed(errors)
    email = normalise_email(data.get("email", ""))
    errors += [("email", m) for m in email_problems(email)]
    password = data.get("password") or ""
    errors += [
        ("password", m)
        for m in password_problems(
            password, email=email, name=data.get("display_name") or "", agency=data.get("agency_name") or ""
        )
    ]
    if data.get("password_confirm") is not None and data.get("password_confirm") != password:
        errors.append(("password_confirm", _l("The two passwords do not match.")))
    if not data.get("consent"):
        errors.append(("consent", _l("Please read the privacy notice and agree to it to join.")))
    try:
        values = clean_profile(data)
    except ValidationFailed as exc:
        errors += exc.errors
        values = None
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)  # also when unused: the same time either way
    existing = find_by_email(email)
    if existing is not None:
        _tell_account_exists(existing)
        return None
    member = Member(
        email=email,
        password_hash=password_hash,
        status=MemberStatus.PENDING,
        consent_at=utcnow(),
    )
    apply_profile(member, values)
    db.session.add(member)
    db.session.flush()
    with force_locale(member.locale):
        queue_email(
            member.email,
            _("Bridges: your application arrived"),
            _(
                "Thank you for applying to join Bridges. The coordinators will review your application "
                "and we will write to you.\n\nYou can sign in to see its status: %(link)s",
                link=_link("auth.login"),
            ),
            member_id=member.id,
        )
    log.info("member %s registered (pending)", member.id)
    return member


def _tell_account_exists(member: Member) -> None:
    with force_locale(member.locale):
        queue_email(
            member.email,
            _("Bridges: you already have an account"),
            _(
                "Someone tried to register on Bridges with this email address, which already has an "
                "account. If it was you, sign in: %(login)s\n\nIf you forgot your password, ask for a "
                "new one: %(forgot)s\n\nIf it was not you, you can ignore this email.",
                login=_link("auth.login"),
                forgot=_link("auth.forgot_password"),
            ),
            member_id=member.id,
        )
    log.info("registration attempted for the existing member %s", member.id)


def _link(endpoint: str, **values) -> str:
    """An absolute link from BASE_URL; works after the response too, outside the request."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def authenticate(email: str, password: str, address: str) -> Member:
    """Return the member for a correct email and password, or raise LoginFailed."""
    email = normalise_email(email)
    wait = throttle.retry_after(email, address)
    if wait is not None:
        verify_password(None, password)  # same cost either way
        raise LoginThrottled(wait)
    member = find_by_email(email)
    ok = verify_password(member.password_hash if member else None, password)
    if not ok or member is None or member.status == MemberStatus.SUSPENDED:
        throttle.record_failure(email, address)
        log.info("failed sign-in (member=%s)", member.id if member else "unknown")
        raise LoginFailed()
    if member.status == MemberStatus.REJECTED:
        log.info("sign-in of rejected applicant %s", member.id)
        raise ApplicationRejected(member)
    if not (member.is_coordinator and member.totp_secret):
        # With a second step to come, the count goes on until the code is right: wrong
        # codes add to the same counter across sign-ins (web/auth/totp_views.py).
        throttle.clear(email)
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    member.last_login_at = utcnow()
    return member


def end_all_sessions(member: Member) -> None:
    """Every cookie issued to this member stops working, and so does every reset link."""
    member.rotate_session()
    end_reset_tokens(member)


def end_reset_tokens(member: Member) -> None:
    """Outstanding reset links stop working (a password change, a reset, signing out everywhere)."""
    db.session.execute(
        db.update(PasswordResetToken)
        .where(PasswordResetToken.member_id == member.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def rejection_contacts(member: Member) -> list[Member]:
    """Whom a rejected applicant may ask: her country's focal points, else the regional coordinators."""
    coordinators = db.select(Member).where(Member.is_coordinator.is_(True), Member.status == MemberStatus.ACTIVE)
    national = db.session.scalars(coordinators.where(Member.coordinator_scope == member.country).order_by(Member.id)).all()
    if national:
        return list(national)
    return list(db.session.scalars(coordinators.where(Member.coordinator_scope.is_(None)).order_by(Member.id)).all())


def change_password(member: Member, current: str, new: str, confirm: str | None = None) -> None:
    errors = []
    if not verify_password(member.password_hash, current):
        errors.append(("current_password", _l("Your current password is not correct.")))
    errors += [
        ("new_password", m)
        for m in password_problems(new, email=member.email, name=member.display_name, agency=member.agency_name)
    ]
    if confirm is not None and confirm != new:
        errors.append(("new_password_confirm", _l("The two passwords do not match.")))
    if errors:
        raise ValidationFailed(errors)
    member.password_hash = hash_password(new)
    end_all_sessions(member)
    log.info("member %s changed password", member.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset_later(email: str) -> None:
    """Look the address up and email the link once the answer is sent, so the answer takes
    the same time for a known address and an unknown one."""
    after_response(request_password_reset, email)


def request_password_reset(email: str) -> str | None:
    """Email a single-use reset link when the account exists. Returns the token (for tests)."""
    member = find_by_email(email)
    if member is None or member.status in (MemberStatus.REJECTED, MemberStatus.SUSPENDED):
        return None
    token = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config["PASSWORD_RESET_TTL_SECONDS"])
    db.session.add(PasswordResetToken(member_id=member.id, token_hash=_token_hash(token), expires_at=utcnow() + ttl))
    link = _link("auth.reset_password", token=token)
    with force_locale(member.locale):
        queue_email(
            member.email,
            _("Reset your Bridges password"),
            _(
                "Someone asked to reset the password of your Bridges account.\n\n"
                "To choose a new password, open this link within %(minutes)d minutes:\n%(link)s\n\n"
                "If it was not you, ignore this email; your password stays as it is.",
                minutes=int(ttl.total_seconds() // 60),
                link=link,
            ),
            member_id=member.id,
        )
    log.info("password reset requested for member %s", member.id)
    return token


def reset_token_member(token: str) -> Member | None:
    row = db.session.scalar(db.select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return db.session.get(Member, row.member_id)


def reset_password(token: str, new: str, confirm: str | None = None) -> Member:
    row = db.session.scalar(
        db.select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token)).with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise ValidationFailed([(None, _l("This reset link has expired or was already used. Ask for a new one."))])
    member = db.session.get(Member, row.member_id)
    errors = [
        ("password", m)
        for m in password_problems(new, email=member.email, name=member.display_name, agency=member.agency_name)
    ]
    if confirm is not None and confirm != new:
        errors.append(("password_confirm", _l("The two passwords do not match.")))
    if errors:
        raise ValidationFailed(errors)
    member.password_hash = hash_password(new)
    row.used_at = utcnow()
    end_all_sessions(member)  # other outstanding links die too
    log.info("member %s reset password", member.id)
    return member
