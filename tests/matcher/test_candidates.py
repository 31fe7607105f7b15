"""The passes over every feasible pair (matcher._scan), against a brute force over the members."""

from __future__ import annotations

import numpy as np
import pytest

from matcher import MatchConfig, Member
from matcher._scan import price_pairs, scan_arrays, scan_candidates
from matcher.features import COMPONENTS, CompatibilityScorer
from matcher.run import _blocked_keys, _population

from .conftest import random_population


def setup(rows, *, min_gap=2):
    members = sorted((Member(**r) for r in rows), key=lambda m: m.id)
    config = MatchConfig(min_gap=min_gap)
    scorer = CompatibilityScorer.from_config(config).fit(members)
    pop = _population(members, scorer, config)
    blocked = _blocked_keys(pop)
    return members, scorer, pop, scan_arrays(pop, scorer, blocked)


def feasible(members, pop):
    """Brute force: every feasible (mentee index, mentor index) pair, from the members themselves."""
    out = []
    for i, e in enumerate(pop.mentees.tolist()):
        a = members[e]
        for j, m in enumerate(pop.mentors.tolist()):
            b = members[m]
            if (
                a.country != b.country
                and set(a.languages) & set(b.languages)
                and b.years_of_service >= a.years_of_service + pop.min_gap
                and b.id not in a.exclude
                and a.id not in b.exclude
                and e != m
            ):
                out.append((i, j))
    return out


def covered(members, pop, i, j):
    return len(set(members[pop.mentees[i]].goals) & set(members[pop.mentors[j]].skills))


def units_per_goal(members, pop):
    n = np.array([len(members[e].goals) for e in pop.mentees.tolist()])
    return np.where(n > 0, 60 // np.maximum(n, 1), 0)


def many_topics(n, seed):
    """A population with more than 64 topics and languages, so every bit set spans several words."""
    rng = np.random.default_rng(seed)
    rows = random_population(n, seed, p_exclude=0.1)
    topics = [f"topic_{k:03d}" for k in range(150)]
    langs = [f"l{k:02d}" for k in range(70)]
    for r in rows:
        r["skills"] = sorted(set(rng.choice(topics, size=rng.integers(2, 9)).tolist()))
        r["goals"] = sorted(set(rng.choice(topics[:90], size=rng.integers(1, 6)).tolist()))
        r["languages"] = sorted({"ru", *rng.choice(langs, size=rng.integers(0, 3)).tolist()})
    return rows


POPULATIONS = {"few topics": lambda: random_population(260, 5, p_exclude=0.15), "many topics": lambda: many_topics(220, 9)}


@pytest.mark.parametrize("name", list(POPULATIONS))
def test_each_candidate_set_holds_the_best_feasible_pairs(name):
    members, scorer, pop, arrays = setup(POPULATIONS[name]())
    assert arrays.e_goals.shape[1] == (3 if name == "many topics" else 1)
    pairs = feasible(members, pop)
    assert pairs, "the population must have feasible pairs"
    upg = units_per_goal(members, pop)
    lead = 12.0
    got = scan_candidates(arrays, pop, scorer, upg, core_k=3, side_k=2, top_k=4, lead=lead)
    allowed = set(pairs)
    w = scorer._weights()
    units, value = {}, {}
    for i, j in pairs:
        units[i, j] = covered(members, pop, i, j) * upg[i]
        comps = scorer.components([pop.mentors[j]], [pop.mentees[i]])
        n_goals = len(members[pop.mentees[i]].goals)
        value[i, j] = lead * covered(members, pop, i, j) / n_goals + sum(
            wi * comps[c][0] for wi, c in zip(w, COMPONENTS, strict=True) if c != "bio"
        )
    for name_, k, key in (("core", 3, units), ("top", 4, value)):
        e, m, *_ = got[name_]
        kept = list(zip(e.tolist(), m.tolist(), strict=True))
        assert set(kept) <= allowed and len(set(kept)) == len(kept)
        for i in range(pop.n_mentees):
            mine = sorted((key[p] for p in kept if p[0] == i), reverse=True)
            best = sorted((key[p] for p in allowed if p[0] == i), reverse=True)[:k]
            assert mine == pytest.approx(best), (name_, i)
    e, m = got["side"]
    kept = list(zip(e.tolist(), m.tolist(), strict=True))
    assert set(kept) <= allowed and len(set(kept)) == len(kept)
    for j in range(pop.n_mentors):
        mine = sorted((units[p] for p in kept if p[1] == j), reverse=True)
        assert mine == sorted((units[p] for p in allowed if p[1] == j), reverse=True)[:2], j


@pytest.mark.parametrize("name", list(POPULATIONS))
@pytest.mark.parametrize("window", [0, 25])
def test_pricing_finds_every_mentee_with_a_pair_of_negative_reduced_cost(name, window):
    members, scorer, pop, arrays = setup(POPULATIONS[name]())
    pairs = feasible(members, pop)
    upg = units_per_goal(members, pop)
    rng = np.random.default_rng(3)
    dist_e = rng.integers(-40, 80, size=pop.n_mentees)
    dist_m = rng.integers(-40, 40, size=pop.n_mentors)
    mate = np.full(pop.n_mentees, -1)
    for i, j in pairs[::7]:
        mate[i] = j
    e, m = price_pairs(arrays, upg, dist_e, dist_m, mate, per_mentee=3, window=window)
    found = list(zip(e.tolist(), m.tolist(), strict=True))
    assert len(set(found)) == len(found)
    gain = {(i, j): covered(members, pop, i, j) * upg[i] + dist_m[j] for i, j in pairs if mate[i] != j}
    for i in range(pop.n_mentees):
        hers = {p: g for p, g in gain.items() if p[0] == i}
        best = max(hers.values(), default=None)
        want = sorted((g for g in hers.values() if g > dist_e[i] and g >= best - window), reverse=True)[:3]
        assert sorted((gain[p] for p in found if p[0] == i), reverse=True) == want, i
        assert all(p in hers for p in found if p[0] == i)


def test_ties_are_broken_the_same_way_every_time_and_differ_between_mentees():
    # Two mentees alike in everything, and 40 mentors alike in everything: every pair ties.
    rows = [
        {"id": f"e{k}", "country": "KG", "agency": "police", "roles": ["mentee"], "languages": ["ru"],
         "skills": [], "goals": ["leadership"], "years_of_service": 1, "capacity": 0}
        for k in range(2)
    ] + [
        {"id": f"m{k:02d}", "country": "KZ", "agency": "police", "roles": ["mentor"], "languages": ["ru"],
         "skills": ["leadership"], "goals": [], "years_of_service": 20, "capacity": 1}
        for k in range(40)
    ]  # fmt: skip
    members, scorer, pop, arrays = setup(rows)
    upg = units_per_goal(members, pop)
    runs = [scan_candidates(arrays, pop, scorer, upg, core_k=5, side_k=1, top_k=5, lead=4.0) for _ in range(2)]
    for name in ("core", "top", "side"):
        assert all(np.array_equal(a, b) for a, b in zip(runs[0][name], runs[1][name], strict=True))
    e, m = runs[0]["core"]
    assert len(e) == 10
    assert set(m[e == 0].tolist()) != set(m[e == 1].tolist())
