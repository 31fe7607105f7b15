"""Loaders of the coordinator area: each asks ``web.policy`` and refuses (404) what the
coordinator may not see, so its existence is not revealed."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import policy
from ..extensions import db
from ..models import (
    MatchRun,
    MatchRunStatus,
    Member,
    Mentorship,
)
from ..policy import is_regional, scoped_members
from ..validation import ValidationFailed

__all__ = ["find_member", "get_mentorship_for_coordinator", "get_run", "in_scope", "is_regional", "scoped_members"]


def in_scope(coordinator: Member, *people: Member | None) -> bool:
    """The policy's cross-border rule: any of ``people`` is a member she covers."""
    return policy.covers_any(coordinator, *people)


def get_run(run_id: int, coordinator: Member | None = None) -> MatchRun:
    """Any coordinator may open a finished run's report; what it lists is scoped in ``report``."""
    run = db.session.get(MatchRun, run_id)
    if run is None or run.status in (MatchRunStatus.RUNNING,):
        abort(404)
    if coordinator is not None and not policy.may_open_runs(coordinator):
        abort(404)
    return run


def get_mentorship_for_coordinator(coordinator: Member, mentorship_id: int) -> Mentorship:
    m = db.session.get(Mentorship, mentorship_id)
    if m is None or not in_scope(coordinator, m.mentor, m.mentee):
        abort(404)
    return m


def find_member(coordinator: Member, ref: str | int | None, *, scoped: bool) -> Member | None:
    """A member by number or email; within the coordinator's scope when ``scoped``."""
    ref = str(ref or "").strip()
    if not ref:
        return None
    stmt = scoped_members(coordinator) if scoped else select(Member)
    if ref.isdigit():
        stmt = stmt.where(Member.id == int(ref))
    else:
        stmt = stmt.where(Member.email == ref.lower())
    return db.session.scalar(stmt)


def _members(ids) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}


def _pair_members(coordinator: Member, mentor_ref: str, mentee_ref: str, out_of_scope_message) -> tuple[Member, Member]:
    """Both members of a pair by number or email, refused unless the coordinator's scope covers it."""
    mentor = find_member(coordinator, mentor_ref, scoped=False)
    mentee = find_member(coordinator, mentee_ref, scoped=False)
    errors = []
    if mentor is None:
        errors.append(("mentor", _l("No member with this number or email.")))
    if mentee is None:
        errors.append(("mentee", _l("No member with this number or email.")))
    if errors:
        raise ValidationFailed(errors)
    if not in_scope(coordinator, mentor, mentee):
        raise ValidationFailed([(None, out_of_scope_message)])
    return mentor, mentee
