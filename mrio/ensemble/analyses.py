"""Analyses as picklable callables ``system -> table``: what the command line computes, once or per draw.

Each class holds the options of one command (``mrio dependency``, ``multipliers``, ``extract``,
``shock``) and maps a table to the result the command writes. The command line calls them on
the point estimate, or passes them to :func:`mrio.ensemble.run`, which calls them on every draw
(on Dask workers, hence plain frozen dataclasses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mrio.analysis.dependency import dependency_matrix, dependency_split, residents_dependency, spillover_feedback
from mrio.analysis.extraction import KINDS, extract, extract_kinds, extraction_table
from mrio.analysis.multipliers import multipliers
from mrio.build.concordances import regroup
from mrio.build.draws import Uncertain
from mrio.core import labels
from mrio.core.system import MRIO
from mrio.errors import InputError
from mrio.shocks.scenario import scenario_tables, with_shock_values

__all__ = ["DependencyTable", "MultiplierTable", "ExtractionTable", "ScenarioTables", "Regrouped", "shock_parameter", "DEPENDENCY_TABLES"]

#: The tables of ``mrio dependency --table`` (``destination-shares`` is the former name of ``shares``).
DEPENDENCY_TABLES = ("destination", "shares", "amounts", "amount-shares", "split", "effects", "residents",
                     "residents-split", "destination-shares")
#: The household-closed (type II) tables: by region of residence, through commuting.
RESIDENTS_TABLES = ("residents", "residents-split")


def _flat_columns(frame: pd.DataFrame) -> pd.DataFrame:
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = [" / ".join(map(str, c)) for c in frame.columns]
    return frame


@dataclass(frozen=True)
class DependencyTable:
    """``mrio dependency``: one table of :func:`mrio.dependency_matrix` (or the Miller effects).

    Parameters
    ----------
    measure : str
    table : {"destination", "shares", "amounts", "amount-shares", "split", "effects", "residents", "residents-split"}
        ``shares``: ``destination`` divided by the origin's total (rows sum to one; also
        accepted under its former name ``destination-shares``); ``amount-shares``: ``amounts``
        (by final-demand category) divided by the origin's total; ``residents``: origin x region
        of residence, the measure resting on those residents' spending with households
        endogenous by residence (type II, :func:`mrio.residents_dependency`);
        ``residents-split``: exogenous demand / own residents / other residents.
    by : {"region", "region-sector"}
    regroup : pandas.Series, optional
        Region -> group concordance applied to the attribution (exact sums).
    origins : sequence of str, optional
        Keep only these origin rows (labels, codes or aliases).
    destinations : sequence of str, optional
        "Who depends on these regions": for every origin, the amount resting on their final
        demand, its share of the origin's total and the total, largest share first (replaces
        ``table``).
    top : int, optional
        Keep the ``top`` largest rows (by share with ``destinations``, else by total).
    """

    measure: str = "value-added"
    table: str = "split"
    by: str = "region"
    regroup: pd.Series | None = field(default=None, compare=False)
    origins: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    top: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "origins", tuple(self.origins))
        object.__setattr__(self, "destinations", tuple(self.destinations))
        if self.table not in DEPENDENCY_TABLES:
            raise InputError(f"unknown dependency table {self.table!r}; "
                             f"use one of {', '.join(DEPENDENCY_TABLES)}")
        if self.table == "effects" and self.regroup is not None:
            raise InputError("regrouping applies to attribution tables, not to the effects table")
        if self.table in ("effects", *RESIDENTS_TABLES) and self.destinations:
            raise InputError(f"destinations apply to the final-demand attribution tables, not to the {self.table} "
                             "table")
        if self.top is not None and self.top < 1:
            raise InputError(f"top must be >= 1, got {self.top}")

    def __call__(self, system: MRIO) -> pd.DataFrame:
        """Compute the table on ``system``."""
        if self.table == "effects":
            frame = spillover_feedback(system, self.measure, by=self.by)
        elif self.table in RESIDENTS_TABLES:
            by_residence, split = residents_dependency(system, self.measure, by=self.by, regroup=self.regroup)
            frame = by_residence if self.table == "residents" else split
        else:
            result = None
            if self.destinations or self.table in ("destination", "shares", "destination-shares", "split"):
                # one Leontief right-hand side per destination (not per final-demand column)
                by_destination, split = dependency_split(system, self.measure, by=self.by, regroup=self.regroup)
            else:
                result = dependency_matrix(system, self.measure, by=self.by, regroup=self.regroup)
                by_destination, split = result.by_destination, result.split
            if self.destinations:
                frame = _depends_on(by_destination, split, self.destinations, system)
            elif self.table in ("shares", "destination-shares"):
                total = split["total"]
                frame = by_destination.div(total.where(total != 0), axis=0)
                frame.attrs.update(unit="1", measure=split.attrs["measure"])
            elif result is None:
                frame = by_destination if self.table == "destination" else split
            else:
                frame = _flat_columns(result.amounts if self.table == "amounts" else result.shares)
        if self.origins:
            frame = _select_origins(frame, self.origins, system)
        return self.top_rows(frame)

    def top_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return the ``top`` largest rows of ``frame`` (all of them without ``top``).

        Ranked by the share of the origin's total with ``destinations`` (already in that order),
        else by the ``total`` column, else by the row sum.
        """
        if self.top is None:
            return frame
        if self.destinations:
            return frame.iloc[:self.top]
        key = frame["total"] if "total" in frame.columns else frame.sum(axis=1, numeric_only=True)
        return frame.loc[key.sort_values(ascending=False, kind="stable").index[:self.top]]

    def title(self, unit: str, measure: str, destinations: str = "") -> str:
        """Describe the table (for printing): what the rows and the columns are."""
        if self.destinations:
            names = destinations or " + ".join(self.destinations)
            return (f"who depends on final demand in {names}: {measure} of each origin (rows) resting on it "
                    f"({unit}) and its share of the origin's total, largest share first")
        if self.table == "effects":
            return (f"{measure} multipliers split into intra-regional (inside the region if it traded with "
                    f"no one), feedback and spillover (other regions) effects ({unit}); rows: origin "
                    "(region, sector)")
        return {
            "residents": f"{measure} of each origin (rows) resting on the spending of each region's residents "
                         "(columns), households endogenous by region of residence: income earned anywhere, paid "
                         f"home through commuting, and the spending it starts (type II, Miyazawa) ({unit}); the "
                         "rest rests on exogenous final demand (--table residents-split)",
            "residents-split": f"{measure} of each origin, households endogenous by region of residence (type II): "
                               "resting on exogenous final demand (government, investment, exports), on its own "
                               f"residents' spending and on other regions' residents' ({unit}; shares of the "
                               "household-closed total)",
            "split": f"{measure} of each origin region by where its final demand is: own region, other "
                     f"regions of the system, outside (exports) ({unit}; shares of the total)",
            "shares": f"share of each origin's {measure} (rows) resting on final demand in each destination "
                      "region (columns); rows sum to 1",
            "destination-shares": f"share of each origin's {measure} (rows) resting on final demand in each "
                                  "destination region (columns); rows sum to 1",
            "amounts": f"{measure} by origin (rows) and final demand by destination / category (columns) "
                       f"({unit})",
            "amount-shares": f"{measure} by origin (rows) and final demand by destination / category "
                             "(columns), as shares of the origin's total",
        }.get(self.table, f"{measure} by origin region (rows) serving final demand in each destination "
                          f"region (columns) ({unit})")


def _select_origins(frame: pd.DataFrame, origins: Sequence[str], system: MRIO) -> pd.DataFrame:
    """Rows of the origin regions ``origins`` (labels, codes or aliases)."""
    rows = frame.index.get_level_values("region") if "region" in frame.index.names else frame.index
    known = pd.Index(pd.unique(rows))
    positions = labels.lookup(known, list(origins), "origin regions", system.region_aliases)
    return frame[rows.isin(known[positions])]


def _depends_on(by_destination: pd.DataFrame, split: pd.DataFrame, destinations: Sequence[str],
                system: MRIO) -> pd.DataFrame:
    """For every origin: the measure resting on final demand in ``destinations`` and its share."""
    columns = by_destination.columns
    positions = labels.lookup(columns, list(destinations), "destination regions", system.region_aliases)
    chosen = list(columns[positions])
    amount = by_destination[chosen].sum(axis=1)
    total = split["total"]
    frame = pd.DataFrame({"amount": amount, "share_of_origin_total": amount / total.where(total != 0),
                          "origin_total": total}, index=by_destination.index)
    frame = frame.sort_values("share_of_origin_total", ascending=False, kind="stable")
    frame.attrs.update(unit=split.attrs["unit"], measure=split.attrs["measure"],
                       destinations=" + ".join(map(str, chosen)))
    return frame


@dataclass(frozen=True)
class MultiplierTable:
    """``mrio multipliers --kind KIND``: :func:`mrio.multipliers`."""

    kind: str = "output"

    def __call__(self, system: MRIO) -> pd.DataFrame:
        """Compute the multipliers of ``system``."""
        return multipliers(system, self.kind)


def _labels(values: Sequence[str] | None) -> list[str] | None:
    return list(values) if values else None


@dataclass(frozen=True)
class ExtractionTable:
    """``mrio extract``: losses of a hypothetical extraction, or the extraction table of every unit.

    Parameters
    ----------
    kind : {"backward", "forward", "total", "all"}
    regions, sectors : sequence of str, optional
        What is extracted (ignored with ``each``).
    each : {"industry", "region", "sector"}, optional
        Extract every unit in turn (:func:`mrio.extraction_table`) with loss ``measure``.
    share : float
        Extracted share (partial extraction below 1).
    scope : {"all", "interregional"}
    measure : str
    """

    kind: str = "all"
    regions: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    each: str | None = None
    share: float = 1.0
    scope: str = "all"
    measure: str = "output"

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "sectors", tuple(self.sectors))
        if self.each is not None and (self.regions or self.sectors):
            raise InputError("extracting each unit in turn replaces a region/sector selection; give one or the other")

    def __call__(self, system: MRIO) -> pd.DataFrame:
        """Compute the extraction losses on ``system``."""
        if self.each is not None:
            frame = extraction_table(system, level=self.each, measure=self.measure, share=self.share)
            if self.kind != "all":
                frame = frame[[self.kind, f"{self.kind}_normalised"]]
            return frame
        kinds = list(KINDS) if self.kind == "all" else [self.kind]
        results: dict[str, Any] = {}
        result = None
        if self.scope == "all":  # one set of solves for every kind
            shared = extract_kinds(system, kinds, regions=_labels(self.regions),
                                   sectors=_labels(self.sectors), share=self.share)
        for k in kinds:
            if self.scope == "all":
                result = shared[k]
            else:
                result = extract(system, k, regions=_labels(self.regions), sectors=_labels(self.sectors),
                                 share=self.share, scope=self.scope if k != "total" else "all")
            results[k] = result.losses
            results[f"{k}_relative"] = result.relative_losses
        frame = pd.DataFrame(results)
        frame["unit"] = [result.losses.attrs["units"].get(i, "") for i in frame.index]
        return frame


@dataclass(frozen=True)
class ScenarioTables:
    """``mrio shock``: the result tables of a scenario (:func:`mrio.shocks.scenario.scenario_tables`).

    Parameters
    ----------
    scenario : mrio.shocks.scenario.Scenario
    steps : int, optional
        Override the length of dynamic runs.
    regroup : bool, default True
        Apply the scenario's ``[scenario.aggregate]`` to the table first (tables rebuilt per draw);
        False when the table passed is already the scenario's system (parameter draws).

    Called with shock parameters too (``analysis(system, **{"gas-stop.share": 0.8})``): each key
    ``"<shock>.<field>"`` replaces that field of that shock (:func:`shock_parameter`), so one
    table serves many shock draws and reuses its LU factors.
    """

    scenario: Any
    steps: int | None = None
    regroup: bool = True

    def __call__(self, system: MRIO, **parameters: Any) -> dict[str, pd.DataFrame]:
        """Run the scenario (with ``parameters`` replacing shock fields) on ``system``."""
        scenario = with_shock_values(self.scenario, parameters) if parameters else self.scenario
        if self.regroup:
            system = scenario.regrouped(system)
        tables, _ = scenario_tables(scenario, system, steps=self.steps)
        return tables


def shock_parameter(scenario: Any, key: str, low: float, high: float) -> Uncertain:
    """Return an uncertain shock field ``"<shock>.<field>"`` over ``[low, high]`` (uniform).

    Its default is the field's value in the scenario file.

    Raises
    ------
    ScenarioError
        Unknown shock or field, or a field the shock does not set.
    InputError
        A range that does not contain the file's value.
    """
    with_shock_values(scenario, {key: low})  # the shock and field exist and the bound is valid
    with_shock_values(scenario, {key: high})
    name, _, fld = key.rpartition(".")
    shock = next(s for s in scenario.shocks if s.name == name)
    default = getattr(shock, fld)
    if default is None:  # ario duration 1 step, diim without duration: not drawable above
        default = 1
    return Uncertain(key, float(default), float(low), float(high), "uniform",
                     f"{fld} of shock {name!r} ({shock.model})", "command line --vary")


@dataclass(frozen=True)
class Regrouped:
    """``analysis`` on the table regrouped by ``regions`` (``--regroup`` of the command line).

    ``regions``: a named concordance (``"province"``, ``"metro"``) or a Series region -> group,
    applied with :func:`mrio.regroup` (flows summed exactly) before the analysis.
    """

    analysis: Any
    regions: Any = field(compare=False)

    def __call__(self, system: MRIO, **parameters: Any) -> Any:
        """Regroup ``system``, then run the analysis."""
        return self.analysis(regroup(system, regions=self.regions), **parameters)
