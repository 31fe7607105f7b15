"""Coordinator actions: every one is checked, done once, and leaves an audit record."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import SQLAlchemyError

from tests.factories import make_coordinator, make_member, make_mentor
from web.audit import record
from web.coordinator import actions as services
from web.coordinator.audit_guard import AuditLogIsAppendOnly
from web.matches import rules
from web.models import AuditLog, ForbiddenPair, Member, Mentorship, MentorshipEvent
from web.validation import ValidationFailed

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
ACTIONS = "/coordinator/console/actions"


def _actions(db):
    db.session.expire_all()
    return [a.action for a in db.session.query(AuditLog).order_by(AuditLog.id)]


@pytest.fixture
def regional(db, auth):
    coordinator = make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    return coordinator


def test_manual_pair_is_proposed_and_recorded(client, auth, db, regional):
    mentor = make_mentor(db, country="KZ", display_name="Mentor KZ")
    mentee = make_member(db, country="KG", display_name="Mentee KG", email="mentee@example.kg")
    response = auth.post(f"{ACTIONS}/pair", {"mentor": str(mentor.id), "mentee": "mentee@example.kg"}, token_from=ACTIONS)  # noqa: S106
    assert response.status_code == 302
    db.session.expire_all()
    m = db.session.query(Mentorship).one()
    assert (m.mentor_id, m.mentee_id, m.state, m.override_reason) == (mentor.id, mentee.id, "proposed", "")
    assert m.created_by_id == regional.id
    assert _actions(db)[-1] == "pair.manual"


def test_broken_rule_needs_the_override_and_a_reason(client, auth, db, regional):
    mentor = make_mentor(db, country="KZ")
    mentee = make_member(db, country="KZ")
    data = {"mentor": str(mentor.id), "mentee": str(mentee.id)}
    refused = auth.post(f"{ACTIONS}/pair", data, token_from=ACTIONS)  # noqa: S106
    assert refused.status_code == 422
    assert "Mentor and mentee work in the same country." in refused.get_data(as_text=True)
    no_reason = auth.post(f"{ACTIONS}/pair", {**data, "override": "y"}, token_from=ACTIONS)  # noqa: S106
    assert no_reason.status_code == 422
    assert "Give the reason for breaking the rule." in no_reason.get_data(as_text=True)
    assert db.session.query(Mentorship).count() == 0

    done = auth.post(f"{ACTIONS}/pair", {**data, "override": "y", "reason": "Both asked for it"}, token_from=ACTIONS)  # noqa: S106
    assert done.status_code == 302
    db.session.expire_all()
    m = db.session.query(Mentorship).one()
    assert m.override_reason == "Both asked for it"
    assert _actions(db)[-2:] == ["pair.manual", "pair.override"]
    override = db.session.query(AuditLog).filter_by(action="pair.override").one()
    assert override.detail["broken"] == ["same_country"]
    assert override.detail["reason"] == "Both asked for it"


def test_hard_rules_are_never_overridden(db, app, regional):
    mentor = make_mentor(db, country="KZ", capacity=1)
    taken = make_member(db, country="KG")
    other = make_member(db, country="KG")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        services.create_pair(regional, str(mentor.id), str(taken.id), override=False, reason="", now=NOW)
        with pytest.raises(ValidationFailed) as exc:
            services.create_pair(regional, str(mentor.id), str(other.id), override=True, reason="please", now=NOW)
    assert "The mentor has no free place left." in str(exc.value)


def test_matcher_constraints_are_checked_too(db, app, regional):
    mentor = make_mentor(db, country="KZ", languages=("kk",), years_of_service=6)
    mentee = make_member(db, country="KG", languages=("ky",), years_of_service=5)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert set(rules.pair_problems(mentor, mentee)) >= {"no_shared_language", "gap_too_small"}


def test_coordinator_ends_a_mentorship_and_the_pair_is_never_proposed_again(client, auth, db, regional):
    mentor = make_mentor(db, country="KZ")
    mentee = make_member(db, country="KG")
    m = Mentorship(mentor_id=mentor.id, mentee_id=mentee.id, state="active", proposed_at=NOW, activated_at=NOW)
    db.session.add(m)
    db.session.commit()
    missing = auth.post(f"/coordinator/console/mentorships/{m.id}/end", {"reason": ""}, token_from=ACTIONS)  # noqa: S106
    assert missing.status_code == 422
    done = auth.post(
        f"/coordinator/console/mentorships/{m.id}/end", {"reason": "Mentor left the service"}, token_from=ACTIONS
    )  # noqa: S106
    assert done.status_code == 302
    db.session.expire_all()
    m = db.session.get(Mentorship, m.id)
    assert (m.state, m.close_reason, m.closed_by_id) == ("ended", "Mentor left the service", regional.id)
    event = db.session.query(MentorshipEvent).filter_by(mentorship_id=m.id).one()
    assert (event.from_state, event.to_state, event.actor_id) == ("active", "ended", regional.id)
    assert db.session.query(ForbiddenPair).filter_by(reason="ended").count() == 1
    assert _actions(db)[-1] == "mentorship.end"


def test_forbid_and_reopen(client, auth, db, regional):
    mentor = make_mentor(db, country="KZ")
    mentee = make_member(db, country="KG", email="mentee@example.kg")
    done = auth.post(
        f"{ACTIONS}/forbid",
        {"mentor": str(mentor.id), "mentee": str(mentee.id), "note": "conflict of interest"},
        token_from=ACTIONS,
    )  # noqa: S106
    assert done.status_code == 302
    again = auth.post(f"{ACTIONS}/forbid", {"mentor": str(mentor.id), "mentee": str(mentee.id)}, token_from=ACTIONS)  # noqa: S106
    assert again.status_code == 422
    db.session.expire_all()
    row = db.session.query(ForbiddenPair).one()
    assert (row.reason, row.note, row.created_by_id) == ("coordinator", "conflict of interest", regional.id)
    # A ban placed by the members themselves is not lifted by re-opening.
    db.session.add(ForbiddenPair(mentor_id=make_mentor(db, country="TJ").id, mentee_id=mentee.id, reason="declined"))
    db.session.commit()
    reopened = auth.post(f"{ACTIONS}/reopen", {"member": "mentee@example.kg"}, token_from=ACTIONS)  # noqa: S106
    assert reopened.status_code == 302
    db.session.expire_all()
    assert [r.reason for r in db.session.query(ForbiddenPair)] == ["declined"]
    assert _actions(db)[-2:] == ["pair.forbid", "member.reopen"]
    reopen = db.session.query(AuditLog).filter_by(action="member.reopen").one()
    assert reopen.detail == {"lifted": 1}


def test_regional_coordinator_sets_scope_and_makes_coordinators(client, auth, db, regional):
    member = make_member(db, country="UZ", email="new@example.uz")
    page = "/coordinator/console/coordinators"
    done = auth.post(page, {"member": "new@example.uz", "scope": "UZ", "action": "make"})
    assert done.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Member, member.id)
    assert fresh.is_coordinator and fresh.coordinator_scope == "UZ"
    auth.post(page, {"member": str(member.id), "scope": "", "action": "make"})
    db.session.expire_all()
    assert db.session.get(Member, member.id).coordinator_scope is None
    auth.post(page, {"member": str(member.id), "scope": "", "action": "revoke"})
    db.session.expire_all()
    assert not db.session.get(Member, member.id).is_coordinator
    assert _actions(db)[-3:] == ["coordinator.grant", "coordinator.scope", "coordinator.revoke"]
    own = auth.post(page, {"member": str(regional.id), "scope": "UZ", "action": "make"})
    assert own.status_code == 422


def test_second_factor_reset_is_recorded(client, auth, db, regional):
    other = make_coordinator(db, email="other@example.org", totp_secret="JBSWY3DPEHPK3PXP")  # noqa: S106
    response = auth.post(
        f"/coordinator/console/coordinators/{other.id}/second-factor/reset",
        {},
        token_from="/coordinator/console/coordinators",
    )  # noqa: S106
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, other.id).totp_secret is None
    assert _actions(db)[-1] == "coordinator.totp_reset"


def test_audit_log_page_lists_and_filters_entries(client, auth, db, regional):
    member = make_member(db, country="KG", display_name="Target")
    record(regional, "member.suspend", member, note="first")
    record(regional, "run.publish", None, proposed=3)
    db.session.commit()
    html = client.get("/coordinator/console/audit").get_data(as_text=True)
    assert "Suspended Target. Note: first" in html
    assert "Published a matching run: 3 proposals sent." in html
    assert "Signed in to a coordinator account" in html
    filtered = client.get("/coordinator/console/audit?action=run.publish").get_data(as_text=True)
    assert "3 proposals sent" in filtered and "Suspended Target" not in filtered
    prefix = client.get("/coordinator/console/audit?action=member").get_data(as_text=True)
    assert "Suspended Target" in prefix


def test_audit_entries_cannot_be_changed_or_deleted(db, regional):
    entry = record(regional, "member.approve", regional, note="x")
    db.session.commit()
    entry.detail = {"note": "rewritten"}
    with pytest.raises((AuditLogIsAppendOnly, SQLAlchemyError)):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditLog, entry.id))
    with pytest.raises((AuditLogIsAppendOnly, SQLAlchemyError)):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditLog, entry.id).detail == {"note": "x"}


def test_no_console_route_changes_the_audit_log(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("coordinator.audit")]
    assert [sorted(r.methods - {"HEAD", "OPTIONS"}) for r in rules] == [["GET"]]


def test_manual_pair_gets_the_score_and_reasons_a_run_gives_the_same_pair(client, auth, db, app, regional):
    """The score and bio overlap are learnt on the matching pool, as in a run, not on the two alone."""
    import matcher
    from web.runs.running import run_matching

    bios = [
        "Border control training for young officers, document checks, risk profiling at crossings.",
        "Cyber crime investigations, digital evidence, online fraud and training of investigators.",
        "Community policing in rural districts, trust building with families and schools.",
    ]
    mentor = make_mentor(db, country="KZ", capacity=1, skills=("leadership", "public_speaking"), bio=bios[0] + " " + bios[1])
    mentee = make_member(db, country="KG", goals=("public_speaking",), years_of_service=3, bio=bios[0])
    for i, bio in enumerate(bios * 3):  # a pool whose words weigh otherwise than in the pair alone
        make_member(db, country="KG" if i % 2 else "TJ", languages=("tg",), bio=bio)  # mentees no mentor speaks to
    run = run_matching(db.session, now=NOW, started_by="test")
    assert run.status == "draft", run.error
    (in_run,) = run.pairs
    assert (in_run.mentor_id, in_run.mentee_id) == (mentor.id, mentee.id)

    response = auth.post(f"{ACTIONS}/pair", {"mentor": str(mentor.id), "mentee": str(mentee.id)}, token_from=ACTIONS)  # noqa: S106
    assert response.status_code == 302
    db.session.expire_all()
    manual = db.session.query(Mentorship).one()
    assert manual.score == pytest.approx(in_run.score, abs=1e-4)
    assert manual.reasons == in_run.reasons
    alone = matcher.explain_pair(rules.to_matcher(mentor), rules.to_matcher(mentee), rules.match_config())
    assert [dict(r) for r in alone] != in_run.reasons  # the two alone would have overlapped otherwise
