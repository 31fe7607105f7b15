"""Programme health: the coordinator area's landing page."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from ... import taxonomy
from ...extensions import db
from ...models import MatchRun, MatchRunStatus, utcnow
from .. import health as services
from ..blueprint import bp


@bp.get("/")
@bp.get("/console/")
def dashboard():
    filters = services.parse_filters(request.args, current_user)
    health = services.health(current_user, filters, utcnow())
    runs = db.session.scalars(
        select(MatchRun).where(MatchRun.status != MatchRunStatus.RUNNING).order_by(MatchRun.id.desc()).limit(10)
    ).all()
    return render_template(
        "coordinator/health.html",
        h=health,
        f=filters,
        runs=runs,
        labels=services.FIGURE_LABELS,
        periods=services.PERIODS,
        countries=taxonomy.COUNTRIES,
        agencies=taxonomy.AGENCY_KINDS,
    )
