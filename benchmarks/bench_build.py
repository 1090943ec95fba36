"""Benchmarks of the regional build (issue 3): the Dutch 40 x 81 table end to end, and GRAS on its flows.

Targets (this 2-core machine): build <= 10 s, GRAS on 3,240 x 3,240 to 1e-10 <= 2 s. The GRAS
reference is a plain NumPy implementation of the same iteration (docs/methods/balancing.md), so the ratio
measures the numba kernel against the textbook vectorised form.

Run timed::

    NUMBA_CACHE_DIR=/tmp/numba_cache_$USER .venv/bin/python -m pytest benchmarks/bench_build.py \
        --benchmark-enable --benchmark-columns=min,median,rounds
"""

from __future__ import annotations

import numpy as np
import pytest

from mrio import kernels
from mrio.build import nl
from mrio.regional import national_consistency, read_national


def _numpy_gras(X0, u, v, tol=1e-10, max_iter=5000):
    """Reference GRAS in vectorised NumPy (Temurshoev et al. 2013), same stopping rule as the kernel."""
    P, N = np.maximum(X0, 0.0), np.maximum(-X0, 0.0)
    r, s = np.ones(len(u)), np.ones(len(v))
    scale = tol * max(1.0, np.abs(u).max(), np.abs(v).max())

    def factor(target, p, n):
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(n == 0, target / np.where(p > 0, p, 1.0),
                         (target + np.sqrt(target ** 2 + 4 * p * n)) / (2 * np.where(p > 0, p, 1.0)))
            f = np.where(p > 0, f, np.where(n > 0, -n / np.where(target != 0, target, np.nan), 1.0))
        return f

    for _ in range(max_iter):
        s_new = factor(v, r @ P, (1.0 / r) @ N)
        change = np.abs(s_new - s).max()
        s = s_new
        pi, ni = P @ s, N @ (1.0 / s)
        if np.abs(r * pi - ni / r - u).max() <= scale and change < tol:
            break
        r = factor(u, pi, ni)
    return r[:, None] * P * s[None, :] - N / (r[:, None] * s[None, :])


@pytest.fixture(scope="module")
def dutch_inputs():
    with nl.nl_inputs_folder() as folder:
        national = read_national(folder / "national_2018")
    nl.build_nl_corop(national=national)  # warm numba and the caches of the first build
    return national


def test_build_nl_corop(benchmark, dutch_inputs):
    benchmark.group = "build nl-corop 41 x 81"
    system = benchmark.pedantic(nl.build_nl_corop, kwargs={"national": dutch_inputs}, rounds=3, iterations=1)
    assert system.n_regions == 41 and system.n_sectors == 81  # 40 COROP regions and extra-regio
    assert national_consistency(system, dutch_inputs)["max_relative_error"].max() <= 1e-9


@pytest.fixture(scope="module")
def gras_problem(dutch_inputs):
    system = nl.build_nl_corop(national=dutch_inputs)
    Z = system.Z.to_numpy()
    rng = np.random.default_rng(0)
    X0 = Z.copy()
    target = Z * rng.uniform(0.8, 1.25, Z.shape)
    flip = rng.random(Z.shape) < 0.01  # 1 % negative cells, so the GRAS branch is exercised
    X0[flip] *= -1.0
    target[flip] *= -1.0
    u, v = target.sum(axis=1), target.sum(axis=0)
    kernels.gras(X0[:4, :4], X0[:4, :4].sum(axis=1), X0[:4, :4].sum(axis=0))  # compile
    return np.ascontiguousarray(X0), u, v


def _check(X, X0, u, v):
    scale = max(1.0, np.abs(u).max(), np.abs(v).max())
    assert np.abs(X.sum(axis=1) - u).max() <= 1e-10 * scale * 10
    assert np.abs(X.sum(axis=0) - v).max() <= 1e-10 * scale * 10
    assert np.array_equal(np.sign(X), np.sign(X0))


def test_gras_kernel_3240(benchmark, gras_problem):
    X0, u, v = gras_problem
    benchmark.group = "GRAS 3240 x 3240 to 1e-10"
    result = benchmark.pedantic(kernels.gras, args=(X0, u, v), rounds=3, iterations=1)
    _check(result.X, X0, u, v)


def test_gras_numpy_reference_3240(benchmark, gras_problem):
    X0, u, v = gras_problem
    benchmark.group = "GRAS 3240 x 3240 to 1e-10"
    X = benchmark.pedantic(_numpy_gras, args=(X0, u, v), rounds=1, iterations=1)
    _check(X, X0, u, v)
    np.testing.assert_allclose(X, kernels.gras(X0, u, v).X, rtol=1e-7, atol=1e-9)
