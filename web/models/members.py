"""Members, their languages and topics, sign-in throttles and reset tokens."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ..collation import ICU_LOCALES, collation_name
from ..directory.normalise import member_search_text
from ..extensions import db
from .base import TZDateTime, new_session_token, utcnow


class MemberStatus:
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ALL = (PENDING, ACTIVE, REJECTED, SUSPENDED)


def _collated_name_indexes(prefix: str, *leading: str) -> list[Index]:
    """One index per interface language: ``leading`` columns, the name in that language's
    collation on PostgreSQL, then the id. Empty on SQLite (WHERE 0), which sorts without them."""
    return [
        Index(
            f"{prefix}_{locale.lower()}",
            *leading,
            "display_name",
            "id",
            postgresql_ops={"display_name": f"COLLATE {collation_name(locale)}"},
            sqlite_where=text("0"),
        )
        for locale in ICU_LOCALES
    ]


class Member(UserMixin, db.Model):
    __tablename__ = "member"
    __table_args__ = (
        # The directory: active members (of a country) in name order, a page at a time (0006).
        Index("ix_member_status_country_display_name", "status", "country", "display_name", "id"),
        Index("ix_member_status_display_name", "status", "display_name", "id"),
        # The same in the alphabet of each interface language (web/collation.py), on PostgreSQL
        # in that language's collation (0009); SQLite sorts them without an index (WHERE 0).
        *_collated_name_indexes("ix_member_status_display_name", "status"),
        # And by country in that order (0010): names follow countries, so a country filter
        # walking the index above skipped thousands of rows (26 ms a page, 1 ms with these).
        *_collated_name_indexes("ix_member_status_country_display_name", "status", "country"),
        # Directory search: trigrams make LIKE '%text%' an index lookup on PostgreSQL (0008);
        # SQLite cannot use an index for it, so its index stays empty (WHERE 0).
        Index(
            "ix_member_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased, so uniqueness holds regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # The name as typed; erased ("") when the account is deleted. Read ``display_name``.
    stored_name: Mapped[str] = mapped_column("display_name", String(80))
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
    # Set when the account was deleted on request: personal fields are erased (web/account).
    deleted_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # Refreshed at most once a minute (web/security.py), never on every request.
    last_seen_at: Mapped[datetime | None] = mapped_column(TZDateTime())
    # Folded name, and agency name and bio where shown, for the directory search
    # (kept by the listener below on every insert and update).
    search_text: Mapped[str] = mapped_column(Text, default="")

    languages: Mapped[list[MemberLanguage]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberLanguage.code"
    )
    topics: Mapped[list[MemberTopic]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberTopic.slug"
    )

    def _shown_name(self) -> str:
        """Her name; once her account is deleted, "Deleted member" in the reader's language."""
        return Member.shown_name(self.stored_name, self.deleted_at)

    @staticmethod
    def shown_name(stored_name: str, deleted_at) -> str:
        """``display_name`` from the two columns (for pages that read them without the row)."""
        return gettext("Deleted member") if deleted_at is not None else stored_name

    def _set_name(self, value: str) -> None:
        self.stored_name = value

    # In queries ``Member.display_name`` is the column (filters, ordering, rows).
    display_name: Mapped[str] = synonym("stored_name", descriptor=property(_shown_name, _set_name))

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


@event.listens_for(Member, "before_insert")
@event.listens_for(Member, "before_update")
def _keep_search_text(mapper, connection, member: Member) -> None:
    member.search_text = member_search_text(member)


class MemberLanguage(db.Model):
    __tablename__ = "member_language"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    member: Mapped[Member] = relationship(back_populates="languages")

    # The directory's language filter reads this index alone (migration 0011).
    __table_args__ = (Index("ix_member_language_code_member_id", "code", "member_id"),)


class MemberTopic(db.Model):
    """A taxonomy topic a member offers (``skill``) or wants to learn (``goal``)."""

    __tablename__ = "member_topic"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    member: Mapped[Member] = relationship(back_populates="topics")

    # The directory's skill filter reads this index alone (migration 0011).
    __table_args__ = (Index("ix_member_topic_kind_slug_member_id", "kind", "slug", "member_id"),)


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
