"""Temporary: the names ``web/console/services.py`` still imports, until the coordinator
actions move to ``web/coordinator/`` and ask ``rules`` and ``lifecycle`` themselves.
New code imports ``rules``, ``proposals``, ``lifecycle``, ``progress`` or ``sweeps``."""

from __future__ import annotations

from .lifecycle import forbid
from .progress import GOAL_PROGRESS
from .proposals import propose
from .rules import PROBLEMS, open_count, open_mentorship_of_mentee, pair_problems

HARD_PROBLEMS = frozenset(code for code, problem in PROBLEMS.items() if problem.hard)
PROBLEM_MESSAGES = {code: problem.message for code, problem in PROBLEMS.items()}

__all__ = [
    "GOAL_PROGRESS",
    "HARD_PROBLEMS",
    "PROBLEM_MESSAGES",
    "forbid",
    "open_count",
    "open_mentorship_of_mentee",
    "pair_problems",
    "propose",
]
