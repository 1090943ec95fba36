"""``--draws N --seed S [--workers W | --scheduler ADDRESS]``: ensembles on the command line.

The options are parsed here; the draws run in :func:`mrio.ensemble.run` (in this process, on a
local Dask cluster of ``--workers`` processes, or on the running cluster at ``--scheduler`` /
``$MRIO_SCHEDULER``). A rich progress bar on stderr counts the draws done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mrio.build.datasets import DEFAULT_DATASET
from mrio.ensemble import EnsembleResult, run, table_draws

__all__ = ["ensemble_options", "check_ensemble_options", "run_draws", "band_title"]


def ensemble_options(func):
    """Return the four ensemble options (``--draws`` turns the ensemble on)."""
    func = click.option("--scheduler", default=None, metavar="ADDRESS",
                        help="Run the draws on a running Dask cluster (e.g. tcp://host:8786; dask-jobqueue, "
                             "Kubernetes); default $MRIO_SCHEDULER when set.")(func)
    func = click.option("--workers", type=click.IntRange(min=1), default=None,
                        help="Run the draws on a local Dask cluster of this many worker processes (one BLAS "
                             "thread each). Without --workers/--scheduler: in this process.")(func)
    func = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                        help="Seed of the ensemble: draw i is a pure function of (seed, i).")(func)
    func = click.option("--draws", type=click.IntRange(min=1), default=None, metavar="N",
                        help="Uncertainty bands: rebuild the table N times with its assumptions drawn from "
                             "their ranges; the output has columns point, p5, p25, p50, p75, p95.")(func)
    return func


def check_ensemble_options(draws: int | None, workers: int | None, scheduler: str | None) -> None:
    """Usage errors of the ensemble options, before any computation."""
    if draws is None and (workers is not None or scheduler is not None):
        raise click.UsageError("--workers and --scheduler run an ensemble: give --draws N as well")
    if workers is not None and scheduler is not None:
        raise click.UsageError("give --workers (start a local cluster) or --scheduler (use a running one), not both")


def run_draws(analysis: Callable, source: str | None, year: int | None, *, draws: int, seed: int,
              workers: int | None, scheduler: str | None, draw_source: Any = None,
              quiet: bool = False) -> EnsembleResult:
    """Run the ensemble with a progress bar; note recovered failures on stderr."""
    if draw_source is None:
        draw_source = table_draws(source or DEFAULT_DATASET, year)
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        result = run(analysis, draws=draws, seed=seed, source=draw_source, workers=workers, scheduler=scheduler)
    else:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("draws"),
                      TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as bar:
            task = bar.add_task("ensemble", total=draws)
            result = run(analysis, draws=draws, seed=seed, source=draw_source, workers=workers,
                         scheduler=scheduler, progress=lambda done, total: bar.update(task, completed=done))
    if result.retried:
        shown = "; ".join(f"draw {e['draw']}: {e['error']}" for e in result.retried[:3])
        click.echo(f"note: {len(result.retried)} failed attempt(s) were retried by Dask and then succeeded "
                   f"({shown})", err=True)
    return result


def band_title(title: str, result: EnsembleResult) -> str:
    """Return the printed title of a band table."""
    return (f"{title}\npoint = the default table; p5 ... p95 = percentiles over {result.draws} draws "
            f"(seed {result.seed}; {result.backend})")
