"""The bundled Dutch datasets ``nl-corop`` and ``nl-provinces``: build from ``data/nl_corop`` and cache.

The national CBS table of the chosen year is regionalised with :func:`mrio.build.regional.build_mrio`
from the compact inputs derived by ``data/build_nl_corop.py``; built tables are cached under
:func:`cache_dir`, keyed by the year and a hash of the inputs and of the build code.
"""

from __future__ import annotations

import json
import os
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mrio._version import __version__
from mrio.build.concordances import cbs_indicator_groups, corop_aliases, regroup
from mrio.build.inputs import read_national
from mrio.build.national import NationalTable
from mrio.build.regional import build_mrio
from mrio.core.files import atomic_path
from mrio.core.io import read, write
from mrio.core.system import MRIO
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
    table = pd.read_csv(Path(folder) / "indicators.csv")
    parts = []
    for kind in ("gva", "employment"):
        sub = table[table["indicator"] == kind]
        years = sorted(sub["year"].unique())
        if not years:
            continue
        nearest = min(years, key=lambda y: (abs(y - year), -y))
        parts.append(sub[sub["year"] == nearest])
    return pd.concat(parts, ignore_index=True)


def build_nl_corop(national: NationalTable | None = None, folder: Path | None = None,
                   year: int = DEFAULT_YEAR, **kwargs) -> MRIO:
    """Build the Dutch 40 COROP x 81 industry table from ``data/nl_corop`` (or another national table).

    Parameters
    ----------
    national : NationalTable, optional
        Default: the bundled CBS table for ``year`` (``data/nl_corop/national_<year>``).
    folder : path, optional
        Folder of compact inputs; default the bundled ``data/nl_corop``.
    year : int, default 2018
        Selects the national table and the indicators: GVA (2018, the only published year) drives
        output; employment of the nearest published year (2015 or 2018) gives the extension and
        the location quotients.
    **kwargs
        Passed to :func:`mrio.regional.build_mrio` (``trade``, ``product_classes``...; default the
        calibrated trade model with the CBS tradability classes).
    """
    if folder is None:
        with nl_inputs_folder() as path:
            return build_nl_corop(national, Path(path), year, **kwargs)
    folder = Path(folder)
    if national is None:
        national = read_national(folder / f"national_{year}")
    regions = pd.read_csv(folder / "regions.csv")
    distances = pd.read_csv(folder / "distances_km.csv", index_col=0)
    internal = pd.Series(regions["internal_distance_km"].to_numpy(), index=regions["region"])
    indicators = nl_indicators(folder, year)
    used_years = {k: sorted(indicators.loc[indicators["indicator"] == k, "year"].unique().tolist())
                  for k in ("gva", "employment")}
    national_year = national.meta.get("year", year)
    meta = {
        "name": "nl-corop",
        "title": f"Netherlands {national_year}, 40 COROP regions x 81 industries",
        "year": national_year,
        "regional_years": {
            "national_table": national_year,
            "gva": used_years["gva"],
            "employment": used_years["employment"],
            "note": f"national CBS table {national_year} distributed over the regions with the regional "
                    f"shares of Eurostat GVA {'/'.join(map(str, used_years['gva']))} and employment "
                    f"{'/'.join(map(str, used_years['employment']))} (nearest published year; regional "
                    "structure held fixed, national totals exact)",
        },
        "regions_source": "COROP regions (= NUTS-3 2024), CBS's official names (CBS 84929NED, e.g. "
                          "Groot-Amsterdam, Agglomeratie 's-Gravenhage); CBS and NUTS codes and other "
                          "spellings accepted as region_aliases",
        "region_aliases": corop_aliases(),
        "indicator_sources": {
            "gva": f"Eurostat nama_10r_3gva, {used_years['gva']} (million EUR, current prices)",
            "employment": f"Eurostat nama_10r_3empers, {used_years['employment']} (thousand persons)",
        },
        "extra_regio": "Eurostat extra-regio (NLZZZ: offshore gas, B-E GVA 2,058 million EUR in 2018) is not a "
                       "region: regional shares are taken over the 40 COROP regions, so its output is "
                       "spread over the regions in proportion to their own B, D, E value added (mostly "
                       "Groningen)",
        "groningen_gas": "mining, energy and water (CBS 4-6, 29-31) are placed by the regions' B-E minus C "
                         "value added, manufacturing (CBS 7-28) by C value added, so Groningen's gas output "
                         "follows its value added, not its employment",
        "default_year_choice": "2018: the only year with both Eurostat NUTS-3 GVA and employment, and a CBS "
                               "table in current prices",
        "licence": "CBS tables CC BY 4.0; Eurostat data under the Eurostat reuse policy (CC BY 4.0 compatible); "
                   "region geometry CBS/Kadaster CC BY 4.0",
    }
    meta.update(kwargs.pop("meta", {}) or {})
    kwargs.setdefault("product_classes", "cbs")  # tradability classes of the 81 CBS industries
    return build_mrio(national, indicators, cbs_indicator_groups(), distances, internal_distances=internal,
                      output_indicators=kwargs.pop("output_indicators", ("gva", "employment")),
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
        CBS year 2015-2021 of the national table (default 2018). Every year uses the same
        regional shares (Eurostat GVA 2018, employment of the nearest published year 2015 or
        2018); ``meta["regional_years"]`` records which.

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
        system = build_nl_corop(year=year)
    else:
        corop = load_nl("nl-corop", year)
        system = regroup(corop, regions="province")
        system = system.replace(meta={**dict(system.meta), "name": "nl-provinces",
                                      "title": f"Netherlands {year}, 12 provinces x 81 industries",
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
