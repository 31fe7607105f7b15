"""Pairs by hand: propose, forbid, re-open a member, end a mentorship."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import utcnow
from ...validation import ValidationFailed
from .. import actions as services
from ..blueprint import bp
from ..forms import EndForm, ForbidForm, PairForm, ReopenForm
from ..scope import get_mentorship_for_coordinator


@bp.get("/console/actions")
def actions():
    return _actions_page()


def _actions_page(status: int = 200, **forms):
    pair_form = forms.get("pair_form") or PairForm(
        mentee=request.args.get("mentee", ""), mentor=request.args.get("mentor", "")
    )
    return render_template(
        "coordinator/actions.html",
        pair_form=pair_form,
        forbid_form=forms.get("forbid_form") or ForbidForm(),
        reopen_form=forms.get("reopen_form") or ReopenForm(),
        end_form=forms.get("end_form") or EndForm(),
        end_for=forms.get("end_for"),
        mentorships=services.open_mentorships(current_user),
        bans=services.coordinator_bans(current_user),
        blockers=forms.get("blockers"),
    ), status


def _act(form, form_key: str, call, done):
    """Validate, call one service, commit and flash; or show the form again with errors."""
    if not form.validate_on_submit():
        return _actions_page(422, **{form_key: form})
    try:
        result = call(form)
    except ValidationFailed as exc:
        db.session.rollback()
        exc.apply_to(form)
        return _actions_page(422, **{form_key: form})
    db.session.commit()
    flash(done(result), "success")
    return redirect(url_for("coordinator.actions"))


@bp.post("/console/actions/pair")
def create_pair():
    return _act(
        PairForm(),
        "pair_form",
        lambda f: services.create_pair(
            current_user,
            f.mentor.data,
            f.mentee.data,
            override=bool(f.override.data),
            reason=f.reason.data or "",
            now=utcnow(),
        ),
        lambda m: _(
            "Proposed: %(mentor)s to mentor %(mentee)s.", mentor=m.mentor.display_name, mentee=m.mentee.display_name
        ),
    )


@bp.post("/console/actions/forbid")
def forbid_pair():
    return _act(
        ForbidForm(),
        "forbid_form",
        lambda f: services.forbid_pair(current_user, f.mentor.data, f.mentee.data, f.note.data or "", utcnow()),
        lambda row: _("This pair will never be proposed."),
    )


@bp.post("/console/actions/reopen")
def reopen():
    return _act(
        ReopenForm(), "reopen_form", lambda f: services.reopen_member(current_user, f.member.data, utcnow()), _reopened
    )


def _reopened(result) -> str:
    member, lifted = result
    blockers = services.matching_blockers(member)
    text = _("%(name)s is open to matching again (%(n)d bans lifted).", name=member.display_name, n=lifted)
    return text + (" " + _("Still in the way:") + " " + " ".join(blockers) if blockers else "")


@bp.post("/console/mentorships/<int:mentorship_id>/end")
def end_mentorship(mentorship_id: int):
    m = get_mentorship_for_coordinator(current_user, mentorship_id)
    form = EndForm()
    if not form.validate_on_submit():
        return _actions_page(422, end_form=form, end_for=m.id)
    try:
        services.end_mentorship(current_user, m, form.reason.data or "", utcnow())
    except ValidationFailed as exc:
        db.session.rollback()
        exc.apply_to(form)
        return _actions_page(422, end_form=form, end_for=mentorship_id)
    db.session.commit()
    flash(_("The mentorship has ended; both were told."), "success")
    return redirect(url_for("coordinator.actions"))
