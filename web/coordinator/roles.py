"""Coordinators and their scope: only a regional coordinator grants, changes or revokes the role."""

from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import policy, taxonomy
from ..audit import record
from ..collation import name_order
from ..extensions import db
from ..models import (
    Member,
    MemberStatus,
)
from ..validation import ValidationFailed
from .scope import find_member


def require_regional(coordinator: Member) -> None:
    if not policy.may_manage_coordinators(coordinator):
        abort(403)


def coordinators() -> list[Member]:
    stmt = select(Member).where(Member.is_coordinator.is_(True))
    return list(db.session.scalars(stmt.order_by(name_order(Member.display_name), Member.id)))


def set_coordinator(coordinator: Member, member_ref: str, scope: str | None, *, make: bool = True) -> Member:
    """Make a member a coordinator with this scope (a country code, or None: regional), change
    a coordinator's scope, or (``make=False``) take the role away."""
    require_regional(coordinator)
    member = find_member(coordinator, member_ref, scoped=False)
    if member is None:
        raise ValidationFailed([("member", _l("No member with this number or email."))])
    if member.id == coordinator.id:
        raise ValidationFailed([("member", _l("You cannot change your own role."))])
    scope = scope or None
    if scope is not None and scope not in taxonomy.COUNTRIES:
        raise ValidationFailed([("scope", _l("Choose a country from the list."))])
    if make and member.status != MemberStatus.ACTIVE:
        raise ValidationFailed([("member", _l("Only an approved, active member can coordinate."))])
    before = {"coordinator": member.is_coordinator, "scope": member.coordinator_scope}
    member.is_coordinator = make
    member.coordinator_scope = scope if make else None
    if not make:
        member.totp_secret = None
    record(
        coordinator,
        "coordinator.scope" if before["coordinator"] and make else "coordinator.grant" if make else "coordinator.revoke",
        member,
        before=before,
        after={"coordinator": make, "scope": member.coordinator_scope},
    )
    return member


def reset_second_factor(coordinator: Member, member_id: int) -> Member:
    """A coordinator who lost her authenticator enrols again at her next sign-in."""
    require_regional(coordinator)
    member = db.session.get(Member, member_id)
    if member is None or not member.is_coordinator:
        abort(404)
    if not policy.may_act_on_coordinator(coordinator, member):
        abort(403)
    member.totp_secret = None
    member.rotate_session()
    record(coordinator, "coordinator.totp_reset", member)
    return member
