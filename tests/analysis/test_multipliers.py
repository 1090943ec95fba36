"""Multipliers: output, value added, income, extensions, type II, interregional (vs explicit L)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import errors
from mrio.testing import random_mrio


@pytest.fixture(scope="module")
def system():
    return random_mrio(3, 4, seed=11)


def test_output_multipliers_are_column_sums_of_L(system):
    m = mrio.output_multipliers(system)
    assert m.name == "output_multiplier" and m.index.equals(system.index)
    np.testing.assert_allclose(m, system.L.to_numpy().sum(axis=0), rtol=1e-13)
    assert (m >= 1).all()


def test_output_multipliers_miller_blair(miller_blair_system):
    np.testing.assert_allclose(mrio.output_multipliers(miller_blair_system), [1.5182, 1.4521], atol=1e-4)


def test_value_added_multipliers_all_primary_inputs_sum_to_one(system):
    every = list(system.V.index)
    total = mrio.value_added_multipliers(system, components=every)
    np.testing.assert_allclose(total, 1.0, rtol=1e-13)  # w_c' L = i' (docs/methods/leontief.md, section "Coefficients and inverses")
    by = mrio.value_added_multipliers(system, components=every, by_component=True)
    assert list(by.index) == every
    np.testing.assert_allclose(by.sum(axis=0), 1.0, rtol=1e-13)
    gva = mrio.value_added_multipliers(system)  # compensation + other value added: imports leak
    assert gva.name == "value_added_multiplier"
    assert (gva < 1).all() and (gva > 0).all()
    L = system.L.to_numpy()
    vc = system.value_added_coefficients.loc[["compensation", "other_value_added"]].to_numpy().sum(axis=0)
    np.testing.assert_allclose(gva, vc @ L, rtol=1e-13)
    with pytest.raises(errors.UnknownLabelError, match="unknown rows of V: 'taxes'"):
        mrio.value_added_multipliers(system, components=["taxes"])


def test_income_multipliers_definition(system):
    inc = mrio.income_multipliers(system)
    assert list(inc.columns) == ["direct", "total", "type_I"]
    h = system.V.loc["compensation"].to_numpy() / system.x.to_numpy()
    np.testing.assert_allclose(inc["direct"], h, rtol=1e-14)
    np.testing.assert_allclose(inc["total"], h @ system.L.to_numpy(), rtol=1e-13)
    np.testing.assert_allclose(inc["type_I"], inc["total"] / inc["direct"], rtol=1e-14)
    assert (inc["type_I"] >= 1).all()


def test_income_row_must_be_identifiable():
    s = random_mrio(2, 2, seed=1)
    V = s.V.rename(index={"compensation": "wages"})
    t = mrio.MRIO.from_flows(s.Z, s.Y, V=V, value_added_components=["wages", "other_value_added"])
    with pytest.raises(errors.InputError, match="cannot tell which row of V is labour income"):
        mrio.income_multipliers(t)
    np.testing.assert_allclose(mrio.income_multipliers(t, income_row="wages")["direct"],
                               mrio.income_multipliers(s)["direct"], rtol=1e-14)
    with pytest.raises(errors.UnknownLabelError, match="'salaries'"):
        mrio.income_multipliers(t, income_row="salaries")


def test_extension_multipliers_are_S_L(system):
    M = mrio.extension_multipliers(system)
    assert list(M.index) == ["employment", "co2"] and M.columns.equals(system.index)
    np.testing.assert_allclose(M, system.S.to_numpy() @ system.L.to_numpy(), rtol=1e-13)
    co2 = mrio.extension_multipliers(system, ["co2"])
    np.testing.assert_allclose(co2.loc["co2"], M.loc["co2"], rtol=1e-15)
    with pytest.raises(errors.UnknownLabelError, match="unknown stressors: 'ch4'"):
        mrio.extension_multipliers(system, ["ch4"])
    with pytest.raises(errors.UnknownLabelError, match="empty selection"):
        mrio.extension_multipliers(system, [])
    bare = random_mrio(2, 2, with_extensions=False)
    with pytest.raises(errors.InputError, match="no extensions"):
        mrio.extension_multipliers(bare)


def closed_model_brute_force(system):
    """Type II by forming the closed model ``[[A, H_c], [H_r, 0]]`` and inverting it densely."""
    N, R, n = len(system), system.n_regions, system.n_sectors
    h = system.V.loc["compensation"].to_numpy() / system.x.to_numpy()
    income = system.V.loc["compensation"].to_numpy().reshape(R, n).sum(axis=1)
    A_bar = np.zeros((N + R, N + R))
    A_bar[:N, :N] = system.A.to_numpy()
    for r, region in enumerate(system.regions):
        A_bar[N + r, r * n:(r + 1) * n] = h[r * n:(r + 1) * n]
        A_bar[:N, N + r] = system.Y[(region, "household")].to_numpy() / income[r]
    L_bar = np.linalg.inv(np.eye(N + R) - A_bar)
    return L_bar[:N, :N].sum(axis=0), L_bar[N:, :N].sum(axis=0) / h


def test_type_ii_matches_closed_model(system):
    t = mrio.type_ii_multipliers(system)
    out_II, inc_II = closed_model_brute_force(system)
    np.testing.assert_allclose(t["output_type_II"], out_II, rtol=1e-12)
    np.testing.assert_allclose(t["income_type_II"], inc_II, rtol=1e-12)
    np.testing.assert_allclose(t["output_type_I"], mrio.output_multipliers(system), rtol=1e-13)
    np.testing.assert_allclose(t["income_type_I"], mrio.income_multipliers(system)["type_I"], rtol=1e-13)
    assert (t["output_type_II"] > t["output_type_I"]).all() and (t["induced_output"] > 0).all()
    assert (t["income_type_II"] > t["income_type_I"]).all()


def test_type_ii_needs_household_column():
    s = random_mrio(2, 2, seed=3)
    Y = s.Y.rename(columns={"household": "private"}, level="category")
    t = mrio.MRIO.from_flows(s.Z, Y, V=s.V, value_added_components=s.value_added_components,
                             meta={"income_row": "compensation"})
    with pytest.raises(errors.InputError, match="which final-demand category is household consumption"):
        mrio.type_ii_multipliers(t)
    ok = mrio.type_ii_multipliers(t, consumption_category="private")
    np.testing.assert_allclose(ok["output_type_II"], mrio.type_ii_multipliers(s)["output_type_II"],
                               rtol=1e-12)
    with pytest.raises(errors.UnknownLabelError, match="'government'"):
        mrio.type_ii_multipliers(t, consumption_category="government")


def test_interregional_output_multipliers(system):
    M = mrio.interregional_output_multipliers(system)
    assert M.index.equals(system.regions) and M.columns.equals(system.index)
    np.testing.assert_allclose(M.sum(axis=0), mrio.output_multipliers(system), rtol=1e-13)
    L = system.L.to_numpy().reshape(3, 4, 12)
    np.testing.assert_allclose(M.to_numpy(), L.sum(axis=1), rtol=1e-13)


def test_multipliers_by_kind(system):
    pd.testing.assert_frame_equal(mrio.multipliers(system, "output"),
                                  mrio.output_multipliers(system).to_frame())
    assert list(mrio.multipliers(system, "income").columns) == ["direct", "total", "type_I"]
    assert "output_type_II" in mrio.multipliers(system, "type-ii")
    va = mrio.multipliers(system, "value-added")
    assert list(va.columns) == ["value_added_multiplier"]
    co2 = mrio.multipliers(system, "co2")
    assert list(co2.columns) == ["co2_multiplier"] and co2.index.equals(system.index)
    with pytest.raises(errors.UnknownLabelError, match="unknown multiplier kind 'jobs'.*employment"):
        mrio.multipliers(system, "jobs")


def test_nl2000_income_and_type_ii():
    s = mrio.load("nl-2000")
    t = mrio.type_ii_multipliers(s)
    assert (t["output_type_II"] > t["output_type_I"]).all()
    np.testing.assert_allclose(t["income_type_I"], [2.466, 2.333, 1.84, 2.372, 1.953, 1.417], atol=5e-4)


def test_inactive_industries_are_nan():
    idx = pd.MultiIndex.from_product([["r"], ["a", "dead"]], names=["region", "sector"])
    Z = pd.DataFrame([[10.0, 0.0], [0.0, 0.0]], index=idx, columns=idx)
    Y = pd.DataFrame({("r", "final"): [30.0, 0.0]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    V = pd.DataFrame([[15.0, 0.0], [15.0, 0.0]], index=pd.Index(["compensation", "profit"]), columns=idx)
    F = pd.DataFrame([[4.0, 0.0]], index=pd.Index(["co2"]), columns=idx)
    s = mrio.MRIO.from_flows(Z, Y, V=V, extensions=F, units={"co2": "kt"})
    for values in (mrio.output_multipliers(s), mrio.value_added_multipliers(s),
                   mrio.extension_multipliers(s).loc["co2"], mrio.income_multipliers(s)["type_I"],
                   mrio.interregional_output_multipliers(s).loc["r"]):
        assert np.isnan(values.iloc[1]) and np.isfinite(values.iloc[0])
    np.testing.assert_allclose(mrio.output_multipliers(s).iloc[0], 4.0 / 3.0)  # a = 10 / 40
