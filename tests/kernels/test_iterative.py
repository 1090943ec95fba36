"""mrio.kernels iterative solvers: Neumann series, block matvec, block Jacobi, Krylov, sparse LU."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from mrio import kernels


def mrio_A(R=4, n=5, seed=0, trade=0.3, colsum=(0.4, 0.7)):
    """Dense domestic blocks, sparse trade blocks (some all-zero), column sums in ``colsum``."""
    rng = np.random.default_rng(seed)
    N = R * n
    A = rng.random((N, N))
    for r in range(R):
        for s in range(R):
            if r != s:
                blk = A[r * n:(r + 1) * n, s * n:(s + 1) * n]
                blk *= rng.random((n, n)) < trade
                if (r + s) % 3 == 0:
                    blk[:] = 0.0
    return A * (rng.uniform(*colsum, N) / A.sum(axis=0))


@pytest.fixture(scope="module")
def system():
    A = mrio_A()
    Y = np.random.default_rng(1).random((A.shape[0], 3))
    return A, Y, np.linalg.solve(np.eye(A.shape[0]) - A, Y)


def test_neumann_iterations_bound_known_answer():
    # docs/methods/leontief.md, section "Iterative solvers": a = 0.6, tol = 1e-10 needs 47 terms A^0 .. A^K,
    # i.e. K = 46 matvecs
    K = kernels.neumann_iterations_bound(0.6, 1e-10)
    assert K + 1 == 47
    assert 0.6 ** (K + 1) / 0.4 <= 1e-10 < 0.6**K / 0.4
    assert kernels.neumann_iterations_bound(1.0, 1e-10) is None
    assert kernels.neumann_iterations_bound(0.0, 1e-10) == 0
    K = kernels.neumann_iterations_bound(0.5, 1e-12)
    assert 0.5 ** (K + 1) / 0.5 <= 1e-12 < 0.5 ** K / 0.5


def test_nonzero_blocks_and_block_matvec(system):
    A, Y, _ = system
    mask = kernels.nonzero_blocks(A, 5)
    assert mask.shape == (4, 4) and mask.diagonal().all() and not mask.all()
    np.testing.assert_allclose(kernels.block_matvec(A, Y, 5), A @ Y, rtol=1e-14)
    out = np.empty_like(Y)
    res = kernels.block_matvec(A, np.asfortranarray(Y), 5, mask=mask, out=out)
    assert res is out
    np.testing.assert_allclose(out, A @ Y, rtol=1e-14)
    with pytest.raises(ValueError, match="does not divide"):
        kernels.nonzero_blocks(A, 7)


@pytest.mark.parametrize("kwargs", [{}, {"block_size": 5, "use_sparse": False}, {"use_sparse": True},
                                    {"use_sparse": False}])
def test_neumann_matches_direct(system, kwargs):
    A, Y, X = system
    Xn, iterations, bound = kernels.neumann_solve(A, Y, tol=1e-14, **kwargs)
    np.testing.assert_allclose(Xn, X, rtol=1e-12)
    norm_A = np.abs(A).sum(axis=0).max()
    assert iterations <= kernels.neumann_iterations_bound(norm_A, 1e-14) + 1
    assert bound == pytest.approx(norm_A ** (iterations + 1) / (1 - norm_A))
    x1, _, _ = kernels.neumann_solve(A, Y[:, 0], **kwargs)
    assert x1.shape == (A.shape[0],)


def test_neumann_sparse_input(system):
    A, Y, X = system
    Xn, _, _ = kernels.neumann_solve(sp.csr_array(A), Y, tol=1e-14)
    np.testing.assert_allclose(Xn, X, rtol=1e-12)


def test_neumann_a_priori_bound_holds_after_few_terms(system):
    A, Y, X = system
    norm_A = np.abs(A).sum(axis=0).max()
    with pytest.raises(kernels.NotConvergedError) as info:
        kernels.neumann_solve(A, Y, max_iter=5)
    assert info.value.iterations == 5
    # the truncated series after K terms errs by at most ||A||^(K+1)/(1-||A||) ||y||_1
    XK = Y.copy()
    term = Y.copy()
    for _ in range(5):
        term = A @ term
        XK += term
    err = np.abs(X - XK).sum(axis=0) / np.abs(Y).sum(axis=0)
    assert (err <= norm_A**6 / (1 - norm_A)).all()


def test_neumann_diverges_for_non_productive():
    A = np.array([[0.6, 0.7], [0.7, 0.6]])  # rho = 1.3
    with pytest.raises(kernels.NotProductiveError, match="diverges"):
        kernels.neumann_solve(A, np.ones(2), max_iter=10_000)


def test_block_jacobi_matches_direct(system):
    A, Y, X = system
    Xb, iterations = kernels.block_jacobi_solve(A, Y, 5, tol=1e-15)
    np.testing.assert_allclose(Xb, X, rtol=1e-12)
    assert iterations > 0
    xb, _ = kernels.block_jacobi_solve(A, Y[:, 1], 5)
    np.testing.assert_allclose(xb, X[:, 1], rtol=1e-10)
    with pytest.raises(ValueError, match="does not divide"):
        kernels.block_jacobi_solve(A, Y, 3)


def test_block_jacobi_one_region_is_direct(system):
    A, Y, X = system
    Xb, iterations = kernels.block_jacobi_solve(A, Y, A.shape[0])
    np.testing.assert_allclose(Xb, X, rtol=1e-13)
    assert iterations == 1


def test_block_jacobi_not_converged(system):
    A, Y, _ = system
    with pytest.raises(kernels.NotConvergedError, match="did not converge in 2"):
        kernels.block_jacobi_solve(A, Y, 5, max_iter=2)


@pytest.mark.parametrize("method", ["gmres", "bicgstab"])
def test_krylov_matches_direct(system, method):
    A, Y, X = system
    Xk, iterations = kernels.krylov_solve(A, Y, method=method)
    np.testing.assert_allclose(Xk, X, rtol=1e-11)
    assert iterations >= 1
    Xs, _ = kernels.krylov_solve(sp.csr_array(A), Y[:, 0], method=method)
    np.testing.assert_allclose(Xs, X[:, 0], rtol=1e-11)


def test_krylov_zero_column_and_unknown_method(system):
    A, Y, X = system
    Y0 = Y.copy()
    Y0[:, 1] = 0.0
    Xk, _ = kernels.krylov_solve(A, Y0)
    np.testing.assert_array_equal(Xk[:, 1], 0.0)
    with pytest.raises(ValueError, match="unknown Krylov"):
        kernels.krylov_solve(A, Y, method="cg")


def test_krylov_not_converged(system):
    A, Y, _ = system
    with pytest.raises(kernels.NotConvergedError, match="did not converge"):
        kernels.krylov_solve(A, Y, method="gmres", tol=1e-15, max_iter=1, restart=1)


@pytest.mark.parametrize("method", ["lu", "neumann", "block-jacobi", "gmres", "bicgstab", "sparse-lu"])
def test_solve_leontief_every_method(system, method):
    A, Y, X = system
    rep = kernels.solve_leontief(A, Y, method=method, block_size=5)
    assert rep.method == method
    assert rep.residual < 1e-11
    np.testing.assert_allclose(rep.x, X, rtol=1e-10)
    if method == "sparse-lu":
        assert "fill-in" in rep.detail
    if method == "neumann":
        assert "error bound" in rep.detail and rep.iterations > 0


def test_solve_leontief_block_jacobi_needs_block_size(system):
    A, Y, _ = system
    with pytest.raises(ValueError, match="block_size"):
        kernels.solve_leontief(A, Y, method="block-jacobi")


@pytest.mark.parametrize("method", ["neumann", "gmres", "bicgstab", "block-jacobi", "sparse-lu"])
def test_solve_leontief_rejects_non_productive_before_solving(method):
    A = np.array([[0.6, 0.7], [0.7, 0.6]])  # ||A||_1 >= 1 and rho = 1.3
    with pytest.raises(kernels.NotProductiveError, match="spectral radius of A is 1.3") as info:
        kernels.solve_leontief(A, np.ones(2), method=method, block_size=1)
    assert info.value.positions == [0, 1]
    assert math.isclose(info.value.spectral_radius, 1.3, rel_tol=1e-9)


def test_solve_leontief_column_sums_above_one_but_productive():
    # one column sums to 1.2 but rho < 1: productive, every method must accept it
    A = np.array([[0.1, 0.9], [0.05, 0.3]])
    assert kernels.spectral_radius(A) < 1
    x = np.linalg.solve(np.eye(2) - A, np.ones(2))
    for method in ("lu", "neumann", "gmres"):
        np.testing.assert_allclose(kernels.solve_leontief(A, np.ones(2), method=method).x, x, rtol=1e-10)


def test_sparse_lu_singular():
    A = np.array([[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(kernels.SingularError):
        kernels.solve_leontief(A, np.ones(2), method="sparse-lu", check_productive=False)


@pytest.mark.parametrize("method", ["lu", "neumann", "gmres"])
def test_solve_leontief_negative_entries(method):
    # negative cells (e.g. subsidies booked in Z) skip the certificate but still solve
    A = np.array([[0.2, -0.05, 0.1], [0.3, 0.1, 0.0], [0.0, 0.2, 0.3]])
    y = np.array([1.0, 2.0, 3.0])
    rep = kernels.solve_leontief(A, y, method=method)
    np.testing.assert_allclose(rep.x, np.linalg.solve(np.eye(3) - A, y), rtol=1e-11)
