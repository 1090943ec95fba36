"""Value added in trade, VAX ratio and the KWW decomposition (docs/methods/trade.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio.testing import random_mrio
from mrio.trade import (
    KWW_TERMS,
    gross_exports,
    kww_decomposition,
    trade_accounts,
    value_added_in_trade,
    vax_ratio,
)

SIZES = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(0, 10_000))


def naive_kww(system: mrio.MRIO, v: np.ndarray) -> np.ndarray:
    """Textbook KWW (2014) eq. 36 block by block with an explicit inverse (reference)."""
    A, x = system.arrays.A, system.arrays.x
    R, n = system.n_regions, system.n_sectors
    N = len(x)
    L = np.linalg.inv(np.eye(N) - A)
    dest = list(system.regions) + [d for d in system.final_demand_regions if d not in system.regions]
    regions = system.Y.columns.get_level_values("region")
    Yd = np.stack([system.arrays.Y[:, np.asarray(regions == d)].sum(1) for d in dest], 1)
    D = len(dest)

    def b(r):
        return slice(r * n, (r + 1) * n)

    loc = [np.linalg.inv(np.eye(n) - A[b(r), b(r)]) for r in range(R)]
    E = [sum(A[b(s), b(r)] @ x[b(r)] + Yd[b(s), r] for r in range(R) if r != s) + Yd[b(s), R:].sum(1)
         for s in range(R)]
    out = []
    for s in range(R):
        vs = v[b(s)]
        fin = sum(Yd[b(s), t] for t in range(D) if t != s)
        others = [r for r in range(R) if r != s]
        T = [vs @ L[b(s), b(s)] @ fin,
             sum(vs @ L[b(s), b(r)] @ Yd[b(r), r] for r in others),
             sum(vs @ L[b(s), b(r)] @ Yd[b(r), t] for r in others for t in range(D) if t not in (s, r)),
             sum(vs @ L[b(s), b(r)] @ Yd[b(r), s] for r in others),
             sum(vs @ L[b(s), b(r)] @ A[b(r), b(s)] @ loc[s] @ Yd[b(s), s] for r in others),
             sum(vs @ L[b(s), b(r)] @ A[b(r), b(s)] @ loc[s] @ E[s] for r in others),
             sum(v[b(t)] @ L[b(t), b(s)] @ fin for t in others),
             sum(v[b(t)] @ L[b(t), b(s)] @ A[b(s), b(r)] @ loc[r] @ Yd[b(r), r]
                 for t in others for r in others),
             sum(v[b(t)] @ L[b(t), b(s)] @ A[b(s), b(r)] @ loc[r] @ E[r] for t in others for r in others)]
        out.append([float(np.sum(t)) for t in T] + [float(E[s].sum())])
    return np.array(out)


@settings(max_examples=25, deadline=None)
@given(SIZES)
def test_kww_terms_sum_to_gross_exports_and_match_textbook(size):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    kww = kww_decomposition(system)
    total = kww[list(KWW_TERMS)].sum(axis=1) + kww["outside_inputs"]
    np.testing.assert_allclose(total, kww["gross_exports"], rtol=1e-10)
    va_c = system.value_added.to_numpy() / system.arrays.x
    ref = naive_kww(system, va_c)
    np.testing.assert_allclose(kww[list(KWW_TERMS)].to_numpy(), ref[:, :9], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(kww["gross_exports"], ref[:, 9], rtol=1e-12)
    # with all primary inputs as "value added" the nine terms alone exhaust exports (KWW eq. 36)
    all_c = system.arrays.V.sum(0) / system.arrays.x
    np.testing.assert_allclose(naive_kww(system, all_c)[:, :9].sum(1), ref[:, 9], rtol=1e-10)
    assert (kww[list(KWW_TERMS)].to_numpy() >= -1e-9).all()


@settings(max_examples=25, deadline=None)
@given(SIZES)
def test_value_added_in_trade_identities(size):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    va = value_added_in_trade(system)
    assert va.to_numpy().sum() == pytest.approx(system.value_added.sum(), rel=1e-10)  # = GDP
    np.testing.assert_allclose(va.sum(axis=1), system.value_added.groupby(level="region", sort=False).sum(),
                               rtol=1e-10)
    vax = vax_ratio(system)
    np.testing.assert_allclose(vax["value_added_exports"], va.sum(axis=1) - np.diag(va[list(system.regions)]),
                               rtol=1e-10)
    assert ((vax["vax_ratio"] > 0) & (vax["vax_ratio"] < 1)).all()  # imports leak, so VAX < 1
    np.testing.assert_allclose(gross_exports(system), kww_decomposition(system)["gross_exports"], rtol=1e-12)


def test_two_region_known_answer(miller_blair):
    # K1 as two one-sector regions, r1's product bought by r1 (350), r2's by r2 (1700):
    # exports of r1 are intermediate only: z_12 = 500; DVA_INT = v1 l12 f2 (absorbed in r2)
    ex = miller_blair["miller_blair_ch2_two_sector"]
    idx = pd.MultiIndex.from_tuples([("r1", "s"), ("r2", "s")], names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples([("r1", "final"), ("r2", "final")], names=["region", "category"])
    V = pd.DataFrame([ex["value_added"]], index=pd.Index(["value_added"], name="component"), columns=idx)
    system = mrio.MRIO.from_flows(pd.DataFrame(ex["Z"], index=idx, columns=idx),
                                  pd.DataFrame(np.diag(ex["f"]), index=idx, columns=cols), V=V)
    L = np.linalg.inv(np.eye(2) - np.array([[0.15, 0.25], [0.20, 0.05]]))
    kww = kww_decomposition(system)
    assert kww.loc["r1", "gross_exports"] == pytest.approx(500.0)
    assert kww.loc["r1", "DVA_INT"] == pytest.approx(0.65 * L[0, 1] * 1700, rel=1e-12)
    assert kww.loc["r1", "DVA_FIN"] == pytest.approx(0.0, abs=1e-12)
    assert kww.loc["r1", list(KWW_TERMS)].sum() == pytest.approx(500.0, rel=1e-12)
    vax = vax_ratio(system)
    assert vax.loc["r1", "vax_ratio"] == pytest.approx(0.65 * L[0, 1] * 1700 / 500, rel=1e-12)


def test_trade_accounts_bundle(random_mrio):
    acc = trade_accounts(random_mrio)
    assert acc.unit == "million EUR"
    assert "RoW" in acc.value_added_in_trade.columns
    assert acc.kww.attrs["unit"] == "million EUR"
    assert list(acc.vax.index) == list(random_mrio.regions)


def test_single_region_exports_only_abroad(miller_blair_system):
    # one region, no outside destination: no exports, every term zero
    kww = kww_decomposition(miller_blair_system)
    np.testing.assert_allclose(kww.to_numpy(dtype=float), 0.0, atol=1e-12)
    assert np.isnan(vax_ratio(miller_blair_system)["vax_ratio"]).all()
