"""Matrix balancing kernels: RAS and GRAS with explicit stopping rules (docs/methods/balancing.md).

Both find ``X = r^ X0 s^`` (RAS) or ``X = r^ P s^ - r^-1 N s^-1`` (GRAS, ``X0 = P - N`` with
``P, N >= 0``) whose row sums are ``u`` and column sums ``v``. Zeros and signs of ``X0`` are
kept. The loop is a numba kernel; feasibility checks and error raising are done in Python
around it, with positions only (the labelled layer :mod:`mrio.balancing` adds names).

Stopping rule (both): stop after the column step of iteration k when

* the row residual ``max_i |X i - u|_i <= tol * max(1, max|u|, max|v|)`` (columns are exact
  after the column step), and
* ``max_j |s_j^(k) - s_j^(k-1)| < tol_factors``.

The loop is capped at ``max_iter`` sweeps (default 5,000), and aborts with
:class:`InfeasibleError` if any factor exceeds ``1e100`` or falls to zero where the matrix has
entries of the wrong sign (divergence means the constraints are inconsistent).

References
----------
Bacharach, M. (1970). *Biproportional Matrices and Input-Output Change*. CUP.
Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed., section 7.4.
Junius, T. & Oosterhaven, J. (2003). The solution of updating or regionalizing a matrix with both
positive and negative entries. *Economic Systems Research* 15, 87-96.
Lenzen, M., Wood, R. & Gallego, B. (2007). Some comments on the GRAS method. *ESR* 19, 461-465.
Temurshoev, U., Miller, R. E. & Bouwmeester, M. C. (2013). A note on the GRAS method. *ESR* 25,
361-367.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ._errors import InfeasibleError, NotConvergedError

__all__ = ["BalanceResult", "ras", "gras", "bounded_gras", "DEFAULT_MAX_ITER", "DEFAULT_TOL"]

DEFAULT_MAX_ITER = 5000
DEFAULT_TOL = 1e-10
# Factor magnitude taken as divergence (docs/methods/balancing.md).
DIVERGENCE = 1e100

# Status codes returned by the numba loop.
_OK, _CAP, _DIVERGED = 0, 1, 2


@dataclass(frozen=True)
class BalanceResult:
    """Output of :func:`ras` / :func:`gras`.

    Attributes
    ----------
    X : ndarray of shape (m, n)
        Balanced matrix.
    r, s : ndarray of shape (m,), (n,)
        Row and column factors (``X = r^ P s^ - r^-1 N s^-1``).
    iterations : int
        Sweeps (one column step plus one row step each).
    residual : float
        Final ``max(|X i - u|, |i'X - v|)`` (absolute).
    """

    X: np.ndarray
    r: np.ndarray
    s: np.ndarray
    iterations: int
    residual: float


@njit(cache=True)
def _scale_factor(target, p, n):
    """Solve ``f p - n / f = target`` for the factor ``f`` (Temurshoev et al. 2013, eq. 10)."""
    if p > 0.0:
        if n == 0.0:
            return target / p
        return (target + np.sqrt(target * target + 4.0 * p * n)) / (2.0 * p)
    if n > 0.0:
        if target == 0.0:
            return np.inf  # only negative entries cannot sum to zero: reported as divergence
        return -n / target
    return 1.0  # empty line with zero target: factor irrelevant


# Rows per block of the sweep. The blocks are fixed by the matrix size alone (never by the thread
# count), each has its own column accumulators, and the blocks are summed in order: results are
# bit-for-bit the same for any number of threads.
_BLOCK_ROWS = 128
# Below this many cells the sweep runs on one thread (thread start-up would dominate); the
# arithmetic, and so the result, is identical on both paths.
_PARALLEL_CELLS = 250_000


@njit(cache=True, parallel=True)
def _negative_entries(X0):
    """Return the negative part ``N`` of ``X0 = P - N`` as compressed rows: ``(indptr, columns, n_ij > 0)``.

    ``P = max(X0, 0)`` is read from ``X0`` itself; only ``N`` (usually sparse) is stored.
    """
    m, n = X0.shape
    counts = np.zeros(m, np.int64)
    for i in prange(m):
        c = 0
        for j in range(n):
            if X0[i, j] < 0.0:
                c += 1
        counts[i] = c
    indptr = np.zeros(m + 1, np.int64)
    for i in range(m):
        indptr[i + 1] = indptr[i] + counts[i]
    columns = np.empty(indptr[m], np.int64)
    values = np.empty(indptr[m])
    for i in prange(m):
        k = indptr[i]
        for j in range(n):
            x = X0[i, j]
            if x < 0.0:
                columns[k] = j
                values[k] = -x
                k += 1
    return indptr, columns, values


@njit(cache=True)
def _row_step(i, X0, indptr, columns, values, u, s, r, r_new, row_n, res):
    """Row step for row ``i`` given ``p_i(s)`` in ``r_new[i]``: residual and the new factor."""
    pi = r_new[i]
    ni = 0.0
    for k in range(indptr[i], indptr[i + 1]):
        ni += values[k] / s[columns[k]]
    ri = r[i]
    res[i] = abs(ri * pi - ni / ri - u[i]) if ri != 0.0 else abs(u[i])
    r_new[i] = _scale_factor(u[i], pi, ni)
    row_n[i] = ni


@njit(cache=True)
def _sweep_block(b, X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, row_step):
    """Process the rows of block ``b``.

    The row step with ``s`` (if ``row_step``), then the block's share of the next column sums
    with the new row factors (``r`` itself when not ``row_step``).

    Rows are taken four at a time (four independent sums per column of ``X0``); every sum still
    runs over its terms in the original order.
    """
    m, n = X0.shape
    ap = acc_p[b]
    an = acc_n[b]
    for j in range(n):
        ap[j] = 0.0
        an[j] = 0.0
    first = b * _BLOCK_ROWS
    last = min(m, first + _BLOCK_ROWS)
    factors = r_new if row_step else r
    i = first
    while i < last:
        if i + 4 <= last:
            if row_step:
                a0 = 0.0
                a1 = 0.0
                a2 = 0.0
                a3 = 0.0
                for j in range(n):
                    sj = s[j]
                    x0 = X0[i, j]
                    x1 = X0[i + 1, j]
                    x2 = X0[i + 2, j]
                    x3 = X0[i + 3, j]
                    a0 += (x0 if x0 > 0.0 else 0.0) * sj
                    a1 += (x1 if x1 > 0.0 else 0.0) * sj
                    a2 += (x2 if x2 > 0.0 else 0.0) * sj
                    a3 += (x3 if x3 > 0.0 else 0.0) * sj
                r_new[i] = a0
                r_new[i + 1] = a1
                r_new[i + 2] = a2
                r_new[i + 3] = a3
                for k in range(i, i + 4):
                    _row_step(k, X0, indptr, columns, values, u, s, r, r_new, row_n, res)
            f0 = factors[i]
            f1 = factors[i + 1]
            f2 = factors[i + 2]
            f3 = factors[i + 3]
            for j in range(n):
                x0 = X0[i, j]
                x1 = X0[i + 1, j]
                x2 = X0[i + 2, j]
                x3 = X0[i + 3, j]
                acc = ap[j]
                acc += (x0 if x0 > 0.0 else 0.0) * f0
                acc += (x1 if x1 > 0.0 else 0.0) * f1
                acc += (x2 if x2 > 0.0 else 0.0) * f2
                acc += (x3 if x3 > 0.0 else 0.0) * f3
                ap[j] = acc
            step = 4
        else:
            if row_step:
                a0 = 0.0
                for j in range(n):
                    x0 = X0[i, j]
                    a0 += (x0 if x0 > 0.0 else 0.0) * s[j]
                r_new[i] = a0
                _row_step(i, X0, indptr, columns, values, u, s, r, r_new, row_n, res)
            f0 = factors[i]
            for j in range(n):
                x0 = X0[i, j]
                ap[j] += (x0 if x0 > 0.0 else 0.0) * f0
            step = 1
        for row in range(i, i + step):
            f = factors[row]
            for k in range(indptr[row], indptr[row + 1]):
                an[columns[k]] += values[k] / f
        i += step


@njit(cache=True, parallel=True)
def _sweep_parallel(X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, row_step):
    for b in prange(acc_p.shape[0]):
        _sweep_block(b, X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, row_step)


@njit(cache=True)
def _sweep(X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, row_step, col_p, col_n):
    """One pass over ``X0``: row step, then column sums ``col_p = P'r_new``, ``col_n = N'(1/r_new)``."""
    m, n = X0.shape
    if m * n >= _PARALLEL_CELLS:
        _sweep_parallel(X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, row_step)
    else:
        for b in range(acc_p.shape[0]):
            _sweep_block(b, X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, row_step)
    for j in range(n):
        col_p[j] = 0.0
        col_n[j] = 0.0
    for b in range(acc_p.shape[0]):
        for j in range(n):
            col_p[j] += acc_p[b, j]
            col_n[j] += acc_n[b, j]


@njit(cache=True)
def _gras_loop(X0, u, v, tol_abs, tol_factors, max_iter, r, s):
    """Alternate column and row steps in place on ``r`` and ``s``.

    Each sweep reads ``X0`` once: the row step of iteration k and the column sums for iteration
    k + 1 are fused (the row factors are kept apart until the stopping test has been passed).
    Returns ``(status, iterations, residual)``; ``residual`` is the absolute row residual after
    the last column step.
    """
    m, n = X0.shape
    indptr, columns, values = _negative_entries(X0)
    n_blocks = (m + _BLOCK_ROWS - 1) // _BLOCK_ROWS
    acc_p = np.empty((n_blocks, n))
    acc_n = np.empty((n_blocks, n))
    col_p = np.empty(n)
    col_n = np.empty(n)
    r_new = np.empty(m)
    row_n = np.zeros(m)
    res = np.zeros(m)
    s_old = np.empty(n)
    # column sums for the first column step (r = 1)
    _sweep(X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, False, col_p, col_n)
    residual = np.inf
    for it in range(1, max_iter + 1):
        # ---- column step: s from the current r
        delta = 0.0
        for j in range(n):
            s_old[j] = s[j]
            s[j] = _scale_factor(v[j], col_p[j], col_n[j])
            d = abs(s[j] - s_old[j])
            if d > delta:
                delta = d
            if not (abs(s[j]) < DIVERGENCE) or (s[j] == 0.0 and col_n[j] > 0.0):
                return _DIVERGED, it, np.inf
        # ---- row sums with the new s: residual, the row step into r_new, next column sums
        _sweep(X0, indptr, columns, values, u, s, r, r_new, row_n, res, acc_p, acc_n, True, col_p, col_n)
        residual = 0.0
        for i in range(m):
            if res[i] > residual:
                residual = res[i]
        if residual <= tol_abs and delta < tol_factors:
            return _OK, it, residual
        for i in range(m):
            r[i] = r_new[i]
            if not (abs(r[i]) < DIVERGENCE) or (r[i] == 0.0 and row_n[i] > 0.0):
                return _DIVERGED, it, np.inf
    return _CAP, max_iter, residual


@njit(cache=True, parallel=True)
def _apply_factors(X0, r, s):
    m, n = X0.shape
    X = np.empty((m, n))
    for i in prange(m):
        ri = r[i]
        for j in range(n):
            x = X0[i, j]
            if x > 0.0:
                X[i, j] = ri * x * s[j]
            elif x < 0.0:
                X[i, j] = x / (ri * s[j])
            else:
                X[i, j] = 0.0
    return X


def _check_margins(X0, u, v, nonnegative):
    """Feasibility checks that need no iteration (docs/methods/balancing.md); raise InfeasibleError."""
    m, n = X0.shape
    if u.shape != (m,) or v.shape != (n,):
        raise InfeasibleError(f"margins have shapes {u.shape}, {v.shape}; the matrix is {m} x {n}")
    for name, arr in (("matrix", X0), ("row targets", u), ("column targets", v)):
        if not np.all(np.isfinite(arr)):
            raise InfeasibleError(f"{name} contain NaN or infinite values")
    scale = max(np.abs(u).sum(), np.abs(v).sum(), 1e-300)
    gap = u.sum() - v.sum()
    if abs(gap) > 1e-9 * scale:
        raise InfeasibleError(
            f"row targets sum to {u.sum():.12g} but column targets to {v.sum():.12g} "
            f"(difference {gap:.6g}); no matrix can meet both")
    if nonnegative:
        rows = np.flatnonzero(u < 0)
        cols = np.flatnonzero(v < 0)
        if rows.size or cols.size:
            raise InfeasibleError("RAS needs non-negative targets; use GRAS for negative margins",
                                  rows=rows, columns=cols)
    pos, neg = X0 > 0, X0 < 0
    # A line can only reach a positive target if it has a positive entry, a negative one if it has
    # a negative entry, and a non-zero one if it has any entry.
    bad_rows = np.flatnonzero(((u > 0) & ~pos.any(axis=1)) | ((u < 0) & ~neg.any(axis=1)))
    bad_cols = np.flatnonzero(((v > 0) & ~pos.any(axis=0)) | ((v < 0) & ~neg.any(axis=0)))
    if bad_rows.size or bad_cols.size:
        raise InfeasibleError(
            "rows/columns whose entries cannot reach their targets (all zero, or all of the wrong "
            "sign, with a non-zero target)", rows=bad_rows, columns=bad_cols)
    # With v_j = 0 and only positive (or only negative) entries the factor must be zero; that
    # cuts those cells out, which is a valid solution only when other cells carry the rows.


def _balance(X0, u, v, tol, tol_factors, max_iter, nonnegative, name):
    X0 = np.ascontiguousarray(X0, dtype=np.float64)
    u = np.ascontiguousarray(u, dtype=np.float64)
    v = np.ascontiguousarray(v, dtype=np.float64)
    if X0.ndim != 2:
        raise InfeasibleError(f"{name} needs a 2-D matrix, got {X0.ndim} dimensions")
    if nonnegative:
        neg = np.argwhere(X0 < 0)
        if neg.size:
            raise InfeasibleError(f"RAS needs a non-negative matrix; {len(neg)} negative entries "
                                  "(use GRAS)", rows=np.unique(neg[:, 0]), columns=np.unique(neg[:, 1]))
    _check_margins(X0, u, v, nonnegative)
    m, n = X0.shape
    scale = max(1.0, float(np.abs(u).max(initial=0.0)), float(np.abs(v).max(initial=0.0)))
    r = np.ones(m)
    s = np.ones(n)
    status, iterations, residual = _gras_loop(X0, u, v, tol * scale, tol_factors, int(max_iter), r, s)
    if status == _DIVERGED:
        big_r = np.flatnonzero(~(np.abs(r) < DIVERGENCE) | (r == 0))
        big_s = np.flatnonzero(~(np.abs(s) < DIVERGENCE) | (s == 0))
        raise InfeasibleError(
            f"{name} diverged after {iterations} iterations (a scaling factor left [0, 1e100]): the "
            "margins are inconsistent with the zero/sign pattern of the matrix",
            rows=big_r, columns=big_s)
    X = _apply_factors(X0, r, s)
    row_gap = np.abs(X.sum(axis=1) - u)
    col_gap = np.abs(X.sum(axis=0) - v)
    residual = float(max(row_gap.max(initial=0.0), col_gap.max(initial=0.0)))
    if status == _CAP:
        worst_rows = np.argsort(row_gap)[::-1][:5]
        worst_cols = np.argsort(col_gap)[::-1][:5]
        exc = NotConvergedError(
            f"{name} did not converge in {max_iter} iterations: margin residual {residual:.3g} > "
            f"{tol * scale:.3g}; worst row positions {worst_rows.tolist()}, worst column positions "
            f"{worst_cols.tolist()} (inconsistent margins or a zero pattern that cannot meet them)",
            iterations=iterations, residual=residual)
        exc.rows = worst_rows.tolist()
        exc.columns = worst_cols.tolist()
        raise exc
    return BalanceResult(X=X, r=r, s=s, iterations=int(iterations), residual=residual)


def ras(X0, u, v, tol=DEFAULT_TOL, tol_factors=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER):
    """Biproportional (RAS) balancing of a non-negative matrix: ``X = r^ X0 s^``.

    Parameters
    ----------
    X0 : ndarray of shape (m, n), non-negative
        Prior matrix.
    u : ndarray of shape (m,), non-negative
        Row targets ``X i = u``.
    v : ndarray of shape (n,), non-negative
        Column targets ``i'X = v``; ``sum(u) == sum(v)`` to 1e-9 relative.
    tol : float, default 1e-10
        Margin tolerance relative to ``max(1, max|u|, max|v|)``.
    tol_factors : float, default 1e-10
        Largest change of a column factor between sweeps at convergence.
    max_iter : int, default 5000

    Returns
    -------
    BalanceResult

    Raises
    ------
    InfeasibleError
        Negative entries, unequal grand totals, a line that cannot reach its target, divergence.
    NotConvergedError
        Iteration cap reached (``.rows``/``.columns`` hold the worst positions).
    """
    return _balance(X0, u, v, tol, tol_factors, max_iter, True, "RAS")


def gras(X0, u, v, tol=DEFAULT_TOL, tol_factors=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER):
    """Generalised RAS for matrices with positive and negative entries (Temurshoev et al. 2013).

    Splits ``X0 = P - N`` and iterates (docs/methods/balancing.md)::

        s_j = (v_j + sqrt(v_j^2 + 4 p_j(r) n_j(r))) / (2 p_j(r))   (p_j > 0),  else  -n_j / v_j
        r_i = (u_i + sqrt(u_i^2 + 4 p_i(s) n_i(s))) / (2 p_i(s))   (p_i > 0),  else  -n_i / u_i
        X   = r^ P s^ - r^-1 N s^-1

    with ``p_j(r) = sum_i p_ij r_i``, ``n_j(r) = sum_i n_ij / r_i`` and likewise for rows. Equals
    RAS when ``X0 >= 0``. Parameters, result and errors as :func:`ras`, except that negative
    entries and targets are allowed.
    """
    return _balance(X0, u, v, tol, tol_factors, max_iter, False, "GRAS")


@njit(cache=True)
def _bounded_sweeps(X, u, v, lower, upper, tol_abs, max_iter):  # pragma: no cover - compiled
    """GRAS row and column steps, each followed by clipping to the bounds, until the margins hold."""
    R, C = X.shape
    for it in range(1, max_iter + 1):
        for i in range(R):
            p = 0.0
            n = 0.0
            for j in range(C):
                if X[i, j] > 0.0:
                    p += X[i, j]
                else:
                    n -= X[i, j]
            f = _scale_factor(u[i], p, n)
            if not (np.isfinite(f) and f >= 0.0):  # f = 0: a zero total with positive cells only
                f = 1.0
            for j in range(C):
                y = X[i, j] * f if X[i, j] > 0.0 else X[i, j] / f
                X[i, j] = min(max(y, lower[i, j]), upper[i, j])
        for j in range(C):
            p = 0.0
            n = 0.0
            for i in range(R):
                if X[i, j] > 0.0:
                    p += X[i, j]
                else:
                    n -= X[i, j]
            f = _scale_factor(v[j], p, n)
            if not (np.isfinite(f) and f >= 0.0):  # f = 0: a zero total with positive cells only
                f = 1.0
            for i in range(R):
                y = X[i, j] * f if X[i, j] > 0.0 else X[i, j] / f
                X[i, j] = min(max(y, lower[i, j]), upper[i, j])
        gap = 0.0
        for i in range(R):
            gap = max(gap, abs(X[i, :].sum() - u[i]))
        for j in range(C):
            gap = max(gap, abs(X[:, j].sum() - v[j]))
        if gap <= tol_abs:
            return it, gap
    return max_iter, gap


def bounded_gras(X0, u, v, lower, upper, tol=1e-8, max_iter=DEFAULT_MAX_ITER):
    """GRAS with every cell kept in ``[lower, upper]`` (use ``-inf``/``inf`` for no bound).

    Cyclic projections: a GRAS row step, a GRAS column step, each followed by clipping every cell
    to its bounds (the projection onto a box under the RAS information distance is the clip),
    until both margins hold to ``tol`` relative to the largest column total (e.g. Lenzen, Gallego
    & Wood 2009 on constrained RAS; docs/methods/balancing.md). Each row's lower bounds are first
    scaled down to its own total where they exceed it (a published zero needs no positive floor).
    The columns hold exactly at the end: their last residual is spread over the column's cells
    in proportion to their room inside the bounds (cells without a bound: in proportion to
    ``|x| + 1``). The rows hold to ``tol`` where the bounds allow.

    Returns
    -------
    BalanceResult
        ``X``, ``r`` and ``s`` (ones: the factors of a clipped iteration are not a product of
        scalings), ``iterations``, ``residual`` (the largest margin gap before the column fix).
    """
    X0 = np.asarray(X0, dtype=np.float64)
    u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
    lower = np.array(np.broadcast_to(lower, X0.shape), dtype=np.float64)
    upper = np.array(np.broadcast_to(upper, X0.shape), dtype=np.float64)
    if (lower > upper).any():
        raise InfeasibleError("bounded GRAS: a lower bound exceeds its upper bound",
                              rows=np.flatnonzero((lower > upper).any(axis=1)))
    floor = np.where(np.isfinite(lower), lower, 0.0).sum(axis=1)
    target = np.maximum(u, 0.0)
    shrink = np.where(floor > target, target / np.where(floor > 0, floor, 1.0), 1.0)
    lower = np.where(np.isfinite(lower), lower * shrink[:, np.newaxis], lower)
    X = np.ascontiguousarray(np.clip(X0, lower, upper))
    scale = max(1.0, float(np.abs(v).max(initial=0.0)))
    iterations, gap = _bounded_sweeps(X, u, v, lower, upper, float(tol) * scale, int(max_iter))
    residual = v - X.sum(axis=0)
    room = np.where(residual[np.newaxis, :] > 0, upper - X, X - lower)
    room = np.where(np.isfinite(room), np.clip(room, 0.0, None), np.abs(X) + 1.0)
    total = room.sum(axis=0)
    X += room * np.divide(residual, total, out=np.zeros_like(residual), where=total > 0)[np.newaxis, :]
    return BalanceResult(X, np.ones(X.shape[0]), np.ones(X.shape[1]), int(iterations), float(gap))
