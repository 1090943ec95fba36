"""Build a multi-regional table consistent with the national table (docs/methods/regional.md).

Pipeline (:func:`build_mrio`), every step recorded in the result's ``meta``:

1. **Regional output** ``x_j^r = x_j^N share_j^r`` with ``share_j^r = I_g^r / sum_r I_g^r`` for the
   indicator group ``g`` of industry ``j`` (national structure within a group). Per group the
   first indicator of ``output_indicators`` (default output, then gross value added, then
   employment) that covers every region is used; ``meta["output_indicator"]`` says which one drove
   each region x group cell.
2. **Intra-regional coefficients** from the national domestic coefficients by a location quotient
   (SLQ, CILQ, FLQ with ``delta``, AFLQ): ``r_ij^s = a_ij min(LQ_ij^s, 1)``; they give the share
   ``q_i^s`` of region s's demand for product i met from within s.
3. **Interregional trade** per product by a doubly-constrained gravity model (``f(d) = d^-beta`` or
   ``exp(-beta d)``) between supply to the domestic market ``O_i^r = x_i^r - e_i^r - (producer-held
   final demand)`` and domestic demand ``D_i^s = sum_j a_ij x_j^s + sum_c y_ic^s``, with the
   intra-regional cell set from ``q_i^s`` in the prior, balanced exactly by RAS (Furness). Cells
   the LQ prior leaves at zero between a supplying and a demanding region keep a small share of
   their plain-gravity value (:func:`mrio.kernels.gravity_trade`), so the prior's zero pattern
   admits every pair of margins with equal totals. ``O`` and ``D`` are non-negative by
   construction: negative final-demand cells are producer-held, never traded.
4. **Assembly** (Chenery-Moses): ``Z^{rs}_ij = t_i^{rs} a_ij x_j^s``, ``Y^{rs}_ic = t_i^{rs} y_ic^s``
   with ``t_i^{rs} = T_i^{rs} / D_i^s``; exports and producer-held final demand (inventory changes,
   negative cells) stay with the producing region ``r`` in proportion to its output; primary inputs
   ``V^s_kj = v_kj x_j^s`` (national input structure).

Because ``sum_r t_i^{rs} = 1``, ``sum_s x^s = x^N`` and the regional final-demand shares sum to one,
summing the result over regions reproduces the national intermediate flows, final demand by
category, exports and every primary-input row exactly, industry by industry (docs/methods/regional.md,
section "National consistency",
exact-aggregation theorem); :func:`national_consistency` checks it. Flows aggregate exactly,
multipliers do not (aggregation bias; Miller & Blair 2009, ch. 4).

References
----------
Flegg, A. T. & Webber, C. D. (1997), Regional Studies 31, 795-805 (FLQ);
Jahn, M. (2017), Regional Studies 51, 1518-1529 (FLQ + gravity, nationally consistent);
Miller, R. E. & Blair, P. D. (2009), ch. 3 (Chenery-Moses multiregional model);
Wilson, A. G. (1970), *Entropy in Urban and Regional Modelling* (doubly-constrained gravity).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mrio import kernels

from mrio.core import labels as lab
from mrio.core.checks import check_count, check_tolerance
from mrio.core.kernel_errors import kernel_errors
from mrio.build.inputs import read_distances, read_indicators, read_national
from mrio.build import tradability
from mrio.build.national import CONSISTENCY_RTOL, NationalTable, write_national
from mrio.build.tradability import TradeParameters
from mrio.core.system import MRIO, _check_identity
from mrio.errors import (
    ConvergenceError,
    IdentityError,
    InfeasibleBalancingError,
    InvalidTableError,
    LabelError,
    UnknownLabelError,
)

__all__ = [
    "NationalTable",
    "build_mrio",
    "national_consistency",
    "flq_sensitivity",
    "LQ_METHODS",
    "OUTPUT_INDICATORS",
    "read_national",
    "write_national",
    "read_distances",
    "read_indicators",
]

#: Location-quotient methods for the intra-regional share; "gravity" uses distance alone.
LQ_METHODS = ("slq", "cilq", "flq", "aflq", "gravity")
#: Indicator kinds, in default order of preference for regional output.
OUTPUT_INDICATORS = ("output", "gva", "employment")


# ---------------------------------------------------------------------------------- inputs
def _concordance(concordance: Mapping | pd.Series, sectors: pd.Index) -> pd.Series:
    series = concordance.copy() if isinstance(concordance, pd.Series) else pd.Series(dict(concordance))
    unknown = series.index.difference(sectors, sort=False)
    if len(unknown):
        raise UnknownLabelError(f"the sector -> indicator-group concordance names sectors that are not in "
                                f"the national table: {lab._show(unknown)}")
    missing = sectors.difference(series.index, sort=False)
    if len(missing):
        raise LabelError(f"the sector -> indicator-group concordance does not map national sectors "
                         f"{lab._show(missing)}")
    return series.loc[sectors]


def _indicator_table(indicators: pd.DataFrame, regions: pd.Index, groups: pd.Index) -> pd.DataFrame:
    """Validate tidy indicators (region, group, indicator, value) and pivot them."""
    if not isinstance(indicators, pd.DataFrame):
        raise InvalidTableError(f"regional indicators must be a DataFrame, got {type(indicators).__name__}")
    needed = ["region", "group", "indicator", "value"]
    missing = [c for c in needed if c not in indicators.columns]
    if missing:
        raise InvalidTableError(f"regional indicators lack columns {missing}; expected {needed}")
    ind = indicators[needed].copy()
    ind["value"] = pd.to_numeric(ind["value"], errors="coerce")
    bad = ~np.isfinite(ind["value"].to_numpy(dtype=float))
    if bad.any():
        cells = list(ind.loc[bad, ["region", "group", "indicator"]].itertuples(index=False, name=None))
        raise InvalidTableError(f"regional indicators are missing or not numeric for {lab._show(cells)}")
    neg = ind["value"] < 0
    if neg.any():
        cells = list(ind.loc[neg, ["region", "group", "indicator"]].itertuples(index=False, name=None))
        raise InvalidTableError(f"regional indicators are negative for (region, group, indicator) "
                                f"{lab._show(cells)}")
    unknown_regions = pd.Index(ind["region"].unique()).difference(regions, sort=False)
    if len(unknown_regions):
        raise UnknownLabelError(f"regional indicators name regions that match no region of the distance "
                                f"matrix: {lab._show(unknown_regions)}")
    unknown_groups = pd.Index(ind["group"].unique()).difference(groups, sort=False)
    if len(unknown_groups):
        raise UnknownLabelError(f"regional indicators name industry groups that match no national industry "
                                f"(via the concordance): {lab._show(unknown_groups)}")
    if ind.duplicated(["region", "group", "indicator"]).any():
        dup = ind.loc[ind.duplicated(["region", "group", "indicator"]), ["region", "group", "indicator"]]
        raise LabelError(f"regional indicators repeat cells {lab._show(dup.itertuples(index=False, name=None))}")
    return ind


def _distances(distances: pd.DataFrame, internal: pd.Series | None) -> pd.DataFrame:
    if not isinstance(distances, pd.DataFrame):
        raise InvalidTableError(f"distances must be a DataFrame, got {type(distances).__name__}")
    if distances.shape[0] != distances.shape[1]:
        raise InvalidTableError(f"the distance matrix must be square; got {distances.shape[0]} rows x "
                                f"{distances.shape[1]} columns")
    lab.check_flat(distances.index, "distance matrix rows")
    lab.check_same(pd.Index(distances.columns), pd.Index(distances.index), "distance matrix columns",
                   "distance matrix rows")
    d = lab.check_finite(distances, "distances").copy()
    if (d < 0).any():
        raise InvalidTableError("the distance matrix has negative entries")
    off = ~np.eye(len(d), dtype=bool)
    if (d[off] <= 0).any():
        i, j = np.argwhere((d <= 0) & off)[0]
        raise InvalidTableError(f"distance between different regions {distances.index[i]!r} and "
                                f"{distances.index[j]!r} is zero")
    if internal is not None:
        internal = internal.reindex(distances.index)
        if internal.isna().any():
            raise LabelError(f"internal distances missing for {lab._show(internal.index[internal.isna()])}")
        d[np.arange(len(d)), np.arange(len(d))] = internal.to_numpy(dtype=float)
    diag = np.diag(d).copy()
    if (diag <= 0).any():
        # Half the distance to the nearest other region (documented default).
        nearest = np.where(off, d, np.inf).min(axis=1) if len(d) > 1 else np.ones(1)
        diag = np.where(diag > 0, diag, nearest / 2.0)
        d[np.arange(len(d)), np.arange(len(d))] = diag
    return pd.DataFrame(d, index=pd.Index(distances.index, name="region"),
                        columns=pd.Index(distances.index, name="region"))


# ---------------------------------------------------------------------------------- steps
def _output_shares(ind: pd.DataFrame, regions: pd.Index, groups: pd.Index, priority: Sequence[str]):
    """Per group: the preferred indicator covering all regions; regional shares (R, G)."""
    shares = np.zeros((len(regions), len(groups)))
    used: dict[Hashable, str] = {}
    # (R, G) per indicator kind, NaN where a cell is not given (ind is validated: known labels, no repeats)
    at = (regions.get_indexer(ind["region"]), groups.get_indexer(ind["group"]))
    kinds, given = ind["indicator"].to_numpy(dtype=object), ind["value"].to_numpy(dtype=float)
    wide = {}
    for kind in dict.fromkeys(priority):
        mask = kinds == kind
        if mask.any():
            wide[kind] = np.full((len(regions), len(groups)), np.nan)
            wide[kind][at[0][mask], at[1][mask]] = given[mask]
    for g_pos, group in enumerate(groups):
        chosen = None
        for kind in priority:
            if kind not in wide:
                continue
            values = np.ascontiguousarray(wide[kind][:, g_pos])
            if not np.isnan(values).any() and values.sum() > 0:
                chosen = kind
                break
        if chosen is None:
            rows = ind[ind["group"] == group]
            have = rows.groupby("indicator")["region"].nunique().to_dict()
            raise LabelError(
                f"industry group {group!r}: no indicator among {list(priority)} covers all {len(regions)} "
                f"regions with a positive total (regions covered per indicator: {have or 'none'})")
        shares[:, g_pos] = values / values.sum()
        used[group] = chosen
    return shares, used


def _final_demand_weights(proxy, regions, sectors, x_reg, va_reg, income_reg, category) -> np.ndarray:
    """Regional shares (R,) of a final-demand category from its proxy."""
    if isinstance(proxy, pd.Series):  # regional weights (e.g. disposable income, population)
        unknown = proxy.index.difference(regions, sort=False)
        if len(unknown):
            raise UnknownLabelError(f"final-demand weights of {category!r} name unknown regions "
                                    f"{lab._show(unknown)}")
        w = proxy.reindex(regions).fillna(0.0).to_numpy(dtype=float)
        if not np.isfinite(w).all() or (w < 0).any():
            raise InvalidTableError(f"final-demand weights of {category!r} must be finite and >= 0")
    elif isinstance(proxy, str):
        if proxy == "output":
            w = x_reg.sum(axis=1)
        elif proxy == "value_added":
            w = va_reg.sum(axis=1)
        elif proxy == "income":
            w = income_reg.sum(axis=1)
        else:
            raise InvalidTableError(
                f"final-demand proxy {proxy!r} for category {category!r} is unknown; use 'output', "
                "'value_added', 'income', 'producer' or a list of sectors")
    else:
        pos = lab.lookup(sectors, list(proxy), f"sectors (final-demand proxy of {category!r})")
        w = x_reg[:, pos].sum(axis=1)
    total = w.sum()
    if total <= 0:
        raise InvalidTableError(f"final-demand proxy of category {category!r} is zero in every region")
    return w / total


def _intra_shares(method, delta, A, x_reg, fd_traded, D, basis_reg, basis_nat):
    """q_i^s: share of region s's demand for product i supplied within s (n, R)."""
    if method == "gravity":
        return None
    s_q = kernels.slq(basis_reg, basis_nat)  # (R, n)
    if method == "slq":
        lq = s_q  # by selling sector
    elif method == "cilq":
        lq = kernels.cilq(s_q)
    elif method == "flq":
        lq = kernels.flq(basis_reg, basis_nat, delta)
    else:
        lq = kernels.aflq(basis_reg, basis_nat, delta)
    r_coef = kernels._regional.regional_coefficients(A, lq)  # (R, n, n)
    own_inter = np.einsum("sij,sj->is", r_coef, x_reg)  # (n, R)
    fd_factor = np.minimum(s_q, 1.0).T  # (n, R): final demand localised by SLQ of the product
    if method in ("flq", "aflq"):
        lam = kernels.flq_lambda(basis_reg.sum(axis=1), basis_nat.sum(), delta)
        fd_factor = np.minimum(fd_factor * lam[np.newaxis, :], 1.0)
    own = own_inter + fd_traded * fd_factor
    q = np.zeros_like(D)
    np.divide(own, D, out=q, where=D > 0)
    return np.clip(q, 0.0, 1.0)


def _regional_technology(value_added, regions, sectors, x_reg, va_national, share):
    """Column factors ``(use, va_share)`` (R, n) of inputs and value added; see :func:`build_mrio`."""
    if value_added is None:
        return share, share
    if not isinstance(value_added, pd.DataFrame):
        raise InvalidTableError(f"value_added must be a DataFrame of regions x sectors, got "
                                f"{type(value_added).__name__}")
    unknown_r = value_added.index.difference(regions, sort=False)
    unknown_s = value_added.columns.difference(sectors, sort=False)
    if len(unknown_r) or len(unknown_s):
        raise UnknownLabelError(f"value_added names unknown regions {lab._show(unknown_r)} or sectors "
                                f"{lab._show(unknown_s)}")
    frame = value_added.reindex(index=regions, columns=sectors)
    missing = ~np.isfinite(frame.to_numpy(dtype=float))
    if missing.any():
        r, j = np.argwhere(missing)[0]
        more = f" and {int(missing.sum()) - 1} more" if missing.sum() > 1 else ""
        raise InvalidTableError(f"value_added has no finite value for ({regions[r]!r}, {sectors[j]!r}){more}")
    va = frame.to_numpy(dtype=float)
    xN = x_reg.sum(axis=0)
    total = va.sum(axis=0)
    off = np.abs(total - va_national) > 1e-9 * np.maximum(1.0, np.abs(va_national))
    if off.any():
        j = int(np.flatnonzero(off)[0])
        raise InvalidTableError(f"value_added of sector {sectors[j]!r} sums to {total[j]:.6g} over the regions, "
                                f"not its national value added {va_national[j]:.6g}")
    tol = 1e-9 * np.maximum(1.0, np.abs(x_reg))
    regular = (va_national >= 0) & (xN - va_national >= 0)  # sectors with value added in [0, output]
    bad = ((x_reg == 0) & (np.abs(va) > tol)) | (regular[np.newaxis, :] & ((va < -tol) | (va > x_reg + tol)))
    if bad.any():
        r, j = np.argwhere(bad)[0]
        raise InvalidTableError(f"value_added of ({regions[r]!r}, {sectors[j]!r}) = {va[r, j]:.6g} is outside "
                                f"[0, output {x_reg[r, j]:.6g}]")
    ic_national = xN - va_national
    use = np.where(ic_national != 0, kernels.safe_divide(x_reg - va, ic_national[np.newaxis, :]), share)
    va_share = np.where(va_national != 0, kernels.safe_divide(va, va_national[np.newaxis, :]), share)
    return use, va_share


def _trade_error(exc, sectors, regions, O, D):
    """Re-word a kernel failure of the per-product trade balancing with product and region labels."""
    cause = exc.__cause__
    rows = list(getattr(cause, "rows", []) or [])
    cols = list(getattr(cause, "columns", []) or [])
    reason = str(cause if cause is not None else exc)
    if reason.startswith("product ") and ": " in reason:
        reason = reason.split(": ", 1)[1]
    reason = reason.split("; worst row positions")[0]  # the regions are named below, by label
    where = ""
    if rows:
        i = rows[0]
        where = f"product {sectors[i]!r}"
        if cols:
            where += ", regions " + ", ".join(
                f"{regions[r]!r} (supply {O[i, r]:.6g}, demand {D[i, r]:.6g})" for r in cols[:5])
    message = f"interregional trade balancing failed for {where or 'a product'}: {reason}"
    if isinstance(exc, ConvergenceError):
        message += "; raise ras_max_iter or relax ras_tol (--ras-max-iter, --ras-tol)"
    return type(exc)(message)


def _uniform_trade(O, D, q, dist, regions, sectors, beta, decay, ras_tol, ras_max_iter):
    """Trade of the single-class model: LQ intra-regional shares in a d^-beta gravity prior."""
    decay_matrix = kernels._regional.distance_decay(dist.to_numpy(), beta, decay)
    if not (decay_matrix > 0).all():
        r, s = np.argwhere(~(decay_matrix > 0))[0]
        raise InvalidTableError(
            f"the distance decay {'d^-beta' if decay == 'power' else 'exp(-beta d)'} with beta = {beta} "
            f"underflows to zero between regions {regions[r]!r} and {regions[s]!r} (distance "
            f"{dist.iat[r, s]:.6g}): the gravity model could not let trade flow between them; use a "
            "smaller beta or distances in larger units")
    try:
        with kernel_errors(pd.Index(sectors), pd.Index(regions)):
            T, _ = kernels.gravity_trade(O, D, decay_matrix, q, tol=ras_tol, max_iter=ras_max_iter)
    except (InfeasibleBalancingError, ConvergenceError) as exc:
        raise _trade_error(exc, sectors, regions, O, D) from exc.__cause__
    return T


def _charm_intermediate_share(imports_by_product, national, sectors, A, x_reg, fd_traded):
    """Own-region share of domestic intermediate demand from CHARM (Kronenberg 2009), (n, R)."""
    m_n = lab.check_finite(pd.Series(imports_by_product).reindex(sectors).fillna(np.nan).to_frame(),
                           "imports by product")[:, 0]
    if (m_n < 0).any():
        raise InvalidTableError(f"imports by product are negative for {lab._show(sectors[m_n < 0])}")
    xN = national.x.to_numpy()
    dom_use = national.Z.to_numpy().sum(axis=1) + national.final_demand.to_numpy().clip(min=0).sum(axis=1)
    mu = kernels.safe_divide(m_n, dom_use + m_n)  # import share of total use by product
    A_total = A / np.where(mu < 1, 1 - mu, 1.0)[:, np.newaxis]
    fd_total = fd_traded / np.where(mu < 1, 1 - mu, 1.0)[:, np.newaxis]
    e_n = national.exports.to_numpy().sum(axis=1)
    _, _, import_share = kernels.charm(A_total, x_reg, fd_total.T, xN, fd_total.sum(axis=1), e_n, m_n)
    # share of the region's use bought from itself, relative to its domestic use
    return np.clip((1 - import_share.T) / np.where(mu < 1, 1 - mu, 1.0)[:, np.newaxis], 0.0, 1.0)


def _class_trade(parameters, product_classes, countries, trade_totals, trade_totals_classes, imports_by_product,
                 tol, max_iter, O, Dint, Dfd, dist, regions, sectors, A, x_reg, basis_reg, basis_nat, national):
    """Trade of the calibrated class model (:mod:`mrio.build.tradability`) and its metadata.

    ``product_classes`` is the resolved ``(classes, unclassified)`` of
    :func:`~mrio.build.tradability.product_classes`; ``Dfd`` the final demand as located by the build
    (supply-led share applied).
    """
    classes, unclassified = product_classes
    cls = classes.to_numpy()
    cross = None
    if countries is not None:
        missing = [r for r in regions if r not in countries]
        if missing:
            raise LabelError(f"countries do not name the country of regions {lab._show(missing)}")
        c = np.array([countries[r] for r in regions], dtype=object)
        cross = c[:, np.newaxis] != c[np.newaxis, :]
    totals = mask = None
    if trade_totals is not None:
        if not isinstance(trade_totals, pd.DataFrame):
            raise InvalidTableError(f"trade_totals must be a DataFrame, got {type(trade_totals).__name__}")
        lab.check_same(pd.Index(trade_totals.index), regions, "trade totals rows", "regions")
        lab.check_same(pd.Index(trade_totals.columns), regions, "trade totals columns", "regions")
        totals = lab.check_finite(trade_totals.loc[regions, regions], "trade totals")
        bad = [k for k in trade_totals_classes if k not in tradability.TRADE_CLASSES]
        if bad:
            raise InvalidTableError(f"trade_totals_classes names unknown classes {bad}")
        mask = np.isin(cls, list(trade_totals_classes))
    q = None
    if parameters.lq == "charm":
        q = _charm_intermediate_share(imports_by_product, national, sectors, A, x_reg, Dfd)
    elif parameters.lq != "none":
        q = tradability.intermediate_lq_share(parameters.lq, parameters.delta, A, x_reg, basis_reg, basis_nat)
    size = x_reg.sum(axis=1) / x_reg.sum()
    try:
        with kernel_errors(pd.Index(sectors), pd.Index(regions)):
            T, iterations = tradability.estimate_trade(
                O, Dint, Dfd, dist.to_numpy(), cls, parameters, size, cross=cross, local_intermediate=q,
                totals=totals, totals_products=mask, tol=tol, max_iter=int(max_iter))
    except (InfeasibleBalancingError, ConvergenceError) as exc:
        raise _trade_error(exc, sectors, regions, O, Dint + Dfd) from exc.__cause__
    meta = {"model": "calibrated class gravity", "parameters": parameters.to_dict(),
            "classes": {str(k): str(v) for k, v in classes.items()},
            "unclassified_as_goods": [str(u) for u in unclassified],
            "border_effect": countries is not None, "totals_constraint": trade_totals is not None,
            "ras_tolerance": float(tol), "ras_max_iterations": int(max_iter),
            "ras_iterations_max": int(iterations.max(initial=0))}
    return T, meta


def build_mrio(
    national: NationalTable,
    indicators: pd.DataFrame,
    concordance: Mapping | pd.Series,
    distances: pd.DataFrame,
    *,
    trade: TradeParameters | str | None = None,
    product_classes: Mapping | pd.Series | str | None = None,
    countries: Mapping[Hashable, Hashable] | None = None,
    trade_totals: pd.DataFrame | None = None,
    trade_totals_classes: Sequence[str] = ("goods",),
    imports_by_product: pd.Series | None = None,
    method: str = "flq",
    delta: float = 0.25,
    beta: float = 1.0,
    decay: str = "power",
    internal_distances: pd.Series | None = None,
    output_indicators: Sequence[str] = OUTPUT_INDICATORS,
    final_demand_proxies: Mapping[Hashable, Any] | None = None,
    value_added: pd.DataFrame | None = None,
    employment_unit: str = "1000 persons",
    export_region: str = "RoW",
    meta: Mapping[str, Any] | None = None,
    ras_tol: float = 1e-13,
    ras_max_iter: int = 5000,
) -> MRIO:
    """Build a multi-regional system from a national table, regional indicators and distances.

    Parameters
    ----------
    national : NationalTable
    indicators : pandas.DataFrame
        Tidy table with columns ``region``, ``group``, ``indicator`` (``"output"``, ``"gva"``,
        ``"employment"`` or any name listed in ``output_indicators``) and ``value`` (>= 0).
    concordance : Mapping or pandas.Series
        National sector -> indicator group (every sector mapped).
    distances : pandas.DataFrame of shape (R, R)
        Distances between regions (rows and columns = the regions, in the order wanted for the
        result). A zero diagonal is replaced by ``internal_distances`` or, if absent, by half the
        distance to the nearest region.
    trade : TradeParameters, "calibrated", "uniform" or None (default: calibrated)
        Interregional trade model. ``None``/"calibrated": the class gravity model of
        :mod:`mrio.build.tradability` with the shipped fitted defaults
        (:meth:`TradeParameters.default`); a :class:`TradeParameters`: the same model with those
        parameters; "uniform": the single-class model of earlier versions (one location quotient
        ``method``/``delta`` for every product and final demand, one decay ``beta``/``decay``).
    product_classes : Mapping, pandas.Series or str, optional
        Sector -> tradability class ("nontraded", "local", "services", "bulk", "goods"), or the name
        of a shipped classification ("cbs", "japan", "wiod"); default: sectors matched by label against every
        shipped classification, the rest treated as "goods" (listed in ``meta["trade"]``).
    countries : Mapping, optional
        Region -> country; the border effect applies between regions of different countries
        (default: one country, no border).
    trade_totals : pandas.DataFrame (R x R), optional
        Region-to-region totals (origin rows, destination columns; e.g. freight statistics) imposed
        on the products of ``trade_totals_classes`` by three-way fitting
        (:func:`mrio.kernels.constrain_totals`); only their pattern counts where their row and
        column totals differ from the regions' supply and demand of those products.
    trade_totals_classes : sequence of str, default ("goods",)
    imports_by_product : pandas.Series, optional
        National imports by product (competitive imports). With it, ``TradeParameters.lq`` may be
        "charm": the intermediate own-region share of tradables comes from CHARM (Kronenberg 2009;
        docs/methods/regional.md, section "Trade estimation") instead of a location quotient.
    method : {"flq", "aflq", "cilq", "slq", "gravity"}, default "flq"
        ``trade="uniform"`` only: how the intra-regional share of demand enters the trade prior
        (docs/methods/regional.md, section "Intra-regional shares (location quotients)"); "gravity"
        uses distances alone.
    delta : float in [0, 1), default 0.25
        ``trade="uniform"`` only: FLQ/AFLQ parameter; see :func:`~mrio.build.regional.flq_sensitivity`.
    beta : float, default 1.0
        ``trade="uniform"`` only: distance decay of the gravity model.
    decay : {"power", "exponential"}
        ``trade="uniform"`` only.
    internal_distances : pandas.Series, optional
        ``d_rr`` by region (e.g. ``(2/3) sqrt(area / pi)``, Head & Mayer 2002).
    output_indicators : sequence of str
        Indicator preference for regional output, per group.
    final_demand_proxies : Mapping, optional
        Category -> ``"income"`` (regional income row), ``"value_added"``, ``"output"``,
        ``"producer"`` (kept with the producing region), a list of sectors (share of their
        output), or a pandas.Series of regional weights (e.g. disposable income by region).
        Default: ``national.meta["household_category"]`` by income (the V row
        ``national.meta["income_row"]``; by value added when the table has no such row, recorded
        in ``meta["assumptions"]``), ``producer_held`` categories by producer, every other category by
        value added. With the calibrated trade model, each category's regional split of each product
        then leans, by the supply-led share of its class (``supply_led_demand`` of
        :class:`~mrio.build.tradability.ClassParameters`), towards where the product is supplied net
        of intermediate use, within the proxy's regional totals of the category
        (:func:`~mrio.build.tradability.supply_led_category_weights`).
    value_added : pandas.DataFrame (regions x sectors), optional
        Gross value added of every regional industry (e.g. placed from regional accounts); default
        the national value-added coefficient in every region. Each column must sum to the national
        value added of its sector (relative 1e-9); a cell lies between 0 and the cell's output
        (for sectors whose national value added and intermediate inputs are both >= 0) and is 0
        where the output is. The region's technology is then the national one scaled column by
        column, ``use_j^r = (x_j^r - v_j^r) / (x_j - v_j)`` for every input row (domestic
        products, imports, net product taxes) and ``v_j^r / v_j`` for the value-added rows, so that
        inputs plus value added equal output in every region and the sum over regions is the
        national table (docs/methods/regional.md, section "Regional value added").
    employment_unit : str
        Unit of the ``employment`` extension (built when every group has an ``employment``
        indicator for every region).
    export_region : str, default "RoW"
        Final-demand destination of exports.
    ras_tol : float, default 1e-13
        Tolerance of the per-product trade balancing (RAS), relative to the product's largest margin;
        the national-consistency guarantee (1e-9) needs it well below 1e-9.
    ras_max_iter : int, default 5000
        Iteration cap of the trade balancing; on reaching it the error names the product and the
        regions whose margins are furthest from being met.
    meta : Mapping, optional
        Extra metadata merged into the result's ``meta``.

    Returns
    -------
    MRIO
        Regions x national sectors; ``meta`` records every assumption, the indicator that drove
        each region x group cell and the national-consistency check.

    Raises
    ------
    UnknownLabelError
        Indicator regions or groups that match nothing; concordance sectors not in the table.
    LabelError, InvalidTableError
        Distance matrix not square or not matching, negative indicators, uncovered groups.
    InfeasibleBalancingError, IdentityError
        Trade balancing impossible, or the national-consistency check failed.
    """
    ras_tol = check_tolerance(ras_tol, "ras_tol")
    ras_max_iter = check_count(ras_max_iter, "ras_max_iter")
    if trade is None or (isinstance(trade, str) and trade == "calibrated"):
        parameters = TradeParameters.default()
    elif isinstance(trade, TradeParameters):
        parameters = trade
    elif isinstance(trade, str) and trade == "uniform":
        parameters = None
    else:
        raise InvalidTableError(f"trade must be 'calibrated', 'uniform' or TradeParameters, got {trade!r}")
    uniform = parameters is None
    if not uniform and parameters.lq == "charm" and imports_by_product is None:
        raise InvalidTableError("trade parameters ask for CHARM (lq='charm'), which needs imports_by_product")
    if method not in LQ_METHODS:
        raise InvalidTableError(f"unknown method {method!r}; use one of {', '.join(LQ_METHODS)}")
    if not 0.0 <= float(delta) < 1.0:
        raise InvalidTableError(f"delta must be in [0, 1), got {delta}")
    if decay not in ("power", "exponential"):
        raise InvalidTableError(f"unknown distance decay {decay!r}; use 'power' or 'exponential'")
    sectors = pd.Index(national.sectors, name="sector")
    n = len(sectors)
    dist = _distances(distances, internal_distances)
    regions = pd.Index(dist.index, name="region")
    R = len(regions)
    group_of = _concordance(concordance, sectors)
    groups = pd.Index(pd.unique(group_of.to_numpy()), name="group")
    ind = _indicator_table(indicators, regions, groups)
    covered = pd.Index(ind["region"].unique())
    uncovered = regions.difference(covered, sort=False)
    if len(uncovered):
        raise LabelError(f"regions of the distance matrix without any indicator: {lab._show(uncovered)}")

    # ---- 1. regional output
    g_of_j = groups.get_indexer(group_of.to_numpy())
    group_shares, used = _output_shares(ind, regions, groups, output_indicators)
    share = group_shares[:, g_of_j]  # (R, n) x_j^r / x_j^N
    ZN = np.ascontiguousarray(national.Z.to_numpy(dtype=float))
    FN = national.final_demand.to_numpy(dtype=float)
    EN = national.exports.to_numpy(dtype=float)
    VN = national.V.to_numpy(dtype=float)
    xN = national.x.to_numpy()
    x_reg = share * xN[np.newaxis, :]
    A = kernels.technical_coefficients(ZN, xN)
    v_coef = kernels.safe_divide(VN, xN[np.newaxis, :])
    va_pos = lab.lookup(national.V.index, national.value_added_components, "value-added rows")
    # column factors (R, n), each summing to 1 over regions: intermediate use and value added
    use, va_share = _regional_technology(value_added, regions, sectors, x_reg, VN[va_pos].sum(axis=0), share)
    va_reg = va_share * VN[va_pos].sum(axis=0)[np.newaxis, :]
    negative_use = (use < 0) & (np.abs(ZN).sum(axis=0) > 0)[np.newaxis, :]
    if negative_use.any():
        r, j = np.argwhere(negative_use)[0]
        raise InvalidTableError(f"value_added of ({regions[r]!r}, {sectors[j]!r}) exceeds its output, which would "
                                f"give negative intermediate inputs ({int(negative_use.sum())} regional industries)")
    income_row = national.meta.get("income_row")
    income_reg = (va_share * VN[national.V.index.get_loc(income_row)][np.newaxis, :]
                  if income_row in national.V.index else va_reg)

    # ---- employment (extension and LQ basis)
    emp = ind[ind["indicator"] == "employment"]
    employment = None
    covered = emp.groupby("group")["region"].nunique().reindex(groups)
    if len(emp) and (covered == R).all():
        emp_g = emp.pivot(index="region", columns="group", values="value").reindex(index=regions,
                                                                                   columns=groups)
        xg = pd.Series(xN).groupby(g_of_j).sum().reindex(range(len(groups))).to_numpy()
        within = kernels.safe_divide(xN, xg[g_of_j])  # national output structure within a group
        employment = emp_g.to_numpy()[:, g_of_j] * within[np.newaxis, :]
    basis_reg = employment if employment is not None else x_reg
    basis_nat = basis_reg.sum(axis=0)

    # ---- final demand by region
    categories = pd.Index(national.final_demand.columns, name="category")
    household = national.meta.get("household_category")
    proxies: dict[Hashable, Any] = {}
    for c in categories:
        if c in national.producer_held:
            proxies[c] = "producer"
        elif c == household:
            proxies[c] = "income"
        else:
            proxies[c] = "value_added"
    if final_demand_proxies:
        unknown = [c for c in final_demand_proxies if c not in categories]
        if unknown:
            raise UnknownLabelError(f"final-demand proxies name unknown categories {lab._show(unknown)}; "
                                    f"categories: {lab._show(categories, limit=12)}")
        proxies.update(final_demand_proxies)
    income_fallback = []
    if income_row not in national.V.index:
        income_fallback = [c for c, p in proxies.items() if isinstance(p, str) and p == "income"]
        for c in income_fallback:
            proxies[c] = "value_added"
    W = np.zeros((len(categories), R))  # regional shares of each traded category
    held = np.zeros((n, len(categories)), dtype=bool)  # producer-held cells
    for k, c in enumerate(categories):
        if isinstance(proxies[c], str) and proxies[c] == "producer":
            held[:, k] = True
        else:
            W[k] = _final_demand_weights(proxies[c], regions, sectors, x_reg, va_reg, income_reg, c)
            held[:, k] = FN[:, k] < 0
    FN_traded = np.where(held, 0.0, FN)
    FN_held = np.where(held, FN, 0.0)
    fd_traded = FN_traded @ W  # (n, R) traded final demand at destination
    # ---- 3. trade margins and balancing
    Dint = ZN @ use.T  # (n, R): sum_j a_ij^s x_j^s, intermediate demand at destination
    # O_i^r = x_i^r - e_i^r - held_i^r = (Z i + traded final demand)_i share_i^r, computed as a sum of
    # non-negative terms so that no rounding makes it negative
    O = (ZN.sum(axis=1) + FN_traded.sum(axis=1))[:, np.newaxis] * share.T  # (n, R)
    weights = None  # (n, c, R): regional shares of each product's final demand by category
    if not uniform:  # final demand of (partly) supply-led classes follows supply net of intermediate use
        classes, unclassified = tradability.product_classes(sectors, product_classes)
        weights = tradability.supply_led_category_weights(O, Dint, FN_traded, W, classes.to_numpy(), parameters)
        fd_traded = np.einsum("ic,ics->is", FN_traded, weights)
    D = Dint + fd_traded  # (n, R): sum_j a_ij^s x_j^s + y_i^s
    if uniform:
        q = _intra_shares(method, float(delta), A, x_reg, fd_traded, D, basis_reg, basis_nat)
        T = _uniform_trade(O, D, q, dist, regions, sectors, beta, decay, ras_tol, ras_max_iter)
    else:
        T, trade_meta = _class_trade(parameters, (classes, unclassified), countries, trade_totals,
                                     trade_totals_classes,
                                     imports_by_product, ras_tol, ras_max_iter, O, Dint, fd_traded,
                                     dist, regions, sectors, A, x_reg, basis_reg, basis_nat, national)
    t = np.zeros_like(T)
    np.divide(T, D[:, np.newaxis, :], out=t, where=D[:, np.newaxis, :] > 0)

    # ---- 4. assembly
    index = pd.MultiIndex.from_product([regions, sectors], names=list(lab.INDUSTRY_LEVELS))
    Z = kernels.chenery_moses_flows(np.ascontiguousarray(t), ZN, np.ascontiguousarray(use))
    n_cat, n_exp = len(categories), EN.shape[1]
    # traded: Y[(r,i),(s,c)] = t_i^{rs} y_ic W_ic^s, as (r, i, s, c), with the supply-led share
    # phi_i: W_ic^s = (1 - phi_i) W_c^s + phi_i u_ic^s; + 0.0 turns a -0.0 into 0.0
    w = W.T[np.newaxis] if weights is None else weights.transpose(0, 2, 1)  # (1 or n, s, c)
    traded = t.transpose(1, 0, 2)[:, :, :, np.newaxis] * (FN_traded[:, np.newaxis, :] * w)[np.newaxis]
    traded += 0.0
    # producer-held: stays in the producing region's own columns
    own = np.arange(R)
    traded[own, :, own, :] += FN_held[np.newaxis] * share[:, :, np.newaxis]
    Y = np.empty((R * n, R * n_cat + n_exp))
    Y[:, :R * n_cat] = traded.reshape(R * n, R * n_cat)
    Y[:, R * n_cat:] = (EN[np.newaxis, :, :] * share[:, :, np.newaxis]).reshape(R * n, n_exp)
    y_cols = pd.MultiIndex.from_tuples(
        [(r, c) for r in regions for c in categories] + [(export_region, e) for e in national.exports.columns],
        names=list(lab.FINAL_DEMAND_LEVELS))
    is_va = np.zeros(len(national.V.index), dtype=bool)
    is_va[va_pos] = True
    V = (VN[:, np.newaxis, :] * np.where(is_va[:, np.newaxis, np.newaxis], va_share[np.newaxis], use[np.newaxis])
         ).reshape(len(national.V.index), R * n)
    x = x_reg.reshape(-1)
    extensions = None
    units = {"monetary": national.units}
    if employment is not None:
        extensions = pd.DataFrame(employment.reshape(1, -1), index=pd.Index(["employment"], name="stressor"),
                                  columns=index)
        units["employment"] = employment_unit

    if uniform:
        trade_assumptions = [
            f"intra-regional share of demand from {method.upper()}"
            + (f" (delta = {delta})" if method in ("flq", "aflq") else "")
            + " in the gravity prior; interregional trade by a doubly-constrained gravity model "
            f"f(d) = {'d^-beta' if decay == 'power' else 'exp(-beta d)'} with beta = {beta}, balanced "
            "exactly to regional supply and demand by RAS (Furness), per product; the location quotients "
            "are a prior, not a constraint: a flow they rule out (intra-regional share 0 although the region "
            "produces the product, or 1 closing the region to other suppliers) keeps "
            f"{kernels._regional.GRAVITY_FLOOR:g} of its plain-gravity value, so that the regional margins can "
            "always be met"
        ]
        trade_meta = {"model": "uniform (one location quotient and one distance decay for every product)"}
    else:
        p = parameters
        trade_assumptions = [
            "interregional trade per product by a gravity model with five tradability classes (nontraded, "
            "local, services, bulk, goods; data/tradability.csv): T0 = O_r D_s d_rs^-beta_k exp(home_k - c ln(x_s/x_N)) on "
            "the own region, exp(-border_k) between countries; " + "; ".join(
                f"{k}: beta {p.classes[k].distance_decay:.3g}, home bias {p.classes[k].home_bias:.3g}, border "
                f"{p.classes[k].border:.3g}" for k in tradability.TRADE_CLASSES)
            + f"; size elasticity c = {p.size_elasticity:.3g} ({p.source}); balanced exactly to regional "
            "supply and demand by RAS (Furness, finished by Newton's method where it stalls), per product; "
            "nontraded products (dwelling services) are supplied by the own region up to min(supply, demand), "
            "only surpluses travel",
            "final demand of non-tradables follows supply: each category's regional split of each product "
            "leans by a share phi_k towards the regions' supply net of their intermediate use, within the "
            "proxy's regional totals of the category (RAS); nontraded products are bought where supplied ("
            + ", ".join(f"{k} {p.classes[k].supply_led_demand:.3g}" for k in tradability.TRADE_CLASSES)
            + ", nontraded 1)",
            ("location quotient " + p.lq.upper() + f" (delta {p.delta:g})" * (p.lq in ("flq", "aflq"))
             + " on intermediate purchases of " + ", ".join(p.lq_classes) + " only") if p.lq != "none"
            else "no location quotient: the own-region share follows from the home bias and the margins",
        ]
        if trade_totals is not None:
            trade_assumptions.append("user-supplied region-to-region totals imposed on the classes "
                                     + ", ".join(trade_totals_classes) + " by three-way proportional fitting")
    assumptions = [
        "regional output x_j^r = x_j^N * (indicator of the region's group / national indicator of the "
        "group): national output structure within each indicator group",
        ("every region uses the national domestic technology (A) and primary-input structure (V/x)"
         if value_added is None else
         "regional value added given (value_added=); every input column of a regional industry is the national "
         "one scaled by (x_j^r - v_j^r) / (x_j - v_j), its value-added rows by v_j^r / v_j"),
        *trade_assumptions,
        "Chenery-Moses assembly: one trade pattern per product for all buyers in a destination region",
        "exports and producer-held final demand (inventory changes, nationally negative cells) are "
        "allocated to producing regions in proportion to their output",
        "final demand by region: " + "; ".join(
            f"{c}: {p if isinstance(p, str) else (p.name or 'regional weights') if isinstance(p, pd.Series) else 'output of ' + ', '.join(map(str, p))}"
            for c, p in proxies.items()),
    ]
    if income_fallback:
        why = f"meta income_row {income_row!r} is not a row of V" if income_row else "meta names no income_row"
        assumptions.append(f"no income row ({why}): {', '.join(map(str, income_fallback))} placed by regional "
                           "value added instead of regional income")
    if employment is not None:
        assumptions.append("employment by industry: regional employment of the group split over its "
                           "industries by national output shares")
    national_notes = national.meta.get("assumptions") or []
    national_notes = [national_notes] if isinstance(national_notes, str) else list(national_notes)
    meta_out: dict[str, Any] = dict(national.meta)
    meta_out.update({
        "regionalisation": {
            "trade": "uniform" if uniform else "calibrated",
            "method": method if uniform else None,
            "delta": float(delta) if uniform and method in ("flq", "aflq") else None,
            "beta": float(beta) if uniform else None, "decay": decay if uniform else None,
            "output_indicators": list(output_indicators),
            "lq_basis": "employment" if employment is not None else "output",
            "ras_tol": ras_tol, "ras_max_iter": ras_max_iter,
        },
        "output_indicator": {str(r): {str(g): used[g] for g in groups} for r in regions},
        "industry_group": {str(s): str(g) for s, g in group_of.items()},
        "trade": trade_meta,
        "final_demand_proxies": {str(c): (p if isinstance(p, str) else str(p.name or "regional weights")
                                          if isinstance(p, pd.Series) else [str(v) for v in p])
                                 for c, p in proxies.items()},
        "assumptions": assumptions + national_notes,
    })
    meta_out.update(meta or {})
    if national.rtol > CONSISTENCY_RTOL:  # the national table's own identities hold only to this tolerance
        meta_out["identity_rtol"] = float(national.rtol)
    rtol = max(CONSISTENCY_RTOL, national.rtol)
    is_domestic = np.arange(len(y_cols)) < R * n_cat
    y_categories = np.asarray(y_cols.get_level_values("category"), dtype=object)
    rows, z_columns = _consistency(Z, Y, V, x, R, n, is_domestic, y_categories, national)
    _check_regional_balance(x, z_columns, V, T, O, index, rtol)
    worst = max(rows.values())
    if not worst <= CONSISTENCY_RTOL:
        raise IdentityError(f"national consistency failed (max relative error {worst:.3g}):\n"
                            f"{_consistency_frame(rows)}")
    meta_out.update(national_consistency=rows, national_consistency_max_relative_error=float(worst))
    # the arrays are new, finite and balanced by construction (checked above): wrapped without copies
    # or the N x N passes of MRIO.from_flows; the trade structure of A travels with the table
    technology = ZN[np.newaxis, :, :] * kernels.safe_divide(use, x_reg)[:, np.newaxis, :]  # (R, n, n): a^s
    return MRIO._from_trusted_arrays(
        Z, Y, V, x, index=index, y_columns=y_cols, components=national.V.index,
        extensions=None if employment is None else employment.reshape(1, -1),
        stressors=None if employment is None else pd.Index(["employment"]), units=units, meta=meta_out,
        value_added_components=national.value_added_components, z_column_sums=z_columns,
        trade_structure=(t, technology))


def _check_regional_balance(x, z_columns, V, T, O, index, rtol) -> None:
    """Every regional industry balances: ``x = i'Z + i'V`` and its trade meets its supply ``O = sum_s T^{rs}``.

    The row balance ``x = Z i + Y i`` of a regional industry is ``x_i^r = O_i^r + e_i^r +
    held_i^r`` with ``O_i^r = sum_s T_i^{rs}`` by construction of the assembly, so it is checked on
    the trade flows ``T`` (n, R, R) and the supply ``O`` (n, R) instead of on ``Z``.
    """
    _check_identity(x, z_columns + V.sum(axis=0), index, rtol, "column balance x' = i'Z + i'V")
    supplied = T.sum(axis=2).T.reshape(-1)  # (R n,): sum_s T_i^{rs}, region-major
    rest = x - O.T.reshape(-1)  # exports and producer-held final demand
    _check_identity(x, supplied + rest, index, rtol, "row balance x = Z i + Y i (trade meets each region's supply)")


def _consistency(Z, Y, V, x, R, n, is_domestic, y_categories, national) -> tuple[dict[str, float], np.ndarray]:
    """Relative errors of the regional table summed over regions, and the column sums ``i'Z``.

    One pass over the ``N x N`` flows: the sum over selling regions (n, R n) gives both the
    national flows (summed over buying regions) and the column sums. Items and errors as
    :func:`national_consistency`.
    """
    by_buyer = Z.reshape(R, n, R * n).sum(axis=0)  # (n, R n): sum over the selling regions
    rows = {"intermediate flows Z": _rel(by_buyer.reshape(n, R, n).sum(axis=1), national.Z.to_numpy())}
    for c in national.final_demand.columns:
        summed = Y[:, is_domestic & (y_categories == c)].sum(axis=1).reshape(R, n).sum(axis=0)
        rows[f"final demand: {c}"] = _rel(summed, national.final_demand[c].to_numpy())
    for e in national.exports.columns:
        summed = Y[:, ~is_domestic & (y_categories == e)].sum(axis=1).reshape(R, n).sum(axis=0)
        rows[f"exports: {e}"] = _rel(summed, national.exports[e].to_numpy())
    Vs = V.reshape(V.shape[0], R, n).sum(axis=1)
    VN = national.V.to_numpy()
    for k, comp in enumerate(national.V.index):
        rows[f"primary input: {comp}"] = _rel(Vs[k], VN[k])
    rows["gross output x"] = _rel(x.reshape(R, n).sum(axis=0), national.x.to_numpy())
    return rows, by_buyer.sum(axis=0)


def _consistency_frame(rows: Mapping[str, float]) -> pd.DataFrame:
    out = pd.DataFrame({"max_relative_error": pd.Series(dict(rows), dtype=float)})
    out.index.name = "item"
    return out


def _rel(computed: np.ndarray, expected: np.ndarray) -> float:
    if computed.size == 0:
        return 0.0
    return float((np.abs(computed - expected) / np.maximum(1.0, np.abs(expected))).max())


def national_consistency(system: MRIO, national: NationalTable) -> pd.DataFrame:
    """Compare a regional system summed over regions with the national table.

    Returns
    -------
    pandas.DataFrame
        One row per item (intermediate flows, final demand by category, exports, each primary
        input row, output), column ``max_relative_error`` = ``max |sum - national| / max(1, |national|)``
        over industries (and categories).
    """
    R, n = system.n_regions, system.n_sectors
    sectors = pd.Index(system.sectors)
    lab.check_same(sectors, pd.Index(national.sectors), "system sectors", "national sectors")
    regions = set(system.regions)
    is_domestic = np.array([r in regions for r in system.Y.columns.get_level_values("region")], dtype=bool)
    y_categories = np.asarray(system.Y.columns.get_level_values("category"), dtype=object)
    rows, _ = _consistency(system.Z.to_numpy(), system.Y.to_numpy(), system.V.to_numpy(), system.x.to_numpy(),
                           R, n, is_domestic, y_categories, national)
    return _consistency_frame(rows)


def flq_sensitivity(national: NationalTable, indicators: pd.DataFrame, concordance: Mapping | pd.Series,
                    distances: pd.DataFrame, deltas: Iterable[float] = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4),
                    method: str = "flq", **kwargs: Any) -> pd.DataFrame:
    """Sensitivity of the build to the FLQ ``delta``: intra-regional share of intermediate inputs.

    Returns
    -------
    pandas.DataFrame
        Rows = regions, columns = delta values: the share of each region's intermediate inputs
        bought from within the region, ``sum_i Z^{ss}_i / sum_i Z^{.s}_i``.
    """
    out = {}
    for d in deltas:
        system = build_mrio(national, indicators, concordance, distances, trade="uniform", method=method, delta=d,
                            **kwargs)
        R, n = system.n_regions, system.n_sectors
        Z4 = system.Z.to_numpy().reshape(R, n, R, n)
        own = np.einsum("rirj->r", Z4)
        total = Z4.sum(axis=(0, 1, 3))
        out[d] = kernels.safe_divide(own, total)
        regions = system.regions
    frame = pd.DataFrame(out, index=regions)
    frame.columns.name = "delta"
    return frame
