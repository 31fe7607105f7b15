"""Argon2id password hashing and the password rules."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_WORD = 3  # shorter pieces of a name or agency are not treated as guessable words

# argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane) rather than the
# library's default (64 MiB, 3 passes, 4 lanes): about 25 ms of one core instead of 200 ms
# of four, so a burst of sign-ins no longer holds every worker of a 2-core server. Why this
# is enough here, and what it gives up: docs/security.md ("Password hashing"). Hashes made
# with other parameters are replaced at the member's next sign-in (``needs_rehash``).
HASH_TIME_COST, HASH_MEMORY_KIB, HASH_PARALLELISM = 2, 19 * 1024, 1
_hasher = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=HASH_PARALLELISM)

# A Russian word typed with the keyboard left on the Latin layout (gfhjkm is "пароль").
_LATIN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,."
_CYRILLIC = "ёйцукенгшщзхъфывапролджэячсмитьбю"
_LAYOUT = str.maketrans(_LATIN, _CYRILLIC)
_NOT_LETTERS = re.compile(r"[\W\d_]+")


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


def _read(name: str) -> frozenset[str]:
    text = resources.files("web").joinpath(f"data/{name}").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def common_passwords() -> frozenset[str]:
    return _read("common_passwords.txt")


@cache
def network_words() -> frozenset[str]:
    """The network's own words (web/data/network_words.txt) and the agency names it offers."""
    from ..taxonomy import AGENCY_KINDS

    words = set(_read("network_words.txt"))
    for code in AGENCY_KINDS:
        words.update(w for w in re.split(r"[_\W]+", code.lower()) if len(w) >= MIN_WORD)
    return frozenset(words)


def _words(*texts: str) -> set[str]:
    """The guessable pieces of a name, an email or an agency name."""
    found: set[str] = set()
    for text in texts:
        for piece in _NOT_LETTERS.split((text or "").lower()):
            if len(piece) >= MIN_WORD:
                found.add(piece)
    return found


def _made_of(letters: str, vocabulary: set[str] | frozenset[str]) -> bool:
    """True when ``letters`` is nothing but words of ``vocabulary`` one after another
    (``osceosce``, ``bordercustoms``)."""
    if not letters:
        return True
    reachable = [True] + [False] * len(letters)
    longest = max((len(w) for w in vocabulary), default=0)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - longest), end):
            if reachable[start] and letters[start:end] in vocabulary:
                reachable[end] = True
                break
    return reachable[-1]


def is_guessable(password: str, *, personal: set[str] = frozenset()) -> bool:
    """A password an attacker tries early: a common one, one of the network's words or the
    member's own (name, email, agency) with digits and symbols around them, or such a word
    typed on the Latin layout of a Russian keyboard."""
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return True
    letters = _NOT_LETTERS.sub("", lowered)
    if letters in common_passwords():
        return True
    vocabulary = network_words() | personal | {w for w in common_passwords() if w.isalpha() and len(w) >= MIN_WORD}
    if _made_of(letters, vocabulary):
        return True
    typed = letters.translate(_LAYOUT)
    return typed != letters and (typed in common_passwords() or _made_of(typed, vocabulary))


def password_problems(password: str, *, email: str = "", name: str = "", agency: str = "") -> list:
    """Translated reasons a password is refused (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(n)d characters.", n=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    lowered = password.lower()
    local = email.lower().split("@")[0] if email else ""
    personal = _words(name, local, agency)
    if (
        (len(local) >= MIN_WORD and local in lowered)
        or (len(name) >= MIN_WORD and name.lower() in lowered)
        or (personal and _made_of(_NOT_LETTERS.sub("", lowered), personal))
    ):
        problems.append(_l("Do not use your name or email as your password."))
    elif is_guessable(password, personal=personal):
        problems.append(_l("This password is too common and easy to guess. Choose another."))
    return problems
