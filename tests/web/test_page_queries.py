"""Pages that must not grow with the data: the queries a conversation page makes do not
depend on how many messages it shows, and reading a page writes nothing (no session cookie,
no database write) when nothing changed. Counts, not timings: timings are bench/load_bench.py's."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select

from tests.factories import make_member
from web.messages import services
from web.models import Conversation, ConversationParticipant, Message, Notification, utcnow


@contextmanager
def statements(db):
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        seen.append(statement.lstrip().split(None, 1)[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def pair(db):
    a = make_member(db, email="aigul@example.org", display_name="Aigul", country="KZ")
    b = make_member(db, email="zarina@example.org", display_name="Zarina", country="UZ")
    conv = Conversation(kind="direct", state="open", direct_key=f"{a.id}:{b.id}", started_by_id=a.id)
    conv.participants = [ConversationParticipant(member_id=a.id), ConversationParticipant(member_id=b.id)]
    db.session.add(conv)
    db.session.commit()
    return a, b, conv


def _fill(db, conv, a, b, count: int) -> None:
    start = utcnow() - timedelta(days=1)
    db.session.execute(
        insert(Message),
        [
            {
                "conversation_id": conv.id,
                "sender_id": (a if n % 2 else b).id,
                "body": f"message {n}",
                "created_at": start + timedelta(minutes=n),
            }
            for n in range(count)
        ],
    )
    db.session.commit()


def test_conversation_page_queries_do_not_grow_with_its_messages(client, auth, db, pair):
    a, b, conv = pair
    auth.login("aigul@example.org")
    _fill(db, conv, a, b, 2)
    client.get(f"/messages/{conv.id}")
    with statements(db) as few:
        client.get(f"/messages/{conv.id}")
    _fill(db, conv, a, b, 200)
    client.get(f"/messages/{conv.id}")
    with statements(db) as many:
        page = client.get(f"/messages/{conv.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('data-message-id="') == services.PAGE_SIZE
    assert "Older messages" in html
    assert len(many) == len(few), many
    assert many.count("SELECT") <= 6, many


def test_reading_a_read_conversation_writes_nothing(client, auth, db, pair):
    a, b, conv = pair
    _fill(db, conv, a, b, 40)
    auth.login("aigul@example.org")
    first = client.get(f"/messages/{conv.id}")
    assert first.status_code == 200
    with statements(db) as seen:
        again = client.get(f"/messages/{conv.id}")
        poll = client.get(f"/messages/{conv.id}/poll?after=0")
    assert again.status_code == 200 and poll.status_code == 200
    assert not {"UPDATE", "INSERT", "DELETE"} & set(seen), seen
    assert "Set-Cookie" not in again.headers
    assert "Set-Cookie" not in poll.headers


def test_opening_the_conversation_marks_new_messages_and_their_notification_read(client, auth, db, pair):
    a, b, conv = pair
    _fill(db, conv, a, b, 3)
    services.send_message(db.session.get(Conversation, conv.id), b, "Are you coming on Monday?", utcnow())
    db.session.commit()
    newest = db.session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1))
    auth.login("aigul@example.org")
    assert client.get("/messages/unread").get_json()["unread"] >= 1
    client.get(f"/messages/{conv.id}")
    db.session.expire_all()
    mine = db.session.get(ConversationParticipant, {"conversation_id": conv.id, "member_id": a.id})
    assert mine.last_read_message_id == newest
    assert client.get("/messages/unread").get_json() == {"unread": 0, "notifications": 0}
    note = db.session.scalar(select(Notification).where(Notification.member_id == a.id))
    assert note is not None and note.read_at is not None


def test_older_pages_lead_back_to_the_newest(client, auth, db, pair):
    a, b, conv = pair
    _fill(db, conv, a, b, services.PAGE_SIZE + 5)
    auth.login("aigul@example.org")
    older = client.get(f"/messages/{conv.id}?page=2").get_data(as_text=True)
    assert older.count('data-message-id="') == 5
    assert "Newer messages" in older and "Older messages" not in older
    assert "message 0<" in older


def test_layout_shows_unread_messages_and_notifications_from_one_query(client, auth, db, pair):
    a, b, conv = pair
    _fill(db, conv, a, b, 2)
    # Two unread from b: the one _fill wrote and one that also notifies her.
    services.send_message(db.session.get(Conversation, conv.id), b, "Are you coming on Monday?", utcnow())
    db.session.commit()
    auth.login("aigul@example.org")
    client.get("/directory/")
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = client.get("/directory/")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    html = page.get_data(as_text=True)
    assert 'data-nav="messages"' in html and '<span class="badge">2<' in html
    assert 'data-nav="notifications"' in html and '<span class="badge">1<' in html
    counting = [s for s in seen if "FROM notification" in s or "FROM message" in s]
    assert len(counting) == 1, counting


def test_the_conversation_list_queries_do_not_grow_with_her_conversations(client, auth, db):
    me = make_member(db, email="aigul@example.org", display_name="Aigul", country="KZ")

    def talk_with(n: int) -> None:
        other = make_member(db, email=f"colleague{n}@example.org", display_name=f"Colleague {n}", country="UZ")
        conv = Conversation(kind="direct", state="open", direct_key=f"{me.id}:{other.id}", started_by_id=other.id)
        conv.participants = [ConversationParticipant(member_id=me.id), ConversationParticipant(member_id=other.id)]
        db.session.add(conv)
        db.session.commit()

    talk_with(1)
    auth.login("aigul@example.org")
    client.get("/messages/")
    with statements(db) as one:
        client.get("/messages/")
    for n in range(2, 7):
        talk_with(n)
    client.get("/messages/")
    with statements(db) as six:
        page = client.get("/messages/")
    html = page.get_data(as_text=True)
    assert all(f"Colleague {n}" in html for n in range(1, 7))
    assert len(six) == len(one), six
