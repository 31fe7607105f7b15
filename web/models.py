"""Typed SQLAlchemy models of the member area, mentorships and matching runs.

Stored data is language-neutral: countries, agencies, languages and topics
are codes (see ``web.taxonomy``)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


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


class MemberStatus:
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ALL = (PENDING, ACTIVE, REJECTED, SUSPENDED)


class Member(UserMixin, db.Model):
    __tablename__ = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased, so uniqueness holds regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(8), index=True)
    agency_kind: Mapped[str] = mapped_column(String(40), index=True)
    agency_name: Mapped[str] = mapped_column(String(160), default="")
    rank: Mapped[str] = mapped_column(String(80), default="")
    years_of_service: Mapped[int] = mapped_column(default=0)
    is_mentee: Mapped[bool] = mapped_column(default=True)
    is_mentor: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(default=0)
    goals_text: Mapped[str] = mapped_column(Text, default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Almaty")
    consent_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    status: Mapped[str] = mapped_column(String(16), default=MemberStatus.PENDING, index=True)
    status_note: Mapped[str] = mapped_column(Text, default="")
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    # None: regional coordinator (all countries); a country code: national focal point.
    coordinator_scope: Mapped[str | None] = mapped_column(String(8))
    show_agency_name: Mapped[bool] = mapped_column(default=True)
    show_rank: Mapped[bool] = mapped_column(default=True)
    show_bio: Mapped[bool] = mapped_column(default=True)
    show_email: Mapped[bool] = mapped_column(default=False)
    # immediately | digest | off
    email_notifications: Mapped[str] = mapped_column(String(16), default="immediately")
    # Rotated to end every session of the member (logout, password change, suspension).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step used, so a code works once only.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow, onupdate=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    last_login_at: Mapped[datetime | None] = mapped_column(TZDateTime())

    languages: Mapped[list[MemberLanguage]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberLanguage.code"
    )
    topics: Mapped[list[MemberTopic]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberTopic.slug"
    )

    # Flask-Login: the session stores id and token, so rotating the token
    # makes every copied cookie useless.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login: rejected/suspended cannot log in
        return self.status in (MemberStatus.ACTIVE, MemberStatus.PENDING)

    @property
    def is_approved(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def language_codes(self) -> list[str]:
        return sorted(lang.code for lang in self.languages)

    @property
    def skills(self) -> list[str]:
        return sorted(t.slug for t in self.topics if t.kind == "skill")

    @property
    def goals(self) -> list[str]:
        return sorted(t.slug for t in self.topics if t.kind == "goal")

    @property
    def role(self) -> str:
        if self.is_mentor and self.is_mentee:
            return "both"
        return "mentor" if self.is_mentor else "mentee"

    def rotate_session(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.status}>"


class MemberLanguage(db.Model):
    __tablename__ = "member_language"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)
    member: Mapped[Member] = relationship(back_populates="languages")


class MemberTopic(db.Model):
    """A taxonomy topic a member offers (``skill``) or wants to learn (``goal``)."""

    __tablename__ = "member_topic"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[Member] = relationship(back_populates="topics")

    __table_args__ = (Index("ix_member_topic_kind_slug", "kind", "slug"),)


class LoginThrottle(db.Model):
    """Failed-login counters shared by every worker (``acct:<email>``, ``addr:<ip>``)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_start: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(TZDateTime())


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    # Only a hash is stored; the token itself lives in the email.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime())


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


def count(query) -> int:
    return db.session.scalar(db.select(func.count()).select_from(query.subquery())) or 0


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


class SchedulerLock(db.Model):
    """A named lock row with an expiry (used on SQLite; PostgreSQL uses advisory locks)."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(TZDateTime())


# Models of later areas live in their own modules; importing them here keeps
# one metadata for the migrations.
from . import models_mentoring  # noqa: E402, F401
