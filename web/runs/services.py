"""What coordinators see of matching runs, and who may decide on them.

Every coordinator may look at runs; a national focal point sees only the pairs
and unmatched mentees of her country. Publishing, discarding and starting a
"what if" run change the whole region, so they are for regional coordinators.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..matches import rules
from ..matches.rules import match_config
from ..models import JobExecution, MatchRun, MatchRunStatus, Member
from ..validation import ValidationFailed
from .running import run_matching

WEIGHT_LABELS = {
    "w_goal_coverage": _l("Mentor's skills cover the mentee's goals"),
    "w_skill_overlap": _l("Coverage of rarely offered goals counts more"),
    "w_language": _l("Shared languages"),
    "w_bio": _l("Similar profile texts"),
    "w_seniority": _l("Difference in years of service"),
    "w_agency": _l("Same kind of agency"),
}
SHOWN_UNMATCHED = 300


def may_decide(coordinator: Member) -> bool:
    from ..policy import may_decide_runs

    return may_decide_runs(coordinator)


def require_regional(coordinator: Member) -> None:
    if not may_decide(coordinator):
        abort(403)


def list_runs(limit: int = 50) -> list[MatchRun]:
    stmt = select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))


def failed_executions(limit: int = 20) -> list[JobExecution]:
    stmt = (
        select(JobExecution)
        .where(JobExecution.status == "failed")
        .order_by(JobExecution.started_at.desc(), JobExecution.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def get_run_for(coordinator: Member, run_id: int) -> MatchRun:
    run = db.session.get(MatchRun, run_id)
    if run is None:
        abort(404)
    return run


@dataclass
class PairRow:
    mentor: Member | None
    mentee: Member | None
    score: float
    reasons: list[dict]
    dropped: list[str] = field(default_factory=list)


@dataclass
class Preview:
    pairs: list[PairRow]
    unmatched: list[tuple[Member | None, str]]  # the mentee and why, as a sentence
    unmatched_total: int
    why_counts: list[tuple[str, int]]  # sentence, mentees
    pool: dict[str, Any]
    dropped: int


def preview(run: MatchRun, coordinator: Member) -> Preview:
    """The run's pairs (with who was dropped at publication), its unmatched
    mentees and why, within the coordinator's scope."""
    from ..policy import covers, covers_any

    dropped = {(d["mentor"], d["mentee"]): d.get("problems", []) for d in run.dropped or []}
    unmatched_rows = list((run.summary or {}).get("unmatched") or [])
    ids = {p.mentor_id for p in run.pairs} | {p.mentee_id for p in run.pairs}
    ids |= {int(u["id"]) for u in unmatched_rows}
    members = _members(ids)

    rows = []
    for p in run.pairs:
        mentor, mentee = members.get(p.mentor_id), members.get(p.mentee_id)
        if covers_any(coordinator, mentor, mentee):
            rows.append(
                PairRow(
                    mentor, mentee, p.score, list(p.reasons or []), dropped.get((str(p.mentor_id), str(p.mentee_id)), [])
                )
            )
    from ..matches.reasons import unmatched_reason

    unmatched = [
        (members.get(int(u["id"])), str(unmatched_reason(u)))
        for u in unmatched_rows
        if covers(coordinator, members.get(int(u["id"])))
    ]
    counts = Counter(sentence for _m, sentence in unmatched)
    return Preview(
        pairs=rows,
        unmatched=unmatched[:SHOWN_UNMATCHED],
        unmatched_total=len(unmatched),
        why_counts=counts.most_common(),
        pool=dict((run.summary or {}).get("pool") or {}),
        dropped=len(dropped),
    )


def _members(ids) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}


def start_what_if(coordinator: Member, weights: dict[str, float], now) -> MatchRun:
    """A draft run with these weights, to compare; commits (see ``running``)."""
    require_regional(coordinator)
    try:
        match_config(weights)
    except ValueError as exc:
        raise ValidationFailed([(None, _l("These weights cannot be used: at least one must be above 0."))]) from exc
    return run_matching(
        db.session,
        now=now,
        started_by=f"member:{coordinator.id}",
        started_by_id=coordinator.id,
        config_overrides=weights,
        what_if=True,
    )


def weight_defaults() -> dict[str, float]:
    """The weights a "what if" run starts from: the configured ones."""
    config = match_config().to_dict()
    return {name: config[name] for name in WEIGHT_LABELS if name in config}


def reason_sentences(reasons: list[dict]) -> list[str]:
    """A pair's matcher reasons as translated sentences (``web.matches.reasons``)."""
    from ..matches.reasons import describe

    return [str(sentence) for sentence in describe(list(reasons or []))]


def problem_text(code: str) -> str:
    """A write-time problem code (``rules.PROBLEMS``) as a sentence."""
    return rules.message(code)


def run_status_label(status: str) -> str:
    from flask_babel import gettext as _

    return {
        MatchRunStatus.RUNNING: _("running"),
        MatchRunStatus.DRAFT: _("draft"),
        MatchRunStatus.PUBLISHED: _("published"),
        MatchRunStatus.DISCARDED: _("discarded"),
        MatchRunStatus.FAILED: _("failed"),
    }.get(status, status)


def pretty_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
