"""Rendered parts of pages kept in this process and reused while what they show stands.

A part is stored under a key that holds everything its HTML depends on: the version the
database moves when the data behind it changes (migration 0011's triggers, read in the same
request before the data), the page's language and time zone, and who looks, as
``web.policy`` groups viewers. A change makes a new key, so nothing is ever invalidated by
hand and every web process (and node) answers from its own copy or from the database, never
from an older copy. Entries are dropped least recently used first.

CSRF tokens are never stored: a part renders ``csrf_token()`` as a marker that
``fill_tokens`` replaces with the viewer's token when the page is served.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from typing import Any

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import select

from . import prefetch
from .extensions import db
from .models import CacheVersion

# Random per process, so that no text a member wrote can be taken for them.
TOKEN_MARKER = "csrf-" + secrets.token_hex(16)
NEXT_MARKER = "next-" + secrets.token_hex(16)


class LRU:
    """A small thread-safe least-recently-used mapping."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_caches: dict[str, LRU] = {}


def cache(name: str) -> LRU:
    """The process's cache ``name`` (``PAGE_CACHE_SIZE`` entries; 0 turns caching off)."""
    found = _caches.get(name)
    if found is None:
        found = _caches[name] = LRU(int(current_app.config.get("PAGE_CACHE_SIZE", 1000)))
    return found


def clear_all() -> None:
    for lru in _caches.values():
        lru.clear()


def version(name: str) -> int | None:
    """The database's version ``name``; None when its row is missing (nothing is cached then).
    The user loader reads the directory's with the member (``web.prefetch``)."""
    known = prefetch.recall(f"{name}_version")
    if known is not None:
        return known
    return db.session.scalar(select(CacheVersion.version).where(CacheVersion.name == name))


def render_part(template: str, **context) -> Markup:
    """A part of a page, rendered with ``csrf_token()`` giving the marker, to be stored."""
    html = render_template(template, csrf_token=_token_marker, **context)
    return Markup(html)  # noqa: S704 - Jinja escaped every value that went in


def _token_marker() -> str:
    return TOKEN_MARKER


def fill_tokens(html: Markup) -> Markup:
    """A stored part with the viewer's own CSRF token in place of the markers."""
    if TOKEN_MARKER not in html:
        return html
    return html.replace(TOKEN_MARKER, generate_csrf())  # Markup.replace escapes the token


@pass_context
def page_header(context) -> Markup:
    """The layout's header (navigation with unread counts, language menu), rendered once per
    language, kind of visitor (signed in, approved, with the way to coordination) and unread
    counts, with this request's CSRF token and path filled in."""
    from flask_login import current_user

    from .notifications.views import unread_for_navigation
    from .policy import may_enter_coordination

    user = current_user._get_current_object()
    signed_in = bool(user.is_authenticated)
    approved = signed_in and user.is_approved
    counts = unread_for_navigation(user) if approved else None
    key = (
        str(context.get("current_locale")),
        signed_in,
        approved,
        signed_in and may_enter_coordination(user),
        (counts["messages"], counts["notifications"]) if counts else None,
    )
    store = cache("header")
    html = store.get(key)
    if html is None:
        html = render_part("_header.html", next_marker=NEXT_MARKER, nav_counts=lambda: counts)
        store.put(key, html)
    next_path = request.full_path if request.method == "GET" else "/"
    return fill_tokens(html).replace(NEXT_MARKER, next_path)  # Markup.replace escapes the path


def init_app(app) -> None:
    app.jinja_env.globals["page_header"] = page_header
