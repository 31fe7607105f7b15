"""A min-cost flow that restarts from an optimal flow and its potentials (numba).

Used by the coverage stage between pricing rounds: the flow of the previous
round is optimal on the previous graph, and its potentials ``d`` give every
residual arc a reduced cost ``c + d[tail] - d[head] >= 0``.  Pricing adds a few
arcs whose reduced cost is negative.  Each of them is saturated (one unit: the
mentor gets an excess, the mentee a deficit), which keeps every residual arc
non-negative, and the imbalances are repaired by the primal-dual method:

1. Dijkstra on the reduced costs (small integers: a bucket queue) from every
   node with an excess, until the first node with a deficit is reached at
   distance ``D``;
2. the potentials move by ``min(dist, D)`` (every residual arc stays >= 0 and
   the shortest paths found become arcs of reduced cost 0);
3. units are pushed from excesses to deficits along arcs of reduced cost 0
   (depth-first search with current-arc pointers), until no such path is left.

The result is an optimal flow with potentials proving it (every residual arc
>= 0); :func:`matcher.assign.check_optimal` verifies that independently, and
the caller falls back to a full solve if it ever did not hold.

Compiled once and cached on disk (``cache=True``): the first run on a machine
spends a few seconds compiling, the later ones load the machine code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from . import _jit  # noqa: F401  (before any @njit: where numba caches)

__all__ = ["repair"]

_INF = np.int64(1) << 60
#: Distances the bucket queue holds; a longer one gives up (the caller solves from scratch).
_BUCKETS = 1 << 16


@njit(cache=True)
def _repair(n, tail, head, cap, cost, flow, d, bal, adj_start, adj_ent, active, max_phases):
    """Primal-dual repair of the imbalances ``bal`` (see the module).  Returns phases, or -1.

    Every phase only touches the nodes it reaches: the potentials of the nodes
    settled below ``D`` drop by ``D - dist`` (the same reduced costs as adding
    ``min(dist, D)`` to every node, up to a constant).
    """
    m2 = adj_ent.shape[0]
    arcs = (tail, head, cap, cost, flow, adj_start, adj_ent, active)
    dist = np.full(n, _INF, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    # Bucket queue (Dial): reduced costs are small integers.  Entries are linked
    # per distance; a node may sit in several buckets, only its last counts.
    queue = (
        np.full(_BUCKETS, -1, dtype=np.int64),
        np.empty(m2 + n, dtype=np.int64),
        np.empty(m2 + n, dtype=np.int64),
    )
    touched = np.empty(n, dtype=np.int64)
    settled = np.empty(n, dtype=np.int64)
    walk = (
        adj_start[:-1].copy(),
        np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.bool_),
        np.empty(n, dtype=np.int64),
        np.empty(n + 1, dtype=np.int64),
        np.empty(n + 1, dtype=np.int64),
    )
    sources = np.empty(n, dtype=np.int64)
    n_src = 0
    excess = 0
    for v in range(n):
        if bal[v] > 0:
            excess += bal[v]
            sources[n_src] = v
            n_src += 1
    phases = 0
    while excess > 0:
        phases += 1
        if phases > max_phases:
            return -1
        # The nodes with an excess left.
        k = 0
        for i in range(n_src):
            if bal[sources[i]] > 0:
                sources[k] = sources[i]
                k += 1
        n_src = k
        # 1. Dijkstra from the excesses.
        reach, n_touched, n_settled = _dijkstra(arcs, d, bal, sources, n_src, dist, done, queue, touched, settled)
        if reach < 0:
            return -1
        # 2. Potentials: the settled nodes below D drop by D - dist.
        for i in range(n_settled):
            v = settled[i]
            if dist[v] < reach:
                d[v] -= reach - dist[v]
        for i in range(n_touched):
            v = touched[i]
            dist[v] = _INF
            done[v] = False
        # 3. Units along arcs of reduced cost 0, depth first.
        excess -= _push(arcs, d, bal, sources, n_src, walk)
    return phases


@njit(cache=True, inline="always")
def _residual(arcs, d, v, ent):
    """The residual arc ``ent`` of node ``v``: (usable, other end, reduced cost).

    ``ent`` is ``2 * arc`` for the arc leaving ``v`` (usable while below its
    capacity) or ``2 * arc + 1`` for the arc entering it (usable backwards while
    it carries flow); inactive arcs are never usable.
    """
    tail, head, cap, cost, flow, _, _, active = arcs
    a = ent >> 1
    if ent & 1 == 0:
        w = head[a]
        return active[a] and flow[a] < cap[a], w, cost[a] + d[v] - d[w]
    w = tail[a]
    return active[a] and flow[a] > 0, w, -cost[a] + d[v] - d[w]


@njit(cache=True, inline="always")
def _visit(seen, visited, n_visited, v):
    """Note ``v`` as visited in this phase (its marks are reset at the end); returns the new count."""
    if not seen[v]:
        seen[v] = True
        visited[n_visited] = v
        n_visited += 1
    return n_visited


@njit(cache=True)
def _dijkstra(arcs, d, bal, sources, n_src, dist, done, queue, touched, settled):
    """Step 1: distances on reduced costs from the excesses to the first deficit.

    Returns ``(D, touched, settled)`` counts; ``D`` is -1 when no deficit is
    reachable or a distance overflows the bucket queue.
    """
    adj_start, adj_ent = arcs[5], arcs[6]
    bucket_head, entry_node, entry_next = queue
    size = 0
    n_touched = 0
    n_settled = 0
    top_bucket = 0
    for i in range(n_src):
        v = sources[i]
        dist[v] = 0
        touched[n_touched] = v
        n_touched += 1
        entry_node[size] = v
        entry_next[size] = bucket_head[0]
        bucket_head[0] = size
        size += 1
    reach = -1
    b = 0
    overflow = False
    while b <= top_bucket:
        e = bucket_head[b]
        if e < 0:
            b += 1
            continue
        bucket_head[b] = entry_next[e]
        v = entry_node[e]
        if done[v] or dist[v] != b:
            continue
        done[v] = True
        settled[n_settled] = v
        n_settled += 1
        if bal[v] < 0:
            reach = b
            break
        for k in range(adj_start[v], adj_start[v + 1]):
            ok, w, rc = _residual(arcs, d, v, adj_ent[k])
            if not ok:
                continue
            nd = b + rc
            if nd < dist[w]:
                if nd >= _BUCKETS:
                    overflow = True
                    continue
                if dist[w] == _INF:
                    touched[n_touched] = w
                    n_touched += 1
                dist[w] = nd
                entry_node[size] = w
                entry_next[size] = bucket_head[nd]
                bucket_head[nd] = size
                size += 1
                if nd > top_bucket:
                    top_bucket = nd
    for i in range(top_bucket + 1):
        bucket_head[i] = -1
    if overflow:
        reach = -1
    return reach, n_touched, n_settled


@njit(cache=True)
def _push(arcs, d, bal, sources, n_src, walk):
    """Step 3: units from excesses to deficits along arcs of reduced cost 0.  Returns the units moved."""
    flow, adj_start, adj_ent = arcs[4], arcs[5], arcs[6]
    cur, dead, on_path, seen, visited, stack_v, stack_e = walk
    moved = 0
    n_visited = 0
    for i in range(n_src):
        s = sources[i]
        while bal[s] > 0 and not dead[s]:
            top = 0
            stack_v[0] = s
            on_path[s] = True
            n_visited = _visit(seen, visited, n_visited, s)
            found = False
            while top >= 0:
                v = stack_v[top]
                if bal[v] < 0 and top > 0:
                    found = True
                    break
                advanced = False
                while cur[v] < adj_start[v + 1]:
                    ent = adj_ent[cur[v]]
                    ok, w, rc = _residual(arcs, d, v, ent)
                    if ok and rc == 0 and not dead[w] and not on_path[w]:
                        stack_e[top] = ent
                        top += 1
                        stack_v[top] = w
                        on_path[w] = True
                        n_visited = _visit(seen, visited, n_visited, w)
                        advanced = True
                        break
                    cur[v] += 1
                if not advanced:
                    dead[v] = True
                    on_path[v] = False
                    top -= 1
            if not found:
                break
            for j in range(top):
                ent = stack_e[j]
                a = ent >> 1
                if ent & 1 == 0:
                    flow[a] += 1
                else:
                    flow[a] -= 1
            for j in range(top + 1):
                on_path[stack_v[j]] = False
            t = stack_v[top]
            bal[s] -= 1
            bal[t] += 1
            moved += 1
    for i in range(n_visited):
        v = visited[i]
        cur[v] = adj_start[v]
        dead[v] = False
        on_path[v] = False
        seen[v] = False
    return moved


def adjacency(n_nodes, tails, heads):
    """Per node, its arcs as entries ``2 * arc`` (leaving) and ``2 * arc + 1`` (entering), CSR."""
    m = len(tails)
    ends = np.concatenate([tails, heads])
    ent = np.concatenate([np.arange(m, dtype=np.int64) * 2, np.arange(m, dtype=np.int64) * 2 + 1])
    order = np.argsort(ends, kind="stable")
    return np.searchsorted(ends[order], np.arange(n_nodes + 1)).astype(np.int64), ent[order]


def repair(n_nodes, tails, heads, caps, costs, flows, potentials, balance, adj, active, *, max_phases=100_000):
    """Repair the imbalances of a flow whose active residual arcs all have reduced cost >= 0.

    ``flows``, ``potentials`` and ``balance`` are updated in place; arcs not
    ``active`` are ignored.  Returns the number of phases, or -1 when the
    imbalances cannot be repaired (infeasible) or ``max_phases`` was reached.
    """
    return int(
        _repair(
            int(n_nodes),
            tails,
            heads,
            caps,
            costs,
            flows,
            potentials,
            balance,
            adj[0],
            adj[1],
            active,
            int(max_phases),
        )
    )
