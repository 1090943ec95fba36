"""Scenario files (TOML): shocks on a dataset or table, validated in full before any computation.

Format (read with the standard library :mod:`tomllib`)::

    [scenario]
    name = "groningen-gas"
    dataset = "nl-corop"            # a bundled dataset, or: table = "path/to/system-folder"
                                    # (relative to the scenario file)
    [scenario.aggregate]            # optional regrouping before the run
    regions = { "Oost-Groningen" = "Groningen", ... }   # only the regions to merge; or "province"
    sectors = { ... }

    [[shocks]]
    name = "gas-stop"
    model = "mixed"                 # demand | national_demand | supply | mixed | iim | diim | ario
    regions = ["Oost-Groningen"]    # omitted = all (not for national_demand)
    sectors = ["Extraction of crude petroleum and natural gas"]
    share = 1.0                     # in [0, 1]; or amount = 120.0 (monetary units, >= 0)
    direction = "decrease"          # or "increase" (demand, national_demand, supply, mixed)
    categories = ["exports_goods"]  # optional: final-demand categories (demand, national_demand, iim,
                                    # diim with duration); destinations likewise
    start = 1                       # first step (ario), >= 1
    duration = 30                   # steps before recovery starts (ario) / demand lasts (diim)
    recovery = 180                  # recovery time in steps (diim, ario)
    kind = "recover"                # ario: recover | rebuild | capacity
    rebuilding_sectors = { "Construction of buildings" = 1.0 }   # ario rebuild

    [outputs]
    format = "parquet"              # or "csv"
    steps = 365                     # length of dynamic runs (diim, ario), at most 36,500
    steps_per_year = 365            # a step is a day: flows per step = annual flows / 365
    measures = ["output", "value_added", "employment"]
    top = 10                        # regions/sectors listed in the summary

What each model does with ``share``: *demand* changes the selected final demand by that share;
*national_demand* changes national final demand for the sectors by it, spread over regions by
their share of use; *supply* changes value added (Ghosh; caveat in the summary); *mixed* fixes
output at ``(1 -/+ share) x``; *iim* reduces final demand by it; *diim* starts from inoperability
``share`` or, with ``duration``, reduces the selected final demand by ``share`` for ``duration``
steps from ``q = 0`` (Lian & Haimes 2006; :func:`mrio.shocks.dynamic_inoperability`); *ario*
destroys that share of capital (recover/rebuild) or of capacity.

A key that the shock's model does not use (e.g. ``categories`` for *supply*, ``kind`` for
*demand*, ``rebuilding_sectors`` for a non-rebuild ARIO event) is rejected with a
:class:`~mrio.errors.ScenarioError` naming the entry, never silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio.build.concordances import regroup as regroup_system
from mrio.build.datasets import _REGISTRY, load
from mrio.core import labels as lab
from mrio.core.display import result_html
from mrio.core.io import read, write_table
from mrio.core.system import MRIO
from mrio.errors import MRIOError, ScenarioError
from mrio.shocks import ario as ario_mod
from mrio.shocks import models as sh

__all__ = ["Scenario", "Shock", "load_scenario", "run_scenario", "scenario_tables", "with_shock_values",
           "ScenarioRun", "MODELS", "DRAWABLE_FIELDS"]

MODELS = ("demand", "national_demand", "supply", "mixed", "iim", "diim", "ario")
_SHOCK_KEYS = {"name", "model", "regions", "sectors", "share", "amount", "direction", "categories",
               "destinations", "start", "duration", "recovery", "kind", "rebuilding_sectors",
               "recovery_function", "basis"}
_COMMON_KEYS = {"name", "model", "regions", "sectors", "share", "amount", "direction"}
_DEMAND_KEYS = {"categories", "destinations"}
# the keys each model reads (validated in _parse_shock: any other key is an error, not ignored)
_MODEL_KEYS = {
    "demand": _COMMON_KEYS | _DEMAND_KEYS,
    "national_demand": _COMMON_KEYS | _DEMAND_KEYS | {"basis"},
    "supply": _COMMON_KEYS,
    "mixed": _COMMON_KEYS,
    "iim": _COMMON_KEYS | _DEMAND_KEYS,
    "diim": _COMMON_KEYS | _DEMAND_KEYS | {"duration", "recovery"},
    "ario": _COMMON_KEYS | {"start", "duration", "recovery", "kind", "rebuilding_sectors", "recovery_function"},
}
_SCENARIO_KEYS = {"name", "description", "dataset", "table", "aggregate"}
_OUTPUT_KEYS = {"format", "steps", "steps_per_year", "measures", "top"}


@dataclass(frozen=True)
class Shock:
    """One validated shock of a scenario (see the module docstring for the fields)."""

    name: str
    model: str
    regions: list | None = None
    sectors: list | None = None
    share: float | None = None
    amount: float | None = None
    direction: str = "decrease"
    categories: list | None = None
    destinations: list | None = None
    start: int = 1
    duration: int | None = None  # None: ario 1 step; diim starts from inoperability share
    recovery: int = 90
    kind: str = "recover"
    rebuilding_sectors: Mapping[str, float] = field(default_factory=dict)
    recovery_function: str = "linear"
    basis: str = "final_demand"

    def __post_init__(self) -> None:
        # label selections as lists (a tuple would read as one (region, sector) label)
        for attr in ("regions", "sectors", "categories", "destinations"):
            value = getattr(self, attr)
            if value is not None:
                object.__setattr__(self, attr, list(value))

    @property
    def sign(self) -> float:
        """Return -1 for a decrease and +1 for an increase."""
        return -1.0 if self.direction == "decrease" else 1.0


@dataclass(frozen=True)
class Scenario:
    """A parsed and validated scenario file."""

    name: str
    source: str
    source_kind: str  # "dataset" or "table"
    shocks: tuple[Shock, ...]
    description: str = ""
    aggregate: Mapping[str, Mapping[str, str] | str] = field(default_factory=dict)
    format: str = "parquet"
    steps: int = 365
    steps_per_year: float = sh.STEPS_PER_YEAR
    measures: tuple | None = None
    top: int = 10
    path: Path | None = None
    _repr_html_ = result_html

    def system(self, year: int | None = None) -> MRIO:
        """Load (and regroup) the scenario's system; ``year`` picks another year of a bundled dataset."""
        if self.source_kind == "dataset":
            if self.source not in _REGISTRY:
                raise ScenarioError(f"{self._where('scenario.dataset')}: unknown dataset {self.source!r}; "
                                    f"bundled: {', '.join(_REGISTRY)}")
            system = load(self.source) if year is None else load(self.source, year=year)
        elif year is not None:
            raise ScenarioError(f"--year {year}: the scenario reads the table folder {self.source!r}; --year "
                                "selects the year of a bundled dataset ([scenario].dataset)")
        else:
            path = Path(self.source)
            if not path.is_absolute() and self.path is not None:
                path = self.path.parent / path
            if not path.exists():
                raise ScenarioError(f"{self._where('scenario.table')}: folder {path} does not exist")
            system = read(path)
        return self.regrouped(system)

    def regrouped(self, system: MRIO) -> MRIO:
        """``system`` regrouped as ``[scenario.aggregate]`` says (unchanged without it).

        ``regions`` / ``sectors`` are a table of the labels to merge (partial: the others keep
        their name) or a concordance name (``regions = "province"`` or ``"metro"``, ``sectors =
        "nace_a10"``), as in :func:`mrio.regroup` and ``--regroup``.
        """
        if not self.aggregate:
            return system
        try:
            return regroup_system(system, regions=self.aggregate.get("regions"),
                                  sectors=self.aggregate.get("sectors"))
        except MRIOError as exc:
            raise ScenarioError(f"{self._where('scenario.aggregate')}: {exc}") from exc

    def _where(self, entry: str) -> str:
        return f"{self.path.name if self.path else 'scenario'}: [{entry}]"


# ------------------------------------------------------------------------------------ parsing
def _err(path: Path | None, entry: str, message: str) -> ScenarioError:
    return ScenarioError(f"{path.name if path else 'scenario'}: {entry}: {message}")


def _labels(value: Any, path, entry: str) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise _err(path, entry, f"must be a name or a non-empty list of names, got {value!r}")


def _is_name(value: Any) -> bool:
    """Tell whether ``value`` can be a file name: non-empty text without slashes or control characters."""
    return isinstance(value, str) and bool(value.strip()) and not any(c in value for c in "/\\") \
        and all(c.isprintable() for c in value)


def _number(value: Any, path, entry: str, low: float | None = None, high: float | None = None,
            integer: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(path, entry, f"must be a number, got {value!r}")
    try:
        finite = np.isfinite(float(value))
    except OverflowError:
        raise _err(path, entry, f"is too large: {value!r}") from None
    if not finite:
        raise _err(path, entry, f"must be a finite number, got {value!r}")
    if integer and int(value) != value:
        raise _err(path, entry, f"must be a whole number, got {value!r}")
    if low is not None and value < low:
        raise _err(path, entry, f"must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise _err(path, entry, f"must be <= {high}, got {value!r}")
    return int(value) if integer else float(value)


def _parse_shock(raw: Any, i: int, path: Path | None) -> Shock:
    if not isinstance(raw, dict):
        raise _err(path, f"shocks[{i}]", "must be a table ([[shocks]])")
    name = raw.get("name", f"shock{i + 1}")
    where = f"shocks[{i}] ({name!r})"
    unknown = set(raw) - _SHOCK_KEYS
    if unknown:
        raise _err(path, where, f"unknown keys {sorted(unknown)}; allowed: {sorted(_SHOCK_KEYS)}")
    if not _is_name(name):
        raise _err(path, where, "name must be a non-empty string without slashes or control characters")
    model = raw.get("model")
    if model not in MODELS:
        raise _err(path, f"{where}.model", f"must be one of {', '.join(MODELS)}, got {model!r}")
    unused = [key for key in raw if key not in _MODEL_KEYS[model]]
    if unused:
        raise _err(path, f"{where}.{unused[0]}", f"not used by model {model!r}"
                   + (f" (nor {', '.join(unused[1:])})" if unused[1:] else "")
                   + f"; it takes {', '.join(sorted(_MODEL_KEYS[model] - {'name', 'model'}))}")
    if model == "diim" and "duration" not in raw:
        for key in ("categories", "destinations"):
            if key in raw:
                raise _err(path, f"{where}.{key}", "a diim shock selects final demand only with duration "
                           "(a demand reduction lasting duration steps); without it, share is the initial "
                           "inoperability of the selected industries")
    has_share, has_amount = "share" in raw, "amount" in raw
    if has_share == has_amount:
        raise _err(path, where, "give exactly one of share and amount")
    share = _number(raw["share"], path, f"{where}.share", 0.0, 1.0) if has_share else None
    amount = _number(raw["amount"], path, f"{where}.amount", 0.0) if has_amount else None
    if model in ("diim", "mixed") and amount is not None:
        raise _err(path, where, f"model {model!r} needs share (a share of output), not amount")
    direction = raw.get("direction", "decrease")
    if direction not in ("decrease", "increase"):
        raise _err(path, f"{where}.direction", f"must be 'decrease' or 'increase', got {direction!r}")
    if direction == "increase" and model in ("iim", "diim", "ario"):
        raise _err(path, f"{where}.direction", f"model {model!r} only models losses")
    regions = _labels(raw.get("regions"), path, f"{where}.regions")
    sectors = _labels(raw.get("sectors"), path, f"{where}.sectors")
    if model == "national_demand":
        if regions is not None:
            raise _err(path, f"{where}.regions", "a national shock is spread over all regions; drop regions")
        if sectors is None:
            raise _err(path, f"{where}.sectors", "a national shock needs sectors")
    start = _number(raw.get("start", 1), path, f"{where}.start", 1, integer=True)
    duration = _number(raw["duration"], path, f"{where}.duration", 0, integer=True) \
        if "duration" in raw else None
    recovery = _number(raw.get("recovery", 90), path, f"{where}.recovery", 1, integer=True)
    kind = raw.get("kind", "recover")
    if kind not in ario_mod.EVENT_KINDS:
        raise _err(path, f"{where}.kind", f"must be one of {', '.join(ario_mod.EVENT_KINDS)}, got {kind!r}")
    if model == "ario" and kind == "capacity" and amount is not None:
        raise _err(path, where, "a capacity loss is a share, not an amount")
    rebuilding = raw.get("rebuilding_sectors", {})
    if not isinstance(rebuilding, dict):
        raise _err(path, f"{where}.rebuilding_sectors", "must be a table sector = share")
    for sector, value in rebuilding.items():
        _number(value, path, f"{where}.rebuilding_sectors.{sector}", 0.0, 1.0)
    if rebuilding and abs(sum(rebuilding.values()) - 1.0) > 1e-9:
        raise _err(path, f"{where}.rebuilding_sectors", f"shares must sum to 1, got {sum(rebuilding.values())}")
    if model == "ario" and kind == "rebuild" and not rebuilding:
        raise _err(path, f"{where}.rebuilding_sectors", "a rebuild event needs rebuilding sectors")
    if model == "ario" and kind != "rebuild" and "rebuilding_sectors" in raw:
        raise _err(path, f"{where}.rebuilding_sectors", f"not used by an ario event of kind {kind!r} "
                   "(only kind = 'rebuild')")
    function = raw.get("recovery_function", "linear")
    if function not in ario_mod.RECOVERY_FUNCTIONS:
        raise _err(path, f"{where}.recovery_function",
                   f"must be one of {', '.join(ario_mod.RECOVERY_FUNCTIONS)}, got {function!r}")
    basis = raw.get("basis", "final_demand")
    if basis not in ("final_demand", "output"):
        raise _err(path, f"{where}.basis", f"must be 'final_demand' or 'output', got {basis!r}")
    return Shock(name=name, model=model, regions=regions, sectors=sectors, share=share, amount=amount,
                 direction=direction, categories=_labels(raw.get("categories"), path, f"{where}.categories"),
                 destinations=_labels(raw.get("destinations"), path, f"{where}.destinations"),
                 start=start, duration=duration, recovery=recovery, kind=kind,
                 rebuilding_sectors=dict(rebuilding), recovery_function=function, basis=basis)


def parse_scenario(data: Mapping[str, Any], path: Path | None = None) -> Scenario:
    """Validate the structure of a parsed TOML document (labels are checked by :func:`validate`)."""
    unknown = set(data) - {"scenario", "shocks", "outputs"}
    if unknown:
        raise _err(path, "top level", f"unknown tables {sorted(unknown)}; expected [scenario], [[shocks]], "
                   "[outputs]")
    head = data.get("scenario")
    if not isinstance(head, dict):
        raise _err(path, "[scenario]", "missing")
    bad = set(head) - _SCENARIO_KEYS
    if bad:
        raise _err(path, "[scenario]", f"unknown keys {sorted(bad)}; allowed: {sorted(_SCENARIO_KEYS)}")
    if ("dataset" in head) == ("table" in head):
        raise _err(path, "[scenario]", "give exactly one of dataset (a bundled name) and table (a folder)")
    source_kind = "dataset" if "dataset" in head else "table"
    source = head[source_kind]
    if not isinstance(source, str) or not source:
        raise _err(path, f"[scenario].{source_kind}", "must be a non-empty string")
    aggregate = head.get("aggregate", {})
    if not isinstance(aggregate, dict) or set(aggregate) - {"regions", "sectors"} or \
            not all(isinstance(v, dict | str) for v in aggregate.values()):
        raise _err(path, "[scenario.aggregate]", "may only hold regions and sectors, each a table "
                   "{label = group, ...} or a concordance name (regions = \"province\" or \"metro\", "
                   "sectors = \"nace_a10\")")
    raw_shocks = data.get("shocks")
    if not isinstance(raw_shocks, list) or not raw_shocks:
        raise _err(path, "[[shocks]]", "at least one shock is needed")
    shocks = tuple(_parse_shock(raw, i, path) for i, raw in enumerate(raw_shocks))
    names = [s.name for s in shocks]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise _err(path, "[[shocks]]", f"shock names must be unique; repeated: {dup}")
    outputs = data.get("outputs", {})
    if not isinstance(outputs, dict):
        raise _err(path, "[outputs]", "must be a table")
    bad = set(outputs) - _OUTPUT_KEYS
    if bad:
        raise _err(path, "[outputs]", f"unknown keys {sorted(bad)}; allowed: {sorted(_OUTPUT_KEYS)}")
    fmt = outputs.get("format", "parquet")
    if fmt not in ("parquet", "csv"):
        raise _err(path, "[outputs].format", f"must be 'parquet' or 'csv', got {fmt!r}")
    steps = _number(outputs.get("steps", 365), path, "[outputs].steps", 1, sh.MAX_STEPS, integer=True)
    steps_per_year = _number(outputs.get("steps_per_year", sh.STEPS_PER_YEAR), path, "[outputs].steps_per_year",
                             1)
    top = _number(outputs.get("top", 10), path, "[outputs].top", 1, integer=True)
    measures = _labels(outputs.get("measures"), path, "[outputs].measures")
    name = head.get("name", path.stem if path else "scenario")
    if not _is_name(name):
        raise _err(path, "[scenario].name", f"must be a non-empty string without slashes or control characters, "
                   f"got {name!r}")
    description = head.get("description", "")
    if not isinstance(description, str):
        raise _err(path, "[scenario].description", f"must be a string, got {description!r}")
    return Scenario(name=name, source=source,
                    source_kind=source_kind, shocks=shocks, description=description,
                    aggregate=aggregate, format=fmt, steps=steps, steps_per_year=steps_per_year,
                    measures=measures, top=top, path=path)


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and structurally validate a TOML scenario file.

    Raises
    ------
    ScenarioError
        Malformed TOML (with line and column), unknown keys or models, shares outside [0, 1],
        negative durations... naming the offending entry.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path.name}: not UTF-8 text (byte {exc.start}); save the scenario as UTF-8") from exc
    except ValueError as exc:  # e.g. a NUL character in the path
        raise ScenarioError(f"cannot read scenario {path!r}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path.name}: malformed TOML: {exc}") from exc
    except RecursionError as exc:
        raise ScenarioError(f"{path.name}: nested too deeply to be a scenario") from exc
    return parse_scenario(data, path)


def validate(scenario: Scenario, system: MRIO) -> None:
    """Check every label of every shock against ``system`` (before anything is computed)."""
    known_measures = ["output", "value_added", *map(str, system.stressors)]
    for i, shock in enumerate(scenario.shocks):
        where = f"shocks[{i}] ({shock.name!r})"
        try:
            if shock.regions is not None:
                lab.lookup(system.regions, list(shock.regions), "regions", system.region_aliases)
            if shock.sectors is not None:
                lab.lookup(system.sectors, list(shock.sectors), "sectors")
            if shock.categories is not None:
                lab.lookup(system.categories, list(shock.categories), "final-demand categories")
            if shock.destinations is not None:
                lab.lookup(system.final_demand_regions, list(shock.destinations), "final-demand destinations",
                           system.region_aliases)
            if shock.rebuilding_sectors:
                lab.lookup(system.sectors, list(shock.rebuilding_sectors), "rebuilding sectors")
        except MRIOError as exc:
            raise ScenarioError(f"{scenario._where(where)}: {exc}") from exc
    if scenario.measures is not None:
        unknown = [m for m in scenario.measures if m not in known_measures]
        if unknown:
            raise ScenarioError(f"{scenario._where('outputs.measures')}: unknown measures {unknown}; "
                                f"known: {known_measures}")


# ------------------------------------------------------------------------------------ running
@dataclass
class ScenarioRun:
    """What :func:`~mrio.shocks.scenario.run_scenario` produced: the tables written and the summary text."""

    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    summary: str
    files: list[Path]
    _repr_html_ = result_html


#: Changes smaller than this share of the baseline total are rounding noise, never "most affected".
NOISE = 1e-9


def _top(series: pd.Series, k: int, scale: float | None = None) -> str:
    """Return the ``k`` largest changes by absolute value, ignoring noise below ``NOISE * scale``.

    ``scale`` is the baseline total the changes are measured against (default: the largest change).
    """
    values = series.abs()
    reference = float(values.max()) if scale is None and len(values) else abs(float(scale or 0.0))
    s = series[values > NOISE * max(reference, np.finfo(float).tiny)]
    s = s.sort_values(key=np.abs, ascending=False).head(k)
    return "; ".join(f"{idx}: {val:,.4g}" for idx, val in s.items()) or "none"


def _selected_final_demand(system: MRIO, shock: Shock) -> pd.Series:
    return sh.final_demand_change(system, shock.regions, shock.sectors, share=1.0,
                                  categories=shock.categories, destinations=shock.destinations)


def _check_cut(scenario: Scenario, shock: Shock, index: int, available: float, what: str, unit: str) -> None:
    """Check that a decrease given as ``amount`` does not exceed what the selected industries have."""
    if shock.amount is None or (shock.direction != "decrease" and shock.model != "iim"):
        return
    if shock.amount > available * (1 + 1e-12):
        raise ScenarioError(f"{scenario._where(f'shocks[{index}] ({shock.name!r}).amount')}: a decrease of "
                            f"{shock.amount:,.6g} exceeds the {what} of the selected industries "
                            f"({available:,.6g} {unit}); give a smaller amount or a share")


def industry_table(system: MRIO, scenario_name: str, output_change: np.ndarray,
                   measures: list | None = None, overrides: Mapping[str, np.ndarray] | None = None,
                   parts: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                   extra: Mapping[str, tuple[str, np.ndarray, np.ndarray]] | None = None) -> pd.DataFrame:
    """Return the one layout of every static model's results: one row per (measure, region, sector).

    Columns ``scenario, measure, unit, region, sector, baseline, shocked, change`` and, for the demand
    model, the parts of the change (``direct``, ``intra_regional``, ``interregional``). A measure's
    change is its per-unit-output coefficient times the change in output (``dVA = v_c (.) dx``,
    ``dF = S (.) dx``) unless ``overrides`` gives it (the Ghosh model's exogenous value added);
    ``extra`` adds measures that are not proportional to output (name -> (unit, baseline, shocked)).
    """
    coef, units = sh._coefficients(system)
    measures = list(coef.index) if measures is None else list(measures)
    x0 = system.arrays.x
    frames = []

    def frame(measure, unit, base, change):
        out = pd.DataFrame({"baseline": base, "shocked": base + change, "change": change}, index=system.index)
        for part, values in ((parts or {}).get(measure) or {}).items():
            out[part] = values
        return out.reset_index().assign(scenario=str(scenario_name), measure=str(measure), unit=unit)

    for m in measures:
        c = coef.loc[m].to_numpy()
        change = (overrides or {}).get(m)
        frames.append(frame(m, units[str(m)], c * x0, c * output_change if change is None else change))
    for m, (unit, base, shocked) in (extra or {}).items():
        frames.append(frame(m, unit, np.asarray(base, dtype=float), np.asarray(shocked, dtype=float) - base))
    table = pd.concat(frames, ignore_index=True)
    first = ["scenario", "measure", "unit", "region", "sector", "baseline", "shocked", "change"]
    return table[first + [c for c in table.columns if c not in first]]


def _summarise_table(table: pd.DataFrame, lines: list[str], top: int) -> None:
    """Summary lines: total change of every measure, most affected regions and sectors (output)."""
    totals = table.groupby("measure", sort=False)[["baseline", "change"]].sum()
    units = table.groupby("measure", sort=False)["unit"].first()
    lines.append("  total change: " + "; ".join(f"{m} {totals.loc[m, 'change']:,.6g} {units[m]}".rstrip()
                                                for m in totals.index))
    measure = "output" if "output" in totals.index else totals.index[0]
    rows = table[table["measure"] == measure].set_index(["region", "sector"])
    scale = float(rows["baseline"].abs().sum())
    for level in ("region", "sector"):
        lines.append(f"  most affected {level}s ({measure}): "
                     f"{_top(rows['change'].groupby(level=level, sort=False).sum(), top, scale)}")


def _run_static(system: MRIO, shock: Shock, scenario: Scenario, lines: list[str],
                index: int = 0) -> dict[str, pd.DataFrame]:
    top = scenario.top
    measures = list(scenario.measures) if scenario.measures else None
    unit = system.units.get("monetary", "")
    if shock.model in ("demand", "national_demand"):
        if shock.model == "demand":
            _check_cut(scenario, shock, index, float(_selected_final_demand(system, shock).sum()), "final demand",
                       unit)
            dy = sh.final_demand_change(system, shock.regions, shock.sectors, share=shock.sign * shock.share,
                                        categories=shock.categories, destinations=shock.destinations) \
                if shock.share is not None else \
                sh.final_demand_change(system, shock.regions, shock.sectors, amount=shock.sign * shock.amount,
                                       categories=shock.categories, destinations=shock.destinations)
        else:
            base = sh.final_demand_change(system, None, shock.sectors, share=1.0,
                                          categories=shock.categories, destinations=shock.destinations)
            by_sector = base.groupby(level="sector", sort=False).sum().loc[list(shock.sectors)]
            amount = shock.amount
            if amount is None:
                amount = shock.share * by_sector.to_numpy()  # share of each sector
            else:
                _check_cut(scenario, shock, index, float(by_sector.min()), "final demand (per sector)", unit)
            dy = sh.national_final_demand_change(system, list(shock.sectors), shock.sign * amount,
                                                 basis=shock.basis, categories=shock.categories,
                                                 destinations=shock.destinations)
        res = sh.propagate_demand(system, dy.rename(shock.name))
        parts = {m: {p: res.impact(m, p).iloc[:, 0].to_numpy() for p in sh.PARTS}
                 for m in (measures or res.measures)}
        table = industry_table(system, shock.name, res.output.iloc[:, 0].to_numpy(), measures, parts=parts)
        _summarise_table(table, lines, top)
        part_totals = {p: float(res.impact("output", p).to_numpy().sum()) for p in sh.PARTS}
        lines.append("  output change by part: " + "; ".join(f"{p} {v:,.6g}" for p, v in part_totals.items()))
        return {"industries": table}
    if shock.model == "supply":
        va = system.value_added
        pos = sh.select_industries(system, shock.regions, shock.sectors)
        _check_cut(scenario, shock, index, float(va.to_numpy()[pos].sum()), "value added", unit)
        dv = pd.Series(0.0, index=system.index)
        if shock.share is not None:
            dv.iloc[pos] = shock.sign * shock.share * va.to_numpy()[pos]
        else:
            dv.iloc[pos] = shock.sign * shock.amount / pos.size
        res = sh.propagate_supply(system, dv.rename(shock.name))
        # Ghosh: primary inputs are exogenous, so value added changes by dv exactly; other measures follow output
        table = industry_table(system, shock.name, res.output.iloc[:, 0].to_numpy(), measures,
                               overrides={"value_added": dv.to_numpy()})
        _summarise_table(table, lines, top)
        lines.append(f"  CAVEAT: {res.caveat}")
        return {"industries": table}
    if shock.model == "mixed":
        pos = sh.select_industries(system, shock.regions, shock.sectors)
        fixed = system.x.iloc[pos] * (1.0 + shock.sign * shock.share)
        res = sh.mixed_model(system, fixed)
        baseline_f = system.arrays.Y.sum(axis=1)
        table = industry_table(system, shock.name, res.output_change.to_numpy(), measures,
                               extra={"final_demand": (system.units.get("monetary", ""), baseline_f,
                                                       res.final_demand.to_numpy())})
        _summarise_table(table, lines, top)
        if len(res.rationing_needed):
            lines.append(f"  rationing needed (implied final demand < 0) for {lab._show(res.rationing_needed)}; "
                         "consider model = 'ario'")
        return {"industries": table}
    # iim
    base = _selected_final_demand(system, shock)
    _check_cut(scenario, shock, index, float(base.sum()), "final demand", unit)
    reduction = base * shock.share if shock.share is not None else \
        sh.final_demand_change(system, shock.regions, shock.sectors, amount=shock.amount,
                               categories=shock.categories, destinations=shock.destinations)
    res = sh.inoperability(system, reduction.rename(shock.name))
    q, loss = res.inoperability.iloc[:, 0], res.loss.iloc[:, 0]
    table = industry_table(system, shock.name, -loss.to_numpy(), measures,
                           extra={"inoperability": ("share of output", np.zeros(len(system)), q.to_numpy())})
    _summarise_table(table, lines, top)
    lines.append(f"  highest inoperability: {_top(q, min(top, 5), 1.0)}")
    return {"industries": table}


def _trajectory_table(frame: pd.DataFrame, name: str, unit: str) -> pd.DataFrame:
    """Turn steps x industries into a long table by step and region, with the unit of the values."""
    by_region = frame.T.groupby(level="region", sort=False).sum().T
    return by_region.stack().rename(name).reset_index().assign(unit=unit)


def _prepared(scenario: Scenario | str | os.PathLike, system: MRIO | None,
              steps: int | None) -> tuple[Scenario, MRIO]:
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, int | float) or int(steps) != steps or steps < 1 \
                or steps > sh.MAX_STEPS:
            raise ScenarioError(f"steps must be a whole number in [1, {sh.MAX_STEPS:,}], got {steps}")
        scenario = dataclasses.replace(scenario, steps=int(steps))
    system = scenario.system() if system is None else system
    validate(scenario, system)  # every label checked before any computation
    return scenario, system


def run_scenario(scenario: Scenario | str | os.PathLike, out: str | os.PathLike, *,
                 system: MRIO | None = None, steps: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> ScenarioRun:
    """Validate a scenario completely, run every shock and write tables plus ``summary.txt``.

    Parameters
    ----------
    scenario : Scenario or path
    out : path
        Folder for the results (created if missing; files are written atomically).
    system : MRIO, optional
        Use this system instead of the scenario's dataset/table.
    steps : int, optional
        Override the length of dynamic runs (``[outputs].steps``).
    progress : callable(label, done, total), optional
        Progress of long dynamic runs (the CLI shows a rich progress bar).

    Returns
    -------
    ScenarioRun
    """
    scenario, system = _prepared(scenario, system, steps)
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError(f"cannot create output folder {out}: {exc.strerror or exc}") from exc
    tables, summary = scenario_tables(scenario, system, progress=progress)
    files = []
    for name, table in tables.items():
        files.append(write_table(table, out / f"{name}.{scenario.format}"))
    summary_path = out / "summary.txt"
    from mrio.core.files import atomic_path

    with atomic_path(summary_path) as tmp:
        tmp.write_text(summary, encoding="utf-8")
    files.append(summary_path)
    return ScenarioRun(scenario, tables, summary, files)


def scenario_tables(scenario: Scenario | str | os.PathLike, system: MRIO | None = None, *,
                    steps: int | None = None,
                    progress: Callable[[str, int, int], None] | None = None) -> tuple[dict[str, pd.DataFrame], str]:
    """Run every shock of a scenario and return its result tables and summary text (nothing is written).

    The same computation as :func:`run_scenario`, for callers that keep the tables (ensembles:
    :class:`mrio.ensemble.ScenarioTables`). Static shocks reuse the system's stored LU factors.

    Returns
    -------
    tables : dict of str -> pandas.DataFrame
        ``<shock>_industries``, ``<shock>_trajectory``, ``ario_*``: the files of ``run_scenario``.
    summary : str
    """
    scenario, system = _prepared(scenario, system, steps)
    unit = system.units.get("monetary", "")
    lines = [f"scenario {scenario.name}: {scenario.description}".rstrip(": "),
             f"system: {system!r}; monetary unit {unit}"]
    if any(s.model in ("diim", "ario") for s in scenario.shocks):
        lines.append(f"dynamic models: {scenario.steps} steps; a step is 1/{scenario.steps_per_year:g} of a year "
                     f"(flows per step = annual flows / {scenario.steps_per_year:g}); losses in "
                     f"{sh.step_unit(unit, scenario.steps_per_year)}, totals over the run in {unit}")
    lines.append("")
    tables: dict[str, pd.DataFrame] = {}
    ario_shocks = [s for s in scenario.shocks if s.model == "ario"]
    for shock in scenario.shocks:
        if shock.model == "ario":
            continue
        lines.append(f"shock {shock.name!r} ({shock.model})")
        if shock.model == "diim":
            if shock.duration is None:  # share = initial inoperability of the selected industries
                pos = sh.select_industries(system, shock.regions, shock.sectors)
                q0 = pd.Series(0.0, index=system.index)
                q0.iloc[pos] = shock.share
                res = sh.dynamic_inoperability(system, q0, recovery_time=float(shock.recovery),
                                               steps=scenario.steps, steps_per_year=scenario.steps_per_year)
            else:  # selected final demand reduced by share for duration steps, from q = 0
                reduction = _selected_final_demand(system, shock) * shock.share
                res = sh.dynamic_inoperability(system, recovery_time=float(shock.recovery),
                                               demand_reduction=reduction, duration=shock.duration,
                                               steps=scenario.steps, steps_per_year=scenario.steps_per_year)
                lines.append(f"  final demand reduced by {reduction.sum():,.6g} for {shock.duration} steps")
            loss = res.loss.sum(axis=1)
            lines.append(f"  total output loss: {res.total_loss.sum():,.6g}; peak loss {loss.max():,.6g} "
                         f"at step {int(np.argmax(loss.to_numpy()))}")
            rec = np.flatnonzero(loss.to_numpy() > 0.01 * loss.max())
            lines.append(f"  recovery (loss below 1 % of peak) after step {int(rec[-1]) + 1 if rec.size else 0}")
            lines.append(f"  most affected regions: "
                         f"{_top(res.total_loss.groupby(level='region', sort=False).sum(), scenario.top, system.x.sum())}")
            tables[f"{shock.name}_trajectory"] = _trajectory_table(res.loss, "output_loss", res.unit)
            tables[f"{shock.name}_industries"] = pd.DataFrame(
                {"total_loss": res.total_loss, "resilience": res.resilience}).reset_index().assign(
                unit=f"total_loss: {unit} over the run; resilience: per step")
        else:
            for key, table in _run_static(system, shock, scenario, lines, scenario.shocks.index(shock)).items():
                tables[f"{shock.name}_{key}"] = table
        lines.append("")
    if ario_shocks:
        events = []
        capital = None
        for shock in ario_shocks:
            kw = dict(occurrence=shock.start, duration=1 if shock.duration is None else shock.duration,
                      recovery_time=shock.recovery,
                      recovery_function=shock.recovery_function, rebuild_time=shock.recovery,
                      rebuilding_sectors=shock.rebuilding_sectors, name=shock.name)
            if shock.kind == "capacity":
                events.append(ario_mod.capacity_loss(system, shock.regions, shock.sectors, share=shock.share,
                                                     **kw))
            else:
                events.append(ario_mod.capital_damage(system, shock.regions, shock.sectors, share=shock.share,
                                                      amount=shock.amount, kind=shock.kind,
                                                      capital=capital, **kw))
        callback = (lambda done, total: progress("ARIO", done, total)) if progress else None
        res = ario_mod.ario(system, events, steps=scenario.steps, steps_per_year=scenario.steps_per_year,
                            progress=callback)
        label = "+".join(s.name for s in ario_shocks)
        lines.append(f"ARIO events {label} over {scenario.steps} steps")
        prod_loss = res.production_loss()
        fd_loss = res.total_final_demand_loss()
        total = res.production.sum(axis=1)
        trough = int(np.argmin(total.to_numpy()))
        lines.append(f"  total production loss: {prod_loss.sum():,.6g}; final demand not met: {fd_loss.sum():,.6g}")
        lines.append(f"  peak: production {100 * (1 - total.iloc[trough] / res.baseline.sum()):.3g} % below "
                     f"baseline at step {trough}")
        rec = res.recovery_step()
        lines.append(f"  recovery (within 0.1 % of baseline): "
                     f"{'not within the run' if rec is None else f'from step {rec}'}")
        scale = float(res.baseline.sum()) * scenario.steps
        for level in ("region", "sector"):
            lines.append(f"  most affected {level}s: "
                         f"{_top(prod_loss.groupby(level=level, sort=False).sum(), scenario.top, scale)}")
        tables["ario_production"] = _trajectory_table(res.production, "production", res.unit)
        tables["ario_final_demand_loss"] = _trajectory_table(res.final_demand_loss, "final_demand_loss", res.unit)
        tables["ario_industries"] = pd.DataFrame({"production_loss": prod_loss,
                                                  "final_demand_loss": fd_loss}).reset_index().assign(
                                                      unit=f"{unit} over the run")
        lines.append("")
    return tables, "\n".join(lines).rstrip() + "\n"


#: Shock fields an ensemble may draw (``"<shock>.<field>"``), with their type and lowest value.
DRAWABLE_FIELDS: dict[str, tuple[type, float]] = {"share": (float, 0.0), "amount": (float, 0.0),
                                                  "duration": (int, 1), "recovery": (int, 1), "start": (int, 1)}


def with_shock_values(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """Return the scenario with fields of named shocks replaced: ``{"<shock>.<field>": value}``.

    Fields: ``share`` (in [0, 1]), ``amount`` (>= 0), ``duration``, ``recovery``, ``start``
    (rounded to whole steps, >= 1), each only for shocks whose model reads it and that set it
    (a shock given by ``share`` cannot be drawn by ``amount``).

    Raises
    ------
    ScenarioError
        An unknown shock or field, or a value out of range.
    """
    by_name = {s.name: s for s in scenario.shocks}
    changes: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        name, _, fld = str(key).rpartition(".")
        if name not in by_name:
            raise ScenarioError(f"{scenario._where('shocks')}: no shock named {name!r} (from {key!r}); shocks: "
                                f"{', '.join(by_name)}")
        shock = by_name[name]
        if fld not in DRAWABLE_FIELDS or fld not in _MODEL_KEYS[shock.model]:
            usable = [f for f in DRAWABLE_FIELDS if f in _MODEL_KEYS[shock.model]]
            raise ScenarioError(f"{scenario._where('shocks')}: field {fld!r} of shock {name!r} ({shock.model}) "
                                f"cannot be drawn; drawable: {', '.join(usable)}")
        if fld == "duration" and shock.model == "diim" and shock.duration is None:
            raise ScenarioError(f"{scenario._where('shocks')}: shock {name!r} starts from an inoperability (no "
                                "duration); its duration cannot be drawn")
        if fld in ("share", "amount") and getattr(shock, fld) is None:
            raise ScenarioError(f"{scenario._where('shocks')}: shock {name!r} is given by "
                                f"{'amount' if fld == 'share' else 'share'}, not {fld}")
        kind, low = DRAWABLE_FIELDS[fld]
        number = int(round(float(value))) if kind is int else float(value)
        if not np.isfinite(number) or number < low or (fld == "share" and number > 1.0):
            raise ScenarioError(f"{scenario._where('shocks')}: {key} = {value!r} is out of range")
        changes.setdefault(name, {})[fld] = number
    shocks = tuple(dataclasses.replace(s, **changes[s.name]) if s.name in changes else s for s in scenario.shocks)
    return dataclasses.replace(scenario, shocks=shocks)
