"""Regionalisation kernels: location quotients, CHARM, gravity trade, Chenery-Moses assembly.

Arrays in, arrays out (docs/methods/regional.md, section "Intra-regional shares (location quotients)").
Regional quantities are ``(R, n)`` arrays
(region, sector); national ones ``(n,)``; location-quotient matrices ``(R, n, n)`` indexed
(region, selling sector i, buying sector j). The rule ``0 / 0 := 0`` applies throughout.

References
----------
Flegg, A. T., Webber, C. D. & Elliott, M. V. (1995). On the appropriate use of location quotients
in generating regional input-output tables. *Regional Studies* 29, 547-561.
Flegg, A. T. & Webber, C. D. (1997). On the appropriate use of location quotients ... reply.
*Regional Studies* 31, 795-805 (the lambda* form).
Flegg, A. T. & Webber, C. D. (2000). Regional size, regional specialization and the FLQ formula.
*Regional Studies* 34, 563-569 (AFLQ).
Kronenberg, T. (2009). Construction of regional input-output tables using nonsurvey methods: the
role of cross-hauling. *International Regional Science Review* 32, 40-64 (CHARM).
Wilson, A. G. (1970). *Entropy in Urban and Regional Modelling*. Pion (doubly-constrained gravity).
Head, K. & Mayer, T. (2002). Illusory border effects. CEPII WP 2002-01 (internal distance).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._balancing import ras
from ._margins import check_product_margins
from ._errors import InfeasibleError, NotConvergedError

__all__ = [
    "slq",
    "cilq",
    "flq_lambda",
    "flq",
    "aflq",
    "regional_coefficients",
    "charm",
    "internal_distance",
    "distance_decay",
    "gravity_trade",
    "chenery_moses_flows",
]


def _share(numerator, denominator):
    out = np.zeros(np.broadcast_shapes(np.shape(numerator), np.shape(denominator)))
    np.divide(numerator, denominator, out=out, where=np.asarray(denominator) != 0)
    return out


def slq(regional, national):
    """Return simple location quotients ``SLQ_i^r = (RE_i^r / TRE^r) / (NE_i / TNE)``.

    Parameters
    ----------
    regional : ndarray of shape (R, n)
        Regional employment (or output) by sector.
    national : ndarray of shape (n,)
        National employment by sector.

    Returns
    -------
    ndarray of shape (R, n); 0 where the region or the nation has none of sector i.
    """
    regional = np.asarray(regional, dtype=np.float64)
    national = np.asarray(national, dtype=np.float64)
    regional_share = _share(regional, regional.sum(axis=1, keepdims=True))
    national_share = _share(national, national.sum())
    return _share(regional_share, national_share[np.newaxis, :])


def cilq(slq_values):
    """Cross-industry location quotients ``CILQ_ij = SLQ_i / SLQ_j``, diagonal ``SLQ_i``.

    Parameters
    ----------
    slq_values : ndarray of shape (R, n)

    Returns
    -------
    ndarray of shape (R, n, n). Where ``SLQ_j = 0`` (the region has no buying sector j, so the
    coefficient never applies) the entry is 1.
    """
    q = np.asarray(slq_values, dtype=np.float64)
    out = np.ones((q.shape[0], q.shape[1], q.shape[1]))
    np.divide(q[:, :, np.newaxis], q[:, np.newaxis, :], out=out, where=q[:, np.newaxis, :] != 0)
    idx = np.arange(q.shape[1])
    out[:, idx, idx] = q
    return out


def flq_lambda(regional_total, national_total, delta):
    """Return the FLQ regional-size factor ``lambda* = [log2(1 + TRE/TNE)]^delta``, ``0 <= delta < 1``."""
    ratio = np.asarray(regional_total, dtype=np.float64) / float(national_total)
    return np.log2(1.0 + ratio) ** float(delta)


def flq(regional, national, delta):
    """Flegg location quotients ``FLQ_ij = lambda* CILQ_ij`` (Flegg & Webber 1997).

    Parameters
    ----------
    regional : ndarray of shape (R, n)
    national : ndarray of shape (n,)
    delta : float in [0, 1)

    Returns
    -------
    ndarray of shape (R, n, n)
    """
    regional = np.asarray(regional, dtype=np.float64)
    lam = flq_lambda(regional.sum(axis=1), np.sum(national), delta)
    return lam[:, np.newaxis, np.newaxis] * cilq(slq(regional, national))


def aflq(regional, national, delta):
    """Augmented FLQ: ``AFLQ_ij = FLQ_ij log2(1 + SLQ_j)`` where ``SLQ_j > 1`` (Flegg & Webber 2000)."""
    q = slq(regional, national)
    boost = np.where(q > 1.0, np.log2(1.0 + q), 1.0)
    return flq(regional, national, delta) * boost[:, np.newaxis, :]


def regional_coefficients(A, quotients):
    """Intra-regional coefficients ``r_ij = a_ij min(LQ_ij, 1)`` for every region.

    Parameters
    ----------
    A : ndarray of shape (n, n)
        National domestic technical coefficients.
    quotients : ndarray of shape (R, n, n) or (R, n)
        CILQ/FLQ/AFLQ matrices, or SLQ by selling sector (applied along rows).

    Returns
    -------
    ndarray of shape (R, n, n); never larger than ``A``.
    """
    q = np.asarray(quotients, dtype=np.float64)
    if q.ndim == 2:
        q = q[:, :, np.newaxis]
    return np.asarray(A, dtype=np.float64)[np.newaxis] * np.minimum(q, 1.0)


def charm(A_total, x_regional, fd_regional, x_national, fd_national, exports_national,
          imports_national):
    """Cross-hauling adjusted regionalisation method (Kronenberg 2009), per region and product.

    With ``z^r = A x^r`` (national technology *including* imports)::

        b_i^r = x_i^r - z_i^r - f_i^r
        eps_i = q_i / (x_i + z_i + f_i),  q_i = (e_i + m_i) - |e_i - m_i|
        q_i^r = eps_i (x_i^r + z_i^r + f_i^r)
        v_i^r = |b_i^r| + q_i^r ;  e_i^r = (v_i^r + b_i^r)/2 ;  m_i^r = (v_i^r - b_i^r)/2

    Parameters
    ----------
    A_total : ndarray of shape (n, n)
        National coefficients including imported inputs.
    x_regional, fd_regional : ndarray of shape (R, n)
        Regional output and regional domestic final demand by product.
    x_national, fd_national, exports_national, imports_national : ndarray of shape (n,)

    Returns
    -------
    exports, imports, import_share : ndarray of shape (R, n)
        Regional exports and imports (to/from everywhere outside the region) and the uniform
        import share ``m_i^r / (z_i^r + f_i^r)`` used to scale row i of ``A`` (docs/methods/regional.md,
        section "Trade estimation").
    """
    A_total = np.asarray(A_total, dtype=np.float64)
    x_r = np.asarray(x_regional, dtype=np.float64)
    f_r = np.asarray(fd_regional, dtype=np.float64)
    z_r = x_r @ A_total.T  # z_i^r = sum_j a_ij x_j^r
    z_n = A_total @ np.asarray(x_national, dtype=np.float64)
    e_n = np.asarray(exports_national, dtype=np.float64)
    m_n = np.asarray(imports_national, dtype=np.float64)
    q_n = (e_n + m_n) - np.abs(e_n - m_n)
    eps = _share(q_n, np.asarray(x_national) + z_n + np.asarray(fd_national))
    balance = x_r - z_r - f_r
    q_r = eps[np.newaxis, :] * (x_r + z_r + f_r)
    volume = np.abs(balance) + q_r
    exports = (volume + balance) / 2.0
    imports = (volume - balance) / 2.0
    import_share = np.clip(_share(imports, z_r + f_r), 0.0, 1.0)
    return exports, imports, import_share


def internal_distance(area):
    """Return internal distance ``d_rr = (2/3) sqrt(area_r / pi)`` (Head & Mayer 2002)."""
    return 2.0 / 3.0 * np.sqrt(np.asarray(area, dtype=np.float64) / np.pi)


def distance_decay(distance, beta, form="power"):
    """Gravity deterrence ``f(d) = d^-beta`` ("power") or ``exp(-beta d)`` ("exponential")."""
    d = np.asarray(distance, dtype=np.float64)
    if form == "power":
        out = np.zeros_like(d)
        np.power(d, -float(beta), out=out, where=d > 0)
        return out
    if form == "exponential":
        return np.exp(-float(beta) * d)
    raise ValueError(f"unknown distance-decay form {form!r}; use 'power' or 'exponential'")


#: Default weight of the plain-gravity floor in the trade prior (see :func:`gravity_trade`).
GRAVITY_FLOOR = 1e-3


@njit(cache=True)
def _gravity_prior(origin, destination, decay, intra, floor):
    """Prior ``T0[r, s]`` for one product (see :func:`gravity_trade`).

    Non-zero exactly on ``{O_r > 0} x {D_s > 0}`` (``f > 0`` is checked by the caller): cells the
    location-quotient prior leaves at zero get ``floor`` times their plain-gravity value.
    """
    R = origin.shape[0]
    T0 = np.zeros((R, R))
    for s in range(R):
        if destination[s] <= 0.0:
            continue
        if intra[s] < 0.0:  # no intra-regional target: plain gravity, own region included
            for r in range(R):
                T0[r, s] = origin[r] * destination[s] * decay[r, s]
            continue
        own = min(intra[s] * destination[s], origin[s])
        rest = destination[s] - own
        T0[s, s] = own
        weight = 0.0
        for r in range(R):
            if r != s:
                weight += origin[r] * decay[r, s]
        if weight > 0.0:
            for r in range(R):
                if r != s:
                    T0[r, s] = rest * origin[r] * decay[r, s] / weight
        elif rest > 0.0:
            T0[s, s] = destination[s]
        # plain-gravity floor on the cells the LQ prior rules out: G[r, s] = D_s O_r f_rs / sum_r' O_r' f_r's
        total = weight + origin[s] * decay[s, s]
        if total > 0.0:
            for r in range(R):
                if T0[r, s] == 0.0 and origin[r] > 0.0:
                    T0[r, s] = floor * destination[s] * origin[r] * decay[r, s] / total
    return T0


def gravity_trade(origin, destination, decay, intra_share=None, tol=1e-12, max_iter=5000,
                  floor=GRAVITY_FLOOR):
    """Doubly-constrained gravity flows per product, balanced by Furness (RAS) iteration.

    For each product i, finds ``T_i`` (origin r -> destination s) with ``T_i i = O_i`` and
    ``i'T_i = D_i`` starting from the prior (Wilson 1970; docs/methods/regional.md, section "Trade
    estimation")::

        T0_i[r, s] = O_i^r D_i^s f(d_rs)                              (intra_share not given)
        T0_i[s, s] = min(q_i^s D_i^s, O_i^s),
        T0_i[r, s] = (D_i^s - T0_i[s, s]) O_i^r f(d_rs) / sum_{r' != s} O_i^r' f(d_r's)   (r != s)

    where ``q_i^s`` is a location-quotient estimate of the intra-regional share of demand.
    The location quotients are an estimate, not a constraint: where the formulas above give a
    zero cell between a supplying region (``O_i^r > 0``) and a demanding one (``D_i^s > 0``) --
    ``q_i^s = 0`` although region s produces i, or ``q_i^s = 1`` closing column s to other
    suppliers -- the cell gets ``floor`` times its plain-gravity value
    ``D_i^s O_i^r f(d_rs) / sum_r' O_i^r' f(d_r's)``. The prior is then positive exactly on
    ``{O > 0} x {D > 0}``, which admits any non-negative margins with equal totals, so RAS
    always converges (Bacharach 1970, ch. 4; Pukelsheim 2014); a hard zero could make the
    margins unreachable (a region whose whole supply has nowhere to go).

    Parameters
    ----------
    origin, destination : ndarray of shape (n, R)
        Supply to the domestic market ``O`` and domestic demand ``D`` by product and region,
        non-negative, ``O.sum(axis=1) == D.sum(axis=1)`` (1e-9 relative).
    decay : ndarray of shape (R, R)
        ``f(d_rs)``, positive everywhere.
    intra_share : ndarray of shape (n, R), optional
        ``q_i^s`` in [0, 1].
    tol, max_iter : as :func:`mrio.kernels.ras` (relative to the product's largest margin).
    floor : float, default 1e-3
        Weight of the plain-gravity floor, in (0, 1]. Where the location-quotient prior already
        admits the margins the result changes by O(floor); where it does not, the floor cells
        carry the flows that the margins force. Smaller values slow RAS down where the margins
        force flows onto floor cells (1e-6 needed up to ~3,300 sweeps on random tests, 1e-3 ~550).

    Returns
    -------
    T : ndarray of shape (n, R, R)
    iterations : ndarray of int, shape (n,)

    Raises
    ------
    InfeasibleError
        Negative margins or unequal totals for a product (``.rows`` = that product's position,
        ``.columns`` = the regions concerned), or a distance decay that is not positive (``.columns``
        = the two regions).
    """
    origin = np.ascontiguousarray(origin, dtype=np.float64)
    destination = np.ascontiguousarray(destination, dtype=np.float64)
    decay = np.ascontiguousarray(decay, dtype=np.float64)
    n, R = origin.shape
    if destination.shape != (n, R) or decay.shape != (R, R):
        raise InfeasibleError(f"gravity trade: origin {origin.shape}, destination {destination.shape} and "
                              f"decay {decay.shape} do not match (n products x R regions, R x R)")
    if not (np.isfinite(origin).all() and np.isfinite(destination).all() and np.isfinite(decay).all()):
        raise InfeasibleError("gravity trade: NaN or infinite supply, demand or distance decay")
    if not (decay > 0).all():
        r, s = np.argwhere(~(decay > 0))[0]
        raise InfeasibleError(
            f"gravity trade: the distance decay f(d) is {decay[r, s]:.3g} between regions {r} and {s}; it "
            "must be positive (zero cells would fix a zero pattern that may not admit the margins; "
            "exp(-beta d) underflows for beta d > 745)", columns=sorted({int(r), int(s)}))
    if not 0.0 < floor <= 1.0:
        raise ValueError(f"floor must be in (0, 1], got {floor}")
    if intra_share is None:
        intra = -np.ones((n, R))
    else:
        intra = np.clip(np.ascontiguousarray(intra_share, dtype=np.float64), 0.0, 1.0)
    T = np.zeros((n, R, R))
    iterations = np.zeros(n, dtype=np.int64)
    for i in range(n):
        O, D = origin[i], destination[i]
        check_product_margins(i, O, D)
        if O.sum() == 0.0 and D.sum() == 0.0:
            continue
        T0 = _gravity_prior(O, D, decay, intra[i], float(floor))
        try:
            result = ras(T0, O, D, tol=tol, tol_factors=np.inf, max_iter=max_iter)
        except InfeasibleError as exc:
            raise InfeasibleError(f"product {i}: {exc}", rows=[i], columns=exc.columns) from exc
        except NotConvergedError as exc:
            new = NotConvergedError(f"product {i}: {exc}", iterations=exc.iterations, residual=exc.residual)
            new.rows = [i]  # the product; the regions whose supply or demand is furthest from its margin
            new.columns = list(dict.fromkeys([*getattr(exc, "rows", []), *getattr(exc, "columns", [])]))
            raise new from exc
        T[i] = result.X
        iterations[i] = result.iterations
    return T, iterations


@njit(cache=True)
def chenery_moses_flows(trade_coefficients, Z_national, output_share):
    """Assemble ``Z^{rs}_ij = t_i^{rs} a_ij x_j^s = t_i^{rs} Z^N_ij share_j^s``.

    See docs/methods/regional.md, section "National consistency".

    Parameters
    ----------
    trade_coefficients : ndarray of shape (n, R, R)
        ``t_i^{rs} = T_i^{rs} / D_i^s``; columns sum to one where ``D_i^s > 0``.
    Z_national : ndarray of shape (n, n)
    output_share : ndarray of shape (R, n)
        ``x_j^s / x_j^N`` (columns sum to one).

    Returns
    -------
    Z : ndarray of shape (R n, R n), region-major.
    """
    n, R, _ = trade_coefficients.shape
    Z = np.empty((R * n, R * n))
    for r in range(R):
        for i in range(n):
            row = r * n + i
            for s in range(R):
                t = trade_coefficients[i, r, s]
                for j in range(n):
                    Z[row, s * n + j] = t * Z_national[i, j] * output_share[s, j]
    return Z
