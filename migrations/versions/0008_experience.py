"""Member experience: a folded search text on members, filled for existing rows; meetings

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 22:30:00

"""

import sqlalchemy as sa
from alembic import op

from web.directory.normalise import fold

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade():
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    _fill_search_text()
    if op.get_bind().dialect.name == "postgresql":
        # A trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_member_search_text_trgm",
            "member",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
    else:
        op.create_index("ix_member_search_text_trgm", "member", ["search_text"], sqlite_where=sa.text("0"))
    _one_conversation_per_pair()
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentorship_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("check_in_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["check_in_id"], ["check_in.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["mentorship_id"], ["mentorship.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["member.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_mentorship_id", ["mentorship_id"], unique=False)
        batch_op.create_index("ix_meeting_state_starts_at", ["state", "starts_at"], unique=False)


def _fill_search_text():
    """The text the model keeps on every write, computed once for the rows already there
    (same rule as web.directory.normalise.member_search_text, on plain rows)."""
    member = sa.table(
        "member",
        sa.column("id", sa.Integer),
        sa.column("display_name", sa.String),
        sa.column("agency_name", sa.String),
        sa.column("bio", sa.Text),
        sa.column("show_agency_name", sa.Boolean),
        sa.column("show_bio", sa.Boolean),
        sa.column("search_text", sa.Text),
    )
    conn = op.get_bind()
    last_id = 0
    while True:
        rows = conn.execute(
            sa.select(
                member.c.id,
                member.c.display_name,
                member.c.agency_name,
                member.c.bio,
                member.c.show_agency_name,
                member.c.show_bio,
            )
            .where(member.c.id > last_id)
            .order_by(member.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            member.update().where(member.c.id == sa.bindparam("member_id")).values(search_text=sa.bindparam("text")),
            [{"member_id": row.id, "text": _row_text(row)} for row in rows],
        )
        last_id = rows[-1].id


def _row_text(row) -> str:
    parts = [row.display_name]
    if row.show_agency_name is not False:
        parts.append(row.agency_name)
    if row.show_bio is not False:
        parts.append(row.bio)
    return "\n".join(fold(p) for p in parts if p)


def _one_conversation_per_pair():
    """A pair of members has one conversation: a mentorship's conversation gets the pair's key,
    and a colleagues' thread the pair already had moves into it (messages, notifications,
    reports; each member keeps the later of her two read marks). A thread that belongs to
    another mentorship of the same pair is left as it is."""
    conv = sa.table(
        "conversation",
        sa.column("id", sa.Integer),
        sa.column("mentorship_id", sa.Integer),
        sa.column("direct_key", sa.String),
        sa.column("last_message_at", sa.DateTime(timezone=True)),
    )
    mentorship = sa.table(
        "mentorship", sa.column("id", sa.Integer), sa.column("mentor_id", sa.Integer), sa.column("mentee_id", sa.Integer)
    )
    part = sa.table(
        "conversation_participant",
        sa.column("conversation_id", sa.Integer),
        sa.column("member_id", sa.Integer),
        sa.column("last_read_message_id", sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(conv.c.id, conv.c.last_message_at, mentorship.c.mentor_id, mentorship.c.mentee_id)
        .join(mentorship, mentorship.c.id == conv.c.mentorship_id)
        .where(conv.c.direct_key.is_(None))
        .order_by(conv.c.id)
    ).all()
    for row in rows:
        low, high = sorted((row.mentor_id, row.mentee_id))
        key = f"{low}:{high}"
        other = conn.execute(
            sa.select(conv.c.id, conv.c.mentorship_id, conv.c.last_message_at).where(conv.c.direct_key == key)
        ).first()
        if other is not None and other.mentorship_id is not None:
            continue
        if other is not None:
            for table in ("message", "notification", "message_report"):
                t = sa.table(table, sa.column("conversation_id", sa.Integer))
                conn.execute(t.update().where(t.c.conversation_id == other.id).values(conversation_id=row.id))
            for member_id, last_read in conn.execute(
                sa.select(part.c.member_id, part.c.last_read_message_id).where(part.c.conversation_id == other.id)
            ).all():
                conn.execute(
                    part.update()
                    .where(
                        part.c.conversation_id == row.id,
                        part.c.member_id == member_id,
                        part.c.last_read_message_id < last_read,
                    )
                    .values(last_read_message_id=last_read)
                )
            conn.execute(part.delete().where(part.c.conversation_id == other.id))
            conn.execute(conv.delete().where(conv.c.id == other.id))
            latest = max((t for t in (row.last_message_at, other.last_message_at) if t is not None), default=None)
            conn.execute(conv.update().where(conv.c.id == row.id).values(last_message_at=latest))
        conn.execute(conv.update().where(conv.c.id == row.id).values(direct_key=key))


def downgrade():
    # IF EXISTS: databases upgraded by an earlier draft of this revision (during the session
    # that wrote it) have neither the meeting table nor the index.
    op.execute("DROP TABLE IF EXISTS meeting")  # a table 0007 did not have; no other table loses rows
    op.execute("DROP INDEX IF EXISTS ix_member_search_text_trgm")
    # Only the derived column goes; every member row stays.
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("search_text")
