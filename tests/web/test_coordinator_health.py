"""Programme health figures, computed with an explicit clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from werkzeug.datastructures import MultiDict

from tests.factories import make_coordinator, make_member, make_mentor
from web.coordinator import health as services
from web.models import CheckIn, Conversation, Feedback, JobExecution, MatchRun, MemberStatus, Mentorship, Message

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _days(n: float) -> datetime:
    return NOW - timedelta(days=n)


def _m(db, mentor, mentee, state, proposed, accepted=None, activated=None, closed=None):
    m = Mentorship(
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        state=state,
        proposed_at=proposed,
        accepted_at=accepted,
        activated_at=activated,
        closed_at=closed,
    )
    db.session.add(m)
    db.session.flush()
    return m


def _programme(db):
    kz = make_mentor(db, country="KZ", capacity=5, agency_kind="police")
    kg = make_mentor(db, country="KG", capacity=5, agency_kind="customs")
    mentees = [make_member(db, country="TJ") for _ in range(7)]
    make_member(db, country="TJ", status=MemberStatus.PENDING, created_at=_days(4))
    make_member(db, country="KZ", status=MemberStatus.PENDING, created_at=_days(2))
    # Waiting: 3 and 9 days old.
    _m(db, kz, mentees[0], "proposed", _days(3))
    _m(db, kz, mentees[1], "accepted", _days(9), accepted=_days(8))
    # Active: one quiet since day 40, one with a message 5 days ago, one with a check-in.
    quiet = _m(db, kz, mentees[2], "active", _days(45), accepted=_days(44), activated=_days(40))
    talking = _m(db, kg, mentees[3], "active", _days(45), accepted=_days(43), activated=_days(40))
    conv = Conversation(kind="mentorship", mentorship_id=talking.id)
    db.session.add(conv)
    db.session.flush()
    db.session.add(Message(conversation_id=conv.id, sender_id=kg.id, body="x", created_at=_days(5)))
    checked = _m(db, kg, mentees[4], "active", _days(60), accepted=_days(59), activated=_days(58))
    db.session.add(CheckIn(mentorship_id=checked.id, author_id=kg.id, held_on=date(2025, 5, 20), created_at=_days(12)))
    # Refused within the period: one declined, one expired.
    _m(db, kg, mentees[5], "declined", _days(20), closed=_days(19))
    _m(db, kg, mentees[6], "expired", _days(30), closed=_days(16))
    # Completed with two ratings (4 and 5); another completed long ago, outside 90 days.
    done = _m(
        db,
        kz,
        make_member(db, country="TJ"),
        "completed",
        _days(200),
        accepted=_days(199),
        activated=_days(198),
        closed=_days(10),
    )
    db.session.add_all(
        [
            Feedback(mentorship_id=done.id, author_id=kz.id, rating=4),
            Feedback(mentorship_id=done.id, author_id=done.mentee_id, rating=5),
        ]
    )
    _m(db, kz, make_member(db, country="TJ"), "completed", _days(400), accepted=_days(399), closed=_days(200))
    db.session.add(JobExecution(job="expiry", scheduled_for=_days(1), started_at=_days(1), status="failed", error="boom"))
    db.session.add(JobExecution(job="expiry", scheduled_for=_days(2), started_at=_days(2), status="done"))
    db.session.add(MatchRun(status="failed", started_at=_days(3), error="x"))
    db.session.commit()
    return quiet


def test_health_figures_over_ninety_days(db):
    quiet = _programme(db)
    coordinator = make_coordinator(db)
    f = services.parse_filters(MultiDict({"period": "90"}), coordinator)
    h = services.health(coordinator, f, NOW)
    assert h["applications_waiting"] == 2
    assert h["oldest_application_days"] == 4.0
    assert h["proposals_waiting"] == 2
    assert h["proposal_age_median_days"] == 6.0 and h["proposal_age_max_days"] == 9.0
    assert h["active_mentorships"] == 3
    assert h["quiet_mentorships"] == 1 and h["quiet"][0][0].id == quiet.id
    # In 90 days: accepted 4 (accepted, 2 active proposed 45 days ago, 1 active 60 days ago),
    # refused 2 (declined, expired) -> 4 / 6.
    assert h["proposals_decided"] == 6
    assert h["acceptance_rate"] == round(4 / 6, 4)
    # Hours to accept: 24 (accepted), 24 (quiet), 48 (talking), 24 (checked) -> median 24.
    assert h["median_hours_to_accept"] == 24.0
    assert h["completed_mentorships"] == 1
    assert h["completed_rating_avg"] == 4.5 and h["completed_feedback"] == 2
    assert h["failed_jobs"] == 1 and h["failed_runs"] == 1


def test_filters_by_country_agency_and_period(db):
    _programme(db)
    coordinator = make_coordinator(db)
    customs = services.health(
        coordinator, services.parse_filters(MultiDict({"agency": "customs", "period": "all"}), coordinator), NOW
    )
    assert customs["active_mentorships"] == 2  # the KG (customs) mentor's two
    assert customs["proposals_waiting"] == 0
    kz = services.health(
        coordinator, services.parse_filters(MultiDict({"country": "KZ", "period": "all"}), coordinator), NOW
    )
    assert kz["applications_waiting"] == 1
    assert kz["completed_mentorships"] == 2
    short = services.health(coordinator, services.parse_filters(MultiDict({"period": "30"}), coordinator), NOW)
    assert short["proposals_decided"] == 3  # proposed within 30 days: 3, 9, 20 days ago
    bogus = services.parse_filters(MultiDict({"country": "XX", "period": "7", "agency": "navy"}), coordinator)
    assert (bogus.country, bogus.agency, bogus.period) == (None, None, "90")


def test_focal_point_is_held_to_her_country(db):
    _programme(db)
    focal = make_coordinator(db, country="KG", coordinator_scope="KG")
    f = services.parse_filters(MultiDict({"country": "KZ"}), focal)
    assert f.country == "KG"
    h = services.health(focal, f, NOW)
    assert h["applications_waiting"] == 0
    assert h["active_mentorships"] == 2


def test_dashboard_page_and_figures_export(client, auth, db):
    _programme(db)
    make_coordinator(db, email="coord@example.org")
    auth.login("coord@example.org")
    html = client.get("/coordinator/console/?period=all").get_data(as_text=True)
    assert "Programme health" in html and "Applications waiting" in html
    csv_text = client.get("/coordinator/console/figures.csv?period=all").get_data(as_text=True)
    assert "applications_waiting,2" in csv_text and "active_mentorships,3" in csv_text
