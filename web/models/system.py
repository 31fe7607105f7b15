"""Outgoing mail, the audit log, scheduled-job executions and the scheduler lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TZDateTime, utcnow
from .members import Member


class OutboxEmail(db.Model):
    """Every email the service sends, kept so development can read it and
    failures can be retried. Holds no message text of conversations."""

    __tablename__ = "outbox_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    error: Mapped[str] = mapped_column(Text, default="")


class AuditLog(db.Model):
    """Append-only record of coordinator actions and coordinator sign-ins."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str] = mapped_column(String(64), default="")

    actor: Mapped[Member | None] = relationship(foreign_keys=[actor_id])


class JobExecution(db.Model):
    """One execution of a scheduled job, recorded so it runs once and failures are visible."""

    __tablename__ = "job_execution"
    __table_args__ = (UniqueConstraint("job", "scheduled_for"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    # The schedule slot this execution belongs to: a second process claiming the
    # same slot hits the unique constraint and skips.
    scheduled_for: Mapped[datetime] = mapped_column(TZDateTime())
    started_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    host: Mapped[str] = mapped_column(String(128), default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    traceback: Mapped[str] = mapped_column(Text, default="")
    # 1, then 2, ... when a slot whose process died is run again (the same row).
    attempt: Mapped[int] = mapped_column(default=1, server_default="1")
    # A live process renews its lease (a heartbeat thread); an expired lease means
    # the process died and the execution is marked failed (jobs/scheduler.py).
    lease_expires_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # When an expired lease was found: the attempt was interrupted, not failed by the job.
    interrupted_at: Mapped[datetime | None] = mapped_column(TZDateTime())


class SchedulerLock(db.Model):
    """A named lock row with an expiry (used on SQLite; PostgreSQL uses advisory locks)."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())


class CacheVersion(db.Model):
    """A number that moves whenever what a cached page shows may have changed; triggers of
    migration 0011 move it (``directory``: members, their topics and languages,
    mentorships), so every writer counts. Read by ``web.page_cache``."""

    __tablename__ = "cache_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
