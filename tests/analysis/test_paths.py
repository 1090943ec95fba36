"""Structural path analysis: power-series identity, completeness accounting, top paths.

See docs/methods/paths.md.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio import kernels
from mrio.dependency import measure_intensity
from mrio.errors import InputError, LabelError, UnknownLabelError
from mrio.paths import structural_path_analysis
from mrio.testing import random_mrio

SMALL = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(0, 10_000))


def power_series(system, f, y, K):
    A = system.arrays.A
    total, v = 0.0, y.copy()
    for _ in range(K + 1):
        total += f @ v
        v = A @ v
    return total


def test_miller_blair_paths_by_hand(miller_blair_system):
    # f = value added coefficients (0.65, 0.70); order-0 paths f_j y_j, order-1 f_i a_ij y_j
    res = structural_path_analysis(miller_blair_system, threshold=0.0, max_depth=1, top=10)
    f, y = np.array([0.65, 0.70]), np.array([350.0, 1700.0])
    A = np.array([[0.15, 0.25], [0.20, 0.05]])
    order1 = [f[i] * A[i, j] * y[j] for i in range(2) for j in range(2)]
    expected = sorted([f[0] * y[0], f[1] * y[1]] + order1, reverse=True)
    np.testing.assert_allclose(res.paths["value"], expected, rtol=1e-12)
    top = res.paths.iloc[0]
    assert top["path"] == "r/s2" and top["order"] == 0 and top["value"] == pytest.approx(1190.0)
    assert res.total == pytest.approx(2050.0)  # all value added: GDP
    assert res.extracted == pytest.approx(sum(expected))


@settings(max_examples=25, deadline=None)
@given(SMALL, st.integers(0, 4), st.sampled_from(["value-added", "co2", "output"]))
def test_without_pruning_equals_power_series(size, K, measure):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    f = measure_intensity(system, measure).intensity
    y = system.arrays.Y.sum(axis=1)
    res = structural_path_analysis(system, measure, threshold=0.0, max_depth=K, top=5)
    assert res.extracted == pytest.approx(power_series(system, f, y, K), rel=1e-11)
    assert res.completeness_residual <= 1e-10 * res.total
    assert res.pruned == 0.0
    # one visit per walk along non-zero coefficients from a non-zero final demand
    P = (system.arrays.A != 0).astype(float)
    walks, w = 0.0, (y != 0).astype(float)
    for _ in range(K + 1):
        walks += w.sum()
        w = P @ w
    assert res.visited == round(walks)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(2, 6), st.integers(0, 10_000), st.sampled_from([1e-2, 1e-3, 1e-4]),
       st.integers(1, 8))
def test_pruned_plus_extracted_equals_total(R, n, seed, threshold, K):
    system = random_mrio(R, n, seed)
    res = structural_path_analysis(system, "employment", threshold=threshold, max_depth=K, top=20)
    m = system.leontief_row_product(measure_intensity(system, "employment").intensity)
    assert res.total == pytest.approx(m @ system.arrays.Y.sum(axis=1), rel=1e-12)
    assert res.completeness_residual <= 1e-10 * res.total
    assert 0 < res.coverage <= 1 + 1e-12
    assert (np.diff(res.paths["value"].abs().to_numpy()) <= 0).all()
    assert (res.paths["order"] <= K).all()


def test_coverage_converges_to_total_with_depth():
    system = random_mrio(2, 2, 11)
    cover = [structural_path_analysis(system, threshold=0.0, max_depth=K).coverage for K in range(0, 11)]
    assert all(b >= a for a, b in zip(cover, cover[1:], strict=False))
    # the uncovered share is exactly the tail f'A^{K+1} L y / f'L y
    f = measure_intensity(system, "value-added").intensity
    A, x = system.arrays.A, system.arrays.x
    tail = f @ np.linalg.matrix_power(A, 11) @ x / (f @ x)
    assert 1 - cover[-1] == pytest.approx(tail, rel=1e-8)
    assert cover[-1] > 0.99


def test_top_paths_equal_brute_force_enumeration():
    system = random_mrio(2, 2, 3)
    A, N = system.arrays.A, len(system)
    f = measure_intensity(system, "co2").intensity
    y = system.arrays.Y.sum(axis=1)
    values = []
    for k in range(4):
        for path in itertools.product(range(N), repeat=k + 1):
            v = y[path[0]] * f[path[-1]]
            for a, b in itertools.pairwise(path):
                v *= A[b, a]
            values.append(v)
    res = structural_path_analysis(system, "co2", threshold=0.0, max_depth=3, top=25)
    np.testing.assert_allclose(res.paths["value"], sorted(values, reverse=True)[:25], rtol=1e-12)
    # labels: a path's first element is its final-demand industry, its last the source
    first = res.paths.iloc[0]
    assert first["path"].split(" <- ")[0] == "/".join(first["final_demand"])
    assert first["path"].split(" <- ")[-1] == "/".join(first["source"])


def test_final_demand_by_destination_and_series(random_mrio):
    res = structural_path_analysis(random_mrio, final_demand="RoW", threshold=0.0, max_depth=2)
    y = random_mrio.Y.xs("RoW", axis=1, level="region").sum(axis=1)
    res2 = structural_path_analysis(random_mrio, final_demand=y, threshold=0.0, max_depth=2)
    assert res.total == pytest.approx(res2.total, rel=1e-12)
    assert res.unit == "million EUR" and res.paths.attrs["unit"] == "million EUR"


def test_parallel_chunks_do_not_change_results():
    system = random_mrio(3, 5, 2)
    f = measure_intensity(system, "value-added").intensity
    m = system.leontief_row_product(f)
    y = system.arrays.Y.sum(axis=1)
    outs = [kernels.structural_paths(system.arrays.A, f, m, y, 1e-4 * (m @ y), 5, top=30, n_chunks=c)
            for c in (1, 3, 15)]
    for o in outs[1:]:
        np.testing.assert_allclose(o.values, outs[0].values, rtol=1e-12)
        assert o.extracted == pytest.approx(outs[0].extracted, rel=1e-12)
        assert o.visited == outs[0].visited


def test_bad_input(random_mrio):
    with pytest.raises(InputError, match="threshold"):
        structural_path_analysis(random_mrio, threshold=1.5)
    with pytest.raises(InputError, match="max_depth"):
        structural_path_analysis(random_mrio, max_depth=-1)
    with pytest.raises(InputError, match="top must be"):
        structural_path_analysis(random_mrio, top=0)
    with pytest.raises(UnknownLabelError, match="unknown final-demand destination 'Mars'"):
        structural_path_analysis(random_mrio, final_demand="Mars")
    with pytest.raises(UnknownLabelError, match="unknown measure"):
        structural_path_analysis(random_mrio, measure="water")
    with pytest.raises(LabelError, match="final_demand index"):
        structural_path_analysis(random_mrio, final_demand=pd.Series([1.0, 2.0]))


def test_enumeration_is_bounded_by_a_path_budget():
    """threshold 0 on a dense table would enumerate N^depth paths: stop with the project's error (13.14)."""
    from mrio.errors import InputError
    from mrio.testing import random_mrio

    system = random_mrio(4, 10, seed=3)
    with pytest.raises(InputError, match=r"more than max_paths = 10,000.*raise the threshold"):
        structural_path_analysis(system, "value-added", threshold=0.0, max_depth=8, max_paths=10_000)
    ok = structural_path_analysis(system, "value-added", threshold=1e-3, max_depth=4, max_paths=10**7)
    assert ok.completeness_residual <= 1e-9 * abs(ok.total) and ok.visited <= 10**7
    with pytest.raises(InputError, match="max_paths"):
        structural_path_analysis(system, max_paths=0)


def test_cli_paths_budget_is_an_input_error(tmp_path):
    from click.testing import CliRunner

    from mrio.cli import main
    from mrio.testing import random_mrio

    random_mrio(4, 10, seed=3).write(tmp_path / "t")
    result = CliRunner().invoke(main, ["paths", str(tmp_path / "t"), "--threshold", "0", "--depth", "8",
                                       "--max-paths", "10000"])
    assert result.exit_code == 2 and "max_paths" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("threshold", [0.0, 1e-3])
def test_dense_columns_equal_the_compressed_route(threshold):
    """A dense A read by columns in place gives the CSC route's paths and sums bit for bit."""
    import scipy.sparse as sp

    system = random_mrio(3, 4, 5)
    A = system.arrays.A.copy()
    A[A < np.quantile(A, 0.3)] = 0.0  # explicit zeros: skipped as the CSC route drops them
    assert np.count_nonzero(A) > kernels._spa.DENSE_SHARE * A.size
    f = measure_intensity(system, "value-added").intensity
    y = system.arrays.Y.sum(axis=1)
    m = np.linalg.solve((np.eye(len(A)) - A).T, f)
    threshold = threshold * float(m @ y)
    outs = [kernels.structural_paths(B, f, m, y, threshold, 3, top=40)
            for B in (A, np.asfortranarray(A), sp.csc_array(A))]
    assert kernels._spa._children(A)[0] and not kernels._spa._children(sp.csc_array(A))[0]
    for o in outs[1:]:
        assert np.array_equal(o.values, outs[0].values) and np.array_equal(o.paths, outs[0].paths)
        assert (o.extracted, o.pruned, o.truncated, o.visited) == (
            outs[0].extracted, outs[0].pruned, outs[0].truncated, outs[0].visited)
