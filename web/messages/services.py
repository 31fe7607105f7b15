"""Conversations and messages: who may read and write, unread counts, the
DB-backed writing rate limit, deletion and reports to coordinators.

Message text is never logged, emailed or shown to coordinators, except the
copies a member chose to report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import policy, prefetch
from ..extensions import db
from ..matches.errors import refused
from ..models import (
    Conversation,
    ConversationKind,
    ConversationParticipant,
    ConversationState,
    Member,
    MemberStatus,
    Mentorship,
    MentorshipState,
    Message,
    MessageRateCounter,
    MessageReport,
    Notification,
    ReportedMessage,
)
from ..notifications.services import mark_read as mark_notifications_read
from ..notifications.services import notify
from ..validation import ValidationFailed

log = logging.getLogger(__name__)
K, CS = ConversationKind, ConversationState
PAGE_SIZE = 30


def _refuse(message, field: str | None = None) -> ValidationFailed:
    return refused([(field, message)])


# --- loading -----------------------------------------------------------------


def get_conversation_for(member: Member, conversation_id: int) -> Conversation:
    """The conversation if ``member`` takes part in it; 404 otherwise (coordinators included).
    Its participants, their members and its mentorship come in the same query: every page
    of a conversation needs them."""
    conv = db.session.scalars(_conversation_statement(), {"conversation_id": conversation_id}).unique().first()
    if conv is None or participant(conv, member) is None:
        abort(404)
    return conv


# Statements asked on every page are built once per process (with their values as bound
# parameters): building one costs about as much Python as running it.


@cache
def _conversation_statement():
    return (
        select(Conversation)
        .where(Conversation.id == bindparam("conversation_id"))
        .options(
            joinedload(Conversation.participants).joinedload(ConversationParticipant.member),
            joinedload(Conversation.mentorship),
        )
    )


def participant(conv: Conversation, member: Member) -> ConversationParticipant | None:
    return next((p for p in conv.participants if p.member_id == member.id), None)


def other_member(conv: Conversation, member: Member) -> Member | None:
    return next((p.member for p in conv.participants if p.member_id != member.id), None)


def direct_key(a: Member, b: Member) -> str:
    low, high = sorted((a.id, b.id))
    return f"{low}:{high}"


def find_direct(a: Member, b: Member) -> Conversation | None:
    return db.session.scalar(select(Conversation).where(Conversation.direct_key == direct_key(a, b)))


def conversations_of(member: Member) -> list[dict]:
    """Her conversations, most recent first, with the other member and the unread count.
    Requests she ignored are left out."""
    rows = db.session.scalars(
        select(Conversation)
        .join(ConversationParticipant)
        .where(ConversationParticipant.member_id == member.id, ConversationParticipant.ignored.is_(False))
        .order_by(func.coalesce(Conversation.last_message_at, Conversation.created_at).desc(), Conversation.id.desc())
        # Each row names the other member: her participants and their members in one more query, not one per row.
        .options(selectinload(Conversation.participants).joinedload(ConversationParticipant.member))
    ).all()
    unread = unread_by_conversation(member)
    return [{"conversation": c, "other": other_member(c, member), "unread": unread.get(c.id, 0)} for c in rows]


@cache
def _unread_statement():
    """Unread messages per conversation of the member ``member_id``."""
    member_id = bindparam("member_id")
    return (
        select(Message.conversation_id, func.count(Message.id))
        .join(
            ConversationParticipant,
            and_(
                ConversationParticipant.conversation_id == Message.conversation_id,
                ConversationParticipant.member_id == member_id,
            ),
        )
        .where(
            ConversationParticipant.ignored.is_(False),
            Message.id > ConversationParticipant.last_read_message_id,
            or_(Message.sender_id != member_id, Message.sender_id.is_(None)),
            Message.deleted_at.is_(None),
        )
        .group_by(Message.conversation_id)
    )


def unread_subqueries():
    """Her unread messages and her unread notifications, as two scalar subqueries of the
    member ``member_id`` (bound parameter); the user loader asks them with her row."""
    messages = _unread_statement().with_only_columns(func.count(Message.id)).group_by(None).scalar_subquery()
    notifications = (
        select(func.count(Notification.id))
        .where(Notification.member_id == bindparam("member_id"), Notification.read_at.is_(None))
        .scalar_subquery()
    )
    return messages, notifications


@cache
def _unread_counts_statement():
    return select(*unread_subqueries())


def unread_by_conversation(member: Member) -> dict[int, int]:
    return dict(db.session.execute(_unread_statement(), {"member_id": member.id}).all())


def unread_total(member: Member) -> int:
    return sum(unread_by_conversation(member).values())


def unread_counts(member: Member) -> dict[str, int]:
    """Her unread messages and unread notifications, in one query: the layout shows both on
    every page and the pages' script polls them. For the signed-in member, what the user
    loader read with her row while this request has written nothing (``web.prefetch``)."""
    known = prefetch.recall("unread_counts", member.id)
    if known is not None:
        return dict(known)
    unread, waiting = db.session.execute(_unread_counts_statement(), {"member_id": member.id}).one()
    return {"messages": unread or 0, "notifications": waiting or 0}


# --- opening -----------------------------------------------------------------


def open_mentorship_conversation(m: Mentorship, now: datetime) -> Conversation:
    """The private conversation of a mentorship (created once, when it starts). A pair has one
    conversation: a thread they already had as colleagues becomes the mentorship's."""
    conv = db.session.scalar(select(Conversation).where(Conversation.mentorship_id == m.id))
    if conv is not None:
        return conv
    key = direct_key(m.mentor, m.mentee)
    conv = db.session.scalar(select(Conversation).where(Conversation.direct_key == key))
    if conv is not None:
        conv.kind, conv.state, conv.mentorship_id, conv.blocked_by_id = K.MENTORSHIP, CS.OPEN, m.id, None
        for part in conv.participants:
            part.ignored = False
        db.session.flush()
        log.info("conversation %s becomes the one of mentorship %s", conv.id, m.id)
        return conv
    conv = Conversation(
        kind=K.MENTORSHIP, state=CS.OPEN, mentorship_id=m.id, direct_key=key, started_by_id=m.mentee_id, created_at=now
    )
    conv.participants = [
        ConversationParticipant(member_id=m.mentor_id, joined_at=now),
        ConversationParticipant(member_id=m.mentee_id, joined_at=now),
    ]
    db.session.add(conv)
    db.session.flush()
    return conv


def mentorship_conversation(m: Mentorship) -> Conversation | None:
    return db.session.scalar(select(Conversation).where(Conversation.mentorship_id == m.id))


def start_direct(starter: Member, other: Member, body: str, now: datetime) -> Conversation:
    """Start a networking conversation with an opening message; the other may accept,
    ignore or block it. A pair has one direct conversation; writing again goes there."""
    if not policy.may_message(starter, other):
        if other.id == starter.id:
            raise _refuse(_l("You cannot start a conversation with yourself."))
        raise _refuse(_l("This member cannot receive messages."))
    conv = find_direct(starter, other)
    if conv is not None:
        if conv.kind == K.MENTORSHIP and (conv.mentorship is None or conv.mentorship.state not in MentorshipState.OPEN):
            conv.kind = K.DIRECT  # the mentorship is over: they write on as colleagues, in the same thread
        send_message(conv, starter, body, now)
        return conv
    _check_body(body)
    conv = Conversation(
        kind=K.DIRECT, state=CS.PENDING, direct_key=direct_key(starter, other), started_by_id=starter.id, created_at=now
    )
    conv.participants = [
        ConversationParticipant(member_id=starter.id, joined_at=now),
        ConversationParticipant(member_id=other.id, joined_at=now),
    ]
    db.session.add(conv)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # the other started one at the same moment
        conv = find_direct(starter, other)
        send_message(conv, starter, body, now)
        return conv
    _write(conv, starter, body, now)
    notify(other, "conversation_request", conversation=conv, now=now)
    log.info("conversation %s started by %s", conv.id, starter.id)
    return conv


# --- writing -----------------------------------------------------------------


def write_refusal(conv: Conversation, member: Member):
    """Why ``member`` cannot write here now, or None when she can."""
    if member.status != MemberStatus.ACTIVE:
        return _l("Your account is not active.")
    other = other_member(conv, member)
    if conv.state == CS.BLOCKED:
        return _l("This conversation is blocked.")
    if other is None or other.status != MemberStatus.ACTIVE:
        return _l("This member cannot receive messages.")
    if conv.kind == K.MENTORSHIP and (conv.mentorship is None or conv.mentorship.state != MentorshipState.ACTIVE):
        return _l("The mentorship is over; this conversation is now read-only.")
    if conv.state == CS.PENDING:
        if conv.started_by_id == member.id:
            return _l("Please wait until %(name)s accepts your request.", name=other.display_name)
        return _l("Accept the request to reply.")
    return None


def _check_body(body: str) -> str:
    text = (body or "").strip()
    limit = int(current_app.config["MESSAGE_MAX_LENGTH"])
    if not text:
        raise _refuse(_l("Write a message first."), "body")
    if len(text) > limit:
        raise _refuse(_l("A message can have at most %(n)d characters.", n=limit), "body")
    return text


def send_message(conv: Conversation, sender: Member, body: str, now: datetime) -> Message:
    if participant(conv, sender) is None:
        raise _refuse(_l("This conversation is not yours."))
    refusal = write_refusal(conv, sender)
    if refusal is not None:
        raise _refuse(refusal)
    text = _check_body(body)
    message = _write(conv, sender, text, now)
    other = other_member(conv, sender)
    other_part = participant(conv, other)
    if not other_part.ignored and not _has_unread_message_note(other, conv):
        notify(other, "message_new", conversation=conv, now=now)
    return message


def _write(conv: Conversation, sender: Member, body: str, now: datetime) -> Message:
    _take_rate_token(sender, now)
    message = Message(conversation_id=conv.id, sender_id=sender.id, body=body.strip(), created_at=now)
    db.session.add(message)
    db.session.flush()
    conv.last_message_at = now
    participant(conv, sender).last_read_message_id = message.id
    log.info("message %s in conversation %s from %s", message.id, conv.id, sender.id)
    return message


def _has_unread_message_note(member: Member, conv: Conversation) -> bool:
    """One unread "new message" notification per conversation is enough."""
    return (
        db.session.scalar(
            select(Notification.id)
            .where(
                Notification.member_id == member.id,
                Notification.conversation_id == conv.id,
                Notification.kind == "message_new",
                Notification.read_at.is_(None),
            )
            .limit(1)
        )
        is not None
    )


def _take_rate_token(member: Member, now: datetime) -> None:
    """Count a message against the member's per-minute allowance, in a row every worker shares:
    one INSERT ... ON CONFLICT DO UPDATE that returns the new count, or nothing when the
    minute's allowance is used up (the row is locked until the commit, so two workers count
    one after the other)."""
    limit = int(current_app.config["MESSAGES_PER_MINUTE"])
    window = now.replace(second=0, microsecond=0)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(MessageRateCounter)
        .values(member_id=member.id, window_start=window, count=1)
        .on_conflict_do_update(
            index_elements=[MessageRateCounter.member_id, MessageRateCounter.window_start],
            set_={"count": MessageRateCounter.count + 1},
            where=MessageRateCounter.count < limit,  # a full minute stays as it is: no row comes back
        )
        .returning(MessageRateCounter.count)
    )
    count = db.session.execute(stmt).scalar_one_or_none()
    if count == 1:  # a new minute: forget the old ones
        db.session.execute(
            db.delete(MessageRateCounter).where(
                MessageRateCounter.member_id == member.id, MessageRateCounter.window_start < window - timedelta(hours=1)
            )
        )
    if count is None or count > limit:  # (a new row over a limit of 0)
        log.warning("message rate limit reached by member %s", member.id)
        raise _refuse(_l("You are writing very fast. Please wait a minute and try again."), "body")


def delete_message(conv: Conversation, member: Member, message_id: int, now: datetime) -> Message:
    """A member deletes her own message: its text is removed and both see it as deleted."""
    message = db.session.get(Message, message_id)
    if message is None or message.conversation_id != conv.id:
        abort(404)
    if message.sender_id != member.id:
        raise _refuse(_l("You can delete only your own messages."))
    if message.deleted_at is not None:
        raise _refuse(_l("This message is already deleted."))
    message.deleted_at = now
    message.body = ""
    db.session.flush()
    return message


# --- requests: accept, ignore, block ------------------------------------------


def _require_invitee(conv: Conversation, member: Member) -> ConversationParticipant:
    if conv.kind != K.DIRECT or conv.state != CS.PENDING:
        raise _refuse(_l("There is no request to answer here."))
    if conv.started_by_id == member.id:
        raise _refuse(_l("Only the member you wrote to can answer the request."))
    return participant(conv, member)


def accept_request(conv: Conversation, member: Member, now: datetime) -> Conversation:
    part = _require_invitee(conv, member)
    conv.state = CS.OPEN
    part.ignored = False
    db.session.flush()
    return conv


def ignore_request(conv: Conversation, member: Member, now: datetime) -> Conversation:
    """Hide the request from her list; the other is not told."""
    part = _require_invitee(conv, member)
    part.ignored = True
    mark_notifications_read(member, now, conversation_id=conv.id)
    db.session.flush()
    return conv


def block(conv: Conversation, member: Member, now: datetime) -> Conversation:
    """Nobody writes in a blocked conversation, and the blocked member cannot start another."""
    if conv.kind != K.DIRECT:
        raise _refuse(
            _l("A mentorship conversation cannot be blocked; end the mentorship or report the conversation instead.")
        )
    if conv.state == CS.BLOCKED:
        raise _refuse(_l("This conversation is already blocked."))
    conv.state = CS.BLOCKED
    conv.blocked_by_id = member.id
    mark_notifications_read(member, now, conversation_id=conv.id)
    db.session.flush()
    log.info("conversation %s blocked by %s", conv.id, member.id)
    return conv


def unblock(conv: Conversation, member: Member, now: datetime) -> Conversation:
    """Only the member who blocked a conversation can open it again."""
    if conv.state != CS.BLOCKED:
        raise _refuse(_l("This conversation is not blocked."))
    if conv.blocked_by_id != member.id:
        raise _refuse(_l("Only the member who blocked this conversation can unblock it."))
    conv.state = CS.OPEN
    conv.blocked_by_id = None
    db.session.flush()
    log.info("conversation %s unblocked by %s", conv.id, member.id)
    return conv


# --- reading -----------------------------------------------------------------


@dataclass
class HistoryPage:
    """One page of a conversation: ``items`` in reading order; "next" is older messages."""

    items: list[Message]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def prev_num(self) -> int:
        return self.page - 1


def history(conv: Conversation, page: int, per_page: int = PAGE_SIZE) -> HistoryPage:
    """Page 1 holds the newest messages. No count over the conversation's messages: one row
    more than the page tells whether older ones exist."""
    page = max(page, 1)
    rows = list(
        db.session.scalars(
            _history_statement(), {"conversation_id": conv.id, "skip": (page - 1) * per_page, "take": per_page + 1}
        )
    )
    items = _with_senders(conv, list(reversed(rows[:per_page])))
    return HistoryPage(items=items, page=page, has_next=len(rows) > per_page)


def messages_after(conv: Conversation, after_id: int, limit: int = 100) -> list[Message]:
    rows = db.session.scalars(_after_statement(), {"conversation_id": conv.id, "after": after_id, "take": limit})
    return _with_senders(conv, list(rows))


@cache
def _history_statement():
    return (
        select(Message)
        .where(Message.conversation_id == bindparam("conversation_id"))
        .order_by(Message.id.desc())
        .offset(bindparam("skip"))
        .limit(bindparam("take"))
    )


@cache
def _after_statement():
    return (
        select(Message)
        .where(Message.conversation_id == bindparam("conversation_id"), Message.id > bindparam("after"))
        .order_by(Message.id)
        .limit(bindparam("take"))
    )


def _with_senders(conv: Conversation, messages: list[Message]) -> list[Message]:
    """Each message's sender from the participants already loaded with the conversation,
    instead of a lazy load per message (a sender who is no participant loads as before)."""
    members = {p.member_id: p.member for p in conv.participants}
    for message in messages:
        sender = members.get(message.sender_id)
        if sender is not None:
            set_committed_value(message, "sender", sender)
    return messages


def mark_read(conv: Conversation, member: Member, now: datetime, latest: int | None = None) -> bool:
    """She has read up to ``latest`` (default: the newest message), and its notifications.
    Returns whether anything changed: a page she had already read writes nothing (every
    notification of a conversation comes with a message newer than what she had read)."""
    part = participant(conv, member)
    if latest is None:
        latest = db.session.scalar(select(func.max(Message.id)).where(Message.conversation_id == conv.id)) or 0
    if latest <= part.last_read_message_id:
        return False
    part.last_read_message_id = latest
    mark_notifications_read(member, now, conversation_id=conv.id)
    db.session.flush()
    return True


def read_by_other(conv: Conversation, member: Member) -> int:
    """The id up to which the other member has read (for "read" marks on her messages)."""
    other = next((p for p in conv.participants if p.member_id != member.id), None)
    return other.last_read_message_id if other else 0


# --- reports -----------------------------------------------------------------


def report(conv: Conversation, reporter: Member, message_ids: list[int], note: str, now: datetime) -> MessageReport:
    """Report chosen messages of the other member; coordinators see copies of those only."""
    other = other_member(conv, reporter)
    note = (note or "").strip()
    messages = db.session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conv.id,
            Message.id.in_(message_ids or [-1]),
            Message.sender_id != reporter.id,
            Message.deleted_at.is_(None),
        )
        .order_by(Message.id)
    ).all()
    errors = []
    if not messages:
        errors.append(("messages", _l("Choose at least one message to report.")))
    if len(note) > 2000:
        errors.append(("note", _l("Use at most %(n)d characters.", n=2000)))
    if errors:
        raise refused(errors)
    rep = MessageReport(
        conversation_id=conv.id,
        reporter_id=reporter.id,
        reported_member_id=other.id if other else None,
        note=note,
        created_at=now,
    )
    rep.items = [
        ReportedMessage(message_id=m.id, sender_id=m.sender_id, body=m.body, sent_at=m.created_at) for m in messages
    ]
    db.session.add(rep)
    db.session.flush()
    for coordinator in policy.coordinators_covering(reporter, other):
        notify(coordinator, "report_new", now=now, report_id=rep.id)
    log.info("report %s on conversation %s by %s (%d messages)", rep.id, conv.id, reporter.id, len(messages))
    return rep


def _reports_scope(coordinator: Member):
    """Reports the coordinator covers: the reporter or the reported member (``web.policy``)."""
    return select(MessageReport).where(policy.report_clause(coordinator))


def reports_for(coordinator: Member, *, open_only: bool = True) -> list[MessageReport]:
    stmt = _reports_scope(coordinator)
    if open_only:
        stmt = stmt.where(MessageReport.resolved_at.is_(None))
    return list(db.session.scalars(stmt.order_by(MessageReport.id.desc()).limit(200)))


def resolve_report(coordinator: Member, report_id: int, now: datetime) -> MessageReport:
    rep = db.session.scalar(_reports_scope(coordinator).where(MessageReport.id == report_id))
    if rep is None:
        abort(404)
    if rep.resolved_at is not None:
        raise _refuse(_l("This report is already closed."))
    rep.resolved_at = now
    rep.resolved_by_id = coordinator.id
    db.session.flush()
    return rep
