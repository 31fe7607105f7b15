"""CSV exports of the coordinator area; every export is recorded in the audit log."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from .. import policy
from ..audit import record
from ..matches.reasons import unblock_hint, unmatched_reason
from ..models import (
    Member,
)
from .health import figures_rows
from .reports import Report

log = logging.getLogger(__name__)


def _csv(header: list[str], rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe_cell(v) for v in row])
    return buf.getvalue()


def _safe_cell(value):
    """Spreadsheets run cells starting with = + - @ as formulas; quote them as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def pairs_csv(rep: Report) -> str:
    from ..matches.reasons import describe

    return _csv(
        ["mentor_id", "mentor", "mentor_country", "mentee_id", "mentee", "mentee_country", "score", "reasons"],
        (
            [
                p.mentor_id,
                p.mentor.display_name if p.mentor else "",
                p.mentor_country,
                p.mentee_id,
                p.mentee.display_name if p.mentee else "",
                p.mentee_country,
                f"{p.score:.4f}",
                "; ".join(describe(p.reasons)),
            ]
            for p in rep.pairs
        ),
    )


def unmatched_csv(rep: Report) -> str:
    return _csv(
        ["mentee_id", "mentee", "country", "reason", "why", "what_would_unblock"],
        (
            [
                u.entry.get("id"),
                u.member.display_name if u.member else "",
                u.entry.get("country", ""),
                u.reason,
                unmatched_reason(u.entry),
                unblock_hint(u.entry, rep.min_gap),
            ]
            for u in rep.unmatched
        ),
    )


def figures_csv(h: dict[str, Any]) -> str:
    return _csv(["figure", "value"], ((key, "" if value is None else value) for key, value in figures_rows(h)))


def record_export(coordinator: Member, what: str, target: Any = None, **detail) -> None:
    record(coordinator, f"export.{what}", target, scope=policy.scope_of(coordinator) or "all", **detail)
