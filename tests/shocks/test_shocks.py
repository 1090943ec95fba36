"""Demand, supply (Ghosh), mixed, IIM and dynamic IIM shocks: known answers, identities, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio import shocks
from mrio.errors import InputError, LabelError, UnknownLabelError
from mrio.testing import random_chenery_moses
from mrio.testing import random_mrio as make_random

SYSTEM = make_random(n_regions=3, n_sectors=4, seed=7)


def _dense_L(system):
    return np.linalg.inv(np.eye(len(system)) - system.arrays.A)


# ------------------------------------------------------------------------------------ demand
def test_known_answer_miller_blair_new_demand(miller_blair_system, miller_blair):
    """K1: f_new = [600, 1500] gives x = [1247.52, 1841.58]."""
    ex = miller_blair["miller_blair_ch2_two_sector"]
    dy = pd.Series(np.array([600.0, 1500.0]) - np.array(ex["f"]), index=miller_blair_system.index)
    res = shocks.propagate_demand(miller_blair_system, dy)
    x_new = miller_blair_system.x.to_numpy() + res.output.iloc[:, 0].to_numpy()
    np.testing.assert_allclose(x_new, [1247.52, 1841.58], atol=1e-2)
    # single region: everything is intra-regional
    np.testing.assert_allclose(res.interregional.to_numpy(), 0.0, atol=1e-10)


def test_parts_add_up_and_match_dense_formulas():
    system = SYSTEM
    rng = np.random.default_rng(1)
    dy = pd.DataFrame(rng.normal(size=(len(system), 5)), index=system.index,
                      columns=[f"s{k}" for k in range(5)])
    res = shocks.propagate_demand(system, dy)
    L = _dense_L(system)
    np.testing.assert_allclose(res.output.to_numpy(), L @ dy.to_numpy(), rtol=1e-10, atol=1e-10)
    total = res.direct + res.intra_regional + res.interregional
    np.testing.assert_allclose(total.to_numpy(), res.output.to_numpy(), rtol=1e-12, atol=1e-10)
    # intra-regional part from the block-diagonal inverse (Round's M1)
    A = system.arrays.A
    n = system.n_sectors
    Ad = np.zeros_like(A)
    for r in range(system.n_regions):
        b = slice(r * n, (r + 1) * n)
        Ad[b, b] = A[b, b]
    M1 = np.linalg.inv(np.eye(len(system)) - Ad)
    np.testing.assert_allclose(res.intra_regional.to_numpy(), (M1 - np.eye(len(system))) @ dy.to_numpy(),
                               atol=1e-10)
    # value added and extensions
    va_c = system.value_added.to_numpy() / system.arrays.x
    np.testing.assert_allclose(res.impact("value_added").to_numpy(), va_c[:, None] * res.output.to_numpy())
    S = system.S.loc["employment"].to_numpy()
    np.testing.assert_allclose(res.impact("employment", "interregional").to_numpy(),
                               S[:, None] * res.interregional.to_numpy())
    assert list(res.measures) == ["output", "value_added", "employment", "co2"]
    table = res.table()
    assert set(table.columns) == {"scenario", "measure", "region", "sector", "direct", "intra_regional",
                                  "interregional", "total"}
    assert len(table) == 5 * 4 * len(system)
    np.testing.assert_allclose(res.totals().loc["output"].to_numpy(), res.output.sum().to_numpy())
    np.testing.assert_allclose(res.by_region().sum().to_numpy(), res.output.sum().to_numpy())


def test_interregional_positive_for_positive_shock_in_one_region():
    system = SYSTEM
    dy = shocks.final_demand_change(system, "R1", None, share=0.1)
    res = shocks.propagate_demand(system, dy)
    by_region = res.by_region(part="interregional").iloc[:, 0]
    assert (by_region > 0).all()  # spillovers to other regions, feedback in R1
    other = res.output.loc[["R0", "R2"]].to_numpy()
    np.testing.assert_allclose(other, res.interregional.loc[["R0", "R2"]].to_numpy())
    assert (res.indirect.to_numpy() >= -1e-12).all()


def test_zero_shock_changes_nothing():
    res = shocks.propagate_demand(SYSTEM, pd.Series(0.0, index=SYSTEM.index))
    for frame in (res.output, res.direct, res.intra_regional, res.interregional):
        assert np.all(frame.to_numpy() == 0.0)


@settings(max_examples=30, deadline=None)
@given(a=st.floats(-5, 5), b=st.floats(-5, 5), seed=st.integers(0, 10_000))
def test_linearity_and_superposition(a, b, seed):
    rng = np.random.default_rng(seed)
    u = pd.Series(rng.normal(size=len(SYSTEM)), index=SYSTEM.index)
    v = pd.Series(rng.normal(size=len(SYSTEM)), index=SYSTEM.index)
    both = pd.concat({"u": u, "v": v, "mix": a * u + b * v}, axis=1)
    res = shocks.propagate_demand(SYSTEM, both)
    for part in ("total", "direct", "intra_regional", "interregional"):
        for measure in ("output", "value_added", "co2"):
            got = res.impact(measure, part)
            expected = a * got["u"] + b * got["v"]
            np.testing.assert_allclose(got["mix"].to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9)
    # batched equals one at a time
    single = shocks.propagate_demand(SYSTEM, u)
    # atol: entries near zero come from cancellation (values are O(1); differences ~1e-17)
    np.testing.assert_allclose(single.output.iloc[:, 0].to_numpy(), res.output["u"].to_numpy(), rtol=1e-12,
                               atol=1e-12)


def test_final_demand_change_share_amount_and_selection():
    system = SYSTEM
    dy = shocks.final_demand_change(system, ["R0", "R2"], "s1", share=-0.2, categories="household")
    hh = system.Y.xs("household", axis=1, level="category").sum(axis=1)
    expected = pd.Series(0.0, index=system.index)
    for r in ("R0", "R2"):
        expected[(r, "s1")] = -0.2 * hh[(r, "s1")]
    pd.testing.assert_series_equal(dy, expected, check_names=False)
    dy = shocks.final_demand_change(system, "R1", ["s0", "s3"], amount=50.0, destinations="RoW")
    assert dy.sum() == pytest.approx(50.0)
    assert (dy.drop([("R1", "s0"), ("R1", "s3")]) == 0).all()
    exports = system.Y[("RoW", "exports")]
    assert dy[("R1", "s0")] / dy[("R1", "s3")] == pytest.approx(exports[("R1", "s0")] / exports[("R1", "s3")])


def test_national_change_distributed_by_share_of_use():
    system = SYSTEM
    dy = shocks.national_final_demand_change(system, ["s2"], 30.0)
    assert dy.sum() == pytest.approx(30.0)
    fd = system.Y.sum(axis=1).xs("s2", level="sector")
    np.testing.assert_allclose(dy.xs("s2", level="sector").to_numpy(), 30.0 * fd / fd.sum())
    dy = shocks.national_final_demand_change(system, "s0", -10.0, basis="output")
    x = system.x.xs("s0", level="sector")
    np.testing.assert_allclose(dy.xs("s0", level="sector").to_numpy(), -10.0 * x / x.sum())


def test_bad_demand_input():
    with pytest.raises(UnknownLabelError, match="Atlantis"):
        shocks.final_demand_change(SYSTEM, "Atlantis", "s1", share=0.1)
    with pytest.raises(UnknownLabelError, match="widgets"):
        shocks.final_demand_change(SYSTEM, "R0", ["s1", "widgets"], share=0.1)
    with pytest.raises(UnknownLabelError, match="tourism"):
        shocks.final_demand_change(SYSTEM, "R0", "s1", share=0.1, categories="tourism")
    with pytest.raises(InputError, match="exactly one"):
        shocks.final_demand_change(SYSTEM, "R0", "s1")
    with pytest.raises(InputError, match=">= -1"):
        shocks.final_demand_change(SYSTEM, "R0", "s1", share=-1.5)
    with pytest.raises(InputError, match="basis"):
        shocks.national_final_demand_change(SYSTEM, "s1", 1.0, basis="jobs")
    bad = pd.Series(1.0, index=SYSTEM.index[::-1])
    with pytest.raises(LabelError, match="different order"):
        shocks.propagate_demand(SYSTEM, bad)
    nan = pd.Series(1.0, index=SYSTEM.index)
    nan.iloc[3] = np.nan
    with pytest.raises(mrio.errors.InvalidTableError, match="NaN"):
        shocks.propagate_demand(SYSTEM, nan)
    with pytest.raises(InputError, match="Series or DataFrame"):
        shocks.propagate_demand(SYSTEM, np.ones(len(SYSTEM)))
    res = shocks.propagate_demand(SYSTEM, pd.Series(1.0, index=SYSTEM.index))
    with pytest.raises(UnknownLabelError, match="water"):
        res.impact("water")
    with pytest.raises(InputError, match="part"):
        res.impact("output", "sideways")


# ------------------------------------------------------------------------------------ Ghosh
def test_ghosh_known_answer_and_identity(miller_blair_system):
    """v'G = x' (K1/K2), and dx' = dv' G with G = x^-1 L x."""
    system = miller_blair_system
    res = shocks.propagate_supply(system, system.value_added)
    np.testing.assert_allclose(res.output.iloc[:, 0].to_numpy(), [1000.0, 2000.0], rtol=1e-12)
    assert "Oosterhaven" in res.caveat and "implausible" in res.caveat
    assert "Oosterhaven" in shocks.propagate_supply.__doc__
    G = np.array([[1.254125, 0.660066], [0.132013, 1.122112]])
    dv = np.array([10.0, -5.0])
    res = shocks.propagate_supply(system, pd.Series(dv, index=system.index))
    np.testing.assert_allclose(res.output.iloc[:, 0].to_numpy(), dv @ G, rtol=1e-5)


def test_ghosh_matches_dense_on_random_system():
    system = SYSTEM
    rng = np.random.default_rng(3)
    dv = pd.DataFrame(rng.normal(size=(len(system), 3)), index=system.index)
    res = shocks.propagate_supply(system, dv)
    x = system.arrays.x
    G = _dense_L(system) * x[None, :] / x[:, None]
    np.testing.assert_allclose(res.output.to_numpy(), (dv.to_numpy().T @ G).T, rtol=1e-10, atol=1e-10)
    assert res.by_region().shape == (3, 3)


# ------------------------------------------------------------------------------------ mixed
def test_mixed_model_nothing_fixed_reproduces_leontief():
    res = shocks.mixed_model(SYSTEM, pd.Series(dtype=np.float64))
    np.testing.assert_allclose(res.output.to_numpy(), SYSTEM.arrays.x, rtol=1e-12)
    np.testing.assert_allclose(res.output_change.to_numpy(), 0.0, atol=1e-9)
    assert len(res.fixed) == 0 and len(res.rationing_needed) == 0


def test_mixed_model_fixed_at_baseline_is_consistent_and_matches_partition_formula():
    system = SYSTEM
    fixed = system.x.loc[[("R0", "s1"), ("R2", "s3")]]
    res = shocks.mixed_model(system, fixed)
    np.testing.assert_allclose(res.output.to_numpy(), system.arrays.x, rtol=1e-10)
    np.testing.assert_allclose(res.final_demand.to_numpy(), system.arrays.Y.sum(axis=1), rtol=1e-10)
    # shut one industry down by half and compare with Miller & Blair eq. 13.4-13.5
    new = fixed * np.array([0.5, 1.0])
    res = shocks.mixed_model(system, new)
    A = system.arrays.A
    c = system.index.get_indexer(new.index)
    nmask = np.ones(len(system), dtype=bool)
    nmask[c] = False
    f = system.arrays.Y.sum(axis=1)
    xn = np.linalg.solve(np.eye(nmask.sum()) - A[np.ix_(nmask, nmask)],
                         f[nmask] + A[np.ix_(nmask, ~nmask)] @ new.to_numpy())
    np.testing.assert_allclose(res.output.to_numpy()[nmask], xn, rtol=1e-10)
    fc = (np.eye(2) - A[np.ix_(c, c)]) @ new.to_numpy() - A[np.ix_(c, nmask)] @ xn
    np.testing.assert_allclose(res.final_demand.to_numpy()[c], fc, rtol=1e-9)
    # x = L f with the implied final demand
    np.testing.assert_allclose(_dense_L(system) @ res.final_demand.to_numpy(), res.output.to_numpy(),
                               rtol=1e-10)
    assert (res.output_change.to_numpy() <= 1e-9).all()  # less output upstream of the closure


def test_mixed_model_flags_rationing_and_bad_input():
    system = SYSTEM
    # an industry shut down entirely while its buyers keep producing: negative implied f_c
    res = shocks.mixed_model(system, {("R0", "s0"): 0.0})
    assert ("R0", "s0") in res.rationing_needed
    with pytest.raises(UnknownLabelError, match="Mordor"):
        shocks.mixed_model(system, {("Mordor", "s0"): 1.0})
    with pytest.raises(InputError, match=">= 0"):
        shocks.mixed_model(system, {("R0", "s0"): -1.0})


# ------------------------------------------------------------------------------------ IIM
def test_iim_known_answer_k2(miller_blair_system):
    """IIM for -10 % f1 gives q = [0.043894, 0.004620] (docs/methods/index.md, "Known-answer checks")."""
    system = miller_blair_system
    reduction = pd.Series([35.0, 0.0], index=system.index)
    res = shocks.inoperability(system, reduction)
    np.testing.assert_allclose(res.inoperability.iloc[:, 0].to_numpy(), [0.043894, 0.004620], atol=1e-6)
    np.testing.assert_allclose(res.loss.iloc[:, 0].to_numpy(), res.inoperability.iloc[:, 0] * [1000, 2000])


def test_iim_equals_relative_leontief():
    rng = np.random.default_rng(5)
    df = pd.Series(rng.random(len(SYSTEM)), index=SYSTEM.index)
    res = shocks.inoperability(SYSTEM, df)
    x = SYSTEM.arrays.x
    A_star = SYSTEM.arrays.A * x[None, :] / x[:, None]
    q = np.linalg.solve(np.eye(len(SYSTEM)) - A_star, df.to_numpy() / x)
    np.testing.assert_allclose(res.inoperability.iloc[:, 0].to_numpy(), q, rtol=1e-10)


# ------------------------------------------------------------------------------------ DIIM
def test_diim_converges_to_static_iim(miller_blair_system):
    system = miller_blair_system
    reduction = pd.Series([35.0, 0.0], index=system.index)
    dyn = shocks.dynamic_inoperability(system, demand_reduction=reduction, recovery_time=30.0, steps=2000)
    static = shocks.inoperability(system, reduction).inoperability.iloc[:, 0].to_numpy()
    np.testing.assert_allclose(dyn.inoperability.iloc[-1].to_numpy(), static, rtol=1e-10)
    np.testing.assert_allclose(dyn.steady_state.to_numpy(), static, rtol=1e-12)
    # monotone approach from q(0) = 0
    q1 = dyn.inoperability.iloc[:, 0].to_numpy()
    assert np.all(np.diff(q1) >= -1e-15)


def test_diim_recovers_to_target_exactly_without_interdependency():
    """Decoupled industries: q_i(T_i) = ratio * q_i(0) exactly (the Euler step would miss it)."""
    idx = pd.MultiIndex.from_product([["r"], ["a", "b"]], names=["region", "sector"])
    Z = pd.DataFrame([[20.0, 0.0], [0.0, 30.0]], index=idx, columns=idx)
    Y = pd.DataFrame({("r", "f"): [80.0, 70.0]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    system = mrio.MRIO.from_flows(Z, Y)
    q0 = pd.Series([0.3, 0.1], index=idx)
    T = pd.Series([10.0, 40.0], index=idx)
    dyn = shocks.dynamic_inoperability(system, q0, recovery_time=T, recovery_ratio=0.01, steps=40)
    q = dyn.inoperability
    assert q.loc[10.0, ("r", "a")] == pytest.approx(0.003, rel=1e-12)
    assert q.loc[40.0, ("r", "b")] == pytest.approx(0.001, rel=1e-12)
    k = dyn.resilience.to_numpy()
    np.testing.assert_allclose(k, np.log(100) / (T.to_numpy() * (1 - np.array([0.2, 0.3]))))
    # explicit Euler would reach a different value: the exact update is really used
    euler = 0.3
    for _ in range(10):
        euler = euler + k[0] * (0.2 * euler - euler)
    assert abs(euler - 0.003) > 1e-4
    assert dyn.total_loss.gt(0).all()


def test_diim_recovers_after_temporary_shock_and_zero_shock_stays_zero():
    reduction = pd.Series(5.0, index=SYSTEM.index)
    dyn = shocks.dynamic_inoperability(SYSTEM, demand_reduction=reduction, duration=50, steps=3000,
                                       recovery_time=20.0)
    q = dyn.inoperability.to_numpy()
    assert q[50].max() > 0.001
    assert q[-1].max() < 1e-12
    assert (q >= -1e-15).all()
    zero = shocks.dynamic_inoperability(SYSTEM, steps=100)
    assert np.all(zero.inoperability.to_numpy() == 0.0)


def test_diim_bad_input():
    with pytest.raises(InputError, match="recovery_time"):
        shocks.dynamic_inoperability(SYSTEM, recovery_time=0.0)
    with pytest.raises(InputError, match="recovery_ratio"):
        shocks.dynamic_inoperability(SYSTEM, recovery_ratio=1.5)
    with pytest.raises(InputError, match="initial"):
        shocks.dynamic_inoperability(SYSTEM, pd.Series(1.5, index=SYSTEM.index))
    with pytest.raises(InputError, match="steps"):
        shocks.dynamic_inoperability(SYSTEM, steps=0)
    with pytest.raises(InputError, match="duration"):
        shocks.dynamic_inoperability(SYSTEM, demand_reduction=pd.Series(1.0, index=SYSTEM.index),
                                     duration=-3)


def test_diim_year_under_constant_shock_costs_the_static_iim_loss():
    """One time convention: a step is a day, flows per step are annual / 365 (issue 13.1)."""
    reduction = pd.Series(0.0, index=SYSTEM.index)
    reduction.iloc[[0, 5]] = [4.0, 7.0]
    static = shocks.inoperability(SYSTEM, reduction).loss.to_numpy().sum()  # annual output lost
    dyn = shocks.dynamic_inoperability(SYSTEM, demand_reduction=reduction, recovery_time=10.0, steps=365)
    assert dyn.steps_per_year == 365
    year = dyn.total_loss.sum()
    assert year == pytest.approx(static, rel=0.05)  # the first days ramp up from q = 0
    assert year < static
    # per-step loss at the steady state = annual loss / 365; other conventions scale accordingly
    assert dyn.loss.iloc[-1].sum() == pytest.approx(static / 365, rel=1e-6)
    weekly = shocks.dynamic_inoperability(SYSTEM, demand_reduction=reduction, recovery_time=10.0 / 7,
                                          steps=52, steps_per_year=52)
    assert weekly.total_loss.sum() == pytest.approx(static, rel=0.05)
    assert "per step" in dyn.unit and "1/365" in dyn.unit
    with pytest.raises(InputError, match="steps_per_year"):
        shocks.dynamic_inoperability(SYSTEM, steps_per_year=0)


def _with_and_without_a_dead_industry():
    """The same two active industries, with and without an inactive one (zero output) between them."""
    idx = pd.MultiIndex.from_product([["r"], ["a", "dead", "c"]], names=["region", "sector"])
    Z = pd.DataFrame([[10.0, 0, 5], [0, 0, 0], [20, 0, 10]], index=idx, columns=idx)
    Y = pd.DataFrame([[85.0], [0.0], [70.0]], index=idx,
                     columns=pd.MultiIndex.from_tuples([("r", "final")], names=["region", "category"]))
    keep = [("r", "a"), ("r", "c")]
    return mrio.MRIO.from_flows(Z, Y), mrio.MRIO.from_flows(Z.loc[keep, keep], Y.loc[keep])


def test_inoperability_models_give_zero_output_industries_zero_and_leave_the_rest_unchanged():
    full, active = _with_and_without_a_dead_industry()
    keep = list(active.index)
    dead = ("r", "dead")
    reduction = pd.Series({("r", "a"): 3.0, dead: 0.0, ("r", "c"): 1.0})
    static_full = shocks.inoperability(full, reduction)
    static = shocks.inoperability(active, reduction.loc[keep])
    assert (np.asarray(static_full.inoperability.loc[dead]) == 0.0).all()
    np.testing.assert_allclose(static_full.inoperability.loc[keep], static.inoperability, rtol=1e-13)
    q0 = pd.Series({("r", "a"): 0.2, dead: 0.0, ("r", "c"): 0.1})
    dyn_full = shocks.dynamic_inoperability(full, q0, recovery_time=30, demand_reduction=reduction, steps=50)
    dyn = shocks.dynamic_inoperability(active, q0.loc[keep], recovery_time=30,
                                       demand_reduction=reduction.loc[keep], steps=50)
    assert (dyn_full.inoperability[dead] == 0.0).all() and np.isfinite(dyn_full.inoperability.to_numpy()).all()
    np.testing.assert_allclose(dyn_full.inoperability[keep], dyn.inoperability, rtol=1e-12, atol=1e-15)
    with pytest.raises(InputError, match="zero output.*dead"):
        shocks.dynamic_inoperability(full, q0.where(q0.index != dead, 0.5), steps=5)
    with pytest.raises(InputError, match="zero output.*dead"):
        shocks.dynamic_inoperability(full, demand_reduction=reduction.where(reduction.index != dead, 1.0), steps=5)


@pytest.mark.parametrize("structured", [False, True], ids=["random", "chenery-moses"])
def test_diim_action_of_the_exponential_equals_the_dense_exponential(structured):
    """expm_multiply on products with A (through the trade structure if any) vs the dense exp(M)
    stepped as before, on a run whose demand reduction ends midway (two perturbations)."""
    from mrio import kernels
    from mrio.shocks.models import trade_structure_of

    system = random_chenery_moses(4, 5, seed=11) if structured else make_random(4, 5, seed=12, with_extensions=False)
    trade = trade_structure_of(system)
    assert (trade is not None) == structured
    A, x = system.arrays.A, system.arrays.x
    rng = np.random.default_rng(3)
    k = kernels.diim_resilience(np.diag(A).copy(), rng.uniform(20, 80, len(x)), np.full(len(x), 0.01))
    q0 = rng.uniform(0, 0.3, len(x)) * (rng.random(len(x)) < 0.4)
    q_inf = np.zeros((2, len(x)))
    q_inf[1] = np.linalg.solve(np.eye(len(x)) - A, rng.random(len(x)) * 0.05 * x) / x
    schedule = np.r_[np.ones(90, dtype=np.int64), np.zeros(110, dtype=np.int64)]
    paths = {}
    for method in ("action", "dense"):
        paths[method] = np.empty((201, len(x)))
        kernels.diim_trajectory(A, x, k, q0, q_inf, schedule, paths[method], dt=0.5, trade=trade, method=method)
    ref = paths["dense"]
    np.testing.assert_allclose(paths["action"], ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    assert np.abs(ref[90] - ref[200]).max() > 1e-3  # the reduction ends and q moves on
