"""Passes over every feasible mentor-mentee pair, compiled (numba).

A feasible pair is a mentor with places from another country who shares a
language with the mentee and has at least ``min_gap`` more years of service,
and whom neither of them excluded.  At 100,000 members there are about 1.2e9
such pairs, so the two passes that must see all of them -- choosing the
candidates the coverage stage starts from, and pricing every pair against the
flow's potentials -- are plain loops over bit sets, not matrix products:

* the members' topics are 64-bit words (one word for up to 64 topics), so the
  goals a mentor covers are ``popcount(goals & skills)``;
* mentees are grouped by country and language set; a group's feasible mentors
  (another country, a shared language) are gathered once, most senior first,
  so the mentors senior enough for a mentee are a prefix of them and the inner
  loop is one ``popcount`` per pair over contiguous memory;
* excluded pairs (and, when pricing, the mentee's current mentor) are struck
  out of that prefix afterwards by binary search.

Ties are broken by :func:`pair_hash`, a splitmix64 finaliser of (mentee index,
mentor index), then by the index: every selection is deterministic and
independent of the scan order, and mentees of equal coverage spread over the
mentors instead of all asking the same ones.

Compiled once and cached on disk (``cache=True``): the first run on a machine
spends a few seconds compiling, the later ones load the machine code.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp
from numba import njit, types
from numba.extending import intrinsic

from . import _jit  # noqa: F401  (before any @njit: where numba caches)

__all__ = ["ScanArrays", "scan_arrays", "scan_candidates", "price_pairs", "pair_hash"]


@dataclass
class ScanArrays:
    """The members of a run as the compiled passes read them (a tuple, in this field order).

    Mentee and mentor *indices* are positions in ``pop.mentees`` and
    ``pop.mentors``; a mentor *position* is her place in ``order``.
    """

    order: np.ndarray  # 0: mentor indices, most senior first; the m_ arrays follow this order
    where: np.ndarray  # 1: per mentor index, her position in ``order``
    m_years: np.ndarray  # 2
    m_lang: np.ndarray  # 3: (n_mentors, words) uint64
    m_skills: np.ndarray  # 4: (n_mentors, words) uint64
    m_agency: np.ndarray  # 5
    group_ptr: np.ndarray  # 6: mentees of group g: group_mentees[group_ptr[g]:group_ptr[g + 1]]
    group_mentees: np.ndarray  # 7
    cols_ptr: np.ndarray  # 8: feasible mentor positions of group g, ascending: cols[cols_ptr[g]:cols_ptr[g + 1]]
    cols: np.ndarray  # 9
    e_need: np.ndarray  # 10: years of service a mentor needs
    e_lang: np.ndarray  # 11
    e_goals: np.ndarray  # 12
    e_n_goals: np.ndarray  # 13
    e_agency: np.ndarray  # 14
    blocked_ptr: np.ndarray  # 15: per mentee, the excluded mentor indices: blocked_idx[blocked_ptr[e]:...]
    blocked_idx: np.ndarray  # 16
    m_rnd: np.ndarray  # 17: per mentor position, a fixed pseudo-random 32-bit number (see pair_hash)
    e_rnd: np.ndarray  # 18: per mentee

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, f.name) for f in fields(self))


def _words(matrix, rows) -> np.ndarray:
    """Rows of a 0/1 sparse matrix as bit sets of 64-bit words (bit ``c % 64`` of word ``c // 64``)."""
    sub = sp.csr_matrix(matrix[rows])
    sub.eliminate_zeros()
    out = np.zeros((len(rows), max(1, -(-sub.shape[1] // 64))), dtype=np.uint64)
    r = np.repeat(np.arange(len(rows)), np.diff(sub.indptr))
    c = sub.indices.astype(np.int64)
    np.bitwise_or.at(out, (r, c // 64), np.left_shift(np.uint64(1), (c % 64).astype(np.uint64)))
    return out


def scan_arrays(pop, scorer, blocked: np.ndarray) -> ScanArrays:
    """The arrays of :class:`ScanArrays` for a population and its fitted scorer.

    ``blocked`` holds the sorted keys ``e * n_mentors + m`` of the excluded pairs.
    """
    n_m = max(pop.n_mentors, 1)
    m_years = pop.years[pop.mentors]
    order = np.argsort(-m_years, kind="stable").astype(np.int64)
    where = np.empty(len(order), dtype=np.int64)
    where[order] = np.arange(len(order))
    m_country = pop.country[pop.mentors][order]
    m_lang = _words(scorer.languages_, pop.mentors[order])
    e_lang = _words(scorer.languages_, pop.mentees)
    e_country = pop.country[pop.mentees]
    if pop.n_mentees:
        keys = np.column_stack([e_country, e_lang.view(np.int64)])
        _, first, group = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        group = group.ravel()
    else:
        first, group = np.zeros(0, np.int64), np.zeros(0, np.int64)
    members = np.argsort(group, kind="stable").astype(np.int64)
    group_ptr = np.searchsorted(group[members], np.arange(len(first) + 1)).astype(np.int64)
    # Per group, the mentors of another country who share a language with it.
    cols = [np.flatnonzero((m_country != e_country[i]) & (m_lang & e_lang[i]).any(axis=1)) for i in first.tolist()]
    blocked = np.asarray(blocked, dtype=np.int64)
    counts = np.bincount(blocked // n_m, minlength=pop.n_mentees)[: pop.n_mentees]
    return ScanArrays(
        order=order,
        where=where,
        m_years=m_years[order].astype(np.int64),
        m_lang=m_lang,
        m_skills=_words(scorer.skills_, pop.mentors[order]),
        m_agency=scorer.agency_codes_[pop.mentors][order].astype(np.int64),
        group_ptr=group_ptr,
        group_mentees=members,
        cols_ptr=np.concatenate([[0], np.cumsum([len(c) for c in cols], dtype=np.int64)]).astype(np.int64),
        cols=np.concatenate(cols).astype(np.int64) if cols else np.zeros(0, np.int64),
        e_need=(pop.years[pop.mentees] + pop.min_gap).astype(np.int64),
        e_lang=e_lang,
        e_goals=_words(scorer.goals_, pop.mentees),
        e_n_goals=np.rint(scorer.goal_counts_[pop.mentees]).astype(np.int64),
        e_agency=scorer.agency_codes_[pop.mentees].astype(np.int64),
        blocked_ptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        blocked_idx=(blocked % n_m).astype(np.int64),
        m_rnd=_member_random(order, 1),
        e_rnd=_member_random(np.arange(pop.n_mentees), 2),
    )


def _member_random(index: np.ndarray, salt: int) -> np.ndarray:
    """A fixed pseudo-random 32-bit number per index (splitmix64 of index and salt, top bits)."""
    x = np.asarray(index, dtype=np.uint64) * np.uint64(2) + np.uint64(salt)
    x = x * np.uint64(0x9E3779B97F4A7C15)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return (x >> np.uint64(32)).astype(np.uint32)


@intrinsic
def _popcount(typingctx, x):
    """The processor's population count of a 64-bit word (LLVM's ``ctpop``)."""
    sig = types.int64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return sig, codegen


@njit(cache=True, inline="always")
def pair_hash(e_rnd, m_rnd):
    """Pseudo-random 32-bit number of a pair, from the 32-bit numbers of its two members.

    MurmurHash3's finaliser of ``e_rnd ^ m_rnd``: for one mentee, the order it
    gives her mentors is a fresh shuffle, and so for one mentor's mentees.  In
    32-bit arithmetic, so that a loop computing it for every pair vectorises.
    """
    # numba widens 32-bit products: each step is cut back to 32 bits.
    x = np.uint32(np.uint32(e_rnd) ^ np.uint32(m_rnd))
    x = np.uint32(x ^ (x >> np.uint32(16)))
    x = np.uint32(x * np.uint32(0x85EBCA6B))
    x = np.uint32(x ^ (x >> np.uint32(13)))
    x = np.uint32(x * np.uint32(0xC2B2AE35))
    x = np.uint32(x ^ (x >> np.uint32(16)))
    return np.int64(x)


@njit(cache=True)
def _keys(e_rnd, rnd, buf_c, u, stop, buf_k):
    """Per pair, ``units << 32 | (2**32 - 1 - pair_hash)``: larger is better, ties by the hash; -1 if struck out."""
    for t in range(stop):
        h = pair_hash(e_rnd, rnd[t])
        buf_k[t] = ((buf_c[t] * u) << 32) | (np.int64(0xFFFFFFFF) - h) if buf_c[t] >= 0 else -1


@njit(cache=True, inline="always")
def _common(a, i, b, j):
    """Number of bits set in both row ``i`` of ``a`` and row ``j`` of ``b``."""
    n = 0
    for w in range(a.shape[1]):
        n += _popcount(a[i, w] & b[j, w])
    return n


@njit(cache=True, inline="always")
def _better(v1, h1, m1, v2, h2, m2):
    """Whether (value, hash, index) 1 ranks before 2: larger value, then smaller hash, then index."""
    if v1 != v2:
        return v1 > v2
    if h1 != h2:
        return h1 < h2
    return m1 < m2


@njit(cache=True, inline="always")
def _replace_worst(vals, hashes, ids, row, v, h, m):
    """Put (v, h, m) in the place of the worst kept entry of ``row``; returns the new worst.

    Empty places hold value -inf and index -1, so they are the worst.
    """
    worst = 0
    for s in range(1, vals.shape[1]):
        if _better(vals[row, worst], hashes[row, worst], ids[row, worst], vals[row, s], hashes[row, s], ids[row, s]):
            worst = s
    vals[row, worst] = v
    hashes[row, worst] = h
    ids[row, worst] = m
    worst = 0
    for s in range(1, vals.shape[1]):
        if _better(vals[row, worst], hashes[row, worst], ids[row, worst], vals[row, s], hashes[row, s], ids[row, s]):
            worst = s
    return vals[row, worst], hashes[row, worst], ids[row, worst]


@njit(cache=True)
def _kept(rows, k):
    """Kept sets of ``k`` (at least 1) entries per row: values, hashes, indices (-1: empty)."""
    k = max(k, 1)
    return np.full((rows, k), -np.inf), np.zeros((rows, k), dtype=np.int64), np.full((rows, k), -1, dtype=np.int64)


@njit(cache=True)
def _level(buf_c, cnt, k, top):
    """The largest number of goals ``L`` <= ``top`` such that at least ``k`` of the pairs cover ``L`` or more.

    0 when there is none.  One branch-free count per level tried, from the top.
    """
    for level in range(top, 0, -1):
        n = 0
        for t in range(cnt):
            n += buf_c[t] >= level
        if n >= k:
            return level
    return 0


@njit(cache=True)
def _compact(keys, cnt, floor, sel):
    """Write into ``sel`` the positions ``t < cnt`` with ``keys[t] >= floor``; returns how many (no branch per pair)."""
    n = 0
    for t in range(cnt):
        sel[n] = t
        n += keys[t] >= floor
    return n


@njit(cache=True)
def _keep_best(e_rnd, idx, rnd, buf_v, sel, n, vals, hashes, ids, row, use_hash):
    """Keep in ``row`` the best of the buffer's entries ``sel[:n]``.

    Best: larger value, then (``use_hash``) smaller :func:`pair_hash`, then
    smaller mentor index.  The hash is computed only for values that reach the
    worst kept.
    """
    for s in range(vals.shape[1]):
        vals[row, s] = -np.inf
        hashes[row, s] = 0
        ids[row, s] = -1
    wv, wh, wm = -np.inf, np.int64(0), np.int64(-1)
    for q in range(n):
        t = sel[q]
        v = buf_v[t]
        if v < wv:
            continue
        j = idx[t]
        h = pair_hash(e_rnd, rnd[t]) if use_hash else 0
        if v == wv and (h > wh or (h == wh and j > wm)):
            continue
        wv, wh, wm = _replace_worst(vals, hashes, ids, row, v, h, j)


@njit(cache=True)
def _group(a, g):
    """The feasible mentors of group ``g``: positions, mentor indices, years, skills, random numbers."""
    cols = a[9][a[8][g] : a[8][g + 1]]
    return cols, a[0][cols], a[2][cols], a[4][cols], a[17][cols]


@njit(cache=True)
def _senior(years, need):
    """How many of ``years`` (descending) reach ``need``."""
    lo, hi = 0, years.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if years[mid] >= need:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _covered(goals, i, skills, stop, buf_c):
    """Goals of mentee ``i`` that each of the first ``stop`` gathered mentors covers."""
    if goals.shape[1] == 1:
        g = goals[i, 0]
        for t in range(stop):
            buf_c[t] = _popcount(g & skills[t, 0])
    else:
        for t in range(stop):
            buf_c[t] = _common(goals, i, skills, t)


@njit(cache=True)
def _strike(a, i, cols, stop, buf_c, extra):
    """Mark -1 in ``buf_c`` the pairs she excluded, and mentor index ``extra`` (-1: none)."""
    where, blocked_ptr, blocked_idx = a[1], a[15], a[16]
    for k in range(blocked_ptr[i], blocked_ptr[i + 1] + 1):
        j = blocked_idx[k] if k < blocked_ptr[i + 1] else extra
        if j < 0:
            continue
        p = where[j]
        t = np.searchsorted(cols[:stop], p)
        if t < stop and cols[t] == p:
            buf_c[t] = -1


@njit(cache=True)
def _candidates(a, e_years, upg, e_inv_lang, e_inv_tot, idf_tables, weights, seniority_cap, lead, core, side, top):
    """The pass of :func:`scan_candidates`; fills the kept sets ``core``, ``side`` and ``top`` in place."""
    m_years, m_lang, m_agency = a[2], a[3], a[5]
    group_ptr, group_mentees = a[6], a[7]
    e_need, e_lang, e_goals, e_n_goals, e_agency = a[10], a[11], a[12], a[13], a[14]
    n_m = m_years.shape[0]
    side_v, side_h, side_i = side
    # Per mentor position, the key and mentee of the worst she keeps (-1: a place is free).
    side_wk = np.full(n_m, -1, dtype=np.int64)
    side_wm = np.full(n_m, -1, dtype=np.int64)
    wg, ws, wl, wsen, wa = weights[0], weights[1], weights[2], weights[4], weights[5]
    n_words = e_goals.shape[1]
    buf_c = np.empty(n_m, dtype=np.int64)
    buf_k = np.empty(n_m, dtype=np.int64)
    buf_v = np.empty(n_m)
    sel = np.empty(n_m, dtype=np.int64)
    for g in range(group_ptr.shape[0] - 1):
        cols, idx, years, skills, rnd = _group(a, g)
        worst_k = side_wk[cols]  # the group's mentors' worst kept keys, contiguous (kept in step)
        for k in range(group_ptr[g], group_ptr[g + 1]):
            i = group_mentees[k]
            stop = _senior(years, e_need[i])
            if stop == 0:
                continue
            _covered(e_goals, i, skills, stop, buf_c)
            _strike(a, i, cols, stop, buf_c, -1)
            n_goals = e_n_goals[i]
            inv_goals = 1.0 / n_goals if n_goals > 0 else 0.0
            u = upg[i]
            e_rnd = a[18][i]
            _keys(e_rnd, rnd, buf_c, u, stop, buf_k)
            # Per mentor, by coverage then the hash (her kept set holds mentees: their index breaks ties).
            n = 0
            for t in range(stop):  # no branch per pair: a mentor's kept set is rarely beaten
                sel[n] = t
                n += buf_k[t] >= worst_k[t]
            for q in range(n):
                t = sel[q]
                p = cols[t]
                key = buf_k[t]
                if key < 0 or (key == worst_k[t] and i > side_wm[p]):
                    continue
                wv, _, side_wm[p] = _replace_worst(side_v, side_h, side_i, p, np.float64(key), 0, i)
                side_wk[p] = worst_k[t] = np.int64(wv) if wv > -np.inf else -1
            # Per mentee, by coverage then the hash: only the pairs of her core_k best coverage levels.
            n = _compact(buf_c, stop, max(_level(buf_c, stop, core[0].shape[1], n_goals), 0), sel)
            for q in range(n):
                buf_v[sel[q]] = np.float64(buf_k[sel[q]])
            _keep_best(e_rnd, idx, rnd, buf_v, sel, n, core[0], core[1], core[2], i, False)
            # Per mentee, lead times the coverage plus the score without the bio (below 1):
            # only pairs of her top_k best coverage levels can be kept.  They come most
            # senior first, so the seniority term only falls: once her kept set is full
            # and even a perfect pair at this seniority could not beat its worst, the
            # rest cannot either.
            n = _compact(buf_c, stop, max(_level(buf_c, stop, top[0].shape[1], n_goals), 0), sel)
            for s_ in range(top[0].shape[1]):
                top[0][i, s_], top[1][i, s_], top[2][i, s_] = -np.inf, 0, -1
            wv, wh, wm = -np.inf, np.int64(0), np.int64(-1)
            perfect = (wg + lead) * (1.0 if n_goals > 0 else 0.0) + ws + wl + wa + 1e-9
            for q in range(n):
                t = sel[q]
                sen = wsen * min(max(years[t] - e_years[i], 0), seniority_cap) / seniority_cap
                if wv > -np.inf and perfect + sen < wv:
                    break
                cov = buf_c[t]
                p = cols[t]
                if cov == n_goals:
                    idf = ws if n_goals > 0 else 0.0
                elif cov == 0:
                    idf = 0.0
                else:
                    idf = 0.0
                    for w in range(n_words):
                        x = e_goals[i, w] & skills[t, w]
                        for b in range(8):
                            byte = (x >> np.uint64(8 * b)) & np.uint64(255)
                            if byte:
                                idf += idf_tables[w * 8 + b, byte]
                    idf *= ws * e_inv_tot[i]
                value = (wg + lead) * cov * inv_goals + idf + wl * _common(e_lang, i, m_lang, p) * e_inv_lang[i]
                value += sen
                if m_agency[p] == e_agency[i]:
                    value += wa
                if value < wv:
                    continue
                j = idx[t]
                h = pair_hash(e_rnd, rnd[t])
                if value == wv and (h > wh or (h == wh and j > wm)):
                    continue
                wv, wh, wm = _replace_worst(top[0], top[1], top[2], i, value, h, j)


def scan_candidates(arrays: ScanArrays, pop, scorer, units_per_goal, *, core_k: int, side_k: int, top_k: int, lead: float):
    """The three candidate sets of a run, from one pass over every feasible pair.

    * ``core``: per mentee, the ``core_k`` feasible mentors covering most of her
      goals (coverage is exact, in units);
    * ``side``: per mentor with places, the ``side_k`` feasible mentees whose
      goals she covers best (by share of the mentee's goals, in units): a
      mentor whose place is contested sees the mentees who need her most;
    * ``top``: per mentee, her ``top_k`` best mentors by ``lead`` times the goal
      coverage plus the score without the bio term (with ``lead`` above the
      largest score, coverage always ranks first).

    Ties are broken by :func:`pair_hash`; excluded pairs are never returned.

    Returns
    -------
    dict of str to (e, m)
        Mentee and mentor indices of each set; ``top`` also has its values as
        a third array.
    """
    w = scorer._weights()
    with np.errstate(invalid="ignore", divide="ignore"):
        n_lang = scorer.language_counts_[pop.mentees]
        inv_lang = np.where(n_lang > 0, 1.0 / n_lang, 0.0)
        tot = scorer.goal_idf_totals_[pop.mentees]
        inv_tot = np.where(tot > 0, 1.0 / tot, 0.0)
    n_words = arrays.e_goals.shape[1]
    idf = np.zeros(n_words * 64)
    idf[: len(scorer.idf_)] = scorer.idf_
    # Per byte b of the words and byte value v: the IDF sum of the topics of v's bits.
    bits = ((np.arange(256)[:, None] >> np.arange(8)[None, :]) & 1).astype(np.float64)  # (256, 8), low bit first
    tables = np.stack([bits @ idf[8 * b : 8 * b + 8] for b in range(n_words * 8)])
    core, side, top = (
        _kept(n, int(k)) for n, k in ((pop.n_mentees, core_k), (pop.n_mentors, side_k), (pop.n_mentees, top_k))
    )
    _candidates(
        arrays.as_tuple(), pop.years[pop.mentees].astype(np.int64), np.asarray(units_per_goal, dtype=np.int64),
        inv_lang, inv_tot, tables, w, float(scorer.seniority_cap), float(lead), core, side, top,
    )  # fmt: skip
    out = {}
    r, c = np.nonzero(core[2][:, : max(core_k, 0)] >= 0)
    out["core"] = (r, core[2][r, c])
    r, c = np.nonzero(top[2][:, : max(top_k, 0)] >= 0)
    out["top"] = (r, top[2][r, c], top[0][r, c])
    r, c = np.nonzero(side[2][:, : max(side_k, 0)] >= 0)
    out["side"] = (side[2][r, c], arrays.order[r])
    return out


@njit(cache=True)
def _price(a, upg, full, dist_e, dist_m, mate, per_mentee, window):
    """The pass of :func:`price_pairs` (``dist_m`` per mentor index)."""
    group_ptr, group_mentees, e_need, e_goals = a[6], a[7], a[10], a[12]
    keep = _kept(1, per_mentee)
    n_m = a[0].shape[0]
    buf_c = np.empty(n_m, dtype=np.int64)
    buf_v = np.empty(n_m)
    sel = np.empty(n_m, dtype=np.int64)
    found_e = np.empty(16, dtype=np.int64)
    found_m = np.empty(16, dtype=np.int64)
    n_found = 0
    for g in range(group_ptr.shape[0] - 1):
        cols, idx, years, skills, rnd = _group(a, g)
        dist_g = dist_m[idx]
        # best_after[t]: the largest mentor potential among the t + 1 most senior of the group.
        best_after = dist_g.copy()
        for t in range(1, best_after.shape[0]):
            best_after[t] = max(best_after[t], best_after[t - 1])
        for k in range(group_ptr[g], group_ptr[g + 1]):
            i = group_mentees[k]
            stop = _senior(years, e_need[i])
            if stop == 0 or full[i] + best_after[stop - 1] <= dist_e[i]:
                continue  # no pair of hers can have a negative reduced cost
            _covered(e_goals, i, skills, stop, buf_c)
            _strike(a, i, cols, stop, buf_c, mate[i])
            zmax = -np.inf
            u = upg[i]
            for t in range(stop):
                z = np.float64(buf_c[t] * u + dist_g[t]) if buf_c[t] >= 0 else -np.inf
                buf_v[t] = z
                zmax = max(zmax, z)
            if zmax <= dist_e[i]:
                continue
            n = _compact(buf_v, stop, max(zmax - window, dist_e[i] + 1.0), sel)
            _keep_best(a[18][i], idx, rnd, buf_v, sel, n, keep[0], keep[1], keep[2], 0, True)
            for s in range(keep[2].shape[1]):
                if keep[2][0, s] < 0:
                    continue
                if n_found == found_e.shape[0]:
                    found_e = np.concatenate((found_e, np.empty(n_found, dtype=np.int64)))
                    found_m = np.concatenate((found_m, np.empty(n_found, dtype=np.int64)))
                found_e[n_found] = i
                found_m[n_found] = keep[2][0, s]
                n_found += 1
    return found_e[:n_found].copy(), found_m[:n_found].copy()


def price_pairs(arrays: ScanArrays, units_per_goal, dist_e, dist_m, mate, *, per_mentee: int, window: int = 0):
    """Feasible pairs of negative reduced cost in the coverage stage, at most ``per_mentee`` each.

    The reduced cost of a pair (mentee e, mentor m) outside the flow is
    ``-units(e, m) + dist_e - dist_m``.  Every feasible pair is checked except
    the mentee's current mentor (``mate``) and the excluded ones; per mentee,
    the pairs within ``window`` of her most negative reduced cost are kept,
    the ``per_mentee`` most negative first, ties by :func:`pair_hash`.

    Returns
    -------
    e, m : ndarray of int
        Mentee and mentor indices, ordered by mentee group (sort them if needed).
    """
    upg = np.asarray(units_per_goal, dtype=np.int64)
    full = upg * arrays.e_n_goals
    return _price(
        arrays.as_tuple(), upg, full, np.asarray(dist_e, dtype=np.int64), np.asarray(dist_m, dtype=np.int64),
        np.asarray(mate, dtype=np.int64), int(per_mentee), int(window),
    )  # fmt: skip
