"""The member directory: active members only, filtered and paginated."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import selectinload

from .. import page_cache, policy
from ..collation import name_order
from ..extensions import db
from ..models import Member, MemberLanguage, MemberStatus, MemberTopic, Mentorship, MentorshipState
from .normalise import fold


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    country: str = ""
    agency_kind: str = ""
    language: str = ""
    skill: str = ""
    role: str = ""  # "" | mentor (with free places) | mentee
    page: int = 1


def open_mentorships_count():
    """Correlated count of a mentor's proposed, accepted and active mentorships."""
    return (
        select(func.count(Mentorship.id))
        .where(Mentorship.mentor_id == Member.id, Mentorship.state.in_(MentorshipState.OPEN))
        .correlate(Member)
        .scalar_subquery()
    )


def search(query: DirectoryQuery, viewer: Member, per_page: int = 20):
    """Active members matching the filters, newest first; returns a Flask-SQLAlchemy page."""
    stmt = select(Member).where(Member.status == MemberStatus.ACTIVE)
    if query.country:
        stmt = stmt.where(Member.country == query.country)
    if query.agency_kind:
        stmt = stmt.where(Member.agency_kind == query.agency_kind)
    if query.language:
        stmt = stmt.where(exists().where(MemberLanguage.member_id == Member.id, MemberLanguage.code == query.language))
    if query.skill:
        stmt = stmt.where(
            exists().where(
                and_(MemberTopic.member_id == Member.id, MemberTopic.kind == "skill", MemberTopic.slug == query.skill)
            )
        )
    if query.role == "mentor":
        stmt = stmt.where(Member.is_mentor.is_(True), Member.capacity > open_mentorships_count())
    elif query.role == "mentee":
        stmt = stmt.where(Member.is_mentee.is_(True))
    text = fold(query.q)
    if text:
        # search_text holds the name, and the agency name and bio only where shown,
        # folded the same way as the query (see normalise.py).
        stmt = stmt.where(Member.search_text.like(f"%{_escape_like(text)}%", escape="\\"))
    stmt = stmt.order_by(name_order(Member.display_name), Member.id)
    stmt = stmt.options(selectinload(Member.topics), selectinload(Member.languages))
    return db.paginate(stmt, page=max(query.page, 1), per_page=per_page, error_out=False, count=True)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def results_html(query: DirectoryQuery, viewer: Member, per_page: int = 20) -> Markup:
    """The directory page's content (filters, count, cards, pager) for ``viewer``.

    Rendered once per process for each query, language and class of viewer
    (``policy.profile_view_class``) and reused until the database's ``directory`` version
    moves (any change to members, their topics and languages, or mentorships). A viewer who
    is on the page herself is always served fresh: she sees her own hidden fields."""
    version = page_cache.version("directory")
    key = (query, str(get_locale()), policy.profile_view_class(viewer), per_page, version)
    store = page_cache.cache("directory")
    if version is not None:
        found = store.get(key)
        if found is not None and viewer.id not in found[1]:
            return found[0]
    page = search(query, viewer, per_page)
    profiles = [policy.visible_profile(m, viewer) for m in page.items]
    html = page_cache.render_part("directory/_results.html", query=query, page=page, profiles=profiles)
    shown = frozenset(p["id"] for p in profiles)
    if version is not None and viewer.id not in shown:
        store.put(key, (html, shown))
    return html
