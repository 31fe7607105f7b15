"""Applications and members: approve, reject, suspend, reactivate."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...collation import name_order
from ...extensions import db
from ...models import Member, MemberStatus
from ...validation import ValidationFailed
from .. import members as services
from ..blueprint import bp
from ..forms import MemberActionForm


@bp.get("/applications")
def applications():
    members = services.pending_applications(current_user)
    return render_template("coordinator/applications.html", members=members, form=MemberActionForm())


@bp.get("/members")
def members():
    status = request.args.get("status", MemberStatus.ACTIVE)
    if status not in MemberStatus.ALL:
        status = MemberStatus.ACTIVE
    stmt = services.scoped_members(current_user).filter_by(status=status)
    page = db.paginate(stmt.order_by(name_order(Member.display_name), Member.id), per_page=50, error_out=False)
    return render_template("coordinator/members.html", page=page, status=status, form=MemberActionForm())


@bp.post("/members/<int:member_id>/<action>")
def member_action(member_id: int, action: str):
    handler = services.ACTIONS.get(action)
    member = services.get_member_for(current_user, member_id)
    if handler is None or member is None:
        abort(404)
    form = MemberActionForm()
    if not form.validate():
        flash(_("The note is too long (at most 2000 characters)."), "error")
    else:
        try:
            handler(member, current_user, form.note.data or "")
        except ValidationFailed as exc:
            db.session.rollback()
            for _field, message in exc.errors:
                flash(str(message), "error")
        else:
            db.session.commit()
            flash(
                _("Done: %(name)s is now %(status)s.", name=member.display_name, status=_status_label(member.status)),
                "success",
            )
    return redirect(request.referrer if _same_site(request.referrer) else url_for("coordinator.applications"))


def _status_label(status: str) -> str:
    return {
        MemberStatus.ACTIVE: _("active"),
        MemberStatus.PENDING: _("pending"),
        MemberStatus.REJECTED: _("rejected"),
        MemberStatus.SUSPENDED: _("suspended"),
    }[status]


def _same_site(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.netloc == request.host and parts.scheme in ("http", "https")
