"""Versions that tell a cached page it is out of date, kept by triggers; covering indexes for
the directory's language and skill filters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 08:00:00

Each web process keeps the directory's result block and a conversation's list of messages as
rendered HTML, reused while nothing they show has changed (web/page_cache.py). What tells it
is a version that the database itself moves, so every writer counts (the web, the jobs, a
command, SQL typed by hand):

- ``cache_version`` row ``directory``: moved by any statement that inserts, deletes or
  truncates members, their languages or topics, or mentorships, and by any UPDATE that sets a
  member column the directory shows or filters on (``DIRECTORY_MEMBER_COLUMNS``; the hourly
  "seen" time and sign-in columns do not move it), or a mentorship's state or people.
- ``conversation.message_version``: moved by every insert, update and delete of its messages
  (PostgreSQL: once per statement over the rows it touched, so a bulk load of a million
  messages costs one UPDATE per conversation, not one per message).

A version starts at a random number when its row is made (a conversation, or the
``directory`` row made again after a DELETE), so a number cached in a process before the row
existed cannot come back and match it (SQLite reuses the ids of deleted rows).

The skill and language filters count members with an EXISTS on member_topic and
member_language: with (kind, slug, member_id) and (code, member_id) they read the index alone
(20 ms each in PostgreSQL before, at 50,000 members). They replace (kind, slug) and (code).
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Written out (not imported) so that this revision stays what it was. A new member column
# that the directory shows needs a new migration adding it here (tests/web/test_page_cache.py
# fails until every column is either here or named as not shown).
DIRECTORY_MEMBER_COLUMNS = (
    "email",
    "display_name",
    "country",
    "agency_kind",
    "agency_name",
    "rank",
    "years_of_service",
    "is_mentee",
    "is_mentor",
    "capacity",
    "bio",
    "status",
    "is_coordinator",
    "coordinator_scope",
    "show_agency_name",
    "show_rank",
    "show_bio",
    "show_email",
    "deleted_at",
    "search_text",
)
MENTORSHIP_COLUMNS = ("mentor_id", "mentee_id", "state")
DIRECTORY_TABLES = ("member", "member_language", "member_topic", "mentorship")
RANDOM_PG = "floor(random() * 4503599627370496)::bigint"  # 2**52
RANDOM_SQLITE = "abs(random() % 4503599627370496)"


def upgrade():
    op.create_table(
        "cache_version",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_version")),
    )
    op.add_column("conversation", sa.Column("message_version", sa.BigInteger(), server_default="0", nullable=False))
    op.drop_index("ix_member_topic_kind_slug", table_name="member_topic")
    op.create_index("ix_member_topic_kind_slug_member_id", "member_topic", ["kind", "slug", "member_id"])
    op.drop_index("ix_member_language_code", table_name="member_language")
    op.create_index("ix_member_language_code_member_id", "member_language", ["code", "member_id"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers():
    op.execute(f"INSERT INTO cache_version (name, version) VALUES ('directory', {RANDOM_PG})")
    op.execute(
        f"""
        CREATE FUNCTION bridges_directory_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO cache_version (name, version) VALUES ('directory', {RANDOM_PG})
                ON CONFLICT (name) DO NOTHING;
            UPDATE cache_version SET version = version + 1 WHERE name = 'directory';
            RETURN NULL;
        END $$
        """
    )
    for table in DIRECTORY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_directory_rows AFTER INSERT OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bridges_directory_changed()"
        )
    columns = {"member": DIRECTORY_MEMBER_COLUMNS, "mentorship": MENTORSHIP_COLUMNS}
    for table in DIRECTORY_TABLES:
        of = f" OF {', '.join(columns[table])}" if table in columns else ""
        op.execute(
            f"CREATE TRIGGER {table}_directory_update AFTER UPDATE{of} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION bridges_directory_changed()"
        )
    for rows, event in (("new_rows", "INSERT"), ("new_rows", "UPDATE"), ("old_rows", "DELETE")):
        function = f"bridges_messages_{event.lower()}"
        op.execute(
            f"""
            CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE conversation SET message_version = message_version + 1
                WHERE id IN (SELECT DISTINCT conversation_id FROM {rows});
                RETURN NULL;
            END $$
            """
        )
        table_kind = "NEW" if rows == "new_rows" else "OLD"
        op.execute(
            f"CREATE TRIGGER message_version_{event.lower()} AFTER {event} ON message "
            f"REFERENCING {table_kind} TABLE AS {rows} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def _sqlite_triggers():
    op.execute(f"INSERT INTO cache_version (name, version) VALUES ('directory', {RANDOM_SQLITE})")
    bump = (
        f"INSERT OR IGNORE INTO cache_version (name, version) VALUES ('directory', {RANDOM_SQLITE}); "
        "UPDATE cache_version SET version = version + 1 WHERE name = 'directory';"
    )
    columns = {"member": DIRECTORY_MEMBER_COLUMNS, "mentorship": MENTORSHIP_COLUMNS}
    for table in DIRECTORY_TABLES:
        for event in ("INSERT", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_directory_{event.lower()} AFTER {event} ON {table} BEGIN {bump} END")
        of = f" OF {', '.join(columns[table])}" if table in columns else ""
        op.execute(f"CREATE TRIGGER {table}_directory_update AFTER UPDATE{of} ON {table} BEGIN {bump} END")
    bump_message = "UPDATE conversation SET message_version = message_version + 1 WHERE id IN ({})"
    op.execute(
        "CREATE TRIGGER message_version_insert AFTER INSERT ON message BEGIN "
        + bump_message.format("NEW.conversation_id")
        + "; END"
    )
    op.execute(
        "CREATE TRIGGER message_version_update AFTER UPDATE ON message BEGIN "
        + bump_message.format("OLD.conversation_id, NEW.conversation_id")
        + "; END"
    )
    op.execute(
        "CREATE TRIGGER message_version_delete AFTER DELETE ON message BEGIN "
        + bump_message.format("OLD.conversation_id")
        + "; END"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS message_version_{event} ON message")
            op.execute(f"DROP FUNCTION IF EXISTS bridges_messages_{event}()")
        for table in DIRECTORY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_directory_rows ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_directory_update ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bridges_directory_changed()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS message_version_{event}")
        for table in DIRECTORY_TABLES:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_directory_{event}")
    op.drop_index("ix_member_language_code_member_id", table_name="member_language")
    op.create_index("ix_member_language_code", "member_language", ["code"])
    op.drop_index("ix_member_topic_kind_slug_member_id", table_name="member_topic")
    op.create_index("ix_member_topic_kind_slug", "member_topic", ["kind", "slug"])
    with op.batch_alter_table("conversation") as batch_op:
        batch_op.drop_column("message_version")
    op.drop_table("cache_version")
