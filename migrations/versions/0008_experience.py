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


def downgrade():
    op.drop_table("meeting")  # a table 0007 did not have; no other table loses rows
    # Only the derived column goes; every member row stays.
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("search_text")
