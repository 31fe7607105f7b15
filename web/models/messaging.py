"""Conversations, messages, reports and notifications."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import TZDateTime, utcnow
from .members import Member
from .mentoring import Mentorship


class ConversationKind:
    MENTORSHIP = "mentorship"
    DIRECT = "direct"


class ConversationState:
    PENDING = "pending"  # a direct conversation the other has not accepted yet
    OPEN = "open"
    BLOCKED = "blocked"


class Conversation(db.Model):
    """A private conversation between two members: one per mentorship, or a
    direct (networking) one started from the directory."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=ConversationKind.DIRECT)
    state: Mapped[str] = mapped_column(String(16), default=ConversationState.OPEN, index=True)
    mentorship_id: Mapped[int | None] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), unique=True)
    # "<smaller id>:<larger id>" for direct conversations, so a pair has only one.
    direct_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(TZDateTime(), index=True)
    # Moved by the database on every insert, update and delete of its messages (migration
    # 0011's triggers): a process's rendered copy of its messages is reused while it stands.
    # Starts at random, so a conversation made with the id of a deleted one (SQLite reuses
    # ids) does not match what was cached for the old one.
    message_version: Mapped[int] = mapped_column(BigInteger, default=lambda: secrets.randbits(52), server_default="0")

    mentorship: Mapped[Mentorship | None] = relationship()
    participants: Mapped[list[ConversationParticipant]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        order_by="ConversationParticipant.member_id",
    )


class ConversationParticipant(db.Model):
    __tablename__ = "conversation_participant"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True)
    # Everything up to this message id has been read.
    last_read_message_id: Mapped[int] = mapped_column(default=0)
    # The invitee chose to ignore a direct request: hidden from her, no notifications.
    ignored: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()


class Message(db.Model):
    """Plain text. Never logged, never emailed, never shown to coordinators
    unless it is part of a report."""

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    sender: Mapped[Member | None] = relationship()


class MessageRateCounter(db.Model):
    """Messages a member wrote in one minute, shared by every worker."""

    __tablename__ = "message_rate_counter"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(TZDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class MessageReport(db.Model):
    """A member reported a conversation; coordinators see only the messages she chose."""

    __tablename__ = "message_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id", ondelete="SET NULL"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    reported_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))

    reporter: Mapped[Member | None] = relationship(foreign_keys=[reporter_id])
    reported_member: Mapped[Member | None] = relationship(foreign_keys=[reported_member_id])
    items: Mapped[list[ReportedMessage]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportedMessage.id"
    )


class ReportedMessage(db.Model):
    """A copy of one reported message, kept even if the sender deletes it."""

    __tablename__ = "reported_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("message_report.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(TZDateTime())

    report: Mapped[MessageReport] = relationship(back_populates="items")
    sender: Mapped[Member | None] = relationship()


class EmailState:
    NONE = ""
    PENDING = "pending"  # waiting for the daily digest
    SENT = "sent"


class Notification(db.Model):
    """An in-app notification; its text is composed at display time in the reader's language."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_member_id_read_at", "member_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    mentorship_id: Mapped[int | None] = mapped_column(ForeignKey("mentorship.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    email_state: Mapped[str] = mapped_column(String(16), default=EmailState.NONE, index=True)
    emailed_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    member: Mapped[Member] = relationship()
    mentorship: Mapped[Mentorship | None] = relationship()
    conversation: Mapped[Conversation | None] = relationship()
