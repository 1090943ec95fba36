"""kernels.bounded_gras: GRAS with cell bounds (used for the Dutch regional value added)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio import kernels


def test_without_binding_bounds_it_is_gras():
    # the worked example of Temurshoev, Miller & Bouwmeester (2013), bounds far away
    prior = np.array([[7.0, 3, 5, -3], [2, 9, 8, 1], [-2, 0, 2, 1]])
    u, v = np.array([15.0, 26, -1]), np.array([9.0, 16, 17, -2])
    plain = kernels.gras(prior, u, v, tol=1e-12).X
    bounded = kernels.bounded_gras(prior, u, v, -np.inf, np.inf, tol=1e-12).X
    np.testing.assert_allclose(bounded, plain, atol=1e-8)
    np.testing.assert_allclose(bounded.round(4)[0], [8.9764, 3.7432, 5.7217, -3.4413])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), rows=st.integers(2, 8), cols=st.integers(2, 8), width=st.floats(0.1, 0.6))
def test_margins_hold_and_cells_stay_in_their_bounds(seed, rows, cols, width):
    rng = np.random.default_rng(seed)
    truth = rng.uniform(1, 10, (rows, cols))  # a feasible table inside the bounds gives the margins
    lower, upper = truth * (1 - width), truth * (1 + width)
    prior = truth * rng.uniform(0.3, 3.0, truth.shape)  # a prior far from it, often outside the bounds
    result = kernels.bounded_gras(prior, truth.sum(axis=1), truth.sum(axis=0), lower, upper, tol=1e-10,
                                  max_iter=20_000)
    X = result.X
    np.testing.assert_allclose(X.sum(axis=0), truth.sum(axis=0), rtol=1e-12)  # columns exactly
    np.testing.assert_allclose(X.sum(axis=1), truth.sum(axis=1), rtol=1e-6)
    assert (X >= lower - 1e-6).all() and (X <= upper + 1e-6).all()


def test_a_published_zero_row_needs_no_floor():
    prior = np.array([[1.0, 2.0], [3.0, 4.0]])
    X = kernels.bounded_gras(prior, np.array([0.0, 10.0]), np.array([3.0, 7.0]), 0.2 * prior, np.inf).X
    np.testing.assert_allclose(X[0], 0.0, atol=1e-9)
    np.testing.assert_allclose(X.sum(axis=0), [3.0, 7.0])
