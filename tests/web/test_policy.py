"""web.policy: the answers themselves, and the pages that used to decide on their own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import PASSWORD, make_coordinator, make_member, make_mentor
from web import policy
from web.audit import record
from web.coordinator.audit import audit_entries
from web.messages import services as messages
from web.models import AuditLog, MemberStatus, MessageReport, Notification

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SEED = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def people(db):
    kz = make_member(db, country="KZ", display_name="Kz Member", bio="kz-hidden-bio", show_bio=False, rank="kz-rank")
    tj = make_mentor(db, country="TJ", display_name="Tj Mentor", bio="tj-hidden-bio", show_bio=False)
    return {
        "kz": kz,
        "tj": tj,
        "regional": make_coordinator(db, country="UZ"),
        "focal_kz": make_coordinator(db, country="KZ", coordinator_scope="KZ"),
        "focal_uz": make_coordinator(db, country="UZ", coordinator_scope="UZ"),
        "member": make_member(db, country="KZ"),
    }


def test_scope_covers_her_country_and_pairs_with_either_member_there(app, people):
    p = people
    with app.app_context():
        assert policy.covers(p["regional"], p["kz"]) and policy.covers(p["regional"], None)
        assert policy.covers(p["focal_kz"], p["kz"]) and not policy.covers(p["focal_kz"], p["tj"])
        assert not policy.covers(p["focal_kz"], None), "a deleted member is for the regional coordinator"
        assert policy.covers_any(p["focal_kz"], p["tj"], p["kz"]), "the cross-border rule: either member"
        assert not policy.covers_any(p["focal_uz"], p["tj"], p["kz"])
        assert not policy.covers(p["member"], p["kz"]), "members cover nobody"


def test_a_suspended_coordinator_has_no_powers(app, db, people):
    regional = people["regional"]
    regional.status = MemberStatus.SUSPENDED
    db.session.commit()
    assert not policy.acting_coordinator(regional)
    assert not policy.covers(regional, people["kz"])


def test_private_fields_only_inside_the_scope(app, people):
    p = people
    assert policy.visible_profile(p["kz"], p["regional"])["bio"] == "kz-hidden-bio"
    assert policy.visible_profile(p["kz"], p["focal_kz"])["bio"] == "kz-hidden-bio"
    assert policy.visible_profile(p["kz"], p["focal_uz"])["bio"] is None
    assert policy.visible_profile(p["tj"], p["focal_kz"])["bio"] is None, "her pair partner's country is not enough"
    assert policy.visible_profile(p["kz"], p["member"])["bio"] is None
    assert policy.visible_profile(p["kz"], p["member"])["rank"] == "kz-rank", "shown by her own choice"
    assert policy.visible_profile(p["kz"], p["kz"])["email"] == p["kz"].email


def test_only_a_regional_coordinator_acts_on_coordinators(app, people):
    p = people
    assert policy.may_act_on_member(p["focal_kz"], p["kz"], "suspend")
    assert not policy.may_act_on_member(p["focal_kz"], p["tj"], "suspend"), "outside her scope"
    kz_regional = p["regional"]
    kz_regional.country = "KZ"
    assert not policy.may_act_on_member(p["focal_kz"], kz_regional, "suspend"), "a coordinator of her own country"
    assert policy.may_act_on_member(p["regional"], p["focal_kz"], "suspend")
    assert not policy.may_act_on_member(p["regional"], p["regional"], "suspend"), "never herself"
    assert not policy.may_act_on_member(p["regional"], p["kz"], "delete"), "only the known actions"
    assert policy.may_manage_coordinators(p["regional"]) and not policy.may_manage_coordinators(p["focal_kz"])


def test_who_may_message_whom(app, db, people):
    p = people
    assert policy.may_message(p["kz"], p["tj"])
    assert not policy.may_message(p["kz"], p["kz"])
    p["tj"].status = MemberStatus.SUSPENDED
    assert not policy.may_message(p["kz"], p["tj"])
    assert not policy.may_message(p["kz"], None)


def _report(db, reporter, reported, note="please look"):
    conv = messages.start_direct(reported, reporter, "hello there", NOW)
    messages.accept_request(conv, reporter, NOW)
    message = messages.send_message(conv, reported, "rude words", NOW)
    rep = messages.report(conv, reporter, [message.id], note, NOW)
    db.session.commit()
    return rep


def test_reports_follow_the_either_member_rule_and_reach_both_focal_points(app, db, people):
    p = people
    focal_tj = make_coordinator(db, country="TJ", coordinator_scope="TJ")
    rep = _report(db, p["kz"], p["tj"])
    assert rep in messages.reports_for(p["focal_kz"])
    assert rep in messages.reports_for(focal_tj), "the reported member's country"
    assert messages.reports_for(p["focal_uz"]) == []
    told = set(db.session.scalars(db.select(Notification.member_id).where(Notification.kind == "report_new")))
    assert {p["focal_kz"].id, focal_tj.id, p["regional"].id} <= told
    assert p["focal_uz"].id not in told
    assert db.session.scalar(db.select(MessageReport).where(policy.report_clause(p["member"]))) is None


def test_focal_point_reads_the_audit_of_her_country_only(app, db, people):
    p = people
    record(p["focal_kz"], "member.approve", p["kz"])
    record(p["regional"], "member.suspend", p["tj"])
    db.session.commit()
    kz_actions = [e.target_id for e in db.session.scalars(audit_entries(p["focal_kz"]))]
    assert kz_actions == [str(p["kz"].id)]
    assert len(db.session.scalars(audit_entries(p["regional"])).all()) == 2
    assert db.session.scalar(db.select(AuditLog).where(policy.audit_clause(p["member"]))) is None


# --- pages that used to decide for themselves ---------------------------------------------


def _sign_in(client, auth, member):
    auth.login(member.email, PASSWORD)


def test_focal_point_of_another_country_does_not_see_hidden_fields(client, auth, people):
    _sign_in(client, auth, people["focal_uz"])
    page = client.get(f"/profile/{people['kz'].id}").get_data(as_text=True)
    assert "Kz Member" in page and "kz-hidden-bio" not in page
    directory = client.get("/directory/?q=Kz").get_data(as_text=True)
    assert "Kz Member" in directory and "kz-hidden-bio" not in directory


def test_focal_point_sees_hidden_fields_of_her_country(client, auth, people):
    _sign_in(client, auth, people["focal_kz"])
    assert "kz-hidden-bio" in client.get(f"/profile/{people['kz'].id}").get_data(as_text=True)
    assert "tj-hidden-bio" not in client.get(f"/profile/{people['tj'].id}").get_data(as_text=True)


def test_coordinator_before_her_second_factor_sees_what_a_member_sees(client, auth, db, people):
    coordinator = make_coordinator(db, email="two-step@example.org", totp_secret=SEED)
    response = auth.login(coordinator.email, PASSWORD)
    assert response.status_code == 302 and "/login/totp" in response.headers["Location"]
    page = client.get(f"/profile/{people['kz'].id}")
    assert page.status_code == 200 and "kz-hidden-bio" not in page.get_data(as_text=True)
    assert "kz-hidden-bio" not in client.get("/directory/").get_data(as_text=True)


def test_pending_member_profile_is_for_coordinators_of_her_country(client, auth, db, people):
    applicant = make_member(db, country="KZ", status=MemberStatus.PENDING, display_name="Kz Applicant")
    _sign_in(client, auth, people["focal_uz"])
    assert client.get(f"/profile/{applicant.id}").status_code == 404
    auth.logout()
    _sign_in(client, auth, people["focal_kz"])
    assert "Kz Applicant" in client.get(f"/profile/{applicant.id}").get_data(as_text=True)


# Files that may read a coordinator's scope without asking web.policy, each for a reason.
# Any other file deciding on ``coordinator_scope`` is a second copy of the rule.
SCOPE_READERS = {
    "web/policy.py": "the rule itself",
    "web/models/members.py": "the column",
    "web/coordinator/roles.py": "grants and changes the scope",
    "web/commands.py": "the CLI that grants the role",
    "web/account/services.py": "a deleted account loses the role",
    "web/auth/services.py": "whom a refused applicant may contact (names, not access)",
    "web/templates/coordinator/coordinators.html": "shows each coordinator's scope",
    "web/templates/auth/not_accepted.html": "shows the contacts' scope",
}


def test_only_the_policy_decides_on_a_coordinators_scope():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    readers = {
        str(path.relative_to(root))
        for pattern in ("web/**/*.py", "web/templates/**/*.html")
        for path in root.glob(pattern)
        if "coordinator_scope" in path.read_text(encoding="utf-8")
    }
    assert readers - set(SCOPE_READERS) == set(), "ask web.policy (covers, covers_any, scope_of, may.scope)"
