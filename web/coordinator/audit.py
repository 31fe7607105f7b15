"""Reading the audit log (``web.audit.record`` writes it), within the coordinator's scope."""

from __future__ import annotations

from sqlalchemy import String, and_, cast, or_, select

from ..extensions import db
from ..models import (
    AuditLog,
    Member,
)


def audit_entries(coordinator: Member, action: str | None = None):
    """Newest first. A focal point reads what coordinators of her country did and what was
    done to members of her country."""
    stmt = select(AuditLog)
    if action:
        stmt = stmt.where(or_(AuditLog.action == action, AuditLog.action.like(f"{action}.%")))
    scope = coordinator.coordinator_scope
    if scope:
        colleagues = select(Member.id).where(Member.is_coordinator.is_(True), Member.coordinator_scope == scope)
        own = select(cast(Member.id, String)).where(Member.country == scope)
        stmt = stmt.where(
            or_(AuditLog.actor_id.in_(colleagues), and_(AuditLog.target_type == "member", AuditLog.target_id.in_(own)))
        )
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
