"""ARIO, the adaptive regional input-output disaster model, on an :class:`~mrio.MRIO`.

The model of Hallegatte (2008, 2014) as specified and implemented in BoARIO 0.7.2 (Juhel;
``docs/source/boario-math.rst``; the "psi" model of ``boario/extended_models.py``): daily
steps, production capacity lost with destroyed capital (or exogenously) and recovered or
rebuilt, input inventories with target durations, overproduction, proportional rationing,
orders split over suppliers (Guan et al. 2020 "alt" orders by default) and reconstruction
demand. The time loop is one numba kernel (:func:`mrio.kernels.ario_run`, docs/methods/shocks.md, section
"ARIO") that
reproduces BoARIO's update order; final demand is fixed, as in BoARIO.

References
----------
Hallegatte, S. (2008). *Risk Analysis* 28:779-799; (2014) *Risk Analysis* 34:152-167.
Guan, D. et al. (2020). *Nature Human Behaviour* 4:577-587.
Juhel, S. BoARIO: a Python implementation of the ARIO model (JOSS; Zenodo 10.5281/zenodo.11580697).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.core import labels as lab
from mrio.core.display import result_html
from mrio.core.system import MRIO
from mrio.errors import InputError, ScenarioError
from mrio.shocks.models import (
    STEPS_PER_YEAR,
    check_steps,
    check_steps_per_year,
    select_industries,
    step_unit,
    trade_structure_of,
)

__all__ = ["ARIOEvent", "ARIOResult", "ario", "capital_damage", "capacity_loss", "EVENT_KINDS",
           "RECOVERY_FUNCTIONS"]

EVENT_KINDS = {"recover": kernels.EVENT_CAPITAL_RECOVER, "rebuild": kernels.EVENT_CAPITAL_REBUILD,
               "capacity": kernels.EVENT_CAPACITY}
RECOVERY_FUNCTIONS = {"linear": kernels.RECOVERY_LINEAR, "convexe": kernels.RECOVERY_CONVEX_SCALED,
                      "convexe noscale": kernels.RECOVERY_CONVEX}


@dataclass(frozen=True)
class ARIOEvent:
    """One disaster event.

    Attributes
    ----------
    kind : {"recover", "rebuild", "capacity"}
        ``"recover"``: productive capital destroyed (``damage`` in monetary units) recovering
        along ``recovery_function`` over ``recovery_time`` steps (BoARIO ``EventKapitalRecover``);
        ``"rebuild"``: destroyed capital rebuilt through reconstruction demand addressed to
        ``rebuilding_sectors`` with characteristic time ``rebuild_time`` (``EventKapitalRebuild``);
        ``"capacity"``: a share of production capacity lost exogenously (``EventArbitraryProd``).
    damage : pandas.Series
        By (region, sector): capital destroyed, or share of capacity lost in [0, 1].
    occurrence, duration : int
        First step of the event (>= 1) and steps before recovery or rebuilding starts.
    recovery_time : int
        Steps to recover (``"recover"``, ``"capacity"``).
    recovery_function : {"linear", "convexe", "convexe noscale"}
    rebuild_time : int
        ``tau_rebuild`` (``"rebuild"``).
    rebuilding_sectors : Mapping
        Sector -> share of reconstruction demand (shares sum to 1), e.g. ``{"construction": 1}``.
    rebuilding_factor : float
        Reconstruction demand per unit of capital destroyed.
    name : str
    """

    kind: str
    damage: pd.Series
    occurrence: int = 1
    duration: int = 1
    recovery_time: int = 30
    recovery_function: str = "linear"
    rebuild_time: int = 60
    rebuilding_sectors: Mapping[Hashable, float] = field(default_factory=dict)
    rebuilding_factor: float = 1.0
    name: str = "event"
    _repr_html_ = result_html


def capital_damage(system: MRIO, regions=None, sectors=None, *, amount: float | None = None,
                   share: float | None = None, kind: str = "recover", capital: pd.Series | None = None,
                   **kwargs) -> ARIOEvent:
    """Return an event destroying productive capital of selected industries.

    ``amount`` (monetary units) is split equally over the industries (BoARIO's default
    distribution); ``share`` destroys that share of each industry's capital (default capital:
    4 x value added). Other keywords go to :class:`ARIOEvent`.
    """
    pos = select_industries(system, regions, sectors)
    damage = np.zeros(len(system))
    if (amount is None) == (share is None):
        raise InputError("give exactly one of amount and share")
    if share is not None:
        if not 0 <= share <= 1:
            raise InputError(f"share of capital destroyed must be in [0, 1], got {share}")
        k = _capital(system, capital, 4.0)
        damage[pos] = share * k[pos]
    else:
        if not amount >= 0:
            raise InputError(f"amount of capital destroyed must be >= 0, got {amount}")
        damage[pos] = amount / pos.size
    return ARIOEvent(kind=kind, damage=pd.Series(damage, index=system.index), **kwargs)


def capacity_loss(system: MRIO, regions=None, sectors=None, *, share: float, **kwargs) -> ARIOEvent:
    """Return an event removing ``share`` of production capacity of selected industries (exogenous)."""
    if not 0 <= share <= 1:
        raise InputError(f"share of capacity lost must be in [0, 1], got {share}")
    pos = select_industries(system, regions, sectors)
    damage = np.zeros(len(system))
    damage[pos] = share
    return ARIOEvent(kind="capacity", damage=pd.Series(damage, index=system.index), **kwargs)


@dataclass(frozen=True)
class ARIOResult:
    """Trajectories of an ARIO run (rows: steps, columns: (region, sector)).

    Attributes
    ----------
    production : pandas.DataFrame
        Realised production per step.
    capacity : pandas.DataFrame
        Production capacity ``alpha (1 - Delta) x0`` per step.
    final_demand_loss : pandas.DataFrame
        Final demand not met, by supplying industry.
    final_demand_loss_by_destination : pandas.DataFrame
        Final demand not met by (destination region, product) (BoARIO ``final_demand_unmet``).
    rebuild_demand : pandas.DataFrame
        Reconstruction demand addressed to each industry.
    min_stock : pandas.Series
        Smallest input inventory after each step (never negative).
    baseline : pandas.Series
        Production per step before the event ``x0``.
    steps_per_year : float
        Steps in a year: every flow above is annual / ``steps_per_year`` (365: daily).
    unit : str
        Unit of the per-step flows.
    """

    production: pd.DataFrame
    capacity: pd.DataFrame
    final_demand_loss: pd.DataFrame
    final_demand_loss_by_destination: pd.DataFrame
    rebuild_demand: pd.DataFrame
    min_stock: pd.Series
    baseline: pd.Series
    steps_per_year: float = 365.0
    unit: str = ""
    _repr_html_ = result_html

    @property
    def production_change(self) -> pd.DataFrame:
        """``x(t) - x0`` (negative = production lost)."""
        return self.production - self.baseline

    def production_loss(self) -> pd.Series:
        """Cumulative production lost ``sum_t (x0 - x(t))`` by industry (gains negative)."""
        return (self.baseline - self.production).sum(axis=0).rename("production_loss")

    def total_final_demand_loss(self) -> pd.Series:
        """Cumulative final demand not met by supplying industry."""
        return self.final_demand_loss.sum(axis=0).rename("final_demand_loss")

    def recovery_step(self, rtol: float = 1e-3) -> int | None:
        """First step after the trough from which total production stays within ``rtol`` of x0."""
        total = self.production.sum(axis=1).to_numpy()
        base = float(self.baseline.sum())
        off = np.abs(total - base) > rtol * base
        if not off.any():
            return 0
        last = int(np.flatnonzero(off)[-1])
        return None if last == len(total) - 1 else last + 1


def _capital(system: MRIO, capital: pd.Series | None, ratio: float) -> np.ndarray:
    if capital is not None:
        lab.check_same(capital.index, system.index, "capital index", "the system's industries")
        k = lab.check_finite(capital, "capital")
        if (k < 0).any():
            raise InputError(f"capital must be >= 0; negative for {lab._show(system.index[k < 0])}")
        return k
    # BoARIO: capital = ratio x (x - i'Z), negative value added set to 0
    va = system.arrays.x - system.arrays.Z.sum(axis=0)
    return ratio * np.maximum(va, 0.0)


def _rebuild_matrix(system: MRIO, event: ARIOEvent, damage: np.ndarray) -> np.ndarray:
    """BoARIO's distributed reconstruction demand: supplier (r, k) x damaged industry f."""
    sectors = dict(event.rebuilding_sectors)
    if not sectors:
        raise ScenarioError(f"event {event.name!r}: a rebuild event needs rebuilding_sectors")
    s_pos = lab.lookup(system.sectors, list(sectors), f"rebuilding sectors of event {event.name!r}")
    shares = np.array([float(v) for v in sectors.values()])
    if (shares < 0).any() or abs(shares.sum() - 1.0) > 1e-9:
        raise ScenarioError(f"event {event.name!r}: rebuilding sector shares must be >= 0 and sum to 1, "
                            f"got {sectors}")
    N, n = len(system), system.n_sectors
    Z = system.arrays.Z
    out = np.zeros((N, N))
    affected = np.flatnonzero(damage > 0)
    for k, share in zip(s_pos, shares, strict=True):
        rows = np.arange(system.n_regions) * n + k
        block = Z[np.ix_(rows, affected)]
        total = block.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            dist = np.nan_to_num(block / total)
        out[np.ix_(rows, affected)] = (share * damage[affected] * event.rebuilding_factor) * dist
    return out


def _validate_event(system: MRIO, event: ARIOEvent, capital: np.ndarray, i: int) -> np.ndarray:
    name = f"event {i} ({event.name!r})"
    if event.kind not in EVENT_KINDS:
        raise ScenarioError(f"{name}: kind must be one of {', '.join(EVENT_KINDS)}, got {event.kind!r}")
    if event.recovery_function not in RECOVERY_FUNCTIONS:
        raise ScenarioError(f"{name}: recovery_function must be one of {', '.join(RECOVERY_FUNCTIONS)}")
    for attr, low in (("occurrence", 1), ("duration", 0), ("recovery_time", 1), ("rebuild_time", 1)):
        value = getattr(event, attr)
        if int(value) != value or value < low:
            raise ScenarioError(f"{name}: {attr} must be an integer >= {low}, got {value}")
    if not isinstance(event.damage, pd.Series):
        raise ScenarioError(f"{name}: damage must be a pandas Series by (region, sector)")
    lab.check_same(event.damage.index, system.index, f"{name} damage index", "the system's industries")
    d = lab.check_finite(event.damage, f"{name} damage")
    if (d < 0).any():
        raise ScenarioError(f"{name}: damage must be >= 0; negative for {lab._show(system.index[d < 0])}")
    if event.kind == "capacity" and (d > 1).any():
        raise ScenarioError(f"{name}: capacity loss is a share in [0, 1]; above 1 for "
                            f"{lab._show(system.index[d > 1])}")
    if event.kind != "capacity":
        over = d > capital * (1 + 1e-12)
        if over.any():
            raise ScenarioError(f"{name}: capital destroyed exceeds productive capital for "
                                f"{lab._show(system.index[over])}")
    return d


def ario(system: MRIO, events: Sequence[ARIOEvent], steps: int = 365, *, alpha_base: float = 1.0,
         alpha_max: float = 1.25, alpha_tau: float = 365, inventory_days: float | Mapping = 90,
         infinite_inventories: Sequence[Hashable] = (), psi: float = 0.8,
         inventory_restoration: float = 60, order_type: str = "alt", capital: pd.Series | None = None,
         capital_to_value_added: float = 4.0, steps_per_year: float = STEPS_PER_YEAR, damage_decimals: int = 7,
         capacity_decimals: int = 6, boario_compatible: bool = False, progress: Callable[[int, int], None] | None = None,
         chunk: int = 30, structured: bool | None = None) -> ARIOResult:
    """Run ARIO for ``steps`` steps (days by default).

    Parameters
    ----------
    system : MRIO
        Annual flows; per-step flows are ``1/steps_per_year`` of them.
    events : sequence of ARIOEvent
        Build them with :func:`capital_damage` / :func:`capacity_loss`. Mixing capacity and
        capital events is allowed (capacity loss = max of both), unlike in BoARIO.
    steps : int
    alpha_base, alpha_max, alpha_tau : float
        Overproduction ``alpha_b = 1``, ``alpha_max = 1.25``, ``tau_alpha = 365`` (BoARIO defaults).
    inventory_days : float or Mapping
        Target inventory duration ``s_p`` in steps per input sector (default 90; values <= 1
        become 2, as in BoARIO); ``infinite_inventories`` never constrain.
    psi, inventory_restoration : float
        Inventory threshold ``psi = 0.8`` and restoration time ``tau_inv = 60``; ``psi = 1`` and
        ``inventory_restoration = 1`` give BoARIO's base model.
    order_type : {"alt", "noalt"}
    capital : pandas.Series, optional
        Productive capital; default ``capital_to_value_added x (x - i'Z)`` (BoARIO).
    damage_decimals, capacity_decimals : int
        BoARIO rounds remaining damage to ``log10(event monetary factor) + 1`` decimals (7 for
        tables in millions with events in the same unit) and capacity losses to 6.
    boario_compatible : bool, default False
        Reproduce BoARIO 0.7.2's one-step delay of exogenous ("capacity") losses: BoARIO forms
        the total capacity loss before updating the exogenous part, so a capacity event starts
        and recovers one step late. Capital events are unaffected.
    progress : callable(done, total), optional
        Called after every ``chunk`` steps (the CLI draws a progress bar with it).
    structured : bool, optional
        Split orders over suppliers through the trade shares of a Chenery-Moses table
        (``Z^{rs}_ij = t_i^{rs} sum_r' Z^{r's}_ij``, :func:`mrio.kernels.trade_structure`): O(n R^2 +
        n N) per step instead of a pass over the N x N flows, the same results up to rounding.
        Default: whenever the table has that structure; ``False``: the pass over ``Z``; ``True``:
        an :class:`~mrio.errors.InputError` if the table lacks it.

    Returns
    -------
    ARIOResult

    Raises
    ------
    ScenarioError
        Invalid events (kind, times, damage above capital, capacity share outside [0, 1]).
    """
    steps = check_steps(steps, 5 * len(system) + len(system.final_demand_regions) * system.n_sectors)
    if order_type not in ("alt", "noalt"):
        raise InputError(f"order_type must be 'alt' or 'noalt', got {order_type!r}")
    if not 0 < psi <= 1:
        raise InputError(f"psi must be in (0, 1], got {psi}")
    if not (alpha_max >= alpha_base >= 1 and alpha_tau > 0 and inventory_restoration > 0):
        raise InputError("need alpha_max >= alpha_base >= 1, alpha_tau > 0 and inventory_restoration > 0")
    steps = int(steps)
    steps_per_year = check_steps_per_year(steps_per_year)
    N, n = len(system), system.n_sectors
    k = _capital(system, capital, capital_to_value_added)
    factor = 1.0 / steps_per_year
    Z_annual = system.arrays.Z
    x0 = system.arrays.x * factor
    Y0 = np.ascontiguousarray(system.arrays.Y * factor)
    R = system.n_regions
    tech = np.ascontiguousarray(system.arrays.A.reshape(R, n, N).sum(axis=0))  # I_sum A
    use = Z_annual.reshape(R, n, N).sum(axis=0)  # I_sum Z
    is_input = np.ascontiguousarray(use > x0[np.newaxis, :] * 1e-5)
    trade = trade_structure_of(system) if structured is not False else None
    if structured and trade is None:
        raise InputError("structured=True needs a Chenery-Moses table (A^{rs} = diag(t^{rs}) a^s); "
                         "this one is not: use structured=None or False")
    if trade is None:  # orders split by the shares of Z0, one pass over it per step
        Z0 = np.ascontiguousarray(Z_annual * factor)
        trade_share, national_use = np.zeros((0, 0, 0)), np.zeros((0, 0))
        share_sum, share_total, trade_work = np.zeros((2, n, N)), np.zeros((2, 0, 0)), np.zeros((0, 0, 0))
    else:  # orders split by the trade shares t_p^{rs}; Z0 itself is never read
        Z0 = np.zeros((0, 0))
        trade_share = np.ascontiguousarray(trade[0])
        national_use = np.ascontiguousarray(use * factor)
        share_sum, share_total, trade_work = np.zeros((2, 0, 0)), np.zeros((2, n, R)), np.zeros((n, R + 2, R))
    # inventories (BoARIO: durations <= 1 step become 2)
    if isinstance(inventory_days, Mapping):
        unknown = [s for s in inventory_days if s not in set(system.sectors)]
        if unknown:
            raise ScenarioError(f"inventory_days names unknown sectors {lab._show(unknown)}")
        inv = np.array([float(inventory_days.get(s, 90)) for s in system.sectors])
    else:
        inv = np.full(n, float(inventory_days))
    if infinite_inventories:
        inv[lab.lookup(system.sectors, list(infinite_inventories), "sectors with infinite inventories")] = np.inf
    if (inv <= 0).any() or np.isnan(inv).any():
        raise InputError("inventory durations must be > 0")
    inv[inv <= 1] = 2.0
    restoration = np.full(n, 1.0 / inventory_restoration)
    # events
    E = len(events)
    kinds = np.zeros(E, dtype=np.int64)
    times = np.zeros((E, 2), dtype=np.int64)
    recovery = np.ones(E, dtype=np.int64)
    functions = np.zeros(E, dtype=np.int64)
    slots = np.full(E, -1, dtype=np.int64)
    damage = np.zeros((E, N))
    n_rebuild = sum(1 for e in events if getattr(e, "kind", None) == "rebuild")
    rebuild = np.zeros((n_rebuild, N, N))
    rebuild_tau = np.ones(max(n_rebuild, 1))
    rebuild_factor = np.ones(max(n_rebuild, 1))
    slot = 0
    for i, event in enumerate(events):
        if not isinstance(event, ARIOEvent):
            raise ScenarioError(f"event {i} is a {type(event).__name__}, not an ARIOEvent")
        d = _validate_event(system, event, k, i)
        kinds[i] = EVENT_KINDS[event.kind]
        times[i] = (event.occurrence, event.duration)
        recovery[i] = event.recovery_time
        functions[i] = RECOVERY_FUNCTIONS[event.recovery_function]
        damage[i] = d
        if event.kind == "rebuild":
            if not event.rebuilding_factor > 0:
                raise ScenarioError(f"event {i} ({event.name!r}): rebuilding_factor must be > 0")
            slots[i] = slot
            rebuild[slot] = _rebuild_matrix(system, event, d)
            rebuild_tau[slot] = event.rebuild_time
            rebuild_factor[slot] = event.rebuilding_factor
            slot += 1
    dest = system.final_demand_regions
    fd_dest = np.ascontiguousarray(dest.get_indexer(system.Y.columns.get_level_values("region")),
                                   dtype=np.int64)
    params = np.array([alpha_base, alpha_max, alpha_tau, psi, 1.0 if order_type == "alt" else 0.0,
                       damage_decimals, capacity_decimals, 1.0 if boario_compatible else 0.0],
                      dtype=np.float64)
    # state and outputs, all allocated once
    out_prod = np.zeros((steps, N))
    out_cap = np.zeros((steps, N))
    out_fd = np.zeros((steps, N))
    out_fd_dest = np.zeros((steps, len(dest) * n))
    out_reb = np.zeros((steps, N))
    out_min = np.zeros(steps)
    with np.errstate(invalid="ignore"):
        stock = tech * x0[np.newaxis, :] * inv[:, np.newaxis]
    stock = np.ascontiguousarray(np.nan_to_num(stock, nan=np.inf, posinf=np.inf))
    gap = np.zeros((n, N))  # orders per (input, buyer); the N x N orders are recomputed, never stored
    work = np.zeros((N, 16))
    work[:, 0] = alpha_base
    work[:, 1] = x0
    status = np.zeros(E, dtype=np.int64)
    current = damage.copy()
    active = np.ones(E, dtype=np.bool_)
    scratch = np.zeros((5, n, N))
    by_industry = np.zeros((3, N, n))
    chunk = max(1, int(chunk))  # chunks of steps: Ctrl-C is honoured between kernel calls
    # the structured pass is O(n R^2 + n N) a step: too little work to share between threads (on a
    # busy machine they mostly wait for each other); the pass over Z keeps the parallel loop
    threads = kernels.thread_count(1 if trade is not None else None)
    for t0 in range(0, steps, chunk):
        t1 = min(steps, t0 + chunk)
        with threads:
            kernels.ario_run(x0, Z0, Y0, tech, is_input, inv, restoration, k, params, kinds, times, recovery,
                             functions, slots, damage, rebuild, rebuild_tau, rebuild_factor, fd_dest, len(dest),
                             out_prod, out_cap, out_fd, out_fd_dest, out_reb, out_min, stock, gap, share_sum,
                             work, status, current, active, scratch, by_industry, trade_share, national_use,
                             share_total, trade_work, t0, t1)
        if progress is not None:
            progress(t1, steps)
    steps_index = pd.RangeIndex(steps, name="step")
    dest_index = pd.MultiIndex.from_product([dest, system.sectors], names=["region", "sector"])

    def frame(values, columns=system.index):
        return pd.DataFrame(values, index=steps_index, columns=columns)

    return ARIOResult(
        production=frame(out_prod), capacity=frame(out_cap), final_demand_loss=frame(out_fd),
        final_demand_loss_by_destination=frame(out_fd_dest, dest_index), rebuild_demand=frame(out_reb),
        min_stock=pd.Series(out_min, index=steps_index, name="min_stock"),
        baseline=pd.Series(x0, index=system.index, name="baseline"), steps_per_year=steps_per_year,
        unit=step_unit(system.units.get("monetary", ""), steps_per_year))
