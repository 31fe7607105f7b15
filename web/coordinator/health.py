"""Programme health: the figures of the dashboard, for the coordinator's scope."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from .. import policy, taxonomy
from ..extensions import db
from ..models import (
    CheckIn,
    Conversation,
    Feedback,
    JobExecution,
    MatchRun,
    MatchRunStatus,
    Member,
    MemberStatus,
    Mentorship,
    MentorshipState,
    Message,
)

S = MentorshipState

QUIET_DAYS = 30
PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_PERIOD = "90"


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
    if not policy.is_regional(coordinator):
        country = policy.scope_of(coordinator)
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
    scoped = f if policy.is_regional(coordinator) else Filters(policy.scope_of(coordinator), f.agency, f.period)

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
