"""The audit log: one function writes it; nothing updates or deletes it."""

from __future__ import annotations

import logging
from typing import Any

from flask import has_request_context

from .extensions import db
from .models import AuditLog, Member

log = logging.getLogger(__name__)


def record(actor: Member | None, action: str, target: Any = None, **detail: Any) -> AuditLog:
    """Add an audit entry in the current transaction (committed with the action itself)."""
    address = ""
    if has_request_context():
        from .security import client_address

        address = client_address()
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(getattr(target, "id", "") or "") if target is not None else "",
        detail=detail,
        address=address,
    )
    db.session.add(entry)
    log.info("audit %s by %s on %s:%s", action, entry.actor_id, entry.target_type, entry.target_id)
    return entry
