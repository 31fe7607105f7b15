"""A plain Flask + SQLAlchemy app over the same database, for bench/load_bench.py to compare
against: the same conversation page (the newest 30 messages with their senders, oldest first)
and the same directory page (active members of a country, 20 by name, with the total for
paging), with none of Bridges' sign-in, access rules, translations or layout.

    DATABASE_URL=postgresql+psycopg://... gunicorn 'plain_app:create_app()' --pythonpath bench
"""

from __future__ import annotations

import os

from flask import Flask, abort, render_template_string, request
from sqlalchemy import ForeignKey, String, Text, create_engine, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

PAGE = 30
PER_PAGE = 20


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(8))
    agency_kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))


class Message(Base):
    __tablename__ = "message"
    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column()
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    body: Mapped[str] = mapped_column(Text)
    sender: Mapped[Member | None] = relationship(lazy="joined")


CONVERSATION = """<!doctype html><title>Conversation</title><ol>
{% for m in messages %}<li>{{ m.sender.display_name if m.sender else "-" }}: {{ m.body }}</li>{% endfor %}
</ol><p>{{ total }} messages</p>"""
DIRECTORY = """<!doctype html><title>Directory</title><ul>
{% for m in members %}<li>{{ m.display_name }} ({{ m.country }}, {{ m.agency_kind }})</li>{% endfor %}
</ul><p>{{ total }} members</p>"""


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_pre_ping=True)

    @app.get("/conversation/<int:conversation_id>")
    def conversation(conversation_id: int):
        with Session(engine) as session:
            rows = session.scalars(
                select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id.desc()).limit(PAGE)
            ).all()
            if not rows:
                abort(404)
            total = session.scalar(select(func.count()).where(Message.conversation_id == conversation_id))
            return render_template_string(CONVERSATION, messages=list(reversed(rows)), total=total)

    @app.get("/directory")
    def directory():
        country = request.args.get("country", "KZ")
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        where = (Member.status == "active", Member.country == country)
        with Session(engine) as session:
            members = session.scalars(
                select(Member)
                .where(*where)
                .order_by(Member.display_name, Member.id)
                .offset((page - 1) * PER_PAGE)
                .limit(PER_PAGE)
            ).all()
            total = session.scalar(select(func.count()).select_from(Member).where(*where))
            return render_template_string(DIRECTORY, members=members, total=total)

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app
