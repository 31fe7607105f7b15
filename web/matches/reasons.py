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


# --- why a mentee of a run has no mentor, and what would change that --------------------------
#
# An entry is one item of a run summary's ``unmatched`` list (see ``matcher/__init__.py``):
# ``{"id", "reason", "country", "languages", "years_of_service", "needed_years",
# "mentors_sharing_language", "mentors_senior_enough", "suitable_mentors", "excluded_mentors",
# "full_mentors", "mentors_with_places", "most_senior_years", "language_hint", "mentor_kind"}``.
# Runs stored before these codes carry ``no_language_partner``, ``no_senior_mentor``,
# ``all_excluded`` or ``mentors_full`` and fewer fields; they still render.


def _int(entry: dict, key: str) -> int:
    try:
        return int(entry.get(key) or 0)
    except (TypeError, ValueError):
        return 0


def _languages(codes) -> str:
    labels = [taxonomy.label(taxonomy.LANGUAGES, c) for c in codes or []]
    if not labels:
        return _("her languages")
    if len(labels) == 1:
        return labels[0]
    return _("%(first)s or %(last)s", first=", ".join(labels[:-1]), last=labels[-1])


def _kind(entry: dict) -> str:
    """'a mentor from Kazakhstan who speaks Russian', from the entry's ``mentor_kind``."""
    kind = entry.get("mentor_kind") or {}
    if not isinstance(kind, dict) or not kind.get("country"):
        return _("a compatible mentor")
    return _(
        "a mentor from %(country)s who speaks %(language)s",
        country=taxonomy.label(taxonomy.COUNTRIES, kind.get("country")),
        language=taxonomy.label(taxonomy.LANGUAGES, kind.get("language")),
    )


def unmatched_reason(entry: dict) -> str:
    """Why this mentee got no mentor in the run, as one translated sentence."""
    code = entry.get("reason")
    languages = _languages(entry.get("languages"))
    if code == "no_compatible_mentor":
        if _int(entry, "mentors_sharing_language") == 0:
            return _("No mentor in another country speaks %(languages)s.", languages=languages)
        return ngettext(
            "Mentors in another country speak %(languages)s, but none has %(num)d year of service or more.",
            "Mentors in another country speak %(languages)s, but none has %(num)d years of service or more.",
            _int(entry, "needed_years"),
            languages=languages,
        )
    if code == "excluded_or_declined":
        return ngettext(
            "Her only compatible mentor is excluded (declined, ended or forbidden before).",
            "All %(num)d of her compatible mentors are excluded (declined, ended or forbidden before).",
            _int(entry, "excluded_mentors"),
        )
    if code == "compatible_mentors_full":
        return ngettext(
            "Her %(num)d compatible mentor has no free place.",
            "All %(num)d of her compatible mentors are full.",
            _int(entry, "full_mentors"),
        )
    if code == "places_used_for_others":
        return ngettext(
            "%(num)d compatible mentor had a place, but the best assignment gave it to another mentee "
            "(no assignment matches more mentees).",
            "%(num)d compatible mentors had places, but the best assignment gave them to other mentees "
            "(no assignment matches more mentees).",
            _int(entry, "mentors_with_places"),
        )
    old = {
        "no_language_partner": _("No mentor from another country shares a language with her."),
        "no_senior_mentor": _("No mentor from another country who shares a language has enough more years of service."),
        "all_excluded": _("Her only possible mentors were declined or ended before."),
        "mentors_full": _("Possible mentors exist, but their places went to other mentees."),
    }
    return old.get(code, _("No reason recorded."))


def unblock_hint(entry: dict, min_gap: int) -> str:
    """What would get this mentee a mentor, as one translated sentence."""
    code = entry.get("reason")
    languages = _languages(entry.get("languages"))
    country = taxonomy.label(taxonomy.COUNTRIES, entry.get("country"))
    needed = _int(entry, "needed_years") or _int(entry, "years_of_service") + int(min_gap)
    if code == "no_compatible_mentor":
        if _int(entry, "mentors_sharing_language") == 0:
            hint = entry.get("language_hint") or {}
            if isinstance(hint, dict) and hint.get("code"):
                return ngettext(
                    "A mentor outside %(country)s who speaks %(languages)s would unblock her; if she also "
                    "works in %(language)s, %(num)d mentor would be compatible.",
                    "A mentor outside %(country)s who speaks %(languages)s would unblock her; if she also "
                    "works in %(language)s, %(num)d mentors would be compatible.",
                    _int(hint, "mentors"),
                    country=country,
                    languages=languages,
                    language=taxonomy.label(taxonomy.LANGUAGES, hint.get("code")),
                )
            return _(
                "A mentor outside %(country)s who speaks %(languages)s would unblock her.",
                country=country,
                languages=languages,
            )
        return ngettext(
            "A mentor outside %(country)s who speaks %(languages)s with %(num)d year of service or more would "
            "unblock her (the gap must be %(gap)d years; the most senior such mentor has %(most)d).",
            "A mentor outside %(country)s who speaks %(languages)s with %(num)d years of service or more would "
            "unblock her (the gap must be %(gap)d years; the most senior such mentor has %(most)d).",
            needed,
            country=country,
            languages=languages,
            gap=int(min_gap),
            most=_int(entry, "most_senior_years"),
        )
    if code == "excluded_or_declined":
        return _("A new compatible mentor, or lifting one of her exclusions, would unblock her.")
    if code in ("compatible_mentors_full", "places_used_for_others"):
        return _("One more place for %(kind)s (or any of her compatible mentors) would unblock her.", kind=_kind(entry))
    if code == "no_language_partner":
        return _(
            "No mentor speaks %(languages)s outside %(country)s: recruit such a mentor in "
            "another country, or ask her whether she works in another language too.",
            languages=languages,
            country=country,
        )
    if code == "no_senior_mentor":
        return ngettext(
            "Mentors outside %(country)s speak %(languages)s, but none has %(num)d year of "
            "service or more: a more senior mentor would unblock her.",
            "Mentors outside %(country)s speak %(languages)s, but none has %(num)d years of "
            "service or more: a more senior mentor would unblock her.",
            needed,
            country=country,
            languages=languages,
        )
    if code == "all_excluded":
        return _("A new compatible mentor, or lifting one of her exclusions, would unblock her.")
    if code == "mentors_full":
        n = _int(entry, "suitable_mentors")
        return ngettext(
            "%(num)d suitable mentor has no free place left: one more place, or a pair made by hand, would unblock her.",
            "%(num)d suitable mentors have no free place left: one more place with any of "
            "them, or a pair made by hand, would unblock her.",
            n,
        )
    return _("No hint for this reason.")
