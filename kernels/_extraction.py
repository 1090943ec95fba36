"""Hypothetical extraction (HEM) from one factorisation of ``I - A``.

Closed forms (Sherman & Morrison 1950; Woodbury 1950; Sonis & Hewings 1989; Temurshoev 2010;
docs/methods/extraction.md). With ``L = (I - A)^-1``, ``d = diag(L)``, ``x = L y``, a weight vector ``w``
(ones for output, value added or employment per unit of output), ``c = w'L`` and
``h = L (w * x)``, the losses ``w'(x - x_bar)`` of extracting industry j with share ``theta``
(``theta = 1``: full extraction; Dietzenbacher & Lahr 2013 for partial) are:

* backward (column j of A scaled by ``1 - theta``, demand-driven):
  ``theta x_j (c_j - w_j) / (1 + theta (d_j - 1))``;
* forward (row j of B scaled by ``1 - theta``, supply-driven Ghosh model, ``x_bar' = v'G_bar``):
  ``theta (h_j - w_j x_j) / (1 + theta (d_j - 1))``;
* total (row and column j of A and final demand ``y_j`` scaled by ``1 - theta``): a rank-two
  Woodbury update whose 2 x 2 capacitance matrix needs only ``d_j``, ``a_jj``, ``c_j``, ``x_j``,
  ``y_j``; with ``theta = 1`` it is the deletion of j (Miller & Blair 2009, sec. 12.2).

All industries at once cost one ``diag(L)`` (two triangular inverses of the LU factors,
``2/3 N^3`` flops, about one factorisation), one transposed and one plain solve per weight
vector, and an O(N) ``prange`` loop -- instead of N re-factorisations (``O(N^4)``).

Sets of industries or arbitrary blocks of A use the Woodbury identity
``(I - A + U W')^-1 = L - L U (I + W' L U)^-1 W' L`` with ``m = min(|rows|, |cols|)`` solves per
block (:func:`block_extraction`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from scipy.linalg import lapack
from threadpoolctl import threadpool_limits

from ._errors import SingularError

__all__ = ["leontief_diagonal", "leontief_blocks", "hem_all", "hem_sets", "block_extraction",
           "set_extraction", "extraction_matrix"]


@njit(cache=True, parallel=True)
def _diag_from_inverse_factors(UiT, Li, inv_perm):  # pragma: no cover - compiled
    # inv(M) = U^-1 L^-1 Q with M[perm] = L U; diag_j = sum_k Ui[j, k] Li[k, inv_perm[j]].
    # UiT = (U^-1)' and Li are Fortran-ordered, so both factors run down contiguous columns.
    N = UiT.shape[0]
    out = np.empty(N)
    for j in prange(N):
        q = inv_perm[j]
        start = j if j > q else q
        s = 0.0
        for k in range(start, N):
            lik = 1.0 if k == q else Li[k, q]
            s += UiT[k, j] * lik
        out[j] = s
    return out


def _inverse_triangles(factor):
    """``(U^-1)'``, ``L_f^-1`` and the inverse row permutation of ``P (I - A) = L_f U_f``.

    Only the lower triangles of both returned arrays are meaningful (LAPACK ``trtri`` leaves the
    other factor's entries above the diagonal; ``L_f^-1`` has a unit diagonal that is not stored).
    """
    lu, piv = factor.lu_factors
    N = lu.shape[0]
    # (U^-1)' = (U')^-1: invert the lower triangle of lu' (an F-ordered copy of the transpose)
    UiT, info_u = lapack.dtrtri(lu.T, lower=1, unitdiag=0)
    Li, info_l = lapack.dtrtri(lu, lower=1, unitdiag=1)
    if info_u > 0 or info_l > 0:
        raise SingularError(f"triangular factor is singular at position {max(info_u, info_l) - 1}",
                            positions=[max(info_u, info_l) - 1])
    perm = np.arange(N)
    for i, p in enumerate(piv):  # LAPACK row interchanges, applied in order
        perm[i], perm[p] = perm[p], perm[i]
    inv_perm = np.empty(N, dtype=np.int64)
    inv_perm[perm] = np.arange(N)
    return UiT, Li, inv_perm


def leontief_diagonal(factor):
    """``diag(L)`` from the LU factors of ``I - A`` without forming L.

    Parameters
    ----------
    factor : LeontiefFactor

    Returns
    -------
    ndarray of shape (N,)

    Notes
    -----
    With ``P (I - A) = L_f U_f`` (LAPACK ``getrf``), ``(I - A)^-1 = U_f^-1 L_f^-1 P``; the two
    triangular inverses (``trtri``, ``N^3 / 3`` flops each) give the diagonal in O(N^2).
    """
    if factor.lu_factors[0].shape[0] == 0:
        return np.zeros(0)
    UiT, Li, inv_perm = _inverse_triangles(factor)
    return _diag_from_inverse_factors(UiT, Li, inv_perm)


def leontief_blocks(factor, sets, L=None):
    """Return the diagonal blocks ``L[S, S]`` of ``L = (I - A)^-1`` for index sets ``S``, without L.

    Parameters
    ----------
    factor : LeontiefFactor
    sets : sequence of integer arrays
        Index sets (e.g. the industries of each region); they may overlap.
    L : ndarray of shape (N, N), optional
        The explicit inverse, when already formed: the blocks are read from it.

    Returns
    -------
    list of ndarray of shape (len(S), len(S))

    Notes
    -----
    ``L[i, j] = sum_k (U_f^-1)[i, k] (L_f^-1)[k, p(j)]`` with ``p`` the inverse row permutation
    (see :func:`leontief_diagonal`): after the two triangular inverses (``2/3 N^3`` flops, a
    third of forming L by ``N`` solves), each block is one ``|S| x N x |S|`` product. When the
    factors are those of ``(I - A)'`` (:attr:`LeontiefFactor.transposed`) the block is transposed.
    """
    sets = [np.asarray(S, dtype=np.int64) for S in sets]
    if L is not None:
        return [np.array(L[np.ix_(S, S)]) for S in sets]
    N = factor.lu_factors[0].shape[0]
    if N == 0:
        return [np.zeros((S.size, S.size)) for S in sets]
    UiT, Li, inv_perm = _inverse_triangles(factor)
    with threadpool_limits(1, user_api="blas"):  # small products: threads only wait for each other
        return [_inverse_block(UiT, Li, inv_perm, S, factor.transposed) for S in sets]


def _inverse_block(UiT, Li, inv_perm, S, transposed):
    """``L[S, S]`` from the triangular inverses (see :func:`leontief_blocks`)."""
    N = UiT.shape[0]
    q = inv_perm[S]
    if S.size == 0:
        return np.zeros((0, 0))
    # both factors are lower triangular: rows above max(min S, min q) contribute nothing
    start = int(max(S.min(), q.min()))
    k = np.arange(start, N)[:, None]
    Ucols = UiT[start:, S]
    Ucols[k < S[None, :]] = 0.0          # (U^-1)' is lower triangular
    Lcols = Li[start:, q]
    Lcols[k < q[None, :]] = 0.0          # L_f^-1 is unit lower triangular
    on_diagonal = q >= start
    Lcols[q[on_diagonal] - start, np.flatnonzero(on_diagonal)] = 1.0
    block = Ucols.T @ Lcols              # a block of the inverse of the factorised matrix
    return block.T.copy() if transposed else block


def hem_sets(blocks, A, sets, x, y, w, c, h, q, theta=1.0):
    """Backward, forward and total extraction losses of each set of industries, from ``L[S, S]`` only.

    Parameters
    ----------
    blocks : sequence of ndarray
        ``L[S, S]`` for each set (:func:`leontief_blocks`).
    A : ndarray of shape (N, N)
    sets : sequence of integer arrays
        The sets extracted one at a time (each region, each sector in every region...).
    x, y : ndarray of shape (N,)
        Gross output and total final demand (``x = L y``).
    w : ndarray of shape (N,)
        Loss weights (ones: output; value-added or employment coefficients).
    c : ndarray of shape (N,)
        ``w'L`` (one transposed solve).
    h : ndarray of shape (N,)
        ``L (w * x)`` (one solve).
    q : ndarray of shape (N,)
        ``v'L`` with ``v`` the primary-input coefficients (one transposed solve; ones for active
        industries).
    theta : float in (0, 1]

    Returns
    -------
    backward, forward, total : ndarray of shape (len(sets),)
        ``w'(x - x_bar)`` for each set extracted on its own, equal to :func:`block_extraction`
        with the blocks of :mod:`mrio.analysis.extraction`.

    Notes
    -----
    The Woodbury updates of :func:`block_extraction` with ``L A = A L = L - I`` reduce to
    ``s x s`` algebra (``s = |S|``, ``D = L[S, S]``, ``K = I + theta (D - I)``):

    * backward (columns S of A scaled): loss ``theta (c_S - w_S)' K^-1 x_S``;
    * forward (rows S of B scaled, Ghosh): loss ``w'x - w'(q * x) + theta q_S' K^-1 (h_S - w_S x_S)``;
    * total (rows and columns S and ``y_S`` scaled): the rank-``2s`` update with capacitance
      ``[[K, theta^2 G], [D, I + theta G]]``, ``G = D - I - D A_SS``, right-hand side
      ``[theta (z_S - y_bar_S), z_S]`` with ``z_S = x_S - theta D y_S`` and weights
      ``[c_S, theta (c_S - w_S - A_SS' c_S)]``: loss ``theta c_S' y_S + g' C^-1 r``.

    Each set costs O(s^3) after the blocks: no solve with the N x N system.
    """
    theta = float(theta)
    wx = float(w @ x)
    forward_base = wx - float(w @ (q * x))
    backward = np.empty(len(sets))
    forward = np.empty(len(sets))
    total = np.empty(len(sets))
    with threadpool_limits(1, user_api="blas"):  # s x s algebra: threads only wait for each other
        for k, (D, S) in enumerate(zip(blocks, sets, strict=True)):
            backward[k], forward[k], total[k] = _set_losses(D, np.asarray(S, dtype=np.int64), A, x, y, w, c,
                                                            h, q, theta, forward_base)
    return backward, forward, total


def _set_losses(D, S, A, x, y, w, c, h, q, theta, forward_base):
    """Backward, forward and total losses of one set (see :func:`hem_sets`)."""
    s = S.size
    eye = np.eye(s)
    K = eye + theta * (D - eye)
    xs, ys, ws, cs, hs, qs = x[S], y[S], w[S], c[S], h[S], q[S]
    backward = theta * float((cs - ws) @ _solve_small(K, xs))
    forward = forward_base + theta * float(_solve_small(K.T, qs) @ (hs - ws * xs))
    Ass = A[np.ix_(S, S)]
    G = D - eye - D @ Ass
    C = np.block([[K, theta * theta * G], [D, eye + theta * G]])
    zs = xs - theta * (D @ ys)
    r = np.concatenate([theta * (zs - (1.0 - theta) * ys), zs])
    g = np.concatenate([cs, theta * (cs - ws - cs @ Ass)])
    total = theta * float(cs @ ys) + float(g @ _solve_small(C, r))
    return backward, forward, total


@njit(cache=True, parallel=True)
def _hem_all(d, a, x, y, w, c, h, theta, backward, forward, total):  # pragma: no cover - compiled
    N = d.shape[0]
    wx = 0.0
    cy = 0.0
    for i in range(N):
        wx += w[i] * x[i]
        cy += c[i] * y[i]
    for j in prange(N):
        den = 1.0 + theta * (d[j] - 1.0)
        backward[j] = theta * x[j] * (c[j] - w[j]) / den
        forward[j] = theta * (h[j] - w[j] * x[j]) / den
        # total: U = [e_j, theta (a_.j - a_jj e_j)], W = [theta a_j.', e_j],
        # y_bar = y - theta y_j e_j; w'x_bar = w'L y_bar - (w'LU) K^-1 (W' L y_bar)
        lj = d[j]
        ajj = a[j]
        k11 = 1.0 + theta * (lj - 1.0)
        k12 = theta * theta * (lj - 1.0 - ajj * lj)
        k21 = lj
        k22 = 1.0 + theta * (lj - 1.0 - ajj * lj)
        z1 = theta * ((x[j] - y[j]) - theta * y[j] * (lj - 1.0))
        z2 = x[j] - theta * y[j] * lj
        g1 = c[j]
        g2 = theta * (c[j] - w[j] - ajj * c[j])
        det = k11 * k22 - k12 * k21
        s1 = (k22 * z1 - k12 * z2) / det
        s2 = (-k21 * z1 + k11 * z2) / det
        remaining = (wx - theta * y[j] * c[j]) - (g1 * s1 + g2 * s2)
        total[j] = wx - remaining
    return cy


def hem_all(d, a_diag, x, y, w, c, h, theta=1.0):
    """Backward, forward and total extraction losses of every single industry.

    Parameters
    ----------
    d : ndarray of shape (N,)
        ``diag(L)`` (:func:`leontief_diagonal`).
    a_diag : ndarray of shape (N,)
        ``diag(A)``.
    x, y : ndarray of shape (N,)
        Gross output and total final demand (``x = L y``).
    w : ndarray of shape (N,)
        Weights of the loss (ones: output; value-added or employment coefficients).
    c : ndarray of shape (N,)
        ``w'L`` (one transposed solve).
    h : ndarray of shape (N,)
        ``L (w * x)`` (one solve).
    theta : float in (0, 1]
        Extracted share.

    Returns
    -------
    backward, forward, total : ndarray of shape (N,)
        ``w'(x - x_bar)`` for each industry extracted on its own.
    """
    N = d.shape[0]
    backward, forward, total = np.empty(N), np.empty(N), np.empty(N)
    args = [np.ascontiguousarray(v, dtype=np.float64) for v in (d, a_diag, x, y, w, c, h)]
    _hem_all(*args, float(theta), backward, forward, total)
    return backward, forward, total


def set_extraction(factor, A, S, kinds, theta=1.0, y=None, v=None, x=None):
    """Output after extracting the industries ``S`` backward, forward and/or in total, from ``L[:, S]``.

    Parameters
    ----------
    factor : LeontiefFactor
    A : ndarray of shape (N, N)
    S : integer array
        The extracted industries.
    kinds : sequence of {"backward", "forward", "total"}
    theta : float
        Extracted share.
    y : ndarray of shape (N,)
        Final demand (backward, total).
    v, x : ndarray of shape (N,)
        Primary-input coefficients and gross output (forward, supply-driven).

    Returns
    -------
    dict kind -> ndarray of shape (N,)
        ``x_bar`` as :func:`block_extraction` gives it for the blocks of each kind (backward:
        columns S; forward: rows S of B; total: rows and columns S and ``y_S``).

    Notes
    -----
    With ``C = L[:, S]`` (``s`` solves, shared by every kind), ``R = L[S, :]`` (``s`` transposed
    solves, forward only), ``D = L[S, S]`` and ``L A = A L = L - I``, every Woodbury factor is
    known: backward ``P = theta (C - E_S)``; forward ``P = C``, ``W'L = theta (R - E_S')``; total
    ``P = [C, theta (C - E_S - C A_SS)]`` with the capacitance matrix of :func:`hem_sets`.
    """
    S = np.asarray(S, dtype=np.int64)
    s = S.size
    N = A.shape[0]
    theta = float(theta)
    C = factor.columns(S)
    D = C[S, :]
    eye = np.eye(s)
    K = eye + theta * (D - eye)
    E = np.zeros((N, s))
    E[S, np.arange(s)] = 1.0
    out = {}
    for kind in kinds:
        if kind == "backward":
            z = factor.solve(y)
            out[kind] = z - (theta * (C - E)) @ _solve_small(K, z[S])
        elif kind == "forward":
            q = factor.solve_transposed(v)
            WtL = theta * (factor.rows(S) - E.T)
            out[kind] = (q - _solve_small(K.T, q[S]) @ WtL) * x
        elif kind == "total":
            y_bar = np.array(y, dtype=np.float64, copy=True)
            y_bar[S] *= 1.0 - theta
            z = factor.solve(y_bar)
            Ass = A[np.ix_(S, S)]
            G = D - eye - D @ Ass
            cap = np.block([[K, theta * theta * G], [D, eye + theta * G]])
            P = np.hstack([C, theta * (C - E - C @ Ass)])
            Wz = np.concatenate([theta * (z[S] - y_bar[S]), z[S]])
            out[kind] = z - P @ _solve_small(cap, Wz)
        else:
            raise ValueError(f"unknown extraction kind {kind!r}")
    return out


def _block_factors(A, rows, cols, theta):
    """``U``, ``W`` (N x m) with ``theta * A[rows][:, cols]`` embedded = ``U W'``; m = min size."""
    N = A.shape[0]
    block = A[np.ix_(rows, cols)] * theta
    if cols.size <= rows.size:
        U = np.zeros((N, cols.size))
        U[rows, :] = block
        W = np.zeros((N, cols.size))
        W[cols, np.arange(cols.size)] = 1.0
    else:
        U = np.zeros((N, rows.size))
        U[rows, np.arange(rows.size)] = 1.0
        W = np.zeros((N, rows.size))
        W[cols, :] = block.T
    return U, W


def extraction_matrix(A, blocks, theta):
    """Return reference ``A_bar``: A with the cells of every block scaled by ``1 - theta`` (for tests).

    Parameters
    ----------
    A : ndarray of shape (N, N)
    blocks : sequence of (rows, cols) integer arrays
    theta : float
    """
    A_bar = np.array(A, dtype=np.float64, copy=True)
    for rows, cols in blocks:
        A_bar[np.ix_(rows, cols)] *= 1.0 - theta
    return A_bar


def _products_with_inverse(L, A, rows, cols, theta):
    """``P_b = L U_b`` and ``W_b' L`` of one block from an explicit L, using ``L A = A L = L - I``."""
    N = A.shape[0]

    def everything(idx):
        return idx.size == N and np.unique(idx).size == N

    if cols.size <= rows.size:          # U = theta E_R A_RC, W = E_C
        if everything(rows):
            P = theta * L[:, cols]
            P[cols, np.arange(cols.size)] -= theta
        else:
            P = theta * (L[:, rows] @ A[np.ix_(rows, cols)])
        return P, lambda: L[cols, :]
    P = L[:, rows].copy()               # U = E_R, W' = theta A_RC E_C'

    def WtL():
        if everything(cols):
            out = theta * L[rows, :]
            out[np.arange(rows.size), rows] -= theta
            return out
        return theta * (A[np.ix_(rows, cols)] @ L[cols, :])

    return P, WtL


def block_extraction(factor, A, blocks, theta=1.0, y=None, v=None, x=None, L=None):
    """Output after scaling blocks of A by ``1 - theta``, by the Woodbury identity.

    Parameters
    ----------
    factor : LeontiefFactor
        Factors of ``I - A`` (reused; nothing is re-factorised).
    A : ndarray of shape (N, N)
    blocks : sequence of (rows, cols) integer arrays
        Disjoint cell blocks ``A[rows][:, cols]`` to scale.
    theta : float
        Extracted share (1: full).
    y : ndarray of shape (N,), optional
        Final demand of the demand-driven model: returns ``x_bar = (I - A_bar)^-1 y``.
    v, x : ndarray of shape (N,), optional
        Primary-input coefficients and gross output of the supply-driven (Ghosh) model: returns
        ``x_bar' = (v' (I - A_bar)^-1) * x``, i.e. ``v'G_bar`` in output units with
        ``B_bar = x^-1 A_bar x``.
    L : ndarray of shape (N, N), optional
        The explicit Leontief inverse, when already formed: ``P = L U`` and ``W'L`` are then read
        from its columns and rows (``L A = A L = L - I`` for blocks spanning all rows or columns)
        instead of solved for. Use it when extracting many sets (every region or sector).

    Returns
    -------
    x_bar : ndarray of shape (N,)

    Notes
    -----
    ``A_bar = A - U W'`` with ``m = sum_b min(|rows_b|, |cols_b|)`` columns; ``(I - A_bar)^-1 =
    L - P K^-1 W'L`` with ``P = L U`` (m solves) and capacitance ``K = I_m + W'P``. The
    supply-driven model needs ``W'L`` too (m transposed solves).
    """
    blocks = [(np.asarray(r, dtype=np.int64), np.asarray(c, dtype=np.int64)) for r, c in blocks]
    parts = [_block_factors(A, r, c, theta) for r, c in blocks]
    U = np.hstack([p[0] for p in parts]) if parts else np.zeros((A.shape[0], 0))
    W = np.hstack([p[1] for p in parts]) if parts else np.zeros((A.shape[0], 0))
    m = U.shape[1]
    if L is not None and m:
        known = [_products_with_inverse(L, A, r, c, theta) for r, c in blocks]
        P = np.hstack([k[0] for k in known])
    else:
        known = None
        P = factor.solve(U) if m else U
    K = np.eye(m) + W.T @ P
    if y is not None:
        z = factor.solve(y) if L is None else L @ y
        if m == 0:
            return z
        return z - P @ _solve_small(K, W.T @ z)
    if v is None or x is None:
        raise ValueError("give y (demand-driven) or v and x (supply-driven)")
    q = factor.solve_transposed(v) if L is None else v @ L
    if m == 0:
        return q * x
    WtL = factor.solve_transposed(W.T) if known is None else np.vstack([k[1]() for k in known])
    q_bar = q - _solve_small(K.T, U.T @ q) @ WtL
    return q_bar * x


def _solve_small(K, b):
    try:
        return np.linalg.solve(K, b)
    except np.linalg.LinAlgError as exc:
        raise SingularError(
            "the extracted system is singular (capacitance matrix I + W'LU cannot be inverted)") from exc
