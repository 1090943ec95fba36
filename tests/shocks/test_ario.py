"""ARIO: parity with BoARIO 0.7.2 (test-only reference), invariants, bad events."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import ario
from mrio.errors import ScenarioError, UnknownLabelError
from mrio.testing import random_chenery_moses, random_mrio


def closed_system(seed: int = 1, R: int = 3, n: int = 4) -> mrio.MRIO:
    """A random system whose final demand only has the system's regions (as BoARIO requires)."""
    s = random_mrio(R, n, seed=seed)
    Y = s.Y.drop(columns=[("RoW", "exports")])
    vals = Y.to_numpy().copy()
    exports = s.Y[("RoW", "exports")].to_numpy()
    for j, r in enumerate(s.regions):
        vals[j * n:(j + 1) * n, list(Y.columns).index((r, "investment"))] += exports[j * n:(j + 1) * n]
    return mrio.MRIO.from_flows(s.Z.copy(), pd.DataFrame(vals, index=Y.index, columns=Y.columns))


SYSTEM = closed_system()
VA = (SYSTEM.x - SYSTEM.Z.sum(axis=0)).clip(lower=0)


STRUCTURED = random_chenery_moses(5, 4, seed=3)


def _boario(system, event, steps, **model_kw):
    # boario and its undeclared dependency progressbar2 are test requirements (pyproject [test]):
    # a missing install must fail, not skip.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # BoARIO warns about its own defaults (4/1 capital ratio...)
        from boario.extended_models import ARIOPsiModel
        from boario.simulation import Simulation

        io = system.to_pymrio()
        io.calc_system()
        model = ARIOPsiModel(io, monetary_factor=10**6, **model_kw)
        sim = Simulation(model, n_temporal_units_to_sim=steps)
        sim.add_event(event)
        sim.loop()
        assert sim.n_temporal_units_simulated == steps and not sim.has_crashed
        return (sim.production_realised.reindex(columns=system.index).to_numpy(),
                sim.final_demand_undist.reindex(columns=system.index).to_numpy(),
                sim.final_demand_unmet.reindex(columns=system.index).to_numpy())


def _assert_parity(reference, result, system):
    prod, fd, fd_dest = reference
    scale = np.abs(prod).max()
    np.testing.assert_allclose(result.production.to_numpy(), prod, rtol=1e-8, atol=1e-8 * scale)
    np.testing.assert_allclose(result.final_demand_loss.to_numpy(), fd, rtol=1e-8, atol=1e-8 * scale)
    mine_dest = result.final_demand_loss_by_destination.reindex(columns=system.index).to_numpy()
    np.testing.assert_allclose(mine_dest, fd_dest, rtol=1e-8, atol=1e-8 * scale)
    assert np.abs(fd).max() > 1e-3  # the event really bites


@pytest.mark.parametrize("structured", [False, True], ids=["random", "chenery-moses"])
def test_parity_capital_destroyed_and_recovered(structured):
    """On a random table (orders split by the shares of Z) and on a Chenery-Moses table (split
    through the trade shares, ``structured=True``)."""
    from boario.event import from_series

    system = STRUCTURED if structured else SYSTEM
    va = (system.x - system.Z.sum(axis=0)).clip(lower=0)
    damage = pd.Series(0.0, index=system.index)
    damage[("R0", "s1")] = 0.5 * 4 * va[("R0", "s1")]
    damage[("R2", "s3")] = 0.2 * 4 * va[("R2", "s3")]
    ref = _boario(system, from_series(damage[damage > 0], event_type="recovery", occurrence=5, duration=3,
                                      recovery_tau=60, event_monetary_factor=10**6), 200)
    res = ario.ario(system, [ario.ARIOEvent("recover", damage, occurrence=5, duration=3, recovery_time=60)],
                    steps=200, structured=structured)
    _assert_parity(ref, res, system)


def test_parity_rebuild_with_reconstruction_demand():
    from boario.event import from_series

    damage = pd.Series(0.0, index=SYSTEM.index)
    damage[("R1", "s2")] = 0.3 * 4 * VA[("R1", "s2")]
    damage[("R0", "s1")] = 0.4 * 4 * VA[("R0", "s1")]
    sectors = {"s1": 0.5, "s3": 0.5}
    ref = _boario(SYSTEM, from_series(damage[damage > 0], event_type="rebuild", occurrence=3, duration=5,
                                      rebuild_tau=60, rebuilding_sectors=sectors, event_monetary_factor=10**6),
                  200)
    res = ario.ario(SYSTEM, [ario.ARIOEvent("rebuild", damage, occurrence=3, duration=5, rebuild_time=60,
                                            rebuilding_sectors=sectors)], steps=200)
    _assert_parity(ref, res, SYSTEM)
    assert res.rebuild_demand.to_numpy().sum() > 0


@pytest.mark.parametrize("infinite", [[], ["s2"]])
def test_parity_exogenous_capacity_loss(infinite):
    from boario.event import from_series

    share = pd.Series(0.0, index=SYSTEM.index)
    share[("R2", "s0")] = 0.4
    share[("R0", "s3")] = 0.2
    ref = _boario(SYSTEM, from_series(share[share > 0], event_type="arbitrary", occurrence=2, duration=10,
                                      recovery_tau=30), 150, infinite_inventories_sect=infinite)
    res = ario.ario(SYSTEM, [ario.ARIOEvent("capacity", share, occurrence=2, duration=10, recovery_time=30)],
                    steps=150, infinite_inventories=infinite, boario_compatible=True)
    _assert_parity(ref, res, SYSTEM)
    # without BoARIO's one-step delay the loss starts one step earlier
    exact = ario.ario(SYSTEM, [ario.ARIOEvent("capacity", share, occurrence=2, duration=10, recovery_time=30)],
                      steps=150, infinite_inventories=infinite)
    base = res.baseline[("R2", "s0")]
    assert res.capacity.loc[2, ("R2", "s0")] == pytest.approx(base, rel=1e-3)
    assert exact.capacity.loc[2, ("R2", "s0")] == pytest.approx(0.6 * base, rel=1e-3)
    assert res.capacity.loc[3, ("R2", "s0")] == pytest.approx(0.6 * base, rel=1e-3)


def test_no_event_keeps_steady_state():
    res = ario.ario(SYSTEM, [], steps=400)
    base = res.baseline.to_numpy()
    np.testing.assert_allclose(res.production.to_numpy(), np.broadcast_to(base, (400, len(SYSTEM))), rtol=1e-12)
    assert np.abs(res.final_demand_loss.to_numpy()).max() < 1e-12 * base.max()
    assert res.recovery_step() == 0


def test_invariants_after_a_big_shock_and_recovery():
    system = random_mrio(3, 5, seed=4)  # with an exogenous RoW destination
    events = [ario.capital_damage(system, ["R0", "R1"], ["s0", "s2"], share=0.6, recovery_time=90,
                                  occurrence=1, duration=5),
              ario.capacity_loss(system, "R2", "s4", share=0.8, recovery_time=20, occurrence=10, duration=5)]
    res = ario.ario(system, events, steps=730)
    assert (res.min_stock.to_numpy() >= 0).all()
    assert (res.final_demand_loss.to_numpy() >= -1e-12).all()
    assert res.total_final_demand_loss().sum() > 0
    assert res.production_loss().sum() > 0
    np.testing.assert_allclose(res.production.iloc[-1].to_numpy(), res.baseline.to_numpy(), rtol=1e-2)
    assert res.recovery_step(rtol=1e-2) is not None and 90 < res.recovery_step(rtol=1e-2) < 730
    assert list(res.final_demand_loss_by_destination.columns.get_level_values("region").unique()) == \
        ["R0", "R1", "R2", "RoW"]
    np.testing.assert_allclose(res.final_demand_loss_by_destination.sum(axis=1),
                               res.final_demand_loss.sum(axis=1), rtol=1e-10, atol=1e-12)
    # no overproduction: production never exceeds the pre-disaster level
    capped = ario.ario(system, events, steps=100, alpha_max=1.0)
    assert (capped.production.to_numpy() <= capped.baseline.to_numpy() * (1 + 1e-12)).all()


def test_isolated_sector_can_be_shocked():
    """A sector with no intermediate purchases or sales (crashes BoARIO, its issue #157)."""
    s = random_mrio(2, 3, seed=2)
    Z = s.Z.copy()
    Y = s.Y.copy()
    iso = ("R1", "s2")
    Y.loc[iso] = Y.loc[iso] + 0.0
    Y.loc[iso, ("R1", "household")] += Z.loc[iso].sum()
    Z.loc[iso, :] = 0.0
    moved = Z[iso].copy()
    Z[iso] = 0.0
    V = s.V.copy()
    V[iso] = V[iso] * 0 + np.array([1.0, 0.0, 0.0]) * (s.x[iso] + Y.loc[iso].sum() - s.Y.loc[iso].sum())
    Y_rows = Y.copy()
    for row, value in moved.items():  # sales the isolated industry no longer makes go to final demand
        Y_rows.loc[row, (row[0], "household")] += value
    system = mrio.MRIO.from_flows(Z, Y_rows)
    assert system.Z.loc[iso].sum() == 0 and system.Z[iso].sum() == 0
    res = ario.ario(system, [ario.capacity_loss(system, "R1", "s2", share=0.5, recovery_time=10)], steps=60)
    assert np.isfinite(res.production.to_numpy()).all()
    assert res.final_demand_loss[iso].max() > 0
    assert (res.min_stock >= 0).all()
    np.testing.assert_allclose(res.production.iloc[-1].to_numpy(), res.baseline.to_numpy(), rtol=1e-6)


def test_progress_callback_and_chunking_give_the_same_result():
    ev = ario.capital_damage(SYSTEM, "R1", None, share=0.3, recovery_time=40)
    calls = []
    chunked = ario.ario(SYSTEM, [ev], steps=100, progress=lambda done, total: calls.append((done, total)),
                        chunk=7)
    whole = ario.ario(SYSTEM, [ev], steps=100)
    assert calls[-1] == (100, 100) and len(calls) == 15
    np.testing.assert_array_equal(chunked.production.to_numpy(), whole.production.to_numpy())


def test_bad_events():
    with pytest.raises(UnknownLabelError, match="Atlantis"):
        ario.capital_damage(SYSTEM, "Atlantis", "s1", share=0.1)
    with pytest.raises(mrio.errors.InputError, match=r"\[0, 1\]"):
        ario.capacity_loss(SYSTEM, "R0", "s1", share=1.5)
    with pytest.raises(mrio.errors.InputError, match=r"\[0, 1\]"):
        ario.capital_damage(SYSTEM, "R0", "s1", share=-0.1)
    big = pd.Series(0.0, index=SYSTEM.index)
    big[("R0", "s1")] = 1e9
    with pytest.raises(ScenarioError, match="exceeds productive capital"):
        ario.ario(SYSTEM, [ario.ARIOEvent("recover", big)], steps=5)
    ok = pd.Series(0.0, index=SYSTEM.index)
    with pytest.raises(ScenarioError, match="duration"):
        ario.ario(SYSTEM, [ario.ARIOEvent("recover", ok, duration=-2)], steps=5)
    with pytest.raises(ScenarioError, match="kind"):
        ario.ario(SYSTEM, [ario.ARIOEvent("meteor", ok)], steps=5)
    with pytest.raises(ScenarioError, match="rebuilding_sectors"):
        ario.ario(SYSTEM, [ario.ARIOEvent("rebuild", ok)], steps=5)
    with pytest.raises(UnknownLabelError, match="bricks"):
        ario.ario(SYSTEM, [ario.ARIOEvent("rebuild", ok, rebuilding_sectors={"bricks": 1.0})], steps=5)
    with pytest.raises(mrio.errors.InputError, match="steps"):
        ario.ario(SYSTEM, [], steps=0)


def test_parity_many_regions_noalt_orders():
    """Five regions: the kernel sums order rows four at a time plus a remainder; "noalt" orders."""
    from boario.event import from_series

    system = closed_system(seed=7, R=5, n=3)
    va = (system.x - system.Z.sum(axis=0)).clip(lower=0)
    damage = pd.Series(0.0, index=system.index)
    damage[("R3", "s0")] = 0.5 * 4 * va[("R3", "s0")]
    damage[("R4", "s2")] = 0.3 * 4 * va[("R4", "s2")]
    for order_type in ("alt", "noalt"):
        ref = _boario(system, from_series(damage[damage > 0], event_type="recovery", occurrence=2, duration=4,
                                          recovery_tau=40, event_monetary_factor=10**6), 120, order_type=order_type)
        res = ario.ario(system, [ario.ARIOEvent("recover", damage, occurrence=2, duration=4, recovery_time=40)],
                        steps=120, order_type=order_type)
        _assert_parity(ref, res, system)


def test_result_does_not_depend_on_the_number_of_threads():
    """The parallel pass keeps every sum in serial order: 1 and 2 threads agree bit for bit."""
    import numba

    system = closed_system(seed=8, R=6, n=5)
    events = [ario.capital_damage(system, ["R0", "R5"], ["s1", "s3"], share=0.5, recovery_time=50),
              ario.capital_damage(system, "R2", "s0", share=0.4, kind="rebuild", rebuilding_sectors={"s4": 1.0},
                                  rebuild_time=30)]
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = ario.ario(system, events, steps=80)
    finally:
        numba.set_num_threads(before)
    many = ario.ario(system, events, steps=80)
    assert numba.config.NUMBA_NUM_THREADS >= 1
    np.testing.assert_array_equal(one.production.to_numpy(), many.production.to_numpy())
    np.testing.assert_array_equal(one.final_demand_loss_by_destination.to_numpy(),
                                  many.final_demand_loss_by_destination.to_numpy())
    assert one.rebuild_demand.to_numpy().sum() > 0


def _structured_events(system):
    return [ario.capital_damage(system, ["R1", "R3"], ["s0", "s2"], share=0.5, occurrence=2, duration=4,
                                recovery_time=40),
            ario.capacity_loss(system, "R4", "s1", share=0.6, occurrence=3, duration=10, recovery_time=20),
            ario.capital_damage(system, "R0", "s3", share=0.4, kind="rebuild", rebuilding_sectors={"s2": 1.0},
                                rebuild_time=30, occurrence=2, duration=3)]


@pytest.mark.parametrize("order_type", ["alt", "noalt"])
def test_structured_orders_equal_the_pass_over_z(order_type):
    """The trade-share split of the orders (O(n R^2 + n N) a step) vs the pass over Z0: equal to
    rounding on a Chenery-Moses table, with capital, capacity and rebuild events and rationing."""
    assert mrio.kernels.trade_structure(STRUCTURED.arrays.A, STRUCTURED.n_regions) is not None
    events = _structured_events(STRUCTURED)
    fast = ario.ario(STRUCTURED, events, steps=150, order_type=order_type)
    dense = ario.ario(STRUCTURED, events, steps=150, order_type=order_type, structured=False)
    scale = dense.baseline.max()
    for name in ("production", "capacity", "final_demand_loss", "final_demand_loss_by_destination",
                 "rebuild_demand"):
        mine, ref = getattr(fast, name).to_numpy(), getattr(dense, name).to_numpy()
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-12 * scale, err_msg=name)
    np.testing.assert_allclose(fast.min_stock.to_numpy(), dense.min_stock.to_numpy(), rtol=1e-12)
    assert (dense.baseline - dense.production).abs().to_numpy().max() > 1e-2 * scale  # the events bite
    assert np.abs(dense.final_demand_loss.to_numpy()).max() > 1e-3 * scale  # rationing happens


def test_structured_orders_need_the_trade_structure():
    with pytest.raises(mrio.errors.InputError, match="Chenery-Moses"):
        ario.ario(SYSTEM, [], steps=3, structured=True)
