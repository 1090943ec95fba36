"""Benchmarks: batched demand shocks, DIIM and ARIO time loops (vs one-at-a-time / BoARIO).

Run timed with ``pytest benchmarks/bench_shocks.py --benchmark-enable`` (add ``--run-slow`` for the
3,240-industry sizes). Each benchmark asserts its result; numba kernels are warmed first.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import ario, shocks
from mrio.testing import random_chenery_moses, random_mrio

SIZES = [pytest.param((6, 10), id="N60"), pytest.param((40, 81), id="N3240", marks=pytest.mark.slow)]


def _shocks(system, k, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.normal(size=(len(system), k)), index=system.index,
                        columns=[f"s{j}" for j in range(k)])


@pytest.mark.parametrize("size", SIZES)
def test_batched_demand_shocks(benchmark, size):
    system = random_mrio(*size, seed=1, with_extensions=False)
    dy = _shocks(system, 100)
    system.factor  # factor once, outside the timing (both variants reuse it)
    benchmark.group = f"demand shocks x100 [{len(system)}]"
    res = benchmark(shocks.propagate_demand, system, dy)
    one = shocks.propagate_demand(system, dy.iloc[:, [7]])
    np.testing.assert_allclose(res.output["s7"].to_numpy(), one.output.iloc[:, 0].to_numpy(), rtol=1e-10,
                               atol=1e-10)


@pytest.mark.parametrize("size", SIZES)
def test_demand_shocks_one_at_a_time(benchmark, size):
    system = random_mrio(*size, seed=1, with_extensions=False)
    dy = _shocks(system, 100)
    system.factor
    benchmark.group = f"demand shocks x100 [{len(system)}]"
    res = benchmark(lambda: [shocks.propagate_demand(system, dy.iloc[:, [j]]) for j in range(100)])
    assert len(res) == 100


def _diim_numpy(E, offset, q0, steps):
    q = q0.copy()
    out = [q]
    for _ in range(steps):
        q = E @ q + offset
        out.append(q)
    return np.array(out)


@pytest.mark.parametrize("size", SIZES)
def test_diim_time_loop(benchmark, size):
    system = random_mrio(*size, seed=2, with_extensions=False)
    q0 = pd.Series(0.0, index=system.index)
    q0.iloc[:5] = 0.3
    shocks.dynamic_inoperability(system, q0, steps=5)  # warm numba
    benchmark.group = f"DIIM 365 steps [{len(system)}]"
    res = benchmark(shocks.dynamic_inoperability, system, q0, recovery_time=60.0, steps=365)
    assert res.inoperability.iloc[-1].max() < res.inoperability.iloc[0].max()


def _boario_run(system, damage, steps):
    pytest.importorskip("boario")
    pytest.importorskip("progressbar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from boario.event import from_series
        from boario.extended_models import ARIOPsiModel
        from boario.simulation import Simulation

        io = system.to_pymrio()
        io.calc_system()
        sim = Simulation(ARIOPsiModel(io, monetary_factor=10**6), n_temporal_units_to_sim=steps)
        sim.add_event(from_series(damage[damage > 0], event_type="recovery", occurrence=1, duration=5,
                                  recovery_tau=60, event_monetary_factor=10**6))
        t0 = time.perf_counter()
        sim.loop()
        seconds = time.perf_counter() - t0  # the time loop only (model set-up excluded)
        return sim.production_realised.reindex(columns=system.index).to_numpy(), seconds


def _closed(R, n):
    return _fold_exports(random_mrio(R, n, seed=3, with_extensions=False))


def _fold_exports(s):
    """The same flows with final demand of other destinations (RoW) moved to each producer's own
    region (BoARIO needs every final-demand destination to be a region of the table)."""
    regions = list(s.regions)
    own = s.Y.columns.get_level_values("region").isin(regions)
    Y = s.Y.loc[:, own]
    vals = Y.to_numpy().copy()
    foreign = s.Y.loc[:, ~own].to_numpy().sum(axis=1)
    category = Y.columns[0][1]
    n = s.n_sectors
    for j, r in enumerate(regions):
        vals[j * n:(j + 1) * n, list(Y.columns).index((r, category))] += foreign[j * n:(j + 1) * n]
    return mrio.MRIO.from_flows(s.Z.copy(), pd.DataFrame(vals, index=Y.index, columns=Y.columns))


def _ario_case(system):
    n = system.n_sectors
    va = (system.x - system.Z.sum(axis=0)).clip(lower=0)
    damage = pd.Series(0.0, index=system.index)
    damage.iloc[:n] = 0.4 * 4 * va.iloc[:n]  # 40 % of the capital of the first region's industries
    return damage, ario.ARIOEvent("recover", damage, occurrence=1, duration=5, recovery_time=60)


ARIO_SIZES = [pytest.param((3, 10, 60), id="N30"),
              pytest.param((40, 81, 365), id="N3240", marks=pytest.mark.slow)]


@pytest.mark.parametrize("size", ARIO_SIZES)
def test_ario_vs_boario(benchmark, size):
    R, n, steps = size
    system = _closed(R, n)
    damage, event = _ario_case(system)
    ario.ario(system, [event], steps=3)  # warm numba
    benchmark.group = f"ARIO {steps} steps [{len(system)}]"
    res = benchmark(ario.ario, system, [event], steps=steps)
    # BoARIO once, untimed by pytest-benchmark: its time per step goes in the extra info
    ref, seconds = _boario_run(system, damage, steps)
    benchmark.extra_info["boario_seconds"] = seconds
    np.testing.assert_allclose(res.production.to_numpy(), ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())


def ario_speedup(system, steps=365, boario_steps=15, repeat=3):
    """Seconds per simulated step of :func:`mrio.ario.ario` (``steps`` steps, best of ``repeat``)
    and of BoARIO 0.7.2 (``boario_steps`` steps of its time loop, extrapolated per step), on the
    same table and event, with the production trajectories of the common steps compared."""
    damage, event = _ario_case(system)
    ario.ario(system, [event], steps=3)  # warm numba
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = ario.ario(system, [event], steps=steps)
        best = min(best, time.perf_counter() - t0)
    ref, seconds = _boario_run(system, damage, boario_steps)
    mine = res.production.to_numpy()[:boario_steps]
    np.testing.assert_allclose(mine, ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())
    return best / steps, seconds / boario_steps


@pytest.mark.slow
def test_ario_speedup_dutch_table(benchmark):
    """ARIO on the 3,240-industry Dutch table: 365 daily steps vs BoARIO's time per step (15 steps)."""
    system = _fold_exports(mrio.load("nl-corop"))
    mine, boario = benchmark.pedantic(ario_speedup, args=(system,), rounds=1, iterations=1)
    benchmark.extra_info.update(mrio_seconds_per_step=mine, boario_seconds_per_step=boario,
                                speedup=boario / mine)
    print(f"\nARIO nl-corop: mrio {mine:.4f} s/step (365 steps), BoARIO {boario:.3f} s/step "
          f"(15 steps), ratio {boario / mine:.1f}x")
    assert boario / mine > 1


if __name__ == "__main__":  # python benchmarks/bench_shocks.py: the ratio on the Dutch table
    mine, boario = ario_speedup(_fold_exports(mrio.load("nl-corop")))
    print(f"ARIO nl-corop (N = 3,240): mrio {mine:.4f} s/step over 365 steps, BoARIO {boario:.3f} s/step "
          f"over 15 steps (time loop only, extrapolated per step); ratio {boario / mine:.1f}x")


def _timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


@pytest.mark.parametrize("name", ["small", pytest.param("nl-corop", marks=pytest.mark.slow)])
def test_ario_structured_orders_ratio(name):
    """Orders split through the trade shares (O(n R^2 + n N) a step) vs the pass over Z (O(N^2)),
    interleaved in one run: the port scenario of data/examples/rotterdam_port.toml (365 steps).
    Prints min and median wall and CPU seconds of both and the ratio of the minima."""
    if name == "nl-corop":
        system = mrio.load("nl-corop")
        region = "Groot-Rijnmond"
        sectors = ["Land transport and pipelines", "Water transport", "Air transport",
                   "Warehousing and transport support", "Postal and courier activities"]
    else:
        system = random_chenery_moses(6, 20, seed=5)
        region, sectors = system.regions[1], list(system.sectors[:3])
    assert mrio.kernels.trade_structure(system.arrays.A, system.n_regions) is not None
    events = [ario.capital_damage(system, [region], sectors, share=0.3, duration=21, recovery_time=180)]
    ario.ario(system, events, steps=3)  # warm numba
    times = {True: [], False: []}
    for _ in range(3):
        for structured in (True, False):
            res, wall, cpu = _timed(ario.ario, system, events, steps=365, structured=structured)
            times[structured].append((wall, cpu))
            if structured:
                fast = res
            else:
                dense = res
    scale = dense.baseline.max()
    for attr in ("production", "capacity", "final_demand_loss_by_destination"):
        np.testing.assert_allclose(getattr(fast, attr).to_numpy(), getattr(dense, attr).to_numpy(), rtol=1e-12,
                                   atol=1e-12 * scale)
    new, old = np.array(times[True]), np.array(times[False])
    print(f"\nARIO 365 steps {name} N={len(system)}: structured min {new[:, 0].min():.3f} s median "
          f"{np.median(new[:, 0]):.3f} s (CPU min {new[:, 1].min():.3f} s); pass over Z min {old[:, 0].min():.3f} s "
          f"median {np.median(old[:, 0]):.3f} s (CPU min {old[:, 1].min():.3f} s); ratio structured/dense "
          f"wall {new[:, 0].min() / old[:, 0].min():.3f}, CPU {new[:, 1].min() / old[:, 1].min():.3f}")


def _diim_dense_exponential(system, q0, reduction, steps, recovery_time):
    """The former DIIM route: the dense E = exp(-K (I - A*)) (scipy.linalg.expm, O(N^3)), then
    q(t+1) = E q(t) + (I - E) q_inf."""
    A, x = system.arrays.A, system.arrays.x
    inv_x = np.where(x > 0, 1.0 / np.where(x > 0, x, 1.0), 0.0)
    k = mrio.kernels.diim_resilience(np.diag(A).copy(), np.full(len(x), recovery_time), np.full(len(x), 0.01))
    E = mrio.kernels.diim_transition(A * x[np.newaxis, :] * inv_x[:, np.newaxis], k, 1.0)
    q_inf = system.factor.solve(reduction) * inv_x
    return _diim_numpy(E, q_inf - E @ q_inf, q0, steps)


@pytest.mark.parametrize("name", ["small", pytest.param("nl-corop", marks=pytest.mark.slow)])
def test_diim_action_ratio(name):
    """DIIM by the action of the exponential on vectors (products with A through the trade
    structure) vs the former dense exponential, interleaved in one run: 365 daily steps under a
    constant 5 % demand cut in one region. Prints min and median wall and CPU seconds and the ratio."""
    system = mrio.load("nl-corop") if name == "nl-corop" else random_chenery_moses(6, 20, seed=5)
    system.factor  # noqa: B018 - q_inf by the stored LU in both routes
    region = system.regions[1]
    reduction = pd.Series(0.0, index=system.index)
    reduction.loc[region] = 0.05 * system.Y.sum(axis=1).loc[region].to_numpy()
    q0 = np.zeros(len(system))
    times = {"action": [], "dense": []}
    for _ in range(2 if name == "nl-corop" else 3):
        res, wall, cpu = _timed(shocks.dynamic_inoperability, system, demand_reduction=reduction, steps=365,
                                recovery_time=60.0)
        times["action"].append((wall, cpu))
        ref, wall, cpu = _timed(_diim_dense_exponential, system, q0, reduction.to_numpy(), 365, 60.0)
        times["dense"].append((wall, cpu))
    mine = res.inoperability.to_numpy()
    np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max())
    new, old = np.array(times["action"]), np.array(times["dense"])
    print(f"\nDIIM 365 steps {name} N={len(system)}: action min {new[:, 0].min():.3f} s median "
          f"{np.median(new[:, 0]):.3f} s (CPU min {new[:, 1].min():.3f} s); dense exponential min "
          f"{old[:, 0].min():.3f} s median {np.median(old[:, 0]):.3f} s (CPU min {old[:, 1].min():.3f} s); "
          f"ratio wall {new[:, 0].min() / old[:, 0].min():.3f}, CPU {new[:, 1].min() / old[:, 1].min():.3f}")
