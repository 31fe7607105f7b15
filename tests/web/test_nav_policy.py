"""The header's "Coordination" link is the policy's answer (``may.enter_coordination``), not a
template's own check: shown to an approved coordinator -- also before her second factor, so
she can reach the code step -- and to nobody else."""

from __future__ import annotations

from pathlib import Path

from tests.factories import make_coordinator, make_member
from web import policy
from web.models import MemberStatus

ROOT = Path(__file__).resolve().parents[2]
LINK = 'href="/coordinator/'


def test_templates_ask_the_policy_who_may_enter_the_coordinator_area():
    deciding = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "web/templates").glob("**/*.html")
        if "current_user.is_coordinator" in path.read_text(encoding="utf-8")
    ]
    assert deciding == [], "templates ask `may` (web/policy.py), e.g. may.enter_coordination()"


def test_the_header_leads_only_an_approved_coordinator_to_coordination(client, auth, db):
    make_member(db, email="member@example.org")
    make_coordinator(db, email="coord@example.org")
    auth.login("member@example.org")
    assert LINK not in client.get("/profile/").get_data(as_text=True)
    auth.logout()
    auth.login("coord@example.org")
    assert LINK in client.get("/profile/").get_data(as_text=True)


def test_a_coordinator_owing_her_code_is_shown_the_way_to_it(client, auth, db):
    make_coordinator(db, email="coord@example.org", totp_secret="JBSWY3DPEHPK3PXP")  # noqa: S106
    auth.login("coord@example.org")
    page = client.get("/profile/").get_data(as_text=True)
    assert LINK in page
    response = client.get("/coordinator/")
    assert response.status_code == 302 and "/login/totp" in response.headers["Location"]


def test_pending_or_suspended_coordinators_and_visitors_are_not_led_there(db):
    pending = make_coordinator(db, status=MemberStatus.PENDING)
    suspended = make_coordinator(db, status=MemberStatus.SUSPENDED)
    assert not policy.may_enter_coordination(pending)
    assert not policy.may_enter_coordination(suspended)
    assert not policy.may_enter_coordination(None)
    assert policy.may_enter_coordination(make_coordinator(db))
