"""Labelled matrix balancing: :func:`ras` and :func:`gras` on pandas tables.

Thin wrappers around :func:`mrio.kernels.ras` / :func:`mrio.kernels.gras` (docs/methods/balancing.md):
labels are checked on entry and re-attached on exit, and kernel failures are re-raised as
:class:`mrio.errors.InfeasibleBalancingError` / :class:`mrio.errors.ConvergenceError` naming the
offending rows and columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio import kernels

from mrio.core import labels as lab
from mrio.core.checks import check_count, check_tolerance
from mrio.core.display import result_html
from mrio.core.kernel_errors import kernel_errors
from mrio.errors import ConvergenceError, InvalidTableError, UnknownLabelError

__all__ = ["ras", "gras", "Balanced"]


@dataclass(frozen=True)
class Balanced:
    """Result of :func:`~mrio.ras` / :func:`~mrio.gras`.

    Attributes
    ----------
    table : pandas.DataFrame
        The balanced matrix, labelled like the prior.
    row_factors, column_factors : pandas.Series
        ``r`` and ``s`` (``X = r^ P s^ - r^-1 N s^-1``).
    iterations : int
    residual : float
        Largest absolute margin error.
    """

    table: pd.DataFrame
    row_factors: pd.Series
    column_factors: pd.Series
    iterations: int
    residual: float
    _repr_html_ = result_html


def _margin(values, labels: pd.Index, what: str) -> np.ndarray:
    if isinstance(values, pd.Series):
        missing = labels.difference(values.index)
        extra = values.index.difference(labels)
        if len(extra):
            raise UnknownLabelError(f"{what} name labels that are not in the prior: {lab._show(extra)}")
        if len(missing):
            raise InvalidTableError(f"{what} missing for {lab._show(missing)}")
        values = values.reindex(labels)
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.shape != (len(labels),):
        raise InvalidTableError(f"{what} have {arr.size} entries; the prior has {len(labels)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InvalidTableError(f"{what} are NaN or infinite at {lab._show(labels[bad])}")
    return arr


def _run(kernel, prior: pd.DataFrame, row_totals, column_totals, tol: float, max_iter: int,
         name: str) -> Balanced:
    if not isinstance(prior, pd.DataFrame):
        raise InvalidTableError(f"{name}: the prior must be a pandas DataFrame, got {type(prior).__name__}")
    tol = check_tolerance(tol, f"{name} tol")
    max_iter = check_count(max_iter, f"{name} max_iter")
    X0 = lab.check_finite(prior, f"{name} prior")
    u = _margin(row_totals, prior.index, f"{name} row totals")
    v = _margin(column_totals, prior.columns, f"{name} column totals")
    try:
        with kernel_errors(prior.index, prior.columns):
            result = kernel(np.ascontiguousarray(X0), u, v, tol=tol, max_iter=max_iter)
    except ConvergenceError as exc:
        cause = exc.__cause__
        rows = getattr(cause, "rows", [])
        cols = getattr(cause, "columns", [])
        raise ConvergenceError(
            f"{exc}; worst rows {lab._show([prior.index[i] for i in rows])}, worst columns "
            f"{lab._show([prior.columns[j] for j in cols])}") from cause
    return Balanced(
        table=pd.DataFrame(result.X, index=prior.index, columns=prior.columns),
        row_factors=pd.Series(result.r, index=prior.index, name="r"),
        column_factors=pd.Series(result.s, index=prior.columns, name="s"),
        iterations=result.iterations, residual=result.residual)


def ras(prior: pd.DataFrame, row_totals, column_totals, tol: float = kernels._balancing.DEFAULT_TOL,
        max_iter: int = kernels._balancing.DEFAULT_MAX_ITER) -> Balanced:
    """Balance a non-negative table to given row and column totals by RAS.

    ``X = r^ X0 s^`` with row sums ``row_totals`` and column sums ``column_totals`` (Stone;
    Bacharach 1970; Miller & Blair 2009, section 7.4). Zeros stay zero.

    Parameters
    ----------
    prior : pandas.DataFrame of shape (m, n), non-negative
    row_totals : pandas.Series indexed like ``prior.index`` (or array of shape (m,))
    column_totals : pandas.Series indexed like ``prior.columns`` (or array of shape (n,))
    tol : float, default 1e-10
        Margin tolerance relative to ``max(1, max|u|, max|v|)``.
    max_iter : int, default 5000

    Returns
    -------
    Balanced

    Raises
    ------
    InfeasibleBalancingError
        Negative entries, grand totals that differ, rows/columns that cannot reach their target,
        divergence; the message names the rows and columns.
    ConvergenceError
        The iteration cap was reached; the message names the worst rows and columns.
    UnknownLabelError, InvalidTableError
        Totals whose labels do not match the prior, NaN/inf.
    """
    return _run(kernels.ras, prior, row_totals, column_totals, tol, max_iter, "RAS")


def gras(prior: pd.DataFrame, row_totals, column_totals, tol: float = kernels._balancing.DEFAULT_TOL,
         max_iter: int = kernels._balancing.DEFAULT_MAX_ITER) -> Balanced:
    """Balance a table with positive and negative entries by GRAS (Temurshoev et al. 2013).

    ``X = r^ P s^ - r^-1 N s^-1`` with ``prior = P - N``; signs and zeros are kept. Use it for
    tables with inventory changes, subsidies or other negative cells (docs/methods/balancing.md,
    section "GRAS"). Parameters, result and errors as :func:`ras`.

    Examples
    --------
    The worked example of Temurshoev, Miller & Bouwmeester (2013):

    >>> import pandas as pd
    >>> import mrio
    >>> prior = pd.DataFrame([[7.0, 3, 5, -3], [2, 9, 8, 1], [-2, 0, 2, 1]])
    >>> balanced = mrio.gras(prior, [15, 26, -1], [9, 16, 17, -2])
    >>> balanced.table.round(4)
            0        1       2       3
    0  8.9764   3.7432  5.7217 -3.4413
    1  2.7993  12.2568  9.9923  0.9515
    2 -2.7758   0.0000  1.2860  0.4898
    """
    return _run(kernels.gras, prior, row_totals, column_totals, tol, max_iter, "GRAS")
