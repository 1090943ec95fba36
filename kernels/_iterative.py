"""Iterative Leontief solvers for large tables or few right-hand sides.

See docs/methods/leontief.md, section "Iterative solvers".

* Neumann (power) series ``x_K = sum_{k<=K} A^k y`` with a region-block matvec that skips
  all-zero blocks, and the a-priori bound ``||L - sum_{k<=K} A^k||_1 <= a^{K+1} / (1 - a)``,
  ``a = ||A||_1`` (Miller & Blair 2009, sec. 2.4).
* Block Jacobi by region: ``x_{k+1} = M1 (y + (A - A_d) x_k)``, ``M1 = (I - A_d)^-1`` with each
  domestic block factorised once; converges at rate ``rho(M1 (A - A_d))`` (Pyatt & Round's
  spillover matrix ``A*``; docs/methods/dependency.md, section "Dependency matrix").
* Krylov (GMRES, BiCGSTAB) from :mod:`scipy.sparse.linalg` on the operator ``I - A``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numba import njit, prange
from scipy.linalg import lu_factor, lu_solve

from ._errors import NotConvergedError, NotProductiveError

__all__ = [
    "nonzero_blocks",
    "block_matvec",
    "neumann_solve",
    "neumann_iterations_bound",
    "block_jacobi_solve",
    "krylov_solve",
]


def nonzero_blocks(A, block_size):
    """Boolean ``(R, R)`` mask of region blocks of ``A`` holding any non-zero entry."""
    N = A.shape[0]
    if block_size <= 0 or N % block_size:
        raise ValueError(f"block size {block_size} does not divide N = {N}")
    R = N // block_size
    return (A.reshape(R, block_size, R, block_size) != 0).any(axis=(1, 3))


@njit(cache=True, parallel=True)
def _block_matvec(A, mask, n, X, out):  # pragma: no cover - compiled
    R = mask.shape[0]
    k = X.shape[1]
    for r in prange(R):
        for i in range(r * n, (r + 1) * n):
            for c in range(k):
                out[i, c] = 0.0
        for s in range(R):
            if not mask[r, s]:
                continue
            for i in range(r * n, (r + 1) * n):
                for j in range(s * n, (s + 1) * n):
                    a = A[i, j]
                    if a != 0.0:
                        for c in range(k):
                            out[i, c] += a * X[j, c]


def block_matvec(A, X, block_size, mask=None, out=None):
    """Return ``A @ X`` skipping the all-zero region blocks of ``A``.

    Parameters
    ----------
    A : ndarray of shape (N, N), C-contiguous
    X : ndarray of shape (N, k)
    block_size : int
        Sectors per region, ``n``; ``N = R n``.
    mask : ndarray of bool, shape (R, R), optional
        From :func:`nonzero_blocks`; computed if omitted.
    out : ndarray of shape (N, k), optional
    """
    if mask is None:
        mask = nonzero_blocks(A, block_size)
    if out is None:
        out = np.empty_like(X)
    _block_matvec(np.ascontiguousarray(A), mask, block_size, np.ascontiguousarray(X), out)
    return out


def neumann_iterations_bound(norm_A, tol):
    """Terms ``K`` after which ``a^{K+1} / (1 - a) <= tol`` for ``a = ||A||_1 < 1``.

    ``K >= ln(tol (1 - a)) / ln(a) - 1`` (docs/methods/leontief.md, section "Iterative solvers": a = 0.6, tol
    = 1e-10 gives 47).
    Returns ``None`` when ``a >= 1`` (no a-priori bound).
    """
    if norm_A >= 1.0:
        return None
    if norm_A == 0.0:
        return 0
    return max(0, math.ceil(math.log(tol * (1.0 - norm_A)) / math.log(norm_A) - 1.0))


def _as_matrix(Y):
    Y = np.asarray(Y, dtype=np.float64)
    return (Y[:, np.newaxis] if Y.ndim == 1 else Y), Y.ndim == 1


def neumann_solve(A, Y, tol=1e-12, max_iter=10_000, block_size=None, use_sparse=None):
    """Solve ``(I - A) X = Y`` by the Neumann series.

    Parameters
    ----------
    A : ndarray of shape (N, N) or scipy sparse matrix
    Y : ndarray of shape (N,) or (N, k)
    tol : float
        Stop when ``||A^k Y||_1 <= tol ||X_k||_1`` (column-wise maximum).
    max_iter : int
    block_size : int, optional
        Sectors per region; enables the zero-block-skipping matvec for dense ``A``.
    use_sparse : bool, optional
        Convert dense ``A`` to CSR for the matvec; default when fewer than 10 % of entries are
        non-zero.

    Returns
    -------
    X : ndarray shaped like ``Y``
    iterations : int
    error_bound : float
        A-priori bound on ``||X - X_K||_1 / ||Y||_1`` from ``||A||_1`` (``inf`` if ``||A||_1 >= 1``).

    Raises
    ------
    NotConvergedError
        If ``max_iter`` terms do not reach ``tol``.
    NotProductiveError
        If the terms grow (``rho(A) >= 1``).
    """
    Ymat, was_vector = _as_matrix(Y)
    if sp.issparse(A):
        matvec = A.tocsr().dot
        norm_A = float(abs(A).sum(axis=0).max()) if A.shape[0] else 0.0
    else:
        A = np.ascontiguousarray(A, dtype=np.float64)
        norm_A = float(np.abs(A).sum(axis=0).max()) if A.shape[0] else 0.0
        density = np.count_nonzero(A) / max(A.size, 1)
        if use_sparse is None:
            use_sparse = density < 0.10
        if use_sparse:
            matvec = sp.csr_array(A).dot
        elif block_size is not None and A.shape[0] % block_size == 0:
            mask = nonzero_blocks(A, block_size)
            if mask.mean() < 0.75:
                buf = np.empty_like(Ymat)

                def matvec(V, _mask=mask, _buf=buf):
                    return block_matvec(A, V, block_size, _mask, _buf).copy()
            else:
                matvec = A.dot
        else:
            matvec = A.dot
    X = Ymat.copy()
    term = Ymat.copy()
    norm_prev = np.abs(term).sum(axis=0)
    iterations = 0
    growth = 0
    while True:
        if np.all(np.abs(term).sum(axis=0) <= tol * np.maximum(np.abs(X).sum(axis=0), 1e-300)):
            break
        if iterations >= max_iter:
            raise NotConvergedError(
                f"Neumann series did not converge in {max_iter} terms (||A||_1 = {norm_A:.4g})",
                iterations=iterations,
            )
        term = matvec(term)
        X += term
        iterations += 1
        norm_now = np.abs(term).sum(axis=0)
        growth = growth + 1 if np.any(norm_now > norm_prev * (1 + 1e-12)) and iterations > 1 else 0
        if growth > 50 or not np.all(np.isfinite(norm_now)):
            raise NotProductiveError(
                "Neumann series diverges: the terms A^k y grow, so rho(A) >= 1", positions=[]
            )
        norm_prev = norm_now
    K = iterations
    error_bound = norm_A ** (K + 1) / (1.0 - norm_A) if norm_A < 1.0 else math.inf
    return (X[:, 0] if was_vector else X), iterations, error_bound


def block_jacobi_solve(A, Y, block_size, tol=1e-12, max_iter=5_000):
    """Solve ``(I - A) X = Y`` by block Jacobi over region blocks.

    Parameters
    ----------
    A : ndarray of shape (N, N)
    Y : ndarray of shape (N,) or (N, k)
    block_size : int
        Sectors per region, ``n``.
    tol : float
        Stop when ``||X_{k+1} - X_k||_1 <= tol ||X_{k+1}||_1``.
    max_iter : int

    Returns
    -------
    X : ndarray shaped like ``Y``
    iterations : int

    Notes
    -----
    Each domestic block ``I - A^{rr}`` is LU-factorised once (``R n^3`` flops in all). The
    off-diagonal product is ``A x - A_d x``, so each sweep costs one dense matvec plus ``R``
    block solves.
    """
    A = np.asarray(A, dtype=np.float64)
    Ymat, was_vector = _as_matrix(Y)
    N = A.shape[0]
    if N % block_size:
        raise ValueError(f"block size {block_size} does not divide N = {N}")
    R = N // block_size
    slices = [slice(r * block_size, (r + 1) * block_size) for r in range(R)]
    factors = [lu_factor(np.eye(block_size) - A[s, s], check_finite=False) for s in slices]

    def apply_M1(V):
        out = np.empty_like(V)
        for s, f in zip(slices, factors, strict=True):
            out[s] = lu_solve(f, V[s], check_finite=False)
        return out

    X = apply_M1(Ymat)
    for it in range(1, max_iter + 1):
        AX = A @ X
        for s in slices:
            AX[s] -= A[s, s] @ X[s]
        X_new = apply_M1(Ymat + AX)
        change = np.abs(X_new - X).sum(axis=0)
        X = X_new
        if not np.all(np.isfinite(change)):
            raise NotProductiveError("block Jacobi diverges: rho(M1 (A - A_d)) >= 1")
        if np.all(change <= tol * np.maximum(np.abs(X).sum(axis=0), 1e-300)):
            return (X[:, 0] if was_vector else X), it
    raise NotConvergedError(
        f"block Jacobi did not converge in {max_iter} sweeps", iterations=max_iter
    )


def krylov_solve(A, Y, method="gmres", tol=1e-12, max_iter=1_000, restart=50):
    """Solve ``(I - A) X = Y`` column by column with GMRES or BiCGSTAB.

    Parameters
    ----------
    A : ndarray or scipy sparse matrix of shape (N, N)
    Y : ndarray of shape (N,) or (N, k)
    method : {"gmres", "bicgstab"}
    tol : float
        Relative residual ``||y - (I - A) x||_2 / ||y||_2`` to reach.
    max_iter : int
    restart : int
        GMRES restart length.

    Returns
    -------
    X : ndarray shaped like ``Y``
    iterations : int
        Largest iteration count over the columns.

    Notes
    -----
    The spectrum of ``I - A`` lies in the disc of radius ``rho(A)`` around 1, so Krylov methods
    converge fast (Saad & Schultz 1986; van der Vorst 1992). One Richardson correction
    ``x <- x + (y - (I - A) x)`` follows, as docs/methods/leontief.md, section "Iterative solvers" recommends.
    """
    Ymat, was_vector = _as_matrix(Y)
    N = Ymat.shape[0]
    Aop = A.tocsr() if sp.issparse(A) else np.asarray(A, dtype=np.float64)
    if not sp.issparse(Aop) and np.count_nonzero(Aop) < 0.10 * max(Aop.size, 1):
        Aop = sp.csr_array(Aop)  # sparse matvec: the cost choose_method assumes (2 nnz per iteration)

    def matvec(v):
        return v - Aop @ v

    op = spla.LinearOperator((N, N), matvec=matvec, dtype=np.float64)
    X = np.empty_like(Ymat)
    worst = 0
    for c in range(Ymat.shape[1]):
        y = Ymat[:, c]
        if not np.any(y):
            X[:, c] = 0.0
            continue
        count = [0]

        def callback(_arg, _count=count):
            _count[0] += 1

        if method == "gmres":
            x, info = spla.gmres(op, y, rtol=tol, atol=0.0, restart=restart, maxiter=max_iter,
                                 callback=callback, callback_type="pr_norm")
        elif method == "bicgstab":
            x, info = spla.bicgstab(op, y, rtol=tol, atol=0.0, maxiter=max_iter, callback=callback)
        else:
            raise ValueError(f"unknown Krylov method {method!r}; use 'gmres' or 'bicgstab'")
        if info > 0:
            raise NotConvergedError(
                f"{method} did not converge for right-hand side {c} in {info} iterations",
                iterations=int(info),
            )
        x = x + (y - matvec(x))
        X[:, c] = x
        worst = max(worst, count[0])
    return (X[:, 0] if was_vector else X), worst
