"""Daily housekeeping jobs: thin calls into the mentorship and notification
services with the configured delays. Each returns a JSON-able result for the
job's execution record; the scheduler commits (or rolls back) around it."""

from __future__ import annotations

from datetime import datetime

from flask import current_app


def expire_proposals(session, now: datetime) -> dict:
    """Expire proposals unanswered for PROPOSAL_TTL_DAYS; remind after PROPOSAL_REMINDER_DAYS."""
    from web.matches.sweeps import expire_proposals as expire

    config = current_app.config
    result = expire(now, ttl_days=int(config["PROPOSAL_TTL_DAYS"]), remind_days=int(config["PROPOSAL_REMINDER_DAYS"]))
    return dict(result or {})


def checkin_reminders(session, now: datetime) -> dict:
    """Check-in reminders; meeting reminders for the next day; past meetings become check-ins
    (before the check-in reminders, so a meeting held counts as the check-in)."""
    from web.matches.sweeps import send_checkin_reminders
    from web.meetings.services import record_past_meetings, send_reminders

    recorded = int(record_past_meetings(now))
    result = {"reminded": int(send_checkin_reminders(now))}
    meetings = {"meetings_recorded": recorded, "meetings_reminded": int(send_reminders(now))}
    result.update({key: n for key, n in meetings.items() if n})  # shown only when there were meetings
    return result


def feedback_requests(session, now: datetime) -> dict:
    """Ask for feedback before the end date, then complete the mentorships whose end date has come."""
    from web.matches.sweeps import complete_due, request_feedback

    return {"requested": int(request_feedback(now)), "completed": int(complete_due(now))}


def digest(session, now: datetime) -> dict:
    from web.notifications.services import send_digests

    return {"sent": int(send_digests(now))}
