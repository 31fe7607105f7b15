"""Test data builders."""

from __future__ import annotations

import itertools

from web.auth.passwords import hash_password
from web.extensions import db as _db
from web.models import Member, MemberLanguage, MemberStatus, MemberTopic, utcnow

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_member(
    db=None,
    *,
    country="KZ",
    languages=("ru",),
    skills=("leadership",),
    goals=("public_speaking",),
    password=PASSWORD,
    commit=True,
    **overrides,
) -> Member:
    n = next(_counter)
    values = dict(
        email=f"member{n}@example.org",
        display_name=f"Member {n}",
        country=country,
        agency_kind="police",
        agency_name="Ministry of Internal Affairs",
        rank="Captain",
        years_of_service=5,
        is_mentee=True,
        is_mentor=False,
        capacity=0,
        status=MemberStatus.ACTIVE,
        consent_at=utcnow(),
        locale="en",
    )
    values.update(overrides)
    member = Member(password_hash=_hash(password), **values)
    member.languages = [MemberLanguage(code=c) for c in languages]
    member.topics = [MemberTopic(kind="skill", slug=s) for s in skills] + [MemberTopic(kind="goal", slug=g) for g in goals]
    _db.session.add(member)
    if commit:
        _db.session.commit()
    else:
        _db.session.flush()
    return member


def make_coordinator(db=None, **overrides) -> Member:
    overrides.setdefault("is_mentee", False)
    return make_member(db, is_coordinator=True, **overrides)


def make_mentor(db=None, **overrides) -> Member:
    overrides.setdefault("is_mentor", True)
    overrides.setdefault("is_mentee", False)
    overrides.setdefault("capacity", 2)
    overrides.setdefault("years_of_service", 15)
    return make_member(db, **overrides)
