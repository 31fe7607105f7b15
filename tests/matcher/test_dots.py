"""Dot products of sparse rows (matcher/_dots.py): the bio similarity of candidate pairs."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from matcher._dots import row_dots

ROOT = Path(__file__).resolve().parents[2]


def _scipy(matrix, a, b):
    """What the matcher computed before: elementwise product of the two rows, then the row sum."""
    return np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1), dtype=np.float64).ravel()


def _matrix(rng, n_rows, n_cols, density):
    m = sp.random(n_rows, n_cols, density=density, format="csr", dtype=np.float32, random_state=rng)
    m.data = rng.random(m.nnz).astype(np.float32) * 3 - 0.5  # some negative, some tiny products
    m.data[rng.random(m.nnz) < 0.05] = 1e-30  # products that underflow to 0 are not kept
    return m


@pytest.mark.parametrize(("n_cols", "density"), [(40, 0.3), (337, 0.15), (1000, 0.6), (3000, 0.9)])
def test_equal_bit_for_bit_to_the_elementwise_product_and_row_sum(n_cols, density):
    # Up to ~2,700 common columns per pair: NumPy's pairwise sum splits above 128.
    rng = np.random.default_rng(n_cols)
    m = _matrix(rng, 60, n_cols, density).tolil()
    m[5] = 0  # an empty row
    m = m.tocsr()
    m.eliminate_zeros()
    a = rng.integers(0, 60, 3000)
    b = rng.integers(0, 60, 3000)
    for order in (np.arange(3000), np.argsort(b, kind="stable")):  # sorted by b shares the spread row
        got = row_dots(m, a[order], b[order])
        np.testing.assert_array_equal(got, _scipy(m, a[order], b[order]))
    assert row_dots(m, np.array([5]), np.array([7])).tolist() == [0.0]
    assert row_dots(m, np.zeros(0, int), np.zeros(0, int)).shape == (0,)


def test_the_bio_similarity_of_a_member_with_herself_is_one_and_symmetric():
    from matcher import Member
    from matcher.features import CompatibilityScorer
    from matcher.model import MatchConfig

    bios = ["пограничная служба смена пункт пропуска граница", "customs clearance border post training", ""]
    members = [
        Member(f"m{i}", "KZ", "police", ("mentor", "mentee"), ("ru",), ("leadership",), ("leadership",), bio=bio)
        for i, bio in enumerate(bios)
    ]
    scorer = CompatibilityScorer.from_config(MatchConfig()).fit(members)
    self_sims = scorer.components(np.array([0, 1]), np.array([0, 1]))["bio"]
    np.testing.assert_allclose(self_sims, [1.0, 1.0], rtol=1e-6)
    ab = scorer.components(np.array([0]), np.array([1]))["bio"]
    ba = scorer.components(np.array([1]), np.array([0]))["bio"]
    assert ab.tolist() == ba.tolist()
    assert scorer.components(np.array([2]), np.array([0]))["bio"].tolist() == [0.0]


RUN = """
import numpy as np, scipy.sparse as sp
from matcher._dots import row_dots
m = sp.csr_matrix(np.arange(1, 601, dtype=np.float32).reshape(2, 300) / 100)
print(row_dots(m, np.array([0, 1, 0]), np.array([1, 1, 0])).tolist())
"""


def test_the_compiled_code_runs_again_from_numba_s_disk_cache(tmp_path):
    # A recursive compiled function compiled fine but crashed the process (segfault)
    # once loaded back from the cache: every run after the first on a machine.
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(NUMBA_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))
    outputs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 0, proc.stderr[-2000:]
        outputs.append(proc.stdout)
    assert any((tmp_path / "cache").rglob("*.nbi")), "the compiled code was cached"
    assert outputs[0] == outputs[1]
    m = sp.csr_matrix(np.arange(1, 601, dtype=np.float32).reshape(2, 300) / 100)
    assert ast.literal_eval(outputs[0]) == _scipy(m, np.array([0, 1, 0]), np.array([1, 1, 0])).tolist()
