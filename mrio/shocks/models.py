"""Shock propagation between regions: demand (Leontief), supply (Ghosh), mixed, IIM and DIIM.

All static models reuse the stored LU factors of ``I - A`` (:attr:`MRIO.factor`); many
scenarios are solved at once as the columns of one right-hand-side matrix. The disaster model
ARIO lives in :mod:`mrio.shocks.ario`; scenario files in :mod:`mrio.shocks.scenario`.

References
----------
Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis*, 2nd ed., ch. 2-3 (demand model,
interregional effects), ch. 12 (Ghosh), ch. 13 (mixed endogenous/exogenous model).
Haimes, Y. Y. & Jiang, P. (2001). Leontief-based model of risk in complex interconnected
infrastructures. *J. Infrastructure Systems* 7:1-12; Santos & Haimes (2004) *Risk Analysis*
24:1437-1451 (IIM). Lian & Haimes (2006) *Systems Engineering* 9:241-258 (dynamic IIM).
Oosterhaven, J. (1988) *J. Regional Science* 28:203-217; (1996) *Southern Econ. J.* 62:750-759;
Dietzenbacher, E. (1997) *J. Regional Science* 37:629-651 (plausibility of the Ghosh model).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.core import labels as lab
from mrio.core.checks import check_count
from mrio.core.display import result_html
from mrio.core.kernel_errors import kernel_errors
from mrio.core.system import MRIO
from mrio.errors import InputError, UnknownLabelError

__all__ = [
    "final_demand_change",
    "national_final_demand_change",
    "propagate_demand",
    "DemandShockResult",
    "propagate_supply",
    "SupplyShockResult",
    "GHOSH_CAVEAT",
    "mixed_model",
    "MixedModelResult",
    "inoperability",
    "InoperabilityResult",
    "dynamic_inoperability",
    "DynamicInoperabilityResult",
    "select_industries",
    "STEPS_PER_YEAR",
    "MAX_STEPS",
]

#: Stated with every supply-side (Ghosh) result.
GHOSH_CAVEAT = (
    "Ghosh supply-side quantity results are implausible as forecasts: they assume a sector's "
    "output follows its primary inputs with perfect substitution of intermediate inputs "
    "(Oosterhaven 1988, 1996). Read them as a cost-push price model (Dietzenbacher 1997) or as a "
    "forward-linkage descriptor; for supply disruptions use the mixed model, IIM or ARIO."
)

PARTS = ("direct", "intra_regional", "interregional")

#: Time units in a year for every dynamic model (DIIM and ARIO): a step is a day unless configured;
#: flows per step are annual flows / steps per year (methods page, section 'Dynamic models').
STEPS_PER_YEAR = 365


def step_unit(monetary: str, steps_per_year: float, dt: float = 1.0) -> str:
    """Return the unit of a per-step flow, e.g. ``"million EUR per step (a step is 1/365 of a year)"``."""
    share = f"{dt:g}/{steps_per_year:g}" if dt != 1 else f"1/{steps_per_year:g}"
    return f"{monetary or 'monetary units'} per step (a step is {share} of a year)"


#: Steps per call of the DIIM kernel.
DIIM_CHUNK = 64
#: Longest dynamic run (steps): 100 years of days.
MAX_STEPS = 36_500
#: Largest trajectory a dynamic model may allocate (bytes).
MAX_TRAJECTORY_BYTES = 4 * 2**30


def check_steps(steps: object, values_per_step: int) -> int:
    """Check a number of steps: an int in ``[1, MAX_STEPS]`` whose trajectories fit in memory.

    ``values_per_step`` float64 values are stored per step; their total may not exceed
    :data:`MAX_TRAJECTORY_BYTES`. The error says the limit.
    """
    steps = check_count(steps, "steps", 1, MAX_STEPS)
    need = (steps + 1) * values_per_step * 8
    if need > MAX_TRAJECTORY_BYTES:
        most = MAX_TRAJECTORY_BYTES // (values_per_step * 8) - 1
        raise InputError(f"steps = {steps:,} would store {need / 2**30:.1f} GiB of trajectories (limit "
                         f"{MAX_TRAJECTORY_BYTES / 2**30:.0f} GiB): at most {most:,} steps for this system; "
                         "regroup the table or run fewer steps")
    return steps


def check_steps_per_year(value: float) -> float:
    """``steps_per_year`` as a float > 0 (raise :class:`InputError` otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not np.isfinite(value) \
            or value <= 0:
        raise InputError(f"steps_per_year must be a finite number > 0 (time units in a year; 365 = days), "
                         f"got {value!r}")
    return float(value)


# ------------------------------------------------------------------------------------ selection
_as_list = lab.as_list


def select_industries(system: MRIO, regions: Hashable | Sequence[Hashable] | None = None,
                      sectors: Hashable | Sequence[Hashable] | None = None) -> np.ndarray:
    """Positions of the industries in ``regions`` x ``sectors`` (``None`` = all).

    Raises
    ------
    UnknownLabelError
        Naming every region or sector that is not in the system.
    LabelError
        If a region or sector is listed twice.
    """
    return lab.industry_positions(system.regions, system.sectors, regions, sectors, system.region_aliases)


def _final_demand_columns(system: MRIO, categories, destinations) -> np.ndarray:
    cols = system.Y.columns
    mask = np.ones(len(cols), dtype=bool)
    cats, dests = _as_list(categories), _as_list(destinations)
    if cats is not None:
        lab.lookup(system.categories, cats, "final-demand categories")
        mask &= cols.get_level_values("category").isin(cats)
    if dests is not None:
        dests = lab.resolve(system.final_demand_regions, dests, system.region_aliases)
        lab.lookup(system.final_demand_regions, dests, "final-demand destinations", system.region_aliases)
        mask &= cols.get_level_values("region").isin(dests)
    if not mask.any():
        raise UnknownLabelError(
            f"no final-demand column has category in {cats} and destination in {dests}")
    return np.flatnonzero(mask)


def final_demand_change(system: MRIO, regions=None, sectors=None, *, share: float | None = None,
                        amount: float | None = None, categories=None, destinations=None,
                        name: str = "shock") -> pd.Series:
    """Return a change in final demand for the products of selected industries.

    Parameters
    ----------
    system : MRIO
    regions, sectors : label or list of labels, optional
        Supplying industries (default: all).
    share : float, optional
        Relative change of their current final demand (``-0.1`` = a 10 % drop, ``0.2`` = a
        20 % boom), restricted to ``categories`` / ``destinations`` when given. Must be >= -1.
    amount : float, optional
        Total change in monetary units, spread over the selected industries in proportion to
        their (selected) final demand, or equally if they have none. Exactly one of
        ``share`` and ``amount``.
    categories : label or list, optional
        Final-demand categories affected (e.g. ``"exports"``).
    destinations : label or list, optional
        Final-demand regions (column regions of Y, e.g. ``"RoW"`` for foreign exports).
    name : str

    Returns
    -------
    pandas.Series indexed like the system, named ``name``.
    """
    if (share is None) == (amount is None):
        raise InputError("give exactly one of share and amount")
    pos = select_industries(system, regions, sectors)
    cols = _final_demand_columns(system, categories, destinations)
    base = system.arrays.Y[np.ix_(pos, cols)].sum(axis=1)
    dy = np.zeros(len(system))
    if share is not None:
        if not np.isfinite(share) or share < -1:
            raise InputError(f"share must be a finite number >= -1 (a fall of at most 100 %), got {share}")
        dy[pos] = share * base
    else:
        if not np.isfinite(amount):
            raise InputError(f"amount must be finite, got {amount}")
        total = base.sum()
        weights = base / total if total != 0 else np.full(pos.size, 1.0 / pos.size)
        dy[pos] = amount * weights
    return pd.Series(dy, index=system.index, name=name)


def national_final_demand_change(system: MRIO, sectors, amount: float | Sequence[float], *,
                                 basis: str = "final_demand", categories=None, destinations=None,
                                 name: str = "shock") -> pd.Series:
    """Return a national change in final demand, distributed over regions by their share of use.

    For each sector j, ``amount`` (one number for every sector, or one per sector in the order of
    ``sectors``) is split over the supplying
    regions r in proportion to ``w_rj``: their sales to final users of j (``basis="final_demand"``,
    optionally restricted to ``categories``/``destinations``), or their gross output of j
    (``basis="output"``).

    Returns
    -------
    pandas.Series indexed like the system.
    """
    sector_list = _as_list(sectors)
    s_pos = lab.lookup(system.sectors, sector_list, "sectors")
    if basis == "final_demand":
        cols = _final_demand_columns(system, categories, destinations)
        weight = system.arrays.Y[:, cols].sum(axis=1)
    elif basis == "output":
        weight = system.arrays.x
    else:
        raise InputError(f"basis must be 'final_demand' or 'output', got {basis!r}")
    amounts = np.broadcast_to(np.asarray(amount, dtype=np.float64), (len(sector_list),))
    dy = np.zeros(len(system))
    n = system.n_sectors
    for s, label, amount in zip(s_pos, sector_list, amounts, strict=True):
        pos = np.arange(system.n_regions) * n + s
        w = weight[pos]
        if w.sum() <= 0:
            raise InputError(f"sector {label!r} has no {basis.replace('_', ' ')} in any region to share "
                             "the national change over")
        dy[pos] += amount * w / w.sum()
    return pd.Series(dy, index=system.index, name=name)


# ------------------------------------------------------------------------------------ demand
def _as_frame(system: MRIO, values: pd.Series | pd.DataFrame, what: str) -> pd.DataFrame:
    if isinstance(values, pd.Series):
        values = values.to_frame(values.name if values.name is not None else "shock")
    if not isinstance(values, pd.DataFrame):
        raise InputError(f"{what} must be a pandas Series or DataFrame, got {type(values).__name__}")
    lab.check_same(values.index, system.index, f"{what} index", "the system's industries")
    lab.check_finite(values, what)
    values = values.copy()
    values.columns = pd.Index(values.columns, name="scenario")
    return values


def _block_diagonal_solve(system: MRIO, rhs: np.ndarray) -> np.ndarray:
    """``(I - A_d)^-1 rhs`` with ``A_d`` the block diagonal of A (one LU per region)."""
    n, R = system.n_sectors, system.n_regions
    A = system.arrays.A
    # the R diagonal blocks I - A^rr, solved in one batched LAPACK call
    blocks = np.stack([-A[r * n:(r + 1) * n, r * n:(r + 1) * n] for r in range(R)])
    blocks[:, np.arange(n), np.arange(n)] += 1.0
    k = 1 if rhs.ndim == 1 else rhs.shape[1]
    try:
        out = np.linalg.solve(blocks, rhs.reshape(R, n, k))
    except np.linalg.LinAlgError as exc:
        raise InputError(f"a diagonal block I - A^rr is singular: {exc}") from exc
    return out.reshape(rhs.shape)


@dataclass(frozen=True)
class DemandShockResult:
    """Effects of final-demand changes ``dx = L dy`` (one column per scenario).

    The change in output splits additively (Miller & Blair 2009, ch. 3; Round 1985):
    ``direct = dy``; ``intra_regional = ((I - A_d)^-1 - I) dy`` (indirect effects within each
    region, with ``A_d`` the block diagonal of A); ``interregional = (L - (I - A_d)^-1) dy``
    (spillovers to other regions and the feedback they cause, including in the shocked region).

    Attributes
    ----------
    final_demand_change, output, direct, intra_regional, interregional : pandas.DataFrame
        Indexed by (region, sector), columns = scenarios.
    coefficients : pandas.DataFrame
        Rows ``"output"`` (ones), ``"value_added"`` and one per stressor: the per-unit-output
        coefficient that turns output changes into each measure.
    units : Mapping[str, str]
    """

    final_demand_change: pd.DataFrame
    output: pd.DataFrame
    direct: pd.DataFrame
    intra_regional: pd.DataFrame
    interregional: pd.DataFrame
    coefficients: pd.DataFrame
    units: Mapping[str, str] = field(default_factory=dict)
    _repr_html_ = result_html

    @property
    def scenarios(self) -> pd.Index:
        """Scenario names (the columns of every result frame)."""
        return self.output.columns

    @property
    def measures(self) -> pd.Index:
        """``"output"``, ``"value_added"`` and the stressors (e.g. ``"employment"``)."""
        return self.coefficients.index

    @property
    def indirect(self) -> pd.DataFrame:
        """``dx - dy``: indirect effects, intra-regional plus interregional."""
        return self.intra_regional + self.interregional

    def _coef(self, measure: Hashable) -> np.ndarray:
        if measure not in self.coefficients.index:
            raise UnknownLabelError(f"unknown measure {measure!r}; known: {lab._show(self.measures, 10)}")
        return self.coefficients.loc[measure].to_numpy()[:, np.newaxis]

    def impact(self, measure: Hashable = "output", part: str = "total") -> pd.DataFrame:
        """Return the change in ``measure`` by (region, sector) and scenario.

        ``part`` is one of ``"total"``, ``"direct"``, ``"indirect"``, ``"intra_regional"``,
        ``"interregional"``.
        """
        frames = {"total": self.output, "direct": self.direct, "intra_regional": self.intra_regional,
                  "interregional": self.interregional}
        if part == "indirect":
            frame = self.indirect
        elif part in frames:
            frame = frames[part]
        else:
            raise InputError(f"unknown part {part!r}; choose total, direct, indirect, intra_regional, "
                             "interregional")
        return frame * self._coef(measure)

    def table(self, measures: Sequence[Hashable] | None = None) -> pd.DataFrame:
        """Long table: one row per (scenario, measure, region, sector) with the parts and total."""
        measures = list(self.measures) if measures is None else list(measures)
        rows = []
        for m in measures:
            parts = {p: self.impact(m, p).stack() for p in (*PARTS, "total")}
            frame = pd.DataFrame(parts)
            frame["measure"] = str(m)
            rows.append(frame)
        out = pd.concat(rows).reset_index()
        out = out[["scenario", "measure", "region", "sector", *PARTS, "total"]]
        return out.sort_values(["scenario", "measure"], kind="stable").reset_index(drop=True)

    def by_region(self, measure: Hashable = "output", part: str = "total") -> pd.DataFrame:
        """Return changes summed over sectors: region x scenario."""
        return self.impact(measure, part).groupby(level="region", sort=False).sum()

    def totals(self) -> pd.DataFrame:
        """Total change of every measure (rows) per scenario (columns)."""
        return pd.DataFrame({m: self.impact(m).sum(axis=0) for m in self.measures}).T.rename_axis("measure")


def _coefficients(system: MRIO) -> tuple[pd.DataFrame, dict]:
    rows = {"output": np.ones(len(system)),
            "value_added": kernels.safe_divide(system.value_added.to_numpy(), system.arrays.x)}
    units = {"output": system.units.get("monetary", ""), "value_added": system.units.get("monetary", "")}
    for stressor in system.stressors:
        rows[stressor] = system.S.loc[stressor].to_numpy()
        units[str(stressor)] = system.units.get(str(stressor), "")
    coef = pd.DataFrame(rows, index=system.index).T
    coef.index.name = "measure"
    return coef, units


def propagate_demand(system: MRIO, final_demand_change: pd.Series | pd.DataFrame) -> DemandShockResult:
    """Propagate changes in final demand: ``dx = L dy`` for every scenario at once.

    Parameters
    ----------
    system : MRIO
    final_demand_change : pandas.Series or pandas.DataFrame
        ``dy`` indexed exactly like the system; one column per scenario. Build it with
        :func:`final_demand_change` or :func:`national_final_demand_change`.

    Returns
    -------
    DemandShockResult
        Output changes and their direct / intra-regional / interregional parts; value added,
        employment and any extension through :meth:`DemandShockResult.impact`
        (``dVA = v_c (.) dx``, ``dF = S (.) dx``, docs/methods/shocks.md, section "Demand shocks").

    Notes
    -----
    One triangular solve pair per scenario on the cached LU factors (``2 N^2`` flops each,
    docs/methods/leontief.md, section "Solving instead of inverting") plus one block-diagonal solve for the
    intra-regional part; L is never
    formed.
    """
    dy = _as_frame(system, final_demand_change, "final_demand_change")
    Y = np.ascontiguousarray(dy.to_numpy(dtype=np.float64))
    with kernel_errors(system.index):
        X = system.leontief_product(Y)
    M1 = _block_diagonal_solve(system, Y)

    def frame(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values, index=system.index, columns=dy.columns)

    coef, units = _coefficients(system)
    return DemandShockResult(
        final_demand_change=dy, output=frame(X), direct=frame(Y.copy()), intra_regional=frame(M1 - Y),
        interregional=frame(X - M1), coefficients=coef, units=units)


# ------------------------------------------------------------------------------------ supply
@dataclass(frozen=True)
class SupplyShockResult:
    """Ghosh supply-side result ``dx' = dv' G`` (one column per scenario).

    Attributes
    ----------
    primary_input_change, output : pandas.DataFrame
    caveat : str
        :data:`GHOSH_CAVEAT`: read as a cost-push price model or forward-linkage descriptor.
    """

    primary_input_change: pd.DataFrame
    output: pd.DataFrame
    caveat: str = GHOSH_CAVEAT
    _repr_html_ = result_html

    def by_region(self) -> pd.DataFrame:
        """Return the output changes summed over sectors: region x scenario."""
        return self.output.groupby(level="region", sort=False).sum()


def propagate_supply(system: MRIO, primary_input_change: pd.Series | pd.DataFrame) -> SupplyShockResult:
    """Supply-side (Ghosh) model: ``dx' = dv' G``, ``G = (I - B)^-1 = x^-1 L x``.

    .. warning::
       The quantity interpretation is implausible: it lets a sector's output rise or fall with
       its primary inputs while buyers absorb any quantity, i.e. inputs are perfect substitutes
       (Oosterhaven 1988, 1996). Dietzenbacher (1997) reinterprets it as a price model (cost
       push in value terms); de Mesnard (2009) and Oosterhaven (2023) discuss the limits. Use it
       as a forward-linkage descriptor or price model; for supply disruptions use
       :func:`mixed_model`, :func:`inoperability` or :mod:`mrio.shocks.ario`. The caveat is repeated
       in the result (``.caveat``).

    Parameters
    ----------
    primary_input_change : pandas.Series or pandas.DataFrame
        ``dv`` by (region, sector), one column per scenario.

    Returns
    -------
    SupplyShockResult

    Notes
    -----
    ``dv' G = ((dv / x)' L) x^``: one transposed solve per scenario on the cached factors (no G
    formed). Industries with zero output have ``dx = 0`` (their rows of B are zero).
    """
    dv = _as_frame(system, primary_input_change, "primary_input_change")
    x = system.arrays.x
    inactive = (x == 0) & (np.abs(dv.to_numpy()) > 0).any(axis=1)
    if inactive.any():
        raise InputError(f"primary inputs of inactive industries (zero output) cannot change: "
                         f"{lab._show(system.index[inactive])}")
    rel = kernels.safe_divide(dv.to_numpy(dtype=np.float64), x[:, np.newaxis])
    with kernel_errors(system.index):
        out = system.leontief_row_product(np.ascontiguousarray(rel.T)).T * x[:, np.newaxis]
    return SupplyShockResult(dv, pd.DataFrame(out, index=system.index, columns=dv.columns))


# ------------------------------------------------------------------------------------ mixed
@dataclass(frozen=True)
class MixedModelResult:
    """Mixed endogenous/exogenous model (Miller & Blair 2009, sec. 13.1).

    Attributes
    ----------
    output : pandas.Series
        New gross output ``x`` (fixed industries at their given level).
    final_demand : pandas.Series
        Final demand consistent with it: given for endogenous industries, implied
        ``f_c = (I - A_cc) x_c - A_cn x_n`` for the fixed ones.
    output_change, final_demand_change : pandas.Series
        Against the system's baseline ``x`` and ``Y i``.
    fixed : pandas.Index
        Industries whose output was fixed.
    rationing_needed : pandas.Index
        Fixed industries whose implied final demand is negative: the constraint cannot be met
        without rationing intermediate buyers (use :mod:`mrio.shocks.ario`).
    """

    output: pd.Series
    final_demand: pd.Series
    output_change: pd.Series
    final_demand_change: pd.Series
    fixed: pd.Index
    rationing_needed: pd.Index
    _repr_html_ = result_html


def mixed_model(system: MRIO, fixed_output: pd.Series | Mapping,
                final_demand: pd.Series | None = None) -> MixedModelResult:
    """Mixed model: outputs of some industries fixed (a closed mine or plant), the rest endogenous.

    ``x_n = (I - A_nn)^-1 (f_n + A_nc x_c)``, ``f_c = (I - A_cc) x_c - A_cn x_n``
    (Miller & Blair 2009, eq. 13.4-13.5; docs/methods/shocks.md, section "Mixed model").

    Parameters
    ----------
    fixed_output : pandas.Series or Mapping
        New output level of the exogenous industries, indexed by (region, sector) labels.
    final_demand : pandas.Series, optional
        Final demand ``f`` of all industries (only the endogenous entries are used); default the
        system's ``Y i``.

    Returns
    -------
    MixedModelResult

    Notes
    -----
    Solved on the stored factors of the full ``I - A`` with ``f_c`` as unknown: ``x = L f`` and
    ``x_c = L_cn f_n + L_cc f_c`` give ``f_c = L_cc^-1 (x_c - (L [f_n; 0])_c)``; this needs one
    solve plus ``|c|`` columns of L (``O(N^2 |c|)``) instead of factorising ``I - A_nn``.
    With no fixed industry it reproduces ``x = L f``.
    """
    fixed_output = pd.Series(fixed_output, dtype=np.float64) if isinstance(fixed_output, Mapping) \
        else fixed_output
    if not isinstance(fixed_output, pd.Series):
        raise InputError(f"fixed_output must be a pandas Series or mapping, got {type(fixed_output).__name__}")
    values = lab.check_finite(fixed_output, "fixed_output")
    if (values < 0).any():
        raise InputError(f"fixed output must be >= 0; negative for {lab._show(fixed_output.index[values < 0])}")
    if fixed_output.index.has_duplicates:
        raise InputError(f"fixed_output names industries twice: "
                         f"{lab._show(fixed_output.index[fixed_output.index.duplicated()])}")
    c = lab.lookup(system.index, list(fixed_output.index), "industries (region, sector)") \
        if len(fixed_output) else np.zeros(0, dtype=np.int64)
    if final_demand is None:
        f = system.arrays.Y.sum(axis=1)
    else:
        lab.check_same(final_demand.index, system.index, "final_demand index", "the system's industries")
        f = lab.check_finite(final_demand, "final_demand").astype(np.float64)
    f = f.copy()
    f[c] = 0.0
    with kernel_errors(system.index):
        x = system.leontief_product(f)
        if c.size:
            Lc = system.factor.columns(c)
            fc = np.linalg.solve(Lc[c, :], values - x[c])
            x = x + Lc @ fc
            f[c] = fc
    x[c] = values  # exact by construction; remove rounding
    baseline_f = system.arrays.Y.sum(axis=1)
    idx = system.index
    fixed = idx[c]
    return MixedModelResult(
        output=pd.Series(x, index=idx, name="output"),
        final_demand=pd.Series(f, index=idx, name="final_demand"),
        output_change=pd.Series(x - system.arrays.x, index=idx, name="output_change"),
        final_demand_change=pd.Series(f - baseline_f, index=idx, name="final_demand_change"),
        fixed=fixed, rationing_needed=fixed[f[c] < -1e-9 * np.maximum(1.0, values)])


# ------------------------------------------------------------------------------------ IIM
@dataclass(frozen=True)
class InoperabilityResult:
    """Static inoperability ``q = (I - A*)^-1 c*`` (one column per scenario).

    Attributes
    ----------
    inoperability : pandas.DataFrame
        ``q``: output lost as a share of baseline output.
    loss : pandas.DataFrame
        ``x (.) q``: output lost in monetary units.
    perturbation : pandas.DataFrame
        ``c* = x^-1 df``: demand reduction as a share of output.
    """

    inoperability: pd.DataFrame
    loss: pd.DataFrame
    perturbation: pd.DataFrame
    _repr_html_ = result_html


def trade_structure_of(system: MRIO) -> tuple[np.ndarray, np.ndarray] | None:
    """``(t, technology)`` of a Chenery-Moses table (:func:`mrio.kernels.trade_structure`), else ``None``.

    The system's cached structure when it is large enough to have one, else checked here (two
    compiled passes over ``A``); ``None`` for a single region.
    """
    if system.n_regions < 2:
        return None
    return system._trade_structure or kernels.trade_structure(system.arrays.A, system.n_regions)


def _a_star_inputs(system: MRIO, allow_inactive: bool = False):
    x = system.arrays.x
    if len(system.inactive) and not allow_inactive:
        raise InputError(f"inoperability is undefined for industries with zero output: "
                         f"{lab._show(system.inactive)}; aggregate or drop them")
    return x


def inoperability(system: MRIO, demand_reduction: pd.Series | pd.DataFrame) -> InoperabilityResult:
    """Inoperability input-output model (IIM): ``q = A* q + c*``.

    ``A* = x^-1 A x``, ``c* = x^-1 df`` with ``df`` the demand *reduction* (positive = less
    demand), so ``q = (I - A*)^-1 c* = x^-1 L df`` (Haimes & Jiang 2001; Santos & Haimes 2004;
    docs/methods/shocks.md, section "Dynamic inoperability (DIIM)"). This is the Leontief model in relative
    units (Dietzenbacher & Miller 2015). Industries with zero output (no gas extraction in a region,
    say) have zero inoperability and cannot be shocked.

    Parameters
    ----------
    demand_reduction : pandas.Series or pandas.DataFrame
        Demand reduction by (region, sector) in monetary units; one column per scenario.

    Returns
    -------
    InoperabilityResult

    Examples
    --------
    Miller & Blair's two-sector example with final demand of sector 1 down 10 % (35 of 350)
    gives ``q = [0.043894, 0.004620]`` (docs/methods/index.md, section "Known-answer checks").
    """
    x = _a_star_inputs(system, allow_inactive=True)
    df = _as_frame(system, demand_reduction, "demand_reduction")
    D = df.to_numpy(dtype=np.float64)
    inactive = x == 0
    shocked = inactive & (np.abs(D) > 0).any(axis=1)
    if shocked.any():
        raise InputError(f"demand reductions on industries with zero output (no inoperability defined): "
                         f"{lab._show(system.index[shocked])}")
    with kernel_errors(system.index):
        loss = system.leontief_product(np.ascontiguousarray(D))
    # an industry with zero output sells nothing: its loss is zero and so is its inoperability
    scale = np.where(inactive, 0.0, 1.0 / np.where(inactive, 1.0, x))[:, np.newaxis]
    q = loss * scale

    def frame(values):
        return pd.DataFrame(values, index=system.index, columns=df.columns)

    return InoperabilityResult(frame(q), frame(loss), frame(D * scale))


@dataclass(frozen=True)
class DynamicInoperabilityResult:
    """Dynamic IIM trajectory.

    Attributes
    ----------
    inoperability : pandas.DataFrame
        ``q(t)`` for ``t = 0 .. steps`` (rows, index ``"time"`` in time units) by (region, sector)
        (columns).
    loss : pandas.DataFrame
        Output lost per step ``x (.) q(t) dt / steps_per_year`` (same shape): ``x`` is annual, so
        a step of ``dt`` time units loses ``dt / steps_per_year`` of a year's output at
        inoperability ``q``. Under a constant shock a year of steps costs about the static IIM
        loss ``x (.) q``.
    resilience : pandas.Series
        Resilience coefficients ``k_i`` (per time unit).
    steady_state : pandas.Series
        ``q_inf = (I - A*)^-1 c*`` of the last perturbation in force (zero after recovery).
    dt : float
        Length of a step in time units.
    steps_per_year : float
        Time units in a year (365: a time unit is a day).
    unit : str
        Unit of ``loss`` (e.g. ``"million EUR per step (a step is 1/365 of a year)"``).
    """

    inoperability: pd.DataFrame
    loss: pd.DataFrame
    resilience: pd.Series
    steady_state: pd.Series
    dt: float
    steps_per_year: float = STEPS_PER_YEAR
    unit: str = ""
    _repr_html_ = result_html

    @property
    def total_loss(self) -> pd.Series:
        """Cumulative output loss by industry (trapezoid rule over the steps)."""
        values = self.loss.to_numpy()
        total = (values[1:] + values[:-1]).sum(axis=0) / 2.0 if len(values) > 1 else values.sum(axis=0)
        return pd.Series(total, index=self.loss.columns, name="total_loss")


def _per_industry(system: MRIO, value, what: str) -> np.ndarray:
    if isinstance(value, pd.Series):
        lab.check_same(value.index, system.index, f"{what} index", "the system's industries")
        arr = lab.check_finite(value, what)
    else:
        arr = np.full(len(system), float(value))
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{what} must be finite")
    return arr


def dynamic_inoperability(system: MRIO, initial: pd.Series | None = None, *,
                          recovery_time: float | pd.Series = 365.0, recovery_ratio: float = 0.01,
                          demand_reduction: pd.Series | None = None, duration: int | None = None,
                          steps: int = 365, dt: float = 1.0,
                          steps_per_year: float = STEPS_PER_YEAR) -> DynamicInoperabilityResult:
    """Dynamic IIM with resilience coefficients and the exact exponential update.

    ``dq/dt = K (A* q(t) + c*(t) - q(t))``; with ``c*`` constant over a step,
    ``q(t + dt) = q_inf + exp(-K (I - A*) dt) (q(t) - q_inf)``, ``q_inf = (I - A*)^-1 c*``
    (Lian & Haimes 2006; docs/methods/shocks.md, section "Dynamic inoperability (DIIM)"), applied
    by the action of the exponential on vectors (:func:`mrio.kernels.diim_trajectory`; products
    with ``A`` only, through the trade structure of a regional build when it has one). ``k_i =
    ln(q_i(0)/q_i(T_i)) / (T_i (1 - a*_ii))`` so
    that an industry on its own recovers to ``recovery_ratio * q_i(0)`` in ``T_i``. Not the
    explicit Euler step, which misses that target at ``dt ~ 1/k_i``. Industries with zero output (no
    gas extraction in a region, say) have zero inoperability throughout and cannot be shocked.

    Parameters
    ----------
    initial : pandas.Series, optional
        ``q(0)`` by (region, sector), shares in [0, 1]; default zero.
    recovery_time : float or pandas.Series, default 365
        ``T_i > 0`` in the same time unit as ``dt``.
    recovery_ratio : float, default 0.01
        ``q_i(T_i) / q_i(0)`` in (0, 1).
    demand_reduction : pandas.Series, optional
        A demand reduction (monetary units) in force from t = 0 for ``duration`` steps
        (default: the whole run); the system then recovers to ``q = 0``. With it in force for
        good, ``q`` converges to the static IIM :func:`inoperability`.
    steps : int
    dt : float
        Step length in time units (the unit of ``recovery_time``).
    steps_per_year : float, default 365
        Time units in a year: the system's flows are annual, so a step loses
        ``x q dt / steps_per_year`` (the same convention as :func:`mrio.shocks.ario.ario`).

    Returns
    -------
    DynamicInoperabilityResult
    """
    steps_per_year = check_steps_per_year(steps_per_year)
    x = _a_star_inputs(system, allow_inactive=True)
    inactive = x == 0  # zero output: zero inoperability throughout, cannot be shocked
    inv_x = np.where(inactive, 0.0, 1.0 / np.where(inactive, 1.0, x))
    steps = check_steps(steps, 2 * len(system))  # q(t) and the losses
    if not dt > 0:
        raise InputError(f"dt must be > 0, got {dt}")
    if not 0 < recovery_ratio < 1:
        raise InputError(f"recovery_ratio must be in (0, 1), got {recovery_ratio}")
    T = _per_industry(system, recovery_time, "recovery_time")
    if (T <= 0).any():
        raise InputError(f"recovery_time must be > 0; not so for {lab._show(system.index[T <= 0])}")
    q0 = np.zeros(len(system)) if initial is None else _per_industry(system, initial, "initial")
    if ((q0 < 0) | (q0 > 1)).any():
        raise InputError(f"initial inoperability must be in [0, 1]; outside for "
                         f"{lab._show(system.index[(q0 < 0) | (q0 > 1)])}")
    if (inactive & (q0 != 0)).any():
        raise InputError(f"initial inoperability of industries with zero output (none defined): "
                         f"{lab._show(system.index[inactive & (q0 != 0)])}")
    n_steps = int(steps)
    c_star = np.zeros((2, len(system)))  # row 0: no perturbation; row 1: the demand reduction
    schedule = np.zeros(n_steps, dtype=np.int64)
    if demand_reduction is not None:
        reduction = _per_industry(system, demand_reduction, "demand_reduction")
        if (inactive & (reduction != 0)).any():
            raise InputError(f"demand reductions on industries with zero output (no inoperability defined): "
                             f"{lab._show(system.index[inactive & (reduction != 0)])}")
        c_star[1] = reduction * inv_x
        d = n_steps if duration is None else int(duration)
        if d < 0:
            raise InputError(f"duration must be >= 0, got {duration}")
        schedule[:min(d, n_steps)] = 1
    A = system.arrays.A
    k = kernels.diim_resilience(np.diag(A).copy(), T, np.full(len(system), recovery_ratio))
    with kernel_errors(system.index):
        q_inf = system.leontief_product(np.ascontiguousarray((c_star * x).T)).T * inv_x  # x^-1 L df
    out = np.empty((n_steps + 1, len(system)))
    out[0] = q0
    for t0 in range(0, n_steps, DIIM_CHUNK):  # chunks of steps: Ctrl-C is honoured between them
        t1 = min(n_steps, t0 + DIIM_CHUNK)
        kernels.diim_trajectory(A, x, k, out[t0].copy(), q_inf, schedule[t0:t1], out[t0:t1 + 1], dt=dt,
                                trade=trade_structure_of(system))
    steps_index = pd.Index(np.arange(n_steps + 1) * dt, name="time")
    return DynamicInoperabilityResult(
        inoperability=pd.DataFrame(out, index=steps_index, columns=system.index),
        loss=pd.DataFrame(out * (x * (dt / steps_per_year)), index=steps_index, columns=system.index),
        resilience=pd.Series(k, index=system.index, name="resilience"),
        steady_state=pd.Series(q_inf[schedule[-1]], index=system.index, name="steady_state"),
        dt=float(dt), steps_per_year=steps_per_year,
        unit=step_unit(system.units.get("monetary", ""), steps_per_year, float(dt)))

