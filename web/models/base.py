"""Column types and helpers shared by every model."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import func

from ..extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class TZDateTime(db.TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = db.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=UTC)
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def count(query) -> int:
    return db.session.scalar(db.select(func.count()).select_from(query.subquery())) or 0
