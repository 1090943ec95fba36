"""Trade kernels with product classes: class-gravity prior, per-product balancing, totals constraints.

Arrays in, arrays out (docs/methods/regional.md, section "Trade estimation"). Products ``i`` (``n``),
regions ``r, s`` (``R``); trade arrays are ``(n, R, R)`` indexed (product, origin, destination).

References
----------
Wilson, A. G. (1970). *Entropy in Urban and Regional Modelling*. Pion (doubly-constrained gravity).
McCallum, J. (1995). National borders matter. *American Economic Review* 85, 615-623 (border effect).
Head, K. & Mayer, T. (2002). Illusory border effects. CEPII WP 2002-01 (distances, home bias).
Flegg, A. T. & Tohmo, T. (2013). Regional input-output tables and the FLQ formula: a case study of
Finland. *Regional Studies* 47, 703-721 (size-dependent regional self-supply).
Deming, W. E. & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency table
when the expected marginal totals are known. *Ann. Math. Stat.* 11, 427-444 (iterative
proportional fitting in three dimensions).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._balancing import ras
from ._margins import check_product_margins
from ._errors import InfeasibleError, NotConvergedError

__all__ = ["class_gravity_prior", "balance_products", "constrain_totals"]

#: Smallest prior weight relative to a product's largest cell (exp(-700) ~ 1e-304 stays positive).
_LOG_FLOOR = -700.0


def class_gravity_prior(origin, destination_intermediate, destination_final, distance, beta, home,
                        border=None, cross=None, local_intermediate=None):
    """Gravity prior with product-specific decay, home bias and border effect.

    ::

        T0_i[r, s] = O_i^r  W_i[r, s]  d_rs^(-beta_i)  exp(home_i^s [r = s] - border_i [c(r) != c(s)])
        W_i[s, s]  = Dfd_i^s + q_i^s Dint_i^s ,   W_i[r, s] = Dfd_i^s + Dint_i^s  (r != s)

    ``q`` (optional, in [0, 1]) is a location-quotient share applied to intermediate purchases only
    (the LQ adjustment of tradables); without it ``W = D``. Cells are positive wherever
    ``O_i^r > 0`` and ``D_i^s > 0``, so any margins with equal totals can be met by RAS.

    Parameters
    ----------
    origin : ndarray (n, R)
        Supply to the domestic market ``O``.
    destination_intermediate, destination_final : ndarray (n, R)
        Intermediate and final domestic demand at destination (``D = Dint + Dfd``).
    distance : ndarray (R, R)
        Positive distances (diagonal = internal distance).
    beta : ndarray (n,)
        Distance elasticity per product.
    home : ndarray (n, R)
        Log home bias per product and destination region.
    border : ndarray (n,), optional
        Log border effect per product for ``cross`` pairs.
    cross : ndarray (R, R) of bool, optional
        True where origin and destination lie in different countries.
    local_intermediate : ndarray (n, R), optional
        ``q``.

    Returns
    -------
    ndarray (n, R, R)
    """
    O = np.asarray(origin, dtype=np.float64)
    Dint = np.asarray(destination_intermediate, dtype=np.float64)
    Dfd = np.asarray(destination_final, dtype=np.float64)
    d = np.asarray(distance, dtype=np.float64)
    n, R = O.shape
    if (d <= 0).any() or not np.isfinite(d).all():
        r, s = np.argwhere(~(d > 0) | ~np.isfinite(d))[0]
        raise InfeasibleError(f"distance between regions {r} and {s} is {d[r, s]!r}; distances must be "
                              "positive and finite", columns=sorted({int(r), int(s)}))
    beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), (n,))
    home = np.broadcast_to(np.asarray(home, dtype=np.float64), (n, R))
    logf = -beta[:, None, None] * np.log(d)[None, :, :]
    idx = np.arange(R)
    logf[:, idx, idx] += home
    if border is not None and cross is not None:
        border = np.broadcast_to(np.asarray(border, dtype=np.float64), (n,))
        logf -= border[:, None, None] * np.asarray(cross, dtype=bool)[None, :, :]
    logf -= logf.max(axis=(1, 2), keepdims=True)
    f = np.exp(np.maximum(logf, _LOG_FLOOR))
    W = np.broadcast_to((Dint + Dfd)[:, None, :], (n, R, R)).copy()
    if local_intermediate is not None:
        q = np.clip(np.asarray(local_intermediate, dtype=np.float64), 0.0, 1.0)
        own = Dfd + q * Dint
        # keep a positive own cell wherever demand is positive (q = 0 must not close the cell)
        W[:, idx, idx] = np.where((own <= 0) & (Dint + Dfd > 0), 1e-9 * (Dint + Dfd), own)
    return O[:, :, None] * W * f


def balance_products(prior, origin, destination, tol=1e-12, max_iter=5000):
    """Balance each product's prior to its margins by RAS (Furness): ``T_i i = O_i``, ``i'T_i = D_i``.

    Each product is balanced on its own in a compiled loop (numba) and stops as soon as it has
    converged: sweep counts differ widely between products (e.g. 48 in the median and 775 at
    most on ``nl-corop``), so sweeping every product until the slowest one converges would do
    ten times the work. The stopping rule is that of :func:`mrio.kernels.ras`: after the column
    step of a sweep, the row residual of every product is at most ``tol * max(1, max O_i, max D_i)``
    (Bacharach 1970; docs/methods/balancing.md). A product on which RAS stalls (a nearly
    decomposable prior) is finished by Newton's method on the log scaling factors, at most
    ``min(60, max_iter)`` steps (Knight & Ruiz 2013).

    Parameters
    ----------
    prior : ndarray (n, R, R), non-negative
    origin, destination : ndarray (n, R)
        Non-negative margins with equal totals per product (1e-9 relative).
    tol : float
        Tolerance relative to each product's largest margin.
    max_iter : int
        Cap on RAS sweeps, and on the Newton steps that follow where RAS did not converge.

    Returns
    -------
    T : ndarray (n, R, R)
    iterations : ndarray of int (n,)
        Sweeps each product needed.

    Raises
    ------
    InfeasibleError
        Negative or unequal margins, or a positive margin whose row/column of the prior is all zero
        (``.rows`` = the product, ``.columns`` = regions).
    NotConvergedError
        The cap was reached (the message names the worst product).
    """
    prior = np.asarray(prior, dtype=np.float64)
    origin = np.asarray(origin, dtype=np.float64)
    destination = np.asarray(destination, dtype=np.float64)
    n, R = origin.shape
    if prior.shape != (n, R, R) or destination.shape != (n, R):
        raise InfeasibleError(f"trade balancing: prior {prior.shape}, origin {origin.shape} and destination "
                              f"{destination.shape} do not match (n x R x R, n x R)")
    if (prior < 0).any() or not np.isfinite(prior).all():
        raise InfeasibleError("trade balancing: the prior has negative or non-finite cells")
    for i in range(n):
        O, D = origin[i], destination[i]
        check_product_margins(i, O, D)
        dead = np.flatnonzero(((O > 0) & (prior[i].sum(axis=1) == 0)) | ((D > 0) & (prior[i].sum(axis=0) == 0)))
        if dead.size:
            raise InfeasibleError(f"product {i}: regions {dead.tolist()} have supply or demand but no admissible "
                                  "trade cell in the prior", rows=[i], columns=dead)
    scale = np.maximum(1.0, np.maximum(origin.max(axis=1, initial=0.0), destination.max(axis=1, initial=0.0)))
    T = np.ascontiguousarray(prior, dtype=np.float64).copy()
    iterations = np.zeros(n, dtype=np.int64)
    gap = np.zeros(n)
    _ras_products(T, np.ascontiguousarray(origin), np.ascontiguousarray(destination), scale, float(tol),
                  int(max_iter), iterations, gap)
    for i in np.flatnonzero(iterations == 0):  # RAS stalled (a nearly decomposable prior): Newton polish
        steps = _newton_scaling(T[i], origin[i], destination[i], tol * scale[i], max_steps=min(60, int(max_iter)))
        if steps:
            iterations[i] = max_iter + steps
    if (iterations > 0).all():
        return T, iterations
    worst = int(np.argmax(np.where(iterations > 0, -np.inf, gap)))
    error = NotConvergedError(f"product {worst}: RAS did not converge in {max_iter} sweeps: relative margin "
                              f"residual {gap[worst]:.3g} > {tol:.3g} (a prior with tiny cells where the margins "
                              "force flows converges slowly: raise the cap)", iterations=max_iter,
                              residual=float(gap[worst]))
    error.rows = [worst]  # the product, and the regions whose supply is furthest from being met
    error.columns = np.argsort(-np.abs(T[worst].sum(axis=1) - origin[worst]), kind="stable")[:5].tolist()
    raise error


def _newton_scaling(T, origin, destination, atol, max_steps=60):
    """Finish the scaling of one product's matrix ``T`` in place by Newton's method; return the steps (0 failed).

    RAS converges linearly at a rate set by how nearly the prior decomposes into blocks that
    hardly trade (strong home bias, regions whose margins force flows through cells of 1e-9 of
    their neighbours): then it can stall far from ``tol``. The scaling problem ``diag(e^a) T
    diag(e^b)`` with row sums ``O`` and column sums ``D`` is solved instead by Newton steps on
    ``(a, b)``::

        [diag(r)  T      ] [da]   [O - r]
        [T'       diag(c)] [db] = [D - c]        (r, c: current row and column sums)

    with ``b`` of the last active column fixed (the scaling is unique only up to ``e^t, e^-t``)
    and a backtracking line search on the largest margin residual (Knight & Ruiz 2013, "A fast
    algorithm for matrix balancing", IMA J. Numer. Anal. 33, 1029-1047). Each step ends with an
    exact column scaling, so the stopping rule is that of RAS: row residual ``<= atol``. The
    matrix ``T`` is left unchanged when no step improves it.
    """
    rows, cols = np.flatnonzero(origin > 0), np.flatnonzero(destination > 0)
    K = T[np.ix_(rows, cols)].copy()
    O, D = origin[rows], destination[cols]
    m, k = len(rows), len(cols)
    if m == 0 or k == 0:
        return 0

    def finish(X):
        c = X.sum(axis=0)
        X = X * np.divide(D, c, out=np.zeros_like(c), where=c > 0)[None, :]
        return X, np.abs(X.sum(axis=1) - O).max()

    X, res = finish(K)
    for step in range(1, max_steps + 1):
        if res <= atol:
            T[:, :] = 0.0
            T[np.ix_(rows, cols)] = X
            return step
        r, c = X.sum(axis=1), X.sum(axis=0)
        J = np.block([[np.diag(r), X[:, :-1]], [X[:, :-1].T, np.diag(c[:-1])]])
        rhs = np.concatenate([O - r, (D - c)[:-1]])
        try:
            delta = np.linalg.solve(J, rhs)
        except np.linalg.LinAlgError:
            delta = np.linalg.lstsq(J, rhs, rcond=None)[0]
        da, db = delta[:m], np.append(delta[m:], 0.0)
        t = 1.0
        while t > 1e-6:
            step_a, step_b = np.exp(np.clip(t * da, -50, 50)), np.exp(np.clip(t * db, -50, 50))
            Y, new = finish(X * step_a[:, None] * step_b[None, :])
            if np.isfinite(new) and new < res:
                X, res = Y, new
                break
            t *= 0.5
        else:
            return 0
    if res <= atol:
        T[:, :] = 0.0
        T[np.ix_(rows, cols)] = X
        return max_steps
    return 0


@njit(cache=True)
def _ras_products(T, origin, destination, scale, tol, max_iter, iterations, gap):  # pragma: no cover - compiled
    """RAS sweeps on each product in place until its row residual is within tolerance.

    A product stops as soon as it has converged (``iterations[i]`` = sweeps; 0 = cap reached,
    ``gap[i]`` = last relative residual), so the slow products do not keep the others sweeping.
    """
    n, R, _ = T.shape
    cols = np.empty(R)
    for i in range(n):
        for it in range(1, max_iter + 1):
            cols[:] = 0.0
            for r in range(R):
                for s in range(R):
                    cols[s] += T[i, r, s]
            for s in range(R):
                f = destination[i, s] / cols[s] if cols[s] > 0 else 0.0
                for r in range(R):
                    T[i, r, s] *= f
            worst = 0.0
            for r in range(R):
                row = 0.0
                for s in range(R):
                    row += T[i, r, s]
                worst = max(worst, abs(row - origin[i, r]))
                cols[r] = row  # reused below as the row sums
            gap[i] = worst / scale[i]
            if gap[i] <= tol:
                iterations[i] = it
                break
            for r in range(R):
                f = origin[i, r] / cols[r] if cols[r] > 0 else 0.0
                for s in range(R):
                    T[i, r, s] *= f


def constrain_totals(trade, origin, destination, totals, products, tol=1e-10, max_iter=5000):
    """Impose region-to-region totals on a group of products by three-way proportional fitting.

    Finds ``T`` close to ``trade`` (the balanced prior) with, for every product ``i`` in
    ``products``, ``T_i i = O_i`` and ``i'T_i = D_i``, and ``sum_{i in products} T_i = G``
    (Deming & Stephan 1940). ``G`` is first balanced by RAS to the group's regional totals of
    supply and demand, so only its pattern matters where its totals disagree with them (e.g.
    freight tonnes against values). Other products are left as they are.

    Parameters
    ----------
    trade : ndarray (n, R, R)
    origin, destination : ndarray (n, R)
    totals : ndarray (R, R), non-negative
        Region-to-region totals (origin x destination), positive wherever the group has supply at
        the origin and demand at the destination.
    products : ndarray of bool (n,)
    tol : float
        Relative tolerance on every margin and on the totals.
    max_iter : int

    Returns
    -------
    T : ndarray (n, R, R)
    iterations : int

    Raises
    ------
    InfeasibleError
        Totals negative, or zero where the group must trade.
    NotConvergedError
        No convergence within ``max_iter`` sweeps.
    """
    T = np.array(trade, dtype=np.float64, copy=True)
    G0 = np.asarray(totals, dtype=np.float64)
    sel = np.flatnonzero(np.asarray(products, dtype=bool))
    if sel.size == 0:
        return T, 0
    if (G0 < 0).any() or not np.isfinite(G0).all():
        raise InfeasibleError("region-to-region totals must be finite and non-negative")
    O = np.asarray(origin, dtype=np.float64)[sel]
    D = np.asarray(destination, dtype=np.float64)[sel]
    G = ras(G0, O.sum(axis=0), D.sum(axis=0), tol=tol, tol_factors=np.inf, max_iter=max_iter).X
    X = T[sel]
    scale = max(1.0, float(O.max(initial=0.0)), float(D.max(initial=0.0)), float(G.max(initial=0.0)))
    for it in range(1, max_iter + 1):
        cell = X.sum(axis=0)
        X *= np.divide(G, cell, out=np.zeros_like(G), where=cell > 0)[None]
        rows = X.sum(axis=2)
        X *= np.divide(O, rows, out=np.zeros_like(O), where=rows > 0)[:, :, None]
        cols = X.sum(axis=1)
        X *= np.divide(D, cols, out=np.zeros_like(D), where=cols > 0)[:, None, :]
        gap = max(np.abs(X.sum(axis=2) - O).max(), np.abs(X.sum(axis=0) - G).max())
        if gap <= tol * scale:
            T[sel] = X
            return T, it
    raise NotConvergedError(f"region-to-region totals: three-way fitting did not converge in {max_iter} "
                            f"sweeps (largest gap {gap:.3g}); the totals may be inconsistent with the "
                            "products' supply and demand", iterations=max_iter, residual=float(gap))
