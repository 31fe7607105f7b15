"""The notification list; opening one marks it read and leads to what it is about."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import prefetch
from ..extensions import db
from ..models import utcnow
from ..validation import Form, page_arg
from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_for_navigation(member) -> dict:
    """Unread messages and notifications for the navigation (called only where shown)."""
    if not member.is_authenticated or not member.is_approved:
        return {"messages": 0, "notifications": 0}
    from ..messages.services import unread_counts

    return unread_counts(member)


@bp.app_context_processor
def _nav_counts():
    return {"nav_counts": lambda: unread_for_navigation(current_user)}


@bp.before_app_request
def _read_what_she_opens():
    """Opening the page a notification leads to marks it read, before the page counts the unread."""
    if request.method == "GET" and current_user.is_authenticated and current_user.is_approved:
        counts = prefetch.recall("unread_counts", current_user.id)
        if counts is not None and not counts["notifications"]:
            return  # nothing unread to mark (read with her row, this request)
        if services.mark_opened(current_user, request.endpoint, request.view_args or {}, utcnow()):
            db.session.commit()


@bp.get("/")
def index():
    page = services.notifications_for(current_user, page_arg())
    return render_template("notifications/index.html", page=page, form=Form(), describe=services.describe)


@bp.get("/<int:notification_id>")
def open_one(notification_id: int):
    note = services.get_notification_for(current_user, notification_id)
    if note is None:
        abort(404)
    services.mark_read(current_user, utcnow(), note)
    db.session.commit()
    endpoint, values = services.target_endpoint(note)
    return redirect(url_for(endpoint, **values))


@bp.post("/read")
def read_all():
    if Form().validate():
        services.mark_read(current_user, utcnow())
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))
