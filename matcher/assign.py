"""Optimal assignment: maximum cardinality first, then maximum total score.

The steps, all deterministic:

1. :func:`class_max_matching` proves the maximum number of matchable mentees
   on the *full* feasible graph.  Feasibility depends only on country, language
   set and years of service (plus excludes), so members are compressed into
   classes of equal (country, language set, years) -- a member involved in an
   exclude is a class of her own -- and a max-flow runs on the class graph.
   Its flow is turned back into one concrete maximum matching ``M*``.
2. :func:`matcher._scan.scan_candidates` keeps, in one compiled pass over
   every feasible pair, the mentors covering most of each mentee's goals, the
   mentees each mentor covers best, and each mentee's best by coverage then
   the bio-free score.  The edges of ``M*`` are added, hence the candidate
   graph still has a matching of the proven maximum size.
3. Rounds of an exact min-cost flow on the candidate graph (the primal-dual
   method, :func:`primal_dual_flow`; OR-Tools' integer cost-scaling solver if
   it gives up) with the flow
   fixed at the proven maximum, and :func:`matcher._scan.price_pairs` checking
   every feasible pair against its potentials, until none can raise the goal
   coverage (see "the lexicographic objective" below).
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
    "coverage_units",
    "coverage_costs",
    "soft_costs",
    "solve_flow",
    "primal_dual_flow",
    "tie_break_flow",
    "residual_potentials",
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


#: Phases the primal-dual coverage solve may take before it gives way to
#: OR-Tools' cost scaling (each phase raises the cost of the cheapest augmenting
#: path by at least 1; at 100,000 realistic members it takes 3).
MAX_PRIMAL_DUAL_PHASES = 64


def primal_dual_flow(n_mentees, capacity, e_edge, m_edge, cost, flow_value, *, max_phases=MAX_PRIMAL_DUAL_PHASES):
    """The cheapest flow of ``flow_value`` mentees and potentials proving it, by the primal-dual method.

    The same flow problem as :func:`solve_flow`.  The potentials start with
    every reduced cost ``>= 0`` and the cheapest pairs at 0; then each phase
    pushes a maximum flow (OR-Tools' push-relabel) through the arcs of reduced
    cost 0 and, while the flow is short, moves the potentials by the shortest
    distances from the source (Dijkstra on the reduced costs), which makes the
    next cheapest augmenting paths tight.  Coverage costs take few values and
    nearly every mentee has a mentor covering all her goals, so the first
    maximum flow carries almost everything and a few phases finish: at 100,000
    realistic members 1.6 CPU s against 8.5 for cost scaling on the same graph.

    Returns
    -------
    (used, dist) or None
        Per candidate edge whether the flow uses it, and potentials with
        ``cost + dist[tail] - dist[head] >= 0`` on every residual arc (checked
        by :func:`check_optimal`); None when the flow value is out of reach or
        ``max_phases`` did not suffice (the caller solves with :func:`solve_flow`).

    Examples
    --------
    >>> used, dist = primal_dual_flow(2, np.array([1, 1]), np.array([0, 0, 1]), np.array([0, 1, 0]),
    ...                               np.array([-9, -5, -8]), 2)
    >>> used.tolist()
    [False, True, True]
    """
    from ortools.graph.python import max_flow
    from scipy.sparse.csgraph import dijkstra

    e_edge = np.asarray(e_edge, dtype=np.int64)
    n_pairs = len(e_edge)
    if flow_value == 0 or n_pairs == 0:
        return None
    n_mentors = len(capacity)
    source = n_mentees + n_mentors
    sink = source + 1
    n_nodes = sink + 1
    tails, heads, caps, costs = _flow_arcs(n_mentees, capacity, e_edge, m_edge, cost)
    # Node numbers and places fit 32 bits: the peak of a 100,000-member run is here.
    tails, heads, caps = tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int32)
    flows = np.zeros(len(tails), np.int64)
    lowest = min(int(np.min(cost)), 0)
    dist = np.zeros(n_nodes, np.int64)
    dist[n_mentees:source] = lowest
    dist[sink] = lowest
    sent = 0
    for _ in range(max_phases):
        reduced = costs + dist[tails] - dist[heads]
        ahead = np.flatnonzero((flows < caps) & (reduced == 0))
        back = np.flatnonzero((flows > 0) & (reduced == 0))
        # A node of its own feeds the source with what is left to send.
        solver = max_flow.SimpleMaxFlow()
        solver.add_arcs_with_capacity(
            np.concatenate([[n_nodes], tails[ahead], heads[back]]).astype(np.int32),
            np.concatenate([[source], heads[ahead], tails[back]]).astype(np.int32),
            np.concatenate([[flow_value - sent], caps[ahead] - flows[ahead], flows[back]]).astype(np.int64),
        )
        if solver.solve(n_nodes, sink) != solver.OPTIMAL:
            return None
        pushed = solver.flows(np.arange(1 + len(ahead) + len(back), dtype=np.int32))
        sent += int(pushed[0])
        flows[ahead] += pushed[1 : 1 + len(ahead)]
        flows[back] -= pushed[1 + len(ahead) :]
        if sent == flow_value:
            supplies = np.zeros(n_nodes, np.int64)
            supplies[source], supplies[sink] = flow_value, -flow_value
            if not check_optimal(n_nodes, tails, heads, caps, costs, flows, dist, supplies):
                return None
            return flows[n_mentees : n_mentees + n_pairs] > 0, dist
        # Shortest reduced distances from the source.  Each arc weighs
        # reduced * (n + 1) + 1 (floats holding exact integers): no weight is 0,
        # which a sparse matrix would drop, and the integer division below
        # recovers the distance (a path has at most n arcs).
        ahead, back = flows < caps, flows > 0
        weight = np.concatenate([reduced[ahead], -reduced[back]]).astype(np.float64) * (n_nodes + 1) + 1
        del reduced
        graph = sp.csr_matrix(
            (weight, (np.concatenate([tails[ahead], heads[back]]), np.concatenate([heads[ahead], tails[back]]))),
            shape=(n_nodes, n_nodes),
        )
        del weight
        far = dijkstra(graph, directed=True, indices=source)
        reach = far[sink]
        if not np.isfinite(reach) or reach >= 2.0**53:  # out of reach, or past exact integers in a float
            return None
        dist += np.minimum(far, reach).astype(np.int64) // (n_nodes + 1)
    return None


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


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """The distinct values of ``keys``, sorted (one sort: numpy's ``unique`` hashes integers
    first, which took 1.2 s instead of 0.2 for the 2 million candidate keys of 100,000 members)."""
    keys = np.sort(keys)
    if len(keys) == 0:
        return keys
    keep = np.empty(len(keys), dtype=bool)
    keep[0] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    return keys[keep]


def _sorted_contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in ``sorted_keys`` (binary search, no hashing)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys
