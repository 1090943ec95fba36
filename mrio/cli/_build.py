"""``mrio build``: a multi-regional table from a national table, regional indicators and distances."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import click
import numpy as np
import pandas as pd

from mrio.build.inputs import META_KEYS
from mrio.build.nl import build_nl_corop, check_nl_year, nl_indicators, nl_inputs_folder
from mrio.build.regional import LQ_METHODS, build_mrio, read_distances, read_indicators, read_national
from mrio.core import labels as lab
from mrio.core.io import write
from mrio.errors import FileFormatError, LabelError, UnknownLabelError

from ._common import check_folder, progress, trade_arguments, trade_options

EXISTING_FILE = click.Path(exists=True, path_type=Path)


def _latest_per_kind(indicators: pd.DataFrame, year: int | None) -> pd.DataFrame:
    if "year" not in indicators.columns:
        return indicators
    if year is not None:
        chosen = indicators[indicators["year"] == year]
        if chosen.empty:
            raise LabelError(f"no regional indicators for year {year}; years present: "
                             f"{sorted(indicators['year'].unique().tolist())}")
        return chosen
    latest = indicators.groupby("indicator")["year"].transform("max")
    return indicators[indicators["year"] == latest]


def _concordance(path: Path | None, sectors: pd.Index) -> pd.Series:
    if path is None:
        from mrio.build.concordances import cbs_indicator_groups

        groups = cbs_indicator_groups()
        if set(groups.index) != set(sectors):
            raise FileFormatError("--concordance FILE (columns sector,group) is needed: the national sectors "
                                  "are not the 81 CBS industries")
        return groups
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read the concordance {path}: {exc}") from exc
    if list(table.columns[:2]) != ["sector", "group"]:
        raise FileFormatError(f"{path}: a concordance needs columns sector,group; got {list(table.columns)}")
    return pd.Series(table["group"].to_numpy(), index=table["sector"].astype(str).to_numpy())


def _internal_distances(path: Path, regions: pd.Index) -> pd.Series:
    """``--internal-distances``: a CSV ``region,distance`` with one finite distance >= 0 per region.

    Raises FileFormatError (unreadable file, wrong columns, non-numeric, negative or non-finite
    distances, repeated regions) or UnknownLabelError/LabelError (regions not in, or missing from,
    the distance matrix), each naming the file.
    """
    try:
        table = pd.read_csv(path, dtype={"region": str})
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read the internal distances {path}: {exc}") from exc
    if list(table.columns) != ["region", "distance"]:
        raise FileFormatError(f"{path}: internal distances need exactly the columns region,distance; "
                              f"got {list(table.columns)}")
    if table.empty:
        raise FileFormatError(f"{path}: no internal distances (only a header)")
    if table["region"].isna().any():
        rows = (np.flatnonzero(table["region"].isna().to_numpy()) + 2).tolist()
        raise FileFormatError(f"{path}: empty region on line(s) {rows}")
    region = table["region"].astype(str).str.strip()
    values = pd.to_numeric(table["distance"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        shown = ", ".join(f"{r!r}: {v!r}" for r, v in zip(region[bad][:5], table["distance"][bad][:5],
                                                            strict=True))
        raise FileFormatError(f"{path}: internal distances must be finite numbers >= 0; not so for {shown}")
    repeated = region[region.duplicated()].unique()
    if len(repeated):
        raise FileFormatError(f"{path}: regions listed more than once: {lab._show(pd.Index(repeated))}")
    unknown = pd.Index(region).difference(regions, sort=False)
    if len(unknown):
        raise UnknownLabelError(f"{path}: regions not in the distance matrix: {lab._show(unknown)}")
    missing = regions.difference(pd.Index(region), sort=False)
    if len(missing):
        raise LabelError(f"{path}: internal distances missing for {lab._show(missing)}")
    return pd.Series(values, index=region.to_numpy(), name="distance")


@click.command("build")
@click.option("--national", "national_path", type=EXISTING_FILE, default=None,
              help="National table: a CBS input-output CSV, a national-table folder (Z.csv, final_demand.csv, "
                   "exports.csv, V.csv, meta.json) or a single-region mrio folder. Default: the bundled CBS "
                   "table of --year.")
@click.option("--regional", "regional_path", type=EXISTING_FILE, default=None,
              help="Regional indicators CSV: region,group,indicator,value[,year]; indicator is output, gva "
                   "or employment. Default: the bundled Eurostat COROP indicators (nearest year per kind).")
@click.option("--distances", "distances_path", type=EXISTING_FILE, default=None,
              help="Square distance matrix CSV; first column and header are the region labels (their order "
                   "is the order of the result). Default: the bundled COROP trade distances (population-weighted "
                   "means over the regions' GeoNames cities, with their internal distances; "
                   "data/nl_corop/trade_distances_km.csv).")
@click.option("--year", type=int, default=None,
              help="Year of the bundled CBS national table, 2015-2021 (default 2018), used when --national "
                   "is omitted; also selects the bundled indicators nearest to it.")
@click.option("--concordance", "concordance_path", type=EXISTING_FILE, default=None,
              help="CSV sector,group mapping national sectors to indicator groups (default for CBS tables: "
                   "NACE A*10 with B-E split into C and BDE).")
@click.option("--internal-distances", "internal_path", type=EXISTING_FILE, default=None,
              help="CSV region,distance: internal distances d_rr (default: half the distance to the nearest "
                   "region).")
@trade_options
@click.option("--method", type=click.Choice(LQ_METHODS), default="flq", show_default=True,
              help="--trade uniform: location quotient for the intra-regional share, or plain gravity.")
@click.option("--delta", type=float, default=0.25, show_default=True,
              help="--trade uniform: FLQ/AFLQ delta in [0, 1).")
@click.option("--beta", type=float, default=1.0, show_default=True, help="--trade uniform: distance decay.")
@click.option("--decay", type=click.Choice(["power", "exponential"]), default="power", show_default=True,
              help="--trade uniform: form of the distance decay.")
@click.option("--indicator-year", type=int, default=None,
              help="Use indicators of this year (default: the latest year of each indicator).")
@click.option("--ras-tol", type=float, default=1e-13, show_default=True,
              help="Tolerance of the per-product trade balancing (RAS), relative to the largest margin; the "
                   "national consistency check (1e-9) needs it well below 1e-9.")
@click.option("--ras-max-iter", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Iteration cap of the trade balancing (an error names the product and regions when hit).")
@click.option("--value-added", "value_added", default=None, metavar="ROW[,ROW...]",
              help="Rows of the national V that are gross value added (e.g. wages,surplus); overrides "
                   "meta.json's value_added_components. Required for a national-table folder whose meta.json "
                   "does not name them: imports and taxes on products are primary inputs, not value added.")
@click.option("--rtol", type=float, default=None, metavar="RTOL",
              help="Relative tolerance of the national identities x = Z i + final demand + exports = i'Z + i'V "
                   "(default 1e-9; published tables rounded to whole units may need e.g. 1e-4).")
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the system to (replaced atomically).")
def build_command(national_path, regional_path, distances_path, year, concordance_path, internal_path, trade,
                  trade_parameters, method, delta, beta, decay, indicator_year, ras_tol, ras_max_iter, value_added,
                  rtol, fmt, out) -> None:
    """Build a multi-regional table consistent with the national table.

    Summing the result over regions reproduces the national intermediate flows, final demand by
    category, exports and primary inputs exactly; the check is printed and stored in the
    metadata together with every assumption.

    Omitted inputs default to the bundled Dutch ones (CBS table of --year, Eurostat COROP
    indicators, COROP distances).

    \b
    Examples (the Dutch inputs bundled with mrio):
      mrio build --out nl2018    # the bundled nl-corop table (= mrio.load("nl-corop"))
      mrio build --year 2020 --out nl2020
      mrio build --national data/nl_corop/national_2018 \\
                 --regional data/nl_corop/indicators.csv \\
                 --distances data/nl_corop/trade_distances_km.csv --out nl2018
      mrio build --trade uniform --method flq --delta 0.25 --out nl2018-uniform   # the model before issue 11
    """
    check_folder(out, directory=True)
    trade_kwargs = trade_arguments(trade, trade_parameters)
    year = check_nl_year(year) if national_path is None or year is not None else None
    with nl_inputs_folder() as bundled:
        bundled = Path(bundled)
        rows = None if value_added is None else [r.strip() for r in value_added.split(",") if r.strip()]
        national = read_national(national_path or bundled / f"national_{year}", value_added=rows, rtol=rtol)
        if regional_path is None:
            indicators = (_latest_per_kind(read_indicators(bundled / "indicators.csv"), indicator_year)
                          if indicator_year is not None else nl_indicators(bundled, year or national.meta.get("year") or 2018))
        else:
            indicators = _latest_per_kind(read_indicators(regional_path), indicator_year)
        # the trade model's distances (city-pair means, the definition the trade parameters are fitted on)
        distances = read_distances(distances_path or bundled / "trade_distances_km.csv")
        if distances_path is None and internal_path is None:
            regions = pd.read_csv(bundled / "regions.csv")
            internal_path = "bundled"
            internal = pd.Series(regions["trade_internal_distance_km"].to_numpy(),
                                 index=regions["region"].to_numpy())
    national_year = national.meta.get("year")
    if year is not None and national_path is not None and national_year not in (None, year):
        raise LabelError(f"--year {year}: the national table {national_path} is for year {national_year}")
    if internal_path is None:
        internal = None
    elif internal_path != "bundled":
        internal = _internal_distances(internal_path, pd.Index(distances.index.astype(str)))
    indicators = indicators.assign(region=indicators["region"].astype(str))
    bundled_name = "bundled data/nl_corop"
    inputs = {"national": str(national_path or f"{bundled_name}/national_{year}"),
              "regional": str(regional_path or f"{bundled_name}/indicators.csv"),
              "distances": str(distances_path or f"{bundled_name}/trade_distances_km.csv")}
    dutch = regional_path is None and distances_path is None and concordance_path is None \
        and internal_path == "bundled" and indicator_year is None
    with progress(f"building {distances.shape[0] + dutch} regions x {len(national.sectors)} sectors"):
        if dutch:  # the bundled Dutch inputs: the nl-corop build (regional statistics, extra-regio)
            inputs["regional"] = f"{bundled_name} (CBS regional statistics, Eurostat, ETS)"
            system = build_nl_corop(national=national, year=int(national_year or year or 2018), method=method,
                                    delta=delta, beta=beta, decay=decay, ras_tol=ras_tol,
                                    ras_max_iter=ras_max_iter, **trade_kwargs,
                                    meta={"built_by": "mrio build", "inputs": inputs})
        else:
            system = build_mrio(national, indicators, _concordance(concordance_path, national.sectors), distances,
                                method=method, delta=delta, beta=beta, decay=decay, internal_distances=internal,
                                ras_tol=ras_tol, ras_max_iter=ras_max_iter,
                                **trade_kwargs,
                                meta={"built_by": "mrio build", "inputs": inputs})
        write(system, out, format=fmt)
    click.echo(f"wrote {out}: {system.n_regions} regions x {system.n_sectors} sectors ({fmt})")
    click.echo("national consistency (max relative error, sum over regions vs national table):")
    for item, err in system.meta["national_consistency"].items():
        click.echo(f"  {item:<52} {err:.1e}")



def _meta_keys_help() -> str:
    lines = ["A national-table folder (--national DIR) holds Z.csv, final_demand.csv, exports.csv, V.csv",
             "and meta.json, a JSON object with these keys (any other key is kept as metadata):"]
    for key, text in META_KEYS.items():
        lines.extend(textwrap.wrap(f"{key}: {text}", width=100, initial_indent="  ", subsequent_indent="    "))
    return "\n".join(lines)


build_command.help = inspect.cleandoc(build_command.help) + "\n\n\b\n" + _meta_keys_help()
