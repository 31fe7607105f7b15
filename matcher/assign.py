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
    "pair_costs",
    "solve_flow",
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

    lang_e = pop.languages[e_rep].astype(np.float32)
    lang_m = pop.languages[m_rep].astype(np.float32)
    rows, cols = [], []
    step = max(1, 2_000_000 // max(nm, 1))
    for lo in range(0, ne, step):
        rep = e_rep[lo : lo + step]
        ok = pop.country[rep][:, None] != pop.country[m_rep][None, :]
        ok &= (lang_e[lo : lo + step] @ lang_m.T) > 0
        ok &= pop.years[m_rep][None, :] >= pop.years[rep][:, None] + pop.min_gap
        r, c = np.nonzero(ok)
        rows.append(r + lo)
        cols.append(c)
    rows = np.concatenate(rows)
    cols = np.concatenate(cols)
    if pop.blocked:
        # Members involved in excludes are classes of their own: drop those edges.
        e_single = {int(p): i for i, p in enumerate(e_rep.tolist()) if p in pop.blocked}
        m_single = {int(p): j for j, p in enumerate(m_rep.tolist()) if p in pop.blocked}
        bad = set()
        for p, i in e_single.items():
            for q in pop.blocked[p]:
                j = m_single.get(q)
                if j is not None:
                    bad.add(i * nm + j)
        if bad:
            keep = ~np.isin(rows.astype(np.int64) * nm + cols, np.fromiter(bad, dtype=np.int64))
            rows, cols = rows[keep], cols[keep]
    if len(rows) == 0:
        return mate

    src, sink = 0, ne + nm + 1
    big = int(min(e_count.sum(), np.iinfo(np.int32).max))
    g_rows = np.concatenate([np.zeros(ne, np.int64), 1 + rows, 1 + ne + np.arange(nm)])
    g_cols = np.concatenate([1 + np.arange(ne), 1 + ne + cols, np.full(nm, sink)])
    g_cap = np.concatenate([e_count, np.minimum(e_count[rows], m_places[cols]), np.minimum(m_places, big)]).astype(np.int32)
    graph = sp.csr_matrix((g_cap, (g_rows, g_cols)), shape=(sink + 1, sink + 1))
    flow = maximum_flow(graph, src, sink).flow.tocoo()
    sel = (flow.data > 0) & (flow.row >= 1) & (flow.row <= ne) & (flow.col > ne) & (flow.col < sink)
    f_e, f_m, f_v = flow.row[sel] - 1, flow.col[sel] - 1 - ne, flow.data[sel]
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
    """
    out_e, out_m = [], []
    if pop.n_mentees == 0 or pop.n_mentors == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
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
            if n_excl:
                keep = ~np.isin(e_idx.astype(np.int64) * pop.n_mentors + m_idx, blocked_keys)
                e_idx, m_idx = e_idx[keep], m_idx[keep]
            out_e.append(e_idx)
            out_m.append(m_idx)
    if not out_e:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_e), np.concatenate(out_m)


# -- the lexicographic objective ---------------------------------------------------------
#
# Pair costs are integers: cost = -(coverage_weight * coverage_units + soft), where
# coverage_units is the mentee's goal coverage times a common denominator of the
# goal counts (exact), soft = round(score * SOFT_SCALE) is the compatibility
# score, and coverage_weight = 2 * flow * SOFT_SCALE + 1.  With the flow fixed at
# the proven maximum, the cheapest flow therefore has the most coverage, and
# among those the best total score.
#
# Pricing: let x be optimal on the candidate graph, with potentials d, and let
# every other feasible pair have a coverage-only reduced cost of at least
# -SOFT_SCALE.  Pricing the other pairs at their coverage only (no soft term), any
# flow y of the same size on the full graph costs at least c(x) - flow * SOFT_SCALE,
# so coverage_weight * (cov(y) - cov(x)) <= soft(x) + flow * SOFT_SCALE
# <= 2 * flow * SOFT_SCALE < coverage_weight: no flow covers even one unit more.
# Pairs whose reduced cost is only slightly negative are thus never added,
# which keeps degenerate ties from adding pairs that cannot change the coverage.

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


def pair_costs(covered, units_per_goal, score, weight: int) -> np.ndarray:
    """Integer arc costs: minus (weight x covered goals x units per goal + rounded score).

    Examples
    --------
    >>> pair_costs(np.array([1, 2]), np.array([1, 1]), np.array([0.5, 0.1]), 1001).tolist()
    [-1501, -2102]
    """
    cov = np.asarray(covered, dtype=np.int64) * np.asarray(units_per_goal, dtype=np.int64)
    soft = np.rint(np.clip(score, 0.0, 1.0) * SOFT_SCALE).astype(np.int64)
    return -(np.int64(weight) * cov + soft)


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
    from ortools.graph.python import min_cost_flow

    e_edge = np.asarray(e_edge)
    n_edges = len(e_edge)
    if flow_value == 0 or n_edges == 0:
        return np.zeros(n_edges, dtype=bool)
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    sink = source + 1
    tails = np.concatenate([np.full(n_mentees, source), e_edge, n_mentees + np.arange(n_mentors)]).astype(np.int32)
    heads = np.concatenate([np.arange(n_mentees), n_mentees + np.asarray(m_edge), np.full(n_mentors, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(n_mentees), np.ones(n_edges), np.asarray(capacity)]).astype(np.int64)
    costs = np.concatenate([np.zeros(n_mentees, np.int64), np.asarray(cost, np.int64), np.zeros(n_mentors, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source], supplies[sink] = flow_value, -flow_value
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow did not solve (status {status}) on {n_edges} candidate pairs")
    used = flow.flows(np.arange(n_mentees, n_mentees + n_edges, dtype=np.int32)) > 0
    if int(used.sum()) != flow_value:
        raise SolverError(f"min-cost flow matched {int(used.sum())} mentees instead of {flow_value}")
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


def mentor_side_candidates(pop: Population, goals, skills, per_mentor: int, *, block: int = 128):
    """Per mentor with places, the ``per_mentor`` feasible mentees whose goals she covers best.

    By share of the mentee's goals covered; ties broken by a fixed hash of the
    pair.  They make sure that a mentor whose place is contested sees the
    mentees who need her most (a mentee-side top-k alone can leave her with
    only mentees who do equally well elsewhere).  Excludes are removed later.

    Returns
    -------
    e, m : ndarray of int
    """
    n_m = pop.n_mentors
    r = max(1, int(per_mentor))
    best_val = np.full((n_m, r), -1.0, dtype=np.float32)
    best_row = np.full((n_m, r), -1, dtype=np.int64)
    n_goals = goals.sum(axis=1)
    inv = np.where(n_goals > 0, 1.0 / np.maximum(n_goals, 1), 0.0).astype(np.float32)
    hash_e = (_tie_break(pop.mentees, np.zeros_like(pop.mentees)) % 1024).astype(np.int32)
    hash_m = (_tie_break(np.zeros_like(pop.mentors), pop.mentors) % 1024).astype(np.int32)
    for rows, cols, covered, senior in _feasible_blocks(pop, goals, skills, block):
        # A fixed pseudo-random tie-break below any difference of coverage (a hash per member, xor-ed).
        noise = (hash_e[rows][:, None] ^ hash_m[cols][None, :]).astype(np.float32)
        val = covered * inv[rows][:, None]
        val += noise * np.float32(1e-8)
        del noise
        val[~senior] = -1.0
        k = min(r, len(rows))
        if len(rows) > k:
            top = np.argpartition(-val, k - 1, axis=0)[:k]
            top_val = np.take_along_axis(val, top, axis=0)
        else:
            top = np.broadcast_to(np.arange(len(rows))[:, None], val.shape)
            top_val = val
        merged_val = np.concatenate([best_val[cols], top_val.T], axis=1)
        merged_row = np.concatenate([best_row[cols], rows[top].T], axis=1)
        keep = np.argpartition(-merged_val, r - 1, axis=1)[:, :r]
        best_val[cols] = np.take_along_axis(merged_val, keep, axis=1)
        best_row[cols] = np.take_along_axis(merged_row, keep, axis=1)
    ok = best_val >= 0
    m_idx = np.broadcast_to(np.arange(n_m)[:, None], best_row.shape)
    return best_row[ok], m_idx[ok]


def price_all_pairs(
    pop: Population, goals, skills, units_per_goal, dist_e, dist_m, weight, known, *, tolerance=0, per_mentee=None, block=128
):
    """Feasible pairs, outside ``known``, whose coverage could lower the flow's cost.

    A pair (mentee e, mentor m) not yet in the candidate graph can raise the
    total coverage only if its coverage-only cost has a negative reduced cost
    against the potentials: ``weight * coverage_units(e, m) > dist_e - dist_m + tolerance``.
    Every feasible pair is checked, in blocks of mentees against the mentors of
    their group (a float32 matrix product and a filter; the few pairs near the
    threshold are checked again in exact integers).

    Parameters
    ----------
    goals : ndarray (n_mentees, n_topics) float32
    skills : ndarray (n_topics, n_mentors) float32
    units_per_goal : ndarray of int
        Coverage units of one covered goal, per mentee (0 without goals).
    dist_e, dist_m : ndarray of int
        Potentials of the mentee and mentor nodes.
    known : ndarray of int
        Sorted keys ``e * n_mentors + m`` of the candidate and excluded pairs.
    tolerance : int
        Reduced costs down to ``-tolerance`` are accepted (see ``SOFT_SCALE``).
    per_mentee : int, optional
        Keep only this many pairs per mentee, the most negative reduced costs
        first (partial pricing: the next round prices again).

    Returns
    -------
    e, m : ndarray of int
        The pairs that could improve the coverage.
    """
    n_m = max(pop.n_mentors, 1)
    value = (units_per_goal * np.float64(weight)).astype(np.float64)  # per covered goal
    best = value * goals.sum(axis=1)  # full coverage: no pair of hers can be worth more
    de = dist_e.astype(np.float64) + float(tolerance)
    dm = dist_m.astype(np.float64)
    out_e, out_m = [], []
    for r, cols, covered, senior in _feasible_blocks(pop, goals, skills, block):
        # Only mentors whose potential leaves room for some mentee of the block.
        room = dm[cols] > (de[r] - best[r]).min()
        if not room.any():
            continue
        cols, covered, senior = cols[room], covered[:, room], senior[:, room]
        # Exact in float64: every term is an integer below 2**53.
        gain = covered.astype(np.float64) * value[r][:, None] + dm[cols][None, :] - de[r][:, None]
        hit = (gain > 0) & senior
        hr, hc = np.nonzero(hit)
        if len(hr) == 0:
            continue
        e = r[hr]
        m = cols[hc]
        g = gain[hr, hc]
        del gain, hit
        keep = ~_sorted_contains(known, e.astype(np.int64) * n_m + m)
        e, m, g = e[keep], m[keep], g[keep]
        if per_mentee is not None and len(e):
            # Each mentee is in one block only, so the cap can be applied here,
            # before the (possibly many) violators of a block pile up.
            order = np.lexsort((m, -g, e))
            e, m = e[order], m[order]
            first = np.searchsorted(e, e, side="left")
            keep = np.arange(len(e)) - first < per_mentee
            e, m = e[keep], m[keep]
        out_e.append(e)
        out_m.append(m)
    if not out_e:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_e), np.concatenate(out_m)
