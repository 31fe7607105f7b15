from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_member
from web.auth import services
from web.auth.passwords import password_problems, verify_password
from web.models import LoginThrottle, Member, MemberStatus, OutboxEmail, PasswordResetToken
from web.validation import ValidationFailed

REGISTRATION = {
    "email": "Nurgul.Asanova@Example.KG",
    "password": "bishkek mountains 2024",
    "password_confirm": "bishkek mountains 2024",
    "display_name": "Нургуль Асанова",
    "country": "KG",
    "agency_kind": "police",
    "agency_name": "МВД Кыргызской Республики",
    "rank": "Капитан",
    "years_of_service": "6",
    "languages": ["ru", "ky"],
    "role": "mentee",
    "capacity": "1",
    "skills": ["community_policing"],
    "goals": ["leadership", "crisis_communication"],
    "goals_text": "Хочу научиться руководить командой",
    "bio": "Участковый инспектор в Бишкеке.",
    "locale": "ru",
    "consent": "y",
}


def register(client, **changes):
    data = {**REGISTRATION, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    token = csrf_token(client.get("/register").get_data(as_text=True))
    return client.post("/register", data={**data, "csrf_token": token})


def test_registration_creates_a_pending_member_who_signs_in_to_the_waiting_page(client, auth, db):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    member = db.session.scalar(db.select(Member))
    assert member.email == "nurgul.asanova@example.kg"
    assert member.status == MemberStatus.PENDING
    assert member.language_codes == ["ky", "ru"]
    assert member.goals == ["crisis_communication", "leadership"]
    assert member.consent_at is not None
    assert member.password_hash.startswith("$argon2id$")
    mail = db.session.scalar(db.select(OutboxEmail))
    assert mail.to == "nurgul.asanova@example.kg" and mail.member_id == member.id
    signed_in = auth.login("Nurgul.Asanova@Example.KG", "bishkek mountains 2024")
    assert signed_in.headers["Location"].endswith("/")
    page = client.get("/pending")
    assert page.status_code == 200
    assert "Нургуль Асанова" in page.get_data(as_text=True)


def test_registration_errors_keep_what_she_typed(client, db):
    response = register(client, password="short", password_confirm="short", consent=None, languages=None)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Use at least 10 characters." in html
    assert "Please read the privacy notice and agree to it to join." in html
    assert "Choose at least one language you work in." in html
    # What she typed is still there.
    assert 'value="Нургуль Асанова"' in html
    assert "МВД Кыргызской Республики" in html
    assert "Участковый инспектор в Бишкеке." in html
    checked = r'value="crisis_communication"[^>]*checked|checked[^>]*value="crisis_communication"'
    assert re.search(checked, html)
    # The error is tied to its field for screen readers.
    assert 'aria-describedby="consent-error"' in html or 'id="consent-error"' in html
    assert db.session.scalar(db.select(Member)) is None


def test_registration_does_not_tell_that_an_account_exists_and_emails_its_owner(client, db):
    """The page is the same for a new and a known address; the owner learns of it by email."""
    fresh = register(client, email="new.member@example.kg")
    make_member(db, email="nurgul.asanova@example.kg", display_name="Nurgul")
    known = register(client)  # same email in another case
    assert fresh.status_code == known.status_code == 302
    assert fresh.headers["Location"] == known.headers["Location"]
    assert client.get(known.headers["Location"]).get_data(as_text=True).count("Your application has arrived") == 1
    members = db.session.scalars(db.select(Member.email).order_by(Member.email)).all()
    assert members == ["new.member@example.kg", "nurgul.asanova@example.kg"]  # no second account
    told = db.session.scalars(db.select(OutboxEmail).where(OutboxEmail.to == "nurgul.asanova@example.kg")).all()
    assert len(told) == 1 and "already has an account" in told[0].body


@pytest.mark.parametrize("password", ["qwertyuiop", "1234567890", "Password123", "aaaaaaaaaaaa"])
def test_common_passwords_are_refused(password):
    assert password_problems(password)


def test_a_good_password_passes():
    assert password_problems("steppe wind over Issyk-Kul") == []


def test_mentor_must_state_capacity_and_skills(app):
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as caught:
            services.register({**REGISTRATION, "role": "mentor", "capacity": "5", "skills": []})
    fields = {field for field, _ in caught.value.errors}
    assert {"capacity", "skills"} <= fields


def test_wrong_password_and_unknown_email_get_the_same_message(client, auth, db):
    make_member(db, email="known@example.org")
    wrong = auth.login("known@example.org", "not the password at all")
    unknown = auth.login("nobody@example.org", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    message = "Email or password is not correct."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_unknown_email_still_costs_a_hash(monkeypatch, app, db):
    calls = []
    original = verify_password

    def spy(stored, password):
        calls.append(stored)
        return original(stored, password)

    monkeypatch.setattr(services, "verify_password", spy)
    with app.test_request_context():
        with pytest.raises(services.LoginFailed):
            services.authenticate("nobody@example.org", "whatever-password", "10.0.0.1")
    assert calls == [None]  # the dummy hash was checked


def test_a_hash_made_with_the_old_parameters_is_replaced_at_sign_in(client, auth, db):
    from argon2 import PasswordHasher

    older = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)  # argon2-cffi's default
    member = make_member(db, email="older@example.org")
    member.password_hash = older.hash(PASSWORD)
    db.session.commit()
    assert auth.login("older@example.org", "not the password at all").status_code == 401
    db.session.refresh(member)
    assert member.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")  # a wrong password changes nothing
    assert auth.login("older@example.org", PASSWORD).status_code == 302
    db.session.refresh(member)
    assert member.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(member.password_hash, PASSWORD)
    auth.logout()
    assert auth.login("older@example.org", PASSWORD).status_code == 302  # and it still signs her in


def test_account_is_throttled_after_repeated_failures(client, auth, db, app):
    make_member(db, email="target@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        auth.login("target@example.org", "wrong password guess")
    # Even the right password is refused while the account is locked.
    response = auth.login("target@example.org", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= app.config["LOGIN_LOCK_SECONDS"]
    assert "Too many failed attempts" in response.get_data(as_text=True)
    assert db.session.get(
        LoginThrottle, next(k for (k,) in db.session.execute(db.select(LoginThrottle.key)) if k.startswith("acct:"))
    )


def test_throttle_holds_across_restarts(app, client, auth, db):
    make_member(db, email="target@example.org")
    for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
        auth.login("target@example.org", "wrong password guess")
    from web import create_app

    restarted = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    other = restarted.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(other.get("/login").get_data(as_text=True))
    response = other.post("/login", data={"email": "target@example.org", "password": PASSWORD, "csrf_token": token})
    with restarted.app_context():
        db.engine.dispose()  # the second app's connections, closed now rather than by the collector
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_address_is_throttled_and_a_spoofed_forwarded_header_does_not_reset_it(app, client, db):
    app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 3
    try:
        make_member(db, email="someone@example.org")
        for i in range(3):
            token = csrf_token(client.get("/login").get_data(as_text=True))
            client.post("/login", data={"email": f"guess{i}@example.org", "password": "x" * 12, "csrf_token": token})
        token = csrf_token(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            data={"email": "someone@example.org", "password": PASSWORD, "csrf_token": token},
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        assert response.status_code == 429
        assert "Too many failed attempts" in response.get_data(as_text=True)
    finally:
        app.config["LOGIN_MAX_FAILURES_ADDRESS"] = 50


def test_successful_login_follows_only_local_next(client, auth, db):
    make_member(db, email="a@example.org")
    token = auth.token("/login?next=/directory/")
    ok = client.post(
        "/login", data={"email": "a@example.org", "password": PASSWORD, "next": "/directory/", "csrf_token": token}
    )
    assert ok.headers["Location"].endswith("/directory/")
    auth.logout()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        token = auth.token("/login")
        response = client.post(
            "/login", data={"email": "a@example.org", "password": PASSWORD, "next": target, "csrf_token": token}
        )
        assert response.status_code == 302
        assert "evil" not in response.headers["Location"]


def test_a_cookie_copied_before_logout_opens_nothing(app, client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    copied = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/directory/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, client, auth, db):
    make_member(db, email="a@example.org")
    other_device = app.test_client()
    token = csrf_token(other_device.get("/login").get_data(as_text=True))
    other_device.post("/login", data={"email": "a@example.org", "password": PASSWORD, "csrf_token": token})
    assert other_device.get("/directory/").status_code == 200
    auth.login("a@example.org")
    response = auth.post(
        "/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "new_password_confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/directory/").status_code == 200  # this browser stays in
    assert other_device.get("/directory/").status_code == 302  # the other is out


def test_password_change_with_wrong_current_password_is_refused(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    response = auth.post(
        "/password",
        {
            "current_password": "not my password",
            "new_password": "a brand new passphrase",
            "new_password_confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)


def _reset_link(db) -> str:
    mail = db.session.scalars(db.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    return re.search(r"http://localhost(/password/reset/\S+)", mail.body).group(1)


def test_password_reset_by_emailed_single_use_token(client, auth, db):
    make_member(db, email="a@example.org", locale="ru")
    response = auth.post("/password/forgot", {"email": "A@example.org"})
    assert response.status_code == 302
    response.close()  # the link is made and mailed once the answer is sent
    link = _reset_link(db)
    page = client.get(link)
    assert page.status_code == 200
    token = csrf_token(page.get_data(as_text=True))
    done = client.post(
        link,
        data={"password": "a fresh steppe passphrase", "password_confirm": "a fresh steppe passphrase", "csrf_token": token},
    )
    assert done.status_code == 302
    assert auth.login("a@example.org", "a fresh steppe passphrase").status_code == 302
    auth.logout()
    again = client.get(link)
    assert again.status_code == 302  # used: back to "ask for a new link"
    assert "/password/forgot" in again.headers["Location"]


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client, auth, db):
    response = auth.post("/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert "If an account uses this email" in response.get_data(as_text=True)
    response.close()
    assert db.session.scalar(db.select(OutboxEmail)) is None


def test_expired_reset_token_is_refused(app, db):
    member = make_member(db, email="a@example.org")
    with app.test_request_context():
        token = services.request_password_reset("a@example.org")
        row = db.session.scalar(db.select(PasswordResetToken))
        row.expires_at = row.created_at - timedelta(seconds=1)
        db.session.flush()
        with pytest.raises(ValidationFailed):
            services.reset_password(token, "a fresh steppe passphrase")
    assert member.password_hash == db.session.get(Member, member.id).password_hash


def test_interface_language_follows_browser_then_member_choice(client, auth, db):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    html = page.get_data(as_text=True)
    assert '<html lang="ru">' in html
    assert "Войти" in html
    english = client.get("/login", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<html lang="en">' in english
    make_member(db, email="ru@example.org", locale="ru")
    auth.login("ru@example.org")
    # Her own choice wins over the browser's.
    mine = client.get("/profile/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ru">' in mine


def test_language_switcher_changes_the_interface(client, auth, db):
    token = auth.token("/login")
    response = client.post("/language", data={"lang": "ru", "next": "/login", "csrf_token": token})
    assert response.headers["Location"].endswith("/login")
    assert '<html lang="ru">' in client.get("/login").get_data(as_text=True)


def test_throttle_counters_can_live_in_redis(app, db):
    """With REDIS_URL set, the counters go to Redis (shared by every worker) instead of the table."""
    import redis

    client = redis.Redis.from_url("redis://127.0.0.1:6379/15")
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    from web.auth import throttle

    def drop_app_client():
        app_client = app.extensions.pop("bridges_redis", None)
        if app_client is not None:
            app_client.close()

    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    drop_app_client()
    try:
        client.flushdb()
        with app.test_request_context():
            for _ in range(app.config["LOGIN_MAX_FAILURES_ACCOUNT"]):
                assert not throttle.is_locked("r@example.org", "198.51.100.7")
                throttle.record_failure("r@example.org", "198.51.100.7")
            assert throttle.is_locked("r@example.org", "198.51.100.8")
            assert db.session.scalar(db.select(LoginThrottle)) is None
            throttle.clear("r@example.org")
            assert not throttle.is_locked("r@example.org", "198.51.100.8")
    finally:
        app.config["REDIS_URL"] = None
        drop_app_client()
        client.flushdb()
        client.close()
