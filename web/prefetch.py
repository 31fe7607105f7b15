"""What the user loader reads with the signed-in member, in the same query, for the rest of
the request: her unread counts (the layout shows them on every page) and the directory's
cache version. One round trip to the database instead of three.

A value read here holds only while this request has written nothing: any flush or any
statement other than a SELECT through the session forgets them all, and whoever needs them
then asks the database again (``messages.services.unread_counts``, ``page_cache.version``).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

_KEY = "_prefetched"


def remember(member_id: int, **values: Any) -> None:
    setattr(g, _KEY, (member_id, values))


def recall(name: str, member_id: int | None = None) -> Any:
    """The value ``name`` read with the member (``member_id``: only if it was hers), or None."""
    if not has_request_context():
        return None
    found = g.get(_KEY)
    if found is None or (member_id is not None and found[0] != member_id):
        return None
    return found[1].get(name)


def forget(*_args, **_kwargs) -> None:
    if has_request_context():
        g.pop(_KEY, None)


def _forget_after_writes(state) -> None:
    if not state.is_select:
        forget()


def init_app(_app) -> None:
    if not event.contains(Session, "after_flush", forget):
        event.listen(Session, "after_flush", forget)
        event.listen(Session, "do_orm_execute", _forget_after_writes)
