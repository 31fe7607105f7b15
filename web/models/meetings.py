"""Meetings a mentor and her mentee arrange: one proposes a time and a place (or a call link),
the other accepts; a past accepted meeting is recorded as a check-in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TZDateTime, utcnow
from .members import Member
from .mentoring import CheckIn, Mentorship


class MeetingState:
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    ALL = (PROPOSED, ACCEPTED, DECLINED, CANCELLED)


class Meeting(db.Model):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # UTC; each member sees it in her own time zone.
    starts_at: Mapped[datetime] = mapped_column(TZDateTime())
    minutes: Mapped[int] = mapped_column(default=60)
    # A place, or a link to a call.
    place: Mapped[str] = mapped_column(String(300), default="")
    state: Mapped[str] = mapped_column(String(16), default=MeetingState.PROPOSED)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # The check-in this meeting became once it was over.
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id", ondelete="SET NULL"))

    mentorship: Mapped[Mentorship] = relationship()
    proposed_by: Mapped[Member | None] = relationship()
    check_in: Mapped[CheckIn | None] = relationship()

    # The reminder and check-in sweeps look for accepted meetings by time.
    __table_args__ = (Index("ix_meeting_state_starts_at", "state", "starts_at"),)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)
