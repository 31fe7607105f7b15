"""Finding a member for the forms of "Pairs by hand" (propose, ban, re-open): by name,
country or email, within what the policy lets the coordinator act on."""

from __future__ import annotations

from sqlalchemy import or_, select

from .. import policy
from ..collation import name_order
from ..directory.normalise import fold
from ..extensions import db
from ..i18n import translated
from ..models import Member, MemberStatus

LIMIT = 20


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _countries(text: str) -> list[str]:
    """Country codes whose code or name (in the page's language or in English) contains ``text``."""
    from .. import taxonomy

    found = set()
    for code, label in translated("COUNTRIES").items():
        if text == code.casefold() or text in fold(label) or text in fold(str(taxonomy.COUNTRIES.get(code, ""))):
            found.add(code)
    return sorted(found)


def search_members(coordinator: Member, q: str, *, partner: Member | None = None, limit: int = LIMIT) -> list[Member]:
    """Members whose name, country or email matches ``q`` (a number finds that member).

    Only members the coordinator covers (``policy.member_clause``); when ``partner`` (the
    other member of the pair being made) is one she covers, any member, as a pair across
    a border is hers when either member is (``policy.covers_any``). Emails are searched
    only among the members she covers: elsewhere they are private."""
    text = fold(q)
    if not text:
        return []
    covered = policy.member_clause(coordinator, Member.id)
    cross_border = partner is not None and policy.covers(coordinator, partner)
    stmt = select(Member).where(Member.status.in_((MemberStatus.ACTIVE, MemberStatus.SUSPENDED)))
    if not cross_border:
        stmt = stmt.where(covered)
    if text.isdigit():
        stmt = stmt.where(Member.id == int(text))
    else:
        like = f"%{_escape_like(text)}%"
        # search_text's first line is the folded name (web.directory.normalise).
        terms = [Member.search_text.like(like, escape="\\")]
        if "@" in text or "." in text or len(text) >= 3:
            terms.append(Member.email.like(like, escape="\\") & covered)
        if countries := _countries(text):
            terms.append(Member.country.in_(countries))
        stmt = stmt.where(or_(*terms))
    stmt = stmt.order_by(name_order(Member.display_name), Member.id).limit(limit)
    return list(db.session.scalars(stmt))


def member_by_id(coordinator: Member, value: str | None, *, partner: Member | None = None) -> Member | None:
    """The member a "pick" button chose, if the coordinator may see her in this form."""
    value = str(value or "").strip()
    if not value.isdigit():
        return None
    member = db.session.get(Member, int(value))
    if member is None:
        return None
    if policy.covers(coordinator, member) or (partner is not None and policy.covers(coordinator, partner)):
        return member
    return None
