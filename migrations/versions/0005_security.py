"""Security hardening (reset tokens, second-factor failures, session times)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 22:30:00

"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # When the member was last seen, refreshed at most once a minute; sessions end
    # after idle time from the times in the signed session cookie.
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("member") as batch:
        batch.drop_column("last_seen_at")
