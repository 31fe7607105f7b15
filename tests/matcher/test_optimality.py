"""The assignment is optimal: brute force on small cases, max-flow on larger ones."""

import json

import numpy as np
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


def brute_force(members, config):
    members = sorted(members, key=lambda m: m.id)
    scorer = CompatibilityScorer.from_config(config).fit(members)
    pos = {m.id: i for i, m in enumerate(members)}
    mentees = [m for m in members if m.is_mentee]
    mentors = [m for m in members if m.is_mentor and m.capacity > 0]
    options = []
    for e in mentees:
        opts = [
            (j, float(scorer.score([pos[r.id]], [pos[e.id]])[0]))
            for j, r in enumerate(mentors)
            if not check_pair(r, e, config)
        ]
        options.append(opts)
    best = (0, 0.0)
    left = [r.capacity for r in mentors]

    def go(i, count, total):
        nonlocal best
        if i == len(mentees):
            if count > best[0] or (count == best[0] and total > best[1] + 1e-12):
                best = (count, total)
            return
        go(i + 1, count, total)
        for j, s in options[i]:
            if left[j]:
                left[j] -= 1
                go(i + 1, count + 1, total + s)
                left[j] += 1

    go(0, 0, 0.0)
    return best, scorer, pos


@settings(max_examples=100, deadline=None)
@given(populations())
def test_matches_brute_force_count_then_score(members):
    config = MatchConfig()
    (count, total), scorer, pos = brute_force(members, config)
    result = match(members, config)
    by_id = {m.id: m for m in members}
    for p in result.pairs:
        assert check_pair(by_id[p.mentor], by_id[p.mentee], config) == []
    assert len({p.mentee for p in result.pairs}) == len(result.pairs)
    for m in members:
        assert sum(p.mentor == m.id for p in result.pairs) <= m.capacity
    assert len(result.pairs) == count == result.summary["max_matchable"]
    got = sum(float(scorer.score([pos[p.mentor]], [pos[p.mentee]])[0]) for p in result.pairs)
    assert abs(got - total) < 1e-6


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


def test_full_candidates_give_the_same_total_as_dense_assignment():
    from scipy.optimize import linear_sum_assignment

    rows = random_population(300, seed=5)
    members = sorted(parse_members([json.dumps(r) for r in rows]), key=lambda m: m.id)
    config = MatchConfig(top_k=10_000)
    scorer = CompatibilityScorer.from_config(config).fit(members)
    mentees = [i for i, m in enumerate(members) if m.is_mentee]
    slots = [i for i, m in enumerate(members) if m.is_mentor for _ in range(m.capacity)]
    big = 3.0 * (len(mentees) + 2)
    cost = np.full((len(mentees), len(slots) + len(mentees)), np.inf)
    cost[np.arange(len(mentees)), len(slots) + np.arange(len(mentees))] = big
    ok = [
        (a, b) for a, e in enumerate(mentees) for b, m in enumerate(slots) if not check_pair(members[m], members[e], config)
    ]
    a_idx, b_idx = np.array(ok).T
    scores = scorer.score(np.array(slots)[b_idx], np.array(mentees)[a_idx])
    cost[a_idx, b_idx] = 2.0 - scores
    r, c = linear_sum_assignment(cost)
    real = c < len(slots)
    result = match(members, config)
    pos = {m.id: i for i, m in enumerate(members)}
    got = sum(scorer.score([pos[p.mentor]], [pos[p.mentee]])[0] for p in result.pairs)
    assert len(result.pairs) == int(real.sum())
    assert abs(got - (2.0 - cost[r[real], c[real]]).sum()) < 1e-6
