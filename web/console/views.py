"""Coordinator console pages. Every view is for coordinators (the blueprint's
``before_request``); each calls one service and commits once."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import taxonomy
from ..auth.decorators import coordinator_required
from ..extensions import db
from ..matches.reasons import describe
from ..models import MatchRun, MatchRunStatus, utcnow
from ..validation import ValidationFailed
from . import charts, services
from .forms import ButtonForm, CoordinatorForm, EndForm, ForbidForm, PairForm, ReopenForm

bp = Blueprint("console", __name__, url_prefix="/coordinator/console")


@bp.before_request
@coordinator_required
def _only_coordinators():
    return None


@bp.get("/")
def dashboard():
    filters = services.parse_filters(request.args, current_user)
    health = services.health(current_user, filters, utcnow())
    runs = db.session.scalars(
        select(MatchRun).where(MatchRun.status != MatchRunStatus.RUNNING).order_by(MatchRun.id.desc()).limit(10)
    ).all()
    return render_template(
        "console/dashboard.html",
        h=health,
        f=filters,
        runs=runs,
        labels=services.FIGURE_LABELS,
        periods=services.PERIODS,
        countries=taxonomy.COUNTRIES,
        agencies=taxonomy.AGENCY_KINDS,
    )


@bp.get("/figures.csv")
def figures_csv():
    filters = services.parse_filters(request.args, current_user)
    health = services.health(current_user, filters, utcnow())
    services.record_export(current_user, "figures", **filters.as_args())
    db.session.commit()
    return _csv(services.figures_csv(health), "bridges-figures.csv")


@bp.get("/runs/<int:run_id>")
def report(run_id: int):
    return _report(run_id, "console/report.html")


@bp.get("/runs/<int:run_id>/print")
def report_print(run_id: int):
    run = services.get_run(run_id)
    services.record_export(current_user, "run_print", run)
    db.session.commit()
    return _report(run_id, "console/report_print.html", paginate=False)


def _report(run_id: int, template: str, paginate: bool = True):
    run = services.get_run(run_id)
    sort = services.parse_sort(request.args.get("sort"))
    rep = services.report(run, current_user, sort)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    per = services.PAIRS_PER_PAGE if paginate else max(1, len(rep.pairs))
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
        labels=dict(services.FIGURES),
        fmt=services.format_figure,
        hint=services.unblock_hint,
        why=services.blocking_reason,
        form=ButtonForm(),
        regional=services.is_regional(current_user),
    )


def _charts(rep: services.Report) -> dict:
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


@bp.get("/runs/<int:run_id>/pairs.csv")
def pairs_csv(run_id: int):
    run = services.get_run(run_id)
    rep = services.report(run, current_user, services.parse_sort(request.args.get("sort")))
    services.record_export(current_user, "run_pairs", run, rows=len(rep.pairs))
    db.session.commit()
    return _csv(services.pairs_csv(rep), f"bridges-run-{run.id}-pairs.csv")


@bp.get("/runs/<int:run_id>/unmatched.csv")
def unmatched_csv(run_id: int):
    run = services.get_run(run_id)
    rep = services.report(run, current_user)
    services.record_export(current_user, "run_unmatched", run, rows=len(rep.unmatched))
    db.session.commit()
    return _csv(services.unmatched_csv(rep), f"bridges-run-{run.id}-unmatched.csv")


def _csv(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


# --- actions -------------------------------------------------------------------------------


@bp.get("/actions")
def actions():
    return _actions_page()


def _actions_page(status: int = 200, **forms):
    pair_form = forms.get("pair_form") or PairForm(
        mentee=request.args.get("mentee", ""), mentor=request.args.get("mentor", "")
    )
    return render_template(
        "console/actions.html",
        pair_form=pair_form,
        forbid_form=forms.get("forbid_form") or ForbidForm(),
        reopen_form=forms.get("reopen_form") or ReopenForm(),
        end_form=forms.get("end_form") or EndForm(),
        end_for=forms.get("end_for"),
        mentorships=services.open_mentorships(current_user),
        bans=services.coordinator_bans(current_user),
        blockers=forms.get("blockers"),
    ), status


def _act(form, form_key: str, call, done):
    """Validate, call one service, commit and flash; or show the form again with errors."""
    if not form.validate_on_submit():
        return _actions_page(422, **{form_key: form})
    try:
        result = call(form)
    except ValidationFailed as exc:
        db.session.rollback()
        exc.apply_to(form)
        return _actions_page(422, **{form_key: form})
    db.session.commit()
    flash(done(result), "success")
    return redirect(url_for("console.actions"))


@bp.post("/actions/pair")
def create_pair():
    return _act(
        PairForm(),
        "pair_form",
        lambda f: services.create_pair(
            current_user,
            f.mentor.data,
            f.mentee.data,
            override=bool(f.override.data),
            reason=f.reason.data or "",
            now=utcnow(),
        ),
        lambda m: _(
            "Proposed: %(mentor)s to mentor %(mentee)s.", mentor=m.mentor.display_name, mentee=m.mentee.display_name
        ),
    )


@bp.post("/actions/forbid")
def forbid_pair():
    return _act(
        ForbidForm(),
        "forbid_form",
        lambda f: services.forbid_pair(current_user, f.mentor.data, f.mentee.data, f.note.data or "", utcnow()),
        lambda row: _("This pair will never be proposed."),
    )


@bp.post("/actions/reopen")
def reopen():
    return _act(
        ReopenForm(), "reopen_form", lambda f: services.reopen_member(current_user, f.member.data, utcnow()), _reopened
    )


def _reopened(result) -> str:
    member, lifted = result
    blockers = services.matching_blockers(member)
    text = _("%(name)s is open to matching again (%(n)d bans lifted).", name=member.display_name, n=lifted)
    return text + (" " + _("Still in the way:") + " " + " ".join(blockers) if blockers else "")


@bp.post("/mentorships/<int:mentorship_id>/end")
def end_mentorship(mentorship_id: int):
    m = services.get_mentorship_for_coordinator(current_user, mentorship_id)
    form = EndForm()
    if not form.validate_on_submit():
        return _actions_page(422, end_form=form, end_for=m.id)
    try:
        services.end_mentorship(current_user, m, form.reason.data or "", utcnow())
    except ValidationFailed as exc:
        db.session.rollback()
        exc.apply_to(form)
        return _actions_page(422, end_form=form, end_for=mentorship_id)
    db.session.commit()
    flash(_("The mentorship has ended; both were told."), "success")
    return redirect(url_for("console.actions"))


# --- coordinators --------------------------------------------------------------------------


@bp.route("/coordinators", methods=["GET", "POST"])
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
            return redirect(url_for("console.coordinators"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "console/coordinators.html", form=form, button=ButtonForm(), people=services.coordinators()
    ), status


@bp.post("/coordinators/<int:member_id>/second-factor/reset")
def reset_second_factor(member_id: int):
    if not ButtonForm().validate_on_submit():
        abort(400)
    member = services.reset_second_factor(current_user, member_id)
    db.session.commit()
    flash(_("%(name)s enrols a new authenticator at her next sign-in.", name=member.display_name), "success")
    return redirect(url_for("console.coordinators"))


# --- audit log -----------------------------------------------------------------------------


@bp.get("/audit")
def audit():
    action = request.args.get("action") or None
    stmt = services.audit_entries(current_user, action)
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("console/audit.html", page=page, action=action, actions=services.audit_actions())
