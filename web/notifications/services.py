"""In-app notifications, and email for the important ones as each member chose:
immediately, in a daily digest, or not at all. Emails are written in the
member's language and carry a link, never the text of a message."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from ..extensions import db
from ..i18n import single_stop
from ..mail import queue_email, queue_emails
from ..models import Conversation, EmailState, Member, MemberStatus, Mentorship, Notification, utcnow
from .texts import KINDS, mail_text

log = logging.getLogger(__name__)


def notify(
    member: Member,
    kind: str,
    *,
    mentorship: Mentorship | None = None,
    conversation: Conversation | None = None,
    now: datetime | None = None,
    **payload,
) -> Notification:
    """Add a notification for ``member`` (no commit); email it now or mark it for the digest."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    now = now or utcnow()
    note = Notification(
        member=member, kind=kind, mentorship=mentorship, conversation=conversation, payload=payload, created_at=now
    )
    db.session.add(note)
    db.session.flush()
    if KINDS[kind].email and member.status == MemberStatus.ACTIVE:
        if member.email_notifications == "immediately":
            _email_one(note, now)
        elif member.email_notifications == "digest":
            note.email_state = EmailState.PENDING
    log.info("notification %s kind=%s member=%s", note.id, kind, member.id)
    return note


# What ``notify`` leaves in ``email_state`` for each email setting, when the kind is emailed.
_EMAIL_STATE = {"immediately": EmailState.SENT, "digest": EmailState.PENDING}


def notify_many(kind: str, targets: Sequence[tuple[Any, Mentorship | None, Any]], *, now: datetime) -> int:
    """``notify`` for many members at once: one notification per ``(member, mentorship,
    other)``, emailed or marked for the digest as each member chose, in bulk inserts.

    ``member`` (who is told) and ``other`` (the member the notification is about,
    its ``%(name)s``) are members or rows with their columns. Emails are the ones
    ``notify`` writes, in each member's language; members are grouped by locale so
    each locale is switched to once. Returns the number of emails. Flushes only."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not targets:
        return 0
    spec = KINDS[kind]
    modes = [
        member.email_notifications if spec.email and member.status == MemberStatus.ACTIVE else None
        for member, _m, _other in targets
    ]
    db.session.execute(
        insert(Notification),
        [
            {
                "member_id": member.id,
                "kind": kind,
                "mentorship_id": mentorship.id if mentorship is not None else None,
                "conversation_id": None,
                "payload": {},
                "created_at": now,
                "email_state": _EMAIL_STATE.get(mode, EmailState.NONE),
                "emailed_at": now if mode == "immediately" else None,
            }
            for (member, mentorship, _other), mode in zip(targets, modes, strict=True)
        ],
    )
    by_locale: dict[str, list[int]] = defaultdict(list)
    for i, mode in enumerate(modes):
        if mode == "immediately":
            by_locale[targets[i][0].locale].append(i)
    mails: dict[int, dict] = {}
    for locale, indexes in by_locale.items():
        with force_locale(locale):
            # Translated once per locale, then filled in per member; it names no one.
            subject, text, body = str(spec.subject), mail_text(kind), _email_template()
            footer = _footer()
            for i in indexes:
                member, mentorship, _other = targets[i]
                endpoint, values = _endpoint(kind, None, mentorship.id if mentorship is not None else None)
                mails[i] = {
                    "to": member.email,
                    "subject": subject,
                    "member_id": member.id,
                    "body": body % {"text": text, "link": link(endpoint, **values), "footer": footer},
                }
    if mails:
        queue_emails([mails[i] for i in sorted(mails)])
    log.info("%s notifications kind=%s, %s emailed", len(targets), kind, len(mails))
    return len(mails)


def send_digests(now: datetime) -> int:
    """One email per member who chose the digest and has notifications waiting.
    Returns the number of emails."""
    member_ids = db.session.scalars(
        select(Notification.member_id)
        .where(Notification.email_state == EmailState.PENDING)
        .distinct()
        .order_by(Notification.member_id)
    ).all()
    sent = 0
    for member_id in member_ids:
        member = db.session.get(Member, member_id)
        notes = db.session.scalars(
            select(Notification)
            .where(Notification.member_id == member_id, Notification.email_state == EmailState.PENDING)
            .order_by(Notification.id)
        ).all()
        unread = [n for n in notes if n.read_at is None]
        if member.status == MemberStatus.ACTIVE and member.email_notifications == "digest" and unread:
            with force_locale(member.locale):
                # Counts by kind, never who: the names are on the page behind the link.
                counts: dict[str, int] = defaultdict(int)
                for n in unread:
                    counts[n.kind] += 1
                lines = "\n".join(
                    _("- %(text)s (%(count)d)", text=mail_text(kind), count=count) for kind, count in counts.items()
                )
                body = _(
                    "Hello,\n\nThings are waiting for you on Bridges:\n\n%(lines)s\n\n"
                    "Open your notifications: %(link)s\n\n%(footer)s",
                    lines=lines,
                    link=link("notifications.index"),
                    footer=_footer(),
                )
                queue_email(member.email, _("Bridges: your daily summary"), body, member.id)
            sent += 1
        for n in notes:
            n.email_state = EmailState.SENT if n in unread else EmailState.NONE
            n.emailed_at = now if n in unread else None
    db.session.flush()
    return sent


def _email_one(note: Notification, now: datetime) -> None:
    member = note.member
    with force_locale(member.locale):
        queue_email(member.email, str(KINDS[note.kind].subject), _email_body(member, note, _footer()), member.id)
    note.email_state = EmailState.SENT
    note.emailed_at = now


def _email_template() -> str:
    """The notification email, translated, with its ``%(...)s`` left to fill in
    (gettext without variables does not format). It names no one, the reader included:
    mail passes through servers the network does not control."""
    return _("Hello,\n\n%(text)s\n\nOpen it on Bridges: %(link)s\n\n%(footer)s")


def _email_body(member: Member, note: Notification, footer: str) -> str:
    return _email_template() % {"text": mail_text(note.kind), "link": target_link(note), "footer": footer}


def _footer() -> str:
    return _(
        "You receive this email because of your notification setting. Change it in your profile: %(link)s",
        link=link("profile.edit"),
    )


def other_party(note: Notification) -> Member | None:
    if note.mentorship is not None:
        m = note.mentorship
        return m.mentee if note.member_id == m.mentor_id else m.mentor
    if note.conversation is not None:
        for p in note.conversation.participants:
            if p.member_id != note.member_id:
                return p.member
    return None


def describe(note: Notification) -> str:
    """The notification's sentence in the current locale."""
    other = other_party(note)
    name = other.display_name if other else "—"
    return single_stop(str(KINDS[note.kind].text) % {"name": name}, name)


def target_endpoint(note: Notification) -> tuple[str, dict]:
    return _endpoint(note.kind, note.conversation_id, note.mentorship_id)


def _endpoint(kind: str, conversation_id: int | None, mentorship_id: int | None) -> tuple[str, dict]:
    if kind.startswith("meeting_") and mentorship_id is not None:
        return "meetings.index", {"mentorship_id": mentorship_id}
    if kind == "report_new":
        return "coordinator.message_reports", {}
    if conversation_id is not None:
        return "messages.conversation", {"conversation_id": conversation_id}
    if mentorship_id is not None:
        return "matches.detail", {"mentorship_id": mentorship_id}
    return "notifications.index", {}


def target_link(note: Notification) -> str:
    endpoint, values = target_endpoint(note)
    return link(endpoint, **values)


def link(endpoint: str, **values) -> str:
    """An absolute link built from BASE_URL, usable without a request (jobs, emails)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def unread_count(member: Member) -> int:
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(Notification.member_id == member.id, Notification.read_at.is_(None))
        )
        or 0
    )


def notifications_for(member: Member, page: int, per_page: int = 30):
    stmt = select(Notification).where(Notification.member_id == member.id).order_by(Notification.id.desc())
    return db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)


def get_notification_for(member: Member, notification_id: int) -> Notification | None:
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.member_id == member.id)
    )


def mark_read(member: Member, now: datetime, notification: Notification | None = None, **match) -> int:
    """Mark one notification, or all matching ``match`` (column=value), read. Returns how many."""
    stmt = update(Notification).where(Notification.member_id == member.id, Notification.read_at.is_(None))
    if notification is not None:
        stmt = stmt.where(Notification.id == notification.id)
    for column, value in match.items():
        stmt = stmt.where(getattr(Notification, column) == value)
    result = db.session.execute(stmt.values(read_at=now).execution_options(synchronize_session="fetch"))
    return result.rowcount or 0


MEETING_KINDS = ("meeting_proposed", "meeting_accepted", "meeting_declined", "meeting_cancelled", "meeting_reminder")


def mark_opened(member: Member, endpoint: str | None, view_args: dict, now: datetime) -> int:
    """Her notifications that lead to the page she is opening become read: acting on one is
    opening what it points to, whichever link she followed. Returns how many."""
    mentorship_id = view_args.get("mentorship_id")
    if endpoint == "matches.detail" and mentorship_id is not None:
        # Those with a conversation lead there (read when it is opened), meeting ones to the meetings.
        where = [
            Notification.mentorship_id == mentorship_id,
            Notification.conversation_id.is_(None),
            Notification.kind.not_in(MEETING_KINDS),
        ]
    elif endpoint == "meetings.index" and mentorship_id is not None:
        where = [Notification.mentorship_id == mentorship_id, Notification.kind.in_(MEETING_KINDS)]
    elif endpoint == "coordinator.message_reports":
        where = [Notification.kind == "report_new"]
    else:
        return 0
    stmt = update(Notification).where(Notification.member_id == member.id, Notification.read_at.is_(None), *where)
    return db.session.execute(stmt.values(read_at=now).execution_options(synchronize_session="fetch")).rowcount or 0
