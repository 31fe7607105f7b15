"""A conversation's page of messages as rendered HTML, kept per process while it stands."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from flask_babel import get_locale, get_timezone
from markupsafe import Markup
from sqlalchemy import bindparam, select

from .. import page_cache
from ..extensions import db
from ..models import Conversation, ConversationParticipant, Member
from . import services


@dataclass(frozen=True)
class ShownPage:
    """One page of a conversation as shown: its messages' HTML and what the page around
    them needs. Page 1 holds the newest messages; "next" is older ones."""

    html: Markup
    page: int
    has_next: bool
    last_id: int  # the newest message shown, 0 when none

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def prev_num(self) -> int:
        return self.page - 1


def conversation_html(conv: Conversation, viewer: Member, page_number: int, form=None) -> ShownPage:
    """The content of page ``page_number`` of ``conv`` as ``viewer`` reads it: the heading,
    a request to answer, the messages, the form or why she cannot write, the actions.

    What it shows depends on the messages (``conv.message_version``, which the database
    moves on every insert, update and delete of them), on who reads (her own messages carry
    "You", a delete button and "read" marks up to ``read_upto``), on both members' names and
    status, on the conversation's state and its mentorship's, and on the reader's language
    and time zone: all of it is in the key, so a stored copy is reused only where rendering
    again would give the same page. CSRF tokens are filled in at each request. A form
    carrying errors (``form``) is rendered fresh, not stored."""
    from .forms import MessageForm

    page_number = max(page_number, 1)
    other = services.other_member(conv, viewer)
    read_upto = services.read_by_other(conv, viewer)
    key = _content_key(
        conv.id,
        conv.message_version,
        viewer,
        page_number,
        read_upto,
        tuple((p.member_id, p.member.display_name if p.member else None) for p in conv.participants),
        (other.id, other.status) if other else None,
        (conv.kind, conv.state, conv.mentorship_id, conv.started_by_id, conv.blocked_by_id),
        conv.mentorship.state if conv.mentorship else None,
    )
    store = page_cache.cache("conversation")
    found = store.get(key) if form is None else None
    if found is not None:
        if found.page == 1:
            none_after(conv, found.last_id)
        return replace(found, html=page_cache.fill_tokens(found.html))
    page = services.history(conv, page_number)
    html = page_cache.render_part(
        "messages/_conversation.html",
        conv=conv,
        page=page,
        other=other,
        form=form or MessageForm(),
        refusal=services.write_refusal(conv, viewer),
        read_upto=read_upto,
    )
    shown = ShownPage(html=html, page=page.page, has_next=page.has_next, last_id=page.items[-1].id if page.items else 0)
    if shown.page == 1:
        none_after(conv, shown.last_id)
    # A sender who is no longer a participant has a name the key does not hold.
    participants = {p.member_id for p in conv.participants}
    if form is None and all(m.sender_id is None or m.sender_id in participants for m in page.items):
        store.put(key, shown)
    return replace(shown, html=page_cache.fill_tokens(html))


def none_after(conv: Conversation, message_id: int) -> None:
    """Remember that ``conv`` has no message after ``message_id`` at its current version."""
    page_cache.cache("newest").put((conv.id, conv.message_version), message_id)


def messages_after(conv: Conversation, after_id: int, limit: int = 100) -> list:
    """``services.messages_after``, without asking the database when this process knows
    that nothing came after ``after_id`` since ``conv.message_version`` (a poll that finds
    nothing new, the common case)."""
    newest = page_cache.cache("newest").get((conv.id, conv.message_version))
    if newest is not None and after_id >= newest:
        return []
    items = services.messages_after(conv, after_id, limit)
    if len(items) < limit:
        none_after(conv, items[-1].id if items else after_id)
    return items


def nothing_after(member: Member, conversation_id: int, after_id: int) -> bool:
    """Whether this process knows that conversation ``conversation_id``, which ``member``
    takes part in, has no message after ``after_id``: one light query for its version,
    without loading the conversation. False when it does not know (or she is no
    participant: the caller then loads it as usual and refuses)."""
    found = db.session.execute(_version_statement(), {"conversation_id": conversation_id, "member_id": member.id})
    version = found.scalar()
    if version is None:
        return False
    newest = page_cache.cache("newest").get((conversation_id, version))
    return newest is not None and after_id >= newest


@cache
def _version_statement():
    return (
        select(Conversation.message_version)
        .join(ConversationParticipant, ConversationParticipant.conversation_id == Conversation.id)
        .where(Conversation.id == bindparam("conversation_id"), ConversationParticipant.member_id == bindparam("member_id"))
    )


def _content_key(conversation_id, version, viewer, page_number, read_upto, names, other, states, mentorship_state):
    """The key of a conversation page's content: the one place both ways of reading it build it."""
    return (
        conversation_id,
        version,
        viewer.id,
        page_number,
        str(get_locale()),
        str(get_timezone()),
        read_upto,
        names,
        viewer.status,
        other,
        states,
        mentorship_state,
    )


def cached_conversation(viewer: Member, conversation_id: int, page_number: int) -> tuple[ShownPage, str | None] | None:
    """The content of a conversation page and the other member's name, from this process's
    copy, with one light query (the conversation's state and version, its mentorship's state,
    its participants' names, status and read marks) instead of loading it with the ORM.

    None, and the caller loads it as usual, when there is no copy, when she is no participant
    (the usual way then refuses), or when the page would mark new messages read (which needs
    the loaded participant). The key is ``conversation_html``'s, built from the same values."""
    rows = db.session.execute(_light_statement(), {"conversation_id": conversation_id, "member_id": viewer.id}).all()
    own = next((r for r in rows if r.member_id == viewer.id), None)
    if own is None:
        return None
    other = next((r for r in rows if r.member_id != viewer.id), None)
    page_number = max(page_number, 1)
    first = rows[0]
    key = _content_key(
        conversation_id,
        first.message_version,
        viewer,
        page_number,
        other.last_read_message_id if other else 0,
        tuple((r.member_id, viewer.display_name if r.member_id == viewer.id else _shown_name(r)) for r in rows),
        (other.member_id, other.status) if other else None,
        (first.kind, first.state, first.mentorship_id, first.started_by_id, first.blocked_by_id),
        first.mentorship_state,
    )
    found = page_cache.cache("conversation").get(key)
    if found is None or (found.page == 1 and found.last_id > own.last_read_message_id):
        return None
    if found.page == 1:
        page_cache.cache("newest").put((conversation_id, first.message_version), found.last_id)
    return replace(found, html=page_cache.fill_tokens(found.html)), _shown_name(other) if other else None


def _shown_name(row) -> str | None:
    if row.stored_name is None:
        return None
    return Member.shown_name(row.stored_name, row.deleted_at)


@cache
def _light_statement():
    from ..models import Mentorship

    return (
        select(
            Conversation.message_version,
            Conversation.kind,
            Conversation.state,
            Conversation.mentorship_id,
            Conversation.started_by_id,
            Conversation.blocked_by_id,
            Mentorship.state.label("mentorship_state"),
            ConversationParticipant.member_id,
            ConversationParticipant.last_read_message_id,
            Member.stored_name,
            Member.deleted_at,
            Member.status,
        )
        .join(ConversationParticipant, ConversationParticipant.conversation_id == Conversation.id)
        .outerjoin(Mentorship, Mentorship.id == Conversation.mentorship_id)
        .outerjoin(Member, Member.id == ConversationParticipant.member_id)
        .where(Conversation.id == bindparam("conversation_id"))
        .order_by(ConversationParticipant.member_id)
    )
