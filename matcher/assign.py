"""Optimal assignment: maximum cardinality first, then maximum total score.

The steps, all deterministic:

1. :func:`class_max_matching` proves the maximum number of matchable mentees
   on the *full* feasible graph.  Feasibility depends only on country, language
   set and years of service (plus excludes), so members are compressed into
   classes of equal (country, language set, years) -- a member involved in an
   exclude is a class of her own -- and a max-flow runs on the class graph.
   Its flow is turned back into one concrete maximum matching ``M*``.
2. :func:`top_candidates` keeps, per mentee, the ``top_k`` feasible mentors by
   the score without the bio term (one dense matrix product per block of
   mentees, blocked by country and language set and sorted by years, so no
   mentors x mentees matrix is ever built).  The edges of ``M*`` are added,
   hence the candidate graph still has a matching of the proven maximum size.
3. :func:`solve_lexicographic` solves a min-cost flow on the candidate graph
   (OR-Tools' exact integer cost-scaling solver) with the flow fixed at the
   proven maximum: every maximum matching of the candidate graph is a feasible
   flow, and the cheapest one is the one with the largest total score.
   (scipy's ``min_weight_full_bipartite_matching`` with mentor places expanded
   into slots gave the same answers but took 6-19 s on 10,000 members; the
   flow formulation needs no slots and no dummy columns.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

from .errors import SolverError

__all__ = [
    "Population",
    "class_max_matching",
    "top_candidates",
    "coverage_units",
    "coverage_costs",
    "soft_costs",
    "solve_flow",
    "tie_break_flow",
    "residual_potentials",
    "price_all_pairs",
]


@dataclass
class Population:
    """Arrays describing the members of a run (positions are in id order)."""

    country: np.ndarray  # int code per member
    languages: np.ndarray  # bool (n_members, n_languages)
    years: np.ndarray  # int per member
    mentees: np.ndarray  # positions of members with role mentee
    mentors: np.ndarray  # positions of members with role mentor and capacity > 0
    capacity: np.ndarray  # per entry of ``mentors``
    blocked: dict  # position -> set of positions (excludes, both ways)
    min_gap: int
    language_codes: tuple = ()  # the columns of ``languages``

    @property
    def n_mentees(self):
        return len(self.mentees)

    @property
    def n_mentors(self):
        return len(self.mentors)


def _classes(pop: Population, who: np.ndarray):
    """Class id per member of ``who`` and one representative per class."""
    n = len(who)
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    packed = np.packbits(pop.languages[who], axis=1)
    lang_id = np.unique(packed, axis=0, return_inverse=True)[1].ravel() if packed.shape[1] else np.zeros(n, np.int64)
    single = np.array([p in pop.blocked for p in who.tolist()], dtype=bool)
    alone = np.where(single, who, -1)
    keys = np.column_stack([pop.country[who], lang_id, pop.years[who], alone]).astype(np.int64)
    uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return inverse.ravel(), who[first]


def _ladder_flow(pop: Population, e_rep, e_count, m_rep, m_places):
    """Maximum flow from mentee classes to mentor classes, as (e class, m class, units).

    Mentor classes are grouped by (country, language set); each group has a
    ladder of nodes, one per years of service present, joined upwards with
    unbounded arcs, and each rung feeds the group's classes of those years.  A
    mentee class enters a group's ladder at the first rung senior enough for
    her, so she reaches exactly the group's mentors she may have, through one
    arc per group instead of one per mentor class (millions fewer arcs).  A
    mentee in an exclude (a class of her own) enters no ladder of a group
    holding a mentor she excludes: she gets one arc per allowed class of it.
    The flow on the ladders is split back into class pairs per group: the
    k-th unit to enter a ladder leaves it as the k-th unit to leave (units only
    climb, so it leaves at a rung as senior as needed).
    """
    ne, nm = len(e_rep), len(m_rep)
    packed = np.packbits(pop.languages[m_rep], axis=1).astype(np.int64)
    g_keys = np.column_stack([pop.country[m_rep], packed])
    g_uniq, m_group = np.unique(g_keys, axis=0, return_inverse=True)
    m_group = m_group.ravel()
    n_groups = len(g_uniq)
    m_years = pop.years[m_rep]
    # Rungs: distinct (group, years), in that order.
    rung_keys = m_group.astype(np.int64) * 1000 + m_years
    rungs, m_rung = np.unique(rung_keys, return_inverse=True)
    m_rung = m_rung.ravel()
    rung_group = rungs // 1000
    nr = len(rungs)
    group_start = np.searchsorted(rung_group, np.arange(n_groups + 1))

    group_rep = m_rep[np.unique(m_group, return_index=True)[1]]
    lang_e = pop.languages[e_rep].astype(np.float32)
    ok = (pop.country[e_rep][:, None] != pop.country[group_rep][None, :]) & (
        (lang_e @ pop.languages[group_rep].astype(np.float32).T) > 0
    )
    need = pop.years[e_rep] + pop.min_gap
    ci, gi = np.nonzero(ok)
    # The first rung senior enough (years are at most 80: a key never spills into the next group).
    entry = np.searchsorted(rungs, gi.astype(np.int64) * 1000 + np.minimum(need[ci], 999), side="left")
    fits = entry < group_start[gi + 1]
    ci, gi, entry = ci[fits], gi[fits], entry[fits]

    direct_e, direct_m = [], []
    if pop.blocked:
        m_of = {int(p): j for j, p in enumerate(m_rep.tolist()) if p in pop.blocked}
        drop = np.zeros(len(ci), dtype=bool)
        for k in np.flatnonzero(np.isin(e_rep[ci], np.fromiter(pop.blocked, dtype=np.intp))).tolist():
            i, g = int(ci[k]), int(gi[k])
            barred = {m_of[q] for q in pop.blocked[int(e_rep[i])] if q in m_of and m_group[m_of[q]] == g}
            if not barred:
                continue
            drop[k] = True
            for j in np.flatnonzero((m_group == g) & (m_years >= need[i])).tolist():
                if j not in barred:
                    direct_e.append(i)
                    direct_m.append(j)
        ci, gi, entry = ci[~drop], gi[~drop], entry[~drop]
    direct_e = np.array(direct_e, dtype=np.int64)
    direct_m = np.array(direct_m, dtype=np.int64)

    # Nodes: source, mentee classes, rungs, mentor classes, sink.
    src, base_r, base_m = 0, 1 + ne, 1 + ne + nr
    sink = base_m + nm
    big = int(min(e_count.sum(), np.iinfo(np.int32).max))
    up = np.flatnonzero(rung_group[:-1] == rung_group[1:])
    tails = np.concatenate(
        [np.zeros(ne, np.int64), 1 + ci, 1 + direct_e, base_r + up, base_r + m_rung, base_m + np.arange(nm)]
    )
    heads = np.concatenate(
        [1 + np.arange(ne), base_r + entry, base_m + direct_m, base_r + up + 1, base_m + np.arange(nm), np.full(nm, sink)]
    )
    caps = np.concatenate(
        [e_count, e_count[ci], np.ones(len(direct_e), np.int64), np.full(len(up), big), m_places, m_places]
    )
    graph = sp.csr_matrix((np.minimum(caps, big).astype(np.int32), (tails, heads)), shape=(sink + 1, sink + 1))
    flow = maximum_flow(graph, src, sink).flow.tocoo()
    pos = flow.data > 0
    fr, fc, fv = flow.row[pos].astype(np.int64), flow.col[pos].astype(np.int64), flow.data[pos].astype(np.int64)

    def arcs(t_lo, t_hi, h_lo, h_hi):
        sel = (fr >= t_lo) & (fr < t_hi) & (fc >= h_lo) & (fc < h_hi)
        return fr[sel] - t_lo, fc[sel] - h_lo, fv[sel]

    de, dm, _ = arcs(1, 1 + ne, base_m, sink)  # excluded mentees' own arcs
    ee, er, ev = arcs(1, 1 + ne, base_r, base_m)  # entering a ladder
    xr, xm, xv = arcs(base_r, base_m, base_m, sink)  # leaving it
    # Per group, the k-th unit in leaves as the k-th unit out (both by rung).
    o_in = np.lexsort((ee, er))
    o_out = np.lexsort((xm, xr))
    unit_e = np.repeat(ee[o_in], ev[o_in])
    unit_m = np.repeat(xm[o_out], xv[o_out])
    unit_gi = np.repeat(rung_group[er[o_in]], ev[o_in])
    unit_go = np.repeat(rung_group[xr[o_out]], xv[o_out])
    if len(unit_e) != len(unit_m) or not np.array_equal(unit_gi, unit_go):
        raise SolverError("the ladder flow does not balance")
    # A direct arc has capacity 1: its flow is one unit.
    keys, counts = np.unique(
        np.column_stack([np.concatenate([unit_e, de]), np.concatenate([unit_m, dm])]), axis=0, return_counts=True
    )
    return keys[:, 0], keys[:, 1], counts.astype(np.int64)


def class_max_matching(pop: Population):
    """A maximum matching of the full feasible graph, via max-flow on classes.

    Returns
    -------
    mate : ndarray of int
        Per mentee (index into ``pop.mentees``), the index into ``pop.mentors``
        of her mentor in the matching, or -1.
    """
    mate = np.full(pop.n_mentees, -1, dtype=np.intp)
    if pop.n_mentees == 0 or pop.n_mentors == 0:
        return mate
    e_cls, e_rep = _classes(pop, pop.mentees)
    m_cls, m_rep = _classes(pop, pop.mentors)
    ne, nm = len(e_rep), len(m_rep)
    e_count = np.bincount(e_cls, minlength=ne)
    m_places = np.bincount(m_cls, weights=pop.capacity, minlength=nm).astype(np.int64)

    f_e, f_m, f_v = _ladder_flow(pop, e_rep, e_count, m_rep, m_places)
    if len(f_e) == 0:
        return mate
    order = np.lexsort((f_m, f_e))

    # Realise the class flow as member pairs: members of a class are interchangeable.
    e_members = [[] for _ in range(ne)]
    for i, c in enumerate(e_cls.tolist()):
        e_members[c].append(i)
    m_slots = [[] for _ in range(nm)]
    for j, c in enumerate(m_cls.tolist()):
        m_slots[c].extend([j] * int(pop.capacity[j]))
    e_ptr = [0] * ne
    m_ptr = [0] * nm
    for k in order.tolist():
        ce, cm, v = int(f_e[k]), int(f_m[k]), int(f_v[k])
        es = e_members[ce][e_ptr[ce] : e_ptr[ce] + v]
        ms = m_slots[cm][m_ptr[cm] : m_ptr[cm] + v]
        e_ptr[ce] += v
        m_ptr[cm] += v
        mate[es] = ms
    return mate


_CHUNK_COLS = 64


def _tie_break(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A deterministic pseudo-random 31-bit number per (row, column) key.

    Used to break ties of the bio-free score, so that mentees with equal scores
    for many mentors do not all pick the same ones (which would leave them
    competing for few places); a splitmix64 finaliser of the pair.
    """
    x = rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + cols.astype(np.uint64)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(33)).astype(np.int64)


def _sortable(values: np.ndarray) -> np.ndarray:
    """float32 values as int64 numbers of the same order (finite values)."""
    bits = values.astype(np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF), bits)


def _reaching_chunks(z: np.ndarray, k: int, floor):
    """Row, column and value of the entries reaching the k-th largest chunk maximum."""
    n_rows, ncol = z.shape
    n_chunks = ncol // _CHUNK_COLS
    body = n_chunks * _CHUNK_COLS
    chunks = z[:, :body].reshape(n_rows, n_chunks, _CHUNK_COLS)
    chunk_max = chunks.max(axis=2)
    threshold = np.partition(chunk_max, n_chunks - k, axis=1)[:, n_chunks - k]
    threshold = np.maximum(threshold, floor)
    sel_r, sel_ch = np.nonzero(chunk_max >= threshold[:, None])
    block = chunks[sel_r, sel_ch]  # (n_selected, 64), rows ascending
    hit_i, hit_j = np.nonzero(block >= threshold[sel_r][:, None])
    values = block[hit_i, hit_j]
    rows = sel_r[hit_i]
    cols = sel_ch[hit_i] * _CHUNK_COLS + hit_j
    if body < ncol:  # the last, partial chunk is always looked at
        tail = z[:, body:]
        tail_r, tail_c = np.nonzero(tail >= threshold[:, None])
        values = np.concatenate([values, tail[tail_r, tail_c]])
        cols = np.concatenate([cols, body + tail_c])
        rows = np.concatenate([rows, tail_r])
        order = np.argsort(rows, kind="stable")
        values, cols, rows = values[order], cols[order], rows[order]
    return rows, cols, values


def _row_top_k(z: np.ndarray, k: int, row_keys: np.ndarray, col_keys: np.ndarray):
    """Per row of ``z``, the columns of its ``k`` largest values above -1.

    Exact; ties at the k-th value are broken by :func:`_tie_break` of
    ``row_keys[row]`` and ``col_keys[column]`` (member positions).  On wide
    blocks, instead of a selection over every column, the columns are cut into
    chunks of 64; the k-th largest chunk maximum of a row is at most her k-th
    largest value, so only the chunks reaching it are gathered and selected
    from.

    Returns
    -------
    r, c : ndarray of int
        Row and column of each kept value.
    """
    n_rows, ncol = z.shape
    floor = np.nextafter(np.float32(-1.0), np.float32(0.0))
    if ncol <= k:
        return np.nonzero(z >= floor)
    n_chunks = ncol // _CHUNK_COLS
    if n_chunks <= 2 * k:
        threshold = np.partition(z, ncol - k, axis=1)[:, ncol - k]
        rows, cols = np.nonzero(z >= np.maximum(threshold, floor)[:, None])
        values = z[rows, cols]
    else:
        rows, cols, values = _reaching_chunks(z, k, floor)
    counts = np.bincount(rows, minlength=n_rows)
    if int(counts.max(initial=0)) <= k:
        return rows, cols
    key = (_sortable(values) << 31) | _tie_break(row_keys[rows], col_keys[cols])
    over = counts > k
    all_in = ~over[rows]
    out_r, out_c = [rows[all_in]], [cols[all_in]]
    # Rows with many ties are selected apart, so that they do not widen the
    # padded array of the others.
    cap = max(4 * k, int(np.percentile(counts[over], 90)))
    for part in (over & (counts <= cap), counts > cap):
        ids = np.flatnonzero(part)
        if len(ids) == 0:
            continue
        here = part[rows]
        cnt = counts[ids]
        width = int(cnt.max())
        local = np.repeat(np.arange(len(ids)), cnt)  # rows are ascending
        pos = np.arange(len(local)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        padded = np.full((len(ids), width), np.iinfo(np.int64).min, dtype=np.int64)
        padded[local, pos] = key[here]
        padded_cols = np.zeros((len(ids), width), dtype=np.intp)
        padded_cols[local, pos] = cols[here]
        top = np.argpartition(padded, width - k, axis=1)[:, width - k :].ravel()
        rr = np.repeat(np.arange(len(ids)), k)
        out_r.append(ids[rr])
        out_c.append(padded_cols[rr, top])
    return np.concatenate(out_r), np.concatenate(out_c)


def top_candidates(pop: Population, scorer, top_k: int, *, lead: float = 0.0, block: int = 256):
    """Per mentee, her ``top_k`` best feasible mentors by the bio-free score.

    With ``lead`` above twice the largest number of goals, the ranking is by
    goal coverage first (see :meth:`CompatibilityScorer.linear_features`): a
    mentor who covers more of her goals is never dropped for one who covers
    fewer.

    Returns
    -------
    e, m : ndarray of int
        Candidate edges as indices into ``pop.mentees`` and ``pop.mentors``.
    value : ndarray of float32
        Their ranking value (``lead`` times the coverage plus the bio-free score).
    """
    out_e, out_m, out_v = [], [], []
    if pop.n_mentees == 0 or pop.n_mentors == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, np.float32)
    mentor_years = pop.years[pop.mentors]
    year_values = np.unique(mentor_years)
    n_years = len(year_values)
    features_m = scorer.linear_features(pop.mentors, side="mentor", year_values=year_values, lead=lead)
    features_m = features_m.astype(np.float32)
    lang_m = pop.languages[pop.mentors].astype(np.float32)
    country_m = pop.country[pop.mentors]

    mentor_index = {int(p): j for j, p in enumerate(pop.mentors.tolist())}
    blocked_keys = np.array(
        sorted(
            i * pop.n_mentors + mentor_index[q]
            for i, p in enumerate(pop.mentees.tolist())
            for q in pop.blocked.get(p, ())
            if q in mentor_index
        ),
        dtype=np.int64,
    )

    packed = np.packbits(pop.languages[pop.mentees], axis=1)
    keys = np.column_stack([pop.country[pop.mentees][:, None].astype(np.int64), packed.astype(np.int64)])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    for g in range(group.max() + 1):
        members = np.flatnonzero(group == g)
        first = pop.mentees[members[0]]
        ok = (country_m != pop.country[first]) & ((lang_m @ pop.languages[first].astype(np.float32)) > 0)
        cols = np.flatnonzero(ok)
        if len(cols) == 0:
            continue
        cols = cols[np.argsort(mentor_years[cols], kind="stable")]
        cols_years = mentor_years[cols]
        feats = features_m[cols]
        members = members[np.argsort(pop.years[pop.mentees[members]], kind="stable")]
        for lo in range(0, len(members), block):
            rows = members[lo : lo + block]
            pos = pop.mentees[rows]
            ye = pop.years[pos]
            start = int(np.searchsorted(cols_years, ye.min() + pop.min_gap, side="left"))
            if start >= len(cols):
                break
            x = scorer.linear_features(pos, side="mentee", year_values=year_values, lead=lead)
            # Too junior mentors: a penalty below any score so they are never kept.
            too_junior = year_values[None, :] < (ye + pop.min_gap)[:, None]
            x[:, -n_years:][too_junior] = -4.0 - 2.0 * lead
            z = x.astype(np.float32) @ feats[start:].T
            n_excl = max((len(pop.blocked.get(int(p), ())) for p in pos.tolist()), default=0)
            k = top_k + n_excl
            r, c = _row_top_k(z, k, pos, pop.mentors[cols[start:]])
            e_idx = rows[r]
            m_idx = cols[start + c]
            value = z[r, c]
            if n_excl:
                keep = ~np.isin(e_idx.astype(np.int64) * pop.n_mentors + m_idx, blocked_keys)
                e_idx, m_idx, value = e_idx[keep], m_idx[keep], value[keep]
            out_e.append(e_idx)
            out_m.append(m_idx)
            out_v.append(value)
    if not out_e:
        return np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0, np.float32)
    return np.concatenate(out_e), np.concatenate(out_m), np.concatenate(out_v)


# -- the lexicographic objective ---------------------------------------------------------
#
# Two stages, both exact min-cost flows with the flow fixed at the proven maximum.
#
# 1. Coverage.  Pair cost = -coverage_units: the mentee's goal coverage times a
#    common denominator of the goal counts (an exact integer, at most 60 for
#    1-5 goals).  Solved on the candidate graph; potentials d (shortest distances
#    in the residual graph) prove it optimal there.  Pricing: a feasible pair
#    (e, m) outside the graph has reduced cost -units(e, m) + d_e - d_m; when no
#    feasible pair has a negative one, d is a feasible dual of the problem on
#    *every* feasible pair, so the flow's coverage is the optimum over all of
#    them (LP duality; the flow problem is totally unimodular).  Otherwise the
#    pairs of negative reduced cost are added and the flow solved again.
# 2. Tie-break.  By complementary slackness with those optimal potentials, a
#    flow of the same size has the optimal coverage exactly when it leaves every
#    arc of positive reduced cost empty and fills every arc of negative reduced
#    cost.  So the arcs of negative reduced cost are fixed (moved into the node
#    supplies), those of positive reduced cost dropped, and a second flow on the
#    remaining (tight) candidate arcs maximises the total rounded score
#    (cost -round(1000 * score)).  Only those arcs need a score, and costs stay
#    small, which the cost-scaling solver likes.

#: Resolution of the tie-breaking score (0.001).
SOFT_SCALE = 1000
#: Largest common denominator of goal coverage; beyond it coverage is rounded.
MAX_UNITS = 100_000


def coverage_units(goal_counts: np.ndarray) -> int:
    """A common denominator of the coverages ``covered / n`` of these goal counts.

    The least common multiple of the counts present, so that coverage is an
    exact integer; capped at :data:`MAX_UNITS` (coverage is then rounded).

    Examples
    --------
    >>> coverage_units(np.array([1, 2, 3, 5, 0]))
    30
    """
    d = 1
    for n in np.unique(np.asarray(goal_counts, dtype=np.int64)).tolist():
        if n > 0:
            d = d * n // math.gcd(d, n)
            if d > MAX_UNITS:
                return MAX_UNITS
    return d


def coverage_costs(covered, units_per_goal) -> np.ndarray:
    """Integer arc costs of the coverage stage: minus the coverage units of each pair.

    Examples
    --------
    >>> coverage_costs(np.array([1, 2]), np.array([60, 20])).tolist()
    [-60, -40]
    """
    return -(np.asarray(covered, dtype=np.int64) * np.asarray(units_per_goal, dtype=np.int64))


def soft_costs(score) -> np.ndarray:
    """Integer arc costs of the tie-break stage: minus the score in thousandths.

    Examples
    --------
    >>> soft_costs(np.array([0.5, 0.1234])).tolist()
    [-500, -123]
    """
    return -np.rint(np.clip(score, 0.0, 1.0) * SOFT_SCALE).astype(np.int64)


def _min_cost_flow(n_nodes, tails, heads, caps, costs, supplies, what):
    """Flow per arc of an exact min-cost flow (OR-Tools' cost scaling)."""
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, np.int32), np.asarray(heads, np.int32), np.asarray(caps, np.int64), np.asarray(costs, np.int64)
    )
    flow.set_nodes_supplies(np.arange(n_nodes, dtype=np.int32), np.asarray(supplies, np.int64))
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow did not solve (status {status}) on {what}")
    return flow.flows(np.arange(len(tails), dtype=np.int32))


def solve_flow(n_mentees, capacity, e_edge, m_edge, cost, flow_value) -> np.ndarray:
    """The cheapest flow of ``flow_value`` mentees on the candidate graph.

    A min-cost flow (OR-Tools' cost-scaling push-relabel, exact on integers):
    source -> mentee (capacity 1), mentee -> mentor (capacity 1, ``cost``),
    mentor -> sink (capacity = places), with supplies fixed at ``flow_value``.

    Returns
    -------
    used : ndarray of bool
        Per candidate edge, whether the flow uses it.

    Raises
    ------
    SolverError
        When the solver fails or the flow is not a matching of that size.

    Examples
    --------
    >>> used = solve_flow(2, np.array([1, 1]), np.array([0, 0, 1]), np.array([0, 1, 0]),
    ...                   np.array([-9, -5, -8]), 2)
    >>> used.tolist()
    [False, True, True]
    """
    e_edge = np.asarray(e_edge)
    n_edges = len(e_edge)
    if flow_value == 0 or n_edges == 0:
        return np.zeros(n_edges, dtype=bool)
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    sink = source + 1
    tails = np.concatenate([np.full(n_mentees, source), e_edge, n_mentees + np.arange(n_mentors)])
    heads = np.concatenate([np.arange(n_mentees), n_mentees + np.asarray(m_edge), np.full(n_mentors, sink)])
    caps = np.concatenate([np.ones(n_mentees, np.int64), np.ones(n_edges, np.int64), np.asarray(capacity)])
    costs = np.concatenate([np.zeros(n_mentees, np.int64), np.asarray(cost, np.int64), np.zeros(n_mentors, np.int64)])
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source], supplies[sink] = flow_value, -flow_value
    flows = _min_cost_flow(sink + 1, tails, heads, caps, costs, supplies, f"{n_edges} candidate pairs")
    used = flows[n_mentees : n_mentees + n_edges] > 0
    if int(used.sum()) != flow_value:
        raise SolverError(f"min-cost flow matched {int(used.sum())} mentees instead of {flow_value}")
    return used


def _flow_arcs(n_mentees, capacity, e_edge, m_edge, cost):
    """Arcs of the coverage flow: source -> mentee, mentee -> mentor, mentor -> sink."""
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    tails = np.concatenate([np.full(n_mentees, source), e_edge, n_mentees + np.arange(n_mentors)])
    heads = np.concatenate([np.arange(n_mentees), n_mentees + np.asarray(m_edge), np.full(n_mentors, source + 1)])
    caps = np.concatenate([np.ones(n_mentees + len(e_edge), np.int64), np.asarray(capacity, np.int64)])
    costs = np.concatenate([np.zeros(n_mentees, np.int64), np.asarray(cost, np.int64), np.zeros(n_mentors, np.int64)])
    return tails.astype(np.int64), heads.astype(np.int64), caps, costs


def check_optimal(n_nodes, tails, heads, caps, costs, flows, dist, supplies) -> bool:
    """Whether ``flows`` is a feasible flow and ``dist`` proves it optimal.

    Feasible: within the capacities, and every node sends out its supply.
    Optimal: every residual arc has a reduced cost ``c + dist[t] - dist[h] >= 0``
    (the potentials are then a feasible dual of equal objective).
    """
    if np.any(flows < 0) or np.any(flows > caps):
        return False
    net = np.bincount(tails, weights=flows, minlength=n_nodes) - np.bincount(heads, weights=flows, minlength=n_nodes)
    if not np.array_equal(np.rint(net).astype(np.int64), np.asarray(supplies, np.int64)):
        return False
    rc = costs + dist[tails] - dist[heads]
    return bool(np.all(rc[flows < caps] >= 0) and np.all(rc[flows > 0] <= 0))


def warm_solve(n_mentees, capacity, e_edge, m_edge, cost, used, dist, flow_value):
    """Re-solve the coverage flow after pairs were added, from the last optimum.

    ``used`` is the optimal flow on the first ``len(used)`` pairs and ``dist``
    its potentials; the pairs after them are new.  New pairs of negative reduced
    cost are saturated and the imbalances repaired (:mod:`matcher._warm`).

    Returns
    -------
    (used, dist) or None
        The new flow per pair and potentials proving it optimal (checked by
        :func:`check_optimal`); None when the repair failed (the caller solves
        from scratch).
    """
    from ._warm import adjacency, repair

    e_edge = np.asarray(e_edge, dtype=np.int64)
    m_edge = np.asarray(m_edge, dtype=np.int64)
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    n_nodes = source + 2
    n_pairs = len(e_edge)
    tails, heads, caps, costs = _flow_arcs(n_mentees, capacity, e_edge, m_edge, cost)
    flows = np.zeros(len(tails), np.int64)
    pair_flow = flows[n_mentees : n_mentees + n_pairs]
    pair_flow[: len(used)] = used
    matched = np.bincount(e_edge[: len(used)][used], minlength=n_mentees)
    flows[:n_mentees] = matched
    flows[n_mentees + n_pairs :] = np.bincount(m_edge[: len(used)][used], minlength=n_mentors)
    d = np.asarray(dist, dtype=np.int64).copy()
    adj = adjacency(n_nodes, tails, heads)
    active = np.ones(len(tails), dtype=bool)
    pending = np.arange(len(used), n_pairs)
    active[n_mentees + pending] = False
    balance = np.zeros(n_nodes, np.int64)
    while len(pending):
        # New pairs of reduced cost >= 0 join as they are; of the negative ones,
        # each mentee's most negative is saturated, the others wait for the
        # potentials of the repaired flow.
        rc = costs[n_mentees + pending] + d[e_edge[pending]] - d[n_mentees + m_edge[pending]]
        active[n_mentees + pending[rc >= 0]] = True
        neg, rc = pending[rc < 0], rc[rc < 0]
        if len(neg) == 0:
            break
        order = np.lexsort((rc, e_edge[neg]))
        neg, rc = neg[order], rc[order]
        first = np.ones(len(neg), dtype=bool)
        first[1:] = e_edge[neg][1:] != e_edge[neg][:-1]
        go, pending = neg[first], neg[~first]
        pair_flow[go] = 1
        active[n_mentees + go] = True
        np.subtract.at(balance, e_edge[go], 1)
        np.add.at(balance, n_mentees + m_edge[go], 1)
        if repair(n_nodes, tails, heads, caps, costs, flows, d, balance, adj, active) < 0:
            return None
    supplies = np.zeros(n_nodes, np.int64)
    supplies[source], supplies[source + 1] = flow_value, -flow_value
    if not check_optimal(n_nodes, tails, heads, caps, costs, flows, d, supplies):
        return None
    return pair_flow > 0, d


def tie_break_flow(n_mentees, capacity, e_edge, m_edge, cost, dist, flow_value, score_of) -> np.ndarray:
    """Among the flows of optimal coverage on the candidate graph, one of the best total score.

    ``dist`` are potentials proving a flow of ``flow_value`` with arc costs
    ``cost`` optimal (from :func:`residual_potentials`).  Arcs of negative
    reduced cost are in every optimal flow: they are fixed (their flow moves
    into the node supplies); arcs of positive reduced cost are in none: they
    are dropped.  A min-cost flow on the tight arcs left, with the costs of
    :func:`soft_costs`, picks the best score among them.

    Parameters
    ----------
    score_of : callable
        ``score_of(indices)`` returns the scores of those candidate edges; it is
        only called for the tight ones.

    Returns
    -------
    used : ndarray of bool
        Per candidate edge, whether the chosen flow uses it.

    Examples
    --------
    Two mentees, two one-place mentors; both mentors cover mentee 0 equally,
    only mentor 0 covers mentee 1.  Coverage forces (1, 0) and (0, 1), whatever
    the scores say:

    >>> e, m, cost = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([-60, -60, -60, 0])
    >>> used = solve_flow(2, np.array([1, 1]), e, m, cost, 2)
    >>> dist = residual_potentials(2, np.array([1, 1]), e, m, cost, used)
    >>> tie_break_flow(2, np.array([1, 1]), e, m, cost, dist, 2, lambda k: np.array([0.9, 0.1, 0.1, 0.9])[k]).tolist()
    [False, True, True, False]
    """
    e_edge = np.asarray(e_edge, dtype=np.int64)
    m_edge = np.asarray(m_edge, dtype=np.int64)
    n_edges = len(e_edge)
    if flow_value == 0 or n_edges == 0:
        return np.zeros(n_edges, dtype=bool)
    capacity = np.asarray(capacity, dtype=np.int64)
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    sink = source + 1
    mentor_node = n_mentees + m_edge
    rc_pair = np.asarray(cost, np.int64) + dist[e_edge] - dist[mentor_node]
    rc_source = dist[source] - dist[:n_mentees]
    rc_sink = dist[n_mentees:source] - dist[sink]
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source], supplies[sink] = flow_value, -flow_value
    # Fixed arcs: their flow is taken out of the tail's supply and given to the head.
    forced_e = rc_source < 0
    supplies[source] -= int(forced_e.sum())
    supplies[:n_mentees] += forced_e
    forced_m = rc_sink < 0
    supplies[n_mentees:source] -= np.where(forced_m, capacity, 0)
    supplies[sink] += int(capacity[forced_m].sum())
    forced_pair = rc_pair < 0
    np.subtract.at(supplies, e_edge[forced_pair], 1)
    np.add.at(supplies, mentor_node[forced_pair], 1)
    free = np.flatnonzero(rc_pair == 0)
    del rc_pair, mentor_node  # the peak of a run's memory comes next: keep it low
    free_e = np.flatnonzero(rc_source == 0)
    free_m = np.flatnonzero(rc_sink == 0)
    soft = soft_costs(score_of(free))
    costs = np.concatenate([np.zeros(len(free_e), np.int64), soft, np.zeros(len(free_m), np.int64)])
    del soft
    tails = np.concatenate([np.full(len(free_e), source), e_edge[free], n_mentees + free_m]).astype(np.int32)
    heads = np.concatenate([free_e, n_mentees + m_edge[free], np.full(len(free_m), sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(len(free_e) + len(free), np.int64), capacity[free_m]])
    flows = _min_cost_flow(sink + 1, tails, heads, caps, costs, supplies, f"{len(free)} tight candidate pairs")
    used = forced_pair.copy()
    used[free] = flows[len(free_e) : len(free_e) + len(free)] > 0
    if int(used.sum()) != flow_value:
        raise SolverError(f"the tie-break flow matched {int(used.sum())} mentees instead of {flow_value}")
    return used


def residual_potentials(n_mentees, capacity, e_edge, m_edge, cost, used) -> np.ndarray:
    """Node potentials proving the flow optimal: shortest distances in its residual graph.

    Distances from a virtual root joined to every node at cost 0, found by
    Bellman-Ford relaxations that only look at arcs leaving nodes whose
    distance changed (vectorised).  Every residual arc ``(t, h, c)`` then has
    ``c + dist[t] - dist[h] >= 0``.  Nodes: mentees, mentors, source, sink.

    Raises
    ------
    SolverError
        On a negative cycle (the flow was not optimal).
    """
    e_edge = np.asarray(e_edge, dtype=np.int64)
    m_edge = np.asarray(m_edge, dtype=np.int64)
    cost = np.asarray(cost, dtype=np.int64)
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    sink = source + 1
    n_nodes = sink + 1
    matched = np.zeros(n_mentees, dtype=bool)
    matched[e_edge[used]] = True
    load = np.bincount(m_edge[used], minlength=n_mentors)
    mentees = np.arange(n_mentees)
    mentors = n_mentees + np.arange(n_mentors)
    free = load < np.asarray(capacity)
    busy = load > 0
    tails = np.concatenate(
        [
            np.full((~matched).sum(), source),
            mentees[matched],
            e_edge[~used],
            n_mentees + m_edge[used],
            mentors[free],
            np.full(busy.sum(), sink),
        ]
    )
    heads = np.concatenate(
        [
            mentees[~matched],
            np.full(matched.sum(), source),
            n_mentees + m_edge[~used],
            e_edge[used],
            np.full(free.sum(), sink),
            mentors[busy],
        ]
    )
    costs = np.concatenate(
        [np.zeros(n_mentees, np.int64), cost[~used], -cost[used], np.zeros(free.sum() + busy.sum(), np.int64)]
    )
    order = np.argsort(tails, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    indptr = np.searchsorted(tails, np.arange(n_nodes + 1))
    dist = np.zeros(n_nodes, dtype=np.int64)
    frontier = np.arange(n_nodes)
    for _ in range(n_nodes + 1):
        starts, counts = indptr[frontier], indptr[frontier + 1] - indptr[frontier]
        total = int(counts.sum())
        if total == 0:
            return dist
        arcs = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        reach = dist[tails[arcs]] + costs[arcs]
        h = heads[arcs]
        better = reach < dist[h]
        if not better.any():
            return dist
        h, reach = h[better], reach[better]
        o = np.lexsort((reach, h))
        h, reach = h[o], reach[o]
        first = np.ones(len(h), dtype=bool)
        first[1:] = h[1:] != h[:-1]
        frontier = h[first]
        dist[frontier] = reach[first]
    raise SolverError("the assignment is not optimal: its residual graph has a negative cycle")


def _mentee_groups(pop: Population):
    """Mentees of the same country and language set, with their feasible mentors.

    Yields (rows, cols): mentee indices sorted by years of service, and the
    indices of the mentors in another country who share a language, sorted by
    years (so that the mentors senior enough for a mentee are a suffix).
    """
    mentor_years = pop.years[pop.mentors]
    lang_m = pop.languages[pop.mentors].astype(np.float32)
    country_m = pop.country[pop.mentors]
    packed = np.packbits(pop.languages[pop.mentees], axis=1).astype(np.int64)
    keys = np.column_stack([pop.country[pop.mentees], packed])
    _, group = np.unique(keys, axis=0, return_inverse=True)
    group = group.ravel()
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    for rows in np.split(order, bounds):
        first = pop.mentees[rows[0]]
        ok = (country_m != pop.country[first]) & ((lang_m @ pop.languages[first].astype(np.float32)) > 0)
        cols = np.flatnonzero(ok)
        if len(cols) == 0:
            continue
        cols = cols[np.argsort(mentor_years[cols], kind="stable")]
        rows = rows[np.argsort(pop.years[pop.mentees[rows]], kind="stable")]
        yield rows, cols


def _ranges(starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The concatenated ranges ``[starts[i], stops[i])``."""
    counts = stops - starts
    return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())


def _sorted_contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in ``sorted_keys`` (binary search, no hashing)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def _feasible_blocks(pop: Population, goals, skills, block: int):
    """Blocks of mentees against their feasible mentors, with goals covered.

    Yields (rows, cols, covered, senior): mentee indices, mentor indices, the
    float32 matrix of goals covered per pair, and the mask of the pairs whose
    mentor is senior enough (excludes are not applied).
    """
    mentor_years = pop.years[pop.mentors]
    for rows, cols in _mentee_groups(pop):
        cols_years = mentor_years[cols]
        sk = skills[:, cols]
        for lo in range(0, len(rows), block):
            r = rows[lo : lo + block]
            ye = pop.years[pop.mentees[r]]
            start = int(np.searchsorted(cols_years, ye.min() + pop.min_gap, side="left"))
            if start >= len(cols):
                break
            covered = goals[r] @ sk[:, start:]
            senior = cols_years[None, start:] >= (ye + pop.min_gap)[:, None]
            yield r, cols[start:], covered, senior


_NOISE_DIM = 8


def _unit_noise(keys: np.ndarray, dim: int) -> np.ndarray:
    """A fixed pseudo-random unit vector of ``dim`` values per key (float32)."""
    keys = np.asarray(keys, dtype=np.int64)
    cols = [_tie_break(keys, np.full(len(keys), j, dtype=np.int64)) for j in range(dim)]
    out = np.column_stack(cols).astype(np.float64) if cols else np.zeros((len(keys), 0))
    out = out / float(1 << 30) - 1.0
    # On the unit sphere: no member wins every tie by a long vector of her own.
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
    return out.astype(np.float32)


def coverage_candidates(pop: Population, goals, skills, per_mentee: int, per_mentor: int, blocked, *, block=256):
    """The pairs the coverage stage starts from, by goal coverage, in one pass.

    * Per mentee, the ``per_mentee`` feasible mentors covering most of her goals;
    * per mentor with places, up to ``per_mentor`` feasible mentees whose goals
      she covers best (by share of the mentee's goals): a mentor whose place is
      contested sees the mentees who need her most.  One pass: per block of
      mentees, each mentor keeps the block's best if it beats her worst kept.

    Ties are broken by a fixed pseudo-random term of the pair, not by the
    score: mentees of equal coverage spread over the mentors instead of all
    asking the same popular ones (the first solve then comes closer to the
    optimum, and pricing has less to add).  The term rides along in the matrix
    product: the dot product of small pseudo-random vectors of the two members,
    below half the smallest difference of two shares of goals.  Excluded pairs
    are left out of the mentee side (the caller drops them from the rest).

    Returns
    -------
    e, m : ndarray of int
    """
    n_m = max(pop.n_mentors, 1)
    mentor_years = pop.years[pop.mentors]
    n_goals = goals.sum(axis=1)
    inv = np.where(n_goals > 0, 1.0 / np.maximum(n_goals, 1), 0.0)
    # Two shares a/b != c/d differ by at least 1 / (b d).
    eps = 0.4 / max(float(n_goals.max(initial=1)), 1.0) ** 2
    noise_e = _unit_noise(pop.mentees, _NOISE_DIM) * np.float32(eps / _NOISE_DIM)
    noise_m = _unit_noise(pop.mentors + (1 << 40), _NOISE_DIM)
    left = np.hstack([goals * inv[:, None], noise_e]).astype(np.float32)
    right = np.vstack([skills, noise_m.T]).astype(np.float32)
    r_keep = max(1, int(per_mentor))
    best_val = np.full((n_m, r_keep), -np.inf, dtype=np.float32)
    best_row = np.full((n_m, r_keep), -1, dtype=np.int64)
    blocked_e = blocked // n_m
    out_e, out_m = [], []
    for rows, cols in _mentee_groups(pop):
        cols_years = mentor_years[cols]
        feats = np.ascontiguousarray(right[:, cols])
        need = pop.years[pop.mentees[rows]] + pop.min_gap
        first = np.searchsorted(cols_years, need, side="left")
        for lo in range(0, len(rows), block):
            r, ye = rows[lo : lo + block], need[lo : lo + block]
            start = int(first[lo])
            if start >= len(cols):
                break
            z = left[r] @ feats[:, start:]
            mixed = int(first[min(lo + block, len(rows)) - 1]) - start
            if mixed > 0:
                z[:, :mixed][cols_years[None, start : start + mixed] < ye[:, None]] = -4.0
            c = cols[start:]
            if per_mentee > 0:
                lo_b, hi_b = np.searchsorted(blocked_e, r, "left"), np.searchsorted(blocked_e, r, "right")
                k = per_mentee + int((hi_b - lo_b).max(initial=0))
                rr, cc = _row_top_k(z, k, pop.mentees[r], pop.mentors[c])
                e, m = r[rr], c[cc]
                if hi_b.sum() > lo_b.sum():
                    keep = ~_sorted_contains(blocked, e.astype(np.int64) * n_m + m)
                    e, m = e[keep], m[keep]
                out_e.append(e)
                out_m.append(m)
            if per_mentor > 0:
                # Column maxima first (a fast reduction); the rows only where they beat her worst.
                val = z.max(axis=0)
                worst = best_val[c].argmin(axis=1)
                better = np.flatnonzero(val > best_val[c, worst])
                cb, worst = c[better], worst[better]
                best_val[cb, worst] = val[better]
                best_row[cb, worst] = r[z[:, better].argmax(axis=0)]
    if per_mentor > 0:
        ok = np.isfinite(best_val) & (best_val >= 0)
        out_e.append(best_row[ok])
        out_m.append(np.broadcast_to(np.arange(n_m)[:, None], best_row.shape)[ok])
    if not out_e:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_e), np.concatenate(out_m)


def mentor_side_candidates(pop: Population, goals, skills, per_mentor: int, *, block: int = 256):
    """Per mentor with places, up to ``per_mentor`` feasible mentees whose goals she covers best.

    By share of the mentee's goals covered, ties broken by a small fixed
    pseudo-random term (a hash per member, xor-ed).  They make sure that a
    mentor whose place is contested sees the mentees who need her most (a
    mentee-side top-k alone can leave her with only mentees who do equally well
    elsewhere).  One pass: per block of mentees, each mentor keeps the best
    mentee of the block if she beats the worst of her kept ones.  Excludes are
    removed later.

    Returns
    -------
    e, m : ndarray of int
    """
    n_m = pop.n_mentors
    r = max(1, int(per_mentor))
    best_val = np.full((n_m, r), -np.inf, dtype=np.float32)
    best_row = np.full((n_m, r), -1, dtype=np.int64)
    n_goals = goals.sum(axis=1)
    inv = np.where(n_goals > 0, 1.0 / np.maximum(n_goals, 1), 0.0).astype(np.float32)
    hash_e = (_tie_break(pop.mentees, np.zeros_like(pop.mentees)) % 1024).astype(np.int16)
    hash_m = (_tie_break(np.zeros_like(pop.mentors), pop.mentors) % 1024).astype(np.int16)
    # Coverage shares differ by at least 1 / max_goals**2: the noise stays below.
    eps = np.float32(0.5 / 1024 / max(float(n_goals.max(initial=1)), 1.0) ** 2)
    left = (goals * inv[:, None]).astype(np.float32)
    right = skills
    mentor_years = pop.years[pop.mentors]
    for rows, cols in _mentee_groups(pop):
        cols_years = mentor_years[cols]
        feats = np.ascontiguousarray(right[:, cols])
        need = pop.years[pop.mentees[rows]] + pop.min_gap
        for lo in range(0, len(rows), block):
            rr, ye = rows[lo : lo + block], need[lo : lo + block]
            start = int(np.searchsorted(cols_years, ye[0], side="left"))
            if start >= len(cols):
                break
            z = left[rr] @ feats[:, start:]
            noise = hash_e[rr][:, None] ^ hash_m[cols[start:]][None, :]
            z += noise * eps
            del noise
            mixed = int(np.searchsorted(cols_years, ye[-1], side="left")) - start
            if mixed > 0:
                z[:, :mixed][cols_years[None, start : start + mixed] < ye[:, None]] = -np.inf
            top = z.argmax(axis=0)
            val = z[top, np.arange(z.shape[1])]
            c = cols[start:]
            worst = best_val[c].argmin(axis=1)
            better = val > best_val[c, worst]
            c, worst = c[better], worst[better]
            best_val[c, worst] = val[better]
            best_row[c, worst] = rr[top[better]]
    ok = np.isfinite(best_val) & (best_val >= 0)
    m_idx = np.broadcast_to(np.arange(n_m)[:, None], best_row.shape)
    return best_row[ok], m_idx[ok]


def price_all_pairs(
    pop: Population, goals, skills, units_per_goal, dist_e, dist_m, mate, blocked, *, per_mentee, window=0, block=256
):
    """Feasible pairs of negative reduced cost in the coverage stage, at most ``per_mentee`` each.

    The reduced cost of a pair (mentee e, mentor m) is ``-units(e, m) + dist_e -
    dist_m``, where ``units`` is her coverage in units.  Every feasible pair is
    checked, in blocks of mentees against the mentors of their group sorted by
    years: one matrix product gives ``units + dist_m`` for the whole block
    (the mentors' potentials ride along as one more feature), a maximum per
    row finds the mentees who have such a pair at all, and only their rows are
    searched.  Values are integers, so float32 is exact while they stay below
    2**24 (float64 is used otherwise).  Pairs already in the candidate graph
    are never returned except the used ones (an unused candidate pair has a
    reduced cost >= 0), so only the mentee's current mentor and the excluded
    pairs are filtered out.

    Parameters
    ----------
    goals : ndarray (n_mentees, n_topics) float32
    skills : ndarray (n_topics, n_mentors) float32
    units_per_goal : ndarray of int
        Coverage units of one covered goal, per mentee (0 without goals).
    dist_e, dist_m : ndarray of int
        Potentials of the mentee and mentor nodes.
    mate : ndarray of int
        Per mentee, the index of her mentor in the flow, or -1.
    blocked : ndarray of int
        Sorted keys ``e * n_mentors + m`` of the excluded pairs.
    per_mentee : int
        Keep only this many pairs per mentee, the most negative reduced costs
        first (partial pricing: the next round prices again).
    window : int
        Only pairs within ``window`` of her most negative reduced cost are
        looked at (a full search of every negative pair of a mentee costs much
        more than the rounds it saves).

    Returns
    -------
    e, m : ndarray of int
        The pairs that could raise the coverage.
    """
    n_m = max(pop.n_mentors, 1)
    upg = np.asarray(units_per_goal, dtype=np.int64)
    dist_e = np.asarray(dist_e, dtype=np.int64)
    dist_m = np.asarray(dist_m, dtype=np.int64)
    full = upg * np.rint(goals.sum(axis=1)).astype(np.int64)  # her coverage at best
    top = int(full.max(initial=0)) + int(np.abs(dist_m).max(initial=0)) + int(np.abs(dist_e).max(initial=0))
    dtype = np.float32 if top < 2**23 else np.float64
    left = (goals * upg[:, None]).astype(dtype)
    right = np.vstack([skills, dist_m[None, :]]).astype(dtype)
    mentor_years = pop.years[pop.mentors]
    blocked_e, blocked_m = blocked // n_m, blocked % n_m
    col_pos = np.full(n_m, -1, dtype=np.int64)
    out_e, out_m = [], []
    for rows, cols in _mentee_groups(pop):
        cols_years = mentor_years[cols]
        col_pos[cols] = np.arange(len(cols))
        feats = np.ascontiguousarray(right[:, cols])
        left_of = np.hstack([left[rows], np.ones((len(rows), 1), dtype)])
        # The best dist_m among the mentors senior enough for each mentee: no pair of
        # hers can do better than full coverage with it.
        best_after = np.maximum.accumulate(dist_m[cols][::-1])[::-1]
        need = pop.years[pop.mentees[rows]] + pop.min_gap
        first = np.searchsorted(cols_years, need, side="left")
        has = first < len(cols)
        bound = np.where(has, full[rows] + best_after[np.minimum(first, len(cols) - 1)], np.iinfo(np.int64).min)
        live = np.flatnonzero(bound > dist_e[rows])
        for lo in range(0, len(live), block):
            at = live[lo : lo + block]
            r, start, ye = rows[at], int(first[at].min()), need[at]
            z = left_of[at] @ feats[:, start:]
            # Mentors too junior for some rows of the block: the first columns only.
            mixed = int(np.searchsorted(cols_years, ye.max(), side="left")) - start
            if mixed > 0:
                z[:, :mixed][cols_years[None, start : start + mixed] < ye[:, None]] = -np.inf
            # Her current mentor and the excluded pairs are masked before the row
            # maxima: a row whose best pair is one of them may still have others.
            lo_b, hi_b = np.searchsorted(blocked_e, r, "left"), np.searchsorted(blocked_e, r, "right")
            at_e = np.repeat(np.arange(len(r)), hi_b - lo_b)
            at_m = blocked_m[_ranges(lo_b, hi_b)]
            mask_r = np.concatenate([np.arange(len(r)), at_e])
            mask_c = col_pos[np.concatenate([np.where(mate[r] >= 0, mate[r], 0), at_m])] - start
            mask_c[: len(r)][mate[r] < 0] = -1
            hit = mask_c >= 0
            z[mask_r[hit], mask_c[hit]] = -np.inf
            de = dist_e[r].astype(dtype)
            bad = np.flatnonzero(z.max(axis=1) > de)
            if len(bad) == 0:
                continue
            zb = z[bad]
            hr, hc = np.nonzero(zb >= np.maximum(zb.max(axis=1) - window, de[bad] + 1)[:, None])
            gain = zb[hr, hc]
            e = r[bad][hr]
            m = cols[start + hc]
            keep = (mate[e] != m) & ~_sorted_contains(blocked, e.astype(np.int64) * n_m + m)
            e, m, gain = e[keep], m[keep], gain[keep]
            order = np.lexsort((_tie_break(e, m), -gain, e))
            e, m = e[order], m[order]
            keep = np.arange(len(e)) - np.searchsorted(e, e, side="left") < per_mentee
            out_e.append(e[keep])
            out_m.append(m[keep])
        col_pos[cols] = -1
    if not out_e:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_e), np.concatenate(out_m)
