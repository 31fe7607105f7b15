"""What a coordinator meets (issue 14): the audit log in sentences, "run matching now",
finding members by name in the pair and ban forms, bans by name, application cards, the
what-if form's range, and the mentor's answer deadline on a proposal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale

from tests.factories import make_coordinator, make_member, make_mentor
from web.audit import record
from web.coordinator import audit as audit_log
from web.coordinator import run_now as run_now_service
from web.coordinator import search
from web.matches import proposals
from web.models import AuditLog, ForbiddenPair, JobExecution, MatchRun, MemberStatus, utcnow
from web.validation import ValidationFailed

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
RUNS = "/coordinator/runs/"
ACTIONS = "/coordinator/console/actions"


@pytest.fixture
def regional(db, auth):
    coordinator = make_coordinator(db, email="coord@example.org", display_name="Regina Coord")
    auth.login("coord@example.org")
    return coordinator


def _focal_point(db, auth, country="KZ"):
    coordinator = make_coordinator(db, email="fp@example.kz", country=country, coordinator_scope=country)
    auth.login("fp@example.kz")
    return coordinator


# --- the audit log ------------------------------------------------------------------------


def test_every_audit_entry_reads_as_a_sentence_without_codes(client, db, regional):
    mentor = make_mentor(db, country="KZ", display_name="Aigul T.")
    mentee = make_member(db, country="KZ", display_name="Saule K.")
    run = MatchRun(status="draft", started_at=NOW, config={}, summary={})
    db.session.add(run)
    db.session.flush()
    record(regional, "pair.override", mentee, mentor=mentor.id, mentee=mentee.id, broken=["same_country"], reason="Asked")
    record(regional, "export.run_print", run, scope="all")
    record(regional, "run.start", run, overrides={})
    record(regional, "member.reopen", mentee, lifted=2)
    db.session.commit()

    html = client.get("/coordinator/console/audit").get_data(as_text=True)
    assert "Paired Aigul T. and Saule K. although a rule is broken." in html
    assert "Mentor and mentee work in the same country." in html  # the rules' own message
    assert f"Opened the printable report of run {run.id} (all countries)." in html
    assert f"Started matching run {run.id}." in html
    assert "Re-opened Saule K. to matching; 2 bans lifted." in html
    assert "Signed in to a coordinator account" in html  # her own sign-in, recorded by the login
    table = html.split("<table", 1)[1]
    for raw in ("pair.override", "same_country", "export.run_print", "coordinator.sign_in", "scope:", "matchrun #"):
        assert raw not in table
    # The filter names actions in words; the codes are only the option values.
    select = html.split('<select id="action"', 1)[1].split("</select>", 1)[0]
    assert ">Overrode a matching rule</option>" in select and ">pair.override<" not in select


def test_audit_sentences_follow_the_page_language(app, db, regional):
    member = make_member(db, country="KG", display_name="Nurzat")
    entry = record(regional, "member.suspend", member, note="")
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert audit_log.sentences([entry])[entry.id] == "Suspended Nurzat."  # no "Note: -" when empty
    with force_locale("ru"):
        said = audit_log.sentences([entry])[entry.id]
    assert "Nurzat" in said and "member.suspend" not in said
    assert audit_log.action_label("made.up") == "made.up"  # an unknown code stays visible


# --- run matching now ---------------------------------------------------------------------


def test_regional_coordinator_runs_matching_now_as_a_draft(client, auth, db, regional):
    make_mentor(db, country="KZ", languages=("ru",), skills=("public_speaking",))
    make_member(db, country="KG", languages=("ru",), goals=("public_speaking",))
    assert "Run matching now" in client.get(RUNS).get_data(as_text=True)
    response = auth.post(RUNS + "now", {}, token_from=RUNS)
    assert response.status_code == 302
    db.session.expire_all()
    run = db.session.query(MatchRun).one()
    assert run.status == "draft" and not run.is_what_if
    assert run.started_by_id == regional.id and len(run.pairs) == 1
    assert response.headers["Location"].endswith(f"/coordinator/runs/{run.id}")
    assert db.session.query(AuditLog).filter_by(action="run.start").count() == 1


def test_run_now_is_refused_while_a_matching_run_is_in_progress(client, auth, db, regional):
    db.session.add(
        JobExecution(
            job="matching", scheduled_for=utcnow(), status="running", lease_expires_at=utcnow() + timedelta(minutes=5)
        )
    )
    db.session.commit()
    response = auth.post(RUNS + "now", {}, token_from=RUNS, follow_redirects=True)
    assert "A matching run is in progress. Try again when it has finished." in response.get_data(as_text=True)
    assert db.session.query(MatchRun).count() == 0


def test_run_now_is_refused_while_the_jobs_lock_is_held(app, db, regional):
    # force_locale, not only Accept-Language: a locale computed earlier in this app context
    # (the default is Russian) would otherwise be reused by the request context.
    with run_now_service._job_lock(utcnow()) as held:
        assert held
        with app.test_request_context(), force_locale("en"), pytest.raises(ValidationFailed) as exc:
            run_now_service.run_now(regional, utcnow())
    assert "in progress" in str(exc.value)
    assert db.session.query(MatchRun).count() == 0


def test_a_focal_point_has_no_run_now_button_and_is_refused(client, auth, db):
    _focal_point(db, auth)
    assert "Run matching now" not in client.get(RUNS).get_data(as_text=True)
    response = auth.post(RUNS + "now", {}, token_from=RUNS)
    assert response.status_code == 403
    assert db.session.query(MatchRun).count() == 0


# --- finding members ----------------------------------------------------------------------


def test_member_search_by_name_email_and_country_within_scope(app, db):
    focal = make_coordinator(db, country="KZ", coordinator_scope="KZ")
    aigul_kz = make_member(db, country="KZ", display_name="Айгуль Тулегенова", email="aigul@example.kz")
    aigul_kg = make_mentor(db, country="KG", display_name="Айгуль Асанова", email="aigul@example.kg")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert search.search_members(focal, "айгуль") == [aigul_kz]  # never the Kyrgyz namesake
        assert search.search_members(focal, "AIGUL@EXAMPLE") == [aigul_kz]
        assert search.search_members(focal, "Kyrgyz") == []
        assert aigul_kz in search.search_members(focal, "Kazakh")
        # A pair across the border is hers when her own member is in it: then she finds the mentor.
        assert search.search_members(focal, "Айгуль А", partner=aigul_kz) == [aigul_kg]
        # ... by name, but never by the other country's private email.
        assert search.search_members(focal, "example.kg", partner=aigul_kz) == []
        assert search.member_by_id(focal, str(aigul_kg.id)) is None
        assert search.member_by_id(focal, str(aigul_kg.id), partner=aigul_kz) == aigul_kg


def test_regional_coordinator_finds_every_country(app, db):
    regional = make_coordinator(db)
    a = make_member(db, country="KZ", display_name="Saule A")
    b = make_member(db, country="TJ", display_name="Saule B")
    make_member(db, country="TJ", display_name="Saule C", status=MemberStatus.PENDING)
    with app.test_request_context():
        assert search.search_members(regional, "saule") == [a, b]


def test_pair_form_search_lists_members_with_pick_buttons(client, auth, db, regional):
    mentor = make_mentor(db, country="KZ", display_name="Bolat Mentor")
    html = client.get(ACTIONS + "?find=pair&q=bolat").get_data(as_text=True)
    assert "Bolat Mentor" in html and ">As mentor</button>" in html
    picked = client.get(f"{ACTIONS}?mentor={mentor.id}&find=pair&q=bolat").get_data(as_text=True)
    assert f'name="mentor" type="text" value="{mentor.id}"' in picked or f'value="{mentor.id}"' in picked
    assert "Mentor: Bolat Mentor" in picked


def test_reopen_form_finds_and_picks_a_member(client, auth, db, regional):
    member = make_member(db, country="TJ", display_name="Firuza Reopen")
    html = client.get(ACTIONS + "?find=reopen&q=firuza").get_data(as_text=True)
    assert "Firuza Reopen" in html and ">Choose</button>" in html
    picked = client.get(f"{ACTIONS}?reopen_member={member.id}").get_data(as_text=True)
    assert "Member: Firuza Reopen" in picked
    assert f'value="{member.id}"' in picked.split('id="reopen-member"', 1)[1].split(">", 1)[0]


def test_a_focal_point_search_shows_no_other_country(client, auth, db):
    _focal_point(db, auth, "KZ")
    make_member(db, country="UZ", display_name="Dilnoza Far")
    html = client.get(ACTIONS + "?find=forbid&q=dilnoza").get_data(as_text=True)
    assert "Dilnoza Far" not in html and "No member found that you may choose here." in html


def test_bans_are_listed_by_name(client, auth, db, regional):
    mentor = make_mentor(db, display_name="Gulnara Ban")
    mentee = make_member(db, country="KG", display_name="Elmira Ban")
    db.session.add(ForbiddenPair(mentor_id=mentor.id, mentee_id=mentee.id, reason="coordinator", note="", created_at=NOW))
    db.session.commit()
    html = client.get(ACTIONS).get_data(as_text=True)
    assert "Mentor: Gulnara Ban; Mentee: Elmira Ban" in html


# --- applications, what-if, deadline --------------------------------------------------------


def test_application_card_shows_role_languages_skills_and_goals(client, db, regional):
    make_member(
        db,
        status=MemberStatus.PENDING,
        display_name="New Applicant",
        is_mentor=True,
        is_mentee=False,
        capacity=2,
        languages=("ru", "kk"),
        skills=("leadership",),
    )
    html = client.get("/coordinator/applications").get_data(as_text=True)
    card = html.split("New Applicant", 1)[1]
    assert "a mentor" in card and "2 mentees at a time" in card
    assert "Russian" in card and "Kazakh" in card and "Leadership" in card


def test_what_if_form_says_the_range_it_checks(client, auth, db, regional):
    page = client.get("/coordinator/runs/what-if").get_data(as_text=True)
    assert "From 0 (ignored) to 1." in page and "to 10" not in page
    response = auth.post("/coordinator/runs/what-if", {"w_goal_coverage": "2"}, token_from="/coordinator/runs/what-if")
    assert response.status_code == 200 and "Between 0 and 1." in response.get_data(as_text=True)


def test_what_if_weights_may_be_typed_with_a_decimal_comma(app):
    from web.coordinator.forms import WhatIfForm

    with app.test_request_context(method="POST", data={"w_goal_coverage": "0,4"}):
        form = WhatIfForm(meta={"csrf": False})
        form.w_goal_coverage.validate(form)
        assert float(form.w_goal_coverage.data) == 0.4 and not form.w_goal_coverage.errors


def test_mentor_sees_the_answer_deadline_on_the_proposal(client, auth, db, app):
    mentor = make_mentor(db, email="mentor@example.org")
    mentee = make_member(db, country="KG")
    proposed = datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    m = proposals.propose(mentor, mentee, run=None, score=0.8, reasons=[], actor=None, now=proposed)
    db.session.commit()
    auth.login("mentor@example.org")
    html = client.get(f"/matches/{m.id}").get_data(as_text=True)
    days = app.config["PROPOSAL_TTL_DAYS"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from web.i18n import day

        expected = day(proposed + timedelta(days=days))
    assert f"Please answer by {expected}." in html
