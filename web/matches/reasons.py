"""The one place where the matcher's reason codes become sentences in the reader's language.

A reason is a dict such as ``{"kind": "shared_language", "code": "ru"}``; see
``shared/MATCHER-FORMAT.md``. Unknown kinds are skipped, so a newer matcher
never breaks the page."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from .. import taxonomy


def _join(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def describe(reasons: list[dict]) -> list[str]:
    """Translated sentences, in a stable order: languages, goals, seniority, countries, rest."""
    by_kind: dict[str, list[dict]] = {}
    for reason in reasons or []:
        if isinstance(reason, dict) and reason.get("kind"):
            by_kind.setdefault(reason["kind"], []).append(reason)
    out: list[str] = []
    languages = [taxonomy.label(taxonomy.LANGUAGES, r.get("code")) for r in by_kind.get("shared_language", [])]
    if languages:
        out.append(_("shares %(languages)s", languages=_join(languages)))
    goals = [taxonomy.label(taxonomy.TOPICS, r.get("slug")) for r in by_kind.get("goal_covered", [])]
    if goals:
        out.append(ngettext("covers her goal: %(goals)s", "covers her goals: %(goals)s", len(goals), goals=", ".join(goals)))
    for r in by_kind.get("seniority_gap", [])[:1]:
        years = int(r.get("years") or 0)
        out.append(ngettext("%(num)d year more service", "%(num)d years more service", years))
    for r in by_kind.get("cross_border", [])[:1]:
        mentee_country = taxonomy.label(taxonomy.COUNTRIES, r.get("mentee_country"))
        mentor_country = taxonomy.label(taxonomy.COUNTRIES, r.get("mentor_country"))
        out.append(f"{mentee_country} ↔ {mentor_country}")
    for r in by_kind.get("same_agency_kind", [])[:1]:
        out.append(_("both work in: %(agency)s", agency=taxonomy.label(taxonomy.AGENCY_KINDS, r.get("agency"))))
    if by_kind.get("bio_overlap"):
        out.append(_("similar interests in their profiles"))
    return out
