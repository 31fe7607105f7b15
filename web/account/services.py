"""A member's own data: an export of it, and the deletion of her account on request.

Deletion keeps the row of the member (so what she wrote to others stays readable
for them, signed "Deleted member" in each reader's language: ``Member.display_name``)
and erases everything that describes her: name, email (an unusable placeholder),
password, agency, rank, bio, goals in her own words, languages, topics, second factor, notifications addressed to her,
emails sent to her, reset tokens, sign-in and message counters, and the bio in
the input snapshots of matching runs. Country and agency kind stay: codes that
name nobody and keep the programme's figures right. Her open mentorships end
through the normal transitions, so the other side is told as always. The audit
log records the deletion and who asked (she herself, or a coordinator on a
written request, with its note).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, or_, select

from .. import policy
from ..audit import record
from ..auth.passwords import verify_password
from ..extensions import db
from ..matches.rules import lock_members
from ..models import (
    CheckIn,
    ConversationParticipant,
    Feedback,
    LoginThrottle,
    MatchRun,
    Meeting,
    Member,
    MemberLanguage,
    MemberStatus,
    MemberTopic,
    Mentorship,
    MentorshipGoal,
    MentorshipState,
    Message,
    MessageRateCounter,
    Notification,
    OutboxEmail,
    PasswordResetToken,
)
from ..validation import ValidationFailed

log = logging.getLogger(__name__)

ERASED_NAME = ""  # no stored placeholder: the name shown is translated when read
# Not a hash: nothing verifies against it, so no password signs in.
UNUSABLE_PASSWORD = "!deleted"  # noqa: S105
NOTE_MAX = 2000


# --- export ----------------------------------------------------------------------------


def _when(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat()


def export_data(member: Member, now: datetime) -> dict[str, Any]:
    """Everything the service holds that she gave or wrote: her profile, her goals, the
    mentorships she is in with their goals, the check-ins, feedback and messages she wrote."""
    mentorships = db.session.scalars(
        select(Mentorship)
        .where(or_(Mentorship.mentor_id == member.id, Mentorship.mentee_id == member.id))
        .order_by(Mentorship.id)
    ).all()
    return {
        "exported_at": _when(now),
        "profile": _profile(member),
        "mentorships": [_mentorship(m, member) for m in mentorships],
        "check_ins": [
            {
                "mentorship_id": c.mentorship_id,
                "held_on": _when(c.held_on),
                "how_it_went": c.how_it_went,
                "next_step": c.next_step,
                "written_at": _when(c.created_at),
            }
            for c in db.session.scalars(select(CheckIn).where(CheckIn.author_id == member.id).order_by(CheckIn.id))
        ],
        "feedback": [
            {
                "mentorship_id": f.mentorship_id,
                "rating": f.rating,
                "worked": f.worked,
                "did_not_work": f.did_not_work,
                "would_continue": f.would_continue,
                "share_with_partner": f.share_with_partner,
                "written_at": _when(f.created_at),
            }
            for f in db.session.scalars(select(Feedback).where(Feedback.author_id == member.id).order_by(Feedback.id))
        ],
        "messages": [
            {
                "conversation_id": msg.conversation_id,
                "sent_at": _when(msg.created_at),
                "body": msg.body,
                "deleted_at": _when(msg.deleted_at),
            }
            for msg in db.session.scalars(select(Message).where(Message.sender_id == member.id).order_by(Message.id))
        ],
    }


def _profile(member: Member) -> dict[str, Any]:
    return {
        "id": member.id,
        "email": member.email,
        "display_name": member.display_name,
        "country": member.country,
        "agency_kind": member.agency_kind,
        "agency_name": member.agency_name,
        "rank": member.rank,
        "years_of_service": member.years_of_service,
        "roles": {"mentee": member.is_mentee, "mentor": member.is_mentor, "coordinator": member.is_coordinator},
        "capacity": member.capacity,
        "languages": member.language_codes,
        "skills": member.skills,
        "goals": member.goals,
        "goals_in_my_words": member.goals_text,
        "bio": member.bio,
        "locale": member.locale,
        "timezone": member.timezone,
        "privacy": {
            "show_agency_name": member.show_agency_name,
            "show_rank": member.show_rank,
            "show_bio": member.show_bio,
            "show_email": member.show_email,
        },
        "email_notifications": member.email_notifications,
        "status": member.status,
        "consent_at": _when(member.consent_at),
        "created_at": _when(member.created_at),
        "last_login_at": _when(member.last_login_at),
    }


def _mentorship(m: Mentorship, member: Member) -> dict[str, Any]:
    partner = m.mentee if m.mentor_id == member.id else m.mentor
    goals = db.session.scalars(
        select(MentorshipGoal).where(MentorshipGoal.mentorship_id == m.id).order_by(MentorshipGoal.id)
    ).all()
    return {
        "id": m.id,
        "my_role": "mentor" if m.mentor_id == member.id else "mentee",
        "partner": partner.display_name if partner is not None else None,
        "state": m.state,
        "proposed_at": _when(m.proposed_at),
        "accepted_at": _when(m.accepted_at),
        "activated_at": _when(m.activated_at),
        "ends_on": _when(m.ends_on),
        "closed_at": _when(m.closed_at),
        "meetings": [
            {
                "starts_at": _when(mt.starts_at),
                "minutes": mt.minutes,
                "place": mt.place,
                "state": mt.state,
                "proposed_by_me": mt.proposed_by_id == member.id,
            }
            for mt in db.session.scalars(select(Meeting).where(Meeting.mentorship_id == m.id).order_by(Meeting.id))
        ],
        "goals": [
            {
                "topic": g.topic,
                "text": g.text,
                "progress": g.progress,
                "written_by_me": g.created_by_id == member.id,
                "created_at": _when(g.created_at),
            }
            for g in goals
        ],
    }


def export_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)


def record_export_for(coordinator: Member, member: Member, note: str) -> None:
    """A coordinator exports a member's data on her written request: the note is required."""
    _check_coordinator(coordinator, member)
    record(coordinator, "account.export", member, note=_note(note))


# --- deletion --------------------------------------------------------------------------


def _note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationFailed([("note", _l("Say whose written request this is and when it came."))])
    if len(note) > NOTE_MAX:
        raise ValidationFailed([("note", _l("Use at most %(n)d characters.", n=NOTE_MAX))])
    return note


def _check_coordinator(coordinator: Member, member: Member) -> None:
    if not policy.acting_coordinator(coordinator) or not policy.may_act_on_member(coordinator, member):
        raise ValidationFailed([(None, _l("You cannot act on this member."))])


def delete_own_account(member: Member, password: str, now: datetime) -> dict[str, int]:
    """She deletes her account after typing her password again."""
    if not verify_password(member.password_hash, password or ""):
        raise ValidationFailed([("password", _l("The password is not correct."))])
    return _delete(member, requested_by=member, now=now, note="")


def delete_account_for(coordinator: Member, member: Member, note: str, now: datetime) -> dict[str, int]:
    """A coordinator deletes a member's account on her written request (the note says which)."""
    _check_coordinator(coordinator, member)
    return _delete(member, requested_by=coordinator, now=now, note=_note(note))


def _delete(member: Member, *, requested_by: Member, now: datetime, note: str) -> dict[str, int]:
    lock_members([member.id])  # a second click, or a coordinator's action at the same moment, waits
    db.session.refresh(member)
    if member.deleted_at is not None:
        raise ValidationFailed([(None, _l("This account is already deleted."))])
    closed = _close_mentorships(member, requested_by, now)
    erased = _erase(member, now)
    by_self = requested_by.id == member.id
    record(
        requested_by,
        "account.delete",
        member,
        requested_by="member" if by_self else "coordinator",
        note=note,
        mentorships_closed=closed,
        **erased,
    )
    log.info("account %s deleted on request of %s", member.id, "herself" if by_self else requested_by.id)
    return {"mentorships_closed": closed, **erased}


def _close_mentorships(member: Member, requested_by: Member, now: datetime) -> int:
    """Her open mentorships end through the normal transitions; the other side is told."""
    from ..matches import lifecycle
    from ..notifications.services import notify

    reason = _("The member deleted her account.")
    open_ones = db.session.scalars(
        select(Mentorship)
        .where(
            or_(Mentorship.mentor_id == member.id, Mentorship.mentee_id == member.id),
            Mentorship.state.in_(MentorshipState.OPEN),
        )
        .order_by(Mentorship.id)
    ).all()
    for m in open_ones:
        if requested_by.id != member.id:
            lifecycle.end_by_coordinator(m, requested_by, now, reason)
            other = m.mentee if m.mentor_id == member.id else m.mentor
            notify(other, "mentorship_ended", mentorship=m, now=now)
        elif m.state in MentorshipState.PENDING:
            lifecycle.decline(m, member, now, reason)
        else:
            lifecycle.end(m, member, now, reason)
    return len(open_ones)


def _erase(member: Member, now: datetime) -> dict[str, int]:
    email = member.email
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]  # as web/auth/throttle.py keys it
    counts = {
        "notifications": _delete_rows(delete(Notification).where(Notification.member_id == member.id)),
        "emails": _delete_rows(delete(OutboxEmail).where(or_(OutboxEmail.member_id == member.id, OutboxEmail.to == email))),
        "reset_tokens": _delete_rows(delete(PasswordResetToken).where(PasswordResetToken.member_id == member.id)),
        "throttles": _delete_rows(delete(LoginThrottle).where(LoginThrottle.key.like(f"%acct:{digest}"))),
        "message_counters": _delete_rows(delete(MessageRateCounter).where(MessageRateCounter.member_id == member.id)),
    }
    _delete_rows(delete(MemberLanguage).where(MemberLanguage.member_id == member.id))
    _delete_rows(delete(MemberTopic).where(MemberTopic.member_id == member.id))
    db.session.expire(member, ["languages", "topics"])
    counts["run_snapshots"] = _scrub_snapshots(member.id)
    # Her conversations stay readable for the other side; nothing notifies her any more.
    db.session.execute(
        ConversationParticipant.__table__.update().where(ConversationParticipant.member_id == member.id).values(ignored=True)
    )
    member.email = f"deleted-{member.id}@deleted.invalid"
    member.password_hash = UNUSABLE_PASSWORD
    member.display_name = ERASED_NAME
    member.agency_name = ""
    member.rank = ""
    member.years_of_service = 0
    member.bio = ""
    member.goals_text = ""
    member.is_mentee = member.is_mentor = False
    member.capacity = 0
    member.is_coordinator = False
    member.coordinator_scope = None
    member.show_agency_name = member.show_rank = member.show_bio = member.show_email = False
    member.email_notifications = "off"
    member.totp_secret = None
    member.totp_last_step = None
    member.status = MemberStatus.REJECTED
    member.status_note = ""
    member.last_login_at = None
    if hasattr(member, "last_seen_at"):
        member.last_seen_at = None
    member.deleted_at = now
    member.rotate_session()  # every session ends
    db.session.flush()
    return counts


def _delete_rows(statement) -> int:
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0


def _scrub_snapshots(member_id: int) -> int:
    """Blank her bio in the matcher input kept by each run (JSON Lines, one member a line)."""
    needle = f'"id": "{member_id}"'
    changed = 0
    for run in db.session.scalars(select(MatchRun).where(MatchRun.snapshot.contains(needle))):
        lines = []
        for line in run.snapshot.splitlines():
            if needle in line:
                row = json.loads(line)
                if row.get("id") == str(member_id) and row.get("bio"):
                    row["bio"] = ""
                    line = json.dumps(row, ensure_ascii=False, sort_keys=True)
            lines.append(line)
        text = "".join(line + "\n" for line in lines)
        if text != run.snapshot:
            run.snapshot = text
            changed += 1
    return changed
