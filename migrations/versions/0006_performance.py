"""Production performance (indexes)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 22:30:00

The directory lists active members by name, filtered by country or not. Without these it read
and sorted every matching member for each page (and again to count them): 70 ms and more at
50,000 members. With them PostgreSQL walks the index in name order and stops after the page,
and counts from the index alone (bench/load_bench.py).

On PostgreSQL the indexes are built CONCURRENTLY, so a live directory keeps working while they
build; that needs its own transaction, hence the autocommit block.
"""

from alembic import op
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_member_status_country_display_name", ["status", "country", "display_name", "id"]),
    ("ix_member_status_display_name", ["status", "display_name", "id"]),
)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgres():
        with op.get_context().autocommit_block():
            for name, columns in INDEXES:
                op.create_index(name, "member", columns, postgresql_concurrently=True, if_not_exists=True)
    else:
        for name, columns in INDEXES:
            op.create_index(name, "member", columns)


def downgrade():
    for name, _columns in INDEXES:
        if _postgres():
            with op.get_context().autocommit_block():
                op.drop_index(name, table_name="member", postgresql_concurrently=True, if_exists=True)
        else:
            op.drop_index(name, table_name="member")
