"""Core subcommands: info, datasets, multipliers."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from mrio.analysis.dependency import commuting_flows
from mrio.analysis.multipliers import MULTIPLIER_KINDS
from mrio.build.datasets import datasets
from mrio.ensemble.analyses import MultiplierTable, Regrouped

from ._common import check_table_output, emit, load_system, out_option, read_regroup, system_options
from ._ensemble import band_title, check_ensemble_options, ensemble_options, run_draws


@click.command("info")
@system_options()
def info_command(source: str | None, year: int | None, regroup: str | None) -> None:
    """Describe a system: regions, sectors, totals, metadata and identity checks.

    DATASET_OR_PATH is a bundled dataset name (see `mrio datasets`) or a folder written by
    mrio; default: the bundled default dataset.

    \b
    Examples:
      mrio info nl-corop
      mrio info nl-corop --year 2020 --regroup province
    """
    system = load_system(source, regroup, year)
    click.echo(repr(system))
    for key, value in system.summary().items():
        click.echo(f"  {key:<24} {value:,.6g}" if isinstance(value, float) else f"  {key:<24} {value}")
    click.echo(f"  {'region names':<24} {', '.join(map(str, system.regions[:12]))}"
               + (" ..." if system.n_regions > 12 else ""))
    click.echo(f"  {'sector names':<24} {', '.join(map(str, system.sectors[:12]))}"
               + (" ..." if system.n_sectors > 12 else ""))
    click.echo("identity checks (max relative error):")
    for name, row in system.identity_checks().iterrows():
        status = "ok" if row["max_relative_error"] <= 1e-9 else "VIOLATED"
        click.echo(f"  {name:<48} {row['max_relative_error']:.2e}  {status}")


@click.command("datasets")
def datasets_command() -> None:
    """List the bundled datasets with year, source and licence.

    \b
    Example (then pick one, e.g. the Dutch COROP table):
      mrio datasets
      mrio info nl-corop
    """
    table = datasets()
    for name, row in table.iterrows():
        click.echo(f"{name}: {row['description']} ({row['year']})")
        if row["years"] != str(row["year"]):
            click.echo(f"    years: {row['years']} (--year; default {row['year']})")
        click.echo(f"    source: {row['source']}")
        click.echo(f"    licence: {row['licence']}")
        if row["assumptions"]:
            click.echo(f"    assumptions: {row['assumptions']}")


@click.command("multipliers")
@system_options()
@click.option("--kind", default="output", show_default=True,
              help=f"One of {', '.join(MULTIPLIER_KINDS)} or a stressor name (extension multipliers).")
@ensemble_options
@out_option()
def multipliers_command(source: str | None, year: int | None, regroup: str | None, kind: str,
                        draws: int | None, seed: int, workers: int | None, scheduler: str | None,
                        out: Path | None) -> None:
    """Multipliers by industry (type I output, value added, income, type II, extensions).

    With --draws N: point estimate and percentile bands over N rebuilt tables.

    \b
    Examples:
      mrio multipliers nl-corop --kind value-added --out va.csv
      mrio multipliers nl-corop --regroup province --kind type-ii --out type2.xlsx
      mrio multipliers nl-corop --kind output --draws 100 --seed 1 --workers 2 --out bands.parquet
    """
    check_table_output(out)
    check_ensemble_options(draws, workers, scheduler)
    analysis = MultiplierTable(kind)
    if draws is not None:
        concordance = read_regroup(regroup)
        wrapped = analysis if concordance is None else Regrouped(analysis, concordance)
        result = run_draws(wrapped, source, year, draws=draws, seed=seed, workers=workers, scheduler=scheduler)
        emit(result.table, out, title=band_title(f"{kind} multipliers", result))
        return
    system = load_system(source, regroup, year)
    table = analysis(system)
    emit(table, out, title=f"{kind} multipliers" + _same_in_every_region(table, system))


def _same_in_every_region(table, system) -> str:
    """Return a note when each sector's total multiplier is the same in every region."""
    values = table.select_dtypes("number")
    if system.n_regions < 2 or values.empty or not isinstance(values.index, pd.MultiIndex):
        return ""
    spread = values.groupby(level="sector", sort=False).agg(lambda v: v.max() - v.min()).abs().to_numpy()
    scale = max(float(values.abs().max().max()), 1.0)
    if not (spread <= 1e-9 * scale).all():
        return ""
    return ("\nnote: every sector's total multiplier is the same in every region: each region uses the "
            "national technology, so totals do not differ by construction; the intra-regional part does "
            "(mrio dependency --table effects)")


def _label_table(labels, aliases: dict, what: str):
    """One row per label: the label and its other accepted names (codes, former spellings)."""
    others: dict = {label: [] for label in labels}
    for alias, label in aliases.items():
        others[label].append(str(alias))
    return pd.DataFrame({"aliases": ["; ".join(others[label]) for label in labels]},
                        index=pd.Index(labels, name=what))


@click.command("regions")
@system_options()
@out_option()
def regions_command(source: str | None, year: int | None, regroup: str | None, out: Path | None) -> None:
    """List every region label, with the codes and other names accepted for it.

    Any of these names selects the region in --region, --origin, scenario files and the API.

    \b
    Examples:
      mrio regions nl-corop
      mrio regions nl-corop --regroup province --out provinces.csv
    """
    check_table_output(out)
    system = load_system(source, regroup, year)
    emit(_label_table(list(system.regions), system.region_aliases, "region"), out,
         title=f"{system.n_regions} regions of {system.meta.get('name', 'the table')} "
               "(the aliases are accepted too)")


@click.command("commuting")
@system_options()
@click.option("--measure", type=click.Choice(["income", "jobs"]), default="income", show_default=True,
              help="Employees' income (compensation of employees) or the commuting jobs themselves.")
@click.option("--table", "kind", type=click.Choice(["split", "matrix"]), default="split", show_default=True,
              help="split: per region of residence, earned in the own region / other regions (amounts and "
                   "shares); matrix: residence (rows) x work region (columns).")
@out_option()
def commuting_command(source: str | None, year: int | None, regroup: str | None, measure: str, kind: str,
                      out: Path | None) -> None:
    """Where each region's residents earn their employee income: residence x work region.

    Income earned in a region is paid to the regions where its employees live, in proportion to
    the commuting jobs (nl-corop: CBS 81252NED, province of residence x COROP of work, split to
    COROP of residence); the type II multipliers close the model with the same flows
    (mrio.commuting_flows; docs methods page 'Type II multipliers').

    \b
    Examples:
      mrio commuting nl-corop
      mrio commuting nl-corop --table matrix --measure jobs --regroup province --out commuting.csv
    """
    check_table_output(out)
    system = load_system(source, regroup, year)
    by_work, split = commuting_flows(system, measure)
    table = split if kind == "split" else by_work
    emit(table, out, title=f"commuting {measure} of {system.meta.get('name', 'the table')} "
                           f"({table.attrs.get('unit', '')}): " + ("by region of residence" if kind == "split"
                                                                   else "residence (rows) x work (columns)"))


@click.command("sectors")
@system_options()
@out_option()
def sectors_command(source: str | None, year: int | None, regroup: str | None, out: Path | None) -> None:
    """List every sector label (the same sectors in every region).

    \b
    Examples:
      mrio sectors nl-corop
      mrio sectors nl-corop --out sectors.csv
    """
    check_table_output(out)
    system = load_system(source, regroup, year)
    table = pd.DataFrame({"position": range(1, system.n_sectors + 1)}, index=system.sectors)
    emit(table, out, title=f"{system.n_sectors} sectors of {system.meta.get('name', 'the table')}")
