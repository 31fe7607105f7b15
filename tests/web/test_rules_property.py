"""The web's pair rules and ``matcher.check_pair`` agree on random members.

Each example stores two members (and the facts around them: a ban either way, an
earlier decline, open mentorships) and asks ``rules.pair_problems`` and
``rules.check_pairs``. The expected answer is built apart from the web's own
conversion: a ``matcher.Member`` made straight from the drawn values, given to
``matcher.check_pair``, plus the three facts only the database knows.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher
from tests.factories import make_member
from web.extensions import db as _db
from web.matches import rules
from web.models import ForbiddenPair, MemberStatus, Mentorship, MentorshipState

DATABASE_ONLY = {"inactive", "mentee_taken", "mentor_full"}

person = st.fixed_dictionaries(
    {
        "country": st.sampled_from(["KZ", "KG", "TJ"]),
        "languages": st.sets(st.sampled_from(["ru", "kk", "en"]), max_size=3),
        "years": st.integers(0, 25),
        "is_mentor": st.booleans(),
        "is_mentee": st.booleans(),
        "capacity": st.integers(0, 2),
        "active": st.booleans(),
    }
)
facts = st.fixed_dictionaries(
    {
        "ban": st.sampled_from([None, "mentor_to_mentee", "mentee_to_mentor", "declined_before"]),
        "mentor_open": st.integers(0, 2),
        "mentee_taken": st.booleans(),
        "min_gap": st.integers(0, 6),
        "same_person": st.booleans(),
    }
)


def _store(p: dict):
    return make_member(
        country=p["country"],
        languages=tuple(sorted(p["languages"])),
        years_of_service=p["years"],
        is_mentor=p["is_mentor"],
        is_mentee=p["is_mentee"],
        capacity=p["capacity"],
        status=MemberStatus.ACTIVE if p["active"] else MemberStatus.SUSPENDED,
    )


def _expected_matcher_member(member_id: int, p: dict, exclude: tuple[str, ...]) -> matcher.Member:
    roles = tuple(r for r, on in (("mentor", p["is_mentor"]), ("mentee", p["is_mentee"])) if on)
    return matcher.Member(
        id=str(member_id),
        country=p["country"],
        agency="police",
        roles=roles,
        languages=tuple(p["languages"]),
        skills=(),
        goals=(),
        years_of_service=p["years"],
        capacity=p["capacity"],
        exclude=exclude,
    )


def _empty_tables():
    _db.session.rollback()
    for table in reversed(_db.metadata.sorted_tables):
        _db.session.execute(table.delete())
    _db.session.commit()


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mentor_p=person, mentee_p=person, f=facts)
def test_web_rules_agree_with_matcher_check_pair(app, db, mentor_p, mentee_p, f):
    app.config["MATCHING_MIN_GAP_YEARS"] = f["min_gap"]
    try:
        mentor = _store(mentor_p)
        mentee = mentor if f["same_person"] else _store(mentee_p)
        if f["same_person"]:
            mentee_p = mentor_p
        banned = f["ban"] is not None and not f["same_person"]
        if f["ban"] == "mentor_to_mentee" and banned:
            db.session.add(ForbiddenPair(mentor_id=mentor.id, mentee_id=mentee.id, reason="coordinator"))
        elif f["ban"] == "mentee_to_mentor" and banned:
            db.session.add(ForbiddenPair(mentor_id=mentee.id, mentee_id=mentor.id, reason="coordinator"))
        elif f["ban"] == "declined_before" and banned:
            db.session.add(Mentorship(mentor_id=mentor.id, mentee_id=mentee.id, state=MentorshipState.DECLINED))
        for _ in range(f["mentor_open"]):
            other = make_member(country="UZ")
            db.session.add(Mentorship(mentor_id=mentor.id, mentee_id=other.id, state=MentorshipState.PROPOSED))
        if f["mentee_taken"]:
            other = make_member(country="UZ", is_mentor=True, capacity=1)
            db.session.add(Mentorship(mentor_id=other.id, mentee_id=mentee.id, state=MentorshipState.ACTIVE))
        db.session.commit()

        web = rules.pair_problems(mentor, mentee)
        _rows, batch = rules.check_pairs([(mentor.id, mentee.id)])

        expected = matcher.check_pair(
            _expected_matcher_member(mentor.id, mentor_p, (str(mentee.id),) if banned else ()),
            _expected_matcher_member(mentee.id, mentee_p, ()),
            matcher.MatchConfig(min_gap=f["min_gap"]),
        )
        assert batch == [web]
        if f["same_person"]:
            assert web == ["same_person"] and "same_person" in expected
            return
        assert set(web) - DATABASE_ONLY == {rules.FROM_MATCHER.get(c, c) for c in expected}
        assert ("inactive" in web) == (not (mentor_p["active"] and mentee_p["active"]))
        assert ("mentee_taken" in web) == f["mentee_taken"]
        assert ("mentor_full" in web) == (f["mentor_open"] >= mentor_p["capacity"])
        assert web == sorted(web, key=list(rules.PROBLEMS).index)
    finally:
        app.config["MATCHING_MIN_GAP_YEARS"] = 2
        _empty_tables()
