"""Coordinators and their scope, for regional coordinators."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...validation import ValidationFailed
from .. import roles as services
from ..blueprint import bp
from ..forms import ButtonForm, CoordinatorForm


@bp.route("/console/coordinators", methods=["GET", "POST"])
def coordinators():
    services.require_regional(current_user)
    form = CoordinatorForm()
    status = 200
    if form.validate_on_submit():
        make = request.form.get("action") != "revoke"
        try:
            member = services.set_coordinator(current_user, form.member.data, form.scope.data, make=make)
        except ValidationFailed as exc:
            db.session.rollback()
            exc.apply_to(form)
            status = 422
        else:
            db.session.commit()
            flash(_("Saved: %(name)s.", name=member.display_name), "success")
            return redirect(url_for("coordinator.coordinators"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "coordinator/coordinators.html", form=form, button=ButtonForm(), people=services.coordinators()
    ), status


@bp.post("/console/coordinators/<int:member_id>/second-factor/reset")
def reset_second_factor(member_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    member = services.reset_second_factor(current_user, member_id)
    db.session.commit()
    flash(_("%(name)s enrols a new authenticator at her next sign-in.", name=member.display_name), "success")
    return redirect(url_for("coordinator.coordinators"))
