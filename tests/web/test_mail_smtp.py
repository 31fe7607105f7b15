"""Emails go through a real SMTP server (aiosmtpd on 127.0.0.1) and say only what they should."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import make_member, make_mentor
from web.matches import proposals
from web.models import Conversation, utcnow


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    app.config.update(saved)
    controller.stop()


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_acceptance_and_new_message_emails_arrive_translated_with_link_only(client, auth, db, inbox):
    mentor = make_mentor(db, email="aigul@example.org", country="KZ", locale="en")
    mentee = make_member(db, email="nurzat@example.org", country="KG", locale="ru", display_name="Нурзат")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=utcnow())
    db.session.commit()
    inbox.messages.clear()  # the proposal email to the mentor is not what this test is about
    auth.login("aigul@example.org")
    page = f"/matches/{m.id}"
    token = csrf_token(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/accept", data={"csrf_token": token}).status_code == 302
    [(to, mail)] = inbox.messages
    assert to == ["nurzat@example.org"]
    assert mail["Subject"] == "Bridges: наставник принял предложение"
    assert f"http://localhost/matches/{m.id}" in _text(mail)
    assert "Нурзат" not in _text(mail) and "Aigul" not in _text(mail)  # names stay on the site

    auth.logout()
    auth.login("nurzat@example.org")
    token = csrf_token(client.get(page).get_data(as_text=True))
    client.post(f"{page}/confirm", data={"csrf_token": token})
    conv_id = db.session.scalar(select(Conversation.id))
    inbox.messages.clear()
    token = csrf_token(client.get(f"/messages/{conv_id}").get_data(as_text=True))
    client.post(f"/messages/{conv_id}/send", data={"body": "Meet at checkpoint 7 at noon", "csrf_token": token})
    [(to, mail)] = inbox.messages
    assert to == ["aigul@example.org"]
    assert mail["Subject"] == "Bridges: you have a new message"
    body = _text(mail)
    assert f"http://localhost/messages/{conv_id}" in body
    assert "checkpoint 7" not in body and "checkpoint 7" not in mail["Subject"]
