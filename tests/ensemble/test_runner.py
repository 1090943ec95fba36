"""The ensemble runner: reduction to point and percentile bands, in-process and on Dask."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import mrio
from mrio import ensemble
from mrio.build.draws import Uncertain, draw_values
from mrio.errors import InputError

# analyses defined here travel to the Dask workers by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


def scaled_multipliers(system, k=1.0, shift=0.0):
    """Output multipliers times k plus shift: percentiles are known from the draws of k and shift."""
    return mrio.output_multipliers(system) * k + shift


class FailOnce:
    """Fails the first attempt of every draw (one marker file per draw), then computes."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, system, k=1.0, shift=0.0):
        if k != 1.0:  # the point estimate (k = 1) is computed once, in this process
            marker = self.folder / f"{k!r}.attempted"
            if not marker.exists():
                marker.write_text("1")
                raise RuntimeError("transient failure")
        return scaled_multipliers(system, k, shift)


def always_fails(system, k=1.0, shift=0.0):
    if k != 1.0:
        raise RuntimeError("this draw cannot be computed")
    return scaled_multipliers(system, k, shift)


@pytest.fixture(scope="module")
def small():
    return mrio.load("nl-2000")


@pytest.fixture(scope="module")
def parameter_draws(small):
    return ensemble.ParameterDraws(small, (Uncertain("k", 1.0, 0.5, 2.0), Uncertain("shift", 0.0, -0.1, 0.1,
                                                                                          "triangular")))


def test_known_answer_percentiles_of_a_linear_analysis(parameter_draws, small):
    result = ensemble.run(scaled_multipliers, draws=40, seed=3, source=parameter_draws)
    m = mrio.output_multipliers(small).to_numpy()
    values = [draw_values(parameter_draws.assumptions, 3, i) for i in range(40)]
    expected = np.array([m * v["k"] + v["shift"] for v in values])
    table = result.table
    assert list(table.columns) == ["point", "p5", "p25", "p50", "p75", "p95"]
    np.testing.assert_allclose(table["point"], m, rtol=1e-15)
    for p in (5, 25, 50, 75, 95):
        np.testing.assert_allclose(table[f"p{p}"], np.percentile(expected, p, axis=0), rtol=1e-13)
    assert table.index.equals(mrio.output_multipliers(small).index)
    assert list(result.parameters.columns) == ["k", "shift"] and len(result.parameters) == 40
    assert result.backend == "in-process" and result.retried == ()
    assert "k" in result.methods() and "seed 3" in result.methods()


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 6)),
              elements=st.floats(-1e6, 1e6, allow_nan=False)))
def test_bands_are_ordered(samples):
    table = ensemble.band_table(samples[0], samples, pd.RangeIndex(samples.shape[1]))
    assert (table["p5"] <= table["p25"]).all() and (table["p25"] <= table["p50"]).all()
    assert (table["p50"] <= table["p75"]).all() and (table["p75"] <= table["p95"]).all()
    assert (table["p5"] >= samples.min(axis=0)).all() and (table["p95"] <= samples.max(axis=0)).all()


def test_band_table_known_answer_and_nan_cells():
    samples = np.column_stack([np.arange(101.0), np.full(101, np.nan)])
    table = ensemble.band_table(np.array([50.0, np.nan]), samples, pd.Index(["a", "b"]))
    np.testing.assert_allclose(table.loc["a", ["p5", "p25", "p50", "p75", "p95"]], [5, 25, 50, 75, 95])
    assert table.loc["b"].isna().all()


def test_zero_width_ranges_give_zero_width_bands_on_rebuilt_tables():
    source = mrio.build.draws.table_draws("nl-corop").fixed()
    result = ensemble.run(ensemble.DependencyTable("value-added", "split"), draws=2, seed=1, source=source)
    table = result.table
    for p in ("p5", "p50", "p95"):
        np.testing.assert_allclose(table[p], table["point"], rtol=1e-9, atol=1e-9)
    assert result.consistency <= 1e-9


def test_two_worker_local_cluster_equals_the_serial_path(parameter_draws):
    serial = ensemble.run(scaled_multipliers, draws=12, seed=5, source=parameter_draws)
    cluster = ensemble.run(scaled_multipliers, draws=12, seed=5, source=parameter_draws, workers=2)
    assert cluster.backend.startswith("LocalCluster (2 workers")
    np.testing.assert_allclose(cluster.samples, serial.samples, rtol=1e-12, atol=0)
    pd.testing.assert_frame_equal(cluster.table, serial.table, rtol=1e-12, atol=0)
    assert cluster.timing["threads"] == 2 and cluster.timing["overhead_seconds_per_draw"] >= 0


def test_rebuilt_tables_on_two_workers_equal_the_serial_path():
    analysis = ensemble.DependencyTable("value-added", "split")
    serial = ensemble.run(analysis, draws=2, seed=7)
    cluster = ensemble.run(analysis, draws=2, seed=7, workers=2)
    np.testing.assert_allclose(cluster.samples, serial.samples, rtol=1e-12, atol=1e-12)
    assert cluster.consistency <= 1e-9


def test_failed_attempts_are_retried_by_dask_and_reported(parameter_draws, tmp_path):
    analysis = FailOnce(tmp_path)
    result = ensemble.run(analysis, draws=4, seed=2, source=parameter_draws, workers=2, retries=2)
    serial = ensemble.run(scaled_multipliers, draws=4, seed=2, source=parameter_draws)
    np.testing.assert_allclose(result.samples, serial.samples, rtol=1e-12)
    assert sorted(e["draw"] for e in result.retried) == [0, 1, 2, 3]
    assert all("transient failure" in e["error"] for e in result.retried)


def test_draws_failing_every_attempt_raise_and_are_named(parameter_draws):
    with pytest.raises(ensemble.EnsembleError, match=r"4 of 4 draws failed after 1 retries.*draw 0: RuntimeError"):
        ensemble.run(always_fails, draws=4, seed=2, source=parameter_draws, workers=2, retries=1)
    with pytest.raises(ensemble.EnsembleError, match="draw 0 of 3"):
        ensemble.run(always_fails, draws=3, seed=2, source=parameter_draws)


def test_a_running_scheduler_by_address_or_environment(parameter_draws, monkeypatch):
    from distributed import LocalCluster

    serial = ensemble.run(scaled_multipliers, draws=6, seed=9, source=parameter_draws)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as cluster:
        direct = ensemble.run(scaled_multipliers, draws=6, seed=9, source=parameter_draws,
                              scheduler=cluster.scheduler_address)
        monkeypatch.setenv(ensemble.SCHEDULER_ENV, cluster.scheduler_address)
        from_env = ensemble.run(scaled_multipliers, draws=6, seed=9, source=parameter_draws)
    for result in (direct, from_env):
        assert result.backend.startswith(f"scheduler {cluster.scheduler_address}")
        np.testing.assert_allclose(result.samples, serial.samples, rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(draws=0), "draws must be an integer >= 1"),
    (dict(seed=-1), "seed must be"),
    (dict(workers=2, scheduler="tcp://x:1"), "not both"),
    (dict(workers=0), "workers must be a positive integer"),
])
def test_bad_arguments(parameter_draws, kwargs, message):
    with pytest.raises(InputError, match=message):
        ensemble.run(scaled_multipliers, source=parameter_draws, **{"draws": 2, **kwargs})


def test_results_must_be_tables_of_numbers(parameter_draws):
    with pytest.raises(InputError, match="pandas Series or DataFrame"):
        ensemble.run(lambda system, k=1, shift=0: 1.0, draws=1, source=parameter_draws)
