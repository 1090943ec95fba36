"""Dependency subcommands: ``dependency``, ``extract``, ``linkages``, ``paths``, ``trade``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import numpy as np
import pandas as pd

from mrio.analysis.extraction import KINDS
from mrio.analysis.linkages import linkages
from mrio.analysis.paths import structural_path_analysis
from mrio.analysis.trade import kww_decomposition, vax_ratio
from mrio.ensemble.analyses import DEPENDENCY_TABLES, DependencyTable, ExtractionTable, Regrouped

from ._common import (
    NAMED_REGROUPS,  # noqa: F401 - re-exported for callers of the former location
    REGROUP_OPTION,
    SYSTEM_ARGUMENT,
    YEAR_OPTION,
    check_table_output,
    emit,
    load_system,
    out_option,
    progress,
    read_regroup,
    regroup_series,
    system_options,
)
from ._ensemble import band_title, check_ensemble_options, ensemble_options, run_draws

MEASURE_HELP = "value-added, jobs, output, or a stressor (extension) name."


@click.command("dependency")
@SYSTEM_ARGUMENT
@YEAR_OPTION
@click.option("--measure", default="value-added", show_default=True, help=MEASURE_HELP)
@click.option("--by", type=click.Choice(["region", "region-sector"]), default="region", show_default=True,
              help="Origins by region, or by region and sector.")
@REGROUP_OPTION
@click.option("--table", "table", default="destination", show_default=True,
              type=click.Choice(list(DEPENDENCY_TABLES)),
              help="destination: origin x destination region; shares: the same as shares of the origin's "
                   "total (rows sum to 1; destination-shares is its former name); amounts: by final-demand "
                   "category; amount-shares: amounts as shares of the origin's total; split: own region / "
                   "other regions / outside; effects: intra-regional, feedback and spillover effects "
                   "(Miller); residents: origin x region of residence, resting on those residents' spending "
                   "with households endogenous by residence (type II, income paid home through commuting); "
                   "residents-split: exogenous demand / own residents / other residents.")
@click.option("--origin", "origins", multiple=True, metavar="REGION",
              help="Only these origin rows (repeat or comma-separate; codes and aliases accepted).")
@click.option("--destination", "destinations", multiple=True, metavar="REGION",
              help="Who depends on REGION: for every origin, the amount resting on REGION's final demand "
                   "and its share of the origin's total, largest share first.")
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep the N largest rows (by share with --destination, else by total; with --draws: "
                   "ranked by the point estimate).")
@ensemble_options
@out_option()
def dependency_command(source: str | None, year: int | None, measure: str, by: str, regroup: str | None,
                       table: str, origins: tuple[str, ...], destinations: tuple[str, ...], top: int | None,
                       draws: int | None, seed: int, workers: int | None, scheduler: str | None,
                       out: Path | None) -> None:
    """Who depends on whose final demand: value added, jobs or output by origin and destination.

    Attribution D = s_hat L Y (Johnson & Noguera 2012): rows are origins (where the value added
    or jobs are), columns destinations (whose final demand they serve); rows sum to the origin's
    total. With --regroup the detailed (COROP) attribution is computed and then summed into the
    groups, so results are exact sums of the detailed ones. --table effects splits multipliers
    into intra-regional, feedback and spillover parts: in nl-corop every region uses the national
    input structure scaled to its published value added, so total multipliers differ a little
    between regions and the intra-regional part differs most. --table residents closes the
    model with one household sector per region of residence (type II): the jobs or value added of
    each origin resting on the spending of each region's residents, funded by the income they earn
    anywhere (commuting, MRIO.commuting) and the chain of spending it starts (Miyazawa); with
    --table residents-split, the rest rests on exogenous final demand. With --draws N the table is rebuilt N times
    with its uncertain assumptions drawn from their ranges, and every cell gets the point
    estimate and the percentiles p5, p25, p50, p75, p95.
    \b
    Examples:
      mrio dependency nl-corop --destination Groot-Amsterdam --top 10
      mrio dependency nl-corop --origin Groot-Rijnmond --table shares
      mrio dependency nl-corop --measure jobs --by region --regroup province --out jobs.csv
      mrio dependency nl-corop --measure value-added --table split --year 2020
      mrio dependency nl-corop --measure jobs --table residents --origin Groot-Amsterdam
      mrio dependency nl-corop --measure value-added --table split --draws 200 --seed 7 --workers 2 --out f.csv
    """
    check_table_output(out)
    check_ensemble_options(draws, workers, scheduler)
    if table == "effects" and regroup is not None:
        raise click.UsageError("--regroup applies to attribution tables, not to --table effects")
    if table in ("effects", "residents", "residents-split") and destinations:
        raise click.UsageError(f"--destination applies to the final-demand attribution tables, not to --table {table} "
                               "(its columns are regions of residence)")
    analysis = DependencyTable(measure, table, by, regroup_series(regroup),
                               origins=tuple(_split(origins) or ()),
                               destinations=tuple(_split(destinations) or ()), top=top)

    def title(attrs) -> str:
        return analysis.title(attrs.get("unit", ""), attrs.get("measure", measure),
                              attrs.get("destinations", ""))

    if draws is not None:
        # every draw computes every row; --top keeps the rows ranked first by the point estimate
        result = run_draws(dataclasses.replace(analysis, top=None), source, year, draws=draws, seed=seed,
                           workers=workers, scheduler=scheduler)
        band = _top_bands(result.table, analysis)
        emit(_origin_rows(band), out, title=band_title(title(result.table.attrs), result))
        return
    frame = analysis(load_system(source, year=year))
    emit(_origin_rows(frame), out, title=title(frame.attrs))


def _top_bands(band: pd.DataFrame, analysis: DependencyTable) -> pd.DataFrame:
    """Return the band table's rows of the ``analysis.top`` rows of its point estimate, in their order."""
    if analysis.top is None:
        return band
    cell = band.index.nlevels - 1  # the point table's columns (quantity, destination ...) as the last level
    point = band["point"].unstack(cell)
    point = point[list(dict.fromkeys(band.index.get_level_values(cell)))]
    if analysis.destinations:  # the point table's order: largest share first
        point = point.sort_values("share_of_origin_total", ascending=False, kind="stable")
    kept = pd.Index(analysis.top_rows(point).index)
    rows = band.index.droplevel(cell)
    order = kept.get_indexer(rows)
    positions = np.flatnonzero(order >= 0)
    positions = positions[np.argsort(order[positions], kind="stable")]
    table = band.iloc[positions]
    table.attrs.update(band.attrs)
    return table


def _origin_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Name the row labels for what they are: the origin region."""
    names = list(frame.index.names)
    if "region" not in names or "sector" in names:
        return frame
    out = frame.copy()
    out.index = out.index.set_names(["origin" if n == "region" else n for n in names])
    return out

def _split(values: tuple[str, ...]) -> list[str] | None:
    items = [v for value in values for v in value.split(",") if v]
    return items or None


@click.command("extract")
@system_options()
@click.option("--kind", type=click.Choice([*KINDS, "all"]), default="all", show_default=True,
              help="Backward (no purchases), forward (no sales), total (deleted), or all three.")
@click.option("--region", "regions", multiple=True, help="Region(s) to extract (repeat or comma-separate).")
@click.option("--sector", "sectors", multiple=True, help="Sector(s) to extract (repeat or comma-separate).")
@click.option("--each", type=click.Choice(["industry", "region", "sector"]), default=None,
              help="Extract every industry / region / sector in turn (a linkage table).")
@click.option("--share", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Extracted share theta (partial extraction below 1).")
@click.option("--scope", type=click.Choice(["all", "interregional"]), default="all", show_default=True,
              help="interregional: cancel only trade with other regions (Dietzenbacher & van der Linden).")
@click.option("--measure", default="output", show_default=True,
              help="Loss measure for --each: " + MEASURE_HELP)
@ensemble_options
@out_option()
def extract_command(source: str | None, year: int | None, regroup: str | None, kind: str,
                    regions: tuple[str, ...], sectors: tuple[str, ...], each: str | None, share: float,
                    scope: str, measure: str, draws: int | None, seed: int, workers: int | None,
                    scheduler: str | None, out: Path | None) -> None:
    """Hypothetical extraction of a sector, region, region's sector, or of each in turn.

    Uses one LU factorisation and Sherman-Morrison-Woodbury updates; never re-inverts. With
    --draws N: point estimate and percentile bands over N rebuilt tables.

    \b
    Examples:
      mrio extract nl-corop --region Groot-Rijnmond --kind total
      mrio extract nl-corop --regroup province --each region --measure value-added --out hem.csv
      mrio extract nl-corop --region Rijnmond --kind total --draws 50 --workers 2 --out bands.csv
    """
    check_table_output(out)
    check_ensemble_options(draws, workers, scheduler)
    if each is not None and (regions or sectors):
        raise click.UsageError("--each replaces --region/--sector; give one or the other")
    analysis = ExtractionTable(kind, tuple(_split(regions) or ()), tuple(_split(sectors) or ()), each, share,
                               scope, measure)

    def title(attrs) -> str:
        return (f"extraction losses in {attrs.get('measure', measure)} ({attrs.get('unit', '')})" if each
                else "losses from the extraction")

    if draws is not None:
        concordance = read_regroup(regroup)
        wrapped = analysis if concordance is None else Regrouped(analysis, concordance)
        result = run_draws(wrapped, source, year, draws=draws, seed=seed, workers=workers, scheduler=scheduler)
        emit(result.table, out, title=band_title(title(result.table.attrs), result))
        return
    system = load_system(source, regroup, year)
    with progress(f"extracting each {each}", enabled=each is not None):
        frame = analysis(system)
    emit(frame, out, title=title(frame.attrs))


@click.command("linkages")
@system_options()
@click.option("--method",
              type=click.Choice(["rasmussen-hirschman", "rasmussen-hirschman-leontief", "eigenvector"]),
              default="rasmussen-hirschman", show_default=True,
              help="Rasmussen-Hirschman (forward from Ghosh or Leontief) or Dietzenbacher eigenvector.")
@click.option("--key-only", is_flag=True, help="List key sectors only (both indices above one).")
@out_option()
def linkages_command(source: str | None, year: int | None, regroup: str | None, method: str, key_only: bool,
                     out: Path | None) -> None:
    """Backward and forward linkages and key sectors, strongest first.

    \b
    Examples:
      mrio linkages nl-corop --key-only
      mrio linkages nl-corop --regroup province --method eigenvector --out linkages.parquet
    """
    check_table_output(out)
    system = load_system(source, regroup, year)
    frame = linkages(system, method)
    strength = frame["backward"] + frame["forward"]
    frame = frame.loc[strength.sort_values(ascending=False, kind="stable").index]
    if key_only:
        frame = frame[frame["class"] == "key"]
    frame = frame.assign(**{"class": frame["class"].astype(str)})
    emit(frame, out, title=f"{method} linkages")


@click.command("paths")
@system_options()
@click.option("--measure", default="value-added", show_default=True, help=MEASURE_HELP)
@click.option("--final-demand", "final_demand", default=None, metavar="DESTINATION",
              help="Destination whose final demand starts the paths (default: all final demand).")
@click.option("--threshold", type=click.FloatRange(0, 1, max_open=True), default=1e-4, show_default=True,
              help="Prune subtrees below this share of the total.")
@click.option("--depth", type=click.IntRange(min=0), default=6, show_default=True, help="Highest path order.")
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True, help="Paths listed.")
@click.option("--max-paths", "max_paths", type=click.IntRange(min=1), default=50_000_000, show_default=True,
              help="Stop with an error after enumerating this many paths (a tiny --threshold on a large table "
                   "would run for hours); Ctrl-C interrupts.")
@out_option()
def paths_command(source: str | None, year: int | None, regroup: str | None, measure: str,
                  final_demand: str | None, threshold: float, depth: int, top: int, max_paths: int,
                  out: Path | None) -> None:
    """Structural path analysis: the largest supply chains from final demand to a measure.

    \b
    Examples:
      mrio paths nl-corop --measure value-added --final-demand Groot-Amsterdam --top 20
      mrio paths nl-corop --regroup province --measure jobs --depth 4 --out paths.csv
    """
    check_table_output(out)
    system = load_system(source, regroup, year)
    with progress("enumerating supply-chain paths"):
        result = structural_path_analysis(system, measure, final_demand=final_demand, threshold=threshold,
                                          max_depth=depth, top=top, max_paths=max_paths)
    frame = result.paths.assign(final_demand=result.paths["final_demand"].map("/".join),
                                source=result.paths["source"].map("/".join))
    emit(frame, out, title=(f"{result.measure}: total {result.total:,.6g} {result.unit}; "
                            f"{result.visited:,} paths enumerated cover {result.coverage:.2%} "
                            f"(pruned {result.pruned:,.4g}, beyond depth "
                            f"{result.truncated:,.4g})"))


@click.command("trade")
@system_options()
@click.option("--table", "table", type=click.Choice(["kww", "vax"]), default="kww", show_default=True,
              help="kww: Koopman-Wang-Wei decomposition of gross exports; vax: value-added exports.")
@out_option()
def trade_command(source: str | None, year: int | None, regroup: str | None, table: str,
                  out: Path | None) -> None:
    """Value added in trade: KWW decomposition of each region's gross exports, or VAX ratios.

    \b
    Examples:
      mrio trade nl-corop --table vax
      mrio trade nl-corop --regroup province --out kww.xlsx
    """
    check_table_output(out)
    system = load_system(source, regroup, year)
    frame = kww_decomposition(system) if table == "kww" else vax_ratio(system)
    emit(frame, out, title=f"{table} ({frame.attrs['unit']})")
