"""Interregional dependency: who depends on whose final demand, and through which channels.

* :func:`dependency_matrix` -- value added, jobs (any extension) or output of each origin region
  (or region-sector) attributed to the final demand of each destination region and category,
  ``D = s_hat L Y`` (Johnson & Noguera 2012; Timmer et al. 2014), with shares of the origin total
  and a split into own-region, other-region and outside-the-system (export) demand.
* :func:`spillover_feedback` -- Miller's intra-regional / feedback / spillover split of
  multipliers, generalised from two to R regions.
* :func:`commuting_flows` -- employees' income (or jobs) by region of residence x region of
  work: where each region's residents earn their income.
* :func:`residents_dependency` -- the type II (household-closed) attribution: value added or jobs
  of each origin resting on the spending of each region's residents, funded by the income they
  earn anywhere (Miyazawa 1976, with income paid by region of residence through commuting).
* :func:`pyatt_round` -- the multiplicative decomposition ``L = M3 M2 M1`` (Pyatt & Round 1979)
  and Stone's additive form.

References
----------
Johnson, R. C. & Noguera, G. (2012). Accounting for intermediates. *J. Int. Econ.* 86, 224-236.
Miller, R. E. (1966). Interregional feedback effects in input-output models. *Papers of the
Regional Science Association* 17, 105-125; Miller & Blair (2009), ch. 3 and ch. 6.
Miyazawa, K. (1976). *Input-Output Analysis and the Structure of Income Distribution*. Springer,
ch. 1; Hewings, G. J. D. et al. (1999), *Understanding and Interpreting Economic Structure*,
Springer (the interregional income multiplier).
Pyatt, G. & Round, J. I. (1979). *Economic Journal* 89, 850-873; Round (1985), *Economic
Journal* 95, 383-399.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.analysis.multipliers import _income_row, household_closure, residence_shares
from mrio.core import labels as lab
from mrio.core.display import result_html
from mrio.core.kernel_errors import kernel_errors
from mrio.core.system import MRIO
from mrio.errors import InputError, UnknownLabelError

__all__ = [
    "MEASURES",
    "Measure",
    "measure_intensity",
    "DependencyResult",
    "dependency_matrix",
    "dependency_split",
    "spillover_feedback",
    "commuting_flows",
    "residents_dependency",
    "PyattRound",
    "pyatt_round",
]

#: Named measures; any stressor name of the system is accepted too.
MEASURES = ("value-added", "jobs", "output")


@dataclass(frozen=True)
class Measure:
    """What is attributed: an intensity per unit of gross output and its unit.

    Attributes
    ----------
    name : str
    intensity : ndarray of shape (N,)
        ``s_j`` = measure per unit of output of industry j (``v_c``, ``e_c`` or ones).
    total : ndarray of shape (N,)
        ``s_j x_j``, the measure itself by industry.
    unit : str
    """

    name: str
    intensity: np.ndarray
    total: np.ndarray
    unit: str


def _employment_stressor(system: MRIO) -> Hashable:
    if "employment" in system.stressors:
        return "employment"
    found = [s for s in system.stressors if any(k in str(s).lower() for k in ("employ", "job", "fte"))]
    if len(found) != 1:
        raise UnknownLabelError(
            "measure 'jobs' needs one employment extension; stressors of this system: "
            f"{lab._show(system.stressors) or 'none'}")
    return found[0]


def measure_intensity(system: MRIO, measure: str | Hashable = "value-added") -> Measure:
    """Resolve a measure name into per-unit-output intensities.

    Parameters
    ----------
    system : MRIO
    measure : str
        ``"value-added"`` (gross value added, the rows ``value_added_components`` of :class:`~mrio.MRIO`'s V),
        ``"output"`` (gross output), ``"jobs"``/``"employment"`` (the employment extension), or
        the name of any stressor (extension row).

    Returns
    -------
    Measure

    Raises
    ------
    UnknownLabelError
        When the name is neither a named measure nor a stressor of the system.
    """
    x = system.arrays.x
    monetary = system.units.get("monetary", "monetary units")
    if measure in ("value-added", "value_added", "gva"):
        total = system.value_added.to_numpy()
        return Measure("value_added", kernels.safe_divide(total, x), total, monetary)
    if measure == "output":
        return Measure("output", (x > 0).astype(np.float64), x.copy(), monetary)
    if measure in ("jobs", "employment"):
        measure = _employment_stressor(system)
    if measure in system.stressors:
        pos = system.stressors.get_loc(measure)
        total = system.arrays.F[pos]
        return Measure(str(measure), kernels.safe_divide(total, x), total.copy(),
                       system.units.get(str(measure), ""))
    raise UnknownLabelError(
        f"unknown measure {measure!r}: use one of {', '.join(MEASURES)} or a stressor "
        f"({lab._show(system.stressors) or 'this system has none'})")


def _check_by(by: str) -> None:
    if by not in ("region", "region-sector"):
        raise InputError(f"by must be 'region' or 'region-sector', got {by!r}")


def _regroup_series(regroup: Mapping | pd.Series | None, system: MRIO) -> pd.Series | None:
    if regroup is None:
        return None
    if isinstance(regroup, str):  # "province", "metro": the named concordances, as on the command line
        from mrio.build.concordances import named_region_concordance

        regroup = named_region_concordance(regroup)
    series = lab.complete_mapping(regroup, system.regions, "region", system.region_aliases)
    # destinations outside the system (e.g. RoW) keep their name unless mapped
    extra = {r: (regroup.get(r, r) if hasattr(regroup, "get") else r)
             for r in system.final_demand_regions if r not in system.regions}
    return pd.concat([series, pd.Series(extra, dtype=object)]) if extra else series


@dataclass(frozen=True)
class DependencyResult:
    """Attribution of a measure of origin regions to final demand of destination regions.

    Attributes
    ----------
    amounts : pandas.DataFrame
        Rows: origin ``region`` (or ``(region, sector)``); columns: ``(region, category)`` of
        final demand. Row sums equal the origin's total measure.
    shares : pandas.DataFrame
        ``amounts`` divided by the origin total; rows sum to one (NaN for zero totals).
    by_destination : pandas.DataFrame
        ``amounts`` summed over final-demand categories: origin x destination region.
    split : pandas.DataFrame
        Per origin: ``own_region``, ``other_regions`` (destinations inside the system),
        ``outside`` (destinations outside the system, e.g. ``RoW`` exports), ``total`` and the
        three shares ``*_share``.
    measure : str
    unit : str
    """

    amounts: pd.DataFrame
    shares: pd.DataFrame
    by_destination: pd.DataFrame
    split: pd.DataFrame
    measure: str
    unit: str
    _repr_html_ = result_html


def dependency_matrix(system: MRIO, measure: str = "value-added", by: str = "region",
                      regroup: Mapping | pd.Series | None = None) -> DependencyResult:
    """Attribute a measure of each origin to the final demand of each destination.

    ``D = s_hat L Y``: entry ``(i, k)`` is the measure (value added, jobs, output...) generated
    in industry ``i`` to satisfy final-demand column ``k`` (a destination region and category);
    summed over the industries of origin region r and the categories of destination s it is
    ``VA(r <- s)`` of docs/methods/dependency.md, section "Dependency matrix" (Johnson & Noguera 2012; Timmer
    et al. 2014).

    Parameters
    ----------
    system : MRIO
    measure : str, default "value-added"
        See :func:`~mrio.analysis.dependency.measure_intensity`.
    by : {"region", "region-sector"}
        Rows per origin region, or per origin industry.
    regroup : Mapping, pandas.Series or {"province", "metro"}, optional
        Region -> group concordance applied to origins and destinations (e.g. COROP regions to
        provinces; the names select the Dutch concordances of :func:`mrio.regroup`; a mapping
        may list only the regions to merge). Attribution is linear, so the grouped result is
        the exact sum.

    Returns
    -------
    DependencyResult
        Units in ``.unit`` and in ``.attrs["unit"]`` of every frame.

    Notes
    -----
    Identities: rows of ``amounts`` sum to the origin totals (``s_j x_j`` because ``L Y i = x``);
    for value added the grand total is GDP (total GVA); with every primary input of V counted,
    column sums equal the final demand of each column. Cost: one Leontief solve with ``K``
    right-hand sides (:meth:`MRIO.leontief_product`; ``2 N^2 K`` flops on stored LU factors).
    :func:`dependency_split` gives ``by_destination`` and ``split`` alone, from one right-hand
    side per destination.
    """
    _check_by(by)
    m = measure_intensity(system, measure)
    groups = _regroup_series(regroup, system)
    with kernel_errors(system.index):
        LY = system.leontief_product(system.arrays.Y)
    amounts = _origin_rows(system, LY * m.intensity[:, np.newaxis], system.Y.columns, groups, by)
    if groups is not None:
        new_cols = pd.MultiIndex.from_arrays(
            [groups.loc[amounts.columns.get_level_values("region")].to_numpy(),
             amounts.columns.get_level_values("category")], names=list(lab.FINAL_DEMAND_LEVELS))
        amounts = amounts.T.groupby(new_cols, sort=False).sum().T
        amounts.columns = pd.MultiIndex.from_tuples(amounts.columns, names=list(lab.FINAL_DEMAND_LEVELS))
    totals = amounts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = amounts.div(totals.where(totals != 0), axis=0)
    by_destination = amounts.T.groupby(level="region", sort=False).sum().T
    by_destination.columns.name = "destination"
    split = _split(by_destination, totals.to_numpy(), _internal(system, groups), by)
    for frame, unit in ((amounts, m.unit), (shares, "1"), (by_destination, m.unit), (split, m.unit)):
        frame.attrs.update(unit=unit, measure=m.name)
    return DependencyResult(amounts, shares, by_destination, split, m.name, m.unit)


def dependency_split(system: MRIO, measure: str = "value-added", by: str = "region",
                     regroup: Mapping | pd.Series | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``by_destination`` and ``split`` of :func:`dependency_matrix`, from one column per destination.

    ``VA(r <- s) = sum_{i in r} s_i (L Y_s)_i`` with ``Y_s = Y G`` the final demand of each
    destination summed over its categories (``G`` the 0/1 category -> destination matrix), so
    the Leontief solve has one right-hand side per destination region instead of one per
    final-demand column (docs/methods/dependency.md, section "Dependency matrix"). Linear
    attribution makes the two routes equal up to rounding.

    Parameters
    ----------
    system, measure, by, regroup
        As :func:`dependency_matrix`.

    Returns
    -------
    by_destination, split : pandas.DataFrame
        Exactly the frames (labels, units, attrs) of :func:`dependency_matrix`.
    """
    _check_by(by)
    m = measure_intensity(system, measure)
    groups = _regroup_series(regroup, system)
    dest_regions = system.Y.columns.get_level_values("region")
    if groups is not None:
        dest_regions = pd.Index(groups.loc[dest_regions].to_numpy())
    codes, destinations = pd.factorize(dest_regions, sort=False)
    G = np.zeros((len(codes), len(destinations)))
    G[np.arange(len(codes)), codes] = 1.0
    with kernel_errors(system.index):
        LY = system.leontief_product(system.arrays.Y @ G)
    by_destination = _origin_rows(system, LY * m.intensity[:, np.newaxis],
                                  pd.Index(destinations, name="destination"), groups, by)
    split = _split(by_destination, by_destination.sum(axis=1).to_numpy(), _internal(system, groups), by)
    for frame in (by_destination, split):
        frame.attrs.update(unit=m.unit, measure=m.name)
    return by_destination, split


def _origin_rows(system: MRIO, values: np.ndarray, columns: pd.Index, groups: pd.Series | None,
                 by: str) -> pd.DataFrame:
    """Rows of attributed amounts (N x columns) regrouped by origin group and summed by region if asked."""
    frame = pd.DataFrame(values, index=system.index, columns=columns)
    if groups is not None:
        new_rows = pd.MultiIndex.from_arrays(
            [groups.loc[system.index.get_level_values("region")].to_numpy(),
             system.index.get_level_values("sector")], names=list(lab.INDUSTRY_LEVELS))
        frame = frame.groupby(new_rows, sort=False).sum()
        frame.index = pd.MultiIndex.from_tuples(frame.index, names=list(lab.INDUSTRY_LEVELS))
    if by == "region":
        frame = frame.groupby(level="region", sort=False).sum()
    return frame


def _internal(system: MRIO, groups: pd.Series | None) -> pd.Index:
    """Destinations inside the system (regions, or their groups)."""
    return system.regions if groups is None else pd.Index(pd.unique(groups.loc[system.regions].to_numpy()))


def _split(by_destination: pd.DataFrame, total: np.ndarray, internal: pd.Index, by: str) -> pd.DataFrame:
    """Own-region, other-region and outside amounts and shares of each origin row."""
    index = by_destination.index
    origin_region = index if by == "region" else index.get_level_values("region")
    dest = by_destination.columns
    values = by_destination.to_numpy()
    position = {d: k for k, d in enumerate(dest)}
    own = np.array([values[k, position[r]] if r in position else 0.0 for k, r in enumerate(origin_region)])
    is_internal = np.array([d in internal for d in dest], dtype=bool)
    inside = values[:, is_internal].sum(axis=1)
    outside = values[:, ~is_internal].sum(axis=1)
    split = pd.DataFrame({"own_region": own, "other_regions": inside - own, "outside": outside,
                          "total": total}, index=by_destination.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        for c in ("own_region", "other_regions", "outside"):
            split[f"{c}_share"] = np.where(total != 0, split[c] / np.where(total != 0, total, 1), np.nan)
    return split


def commuting_flows(system: MRIO, measure: str = "income", regroup: Mapping | pd.Series | None = None,
                    commuting: pd.DataFrame | bool | None = None,
                    income_row: Hashable | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Employees' income (or jobs) of each region's residents by the region where it is earned.

    Income of the residents of ``s`` earned in ``r`` is ``P[s, r] W_r`` with ``W_r`` the labour
    income (compensation of employees) earned in ``r`` and ``P[s, r] = C[s, r] / sum_s' C[s', r]``
    the share of ``r``'s employee jobs held by residents of ``s`` (``C`` the commuting matrix);
    this is the income the type II multipliers pay to the households of ``s``
    (docs/methods/multipliers.md, section "Type II multipliers").

    Parameters
    ----------
    system : MRIO
    measure : {"income", "jobs"}
        Labour income (monetary units) or the commuting jobs themselves.
    regroup : Mapping, pandas.Series or {"province", "metro"}, optional
        Region -> group concordance (as :func:`dependency_matrix`); flows are sums, so the grouped
        result is the sum of the detailed one.
    commuting : pandas.DataFrame, bool or None
        Employee jobs, residence x work (see :func:`~mrio.analysis.multipliers.residence_shares`);
        default the system's ``MRIO.commuting``.
    income_row : label, optional
        Row of V with labour income (see :func:`mrio.income_multipliers`).

    Returns
    -------
    by_work : pandas.DataFrame
        Region of residence (rows) x region of work (columns); rows sum to the residents' total,
        columns to what is earned (or the jobs) in the region of work.
    split : pandas.DataFrame
        Per region of residence: ``own_region`` (earned where they live), ``other_regions``,
        ``total`` and the two shares ``*_share``.

    Raises
    ------
    InputError
        No commuting matrix, or an unknown measure.
    """
    if measure not in ("income", "jobs"):
        raise InputError(f"measure must be 'income' or 'jobs', got {measure!r}")
    shares = residence_shares(system, True if commuting is None else commuting)
    if shares is None:
        raise InputError("commuting=False: no commuting flows to show")
    if measure == "income":
        row = _income_row(system, income_row)
        earned = system.V.loc[row].to_numpy().reshape(system.n_regions, system.n_sectors).sum(axis=1)
        flows = shares * earned[np.newaxis, :]
        unit = system.units.get("monetary", "monetary units")
    else:
        jobs = system.commuting if commuting is None or commuting is True else commuting
        flows = jobs.reindex(index=system.regions, columns=system.regions, fill_value=0.0).astype(float)
        unit = str(system.meta.get("commuting_unit", "jobs"))
    groups = _regroup_series(regroup, system)
    if groups is not None:
        flows = flows.groupby(groups.loc[flows.index].to_numpy(), sort=False).sum()
        flows = flows.T.groupby(groups.loc[flows.columns].to_numpy(), sort=False).sum().T
    flows.index.name, flows.columns.name = "residence", "work"
    split = _split(flows, flows.sum(axis=1).to_numpy(), flows.columns, "region")
    split = split.drop(columns=["outside", "outside_share"])
    for frame in (flows, split):
        frame.attrs.update(unit=unit, measure=f"commuting {measure}")
    return flows, split


def residents_dependency(system: MRIO, measure: str = "value-added", by: str = "region",
                         regroup: Mapping | pd.Series | None = None,
                         commuting: pd.DataFrame | bool | None = None, income_row: Hashable | None = None,
                         consumption_category: Hashable | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Value added or jobs of each origin resting on the spending of each region's residents (type II).

    Households are endogenous by region of residence, as in :func:`mrio.type_ii_multipliers`:
    ``H_r = P h`` pays the labour income earned in each work region to the residents of each
    region (``P`` the commuting shares, :func:`~mrio.analysis.multipliers.residence_shares`) and
    ``H_c = Y_hh w^-1`` spends it. Miyazawa's partition of the household-closed output splits it
    into what exogenous final demand ``f`` (everything but household consumption: government,
    investment, inventories, exports) needs directly and what residents' spending induces:

    .. math::

        \bar x = L f + L H_c K w^0, \qquad w^0 = H_r L f, \qquad K = (I - H_r L H_c)^{-1}

    ``w^0_s`` is the income the residents of ``s`` earn, in every work region, from exogenous
    demand; ``K`` (Miyazawa's interregional income multiplier) turns it into the chain of
    spending it starts (the residents' total income is ``w = K w^0``). The measure of industry
    ``i`` resting on the residents of ``s`` is

    .. math:: D_{is} = m_i \, (L H_c K)_{is} \, w^0_s,

    the exogenous part is ``E_i = m_i (L f)_i`` (``m`` the measure per unit of output), and
    ``E + D 1 = m \bar x``, the household-closed total (equal to the table's own measure when
    household consumption is the closure's, as in a table whose ``Y_hh`` is all the income
    spent). Without commuting ``P = I`` and ``w^0_s`` is the income earned in ``s``: the table is
    the induced part attributed to the workplace where the income is earned; with commuting the
    income of commuters follows them home. docs/methods/dependency.md, section "Residents'
    spending (type II)".

    Parameters
    ----------
    system : MRIO
    measure : str, default "value-added"
        See :func:`~mrio.analysis.dependency.measure_intensity`.
    by : {"region", "region-sector"}
        Rows per origin region, or per origin industry.
    regroup : Mapping, pandas.Series or {"province", "metro"}, optional
        Region -> group concordance for origins and regions of residence (exact sums).
    commuting : pandas.DataFrame, bool or None
        Employee jobs, residence x work (see :func:`~mrio.analysis.multipliers.residence_shares`);
        default the system's ``MRIO.commuting`` if it has one; ``False``: no commuting.
    income_row, consumption_category : label, optional
        As :func:`mrio.type_ii_multipliers`.

    Returns
    -------
    by_residence : pandas.DataFrame
        Origin (rows) x region of residence (columns): the measure resting on those residents'
        spending.
    split : pandas.DataFrame
        Per origin: ``exogenous`` (resting on final demand other than households'),
        ``own_residents``, ``other_residents``, ``total`` (household-closed) and the three
        ``*_share``.

    Raises
    ------
    InputError, UnknownLabelError
        As :func:`mrio.type_ii_multipliers`.
    NotProductiveError
        The household-closed system is not productive (``I - H_r L H_c`` singular or not a
        Leontief matrix).

    Notes
    -----
    Cost: one Leontief solve with ``R + 1`` right-hand sides (``L H_c`` and ``L f``) on the stored
    factors, then an ``R x R`` LU factorisation of ``I - H_r L H_c`` solved for ``diag(w^0)``; no
    inverse is formed.
    """
    _check_by(by)
    m = measure_intensity(system, measure)
    closure = household_closure(system, income_row, consumption_category, commuting)
    exogenous_columns = system.Y.columns.get_level_values("category") != closure.category
    f = system.arrays.Y[:, exogenous_columns].sum(axis=1)
    with kernel_errors(system.index):
        solved = system.leontief_product(np.column_stack([closure.propensities, f]))
    L_Hc, Lf = solved[:, :-1], solved[:, -1]
    first_round = closure.income_by_residence @ Lf  # w0: residents' income from exogenous demand
    income_feedback = closure.income_by_residence @ L_Hc  # H_r L H_c
    with kernel_errors(pd.Index([("households", r) for r in system.regions])):
        factor = kernels.LeontiefFactor(income_feedback)
        kernels.certify_productive(factor, income_feedback)
        K_w0 = factor.solve(np.diag(first_round))  # K diag(w0), column s: the chain started by s
    induced = m.intensity[:, np.newaxis] * (L_Hc @ K_w0)
    groups = _regroup_series(regroup, system)
    residence = pd.Index(system.regions, name="residence")
    by_residence = _origin_rows(system, induced, residence, groups, by)
    if groups is not None:
        by_residence = by_residence.T.groupby(groups.loc[residence].to_numpy(), sort=False).sum().T
    by_residence.columns.name = "residence"
    exogenous = _origin_rows(system, (m.intensity * Lf)[:, np.newaxis], pd.Index(["exogenous"]), groups, by)
    whole = pd.concat([by_residence, exogenous], axis=1)
    split = _split(whole, whole.sum(axis=1).to_numpy(), by_residence.columns, by)
    split = split.rename(columns={"own_region": "own_residents", "other_regions": "other_residents",
                                  "outside": "exogenous", "own_region_share": "own_residents_share",
                                  "other_regions_share": "other_residents_share",
                                  "outside_share": "exogenous_share"})
    split = split[["exogenous", "own_residents", "other_residents", "total", "exogenous_share",
                   "own_residents_share", "other_residents_share"]]
    for frame in (by_residence, split):
        frame.attrs.update(unit=m.unit, measure=m.name, commuting=closure.commuting)
    return by_residence, split


def _region_blocks(system: MRIO) -> list[slice]:
    n = system.n_sectors
    return [slice(r * n, (r + 1) * n) for r in range(system.n_regions)]


def spillover_feedback(system: MRIO, measure: str = "output", by: str = "region-sector") -> pd.DataFrame:
    """Intra-regional, feedback and spillover effects (Miller 1966, generalised to R regions).

    For final demand for the product of industry j of region r (one unit, or the region's actual
    final demand with ``by="region"``) and intensities ``s`` of the measure:

    * intra-regional: ``s_r' (I - A^{rr})^-1 e_j`` -- effects inside r if r traded with no one;
    * feedback: ``s_r' (L^{rr} - (I - A^{rr})^-1) e_j`` (``>= 0``) -- extra effects in r that come
      back through other regions' purchases from r;
    * spillover: ``sum_{s != r} s_s' L^{sr} e_j`` -- effects in all other regions.

    They add up to the multiplier ``s' L e_j`` (Miller & Blair 2009, sec. 3.3-3.4; for two
    regions these are exactly the block formulas of docs/methods/dependency.md, section "Dependency matrix").

    Parameters
    ----------
    system : MRIO
    measure : str, default "output"
        See :func:`~mrio.analysis.dependency.measure_intensity`.
    by : {"region-sector", "region"}
        ``"region-sector"``: per unit of final demand for each industry (multipliers).
        ``"region"``: for the actual final demand for each region's products, ``f^r = (Y i)_r``
        (Miller's ``Delta f^1``), summed over the region's sectors.

    Returns
    -------
    pandas.DataFrame
        Columns ``intra_regional``, ``feedback``, ``spillover``, ``total``, ``feedback_share``
        (Miller's percentage feedback ``feedback / (intra + feedback)``) and ``spillover_share``
        (``spillover / total``).
    """
    _check_by(by)
    m = measure_intensity(system, measure)
    A = system.arrays.A
    n = system.n_sectors
    blocks = _region_blocks(system)
    with kernel_errors(system.index):
        intra = kernels.block_diagonal_solve(A, n, m.intensity, transposed=True)
        # row r of S_own: the intensities of region r only; (S_own L)[r, cols of r] = s_r' L^{rr}
        S_own = np.zeros((len(blocks), len(system)))
        for r, sl in enumerate(blocks):
            S_own[r, sl] = m.intensity[sl]
        own_all = system.leontief_row_product(S_own)
    own = np.concatenate([own_all[r, sl] for r, sl in enumerate(blocks)])
    total = own_all.sum(axis=0)
    frame = pd.DataFrame({"intra_regional": intra, "feedback": own - intra, "spillover": total - own,
                          "total": total}, index=system.index)
    if by == "region":
        f = system.arrays.Y.sum(axis=1)
        frame = frame.mul(f, axis=0).groupby(level="region", sort=False).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        own_total = frame["intra_regional"] + frame["feedback"]
        frame["feedback_share"] = frame["feedback"] / own_total.where(own_total != 0)
        frame["spillover_share"] = frame["spillover"] / frame["total"].where(frame["total"] != 0)
    frame.attrs.update(unit=m.unit if by == "region" else f"{m.unit} per {system.units.get('monetary')}",
                       measure=m.name)
    return frame


def _geometric_sum(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(I + X + ... + X^{k-1}, X^k)`` by doubling: ``S_2m = S_m + X^m S_m``, ``S_m+1 = I + X S_m``."""
    N = X.shape[0]
    S, P = np.eye(N), X.copy()  # m = 1
    for bit in bin(k)[3:]:
        S = S + P @ S           # m -> 2m
        P = P @ P
        if bit == "1":          # m -> m + 1
            S = X @ S
            S[np.diag_indices(N)] += 1.0
            P = X @ P
    return S, P


@dataclass(frozen=True)
class PyattRound:
    """Pyatt-Round multiplicative and Stone additive decompositions of L.

    ``L = M3 M2 M1`` with ``M1 = (I - A_d)^-1`` (intra-regional), ``A* = M1 (A - A_d)``,
    ``M2 = I + A* + ... + A*^{k-1}`` (open-loop spillover), ``M3 = (I - A*^k)^-1`` (closed-loop
    feedback); Stone: ``L = I + (M1 - I) + (M2 - I) M1 + (M3 - I) M2 M1``.

    Attributes
    ----------
    M1, M2, M3, spillover_matrix : pandas.DataFrame
        N x N, labelled by (region, sector); ``spillover_matrix`` is ``A*``.
    additive : pandas.DataFrame
        Stone's components summarised per column industry: column sums of ``I``, ``M1 - I``,
        ``(M2 - I) M1``, ``(M3 - I) M2 M1`` (``initial``, ``intra_regional``, ``open_loop``,
        ``closed_loop``) and ``total`` (= output multiplier ``i'L``).
    spillover_radius : float
        ``rho(A*)``, a scalar index of interregional interdependence (also the convergence factor
        of block-Jacobi solves).
    k : int
    """

    M1: pd.DataFrame
    M2: pd.DataFrame
    M3: pd.DataFrame
    spillover_matrix: pd.DataFrame
    additive: pd.DataFrame
    spillover_radius: float
    k: int
    _repr_html_ = result_html

    def stone_components(self) -> dict[str, pd.DataFrame]:
        """Return the four N x N matrices of Stone's additive form (they sum to L)."""
        idx = self.M1.index
        M1, M2, M3 = self.M1.to_numpy(), self.M2.to_numpy(), self.M3.to_numpy()
        eye = np.eye(len(idx))
        M2M1 = M2 @ M1
        parts = {"initial": eye, "intra_regional": M1 - eye, "open_loop": M2M1 - M1,
                 "closed_loop": M3 @ M2M1 - M2M1}
        return {k: pd.DataFrame(v, index=idx, columns=idx) for k, v in parts.items()}


def pyatt_round(system: MRIO, k: int | None = None) -> PyattRound:
    """Multiplicative decomposition ``L = M3 M2 M1`` of the Leontief inverse by region blocks.

    Parameters
    ----------
    system : MRIO
    k : int, optional
        Length of the open loop; default the number of regions R (any ``k >= 1`` gives an exact
        identity).

    Returns
    -------
    PyattRound

    Notes
    -----
    Pyatt & Round (1979), Round (1985, 2001), Miller & Blair (2009) sec. 6.6; docs/methods/dependency.md,
    section "Dependency matrix".
    Forms dense N x N matrices (the result *is* the matrices): ``M1`` from R factorisations of
    n x n blocks, ``M2 = I + A* + ... + A*^{k-1}`` and ``A*^k`` by binary doubling
    (``2 log2 k`` to ``4 log2 k`` matrix products instead of k), ``M3`` by one LU inverse; the
    additive summary uses vector-matrix products only. Meant for tables of a few thousand
    industries (at N = 3,240 and k = 40: about 12 dense products).
    """
    R = system.n_regions
    k = R if k is None else int(k)
    if k < 1:
        raise InputError(f"k (length of the open loop) must be >= 1, got {k}")
    A = system.arrays.A
    n = system.n_sectors
    N = len(system)
    blocks = _region_blocks(system)
    with kernel_errors(system.index):
        M1 = kernels.block_diagonal_inverse(A, n)
        off = A.copy()
        for sl in blocks:
            off[sl, sl] = 0.0
        # A* = M1 (A - A_d), block by block since M1 is block diagonal
        A_star = np.empty_like(off)
        for sl in blocks:
            np.matmul(M1[sl, sl], off[sl], out=A_star[sl])
        del off
        M2, A_star_k = _geometric_sum(A_star, k)
        M3 = kernels.leontief_inverse(A_star_k)
        del A_star_k
        rho = kernels.spectral_radius(A_star)
    ones = np.ones(N)
    c1 = ones @ M1
    c21 = (ones @ M2) @ M1
    c321 = ((ones @ M3) @ M2) @ M1
    additive = pd.DataFrame({
        "initial": ones,
        "intra_regional": c1 - 1.0,
        "open_loop": c21 - c1,
        "closed_loop": c321 - c21,
    }, index=system.index)
    additive["total"] = additive.sum(axis=1)
    additive.attrs.update(unit=f"{system.units.get('monetary')} per {system.units.get('monetary')}")
    idx = system.index

    def frame(X):
        return pd.DataFrame(X, index=idx, columns=idx)

    return PyattRound(frame(M1), frame(M2), frame(M3), frame(A_star), additive, float(rho), k)
