"""A run's pairing report, on screen and printable."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ... import taxonomy
from ...extensions import db
from ...matches.reasons import describe, unblock_hint, unmatched_reason
from .. import charts, exports, reports
from ..blueprint import bp
from ..forms import ButtonForm
from ..scope import get_run, is_regional


@bp.get("/console/runs/<int:run_id>")
def report(run_id: int):
    return _report(run_id, "coordinator/report.html")


@bp.get("/console/runs/<int:run_id>/print")
def report_print(run_id: int):
    run = get_run(run_id)
    exports.record_export(current_user, "run_print", run)
    db.session.commit()
    return _report(run_id, "coordinator/report_print.html", paginate=False)


def _report(run_id: int, template: str, paginate: bool = True):
    run = get_run(run_id)
    sort = reports.parse_sort(request.args.get("sort"))
    rep = reports.report(run, current_user, sort)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per = reports.PAIRS_PER_PAGE if paginate else max(1, len(rep.pairs))
    pages = max(1, -(-len(rep.pairs) // per))
    shown = rep.pairs[(page - 1) * per : page * per]
    return render_template(
        template,
        rep=rep,
        run=run,
        sort=sort,
        page=page,
        pages=pages,
        shown=shown,
        describe=describe,
        charts=_charts(rep),
        labels=dict(reports.FIGURES),
        fmt=reports.format_figure,
        hint=unblock_hint,
        why=unmatched_reason,
        form=ButtonForm(),
        regional=is_regional(current_user),
    )


def _charts(rep: reports.Report) -> dict:
    label = {c: taxonomy.label(taxonomy.COUNTRIES, c) for c in rep.countries}
    total = sum(rep.flows.values())
    edges, counts = rep.histogram
    return {
        "flows": charts.heatmap(
            rep.countries,
            rep.countries,
            rep.flows,
            row_labels=label,
            col_labels=label,
            label=_("Pairs by mentor country (rows) and mentee country (columns)"),
            desc=_("%(n)d pairs; the same figures are in the table below.", n=total),
        ),
        "shares": charts.hbars(
            [(label[c], share, f"{share * 100:.0f} %") for c, _m, _n, share in rep.shares],
            label=_("Share of each country's mentees matched"),
            desc=_("The same figures are in the table below."),
        ),
        "histogram": charts.histogram(
            edges,
            counts,
            label=_("Scores of the pairs"),
            desc=_("Number of pairs per score band from 0 to 1; the same figures are in the table below."),
        ),
    }
