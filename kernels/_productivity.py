"""Productivity (Hawkins-Simon) checks and the spectral radius of A.

For ``A >= 0`` the following are equivalent (Hawkins & Simon 1949; Miller & Blair 2009, ch. 2
appendix): ``rho(A) < 1``; ``(I - A)^-1`` exists and is ``>= 0``; there is ``x > 0`` with
``(I - A) x > 0``. The last form gives an exact, cheap certificate once ``I - A`` is factorised:
solve ``(I - A) z = 1``; the system is productive iff every ``z_i > 0`` (then ``x = z`` is the
witness, since ``(I - A) z = 1 > 0``). That costs one solve, ``2 n^2`` flops.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg as spla

from ._errors import NotProductiveError

__all__ = ["column_sum_offenders", "spectral_radius", "certify_productive"]


def column_sum_offenders(A):
    """Positions ``j`` with ``sum_i a_ij >= 1`` (zero or negative value added)."""
    return np.flatnonzero(A.sum(axis=0) >= 1.0)


def spectral_radius(A, tol=1e-12, max_iter=2000):
    """Spectral radius ``rho(A)``.

    Parameters
    ----------
    A : ndarray of shape (n, n)
    tol : float
        Stop when the Collatz-Wielandt bounds are within ``tol`` of each other.
    max_iter : int

    Returns
    -------
    float

    Notes
    -----
    For ``A >= 0``: power iteration on ``A' + I`` (the shift makes it aperiodic) with the
    Collatz-Wielandt bounds ``min_i (A'v)_i / v_i <= rho <= max_i (A'v)_i / v_i``
    (Berman & Plemmons 1994, ch. 2), seeded by the Frobenius bounds (min and max column sum).
    If the bounds do not meet (reducible A), or A has negative entries, ARPACK (``eigs``) or a
    dense eigen-solver gives the answer.
    """
    A = np.asarray(A, dtype=np.float64)
    n = A.shape[0]
    if n == 0:
        return 0.0
    if A.min() >= 0.0:
        colsum = A.sum(axis=0)
        lo, hi = float(colsum.min()), float(colsum.max())
        if hi - lo <= tol:
            return hi
        v = np.ones(n)
        for _ in range(max_iter):
            w = A.T @ v
            positive = v > 0
            if not positive.all():
                break
            ratio = w / v
            lo, hi = max(lo, float(ratio.min())), min(hi, float(ratio.max()))
            if hi - lo <= tol * max(1.0, hi):
                return 0.5 * (lo + hi)
            v = w + v
            v /= v.max()
    if n <= 600:
        return float(np.abs(np.linalg.eigvals(A)).max())
    vals = spla.eigs(A, k=1, which="LM", return_eigenvectors=False, tol=tol)
    return float(np.abs(vals).max())


def certify_productive(factor, A):
    """Raise :class:`NotProductiveError` unless ``I - A`` with ``A >= 0`` is productive.

    Parameters
    ----------
    factor : LeontiefFactor
        Factorisation of ``I - A``.
    A : ndarray of shape (n, n)

    Returns
    -------
    z : ndarray of shape (n,)
        ``L 1``, the certificate (all entries >= 1 for a productive system).

    Notes
    -----
    See the module docstring: ``z = (I - A)^-1 1 > 0`` iff ``rho(A) < 1`` when ``A >= 0``.
    """
    n = A.shape[0]
    z = factor.solve(np.ones(n))
    bad = np.flatnonzero(~(z > 0))
    if bad.size:
        rho = spectral_radius(A)
        offenders = column_sum_offenders(A)
        raise NotProductiveError(
            f"the system is not productive: spectral radius of A is {rho:.6g} (must be < 1); "
            f"(I - A)^-1 has negative entries in rows {bad[:10].tolist()}",
            positions=offenders.tolist() or bad.tolist(),
            spectral_radius=rho,
        )
    return z
