"""Property tests (hypothesis) of the accounting identities on random productive MRIO systems."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio.testing import random_mrio

SETTINGS = settings(max_examples=30, deadline=None)
METHODS = ("lu", "neumann", "block-jacobi", "gmres", "bicgstab", "sparse-lu")


@st.composite
def systems(draw, max_regions=4, max_sectors=5):
    """Random productive systems: 1-4 regions, 1-5 sectors, column sums of A in [lo, hi] < 1."""
    lo = draw(st.floats(0.05, 0.6))
    hi = draw(st.floats(lo, 0.9))
    return random_mrio(
        n_regions=draw(st.integers(1, max_regions)),
        n_sectors=draw(st.integers(1, max_sectors)),
        seed=draw(st.integers(0, 2**32 - 1)),
        domestic_density=draw(st.floats(0.2, 1.0)),
        trade_density=draw(st.floats(0.0, 0.6)),
        column_sum=(lo, hi),
    )


def close(a, b, rtol=1e-9, atol=1e-9):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol)


@SETTINGS
@given(systems())
def test_leontief_inverse_and_balances(s):
    N = len(s)
    A, L = s.A.to_numpy(), s.L.to_numpy()
    close(L @ (np.eye(N) - A), np.eye(N), rtol=0, atol=1e-12)
    close((np.eye(N) - A) @ L, np.eye(N), rtol=0, atol=1e-12)
    assert L.min() >= -1e-12 and (np.diag(L) >= 1 - 1e-12).all()  # L >= 0 up to rounding
    Z, Y, V, x = s.Z.to_numpy(), s.Y.to_numpy(), s.V.to_numpy(), s.x.to_numpy()
    close(Z.sum(axis=1) + Y.sum(axis=1), x, rtol=1e-12)  # I1
    close(Z.sum(axis=0) + V.sum(axis=0), x, rtol=1e-12)  # I2
    close(Y.sum(), V.sum(), rtol=1e-12)  # I3
    close(L @ Y.sum(axis=1), x, rtol=1e-10)  # x = L y


@SETTINGS
@given(systems())
def test_ghosh_identities(s):
    L, G, x = s.L.to_numpy(), s.G.to_numpy(), s.x.to_numpy()
    close(G, L * x[None, :] / x[:, None], rtol=1e-12, atol=0)  # G = x^-1 L x
    close(G, np.linalg.inv(np.eye(len(s)) - s.B.to_numpy()), rtol=1e-9, atol=1e-12)
    close(s.V.to_numpy().sum(axis=0) @ G, x, rtol=1e-10)  # x' = v'G


@SETTINGS
@given(systems(), st.floats(-3, 3), st.floats(-3, 3), st.integers(0, 1000))
def test_responses_are_linear_and_zero_shock_is_zero(s, a, b, seed):
    rng = np.random.default_rng(seed)
    y1 = pd.Series(rng.random(len(s)), index=s.index)
    y2 = pd.Series(rng.random(len(s)) - 0.5, index=s.index)
    x1, x2 = s.solve(y1).output, s.solve(y2).output
    close(s.solve(a * y1 + b * y2).output, a * x1 + b * x2, rtol=1e-9, atol=1e-9)
    zero = pd.Series(0.0, index=s.index)
    for method in METHODS:
        np.testing.assert_array_equal(s.solve(zero, method=method).output.to_numpy(), 0.0)


@settings(max_examples=25, deadline=None)
@given(systems(), st.integers(0, 1000))
def test_solver_strategies_agree(s, seed):
    Y = pd.DataFrame(np.random.default_rng(seed).random((len(s), 2)), index=s.index, columns=["a", "b"])
    reference = s.L.to_numpy() @ Y.to_numpy()
    for method in METHODS:
        res = s.solve(Y, method=method, tol=1e-13)
        assert res.method == method and res.residual < 1e-9
        close(res.output, reference, rtol=1e-9, atol=1e-12 * np.abs(reference).max())


@SETTINGS
@given(systems())
def test_multiplier_identities(s):
    every = list(s.V.index)
    close(mrio.value_added_multipliers(s, components=every), 1.0, rtol=1e-12)  # w_c' L = i'
    close(mrio.output_multipliers(s), s.L.to_numpy().sum(axis=0), rtol=1e-12)
    close(mrio.interregional_output_multipliers(s).sum(axis=0), mrio.output_multipliers(s), rtol=1e-12)
    close(mrio.extension_multipliers(s), s.S.to_numpy() @ s.L.to_numpy(), rtol=1e-10, atol=1e-12)


@SETTINGS
@given(systems())
def test_footprint_closure(s):
    fp = mrio.footprints(s)
    F_total = s.F.sum(axis=1).to_numpy()
    F_Y_total = s.F_Y.sum(axis=1).to_numpy()
    # sum of consumption-based accounts over all destinations (RoW exports included)
    # = production-based total + direct final-demand emissions
    close(fp.consumption_based.sum(axis=1), F_total + F_Y_total, rtol=1e-10)
    close(fp.production_based.sum(axis=1), F_total + F_Y_total, rtol=1e-10)
    close(fp.by_sector["pba"], s.F, rtol=1e-10, atol=1e-10)
    regions = list(s.regions)
    close(fp.balance[regions], (fp.imports - fp.exports)[regions], rtol=1e-9, atol=1e-8)
    assert (fp.imports.to_numpy() >= -1e-9).all() and (fp.exports.to_numpy() >= -1e-9).all()


@SETTINGS
@given(systems(max_regions=4), st.data())
def test_aggregation_preserves_totals(s, data):
    groups = data.draw(st.lists(st.sampled_from(["north", "south", "east"]), min_size=s.n_regions,
                                max_size=s.n_regions))
    mapping = dict(zip(s.regions, groups, strict=True))
    agg = s.aggregate(regions=mapping)
    for name in ("Z", "Y", "V", "F", "F_Y"):
        close(getattr(agg, name).to_numpy().sum(), getattr(s, name).to_numpy().sum(), rtol=1e-12)
    close(agg.x.sum(), s.x.sum(), rtol=1e-12)
    # each group's output equals the sum over its member regions, sector by sector
    for group in agg.regions:
        members = [r for r, g in mapping.items() if g == group]
        national = sum(s.x.loc[r].to_numpy() for r in members)
        close(agg.x.loc[group].to_numpy(), national, rtol=1e-12)
    nation = s.aggregate(regions=dict.fromkeys(s.regions, "nation"))
    n = s.n_sectors
    close(nation.Z.to_numpy(), s.Z.to_numpy().reshape(s.n_regions, n, s.n_regions, n).sum(axis=(0, 2)),
          rtol=1e-12)
    close(nation.identity_checks()["max_relative_error"], 0.0, atol=1e-12)


@SETTINGS
@given(systems(max_regions=3, max_sectors=3), st.randoms(use_true_random=False))
def test_region_permutation_permutes_results(s, random):
    order = list(s.regions)
    random.shuffle(order)
    idx = pd.MultiIndex.from_product([order, list(s.sectors)], names=["region", "sector"])
    cols = ([c for r in order for c in s.Y.columns if c[0] == r]
            + [c for c in s.Y.columns if c[0] not in order])
    cols = pd.MultiIndex.from_tuples(cols, names=["region", "category"])
    t = mrio.MRIO.from_flows(s.Z.loc[idx, idx], s.Y.loc[idx, cols], V=s.V.loc[:, idx],
                             extensions=s.F.loc[:, idx], extensions_final_demand=s.F_Y.loc[:, cols],
                             units=dict(s.units), value_added_components=s.value_added_components)
    close(mrio.output_multipliers(t), mrio.output_multipliers(s).loc[idx], rtol=1e-12)
    close(t.L.to_numpy(), s.L.loc[idx, idx].to_numpy(), rtol=1e-12, atol=1e-15)
    close(mrio.footprints(t).consumption_based[list(s.final_demand_regions)],
          mrio.footprints(s).consumption_based, rtol=1e-10)
