"""Who may open what: walks the URL map, so a route added later is covered the day it is added."""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.routing.converters import NumberConverter

from tests.factories import PASSWORD, make_coordinator, make_member
from web.models import MemberStatus
from web.security import PENDING_ENDPOINTS, PUBLIC_ENDPOINTS


def _routes(app):
    """(endpoint, method, url) for every route, with placeholder arguments."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint == "static":
                continue
            args = {}
            for name in rule.arguments:
                args[name] = 1 if isinstance(rule._converters[name], NumberConverter) else "x"
            url = url_for(rule.endpoint, **args)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule.endpoint, method, url))
    return routes


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _request(client, method, url):
    # CSRF would refuse unsigned POSTs before the gate; switch it off to test the gate itself.
    return client.open(url, method=method, data={})


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def test_public_list_is_short_and_real(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC_ENDPOINTS <= endpoints | {"static"}
    assert len(PUBLIC_ENDPOINTS) <= 10


def test_anonymous_visitor_sees_only_public_pages(app, client, no_csrf):
    refused = []
    for endpoint, method, url in _routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = _request(client, method, url)
        if not _is_login_redirect(response) and response.status_code not in (401, 403):
            refused.append((endpoint, method, response.status_code))
    assert refused == []


def test_pending_member_sees_only_her_application_and_profile(app, client, auth, db, no_csrf):
    make_member(db, email="pending@example.org", status=MemberStatus.PENDING)
    auth.login("pending@example.org")
    leaks = []
    for endpoint, method, url in _routes(app):
        if endpoint in PUBLIC_ENDPOINTS | PENDING_ENDPOINTS:
            continue
        response = _request(client, method, url)
        allowed = response.status_code == 403 or (
            response.status_code == 302 and response.headers["Location"].endswith("/pending")
        )
        if not allowed:
            leaks.append((endpoint, method, response.status_code))
    assert leaks == []


def test_suspended_member_is_signed_out_everywhere(app, client, auth, db, no_csrf):
    member = make_member(db, email="later-suspended@example.org")
    auth.login("later-suspended@example.org")
    assert client.get("/directory/").status_code == 200
    member.status = MemberStatus.SUSPENDED
    member.rotate_session()
    db.session.commit()
    leaks = []
    for endpoint, method, url in _routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = _request(client, method, url)
        if not _is_login_redirect(response) and response.status_code not in (401, 403):
            leaks.append((endpoint, method, response.status_code))
    assert leaks == []


def test_suspended_member_cannot_sign_in(client, auth, db):
    make_member(db, email="susp@example.org", status=MemberStatus.SUSPENDED)
    response = auth.login("susp@example.org")
    assert response.status_code == 401
    assert "Email or password is not correct." in response.get_data(as_text=True)


def test_members_cannot_open_coordinator_pages(app, client, auth, db, no_csrf):
    make_member(db, email="member@example.org")
    auth.login("member@example.org")
    leaks = []
    for endpoint, method, url in _routes(app):
        if not url.startswith("/coordinator"):
            continue
        response = _request(client, method, url)
        if response.status_code not in (403, 404):
            leaks.append((endpoint, method, response.status_code))
    assert leaks == []
    assert any(url.startswith("/coordinator") for _, _, url in _routes(app))


def test_coordinator_opens_coordinator_pages(client, auth, db):
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org", PASSWORD)
    assert client.get("/coordinator/applications").status_code == 200
    assert client.get("/coordinator/members").status_code == 200
