"""The coordinator blueprint: every page under ``/coordinator`` for coordinators only.

One module per concern registers its routes on ``bp``: members and applications, programme
health, runs and their reports, exports, actions, coordinators (roles), the audit log, the
development outbox, reported conversations and mentorships in aggregate. Views are thin;
the rules are in the sibling service modules and ``web.policy``."""

from __future__ import annotations

from ..blueprint import bp

__all__ = ["bp"]

# The route modules register on ``bp`` when imported.
from . import (  # noqa: F401
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
