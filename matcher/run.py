"""One matching run: validate, score, assign, explain and summarise."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from .assign import Population, class_max_matching, solve_lexicographic, top_candidates
from .features import CompatibilityScorer, reasons_for
from .model import MatchConfig, MatchResult, Member, Pair

__all__ = ["match", "explain_pair", "score_pair", "UNMATCHED_REASONS"]

#: Why a mentee stays unmatched, from the most to the least fundamental.
UNMATCHED_REASONS = ("no_language_partner", "no_senior_mentor", "all_excluded", "mentors_full")


def _population(members: Sequence[Member], scorer, config: MatchConfig) -> Population:
    ids = {m.id: i for i, m in enumerate(members)}
    countries = {c: i for i, c in enumerate(sorted({m.country for m in members}))}
    blocked: dict[int, set[int]] = {}
    for i, m in enumerate(members):
        for other in m.exclude:
            j = ids.get(other)
            if j is not None and j != i:
                blocked.setdefault(i, set()).add(j)
                blocked.setdefault(j, set()).add(i)
    mentors = [i for i, m in enumerate(members) if m.is_mentor and m.capacity > 0]
    return Population(
        country=np.array([countries[m.country] for m in members], dtype=np.int64),
        languages=scorer.languages_.toarray() > 0,
        years=np.array([m.years_of_service for m in members], dtype=np.int64),
        mentees=np.array([i for i, m in enumerate(members) if m.is_mentee], dtype=np.intp),
        mentors=np.array(mentors, dtype=np.intp),
        capacity=np.array([members[i].capacity for i in mentors], dtype=np.int64),
        blocked=blocked,
        min_gap=config.min_gap,
    )


def _unmatched_details(pop: Population, members, unmatched: np.ndarray):
    """Reason code and details per unmatched mentee (index into pop.mentees)."""
    out = []
    if len(unmatched) == 0:
        return out
    pos = pop.mentees[unmatched]
    lang_m = pop.languages[pop.mentors].astype(np.float32)
    country_m = pop.country[pop.mentors]
    years_m = pop.years[pop.mentors]
    mentor_set = {int(p): j for j, p in enumerate(pop.mentors.tolist())}
    packed = np.packbits(pop.languages[pos], axis=1).astype(np.int64)
    keys = np.column_stack([pop.country[pos], pop.years[pos], packed])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    for g in range(group.max() + 1):
        rows = np.flatnonzero(group == g)
        p0 = int(pos[rows[0]])
        lang_ok = (country_m != pop.country[p0]) & ((lang_m @ pop.languages[p0].astype(np.float32)) > 0)
        senior = lang_ok & (years_m >= pop.years[p0] + pop.min_gap)
        n_lang, n_senior = int(lang_ok.sum()), int(senior.sum())
        for r in rows.tolist():
            p = int(pos[r])
            blocked = [mentor_set[q] for q in pop.blocked.get(p, ()) if q in mentor_set]
            n_ok = n_senior - int(senior[blocked].sum()) if blocked else n_senior
            if n_lang == 0:
                reason = "no_language_partner"
            elif n_senior == 0:
                reason = "no_senior_mentor"
            elif n_ok == 0:
                reason = "all_excluded"
            else:
                reason = "mentors_full"
            m = members[p]
            out.append(
                {
                    "id": m.id,
                    "reason": reason,
                    "country": m.country,
                    "languages": list(m.languages),
                    "years_of_service": m.years_of_service,
                    "mentors_sharing_language": n_lang,
                    "mentors_senior_enough": n_senior,
                    "suitable_mentors": n_ok,
                }
            )
    out.sort(key=lambda d: d["id"])
    return out


def _summary(members, pop, pairs, coverage, unmatched, config, timings, max_matchable):
    by_id = {m.id: m for m in members}
    scores = np.array([p.score for p in pairs], dtype=np.float64)
    bins = config.histogram_bins
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.histogram(np.round(scores, 4), bins=edges)[0] if len(scores) else np.zeros(bins, int)
    by_country: dict[str, dict] = {}

    def row(c):
        return by_country.setdefault(
            c, {"mentees": 0, "mentees_matched": 0, "mentors": 0, "mentor_places": 0, "mentees_mentored": 0}
        )

    for m in members:
        r = row(m.country)
        if m.is_mentee:
            r["mentees"] += 1
        if m.is_mentor:
            r["mentors"] += 1
            r["mentor_places"] += m.capacity
    flows = Counter()
    for p in pairs:
        mentor, mentee = by_id[p.mentor], by_id[p.mentee]
        row(mentee.country)["mentees_matched"] += 1
        row(mentor.country)["mentees_mentored"] += 1
        flows[(mentor.country, mentee.country)] += 1
    places = int(pop.capacity.sum())
    return {
        "members": len(members),
        "mentees_eligible": int(pop.n_mentees),
        "mentors": sum(1 for m in members if m.is_mentor),
        "mentor_places": places,
        "mentees_matched": len(pairs),
        "max_matchable": int(max_matchable),
        "places_left": places - len(pairs),
        "mean_score": round(float(scores.mean()), 4) if len(scores) else 0.0,
        "mean_goal_coverage": round(float(np.mean(coverage)), 4) if len(coverage) else 0.0,
        "score_histogram": {
            "edges": [round(float(x), 4) for x in edges],
            "counts": [int(x) for x in counts],
        },
        "by_country": {c: by_country[c] for c in sorted(by_country)},
        "flows": [{"mentor_country": a, "mentee_country": b, "pairs": n} for (a, b), n in sorted(flows.items())],
        "unmatched": unmatched,
        "unmatched_reasons": dict(sorted(Counter(u["reason"] for u in unmatched).items())),
        "config": config.to_dict(),
        "timings": timings,
    }


def match(
    members: Sequence[Member],
    config: MatchConfig | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> MatchResult:
    """Run one matching: the most mentees matched, then the best total score.

    Parameters
    ----------
    members : sequence of Member
        The whole population; ids must be unique.
    config : MatchConfig, optional
        Weights and parameters; defaults to ``MatchConfig()``.
    progress : callable, optional
        Called with short progress messages.

    Returns
    -------
    MatchResult
        Pairs sorted by mentee id, and the run summary (see ``docs/matcher.md``).

    Examples
    --------
    >>> a = Member("a", "KZ", "police", ("mentor",), ("ru",), ("leadership",), (),
    ...            years_of_service=15, capacity=1)
    >>> b = Member("b", "KG", "customs", ("mentee",), ("ru",), (), ("leadership",),
    ...            years_of_service=3)
    >>> result = match([a, b])
    >>> [(p.mentor, p.mentee) for p in result.pairs], result.summary["max_matchable"]
    ([('a', 'b')], 1)
    """
    config = config or MatchConfig()
    say = progress or (lambda msg: None)
    timings: dict = {}
    cpu: dict[str, float] = {}
    clock, cpu_clock = time.perf_counter(), time.process_time()

    def lap(name):
        nonlocal clock, cpu_clock
        now, cpu_now = time.perf_counter(), time.process_time()
        timings[name] = round(now - clock, 3)
        cpu[name] = round(cpu_now - cpu_clock, 3)
        clock, cpu_clock = now, cpu_now

    members = sorted(members, key=lambda m: m.id)
    for a, b in zip(members, members[1:], strict=False):
        if a.id == b.id:
            raise ValueError(f"duplicate member id {a.id!r}")
    say(f"fitting scorer on {len(members)} members...")
    scorer = CompatibilityScorer.from_config(config).fit(members)
    pop = _population(members, scorer, config)
    lap("fit")

    say(f"proving the maximum: {pop.n_mentees} mentees, {pop.n_mentors} mentors with places...")
    mate = class_max_matching(pop)
    max_matchable = int((mate >= 0).sum())
    lap("max_flow")

    say(f"selecting up to {config.top_k} candidates per mentee...")
    ce, cm = top_candidates(pop, scorer, config.top_k)
    has = np.flatnonzero(mate >= 0)
    ce = np.concatenate([ce, has])
    cm = np.concatenate([cm, mate[has]])
    key = np.unique(ce.astype(np.int64) * max(pop.n_mentors, 1) + cm)
    ce, cm = key // max(pop.n_mentors, 1), key % max(pop.n_mentors, 1)
    lap("candidates")

    say(f"scoring {len(ce)} candidate pairs...")
    score = scorer.score(pop.mentors[cm], pop.mentees[ce]) if len(ce) else np.zeros(0)
    lap("scoring")

    say(f"solving the assignment ({max_matchable} mentees can be matched)...")
    e, m = solve_lexicographic(pop.n_mentees, pop.capacity, ce, cm, score, mate)
    lap("solve")

    say(f"explaining {len(e)} pairs...")
    mentor_pos = pop.mentors[m]
    mentee_pos = pop.mentees[e]
    order = np.argsort(mentee_pos, kind="stable")  # positions are in id order
    mentor_pos, mentee_pos = mentor_pos[order], mentee_pos[order]
    comps = scorer.components(mentor_pos, mentee_pos)
    final = scorer.score(mentor_pos, mentee_pos)
    pairs = []
    for k, (a, b) in enumerate(zip(mentor_pos.tolist(), mentee_pos.tolist(), strict=True)):
        mentor, mentee = members[a], members[b]
        pairs.append(
            Pair(
                mentor=mentor.id,
                mentee=mentee.id,
                score=round(float(final[k]), 4),
                reasons=reasons_for(mentor, mentee, bio_similarity=float(comps["bio"][k]), config=config),
            )
        )
    matched = np.zeros(pop.n_mentees, dtype=bool)
    matched[e] = True
    unmatched = _unmatched_details(pop, members, np.flatnonzero(~matched))
    with_goals = np.array([len(members[b].goals) > 0 for b in mentee_pos.tolist()], dtype=bool)
    coverage = comps["goal_coverage"][with_goals]
    lap("explain")
    timings["cpu"] = cpu  # process CPU seconds per phase (all threads)
    summary = _summary(members, pop, pairs, coverage, unmatched, config, timings, max_matchable)
    return MatchResult(pairs=pairs, summary=summary)


def _fit_pair(mentor: Member, mentee: Member, config: MatchConfig):
    scorer = CompatibilityScorer.from_config(config).fit([mentor, mentee])
    return scorer, 0, 1


def score_pair(mentor: Member, mentee: Member, config: MatchConfig | None = None) -> float:
    """Compatibility score of one pair, in [0, 1], rounded to 4 places.

    IDF and bio vocabularies are learnt from the two members alone, so the
    value can differ slightly from the one a whole run gives.

    Examples
    --------
    >>> a = Member("a", "KZ", "police", ("mentor",), ("ru",), ("leadership",), (),
    ...            years_of_service=20, capacity=1)
    >>> b = Member("b", "KG", "police", ("mentee",), ("ru",), (), ("leadership",),
    ...            years_of_service=5)
    >>> score_pair(a, b)
    0.88
    """
    config = config or MatchConfig()
    scorer, i, j = _fit_pair(mentor, mentee, config)
    return round(float(scorer.score([i], [j])[0]), 4)


def explain_pair(mentor: Member, mentee: Member, config: MatchConfig | None = None) -> tuple[dict, ...]:
    """Reasons of one pair (see ``reasons_for`` for the kinds and their order).

    Examples
    --------
    >>> a = Member("a", "KZ", "police", ("mentor",), ("ru",), ("leadership",), (),
    ...            years_of_service=20, capacity=1)
    >>> b = Member("b", "KG", "police", ("mentee",), ("ru",), (), ("leadership",),
    ...            years_of_service=5)
    >>> explain_pair(a, b)[0]
    {'kind': 'goal_covered', 'slug': 'leadership'}
    """
    config = config or MatchConfig()
    scorer, i, j = _fit_pair(mentor, mentee, config)
    return reasons_for(mentor, mentee, bio_similarity=scorer.bio_similarity(i, j), config=config)
