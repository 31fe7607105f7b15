from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from .. import taxonomy
from ..validation import page_arg
from . import services

bp = Blueprint("directory", __name__, url_prefix="/directory")


@bp.get("/")
def index():
    args = request.args
    query = services.DirectoryQuery(
        q=args.get("q", "")[:100],
        country=_pick(args.get("country"), taxonomy.COUNTRIES),
        agency_kind=_pick(args.get("agency_kind"), taxonomy.AGENCY_KINDS),
        language=_pick(args.get("language"), taxonomy.LANGUAGES),
        skill=_pick(args.get("skill"), taxonomy.TOPICS),
        role=_pick(args.get("role"), {"mentor": 1, "mentee": 1}),
        page=page_arg(),
    )
    viewer = current_user._get_current_object()  # asked 80 times a page: not through the proxy each time
    results = services.results_html(query, viewer, current_app.config["DIRECTORY_PAGE_SIZE"])
    return render_template("directory/index.html", results=results)


def _pick(value: str | None, vocabulary) -> str:
    return value if value in vocabulary else ""
