"""Multipliers: output, value added, income, extensions, type II, interregional.

All are row-vector products ``s' L`` computed with transposed solves on the stored LU factors of
``I - A`` (docs/methods/leontief.md, section "Solving instead of inverting"); L is never formed. Inactive
industries (zero output) get NaN.

References
----------
Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed., ch. 6 (multipliers,
type II with households endogenous), ch. 3 (interregional multipliers).
Beutel, J. (2008). *Eurostat Manual of Supply, Use and Input-Output Tables*, ch. 15.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.core import labels as lab
from mrio.core.kernel_errors import kernel_errors
from mrio.core.system import MRIO
from mrio.errors import InputError, UnknownLabelError

__all__ = [
    "output_multipliers",
    "value_added_multipliers",
    "income_multipliers",
    "extension_multipliers",
    "type_ii_multipliers",
    "residence_shares",
    "household_closure",
    "HouseholdClosure",
    "interregional_output_multipliers",
    "multipliers",
    "MULTIPLIER_KINDS",
]

MULTIPLIER_KINDS = ("output", "value-added", "income", "type-ii")


def _mask_inactive(system: MRIO, values: np.ndarray) -> np.ndarray:
    if len(system.inactive):
        values = np.array(values, dtype=np.float64, copy=True)
        values[..., system.index.get_indexer(system.inactive)] = np.nan
    return values


def output_multipliers(system: MRIO) -> pd.Series:
    """Type I output multipliers ``m' = i'L``.

    ``m_j`` is the total output, in all regions and sectors, per unit of final demand for the
    product of industry j (Miller & Blair 2009, sec. 6.2.1).

    Returns
    -------
    pandas.Series indexed by (region, sector), named ``"output_multiplier"``.

    Examples
    --------
    >>> import mrio
    >>> system = mrio.load("nl-2000")
    >>> mrio.output_multipliers(system).round(3)
    region  sector
    NL      agriculture_group      1.757
            mining_group           1.216
            manufacturing_group    1.615
            utilities_group        1.896
            construction_group     1.898
            services_group         1.487
    Name: output_multiplier, dtype: float64
    """
    m = system.leontief_row_product(np.ones(len(system)))
    return pd.Series(_mask_inactive(system, m), index=system.index, name="output_multiplier")


def _income_row(system: MRIO, income_row: Hashable | None) -> Hashable:
    if income_row is None:
        income_row = system.meta.get("income_row")
    if income_row is None:
        candidates = [c for c in system.V.index if "compensation" in str(c).lower()]
        if len(candidates) != 1:
            raise InputError(
                "cannot tell which row of V is labour income: pass income_row= (rows of V: "
                f"{', '.join(map(str, system.V.index))}) or set meta['income_row']")
        income_row = candidates[0]
    lab.lookup(system.V.index, [income_row], "rows of V (income row)")
    return income_row


def value_added_multipliers(system: MRIO, components: Sequence[Hashable] | None = None,
                            by_component: bool = False) -> pd.Series | pd.DataFrame:
    """Value-added multipliers ``v_c' L`` with ``v_c = V x^-1`` (Miller & Blair 2009, sec. 6.2.2).

    Parameters
    ----------
    system : MRIO
    components : sequence, optional
        Rows of V to count; default the system's ``value_added_components`` (gross value added).
    by_component : bool
        Return one row per component instead of their sum.

    Returns
    -------
    pandas.Series (``"value_added_multiplier"``) or DataFrame (component x industry).

    Notes
    -----
    With every primary input (imports and taxes too) in V, ``i'(V x^-1) L = i'``: the
    multipliers of all components sum to one (docs/methods/leontief.md, section "Coefficients and inverses").
    GVA multipliers alone are < 1
    when imports or product taxes leak.
    """
    comps = list(system.value_added_components if components is None else components)
    pos = lab.lookup(system.V.index, comps, "rows of V")
    vc = system.value_added_coefficients.to_numpy()[pos]
    if by_component:
        M = _mask_inactive(system, system.leontief_row_product(vc))
        return pd.DataFrame(M, index=system.V.index[pos], columns=system.index)
    m = system.leontief_row_product(vc.sum(axis=0))
    return pd.Series(_mask_inactive(system, m), index=system.index, name="value_added_multiplier")


def income_multipliers(system: MRIO, income_row: Hashable | None = None) -> pd.DataFrame:
    """Type I income multipliers: direct ``h``, total ``h'L`` and their ratio ``(h'L)_j / h_j``.

    Parameters
    ----------
    system : MRIO
    income_row : label, optional
        Row of V holding labour income (compensation of employees). Default ``meta["income_row"]``
        or the single row whose name contains "compensation".

    Returns
    -------
    pandas.DataFrame indexed by (region, sector) with columns ``direct`` (``h_j`` = income per
    unit of output), ``total`` (``(h'L)_j``, the income effect) and ``type_I`` (``(h'L)_j / h_j``).

    References
    ----------
    Miller & Blair (2009), sec. 6.3. The Dutch 2000 six-sector values (D'Hernoncourt, Cordier &
    Hadley 2011, Table 1) are reproduced in the tests.

    Examples
    --------
    >>> import mrio
    >>> mrio.income_multipliers(mrio.load("nl-2000"))["type_I"].round(3)
    region  sector
    NL      agriculture_group      2.466
            mining_group           2.333
            manufacturing_group    1.840
            utilities_group        2.372
            construction_group     1.953
            services_group         1.417
    Name: type_I, dtype: float64
    """
    row = _income_row(system, income_row)
    h = system.value_added_coefficients.loc[row].to_numpy()
    total = _mask_inactive(system, system.leontief_row_product(h))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(h != 0, total / h, np.nan)
    return pd.DataFrame({"direct": _mask_inactive(system, h), "total": total, "type_I": ratio},
                        index=system.index)


def extension_multipliers(system: MRIO, stressors: Sequence[Hashable] | None = None) -> pd.DataFrame:
    """Extension multipliers ``M = S L`` (pymrio ``calc_M``): stressor per unit of final demand.

    Parameters
    ----------
    system : MRIO
    stressors : sequence, optional
        Rows of F; default all.

    Returns
    -------
    pandas.DataFrame of shape (k, N), stressor x (region, sector).
    """
    if system.F is None:
        raise InputError("the system has no extensions (satellite accounts)")
    stressors = list(system.stressors if stressors is None else stressors)
    pos = lab.lookup(system.stressors, stressors, "stressors")
    M = system.leontief_row_product(system.S.to_numpy()[pos])
    return pd.DataFrame(_mask_inactive(system, M), index=system.stressors[pos], columns=system.index)


def residence_shares(system: MRIO, commuting: pd.DataFrame | bool | None = None) -> pd.DataFrame | None:
    """Where the employees of each work region live: ``P[s, r] = C[s, r] / sum_s' C[s', r]``.

    Parameters
    ----------
    system : MRIO
    commuting : pandas.DataFrame, bool or None
        Employee jobs, region of residence (rows) x region of work (columns), labelled by the
        system's regions (missing ones have no jobs); ``None`` or ``True``: the system's own
        ``MRIO.commuting`` (``meta["commuting_jobs"]``); ``False``: no commuting.

    Returns
    -------
    pandas.DataFrame (residence x work, every region of the system; each column with jobs sums
    to one, a column without jobs is zero) or ``None`` when there is no commuting matrix.

    Raises
    ------
    InputError
        A negative or non-finite number of jobs, or a region of work with labour income but no
        jobs in the matrix.
    """
    if commuting is False:
        return None
    if commuting is None or commuting is True:
        jobs = system.commuting
        if jobs is None:
            if commuting is True:
                raise InputError("the system has no commuting matrix (meta['commuting_jobs']); pass commuting=")
            return None
    elif isinstance(commuting, pd.DataFrame):
        lab.lookup(system.regions, list(commuting.index), "regions of residence (commuting rows)")
        lab.lookup(system.regions, list(commuting.columns), "regions of work (commuting columns)")
        jobs = commuting.reindex(index=system.regions, columns=system.regions, fill_value=0.0).astype(float)
        values = jobs.to_numpy()
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            bad = np.argwhere(~np.isfinite(values) | (values < 0))[0]
            raise InputError(f"commuting jobs ({system.regions[bad[0]]!r} <- {system.regions[bad[1]]!r}) = "
                             f"{values[bad[0], bad[1]]!r}: jobs must be finite and non-negative")
    else:
        raise InputError(f"commuting must be a residence x work DataFrame, True, False or None, not "
                         f"{type(commuting).__name__}")
    jobs.index.name, jobs.columns.name = "residence", "work"
    totals = jobs.sum(axis=0).to_numpy()
    return jobs / np.where(totals > 0, totals, 1.0)[np.newaxis, :]


def _household_category(system: MRIO, consumption_category: Hashable | None) -> Hashable:
    cat = consumption_category if consumption_category is not None else system.meta.get("household_category")
    if cat is None:
        cands = [c for c in system.categories if "household" in str(c).lower()]
        if len(cands) != 1:
            raise InputError("cannot tell which final-demand category is household consumption: pass "
                             f"consumption_category= (categories: {', '.join(map(str, system.categories))})")
        cat = cands[0]
    lab.lookup(system.categories, [cat], "final-demand categories")
    return cat


@dataclass(frozen=True)
class HouseholdClosure:
    """The household rows and columns of the type II closure (:func:`household_closure`).

    Attributes
    ----------
    income_row, category : label
        Row of V with labour income; final-demand category of household consumption.
    income_coefficients : ndarray of shape (N,)
        ``h_(r,j)``: labour income per unit of output.
    residence_shares : ndarray of shape (R, R)
        ``P[s, r]``: share of work region r's employee jobs held by residents of s (``I`` without
        commuting).
    propensities : ndarray of shape (N, R)
        ``H_c[i, s] = y_hh[i, s] / w_s``: household consumption per unit of residents' income.
    income_by_residence : ndarray of shape (R, N)
        ``H_r[s, (r, j)] = P[s, r] h_(r,j)``.
    resident_income : ndarray of shape (R,)
        ``w_s = sum_r P[s, r] W_r``.
    commuting : bool
        Whether a commuting matrix was used.
    """

    income_row: Hashable
    category: Hashable
    income_coefficients: np.ndarray
    residence_shares: np.ndarray
    propensities: np.ndarray
    income_by_residence: np.ndarray
    resident_income: np.ndarray
    commuting: bool


def household_closure(system: MRIO, income_row: Hashable | None = None,
                      consumption_category: Hashable | None = None,
                      commuting: pd.DataFrame | bool | None = None) -> HouseholdClosure:
    """Household income and consumption coefficients of the type II closure, by region of residence.

    ``H_r = P h`` (income paid to the residents of each region per unit of output, through the
    commuting shares ``P``) and ``H_c = Y_hh w^-1`` (consumption per unit of residents' income);
    see :func:`type_ii_multipliers` and docs/methods/multipliers.md, section "Type II multipliers".

    Parameters
    ----------
    system, income_row, consumption_category, commuting
        As :func:`type_ii_multipliers`.

    Returns
    -------
    HouseholdClosure

    Raises
    ------
    InputError, UnknownLabelError
        As :func:`type_ii_multipliers`.
    """
    row = _income_row(system, income_row)
    cat = _household_category(system, consumption_category)
    N, R, n = len(system), system.n_regions, system.n_sectors
    h = system.value_added_coefficients.loc[row].to_numpy()
    earned = system.V.loc[row].to_numpy().reshape(R, n).sum(axis=1)
    shares = residence_shares(system, commuting)
    if shares is None:
        P = np.eye(R)
    else:
        P = shares.to_numpy()
        lost = np.flatnonzero((P.sum(axis=0) == 0) & (earned != 0))
        if lost.size:
            raise InputError(f"region {system.regions[lost[0]]!r} earns labour income in row {row!r} but has no "
                             "jobs in the commuting matrix: nobody to pay it to")
    income = P @ earned  # labour income of each region's residents
    H_c = np.zeros((N, R))
    for s, region in enumerate(system.regions):
        if (region, cat) not in system.Y.columns:
            raise UnknownLabelError(f"no household consumption column ({region!r}, {cat!r}) in Y")
        spent = system.Y[(region, cat)].to_numpy()
        if income[s] > 0:
            H_c[:, s] = spent / income[s]
        elif np.any(spent != 0) or shares is None:
            raise InputError(f"region {region!r}'s residents have no labour income in row {row!r}; "
                             "type II undefined")
    H_r = np.repeat(P, n, axis=1) * h[np.newaxis, :]
    return HouseholdClosure(row, cat, h, P, H_c, H_r, income, shares is not None)


def type_ii_multipliers(system: MRIO, income_row: Hashable | None = None,
                        consumption_category: Hashable | None = None,
                        commuting: pd.DataFrame | bool | None = None) -> pd.DataFrame:
    """Type I and type II output and income multipliers, households endogenous by region of residence.

    The model is closed with one household sector per region (Miller & Blair 2009, sec. 2.5 and
    6.2-6.3, households endogenous; docs/methods/multipliers.md, section "Type II multipliers")::

        A_bar = [[A,   H_c],      H_r[s, (r, j)] = P[s, r] h_(r,j): income of the households of
                 [H_r, 0  ]]      residence region s per unit of output of industry j in work region r
                                  H_c[i, s] = y_hh[i, s] / w_s: household consumption of product i
                                  in region s per unit of the income of s's residents
        P[s, r] = C[s, r] / sum_s' C[s', r]   (share of r's employee jobs held by residents of s)
        w_s     = sum_r P[s, r] W_r           (W_r = labour income earned in region r)

    with ``C`` the commuting matrix (employee jobs, residence x work). Without commuting
    ``P = I``: income earned in a region is spent by that region's households.

    Parameters
    ----------
    system : MRIO
    income_row : label, optional
        Row of V with labour income (see :func:`income_multipliers`).
    consumption_category : label, optional
        Final-demand category of household consumption; default ``meta["household_category"]``
        or the single category whose name contains "household".
    commuting : pandas.DataFrame, bool or None
        Employee jobs, residence x work (see :func:`~mrio.analysis.multipliers.residence_shares`). Default: the system's
        ``MRIO.commuting`` if it has one, else no commuting; ``False``: no commuting.

    Returns
    -------
    pandas.DataFrame indexed by (region, sector) with columns ``output_type_I``,
    ``output_type_II``, ``income_type_I``, ``income_type_II`` (income multipliers as ratios to the
    direct income coefficient), ``induced_output`` (type II minus type I output multiplier).

    Raises
    ------
    InputError
        No household consumption column for a region, a region whose households consume but
        receive no labour income, or a work region with income but no jobs in the commuting matrix.
    """
    closure = household_closure(system, income_row, consumption_category, commuting)
    N, R = len(system), system.n_regions
    h, H_c, H_r = closure.income_coefficients, closure.propensities, closure.income_by_residence
    A_bar = np.block([[system.arrays.A, H_c], [H_r, np.zeros((R, R))]])
    with kernel_errors(system.index.append(pd.Index([("households", r) for r in system.regions]))):
        factor = kernels.LeontiefFactor(A_bar)
        kernels.certify_productive(factor, A_bar)
    sel = np.zeros((2, N + R))
    sel[0, :N] = 1.0
    sel[1, N:] = 1.0
    closed = factor.solve_transposed(sel)[:, :N]
    out_I = system.leontief_row_product(np.ones(N))
    inc_I = system.leontief_row_product(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame = pd.DataFrame({
            "output_type_I": out_I,
            "output_type_II": closed[0],
            "income_type_I": np.where(h != 0, inc_I / h, np.nan),
            "income_type_II": np.where(h != 0, closed[1] / h, np.nan),
        }, index=system.index)
    frame["induced_output"] = frame["output_type_II"] - frame["output_type_I"]
    if len(system.inactive):
        frame.loc[system.inactive] = np.nan
    return frame


def interregional_output_multipliers(system: MRIO) -> pd.DataFrame:
    """Output generated in each region per unit of final demand for each industry.

    ``M[r, (s, j)] = sum_i l_ij^{rs}``: the region-r part of the output multiplier of demand for
    the product of sector j in region s (Miller & Blair 2009, sec. 3.3). Columns sum to the
    output multipliers.

    Returns
    -------
    pandas.DataFrame, region x (region, sector).
    """
    R, n = system.n_regions, system.n_sectors
    E = np.kron(np.eye(R), np.ones(n))  # R x N region indicators
    M = _mask_inactive(system, system.leontief_row_product(E))
    return pd.DataFrame(M, index=system.regions, columns=system.index)


def multipliers(system: MRIO, kind: str = "output") -> pd.DataFrame:
    """Multipliers by name, as one table (used by the command line).

    Parameters
    ----------
    kind : str
        ``"output"``, ``"value-added"``, ``"income"``, ``"type-ii"``, or the name of a stressor
        (extension multipliers of that stressor).

    Returns
    -------
    pandas.DataFrame indexed by (region, sector).
    """
    if kind == "output":
        return output_multipliers(system).to_frame()
    if kind == "value-added":
        return value_added_multipliers(system).to_frame()
    if kind == "income":
        return income_multipliers(system)
    if kind == "type-ii":
        return type_ii_multipliers(system)
    if kind in set(map(str, system.stressors)):
        stressor = next(s for s in system.stressors if str(s) == kind)
        return extension_multipliers(system, [stressor]).T.rename(columns=lambda s: f"{s}_multiplier")
    known = list(MULTIPLIER_KINDS) + list(map(str, system.stressors))
    raise UnknownLabelError(f"unknown multiplier kind {kind!r}; choose from {', '.join(known)}")
