"""A member's own profile, and other members' profiles as their privacy allows."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import policy
from ..extensions import db
from ..models import Member
from ..validation import ValidationFailed
from . import services
from .forms import ProfileForm

bp = Blueprint("profile", __name__, url_prefix="/profile")


@bp.get("/")
def me():
    profile = services.visible_profile(current_user, current_user)
    return render_template("profile/me.html", member=current_user, profile=profile)


@bp.route("/edit", methods=["GET", "POST"])
def edit():
    form = ProfileForm(data=None if _posted() else services.profile_form_data(current_user))
    if form.is_submitted() and form.check_text():
        try:
            services.update_profile(current_user, form.profile_data(), form.privacy_data())
        except ValidationFailed as exc:
            exc.apply_to(form)
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("profile.me"))
    return render_template("profile/edit.html", form=form), 422 if form.errors else 200


@bp.get("/<int:member_id>")
def view(member_id: int):
    from ..auth.throttle import limit
    from ..security import client_address

    limit("profile_view", current_user.id, client_address())  # 429 past the limit: no bulk harvesting
    member = db.session.get(Member, member_id)
    if member is None or not policy.may_view_profile(current_user, member):
        abort(404)
    if member.id == current_user.id:
        return redirect(url_for("profile.me"))
    profile = services.visible_profile(member, current_user)
    return render_template("profile/view.html", member=member, profile=profile)


def _posted() -> bool:
    from flask import request

    return request.method == "POST"
