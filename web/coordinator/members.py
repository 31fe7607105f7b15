"""Applications and members: admitting, rejecting, suspending and reactivating.

Who may act on whom is ``web.policy.may_act_on_member``: members she covers, never herself,
a coordinator only when she is regional."""

from __future__ import annotations

import logging

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from .. import policy
from ..audit import record
from ..extensions import db
from ..mail import queue_email
from ..matches.rules import lock_members
from ..models import Member, MemberStatus, utcnow
from ..policy import scoped_members
from ..validation import ValidationFailed

log = logging.getLogger(__name__)


def get_member_for(coordinator: Member, member_id: int) -> Member | None:
    return db.session.scalar(scoped_members(coordinator).where(Member.id == member_id))


def pending_applications(coordinator: Member) -> list[Member]:
    stmt = scoped_members(coordinator).where(Member.status == MemberStatus.PENDING)
    stmt = stmt.options(selectinload(Member.languages), selectinload(Member.topics))
    return list(db.session.scalars(stmt.order_by(Member.created_at, Member.id)))


def _transition(
    member: Member, coordinator: Member, allowed_from: tuple[str, ...], to: str, note: str, action: str
) -> Member:
    # Two coordinators at once (or a deletion beside an approval): the second sees the first's result.
    lock_members([member.id])
    db.session.refresh(member)
    if member.deleted_at is not None:  # erased on her request: nobody brings the account back
        raise ValidationFailed([(None, _l("This account was deleted on the member's request; it cannot be reactivated."))])
    if member.status not in allowed_from:
        raise ValidationFailed([(None, _l("This member's status has changed meanwhile; nothing was done."))])
    if member.id == coordinator.id:
        raise ValidationFailed([(None, _l("You cannot change your own status."))])
    if not policy.may_act_on_member(coordinator, member):
        raise ValidationFailed([(None, _l("Only a regional coordinator can change a coordinator's status."))])
    member.status = to
    member.status_note = (note or "").strip()[:2000]
    member.reviewed_at = utcnow()
    member.reviewed_by_id = coordinator.id
    if to in (MemberStatus.SUSPENDED, MemberStatus.REJECTED):
        member.rotate_session()
    record(coordinator, action, member, note=member.status_note)
    return member


def _notify(member: Member, subject, body) -> None:
    """Email the member in her own language that her status changed. The coordinator's note
    stays in the service (her profile page, or the sign-in page of a refused applicant):
    mail goes through servers the network does not control."""
    with force_locale(member.locale):
        queue_email(member.email, str(subject), str(body) % {"link": _site_link()}, member_id=member.id)


def _site_link() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for("auth.login")


def approve(member: Member, coordinator: Member, note: str = "") -> Member:
    _transition(member, coordinator, (MemberStatus.PENDING,), MemberStatus.ACTIVE, note, "member.approve")
    _notify(
        member,
        _l("Welcome to Bridges"),
        _l(
            "Your application to the network was approved. You can now sign in, complete your "
            "profile and find colleagues across the region: %(link)s"
        ),
    )
    return member


def reject(member: Member, coordinator: Member, note: str = "") -> Member:
    _transition(member, coordinator, (MemberStatus.PENDING,), MemberStatus.REJECTED, note, "member.reject")
    _notify(
        member,
        _l("Your Bridges application"),
        _l(
            "Your application to the network was not approved. Sign in to read the coordinator's note "
            "and whom to contact: %(link)s"
        ),
    )
    return member


def suspend(member: Member, coordinator: Member, note: str = "") -> Member:
    _transition(member, coordinator, (MemberStatus.ACTIVE,), MemberStatus.SUSPENDED, note, "member.suspend")
    _notify(
        member,
        _l("Your Bridges account is suspended"),
        _l("A coordinator suspended your account. Contact your national focal point with questions. %(link)s"),
    )
    return member


def reactivate(member: Member, coordinator: Member, note: str = "") -> Member:
    _transition(
        member, coordinator, (MemberStatus.SUSPENDED, MemberStatus.REJECTED), MemberStatus.ACTIVE, note, "member.reactivate"
    )
    _notify(
        member,
        _l("Your Bridges account is active again"),
        _l("A coordinator reactivated your account. You can sign in again: %(link)s"),
    )
    return member


ACTIONS = {"approve": approve, "reject": reject, "suspend": suspend, "reactivate": reactivate}
