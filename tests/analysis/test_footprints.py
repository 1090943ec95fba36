"""Footprints: consumption- and production-based accounts vs explicit L, closure, balances, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import errors
from mrio.testing import random_mrio


@pytest.fixture(scope="module")
def system():
    return random_mrio(3, 4, seed=21)


def brute_force(system, Y=None):
    """pymrio's calc_accounts written out with the explicit inverse (the textbook form)."""
    Y = system.Y if Y is None else Y
    S, L = system.S.to_numpy(), system.L.to_numpy()
    R, n = system.n_regions, system.n_sectors
    dest = list(pd.unique(Y.columns.get_level_values("region")))
    Yd = np.stack([Y.loc[:, Y.columns.get_level_values("region") == d].to_numpy().sum(axis=1) for d in dest],
                  axis=1)
    N = R * n
    # Y_diag[(r, i), (s, i)] = Y_s[(r, i)]: demand of destination s for product i of any origin r
    Y_diag = np.zeros((N, len(dest) * n))
    for s in range(len(dest)):
        for r in range(R):
            Y_diag[r * n:(r + 1) * n, s * n:(s + 1) * n] = np.diag(Yd[r * n:(r + 1) * n, s])
    D_cba = S @ L @ Y_diag
    x_dest = L @ Yd
    D_pba = S * x_dest.sum(axis=1)
    own = np.zeros(N)
    for r, region in enumerate(system.regions):
        if region in dest:
            own[r * n:(r + 1) * n] = x_dest[r * n:(r + 1) * n, dest.index(region)]
    D_exp = S * (x_dest.sum(axis=1) - own)
    D_imp = D_cba.copy()
    for r, region in enumerate(system.regions):
        if region in dest:
            s = dest.index(region)
            Sr = np.zeros_like(S)
            Sr[:, r * n:(r + 1) * n] = S[:, r * n:(r + 1) * n]
            D_imp[:, s * n:(s + 1) * n] -= Sr @ L @ Y_diag[:, s * n:(s + 1) * n]
    return D_cba, D_pba, D_imp, D_exp


def test_by_sector_accounts_match_explicit_inverse(system):
    fp = mrio.footprints(system)
    D_cba, D_pba, D_imp, D_exp = brute_force(system)
    np.testing.assert_allclose(fp.by_sector["cba"], D_cba, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fp.by_sector["pba"], D_pba, rtol=1e-12)
    np.testing.assert_allclose(fp.by_sector["imp"], D_imp, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fp.by_sector["exp"], D_exp, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(fp.by_sector["pba"], system.F, rtol=1e-12)  # S (L Y i) = S x = F
    assert list(fp.by_sector["cba"].columns.get_level_values("region").unique()) == ["R0", "R1", "R2", "RoW"]


def test_closure_and_balance(system):
    fp = mrio.footprints(system)
    total_F = system.F.sum(axis=1)
    total_FY = system.F_Y.sum(axis=1)
    # every destination counted (RoW exports too): sum of footprints = all emissions
    np.testing.assert_allclose(fp.consumption_based.sum(axis=1), total_F + total_FY, rtol=1e-12)
    np.testing.assert_allclose(fp.production_based.sum(axis=1), total_F + total_FY, rtol=1e-12)
    regions = list(system.regions)
    np.testing.assert_allclose(fp.balance[regions], (fp.imports - fp.exports)[regions], rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(fp.balance["RoW"], fp.consumption_based["RoW"], rtol=1e-14)
    assert "RoW" not in fp.production_based.columns
    # direct final-demand emissions appear in both regional accounts
    np.testing.assert_allclose(fp.consumption_based[regions].to_numpy()
                               - fp.by_sector["cba"].T.groupby(level="region").sum().T[regions].to_numpy(),
                               system.F_Y.T.groupby(level="region").sum().T[regions].to_numpy(), atol=1e-9)
    assert fp.units == {"employment": "1000 persons", "co2": "kt"}
    assert "Footprint" in fp._repr_html_()


def test_closed_system_without_exports_closes_exactly():
    s = random_mrio(2, 3, seed=5)
    Y = s.Y.drop(columns=("RoW", "exports"))
    F_Y = s.F_Y.drop(columns=("RoW", "exports"))
    t = mrio.MRIO.from_flows(s.Z, Y, V=None, extensions=s.F, extensions_final_demand=F_Y,
                             units=dict(s.units))
    fp = mrio.footprints(t)
    pd.testing.assert_series_equal(fp.consumption_based.sum(axis=1), fp.production_based.sum(axis=1),
                                   rtol=1e-12)
    np.testing.assert_allclose(fp.imports.sum(axis=1), fp.exports.sum(axis=1), rtol=1e-12)


def test_alternative_final_demand_is_linear(system):
    base = mrio.footprints(system, final_demand=system.Y)
    double = mrio.footprints(system, final_demand=2.0 * system.Y)
    for key in ("cba", "pba", "imp", "exp"):
        np.testing.assert_allclose(double.by_sector[key], 2.0 * base.by_sector[key], rtol=1e-12, atol=1e-9)
    zero = mrio.footprints(system, final_demand=0.0 * system.Y)
    for key in ("cba", "pba", "imp", "exp"):
        np.testing.assert_array_equal(zero.by_sector[key].to_numpy(), 0.0)
    D_cba, *_ = brute_force(system, 2.0 * system.Y)
    np.testing.assert_allclose(double.by_sector["cba"], D_cba, rtol=1e-12, atol=1e-9)


def test_stressor_selection(system):
    fp = mrio.footprints(system, stressors=["co2"])
    assert list(fp.consumption_based.index) == ["co2"]
    full = mrio.footprints(system)
    pd.testing.assert_frame_equal(fp.consumption_based, full.consumption_based.loc[["co2"]], rtol=1e-14)


def test_footprint_errors(system):
    with pytest.raises(errors.UnknownLabelError, match="unknown stressors: 'ch4'"):
        mrio.footprints(system, stressors=["ch4"])
    with pytest.raises(errors.LabelError, match="final_demand rows"):
        mrio.footprints(system, final_demand=system.Y.iloc[::-1])
    bad = system.Y.copy()
    bad.iloc[2, 1] = np.nan
    with pytest.raises(errors.InvalidTableError, match=r"final_demand has 1 NaN.*\('R0', 's2'\)"):
        mrio.footprints(system, final_demand=bad)
    with pytest.raises(errors.InputError, match="no extensions"):
        mrio.footprints(random_mrio(2, 2, with_extensions=False))


def test_single_region_has_no_imports():
    s = random_mrio(1, 4, seed=2)
    fp = mrio.footprints(s)
    np.testing.assert_allclose(fp.imports["R0"], 0.0, atol=1e-9)
    np.testing.assert_allclose(fp.exports["R0"], fp.consumption_based["RoW"], rtol=1e-12)
