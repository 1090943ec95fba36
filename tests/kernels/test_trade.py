"""Kernels of the class trade model: gravity prior, per-product balancing, region-to-region totals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrio.kernels import InfeasibleError, NotConvergedError
from mrio.kernels import _trade as trade


def _margins(rng, n, R):
    O = rng.random((n, R)) + 0.1
    Dint = rng.random((n, R)) + 0.05
    Dfd = rng.random((n, R)) + 0.05
    scale = O.sum(axis=1) / (Dint + Dfd).sum(axis=1)
    return O, Dint * scale[:, None], Dfd * scale[:, None]


def test_prior_known_answer():
    O = np.array([[2.0, 1.0]])
    Dint = np.array([[1.0, 0.5]])
    Dfd = np.array([[0.5, 1.0]])
    d = np.array([[1.0, 4.0], [4.0, 2.0]])
    T0 = trade.class_gravity_prior(O, Dint, Dfd, d, beta=[1.0], home=np.array([[0.5, 0.0]]), border=[0.7],
                                   cross=np.array([[False, True], [True, False]]),
                                   local_intermediate=np.array([[0.5, 1.0]]))
    # log weights before normalising by the largest cell
    f = np.array([[1.0 * np.exp(0.5), 0.25 * np.exp(-0.7)], [0.25 * np.exp(-0.7), 0.5]])
    W = np.array([[0.5 + 0.5 * 1.0, 1.5], [1.5, 1.0 + 1.0 * 0.5]])
    expected = O[0][:, None] * W * f
    expected = expected / (f.max())  # the kernel divides f by its largest entry
    np.testing.assert_allclose(T0[0], expected, rtol=1e-14)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 4), R=st.integers(2, 6),
       beta=st.floats(0.0, 3.0), home=st.floats(-2.0, 6.0), border=st.floats(0.0, 3.0))
def test_balanced_trade_meets_margins(seed, n, R, beta, home, border):
    rng = np.random.default_rng(seed)
    O, Dint, Dfd = _margins(rng, n, R)
    d = rng.random((R, R)) * 100 + 1.0
    d = (d + d.T) / 2
    country = rng.integers(0, 2, R)
    prior = trade.class_gravity_prior(O, Dint, Dfd, d, np.full(n, beta), np.full((n, R), home),
                                      border=np.full(n, border), cross=country[:, None] != country[None, :])
    assert (prior > 0).all()
    T, iterations = trade.balance_products(prior, O, Dint + Dfd, tol=1e-12)
    np.testing.assert_allclose(T.sum(axis=2), O, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(T.sum(axis=1), Dint + Dfd, rtol=1e-10, atol=1e-12)
    assert (T >= 0).all() and (iterations >= 1).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 5), R=st.integers(2, 6))
def test_each_product_is_balanced_on_its_own_like_ras(seed, n, R):
    # a product stops when it has converged; the result is plain RAS of that product (kernels.ras)
    from mrio.kernels import ras

    rng = np.random.default_rng(seed)
    O, Dint, Dfd = _margins(rng, n, R)
    prior = rng.random((n, R, R)) ** 4 + 1e-6  # uneven priors: sweep counts differ between products
    T, iterations = trade.balance_products(prior, O, Dint + Dfd, tol=1e-13)
    for i in range(n):
        single, its = trade.balance_products(prior[i:i + 1], O[i:i + 1], (Dint + Dfd)[i:i + 1], tol=1e-13)
        np.testing.assert_array_equal(T[i], single[0])  # independent of the other products
        assert its[0] == iterations[i]
        reference = ras(prior[i], O[i], (Dint + Dfd)[i], tol=1e-13).X
        np.testing.assert_allclose(T[i], reference, rtol=1e-10, atol=1e-12)


def test_home_bias_raises_own_share_and_border_lowers_cross_border_trade():
    rng = np.random.default_rng(3)
    O, Dint, Dfd = _margins(rng, 2, 4)
    d = np.full((4, 4), 50.0) + np.diag([10.0] * 4)
    cross = np.array([[a // 2 != b // 2 for b in range(4)] for a in range(4)])

    def own_share(home, border):
        prior = trade.class_gravity_prior(O, Dint, Dfd, d, [1.0, 1.0], np.full((2, 4), home),
                                          border=[border, border], cross=cross)
        T, _ = trade.balance_products(prior, O, Dint + Dfd)
        return np.einsum("irr->", T) / T.sum(), (T * cross[None]).sum() / T.sum()

    low, high = own_share(0.0, 0.0), own_share(3.0, 0.0)
    assert high[0] > low[0]
    assert own_share(0.0, 2.0)[1] < low[1]
    # no border pairs: the border parameter changes nothing
    no_cross = np.zeros((4, 4), dtype=bool)
    a = trade.class_gravity_prior(O, Dint, Dfd, d, [1.0, 1.0], np.zeros((2, 4)), border=[5.0, 5.0], cross=no_cross)
    b = trade.class_gravity_prior(O, Dint, Dfd, d, [1.0, 1.0], np.zeros((2, 4)))
    np.testing.assert_array_equal(a, b)


def test_location_quotient_touches_intermediate_demand_only():
    rng = np.random.default_rng(5)
    O, Dint, Dfd = _margins(rng, 1, 3)
    d = np.full((3, 3), 30.0) + np.diag([5.0] * 3)
    q = np.array([[0.2, 0.5, 0.9]])
    base = trade.class_gravity_prior(O, np.zeros_like(Dint), Dint + Dfd, d, [1.0], np.zeros((1, 3)))
    with_q = trade.class_gravity_prior(O, np.zeros_like(Dint), Dint + Dfd, d, [1.0], np.zeros((1, 3)),
                                       local_intermediate=q)
    np.testing.assert_array_equal(base, with_q)  # all demand final: q has nothing to act on
    lowered = trade.class_gravity_prior(O, Dint, Dfd, d, [1.0], np.zeros((1, 3)), local_intermediate=q)
    full = trade.class_gravity_prior(O, Dint, Dfd, d, [1.0], np.zeros((1, 3)))
    idx = np.arange(3)
    np.testing.assert_allclose(lowered[0, idx, idx], full[0, idx, idx] * (Dfd[0] + q[0] * Dint[0]) /
                               (Dfd[0] + Dint[0]), rtol=1e-14)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_array_equal(lowered[0][off], full[0][off])


def test_totals_constraint_met_and_other_products_untouched():
    rng = np.random.default_rng(11)
    n, R = 3, 4
    O, Dint, Dfd = _margins(rng, n, R)
    d = rng.random((R, R)) * 50 + 5
    prior = trade.class_gravity_prior(O, Dint, Dfd, d, np.ones(n), np.zeros((n, R)))
    T, _ = trade.balance_products(prior, O, Dint + Dfd)
    products = np.array([True, True, False])
    G = rng.random((R, R)) + 0.1
    out, iterations = trade.constrain_totals(T, O, Dint + Dfd, G, products, tol=1e-11)
    assert iterations >= 1
    np.testing.assert_array_equal(out[2], T[2])
    np.testing.assert_allclose(out.sum(axis=2), O, rtol=1e-9)
    np.testing.assert_allclose(out.sum(axis=1), Dint + Dfd, rtol=1e-9)
    # the totals' pattern: their balanced version equals the group's sum
    group = out[:2].sum(axis=0)
    ratio = group / G
    # biproportional in G: ratio = a_r b_s
    np.testing.assert_allclose(ratio / ratio[:, :1], (ratio / ratio[:, :1])[:1].repeat(R, axis=0), rtol=1e-7)


def test_consistent_totals_are_reproduced_exactly():
    rng = np.random.default_rng(2)
    n, R = 2, 3
    O, Dint, Dfd = _margins(rng, n, R)
    d = rng.random((R, R)) * 50 + 5
    T, _ = trade.balance_products(trade.class_gravity_prior(O, Dint, Dfd, d, np.ones(n), np.zeros((n, R))),
                                  O, Dint + Dfd)
    T2, _ = trade.balance_products(trade.class_gravity_prior(O, Dint, Dfd, d, np.full(n, 2.0), np.ones((n, R))),
                                   O, Dint + Dfd)
    G = T2.sum(axis=0)  # totals a feasible solution has
    out, _ = trade.constrain_totals(T, O, Dint + Dfd, G, np.ones(n, dtype=bool), tol=1e-12)
    np.testing.assert_allclose(out.sum(axis=0), G, rtol=1e-9)


def test_bad_inputs_raise():
    O = np.array([[1.0, 1.0]])
    D = np.array([[1.0, 0.5]])
    prior = np.ones((1, 2, 2))
    with pytest.raises(InfeasibleError, match="regional supply sums"):
        trade.balance_products(prior, O, D)
    with pytest.raises(InfeasibleError, match="negative supply"):
        trade.balance_products(prior, np.array([[-1.0, 2.0]]), np.array([[0.5, 0.5]]))
    with pytest.raises(InfeasibleError, match="distances must be positive"):
        trade.class_gravity_prior(O, D, D, np.array([[1.0, 0.0], [1.0, 1.0]]), [1.0], np.zeros((1, 2)))
    with pytest.raises(InfeasibleError, match="non-negative"):
        trade.constrain_totals(np.ones((1, 2, 2)), O, O, -np.ones((2, 2)), np.array([True]))
    # infeasible although no row or column is empty: region 1 can only ship where there is no demand
    with pytest.raises(NotConvergedError, match="did not converge"):
        trade.balance_products(np.array([[[1.0, 1.0], [0.0, 1.0]]]), np.array([[1.0, 1.0]]),
                               np.array([[2.0, 0.0]]), max_iter=50)


def test_newton_polish_finishes_a_stalled_ras():
    """Margins that force flows through a cell of 1e-12: RAS stalls, Newton meets the known answer.

    For the prior ``[[1, 1], [1, e]]`` and unit margins the balanced matrix is ``[[a, 1-a], [1-a, a]]``
    (symmetry) with the prior's cross ratio kept, ``a^2 / (1-a)^2 = e``: ``a = sqrt(e) / (1 + sqrt(e))``.
    RAS converges sublinearly here (not within 10^6 sweeps at tol 1e-13).
    """
    e = 1e-12
    prior = np.array([[[1.0, 1.0], [1.0, e]]])
    O = D = np.array([[1.0, 1.0]])
    T, iterations = trade.balance_products(prior, O, D, tol=1e-13, max_iter=60)
    assert iterations[0] > 60  # the RAS cap was reached and Newton steps followed
    np.testing.assert_allclose(T[0].sum(axis=1), O[0], rtol=0, atol=1e-13)
    np.testing.assert_allclose(T[0].sum(axis=0), D[0], rtol=0, atol=1e-13)
    a = np.sqrt(e) / (1 + np.sqrt(e))
    np.testing.assert_allclose(T[0], [[a, 1 - a], [1 - a, a]], rtol=1e-9, atol=0)
    # the cap also bounds the Newton steps: 2 sweeps and 2 steps do not get there
    with pytest.raises(NotConvergedError):
        trade.balance_products(prior, O, D, tol=1e-13, max_iter=2)
