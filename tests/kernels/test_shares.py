"""kernels.fit_share_targets: closest share targets under exact margins (the Dutch placement's fit)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio.kernels import fit_share_targets


def _two_way(X, T):
    """Cells (child c, region r), c-major; margins: national totals of children, regional totals (less one)."""
    C, R = len(X), len(T)
    E = np.zeros((C + R - 1, C * R))
    for c in range(C):
        E[c, c * R:(c + 1) * R] = 1.0
    for r in range(R - 1):
        E[C + r, r::R] = 1.0
    return sp.csr_array(E), np.concatenate([X, T[:-1]])


def _share_rows(X, R):
    """One target row per (child, region): the child's regional share x_c^r / X_c."""
    C = len(X)
    G = np.zeros((C * R, C * R))
    for c in range(C):
        for r in range(R):
            G[c * R + r, c * R + r] = 1.0 / X[c]
    return sp.csr_array(G)


def test_a_region_s_deviation_is_split_in_equal_share_points():
    """Children of national output 1 and 3, regions of 2 and 2, target shares (0.5, 0.5) and (0.75, 0.25):
    region 1 is 0.75 short, so both children lose 0.75 / 4 = 0.1875 share points there (RAS would take
    the loss in proportion to the cells)."""
    X, T = np.array([1.0, 3.0]), np.array([2.0, 2.0])
    E, b = _two_way(X, T)
    s = np.array([0.5, 0.5, 0.75, 0.25])
    fit = fit_share_targets(_share_rows(X, 2), s, s, np.repeat(X, 2), E, b)
    np.testing.assert_allclose(fit.x, [0.3125, 0.6875, 1.6875, 1.3125], atol=1e-7)
    np.testing.assert_allclose(fit.deviation, [-0.1875, 0.1875, -0.1875, 0.1875], atol=1e-7)
    assert fit.objective == pytest.approx(0.5 * (2 * 0.1875 ** 2 + 6 * 0.1875 ** 2), rel=1e-6)


def test_a_target_inside_its_band_costs_nothing():
    """The first child may lie anywhere (band [0, 1]): it takes the regions' rest and no target is missed."""
    X, T = np.array([1.0, 3.0]), np.array([3.0, 1.0])
    E, b = _two_way(X, T)
    lo = np.array([0.0, 0.0, 0.75, 0.25])
    hi = np.array([1.0, 1.0, 0.75, 0.25])
    fit = fit_share_targets(_share_rows(X, 2), lo, hi, np.repeat(X, 2), E, b)
    np.testing.assert_allclose(fit.x, [0.75, 0.25, 2.25, 0.75], atol=1e-7)
    assert np.abs(fit.deviation).max() < 1e-7 and fit.objective < 1e-12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), C=st.integers(1, 5), R=st.integers(2, 6))
def test_margins_hold_and_cells_are_non_negative(seed, C, R):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 10.0, C)
    T = rng.dirichlet(np.ones(R)) * X.sum()
    E, b = _two_way(X, T)
    s = rng.dirichlet(np.ones(R), size=C).ravel()
    fit = fit_share_targets(_share_rows(X, R), s, s, np.repeat(X, R), E, b)
    assert (fit.x >= 0).all()
    np.testing.assert_allclose(E @ fit.x, b, atol=1e-7 * X.sum())
    assert fit.margin_residual <= 1e-7 * X.sum()


def test_bad_input_is_refused():
    X, T = np.array([1.0, 3.0]), np.array([2.0, 2.0])
    E, b = _two_way(X, T)
    G = _share_rows(X, 2)
    s = np.full(4, 0.5)
    with pytest.raises(ValueError, match="lo > hi"):
        fit_share_targets(G, s + 0.1, s, np.ones(4), E, b)
    with pytest.raises(ValueError, match="weights"):
        fit_share_targets(G, s, s, np.zeros(4), E, b)
    with pytest.raises(ValueError, match="shapes"):
        fit_share_targets(G, s[:3], s, np.ones(4), E, b)


def test_a_floor_binds_at_its_value():
    """The fit of the first test with the floor x_11 >= 0.4 (the fit puts 0.3125 there): one degree of
    freedom (x_11 = t, the margins give the rest), a convex objective, so t = 0.4."""
    X, T = np.array([1.0, 3.0]), np.array([2.0, 2.0])
    E, b = _two_way(X, T)
    s = np.array([0.5, 0.5, 0.75, 0.25])
    F = sp.csr_array(np.array([[1.0, 0.0, 0.0, 0.0]]))
    fit = fit_share_targets(_share_rows(X, 2), s, s, np.repeat(X, 2), E, b, F=F, f=[0.4])
    np.testing.assert_allclose(fit.x, [0.4, 0.6, 1.6, 1.4], atol=1e-7)
    # a floor that the fit meets anyway changes nothing
    free = fit_share_targets(_share_rows(X, 2), s, s, np.repeat(X, 2), E, b, F=F, f=[0.2])
    np.testing.assert_allclose(free.x, [0.3125, 0.6875, 1.6875, 1.3125], atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), C=st.integers(1, 4), R=st.integers(2, 5))
def test_floors_that_some_cells_meet_hold(seed, C, R):
    """Floors at a fraction of a feasible placement's cells hold, with the margins, in the fit."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 10.0, C)
    feasible = rng.dirichlet(np.ones(R), size=C) * X[:, np.newaxis]  # one placement meeting the margins
    T = feasible.sum(axis=0)
    E, b = _two_way(X, T)
    s = rng.dirichlet(np.ones(R), size=C).ravel()
    F = sp.identity(C * R, format="csr")
    f = rng.uniform(0.0, 0.9, C * R) * feasible.ravel()
    fit = fit_share_targets(_share_rows(X, R), s, s, np.repeat(X, R), E, b, F=F, f=f)
    assert (fit.x >= f - 1e-7 * X.sum()).all()
    np.testing.assert_allclose(E @ fit.x, b, atol=1e-7 * X.sum())


def test_floors_beyond_the_margins_are_infeasible():
    from mrio.kernels import InfeasibleError

    X, T = np.array([1.0, 3.0]), np.array([2.0, 2.0])
    E, b = _two_way(X, T)
    s = np.array([0.5, 0.5, 0.75, 0.25])
    F = sp.csr_array(np.array([[1.0, 0.0, 0.0, 0.0]]))
    with pytest.raises(InfeasibleError, match="floors"):
        fit_share_targets(_share_rows(X, 2), s, s, np.repeat(X, 2), E, b, F=F, f=[1.5])  # child 1 has 1
    with pytest.raises(ValueError, match="shapes: F"):
        fit_share_targets(_share_rows(X, 2), s, s, np.repeat(X, 2), E, b, F=F, f=[0.4, 0.1])
