"""Fill every table of the schema with a few rows, for tests that must show that
nothing is lost (migration round trips, backups).

A table added to the models without a row here makes
:func:`assert_every_table_has_rows` fail, so it cannot be forgotten.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, inspect, select, text

from web.extensions import db
from web.models import (
    AuditLog,
    CheckIn,
    Conversation,
    ConversationKind,
    ConversationParticipant,
    ConversationState,
    Feedback,
    ForbiddenPair,
    JobExecution,
    LoginThrottle,
    Meeting,
    MeetingState,
    Member,
    MemberStatus,
    Mentorship,
    MentorshipEvent,
    MentorshipGoal,
    MentorshipReminder,
    MentorshipState,
    Message,
    MessageRateCounter,
    MessageReport,
    Notification,
    OutboxEmail,
    PasswordResetToken,
    ReportedMessage,
    SchedulerLock,
)

STATES = (
    MentorshipState.PROPOSED,
    MentorshipState.ACCEPTED,
    MentorshipState.ACTIVE,
    MentorshipState.COMPLETED,
    MentorshipState.ENDED,
    MentorshipState.DECLINED,
    MentorshipState.EXPIRED,
)


def fill_every_table(now: datetime | None = None, members: int = 40) -> None:
    """Demo members, a matching run, mentorships in every state with their
    events, goals, check-ins, feedback, conversations, messages, reports,
    notifications, and one row or more of every other table. Commits."""
    from web.demo import seed
    from web.runs.running import run_matching

    now = now or datetime.now(UTC).replace(microsecond=0)
    seed(members)
    db.session.commit()
    run_matching(db.session, now=now, started_by="scheduler")
    db.session.commit()

    people = db.session.scalars(
        select(Member).where(Member.status == MemberStatus.ACTIVE, Member.is_coordinator.is_(False)).order_by(Member.id)
    ).all()
    coordinator = db.session.scalar(select(Member).where(Member.is_coordinator.is_(True)))
    run_id = db.session.scalar(text("SELECT max(id) FROM match_run"))
    assert len(people) >= 2 * len(STATES) + 2, "not enough active members to pair"

    for i, state in enumerate(STATES):
        mentor, mentee = people[2 * i], people[2 * i + 1]
        _mentorship(mentor, mentee, state, run_id, coordinator, now - timedelta(days=30 - i))

    a, b = people[-1], people[-2]
    direct = Conversation(
        kind=ConversationKind.DIRECT,
        state=ConversationState.BLOCKED,
        direct_key=f"{min(a.id, b.id)}:{max(a.id, b.id)}",
        started_by_id=a.id,
        blocked_by_id=b.id,
        last_message_at=now,
    )
    direct.participants = [
        ConversationParticipant(member_id=a.id, last_read_message_id=0),
        ConversationParticipant(member_id=b.id, ignored=True),
    ]
    db.session.add(direct)
    db.session.flush()
    rude = Message(conversation_id=direct.id, sender_id=a.id, body="Reported text", created_at=now)
    db.session.add(rude)
    db.session.flush()
    report = MessageReport(conversation_id=direct.id, reporter_id=b.id, reported_member_id=a.id, note="Rude")
    report.items = [ReportedMessage(message_id=rude.id, sender_id=a.id, body=rude.body, sent_at=now)]
    db.session.add(report)

    db.session.add_all(
        [
            ForbiddenPair(mentor_id=people[0].id, mentee_id=people[3].id, reason="coordinator", note="Same unit"),
            LoginThrottle(key=f"acct:{a.email}", failures=2, window_start=now, locked_until=now + timedelta(minutes=5)),
            LoginThrottle(key="addr:10.0.0.1", failures=1, window_start=now),
            PasswordResetToken(member_id=a.id, token_hash="a" * 64, expires_at=now + timedelta(hours=1)),
            PasswordResetToken(member_id=b.id, token_hash="b" * 64, expires_at=now, used_at=now),
            MessageRateCounter(member_id=a.id, window_start=now, count=3),
            OutboxEmail(member_id=a.id, to=a.email, subject="Welcome", body="Hello", sent_at=now),
            OutboxEmail(member_id=b.id, to=b.email, subject="Failed", body="Hello", error="refused"),
            AuditLog(actor_id=coordinator.id, action="member.suspend", target_type="member", target_id=str(b.id)),
            JobExecution(job="expiry", scheduled_for=now - timedelta(days=1), status="ok", finished_at=now),
            JobExecution(job="digest", scheduled_for=now - timedelta(hours=2), status="failed", error="boom"),
            JobExecution(
                job="matching",
                scheduled_for=now - timedelta(hours=3),
                status="ok",
                attempt=2,
                interrupted_at=now - timedelta(hours=3),
                finished_at=now,
            ),
            JobExecution(job="reminders", scheduled_for=now, status="running", lease_expires_at=now + timedelta(minutes=2)),
            SchedulerLock(name="digest", holder="host:1", expires_at=now + timedelta(minutes=30)),
        ]
    )
    people[-3].status = MemberStatus.SUSPENDED
    people[-3].status_note = "Banned for spam"
    people[-4].display_name = "Deleted member"
    people[-4].deleted_at = now
    db.session.commit()


def _mentorship(mentor, mentee, state, run_id, coordinator, at) -> Mentorship:
    started = state not in (MentorshipState.PROPOSED, MentorshipState.DECLINED, MentorshipState.EXPIRED)
    m = Mentorship(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        run_id=run_id,
        state=state,
        score=0.75,
        reasons=["shared_language"],
        created_by_id=coordinator.id,
        proposed_at=at,
        accepted_at=at + timedelta(days=1) if state != MentorshipState.PROPOSED else None,
        activated_at=at + timedelta(days=2) if started else None,
        closed_at=at + timedelta(days=3) if state in MentorshipState.CLOSED else None,
        closed_by_id=mentor.id if state in MentorshipState.CLOSED else None,
        close_reason="No time" if state == MentorshipState.DECLINED else "",
    )
    m.events = [
        MentorshipEvent(actor_id=coordinator.id, from_state="", to_state=MentorshipState.PROPOSED, at=at),
        MentorshipEvent(actor_id=mentor.id, from_state=MentorshipState.PROPOSED, to_state=state, at=at, note="ok"),
    ]
    db.session.add(m)
    db.session.flush()
    conversation = Conversation(kind=ConversationKind.MENTORSHIP, mentorship_id=m.id, last_message_at=at)
    conversation.participants = [
        ConversationParticipant(member_id=mentor.id, last_read_message_id=1),
        ConversationParticipant(member_id=mentee.id),
    ]
    db.session.add(conversation)
    db.session.flush()
    db.session.add_all(
        [
            Message(conversation_id=conversation.id, sender_id=mentor.id, body=f"Hello from {mentor.id}", created_at=at),
            Message(conversation_id=conversation.id, sender_id=mentee.id, body="Привет!", created_at=at),
            Notification(member_id=mentee.id, kind="proposal", mentorship_id=m.id, payload={"state": state}),
            Notification(member_id=mentor.id, kind="message", conversation_id=conversation.id, read_at=at),
            MentorshipGoal(mentorship_id=m.id, topic="leadership", text="Lead a team", progress=50, created_by_id=mentee.id),
            MentorshipGoal(mentorship_id=m.id, topic=None, text="Speak at a conference", created_by_id=mentor.id),
            CheckIn(mentorship_id=m.id, author_id=mentee.id, held_on=date(2026, 1, 5), how_it_went="Good", next_step="Read"),
            MentorshipReminder(mentorship_id=m.id, kind="checkin", sent_at=at),
            Feedback(mentorship_id=m.id, author_id=mentee.id, rating=5, worked="Everything", share_with_partner=True),
            Meeting(
                mentorship_id=m.id,
                proposed_by_id=mentee.id,
                starts_at=at + timedelta(days=7),
                place="Office 12, Almaty",
                state=MeetingState.ACCEPTED,
                answered_at=at,
            ),
        ]
    )
    return m


def assert_every_table_has_rows() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    empty = [name for name, n in counts.items() if not n]
    assert not empty, f"tables without rows: {empty}; add rows for them in tests/fill.py"
    return counts


# Snapshots --------------------------------------------------------------------------------


def canonical(value) -> str:
    """One text per value, whatever the database returned it as."""
    if value is None:
        return "\x00"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return repr(float(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True, ensure_ascii=False)
        except ValueError:
            return value
    if isinstance(value, str) and _looks_like_timestamp(value):
        return canonical(datetime.fromisoformat(value))
    return str(value)


def _looks_like_timestamp(value: str) -> bool:
    if len(value) < 19 or value[4] != "-" or value[10] not in " T":
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def table_rows(connection, table: str, columns: list[str]) -> list[tuple[str, ...]]:
    """Every row of ``table`` (as canonical texts of ``columns``), sorted."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = connection.execute(text(f'SELECT {quoted} FROM "{table}"')).all()
    return sorted(tuple(canonical(v) for v in row) for row in rows)


def snapshot(connection, tables: list[str] | None = None) -> dict[str, dict[str, list]]:
    """{table: {"columns": [...], "rows": [...]}} of every table but alembic_version."""
    inspector = inspect(connection)
    result = {}
    for table in tables or inspector.get_table_names():
        if table == "alembic_version":
            continue
        columns = sorted(c["name"] for c in inspector.get_columns(table))
        result[table] = {"columns": columns, "rows": table_rows(connection, table, columns)}
    return result


def project(snap: dict, columns: list[str]) -> list[tuple[str, ...]]:
    index = [snap["columns"].index(c) for c in columns]
    return sorted(tuple(row[i] for i in index) for row in snap["rows"])


def checksum(rows: list[tuple[str, ...]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update("\x1f".join(row).encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def counts_and_checksums(snap: dict) -> dict[str, tuple[int, str]]:
    return {table: (len(s["rows"]), checksum(s["rows"])) for table, s in snap.items()}
