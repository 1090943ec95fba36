"""Shared pieces of the command line: loading a system, the common options, writing outputs, errors.

Every subcommand that reads a table takes the same ``DATASET_OR_PATH`` argument (a bundled dataset
name or a folder written by :func:`mrio.write`), ``--year`` (bundled datasets: the table's year)
and, where regrouping the table is the right semantics, ``--regroup`` (applied here, by
:func:`mrio.regroup`, before the analysis). Outputs go through :func:`emit`, which writes
atomically with the format taken from the suffix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click
import pandas as pd
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from mrio.build.datasets import _CACHE, _REGISTRY, DEFAULT_DATASET, load
from mrio.core.files import check_writable
from mrio.core.io import read, write_table
from mrio.core.system import MRIO
from mrio.errors import FileFormatError, InputError, UnknownLabelError

from ._group import (  # noqa: F401 (re-exported for callers of the former location)
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_TERMINATED,
    MRIOGroup,
)

#: Named region concordances accepted by ``--regroup`` (see :mod:`mrio.concordances`).
NAMED_REGROUPS = ("province", "metro")

#: Suffixes ``--out`` understands for tables.
TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")


def read_regroup(spec: str | None) -> pd.Series | str | None:
    """``--regroup``: a named Dutch concordance (``province``, ``metro``) or a CSV ``region,group``.

    Returns the name itself for named concordances (``mrio.regroup`` resolves it) or a Series
    region -> group read from the CSV.

    Raises
    ------
    UnknownLabelError
        Neither a named concordance nor an existing file.
    FileFormatError
        A CSV that is not ``region,group`` or lists a region twice.
    """
    if spec is None or spec in NAMED_REGROUPS:
        return spec
    path = Path(spec)
    if not path.is_file():
        raise UnknownLabelError(
            f"--regroup {spec!r} is neither a named concordance ({', '.join(NAMED_REGROUPS)}) nor a CSV file")
    try:
        table = pd.read_csv(path, dtype=str)
    except (ValueError, OSError) as exc:
        raise FileFormatError(f"cannot read the concordance {path}: {exc}") from exc
    if list(table.columns[:2]) != ["region", "group"]:
        raise FileFormatError(f"{path}: a concordance CSV needs the columns 'region,group', got "
                              f"{', '.join(map(str, table.columns))}")
    if table["region"].duplicated().any():
        dup = table.loc[table["region"].duplicated(), "region"].tolist()
        raise FileFormatError(f"{path}: regions listed twice: {', '.join(dup[:5])}")
    return pd.Series(table["group"].to_numpy(), index=table["region"], name="group")


def regroup_series(spec: str | None) -> pd.Series | None:
    """``--regroup`` as a Series region -> group (named concordances resolved)."""
    value = read_regroup(spec)
    if isinstance(value, str):
        from mrio.build.concordances import named_region_concordance

        return named_region_concordance(value)
    return value


@contextlib.contextmanager
def progress(description: str, *, enabled: bool = True) -> Iterator[None]:
    """Return a transient rich spinner with elapsed time on stderr (only when stderr is a terminal)."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield
        return
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        bar.add_task(description, total=None)
        yield


def load_system(source: str | None, regroup: str | None = None, year: int | None = None) -> MRIO:
    """Return a bundled dataset by name, or a system folder written by :func:`mrio.write`.

    Parameters
    ----------
    source : str, optional
        Dataset name or folder; default :data:`mrio.DEFAULT_DATASET` (``nl-corop``).
    regroup : str, optional
        ``--regroup``: the table is regrouped exactly (flows summed) with :func:`mrio.regroup`.
    year : int, optional
        ``--year``: the bundled table of that year; for a folder, the folder's ``meta["year"]``
        must match.

    Raises
    ------
    FileFormatError
        Neither a bundled dataset nor an existing folder.
    UnknownLabelError
        A year the dataset is not available for, or an unknown concordance.
    LabelError
        A concordance that does not cover the system's regions.
    """
    from mrio.build.concordances import regroup as regroup_system

    source = source or DEFAULT_DATASET
    concordance = read_regroup(regroup)  # validate options before any loading
    if source in _REGISTRY:
        cold = (source, year or _REGISTRY[source].year) not in _CACHE
        with progress(f"loading {source}{'' if year is None else f' {year}'} (built on first use)", enabled=cold):
            system = load(source, year=year)
    else:
        path = Path(source)
        if not path.exists():
            raise FileFormatError(f"{source!r} is neither a bundled dataset ({', '.join(_REGISTRY)}) nor an "
                                  "existing folder")
        with progress(f"reading {path}"):
            system = read(path)
        table_year = system.meta.get("year")
        if year is not None and table_year != year:
            raise UnknownLabelError(f"--year {year}: the table in {path} is for year {table_year!r}; --year "
                                    "selects the year of bundled datasets")
    if concordance is not None:
        with progress(f"regrouping regions ({regroup})"):
            system = regroup_system(system, regions=concordance)
    return system


SYSTEM_ARGUMENT = click.argument("source", required=False, metavar="DATASET_OR_PATH")

REGROUP_OPTION = click.option(
    "--regroup", default=None, metavar="NAME_OR_CSV",
    help="Regroup regions first: 'province' or 'metro' (COROP concordances) or a CSV with columns "
         "region,group (flows are summed exactly).")

YEAR_OPTION = click.option(
    "--year", type=int, default=None, metavar="YEAR",
    help="Year of a bundled table: nl-corop and nl-provinces 2015-2021 (default 2018; the CBS table and "
         "regional accounts of that year, turnover 2017, Eurostat 2018 and commuting 2014 held).")


def system_options(regroup: bool = True):
    """``DATASET_OR_PATH [--year YEAR] [--regroup NAME_OR_CSV]``: the options of every table reader."""
    def decorate(func):
        if regroup:
            func = REGROUP_OPTION(func)
        return SYSTEM_ARGUMENT(YEAR_OPTION(func))
    return decorate


def check_table_output(out: Path | None) -> None:
    """Fail before any computation when ``--out`` cannot be written (suffix, folder)."""
    if out is None:
        return
    if out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"cannot write {out}: unknown suffix {out.suffix!r}; use .csv, .parquet or .xlsx")
    check_folder(out)


def check_folder(out: Path, directory: bool = False) -> None:
    """Fail before any computation when ``out`` cannot be written (:func:`mrio.core.files.check_writable`).

    ``directory``: ``out`` is a folder to create or replace, not a file.
    """
    check_writable(out, directory=directory)


def out_option(required: bool = False):
    """``--out FILE``: the format follows the suffix (.csv, .parquet, .xlsx); checked before computing."""
    return click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=required,
                        help="Write the table here; format from the suffix: .csv, .parquet, .xlsx.")


def emit(table: pd.DataFrame | pd.Series, out: Path | None, title: str = "") -> None:
    """Write ``table`` to ``out`` atomically, or print it."""
    if out is not None:
        write_table(table, out)
        click.echo(f"wrote {out} ({len(table)} rows)")
        return
    with pd.option_context("display.max_rows", 60, "display.width", 160, "display.max_columns", 12):
        if title:
            click.echo(title)
        click.echo(table.to_string() if len(table) <= 200 else str(table))


def trade_options(func):
    """Add ``--trade calibrated|uniform`` and ``--trade-parameters FILE``."""
    func = click.option("--trade-parameters", "trade_parameters", type=click.Path(exists=True, dir_okay=False,
                                                                                  path_type=Path),
                        default=None, help="JSON file of trade parameters (as data/trade_parameters.json) "
                                           "for the calibrated model.")(func)
    return click.option("--trade", "trade", type=click.Choice(["calibrated", "uniform"]), default="calibrated",
                        show_default=True,
                        help="Interregional trade: 'calibrated' (tradability classes, fitted defaults) or "
                             "'uniform' (one location quotient --method/--delta and one decay --beta for "
                             "every product, the model before issue 11).")(func)


def trade_arguments(trade: str, parameters: Path | None) -> dict:
    """Keyword arguments of :func:`mrio.build.regional.build_mrio` from the trade options."""
    from mrio.build.tradability import TradeParameters

    if parameters is not None and trade == "uniform":
        raise InputError("--trade-parameters applies to --trade calibrated, not uniform")
    chosen = TradeParameters.read(parameters) if parameters is not None else trade
    return {"trade": chosen}
