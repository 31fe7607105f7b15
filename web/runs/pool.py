"""The matching pool: who takes part in the next run, as the matcher's members.

The conversion of each member is ``rules.matcher_member``, her exclusions
``rules.excluded_partners``: the same ones the write-time check of a pair uses.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..matches import rules
from ..models import Member, MemberStatus


def collect_members(session, now: datetime) -> list:
    """The matching pool as ``matcher.Member`` values, ordered by id.

    Approved members who want a mentor and have no open mentorship as mentee
    (proposed, accepted or active), and every mentor who takes mentees, with her
    free places (capacity minus open mentorships as mentor) as capacity: a full
    mentor stays in with capacity 0, so the matcher can tell a mentee that her
    compatible mentors are full rather than that none exists. A member who is
    both keeps whichever roles still apply. Forbidden pairs and pairs declined or ended before become
    ``exclude`` in both directions.
    """
    busy_mentees = rules.taken_mentees()
    mentor_load = rules.mentor_loads()

    rows = session.scalars(
        select(Member)
        .where(
            Member.status == MemberStatus.ACTIVE,
            or_(Member.is_mentee.is_(True), Member.is_mentor.is_(True) & (Member.capacity > 0)),
        )
        .options(selectinload(Member.languages), selectinload(Member.topics))
        .order_by(Member.id)
    ).all()

    pool: list[tuple[Member, tuple[str, ...], int]] = []
    for m in rows:
        roles = []
        free = max(0, m.capacity - mentor_load.get(m.id, 0)) if m.is_mentor else 0
        if m.is_mentor and m.capacity > 0:
            roles.append("mentor")
        if m.is_mentee and m.id not in busy_mentees:
            roles.append("mentee")
        if roles:
            pool.append((m, tuple(roles), free))

    ids = {m.id for m, _roles, _free in pool}
    exclude = rules.excluded_partners(ids, within=True)
    return [
        rules.matcher_member(
            m,
            languages=[lang.code for lang in m.languages],
            skills=[t.slug for t in m.topics if t.kind == "skill"],
            goals=[t.slug for t in m.topics if t.kind == "goal"],
            exclude=exclude.get(m.id, ()),
            roles=roles,
            capacity=free if "mentor" in roles else 0,
        )
        for m, roles, free in pool
    ]


def snapshot_text(members) -> str:
    """The matcher input file (JSON Lines) for these members, byte-for-byte stable."""
    from matcher import member_to_dict

    return "".join(json.dumps(member_to_dict(m), ensure_ascii=False, sort_keys=True) + "\n" for m in members)
