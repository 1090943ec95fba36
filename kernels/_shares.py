r"""Closest fit of linear share targets under exact margins (regional placement by least squares).

A placement problem fixes non-negative cells ``x`` (e.g. regional output of every region and
industry) by exact linear margins ``E x = b`` (national totals, published regional totals) and
asks that many linear expressions ``g_k . x`` (a group's regional share of its national total,
possibly minus a fraction of its parent group's share) lie in target bands ``[lo_k, hi_k]``
(a published share: a point; an estimated confidential share: its feasible range). They
cannot all hold, so :func:`fit_share_targets` solves the convex quadratic programme

.. math::

    \min_{x, z}\; \tfrac12 \sum_k w_k \bigl(g_k x - z_k\bigr)^2
    \quad\text{s.t.}\quad E x = b,\; F x \ge f,\; x \ge 0,\; lo_k \le z_k \le hi_k ,

i.e. the weighted squared distance of every expression to its band (zero inside the band); the
optional floors ``F x >= f`` are hard lower bounds on other linear expressions (e.g. a published
cell at least half its share). With
``g_k x`` a share (output of the group in a region over its national output) and ``w_k`` the
group's national output, the deviation that the margins force on a region is shared by the
groups in equal share points (the minimax split), not in proportion to their size as a
biproportional (RAS) fit shares it. See docs/methods/regional.md, section 'Dutch regional table'.

Solved by Clarabel (interior point; Goulart & Chen 2024) on a scaled problem; the margins hold to
the solver's tolerance and are made exact by the caller where it needs them exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import clarabel
import numpy as np
import scipy.sparse as sp

from ._errors import InfeasibleError, NotConvergedError

__all__ = ["ShareFit", "fit_share_targets"]


@dataclass(frozen=True)
class ShareFit:
    """Output of :func:`fit_share_targets`.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The cells (>= 0).
    deviation : ndarray of shape (k,)
        ``g_k x`` minus its band (0 inside the band; negative below ``lo``, positive above ``hi``).
    objective : float
        ``0.5 sum_k w_k deviation_k^2``.
    margin_residual : float
        ``max |E x - b|``.
    """

    x: np.ndarray
    deviation: np.ndarray
    objective: float
    margin_residual: float


def fit_share_targets(G, lo, hi, w, E, b, tol: float = 1e-10, F=None, f=None) -> ShareFit:
    """Non-negative cells closest to linear share targets under exact linear margins.

    Minimises ``0.5 sum_k w_k dist(g_k x, [lo_k, hi_k])^2`` subject to ``E x = b``, ``F x >= f``
    and ``x >= 0`` (module docstring).

    Parameters
    ----------
    G : sparse matrix of shape (k, n)
        Target expressions, one row each.
    lo, hi : array_like of shape (k,)
        Target bands, ``lo <= hi`` (equal for a point target).
    w : array_like of shape (k,)
        Weights, > 0.
    E : sparse matrix of shape (m, n)
        Margins; rows must be linearly independent (drop the redundant total of a two-way table).
    b : array_like of shape (m,)
        Margin values.
    tol : float, default 1e-10
        Clarabel's gap and feasibility tolerances.
    F : sparse matrix of shape (p, n), optional
        Floor expressions, one row each (default: none).
    f : array_like of shape (p,), optional
        Their lower bounds (``F x >= f``, met to the solver's tolerance).

    Returns
    -------
    ShareFit

    Raises
    ------
    InfeasibleError
        No non-negative ``x`` meets the margins and the floors.
    NotConvergedError
        The solver stopped without reaching optimality.
    ValueError
        Inconsistent shapes, ``lo > hi`` or non-positive weights.
    """
    G = sp.csr_array(G, dtype=np.float64)
    E = sp.csr_array(E, dtype=np.float64)
    lo, hi, w, b = (np.asarray(a, dtype=np.float64).ravel() for a in (lo, hi, w, b))
    k, n = G.shape
    m = E.shape[0]
    if E.shape[1] != n or lo.size != k or hi.size != k or w.size != k or b.size != m:
        raise ValueError(f"shapes: G {G.shape}, lo {lo.size}, hi {hi.size}, w {w.size}, E {E.shape}, "
                         f"b {b.size}")
    F = sp.csr_array((0, n)) if F is None else sp.csr_array(F, dtype=np.float64)
    f = np.zeros(0) if f is None else np.asarray(f, dtype=np.float64).ravel()
    if F.shape != (f.size, n):
        raise ValueError(f"shapes: F {F.shape}, f {f.size}, cells {n}")
    if (lo > hi).any():
        raise ValueError(f"lo > hi in target rows {np.flatnonzero(lo > hi)[:10].tolist()}")
    if not (w > 0).all():
        raise ValueError("weights must be > 0")
    # scaled problem: x = s y (margins of order one), weights to max 1; variables v = (y [n], z [nb])
    # for the banded rows, residual r = M v - l0 with M = [s G, -S_band] and l0 the point targets
    s = max(float(np.abs(b).max(initial=0.0)), 1e-300)
    ws = w / w.max() if k else w
    banded = np.flatnonzero(hi > lo)
    nb = banded.size
    M = sp.hstack([s * G, -sp.csr_array((np.ones(nb), (banded, np.arange(nb))), shape=(k, nb))], format="csr")
    l0 = np.where(hi > lo, 0.0, lo)
    P = (M.T @ (sp.diags_array(ws) @ M)).tocsc()  # 0.5 r' W r = 0.5 v' P v + q' v + const
    q = -(M.T @ (ws * l0))
    nv = n + nb
    Y = sp.csr_array((-np.ones(n), (np.arange(n), np.arange(n))), shape=(n, nv))  # -y <= 0
    Zu = sp.csr_array((np.ones(nb), (np.arange(nb), n + np.arange(nb))), shape=(nb, nv))
    p = F.shape[0]
    A = sp.vstack([sp.hstack([E, sp.csr_array((m, nb))]), Y, Zu, -Zu,
                   sp.hstack([-F, sp.csr_array((p, nb))])], format="csc")  # -F y <= -f / s
    rhs = np.concatenate([b / s, np.zeros(n), hi[banded], -lo[banded], -f / s])
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tol
    cones = [clarabel.ZeroConeT(m), clarabel.NonnegativeConeT(n + 2 * nb + p)]
    solution = clarabel.DefaultSolver(sp.triu(P).tocsc(), q, A, rhs, cones, settings).solve()
    status = str(solution.status)
    if status in ("PrimalInfeasible", "AlmostPrimalInfeasible"):
        raise InfeasibleError("no non-negative cells meet the margins" + (" and the floors" if p else ""))
    if status not in ("Solved", "AlmostSolved"):
        raise NotConvergedError(f"share-target fit did not converge: {status}")
    v = np.asarray(solution.x)
    x = np.clip(v[:n], 0.0, None) * s
    gx = G @ x
    dev = np.where(gx < lo, gx - lo, np.where(gx > hi, gx - hi, 0.0))
    return ShareFit(x=x, deviation=dev, objective=float(0.5 * np.sum(w * dev ** 2)),
                    margin_residual=float(np.abs(E @ x - b).max(initial=0.0)))
