"""National focal points see and act on their own country only: by page and by export."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import make_coordinator, make_member, make_mentor
from web.models import AuditLog, ForbiddenPair, MatchRun, MatchRunPair, MemberStatus, Mentorship

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
KZ_NAME = "Kazakh Secret"
KZ_EMAIL = "kz.secret@example.kz"


def _world(db):
    """A UZ mentee paired with a KG mentor; a Kazakh mentee unmatched and a Kazakh applicant,
    neither of whom has anything to do with Uzbekistan."""
    kg = make_mentor(db, country="KG", display_name="Kyrgyz Mentor")
    uz = make_member(db, country="UZ", display_name="Uzbek Mentee")
    kz = make_member(db, country="KZ", display_name=KZ_NAME, email=KZ_EMAIL)
    make_member(db, country="KZ", display_name="Kazakh Applicant", status=MemberStatus.PENDING)
    kz_mentor = make_mentor(db, country="KZ", display_name="Kazakh Mentor")
    kg_mentee = make_member(db, country="KG", display_name="Kyrgyz Mentee")
    run = MatchRun(
        status="draft",
        started_at=NOW,
        config={"min_gap": 2},
        summary={
            "mentees_eligible": 3,
            "mentees_matched": 2,
            "unmatched": [
                {"id": kz.id, "reason": "mentors_full", "country": "KZ", "languages": ["ru"], "suitable_mentors": 1}
            ],
        },
    )
    db.session.add(run)
    db.session.flush()
    db.session.add_all(
        [
            MatchRunPair(run_id=run.id, mentor_id=kg.id, mentee_id=uz.id, score=0.8, reasons=[]),
            MatchRunPair(run_id=run.id, mentor_id=kz_mentor.id, mentee_id=kg_mentee.id, score=0.7, reasons=[]),
        ]
    )
    db.session.add(
        Mentorship(mentor_id=kz_mentor.id, mentee_id=kg_mentee.id, state="active", proposed_at=NOW, activated_at=NOW)
    )
    db.session.commit()
    return run, kz


def _focal_point(db, auth, client):
    make_coordinator(db, email="uz@example.uz", country="UZ", coordinator_scope="UZ")
    auth.login("uz@example.uz")
    return client


def test_uzbek_focal_point_sees_no_kazakh_member_in_the_report(client, auth, db):
    run, _kz = _world(db)
    _focal_point(db, auth, client)
    html = client.get(f"/coordinator/console/runs/{run.id}").get_data(as_text=True)
    assert "Uzbek Mentee" in html and "Kyrgyz Mentor" in html
    for name in (KZ_NAME, "Kazakh Mentor", "Kyrgyz Mentee", KZ_EMAIL):
        assert name not in html


def test_uzbek_focal_point_exports_no_kazakh_member(client, auth, db):
    run, _kz = _world(db)
    _focal_point(db, auth, client)
    for path in (
        f"/coordinator/console/runs/{run.id}/pairs.csv",
        f"/coordinator/console/runs/{run.id}/unmatched.csv",
        f"/coordinator/console/runs/{run.id}/print",
        "/coordinator/console/figures.csv?country=KZ",
    ):
        body = client.get(path).get_data(as_text=True)
        for name in (KZ_NAME, "Kazakh Mentor", "Kyrgyz Mentee", KZ_EMAIL):
            assert name not in body, path
    figures = client.get("/coordinator/console/figures.csv?country=KZ").get_data(as_text=True)
    assert "country,UZ" in figures  # the filter cannot leave her country
    db.session.expire_all()
    exports = db.session.query(AuditLog).filter(AuditLog.action.like("export.%")).all()
    assert len(exports) == 5 and all(e.detail["scope"] == "UZ" for e in exports)


def test_uzbek_focal_point_sees_no_kazakh_figures_or_mentorships(client, auth, db):
    _world(db)
    _focal_point(db, auth, client)
    html = client.get("/coordinator/console/?country=KZ").get_data(as_text=True)
    assert "Kazakh Applicant" not in html
    actions = client.get("/coordinator/console/actions").get_data(as_text=True)
    assert "Kazakh Mentor" not in actions and "Kyrgyz Mentee" not in actions


def test_uzbek_focal_point_cannot_act_on_kazakh_members(client, auth, db):
    _run, kz = _world(db)
    kz_mentor = db.session.query(type(kz)).filter_by(display_name="Kazakh Mentor").one()
    kg_mentee = db.session.query(type(kz)).filter_by(display_name="Kyrgyz Mentee").one()
    mentorship = db.session.query(Mentorship).one()
    _focal_point(db, auth, client)
    response = auth.post(
        "/coordinator/console/actions/forbid",
        {"mentor": str(kz_mentor.id), "mentee": str(kg_mentee.id)},
        token_from="/coordinator/console/actions",
    )  # noqa: S106
    assert response.status_code == 422
    assert "only on members of your own country" in response.get_data(as_text=True)
    response = auth.post(
        "/coordinator/console/actions/reopen", {"member": KZ_EMAIL}, token_from="/coordinator/console/actions"
    )  # noqa: S106
    assert response.status_code == 422
    response = auth.post(
        f"/coordinator/console/mentorships/{mentorship.id}/end", {"reason": "no"}, token_from="/coordinator/console/actions"
    )  # noqa: S106
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.query(ForbiddenPair).count() == 0
    assert db.session.get(Mentorship, mentorship.id).state == "active"


def test_focal_point_cannot_open_the_coordinators_page(client, auth, db):
    _focal_point(db, auth, client)
    assert client.get("/coordinator/console/coordinators").status_code == 403


def test_focal_point_reads_only_her_countrys_audit_entries(client, auth, db):
    from web.audit import record

    regional = make_coordinator(db, email="regional@example.org")
    kz = make_member(db, country="KZ", display_name=KZ_NAME)
    uz = make_member(db, country="UZ", display_name="Uzbek Member")
    record(regional, "member.suspend", kz, note="kz-note")
    record(regional, "member.suspend", uz, note="uz-note")
    db.session.commit()
    _focal_point(db, auth, client)
    html = client.get("/coordinator/console/audit").get_data(as_text=True)
    assert "uz-note" in html and "kz-note" not in html
