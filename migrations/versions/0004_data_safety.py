"""Data safety (scheduler leases, account deletion)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 22:30:00

Job executions hold a lease that their process renews, so a killed process's
execution is found and marked failed, and its slot can be run again (attempt).
A member deleted on request keeps her row (messages she wrote stay, as
"deleted member"), erased, with the time of deletion.

Adding and dropping columns keeps every row; on SQLite the tables are rebuilt
with foreign keys off (migrations/env.py).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job_execution") as batch:
        batch.add_column(sa.Column("attempt", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("interrupted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("member") as batch:
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("member") as batch:
        batch.drop_column("deleted_at")
    with op.batch_alter_table("job_execution") as batch:
        batch.drop_column("interrupted_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("attempt")
