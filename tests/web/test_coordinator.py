from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_coordinator, make_member
from web.auth.services import request_password_reset
from web.mail import queue_email
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
    assert mail is not None and "http://localhost/login" in mail.body
    assert "Welcome!" not in mail.body, "the note stays in the service, not in the mail"
    assert db.session.scalar(db.select(AuditLog).where(AuditLog.action == "member.approve"))
    after = client.get("/coordinator/applications").get_data(as_text=True)
    assert "Done: Nurgul is now active." in after
    assert "No application is waiting." in after
    auth.logout()
    auth.login("nurgul@example.kg", PASSWORD)
    own = client.get("/profile/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Welcome!" in own  # the note, on her profile page in her own language


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


@pytest.fixture
def development(app, monkeypatch):
    """The outbox page exists only in the development configuration."""
    monkeypatch.setitem(app.config, "CONFIG_NAME", "development")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")


def test_outbox_page_lists_development_emails(client, auth, db, development):
    member = make_member(db, status=MemberStatus.PENDING, email="x@example.org")
    _login_coordinator(auth, db)
    auth.post(f"/coordinator/members/{member.id}/approve", {}, token_from="/coordinator/applications")
    html = client.get("/coordinator/outbox").get_data(as_text=True)
    assert "x@example.org" in html
    assert 'href="/coordinator/outbox"' in client.get("/coordinator/applications").get_data(as_text=True)


def test_outbox_page_does_not_exist_outside_development(client, auth, db):
    member = make_member(db, status=MemberStatus.PENDING, email="x@example.org")
    _login_coordinator(auth, db)
    auth.post(f"/coordinator/members/{member.id}/approve", {}, token_from="/coordinator/applications")
    assert db.session.scalar(db.select(OutboxEmail).where(OutboxEmail.to == "x@example.org")) is not None
    assert client.get("/coordinator/outbox").status_code == 404
    assert "/coordinator/outbox" not in client.get("/coordinator/applications").get_data(as_text=True)


def test_focal_point_sees_only_emails_to_her_country_in_the_outbox(client, auth, db, development):
    kz = make_member(db, country="KZ", email="kz-member@example.org")
    uz = make_member(db, country="UZ", email="uz-member@example.org")
    queue_email(kz.email, "For Kazakhstan", "body KZ", member_id=kz.id)
    queue_email(uz.email, "For Uzbekistan", "body UZ", member_id=uz.id)
    queue_email("nobody@example.org", "For no member", "body none")
    db.session.commit()
    _login_coordinator(auth, db, country="UZ", coordinator_scope="UZ")
    html = client.get("/coordinator/outbox").get_data(as_text=True)
    assert "For Uzbekistan" in html
    assert "For Kazakhstan" not in html and "kz-member@example.org" not in html
    assert "For no member" not in html


def test_reset_link_in_the_outbox_is_masked_for_every_coordinator(client, auth, db, development):
    """A focal point asks a reset for the regional coordinator and opens the outbox: no link."""
    regional = make_coordinator(db, email="regional@example.org", country="KZ")
    _login_coordinator(auth, db, country="KZ", coordinator_scope="KZ")
    token = request_password_reset(regional.email)
    db.session.commit()
    html = client.get("/coordinator/outbox").get_data(as_text=True)
    assert "Reset your Bridges password" in html
    assert token not in html and "/password/reset/…" in html
    assert client.get(f"/password/reset/{token}").status_code == 200  # the link itself still works


def test_focal_point_cannot_suspend_a_coordinator_of_her_country(client, auth, db):
    regional = make_coordinator(db, email="regional@example.org", country="UZ", display_name="Regional UZ")
    _login_coordinator(auth, db, country="UZ", coordinator_scope="UZ")
    members = client.get("/coordinator/members").get_data(as_text=True)
    assert "Regional UZ" in members
    assert f"/coordinator/members/{regional.id}/suspend" not in members
    response = auth.post(
        f"/coordinator/members/{regional.id}/suspend", {"note": ""}, token_from="/coordinator/members", follow_redirects=True
    )
    assert "Only a regional coordinator can change a coordinator" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, regional.id).status == MemberStatus.ACTIVE


def test_regional_coordinator_may_suspend_a_focal_point(client, auth, db):
    focal = make_coordinator(db, email="focal@example.org", country="UZ", coordinator_scope="UZ")
    _login_coordinator(auth, db)
    auth.post(f"/coordinator/members/{focal.id}/suspend", {"note": ""}, token_from="/coordinator/members")
    db.session.expire_all()
    assert db.session.get(Member, focal.id).status == MemberStatus.SUSPENDED
