"""The audit log is append-only: the ORM refuses to update or delete an entry.

``web.audit.record`` only ever adds rows; there is no route that changes them. These
listeners make an accidental ``entry.detail = ...`` or ``session.delete(entry)`` fail loudly
at flush time instead of rewriting history."""

from __future__ import annotations

from sqlalchemy import event

from ..models import AuditLog


class AuditLogIsAppendOnly(RuntimeError):
    pass


def _refuse(_mapper, _connection, target) -> None:
    raise AuditLogIsAppendOnly(f"audit entry {target.id} cannot be changed or deleted")


if not event.contains(AuditLog, "before_update", _refuse):
    event.listen(AuditLog, "before_update", _refuse)
    event.listen(AuditLog, "before_delete", _refuse)
