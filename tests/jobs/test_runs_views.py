"""Coordinator pages for matching runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.factories import make_coordinator, make_member, make_mentor
from web.models import AuditLog, JobExecution, MatchRun, Mentorship
from web.runs.running import run_matching

pytest.importorskip("matcher", reason="the matcher library is not importable yet")

NOW = datetime(2025, 3, 10, 1, 0, tzinfo=UTC)


def _draft(db):
    make_mentor(db, country="KZ", languages=("ru",), capacity=2, years_of_service=20, display_name="Aigerim Mentor")
    make_member(db, country="KG", languages=("ru",), display_name="Nurgul Mentee")
    make_member(db, country="TM", languages=("tk",), display_name="Ayna Alone")
    return run_matching(db.session, now=NOW, started_by="scheduler", auto_publish=False)


def _count(db, model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_coordinator_previews_a_draft_with_pairs_reasons_and_the_unmatched(client, auth, db):
    run = _draft(db)
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")

    page = client.get(f"/coordinator/runs/{run.id}")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Aigerim Mentor" in html and "Nurgul Mentee" in html
    assert "Ayna Alone" in html
    assert "No mentor in another country speaks Turkmen." in html, "why, from web.matches.reasons"
    assert "Publish: send 1 proposal" in html
    assert "shares Russian" in html, "the pair's reasons in words"
    index = client.get("/coordinator/runs/").get_data(as_text=True)
    assert f"Run {run.id}" in index and "draft" in index


def test_publishing_from_the_page_sends_the_proposals_once(client, auth, db):
    run = _draft(db)
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    token = csrf_token(client.get(f"/coordinator/runs/{run.id}").get_data(as_text=True))

    response = client.post(f"/coordinator/runs/{run.id}/publish", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coordinator/runs/{run.id}")
    again = client.post(f"/coordinator/runs/{run.id}/publish", data={"csrf_token": token}, follow_redirects=True)

    assert "no longer a draft" in again.get_data(as_text=True)
    assert _count(db, Mentorship, Mentorship.run_id == run.id) == 1
    assert db.session.get(MatchRun, run.id).status == "published"
    assert _count(db, AuditLog, AuditLog.action == "run.publish") == 1


def test_discard_from_the_page_proposes_nothing(client, auth, db):
    run = _draft(db)
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    token = csrf_token(client.get(f"/coordinator/runs/{run.id}").get_data(as_text=True))

    client.post(f"/coordinator/runs/{run.id}/discard", data={"csrf_token": token})

    db.session.expire_all()
    assert db.session.get(MatchRun, run.id).status == "discarded"
    assert _count(db, Mentorship) == 0
    assert _count(db, AuditLog, AuditLog.action == "run.discard") == 1


def test_what_if_run_with_other_weights_is_a_draft_to_compare(client, auth, db):
    _draft(db)
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    form = client.get("/coordinator/runs/what-if").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(form),
        "w_goal_coverage": "1",
        "w_skill_overlap": "0",
        "w_language": "0",
        "w_bio": "0",
        "w_seniority": "0",
        "w_agency": "0",
    }

    response = client.post("/coordinator/runs/what-if", data=data)

    run = db.session.scalar(select(MatchRun).where(MatchRun.is_what_if.is_(True)))
    assert response.headers["Location"].endswith(f"/coordinator/runs/{run.id}")
    assert run.status == "draft" and run.config["w_bio"] == 0.0
    assert _count(db, AuditLog, AuditLog.action == "run.what_if") == 1


def test_what_if_with_every_weight_zero_is_refused_on_the_form(client, auth, db):
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    form = client.get("/coordinator/runs/what-if").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(form),
        **{k: "0" for k in ("w_goal_coverage", "w_skill_overlap", "w_language", "w_bio", "w_seniority", "w_agency")},
    }

    page = client.post("/coordinator/runs/what-if", data=data)

    assert page.status_code == 200
    assert "at least one must be above 0" in page.get_data(as_text=True)
    assert _count(db, MatchRun) == 0


def test_failed_runs_and_failed_jobs_are_visible(client, auth, db):
    run_matching(db.session, now=NOW, started_by="scheduler", config_overrides={"w_nope": 1})
    db.session.add(
        JobExecution(
            job="digest", scheduled_for=NOW, status="failed", error="OperationalError: gone", traceback="Traceback ..."
        )
    )
    db.session.commit()
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")

    html = client.get("/coordinator/runs/").get_data(as_text=True)

    assert "failed" in html
    assert "OperationalError: gone" in html
    run = db.session.scalar(select(MatchRun))
    detail = client.get(f"/coordinator/runs/{run.id}").get_data(as_text=True)
    assert "This run failed and changed nothing." in detail


def test_national_focal_point_sees_only_her_country_and_cannot_decide(client, auth, db):
    run = _draft(db)
    make_coordinator(db, email="focal@example.org", country="TJ", coordinator_scope="TJ")
    auth.login("focal@example.org")

    html = client.get(f"/coordinator/runs/{run.id}").get_data(as_text=True)
    assert "Nurgul Mentee" not in html and "Ayna Alone" not in html
    assert "Publish" not in html
    token = csrf_token(html)
    assert client.post(f"/coordinator/runs/{run.id}/publish", data={"csrf_token": token}).status_code == 403
    assert client.get("/coordinator/runs/what-if").status_code == 403
    assert _count(db, Mentorship) == 0


def test_members_cannot_open_run_pages(client, auth, db):
    run = _draft(db)
    make_member(db, email="member@example.org")
    auth.login("member@example.org")
    assert client.get("/coordinator/runs/").status_code == 403
    assert client.get(f"/coordinator/runs/{run.id}").status_code == 403
