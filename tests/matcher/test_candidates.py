"""Candidate selection: the exact top-k per mentee, whatever the ties."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.assign import _row_top_k


def tied_scores(rng, n_rows, n_cols):
    """Scores with few distinct values (like the bio-free score), some rows all tied."""
    z = (rng.integers(0, 12, size=(n_rows, n_cols)) / 10 - rng.random()).astype(np.float32)
    z[: n_rows // 3] = np.float32(0.5)
    z[:, : n_cols // 5] = np.float32(-4.0)  # too junior: never kept
    return z


@pytest.mark.parametrize("n_cols", [5, 90, 700, 5000, 9001])
def test_selection_keeps_the_k_largest_values_of_every_row(n_cols):
    rng = np.random.default_rng(n_cols)
    k = 30
    z = tied_scores(rng, 40, n_cols)
    r, c = _row_top_k(z, k, np.arange(40), np.arange(n_cols))
    for i in range(40):
        mine = c[r == i]
        assert len(set(mine.tolist())) == len(mine)
        expected = np.sort(z[i])[::-1][:k]
        expected = expected[expected > -1]
        assert np.array_equal(np.sort(z[i, mine])[::-1], expected)


def test_ties_are_broken_the_same_way_every_time_and_differ_between_mentees():
    z = np.full((2, 6000), 0.5, dtype=np.float32)
    first = _row_top_k(z, 30, np.array([11, 12]), np.arange(6000))
    again = _row_top_k(z.copy(), 30, np.array([11, 12]), np.arange(6000))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    r, c = first
    assert set(c[r == 0].tolist()) != set(c[r == 1].tolist())
