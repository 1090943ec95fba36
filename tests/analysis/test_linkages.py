"""Rasmussen-Hirschman and Dietzenbacher eigenvector linkages, key sectors (docs/methods/linkages.md)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio import kernels
from mrio.errors import ConvergenceError, InputError
from mrio.linkages import classify, eigenvector_linkages, key_sectors, linkages, rasmussen_hirschman
from mrio.testing import random_mrio

SIZES = st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(0, 10_000))


def test_known_answers_k2(miller_blair_system):
    rh = rasmussen_hirschman(miller_blair_system)
    np.testing.assert_allclose(rh["backward"], [1.0222, 0.9778], atol=1e-4)  # K2
    # Ghosh forward: G i = [1.914191, 1.254125] (K2's G), normalised to mean one
    G = np.array([[1.254125, 0.660066], [0.132013, 1.122112]])
    np.testing.assert_allclose(rh["forward"], 2 * G.sum(1) / G.sum(), atol=1e-5)
    assert list(rh["class"]) == ["key", "weak"]
    ev = eigenvector_linkages(miller_blair_system)
    assert ev.attrs["spectral_radius"] == pytest.approx(0.329129, abs=1e-6)  # K2 rho(A)
    rho = ev.attrs["spectral_radius"]
    p2 = (rho - 0.15) / 0.20  # p'A = rho p' with p1 = 1
    np.testing.assert_allclose(ev["backward"], np.array([1, p2]) * 2 / (1 + p2), rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(SIZES)
def test_rasmussen_hirschman_against_explicit_inverse(size):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    L, x = system.L.to_numpy(), system.arrays.x
    N = len(system)
    for forward in ("ghosh", "leontief"):
        rh = rasmussen_hirschman(system, forward=forward)
        np.testing.assert_allclose(rh["backward"], N * L.sum(0) / L.sum(), rtol=1e-10)
        G = L * x[None, :] / x[:, None]
        M = G if forward == "ghosh" else L
        np.testing.assert_allclose(rh["forward"], N * M.sum(1) / M.sum(), rtol=1e-10)
        np.testing.assert_allclose(rh[["backward", "forward"]].mean(), 1.0, rtol=1e-12)
        if N > 1:
            np.testing.assert_allclose(rh["backward_cv"], L.std(0, ddof=1) / L.mean(0), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(SIZES)
def test_eigenvector_linkages_are_perron_vectors(size):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    A, x = system.arrays.A, system.arrays.x
    ev = eigenvector_linkages(system)
    rho = ev.attrs["spectral_radius"]
    assert rho == pytest.approx(np.abs(np.linalg.eigvals(A)).max(), rel=1e-9)
    p = ev["backward"].to_numpy()
    np.testing.assert_allclose(p @ A, rho * p, rtol=1e-8, atol=1e-10)
    B = A * x[None, :] / x[:, None]
    q = ev["forward"].to_numpy()
    np.testing.assert_allclose(B @ q, rho * q, rtol=1e-8, atol=1e-10)
    assert (p >= 0).all() and (q >= 0).all()
    np.testing.assert_allclose([p.mean(), q.mean()], 1.0)


def test_classify_and_key_sectors(random_mrio):
    import pandas as pd

    b = pd.Series([1.2, 1.2, 0.8, 0.9])
    f = pd.Series([1.1, 0.9, 1.3, 0.7])
    assert list(classify(b, f)) == ["key", "backward", "forward", "weak"]
    table = key_sectors(random_mrio)
    strength = (table["backward"] + table["forward"]).to_numpy()
    assert (np.diff(strength) <= 1e-15).all()
    assert set(table.index) == set(random_mrio.index)
    assert linkages(random_mrio, "rasmussen-hirschman-leontief")["forward"].mean() == pytest.approx(1.0)


def test_perron_vector_not_converging_raises():
    # a 2-cycle is periodic; shifted iteration converges, but a 1-iteration cap must fail loudly
    with pytest.raises(kernels.NotConvergedError):
        kernels.perron_vector(np.array([[0.0, 0.5], [0.4, 0.0]]), max_iter=1)


def test_bad_input(random_mrio):
    with pytest.raises(InputError, match="forward must be"):
        rasmussen_hirschman(random_mrio, forward="row")
    with pytest.raises(InputError, match="method must be"):
        linkages(random_mrio, "pagerank")
    with pytest.raises(ConvergenceError, match="did not converge"):
        eigenvector_linkages(random_mrio, max_iter=1)
