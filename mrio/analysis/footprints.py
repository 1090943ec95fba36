"""Footprints: consumption-based and production-based accounts and embodied trade.

Definitions follow pymrio's ``calc_accounts`` (pymrio ``doc/source/math.rst``; docs/methods/multipliers.md,
section "Type I multipliers")::

    D_cba[k, (s, j)] = sum_r (S L)[k, (r, j)] Y_s[(r, j)]     footprint of s's final demand for j
    D_pba[k, (r, i)] = S[k, (r, i)] x[(r, i)]                   emissions where they occur
    D_imp            = D_cba minus the part produced in the consuming region s itself
    D_exp[k, (r, i)] = S[k, (r, i)] sum_{s != r} (L Y_s)[(r, i)]  produced in r for final demand elsewhere

with ``Y_s`` the final demand of destination s summed over categories; regional totals add the
direct final-demand extensions ``F_Y`` to D_cba and D_pba. Global closure:
``sum_s D_cba = sum_r D_pba`` when every destination is a region of the system (with outside
destinations such as RoW exports, their footprint is the embodied-export difference).

Nothing here forms L: ``S L`` is k transposed solves, the domestic parts ``S^(s) L`` are k per
region, and ``L Y_s`` one solve per destination.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio.core import labels as lab
from mrio.core.system import MRIO
from mrio.errors import InputError

__all__ = ["FootprintAccounts", "footprints"]


@dataclass(frozen=True)
class FootprintAccounts:
    """Consumption- and production-based accounts (stressor x region), with sector detail.

    Attributes
    ----------
    consumption_based : pandas.DataFrame
        Footprint of each destination's final demand, plus its direct F_Y (pymrio ``D_cba_reg``).
    production_based : pandas.DataFrame
        Territorial account, plus direct F_Y (``D_pba_reg``); destinations outside the system
        have no production and are absent.
    imports : pandas.DataFrame
        Embodied in a destination's final demand but produced elsewhere (``D_imp_reg``).
    exports : pandas.DataFrame
        Produced in a region for final demand elsewhere (``D_exp_reg``).
    balance : pandas.DataFrame
        ``consumption_based - production_based`` (= imports - exports for system regions).
    by_sector : dict of str to pandas.DataFrame
        ``"cba"``, ``"pba"``, ``"imp"``, ``"exp"``: stressor x (region, sector) detail.
    units : dict of str to str
    """

    consumption_based: pd.DataFrame
    production_based: pd.DataFrame
    imports: pd.DataFrame
    exports: pd.DataFrame
    balance: pd.DataFrame
    by_sector: dict[str, pd.DataFrame]
    units: dict[str, str]

    def _repr_html_(self) -> str:
        return "<b>Footprint accounts</b> (consumption-based)" + self.consumption_based._repr_html_()


def footprints(system: MRIO, stressors: Sequence[Hashable] | None = None,
               final_demand: pd.DataFrame | None = None) -> FootprintAccounts:
    """Footprints of final demand by destination region, with production-based accounts.

    Parameters
    ----------
    system : MRIO
    stressors : sequence, optional
        Rows of F to account for; default all. Value added is available by building the system
        with it as an extension, or through :func:`mrio.value_added_multipliers`.
    final_demand : pandas.DataFrame, optional
        Alternative final demand with Y's row index and (region, category) columns (e.g. a
        scenario); default the system's Y.

    Returns
    -------
    FootprintAccounts
    """
    if system.F is None:
        raise InputError("the system has no extensions: footprints need F (stressor x industry)")
    stressors = list(system.stressors if stressors is None else stressors)
    pos = lab.lookup(system.stressors, stressors, "stressors")
    stressor_index = system.stressors[pos]
    Y = system.Y if final_demand is None else final_demand
    lab.check_same(Y.index, system.index, "final_demand rows", "the system's industries")
    Yv = lab.check_finite(Y, "final_demand")
    dest = pd.Index(pd.unique(Y.columns.get_level_values("region")), name="region")
    dest_codes = dest.get_indexer(Y.columns.get_level_values("region"))
    Y_agg = np.zeros((len(system), len(dest)))
    np.add.at(Y_agg.T, dest_codes, Yv.T)  # Y summed over categories per destination
    S = system.S.to_numpy()[pos]
    k, N, R, n = len(pos), len(system), system.n_regions, system.n_sectors
    M = system.leontief_row_product(S)  # k x N, S L
    Y3 = Y_agg.reshape(R, n, len(dest))
    D_cba = np.einsum("krj,rjs->ksj", M.reshape(k, R, n), Y3).reshape(k, len(dest) * n)
    # domestic part of each system region's footprint: S restricted to region s, times L
    dom = np.zeros((k, len(dest), n))
    S3 = S.reshape(k, R, n)
    rows = np.zeros((k * R, N))
    for r in range(R):
        rows[r * k:(r + 1) * k, r * n:(r + 1) * n] = S3[:, r, :]
    Ms = system.leontief_row_product(rows).reshape(R, k, R, n)  # region s, stressor, (r, j)
    for r, region in enumerate(system.regions):
        s = dest.get_loc(region) if region in dest else None
        if s is not None:
            dom[:, s, :] = np.einsum("krj,rj->kj", Ms[r], Y3[:, :, s])
    D_imp = D_cba - dom.reshape(k, -1)
    X_dest = system.leontief_product(Y_agg)  # N x destinations: L Y_s
    own = np.zeros(N)
    for r, region in enumerate(system.regions):
        if region in dest:
            own[r * n:(r + 1) * n] = X_dest[r * n:(r + 1) * n, dest.get_loc(region)]
    x_exp = X_dest.sum(axis=1) - own
    x_tot = X_dest.sum(axis=1)
    D_pba = S * x_tot[np.newaxis, :]
    D_exp = S * x_exp[np.newaxis, :]

    cba_cols = pd.MultiIndex.from_product([dest, system.sectors], names=["region", "sector"])
    by_sector = {
        "cba": pd.DataFrame(D_cba, index=stressor_index, columns=cba_cols),
        "pba": pd.DataFrame(D_pba, index=stressor_index, columns=system.index),
        "imp": pd.DataFrame(D_imp, index=stressor_index, columns=cba_cols),
        "exp": pd.DataFrame(D_exp, index=stressor_index, columns=system.index),
    }

    def by_region(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.T.groupby(level="region", sort=False).sum().T

    F_Y_agg = 0.0
    if system.F_Y is not None:
        F_Y = system.F_Y.loc[stressor_index]
        F_Y_agg = F_Y.T.groupby(level="region", sort=False).sum().T
    cba = by_region(by_sector["cba"]).add(F_Y_agg, fill_value=0.0) if system.F_Y is not None \
        else by_region(by_sector["cba"])
    pba = by_region(by_sector["pba"])
    if system.F_Y is not None:
        pba = pba.add(F_Y_agg.reindex(columns=pba.columns, fill_value=0.0), fill_value=0.0)
    imp = by_region(by_sector["imp"])
    exp = by_region(by_sector["exp"])
    balance = cba.sub(pba.reindex(columns=cba.columns, fill_value=0.0), fill_value=0.0)
    units = {str(s): system.units[str(s)] for s in stressor_index}
    return FootprintAccounts(cba, pba, imp, exp, balance, by_sector, units)
