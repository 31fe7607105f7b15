"""Sessions end on the server (idle time, absolute age), are written at most once a
minute, use a __Host- cookie in production, get a new CSRF token at sign-in, and refuse
cross-site state changes even with a valid token."""

from __future__ import annotations

import time

import pytest

from tests.conftest import csrf_token
from tests.factories import make_coordinator, make_member
from web.models import Member
from web.security import AUTH_AT, SEEN_AT


def _age(client, *, seen: float = 0, auth: float = 0) -> None:
    """Move the session's clock back: ``seen`` and ``auth`` seconds ago."""
    with client.session_transaction() as session:
        now = int(time.time())
        session[SEEN_AT] = now - int(seen)
        session[AUTH_AT] = now - int(auth or seen)


def test_a_coordinator_idle_for_31_minutes_is_signed_out(client, auth, db):
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    _age(client, seen=29 * 60)
    assert client.get("/coordinator/applications").status_code == 200
    _age(client, seen=31 * 60)
    response = client.get("/coordinator/applications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/directory/").status_code == 302  # and stays out


def test_a_member_stays_signed_in_for_two_idle_weeks_not_longer(app, client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    _age(client, seen=13 * 24 * 3600)
    assert client.get("/directory/").status_code == 200
    _age(client, seen=app.config["SESSION_IDLE_SECONDS"] + 60)
    assert client.get("/directory/").status_code == 302


def test_activity_does_not_extend_a_session_past_its_absolute_age(app, client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    _age(client, seen=10, auth=app.config["SESSION_MAX_AGE_SECONDS"] + 60)
    response = client.get("/directory/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_member_idle_time_is_configurable(monkeypatch):
    from web.config import Config

    monkeypatch.setenv("SESSION_IDLE_DAYS", "3")
    assert Config.from_env("")["SESSION_IDLE_SECONDS"] == 3 * 24 * 3600


def test_the_session_and_last_seen_are_written_at_most_once_a_minute(client, auth, db):
    member = make_member(db, email="a@example.org")
    auth.login("a@example.org")
    client.get("/directory/")
    quiet = [client.get("/directory/") for _ in range(3)]
    assert all("Set-Cookie" not in r.headers for r in quiet)  # nothing to write within the minute
    db.session.expire_all()
    assert db.session.get(Member, member.id).last_seen_at is None  # not yet a minute since sign-in
    _age(client, seen=61, auth=61)
    written = client.get("/directory/")
    assert "Set-Cookie" in written.headers
    db.session.expire_all()
    seen = db.session.get(Member, member.id).last_seen_at
    assert seen is not None
    client.get("/directory/")
    db.session.expire_all()
    assert db.session.get(Member, member.id).last_seen_at == seen


def test_production_cookie_is_host_prefixed(monkeypatch):
    from web import create_app

    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("BASE_URL", "https://bridges.example.org")
    app = create_app({"CONFIG_NAME": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    response = app.test_client().get("/login", base_url="https://bridges.example.org")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def test_the_csrf_token_of_the_anonymous_visit_dies_at_sign_in(client, auth, db):
    make_member(db, email="a@example.org")
    before = auth.token("/login")
    client.post("/login", data={"email": "a@example.org", "password": "correct horse battery", "csrf_token": before})
    planted = client.post("/logout", data={"csrf_token": before})
    assert planted.status_code == 400
    assert client.get("/directory/").status_code == 200  # still signed in: nothing was done
    fresh = csrf_token(client.get("/profile/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": fresh}).status_code == 302


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_cross_site_post_is_refused_even_with_a_valid_token(client, auth, db, headers):
    member = make_member(db, email="a@example.org")
    auth.login("a@example.org")
    token = csrf_token(client.get("/profile/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 403
    db.session.expire_all()
    assert client.get("/directory/").status_code == 200  # not signed out
    assert db.session.get(Member, member.id).session_token == member.session_token


def test_a_same_origin_post_with_fetch_metadata_passes(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    token = csrf_token(client.get("/profile/").get_data(as_text=True))
    headers = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/logout", data={"csrf_token": token}, headers=headers).status_code == 302
