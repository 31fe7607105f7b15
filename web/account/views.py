"""Her data as a page or a JSON file, and the deletion of her account; the same for a
coordinator acting on a member's written request (``/coordinator/members/<id>/...``)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from .. import policy
from ..auth.decorators import coordinator_required
from ..extensions import db
from ..models import Member, utcnow
from ..validation import ValidationFailed
from . import services
from .forms import CoordinatorRequestForm, DeleteOwnAccountForm

bp = Blueprint("account", __name__, url_prefix="/account")
requests_bp = Blueprint("account_requests", __name__, url_prefix="/coordinator/members")


def _download(member: Member, data: dict) -> Response:
    return Response(
        services.export_json(data),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="bridges-member-{member.id}.json"'},
    )


@bp.get("/data")
def data():
    return render_template("account/data.html", data=services.export_data(current_user, utcnow()))


@bp.get("/data.json")
def data_json():
    return _download(current_user, services.export_data(current_user, utcnow()))


@bp.route("/delete", methods=["GET", "POST"])
def delete():
    form = DeleteOwnAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_own_account(current_user._get_current_object(), form.password.data, utcnow())
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted. Thank you for taking part."), "success")
            return redirect(url_for("auth.login"))
    return render_template("account/delete.html", form=form), 422 if form.errors else 200


def _member_in_scope(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or not policy.may_act_on_member(current_user, member):
        abort(404)
    return member


@requests_bp.route("/<int:member_id>/data-export", methods=["GET", "POST"])
@coordinator_required
def export_for(member_id: int):
    member = _member_in_scope(member_id)
    form = CoordinatorRequestForm()
    if form.validate_on_submit():
        try:
            services.record_export_for(current_user, member, form.note.data)
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            data = services.export_data(member, utcnow())
            db.session.commit()
            return _download(member, data)
    return render_template("account/request.html", form=form, member=member, action="export"), 422 if form.errors else 200


@requests_bp.route("/<int:member_id>/delete-account", methods=["GET", "POST"])
@coordinator_required
def delete_for(member_id: int):
    member = _member_in_scope(member_id)
    form = CoordinatorRequestForm()
    if form.validate_on_submit():
        try:
            services.delete_account_for(current_user, member, form.note.data, utcnow())
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            db.session.commit()
            flash(_("The account is deleted and the request is in the audit log."), "success")
            return redirect(url_for("coordinator.members"))
    return render_template("account/request.html", form=form, member=member, action="delete"), 422 if form.errors else 200
