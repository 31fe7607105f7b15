"""The coordinator console: pairing reports, programme health, actions, exports, audit log.

Scope: a regional coordinator (``coordinator_scope`` None) sees everyone; a national focal
point sees the members of her country. Rows about one person (an unmatched mentee, an
application, a quiet mentorship's names) are shown only inside the scope; a pair or
mentorship is shown when at least one of the two is in it (she looks after her side of a
cross-border pair). Counts that name nobody (a run's headline figures, the cross-border
flows) are region-wide for everyone, so that a focal point can compare her country.

Services take the acting coordinator and plain values, add and flush; views commit.
"""

from __future__ import annotations

import csv
import io
import logging
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import abort
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, delete, func, or_, select

from .. import taxonomy
from ..audit import record
from ..coordinator.services import scoped_members
from ..extensions import db
from ..models import (
    AuditLog,
    ForbiddenPair,
    JobExecution,
    MatchRun,
    MatchRunStatus,
    Member,
    MemberStatus,
    Mentorship,
    MentorshipEvent,
    MentorshipState,
)
from ..models import CheckIn, Conversation, Feedback, Message
from ..validation import ValidationFailed

log = logging.getLogger(__name__)
S = MentorshipState

QUIET_DAYS = 30
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_PERIOD = "90"
PAIRS_PER_PAGE = 100


# --- scope ---------------------------------------------------------------------------------


def is_regional(coordinator: Member) -> bool:
    return coordinator.coordinator_scope is None


def in_scope(coordinator: Member, *people: Member | None) -> bool:
    """True when any of ``people`` is a member the coordinator looks after."""
    scope = coordinator.coordinator_scope
    return scope is None or any(p is not None and p.country == scope for p in people)


def get_run(run_id: int) -> MatchRun:
    """Any coordinator may open a run's report; what it lists is scoped in ``report``."""
    run = db.session.get(MatchRun, run_id)
    if run is None or run.status in (MatchRunStatus.RUNNING,):
        abort(404)
    return run


def get_mentorship_for_coordinator(coordinator: Member, mentorship_id: int) -> Mentorship:
    m = db.session.get(Mentorship, mentorship_id)
    if m is None or not in_scope(coordinator, m.mentor, m.mentee):
        abort(404)
    return m


def find_member(coordinator: Member, ref: str | int | None, *, scoped: bool) -> Member | None:
    """A member by number or email; within the coordinator's scope when ``scoped``."""
    ref = str(ref or "").strip()
    if not ref:
        return None
    stmt = scoped_members(coordinator) if scoped else select(Member)
    if ref.isdigit():
        stmt = stmt.where(Member.id == int(ref))
    else:
        stmt = stmt.where(Member.email == ref.lower())
    return db.session.scalar(stmt)


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


def _pair_members(coordinator: Member, mentor_ref: str, mentee_ref: str, out_of_scope_message) -> tuple[Member, Member]:
    """Both members of a pair by number or email, refused unless the coordinator's scope covers it."""
    mentor = find_member(coordinator, mentor_ref, scoped=False)
    mentee = find_member(coordinator, mentee_ref, scoped=False)
    errors = []
    if mentor is None:
        errors.append(("mentor", _l("No member with this number or email.")))
    if mentee is None:
        errors.append(("mentee", _l("No member with this number or email.")))
    if errors:
        raise ValidationFailed(errors)
    if not in_scope(coordinator, mentor, mentee):
        raise ValidationFailed([(None, out_of_scope_message)])
    return mentor, mentee


def figures(run: MatchRun) -> dict[str, float | int | None]:
    """The run's headline figures from its summary; mentors with free places are counted
    from the input snapshot (capacity) and the run's pairs."""
    s = run.summary or {}
    out: dict[str, float | int | None] = {key: s.get(key) for key, _label in FIGURES}
    out["mentors_with_places"] = _mentors_with_places(run)
    return out


def _mentors_with_places(run: MatchRun) -> int | None:
    import json

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
        return f"{float(value) * 100:.0f} %"
    if key in DECIMAL_FIGURES:
        return f"{float(value):.2f}"
    return str(int(value))


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
    "mentee": lambda r: ((r.mentee.display_name.casefold() if r.mentee else ""), r.mentee_id),
    "mentor": lambda r: ((r.mentor.display_name.casefold() if r.mentor else ""), r.mentor_id),
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
    pairs = [p for p in pairs if in_scope(coordinator, p.mentor, p.mentee)]
    unmatched = []
    for u in unmatched_entries:
        member = people.get(int(u["id"])) if str(u.get("id", "")).isdigit() else None
        if member is not None and in_scope(coordinator, member) or (member is None and is_regional(coordinator)):
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


def _members(ids) -> dict[int, Member]:
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}


def blocking_reason(code: str) -> str:
    """What keeps an unmatched mentee out, as a sentence (the runs area owns these texts)."""
    from ..runs.services import UNMATCHED_WHY

    return str(UNMATCHED_WHY.get(code, code))


def _languages(codes) -> str:
    labels = [taxonomy.label(taxonomy.LANGUAGES, c) for c in codes or []]
    if not labels:
        return _("her languages")
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s or %(last)s", first=", ".join(labels[:-1]), last=labels[-1])


def unblock_hint(entry: dict[str, Any], min_gap: int = 2) -> str:
    """What would unblock an unmatched mentee, from the matcher's details about her.

    The one place these sentences are written; e.g. "No mentor speaks Turkmen outside
    Turkmenistan: ..." for ``no_language_partner``."""
    code = entry.get("reason")
    country = taxonomy.label(taxonomy.COUNTRIES, entry.get("country"))
    languages = _languages(entry.get("languages"))
    if code == "no_language_partner":
        return _(
            "No mentor speaks %(languages)s outside %(country)s: recruit such a mentor in "
            "another country, or ask her whether she works in another language too.",
            languages=languages,
            country=country,
        )
    if code == "no_senior_mentor":
        years = int(entry.get("years_of_service") or 0) + int(min_gap)
        return ngettext(
            "Mentors outside %(country)s speak %(languages)s, but none has %(num)d year of "
            "service or more: a more senior mentor would unblock her.",
            "Mentors outside %(country)s speak %(languages)s, but none has %(num)d years of "
            "service or more: a more senior mentor would unblock her.",
            years,
            country=country,
            languages=languages,
        )
    if code == "all_excluded":
        n = int(entry.get("suitable_mentors_before_exclusions") or entry.get("mentors_senior_enough") or 0)
        return ngettext(
            "Her %(num)d suitable mentor was declined, ended or forbidden before: a new mentor, "
            "or lifting a coordinator's ban (re-open her to matching), would unblock her.",
            "Her %(num)d suitable mentors were declined, ended or forbidden before: a new "
            "mentor, or lifting a coordinator's ban (re-open her to matching), would unblock her.",
            n,
        )
    if code == "mentors_full":
        n = int(entry.get("suitable_mentors") or 0)
        return ngettext(
            "%(num)d suitable mentor has no free place left: one more place, or a pair made by hand, would unblock her.",
            "%(num)d suitable mentors have no free place left: one more place with any of "
            "them, or a pair made by hand, would unblock her.",
            n,
        )
    return _("No hint for this reason.")


# --- exports -------------------------------------------------------------------------------


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
                blocking_reason(u.reason),
                unblock_hint(u.entry, rep.min_gap),
            ]
            for u in rep.unmatched
        ),
    )


def figures_csv(h: dict[str, Any]) -> str:
    return _csv(["figure", "value"], ((key, "" if value is None else value) for key, value in figures_rows(h)))


def record_export(coordinator: Member, what: str, target: Any = None, **detail) -> None:
    record(coordinator, f"export.{what}", target, scope=coordinator.coordinator_scope or "all", **detail)


# --- programme health ----------------------------------------------------------------------


@dataclass
class Filters:
    country: str | None
    agency: str | None
    period: str

    def start(self, now: datetime) -> datetime | None:
        days = PERIODS[self.period]
        return None if days is None else now - timedelta(days=days)

    def as_args(self) -> dict[str, str]:
        return {k: v for k, v in (("country", self.country), ("agency", self.agency), ("period", self.period)) if v}


def parse_filters(args, coordinator: Member) -> Filters:
    """GET parameters to filters; a focal point is always held to her own country."""
    country = args.get("country") or None
    if country not in taxonomy.COUNTRIES:
        country = None
    if coordinator.coordinator_scope:
        country = coordinator.coordinator_scope
    agency = args.get("agency") or None
    if agency not in taxonomy.AGENCY_KINDS:
        agency = None
    period = args.get("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    return Filters(country, agency, period)


def _member_conditions(f: Filters) -> list:
    conds = []
    if f.country:
        conds.append(Member.country == f.country)
    if f.agency:
        conds.append(Member.agency_kind == f.agency)
    return conds


def _mentorships(f: Filters):
    """Mentorships where at least one of the two matches the filters."""
    stmt = select(Mentorship)
    conds = _member_conditions(f)
    if conds:
        ids = select(Member.id).where(*conds)
        stmt = stmt.where(or_(Mentorship.mentor_id.in_(ids), Mentorship.mentee_id.in_(ids)))
    return stmt


def _days(delta: timedelta) -> float:
    return round(delta.total_seconds() / 86400, 1)


def health(coordinator: Member, f: Filters, now: datetime) -> dict[str, Any]:
    """The programme's figures now (waiting, active, quiet) and over the period (acceptance,
    time to accept, completions, failures)."""
    start = f.start(now)
    scoped = f if not coordinator.coordinator_scope else Filters(coordinator.coordinator_scope, f.agency, f.period)

    applications = list(
        db.session.scalars(
            select(Member)
            .where(Member.status == MemberStatus.PENDING, *_member_conditions(scoped))
            .order_by(Member.created_at)
        )
    )

    pending = list(
        db.session.scalars(_mentorships(scoped).where(Mentorship.state.in_(S.PENDING)).order_by(Mentorship.proposed_at))
    )
    ages = [_days(now - m.proposed_at) for m in pending]

    active = list(db.session.scalars(_mentorships(scoped).where(Mentorship.state == S.ACTIVE).order_by(Mentorship.id)))
    quiet = quiet_mentorships(active, now)

    proposed = list(db.session.scalars(_mentorships(scoped).where(*([Mentorship.proposed_at >= start] if start else []))))
    accepted = [m for m in proposed if m.accepted_at is not None]
    refused = [m for m in proposed if m.accepted_at is None and m.state in (S.DECLINED, S.EXPIRED, S.ENDED)]
    decided = len(accepted) + len(refused)
    to_accept = [(m.accepted_at - m.proposed_at).total_seconds() / 3600 for m in accepted]

    completed = list(
        db.session.scalars(
            _mentorships(scoped).where(Mentorship.state == S.COMPLETED, *([Mentorship.closed_at >= start] if start else []))
        )
    )
    ratings = (
        list(db.session.scalars(select(Feedback.rating).where(Feedback.mentorship_id.in_([m.id for m in completed]))))
        if completed
        else []
    )

    job_stmt = select(JobExecution).where(JobExecution.status == "failed")
    run_stmt = select(MatchRun).where(MatchRun.status == MatchRunStatus.FAILED)
    if start:
        job_stmt = job_stmt.where(JobExecution.started_at >= start)
        run_stmt = run_stmt.where(MatchRun.started_at >= start)
    failed_jobs = list(db.session.scalars(job_stmt.order_by(JobExecution.started_at.desc()).limit(20)))
    failed_runs = list(db.session.scalars(run_stmt.order_by(MatchRun.started_at.desc()).limit(20)))
    return {
        "filters": scoped,
        "applications_waiting": len(applications),
        "oldest_application_days": _days(now - applications[0].created_at) if applications else None,
        "proposals_waiting": len(pending),
        "proposal_age_median_days": round(statistics.median(ages), 1) if ages else None,
        "proposal_age_max_days": max(ages) if ages else None,
        "oldest_proposals": pending[:10],
        "active_mentorships": len(active),
        "proposals_decided": decided,
        "acceptance_rate": round(len(accepted) / decided, 4) if decided else None,
        "median_hours_to_accept": round(statistics.median(to_accept), 1) if to_accept else None,
        "quiet_mentorships": len(quiet),
        "quiet": quiet[:50],
        "completed_mentorships": len(completed),
        "completed_feedback": len(ratings),
        "completed_rating_avg": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "failed_jobs": len(failed_jobs),
        "failed_job_list": failed_jobs,
        "failed_runs": len(failed_runs),
        "failed_run_list": failed_runs,
    }


def quiet_mentorships(active: list[Mentorship], now: datetime, days: int = QUIET_DAYS) -> list[tuple[Mentorship, datetime]]:
    """Active mentorships with no message and no check-in (nor a start) for ``days``,
    with the last sign of life, quietest first."""
    if not active:
        return []
    ids = [m.id for m in active]
    last_message = dict(
        db.session.execute(
            select(Conversation.mentorship_id, func.max(Message.created_at))
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Conversation.mentorship_id.in_(ids))
            .group_by(Conversation.mentorship_id)
        ).all()
    )
    last_checkin = dict(
        db.session.execute(
            select(CheckIn.mentorship_id, func.max(CheckIn.created_at))
            .where(CheckIn.mentorship_id.in_(ids))
            .group_by(CheckIn.mentorship_id)
        ).all()
    )
    cutoff = now - timedelta(days=days)
    out = []
    for m in active:
        marks = [
            _aware(t)
            for t in (m.activated_at, m.proposed_at, last_message.get(m.id), last_checkin.get(m.id))
            if t is not None
        ]
        last = max(marks)
        if last < cutoff:
            out.append((m, last))
    return sorted(out, key=lambda pair: pair[1])


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


FIGURE_LABELS = {
    "applications_waiting": _l("Applications waiting"),
    "oldest_application_days": _l("Oldest application (days)"),
    "proposals_waiting": _l("Proposals waiting"),
    "proposal_age_median_days": _l("Median age of waiting proposals (days)"),
    "proposal_age_max_days": _l("Oldest waiting proposal (days)"),
    "active_mentorships": _l("Active mentorships"),
    "proposals_decided": _l("Proposals answered in the period"),
    "acceptance_rate": _l("Acceptance rate"),
    "median_hours_to_accept": _l("Median time to accept (hours)"),
    "quiet_mentorships": _l("Mentorships quiet for 30 days"),
    "completed_mentorships": _l("Mentorships completed in the period"),
    "completed_feedback": _l("Ratings of completed mentorships"),
    "completed_rating_avg": _l("Average rating of completed mentorships"),
    "failed_jobs": _l("Failed jobs in the period"),
    "failed_runs": _l("Failed matching runs in the period"),
}


def figures_rows(h: dict[str, Any]) -> list[tuple[str, Any]]:
    """The dashboard's figures as ``(key, value)`` pairs, in display order (also the CSV)."""
    f: Filters = h["filters"]
    rows = [("country", f.country or "all"), ("agency_kind", f.agency or "all"), ("period_days", PERIODS[f.period] or "all")]
    return rows + [(key, h[key]) for key in FIGURE_LABELS]


# --- actions -------------------------------------------------------------------------------

SOFT_PROBLEMS = ("same_country", "no_shared_language", "gap_too_small")


def _to_matcher(member: Member, exclude: tuple[str, ...] = ()):
    import matcher

    roles = tuple(r for r, on in (("mentor", member.is_mentor), ("mentee", member.is_mentee)) if on)
    return matcher.Member(
        id=str(member.id),
        country=member.country,
        agency=member.agency_kind,
        roles=roles,
        languages=tuple(member.language_codes),
        skills=tuple(member.skills),
        goals=tuple(member.goals),
        bio=member.bio or "",
        years_of_service=max(0, int(member.years_of_service or 0)),
        capacity=max(0, int(member.capacity or 0)),
        exclude=exclude,
    )


def pair_check(mentor: Member, mentee: Member) -> list[str]:
    """Every reason against this pair: the matcher's hard constraints (``check_pair``)
    and the database's (``pair_problems``: capacity, a mentee already taken, bans)."""
    import matcher
    from jobs.matching import match_config

    from ..matches.services import pair_problems

    codes = list(pair_problems(mentor, mentee))
    for code in matcher.check_pair(_to_matcher(mentor), _to_matcher(mentee), match_config()):
        code = "forbidden" if code == "excluded" else code
        if code not in codes:
            codes.append(code)
    return codes


def problem_message(code: str) -> str:
    from ..matches.services import PROBLEM_MESSAGES

    return str(PROBLEM_MESSAGES.get(code, code))


def create_pair(
    coordinator: Member, mentor_ref: str, mentee_ref: str, *, override: bool, reason: str, now: datetime
) -> Mentorship:
    """Propose a pair by hand. Soft constraints (same country, no shared language, too
    small a gap) may be broken only with ``override`` and a reason, which are recorded;
    the others (capacity, a mentee already taken, bans, inactive members) never."""
    from ..matches.services import HARD_PROBLEMS, propose

    reason = (reason or "").strip()
    mentor, mentee = _pair_members(coordinator, mentor_ref, mentee_ref, _l("You can pair only members of your own country."))
    problems = pair_check(mentor, mentee)
    hard = [p for p in problems if p in HARD_PROBLEMS or p not in SOFT_PROBLEMS]
    soft = [p for p in problems if p not in hard]
    if hard:
        raise ValidationFailed([(None, problem_message(p)) for p in hard])
    if soft and not override:
        raise ValidationFailed(
            [(None, problem_message(p)) for p in soft]
            + [("override", _l("To pair them anyway, tick the override and give a reason."))]
        )
    if soft and not reason:
        raise ValidationFailed([("reason", _l("Give the reason for breaking the rule."))])
    if len(reason) > 2000:
        raise ValidationFailed([("reason", _l("Use at most %(n)d characters.", n=2000))])
    score, reasons = _explain(mentor, mentee)
    m = propose(
        mentor,
        mentee,
        run=None,
        score=score,
        reasons=reasons,
        actor=coordinator,
        now=now,
        override_reason=reason if soft else "",
    )
    record(coordinator, "pair.manual", m, mentor=mentor.id, mentee=mentee.id, broken=soft, reason=reason)
    if soft:
        record(coordinator, "pair.override", m, mentor=mentor.id, mentee=mentee.id, broken=soft, reason=reason)
    return m


def _explain(mentor: Member, mentee: Member) -> tuple[float | None, list[dict]]:
    """The matcher's score and reasons for a hand-made pair, where it can give them."""
    try:
        import matcher
        from jobs.matching import match_config

        config = match_config()
        a, b = _to_matcher(mentor), _to_matcher(mentee)
        return float(matcher.score_pair(a, b, config)), [dict(r) for r in matcher.explain_pair(a, b, config)]
    except Exception:  # noqa: BLE001 - a missing explanation must not stop a manual pair
        log.warning("no matcher explanation for manual pair %s-%s", mentor.id, mentee.id)
        return None, []


def end_mentorship(coordinator: Member, m: Mentorship, reason: str, now: datetime) -> Mentorship:
    """A coordinator ends an open mentorship (or withdraws a pending proposal) with a reason;
    the pair is never proposed again and both are told by email."""
    reason = (reason or "").strip()
    if not in_scope(coordinator, m.mentor, m.mentee):
        abort(404)
    if m.state not in S.OPEN:
        raise ValidationFailed([(None, _l("This mentorship is already closed."))])
    if not reason:
        raise ValidationFailed([("reason", _l("Tell us briefly why the mentorship ends."))])
    if len(reason) > 2000:
        raise ValidationFailed([("reason", _l("Use at most %(n)d characters.", n=2000))])
    from ..matches.services import forbid

    db.session.add(
        MentorshipEvent(mentorship=m, at=now, actor_id=coordinator.id, from_state=m.state, to_state=S.ENDED, note=reason)
    )
    previous = m.state
    m.state = S.ENDED
    m.closed_at = now
    m.closed_by_id = coordinator.id
    m.close_reason = reason
    forbid(m.mentor_id, m.mentee_id, "ended", coordinator, now)
    record(coordinator, "mentorship.end", m, from_state=previous, reason=reason)
    for member, other in ((m.mentor, m.mentee), (m.mentee, m.mentor)):
        _tell_ended(member, other)
    db.session.flush()
    return m


def _tell_ended(member: Member, other: Member) -> None:
    from flask import current_app, url_for

    from ..mail import queue_email

    link = current_app.config["BASE_URL"].rstrip("/") + url_for("matches.index")
    with force_locale(member.locale):
        queue_email(
            member.email,
            _("Bridges: a mentorship ended"),
            _(
                "Hello %(name)s,\n\nA coordinator ended your mentorship with %(other)s. "
                "Your national focal point can tell you more.\n\n%(link)s",
                name=member.display_name,
                other=other.display_name,
                link=link,
            ),
            member_id=member.id,
        )


def forbid_pair(coordinator: Member, mentor_ref: str, mentee_ref: str, note: str, now: datetime) -> ForbiddenPair:
    """The pair will never be proposed again, by a run or by hand."""
    note = (note or "").strip()
    mentor, mentee = _pair_members(
        coordinator, mentor_ref, mentee_ref, _l("You can act only on members of your own country.")
    )
    if mentor.id == mentee.id:
        raise ValidationFailed([("mentee", _l("Choose two different members."))])
    if len(note) > 2000:
        raise ValidationFailed([("note", _l("Use at most %(n)d characters.", n=2000))])
    row = db.session.scalar(
        select(ForbiddenPair).where(ForbiddenPair.mentor_id == mentor.id, ForbiddenPair.mentee_id == mentee.id)
    )
    if row is not None:
        raise ValidationFailed([(None, _l("This pair is already never proposed."))])
    row = ForbiddenPair(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        reason="coordinator",
        note=note,
        created_at=now,
        created_by_id=coordinator.id,
    )
    db.session.add(row)
    db.session.flush()
    record(coordinator, "pair.forbid", row, mentor=mentor.id, mentee=mentee.id, note=note)
    return row


def reopen_member(coordinator: Member, member_ref: str | int, now: datetime) -> tuple[Member, int]:
    """Lift every ban a coordinator placed on pairs with this member, so the next run may
    pair her again. Pairs she or the other declined or ended stay excluded: that was their
    decision. Returns the member and how many bans were lifted."""
    member = find_member(coordinator, member_ref, scoped=True)
    if member is None:
        raise ValidationFailed([("member", _l("No member of yours with this number or email."))])
    result = db.session.execute(
        delete(ForbiddenPair).where(
            ForbiddenPair.reason == "coordinator",
            or_(ForbiddenPair.mentor_id == member.id, ForbiddenPair.mentee_id == member.id),
        )
    )
    lifted = result.rowcount or 0
    record(coordinator, "member.reopen", member, lifted=lifted)
    return member, lifted


def matching_blockers(member: Member) -> list[str]:
    """What still keeps a member out of the next run, as sentences."""
    from ..matches.services import open_count, open_mentorship_of_mentee

    out = []
    if member.status != MemberStatus.ACTIVE:
        out.append(_("Her account is not active."))
    if not member.is_mentee and not member.is_mentor:
        out.append(_("She is neither looking for a mentor nor offering mentoring."))
    if member.is_mentee and open_mentorship_of_mentee(member.id) is not None:
        out.append(_("She already has a pending or active mentorship as mentee."))
    if member.is_mentor and open_count(member.id) >= (member.capacity or 0):
        out.append(_("As a mentor she has no free place."))
    return out


def coordinator_bans(coordinator: Member, limit: int = 100) -> list[ForbiddenPair]:
    rows = db.session.scalars(
        select(ForbiddenPair)
        .where(ForbiddenPair.reason == "coordinator")
        .order_by(ForbiddenPair.created_at.desc())
        .limit(limit * 3)
    )
    people = {}
    out = []
    for row in rows:
        ids = {row.mentor_id, row.mentee_id} - set(people)
        people.update(_members(ids))
        if in_scope(coordinator, people.get(row.mentor_id), people.get(row.mentee_id)):
            out.append(row)
    return out[:limit]


def open_mentorships(coordinator: Member, limit: int = 200) -> list[Mentorship]:
    stmt = select(Mentorship).where(Mentorship.state.in_(S.OPEN))
    if coordinator.coordinator_scope:
        ids = select(Member.id).where(Member.country == coordinator.coordinator_scope)
        stmt = stmt.where(or_(Mentorship.mentor_id.in_(ids), Mentorship.mentee_id.in_(ids)))
    return list(db.session.scalars(stmt.order_by(Mentorship.id.desc()).limit(limit)))


# --- coordinators and their scope ----------------------------------------------------------


def require_regional(coordinator: Member) -> None:
    if not is_regional(coordinator):
        abort(403)


def coordinators() -> list[Member]:
    return list(
        db.session.scalars(select(Member).where(Member.is_coordinator.is_(True)).order_by(Member.display_name, Member.id))
    )


def set_coordinator(coordinator: Member, member_ref: str, scope: str | None, *, make: bool = True) -> Member:
    """Make a member a coordinator with this scope (a country code, or None: regional), change
    a coordinator's scope, or (``make=False``) take the role away."""
    require_regional(coordinator)
    member = find_member(coordinator, member_ref, scoped=False)
    if member is None:
        raise ValidationFailed([("member", _l("No member with this number or email."))])
    if member.id == coordinator.id:
        raise ValidationFailed([("member", _l("You cannot change your own role."))])
    scope = scope or None
    if scope is not None and scope not in taxonomy.COUNTRIES:
        raise ValidationFailed([("scope", _l("Choose a country from the list."))])
    if make and member.status != MemberStatus.ACTIVE:
        raise ValidationFailed([("member", _l("Only an approved, active member can coordinate."))])
    before = {"coordinator": member.is_coordinator, "scope": member.coordinator_scope}
    member.is_coordinator = make
    member.coordinator_scope = scope if make else None
    if not make:
        member.totp_secret = None
    record(
        coordinator,
        "coordinator.scope" if before["coordinator"] and make else "coordinator.grant" if make else "coordinator.revoke",
        member,
        before=before,
        after={"coordinator": make, "scope": member.coordinator_scope},
    )
    return member


def reset_second_factor(coordinator: Member, member_id: int) -> Member:
    """A coordinator who lost her authenticator enrols again at her next sign-in."""
    require_regional(coordinator)
    member = db.session.get(Member, member_id)
    if member is None or not member.is_coordinator:
        abort(404)
    member.totp_secret = None
    member.rotate_session()
    record(coordinator, "coordinator.totp_reset", member)
    return member


# --- the audit log -------------------------------------------------------------------------


def audit_entries(coordinator: Member, action: str | None = None):
    """Newest first. A focal point reads what coordinators of her country did and what was
    done to members of her country."""
    stmt = select(AuditLog)
    if action:
        stmt = stmt.where(or_(AuditLog.action == action, AuditLog.action.like(f"{action}.%")))
    scope = coordinator.coordinator_scope
    if scope:
        colleagues = select(Member.id).where(Member.is_coordinator.is_(True), Member.coordinator_scope == scope)
        own = select(cast(Member.id, String)).where(Member.country == scope)
        stmt = stmt.where(
            or_(AuditLog.actor_id.in_(colleagues), and_(AuditLog.target_type == "member", AuditLog.target_id.in_(own)))
        )
    return stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)))
