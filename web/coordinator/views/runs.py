"""Matching runs: the list, a run's details, publishing, discarding, "what if" runs."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import policy
from ...extensions import db
from ...models import utcnow
from ...runs import services
from ...runs.publishing import discard_run, publish_run
from ...validation import ValidationFailed
from .. import run_now as run_now_service
from ..blueprint import bp
from ..forms import ButtonForm, WhatIfForm, weights_from


@bp.get("/runs/")
def runs():
    return render_template(
        "coordinator/runs.html",
        runs=services.list_runs(),
        failures=services.failed_executions(),
        may_decide=policy.may_decide_runs(current_user),
        form=ButtonForm(),
    )


@bp.post("/runs/now")
def run_now():
    """A draft run now, as the schedule makes it; a regional coordinator's button."""
    services.require_regional(current_user)
    if not ButtonForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("coordinator.runs"))
    try:
        run = run_now_service.run_now(current_user, utcnow())
    except ValidationFailed as exc:
        db.session.rollback()
        for _field, message in exc.errors:
            flash(str(message), "error")
        return redirect(url_for("coordinator.runs"))
    if run.status == "draft":
        flash(_("Matching run %(id)d is ready as a draft: check it, then publish or discard it.", id=run.id), "success")
    else:
        flash(_("The matching run failed and changed nothing; the error is shown below."), "error")
    return redirect(url_for("coordinator.run", run_id=run.id))


@bp.get("/runs/<int:run_id>")
def run(run_id: int):
    run = services.get_run_for(current_user, run_id)
    return render_template(
        "coordinator/run.html",
        run=run,
        view=services.preview(run, current_user),
        details=policy.run_details(current_user, run),
        may_decide=policy.may_decide_runs(current_user),
        form=ButtonForm(),
        reasons=services.reason_sentences,
        problem=services.problem_text,
        pretty=services.pretty_json,
    )


@bp.post("/runs/<int:run_id>/publish")
def publish(run_id: int):
    return _decide(run_id, publish_run, _("Run %(id)d published: %(n)d proposals sent."))


@bp.post("/runs/<int:run_id>/discard")
def discard(run_id: int):
    return _decide(run_id, discard_run, _("Run %(id)d discarded; nothing was proposed."))


def _decide(run_id: int, action, done: str):
    services.require_regional(current_user)
    run = services.get_run_for(current_user, run_id)
    if ButtonForm().validate_on_submit():
        try:
            action(db.session, run, actor=current_user, now=utcnow())
        except ValidationFailed as exc:
            for _field, message in exc.errors:
                flash(str(message), "error")
        except Exception:  # noqa: BLE001 - rolled back and noted on the run by publish_run
            flash(_("Publishing failed and nothing was sent; the error is shown below."), "error")
        else:
            flash(done % {"id": run.id, "n": len(run.pairs) - len(run.dropped or [])}, "success")
    return redirect(url_for("coordinator.run", run_id=run_id))


@bp.route("/runs/what-if", methods=["GET", "POST"])
def what_if():
    services.require_regional(current_user)
    form = WhatIfForm(data=services.weight_defaults())
    if form.validate_on_submit():
        try:
            run = services.start_what_if(current_user, weights_from(form), utcnow())
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            flash(
                _("What-if run %(id)d is ready.", id=run.id)
                if run.status == "draft"
                else _("The what-if run failed; see the error below."),
                "success" if run.status == "draft" else "error",
            )
            return redirect(url_for("coordinator.run", run_id=run.id))
    return render_template("coordinator/what_if.html", form=form)
