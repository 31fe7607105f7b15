"""CSV exports: the dashboard's figures, a run's pairs and its unmatched mentees."""

from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from ...extensions import db
from ...models import utcnow
from .. import exports, health, reports
from ..blueprint import bp
from ..scope import get_run


@bp.get("/console/figures.csv")
def figures_csv():
    filters = health.parse_filters(request.args, current_user)
    figures = health.health(current_user, filters, utcnow())
    exports.record_export(current_user, "figures", **filters.as_args())
    db.session.commit()
    return _csv(exports.figures_csv(figures), "bridges-figures.csv")


@bp.get("/console/runs/<int:run_id>/pairs.csv")
def pairs_csv(run_id: int):
    run = get_run(run_id)
    rep = reports.report(run, current_user, reports.parse_sort(request.args.get("sort")))
    exports.record_export(current_user, "run_pairs", run, rows=len(rep.pairs))
    db.session.commit()
    return _csv(exports.pairs_csv(rep), f"bridges-run-{run.id}-pairs.csv")


@bp.get("/console/runs/<int:run_id>/unmatched.csv")
def unmatched_csv(run_id: int):
    run = get_run(run_id)
    rep = reports.report(run, current_user)
    exports.record_export(current_user, "run_unmatched", run, rows=len(rep.unmatched))
    db.session.commit()
    return _csv(exports.unmatched_csv(rep), f"bridges-run-{run.id}-unmatched.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
