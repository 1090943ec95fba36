"""Draws of regional tables: the uncertain assumptions of a build, their ranges, and seeded draws.

A regional table is an estimate: the build (:func:`mrio.build.regional.build_mrio`) rests on
assumptions that are known only within a range (the fitted parameters of the trade model, estimates of confidential cells, proxies within their rounding). An ensemble
rebuilds the table many times with those assumptions drawn from their ranges; every draw is a
complete table, consistent with the national table (the build guarantees it to 1e-9), so any
analysis can be run on it.

A draw is a pure function of ``(seed, index)``: its generator is
``numpy.random.default_rng(SeedSequence(seed, spawn_key=(index,)))`` -- the ``index``-th child of
``SeedSequence(seed).spawn`` -- so draws can be computed in any order, on any machine, by any
number of workers, and give the same values. Each scalar assumption consumes exactly one uniform
variate per value, mapped through the inverse distribution function, so narrowing one range to
zero changes no other assumption's draws, and a zero-width range gives its default exactly.

See docs/methods/ensembles.md, sections "Draws", "Bands" and "Execution".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio.build.concordances import regroup as regroup_system
from mrio.build.datasets import load
from mrio.build.inputs import read_national
from mrio.build.national import NationalTable
from mrio.build.nl import DEFAULT_YEAR, build_nl_corop, check_nl_year, nl_inputs_folder
from mrio.build.nl_placement import NLAssumptions
from mrio.build.tradability import TRADE_CLASSES, TradeParameters
from mrio.core.system import MRIO
from mrio.errors import InputError, UnknownLabelError

__all__ = [
    "Uncertain",
    "TableDraws",
    "DISTRIBUTIONS",
    "draw_generator",
    "draw_values",
    "describe",
    "table_draws",
    "nl_uncertain_assumptions",
]

#: Keywords of :class:`~mrio.build.nl_placement.NLAssumptions` (routed to it by the Dutch build).
_NL_ASSUMPTION_FIELDS = frozenset(f.name for f in fields(NLAssumptions))

#: Distributions of an uncertain assumption over its range: continuous uniform, triangular (mode =
#: default), integer (each whole number low..high equally likely), choice (one of ``choices``), and
#: the two-piece forms whose median is the default (half the draws below it, half above, whatever
#: its place in the range): two-piece triangular (mode = median = default), two-piece uniform
#: (flat on each side) and two-piece integer (each side's whole numbers equally likely).
DISTRIBUTIONS = ("uniform", "triangular", "integer", "choice", "two-piece-triangular", "two-piece-uniform",
                 "two-piece-integer")
#: Distributions of whole numbers (the value is an ``int``).
_WHOLE = ("integer", "two-piece-integer", "choice")


def draw_generator(seed: int, index: int) -> np.random.Generator:
    """Return the random generator of draw ``index`` of an ensemble seeded with ``seed``.

    ``SeedSequence(seed, spawn_key=(index,))`` is the ``index``-th child of
    ``SeedSequence(seed).spawn(...)``: independent streams, a pure function of ``(seed, index)``.
    """
    seed, index = _non_negative_int(seed, "seed"), _non_negative_int(index, "draw index")
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def _non_negative_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise InputError(f"{what} must be a non-negative integer, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Uncertain:
    """One uncertain assumption: a keyword of the build, its default and its range.

    Parameters
    ----------
    name : str
        The keyword the builder takes (e.g. ``"delta"``).
    default : float or array-like
        The value of the point estimate (the default table). Arrays: one value per label.
    low, high : float or array-like
        The range (``low <= default <= high``); equal bounds fix the assumption.
    distribution : {"uniform", "triangular", "integer", "choice", "two-piece-triangular", "two-piece-uniform", \
"two-piece-integer"}
        Over ``[low, high]``; the triangular mode is ``default``; ``integer``: each whole number
        from ``low`` to ``high`` equally likely (e.g. a year); ``choice``: one of ``choices``
        equally likely (``default``, ``low`` and ``high`` are then positions in ``choices``). The
        two-piece forms put half the probability on ``[low, default]`` and half on ``[default,
        high]``, so that the default is the median: ``two-piece-triangular`` with density rising
        linearly to the default on each side (mode and median at the default), ``two-piece-uniform``
        flat on each side, ``two-piece-integer`` with each whole number of ``low..default`` and of
        ``default..high`` equally likely within its half. A default at a bound of the range keeps
        half the draws (docs/methods/ensembles.md, section "Draws").
    description, source : str
        What is uncertain, and where the range comes from.
    labels : sequence, optional
        For array-valued assumptions: the value is passed to the builder as a
        :class:`pandas.Series` with these labels (e.g. the cells of a table).
    choices : sequence, optional
        The alternatives of a ``choice`` assumption (any picklable values).

    A value is ``F^-1(u)`` for one uniform variate ``u`` per element (inverse distribution
    function), so a zero-width range returns its default exactly and draws nothing different
    elsewhere.
    """

    name: str
    default: Any
    low: Any
    high: Any
    distribution: str = "uniform"
    description: str = ""
    source: str = ""
    labels: tuple | None = None
    choices: tuple | None = None

    def __post_init__(self) -> None:
        if self.distribution == "choice":
            if not self.choices:
                raise InputError(f"assumption {self.name!r}: a choice needs its choices")
            object.__setattr__(self, "choices", tuple(self.choices))
            if self.high > len(self.choices) - 1:
                raise InputError(f"assumption {self.name!r}: positions up to {self.high} but only "
                                 f"{len(self.choices)} choices")
        if self.distribution not in DISTRIBUTIONS:
            raise InputError(f"assumption {self.name!r}: unknown distribution {self.distribution!r}; use "
                             f"one of {', '.join(DISTRIBUTIONS)}")
        default, low, high = (np.asarray(v, dtype=float) for v in (self.default, self.low, self.high))
        try:
            shape = np.broadcast_shapes(default.shape, low.shape, high.shape)
        except ValueError as exc:
            raise InputError(f"assumption {self.name!r}: default, low and high have shapes {default.shape}, "
                             f"{low.shape}, {high.shape} that do not broadcast") from exc
        if not (np.isfinite(default).all() and np.isfinite(low).all() and np.isfinite(high).all()):
            raise InputError(f"assumption {self.name!r}: default and range must be finite")
        if ((low > default) | (default > high)).any():
            bad = np.argwhere(np.broadcast_to((low > default) | (default > high), shape))[0]
            where = f" at element {tuple(int(i) for i in bad)}" if shape else ""
            raise InputError(f"assumption {self.name!r}: need low <= default <= high{where}, got "
                             f"{np.broadcast_to(low, shape)[tuple(bad)]:.6g} <= "
                             f"{np.broadcast_to(default, shape)[tuple(bad)]:.6g} <= "
                             f"{np.broadcast_to(high, shape)[tuple(bad)]:.6g}")
        if self.labels is not None:
            object.__setattr__(self, "labels", tuple(self.labels))
            if shape != (len(self.labels),):
                raise InputError(f"assumption {self.name!r}: {len(self.labels)} labels for values of shape "
                                 f"{shape}")

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the value (``()`` for a scalar)."""
        return np.broadcast_shapes(np.shape(self.default), np.shape(self.low), np.shape(self.high))

    @property
    def size(self) -> int:
        """Number of values (uniform variates consumed per draw)."""
        return math.prod(self.shape)

    @property
    def width(self) -> float:
        """The widest ``high - low`` over the elements (0: fixed)."""
        return float(np.max(np.asarray(self.high, dtype=float) - np.asarray(self.low, dtype=float)))

    def fixed(self) -> Uncertain:
        """Return the same assumption held at its default (zero-width range)."""
        return replace(self, low=self.default, high=self.default)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """``F^-1(u)``: the value at uniform variates ``u`` in [0, 1)."""
        a = np.broadcast_to(np.asarray(self.low, dtype=float), self.shape)
        b = np.broadcast_to(np.asarray(self.high, dtype=float), self.shape)
        u = np.asarray(u, dtype=float).reshape(self.shape)
        if self.distribution == "uniform":
            return np.where(b > a, a + u * (b - a), a)
        if self.distribution in ("integer", "choice"):
            return np.minimum(np.floor(a + u * (b - a + 1.0)), b)
        c = np.broadcast_to(np.asarray(self.default, dtype=float), self.shape)
        if self.distribution.startswith("two-piece"):
            return _two_piece_quantile(self.distribution, a, c, b, u)
        width = b - a
        with np.errstate(invalid="ignore", divide="ignore"):
            cut = np.where(width > 0, (c - a) / np.where(width > 0, width, 1.0), 0.0)
            left = a + np.sqrt(u * width * (c - a))
            right = b - np.sqrt((1.0 - u) * width * (b - c))
        return np.where(width > 0, np.where(u < cut, left, right), a)

    def draw(self, rng: np.random.Generator) -> Any:
        """One value (a float, an array or a labelled Series), consuming :attr:`size` variates."""
        value = self.quantile(rng.random(self.size))
        return self.value(value)

    def value(self, value: Any) -> Any:
        """``value`` in the form the builder takes (float, array or labelled Series)."""
        value = np.asarray(value, dtype=float).reshape(self.shape)
        if self.labels is not None and self.distribution not in _WHOLE:
            return pd.Series(value, index=self._label_index, name=self.name)
        return self._plain(value)

    def mapping_value(self, value: Any) -> Any:
        """``value`` as :meth:`value`, with a labelled array as a ``{label: float}`` mapping (no Series)."""
        value = np.asarray(value, dtype=float).reshape(self.shape)
        if self.labels is not None and self.distribution not in _WHOLE:
            return dict(zip(self.labels, value.tolist(), strict=True))
        return self._plain(value)

    def _plain(self, value: np.ndarray) -> Any:
        if self.distribution == "choice":
            return self.choices[int(value)]
        if self.distribution in _WHOLE:
            return int(value) if value.ndim == 0 else value.astype(int)
        return float(value) if value.ndim == 0 else value

    @cached_property
    def _label_index(self) -> pd.Index:
        return pd.Index(self.labels)

    def row(self) -> dict[str, Any]:
        """Return a summary row: name, default, low, high (scalars; array ranges by their extremes)."""
        def show(v):
            arr = np.asarray(v, dtype=float)
            return float(arr) if arr.ndim == 0 else f"{arr.size} values in [{arr.min():.6g}, {arr.max():.6g}]"
        return {"name": self.name, "default": show(self.default), "low": show(self.low),
                "high": show(self.high), "distribution": self.distribution, "description": self.description,
                "source": self.source}


def _two_piece_quantile(distribution: str, a: np.ndarray, c: np.ndarray, b: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``F^-1(u)`` of a two-piece distribution with median ``c``: ``u < 1/2`` maps to ``[a, c]``, the rest to ``[c, b]``.

    With ``v = 2u`` below and ``w = 2(1 - u)`` above the median: triangular ``a + (c - a) sqrt(v)``
    and ``b - (b - c) sqrt(w)``; uniform ``a + (c - a) v`` and ``b - (b - c) w``; integer
    ``floor(a + v (c - a + 1))`` and ``floor(c + (1 - w)(b - c + 1))``, each capped at its side's end.
    The upper pieces are evaluated from ``c`` (``c + (b - c)(1 - sqrt(w))``), so ``F^-1(1/2) = c`` exactly.
    """
    below = u < 0.5
    v, w = 2.0 * u, 2.0 * (1.0 - u)
    if distribution == "two-piece-triangular":
        return np.where(below, a + (c - a) * np.sqrt(v), c + (b - c) * (1.0 - np.sqrt(w)))
    if distribution == "two-piece-uniform":
        return np.where(below, a + (c - a) * v, c + (b - c) * (1.0 - w))
    return np.where(below, np.minimum(np.floor(a + v * (c - a + 1.0)), c),
                    np.minimum(np.floor(c + (1.0 - w) * (b - c + 1.0)), b))


def draw_values(assumptions: Sequence[Uncertain], seed: int, index: int) -> dict[str, Any]:
    """Return the assumption values of draw ``index``: ``{name: value}``, drawn in the given order."""
    rng = draw_generator(seed, index)
    return {a.name: a.draw(rng) for a in assumptions}


_SUMMARY_COLUMNS = ["name", "default", "low", "high", "distribution", "description", "source"]


def describe(assumptions: Sequence[Uncertain]) -> pd.DataFrame:
    """Return the assumptions and their ranges, one row each (index ``name``)."""
    return pd.DataFrame([a.row() for a in assumptions], columns=_SUMMARY_COLUMNS).set_index("name")


def _check_unique(assumptions: Sequence[Uncertain]) -> tuple[Uncertain, ...]:
    names = [a.name for a in assumptions]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"uncertain assumptions named twice: {', '.join(dup)}")
    for a in assumptions:
        if not isinstance(a, Uncertain):
            raise InputError(f"an uncertain assumption must be an mrio.build.draws.Uncertain, got "
                             f"{type(a).__name__}")
    return tuple(assumptions)


# ------------------------------------------------------------------------------ the Dutch build
#: Trade parameters that matter inside one country (the border terms act only between countries).
_NL_TRADE_PARAMETERS = tuple(f"{k}.{f}" for k in TRADE_CLASSES
                             for f in ("distance_decay", "home_bias", "supply_led_demand")) + ("size_elasticity",)


def nl_uncertain_assumptions(year: int = DEFAULT_YEAR) -> tuple[Uncertain, ...]:
    """Return the uncertain assumptions of the Dutch build (``nl-corop``, ``nl-provinces``) with their ranges.

    Parameters
    ----------
    year : int, default 2018
        The year of the regional accounts whose rounding is drawn.

    Notes
    -----
    Every assumption is drawn so that its default, the value of the point estimate, is the median
    of its draws (the two-piece distributions of :class:`Uncertain`): the point estimate is then
    the centre of each assumption's draws, not a value off to one side of them.

    **Placement** (:class:`mrio.build.nl_placement.NLAssumptions`): the prior floor, the weight of
    point data, the cargo weight of air transport, the commuting distance decay and the factor on
    the trade model's internal distances of the regions with fewer than two cities, each two-piece
    triangular over its stated range with the default as mode and median (the prior floor's default
    0 and the weight of point data's 1, point data alone, are bounds of their ranges: half the draws
    keep them); the year of the
    commuting matrix two-piece integer (half the draws keep December 2014, the nearest to the
    table's year, half take one of 2010-2014); every confidential CBS turnover cell (83796NED)
    two-piece uniform over its feasible range given the published aggregates with the estimate as
    median, independently (so a draw's cells need not add up to the aggregates exactly; the
    placement uses turnover only for shares within the 84419NED totals); every published 84419NED
    COROP output figure of ``year`` uniform within its rounding (+- 0.5 million EUR).

    **Trade**: the parameters of the calibrated trade model (:class:`mrio.build.tradability.TradeParameters`,
    shipped in ``data/trade_parameters.json``): per tradability class the distance decay, the
    home bias and the supply-led share of final demand, and the region-size elasticity of the home
    bias, each two-piece triangular over its 95 % range with the fitted value as mode and median: the 2.5-97.5 percentiles of a cluster
    bootstrap over the regions of the calibration truths (the Japanese calibration half and WIOD
    2000), which counts residuals correlated within a region once per region. The border terms are
    left out: inside one country they are zero by construction (see the methods page).
    """
    fitted = TradeParameters.default()
    table = fitted.table()
    out = []
    for name in _NL_TRADE_PARAMETERS:
        value, low, high = (float(table.loc[name, k]) for k in ("value", "low", "high"))
        if not (np.isfinite(low) and np.isfinite(high)):
            low = high = value
        out.append(Uncertain(name, value, min(low, value), max(high, value), "two-piece-triangular",
                             f"trade model: {name.replace('.', ' ').replace('_', ' ')}",
                             f"fitted 95 % range ({fitted.source})"))
    return tuple(_nl_placement_assumptions(year) + out)


#: Placement choices of the Dutch build (:class:`mrio.build.nl_placement.NLAssumptions`) drawn per
#: table: name -> (description, source of the range).
_NL_PLACEMENT_PARAMETERS = {
    "prior_floor": ("placement: weight of the group's own regional distribution in every child's target share",
                    "judgement: 0-0.2 from 0 (shrinks the indicator shares towards the group's: turnover, GVA and "
                    "emissions are not output)"),
    "point_weight": ("placement: weight of point data (ETS emissions, airport traffic) against turnover",
                     "judgement: 0.5-1.0 (point data can miss plants outside the ETS)"),
    "airport_cargo_weight": ("placement: weight of cargo against passengers in air transport",
                             "judgement: 0-1 (CBS publishes no output by airport)"),
    "commuting_decay_scale": ("commuting: factor on the distance decays (fitted per province to 81252NED's "
                              "mean home-work distances) splitting a province's commuters over its COROP regions",
                              "the decays scoring best on the Groningen and Friesland COROP rows of 81252NED are "
                              "0.95-1.1 of the fitted ones (2010-2014); misallocated share <= 0.065 over 0.9-1.1"),
    "internal_distance_scale": ("trade: factor on the internal distances of the five regions with fewer than "
                                "two GeoNames cities (disc formula x 1.35, the median city-pair / disc ratio of "
                                "the other 35)",
                                "2.5-97.5 % range of the mean city-pair / disc ratio of five regions drawn from "
                                "the 35 with a city pair, relative to their median (bootstrap, 100,000 "
                                "resamples): 0.82-1.33"),
}


def _nl_placement_assumptions(year: int) -> list[Uncertain]:
    """Uncertain placement choices: scalar weights, confidential turnover cells, rounding of the accounts."""
    defaults = NLAssumptions()
    out = [Uncertain(name, getattr(defaults, name), *NLAssumptions.RANGES[name], "two-piece-triangular", text,
                     source) for name, (text, source) in _NL_PLACEMENT_PARAMETERS.items()]
    first, last = NLAssumptions.RANGES["commuting_year"]
    out.append(Uncertain("commuting_year", defaults.commuting_year, first, last, "two-piece-integer",
                         "commuting: year of the commuting matrix held for later years (81252NED ends in 2014)",
                         f"half the draws December {defaults.commuting_year} (the default), half one of the "
                         f"published Decembers {first}-{last}, equally likely"))
    with nl_inputs_folder() as folder:
        turnover = pd.read_csv(Path(folder) / "turnover.csv")
        accounts = pd.read_csv(Path(folder) / "regional_accounts.csv")
    cells = turnover[turnover["estimated"].astype(bool) & turnover["year"].isin(defaults.turnover_years)]
    if len(cells):
        out.append(Uncertain(
            "turnover_cells", cells["value"].to_numpy(), cells["lower"].to_numpy(), cells["upper"].to_numpy(),
            "two-piece-uniform", f"placement: the {len(cells)} confidential CBS turnover cells (83796NED, "
            f"{'-'.join(map(str, defaults.turnover_years))}), each independently, with the estimate as median",
            "feasible range given every published aggregate (mrio.kernels.estimate_suppressed; turnover.csv "
            "columns lower, upper)",
            labels=tuple(zip(cells["group"], cells["region"], cells["year"].astype(int), strict=True))))
    published = accounts[(accounts["year"] == year) & (accounts["variable"] == "output")
                         & ~accounts["estimated"].astype(bool) & accounts["region_code"].str.startswith("CR")]
    if len(published):
        n = len(published)
        out.append(Uncertain(
            "account_offsets", np.zeros(n), np.full(n, -0.5), np.full(n, 0.5), "uniform",
            f"placement: the {n} CBS 84419NED COROP output figures of {year} (A, B, C, D+E, total), each "
            "within its rounding", "half a unit of the last published digit (million EUR)",
            labels=tuple(zip(published["region"], published["group"], published["year"].astype(int),
                             strict=True))))
    return out


def _nl_build(national: NationalTable, year: int, regroup: str | None, params: Mapping[str, Any]) -> MRIO:
    fitted = TradeParameters.default()
    known = fitted.values()
    trade = {k: v for k, v in params.items() if k in known}
    placement = {k: v for k, v in params.items() if k in _NL_ASSUMPTION_FIELDS}
    other = {k: v for k, v in params.items() if k not in known and k not in _NL_ASSUMPTION_FIELDS}
    if trade:
        other["trade"] = fitted.with_values(trade)
    if placement:
        placement = {k: dict(zip(v.index, v.tolist(), strict=True)) if isinstance(v, pd.Series) else v
                     for k, v in placement.items()}
        other["assumptions"] = NLAssumptions(**placement)
    system = build_nl_corop(national=national, year=year, **other)
    return system if regroup is None else regroup_system(system, regions=regroup)


@dataclass(frozen=True)
class TableDraws:
    """An ensemble of tables of one dataset: its fixed inputs and its uncertain assumptions.

    The object is small (the national table and the ranges) and picklable: the ensemble runner
    sends it once to every worker, which rebuilds tables from it.

    Attributes
    ----------
    dataset : str
    year : int
    assumptions : tuple of Uncertain
    national : NationalTable
        The national table every draw is consistent with.
    regroup : str, optional
        Named concordance applied after the build (``nl-provinces``: ``"province"``).
    """

    dataset: str
    year: int
    assumptions: tuple[Uncertain, ...]
    national: NationalTable = field(repr=False)
    regroup: str | None = None

    def parameters(self, seed: int, index: int) -> dict[str, Any]:
        """Return the assumption values of draw ``index`` (see :func:`~mrio.build.draws.draw_values`)."""
        return draw_values(self.assumptions, seed, index)

    def build(self, **params: Any) -> MRIO:
        """Return the table built with ``params`` (defaults for the assumptions not given)."""
        unknown = sorted(set(params) - {a.name for a in self.assumptions})
        if unknown:
            raise UnknownLabelError(f"{self.dataset}: no uncertain assumption {', '.join(unknown)}; "
                                    f"assumptions: {', '.join(a.name for a in self.assumptions)}")
        values = {a.name: params[a.name] if a.name in params else a.mapping_value(a.default)
                  for a in self.assumptions}
        return _nl_build(self.national, self.year, self.regroup, values)

    def table(self, seed: int, index: int) -> MRIO:
        """Draw ``index``: the table rebuilt with its drawn assumptions (national-consistent to 1e-9).

        The values are those of :meth:`parameters` (the same variates, in the same order), passed
        to the builder as numbers and ``{label: value}`` mappings.
        """
        rng = draw_generator(seed, index)
        return self.build(**{a.name: a.mapping_value(a.quantile(rng.random(a.size))) for a in self.assumptions})

    def point(self) -> MRIO:
        """Return the point estimate: the default table (``mrio.load(dataset, year)``)."""
        return load(self.dataset, year=self.year)

    def fixed(self, names: Iterable[str] | None = None) -> TableDraws:
        """Return the same ensemble with assumptions ``names`` (default: all) held at their defaults."""
        chosen = None if names is None else set(names)
        return replace(self, assumptions=tuple(a.fixed() if chosen is None or a.name in chosen else a
                                               for a in self.assumptions))

    def with_ranges(self, **ranges: tuple[float, float]) -> TableDraws:
        """Return the same ensemble with other ``(low, high)`` ranges for the named assumptions."""
        by_name = {a.name: a for a in self.assumptions}
        unknown = sorted(set(ranges) - set(by_name))
        if unknown:
            raise UnknownLabelError(f"{self.dataset}: no uncertain assumption {', '.join(unknown)}; "
                                    f"assumptions: {', '.join(by_name)}")
        return replace(self, assumptions=tuple(
            replace(a, low=ranges[a.name][0], high=ranges[a.name][1]) if a.name in ranges else a
            for a in self.assumptions))

    def describe(self) -> pd.DataFrame:
        """Return the assumptions and their ranges, one row each."""
        return describe(self.assumptions)


#: Datasets that can be rebuilt per draw: name -> named concordance applied after the build.
_REBUILDABLE: dict[str, str | None] = {"nl-corop": None, "nl-provinces": "province"}


def table_draws(dataset: str = "nl-corop", year: int | None = None,
                assumptions: Sequence[Uncertain] | None = None) -> TableDraws:
    """Return the ensemble of tables of a bundled dataset.

    Parameters
    ----------
    dataset : {"nl-corop", "nl-provinces"}
        A dataset the project builds from compact inputs (draws rebuild it).
    year : int, optional
        CBS year 2015-2021 (default 2018).
    assumptions : sequence of Uncertain, optional
        Default :func:`nl_uncertain_assumptions`.

    Raises
    ------
    UnknownLabelError
        A dataset that cannot be rebuilt, or a year without a CBS table.
    """
    if dataset not in _REBUILDABLE:
        raise UnknownLabelError(f"an ensemble of tables rebuilds the table from its inputs; dataset "
                                f"{dataset!r} cannot be rebuilt (use one of {', '.join(_REBUILDABLE)}, or "
                                "draw shock parameters on a fixed table with mrio.ensemble.ParameterDraws)")
    year = check_nl_year(year)
    with nl_inputs_folder() as folder:
        national = read_national(Path(folder) / f"national_{year}")
    chosen = nl_uncertain_assumptions(year) if assumptions is None else _check_unique(list(assumptions))
    return TableDraws(dataset, year, chosen, national, _REBUILDABLE[dataset])
