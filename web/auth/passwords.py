"""Argon2id password hashing and the password rules."""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-but-costs-the-same")


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password. With no stored hash a dummy one is checked, so an unknown
    email costs the same time as a known one."""
    try:
        return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("web").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", name: str = "") -> list:
    """Translated reasons a password is refused (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        problems.append(_l("This password is too common and easy to guess. Choose another."))
    elif email and lowered == email.lower().split("@")[0] or (name and lowered == name.lower()):
        problems.append(_l("Do not use your name or email as your password."))
    return problems
