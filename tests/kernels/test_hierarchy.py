"""mrio.kernels.estimate_suppressed: suppressed cells of hierarchical tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrio.kernels import InconsistentAggregatesError, estimate_suppressed, table_aggregates

from mrio import kernels

NAN = np.nan


def test_one_missing_child_is_the_rest():
    fit = estimate_suppressed([10.0, 3.0, NAN, 4.0], [(0, [1, 2, 3])])
    np.testing.assert_allclose(fit.values, [10, 3, 3, 4], atol=1e-9)
    assert fit.estimated.tolist() == [2]
    assert fit.lower[2] == pytest.approx(3.0, abs=1e-9) and fit.upper[2] == pytest.approx(3.0, abs=1e-9)


def test_suppressed_parent_and_nested_hierarchy_unique():
    # total = A + B; A = a1 + a2 with A suppressed and a2 suppressed, B published: a2 = total - B - a1
    values = [100.0, NAN, 30.0, 50.0, NAN]  # total, A, B, a1, a2
    fit = estimate_suppressed(values, [(0, [1, 2]), (1, [3, 4])])
    np.testing.assert_allclose(fit.values, [100, 70, 30, 50, 20], atol=1e-9)
    np.testing.assert_allclose(fit.lower[[1, 4]], [70, 20], atol=1e-7)
    np.testing.assert_allclose(fit.upper[[1, 4]], [70, 20], atol=1e-7)


def test_two_way_table_unique_cell():
    # rows: r0, r1, total; columns: c0, c1, total; one interior cell suppressed
    T = np.array([[1.0, 2, 3], [3, 4, 7], [4, 6, 10]])
    X = T.copy()
    X[1, 0] = NAN
    fit = estimate_suppressed(X.ravel(), table_aggregates((3, 3), [(2, [0, 1])], [(2, [0, 1])]))
    np.testing.assert_allclose(fit.values.reshape(3, 3), T, atol=1e-9)


def test_two_by_two_pattern_follows_the_prior_and_reports_ranges():
    # the classic 2 x 2 suppression pattern: one degree of freedom, range [0, 3] for the corner cell
    T = np.array([[1.0, 2, 3], [3, 4, 7], [4, 6, 10]])
    X = T.copy()
    X[:2, :2] = NAN
    aggregates = table_aggregates((3, 3), [(2, [0, 1])], [(2, [0, 1])])
    fit = estimate_suppressed(X.ravel(), aggregates, prior=T.ravel())
    np.testing.assert_allclose(fit.values.reshape(3, 3), T, atol=1e-7)  # the prior is feasible
    np.testing.assert_allclose(fit.lower.reshape(3, 3)[:2, :2], [[0, 0], [1, 3]], atol=1e-7)
    np.testing.assert_allclose(fit.upper.reshape(3, 3)[:2, :2], [[3, 3], [4, 6]], atol=1e-7)
    # a proportional prior (row share x column share) gives the independence table
    ind = estimate_suppressed(X.ravel(), aggregates, prior=np.outer([3, 7, 10], [4, 6, 10]).ravel() / 10)
    np.testing.assert_allclose(ind.values.reshape(3, 3)[:2, :2], [[1.2, 1.8], [2.8, 4.2]], atol=1e-6)


def test_rounding_tolerance_allows_the_published_miss():
    # 6 + 5 > 10 but each figure is rounded to a unit: the missing child is 0 and the miss is 1
    fit = estimate_suppressed([10.0, 6.0, 5.0, NAN], [(0, [1, 2, 3])], tolerance=0.5)
    assert fit.values[3] == pytest.approx(0.0, abs=1e-7)
    assert fit.residuals[0] == pytest.approx(1.0, abs=1e-7)
    assert fit.tolerances[0] == pytest.approx(1.5)
    # where the rounded figures add up, the aggregate holds exactly
    exact = estimate_suppressed([10.0, 6.0, 3.0, NAN], [(0, [1, 2, 3])], tolerance=0.5)
    assert exact.values[3] == pytest.approx(1.0, abs=1e-9)
    assert abs(exact.residuals[0]) < 1e-9


@pytest.mark.parametrize("values", [[10.0, 6.0, 7.0, NAN], [10.0, 6.0, 7.0, 1.0]])
def test_contradiction_names_the_aggregate_and_cells(values):
    expected = r"aggregate 0 \(parent cell 0, children \[1, 2, 3\]\)"
    with pytest.raises(InconsistentAggregatesError, match=expected) as info:
        estimate_suppressed(values, [(0, [1, 2, 3])])
    assert info.value.aggregates == [0]
    assert info.value.cells == [0, 1, 2, 3]
    assert isinstance(info.value, kernels.InfeasibleError)


def test_contradiction_only_the_bad_aggregate():
    # aggregate 0 is fine, aggregate 1 (cell 4 = 5 + 6 + ?) cannot hold
    values = [10.0, 4.0, NAN, 10.0, 5.0, 6.0, NAN]
    with pytest.raises(InconsistentAggregatesError) as info:
        estimate_suppressed(values, [(0, [1, 2]), (3, [4, 5, 6])])
    assert info.value.aggregates == [1]
    assert info.value.cells == [3, 4, 5, 6]


def test_malformed_input():
    with pytest.raises(ValueError, match="outside"):
        estimate_suppressed([1.0, NAN], [(0, [5])])
    with pytest.raises(kernels.InfeasibleError, match="published cells"):
        estimate_suppressed([1.0, -2.0, NAN], [(0, [1, 2])])


def test_unconstrained_cell_keeps_prior_with_open_range():
    fit = estimate_suppressed([5.0, 5.0, NAN], [(0, [1])], prior=[NAN, NAN, 7.0])
    assert fit.values[2] == pytest.approx(7.0, abs=1e-6)
    assert fit.lower[2] == pytest.approx(0.0, abs=1e-9) and np.isinf(fit.upper[2])


@st.composite
def hierarchical_tables(draw):
    """A random non-negative two-way table with row and column totals (and a nested row group)."""
    m = draw(st.integers(2, 5))
    n = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    leaves = rng.gamma(1.0, 10.0, (m, n)) * (rng.random((m, n)) < 0.85)
    sub = leaves[:2].sum(axis=0)  # nested group: rows 0 and 1
    body = np.vstack([leaves, sub[np.newaxis]])
    full = np.vstack([body, leaves.sum(axis=0)[np.newaxis]])
    full = np.column_stack([full, full.sum(axis=1)])
    rows, cols = full.shape
    row_groups = [(rows - 1, list(range(m))), (m, [0, 1])]
    column_groups = [(cols - 1, list(range(n)))]
    mask = rng.random(full.shape) < draw(st.floats(0.05, 0.5))
    prior = full * rng.uniform(0.3, 3.0, full.shape)
    return full, mask, table_aggregates(full.shape, row_groups, column_groups), prior


@settings(max_examples=40, deadline=None)
@given(hierarchical_tables())
def test_properties_aggregates_hold_published_unchanged_nonnegative(case):
    full, mask, aggregates, prior = case
    values = np.where(mask, NAN, full).ravel()
    fit = estimate_suppressed(values, aggregates, prior=prior.ravel())
    scale = max(1.0, full.max())
    assert np.abs(fit.residuals).max() <= 1e-8 * scale  # every published aggregate holds
    published = ~mask.ravel()
    assert np.array_equal(fit.values[published], values[published])  # no published cell changes
    assert (fit.values >= 0).all()  # nothing negative
    assert fit.estimated.tolist() == np.flatnonzero(mask.ravel()).tolist()  # reports what it estimated
    # the truth is one feasible completion: it lies within every reported range, as does the estimate
    est = fit.estimated
    tol = 1e-7 * scale
    truth = full.ravel()[est]
    assert (fit.lower[est] <= truth + tol).all() and (truth <= fit.upper[est] + tol).all()
    assert (fit.lower[est] <= fit.values[est] + tol).all() and (fit.values[est] <= fit.upper[est] + tol).all()


@settings(max_examples=25, deadline=None)
@given(hierarchical_tables())
def test_properties_rounded_tables_hold_within_rounding(case):
    full, mask, aggregates, prior = case
    rounded = np.round(full)
    values = np.where(mask, NAN, rounded).ravel()
    fit = estimate_suppressed(values, aggregates, prior=prior.ravel(), tolerance=0.5, ranges=False)
    assert (np.abs(fit.residuals) <= fit.tolerances + 1e-7 * max(1.0, full.max())).all()
    assert (fit.values >= 0).all()
    published = ~mask.ravel()
    assert np.array_equal(fit.values[published], values[published])
