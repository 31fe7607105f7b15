"""Reading the audit log (``web.audit.record`` writes it), within the coordinator's scope."""

from __future__ import annotations

from sqlalchemy import or_, select

from .. import policy
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
    stmt = stmt.where(policy.audit_clause(coordinator))
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
