"""Seed a PostgreSQL database for the load benchmark, in bulk (COPY and INSERT ... SELECT).

    python bench/load_seed.py postgresql://postgres@127.0.0.1:5432/bridges_bench \
        [--members 50000 --conversations 5000 --per-conversation 200 --proposals 2500]

The database must exist and be migrated (bench/load_bench.py does both). Layout, so that the
load generator knows who is who without asking:
- members 1..N are active, ``member<i>@bench.invalid`` with the password ``PASSWORD``;
  countries, agencies, languages and skills spread evenly, even-numbered members are mentors;
- conversation k (1..conversations) is between members 2k-1 and 2k, open, with
  ``per_conversation`` messages written alternately;
- mentorship k (1..proposals) is a proposal from mentor 2k to mentee 2k-1.

Columns not given here take their model default, so new NOT NULL columns added by later
migrations do not break the seed (a value computed on write in Python, like a search column,
is computed here only if it has a column default).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

PASSWORD = "bench-password-2026"  # noqa: S105 -- a fictional bench account
COUNTRIES = ("KZ", "KG", "TJ", "TM", "UZ")
LANGUAGE_SETS = (("ru", "kk"), ("ru", "ky"), ("ru", "tg"), ("ru", "tk"), ("ru", "uz"), ("en", "ru"))
FIRST = ("Aigul", "Saule", "Zarina", "Dilnoza", "Gulnara", "Madina", "Nigora", "Aida", "Mehri", "Leila")
LAST = ("Tokayeva", "Usmonova", "Karimova", "Abdullaeva", "Nazarova", "Ismailova", "Rahimova", "Bekova")


def _column_defaults(table, given: set[str]) -> dict:
    """Model defaults for the columns a bulk row does not give. Columns the database fills
    itself (a serial id, a server default) are left out."""
    out = {}
    for column in table.columns:
        if column.name in given:
            continue
        default = column.default
        if default is None:
            if column.server_default is not None or (column.primary_key and column.autoincrement in (True, "auto")):
                continue
            out[column.name] = None
        elif default.is_callable:
            out[column.name] = default.arg(None)
        else:
            out[column.name] = default.arg
    return out


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        import json

        value = json.dumps(value)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor, table, rows: list[dict]) -> None:
    """COPY rows into ``table``, filling the columns they lack with model defaults."""
    if not rows:
        return
    given = set(rows[0])
    defaults = _column_defaults(table, given)
    columns = list(rows[0]) + [c for c in defaults if c not in given]
    buffer = io.StringIO()
    for row in rows:
        full = {**defaults, **row}
        buffer.write("\t".join(_copy_value(full[c]) for c in columns) + "\n")
    quoted = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        copy.write(buffer.getvalue())


def seed(url: str, members: int, conversations: int, per_conversation: int, proposals: int, log=print) -> dict:
    import psycopg

    from web.auth.passwords import hash_password
    from web.models import (
        Conversation,
        Member,
        MemberLanguage,
        MemberTopic,
        Mentorship,
    )
    from web.taxonomy import AGENCY_KINDS, TOPICS

    assert 2 * max(conversations, proposals) <= members
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    pw_hash = hash_password(PASSWORD)
    agencies = list(AGENCY_KINDS)
    topics = list(TOPICS)
    now = datetime.now(UTC)
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=False) as conn, conn.cursor() as cur:
        rows = []
        for i in range(1, members + 1):
            rows.append(
                {
                    "id": i,
                    "email": f"member{i}@bench.invalid",
                    "password_hash": pw_hash,
                    "display_name": f"{FIRST[i % len(FIRST)]} {LAST[(i // 10) % len(LAST)]} {i}",
                    "country": COUNTRIES[i % len(COUNTRIES)],
                    "agency_kind": agencies[i % len(agencies)],
                    "agency_name": f"Agency {i % 97}",
                    "years_of_service": 3 + i % 25,
                    "is_mentee": True,
                    "is_mentor": i % 2 == 0,
                    "capacity": 2 if i % 2 == 0 else 0,
                    "bio": f"Officer {i}: border management, training and community policing.",
                    "goals_text": "Lead a team; cross-border cooperation.",
                    "status": "active",
                    "locale": "en",
                    "consent_at": now,
                    "created_at": now - timedelta(days=i % 400),
                    "updated_at": now,
                    "session_token": f"{i:08x}" + "0" * 24,
                }
            )
        copy_rows(cur, Member.__table__, rows)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('member', 'id'), {members})")
        copy_rows(
            cur,
            MemberLanguage.__table__,
            [{"member_id": i, "code": c} for i in range(1, members + 1) for c in LANGUAGE_SETS[i % len(LANGUAGE_SETS)]],
        )
        topic_rows = []
        for i in range(1, members + 1):
            for j in range(3):
                topic_rows.append({"member_id": i, "kind": "skill", "slug": topics[(i + 7 * j) % len(topics)]})
            for j in range(2):
                topic_rows.append({"member_id": i, "kind": "goal", "slug": topics[(i * 3 + 11 * j + 1) % len(topics)]})
        copy_rows(cur, MemberTopic.__table__, topic_rows)
        log(f"  members: {members:,} ({time.perf_counter() - started:.1f} s)")

        copy_rows(
            cur,
            Mentorship.__table__,
            [
                {"id": k, "mentor_id": 2 * k, "mentee_id": 2 * k - 1, "state": "proposed", "score": 0.7, "proposed_at": now}
                for k in range(1, proposals + 1)
            ],
        )
        if proposals:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('mentorship', 'id'), {proposals})")

        last = now - timedelta(minutes=5)
        copy_rows(
            cur,
            Conversation.__table__,
            [
                {
                    "id": k,
                    "kind": "direct",
                    "state": "open",
                    "direct_key": f"{2 * k - 1}:{2 * k}",
                    "started_by_id": 2 * k - 1,
                    "created_at": now - timedelta(days=60),
                    "last_message_at": last,
                }
                for k in range(1, conversations + 1)
            ],
        )
        cur.execute(f"SELECT setval(pg_get_serial_sequence('conversation', 'id'), {max(conversations, 1)})")
        # Messages in one statement: conversation k gets per_conversation rows, oldest first.
        cur.execute(
            """
            INSERT INTO message (conversation_id, sender_id, body, created_at)
            SELECT k, CASE WHEN n %% 2 = 0 THEN 2 * k - 1 ELSE 2 * k END,
                   'Message ' || n || ' of conversation ' || k || ': shall we meet at the training centre next week?',
                   %(last)s - (%(per)s - n) * interval '7 minutes'
            FROM generate_series(1, %(conversations)s) AS k, generate_series(1, %(per)s) AS n
            ORDER BY k, n
            """,
            {"last": last, "per": per_conversation, "conversations": conversations},
        )
        # Both have read everything but the last two messages.
        cur.execute(
            """
            INSERT INTO conversation_participant (conversation_id, member_id, last_read_message_id, ignored, joined_at)
            SELECT c.id, p.member_id, COALESCE((SELECT max(m.id) - 2 FROM message m WHERE m.conversation_id = c.id), 0),
                   false, c.created_at
            FROM conversation c
            CROSS JOIN LATERAL (VALUES (c.started_by_id), (c.started_by_id + 1)) AS p(member_id)
            """
        )
        conn.commit()
        elapsed = time.perf_counter() - started
        log(f"  conversations: {conversations:,} with {conversations * per_conversation:,} messages ({elapsed:.1f} s)")
        conn.autocommit = True
        for table in (
            "member",
            "member_language",
            "member_topic",
            "mentorship",
            "conversation",
            "conversation_participant",
            "message",
        ):
            cur.execute(f'VACUUM ANALYZE "{table}"')
    return {"members": members, "conversations": conversations, "messages": conversations * per_conversation}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--members", type=int, default=50_000)
    parser.add_argument("--conversations", type=int, default=5_000)
    parser.add_argument("--per-conversation", type=int, default=200)
    parser.add_argument("--proposals", type=int, default=2_500)
    args = parser.parse_args(argv)
    seed(args.url, args.members, args.conversations, args.per_conversation, args.proposals)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
