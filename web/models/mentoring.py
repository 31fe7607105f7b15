"""Mentorships, their events, goals, check-ins, feedback and reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TZDateTime, utcnow
from .matching import MatchRun
from .members import Member


class MentorshipState:
    PROPOSED = "proposed"
    ACCEPTED = "accepted"  # by the mentor, awaiting the mentee's confirmation
    ACTIVE = "active"
    COMPLETED = "completed"
    ENDED = "ended"  # ended early
    DECLINED = "declined"
    EXPIRED = "expired"
    PENDING = (PROPOSED, ACCEPTED)
    OPEN = (PROPOSED, ACCEPTED, ACTIVE)
    CLOSED = (COMPLETED, ENDED, DECLINED, EXPIRED)


class Mentorship(db.Model):
    __tablename__ = "mentorship"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_run.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=MentorshipState.PROPOSED, index=True)
    score: Mapped[float | None] = mapped_column()
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # A coordinator deliberately broke a hard constraint; the reason is kept.
    override_reason: Mapped[str] = mapped_column(Text, default="")
    proposed_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    ends_on: Mapped[datetime | None] = mapped_column(TZDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # Seen by the decliner and coordinators, never by the other side.
    close_reason: Mapped[str] = mapped_column(Text, default="")

    mentor: Mapped[Member] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Member] = relationship(foreign_keys=[mentee_id])
    run: Mapped[MatchRun | None] = relationship()
    events: Mapped[list[MentorshipEvent]] = relationship(
        back_populates="mentorship", cascade="all, delete-orphan", order_by="MentorshipEvent.id"
    )

    def involves(self, member: Member) -> bool:
        return member.id in (self.mentor_id, self.mentee_id)


class MentorshipEvent(db.Model):
    """Every transition of a mentorship: who, when, from what to what, and a note."""

    __tablename__ = "mentorship_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    from_state: Mapped[str] = mapped_column(String(16), default="")
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")

    mentorship: Mapped[Mentorship] = relationship(back_populates="events")


class MentorshipGoal(db.Model):
    __tablename__ = "mentorship_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    # A taxonomy topic from the mentee's goals, or None for a free-text goal.
    topic: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(300), default="")
    progress: Mapped[int] = mapped_column(default=0)  # percent: 0, 25, 50, 75, 100
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)


class CheckIn(db.Model):
    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    held_on: Mapped[date] = mapped_column(Date)
    how_it_went: Mapped[str] = mapped_column(Text, default="")
    next_step: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    author: Mapped[Member | None] = relationship()


class Feedback(db.Model):
    """One member's feedback on a mentorship. The other side sees it only if both agree."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("mentorship_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column()
    worked: Mapped[str] = mapped_column(Text, default="")
    did_not_work: Mapped[str] = mapped_column(Text, default="")
    would_continue: Mapped[bool] = mapped_column(default=False)
    share_with_partner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)


class MentorshipReminder(db.Model):
    """Reminders sent by the jobs, so each is sent once (``feedback``) or once per interval."""

    __tablename__ = "mentorship_reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # checkin | feedback
    sent_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
