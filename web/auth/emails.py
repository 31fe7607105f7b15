"""Email addresses of members: one normal form, the check of a typed address, the lookup.

Kept apart from the sign-in services so the profile area (which changes an address) can
use them without importing the registration code, which itself uses the profile's rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Member


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
