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

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import maximum_flow

__all__ = ["Population", "class_max_matching", "top_candidates", "solve_lexicographic"]


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


def top_candidates(pop: Population, scorer, top_k: int, *, block: int = 256):
    """Per mentee, her ``top_k`` best feasible mentors by the bio-free score.

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
    features_m = scorer.linear_features(pop.mentors, side="mentor", year_values=year_values)
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
            x = scorer.linear_features(pos, side="mentee", year_values=year_values)
            # Too junior mentors: a penalty below any score so they are never kept.
            too_junior = year_values[None, :] < (ye + pop.min_gap)[:, None]
            x[:, -n_years:][too_junior] = -4.0
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


# Scores are in [0, 1]; the solver works in integers, so a score becomes
# round(score * SCALE).  1e9 keeps ties below any difference the tests can see
# while total costs (at most places x SCALE) stay far inside int64.
SCALE = 1_000_000_000


def solve_lexicographic(n_mentees, capacity, e_edge, m_edge, score, mate):
    """Maximum-cardinality, then maximum-score matching on a candidate graph.

    A min-cost flow (OR-Tools' cost-scaling push-relabel, exact on integers):
    source -> mentee (capacity 1), mentee -> mentor (capacity 1, cost
    ``SCALE - score``), mentor -> sink (capacity = places), with a flow equal to
    the maximum matching size.  Every unit of flow crosses exactly one pair, so
    for that fixed flow the minimum cost is the maximum total score.

    Parameters
    ----------
    n_mentees : int
    capacity : ndarray of int
        Places per mentor.
    e_edge, m_edge, score : ndarray
        Candidate edges (mentee index, mentor index) and their scores in [0, 1].
    mate : ndarray of int
        A maximum matching of the candidate graph (per mentee, mentor or -1);
        only its size is used.

    Returns
    -------
    e, m : ndarray of int
        The matched pairs, ordered by mentee index.

    Examples
    --------
    >>> import numpy as np
    >>> e, m = solve_lexicographic(2, np.array([1, 1]), np.array([0, 0, 1]),
    ...                            np.array([0, 1, 0]), np.array([0.9, 0.5, 0.8]),
    ...                            np.array([0, 1]))
    >>> e.tolist(), m.tolist()
    ([0, 1], [1, 0])
    """
    from ortools.graph.python import min_cost_flow

    flow_value = int((np.asarray(mate) >= 0).sum())
    n_mentors = len(capacity)
    if flow_value == 0 or len(e_edge) == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    source = n_mentees + n_mentors
    sink = source + 1
    n_edges = len(e_edge)
    tails = np.concatenate([np.full(n_mentees, source), np.asarray(e_edge), n_mentees + np.arange(n_mentors)]).astype(
        np.int32
    )
    heads = np.concatenate([np.arange(n_mentees), n_mentees + np.asarray(m_edge), np.full(n_mentors, sink)]).astype(np.int32)
    caps = np.concatenate([np.ones(n_mentees), np.ones(n_edges), np.asarray(capacity)]).astype(np.int64)
    pair_cost = SCALE - np.rint(np.clip(score, 0.0, 1.0) * SCALE).astype(np.int64)
    costs = np.concatenate([np.zeros(n_mentees, np.int64), pair_cost, np.zeros(n_mentors, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(sink + 1, np.int64)
    supplies[source], supplies[sink] = flow_value, -flow_value
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise AssertionError(f"min-cost flow did not solve (status {status})")
    pair_arcs = np.arange(n_mentees, n_mentees + n_edges, dtype=np.int32)
    used = flow.flows(pair_arcs) > 0
    e = np.asarray(e_edge)[used]
    m = np.asarray(m_edge)[used]
    if len(e) != flow_value:
        raise AssertionError("assignment lost matched mentees")
    order = np.argsort(e, kind="stable")
    return e[order], m[order]
