"""Reported conversations: only the messages a member chose to report, within scope
(the reporter or the reported member is covered: ``policy.report_clause``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...messages import services
from ...messages.forms import ActionForm
from ...models import utcnow
from ...validation import ValidationFailed
from ..blueprint import bp


@bp.get("/reports")
def message_reports():
    show_all = request.args.get("all") == "1"
    return render_template(
        "coordinator/message_reports.html",
        show_all=show_all,
        form=ActionForm(),
        reports=services.reports_for(current_user, open_only=not show_all),
    )


@bp.post("/reports/<int:report_id>/resolve")
def resolve_report(report_id: int):
    if ActionForm().validate():
        try:
            services.resolve_report(current_user, report_id, utcnow())
        except ValidationFailed as exc:
            db.session.rollback()
            flash(str(exc.errors[0][1]), "error")
        else:
            db.session.commit()
            flash(_("The report is closed."), "success")
    return redirect(url_for("coordinator.message_reports"))
