"""One matching run: validate, score, assign, explain and summarise."""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager

import numpy as np
from threadpoolctl import threadpool_limits

from ._scan import price_pairs, scan_arrays, scan_candidates
from .assign import (
    Population,
    _sorted_contains,
    _sorted_unique,
    class_max_matching,
    coverage_costs,
    coverage_units,
    primal_dual_flow,
    residual_potentials,
    solve_flow,
    tie_break_flow,
)
from .features import CompatibilityScorer, reasons_for
from .model import MatchConfig, MatchResult, Member, Pair

__all__ = ["match", "explain_pair", "score_pair", "UNMATCHED_REASONS", "RETIRED_UNMATCHED_REASONS"]

#: Why a mentee stays unmatched, from the most to the least fundamental.
UNMATCHED_REASONS = ("no_compatible_mentor", "excluded_or_declined", "compatible_mentors_full", "places_used_for_others")
#: Codes of earlier versions, still found in stored runs.
RETIRED_UNMATCHED_REASONS = ("no_language_partner", "no_senior_mentor", "all_excluded", "mentors_full")


#: Candidates per mentee that the coverage stage starts from (the best by coverage,
#: ties by a hash of the pair); pricing adds whatever else the coverage needs.  At
#: 100,000 realistic members, 10 left pricing 650,000 pairs to add over 3 rounds
#: (35 CPU s in all); 20 leaves it a few dozen, and the run takes 27.
CORE_K = 20


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
        language_codes=tuple(scorer.language_binarizer_.classes_),
    )


def _country_names(members, pop: Population) -> list:
    """The country of each code of ``pop.country`` (codes number the countries in sorted order)."""
    codes, first = np.unique(pop.country, return_index=True)
    names = [None] * (int(codes[-1]) + 1 if len(codes) else 0)
    for c, i in zip(codes.tolist(), first.tolist(), strict=True):
        names[c] = members[i].country
    return names


def _mentor_kind(country_names, country_counts: np.ndarray, spoken: np.ndarray, her_codes):
    """The most common country and shared language among the compatible mentors.

    ``country_counts`` counts them per country code, ``spoken`` per language of
    hers (``her_codes``, in code order); ties go to the smallest code.
    """
    if country_counts.sum() == 0:
        return None
    country = country_names[int(np.argmax(country_counts))]
    language = her_codes[int(np.argmax(spoken))] if len(spoken) else None
    return {"country": country, "language": language}


def _language_hint(pop: Population, counts: np.ndarray, her_langs: np.ndarray):
    """The language she does not speak that most mentors senior enough speak.

    ``counts`` is, per language, how many mentors of other countries senior
    enough for her speak it.
    """
    counts = counts.copy()
    counts[her_langs] = 0
    if counts.max(initial=0) == 0:
        return None
    best = int(np.argmax(counts))
    return {"code": pop.language_codes[best], "mentors": int(counts[best])}


def _suffix_sums(rows: np.ndarray) -> np.ndarray:
    """Row ``s`` of the result is the column sums of ``rows[s:]`` (one more row, of zeros)."""
    out = np.zeros((len(rows) + 1, rows.shape[1]), dtype=np.int64)
    np.cumsum(rows[::-1], axis=0, out=out[-2::-1])
    return out


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector, if it runs, for the duration.

    Explaining 50,000 pairs builds some 500,000 small containers that all
    outlive the run and hold no cycles; without the pause they set off two
    full collections over the whole population (~0.45 CPU s at 100k).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unmatched_details(members, pop: Population, unmatched: np.ndarray):
    """Reason code and details per unmatched mentee (index into ``pop.mentees``).

    Every member with the mentor role counts, also those with no free place in
    this run (capacity 0: full before it started), so that "all compatible
    mentors are full" can be told apart from "no compatible mentor exists".
    Counts are computed once per (country, language set, years) of the
    unmatched mentees; only a mentee with exclusions among them is recounted.
    Mentors are taken in order of years, so those senior enough for a mentee
    are a suffix, and their counts per country, per language and with a place
    are suffix sums, computed once per (country, language set).
    """
    if len(unmatched) == 0:
        return []
    gap = pop.min_gap
    everyone = np.array([i for i, m in enumerate(members) if m.is_mentor], dtype=np.intp)
    everyone = everyone[np.argsort(pop.years[everyone], kind="stable")]  # by years, ties in id order
    places = np.zeros(len(members), dtype=np.int64)
    places[pop.mentors] = pop.capacity
    country_names = _country_names(members, pop)
    n_c = len(country_names)
    one_hot = np.eye(n_c, dtype=np.int64)

    def columns(who, her_idx):
        # One row per mentor: her country (one-hot), the languages of ``her_idx`` she speaks, has a place.
        return np.column_stack([one_hot[pop.country[who]], pop.languages[who][:, her_idx], places[who] > 0])

    pos = pop.mentees[unmatched]
    packed = np.packbits(pop.languages[pos], axis=1).astype(np.int64)
    keys = np.column_stack([pop.country[pos], packed, pop.years[pos]])
    # Sorted by country, then language set, then years: the groups of one kind are adjacent.
    _, first, group = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    by_group = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[by_group], np.arange(len(first) + 1))
    lang_all = pop.languages[everyone].astype(np.float32)
    out: list = [None] * len(pos)  # in the order of ``pos``, which is the id order
    kind_key = None
    for g, f in enumerate(first.tolist()):
        p0 = int(pos[f])
        her = pop.languages[p0]
        her_idx = np.flatnonzero(her)
        need = int(pop.years[p0]) + gap
        if (int(pop.country[p0]), packed[f].tobytes()) != kind_key:
            # The mentors of other countries, and those of them sharing a language.
            kind_key = (int(pop.country[p0]), packed[f].tobytes())
            away = pop.country[everyone] != pop.country[p0]
            lang = everyone[away & ((lang_all @ her.astype(np.float32)) > 0)]
            lang_years = pop.years[lang]
            her_codes = [pop.language_codes[j] for j in her_idx.tolist()]
            tail = _suffix_sums(columns(lang, her_idx))
            most_senior = int(lang_years[-1]) if len(lang) else None
            others_tail = None
        s = int(np.searchsorted(lang_years, need, side="left"))
        senior = lang[s:]
        hint = None
        if len(senior) == 0:
            if others_tail is None:
                others_years = pop.years[everyone[away]]
                others_tail = _suffix_sums(pop.languages[everyone[away]])
            hint = _language_hint(pop, others_tail[np.searchsorted(others_years, need, side="left")], her)
        base = tail[s]
        base_kind = _mentor_kind(country_names, base[:n_c], base[n_c:-1], her_codes)
        for r in by_group[bounds[g] : bounds[g + 1]].tolist():
            p = int(pos[r])
            m = members[p]
            blocked = pop.blocked.get(p)
            n_compatible, n_excluded, n_places, kind = len(senior), 0, int(base[-1]), base_kind
            if blocked:
                excluded = senior[np.isin(senior, np.fromiter(blocked, dtype=np.intp))]
                if len(excluded):
                    counts = base - columns(excluded, her_idx).sum(axis=0)
                    n_compatible, n_excluded, n_places = len(senior) - len(excluded), len(excluded), int(counts[-1])
                    kind = _mentor_kind(country_names, counts[:n_c], counts[n_c:-1], her_codes)
            if len(senior) == 0:
                reason = "no_compatible_mentor"
            elif n_compatible == 0:
                reason = "excluded_or_declined"
            elif n_places == 0:
                reason = "compatible_mentors_full"
            else:
                reason = "places_used_for_others"
            out[r] = {
                "id": m.id,
                "reason": reason,
                "country": m.country,
                "languages": list(m.languages),
                "years_of_service": m.years_of_service,
                "needed_years": need,
                "mentors_sharing_language": len(lang),
                "mentors_senior_enough": len(senior),
                "suitable_mentors": n_compatible,
                "excluded_mentors": n_excluded,
                "full_mentors": n_compatible - n_places,
                "mentors_with_places": n_places,
                "most_senior_years": most_senior,
                "language_hint": hint,
                "mentor_kind": kind,
            }
    return out


def _summary(members, pop, pairs, coverage, unmatched, config, timings, max_matchable):
    """The run summary (see ``docs/matcher.md``); counts per country are taken over the country codes of ``pop``."""
    scores = np.array([p.score for p in pairs], dtype=np.float64)
    bins = config.histogram_bins
    edges = np.linspace(0.0, 1.0, bins + 1)
    counts = np.histogram(np.round(scores, 4), bins=edges)[0] if len(scores) else np.zeros(bins, int)
    names = _country_names(members, pop)
    n_c = len(names)
    mentor = np.array([m.is_mentor for m in members], dtype=bool)
    capacity = np.array([m.capacity for m in members], dtype=np.int64)
    position = {m.id: i for i, m in enumerate(members)}
    pair_mentor = np.array([position[p.mentor] for p in pairs], dtype=np.intp)
    pair_mentee = np.array([position[p.mentee] for p in pairs], dtype=np.intp)
    per_country = np.column_stack(
        [
            np.bincount(pop.country[pop.mentees], minlength=n_c),
            np.bincount(pop.country[pair_mentee], minlength=n_c),
            np.bincount(pop.country[mentor], minlength=n_c),
            np.bincount(pop.country[mentor], weights=capacity[mentor], minlength=n_c).astype(np.int64),
            np.bincount(pop.country[pair_mentor], minlength=n_c),
        ]
    ).tolist()
    fields = ("mentees", "mentees_matched", "mentors", "mentor_places", "mentees_mentored")
    flows = np.bincount(pop.country[pair_mentor] * n_c + pop.country[pair_mentee], minlength=n_c * n_c)
    places = int(pop.capacity.sum())
    return {
        "members": len(members),
        "mentees_eligible": int(pop.n_mentees),
        "mentors": int(mentor.sum()),
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
        "by_country": {names[c]: dict(zip(fields, per_country[c], strict=True)) for c in range(n_c)},
        "flows": [
            {"mentor_country": names[k // n_c], "mentee_country": names[k % n_c], "pairs": int(flows[k])}
            for k in np.flatnonzero(flows).tolist()
        ],
        "unmatched": unmatched,
        "unmatched_reasons": dict(sorted(Counter(u["reason"] for u in unmatched).items())),
        "config": config.to_dict(),
        "timings": timings,
    }


def _blocked_keys(pop: Population) -> np.ndarray:
    n_m = max(pop.n_mentors, 1)
    mentor_index = {int(p): j for j, p in enumerate(pop.mentors.tolist())}
    return np.array(
        sorted(
            i * n_m + mentor_index[q]
            for i, p in enumerate(pop.mentees.tolist())
            for q in pop.blocked.get(p, ())
            if q in mentor_index
        ),
        dtype=np.int64,
    )


def _assign(pop: Population, scorer, config: MatchConfig, mate: np.ndarray, say, lap):
    """The lexicographic optimum: most mentees, then most goal coverage, then best score.

    Candidates by coverage first, plus the proven maximum matching; then
    rounds of solve (coverage only), price every feasible pair against the
    potentials, add the pairs that could raise the coverage, until none can
    (certified); then the tie-break flow on the tight candidate pairs.
    """
    n_m = max(pop.n_mentors, 1)
    flow_value = int((mate >= 0).sum())
    info = {
        "candidate_pairs": 0,
        "pricing_rounds": 0,
        "pairs_added_by_pricing": 0,
        "coverage_certified": False,
    }
    if flow_value == 0:
        info["coverage_certified"] = True
        return np.zeros(0, np.intp), np.zeros(0, np.intp), info
    goal_counts = np.rint(scorer.goal_counts_[pop.mentees]).astype(np.int64)
    units = coverage_units(goal_counts)
    units_per_goal = np.where(goal_counts > 0, np.rint(units / np.maximum(goal_counts, 1)), 0).astype(np.int64)
    lead = 2.0 * max(int(goal_counts.max(initial=1)), 1) + 2.0

    say(f"selecting up to {config.top_k} candidates per mentee, by goal coverage first...")
    blocked = _blocked_keys(pop)
    arrays = scan_arrays(pop, scorer, blocked)
    # The coverage stage starts from the CORE_K best of each mentee by coverage and
    # the mentor_side_k best of each mentor; the tie-break may also use the top_k
    # best of each mentee by coverage, then the bio-free score.
    cands = scan_candidates(
        arrays, pop, scorer, units_per_goal, core_k=CORE_K, side_k=config.mentor_side_k, top_k=config.top_k, lead=lead
    )
    soft_keys = np.sort(cands["top"][0] * n_m + cands["top"][1])
    has = np.flatnonzero(mate >= 0)
    parts = [e.astype(np.int64) * n_m + m for e, m in (cands["core"], cands["side"])]
    del cands
    keys = _sorted_unique(np.concatenate([*parts, has.astype(np.int64) * n_m + mate[has]]))
    del parts
    keys = keys[~_sorted_contains(blocked, keys)]
    lap("candidates")

    all_e = np.zeros(0, np.int64)
    all_m = np.zeros(0, np.int64)
    all_cost = np.zeros(0, np.int64)
    new_e, new_m = keys // n_m, keys % n_m
    del keys
    used = dist = None
    for rnd in range(1, config.pricing_rounds + 1):
        say(f"round {rnd}: solving the coverage on {len(all_e) + len(new_e)} pairs...")
        covered = scorer.covered_goals(pop.mentors[new_m], pop.mentees[new_e])
        all_e = np.concatenate([all_e, new_e])
        all_m = np.concatenate([all_m, new_m])
        all_cost = np.concatenate([all_cost, coverage_costs(covered, units_per_goal[new_e])])
        del covered
        solved = primal_dual_flow(pop.n_mentees, pop.capacity, all_e, all_m, all_cost, flow_value)
        if solved is None:  # cost scaling instead, its potentials by Bellman-Ford
            used = solve_flow(pop.n_mentees, pop.capacity, all_e, all_m, all_cost, flow_value)
            solved = used, residual_potentials(pop.n_mentees, pop.capacity, all_e, all_m, all_cost, used)
        used, dist = solved
        lap(f"solve_{rnd}")
        current = np.full(pop.n_mentees, -1, dtype=np.int64)
        current[all_e[used]] = all_m[used]
        say(f"round {rnd}: pricing every feasible pair against the potentials...")
        new_e, new_m = price_pairs(
            arrays,
            units_per_goal,
            dist[: pop.n_mentees],
            dist[pop.n_mentees : pop.n_mentees + pop.n_mentors],
            current,
            per_mentee=config.top_k,
        )
        lap(f"pricing_{rnd}")
        info["pricing_rounds"] = rnd
        if len(new_e) == 0:
            info["coverage_certified"] = True
            break
        info["pairs_added_by_pricing"] += int(len(new_e))
        new_e, new_m = new_e.astype(np.int64), new_m.astype(np.int64)
    info["candidate_pairs"] = int(len(all_e))
    del arrays
    if info["coverage_certified"]:
        # Every feasible pair outside the graph now has a reduced cost >= 0, so the
        # candidates kept for the tie-break can join: the tight ones are as good
        # for the coverage as the graph's own.
        say("breaking ties among the assignments of optimal coverage...")
        extra = soft_keys[~_sorted_contains(np.sort(all_e * n_m + all_m), soft_keys)]
        extra_e, extra_m = extra // n_m, extra % n_m
        covered = scorer.covered_goals(pop.mentors[extra_m], pop.mentees[extra_e])
        all_e = np.concatenate([all_e, extra_e])
        all_m = np.concatenate([all_m, extra_m])
        all_cost = np.concatenate([all_cost, coverage_costs(covered, units_per_goal[extra_e])])
        del extra, extra_e, extra_m, covered, soft_keys

        def score_of(k):
            return scorer.score_pairs(pop.mentors[all_m[k]], pop.mentees[all_e[k]])

        used = tie_break_flow(pop.n_mentees, pop.capacity, all_e, all_m, all_cost, dist, flow_value, score_of)
        info["tie_break_pairs"] = int(np.count_nonzero(all_cost + dist[all_e] - dist[pop.n_mentees + all_m] == 0))
        lap("tie_break")
    order = np.argsort(all_e[used], kind="stable")
    return all_e[used][order], all_m[used][order], info


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
    # The matrix products are thin (a few dozen features) and memory-bound: BLAS
    # threads only spin (on 2 shared cores one thread was faster in wall time too).
    with threadpool_limits(limits=1, user_api="blas"):
        return _match(members, config or MatchConfig(), progress)


def _match(members, config: MatchConfig, progress) -> MatchResult:
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

    e, m, info = _assign(pop, scorer, config, mate, say, lap)

    say(f"explaining {len(e)} pairs...")
    mentor_pos = pop.mentors[m]
    mentee_pos = pop.mentees[e]
    order = np.argsort(mentee_pos, kind="stable")  # positions are in id order
    mentor_pos, mentee_pos = mentor_pos[order], mentee_pos[order]
    comps = scorer.components(mentor_pos, mentee_pos)
    final = scorer.score_pairs(mentor_pos, mentee_pos)
    with _gc_paused():
        mentors = [members[a] for a in mentor_pos.tolist()]
        mentees = [members[b] for b in mentee_pos.tolist()]
        pairs = [
            Pair(
                mentor=mentor.id,
                mentee=mentee.id,
                score=round(score, 4),
                reasons=reasons_for(mentor, mentee, bio_similarity=bio, config=config),
            )
            for mentor, mentee, score, bio in zip(mentors, mentees, final.tolist(), comps["bio"].tolist(), strict=True)
        ]
        matched = np.zeros(pop.n_mentees, dtype=bool)
        matched[e] = True
        unmatched = _unmatched_details(members, pop, np.flatnonzero(~matched))
        with_goals = np.array([len(mentee.goals) > 0 for mentee in mentees], dtype=bool)
    coverage = comps["goal_coverage"][with_goals]
    lap("explain")
    timings["cpu"] = cpu  # process CPU seconds per phase (all threads)
    summary = _summary(members, pop, pairs, coverage, unmatched, config, timings, max_matchable)
    summary["total_goal_coverage"] = round(float(np.sum(coverage)), 6)
    summary["mentees_with_goals_matched"] = int(len(coverage))
    summary["assignment"] = info
    return MatchResult(pairs=pairs, summary=summary)


def _fit_pair(mentor: Member, mentee: Member, config: MatchConfig, population):
    pool = {m.id: m for m in population or ()}
    pool[mentor.id] = mentor
    pool[mentee.id] = mentee
    members = sorted(pool.values(), key=lambda m: m.id)
    scorer = CompatibilityScorer.from_config(config).fit(members)
    index = {m.id: i for i, m in enumerate(members)}
    return scorer, index[mentor.id], index[mentee.id]


def score_pair(
    mentor: Member, mentee: Member, config: MatchConfig | None = None, *, population: Sequence[Member] | None = None
) -> float:
    """Compatibility score of one pair, in [0, 1], rounded to 4 places.

    The skill IDF and the bio TF-IDF are learnt from ``population`` (the two
    members are added when missing), exactly as a run over that population
    learns them, so the value equals the pair's score in that run.  Without a
    population they are learnt from the two members alone.

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
    scorer, i, j = _fit_pair(mentor, mentee, config, population)
    return round(float(scorer.score_pairs([i], [j])[0]), 4)


def explain_pair(
    mentor: Member, mentee: Member, config: MatchConfig | None = None, *, population: Sequence[Member] | None = None
) -> tuple[dict, ...]:
    """Reasons of one pair (see ``reasons_for`` for the kinds and their order).

    With ``population``, the bio similarity is the one a run over that
    population computes (see :func:`score_pair`).

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
    scorer, i, j = _fit_pair(mentor, mentee, config, population)
    return reasons_for(mentor, mentee, bio_similarity=scorer.bio_similarity(i, j), config=config)
