"""Suppressed cells of hierarchical tables: estimate them so that every published aggregate holds.

Statistical offices publish tables whose rows and/or columns are hierarchies (industry groups inside
sections, regions inside provinces inside the nation) and leave confidential cells empty while their
aggregates stay published. :func:`estimate_suppressed` fills the empty cells:

* the cells form one flat vector ``v`` (a 2-D table is flattened row-major, see
  :func:`table_aggregates`); published cells are fixed, suppressed ones (NaN) are the unknowns ``u``;
* an **aggregate** ``k`` is a parent cell and its children, ``v_parent = sum_children v_c``; with the
  known cells moved to the right-hand side this is one row of ``M u = b``;
* published figures are rounded, so aggregate ``k`` may miss by up to ``tol_k`` = the sum of the
  rounding tolerances of its published cells (default 0: exact);
* nothing is negative (``0 <= u <= upper``).

Two stages (lexicographic):

1. **Feasibility** (linear programme, HiGHS): the smallest total miss ``m* = min sum_k |r_k|``
   with ``r = M u - b``, ``|r_k| <= tol_k``. Where the published figures add up, ``m* = 0`` and every
   aggregate holds exactly. If no ``u`` meets the tolerances, the aggregates that must miss by more
   than their tolerance (a second LP with the excess priced) are reported in
   :class:`InconsistentAggregatesError`.
2. **Closest to the prior** (convex quadratic programme, Clarabel interior point, then an exact
   least-norm correction of the equalities): minimise the
   chi-square distance ``sum_i (u_i - p_i)^2 / max(p_i, floor)`` over the feasible set
   ``{u : |r_k| <= tol_k, sum_k |r_k| <= m*}``. The chi-square distance is the second-order
   approximation of the RAS (minimum cross-entropy) objective, so the estimate follows the prior's
   shares where the constraints leave room (Bacharach 1970; Miller & Blair 2009, section 7.4).

:func:`estimate_suppressed` also returns, for every estimated cell, its **feasible range** (min and
max over the same feasible set, two LPs per cell): the interval any estimate consistent with the
published figures must lie in (the uncertainty ensembles draw within it).

See the methods page, section 'Suppressed cells'.

References
----------
Bacharach, M. (1970). *Biproportional Matrices and Input-Output Change*. CUP.
Cox, L. H. (1980). Suppression methodology and statistical disclosure control. *JASA* 75, 377-385
(feasible ranges of suppressed cells by linear programming).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import clarabel
import numpy as np
import scipy.sparse as sp
from scipy.linalg import qr
from scipy.optimize import linprog

from ._errors import InconsistentAggregatesError, InfeasibleError, NotConvergedError

__all__ = ["SuppressedFit", "estimate_suppressed", "table_aggregates"]

#: Relative floor of the chi-square weights (a zero prior still gets a finite weight).
PRIOR_FLOOR = 1e-6
#: Feasibility slack of the constraints in the scaled problem (published figures scaled to max 1).
_FEAS = 1e-9


@dataclass(frozen=True)
class SuppressedFit:
    """Output of :func:`estimate_suppressed`.

    Attributes
    ----------
    values : ndarray of shape (n,)
        Every cell: published cells unchanged, suppressed cells estimated (>= 0).
    estimated : ndarray of int
        Positions of the cells that were estimated (the suppressed ones), ascending.
    lower, upper : ndarray of shape (n,)
        Feasible range of each estimated cell (min / max over every completion that meets the
        aggregates as closely as the estimate does); equal to ``values`` for published cells;
        ``upper`` is ``inf`` for a cell no published aggregate bounds.
    residuals : ndarray of shape (k,)
        ``sum_children - parent`` of every aggregate after completion.
    tolerances : ndarray of shape (k,)
        Allowed ``|residual|`` of every aggregate (sum of its published cells' rounding).
    total_miss : float
        ``sum_k |residual_k|``: 0 when the published figures add up.
    """

    values: np.ndarray
    estimated: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    residuals: np.ndarray
    tolerances: np.ndarray
    total_miss: float


def table_aggregates(shape: tuple[int, int], row_groups: Sequence = (), column_groups: Sequence = ()
                     ) -> list[tuple[int, list[int]]]:
    """Return aggregates of a 2-D table with hierarchical rows and/or columns, on the row-major flat cells.

    Parameters
    ----------
    shape : (m, n)
    row_groups : sequence of (parent_row, child_rows)
        Row ``parent_row`` = sum of rows ``child_rows``, in every column.
    column_groups : sequence of (parent_column, child_columns)
        Column ``parent_column`` = sum of columns ``child_columns``, in every row.

    Returns
    -------
    list of (parent, children)
        Positions in ``table.ravel()`` (``i * n + j``), one aggregate per row group and column, then
        one per column group and row.
    """
    m, n = (int(shape[0]), int(shape[1]))
    out: list[tuple[int, list[int]]] = []
    for parent, children in row_groups:
        _check_positions([parent, *children], m, "row")
        out.extend((parent * n + j, [c * n + j for c in children]) for j in range(n))
    for parent, children in column_groups:
        _check_positions([parent, *children], n, "column")
        out.extend((i * n + parent, [i * n + c for c in children]) for i in range(m))
    return out


def _check_positions(positions, size, what):
    bad = [p for p in positions if not 0 <= int(p) < size]
    if bad:
        raise ValueError(f"{what} positions {bad} outside 0..{size - 1}")


def _constraints(values, aggregates, unknown_pos, cell_tol):
    """``M u - b`` = residual of each aggregate (children minus parent); tolerance per aggregate."""
    n = values.size
    col_of = -np.ones(n, dtype=np.int64)
    col_of[unknown_pos] = np.arange(unknown_pos.size)
    rows, cols, data = [], [], []
    b = np.zeros(len(aggregates))
    tol = np.zeros(len(aggregates))
    for k, (parent, children) in enumerate(aggregates):
        children = [int(c) for c in children]
        if not children:
            raise ValueError(f"aggregate {k} (parent {parent}) has no children")
        if int(parent) in children:
            raise ValueError(f"aggregate {k}: cell {parent} is its own child")
        if len(set(children)) != len(children):
            raise ValueError(f"aggregate {k}: repeated children")
        _check_positions([parent, *children], n, "cell")
        for cell, sign in [(int(parent), -1.0)] + [(c, 1.0) for c in children]:
            if col_of[cell] >= 0:
                rows.append(k)
                cols.append(col_of[cell])
                data.append(sign)
            else:
                b[k] -= sign * values[cell]
                tol[k] += cell_tol[cell]
    M = sp.csr_array((data, (rows, cols)), shape=(len(aggregates), unknown_pos.size))
    return M, b, tol


class _Model:
    """One linear model over ``z = (u, r+, r-)``: ``M u - r+ + r- = b``, optional row ``sum r <= cap``.

    Only aggregates with a positive tolerance get miss columns ``r+, r-``; linearly dependent rows
    (nested hierarchies repeat constraints) are dropped with ``reduce``, which the QP solver needs.
    """

    def __init__(self, M, b, tol, ub, cap=None, reduce=True):
        m, k = M.shape[1], M.shape[0]
        banded = np.flatnonzero(tol > 0)
        kb = banded.size
        self.m, self.k = m, kb
        S = sp.csr_array((np.ones(kb), (banded, np.arange(kb))), shape=(k, kb))
        A = sp.hstack([M, -S, S], format="csr")
        if reduce:  # only once the rows are known to be consistent (after the feasibility LP)
            keep = _independent_rows(A.toarray())
            A, b = A[keep], b[keep]
        self.A_eq, self.b_eq = A, b
        self.col_upper = np.concatenate([ub, tol[banded], tol[banded]])
        self.cap = cap if kb else None
        self.c = np.zeros(m + 2 * kb)
        self.maximize = False

    def cost(self, c, sense_max=False):
        self.c = np.asarray(c, dtype=np.float64)
        self.maximize = bool(sense_max)

    def solve(self):
        """Run the LP (HiGHS via scipy); return ("optimal" | "infeasible" | "unbounded" | message, z)."""
        m, kb = self.m, self.k
        A_ub = b_ub = None
        if self.cap is not None:
            A_ub = sp.csr_array(np.concatenate([np.zeros(m), np.ones(2 * kb)])[np.newaxis, :])
            b_ub = [self.cap]
        bounds = np.column_stack([np.zeros(self.col_upper.size), self.col_upper])
        has_eq = self.A_eq.shape[0] > 0
        sign = -1.0 if self.maximize else 1.0
        res = linprog(sign * self.c, A_ub=A_ub, b_ub=b_ub, A_eq=self.A_eq if has_eq else None,
                      b_eq=self.b_eq if has_eq else None, bounds=bounds, method="highs",
                      options={"primal_feasibility_tolerance": _FEAS, "dual_feasibility_tolerance": _FEAS})
        if res.status == 0:
            return "optimal", res.x
        return {2: "infeasible", 3: "unbounded"}.get(res.status, res.message), None

    def closest(self, p, w):
        """Minimise ``0.5 sum_i w_i (u_i - p_i)^2`` over this model's feasible set (Clarabel QP).

        Then make the equalities exact on the cells off their bounds (least-norm correction).
        """
        m, kb = self.m, self.k
        nz = m + 2 * kb
        P = sp.diags(np.concatenate([w, np.zeros(2 * kb)])).tocsc()
        q = np.concatenate([-w * p, np.zeros(2 * kb)])
        blocks, rhs = [-sp.identity(nz, format="csr")], [np.zeros(nz)]  # z >= 0
        finite = np.flatnonzero(np.isfinite(self.col_upper))
        if finite.size:
            blocks.append(sp.csr_array((np.ones(finite.size), (np.arange(finite.size), finite)),
                                       shape=(finite.size, nz)))
            rhs.append(self.col_upper[finite])
        if self.cap is not None:
            blocks.append(sp.csr_array(np.concatenate([np.zeros(m), np.ones(2 * kb)])[np.newaxis, :]))
            rhs.append(np.array([self.cap]))
        A = sp.vstack([self.A_eq, *blocks], format="csc")
        rhs = np.concatenate([self.b_eq, *rhs])
        n_eq = self.A_eq.shape[0]
        cones = [clarabel.ZeroConeT(n_eq), clarabel.NonnegativeConeT(A.shape[0] - n_eq)]
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-10
        solution = clarabel.DefaultSolver(sp.triu(P).tocsc(), q, A, rhs, cones, settings).solve()
        if str(solution.status) not in ("Solved", "AlmostSolved"):
            return str(solution.status), None
        z = np.clip(np.asarray(solution.x), 0.0, self.col_upper)
        z[z < 1e-9] = 0.0  # interior-point dust on the bound
        # cells off their bounds absorb the equality residual in the w-weighted least-norm way
        E = self.A_eq.toarray()
        free = (z > 1e-9) & (z < self.col_upper - 1e-9)
        gap = self.b_eq - E @ z
        if free.any() and np.abs(gap).max(initial=0.0) > 0:
            Ef = E[:, free]
            winv = np.concatenate([1.0 / w, np.ones(2 * kb)])[free]
            step = winv * (Ef.T @ np.linalg.lstsq((Ef * winv) @ Ef.T, gap, rcond=None)[0])
            z[free] = np.clip(z[free] + step, 0.0, self.col_upper[free])
        return "optimal", z


def estimate_suppressed(values, aggregates, prior=None, tolerance=0.0, upper=None, ranges: bool = True
                        ) -> SuppressedFit:
    """Estimate the suppressed (NaN) cells of a table with published aggregates.

    Minimises ``sum_i (u_i - p_i)^2 / max(p_i, floor)`` over the suppressed cells ``u`` subject to
    every aggregate ``parent = sum children`` holding (within the rounding of its published cells,
    and exactly where the published figures add up), ``0 <= u <= upper`` and the published cells
    unchanged (module docstring).

    Parameters
    ----------
    values : array_like of shape (n,)
        Every cell of the table, flattened; NaN marks a suppressed cell. Published cells must be
        finite and >= 0.
    aggregates : sequence of (parent, children)
        Cell positions: ``values[parent] = sum(values[children])`` (e.g. from
        :func:`table_aggregates`). A parent may itself be suppressed or be a child elsewhere.
    prior : array_like of shape (n,), optional
        Prior values of the suppressed cells (others ignored; NaN or negative = no prior). Default:
        for each suppressed cell, its share of the first published parent's unexplained rest
        (parent minus published children, split equally over its suppressed children), or 0.
    tolerance : float or array_like of shape (n,), default 0
        Rounding of each published cell (half a unit of the last published digit); an aggregate
        may miss by the sum over its published cells.
    upper : array_like of shape (n,), optional
        Upper bounds of the suppressed cells (default none).
    ranges : bool, default True
        Compute the feasible range of every estimated cell (two LPs per cell).

    Returns
    -------
    SuppressedFit

    Raises
    ------
    InconsistentAggregatesError
        The published figures contradict each other: no non-negative completion meets every
        aggregate within its tolerance. ``aggregates`` lists the aggregates that must miss,
        ``cells`` their cells.
    InfeasibleError
        A published cell is negative or not finite where it should be a number (positions in
        ``rows``).
    NotConvergedError
        The closest-to-prior quadratic programme did not reach optimality.
    ValueError
        Malformed aggregates (positions out of range, empty or repeated children).
    """
    v = np.array(values, dtype=np.float64).ravel()
    n = v.size
    cell_tol = np.broadcast_to(np.asarray(tolerance, dtype=np.float64), (n,)).copy()
    if (cell_tol < 0).any() or not np.isfinite(cell_tol).all():
        raise ValueError("tolerances must be finite and >= 0")
    suppressed = np.isnan(v)
    bad = np.flatnonzero(~suppressed & (~np.isfinite(v) | (v < 0)))
    if bad.size:
        raise InfeasibleError(f"published cells must be finite and >= 0; cells {bad[:10].tolist()} are not",
                              rows=bad.tolist())
    unknown = np.flatnonzero(suppressed)
    aggregates = [(int(p), [int(c) for c in ch]) for p, ch in aggregates]
    M, b, tol = _constraints(np.where(suppressed, 0.0, v), aggregates, unknown, cell_tol)
    K, m = M.shape
    scale = max(float(np.abs(v[~suppressed]).max()) if (~suppressed).any() else 1.0, 1.0)
    bs, tols = b / scale, tol / scale
    ub = np.full(m, np.inf)
    if upper is not None:
        ub = np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,))[unknown] / scale
        if (ub < 0).any():
            raise ValueError("upper bounds must be >= 0")
    # aggregates without unknowns: published figures alone
    empty = np.flatnonzero(np.diff(M.indptr) == 0)
    fixed_bad = [k for k in empty if abs(bs[k]) > tols[k] * (1 + 1e-12) + _FEAS]
    if fixed_bad:
        raise _inconsistent(fixed_bad, aggregates, -b, tol)
    free = np.setdiff1d(np.arange(K), empty)

    # ---- stage 1: minimal total miss, |r_k| <= tol_k (variables u, r+, r-)
    Mf, bf, tf = M[free], bs[free], tols[free]
    kf = free.size
    if m == 0:
        u0, miss = np.zeros(0), 0.0
    else:
        feas = _Model(Mf, bf, tf, ub, reduce=False)
        feas.cost(np.concatenate([np.zeros(m), np.ones(2 * feas.k)]))
        status, z = feas.solve()
        if status == "infeasible":  # find the aggregates that must miss by more than tolerance
            raise _diagnose(Mf, bf, tf, ub, free, aggregates, -b, tol)
        if status != "optimal":
            raise InfeasibleError(f"feasibility LP of the suppressed cells failed: {status}")
        u0 = np.clip(z[:m], 0.0, ub)
        miss = float(z[m:].sum())  # the r+ and r- columns
    miss_cap = miss * (1.0 + 1e-9) + _FEAS * max(1, kf)

    # ---- stage 2: closest to the prior inside the feasible set
    p = _default_prior(v, aggregates, suppressed) if prior is None else \
        np.broadcast_to(np.asarray(prior, dtype=np.float64), (n,)).copy()
    p = p[unknown] / scale
    p = np.where(np.isfinite(p) & (p >= 0), p, 0.0)
    if np.isfinite(ub).any():
        p = np.minimum(p, ub)
    u = u0
    if m:
        w = 1.0 / np.maximum(p, PRIOR_FLOOR * max(float(p.max()), 1e-12))
        w = w / w.max()  # conditioning: the minimiser does not depend on the scale of w
        fit = _Model(Mf, bf, tf, ub, cap=miss_cap)
        status, z = fit.closest(p, w)
        if status != "optimal":
            raise NotConvergedError(f"closest-to-prior fit of the suppressed cells failed: {status}")
        u = np.clip(z[:m], 0.0, ub)

    out = v.copy()
    out[unknown] = u * scale
    residual = np.zeros(K)
    for k, (parent, children) in enumerate(aggregates):
        residual[k] = out[children].sum() - out[parent]
    lower_r = out.copy()
    upper_r = out.copy()
    if ranges and m:
        # feasible set of stage 1 with the total miss capped at its minimum
        box = _Model(Mf, bf, tf, ub, cap=miss_cap)
        obj = np.zeros(m + 2 * box.k)
        for i in range(m):
            obj[i] = 1.0
            for sense_max, target in ((False, lower_r), (True, upper_r)):
                box.cost(obj, sense_max)
                status, z = box.solve()
                if status == "unbounded":
                    target[unknown[i]] = np.inf
                elif status == "optimal":
                    target[unknown[i]] = max(z[i], 0.0) * scale
                else:
                    raise InfeasibleError(f"range LP of suppressed cell {unknown[i]} failed: {status}")
            obj[i] = 0.0
        lower_r[unknown] = np.minimum(lower_r[unknown], out[unknown])
        upper_r[unknown] = np.maximum(upper_r[unknown], out[unknown])
    return SuppressedFit(values=out, estimated=unknown, lower=lower_r, upper=upper_r, residuals=residual,
                         tolerances=tol, total_miss=float(np.abs(residual).sum()))


def _default_prior(v, aggregates, suppressed):
    p = np.full(v.size, np.nan)
    for parent, children in aggregates:
        if suppressed[parent]:
            continue
        gaps = [c for c in children if suppressed[c]]
        if not gaps:
            continue
        rest = max(v[parent] - sum(v[c] for c in children if not suppressed[c]), 0.0) / len(gaps)
        for c in gaps:
            if np.isnan(p[c]):
                p[c] = rest
    return np.where(np.isnan(p), 0.0, p)


def _independent_rows(A):
    """Positions of a maximal set of linearly independent rows of ``A`` (rank-revealing QR)."""
    if A.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    _, R, piv = qr(A.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    rank = int((diag > 1e-10 * max(float(diag.max(initial=0.0)), 1.0)).sum())
    return np.sort(piv[:rank])


def _cells(aggregate):
    parent, children = aggregate
    return [parent, *children]


def _inconsistent(bad, aggregates, published_gap, tol):
    bad = [int(k) for k in bad]
    cells = sorted({c for k in bad for c in _cells(aggregates[k])})
    detail = "; ".join(
        f"aggregate {k} (parent cell {aggregates[k][0]}, children {aggregates[k][1]}): published children "
        f"minus parent = {published_gap[k]:.6g} with tolerance {tol[k]:.6g}" for k in bad[:5])
    return InconsistentAggregatesError(
        f"the published figures contradict each other: no non-negative completion meets {detail}",
        aggregates=bad, cells=cells)


def _diagnose(M, b, tols, ub, free, aggregates, published_gap, tol):
    """Return aggregates that must miss by more than their tolerance (the excess priced in an LP)."""
    k = M.shape[0]
    # M u - r+ + r- - e+ + e- = b with r in [0, tol] and e >= 0: the e columns are two more identity
    # blocks, i.e. the same model with tolerances widened to infinity at a price
    eye = sp.identity(k, format="csr")
    widened = np.concatenate([ub, np.full(2 * k, np.inf)])
    model = _Model(sp.hstack([M, -eye, eye], format="csr"), b, tols, widened,
                   reduce=False)
    m = M.shape[1]
    model.cost(np.concatenate([np.zeros(m), np.ones(2 * k), np.zeros(2 * model.k)]))
    status, z = model.solve()
    if status != "optimal":
        return InfeasibleError(f"the published figures contradict each other (diagnosis failed: {status})")
    excess = z[m:m + k] + z[m + k:m + 2 * k]
    bad = free[excess > 10 * _FEAS]
    return _inconsistent(bad, aggregates, published_gap, tol)
