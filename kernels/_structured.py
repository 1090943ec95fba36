"""Leontief solves that use the trade-coefficient (Chenery-Moses) structure of a multi-regional A.

A multi-regional table estimated from a national one (Chenery-Moses; docs/methods/regional.md,
section "Assembly") has one trade share per product for every buyer in a destination region::

    A^{rs}_ij = t_i^{rs} a^s_ij ,   a^s = sum_r A^{rs}   (the technology of region s)

so ``A = P (+)_s a^s`` with ``P`` holding the ``R x R`` trade-share matrices ``t_i`` of the
products. A product ``A X`` then costs ``2 (R n^2 + n R^2) k`` flops instead of ``2 (R n)^2 k``
(for 40 regions x 81 sectors: 26 times fewer), and ``x = L y`` follows from the Neumann
iteration ``x_{m+1} = y + A x_m`` in a few dozen such products, far below the ``2/3 (R n)^3`` of
an LU factorisation when the right-hand sides are few. The structure is detected from ``A``
itself (:func:`mrio.kernels.trade_structure`) and checked entry by entry, so a table without it is never
solved this way. See docs/methods/leontief.md, section "Iterative solvers".

References
----------
Miller, R. E. & Blair, P. D. (2009), *Input-Output Analysis*, 2nd ed., sec. 3.4 (the
Chenery-Moses multiregional model) and sec. 2.4 (the power series).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._errors import NotConvergedError

__all__ = ["trade_structure", "trade_structured_matvec", "trade_structured_rmatvec", "trade_structured_solve"]

#: Largest entry-wise mismatch (relative to max |A|) for A to count as trade-structured.
STRUCTURE_RTOL = 64 * np.finfo(np.float64).eps


def trade_structure(A, n_regions, rtol=STRUCTURE_RTOL):
    """Trade shares and regional technologies of ``A`` if ``A^{rs} = diag(t^{rs}) a^s``; else ``None``.

    Parameters
    ----------
    A : ndarray of shape (R n, R n)
        Region-major input coefficients.
    n_regions : int
        ``R``.
    rtol : float
        Every entry must match ``t_i^{rs} a^s_ij`` to ``rtol * max |A|``.

    Returns
    -------
    (t, technology) or None
        ``t`` of shape ``(n, R, R)`` with ``t[i, r, s] = t_i^{rs}`` (``sum_r t[i, r, s] = 1``
        where region s buys product i), ``technology`` of shape ``(R, n, n)`` with
        ``technology[s] = a^s = sum_r A^{rs}``; ``None`` when some entry does not fit.

    Notes
    -----
    ``t_i^{rs} = sum_j A^{rs}_ij / sum_j a^s_ij`` (0 where region s buys none of product i).
    Cost: two compiled passes over ``A``; a table without the structure usually fails within
    the first rows of the check.
    """
    A = np.ascontiguousarray(A, dtype=np.float64)
    N = A.shape[0]
    R = int(n_regions)
    if R < 1 or N % R or A.shape != (N, N):
        return None
    n = N // R
    tech = np.zeros((R, n, n))  # a^s
    rows = np.zeros((n, R, R))  # sum_j A^{rs}_ij
    _structure_sums(A, R, n, tech, rows)
    bought = tech.sum(axis=2).T  # (i, s)
    t = np.zeros((n, R, R))
    np.divide(rows, bought[:, np.newaxis, :], out=t, where=bought[:, np.newaxis, :] > 0)
    largest = max(abs(float(A.max(initial=0.0))), abs(float(A.min(initial=0.0))))
    limit = rtol * max(largest, np.finfo(np.float64).tiny)
    if not _structure_fits(A, t, tech, limit):
        return None
    return t, tech


@njit(cache=True)
def _structure_sums(A, R, n, tech, rows):  # pragma: no cover - compiled
    """``tech[s, i, j] = sum_r A^{rs}_ij`` and ``rows[i, r, s] = sum_j A^{rs}_ij`` in one pass."""
    for r in range(R):
        for i in range(n):
            a = A[r * n + i]
            for s in range(R):
                total = 0.0
                for j in range(n):
                    v = a[s * n + j]
                    tech[s, i, j] += v
                    total += v
                rows[i, r, s] = total


@njit(cache=True)
def _structure_fits(A, t, tech, limit):  # pragma: no cover - compiled
    """Whether every ``|A^{rs}_ij - t_i^{rs} a^s_ij| <= limit`` (stops at the first misfit)."""
    n, R, _ = t.shape
    for r in range(R):
        for i in range(n):
            a = A[r * n + i]
            for s in range(R):
                share = t[i, r, s]
                for j in range(n):
                    if abs(a[s * n + j] - share * tech[s, i, j]) > limit:
                        return False
    return True


def trade_structured_matvec(t, technology, X):
    """Return ``A X`` for a trade-structured ``A``, ``X`` of shape (R n, k).

    ``(A X)^r_i = sum_s t_i^{rs} (a^s X^s)_i`` with ``t`` and ``technology`` from
    :func:`mrio.kernels.trade_structure`: ``2 (R n^2 + n R^2) k`` flops.
    """
    R, n, _ = technology.shape
    X3 = np.asarray(X, dtype=np.float64).reshape(R, n, -1)
    W = np.matmul(technology, X3)  # (s, i, k): a^s x^s
    out = np.matmul(t, W.transpose(1, 0, 2))  # (i, r, k): sum_s t_i^{rs} (a^s x^s)_i
    return out.transpose(1, 0, 2).reshape(R * n, -1)


def trade_structured_rmatvec(t, technology, W):
    """Return ``A^T W`` for a trade-structured ``A``, ``W`` of shape (R n, k).

    ``(A^T W)^s_j = sum_i a^s_ij sum_r t_i^{rs} W^r_i`` with ``t`` and ``technology`` from
    :func:`mrio.kernels.trade_structure`: the transpose of :func:`trade_structured_matvec`, at the
    same cost.
    """
    R, n, _ = technology.shape
    W3 = np.asarray(W, dtype=np.float64).reshape(R, n, -1)
    U = np.matmul(t.transpose(0, 2, 1), W3.transpose(1, 0, 2))  # (i, s, k): sum_r t_i^{rs} W^r_i
    out = np.matmul(technology.transpose(0, 2, 1), U.transpose(1, 0, 2))  # (s, j, k)
    return out.reshape(R * n, -1)


def trade_structured_solve(t, technology, Y, tol=1e-14, max_iter=1_000, transposed=False):
    """Solve ``(I - A) X = Y`` for trade-structured ``A`` by the Neumann iteration ``X <- Y + A X``.

    Parameters
    ----------
    t, technology : ndarray
        From :func:`mrio.kernels.trade_structure`.
    Y : ndarray of shape (R n,) or (R n, k)
    tol : float
        Stop when every column's residual ``max |Y - (I - A) X|`` is at most ``tol`` times the
        column's ``max |Y|``.
    max_iter : int
    transposed : bool, default False
        Solve ``(I - A)' X = Y`` instead (``X <- Y + A' X`` with :func:`trade_structured_rmatvec`):
        the rows ``Y' L`` of total intensities.

    Returns
    -------
    X : ndarray of the shape of ``Y``
    iterations : int
    residual : float
        The largest relative column residual reached.

    Raises
    ------
    NotConvergedError
        ``max_iter`` reached (e.g. ``rho(A) >= 1``: the system is not productive).

    Notes
    -----
    With ``A >= 0`` the iteration converges iff ``rho(A) < 1`` (Miller & Blair 2009, sec. 2.4),
    at the rate ``rho(A)`` per step; each step costs one structured product.
    """
    Y = np.asarray(Y, dtype=np.float64)
    vector = Y.ndim == 1
    Y2 = Y.reshape(-1, 1) if vector else Y
    scale = np.abs(Y2).max(axis=0, initial=0.0)
    scale = np.where(scale > 0, scale, 1.0)
    X = Y2.copy()
    residual = np.inf
    product = trade_structured_rmatvec if transposed else trade_structured_matvec
    for it in range(1, max_iter + 1):
        nxt = Y2 + product(t, technology, X)
        residual = float((np.abs(nxt - X).max(axis=0, initial=0.0) / scale).max(initial=0.0))
        X = nxt
        if not np.isfinite(residual):
            break
        if residual <= tol:
            return (X[:, 0] if vector else X), it, residual
    raise NotConvergedError(f"the Neumann iteration on the trade-structured A did not reach {tol:.3g} in "
                            f"{max_iter} steps (relative residual {residual:.3g}); rho(A) may be >= 1",
                            iterations=max_iter, residual=residual)
