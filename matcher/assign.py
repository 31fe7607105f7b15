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
3. :func:`solve_lexicographic` splits the candidate graph with the
   Dulmage-Mendelsohn decomposition relative to ``M*``: mentees that some
   maximum matching leaves out, mentors that some maximum matching leaves with a
   free place, and the perfectly matched rest.  Every maximum matching is the
   union of a full matching inside each part, so each part is a plain
   rectangular assignment problem with no "unmatched" dummies, solved exactly by
   ``scipy.sparse.csgraph.min_weight_full_bipartite_matching`` with mentor
   places expanded into slots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, maximum_flow, min_weight_full_bipartite_matching

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
    g_cap = np.concatenate(
        [e_count, np.minimum(e_count[rows], m_places[cols]), np.minimum(m_places, big)]
    ).astype(np.int32)
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

    packed = np.packbits(pop.languages[pop.mentees], axis=1)
    keys = np.column_stack(
        [pop.country[pop.mentees][:, None].astype(np.int64), packed.astype(np.int64)]
    )
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
            ncol = z.shape[1]
            if ncol <= k:
                r, c = np.nonzero(z > -1.0)
            else:
                top = np.argpartition(z, ncol - k, axis=1)[:, ncol - k :]
                r = np.repeat(np.arange(len(rows)), k)
                c = top.ravel()
                keep = z[r, c] > -1.0
                r, c = r[keep], c[keep]
            e_idx = rows[r]
            m_idx = cols[start + c]
            if n_excl:
                keep = np.ones(len(e_idx), dtype=bool)
                for t, (ei, mj) in enumerate(zip(e_idx.tolist(), m_idx.tolist())):
                    b = pop.blocked.get(int(pop.mentees[ei]))
                    if b and int(pop.mentors[mj]) in b:
                        keep[t] = False
                e_idx, m_idx = e_idx[keep], m_idx[keep]
            out_e.append(e_idx)
            out_m.append(m_idx)
    if not out_e:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return np.concatenate(out_e), np.concatenate(out_m)


def _reachable(n_nodes, src_nodes, edge_from, edge_to):
    """Nodes reachable from ``src_nodes`` along directed edges."""
    if len(src_nodes) == 0:
        return np.zeros(n_nodes, dtype=bool)
    s = n_nodes
    rows = np.concatenate([np.full(len(src_nodes), s), edge_from])
    cols = np.concatenate([src_nodes, edge_to])
    g = sp.csr_matrix((np.ones(len(rows), np.int8), (rows, cols)), shape=(n_nodes + 1, n_nodes + 1))
    order = breadth_first_order(g, s, directed=True, return_predecessors=False)
    seen = np.zeros(n_nodes + 1, dtype=bool)
    seen[order] = True
    return seen[:n_nodes]


def _assign_part(e_edge, m_edge, cost, e_part, m_part, capacity):
    """Exact min-cost full matching inside one part, mentors expanded into slots."""
    e_ids = np.flatnonzero(e_part)
    m_ids = np.flatnonzero(m_part)
    if len(e_edge) == 0 or len(e_ids) == 0 or capacity[m_ids].sum() == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    e_loc = np.full(len(e_part), -1, np.intp)
    e_loc[e_ids] = np.arange(len(e_ids))
    caps = capacity[m_ids]
    slot_start = np.zeros(len(m_ids) + 1, np.intp)
    np.cumsum(caps, out=slot_start[1:])
    m_loc = np.full(len(m_part), -1, np.intp)
    m_loc[m_ids] = np.arange(len(m_ids))
    mc = m_loc[m_edge]
    reps = caps[mc]
    rows = np.repeat(e_loc[e_edge], reps)
    first = np.repeat(slot_start[mc], reps)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = first + offset
    data = np.repeat(cost, reps)
    n_slots = int(slot_start[-1])
    matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(e_ids), n_slots))
    r, c = min_weight_full_bipartite_matching(matrix)
    slot_owner = np.repeat(np.arange(len(m_ids)), caps)
    return e_ids[r], m_ids[slot_owner[c]]


def solve_lexicographic(n_mentees, capacity, e_edge, m_edge, score, mate):
    """Maximum-cardinality, then maximum-score matching on a candidate graph.

    Parameters
    ----------
    n_mentees : int
    capacity : ndarray of int
        Places per mentor.
    e_edge, m_edge, score : ndarray
        Candidate edges (mentee index, mentor index) and their scores in [0, 1].
    mate : ndarray of int
        A maximum matching of the candidate graph (per mentee, mentor or -1).

    Returns
    -------
    e, m : ndarray of int
        The matched pairs.
    """
    n_mentors = len(capacity)
    matched = mate >= 0
    used = np.bincount(mate[matched], minlength=n_mentors)
    n = n_mentees + n_mentors
    me = np.flatnonzero(matched)
    # Mentees some maximum matching leaves out: alternating paths from free mentees.
    reach_u = _reachable(
        n,
        np.flatnonzero(~matched),
        np.concatenate([e_edge, n_mentees + mate[me]]),
        np.concatenate([n_mentees + m_edge, me]),
    )
    # Mentors some maximum matching leaves with a free place.
    reach_o = _reachable(
        n,
        n_mentees + np.flatnonzero(used < capacity),
        np.concatenate([n_mentees + m_edge, me]),
        np.concatenate([e_edge, n_mentees + mate[me]]),
    )
    eu, mu = reach_u[:n_mentees], reach_u[n_mentees:]
    eo, mo = reach_o[:n_mentees], reach_o[n_mentees:]
    if (eu & eo).any() or (mu & mo).any():
        raise AssertionError("the starting matching is not maximum")
    ep = matched & ~eu & ~eo
    mp = ~mu & ~mo
    cost = 2.0 - score  # in [1, 2]: strictly positive, so no edge is dropped as zero
    out_e, out_m = [], []
    for e_part, m_part in ((eu, mu), (eo, mo), (ep, mp)):
        keep = e_part[e_edge] & m_part[m_edge]
        r, c = _assign_part(e_edge[keep], m_edge[keep], cost[keep], e_part, m_part, capacity)
        out_e.append(r)
        out_m.append(c)
    e = np.concatenate(out_e)
    m = np.concatenate(out_m)
    if len(e) != int(matched.sum()):
        raise AssertionError("assignment lost matched mentees")
    return e, m
