"""TOTP (RFC 6238) and the coordinators' second sign-in step."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from tests.conftest import csrf_token
from tests.factories import make_coordinator, make_member
from web.auth import totp
from web.models import AuditLog, Member

# RFC 6238, Appendix B: seeds are ASCII, codes 8 digits.
SEEDS = {
    hashlib.sha1: b"12345678901234567890",
    hashlib.sha256: b"12345678901234567890123456789012",
    hashlib.sha512: b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize("at,sha1,sha256,sha512", VECTORS)
def test_codes_match_the_rfc_6238_test_vectors(at, sha1, sha256, sha512):
    for digest, expected in ((hashlib.sha1, sha1), (hashlib.sha256, sha256), (hashlib.sha512, sha512)):
        secret = base64.b32encode(SEEDS[digest]).decode()
        assert totp.totp(secret, at, digits=8, digest=digest) == expected


def test_verify_accepts_one_step_either_side_and_nothing_further():
    secret = totp.new_secret()
    now = 1_700_000_015.0
    assert totp.verify(secret, totp.totp(secret, now), now)
    assert totp.verify(secret, totp.totp(secret, now - 30), now)
    assert totp.verify(secret, totp.totp(secret, now + 30), now)
    assert not totp.verify(secret, totp.totp(secret, now - 60), now)
    assert not totp.verify(secret, totp.totp(secret, now + 60), now)
    assert not totp.verify(secret, "", now)
    assert not totp.verify(secret, "12345a", now)
    assert not totp.verify(None, "123456", now)


def test_secret_is_160_bits_and_the_uri_names_the_account():
    secret = totp.new_secret()
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    uri = totp.provisioning_uri(secret, "coord@example.org")
    assert uri.startswith("otpauth://totp/Bridges%3Acoord%40example.org?")
    assert f"secret={secret}" in uri and "period=30" in uri and "digits=6" in uri


SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_enrolled_coordinator_enters_a_code_before_any_coordinator_page(client, auth, db):
    make_coordinator(db, email="coord@example.org", totp_secret=SEED)  # noqa: S106
    response = auth.login("coord@example.org")
    assert response.status_code == 302 and "/login/totp" in response.headers["Location"]
    blocked = client.get("/coordinator/applications")
    assert blocked.status_code == 302 and "/login/totp" in blocked.headers["Location"]
    assert client.get("/coordinator/console/").status_code == 302

    page = client.get("/login/totp")
    wrong = client.post("/login/totp", data={"code": "000000", "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert wrong.status_code == 401
    assert "This code is not correct" in wrong.get_data(as_text=True)

    ok = client.post("/login/totp", data={"code": totp.totp(SEED), "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert ok.status_code == 302
    assert client.get("/coordinator/applications").status_code == 200
    db.session.expire_all()
    actions = [a for (a,) in db.session.query(AuditLog.action).order_by(AuditLog.id)]
    assert actions == ["coordinator.sign_in", "coordinator.second_factor_failed", "coordinator.second_factor"]


def _wrong_code(client):
    page = client.get("/login/totp")
    return client.post("/login/totp", data={"code": "000000", "csrf_token": csrf_token(page.get_data(as_text=True))})


def test_wrong_codes_count_across_sign_ins_and_lock_like_wrong_passwords(app, client, auth, db):
    """Signing in again does not buy five more guesses: 2 + 2 + 1 wrong codes lock the account."""
    member = make_coordinator(db, email="coord@example.org", totp_secret=SEED)  # noqa: S106
    token_before = member.session_token
    for guesses in (2, 2):
        auth.login("coord@example.org")
        for _ in range(guesses):
            assert _wrong_code(client).status_code == 401
    auth.login("coord@example.org")
    locked = _wrong_code(client)
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= app.config["LOGIN_LOCK_SECONDS"]
    assert "Too many wrong codes" in locked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Member, member.id).session_token != token_before
    assert client.get("/coordinator/applications").status_code == 302
    # The right password does not open the account while it is locked.
    again = auth.login("coord@example.org")
    assert again.status_code == 429 and "Retry-After" in again.headers
    actions = [a for (a,) in db.session.query(AuditLog.action).order_by(AuditLog.id)]
    assert actions.count("coordinator.second_factor_failed") == 5
    assert actions[-1] == "coordinator.second_factor_locked"


def test_a_right_code_clears_the_count(client, auth, db):
    make_coordinator(db, email="coord@example.org", totp_secret=SEED)  # noqa: S106
    auth.login("coord@example.org")
    for _ in range(4):
        _wrong_code(client)
    page = client.get("/login/totp")
    ok = client.post("/login/totp", data={"code": totp.totp(SEED), "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert ok.status_code == 302
    auth.logout()
    auth.login("coord@example.org")
    assert _wrong_code(client).status_code == 401  # one more wrong code is not the fifth


def test_enrolment_page_shows_a_qr_code_in_inline_svg_beside_the_key(client, auth, db):
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    response = client.get("/login/totp/setup")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<figure class="qr"[^>]*><svg [^>]*class="segno"', html)
    assert re.search(r'id="totp-secret">[A-Z2-7 ]{32,}<', html)
    assert "<script" not in html.split("<main", 1)[1]  # nothing inline for the CSP to allow
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_coordinator_without_totp_signs_in_with_password_only(client, auth, db):
    make_coordinator(db, email="coord@example.org")
    response = auth.login("coord@example.org")
    assert "/login/totp" not in response.headers["Location"]
    assert client.get("/coordinator/applications").status_code == 200


def test_required_second_factor_forces_enrolment_first(app, client, auth, db):
    coordinator = make_coordinator(db, email="coord@example.org")
    app.config["COORDINATOR_TOTP_REQUIRED"] = True
    try:
        auth.login("coord@example.org")
        response = client.get("/coordinator/console/")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/login/totp/setup")
        page = client.get("/login/totp/setup").get_data(as_text=True)
        assert "otpauth://totp/" in page
        secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
        done = client.post("/login/totp/setup", data={"code": totp.totp(secret), "csrf_token": csrf_token(page)})
        assert done.status_code == 302
        assert client.get("/coordinator/console/").status_code == 200
        db.session.expire_all()
        assert db.session.get(Member, coordinator.id).totp_secret == secret
    finally:
        app.config["COORDINATOR_TOTP_REQUIRED"] = False


def test_wrong_enrolment_code_keeps_the_old_state(client, auth, db):
    coordinator = make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    page = client.get("/login/totp/setup").get_data(as_text=True)
    response = client.post("/login/totp/setup", data={"code": "000000", "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Member, coordinator.id).totp_secret is None


def test_members_cannot_enrol_or_use_the_code_step(client, auth, db):
    make_member(db, email="member@example.org")
    auth.login("member@example.org")
    assert client.get("/login/totp/setup").status_code == 403
    assert client.get("/login/totp").status_code == 302


def test_a_code_works_once_only(app, client, auth, db):
    """A code seen over a shoulder cannot open a second session within its 30 seconds."""
    make_coordinator(db, email="coord@example.org", totp_secret=SEED)  # noqa: S106
    code = totp.totp(SEED)
    auth.login("coord@example.org")
    page = client.get("/login/totp")
    first = client.post("/login/totp", data={"code": code, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert first.status_code == 302 and "/login/totp" not in first.headers["Location"]

    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_page = other.get("/login").get_data(as_text=True)
    other.post(
        "/login",
        data={"email": "coord@example.org", "password": "correct horse battery", "csrf_token": csrf_token(login_page)},
    )
    page = other.get("/login/totp")
    replay = other.post("/login/totp", data={"code": code, "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert replay.status_code == 401
    assert "This code is not correct" in replay.get_data(as_text=True)
    assert other.get("/coordinator/applications").status_code == 302
