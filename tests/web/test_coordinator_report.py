"""The pairing report: figures, flows, histogram, pairs and unmatched mentees, checked against
a small run computed by hand; and its CSV exports."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale

from tests.factories import make_coordinator, make_member, make_mentor
from web.coordinator import charts
from web.coordinator import reports as services
from web.models import AuditLog, MatchRun, MatchRunPair

NOW = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)


def _snapshot(*rows) -> str:
    return "".join(json.dumps(r) + "\n" for r in rows)


@pytest.fixture
def small_run(db):
    """Two mentors in KZ (2 places and 1 place) and one in KG (2 places); three mentees in UZ,
    one in KG, one in TM. By hand: 4 pairs (KZ->UZ twice, KZ->KG, KG->UZ), scores 0.9, 0.7,
    0.6, 0.4 (mean 0.65); the TM mentee speaks only Turkmen, which no mentor does. Of 5 places
    one is left, with the KG mentor: 1 mentor with a free place."""
    kz1 = make_mentor(db, country="KZ", display_name="Aigerim KZ", capacity=2)
    kz2 = make_mentor(db, country="KZ", display_name="Dana KZ", capacity=1)
    kg = make_mentor(db, country="KG", display_name="Cholpon KG", capacity=2)
    uz1 = make_member(db, country="UZ", display_name="Zarina UZ")
    uz2 = make_member(db, country="UZ", display_name="Bahor UZ")
    uz3 = make_member(db, country="UZ", display_name="Yulduz UZ")
    kgm = make_member(db, country="KG", display_name="Aida KG")
    tm = make_member(db, country="TM", display_name="Ogulbibi TM", languages=("tk",))
    summary = {
        "members": 8,
        "mentees_eligible": 5,
        "mentors": 3,
        "mentor_places": 5,
        "mentees_matched": 4,
        "max_matchable": 4,
        "places_left": 1,
        "mean_score": 0.65,
        "mean_goal_coverage": 0.75,
        "score_histogram": {"edges": [0.0, 0.25, 0.5, 0.75, 1.0], "counts": [0, 1, 2, 1]},
        "by_country": {
            "KG": {"mentees": 1, "mentees_matched": 1, "mentors": 1, "mentor_places": 2, "mentees_mentored": 1},
            "KZ": {"mentees": 0, "mentees_matched": 0, "mentors": 2, "mentor_places": 3, "mentees_mentored": 3},
            "TM": {"mentees": 1, "mentees_matched": 0, "mentors": 0, "mentor_places": 0, "mentees_mentored": 0},
            "UZ": {"mentees": 3, "mentees_matched": 3, "mentors": 0, "mentor_places": 0, "mentees_mentored": 0},
        },
        "flows": [
            {"mentor_country": "KG", "mentee_country": "UZ", "pairs": 1},
            {"mentor_country": "KZ", "mentee_country": "KG", "pairs": 1},
            {"mentor_country": "KZ", "mentee_country": "UZ", "pairs": 2},
        ],
        "unmatched": [
            {
                "id": tm.id,
                "reason": "no_language_partner",
                "country": "TM",
                "languages": ["tk"],
                "years_of_service": 5,
                "mentors_sharing_language": 0,
                "mentors_senior_enough": 0,
                "suitable_mentors": 0,
            }
        ],
        "unmatched_reasons": {"no_language_partner": 1},
    }
    snapshot = _snapshot(
        *({"id": str(m.id), "roles": ["mentor"], "capacity": m.capacity} for m in (kz1, kz2, kg)),
        *({"id": str(m.id), "roles": ["mentee"], "capacity": 0} for m in (uz1, uz2, uz3, kgm, tm)),
    )
    previous = MatchRun(
        status="published",
        started_at=NOW,
        summary={
            "mentees_eligible": 7,
            "mentees_matched": 2,
            "max_matchable": 3,
            "places_left": 4,
            "mean_score": 0.5,
            "mean_goal_coverage": 0.25,
        },
        config={"min_gap": 2},
    )
    db.session.add(previous)
    db.session.flush()
    run = MatchRun(status="draft", started_at=NOW, summary=summary, snapshot=snapshot, config={"min_gap": 2})
    db.session.add(run)
    db.session.flush()
    lang = {"kind": "shared_language", "code": "ru"}
    for mentor, mentee, score in ((kz1, uz1, 0.9), (kz1, kgm, 0.6), (kz2, uz2, 0.7), (kg, uz3, 0.4)):
        db.session.add(MatchRunPair(run_id=run.id, mentor_id=mentor.id, mentee_id=mentee.id, score=score, reasons=[lang]))
    db.session.commit()
    return run


def _coordinator(db, auth, **kw):
    make_coordinator(db, email="coord@example.org", **kw)
    auth.login("coord@example.org")


def _figure(html: str, key: str, attr: str = "data-figure") -> str:
    return re.search(rf'{attr}="{key}">([^<]*)<', html).group(1)


def test_figures_match_the_run_computed_by_hand(db, small_run):
    figures = services.figures(small_run)
    assert figures["mentees_eligible"] == 5
    assert figures["mentees_matched"] == 4
    assert figures["max_matchable"] == 4
    assert figures["mentors_with_places"] == 1  # only the KG mentor keeps a place
    assert figures["places_left"] == 1
    assert services.format_figure("mean_goal_coverage", figures["mean_goal_coverage"]) == "75 %"
    with force_locale("en"):
        assert services.format_figure("mean_score", figures["mean_score"]) == "0.65"
    with force_locale("ru"):  # a decimal comma on Russian pages
        assert services.format_figure("mean_score", figures["mean_score"]) == "0,65"


def test_report_page_shows_figures_beside_the_previous_run(client, auth, db, small_run):
    _coordinator(db, auth)
    html = client.get(f"/coordinator/console/runs/{small_run.id}").get_data(as_text=True)
    assert _figure(html, "mentees_eligible") == "5"
    assert _figure(html, "mentees_matched") == "4"
    assert _figure(html, "max_matchable") == "4"
    assert _figure(html, "mentors_with_places") == "1"
    assert _figure(html, "mean_goal_coverage") == "75 %"
    assert _figure(html, "mean_score") == "0.65"
    assert _figure(html, "mentees_eligible", "data-previous") == "7"
    assert _figure(html, "mentees_matched", "data-previous") == "2"
    assert _figure(html, "mean_goal_coverage", "data-previous") == "25 %"


def test_report_shows_flows_shares_and_histogram_with_text_alternatives(client, auth, db, small_run):
    _coordinator(db, auth)
    html = client.get(f"/coordinator/console/runs/{small_run.id}").get_data(as_text=True)
    assert html.count('role="img"') == 3
    assert "<title>Pairs by mentor country (rows) and mentee country (columns)</title>" in html
    assert "style=" not in html
    # The flows table: the Kazakhstan row reads 0 (KZ) 1 (KG) 0 (TM) 2 (UZ)... in region order.
    row = re.search(r'<tr><th scope="row">Kazakhstan</th>(.*?)</tr>', html).group(1)
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "1", "0", "2"]
    share = re.search(r'<tr data-country="TM">(.*?)</tr>', html).group(1)
    assert re.findall(r"<td>([^<]+)</td>", share) == ["1", "0", "0 %"]
    uz = re.search(r'<tr data-country="UZ">(.*?)</tr>', html).group(1)
    assert re.findall(r"<td>([^<]+)</td>", uz) == ["3", "3", "100 %"]


def test_unmatched_mentee_shows_what_blocks_and_what_would_unblock(client, auth, db, small_run):
    _coordinator(db, auth)
    html = client.get(f"/coordinator/console/runs/{small_run.id}").get_data(as_text=True)
    assert "Ogulbibi TM" in html
    assert "No mentor speaks Turkmen outside Turkmenistan" in html


def test_pairs_sort_on_the_server(client, auth, db, small_run):
    _coordinator(db, auth)
    url = f"/coordinator/console/runs/{small_run.id}"
    by_score = client.get(url).get_data(as_text=True)
    scores = re.findall(r"<td class=\"score\"[^>]*>(0\.\d+)</td>", by_score)
    assert scores == ["0.9", "0.7", "0.6", "0.4"]
    ascending = client.get(url + "?sort=score").get_data(as_text=True)
    ascending_scores = re.findall(r"<td class=\"score\"[^>]*>(0\.\d+)</td>", ascending)
    assert ascending_scores == ["0.4", "0.6", "0.7", "0.9"]
    by_mentee = client.get(url + "?sort=mentee").get_data(as_text=True)
    names = re.findall(r"<tr><td[^>]*>([A-Z][a-z]+ (?:UZ|KG))</td>", by_mentee)
    assert names == ["Aida KG", "Bahor UZ", "Yulduz UZ", "Zarina UZ"]
    assert "shares Russian" in by_mentee
    assert client.get(url + "?sort=nonsense").status_code == 200


def test_pairs_csv_matches_the_run_and_is_audited(client, auth, db, small_run):
    _coordinator(db, auth)
    response = client.get(f"/coordinator/console/runs/{small_run.id}/pairs.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 4
    assert [r["score"] for r in rows] == ["0.9000", "0.7000", "0.6000", "0.4000"]
    assert rows[0]["mentor"] == "Aigerim KZ" and rows[0]["mentee"] == "Zarina UZ"
    assert rows[0]["reasons"] == "shares Russian"
    unmatched = client.get(f"/coordinator/console/runs/{small_run.id}/unmatched.csv")
    rows = list(csv.DictReader(io.StringIO(unmatched.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["mentee"], r["reason"]) for r in rows] == [("Ogulbibi TM", "no_language_partner")]
    assert "Turkmen" in rows[0]["what_would_unblock"]
    db.session.expire_all()
    actions = [a.action for a in db.session.query(AuditLog).order_by(AuditLog.id)]
    assert actions[-2:] == ["export.run_pairs", "export.run_unmatched"]


def test_printable_report_has_the_print_stylesheet_and_is_audited(client, auth, db, small_run):
    _coordinator(db, auth)
    response = client.get(f"/coordinator/console/runs/{small_run.id}/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/static/console." in html and "Zarina UZ" in html
    db.session.expire_all()
    assert db.session.query(AuditLog).filter_by(action="export.run_print").count() == 1


def test_report_of_a_real_run_agrees_with_its_summary(client, auth, db, app):
    from web.runs.running import run_matching

    for i in range(3):
        make_mentor(db, country="KZ", display_name=f"Mentor {i}", capacity=1, skills=("leadership",))
    for i in range(4):
        make_member(db, country="KG", display_name=f"Mentee {i}", goals=("leadership",), years_of_service=3)
    run = run_matching(db.session, now=NOW, started_by="test")
    assert run.status == "draft", run.error
    figures = services.figures(run)
    assert figures["mentees_eligible"] == 4
    assert figures["mentees_matched"] == 3 == len(run.pairs)
    assert figures["mentors_with_places"] == 0
    _coordinator(db, auth)
    html = client.get(f"/coordinator/console/runs/{run.id}").get_data(as_text=True)
    assert _figure(html, "mentees_matched") == "3"
    assert html.count("Mentee ") >= 4


def test_charts_are_accessible_scalable_svg():
    svg = charts.histogram([0, 0.5, 1], [2, 3], label="Scores <all>", desc="two bins")
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg and 'role="img"' in svg
    assert 'aria-label="Scores &lt;all&gt;"' in svg and "<desc>two bins</desc>" in svg
    heat = charts.heatmap(
        ["KZ"],
        ["KG"],
        {("KZ", "KG"): 4},
        row_labels={"KZ": "Kazakhstan"},
        col_labels={"KG": "Kyrgyzstan"},
        label="Flows",
        desc="one cell",
    )
    assert ">4</text>" in heat and charts.SHADES[-1] in heat
    assert charts.shade(0, 4) == (charts.SHADES[0], charts.INK)
    # White text only on the dark shades.
    assert charts.shade(4, 4)[1] == "#ffffff"
