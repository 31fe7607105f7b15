"""Proposals and mentorships: the overview, one match, its transitions, goals,
check-ins and feedback; and the coordinators' outcome page."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import taxonomy
from ..extensions import db
from ..models import MentorshipState, utcnow
from ..profile.services import visible_profile
from ..validation import ValidationFailed
from . import lifecycle, progress, reasons
from .forms import (
    ActionForm,
    CheckInForm,
    DeclineForm,
    EndForm,
    FeedbackForm,
    GoalForm,
    ProgressForm,
)

bp = Blueprint("matches", __name__)


@bp.get("/matches/")
def index():
    rows = lifecycle.all_mentorships_of(current_user)
    groups = lifecycle.mentorships_of(current_user, rows)
    status, current = lifecycle.mentee_status(current_user, rows)
    return render_template("matches/index.html", groups=groups, status=status, current=current, describe=reasons.describe)


@bp.get("/matches/<int:mentorship_id>")
def detail(mentorship_id: int):
    m = lifecycle.get_mentorship_for(current_user, mentorship_id)
    return _render_detail(m)


def _render_detail(m, status: int = 200, **forms):
    from ..messages.services import mentorship_conversation

    other = m.mentee if current_user.id == m.mentor_id else m.mentor
    goal_form = forms.get("goal_form") or GoalForm()
    goal_form.topic.choices = [SelectChoice("", "—")] + [
        SelectChoice(slug, taxonomy.label(taxonomy.TOPICS, slug)) for slug in m.mentee.goals
    ]
    feedback = progress.feedback_of(m)
    page = dict(
        m=m,
        other=other,
        profile=visible_profile(other, current_user),
        is_mentor=current_user.id == m.mentor_id,
        deadline=lifecycle.answer_deadline(m),
        reasons=reasons.describe(m.reasons),
        events=lifecycle.events_visible_to(m, current_user),
        goals=progress.goals_of(m),
        checkins=progress.checkins_of(m),
        feedback=feedback,
        partner_feedback=progress.partner_feedback(m, current_user, feedback),
        feedback_open=progress.feedback_open(m, utcnow()),
        conversation=mentorship_conversation(m),
        S=MentorshipState,
        action_form=ActionForm(),
        decline_form=forms.get("decline_form") or DeclineForm(),
        end_form=forms.get("end_form") or EndForm(),
        goal_form=goal_form,
        progress_form=ProgressForm(),
        checkin_form=forms.get("checkin_form") or CheckInForm(),
        feedback_form=forms.get("feedback_form") or FeedbackForm(),
    )
    return render_template("matches/detail.html", **page), status


def _transition(mentorship_id: int, action, form_cls, form_key: str, done: str, **fields):
    """Shared shape of every POST on a match: load hers, validate CSRF, call one service."""
    m = lifecycle.get_mentorship_for(current_user, mentorship_id)
    form = form_cls()
    if not form.validate():
        if "csrf_token" in form.errors:
            flash(_("The form has expired. Please try again."), "error")
            return redirect(url_for("matches.detail", mentorship_id=m.id))
        return _render_detail(m, 422, **{form_key: form})
    try:
        action(m, current_user, now=utcnow(), **{k: f(form) for k, f in fields.items()})
    except ValidationFailed as exc:
        db.session.rollback()
        m = lifecycle.get_mentorship_for(current_user, mentorship_id)
        exc.apply_to(form)
        for message in form.form_errors:
            flash(message, "error")
        return _render_detail(m, 422, **{form_key: form})
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("matches.detail", mentorship_id=m.id))


@bp.post("/matches/<int:mentorship_id>/accept")
def accept(mentorship_id: int):
    return _transition(
        mentorship_id,
        lifecycle.accept,
        ActionForm,
        "action_form",
        _("You accepted the proposal. The mentee is asked to confirm."),
    )


@bp.post("/matches/<int:mentorship_id>/confirm")
def confirm(mentorship_id: int):
    return _transition(
        mentorship_id,
        lifecycle.confirm,
        ActionForm,
        "action_form",
        _("Your mentorship has started. You can now write to each other."),
    )


@bp.post("/matches/<int:mentorship_id>/decline")
def decline(mentorship_id: int):
    return _transition(
        mentorship_id,
        lifecycle.decline,
        DeclineForm,
        "decline_form",
        _("You declined the proposal."),
        reason=lambda f: f.reason.data or "",
    )


@bp.post("/matches/<int:mentorship_id>/end")
def end(mentorship_id: int):
    return _transition(
        mentorship_id,
        lifecycle.end,
        EndForm,
        "end_form",
        _("The mentorship has ended."),
        reason=lambda f: f.reason.data or "",
    )


@bp.post("/matches/<int:mentorship_id>/goals")
def add_goal(mentorship_id: int):
    return _transition(
        mentorship_id,
        progress.add_goal,
        GoalForm,
        "goal_form",
        _("The goal is added."),
        topic=lambda f: f.topic.data or None,
        text=lambda f: f.text.data or "",
    )


@bp.post("/matches/<int:mentorship_id>/goals/<int:goal_id>")
def goal_progress(mentorship_id: int, goal_id: int):
    return _transition(
        mentorship_id,
        lambda m, actor, now, value: progress.set_goal_progress(m, actor, goal_id, value, now),
        ProgressForm,
        "progress_form",
        _("Progress is saved."),
        value=lambda f: f.progress.data,
    )


@bp.post("/matches/<int:mentorship_id>/checkins")
def add_checkin(mentorship_id: int):
    return _transition(
        mentorship_id,
        progress.add_checkin,
        CheckInForm,
        "checkin_form",
        _("The check-in is saved."),
        held_on=lambda f: f.held_on.data,
        how_it_went=lambda f: f.how_it_went.data or "",
        next_step=lambda f: f.next_step.data or "",
    )


@bp.post("/matches/<int:mentorship_id>/feedback")
def feedback(mentorship_id: int):
    return _transition(
        mentorship_id,
        progress.submit_feedback,
        FeedbackForm,
        "feedback_form",
        _("Thank you for your feedback."),
        rating=lambda f: int(f.rating.data) if (f.rating.data or "").isdigit() else None,
        worked=lambda f: f.worked.data or "",
        did_not_work=lambda f: f.did_not_work.data or "",
        would_continue=lambda f: f.would_continue.data,
        share_with_partner=lambda f: f.share_with_partner.data,
    )
