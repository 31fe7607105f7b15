"""Frozen value types: members, the configuration, pairs and a run's result."""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ConfigError

__all__ = ["Member", "MatchConfig", "Pair", "MatchResult"]


def _as_tuple(value):
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@dataclass(frozen=True)
class Member:
    """One member of the network, as read from one input line.

    Sequences are stored as tuples (lists are converted), so members are
    hashable and cannot change under the matcher.

    Examples
    --------
    >>> m = Member("u1", "KZ", "police", ["mentor"], ["ru"], ["leadership"], [],
    ...            years_of_service=12, capacity=2)
    >>> m.is_mentor, m.is_mentee, m.roles
    (True, False, ('mentor',))
    """

    id: str
    country: str
    agency: str
    roles: tuple[str, ...]
    languages: tuple[str, ...]
    skills: tuple[str, ...]
    goals: tuple[str, ...]
    bio: str = ""
    years_of_service: int = 0
    capacity: int = 0
    exclude: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("roles", "languages", "skills", "goals", "exclude"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))

    @property
    def is_mentor(self) -> bool:
        """Whether she has the mentor role."""
        return "mentor" in self.roles

    @property
    def is_mentee(self) -> bool:
        """Whether she has the mentee role."""
        return "mentee" in self.roles


#: Configuration keys of earlier versions, accepted and ignored (the bio used
#: character n-grams then).
_RETIRED = ("bio_ngram_min", "bio_ngram_max")


# Each field's documentation is kept next to it, in the ``doc`` metadata, so
# that ``--help``-like listings and error messages can quote it.
def _param(default, doc):
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class MatchConfig:
    """Weights and parameters of a matching run.

    A run first matches the most mentees, then maximises the total goal
    coverage exactly, and only then the total compatibility score (a tie-break
    among assignments of equal coverage).  The compatibility score of a
    feasible pair is the weighted mean of six components, each in [0, 1], so
    the score is in [0, 1] too::

        score = (w_goal_coverage * goal_coverage + w_skill_overlap * skill_overlap
                 + w_language * language + w_bio * bio + w_seniority * seniority
                 + w_agency * agency) / (sum of the weights)

    Examples
    --------
    >>> cfg = MatchConfig.from_mapping({"w_bio": 0.0, "top_k": 50})
    >>> cfg.w_bio, cfg.top_k, cfg.min_gap
    (0.0, 50, 2)
    >>> MatchConfig.from_mapping({"w_goal": 1.0})
    Traceback (most recent call last):
    ...
    matcher.errors.ConfigError: unknown configuration key 'w_goal' (known keys: ...)
    """

    w_goal_coverage: float = _param(0.40, "share of the mentee's goals that the mentor's skills cover (the leading term)")
    w_skill_overlap: float = _param(
        0.20,
        "the same coverage weighted by IDF over the mentors' skills: covering a goal that few mentors offer counts more",
    )
    w_language: float = _param(0.08, "share of the mentee's languages the mentor speaks")
    w_bio: float = _param(0.12, "cosine similarity of the bios (TF-IDF over word prefixes, any language)")
    w_seniority: float = _param(0.12, "seniority gap in years, growing linearly up to seniority_cap")
    w_agency: float = _param(0.08, "1 when both serve in the same kind of agency")
    min_gap: int = _param(2, "hard constraint: mentor years >= mentee years + min_gap")
    seniority_cap: int = _param(15, "gap in years beyond which the seniority term is full")
    top_k: int = _param(
        24,
        "candidates first kept per mentee, by goal coverage, then by the score without "
        "the bio term; pricing adds every pair that could raise the coverage, so the "
        "count and the coverage are optimal whatever its value (the tie-break is optimal "
        "among the candidates)",
    )
    mentor_side_k: int = _param(
        16, "candidates kept per mentor: the feasible mentees whose goals she covers best (share of goals); 0 for none"
    )
    pricing_rounds: int = _param(30, "most pricing rounds (solve, price all feasible pairs, add) before giving up")
    bio_word_prefix: int = _param(6, "letters kept of each bio word in the bio TF-IDF (a crude stem)")
    bio_reason_threshold: float = _param(0.1, "bio similarity from which a bio_overlap reason is given")
    histogram_bins: int = _param(10, "bins of the score histogram in the summary")

    def __post_init__(self):
        problems = _config_problems(self)
        if problems:
            raise ConfigError("; ".join(problems))

    @staticmethod
    def weight_names() -> tuple[str, ...]:
        """Names of the score weights, in the order of the score components."""
        return (
            "w_goal_coverage",
            "w_skill_overlap",
            "w_language",
            "w_bio",
            "w_seniority",
            "w_agency",
        )

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> MatchConfig:
        """Build a configuration from a mapping, rejecting unknown keys.

        Missing keys keep their defaults.

        Raises
        ------
        ConfigError
            On an unknown key or a bad value.

        Examples
        --------
        >>> MatchConfig.from_mapping({"min_gap": 3}).min_gap
        3
        """
        if not isinstance(mapping, Mapping):
            raise ConfigError("configuration must be a table of key = value")
        known = [f.name for f in dataclasses.fields(cls)]
        # Keys of earlier versions, still found in stored run configurations.
        mapping = {k: v for k, v in mapping.items() if k not in _RETIRED}
        unknown = sorted(k for k in mapping if k not in known)
        if unknown:
            raise ConfigError(
                ", ".join(f"unknown configuration key {k!r}" for k in unknown) + f" (known keys: {', '.join(known)})"
            )
        return cls(**dict(mapping))

    @classmethod
    def from_toml(cls, path) -> MatchConfig:
        """Read a configuration from a TOML file of ``key = value`` lines.

        A ``[matcher]`` table is accepted too, when the file holds other tables.

        Raises
        ------
        ConfigError
            On an unreadable file, bad TOML, an unknown key or a bad value.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.toml"
        >>> _ = p.write_text("w_bio = 0.2\\ntop_k = 10\\n")
        >>> MatchConfig.from_toml(p).top_k
        10
        """
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        if set(data) == {"matcher"} and isinstance(data["matcher"], dict):
            data = data["matcher"]
        try:
            return cls.from_mapping(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        """The configuration as a plain dict (JSON and TOML serialisable).

        Examples
        --------
        >>> MatchConfig().to_dict()["min_gap"]
        2
        """
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Pair:
    """One mentor-mentee pair of a run, with its score and reasons.

    Examples
    --------
    >>> Pair("u9", "u17", 0.73, ({"kind": "shared_language", "code": "ru"},)).to_dict()
    {'mentor': 'u9', 'mentee': 'u17', 'score': 0.73, 'reasons': [{'kind': 'shared_language', 'code': 'ru'}]}
    """

    mentor: str
    mentee: str
    score: float
    reasons: tuple[dict, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The output JSON object of MATCHER-FORMAT.md (score rounded to 4 places)."""
        return {
            "mentor": self.mentor,
            "mentee": self.mentee,
            "score": round(float(self.score), 4),
            "reasons": [dict(r) for r in self.reasons],
        }


@dataclass
class MatchResult:
    """The pairs of one run (sorted by mentee id) and its JSON-serialisable summary."""

    pairs: list[Pair]
    summary: dict[str, Any]


def _config_problems(config: MatchConfig) -> list[str]:
    """Each field a finite number >= 0 of its type (whole floats become ints), and the
    ranges the solver needs; fixes the types in place."""
    problems = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        want_int = f.type in ("int", int)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{f.name} must be a number, not {value!r}")
            continue
        if want_int and not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                object.__setattr__(config, f.name, int(value))
            else:
                problems.append(f"{f.name} must be an integer, not {value!r}")
                continue
        elif not want_int:
            object.__setattr__(config, f.name, float(value))
        if not math.isfinite(value) or value < 0:
            problems.append(f"{f.name} must be a finite number >= 0, not {value!r}")
    if not problems:
        if sum(getattr(config, n) for n in config.weight_names()) <= 0:
            problems.append("at least one weight must be > 0")
        if config.seniority_cap < 1:
            problems.append("seniority_cap must be >= 1")
        if config.top_k < 1:
            problems.append("top_k must be >= 1")
        if config.mentor_side_k < 0:
            problems.append("mentor_side_k must be >= 0")
        if config.pricing_rounds < 1:
            problems.append("pricing_rounds must be >= 1")
        if config.bio_word_prefix < 1:
            problems.append("bio_word_prefix must be >= 1")
        if config.min_gap > 100:
            problems.append("min_gap must be <= 100")
        if config.histogram_bins < 1:
            problems.append("histogram_bins must be >= 1")
    return problems
