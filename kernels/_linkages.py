"""Linkage kernels: Perron eigenvectors (Dietzenbacher 1992) and intra-regional block inverses.

* :func:`perron_vector` -- left or right Perron eigenvector of a non-negative matrix by power
  iteration on the shifted matrix ``A + I`` (the shift makes an irreducible matrix primitive, so
  the iteration converges; the eigenvectors of ``A + I`` and ``A`` are the same).
* :func:`block_diagonal_inverse` -- ``M1 = (I - A_d)^-1`` of the block-diagonal (intra-regional)
  part of A, one LAPACK factorisation of an ``n x n`` block per region (Pyatt & Round 1979;
  docs/methods/dependency.md, section "Dependency matrix").

References
----------
Dietzenbacher, E. (1992). The measurement of interindustry linkages: key sectors in the
Netherlands. *Economic Modelling* 9, 419-437.
Pyatt, G. & Round, J. I. (1979). Accounting and fixed price multipliers in a social accounting
matrix framework. *Economic Journal* 89, 850-873.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy.linalg import lapack, lu_solve

from ._errors import NotConvergedError, SingularError

__all__ = ["perron_vector", "block_diagonal_inverse", "block_diagonal_solve"]


@njit(cache=True)
def _power_iteration(M, left, tol, max_iter):  # pragma: no cover - compiled
    n = M.shape[0]
    v = np.full(n, 1.0 / n)
    w = np.empty(n)
    lam = 0.0
    for it in range(1, max_iter + 1):
        # w = (A + I) v   (right)   or   w' = v' (A + I)   (left)
        if left:
            for j in range(n):
                s = v[j]
                for i in range(n):
                    s += M[i, j] * v[i]
                w[j] = s
        else:
            for i in range(n):
                s = v[i]
                for j in range(n):
                    s += M[i, j] * v[j]
                w[i] = s
        total = 0.0
        for i in range(n):
            total += w[i]
        lam = total - 1.0  # ||(A + I) v||_1 with ||v||_1 = 1 and v >= 0
        diff = 0.0
        for i in range(n):
            w[i] /= total
            diff += abs(w[i] - v[i])
            v[i] = w[i]
        if diff < tol:
            return v, lam, it, diff
    return v, lam, max_iter, diff


def perron_vector(A, left=True, tol=1e-12, max_iter=100_000):
    """Perron eigenvector and eigenvalue of a non-negative square matrix.

    Parameters
    ----------
    A : ndarray of shape (n, n), ``A >= 0``
    left : bool, default True
        ``p' A = rho p'`` (left) or ``A q = rho q`` (right).
    tol : float
        Stop when ``||v_k - v_{k-1}||_1 < tol`` with ``||v||_1 = 1`` (docs/methods/linkages.md).
    max_iter : int

    Returns
    -------
    vector : ndarray of shape (n,), non-negative, summing to one
    rho : float
        The Perron root (spectral radius) of A.
    iterations : int

    Raises
    ------
    NotConvergedError
        When the iteration cap is hit (e.g. a second eigenvalue of modulus close to rho).

    Notes
    -----
    Power iteration on ``A + I``: its dominant eigenvalue ``rho + 1`` is simple and strictly
    dominant for irreducible ``A >= 0`` (Berman & Plemmons 1994, ch. 2), and the eigenvector is
    that of A. With ``v >= 0``, ``||v||_1 = 1``, the eigenvalue estimate is ``||(A + I) v||_1 - 1``.
    """
    A = np.ascontiguousarray(A, dtype=np.float64)
    if A.shape[0] == 0:
        return np.zeros(0), 0.0, 0
    v, lam, iterations, diff = _power_iteration(A, bool(left), float(tol), int(max_iter))
    if diff >= tol:
        raise NotConvergedError(
            f"Perron power iteration did not converge in {max_iter} iterations (last change {diff:.3g})",
            iterations=iterations, residual=diff)
    return v, float(lam), int(iterations)


def _check_blocks(N, block_size):
    if block_size <= 0 or N % block_size:
        raise ValueError(f"block size {block_size} does not divide N = {N}")
    return N // block_size


def block_diagonal_inverse(A, block_size):
    """``M1 = (I - A_d)^-1`` for the block-diagonal part ``A_d`` of A (one region per block).

    Parameters
    ----------
    A : ndarray of shape (N, N)
    block_size : int
        Sectors per region ``n``; ``N = R n``.

    Returns
    -------
    M1 : ndarray of shape (N, N), zero outside the diagonal blocks.

    Raises
    ------
    SingularError
        When a block ``I - A^{rr}`` is singular (position of the first row of the block).
    """
    N = A.shape[0]
    R = _check_blocks(N, block_size)
    n = block_size
    M1 = np.zeros((N, N))
    eye = np.eye(n)
    for r in range(R):
        sl = slice(r * n, (r + 1) * n)
        M1[sl, sl] = _block_factor(A, sl, r * n)(eye)
    return M1


def block_diagonal_solve(A, block_size, rhs, transposed=False):
    """``(I - A_d)^-1 rhs`` (or ``rhs (I - A_d)^-1`` when ``transposed``) block by block.

    Parameters
    ----------
    A : ndarray of shape (N, N)
    block_size : int
    rhs : ndarray of shape (N,) or (N, k); with ``transposed`` of shape (N,) or (k, N)

    Returns
    -------
    ndarray shaped like ``rhs``.
    """
    N = A.shape[0]
    R = _check_blocks(N, block_size)
    n = block_size
    rhs = np.asarray(rhs, dtype=np.float64)
    work = rhs.T if (transposed and rhs.ndim == 2) else rhs
    out = np.empty_like(work)
    for r in range(R):
        sl = slice(r * n, (r + 1) * n)
        out[sl] = _block_factor(A, sl, r * n, trans=int(transposed))(work[sl])
    return out.T if (transposed and rhs.ndim == 2) else out


def _block_factor(A, sl, offset, trans=0):
    M = np.eye(sl.stop - sl.start) - A[sl, sl]
    lu, piv, info = lapack.dgetrf(M, overwrite_a=1)
    if info > 0:
        raise SingularError(f"intra-regional block I - A_rr is singular at position {offset + info - 1}",
                            positions=[offset + info - 1])
    return lambda b: lu_solve((lu, piv), b, trans=trans, check_finite=False)
