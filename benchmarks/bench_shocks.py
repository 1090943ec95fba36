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
from mrio.testing import random_mrio

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
    # boario and its undeclared dependency progressbar2 are test requirements (pyproject [test]):
    # a missing install must fail, not skip.
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
        sim.loop()
        return sim.production_realised.reindex(columns=system.index).to_numpy()


def _closed(R, n):
    s = random_mrio(R, n, seed=3, with_extensions=False)
    Y = s.Y.drop(columns=[("RoW", "exports")])
    vals = Y.to_numpy().copy()
    exports = s.Y[("RoW", "exports")].to_numpy()
    col = {r: list(Y.columns).index((r, "investment")) for r in s.regions}
    for j, r in enumerate(s.regions):
        vals[j * n:(j + 1) * n, col[r]] += exports[j * n:(j + 1) * n]
    return mrio.MRIO.from_flows(s.Z.copy(), pd.DataFrame(vals, index=Y.index, columns=Y.columns))


ARIO_SIZES = [pytest.param((3, 10, 60), id="N30"),
              pytest.param((40, 81, 365), id="N3240", marks=pytest.mark.slow)]


@pytest.mark.parametrize("size", ARIO_SIZES)
def test_ario_vs_boario(benchmark, size):
    R, n, steps = size
    system = _closed(R, n)
    va = (system.x - system.Z.sum(axis=0)).clip(lower=0)
    damage = pd.Series(0.0, index=system.index)
    damage.iloc[:n] = 0.4 * 4 * va.iloc[:n]
    event = ario.ARIOEvent("recover", damage, occurrence=1, duration=5, recovery_time=60)
    ario.ario(system, [event], steps=3)  # warm numba
    benchmark.group = f"ARIO {steps} steps [{len(system)}]"
    res = benchmark(ario.ario, system, [event], steps=steps)
    # BoARIO once, untimed by pytest-benchmark: its time per step goes in the extra info
    t0 = time.perf_counter()
    ref = _boario_run(system, damage, steps)
    benchmark.extra_info["boario_seconds"] = time.perf_counter() - t0
    np.testing.assert_allclose(res.production.to_numpy(), ref, rtol=1e-8, atol=1e-8 * np.abs(ref).max())
