from __future__ import annotations

from tests.factories import PASSWORD, make_coordinator, make_member
from web.models import AuditLog, Member, MemberStatus, OutboxEmail


def _login_coordinator(auth, db, **kw):
    coordinator = make_coordinator(db, email="coord@example.org", **kw)
    auth.login("coord@example.org", PASSWORD)
    return coordinator


def test_coordinator_approves_an_application_and_the_member_is_told(client, auth, db):
    applicant = make_member(db, status=MemberStatus.PENDING, display_name="Nurgul", email="nurgul@example.kg", locale="ru")
    _login_coordinator(auth, db)
    queue = client.get("/coordinator/applications").get_data(as_text=True)
    assert "Nurgul" in queue
    response = auth.post(
        f"/coordinator/members/{applicant.id}/approve", {"note": "Welcome!"}, token_from="/coordinator/applications"
    )
    assert response.status_code == 302
    db.session.expire_all()
    applicant = db.session.get(Member, applicant.id)
    assert applicant.status == MemberStatus.ACTIVE
    mail = db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.to == "nurgul@example.kg"))
    assert mail is not None and "Welcome!" in mail.body
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "member.approve"))
    after = client.get("/coordinator/applications").get_data(as_text=True)
    assert "Done: Nurgul is now active." in after
    assert "No application is waiting." in after


def test_rejection_ends_the_applicants_session(app, client, auth, db):
    applicant = make_member(db, status=MemberStatus.PENDING, email="app@example.org")
    applicant_client = app.test_client()
    from tests.conftest import csrf_token

    token = csrf_token(applicant_client.get("/login").get_data(as_text=True))
    applicant_client.post("/login", data={"email": "app@example.org", "password": PASSWORD, "csrf_token": token})
    assert applicant_client.get("/pending").status_code == 200
    _login_coordinator(auth, db)
    auth.post(
        f"/coordinator/members/{applicant.id}/reject",
        {"note": "Not a member of an agency"},
        token_from="/coordinator/applications",
    )
    assert applicant_client.get("/pending").status_code == 302


def test_suspend_and_reactivate(client, auth, db):
    member = make_member(db, display_name="Member To Suspend")
    _login_coordinator(auth, db)
    auth.post(f"/coordinator/members/{member.id}/suspend", {"note": ""}, token_from="/coordinator/members")
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == MemberStatus.SUSPENDED
    auth.post(f"/coordinator/members/{member.id}/reactivate", {"note": ""}, token_from="/coordinator/members")
    db.session.expire_all()
    assert db.session.get(Member, member.id).status == MemberStatus.ACTIVE
    actions = [a for (a,) in db.session.execute(db.select(AuditLog.action).order_by(AuditLog.id))]
    assert actions[-2:] == ["member.suspend", "member.reactivate"]


def test_approving_twice_is_refused_with_a_message(client, auth, db):
    member = make_member(db)
    _login_coordinator(auth, db)
    response = auth.post(
        f"/coordinator/members/{member.id}/approve", {}, token_from="/coordinator/applications", follow_redirects=True
    )
    assert "status has changed meanwhile" in response.get_data(as_text=True)


def test_focal_point_sees_only_her_country(client, auth, db):
    make_member(db, status=MemberStatus.PENDING, display_name="Uzbek Applicant", country="UZ")
    kazakh = make_member(db, status=MemberStatus.PENDING, display_name="Kazakh Applicant", country="KZ")
    _login_coordinator(auth, db, country="UZ", coordinator_scope="UZ")
    html = client.get("/coordinator/applications").get_data(as_text=True)
    assert "Uzbek Applicant" in html and "Kazakh Applicant" not in html
    response = auth.post(f"/coordinator/members/{kazakh.id}/approve", {}, token_from="/coordinator/applications")
    assert response.status_code == 404


def test_coordinator_sign_in_is_audited(client, auth, db):
    _login_coordinator(auth, db)
    entry = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "coordinator.sign_in"))
    assert entry is not None and entry.address


def test_outbox_page_lists_development_emails(client, auth, db):
    member = make_member(db, status=MemberStatus.PENDING, email="x@example.org")
    _login_coordinator(auth, db)
    auth.post(f"/coordinator/members/{member.id}/approve", {}, token_from="/coordinator/applications")
    html = client.get("/coordinator/outbox").get_data(as_text=True)
    assert "x@example.org" in html
