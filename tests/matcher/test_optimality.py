"""The assignment is optimal: brute force on small cases, max-flow on larger ones."""

import json
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import maximum_flow

from matcher import CompatibilityScorer, MatchConfig, check_pair, match, parse_members

from .conftest import SLUGS, member, random_population

SMALL_SLUGS = SLUGS[:5]


@st.composite
def populations(draw):
    n_mentors = draw(st.integers(0, 4))
    n_mentees = draw(st.integers(0, 6))
    n_both = draw(st.integers(0, 2))
    members = []
    specs = [("mentor",)] * n_mentors + [("mentee",)] * n_mentees + [("mentor", "mentee")] * n_both
    for i, roles in enumerate(specs):
        members.append(
            member(
                f"p{i}",
                draw(st.sampled_from(["KZ", "KG", "TJ"])),
                roles=roles,
                languages=draw(st.lists(st.sampled_from(["ru", "kk", "en"]), min_size=1, max_size=2, unique=True)),
                skills=draw(st.lists(st.sampled_from(SMALL_SLUGS), max_size=3, unique=True)),
                goals=draw(st.lists(st.sampled_from(SMALL_SLUGS), max_size=3, unique=True)),
                years=draw(st.integers(0, 12)),
                capacity=draw(st.integers(1, 3)) if "mentor" in roles else 0,
                agency=draw(st.sampled_from(["police", "customs"])),
                bio=draw(st.sampled_from(["", "border service", "пограничная служба", "cyber"])),
            )
        )
    ids = [m.id for m in members]
    if ids and draw(st.booleans()):
        a, b = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        members = [
            m
            if m.id != a
            else member(
                m.id,
                m.country,
                roles=m.roles,
                languages=m.languages,
                skills=m.skills,
                goals=m.goals,
                years=m.years_of_service,
                capacity=m.capacity,
                agency=m.agency,
                bio=m.bio,
                exclude=(b,),
            )
            for m in members
        ]
    return members


def _coverage(mentor, mentee):
    """The mentee's goal coverage as an exact fraction (0 without goals)."""
    if not mentee.goals:
        return Fraction(0)
    return Fraction(len(set(mentee.goals) & set(mentor.skills)), len(mentee.goals))


def brute_force(members, config):
    """The best (count, total coverage, total rounded score) over every assignment."""
    members = sorted(members, key=lambda m: m.id)
    scorer = CompatibilityScorer.from_config(config).fit(members)
    pos = {m.id: i for i, m in enumerate(members)}
    mentees = [m for m in members if m.is_mentee]
    mentors = [m for m in members if m.is_mentor and m.capacity > 0]
    options = []
    for e in mentees:
        opts = [
            (j, _coverage(r, e), round(float(scorer.score_pairs([pos[r.id]], [pos[e.id]])[0]) * 1000))
            for j, r in enumerate(mentors)
            if not check_pair(r, e, config)
        ]
        options.append(opts)
    best = (0, Fraction(0), 0)
    left = [r.capacity for r in mentors]

    def go(i, count, coverage, soft):
        nonlocal best
        if i == len(mentees):
            best = max(best, (count, coverage, soft))
            return
        go(i + 1, count, coverage, soft)
        for j, c, s in options[i]:
            if left[j]:
                left[j] -= 1
                go(i + 1, count + 1, coverage + c, soft + s)
                left[j] += 1

    go(0, 0, Fraction(0), 0)
    return best, scorer, pos


@settings(max_examples=150, deadline=None)
@given(populations(), st.integers(1, 3))
def test_matches_brute_force_count_then_coverage_then_score(members, top_k):
    # A tiny top_k forces the pricing rounds to find the pairs the first candidates missed.
    config = MatchConfig(top_k=top_k, mentor_side_k=1)
    (count, coverage, soft), scorer, pos = brute_force(members, config)
    result = match(members, config)
    by_id = {m.id: m for m in members}
    for p in result.pairs:
        assert check_pair(by_id[p.mentor], by_id[p.mentee], config) == []
    assert len({p.mentee for p in result.pairs}) == len(result.pairs)
    for m in members:
        assert sum(p.mentor == m.id for p in result.pairs) <= m.capacity
    assert len(result.pairs) == count == result.summary["max_matchable"]
    assert sum(_coverage(by_id[p.mentor], by_id[p.mentee]) for p in result.pairs) == coverage
    assert result.summary["assignment"]["coverage_certified"]
    got = sum(round(float(scorer.score_pairs([pos[p.mentor]], [pos[p.mentee]])[0]) * 1000) for p in result.pairs)
    if top_k >= 3:  # with every feasible pair a candidate, the tie-break is exact too
        assert got == soft


def test_a_mentor_covering_more_goals_wins_over_a_more_similar_one():
    mentee = member("e", "KG", goals=("leadership", "negotiation"), years=2, bio="пограничная служба смена пункт пропуска")
    covers = member("m1", "KZ", roles=("mentor",), skills=("leadership", "negotiation"), years=5, agency="customs")
    similar = member(
        "m2", "KZ", roles=("mentor",), skills=("leadership",), years=30, bio="пограничная служба смена пункт пропуска"
    )
    pairs = match([mentee, covers, similar]).pairs
    assert [(p.mentor, p.mentee) for p in pairs] == [("m1", "e")]


def independent_maximum(members, config):
    """Max-flow on the full feasible graph, built densely."""
    members = sorted(members, key=lambda m: m.id)
    mentees = [m for m in members if m.is_mentee]
    mentors = [m for m in members if m.is_mentor and m.capacity > 0]
    c_e = np.array([m.country for m in mentees])
    c_m = np.array([m.country for m in mentors])
    y_e = np.array([m.years_of_service for m in mentees])
    y_m = np.array([m.years_of_service for m in mentors])
    langs = sorted({x for m in members for x in m.languages})
    L_e = np.array([[x in m.languages for x in langs] for m in mentees], dtype=float)
    L_m = np.array([[x in m.languages for x in langs] for m in mentors], dtype=float)
    ok = (c_e[:, None] != c_m[None, :]) & ((L_e @ L_m.T) > 0) & (y_m[None, :] >= y_e[:, None] + config.min_gap)
    e_pos = {m.id: i for i, m in enumerate(mentees)}
    m_pos = {m.id: j for j, m in enumerate(mentors)}
    for m in members:
        for x in m.exclude:
            for a, b in ((m.id, x), (x, m.id)):
                if a in e_pos and b in m_pos:
                    ok[e_pos[a], m_pos[b]] = False
    ne, nm = ok.shape
    r, c = np.nonzero(ok)
    sink = ne + nm + 1
    rows = np.concatenate([np.zeros(ne, int), 1 + r, 1 + ne + np.arange(nm)])
    cols = np.concatenate([1 + np.arange(ne), 1 + ne + c, np.full(nm, sink)])
    caps = np.concatenate([np.ones(ne), np.ones(len(r)), [m.capacity for m in mentors]]).astype(np.int32)
    g = sp.csr_matrix((caps, (rows, cols)), shape=(sink + 1, sink + 1))
    return maximum_flow(g, 0, sink).flow_value


def test_matched_count_is_the_max_flow_maximum_on_thousands_of_members():
    rows = random_population(2000, seed=3, p_mentor=0.3, p_exclude=0.03)
    members = parse_members([json.dumps(r) for r in rows])
    for top_k in (1, 30):
        config = MatchConfig(top_k=top_k)
        result = match(members, config)
        expected = independent_maximum(members, config)
        assert result.summary["max_matchable"] == expected
        assert result.summary["mentees_matched"] == expected


def test_scarce_mentors_still_reach_the_maximum_with_tiny_top_k():
    rows = random_population(1500, seed=11, p_mentor=0.12, languages=("ru", "kk", "ky", "tg", "uz"))
    members = parse_members([json.dumps(r) for r in rows])
    config = MatchConfig(top_k=1)
    assert match(members, config).summary["mentees_matched"] == independent_maximum(members, config)


def exact_coverage_optimum(members, config):
    """Most mentees, then most total coverage, by min-cost flow on every feasible pair."""
    from ortools.graph.python import min_cost_flow

    members = sorted(members, key=lambda m: m.id)
    mentees = [m for m in members if m.is_mentee]
    mentors = [m for m in members if m.is_mentor and m.capacity > 0]
    arcs = [(a, b) for a, e in enumerate(mentees) for b, r in enumerate(mentors) if not check_pair(r, e, config)]
    flow = min_cost_flow.SimpleMinCostFlow()
    ne, nm = len(mentees), len(mentors)
    src, sink = ne + nm, ne + nm + 1
    for a in range(ne):
        flow.add_arc_with_capacity_and_unit_cost(src, a, 1, 0)
    for b, r in enumerate(mentors):
        flow.add_arc_with_capacity_and_unit_cost(ne + b, sink, r.capacity, 0)
    for a, b in arcs:  # coverage in 60ths (goal counts 1-5), plus a bonus that makes count lead
        c = _coverage(mentors[b], mentees[a]) * 60
        flow.add_arc_with_capacity_and_unit_cost(a, ne + b, 1, -(10**7 + int(c)))
    flow.set_node_supply(src, ne)
    flow.set_node_supply(sink, -ne)
    flow.add_arc_with_capacity_and_unit_cost(src, sink, ne, 0)
    assert flow.solve() == flow.OPTIMAL
    cost = -flow.optimal_cost()
    return cost // 10**7, Fraction(cost % 10**7, 60)


@pytest.mark.parametrize("top_k", [1, 24])
def test_goal_coverage_equals_the_exact_optimum_on_every_feasible_pair(top_k):
    rows = random_population(600, seed=5)
    members = parse_members([json.dumps(r) for r in rows])
    config = MatchConfig(top_k=top_k)
    count, coverage = exact_coverage_optimum(members, config)
    result = match(members, config)
    by_id = {m.id: m for m in members}
    assert len(result.pairs) == count
    assert sum(_coverage(by_id[p.mentor], by_id[p.mentee]) for p in result.pairs) == coverage


def test_many_excludes_keep_the_maximum_and_the_certified_coverage_exact():
    # A third of the members exclude someone: the maximum goes through mentees who
    # must not reach every mentor of a group, and a mentee's best-looking pair may
    # be her current mentor or an excluded one while others still raise the coverage.
    rows = random_population(590, seed=29, p_mentor=0.29, p_exclude=0.3)
    members = parse_members([json.dumps(r) for r in rows])
    config = MatchConfig(top_k=1, min_gap=1)
    count, coverage = exact_coverage_optimum(members, config)
    result = match(members, config)
    by_id = {m.id: m for m in members}
    assert result.summary["max_matchable"] == independent_maximum(members, config) == count
    assert len(result.pairs) == count
    assert result.summary["assignment"]["coverage_certified"]
    assert sum(_coverage(by_id[p.mentor], by_id[p.mentee]) for p in result.pairs) == coverage


def test_without_mentor_side_candidates_the_coverage_is_still_the_exact_optimum():
    rows = random_population(600, seed=8)
    members = parse_members([json.dumps(r) for r in rows])
    config = MatchConfig(top_k=2, mentor_side_k=0)
    count, coverage = exact_coverage_optimum(members, config)
    result = match(members, config)
    by_id = {m.id: m for m in members}
    assert len(result.pairs) == count and result.summary["assignment"]["coverage_certified"]
    assert sum(_coverage(by_id[p.mentor], by_id[p.mentee]) for p in result.pairs) == coverage


def test_when_the_primal_dual_solve_gives_way_cost_scaling_reaches_the_same_optimum(monkeypatch):
    import matcher.run

    rows = random_population(600, seed=31, p_exclude=0.1)
    members = parse_members([json.dumps(r) for r in rows])
    config = MatchConfig(top_k=2)
    count, coverage = exact_coverage_optimum(members, config)
    monkeypatch.setattr(matcher.run, "primal_dual_flow", lambda *args, **kwargs: None)
    result = match(members, config)
    by_id = {m.id: m for m in members}
    assert len(result.pairs) == count and result.summary["assignment"]["coverage_certified"]
    assert sum(_coverage(by_id[p.mentor], by_id[p.mentee]) for p in result.pairs) == coverage
