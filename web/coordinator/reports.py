"""The pairing report of a run: figures, flows, shares, pairs and unmatched mentees, within scope."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import policy, taxonomy
from ..collation import name_key
from ..extensions import db
from ..i18n import decimal
from ..models import (
    MatchRun,
    MatchRunStatus,
    Member,
)
from .scope import _members

PAIRS_PER_PAGE = 100

# --- the pairing report --------------------------------------------------------------------

FIGURES = (
    ("mentees_eligible", _l("Mentees eligible")),
    ("mentees_matched", _l("Mentees matched")),
    ("max_matchable", _l("Most that could be matched")),
    ("mentors_with_places", _l("Mentors with free places left")),
    ("places_left", _l("Free places left")),
    ("mean_goal_coverage", _l("Mean goal coverage")),
    ("mean_score", _l("Mean score")),
)
PERCENT_FIGURES = frozenset({"mean_goal_coverage"})
DECIMAL_FIGURES = frozenset({"mean_score"})


def figures(run: MatchRun) -> dict[str, float | int | None]:
    """The run's headline figures from its summary; mentors with free places are counted
    from the input snapshot (capacity) and the run's pairs."""
    s = run.summary or {}
    out: dict[str, float | int | None] = {key: s.get(key) for key, _label in FIGURES}
    out["mentors_with_places"] = _mentors_with_places(run)
    return out


def _mentors_with_places(run: MatchRun) -> int | None:

    if not run.snapshot:
        return None
    capacity: dict[str, int] = {}
    for line in run.snapshot.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if "mentor" in (row.get("roles") or []) and int(row.get("capacity") or 0) > 0:
            capacity[str(row["id"])] = int(row["capacity"])
    for pair in run.pairs:
        key = str(pair.mentor_id)
        if key in capacity:
            capacity[key] -= 1
    return sum(1 for left in capacity.values() if left > 0)


def previous_run(run: MatchRun) -> MatchRun | None:
    """The latest published run before this one: what the programme actually did last time."""
    return db.session.scalar(
        select(MatchRun)
        .where(MatchRun.id < run.id, MatchRun.status == MatchRunStatus.PUBLISHED)
        .order_by(MatchRun.id.desc())
        .limit(1)
    )


def format_figure(key: str, value) -> str:
    if value is None:
        return "—"
    if key in PERCENT_FIGURES:
        return f"{decimal(float(value) * 100, 0)} %"
    if key in DECIMAL_FIGURES:
        return decimal(float(value))
    return decimal(int(value), 0)


@dataclass
class PairRow:
    mentor_id: int
    mentee_id: int
    mentor: Member | None
    mentee: Member | None
    score: float
    reasons: list[dict]

    @property
    def mentor_country(self) -> str:
        return self.mentor.country if self.mentor else ""

    @property
    def mentee_country(self) -> str:
        return self.mentee.country if self.mentee else ""


@dataclass
class UnmatchedRow:
    member: Member | None
    entry: dict[str, Any]

    @property
    def reason(self) -> str:
        return str(self.entry.get("reason", ""))


@dataclass
class Report:
    run: MatchRun
    figures: dict[str, Any]
    previous: MatchRun | None
    previous_figures: dict[str, Any] | None
    countries: list[str]
    flows: dict[tuple[str, str], int]
    shares: list[tuple[str, int, int, float]]  # country, mentees, matched, share
    histogram: tuple[list[float], list[int]]
    pairs: list[PairRow]
    unmatched: list[UnmatchedRow]
    min_gap: int
    unmatched_reasons: dict[str, int] = field(default_factory=dict)


SORTS = {
    "score": lambda r: (r.score, r.mentee_id),
    "mentee": lambda r: (name_key(r.mentee.display_name if r.mentee else ""), r.mentee_id),
    "mentor": lambda r: (name_key(r.mentor.display_name if r.mentor else ""), r.mentor_id),
    "mentee_country": lambda r: (r.mentee_country, r.score),
    "mentor_country": lambda r: (r.mentor_country, r.score),
}
DEFAULT_SORT = "-score"


def parse_sort(value: str | None) -> str:
    value = value or DEFAULT_SORT
    return value if value.lstrip("-") in SORTS else DEFAULT_SORT


def sort_pairs(rows: list[PairRow], sort: str) -> list[PairRow]:
    sort = parse_sort(sort)
    return sorted(rows, key=SORTS[sort.lstrip("-")], reverse=sort.startswith("-"))


def report(run: MatchRun, coordinator: Member, sort: str = DEFAULT_SORT) -> Report:
    """Everything the report page and the exports show, within the coordinator's scope."""
    s = run.summary or {}
    by_country: dict[str, dict] = dict(s.get("by_country") or {})
    flows = {(f["mentor_country"], f["mentee_country"]): int(f["pairs"]) for f in s.get("flows") or []}
    countries = sorted(set(by_country) | {c for pair in flows for c in pair}, key=_country_order)
    shares = []
    for c in countries:
        row = by_country.get(c) or {}
        mentees, matched = int(row.get("mentees", 0)), int(row.get("mentees_matched", 0))
        if mentees:
            shares.append((c, mentees, matched, matched / mentees))
    hist = s.get("score_histogram") or {}
    unmatched_entries = list(s.get("unmatched") or [])
    ids = {p.mentor_id for p in run.pairs} | {p.mentee_id for p in run.pairs}
    ids |= {int(u["id"]) for u in unmatched_entries if str(u.get("id", "")).isdigit()}
    people = _members(ids)
    pairs = [
        PairRow(
            p.mentor_id, p.mentee_id, people.get(p.mentor_id), people.get(p.mentee_id), float(p.score), list(p.reasons or [])
        )
        for p in run.pairs
    ]
    pairs = [p for p in pairs if policy.covers_any(coordinator, p.mentor, p.mentee)]
    unmatched = []
    for u in unmatched_entries:
        member = people.get(int(u["id"])) if str(u.get("id", "")).isdigit() else None
        if policy.covers(coordinator, member):
            unmatched.append(UnmatchedRow(member, dict(u)))
    prev = previous_run(run)
    return Report(
        run=run,
        figures=figures(run),
        previous=prev,
        previous_figures=figures(prev) if prev is not None else None,
        countries=countries,
        flows=flows,
        shares=shares,
        histogram=(list(hist.get("edges") or []), list(hist.get("counts") or [])),
        pairs=sort_pairs(pairs, sort),
        unmatched=unmatched,
        min_gap=int((run.config or {}).get("min_gap", 2)),
        unmatched_reasons=dict(s.get("unmatched_reasons") or {}),
    )


def _country_order(code: str):
    region = taxonomy.REGION
    return (region.index(code) if code in region else len(region), code)
