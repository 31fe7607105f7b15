"""Matching runs, their pairs and pairs a coordinator has ruled out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TZDateTime, utcnow
from .members import Member


class MatchRunStatus:
    RUNNING = "running"
    DRAFT = "draft"
    PUBLISHED = "published"
    DISCARDED = "discarded"
    FAILED = "failed"


class MatchRun(db.Model):
    """One matching run: its input snapshot, configuration, summary and pairs."""

    __tablename__ = "match_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default=MatchRunStatus.RUNNING, index=True)
    started_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # "scheduler" or "member:<id>"
    started_by: Mapped[str] = mapped_column(String(64), default="scheduler")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    is_what_if: Mapped[bool] = mapped_column(default=False)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    input_hash: Mapped[str] = mapped_column(String(64), default="")
    # The matcher input (JSON Lines text), so a run can be exported and reproduced.
    snapshot: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dropped: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    traceback: Mapped[str] = mapped_column(Text, default="")

    pairs: Mapped[list[MatchRunPair]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="MatchRunPair.id"
    )


class MatchRunPair(db.Model):
    __tablename__ = "match_run_pair"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_run.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(default=0.0)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)

    run: Mapped[MatchRun] = relationship(back_populates="pairs")
    mentor: Mapped[Member] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Member] = relationship(foreign_keys=[mentee_id])


class ForbiddenPair(db.Model):
    """A mentor-mentee pair never to be proposed again (declined, ended, or forbidden)."""

    __tablename__ = "forbidden_pair"
    __table_args__ = (UniqueConstraint("mentor_id", "mentee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # declined | ended | coordinator
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
