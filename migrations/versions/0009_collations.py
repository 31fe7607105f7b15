"""Collations for sorting names in each interface language (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 02:30:00

Lists of members are sorted in the alphabet of the page's language (web/collation.py):
``ORDER BY display_name COLLATE bridges_kk``. On PostgreSQL these are ICU collations, created
here from the ICU locale of each language (a Cyrillic page lists Cyrillic names first: the
``kr`` script reordering, which ICU's own tg and uz-Cyrl lack). A server built without ICU gets
none, and the lists keep the plain order (web/collation.py checks). SQLite registers
collations of the same names on each connection.

A collated ORDER BY cannot use the plain name index of 0006: at 50,000 members the first page
of the directory took 55 ms (a sort of every active member) instead of 0.2 ms. So each language
gets an index of active members in its order (about 3 MB each at 50,000 members; built
CONCURRENTLY, 0.13 s each); a country filter walks it and skips the other countries (0.1 ms for
a page). On SQLite the indexes stay empty (WHERE 0), as the models declare them for both.

The locales are written out here, not imported, so that this revision stays what it was.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLLATIONS = {
    "bridges_en": "en",
    "bridges_ru": "ru",
    "bridges_kk": "kk",
    "bridges_ky": "ky",
    "bridges_tg": "tg-u-kr-cyrl-latn",
    "bridges_tk": "tk",
    "bridges_uz": "uz",
    "bridges_uz_cyrl": "uz-Cyrl-u-kr-cyrl-latn",
}


def _index(collation: str) -> str:
    return "ix_member_status_display_name_" + collation.removeprefix("bridges_")


def _postgres_with_icu() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(bind.exec_driver_sql("SELECT count(*) FROM pg_collation WHERE collprovider = 'i'").scalar())


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in COLLATIONS:
            op.create_index(_index(name), "member", ["status", "display_name", "id"], sqlite_where=sa.text("0"))
        return
    icu = _postgres_with_icu()
    if icu:
        for name, locale in COLLATIONS.items():
            op.execute(f"CREATE COLLATION IF NOT EXISTS {name} (provider = icu, locale = '{locale}')")
    with op.get_context().autocommit_block():
        for name in COLLATIONS:
            # Without ICU the index is plain, so that the schema still matches the models.
            collate = f" COLLATE {name}" if icu else ""
            op.execute(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {_index(name)} ON member (status, display_name{collate}, id)"
            )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in COLLATIONS:
            op.drop_index(_index(name), table_name="member")
        return
    with op.get_context().autocommit_block():
        for name in COLLATIONS:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {_index(name)}")
    for name in COLLATIONS:
        op.execute(f"DROP COLLATION IF EXISTS {name}")
