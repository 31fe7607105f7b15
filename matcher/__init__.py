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
``no_language_partner``
    no mentor with free places in another country shares a language with her;
``no_senior_mentor``
    such mentors exist, but none has ``min_gap`` more years of service;
``all_excluded``
    every otherwise suitable mentor is excluded (either way);
``mentors_full``
    suitable mentors exist, but their places went to others in the optimal
    assignment (the count is the proven maximum).

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
from .errors import ConfigError, InputError
from .features import COMPONENTS, CompatibilityScorer, reasons_for
from .io import member_to_dict, pairs_to_jsonl, parse_members, read_members, write_pairs, write_summary
from .model import MatchConfig, MatchResult, Member, Pair
from .run import UNMATCHED_REASONS, explain_pair, match, score_pair

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
    "check_pair",
    "explain_pair",
    "score_pair",
    "reasons_for",
    "CompatibilityScorer",
    "COMPONENTS",
    "VIOLATIONS",
    "UNMATCHED_REASONS",
]
