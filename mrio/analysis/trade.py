"""Value added in trade: VA by origin in final demand by destination, VAX ratios, KWW decomposition.

* ``F_VA = v_hat L Y`` by origin and destination region (Johnson & Noguera 2012; Timmer et al.
  2014); value-added exports of region s = VA of s absorbed in final demand elsewhere; VAX ratio
  = value-added exports / gross exports.
* Koopman, Wang & Wei (2014) decomposition of each region's gross exports ``E_s*`` into nine
  terms (docs/methods/trade.md), with KWW's global inverse ``B`` = our L and local inverses
  ``L_rr^loc = (I - A_rr)^-1``. The nine terms computed with value-added coefficients add up to
  ``(v'L)_s E_s*``; with leakages in V (imports from outside the system, product taxes) the
  remainder ``outside_inputs = (m'L)_s E_s*`` is computed, not taken as a residual, so
  ``sum of terms = gross exports`` is a genuine identity (KWW eq. 36).

With an exogenous rest of the world, destinations outside the system (e.g. ``"RoW"``) absorb
final demand (they count as export destinations) but produce nothing.

References
----------
Koopman, R., Wang, Z. & Wei, S.-J. (2014). Tracing value-added and double counting in gross
exports. *American Economic Review* 104, 459-494. Johnson, R. C. & Noguera, G. (2012).
*J. Int. Econ.* 86, 224-236. Wang, Wei & Zhu (2013), NBER WP 19677 (as implemented in R
``decompr::kww``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.analysis.dependency import dependency_matrix
from mrio.core.display import result_html
from mrio.core.kernel_errors import kernel_errors
from mrio.core.system import MRIO

__all__ = ["KWW_TERMS", "value_added_in_trade", "gross_exports", "vax_ratio", "kww_decomposition",
           "TradeAccounts", "trade_accounts"]

#: The nine terms of the Koopman-Wang-Wei decomposition (T1-T9), in order.
KWW_TERMS = ("DVA_FIN", "DVA_INT", "DVA_INTrex", "RDV_FIN", "RDV_INT", "DDC", "FVA_FIN", "FVA_INT", "FDC")


def value_added_in_trade(system: MRIO) -> pd.DataFrame:
    """Gross value added of each origin region embodied in final demand of each destination.

    Returns
    -------
    pandas.DataFrame
        Origin region x destination (including destinations outside the system); the grand
        total is GDP (total GVA). Unit in ``.attrs["unit"]``.
    """
    return dependency_matrix(system, "value-added", by="region").by_destination


def _destination_blocks(system: MRIO) -> tuple[np.ndarray, list]:
    """``Yd`` (N x D): final demand summed over categories by destination; destinations list."""
    dest = list(system.final_demand_regions)
    regions = system.Y.columns.get_level_values("region")
    Y = system.arrays.Y
    Yd = np.stack([Y[:, np.asarray(regions == d)].sum(axis=1) for d in dest], axis=1)
    # internal regions first, in system order, then outside destinations
    order = [dest.index(r) for r in system.regions]
    order += [k for k, d in enumerate(dest) if d not in system.regions]
    return Yd[:, order], [dest[k] for k in order]


def _exports(system: MRIO, Yd: np.ndarray) -> np.ndarray:
    """``E`` (N,): each industry's sales to other regions, intermediate and final."""
    R, n = system.n_regions, system.n_sectors
    Z = system.arrays.Z
    E = np.zeros(len(system))
    for s in range(R):
        b = slice(s * n, (s + 1) * n)
        E[b] = Z[b].sum(axis=1) - Z[b, b].sum(axis=1) + Yd[b].sum(axis=1) - Yd[b, s]
    return E


def gross_exports(system: MRIO) -> pd.Series:
    """Return the gross exports ``E_s*`` of each region.

    Intermediate and final sales to other regions and to destinations outside the system.
    """
    Yd, _ = _destination_blocks(system)
    E = _exports(system, Yd)
    out = pd.Series(E, index=system.index).groupby(level="region", sort=False).sum().rename("gross_exports")
    out.attrs["unit"] = system.units.get("monetary", "")
    return out


def vax_ratio(system: MRIO) -> pd.DataFrame:
    """Value-added exports and the VAX ratio (Johnson & Noguera 2012) by region.

    Returns
    -------
    pandas.DataFrame
        ``value_added``, ``value_added_exports`` (GVA of the region absorbed by final demand of
        other destinations), ``gross_exports`` and ``vax_ratio``.
    """
    va = value_added_in_trade(system)
    own = np.array([va.loc[r, r] if r in va.columns else 0.0 for r in va.index])
    total = va.sum(axis=1).to_numpy()
    E = gross_exports(system).reindex(va.index).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(E != 0, (total - own) / np.where(E != 0, E, 1.0), np.nan)
    frame = pd.DataFrame({"value_added": total, "value_added_exports": total - own, "gross_exports": E,
                          "vax_ratio": ratio}, index=va.index)
    frame.attrs["unit"] = system.units.get("monetary", "")
    return frame


def kww_decomposition(system: MRIO) -> pd.DataFrame:
    """Koopman-Wang-Wei decomposition of each region's gross exports.

    Returns
    -------
    pandas.DataFrame indexed by region
        Columns :data:`~mrio.analysis.trade.KWW_TERMS` (T1-T9 of docs/methods/trade.md, value
        added = the system's ``value_added_components``), ``outside_inputs`` (imports from outside the
        system and other non-GVA primary inputs embodied in the exports), ``gross_exports`` and
        ``domestic_value_added`` (T1 + T2 + T3, absorbed abroad), ``returned_domestic`` (T4 + T5),
        ``foreign_value_added`` (T7 + T8), ``double_counted`` (T6 + T9). The terms plus
        ``outside_inputs`` sum to ``gross_exports``.

    Notes
    -----
    For region s, with ``Q = V_own L`` (R transposed solves; row s holds ``v_s L_s.``),
    ``T1 = v_s L_ss sum_{r != s} Y_sr`` (global block, as in KWW eq. 36),
    ``T2 = v_s sum_r L_sr Y_rr``, ``T3 = v_s sum_r sum_{t != s, r} L_sr Y_rt``,
    ``T4 = v_s sum_r L_sr Y_rs``, ``T5 = v_s sum_r L_sr A_rs L^loc_ss Y_ss``,
    ``T6 = v_s sum_r L_sr A_rs L^loc_ss E_s*``, ``T7 = sum_{t != s} v_t L_ts sum_r Y_sr``,
    ``T8 = sum_{t != s} v_t L_ts sum_r A_sr L^loc_rr Y_rr``,
    ``T9 = sum_{t != s} v_t L_ts sum_r A_sr L^loc_rr E_r*`` (sums over other internal regions r;
    final-demand destinations t include those outside the system). Cost: 2R transposed solves,
    R local n x n factorisations and O(R N n) products.
    """
    R, n = system.n_regions, system.n_sectors
    N = len(system)
    A, x = system.arrays.A, system.arrays.x
    Yd, _ = _destination_blocks(system)
    E = _exports(system, Yd)
    v = system.value_added.to_numpy()
    va_c = kernels.safe_divide(v, x)
    all_c = kernels.safe_divide(system.arrays.V.sum(axis=0), x)
    leak_c = all_c - va_c
    blocks = [slice(r * n, (r + 1) * n) for r in range(R)]
    own_mask = np.zeros((R, N))
    for r, b in enumerate(blocks):
        own_mask[r, b] = 1.0
    with kernel_errors(system.index):
        Q = system.leontief_row_product(own_mask * va_c)        # Q[s, b(r)] = v_s L_sr
        leak_total = system.leontief_row_product(leak_c)        # (m'L)
        local_Y = kernels.block_diagonal_solve(A, n, np.stack(
            [np.concatenate([Yd[b, r] for r, b in enumerate(blocks)]), E], axis=1))
    loc_Yrr, loc_E = local_Y[:, 0], local_Y[:, 1]               # L^loc_rr Y_rr, L^loc_rr E_r*
    q = Q.sum(axis=0)                                           # v'L
    Ytot = Yd.sum(axis=1)
    rows = []
    for s, bs in enumerate(blocks):
        exp_fin = Ytot[bs] - Yd[bs, s]                          # sum_{r != s} Y_sr (incl. outside)
        T1 = Q[s, bs] @ exp_fin
        T2 = T3 = T4 = 0.0
        back = np.zeros(n)                                      # sum_{r != s} v_s L_sr A_rs
        for r, br in enumerate(blocks):
            if r == s:
                continue
            Qsr = Q[s, br]
            T2 += Qsr @ Yd[br, r]
            T4 += Qsr @ Yd[br, s]
            T3 += Qsr @ (Ytot[br] - Yd[br, r] - Yd[br, s])
            back += Qsr @ A[br, bs]
        T5 = back @ loc_Yrr[bs]
        T6 = back @ loc_E[bs]
        foreign = q[bs] - Q[s, bs]                              # sum_{t != s} v_t L_ts
        T7 = foreign @ exp_fin
        fwd_Y = A[bs] @ loc_Yrr - A[bs, bs] @ loc_Yrr[bs]       # sum_{r != s} A_sr L^loc_rr Y_rr
        fwd_E = A[bs] @ loc_E - A[bs, bs] @ loc_E[bs]
        T8 = foreign @ fwd_Y
        T9 = foreign @ fwd_E
        rows.append([T1, T2, T3, T4, T5, T6, T7, T8, T9, leak_total[bs] @ E[bs], E[bs].sum()])
    frame = pd.DataFrame(rows, index=system.regions, columns=[*KWW_TERMS, "outside_inputs", "gross_exports"])
    frame["domestic_value_added"] = frame[["DVA_FIN", "DVA_INT", "DVA_INTrex"]].sum(axis=1)
    frame["returned_domestic"] = frame[["RDV_FIN", "RDV_INT"]].sum(axis=1)
    frame["foreign_value_added"] = frame[["FVA_FIN", "FVA_INT"]].sum(axis=1)
    frame["double_counted"] = frame[["DDC", "FDC"]].sum(axis=1)
    frame.attrs["unit"] = system.units.get("monetary", "")
    return frame


@dataclass(frozen=True)
class TradeAccounts:
    """Value added in trade, VAX ratios and the KWW decomposition, all in ``unit``."""

    value_added_in_trade: pd.DataFrame
    vax: pd.DataFrame
    kww: pd.DataFrame
    unit: str
    _repr_html_ = result_html


def trade_accounts(system: MRIO) -> TradeAccounts:
    """All value-added-in-trade measures at once."""
    return TradeAccounts(value_added_in_trade(system), vax_ratio(system), kww_decomposition(system),
                         system.units.get("monetary", ""))
