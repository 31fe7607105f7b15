"""Bridges matcher: optimal cross-border mentor-mentee assignment, explained.

A plain library (NumPy, SciPy, scikit-learn); it never imports the web app.
The file contract is ``MATCHER-FORMAT.md``; see ``docs/matcher.md``.

Reason kinds of a pair (``Pair.reasons``, in this order)
--------------------------------------------------------
``{"kind": "goal_covered", "slug": s}``
    one per mentee goal that is among the mentor's skills;
``{"kind": "shared_language", "code": c}``
    one per language both speak (mentee's order);
``{"kind": "seniority_gap", "years": n}``
    mentor's years of service minus the mentee's;
``{"kind": "cross_border", "mentor_country": a, "mentee_country": b}``;
``{"kind": "same_agency_kind", "agency": a}``
    when both serve in the same kind of agency;
``{"kind": "bio_overlap", "similarity": x}``
    bio similarity, from ``MatchConfig.bio_reason_threshold``.

Unmatched reason codes (summary ``unmatched[].reason``)
-------------------------------------------------------
A mentor is *compatible* with a mentee when she is in another country, shares
a language and has ``min_gap`` more years of service; every member with the
mentor role counts, also one with no free place in this run (capacity 0).

``no_compatible_mentor``
    no mentor is compatible with her (``language_hint`` names a language
    that would help; ``most_senior_years`` and ``needed_years`` the gap);
``excluded_or_declined``
    compatible mentors exist, but each is excluded (declined, ended, banned);
``compatible_mentors_full``
    compatible mentors exist (``full_mentors``), none has a free place;
``places_used_for_others``
    compatible mentors had places (``mentors_with_places``), but the optimum
    gave them to others: the number matched is the proven maximum, and one
    more place with any of them (``mentor_kind`` names the most common kind)
    would match her.

Each entry: ``id``, ``reason``, ``country``, ``languages``,
``years_of_service``, ``needed_years``, ``mentors_sharing_language``,
``mentors_senior_enough``, ``suitable_mentors``, ``excluded_mentors``,
``full_mentors``, ``mentors_with_places``, ``most_senior_years``,
``language_hint`` (``{"code", "mentors"}`` or null) and ``mentor_kind``
(``{"country", "language"}`` or null).  Runs of earlier versions stored
``no_language_partner``, ``no_senior_mentor``, ``all_excluded`` and
``mentors_full`` (:data:`RETIRED_UNMATCHED_REASONS`).

Constraint violation codes (:func:`check_pair`)
-----------------------------------------------
``same_person``, ``not_mentor``, ``not_mentee``, ``same_country``,
``no_shared_language``, ``gap_too_small``, ``excluded``.

Examples
--------
>>> import matcher
>>> a = matcher.Member("a", "KZ", "police", ("mentor",), ("ru",), ("leadership",), (),
...                    years_of_service=15, capacity=1)
>>> b = matcher.Member("b", "KG", "customs", ("mentee",), ("ru",), (), ("leadership",),
...                    years_of_service=3)
>>> [p.to_dict()["mentor"] for p in matcher.match([a, b]).pairs]
['a']
"""

from .constraints import VIOLATIONS, check_pair
from .errors import ConfigError, InputError, SolverError
from .features import COMPONENTS, CompatibilityScorer, reasons_for
from .io import member_to_dict, pairs_to_jsonl, parse_members, read_members, write_pairs, write_summary
from .model import MatchConfig, MatchResult, Member, Pair
from .run import RETIRED_UNMATCHED_REASONS, UNMATCHED_REASONS, explain_pair, match, score_pair

__all__ = [
    "Member",
    "MatchConfig",
    "Pair",
    "MatchResult",
    "match",
    "parse_members",
    "read_members",
    "write_pairs",
    "write_summary",
    "member_to_dict",
    "pairs_to_jsonl",
    "InputError",
    "ConfigError",
    "SolverError",
    "check_pair",
    "explain_pair",
    "score_pair",
    "reasons_for",
    "CompatibilityScorer",
    "COMPONENTS",
    "VIOLATIONS",
    "UNMATCHED_REASONS",
    "RETIRED_UNMATCHED_REASONS",
]
