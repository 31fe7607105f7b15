"""A request that only read ends its transaction with COMMIT instead of ROLLBACK.

psycopg forgets every prepared statement at a ROLLBACK (and deallocates them on the server),
and Flask-SQLAlchemy ends each request's session with one: so no statement was ever
prepared, and PostgreSQL parsed and planned every query of every request anew (0.2 to 0.5
ms of its CPU a query at 50,000 members, about as much as running it). For a transaction
that wrote nothing, COMMIT has the same effect as ROLLBACK and keeps them.

"Wrote nothing": no flush and no statement other than a SELECT went through the session
since its transaction began, and nothing is pending in it. Anything else ends as before.
"""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db

log = logging.getLogger(__name__)
_WROTE = "bridges_wrote"


def _wrote(session, *_args, **_kwargs) -> None:
    session.info[_WROTE] = True


def _on_execute(state) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


def _transaction_over(session, *_args, **_kwargs) -> None:
    session.info.pop(_WROTE, None)


def end_request(exc: BaseException | None = None) -> None:
    """Commit the request's transaction if it only read (before Flask-SQLAlchemy removes the
    session, which would roll it back)."""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        return
    try:
        session.commit()
    except Exception:  # a broken connection: the removal's rollback deals with it
        log.warning("read-only transaction could not end with COMMIT", exc_info=True)
        session.rollback()


def init_app(app) -> None:
    if not event.contains(Session, "after_flush", _wrote):
        event.listen(Session, "after_flush", _wrote)
        event.listen(Session, "do_orm_execute", _on_execute)
        event.listen(Session, "after_commit", _transaction_over)
        event.listen(Session, "after_rollback", _transaction_over)
    # Registered after Flask-SQLAlchemy's: teardown functions run last registered first.
    app.teardown_appcontext(end_request)
