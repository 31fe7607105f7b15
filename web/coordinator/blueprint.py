"""The coordinator blueprint and its gate: every page under ``/coordinator`` is for
coordinators past their second factor (``coordinator_required``)."""

from __future__ import annotations

from flask import Blueprint

from ..auth.decorators import coordinator_required

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


@bp.before_request
@coordinator_required
def _only_coordinators():
    return None


@bp.app_template_filter("run_status")
def _run_status(status: str) -> str:
    from ..runs.services import run_status_label

    return run_status_label(status)
