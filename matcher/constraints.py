"""The hard constraints of a pair (MATCHER-FORMAT.md), one code per violation."""

from __future__ import annotations

from .model import MatchConfig, Member

__all__ = ["check_pair", "VIOLATIONS"]

#: Violation codes returned by :func:`check_pair`, in the order they are checked.
VIOLATIONS = (
    "same_person",
    "not_mentor",
    "not_mentee",
    "same_country",
    "no_shared_language",
    "gap_too_small",
    "excluded",
)


def check_pair(mentor: Member, mentee: Member, config: MatchConfig | None = None) -> list[str]:
    """Hard-constraint violations of pairing ``mentor`` with ``mentee``.

    Capacity and "one mentor per mentee" concern a whole assignment and are not
    checked here.

    Returns
    -------
    list of str
        Violation codes in the order of :data:`VIOLATIONS`; empty when allowed.

    Examples
    --------
    >>> a = Member("a", "KZ", "police", ("mentor",), ("ru",), (), (), years_of_service=9, capacity=1)
    >>> b = Member("b", "KG", "police", ("mentee",), ("ru", "ky"), (), (), years_of_service=3)
    >>> check_pair(a, b)
    []
    >>> check_pair(b, a)
    ['not_mentor', 'not_mentee', 'gap_too_small']
    """
    config = config or MatchConfig()
    out = []
    if mentor.id == mentee.id:
        out.append("same_person")
    if not mentor.is_mentor:
        out.append("not_mentor")
    if not mentee.is_mentee:
        out.append("not_mentee")
    if mentor.country == mentee.country:
        out.append("same_country")
    if not set(mentor.languages) & set(mentee.languages):
        out.append("no_shared_language")
    if mentor.years_of_service < mentee.years_of_service + config.min_gap:
        out.append("gap_too_small")
    if mentee.id in mentor.exclude or mentor.id in mentee.exclude:
        out.append("excluded")
    return out
