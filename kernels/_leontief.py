"""Dense Leontief and Ghosh kernels: coefficients, LU factorisation reused for many solves.

All functions take and return float64 numpy arrays. Inputs are never modified unless a
parameter says so. The strategy follows docs/methods/leontief.md, section "Solving instead of inverting":
factor ``I - A`` once with
LAPACK (``getrf``), reuse the factors for any number of right-hand sides (``getrs``), and form
the explicit inverse (``getrs`` on the identity) only when every entry of ``L`` is wanted.

References
----------
Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis: Foundations and Extensions*,
2nd ed., Cambridge University Press, ch. 2 (Leontief), ch. 12 (Ghosh).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import lapack, lu_solve, norm

from ._errors import SingularError

__all__ = [
    "safe_divide",
    "technical_coefficients",
    "allocation_coefficients",
    "LeontiefFactor",
    "leontief_inverse",
    "ghosh_inverse_from_leontief",
]

# Reciprocal condition number below which I - A is treated as numerically singular.
RCOND_SINGULAR = 1e3 * np.finfo(np.float64).eps


def safe_divide(numerator, denominator):
    """Elementwise ``numerator / denominator`` with the rule ``z / 0 := 0``.

    Parameters
    ----------
    numerator : ndarray
    denominator : ndarray, broadcastable to ``numerator``

    Returns
    -------
    ndarray of float64, shape of the broadcast.

    Notes
    -----
    Used for ``A = Z x^-1`` with zero-output industries (docs/methods/leontief.md, section "Productivity";
    pymrio sets
    ``1/x`` with ``inf -> 0`` to the same effect).
    """
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    if denominator.size <= numerator.size and np.all(denominator != 0):
        return numerator / denominator  # common case: one pass, no zero-filled buffer
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape))
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def technical_coefficients(Z, x):
    """Input (technical) coefficients ``A = Z x^-1``, ``a_ij = z_ij / x_j``.

    Parameters
    ----------
    Z : ndarray of shape (n, n)
        Intermediate flows, rows selling to columns.
    x : ndarray of shape (n,)
        Gross output.

    Returns
    -------
    A : ndarray of shape (n, n); columns with ``x_j = 0`` are zero.
    """
    return safe_divide(Z, x[np.newaxis, :])


def allocation_coefficients(Z, x):
    """Output (allocation, Ghosh) coefficients ``B = x^-1 Z``, ``b_ij = z_ij / x_i``.

    Returns
    -------
    B : ndarray of shape (n, n); rows with ``x_i = 0`` are zero.
    """
    return safe_divide(Z, x[:, np.newaxis])


def _i_minus(A):
    """Return a fresh Fortran-ordered ``I - A`` (one n-by-n allocation, factorised in place)."""
    M = np.negative(A, order="F")  # LAPACK is column-major: factor without another copy
    M[np.diag_indices_from(M)] += 1.0
    return M


class LeontiefFactor:
    """LU factorisation of ``I - A`` reused for any number of Leontief solves.

    Parameters
    ----------
    A : ndarray of shape (n, n)
        Input coefficients. Not modified; one n-by-n array holds the factors.

    Attributes
    ----------
    n : int
    rcond : float
        LAPACK ``gecon`` estimate of the reciprocal condition number of ``I - A`` (1-norm; the
        infinity norm when ``A`` is C-ordered and its transpose is factorised).

    Raises
    ------
    SingularError
        If ``I - A`` is singular or its reciprocal condition number is below ~2e-13.

    Notes
    -----
    ``x = L y`` is ``(I - A) x = y`` (``getrs``); ``m' = s' L`` is ``(I - A)' m = s``
    (``getrs`` with ``trans=1``). Cost: ``2/3 n^3`` once, ``2 n^2`` per right-hand side
    (docs/methods/leontief.md, section "Solving instead of inverting").
    """

    def __init__(self, A):
        A = np.asarray(A, dtype=np.float64)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be square, got shape {A.shape}")
        self.n = A.shape[0]
        # A C-ordered I - A is (I - A)' in Fortran order: factor that, without a transposing copy,
        # and swap the trans flag of every solve (``_transposed``). diag(L) is unaffected.
        self._transposed = bool(A.flags.c_contiguous and self.n)
        if self._transposed:
            M = np.negative(A)
            M[np.diag_indices_from(M)] += 1.0
            M = M.T
        else:
            M = _i_minus(A)
        anorm = norm(M, 1, check_finite=False) if self.n else 0.0  # LAPACK lange: no n x n temporary
        self._lu, self._piv = _lu_factor_checked(M)
        if self.n:
            rcond, info = lapack.dgecon(self._lu, anorm, norm="1")
            self.rcond = float(rcond)
            if info != 0 or not np.isfinite(self.rcond) or self.rcond < RCOND_SINGULAR:
                raise SingularError(
                    f"I - A is numerically singular (reciprocal condition number {self.rcond:.3g})"
                )
        else:
            self.rcond = 1.0

    @property
    def transposed(self) -> bool:
        """True when :attr:`lu_factors` factorise ``(I - A)'`` (a C-ordered ``A``), not ``I - A``."""
        return self._transposed

    @property
    def lu_factors(self):
        """``(lu, piv)`` from LAPACK ``getrf`` (read-only view; for kernels needing the factors)."""
        lu = self._lu.view()
        lu.flags.writeable = False
        return lu, self._piv

    def solve(self, Y):
        """Solve ``(I - A) X = Y``, i.e. ``X = L Y``.

        Parameters
        ----------
        Y : ndarray of shape (n,) or (n, k)

        Returns
        -------
        X : ndarray of the same shape as ``Y``.
        """
        Y = np.asarray(Y, dtype=np.float64)
        return lu_solve((self._lu, self._piv), Y, trans=int(self._transposed), check_finite=False)

    def solve_transposed(self, S):
        """Row-vector products ``S L`` for the rows of ``S``: solve ``(I - A)' M' = S'``.

        Parameters
        ----------
        S : ndarray of shape (n,) or (k, n)
            Intensities (value added, employment, ... per unit of output).

        Returns
        -------
        M : ndarray of the same shape as ``S``; ``M = S L``.
        """
        S = np.asarray(S, dtype=np.float64)
        trans = 0 if self._transposed else 1
        if S.ndim == 1:
            return lu_solve((self._lu, self._piv), S, trans=trans, check_finite=False)
        return lu_solve((self._lu, self._piv), S.T, trans=trans, check_finite=False).T

    def columns(self, positions):
        """Columns ``L[:, positions]`` by solving with unit vectors (no inverse formed)."""
        positions = np.asarray(positions, dtype=np.int64)
        E = np.zeros((self.n, positions.size))
        E[positions, np.arange(positions.size)] = 1.0
        return self.solve(E)

    def rows(self, positions):
        """Rows ``L[positions, :]`` by transposed solves with unit vectors."""
        positions = np.asarray(positions, dtype=np.int64)
        E = np.zeros((positions.size, self.n))
        E[np.arange(positions.size), positions] = 1.0
        return self.solve_transposed(E)

    def inverse(self):
        """Explicit ``L = (I - A)^-1`` from the stored factors (one n-by-n array, C-ordered)."""
        if self.n == 0:
            return np.zeros((0, 0))
        return _inverse_from_lu(self._lu, self._piv, trans=0 if self._transposed else 1)


def _lu_factor_checked(M):
    """``lu_factor`` in place, turning an exactly zero pivot into :class:`SingularError`."""
    if M.shape[0] == 0:
        return M, np.zeros(0, dtype=np.int32)
    lu, piv, info = lapack.dgetrf(M, overwrite_a=1)
    if info > 0:
        raise SingularError(
            f"I - A is exactly singular: zero pivot at position {info - 1}", positions=[info - 1]
        )
    if info < 0:  # pragma: no cover - argument error inside LAPACK
        raise ValueError(f"LAPACK getrf argument {-info} is invalid")
    return lu, piv


def leontief_inverse(A):
    """Explicit Leontief inverse ``L = (I - A)^-1`` with one n-by-n allocation.

    Parameters
    ----------
    A : ndarray of shape (n, n)

    Returns
    -------
    L : ndarray of shape (n, n), C-ordered

    Notes
    -----
    ``getrf`` in place on a single copy of ``I - A`` (C-ordered input: its transpose, read in
    Fortran order, so no transposing copy), then ``getrs`` on the identity (two n-by-n
    arrays at the peak, as ``numpy.linalg.inv``; ``getri`` needs one but is twice as slow). Prefer
    :class:`LeontiefFactor` when only products ``L y`` or ``s' L`` are needed.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be square, got shape {A.shape}")
    if A.shape[0] == 0:
        return np.zeros((0, 0))
    if not A.flags.c_contiguous:
        lu, piv = _lu_factor_checked(_i_minus(A))
        return _inverse_from_lu(lu, piv)
    # C-ordered I - A is (I - A)' in Fortran order: factor that (no transposing copy), then
    # solving with the factors of (I - A)' and trans=0 gives X = ((I - A)')^-1 = L', Fortran order.
    M = np.negative(A)
    M[np.diag_indices_from(M)] += 1.0
    lu, piv = _lu_factor_checked(M.T)
    return _inverse_from_lu(lu, piv, trans=0)


def _inverse_from_lu(lu, piv, trans=1):
    """``(I - A)^-1`` from ``getrf`` factors: ``getrs`` on the identity, transposed.

    ``getrs`` (BLAS-3 triangular solves) ran twice as fast as ``getri`` with OpenBLAS at
    N = 3,000-5,000. Solving ``(I - A)' X = I`` gives ``X = L'`` in Fortran order, so ``X.T`` is
    ``L`` in C order without another copy. ``trans=1`` when ``lu`` factors ``I - A``; ``trans=0``
    when it factors ``(I - A)'``.
    """
    eye = np.eye(lu.shape[0], order="F")
    X, info = lapack.dgetrs(lu, piv, eye, trans=trans, overwrite_b=1)
    if info != 0:  # pragma: no cover - argument error inside LAPACK
        raise SingularError(f"LAPACK getrs failed with info={info}")
    return X.T


def ghosh_inverse_from_leontief(L, x):
    """Ghosh inverse ``G = x^-1 L x`` (``g_ij = l_ij x_j / x_i``; rows with ``x_i = 0`` give 0).

    Parameters
    ----------
    L : ndarray of shape (n, n)
    x : ndarray of shape (n,)
        Gross output; must be 1-D (an (n, 1) column would broadcast wrongly, the pymrio
        ``calc_G`` pitfall).

    Returns
    -------
    G : ndarray of shape (n, n)

    Notes
    -----
    ``G = (I - B)^-1 = x^-1 L x`` because ``B = x^-1 A x`` (Miller & Blair 2009, sec. 12.1).
    Rows of inactive industries (``x_i = 0``) are set to the unit row, as ``(I - B)^-1`` with
    ``B``'s zero row gives.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be a 1-D vector, got shape {x.shape}")
    G = L * x[np.newaxis, :]  # one n-by-n result, scaled in place below
    inactive = np.flatnonzero(x == 0)
    G /= np.where(x == 0, 1.0, x)[:, np.newaxis]
    G[inactive, :] = 0.0
    G[inactive, inactive] = 1.0
    return G
