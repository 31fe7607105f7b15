"""Meetings of a mentorship: propose, accept, .ics, the reminder the day before, and the
check-in a past meeting becomes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from tests.factories import make_member, make_mentor
from web.matches import lifecycle, proposals
from web.meetings import services
from web.models import CheckIn, Meeting, MeetingState, Notification
from web.validation import ValidationFailed

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def pair(db):
    mentor = make_mentor(db, email="mentor@example.kz", country="KZ", timezone="Asia/Almaty", display_name="Гульнара Б.")
    mentee = make_member(db, email="mentee@example.kg", country="KG", timezone="Asia/Bishkek", display_name="Айгуль")
    m = proposals.propose(mentor, mentee, run=None, score=None, reasons=[], actor=None, now=NOW)
    lifecycle.accept(m, mentor, NOW)
    lifecycle.confirm(m, mentee, NOW)
    db.session.commit()
    return m


def _kinds(db, member) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.member_id == member.id).order_by(Notification.id))
    )


def test_a_meeting_is_proposed_in_her_time_zone_and_the_other_is_asked(db, pair):
    meeting = services.propose(
        pair, pair.mentee, on=date(2026, 3, 10), at=time(15, 0), minutes=60, place="https://meet.example.org/x", now=NOW
    )
    db.session.commit()
    assert meeting.starts_at == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # 15:00 in Bishkek (UTC+6)
    assert meeting.state == MeetingState.PROPOSED
    assert _kinds(db, pair.mentor)[-1] == "meeting_proposed"


@pytest.mark.parametrize(
    ("on", "minutes", "place", "field"),
    [
        (date(2026, 3, 1), 60, "Office", "on"),
        (date(2026, 3, 10), 7, "Office", "minutes"),
        (date(2026, 3, 10), 60, " ", "place"),
    ],
)
def test_a_proposal_needs_a_future_time_a_duration_and_a_place(db, pair, on, minutes, place, field):
    with pytest.raises(ValidationFailed) as exc:
        services.propose(pair, pair.mentor, on=on, at=time(10, 0), minutes=minutes, place=place, now=NOW)
    assert exc.value.errors[0][0] == field


def test_only_the_other_member_accepts_and_only_once(db, pair):
    meeting = services.propose(pair, pair.mentor, on=date(2026, 3, 10), at=time(10, 0), minutes=60, place="Astana", now=NOW)
    with pytest.raises(ValidationFailed):
        services.accept(meeting, pair.mentor, NOW)
    services.accept(meeting, pair.mentee, NOW)
    with pytest.raises(ValidationFailed):
        services.decline(meeting, pair.mentee, NOW)
    assert meeting.state == MeetingState.ACCEPTED
    assert _kinds(db, pair.mentor)[-1] == "meeting_accepted"


def test_the_ics_file_holds_the_meeting_in_utc(db, pair):
    meeting = services.propose(
        pair, pair.mentor, on=date(2026, 3, 10), at=time(10, 0), minutes=90, place="Room 5, Astana; floor 2", now=NOW
    )
    text = services.ics(meeting, "Mentoring meeting with Айгуль " + "очень длинное имя " * 5, "bridges.example.org", NOW)
    lines = text.split("\r\n")
    assert "DTSTART:20260310T050000Z" in lines and "DTEND:20260310T063000Z" in lines  # Almaty is UTC+5
    assert f"UID:meeting-{meeting.id}@bridges.example.org" in lines
    assert "LOCATION:Room 5\\, Astana\\; floor 2" in lines
    assert all(len(line.encode()) <= 75 for line in lines)
    assert text.endswith("END:VCALENDAR\r\n")


def test_both_are_reminded_once_the_day_before(db, pair):
    meeting = services.propose(pair, pair.mentor, on=date(2026, 3, 10), at=time(10, 0), minutes=60, place="Astana", now=NOW)
    services.accept(meeting, pair.mentee, NOW)
    assert services.send_reminders(datetime(2026, 3, 7, 9, 0, tzinfo=UTC)) == 0  # three days before
    assert services.send_reminders(datetime(2026, 3, 9, 9, 0, tzinfo=UTC)) == 1
    assert services.send_reminders(datetime(2026, 3, 9, 21, 0, tzinfo=UTC)) == 0  # once only
    assert _kinds(db, pair.mentor)[-1] == _kinds(db, pair.mentee)[-1] == "meeting_reminder"


def test_a_past_accepted_meeting_becomes_a_check_in_once(db, pair):
    held = services.propose(pair, pair.mentor, on=date(2026, 3, 10), at=time(23, 30), minutes=60, place="Call", now=NOW)
    services.accept(held, pair.mentee, NOW)
    declined = services.propose(pair, pair.mentor, on=date(2026, 3, 11), at=time(10, 0), minutes=60, place="Call", now=NOW)
    services.decline(declined, pair.mentee, NOW)
    assert services.record_past_meetings(datetime(2026, 3, 10, 18, 0, tzinfo=UTC)) == 0  # still going on
    assert services.record_past_meetings(datetime(2026, 3, 12, 0, 0, tzinfo=UTC)) == 1
    assert services.record_past_meetings(datetime(2026, 3, 13, 0, 0, tzinfo=UTC)) == 0
    check_in = db.session.scalar(select(CheckIn))
    assert check_in.held_on == date(2026, 3, 10)  # the proposer's date in Almaty
    assert db.session.get(Meeting, held.id).check_in_id == check_in.id


def test_meeting_pages_show_both_time_zones_and_give_the_ics(client, auth, db, pair):
    meeting = services.propose(pair, pair.mentor, on=date(2099, 3, 10), at=time(10, 0), minutes=60, place="Astana", now=NOW)
    db.session.commit()
    auth.login("mentee@example.kg")
    page = client.get(f"/matches/{pair.id}/meetings/").get_data(as_text=True)
    # 10:00 in Almaty (UTC+5, the mentor's) is 11:00 in Bishkek (UTC+6, hers).
    assert "Mar 10, 2099, 11:00" in page and "Mar 10, 2099, 10:00" in page
    assert "Гульнара Б. proposes this meeting." in page
    assert client.get(f"/matches/{pair.id}/meetings/{meeting.id}.ics").status_code == 404  # not accepted yet
    meetings_page = f"/matches/{pair.id}/meetings/"
    response = auth.post(f"{meetings_page}{meeting.id}", {"action": "accept"}, token_from=meetings_page)
    assert response.status_code == 302
    ics = client.get(f"/matches/{pair.id}/meetings/{meeting.id}.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]


def test_a_member_outside_the_pair_cannot_see_or_answer(client, auth, db, pair):
    meeting = services.propose(pair, pair.mentor, on=date(2099, 3, 10), at=time(10, 0), minutes=60, place="Astana", now=NOW)
    db.session.commit()
    make_member(db, email="nosy@example.org", country="UZ")
    auth.login("nosy@example.org")
    assert client.get(f"/matches/{pair.id}/meetings/").status_code == 404
    assert client.get(f"/matches/{pair.id}/meetings/{meeting.id}.ics").status_code == 404
    response = auth.post(f"/matches/{pair.id}/meetings/{meeting.id}", {"action": "accept"}, token_from="/profile/")
    assert response.status_code == 404
    assert db.session.get(Meeting, meeting.id).state == MeetingState.PROPOSED


def test_the_proposal_form_keeps_what_she_typed_when_refused(client, auth, db, pair):
    auth.login("mentor@example.kz")
    response = auth.post(
        f"/matches/{pair.id}/meetings/", {"on": "2020-01-01", "at": "10:00", "minutes": "60", "place": "Astana office"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a time in the future." in html and 'value="Astana office"' in html


def test_a_meeting_notification_is_read_once_she_opens_the_meetings(client, auth, db, pair):
    services.propose(pair, pair.mentor, on=date(2099, 3, 10), at=time(10, 0), minutes=60, place="Astana", now=NOW)
    db.session.commit()
    unread = select(Notification.kind).where(Notification.member_id == pair.mentee.id, Notification.read_at.is_(None))
    auth.login("mentee@example.kg")
    client.get(f"/matches/{pair.id}")  # the mentorship page leaves the meeting proposal unread
    assert "meeting_proposed" in db.session.scalars(unread).all()
    client.get(f"/matches/{pair.id}/meetings/")
    db.session.expire_all()
    assert "meeting_proposed" not in db.session.scalars(unread).all()
