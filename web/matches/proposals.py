"""Proposing pairs: one by hand (a coordinator) or a whole run at once.

Both lock the members first and then check every pair with ``rules``, so two
proposals at the same moment cannot give a mentor more mentees than her places
or a mentee two mentors. Services add and flush; the caller commits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert

from ..extensions import db
from ..models import MatchRun, Member, Mentorship, MentorshipEvent, MentorshipState
from ..notifications.services import notify, notify_many
from . import rules
from .errors import refused

log = logging.getLogger(__name__)
S = MentorshipState


def propose(
    mentor: Member,
    mentee: Member,
    *,
    run: MatchRun | None,
    score: float | None,
    reasons: list[dict],
    actor: Member | None,
    now: datetime,
    override_reason: str = "",
) -> Mentorship:
    """Create a proposal and tell the mentor. Raises ValidationFailed when the pair is not
    valid now; a coordinator (``override_reason``) may override the soft rules only."""
    override_reason = (override_reason or "").strip()
    rules.lock_members([mentor.id, mentee.id])
    problems = rules.pair_problems(mentor, mentee)
    hard, soft = rules.split(problems)
    blocking = hard + ([] if override_reason else soft)
    if blocking:
        raise refused([(None, rules.PROBLEMS[p].message if p in rules.PROBLEMS else p) for p in blocking])
    m = Mentorship(
        mentor=mentor,
        mentee=mentee,
        run=run,
        state=S.PROPOSED,
        score=score,
        reasons=list(reasons or []),
        created_by_id=actor.id if actor else None,
        override_reason=override_reason if problems else "",
        proposed_at=now,
    )
    db.session.add(m)
    db.session.add(
        MentorshipEvent(
            mentorship=m,
            at=now,
            actor_id=actor.id if actor else None,
            from_state="",
            to_state=S.PROPOSED,
            note=override_reason if problems else "",
        )
    )
    db.session.flush()
    notify(mentor, "proposal_new", mentorship=m, now=now)
    log.info("mentorship %s proposed mentor=%s mentee=%s run=%s", m.id, mentor.id, mentee.id, run.id if run else None)
    return m


def propose_many(pairs, *, run: MatchRun | None, actor: Member | None, now: datetime) -> tuple[list[Mentorship], list[dict]]:
    """Propose many pairs at once and tell each mentor: ``propose`` for a whole run.

    ``pairs`` are ``(mentor_id, mentee_id, score, reasons)``. Locks the members,
    checks every pair with ``rules.check_pairs`` (counting the pairs proposed before
    it in this call) and writes the valid ones, their events and notifications with a
    handful of statements. No overrides. Flushes only. Returns the proposals, in the
    order of ``pairs``, and the dropped pairs as ``{"mentor": id, "mentee": id,
    "problems": [codes]}``."""
    pairs = list(pairs)
    members, results = rules.check_pairs(pairs, lock=True)
    rows, dropped = [], []
    for (mentor_id, mentee_id, score, reasons), problems in zip(pairs, results, strict=True):
        if problems:
            dropped.append({"mentor": str(mentor_id), "mentee": str(mentee_id), "problems": [str(p) for p in problems]})
            continue
        rows.append(
            {
                "mentor_id": int(mentor_id),
                "mentee_id": int(mentee_id),
                "run_id": run.id if run is not None else None,
                "state": S.PROPOSED,
                "score": score,
                "reasons": list(reasons or []),
                "created_by_id": actor.id if actor else None,
                "override_reason": "",
                "proposed_at": now,
            }
        )
    if not rows:
        return [], dropped
    # No sort_by_parameter_order: on SQLite it means one INSERT per row. A mentee is
    # proposed at most once here, so she puts the rows back in order.
    by_mentee = {m.mentee_id: m for m in db.session.scalars(insert(Mentorship).returning(Mentorship), rows)}
    proposals = [by_mentee[row["mentee_id"]] for row in rows]
    actor_id = actor.id if actor else None
    db.session.execute(
        insert(MentorshipEvent),
        [
            {"mentorship_id": m.id, "at": now, "actor_id": actor_id, "from_state": "", "to_state": S.PROPOSED, "note": ""}
            for m in proposals
        ],
    )
    notify_many("proposal_new", [(members[m.mentor_id], m, members[m.mentee_id]) for m in proposals], now=now)
    log.info("%s mentorships proposed, %s pairs dropped, run=%s", len(proposals), len(dropped), run.id if run else None)
    return proposals, dropped
