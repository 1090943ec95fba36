"""Time-loop kernels: dynamic inoperability (DIIM) and the ARIO disaster model.

Arrays in, arrays out (float64, C-contiguous); no pandas, no labels. Every output array is
allocated once before the time loop; the loops themselves never allocate.

References
----------
Lian, C. & Haimes, Y. Y. (2006). Managing the risk of terrorism to interdependent infrastructure
systems through the dynamic inoperability input-output model. *Systems Engineering* 9:241-258.
Hallegatte, S. (2008). An adaptive regional input-output model and its application to the
assessment of the economic cost of Katrina. *Risk Analysis* 28:779-799; (2014) 34:152-167.
Juhel, S. BoARIO (``docs/source/boario-math.rst``, ``boario/model_base.py``,
``boario/extended_models.py``), version 0.7.2: the update order reproduced by :func:`ario_run`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from scipy.linalg import expm

from ._codes import (  # noqa: F401 - re-exported; constants of the compiled loops
    ARIO_PARAMETERS,
    EVENT_CAPACITY,
    EVENT_CAPITAL_REBUILD,
    EVENT_CAPITAL_RECOVER,
    RECOVERY_CONVEX,
    RECOVERY_CONVEX_SCALED,
    RECOVERY_LINEAR,
)

__all__ = [
    "diim_resilience",
    "diim_transition",
    "diim_trajectory",
    "ario_run",
    "thread_count",
    "ARIO_PARAMETERS",
    "EVENT_CAPITAL_RECOVER",
    "EVENT_CAPITAL_REBUILD",
    "EVENT_CAPACITY",
    "RECOVERY_LINEAR",
    "RECOVERY_CONVEX_SCALED",
    "RECOVERY_CONVEX",
]


# ---------------------------------------------------------------------------------------- DIIM
def diim_resilience(a_star_diagonal, recovery_time, recovery_ratio):
    """Resilience coefficients ``k_i = ln(q_i(0)/q_i(T_i)) / (T_i (1 - a*_ii))``.

    Parameters
    ----------
    a_star_diagonal : ndarray of shape (n,)
        Diagonal of the interdependency matrix ``A* = x^-1 A x`` (equal to the diagonal of A).
    recovery_time : ndarray of shape (n,)
        ``T_i > 0``: time (in steps) to recover from ``q_i(0)`` to ``q_i(T_i)``.
    recovery_ratio : ndarray of shape (n,)
        ``q_i(T_i) / q_i(0)`` in (0, 1), e.g. 0.01 for "99 % recovered".

    Returns
    -------
    k : ndarray of shape (n,)

    Notes
    -----
    Lian & Haimes (2006), eq. for the continuous DIIM; exact for an industry without
    interdependencies, approximate otherwise (docs/methods/shocks.md, section "Dynamic inoperability (DIIM)").
    """
    return np.log(1.0 / recovery_ratio) / (recovery_time * (1.0 - a_star_diagonal))


def diim_transition(A_star, k, dt=1.0):
    """One-step propagator ``E = exp(-K (I - A*) dt)`` of the continuous DIIM.

    Parameters
    ----------
    A_star : ndarray of shape (n, n)
    k : ndarray of shape (n,)
        Resilience coefficients.
    dt : float

    Returns
    -------
    E : ndarray of shape (n, n), C-contiguous.

    Notes
    -----
    ``dq/dt = K (A* q + c* - q)`` has, for ``c*`` constant over a step, the exact solution
    ``q(t + dt) = q_inf + E (q(t) - q_inf)`` with ``q_inf = (I - A*)^-1 c*`` (docs/methods/shocks.md, section
    "Dynamic inoperability (DIIM)").
    The explicit Euler step ``q + K (A* q + c* - q)`` is only a first-order approximation.
    """
    M = -(k[:, np.newaxis] * A_star)
    M[np.diag_indices_from(M)] += k
    M *= -dt
    return np.ascontiguousarray(expm(M))


#: Largest system for which :func:`diim_trajectory` forms the dense propagator by default
#: (``O(n^3)`` once, cheaper than the per-step overhead of the action below this size).
DIIM_DENSE_MAX = 600


def diim_trajectory(A, x, k, q0, q_inf, schedule, out, dt=1.0, trade=None, method="auto"):
    """Fill ``out[m] = q(m dt)``, for ``m`` from 0 to ``T``, of the continuous DIIM by the action of the exponential.

    Over each run of steps with the same perturbation ``s = schedule[t]``,
    ``q(t0 + m dt) = q_inf[s] + exp(m M) (q(t0) - q_inf[s])`` with ``M = -K (I - A*) dt`` and
    ``A* = x^-1 A x``: the exact solution of ``dq/dt = K (A* q + c* - q)`` for ``c*`` constant,
    evaluated by :func:`scipy.sparse.linalg.expm_multiply` (Al-Mohy & Higham 2011, SIAM J. Sci.
    Comput. 33:488-511; truncated
    Taylor series with scaling, to double precision) from products ``A v`` alone. The dense
    ``n x n`` exponential is never formed.

    Parameters
    ----------
    A : ndarray of shape (n, n)
        Input coefficients (unused when ``trade`` is given, except for its diagonal).
    x : ndarray of shape (n,)
        Output; industries with ``x_i = 0`` have zero rows and columns in ``A*``.
    k : ndarray of shape (n,)
        Resilience coefficients (``diim_resilience``).
    q0 : ndarray of shape (n,)
    q_inf : ndarray of shape (m, n)
        Steady state ``(I - A*)^-1 c*`` of each distinct perturbation (row per perturbation).
    schedule : int64 ndarray of shape (T,)
        Row of ``q_inf`` in force during step t.
    out : ndarray of shape (T + 1, n)
        Filled in place: ``out[0] = q0``.
    dt : float
    trade : (t, technology), optional
        The trade structure of ``A`` (:func:`mrio.kernels.trade_structure`): products ``A v``
        then cost ``2 (R n^2 + n R^2)`` flops instead of ``2 n^2``.
    method : {"auto", "action", "dense"}
        ``"action"`` as above; ``"dense"`` forms ``E = exp(M)`` (``diim_transition``, an
        ``O(n^3)`` exponential) and steps ``q(t + dt) = E q(t) + (I - E) q_inf``; ``"auto"``:
        dense up to ``DIIM_DENSE_MAX`` (600) industries. Both give the same trajectory up to rounding.

    Notes
    -----
    docs/methods/shocks.md, section "Dynamic inoperability (DIIM)".
    """
    n = x.shape[0]
    inv_x = np.where(x > 0, 1.0 / np.where(x > 0, x, 1.0), 0.0)
    if method == "auto":
        method = "dense" if n <= DIIM_DENSE_MAX else "action"
    out[0] = q0
    if method == "dense":
        E = diim_transition(A * x[np.newaxis, :] * inv_x[:, np.newaxis], k, dt)
        offsets = q_inf - q_inf @ E.T
        for t in range(schedule.shape[0]):
            out[t + 1] = E @ out[t] + offsets[schedule[t]]
        return
    from scipy.sparse.linalg import LinearOperator, expm_multiply

    from ._structured import trade_structured_matvec, trade_structured_rmatvec

    if trade is None:
        def product(V):
            return A @ V

        def product_t(V):
            return A.T @ V
    else:
        def product(V):
            return trade_structured_matvec(trade[0], trade[1], V)

        def product_t(V):
            return trade_structured_rmatvec(trade[0], trade[1], V)

    kx, ix = k[:, np.newaxis], inv_x[:, np.newaxis]

    def matmat(V):  # M V = -dt K (V - x^-1 A x V)
        V = np.asarray(V, dtype=np.float64).reshape(n, -1)
        return -dt * kx * (V - ix * product(x[:, np.newaxis] * V))

    def rmatmat(W):  # M' W = -dt (K W - x A' x^-1 K W)
        KW = kx * np.asarray(W, dtype=np.float64).reshape(n, -1)
        return -dt * (KW - x[:, np.newaxis] * product_t(ix * KW))

    M = LinearOperator((n, n), matvec=matmat, rmatvec=rmatmat, matmat=matmat, rmatmat=rmatmat, dtype=np.float64)
    trace = -dt * float(np.sum(k * (1.0 - np.diag(A) * (x * inv_x))))
    T = schedule.shape[0]
    t0 = 0
    while t0 < T:
        s = schedule[t0]
        t1 = t0 + 1
        while t1 < T and schedule[t1] == s:
            t1 += 1
        gap = out[t0] - q_inf[s]
        if np.any(gap != 0.0):
            path = expm_multiply(M, gap, start=0.0, stop=float(t1 - t0), num=t1 - t0 + 1, endpoint=True,
                                 traceA=trace)
            out[t0 + 1:t1 + 1] = q_inf[s] + path[1:]
        else:  # already at the steady state of this perturbation
            out[t0 + 1:t1 + 1] = q_inf[s]
        t0 = t1


# ---------------------------------------------------------------------------------------- ARIO
class thread_count:  # noqa: N801 - used as a function: ``with thread_count(1): ...``
    """Context manager running the compiled parallel loops of the calling thread on ``count`` threads.

    ``None`` leaves numba's setting alone. The previous count is restored on exit; the results of
    :func:`ario_run` do not depend on it (every sum keeps its serial order).
    """

    def __init__(self, count=None):
        self.count = count
        self._before = None

    def __enter__(self):
        if self.count is not None:
            import numba

            self._before = numba.get_num_threads()
            numba.set_num_threads(max(1, min(int(self.count), numba.config.NUMBA_NUM_THREADS)))
        return self

    def __exit__(self, *exc):
        if self._before is not None:
            import numba

            numba.set_num_threads(self._before)
            self._before = None
        return False


# Event status, in BoARIO's vocabulary.
_PENDING, _HAPPENING, _RECOVERING, _REBUILDING, _FINISHED = 0, 1, 2, 3, 4
# Columns per parallel block when updating reconstruction demand; order rows summed together.
_BLOCK = 256
_GROUP = 4



@njit(cache=True)
def _round(value, decimals):
    # numpy's round for decimals >= 0: rint(value * 10**d) / 10**d (pandas .round calls it)
    f = 10.0 ** decimals
    return np.rint(value * f) / f


@njit(cache=True)
def _recovery(kind, initial, elapsed, tau):
    if kind == RECOVERY_LINEAR:
        return initial * (1.0 - (elapsed / tau))
    if kind == RECOVERY_CONVEX_SCALED:
        return initial * (1.0 - (1.0 / tau)) ** (4.0 * elapsed)
    return initial * (1.0 - (1.0 / tau)) ** elapsed


@njit(cache=True)
def _isclose(a, b):
    # numpy.isclose(a, b) with rtol=1e-5, atol=1e-8 (np.allclose defaults); inf == inf is close
    if np.isfinite(a) and np.isfinite(b):
        return abs(a - b) <= 1e-8 + 1e-5 * abs(b)
    return a == b


@njit(cache=True)
def _serve(i, p, t, orders, x0, Y0, by_industry, inv_duration, params, fd_destination, work, out_production,
           out_capacity, out_fd_loss, out_fd_loss_dest, out_rebuild_demand):
    """Step 3 of :func:`ario_run` for industry ``i`` (making product ``p``), given its orders received.

    Total demand ``D_i`` (orders + final + reconstruction demand), overproduction ``alpha_i``,
    capacity and production under the inventory constraint, unmet final demand, the demand left
    for the next orders and the supplier weight ``w_i``, written into ``work`` and the outputs.
    ``by_industry[:, i]`` holds industry i's column of ``A_S``, of the input flags (1.0 / 0.0) and
    of the inventories (rows of a transposed copy: contiguous here).
    """
    n = by_industry.shape[2]
    K = Y0.shape[1]
    alpha_base, alpha_max, psi = params[0], params[1], params[3]
    inv_tau = 1.0 / params[2]
    order_alt = params[4] > 0.5
    reb = work[i, 7]
    dtot = orders + work[i, 11] + reb
    work[i, 2] = dtot
    alpha = work[i, 0]
    prod = work[i, 1]
    # overproduction (BoARIO: from the third step on)
    if t > 1:
        scarcity = 0.0
        if dtot != 0.0:
            scarcity = (dtot - prod) / dtot
            if np.isnan(scarcity):
                scarcity = 0.0
        chg = (alpha_max - alpha) * scarcity * inv_tau
        if scarcity == 0.0:
            chg += (alpha_base - alpha) * inv_tau
        else:
            chg += 0.0
        alpha += chg
        if alpha < 1.0:
            alpha = 1.0
        work[i, 0] = alpha
    # production under capacity and inventory constraints
    cap = x0[i] * (1.0 - work[i, 4]) * alpha
    xopt = min(dtot, cap)
    q_min = 1.0
    for q in range(n):
        if by_industry[1, i, q] != 0.0 and np.isfinite(inv_duration[q]):
            need = xopt * by_industry[0, i, q] * psi * inv_duration[q]
            if need != 0.0:
                v = by_industry[2, i, q] / need
                if v < q_min:
                    q_min = v
    prod = xopt * q_min if q_min < 1.0 else xopt
    work[i, 1] = prod
    work[i, 3] = cap
    out_production[t, i] = prod
    out_capacity[t, i] = cap
    # unmet final demand
    u = 0.0
    for c in range(K):
        y = Y0[i, c]
        if y != 0.0:  # a zero entry adds 0.0 to both sums
            share = y / dtot if dtot != 0.0 else 0.0
            unmet = y - share * prod
            u += unmet
            out_fd_loss_dest[t, fd_destination[c] * n + p] += unmet
    out_fd_loss[t, i] = u
    out_rebuild_demand[t, i] = reb
    # reconstruction delivered; what is left of the demand counts for the new orders
    served = prod / dtot if dtot != 0.0 else 0.0
    work[i, 8] = dtot - reb * served
    # supplier weight of this step's orders ("alt": capacity / x0)
    if order_alt:
        work[i, 6] = cap / x0[i] if x0[i] != 0.0 else 1.0
    else:
        work[i, 6] = 1.0


@njit(cache=True, parallel=True)
def ario_run(x0, Z0, Y0, tech, is_input, inv_duration, restoration, capital, params,
             ev_kind, ev_time, ev_recovery, ev_function, ev_slot, ev_damage, ev_rebuild,
             ev_rebuild_tau, ev_rebuild_factor, fd_destination, n_destinations,
             out_production, out_capacity, out_fd_loss, out_fd_loss_dest, out_rebuild_demand,
             out_min_stock, state_stock, state_gap, state_share_sum, work, ev_status, ev_current,
             ev_active, scratch, by_industry, trade_share, national_use, state_share_total, trade_work,
             t_start, t_stop):
    """ARIO time loop (Hallegatte 2008, 2014) with BoARIO 0.7.2's update order, in place.

    Parameters
    ----------
    x0 : ndarray (N,)
        Output per step (annual / 365 for daily steps).
    Z0 : ndarray (N, N)
        Intermediate flows per step; ``N = R n`` with industry ``i`` making product ``i % n``.
    Y0 : ndarray (N, K)
        Final demand per step (fixed, as in BoARIO).
    tech : ndarray (n, N)
        ``A_S = I_sum A``: input p per unit output of industry f (summed over supplying regions).
    is_input : bool ndarray (n, N)
        Input p constrains f (BoARIO: annual ``Z_C > 1e-5 x0``).
    inv_duration : ndarray (n,)
        Target inventory ``s_p`` in steps (``inf`` = never constraining).
    restoration : ndarray (n,)
        ``1 / tau_inv`` per input (1 for the base model).
    capital : ndarray (N,)
        Productive capital (BoARIO default 4 x value added).
    params : ndarray (8,)
        :data:`ARIO_PARAMETERS`: ``alpha_base, alpha_max, alpha_tau, psi, order_alt (1.0 = "alt"
        orders of Guan et al. 2020, 0.0 = shares of Z0), damage_decimals, capacity_decimals,
        capacity_lag`` (1.0: exogenous capacity losses act one step late, as in BoARIO 0.7.2,
        whose ``update_prod_cap_delta_arb`` runs after the total loss is formed).
    ev_kind, ev_time, ev_recovery, ev_function, ev_slot : int64 ndarrays (E,), (E, 2), ...
        Kind (:data:`EVENT_CAPITAL_RECOVER`, :data:`EVENT_CAPITAL_REBUILD`,
        :data:`EVENT_CAPACITY`), ``(occurrence, duration)`` in steps, recovery time in steps,
        recovery function, and the slot in ``ev_rebuild`` of rebuild events (-1 otherwise).
    ev_damage : ndarray (E, N)
        Capital destroyed (capital events) or share of capacity lost (capacity events).
    ev_rebuild : ndarray (E_r, N, N)
        Reconstruction demand of each rebuild event: rows = supplying industry, columns =
        damaged industry (BoARIO's distributed rebuild demand). Updated in place.
    ev_rebuild_tau, ev_rebuild_factor : ndarray (E_r,)
    fd_destination : int64 ndarray (K,)
        Destination (region) of each final-demand column; ``n_destinations`` of them.
    out_production, out_capacity, out_fd_loss : ndarray (T, N)
        Realised production, production capacity and final demand not met (by supplier).
    out_fd_loss_dest : ndarray (T, n_destinations * n)
        Final demand not met by (destination, product).
    out_rebuild_demand : ndarray (T, N)
        Reconstruction demand addressed to each industry per step.
    out_min_stock : ndarray (T,)
        Smallest inventory after the step (must stay >= 0).
    state_stock : ndarray (n, N)
        Inventories ``Omega``; must hold the initial stocks ``s_p A_S x0`` (``inf`` allowed).
    state_gap : ndarray (n, N)
        Orders of input p by industry f over all suppliers, ``O^S`` (any values at ``t_start = 0``).
    state_share_sum : ndarray (2, n, N)
        ``sum_{i makes p} Z0_if w_i`` of the last two steps (the denominators of the supplier
        shares); any values at ``t_start = 0``.
    work : ndarray (N, 16)
        State vectors; column 0 (overproduction ``alpha``) must hold ``alpha_base`` and column 1
        (production) ``x0`` at ``t_start = 0``. The kernel allocates nothing.
    ev_status : int64 ndarray (E,)
        Event status (0 pending at the start).
    ev_current : ndarray (E, N)
        Current damage / capacity loss of each event (``ev_damage`` at the start).
    ev_active : bool ndarray (E,)
        Event still has damage (True at the start).
    scratch : ndarray (5, n, N)
        Work space.
    by_industry : ndarray (3, N, n)
        Work space: ``A_S``, the input flags and the inventories transposed (industry-major).
    trade_share : ndarray (n, R, R) or (0, 0, 0)
        ``T_p^{rs}``, region r's share of the inputs of product p bought in region s, when
        ``Z0_if = T_p^{r s(f)} C_pf`` for every supplier ``i = r n + p`` (a Chenery-Moses table,
        :func:`mrio.kernels.trade_structure`); empty for the dense pass over ``Z0``.
    national_use : ndarray (n, N) or (0, 0)
        ``C_pf = sum_r Z0_{r n + p, f}`` (used with ``trade_share`` only).
    state_share_total : ndarray (2, n, R) or (2, 0, 0)
        ``U_p^s = sum_r T_p^{rs} w_{r n + p}`` of the last two steps (the structured share
        denominators, ``sum_{i makes p} Z0_if w_i = C_pf U_p^{s(f)}``); any values at ``t_start = 0``.
    trade_work : ndarray (n, R + 2, R) or (0, 0, 0)
        Work space of the structured pass.
    t_start, t_stop : int
        Run steps ``t_start <= t < t_stop``; call again with the same state arrays to continue
        (this is how the labelled layer shows progress).

    Notes
    -----
    Per step t (BoARIO ``Simulation.next_step``): event status and capacity loss
    ``Delta = max(Gamma / k, delta_arbitrary)``; overproduction ``alpha`` (from t = 2) with
    scarcity ``(D - x)/D``; ``x_cap = x0 (1 - Delta) alpha``, ``x_opt = min(D, x_cap)``,
    ``x = x_opt min(1, min_p Omega_pf / (psi s_p A_S,pf x_opt_f))``; proportional rationing of
    orders, final and reconstruction demand; inventories ``Omega += I_sum O_served - A_S x``
    (skipped when already close, as BoARIO does); recovery/rebuilding of events; new orders
    ``O^S = max(s A_S x_opt - Omega, 0)/tau_inv + A_S x`` split over suppliers by ``Z0`` shares
    (weighted by supplier capacity ``w_i = x_cap_i / x0_i`` for "alt" orders). docs/methods/shocks.md,
    section "ARIO".

    The N x N order matrix is never stored: ``O_if = O^S_pf (Z0_if w_i / sum_{i' makes p}
    Z0_i'f w_i')`` (``Z0`` at t = 0) is recomputed, with the same floating-point operations, in
    the one pass over ``Z0`` a step needs. That pass runs in parallel over products p (each
    thread owns the rows ``i = r n + p`` of its products, so every sum keeps BoARIO's serial
    order and the results do not depend on the number of threads); it forms, row by row, the
    total demand ``D_i``, overproduction, production, the orders delivered ``I_sum O^rec``,
    unmet final demand and next step's share denominators. Everything else is O(n N) per step
    (plus O(N^2) per rebuild event while it is being rebuilt).

    With ``trade_share`` the pass never reads ``Z0`` (which may then be empty): the share of
    supplier ``i = r n + p`` in the orders of buyer ``f`` in region ``s`` is ``G_p^{rs} = T_p^{rs}
    w_i / U_p^s`` whatever ``f``, so ``sum_f O_if = sum_s G_p^{rs} H_p^s`` with ``H_p^s = sum_{f in
    s} O^S_pf`` and ``(I_sum O^rec)_pf = O^S_pf sum_r G_p^{rs} x_i / D_i``: O(n R^2 + n N) per
    step instead of O(N^2), the same quantities up to rounding (docs/methods/shocks.md, section
    "ARIO").
    """
    N = x0.shape[0]
    n = tech.shape[0]
    R = N // n
    K = Y0.shape[1]
    E = ev_kind.shape[0]
    dmg_dec, cap_dec = params[5], params[6]
    lag = params[7] > 0.5
    n_block = (N + _BLOCK - 1) // _BLOCK
    structured = trade_share.shape[0] > 0
    for i in prange(N):  # final demand per industry, summed in column order (work column 11)
        y = 0.0
        for c in range(K):
            y += Y0[i, c]
        work[i, 11] = y
        for q in range(n):  # the columns _serve reads, contiguous by industry
            by_industry[0, i, q] = tech[q, i]
            by_industry[1, i, q] = 1.0 if is_input[q, i] else 0.0
            by_industry[2, i, q] = state_stock[q, i]

    # work vectors (columns of the preallocated workspace; _serve writes columns 0-3 and 6-8)
    prod = work[:, 1]
    dtot = work[:, 2]
    cap = work[:, 3]
    delta = work[:, 4]
    lost = work[:, 5]
    ratio = work[:, 6]   # supplier weight w_i of the orders in force (1 for "noalt")
    reb_tot = work[:, 7]
    dord = work[:, 8]
    arb_prev = work[:, 9]
    flag = work[:, 10]   # per-block reductions
    status = ev_status
    current = ev_current
    has_damage = ev_active
    zc = scratch[0]        # I_sum O^rec, then the inventory goals
    rows = scratch[1:]     # _GROUP order rows per product (owned by the thread of that product)
    rowsum = work[:, 12:16]  # their totals, per product

    for t in range(t_start, t_stop):
        first = t == 0
        old_sum = state_share_sum[(t + 1) % 2]
        new_sum = state_share_sum[t % 2]
        # ---- 1. event status, capacity loss, reconstruction demand
        for e in range(E):
            if status[e] == _PENDING and t - 1 <= ev_time[e, 0] <= t:
                status[e] = _HAPPENING
            if status[e] == _HAPPENING and t >= ev_time[e, 0] + ev_time[e, 1]:
                status[e] = _REBUILDING if ev_kind[e] == EVENT_CAPITAL_REBUILD else _RECOVERING
        for f in range(N):
            lost[f] = 0.0
            delta[f] = 0.0
            reb_tot[f] = 0.0
        for e in range(E):
            st = status[e]
            if not has_damage[e]:
                continue
            if ev_kind[e] == EVENT_CAPACITY:
                if st == _HAPPENING or st == _RECOVERING:
                    for f in range(N):
                        delta[f] = max(delta[f], current[e, f])  # exogenous loss now
            elif st == _HAPPENING or st == _RECOVERING or st == _REBUILDING:
                for f in range(N):
                    lost[f] += current[e, f]
        for f in range(N):
            if lag:
                now = delta[f]
                delta[f] = arb_prev[f]
                arb_prev[f] = now
            if capital[f] != 0.0:
                delta[f] = max(delta[f], lost[f] / capital[f])
        for e in range(E):
            if status[e] == _REBUILDING and has_damage[e]:
                k = ev_slot[e]
                w = 1.0 / ev_rebuild_tau[k]
                for f in prange(N):
                    s = 0.0
                    for g in range(N):
                        s += ev_rebuild[k, f, g] * w
                    reb_tot[f] += s
        # ---- 2.-4. one pass over the rows of the orders, in parallel over products
        if structured:
            old_total = state_share_total[(t + 1) % 2]
            new_total = state_share_total[t % 2]
            for p in prange(n):
                for d in range(n_destinations):
                    out_fd_loss_dest[t, d * n + p] = 0.0
                G = trade_work[p, :R]   # G_p^{rs}: share of region r in the orders of region s
                H = trade_work[p, R]    # H_p^s = sum_{f in s} O^S_pf: region s's orders of p
                F = trade_work[p, R + 1]  # F_p^s = sum_r G_p^{rs} x_rp / D_rp: share delivered
                for r in range(R):
                    w = ratio[r * n + p]
                    for s in range(R):
                        if first:
                            G[r, s] = trade_share[p, r, s]
                        else:
                            u = old_total[p, s]
                            G[r, s] = trade_share[p, r, s] * w / u if u != 0.0 else 0.0
                for s in range(R):
                    h = 0.0
                    for j in range(n):
                        f = s * n + j
                        if national_use[p, f] != 0.0:
                            h += national_use[p, f] if first else state_gap[p, f]
                    H[s] = h
                for r in range(R):
                    i = r * n + p
                    orders = 0.0
                    for s in range(R):
                        orders += G[r, s] * H[s]
                    _serve(i, p, t, orders, x0, Y0, by_industry, inv_duration, params,
                           fd_destination, work, out_production, out_capacity, out_fd_loss, out_fd_loss_dest,
                           out_rebuild_demand)
                for s in range(R):
                    delivered = 0.0
                    total = 0.0
                    for r in range(R):
                        i = r * n + p
                        if dtot[i] != 0.0:
                            delivered += G[r, s] * prod[i] / dtot[i]
                        total += trade_share[p, r, s] * ratio[i]
                    F[s] = delivered
                    new_total[p, s] = total
                for s in range(R):
                    for j in range(n):
                        f = s * n + j
                        if national_use[p, f] != 0.0:
                            zc[p, f] = (national_use[p, f] if first else state_gap[p, f]) * F[s]
                        else:
                            zc[p, f] = 0.0
        else:
            for p in prange(n):
                for d in range(n_destinations):
                    out_fd_loss_dest[t, d * n + p] = 0.0
                for f in range(N):
                    zc[p, f] = 0.0
                    new_sum[p, f] = 0.0
                for r0 in range(0, R, _GROUP):
                    m = min(_GROUP, R - r0)
                    # orders addressed to rows r0 .. r0+m-1 (step 6 of the previous step, recomputed
                    # with the same operations: O_if = O^S_pf * (Z0_if w_i / sum_i' Z0_i'f w_i'))
                    for j in range(m):
                        i = (r0 + j) * n + p
                        if first:
                            for f in range(N):
                                rows[j, p, f] = Z0[i, f]
                        else:
                            w = ratio[i]
                            for f in range(N):
                                z = old_sum[p, f]
                                share = Z0[i, f] * w / z if z != 0.0 else 0.0
                                rows[j, p, f] = state_gap[p, f] * share
                    # their totals, each summed in column order (independent chains, interleaved)
                    if m == 4:
                        s0 = 0.0
                        s1 = 0.0
                        s2 = 0.0
                        s3 = 0.0
                        for f in range(N):
                            s0 += rows[0, p, f]
                            s1 += rows[1, p, f]
                            s2 += rows[2, p, f]
                            s3 += rows[3, p, f]
                        rowsum[p, 0] = s0
                        rowsum[p, 1] = s1
                        rowsum[p, 2] = s2
                        rowsum[p, 3] = s3
                    else:
                        for j in range(m):
                            s = 0.0
                            for f in range(N):
                                s += rows[j, p, f]
                            rowsum[p, j] = s
                    for j in range(m):
                        i = (r0 + j) * n + p
                        _serve(i, p, t, rowsum[p, j], x0, Y0, by_industry, inv_duration, params,
                               fd_destination, work, out_production, out_capacity, out_fd_loss, out_fd_loss_dest,
                               out_rebuild_demand)
                        # proportional rationing: deliveries of product p (I_sum O^rec), in row order;
                        # next step's share denominators
                        d_i = dtot[i]
                        x_i = prod[i]
                        w = ratio[i]
                        if d_i != 0.0:
                            for f in range(N):
                                zc[p, f] += rows[j, p, f] / d_i * x_i
                                new_sum[p, f] += Z0[i, f] * w
                        else:
                            for f in range(N):
                                new_sum[p, f] += Z0[i, f] * w
        # ---- 4. inventories (skipped when deliveries already match use, as BoARIO does), then
        # the inventory goals of step 6 (serial: O(n N), cheaper than another parallel launch)
        close = True
        for q in range(n):
            for f in range(N):
                if not _isclose(zc[q, f], prod[f] * tech[q, f]):
                    close = False
                    break
            if not close:
                break
        min_stock = np.inf
        close_goal = True
        for q in range(n):
            finite = np.isfinite(inv_duration[q])
            for f in range(N):
                if not close:
                    state_stock[q, f] = state_stock[q, f] - prod[f] * tech[q, f] + zc[q, f]
                stock = state_stock[q, f]
                if stock < min_stock:
                    min_stock = stock
                xopt = min(dord[f], cap[f])
                if finite:
                    goal = xopt * tech[q, f] * inv_duration[q]
                elif tech[q, f] * xopt != 0.0:
                    goal = np.inf
                else:
                    goal = np.nan
                if close_goal and not _isclose(stock, goal):
                    close_goal = False
                zc[q, f] = goal
        out_min_stock[t] = min_stock
        if not close:
            for f in prange(N):
                for q in range(n):
                    by_industry[2, f, q] = state_stock[q, f]
        # ---- 5. rebuilding and recovery of events
        for e in range(E):
            if not has_damage[e]:
                continue
            if status[e] == _REBUILDING:
                k = ev_slot[e]
                w = 1.0 / ev_rebuild_tau[k]
                for b in prange(n_block):  # column blocks: each column summed over f in order
                    g0 = b * _BLOCK
                    g1 = min(N, g0 + _BLOCK)
                    left = 0.0
                    for g in range(g0, g1):
                        current[e, g] = 0.0
                    for f in range(N):
                        for g in range(g0, g1):
                            dem = ev_rebuild[k, f, g]
                            share = dem * w / dtot[f] if dtot[f] != 0.0 else 0.0
                            v = _round(dem - share * prod[f], dmg_dec)
                            if v < 0.0:
                                v = 0.0
                            ev_rebuild[k, f, g] = v
                            if v != 0.0:
                                left = 1.0
                            current[e, g] += v
                    flag[b] = left
                any_left = False
                for b in range(n_block):
                    if flag[b] != 0.0:
                        any_left = True
                if any_left:
                    for g in range(N):
                        current[e, g] = current[e, g] / ev_rebuild_factor[k]
                else:
                    has_damage[e] = False
                    status[e] = _FINISHED
            elif status[e] == _RECOVERING:
                elapsed = t - (ev_time[e, 0] + ev_time[e, 1])
                dec = cap_dec if ev_kind[e] == EVENT_CAPACITY else dmg_dec
                any_left = False
                for f in range(N):
                    v = _round(_recovery(ev_function[e], ev_damage[e, f], elapsed, ev_recovery[e]), dec)
                    current[e, f] = v
                    if v != 0.0:
                        any_left = True
                if not any_left:
                    has_damage[e] = False
                    status[e] = _FINISHED
        # ---- 6. orders for the next step: O^S per (input, buyer), split over suppliers next step
        for q in range(n):
            for f in range(N):
                goal = zc[q, f]
                g = 0.0
                if not close_goal and np.isfinite(goal):
                    g = goal - state_stock[q, f]
                    if g < 0.0:
                        g = 0.0
                    g = restoration[q] * g
                state_gap[q, f] = g + prod[f] * tech[q, f]
