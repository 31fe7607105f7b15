"""The coverage flow: the primal-dual solve against cost scaling, and the optimality check."""

import numpy as np
import pytest

from matcher.assign import (
    _flow_arcs,
    check_optimal,
    primal_dual_flow,
    residual_potentials,
    solve_flow,
)


def _graph(rng, n_e, n_m, n_pairs):
    e = rng.integers(0, n_e, n_pairs)
    m = rng.integers(0, n_m, n_pairs)
    keys = np.unique(e * n_m + m)
    rng.shuffle(keys)
    return keys // n_m, keys % n_m


def _max_flow(n_e, capacity, e, m):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_flow

    n_m = len(capacity)
    s, t = n_e + n_m, n_e + n_m + 1
    tails = np.concatenate([np.full(n_e, s), e, n_e + np.arange(n_m)])
    heads = np.concatenate([np.arange(n_e), n_e + m, np.full(n_m, t)])
    caps = np.concatenate([np.ones(n_e + len(e)), capacity]).astype(np.int32)
    g = csr_matrix((caps, (tails, heads)), shape=(t + 1, t + 1))
    return int(maximum_flow(g, s, t).flow_value)


def test_check_optimal_rejects_a_flow_that_is_not_optimal():
    # Two mentees, one mentor with one place: the cheaper pair must be used.
    e, m, cost = np.array([0, 1]), np.array([0, 0]), np.array([-60, -20])
    tails, heads, caps, costs = _flow_arcs(2, np.array([1]), e, m, cost)
    supplies = np.array([0, 0, 0, 1, -1])
    good = np.array([1, 0, 1, 0, 1])
    bad = np.array([0, 1, 0, 1, 1])
    dist = residual_potentials(2, np.array([1]), e, m, cost, np.array([True, False]))
    assert check_optimal(5, tails, heads, caps, costs, good, dist, supplies)
    assert not check_optimal(5, tails, heads, caps, costs, bad, dist, supplies)


@pytest.mark.parametrize("seed", range(40))
def test_primal_dual_flow_reaches_the_cost_of_cost_scaling_and_proves_it(seed):
    rng = np.random.default_rng(1000 + seed)
    n_e, n_m = int(rng.integers(3, 60)), int(rng.integers(2, 20))
    capacity = rng.integers(1, 4, n_m)
    e, m = _graph(rng, n_e, n_m, int(rng.integers(n_e, 6 * n_e)))
    # Coverage-like costs (few values, most pairs the cheapest), or any integers.
    if seed % 2:
        cost = -rng.choice([0, 12, 20, 30, 45, 60], len(e), p=[0.05, 0.05, 0.1, 0.1, 0.1, 0.6])
    else:
        cost = rng.integers(-50, 10, len(e))
    value = _max_flow(n_e, capacity, e, m)
    if value == 0:
        return
    result = primal_dual_flow(n_e, capacity, e, m, cost, value)
    assert result is not None
    used, dist = result
    fresh = solve_flow(n_e, capacity, e, m, cost, value)
    assert int(used.sum()) == value
    assert int(cost[used].sum()) == int(cost[fresh].sum())
    assert np.bincount(e[used], minlength=n_e).max() <= 1
    assert np.all(np.bincount(m[used], minlength=n_m) <= capacity)
    tails, heads, caps, costs = _flow_arcs(n_e, capacity, e, m, cost)
    flows = np.concatenate([np.bincount(e[used], minlength=n_e), used, np.bincount(m[used], minlength=n_m)])
    supplies = np.zeros(n_e + n_m + 2, np.int64)
    supplies[-2], supplies[-1] = value, -value
    assert check_optimal(n_e + n_m + 2, tails, heads, caps, costs, flows.astype(np.int64), dist, supplies)


def test_primal_dual_flow_gives_way_when_the_value_is_out_of_reach_or_the_phases_run_out():
    # One mentor with one place cannot take two mentees.
    e, m, cost = np.array([0, 1]), np.array([0, 0]), np.array([-60, -20])
    assert primal_dual_flow(2, np.array([1]), e, m, cost, 2) is None
    # Two mentees, two mentors: the optimum needs a second phase (the cheap pair
    # is shared), so one phase is not enough.
    e, m, cost = np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([-60, -60, -10])
    assert primal_dual_flow(2, np.array([1, 1]), e, m, cost, 2, max_phases=1) is None
    used, _ = primal_dual_flow(2, np.array([1, 1]), e, m, cost, 2)
    assert used.tolist() == [True, False, True]
