"""The coordinator blueprint: every page under ``/coordinator`` for coordinators only.

One module per concern registers its routes on ``bp``: members and applications, programme
health, runs and their reports, exports, actions, coordinators (roles), the audit log, the
development outbox, reported conversations and mentorships in aggregate. Views are thin;
the rules are in the sibling service modules and ``web.policy``."""

from __future__ import annotations

from flask import Blueprint

from ...auth.decorators import coordinator_required

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


@bp.before_request
@coordinator_required
def _only_coordinators():
    return None


@bp.app_template_filter("run_status")
def _run_status(status: str) -> str:
    from ...runs.services import run_status_label

    return run_status_label(status)


# The route modules register on ``bp`` when imported; they need ``bp`` above.
from . import (  # noqa: E402, F401
    actions,
    audit,
    conversations,
    exports,
    health,
    members,
    mentorships,
    outbox,
    reports,
    roles,
    runs,
)
