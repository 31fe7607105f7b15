"""Registration, sign-in, passwords and sessions."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from ..extensions import db
from ..mail import queue_email
from ..models import Member, MemberStatus, PasswordResetToken, utcnow
from ..profile.services import apply_profile, clean_profile
from ..validation import ValidationFailed
from . import throttle
from .passwords import hash_password, needs_rehash, password_problems, verify_password

log = logging.getLogger(__name__)


class LoginFailed(Exception):
    """Sign-in refused. The message never says whether the email is registered."""


class LoginThrottled(LoginFailed):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(email: str) -> Member | None:
    return db.session.scalar(db.select(Member).where(Member.email == normalise_email(email)))


def email_problems(email: str) -> list:
    if (
        not email
        or "@" not in email
        or email.startswith("@")
        or email.endswith("@")
        or " " in email
        or len(email) > 254
        or "." not in email.rsplit("@", 1)[-1]
    ):
        return [_l("Enter a valid email address, e.g. name@example.org.")]
    return []


def register(data: dict) -> Member:
    """Create a pending member from registration data (email, password, consent and profile)."""
    errors: list = []
    email = normalise_email(data.get("email", ""))
    errors += [("email", m) for m in email_problems(email)]
    if not errors and find_by_email(email) is not None:
        errors.append(("email", _l("An account with this email already exists. Sign in or reset your password.")))
    password = data.get("password") or ""
    errors += [("password", m) for m in password_problems(password, email=email, name=data.get("display_name") or "")]
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
    member = Member(
        email=email,
        password_hash=hash_password(password),
        status=MemberStatus.PENDING,
        consent_at=utcnow(),
    )
    apply_profile(member, values)
    db.session.add(member)
    db.session.flush()
    log.info("member %s registered (pending)", member.id)
    return member


def authenticate(email: str, password: str, address: str) -> Member:
    """Return the member for a correct email and password, or raise LoginFailed."""
    email = normalise_email(email)
    if throttle.is_locked(email, address):
        verify_password(None, password)  # same cost either way
        raise LoginThrottled()
    member = find_by_email(email)
    ok = verify_password(member.password_hash if member else None, password)
    if not ok or member is None or member.status in (MemberStatus.REJECTED, MemberStatus.SUSPENDED):
        throttle.record_failure(email, address)
        log.info("failed sign-in (member=%s)", member.id if member else "unknown")
        raise LoginFailed()
    throttle.clear(email)
    if needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    member.last_login_at = utcnow()
    return member


def end_all_sessions(member: Member) -> None:
    """Every cookie issued to this member stops working."""
    member.rotate_session()


def change_password(member: Member, current: str, new: str, confirm: str | None = None) -> None:
    errors = []
    if not verify_password(member.password_hash, current):
        errors.append(("current_password", _l("Your current password is not correct.")))
    errors += [("new_password", m) for m in password_problems(new, email=member.email, name=member.display_name)]
    if confirm is not None and confirm != new:
        errors.append(("new_password_confirm", _l("The two passwords do not match.")))
    if errors:
        raise ValidationFailed(errors)
    member.password_hash = hash_password(new)
    end_all_sessions(member)
    log.info("member %s changed password", member.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str) -> str | None:
    """Email a single-use reset link when the account exists. Returns the token (for tests)."""
    member = find_by_email(email)
    if member is None or member.status in (MemberStatus.REJECTED, MemberStatus.SUSPENDED):
        return None
    token = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config["PASSWORD_RESET_TTL_SECONDS"])
    db.session.add(PasswordResetToken(member_id=member.id, token_hash=_token_hash(token), expires_at=utcnow() + ttl))
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset_password", token=token)
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
    errors = [("password", m) for m in password_problems(new, email=member.email, name=member.display_name)]
    if confirm is not None and confirm != new:
        errors.append(("password_confirm", _l("The two passwords do not match.")))
    if errors:
        raise ValidationFailed(errors)
    member.password_hash = hash_password(new)
    row.used_at = utcnow()
    # Other outstanding links die too.
    db.session.execute(
        db.update(PasswordResetToken)
        .where(PasswordResetToken.member_id == member.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=func.now())
    )
    end_all_sessions(member)
    log.info("member %s reset password", member.id)
    return member
