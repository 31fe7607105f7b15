"""Meetings of a mentorship: one side proposes a time and a place (or a call link), the other
accepts or declines, either may cancel. Each member sees the time in her own time zone and can
download an .ics file. The day before, both are reminded; once over, a meeting is recorded as
a check-in of the mentorship.

Services take the acting member and plain values, add and flush; views and jobs commit."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..matches.errors import refused
from ..models import CheckIn, Meeting, MeetingState, Member, Mentorship, MentorshipState
from ..notifications.services import notify
from ..validation import ValidationFailed

log = logging.getLogger(__name__)
S = MeetingState
DURATIONS = (30, 45, 60, 90, 120)
# How far ahead a reminder goes out: the daily reminder run catches every meeting of the next day.
REMIND_AHEAD = timedelta(hours=36)


def _refuse(message, field: str | None = None) -> ValidationFailed:
    return refused([(field, message)])


def zone_of(member: Member) -> ZoneInfo:
    try:
        return ZoneInfo(member.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def other_of(m: Mentorship, member: Member) -> Member:
    return m.mentee if member.id == m.mentor_id else m.mentor


def meetings_of(m: Mentorship) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.mentorship_id == m.id).order_by(Meeting.starts_at)))


def get_meeting_for(m: Mentorship, meeting_id: int) -> Meeting | None:
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.mentorship_id == m.id else None


def propose(m: Mentorship, member: Member, *, on: date, at: time, minutes: int, place: str, now: datetime) -> Meeting:
    """``on`` and ``at`` are in the proposer's own time zone."""
    if m.state != MentorshipState.ACTIVE:
        raise _refuse(_l("Meetings can be arranged only in an active mentorship."))
    if minutes not in DURATIONS:
        raise _refuse(_l("Choose how long the meeting lasts."), "minutes")
    place = (place or "").strip()
    if not place:
        raise _refuse(_l("Say where you meet, or paste the link to the call."), "place")
    starts_at = datetime.combine(on, at, tzinfo=zone_of(member))
    if starts_at <= now:
        raise _refuse(_l("Choose a time in the future."), "on")
    meeting = Meeting(
        mentorship_id=m.id,
        proposed_by_id=member.id,
        starts_at=starts_at.astimezone(ZoneInfo("UTC")),
        minutes=minutes,
        place=place[:300],
        state=S.PROPOSED,
        created_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    notify(other_of(m, member), "meeting_proposed", mentorship=m, now=now)
    log.info("meeting %s proposed in mentorship %s by %s", meeting.id, m.id, member.id)
    return meeting


def accept(meeting: Meeting, member: Member, now: datetime) -> Meeting:
    _answer(meeting, member, now)
    meeting.state = S.ACCEPTED
    notify(other_of(meeting.mentorship, member), "meeting_accepted", mentorship=meeting.mentorship, now=now)
    db.session.flush()
    return meeting


def decline(meeting: Meeting, member: Member, now: datetime) -> Meeting:
    _answer(meeting, member, now)
    meeting.state = S.DECLINED
    notify(other_of(meeting.mentorship, member), "meeting_declined", mentorship=meeting.mentorship, now=now)
    db.session.flush()
    return meeting


def _answer(meeting: Meeting, member: Member, now: datetime) -> None:
    if meeting.state != S.PROPOSED:
        raise _refuse(_l("This meeting was already answered."))
    if meeting.proposed_by_id == member.id:
        raise _refuse(_l("Only the other member can answer your proposal."))
    if meeting.starts_at <= now:
        raise _refuse(_l("This meeting's time has passed."))
    meeting.answered_at = now


def cancel(meeting: Meeting, member: Member, now: datetime) -> Meeting:
    """Either side cancels a proposed or accepted meeting that has not started."""
    if meeting.state not in (S.PROPOSED, S.ACCEPTED) or meeting.starts_at <= now:
        raise _refuse(_l("This meeting can no longer be cancelled."))
    was_accepted = meeting.state == S.ACCEPTED
    meeting.state = S.CANCELLED
    meeting.answered_at = now
    if was_accepted:
        notify(other_of(meeting.mentorship, member), "meeting_cancelled", mentorship=meeting.mentorship, now=now)
    db.session.flush()
    return meeting


# --- the daily sweeps (jobs/housekeeping.py) -------------------------------------------------


def send_reminders(now: datetime) -> int:
    """Remind both members of each accepted meeting starting within REMIND_AHEAD, once.
    Returns meetings reminded."""
    due = db.session.scalars(
        select(Meeting).where(
            Meeting.state == S.ACCEPTED,
            Meeting.reminded_at.is_(None),
            Meeting.starts_at > now,
            Meeting.starts_at <= now + REMIND_AHEAD,
        )
    ).all()
    for meeting in due:
        m = meeting.mentorship
        if m.state != MentorshipState.ACTIVE:
            continue
        meeting.reminded_at = now
        for member in (m.mentor, m.mentee):
            notify(member, "meeting_reminder", mentorship=m, now=now)
    db.session.flush()
    return sum(1 for meeting in due if meeting.reminded_at == now)


def record_past_meetings(now: datetime) -> int:
    """Every accepted meeting that is over becomes a check-in of its mentorship, dated in the
    proposer's time zone. Returns check-ins added."""
    over = db.session.scalars(
        select(Meeting).where(Meeting.state == S.ACCEPTED, Meeting.check_in_id.is_(None), Meeting.starts_at <= now)
    ).all()
    added = 0
    for meeting in over:
        if meeting.ends_at > now:
            continue
        proposer = meeting.proposed_by
        zone = zone_of(proposer) if proposer is not None else ZoneInfo("UTC")
        check_in = CheckIn(
            mentorship_id=meeting.mentorship_id,
            author_id=meeting.proposed_by_id,
            held_on=meeting.starts_at.astimezone(zone).date(),
            created_at=now,
        )
        db.session.add(check_in)
        db.session.flush()
        meeting.check_in_id = check_in.id
        added += 1
    db.session.flush()
    return added


# --- calendar file -----------------------------------------------------------------------------


def ics(meeting: Meeting, summary: str, uid_host: str, now: datetime) -> str:
    """The meeting as an iCalendar (RFC 5545) file, times in UTC, lines folded at 75 octets."""

    def stamp(value: datetime) -> str:
        return value.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bridges//Meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{uid_host}",
        f"DTSTAMP:{stamp(now)}",
        f"DTSTART:{stamp(meeting.starts_at)}",
        f"DTEND:{stamp(meeting.ends_at)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(meeting.place)}",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    out, piece = [], ""
    for char in line:
        limit = 75 if not out else 74  # continuation lines start with a space
        if len((piece + char).encode()) > limit:
            out.append(piece)
            piece = char
        else:
            piece += char
    out.append(piece)
    return "\r\n ".join(out)
