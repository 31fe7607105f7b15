"""Pairs by hand: propose, forbid, re-open a member, end a mentorship."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import policy
from ...extensions import db
from ...models import utcnow
from ...validation import ValidationFailed
from .. import actions as services
from .. import search
from ..blueprint import bp
from ..forms import EndForm, ForbidForm, PairForm, ReopenForm
from ..scope import get_mentorship_for_coordinator


@bp.get("/console/actions")
def actions():
    return _actions_page()


PICKS = {"pair": ("mentor", "mentee"), "forbid": ("ban_mentor", "ban_mentee")}


def _picked() -> dict[str, object]:
    """The members chosen with the search's buttons (ids in the query string), by field."""
    raw = {key: request.args.get(key, "") for keys in PICKS.values() for key in keys}
    first = {key: search.member_by_id(current_user, value) for key, value in raw.items()}
    picked = {}
    for a, b in PICKS.values():  # a member of another country counts when her partner is covered
        picked[a] = first[a] or search.member_by_id(current_user, raw[a], partner=first[b])
        picked[b] = first[b] or search.member_by_id(current_user, raw[b], partner=first[a])
    picked["reopen_member"] = search.member_by_id(current_user, request.args.get("reopen_member"))
    return picked


def _found(picked: dict) -> tuple[str, str, list | None]:
    find = request.args.get("find", "")
    q = (request.args.get("q") or "").strip()[:100]
    if find not in (*PICKS, "reopen") or not q:
        return find, q, None
    if find == "reopen":
        return find, q, search.search_members(current_user, q)
    a, b = PICKS[find]
    partner = next((m for m in (picked[a], picked[b]) if m is not None and policy.covers(current_user, m)), None)
    return find, q, search.search_members(current_user, q, partner=partner)


def _actions_page(status: int = 200, **forms):
    picked = _picked()
    find, q, found = _found(picked)
    pair_form = forms.get("pair_form") or PairForm(
        mentee=str(picked["mentee"].id) if picked["mentee"] else request.args.get("mentee", ""),
        mentor=str(picked["mentor"].id) if picked["mentor"] else request.args.get("mentor", ""),
    )
    forbid_form = forms.get("forbid_form") or ForbidForm(
        mentor=str(picked["ban_mentor"].id) if picked["ban_mentor"] else "",
        mentee=str(picked["ban_mentee"].id) if picked["ban_mentee"] else "",
    )
    return render_template(
        "coordinator/actions.html",
        picked=picked,
        find=find,
        q=q,
        found=found,
        pair_form=pair_form,
        forbid_form=forbid_form,
        reopen_form=forms.get("reopen_form")
        or ReopenForm(member=str(picked["reopen_member"].id) if picked["reopen_member"] else ""),
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
