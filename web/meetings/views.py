"""Meetings of a mentorship: the list with the proposal form, answers, and the .ics file."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..matches.lifecycle import get_mentorship_for
from ..models import MeetingState, MentorshipState, utcnow
from ..validation import ValidationFailed
from . import services
from .forms import AnswerForm, MeetingForm

bp = Blueprint("meetings", __name__, url_prefix="/matches/<int:mentorship_id>/meetings")


def _form(form: MeetingForm | None = None) -> MeetingForm:
    form = form or MeetingForm()
    form.minutes.choices = [SelectChoice(n, ngettext("%(num)d minute", "%(num)d minutes", n)) for n in services.DURATIONS]
    if form.minutes.data is None:
        form.minutes.data = 60
    return form


@bp.get("/")
def index(mentorship_id: int, form: MeetingForm | None = None, status: int = 200):
    m = get_mentorship_for(current_user, mentorship_id)
    page = dict(
        m=m,
        other=services.other_of(m, current_user),
        meetings=services.meetings_of(m),
        form=_form(form),
        answer_form=AnswerForm(),
        now=utcnow(),
        S=MeetingState,
        active=m.state == MentorshipState.ACTIVE,
        zone_of=services.zone_of,
    )
    return render_template("meetings/index.html", **page), status


@bp.post("/")
def propose(mentorship_id: int):
    m = get_mentorship_for(current_user, mentorship_id)
    form = _form(MeetingForm())
    if form.validate():
        try:
            services.propose(
                m,
                current_user,
                on=form.on.data,
                at=form.at.data,
                minutes=form.minutes.data,
                place=form.place.data,
                now=utcnow(),
            )
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            db.session.commit()
            flash(_("Your proposal was sent."), "success")
            return redirect(url_for("meetings.index", mentorship_id=m.id))
    return index(mentorship_id, form=form, status=422)


ACTIONS = ("accept", "decline", "cancel")


@bp.post("/<int:meeting_id>")
def answer(mentorship_id: int, meeting_id: int):
    """Accept, decline or cancel: the button pressed says which."""
    m = get_mentorship_for(current_user, mentorship_id)
    meeting = services.get_meeting_for(m, meeting_id)
    action = request.form.get("action")
    if meeting is None:
        abort(404)
    if action not in ACTIONS:
        abort(400)
    if AnswerForm().validate():
        try:
            getattr(services, action)(meeting, current_user, utcnow())
        except ValidationFailed as exc:
            for _field, message in exc.errors:
                flash(str(message), "error")
        else:
            db.session.commit()
            done = {"accept": _("Meeting accepted."), "decline": _("Meeting declined."), "cancel": _("Meeting cancelled.")}
            flash(done[action], "success")
    return redirect(url_for("meetings.index", mentorship_id=m.id))


@bp.get("/<int:meeting_id>.ics")
def calendar(mentorship_id: int, meeting_id: int):
    m = get_mentorship_for(current_user, mentorship_id)
    meeting = services.get_meeting_for(m, meeting_id)
    if meeting is None or meeting.state != MeetingState.ACCEPTED:
        abort(404)
    other = services.other_of(m, current_user)
    host = urlsplit(current_app.config.get("BASE_URL") or "http://localhost").hostname or "localhost"
    body = services.ics(meeting, _("Mentoring meeting with %(name)s", name=other.display_name), host, utcnow())
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )
