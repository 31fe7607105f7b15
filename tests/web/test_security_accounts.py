"""Account takeover and enumeration: reset links end, answers that do not tell who is a
member, flood limits with 429 and Retry-After, stronger password rules, and what a
rejected applicant is told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_coordinator, make_member
from web.auth import services
from web.auth.passwords import password_problems
from web.models import Member, MemberStatus, OutboxEmail, PasswordResetToken

from .test_auth import REGISTRATION


def _issue_token(app, email: str) -> str:
    with app.test_request_context():
        token = services.request_password_reset(email)
        from web.extensions import db

        db.session.commit()
    return token


def _reset_page(client, token: str):
    return client.get(f"/password/reset/{token}")


def test_a_password_change_ends_outstanding_reset_links(app, client, auth, db):
    make_member(db, email="a@example.org")
    token = _issue_token(app, "a@example.org")
    auth.login("a@example.org")
    auth.post(
        "/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_confirm": "a brand new passphrase",
        },
    )
    response = _reset_page(client, token)
    assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]


def test_signing_out_everywhere_ends_outstanding_reset_links(app, client, auth, db):
    make_member(db, email="a@example.org")
    token = _issue_token(app, "a@example.org")
    auth.login("a@example.org")
    auth.logout()  # signing out ends every session of the account
    assert _reset_page(client, token).status_code == 302
    with app.test_request_context():
        from web.validation import ValidationFailed

        with pytest.raises(ValidationFailed):
            services.reset_password(token, "a fresh steppe passphrase")


def test_a_reset_ends_the_other_links(app, client, db):
    make_member(db, email="a@example.org")
    first, second = _issue_token(app, "a@example.org"), _issue_token(app, "a@example.org")
    with app.test_request_context():
        services.reset_password(second, "a fresh steppe passphrase")
        db.session.commit()
    assert _reset_page(client, first).status_code == 302
    assert db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.used_at.is_(None))) is None


def test_a_reset_request_answers_before_looking_the_address_up(monkeypatch, client, auth, db):
    """The answer is sent before the address is looked up and the mail made, so it takes the
    same time for a member and a stranger (bench: see docs/security.md)."""
    make_member(db, email="known@example.org")
    looked_up = []
    original = services.find_by_email
    monkeypatch.setattr(services, "find_by_email", lambda email: looked_up.append(email) or original(email))
    answers = []
    for email in ("known@example.org", "stranger@example.org"):
        response = auth.post("/password/forgot", {"email": email})
        answers.append((response.status_code, response.headers["Location"]))
        assert looked_up == [] or looked_up[-1] != email  # not during the answer
        response.close()  # the server has sent it: now the work is done
        assert looked_up[-1] == email
    assert answers[0] == answers[1]
    mails = db.session.scalars(select(OutboxEmail)).all()
    assert [m.to for m in mails] == ["known@example.org"]


def test_reset_emails_to_one_address_are_limited(app, client, auth, db):
    make_member(db, email="target@example.org")
    count, _seconds = app.config["RESET_LIMIT_ACCOUNT"]
    for _ in range(count):
        auth.post("/password/forgot", {"email": "target@example.org"}).close()
    refused = auth.post("/password/forgot", {"email": "TARGET@example.org"})
    refused.close()
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many requests" in refused.get_data(as_text=True)
    assert len(db.session.scalars(select(OutboxEmail)).all()) == count


def test_registrations_from_one_address_are_limited(app, client, db):
    count, _seconds = app.config["REGISTER_LIMIT_ADDRESS"]
    for i in range(count):
        token = csrf_token(client.get("/register").get_data(as_text=True))
        client.post("/register", data={**REGISTRATION, "email": f"n{i}@example.kg", "csrf_token": token})
    token = csrf_token(client.get("/register").get_data(as_text=True))
    refused = client.post("/register", data={**REGISTRATION, "email": "one.more@example.kg", "csrf_token": token})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert db.session.scalar(select(Member).where(Member.email == "one.more@example.kg")) is None


def test_profile_views_are_limited_per_account(app, client, auth, db):
    make_member(db, email="a@example.org")
    other = make_member(db)
    auth.login("a@example.org")
    count, seconds = app.config["PROFILE_VIEW_LIMIT_ACCOUNT"]
    assert all(client.get(f"/profile/{other.id}").status_code == 200 for _ in range(count))
    refused = client.get(f"/profile/{other.id}")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= seconds


@pytest.mark.parametrize(
    "password", ["osce2024osce", "bridges2024", "militsiya123", "border2024!", "gfhjkm123456", "customs-customs-1"]
)
def test_the_networks_own_words_and_layout_typos_are_refused(password):
    assert password_problems(password)


def test_her_own_name_email_and_agency_are_refused():
    who = {"email": "aigul.tokaeva@mvd.kz", "name": "Айгуль Токаева", "agency": "Komitet Natsbezopasnosti"}
    for password in ("tokaeva1985!", "Aigul.Tokaeva2024", "Айгуль Токаева 1", "natsbezopasnosti7"):
        assert password_problems(password, **who), password
    assert password_problems("steppe wind over Issyk-Kul", **who) == []


def test_a_rejected_applicant_is_told_after_her_password_matched(client, auth, db):
    make_coordinator(db, email="focal@example.org", display_name="Focal Point KG", country="KG", coordinator_scope="KG")
    make_member(db, email="rejected@example.org", status=MemberStatus.REJECTED, country="KG")
    wrong = auth.login("rejected@example.org", "not her password at all")
    assert wrong.status_code == 401 and "Email or password is not correct." in wrong.get_data(as_text=True)
    right = auth.login("rejected@example.org")
    html = right.get_data(as_text=True)
    assert right.status_code == 403
    assert "Your application was not accepted" in html
    assert "Focal Point KG" in html and "focal@example.org" in html
    assert client.get("/directory/").status_code == 302  # not signed in


def test_flood_limits_can_count_in_redis(app, db):
    """With REDIS_URL set, the limits count in Redis (shared by every worker), not the table."""
    import redis

    from web.auth import throttle
    from web.models import LoginThrottle

    client = redis.Redis.from_url("redis://127.0.0.1:6379/14")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    app.extensions.pop("bridges_redis", None)
    try:
        client.flushdb()
        count, seconds = app.config["RESET_LIMIT_ACCOUNT"]
        with app.test_request_context():
            for _ in range(count):
                throttle.limit("reset", "r@example.org", "198.51.100.7")
            with pytest.raises(throttle.Throttled) as caught:
                throttle.limit("reset", "R@example.org", "198.51.100.8")
            assert 0 < caught.value.retry_after <= seconds
            assert db.session.scalar(select(LoginThrottle)) is None
    finally:
        app.config["REDIS_URL"] = None
        stale = app.extensions.pop("bridges_redis", None)
        if stale is not None:
            stale.close()
        client.flushdb()
        client.close()
