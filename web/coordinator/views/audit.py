"""The audit log, newest first, within the coordinator's scope."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ...extensions import db
from .. import audit as services
from ..blueprint import bp


@bp.get("/console/audit")
def audit():
    action = request.args.get("action") or None
    stmt = services.audit_entries(current_user, action)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template(
        "coordinator/audit.html",
        page=page,
        action=action,
        actions=services.audit_actions(),
        said=services.sentences(page.items),
    )
