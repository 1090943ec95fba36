"""Shared pieces of the command line: loading a system, writing outputs, error handling."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click
import pandas as pd

from .._datasets import DEFAULT_DATASET, _REGISTRY, load
from .._system import MRIO
from ..errors import FileFormatError, InputError, MRIOError
from ..io import read, write_table

#: Exit codes scripts can rely on.
EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


class MRIOGroup(click.Group):
    """A click group that prints mrio errors as one line with a reliable exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MRIOError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT if isinstance(exc, InputError) else EXIT_FAILURE)


def load_system(source: str | None) -> MRIO:
    """A bundled dataset by name, or a system folder written by :func:`mrio.write`."""
    source = source or DEFAULT_DATASET
    if source in _REGISTRY:
        return load(source)
    path = Path(source)
    if path.exists():
        return read(path)
    raise FileFormatError(
        f"{source!r} is neither a bundled dataset ({', '.join(_REGISTRY)}) nor an existing folder")


SYSTEM_ARGUMENT = click.argument("source", required=False, metavar="DATASET_OR_PATH")


def out_option(required: bool = False):
    """``--out FILE``: the format follows the suffix (.csv, .parquet, .xlsx)."""
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
