"""Limits on input: request size, form fields, files, control characters, ids and pages;
and a CSRF failure that keeps what she typed. Run on SQLite and PostgreSQL: NUL bytes and
out-of-range numbers were 500s on PostgreSQL only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.models import Conversation, Member, Message, utcnow

from .test_auth import REGISTRATION


def test_a_large_anonymous_post_is_refused_before_it_is_parsed(client, app):
    body = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data={"email": body, "password": "p"})
    response.close()
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)


def test_one_huge_field_is_refused_with_413(client, app):
    # Within the request limit, over the memory limit of one field.
    body = "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)
    response = client.post("/login", data={"email": body}, content_type="multipart/form-data")
    response.close()  # the test client's spooled request body
    assert response.status_code == 413


def test_thousands_of_form_fields_are_refused(client):
    fields = {f"f{i}": "1" for i in range(5000)}
    response = client.post("/login", data=fields)
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)


def test_too_many_multipart_fields_are_refused(client, app):
    fields = {f"f{i}": "1" for i in range(app.config["MAX_FORM_PARTS"] + 50)}
    response = client.post("/login", data=fields, content_type="multipart/form-data")
    response.close()
    assert response.status_code == 413


@pytest.fixture
def talk(db):
    mentor = make_mentor(db, email="aigul@example.org", display_name="Aigul", country="KZ")
    mentee = make_member(db, email="nurzat@example.org", display_name="Nurzat", country="KG")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=utcnow())
    lifecycle.accept(m, mentor, utcnow())
    lifecycle.confirm(m, mentee, utcnow())
    db.session.commit()
    return db.session.scalar(select(Conversation))


def test_a_file_in_the_message_form_is_refused_cleanly(client, auth, db, talk):
    import io

    auth.login("aigul@example.org")
    token = csrf_token(client.get(f"/messages/{talk.id}").get_data(as_text=True))
    response = client.post(
        f"/messages/{talk.id}/send",
        data={"body": (io.BytesIO(b"%PDF-1.4"), "report.pdf"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db.session.scalar(select(Message)) is None


@pytest.mark.parametrize("bad", ["admin\x00@example.org", "a\x1b[31m@example.org"])
def test_control_characters_in_sign_in_get_a_form_error(client, db, bad):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": bad, "password": "whatever\x00", "csrf_token": token})
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)


def test_control_characters_in_registration_get_a_form_error_and_keep_the_rest(client, db):
    token = csrf_token(client.get("/register").get_data(as_text=True))
    data = {**REGISTRATION, "bio": "Участковый\x00 инспектор", "csrf_token": token}
    response = client.post("/register", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Remove the invisible control characters" in html
    assert "МВД Кыргызской Республики" in html  # what she typed is still there
    assert db.session.scalar(select(Member)) is None


def test_direction_overrides_are_refused_in_names(client, db):
    token = csrf_token(client.get("/register").get_data(as_text=True))
    spoof = "Aigul \u202egnp.exe"
    response = client.post("/register", data={**REGISTRATION, "display_name": spoof, "csrf_token": token})
    assert response.status_code == 422
    assert "Remove the invisible direction marks" in response.get_data(as_text=True)
    assert db.session.scalar(select(Member)) is None


def test_control_characters_in_a_message_get_a_form_error(client, auth, db, talk):
    auth.login("aigul@example.org")
    token = csrf_token(client.get(f"/messages/{talk.id}").get_data(as_text=True))
    response = client.post(f"/messages/{talk.id}/send", data={"body": "hello\x00there", "csrf_token": token})
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(Message)) is None


def test_tabs_and_line_breaks_are_ordinary_text(client, auth, db, talk):
    auth.login("aigul@example.org")
    token = csrf_token(client.get(f"/messages/{talk.id}").get_data(as_text=True))
    response = client.post(f"/messages/{talk.id}/send", data={"body": "line one\r\n\tline two", "csrf_token": token})
    assert response.status_code == 302


def test_control_characters_in_the_profile_get_a_form_error(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    page = client.get("/profile/edit").get_data(as_text=True)
    response = client.post("/profile/edit", data={"display_name": "Ai\x00gul", "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    assert "Remove the invisible control characters" in response.get_data(as_text=True)


def test_a_nul_in_a_query_string_is_a_400_not_a_500(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    assert client.get("/directory/?q=%00").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/profile/99999999999999999999",
        "/profile/2147483648",
        "/messages/99999999999999999999",
        "/matches/99999999999999999999",
    ],
)
def test_an_id_out_of_range_is_not_found(client, auth, db, path):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "2147483648"])
def test_a_huge_or_odd_page_number_is_an_ordinary_page(client, auth, db, page):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    assert client.get(f"/directory/?page={page}").status_code == 200
    assert client.get(f"/notifications/?page={page}").status_code == 200


def test_a_csrf_failure_shows_the_form_again_with_what_she_typed(client, auth, db, talk):
    auth.login("aigul@example.org")
    response = client.post(
        f"/messages/{talk.id}/send", data={"body": "Салем! Три абзаца текста.", "csrf_token": "expired-or-forged"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 422)
    assert "Салем! Три абзаца текста." in html
    assert "the form was not accepted" in html
    assert db.session.scalar(select(Message)) is None  # nothing was sent
    # The page carries a fresh token: sending again works.
    again = client.post(f"/messages/{talk.id}/send", data={"body": "Салем!", "csrf_token": csrf_token(html)})
    assert again.status_code == 302


def test_a_csrf_failure_on_registration_keeps_her_text_and_creates_nothing(client, db):
    client.get("/register")
    response = client.post("/register", data={**REGISTRATION, "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "МВД Кыргызской Республики" in html and "the form was not accepted" in html
    assert db.session.scalar(select(Member)) is None


def test_a_csrf_failure_on_a_button_is_a_short_page(client, auth, db):
    make_member(db, email="a@example.org")
    auth.login("a@example.org")
    response = client.post("/language", data={"lang": "ru", "csrf_token": "nope"})
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["%00abc", "a" * 5000, "x%1b" * 10])
def test_an_odd_reset_token_is_an_expired_link_not_an_error(client, db, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]


def test_a_csrf_failure_on_sign_in_keeps_her_email_and_signs_no_one_in(client, db):
    make_member(db, email="a@example.org")
    client.get("/login")
    response = client.post("/login", data={"email": "a@example.org", "password": "correct horse battery", "csrf_token": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="a@example.org"' in html and "the form was not accepted" in html
    assert client.get("/directory/").status_code == 302
