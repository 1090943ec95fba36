"""Benchmarks of the core (issue 2): Leontief inverse, footprints without L, the pymrio calc_all equivalent.

Each operation has an mrio benchmark and a reference benchmark in the same pytest-benchmark group,
so ``--benchmark-enable`` prints them side by side; ``test_ratios`` measures the ratios in one
process with interleaved calls (:mod:`mrio.bench`) and prints them. Every benchmark asserts its
result. Sizes: N = 1,000 (synthetic) and the real WIOD 2013 table (N = 1,435) by default;
N = 5,000 and 9,800 (EXIOBASE-like 49 x 200) are marked slow.

Targets (issue 2): Leontief inverse <= 1.05 x ``numpy.linalg.inv`` at N = 5,000; footprints of 10
extensions for 50 demand vectors <= 0.35 x one inverse at N = 9,800 (by LU factors, and by the
strategy ``solve_leontief`` picks: GMRES on the sparse ``A'`` at that size); calc_all >= 4x faster
and <= 0.5x peak memory than pymrio at N = 5,000.

Run timed (large sizes take minutes; this machine may set OPENBLAS_CORETYPE, unset it here only)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE NUMBA_CACHE_DIR=/tmp/numba_cache_$USER \\
        .venv/bin/python -m pytest benchmarks/bench_core.py --benchmark-enable --run-slow -s \\
        --benchmark-columns=min,median,rounds

or outside pytest: ``mrio bench --size large --wiod ../shared/data/wiod2013``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mrio import bench, kernels

SIZES = [
    pytest.param("N1000", id="N1000"),
    pytest.param("WIOD", id="WIOD-N1435"),
    pytest.param("N5000", id="N5000", marks=pytest.mark.slow),
    pytest.param("N9800", id="N9800", marks=pytest.mark.slow),
]
SHAPES = {"N1000": (10, 100), "N5000": (25, 200), "N9800": (49, 200)}


@pytest.fixture(scope="module", params=SIZES)  # module scope: pytest groups the tests by size
def table(request):
    if request.param == "WIOD":
        return request.getfixturevalue("wiod")
    return request.getfixturevalue("synthetic")(*SHAPES[request.param])


def check_inverse(L, A, columns=8):
    """``L (I - A) = I`` on a sample of columns (cheap at any N)."""
    N = A.shape[0]
    cols = np.linspace(0, N - 1, columns).astype(int)
    E = np.zeros((N, columns))
    E[cols, np.arange(columns)] = 1.0
    residual = L @ (E - A[:, cols]) - E
    assert np.abs(residual).max() < 1e-10


def test_leontief_inverse_mrio(benchmark, table):
    A = table["A"]
    benchmark.group = f"leontief_inverse N={A.shape[0]}"
    kernels.leontief_inverse(A[:50, :50])  # warm-up
    L = benchmark(kernels.leontief_inverse, A)
    check_inverse(L, A)
    assert L.flags.c_contiguous


def test_leontief_inverse_numpy(benchmark, table):
    A = table["A"]
    N = A.shape[0]
    benchmark.group = f"leontief_inverse N={N}"
    L = benchmark(lambda: np.linalg.inv(np.eye(N) - A))
    check_inverse(L, A)


@pytest.mark.parametrize("method", ["lu", "auto"])
def test_footprints_without_inverse(benchmark, table, method):
    A, S, Y = table["A"], table["S"], table["demands"]
    benchmark.group = f"footprints 10 ext x 50 demands vs one inverse N={A.shape[0]}"
    bench.footprints_without_inverse(A[:50, :50], S[:, :50], Y[:50], method)  # warm-up
    D = benchmark(bench.footprints_without_inverse, A, S, Y, method)
    assert D.shape == (S.shape[0], Y.shape[1])
    # the other route: x = L Y column by column, then S x
    D2 = S @ kernels.LeontiefFactor(A).solve(Y)
    np.testing.assert_allclose(D, D2, rtol=1e-10)


def test_calc_all_mrio(benchmark, table):
    frames = table["frames"]
    benchmark.group = f"calc_all N={len(frames['Z'])}"
    bench.calc_all_mrio(bench.to_frames(bench.synthetic_tables(2, 5), 2, 5))  # warm-up: imports, caches
    system, M, fp = benchmark(bench.calc_all_mrio, frames)
    total = frames["F"].to_numpy().sum(axis=1)
    np.testing.assert_allclose(fp.consumption_based.to_numpy().sum(axis=1), total, rtol=1e-9)
    np.testing.assert_allclose(fp.production_based.to_numpy().sum(axis=1), total, rtol=1e-9)
    assert M.shape == frames["F"].shape


def test_calc_all_pymrio(benchmark, table):
    import pymrio  # noqa: F401 - a test requirement (pyproject [test]); missing must fail, not skip
    frames = table["frames"]
    benchmark.group = f"calc_all N={len(frames['Z'])}"
    io = benchmark(bench.calc_all_pymrio, frames)
    total = frames["F"].to_numpy().sum(axis=1)
    np.testing.assert_allclose(io.ext.D_cba_reg.to_numpy().sum(axis=1), total, rtol=1e-9)


def test_ratios(table, capsys):
    """All comparisons in one process with interleaved calls; prints the ratio table."""
    A, S, Y = table["A"], table["S"], table["demands"]
    rows = [bench.compare_leontief_inverse(A), bench.compare_footprints(A, S, Y, method="lu")]
    if A.shape[0] > 2000:  # below, "auto" is LU
        rows.append(bench.compare_footprints(A, S, Y, method="auto"))
    if bench.pymrio_available():
        rows.append(bench.compare_calc_all(table["frames"]))
    for row in rows:
        assert row.max_relative_difference < 1e-9, row
        assert row.mrio_seconds > 0 and row.reference_seconds > 0 and row.mrio_peak_mb > 0
    with capsys.disabled():
        frame = bench.rows_to_frame(rows)[["operation", "N", "mrio_seconds", "reference_seconds", "ratio",
                                           "mrio_peak_mb", "reference_peak_mb", "memory_ratio"]]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(f"\n{bench.blas_info()}\n{frame.to_string(index=False)}")
