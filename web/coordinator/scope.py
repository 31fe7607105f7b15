"""Where a coordinator's scope is looked up: loaders that refuse (404) what she may not see."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import (
    MatchRun,
    MatchRunStatus,
    Member,
    Mentorship,
)
from ..validation import ValidationFailed
from .members import scoped_members

# --- scope ---------------------------------------------------------------------------------


def is_regional(coordinator: Member) -> bool:
    return coordinator.coordinator_scope is None


def in_scope(coordinator: Member, *people: Member | None) -> bool:
    """True when any of ``people`` is a member the coordinator looks after."""
    scope = coordinator.coordinator_scope
    return scope is None or any(p is not None and p.country == scope for p in people)


def get_run(run_id: int) -> MatchRun:
    """Any coordinator may open a run's report; what it lists is scoped in ``report``."""
    run = db.session.get(MatchRun, run_id)
    if run is None or run.status in (MatchRunStatus.RUNNING,):
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
