"""Leontief solves on the trade-coefficient (Chenery-Moses) structure: detection and known answers.

See docs/methods/leontief.md, section "Iterative solvers".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio import kernels


def _structured(R: int, n: int, seed: int, same_technology: bool = False):
    """A = P (+)_s a^s with random trade shares (columns of t_i sum to 1) and technologies."""
    rng = np.random.default_rng(seed)
    t = rng.random((n, R, R)) + 0.05
    t /= t.sum(axis=1, keepdims=True)
    tech = rng.random((1 if same_technology else R, n, n))
    tech *= rng.uniform(0.2, 0.7, (tech.shape[0], 1, n)) / tech.sum(axis=1, keepdims=True)  # column sums < 1
    tech = np.broadcast_to(tech, (R, n, n)).copy()
    A = np.einsum("irs,sij->risj", t, tech).reshape(R * n, R * n)
    return A, t, tech


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 6), st.integers(0, 10_000), st.booleans())
def test_structure_recovered_and_solve_matches_dense(R, n, seed, same):
    A, t, tech = _structured(R, n, seed, same)
    found = kernels.trade_structure(A, R)
    assert found is not None
    np.testing.assert_allclose(found[0], t, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(found[1], tech, rtol=1e-12, atol=1e-15)
    X = np.random.default_rng(seed).random((R * n, 3))
    np.testing.assert_allclose(kernels.trade_structured_matvec(*found, X), A @ X, rtol=1e-12, atol=1e-14)
    Y = np.random.default_rng(seed + 1).random((R * n, 3))
    solved, iterations, residual = kernels.trade_structured_solve(*found, Y)
    expected = np.linalg.solve(np.eye(R * n) - A, Y)
    np.testing.assert_allclose(solved, expected, rtol=1e-12)
    assert residual <= 1e-14 and iterations >= 1
    vector, _, _ = kernels.trade_structured_solve(*found, Y[:, 0])
    assert vector.shape == (R * n,)
    np.testing.assert_allclose(vector, expected[:, 0], rtol=1e-12)
    rows, _, residual = kernels.trade_structured_solve(*found, Y, transposed=True)  # Y' L
    np.testing.assert_allclose(rows, np.linalg.solve((np.eye(R * n) - A).T, Y), rtol=1e-12)
    assert residual <= 1e-14


def test_zero_right_hand_side_and_unbought_products():
    A, _, _ = _structured(3, 4, 1)
    A = A.reshape(3, 4, 3, 4)
    A[:, 2, 1, :] = 0.0  # region 1 buys none of product 2
    A = A.reshape(12, 12)
    found = kernels.trade_structure(A, 3)
    assert found is not None and (found[0][2, :, 1] == 0).all()
    Y = np.zeros((12, 2))
    Y[:, 1] = 1.0
    X, _, _ = kernels.trade_structured_solve(*found, Y)
    assert (X[:, 0] == 0).all()
    np.testing.assert_allclose(X[:, 1], np.linalg.solve(np.eye(12) - A, Y[:, 1]), rtol=1e-12)


def test_tables_without_the_structure_are_refused():
    A, _, _ = _structured(3, 4, 2)
    B = A.copy()
    B[1, 6] *= 1.0 + 1e-9  # one buyer in region 1 with its own trade share
    assert kernels.trade_structure(B, 3) is None
    rng = np.random.default_rng(3)
    assert kernels.trade_structure(rng.random((12, 12)) / 24, 3) is None
    assert kernels.trade_structure(A, 5) is None  # 12 industries do not split into 5 regions


def test_not_productive_raises():
    A, t, tech = _structured(2, 3, 4)
    with pytest.raises(kernels.NotConvergedError):
        kernels.trade_structured_solve(t, tech * 2.5, np.ones(6), max_iter=200)


def test_system_leontief_product_uses_the_structure_before_any_factorisation():
    """``L Y`` and ``S L`` by the structured iteration equal the LU route (the former one)."""
    R, n = 8, 64  # N = 512: large enough for the structured path
    A, _, _ = _structured(R, n, 5)
    index = pd.MultiIndex.from_product([[f"r{r}" for r in range(R)], [f"s{i}" for i in range(n)]],
                                       names=["region", "sector"])
    cols = pd.MultiIndex.from_product([[f"r{r}" for r in range(R)], ["hh"]], names=["region", "category"])
    Y = np.random.default_rng(6).random((R * n, R))
    x = np.linalg.solve(np.eye(R * n) - A, Y.sum(axis=1))
    system = mrio.MRIO.from_flows(pd.DataFrame(A * x[np.newaxis, :], index=index, columns=index),
                                  pd.DataFrame(Y, index=index, columns=cols))
    assert system._trade_structure is not None
    product = system.leontief_product(Y)
    S = np.random.default_rng(7).random((3, R * n))
    rows, row = system.leontief_row_product(S), system.leontief_row_product(S[0])
    assert "factor" not in vars(system)  # no LU was needed
    np.testing.assert_allclose(product, system.factor.solve(Y), rtol=1e-12)
    np.testing.assert_allclose(rows, system.factor.solve_transposed(S), rtol=1e-12)
    assert row.shape == (R * n,)
    np.testing.assert_allclose(row, system.factor.solve_transposed(S[0]), rtol=1e-12)
    # once the LU factors exist, every product uses them
    np.testing.assert_array_equal(system.leontief_row_product(S), system.factor.solve_transposed(S))
    np.testing.assert_allclose(system.leontief_product(Y[:, 0]), system.factor.solve(Y[:, 0]), rtol=1e-12)
