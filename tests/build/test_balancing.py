"""RAS and GRAS: known answers, properties of the balanced matrix, and bad input."""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio import kernels
from mrio.balancing import gras, ras
from mrio.errors import ConvergenceError, InfeasibleBalancingError, InvalidTableError, UnknownLabelError

# Temurshoev, Miller & Bouwmeester (2013) GRAS example, docs/methods/index.md, section "Known-answer checks".
K4_X0 = np.array([[7, 3, 5, -3], [2, 9, 8, 1], [-2, 0, 2, 1]], dtype=float)
K4_U = np.array([15, 26, -1], dtype=float)
K4_V = np.array([9, 16, 17, -2], dtype=float)
K4_EXPECTED = np.array([[8.976439, 3.743161, 5.721729, -3.441329],
                        [2.799334, 12.256841, 9.992313, 0.951511],
                        [-2.775776, 0.0, 1.285958, 0.489818]])


def test_ras_miller_blair_7_4_2(miller_blair):
    ex = miller_blair["miller_blair_7_4_2_RAS"]
    prior = np.array(ex["A0_base"]) * np.array(ex["x1"])[np.newaxis, :]
    result = kernels.ras(prior, np.array(ex["u_row_totals"]), np.array(ex["v_col_totals"]))
    np.testing.assert_allclose(result.X, ex["Z_ras_converged"], atol=1e-4)
    coefficients = result.X / np.array(ex["x1"])[np.newaxis, :]
    np.testing.assert_allclose(coefficients, ex["A_ras_converged"], atol=1e-6)
    # Factors are unique up to r -> c r, s -> s / c: compare the scale-free products.
    np.testing.assert_allclose(np.outer(result.r, result.s), np.outer(ex["r"], ex["s"]), rtol=1e-5)
    np.testing.assert_allclose(result.X.sum(axis=1), ex["u_row_totals"], rtol=1e-10)
    np.testing.assert_allclose(result.X.sum(axis=0), ex["v_col_totals"], rtol=1e-10)


def test_gras_temurshoev_example():
    result = kernels.gras(K4_X0, K4_U, K4_V)
    np.testing.assert_allclose(result.X, K4_EXPECTED, atol=2e-6)
    assert result.residual <= 1e-10 * 26


def test_labelled_gras_keeps_labels_and_matches_kernel():
    rows = pd.Index(["a", "b", "c"], name="product")
    cols = pd.Index(["w", "x", "y", "z"], name="user")
    prior = pd.DataFrame(K4_X0, index=rows, columns=cols)
    out = gras(prior, pd.Series(K4_U, index=rows), pd.Series(K4_V, index=cols))
    assert out.table.index.equals(rows) and out.table.columns.equals(cols)
    np.testing.assert_allclose(out.table.to_numpy(), K4_EXPECTED, atol=2e-6)
    # margins given in a different order are aligned by label
    out2 = gras(prior, pd.Series(K4_U[::-1], index=rows[::-1]), pd.Series(K4_V, index=cols))
    np.testing.assert_allclose(out2.table.to_numpy(), out.table.to_numpy())


def test_gras_equals_ras_on_nonnegative(miller_blair):
    ex = miller_blair["miller_blair_7_4_2_RAS"]
    prior = np.array(ex["A0_base"]) * np.array(ex["x1"])[np.newaxis, :]
    u, v = np.array(ex["u_row_totals"]), np.array(ex["v_col_totals"])
    np.testing.assert_allclose(kernels.gras(prior, u, v).X, kernels.ras(prior, u, v).X, rtol=1e-9)


@st.composite
def _balancing_problem(draw, allow_negative):
    m = draw(st.integers(2, 7))
    n = draw(st.integers(2, 7))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    X0 = rng.uniform(0.1, 10, (m, n)) * (rng.random((m, n)) < 0.7)
    if allow_negative:
        X0 *= np.where(rng.random((m, n)) < 0.25, -1.0, 1.0)
    np.fill_diagonal(X0[:, :], np.abs(np.diag(X0)) + 1.0)  # every line keeps a positive entry
    # Feasible targets: margins of a sign- and zero-pattern-preserving perturbation of X0.
    target = X0 * rng.uniform(0.5, 2.0, (m, n))
    return X0, target.sum(axis=1), target.sum(axis=0)


@settings(max_examples=40, deadline=None)
@given(_balancing_problem(allow_negative=False))
def test_ras_properties(problem):
    X0, u, v = problem
    X = kernels.ras(X0, u, v).X
    scale = max(1.0, np.abs(u).max(), np.abs(v).max())
    assert np.abs(X.sum(axis=1) - u).max() <= 1e-9 * scale
    assert np.abs(X.sum(axis=0) - v).max() <= 1e-9 * scale
    assert np.array_equal(X == 0, X0 == 0)
    assert (X >= 0).all()


@settings(max_examples=40, deadline=None)
@given(_balancing_problem(allow_negative=True))
def test_gras_properties(problem):
    X0, u, v = problem
    X = kernels.gras(X0, u, v).X
    scale = max(1.0, np.abs(u).max(), np.abs(v).max())
    assert np.abs(X.sum(axis=1) - u).max() <= 1e-9 * scale
    assert np.abs(X.sum(axis=0) - v).max() <= 1e-9 * scale
    assert np.array_equal(np.sign(X), np.sign(X0))


@settings(max_examples=25, deadline=None)
@given(_balancing_problem(allow_negative=False))
def test_balancing_already_balanced_is_identity(problem):
    X0 = problem[0]
    X = kernels.gras(X0, X0.sum(axis=1), X0.sum(axis=0)).X
    np.testing.assert_allclose(X, X0, rtol=1e-9)


def _frame(values):
    return pd.DataFrame(values, index=pd.Index(["r1", "r2"], name="row"),
                        columns=pd.Index(["c1", "c2"], name="col"))


def test_unequal_grand_totals_raise():
    with pytest.raises(InfeasibleBalancingError, match="row targets sum to 3"):
        ras(_frame([[1.0, 1.0], [1.0, 1.0]]), [1.0, 2.0], [2.0, 2.0])


def test_zero_row_with_target_names_the_row():
    with pytest.raises(InfeasibleBalancingError, match="'r2'"):
        ras(_frame([[1.0, 1.0], [0.0, 0.0]]), [1.0, 1.0], [1.0, 1.0])


def test_column_of_wrong_sign_names_the_column():
    with pytest.raises(InfeasibleBalancingError, match="'c2'"):
        gras(_frame([[1.0, -1.0], [1.0, -1.0]]), [0.0, 1.0], [0.0, 1.0])


def test_ras_rejects_negative_entries_and_names_them():
    with pytest.raises(InfeasibleBalancingError, match="use GRAS.*'r1'.*'c2'"):
        ras(_frame([[1.0, -1.0], [1.0, 1.0]]), [1.0, 2.0], [2.0, 1.0])


def test_pattern_infeasible_margins_raise():
    # Rows 1 and 2 only reach column c1, which needs 1 in total, but the rows want 2 each.
    prior = pd.DataFrame([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]],
                         index=["r1", "r2", "r3"], columns=["c1", "c2", "c3"])
    with pytest.raises((InfeasibleBalancingError, ConvergenceError), match="r1|r2|c1"):
        ras(prior, [2.0, 2.0, 2.0], [1.0, 2.5, 2.5], max_iter=2000)


def test_margin_labels_that_match_nothing_raise():
    prior = _frame([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(UnknownLabelError, match="'r9'"):
        ras(prior, pd.Series([2.0, 2.0], index=["r1", "r9"]), [2.0, 2.0])
    with pytest.raises(InvalidTableError, match="NaN"):
        ras(prior, [2.0, np.nan], [2.0, 2.0])
    with pytest.raises(InvalidTableError, match="3 entries"):
        ras(prior, [1.0, 1.0, 2.0], [2.0, 2.0])


def test_gras_result_does_not_depend_on_thread_count():
    # Large enough for the parallel sweep (> _PARALLEL_CELLS cells) and several row blocks with a
    # partial last block and a row-group tail; 2 % negative cells.
    rng = np.random.default_rng(7)
    m, n = 603, 517
    X0 = rng.uniform(0.1, 10.0, (m, n)) * (rng.random((m, n)) < 0.9)
    X0 *= np.where(rng.random((m, n)) < 0.02, -1.0, 1.0)
    np.fill_diagonal(X0, np.abs(np.diag(X0)) + 1.0)
    target = X0 * rng.uniform(0.7, 1.4, (m, n))
    u, v = target.sum(axis=1), target.sum(axis=0)
    assert m * n >= kernels._balancing._PARALLEL_CELLS and m > 2 * kernels._balancing._BLOCK_ROWS
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = kernels.gras(X0, u, v)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = kernels.gras(X0, u, v)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(one.X, two.X)
    np.testing.assert_array_equal(one.r, two.r)
    np.testing.assert_array_equal(one.s, two.s)
    assert one.iterations == two.iterations and one.residual == two.residual
    scale = max(1.0, np.abs(u).max(), np.abs(v).max())
    assert np.abs(one.X.sum(axis=1) - u).max() <= 1e-9 * scale
    assert np.abs(one.X.sum(axis=0) - v).max() <= 1e-9 * scale
    assert np.array_equal(np.sign(one.X), np.sign(X0))
