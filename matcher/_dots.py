"""Dot products of pairs of rows of a sparse float32 matrix, compiled (numba).

The bio similarity of every candidate pair the tie-break looks at (about 1.9
million at 100,000 members) is the dot product of two rows of the bios' TF-IDF
matrix.  SciPy computes it as an elementwise product of the two rows followed
by a row sum, which copies both rows of every pair into new matrices; here one
row is spread into a dense vector and the other's non-zeros are looked up in
it.  The result is bit-identical to SciPy's: the non-zero products are taken
in column order and summed the way NumPy's ``add.reduceat`` sums them (the
first product, plus NumPy's pairwise sum of the rest, in float32).

Compiled once and cached on disk (``cache=True``), like :mod:`matcher._scan`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

from . import _jit  # noqa: F401  (before any @njit: where numba caches)

__all__ = ["row_dots"]

#: NumPy's block size for its pairwise summation (``PW_BLOCKSIZE``).
_BLOCK = 128


@njit(cache=True)
def _block(buf, lo, n):
    """NumPy's pairwise sum of ``buf[lo:lo + n]`` for ``n <= 128``: eight running sums."""
    if n < 8:
        res = np.float32(-0.0)
        for i in range(n):
            res += buf[lo + i]
        return res
    r = buf[lo : lo + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += buf[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += buf[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise(buf, lo, n):
    """NumPy's pairwise sum of ``buf[lo:lo + n]``.

    Above 128 NumPy halves the range (the first half a multiple of 8) and adds
    the two sums.  That recursion is walked here with explicit stacks: numba
    cannot load a recursive function back from its disk cache.
    """
    if n <= _BLOCK:
        return _block(buf, lo, n)
    seg_lo = np.empty(64, dtype=np.int64)
    seg_n = np.empty(64, dtype=np.int64)
    left_done = np.zeros(64, dtype=np.bool_)
    left_sum = np.empty(64, dtype=np.float32)
    depth = 0
    seg_lo[0], seg_n[0], left_done[0] = lo, n, False
    ret = np.float32(0.0)
    returning = False
    while True:
        if returning:
            if depth < 0:
                return ret
            if not left_done[depth]:  # the left half is summed: now the right one
                left_done[depth] = True
                left_sum[depth] = ret
                half = seg_n[depth] // 2
                half -= half % 8
                depth += 1
                seg_lo[depth], seg_n[depth], left_done[depth] = seg_lo[depth - 1] + half, seg_n[depth - 1] - half, False
                returning = False
            else:
                ret = left_sum[depth] + ret
                depth -= 1
            continue
        if seg_n[depth] <= _BLOCK:
            ret = _block(buf, seg_lo[depth], seg_n[depth])
            depth -= 1
            returning = True
            continue
        half = seg_n[depth] // 2
        half -= half % 8
        depth += 1
        seg_lo[depth], seg_n[depth], left_done[depth] = seg_lo[depth - 1], half, False


@njit(cache=True)
def _row_dots(indptr, indices, data, n_cols, a, b, out):
    """``out[k]`` = row ``a[k]`` . row ``b[k]`` (consecutive equal ``b`` share one spread row)."""
    dense = np.zeros(max(n_cols, 1), dtype=np.float32)
    buf = np.empty(max(n_cols, 1), dtype=np.float32)
    spread = -1
    for k in range(a.shape[0]):
        j = b[k]
        if j != spread:
            if spread >= 0:
                for q in range(indptr[spread], indptr[spread + 1]):
                    dense[indices[q]] = 0
            for q in range(indptr[j], indptr[j + 1]):
                dense[indices[q]] = data[q]
            spread = j
        n = 0
        for p in range(indptr[a[k]], indptr[a[k] + 1]):
            x = data[p] * dense[indices[p]]
            buf[n] = x
            n += x != 0  # the elementwise product keeps no zeros
        if n == 0:
            out[k] = 0.0
        elif n == 1:
            out[k] = buf[0]
        else:
            out[k] = buf[0] + _pairwise(buf, 1, n - 1)


def row_dots(matrix: sp.csr_matrix, a, b) -> np.ndarray:
    """Per k, the dot product of rows ``a[k]`` and ``b[k]`` of ``matrix`` (float32, as float64).

    Equal, bit for bit, to ``matrix[a].multiply(matrix[b]).sum(axis=1)``.
    Pairs sorted by ``b`` are fastest.

    Examples
    --------
    >>> m = sp.csr_matrix(np.array([[1, 0, 2], [0, 3, 4]], dtype=np.float32))
    >>> row_dots(m, np.array([0, 1, 0]), np.array([1, 1, 0])).tolist()
    [8.0, 25.0, 5.0]
    """
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    matrix.sum_duplicates()  # canonical: sorted columns, no repeats
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    out = np.empty(len(a), dtype=np.float32)
    if len(a):
        _row_dots(matrix.indptr, matrix.indices, matrix.data, matrix.shape[1], a, b, out)
    return out.astype(np.float64)
