"""Home (a public landing page for visitors), health check, language switch, privacy notice, pending page."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text

from ..extensions import db
from ..models import MemberStatus
from ..security import is_safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    if current_user.status == MemberStatus.PENDING:
        return redirect(url_for("main.pending"))
    return render_template("main/index.html")


@bp.get("/pending")
def pending():
    if current_user.status != MemberStatus.PENDING:
        return redirect(url_for("main.index"))
    return render_template("main/pending.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.post("/language")
def set_language():
    code = request.form.get("lang", "")
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("main.index"))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        ok = True
    except Exception:  # noqa: BLE001 - the answer is the point
        current_app.logger.exception("healthz: database did not answer")
        db.session.rollback()
        ok = False
    # Non-200 when the database is down, so a load balancer or monitor takes the node out.
    if ok:
        return jsonify(status="ok", database=True), 200
    return jsonify(status="unavailable", database=False), 503, {"Retry-After": "30"}
