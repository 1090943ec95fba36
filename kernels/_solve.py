"""One entry point for Leontief solves that picks the strategy and reports what it did.

Strategy (docs/methods/leontief.md, section "Solving instead of inverting"): dense LU costs ``2/3 N^3 + 2 N^2
k`` flops for ``k`` right-hand
sides; an iterative method costs about ``iterations * 2 nnz(A) * k``. ``"auto"`` takes the
cheaper estimate, and dense LU always below N = 2,000 (it is then a few milliseconds). Sparse
direct LU is available on request only: on MRIO tables it fills in to near-dense (docs/methods/leontief.md,
section "Iterative solvers"), so the report states the measured fill-in.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ._errors import NotProductiveError, SingularError
from ._iterative import block_jacobi_solve, krylov_solve, neumann_iterations_bound, neumann_solve
from ._leontief import LeontiefFactor
from ._productivity import certify_productive, spectral_radius

__all__ = ["SolveReport", "METHODS", "choose_method", "solve_leontief", "relative_residual"]

METHODS = ("auto", "lu", "neumann", "block-jacobi", "gmres", "bicgstab", "sparse-lu")


class SolveReport(NamedTuple):
    """Result of :func:`solve_leontief`.

    Attributes
    ----------
    x : ndarray
        Solution, shaped like the right-hand side.
    method : str
        Strategy used (one of :data:`METHODS` except ``"auto"``).
    residual : float
        ``max_c ||(I - A) x_c - y_c||_2 / ||y_c||_2`` over the columns.
    iterations : int
        Iterations (0 for direct methods).
    detail : str
        Why the method was chosen, fill-in of sparse LU, error bounds.
    """

    x: np.ndarray
    method: str
    residual: float
    iterations: int
    detail: str


def relative_residual(A, X, Y):
    """``max_c ||(I - A) x_c - y_c||_2 / ||y_c||_2`` (columns with ``y_c = 0`` use absolute)."""
    Xm = X[:, np.newaxis] if X.ndim == 1 else X
    Ym = Y[:, np.newaxis] if Y.ndim == 1 else Y
    R = Xm - A @ Xm - Ym
    num = np.linalg.norm(R, axis=0)
    den = np.linalg.norm(Ym, axis=0)
    den[den == 0] = 1.0
    return float((num / den).max()) if num.size else 0.0


def choose_method(N, n_rhs, nnz, norm_A, block_size=None):
    """Pick the cheapest strategy by a flop estimate; returns ``(method, reason)``."""
    if N <= 2000:
        return "lu", f"N = {N} <= 2000: dense LU is cheapest"
    dense_cost = 2.0 / 3.0 * N**3 + 2.0 * N**2 * n_rhs
    est_iter = neumann_iterations_bound(norm_A, 1e-12)
    if est_iter is None:
        return "lu", f"||A|| = {norm_A:.3g} >= 1: no iteration bound, dense LU"
    krylov_iter = max(10, est_iter // 3)
    iter_cost = krylov_iter * 2.0 * nnz * n_rhs
    if iter_cost < 0.5 * dense_cost:
        return "gmres", (
            f"GMRES estimate {iter_cost:.3g} flops < dense LU {dense_cost:.3g} "
            f"(N = {N}, {n_rhs} right-hand sides, density {nnz / N**2:.3g})"
        )
    return "lu", f"dense LU estimate {dense_cost:.3g} flops <= iterative {iter_cost:.3g}"


def solve_leontief(A, Y, method="auto", block_size=None, tol=1e-12, max_iter=10_000,
                   check_productive=True):
    """Solve ``x = L y = (I - A)^-1 y`` for one or many right-hand sides.

    Parameters
    ----------
    A : ndarray of shape (N, N)
        Input coefficients (``A >= 0`` for the productivity certificate).
    Y : ndarray of shape (N,) or (N, k)
    method : {"auto", "lu", "neumann", "block-jacobi", "gmres", "bicgstab", "sparse-lu"}
    block_size : int, optional
        Sectors per region (block Jacobi, block matvec).
    tol : float
        Tolerance of iterative methods.
    max_iter : int
    check_productive : bool
        Certify ``rho(A) < 1`` before returning (one extra solve for LU; a spectral-radius
        estimate for iterative methods when ``||A||_1 >= 1``).

    Returns
    -------
    SolveReport

    Raises
    ------
    NotProductiveError, SingularError, NotConvergedError
    """
    A = np.asarray(A, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    N = A.shape[0]
    n_rhs = 1 if Y.ndim == 1 else Y.shape[1]
    # rho(A) <= min(||A||_1, ||A||_inf): the smaller norm bounds the iterations and certifies
    # productivity (a transposed system A' has the row sums of A as its column sums)
    absA = A if N == 0 or A.min() >= 0 else np.abs(A)  # no n x n temporary when A >= 0
    norm_A = float(min(absA.sum(axis=0).max(), absA.sum(axis=1).max())) if N else 0.0
    del absA
    reason = f"method {method!r} requested"
    if method == "auto":
        method, reason = choose_method(N, n_rhs, np.count_nonzero(A), norm_A, block_size)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if method != "lu" and check_productive and norm_A >= 1.0 and A.min() >= 0:
        rho = spectral_radius(A)
        if rho >= 1.0:
            raise NotProductiveError(
                f"the system is not productive: spectral radius of A is {rho:.6g} (must be < 1)",
                positions=np.flatnonzero(A.sum(axis=0) >= 1.0).tolist(), spectral_radius=rho)
    iterations = 0
    if method == "lu":
        factor = LeontiefFactor(A)
        if check_productive and A.min() >= 0:
            certify_productive(factor, A)
        X = factor.solve(Y)
    elif method == "neumann":
        X, iterations, bound = neumann_solve(A, Y, tol=tol, max_iter=max_iter, block_size=block_size)
        reason += f"; a-priori error bound {bound:.3g}"
    elif method == "block-jacobi":
        if block_size is None:
            raise ValueError("block-jacobi needs block_size (sectors per region)")
        X, iterations = block_jacobi_solve(A, Y, block_size, tol=tol, max_iter=max_iter)
    elif method in ("gmres", "bicgstab"):
        X, iterations = krylov_solve(A, Y, method=method, tol=tol, max_iter=max_iter)
    else:  # sparse-lu
        M = sp.csc_array(sp.eye_array(N, format="csc") - sp.csc_array(A))
        try:
            lu = spla.splu(M)
        except RuntimeError as exc:
            raise SingularError(f"sparse LU failed: {exc}") from exc
        fill = (lu.L.nnz + lu.U.nnz) / max(N * N, 1)
        reason += f"; fill-in nnz(L+U)/N^2 = {fill:.3f}"
        X = lu.solve(Y)
    residual = relative_residual(A, X, Y)
    return SolveReport(X, method, residual, iterations, reason)
