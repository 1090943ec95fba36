"""``mrio shock SCENARIO.toml --out DIR``: run a scenario file."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from mrio.core.io import write_table
from mrio.ensemble import ParameterDraws, ScenarioTables, table_draws
from mrio.ensemble.analyses import shock_parameter
from mrio.errors import FileFormatError
from mrio.shocks.scenario import load_scenario, run_scenario

from ._common import YEAR_OPTION, check_folder, progress
from ._ensemble import check_ensemble_options, ensemble_options, run_draws


def _vary(spec: str) -> tuple[str, float, float]:
    """``SHOCK.FIELD=LOW:HIGH`` -> (key, low, high)."""
    key, eq, span = spec.partition("=")
    low, colon, high = span.partition(":")
    try:
        if not (eq and colon and "." in key):
            raise ValueError
        return key.strip(), float(low), float(high)
    except ValueError:
        raise click.BadParameter(f"{spec!r}: expected SHOCK.FIELD=LOW:HIGH, e.g. gas-stop.share=0.5:1",
                                 param_hint="--vary") from None


def _shock_bands(scenario, out: Path, previous: list[str], *, year, steps, quiet, draws, seed, workers,
                 scheduler, ranges) -> None:
    """``mrio shock --draws``: band tables of every result table, and the methods in summary.txt."""
    if ranges:
        system = _system(scenario, year)
        assumptions = [shock_parameter(scenario, key, low, high) for key, low, high in ranges]
        analysis, source = ScenarioTables(scenario, steps, regroup=False), ParameterDraws(system, assumptions)
    else:
        if scenario.source_kind != "dataset":
            raise FileFormatError(f"--draws rebuilds the scenario's dataset, but {scenario.path or 'the scenario'} "
                                  f"reads the table folder {scenario.source!r}; use --vary to draw shock "
                                  "parameters on that table")
        analysis, source = ScenarioTables(scenario, steps), table_draws(scenario.source, year)
    result = run_draws(analysis, None, year, draws=draws, seed=seed, workers=workers, scheduler=scheduler,
                       draw_source=source, quiet=quiet)
    parent = out.parent if str(out.parent) else Path(".")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        names = []
        for name, table in result.tables.items():
            names.append(write_table(table, staging / f"{name}.{scenario.format}").name)
        summary = (f"scenario {scenario.name}: point estimate and percentiles p5, p25, p50, p75, p95 of every "
                   f"table over {result.draws} draws ({result.backend})\n\n{result.methods()}\n")
        (staging / "summary.txt").write_text(summary, encoding="utf-8")
        files = _publish(staging, [*names, "summary.txt"], out, previous, scenario.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        click.echo(summary, nl=False)
    click.echo(f"wrote {len(files)} files to {out}")


def _system(scenario, year: int | None):
    """Return the scenario's system; ``--year`` picks another year of its bundled dataset."""
    return scenario.system(year=year)


MANIFEST = ".mrio-shock.json"  # the files of the last result set published in an --out folder


def _previous_files(out: Path) -> list[str]:
    """Return the files of a previous ``mrio shock`` output in ``out`` (checked before any computation).

    ``out`` may be missing, empty, or hold a previous output (a manifest ``.mrio-shock.json``
    listing its files); any other non-empty folder is refused, so that result sets are never
    mixed with unrelated files.
    """
    if not out.exists():
        return []
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return []
    manifest = out / MANIFEST
    if not manifest.is_file():
        shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
        raise FileFormatError(f"cannot write {out}: the folder is not empty and holds no previous `mrio shock` "
                              f"output ({MANIFEST} missing; found {shown}); choose a new or empty folder")
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FileFormatError(f"cannot write {out}: unreadable manifest {manifest}: {exc}") from exc
    if not isinstance(files, list) or not all(
            isinstance(f, str) and f and f == Path(f).name and f not in (".", "..", MANIFEST) for f in files):
        raise FileFormatError(f"cannot write {out}: manifest {manifest} must list plain file names")
    return files


def _publish(staging: Path, names: list[str], out: Path, previous: list[str], scenario_name: str) -> list[Path]:
    """Move the finished files into ``out``, record them, then remove the previous run's other files.

    Every new file (and the new manifest) is complete before anything in ``out`` changes; the
    manifest is moved in after the new files, and stale files of the previous output (only
    those its manifest lists) are removed last. ``out`` itself is never replaced (it may be the
    working directory).
    """
    (staging / MANIFEST).write_text(json.dumps({"scenario": scenario_name, "files": names}, indent=1),
                                    encoding="utf-8")  # ready before anything in out changes
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name in names:
        target = out / name
        os.replace(staging / name, target)
        files.append(target)
    os.replace(staging / MANIFEST, out / MANIFEST)
    for name in sorted(set(previous) - set(names)):
        stale = out / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
    return files


@click.command("shock")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path), metavar="SCENARIO.toml")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the result tables and summary.txt (created if missing).")
@YEAR_OPTION
@click.option("--steps", type=click.IntRange(min=1, max=36_500), default=None,
              help="Override the length of dynamic runs ([outputs].steps), at most 36,500 (100 years of days).")
@click.option("--quiet", is_flag=True, help="Do not print the summary or show progress.")
@ensemble_options
@click.option("--vary", "vary", multiple=True, metavar="SHOCK.FIELD=LOW:HIGH",
              help="With --draws: draw this shock field (share, amount, duration, recovery, start) uniformly "
                   "over LOW:HIGH on the fixed default table (its LU factors reused) instead of rebuilding "
                   "the table. Repeatable.")
def shock_command(scenario_file: Path, out: Path, year: int | None, steps: int | None, quiet: bool,
                  draws: int | None, seed: int, workers: int | None, scheduler: str | None,
                  vary: tuple[str, ...]) -> None:
    """Run the shocks of a TOML scenario file and write tables plus a short summary.

    The whole file (dataset or table, regions, sectors, shares, durations) is validated before
    anything is computed; see mrio.scenario for the format and data/examples/ for worked
    examples (Groningen gas, port of Rotterdam, Brainport export boom). The scenario's
    [scenario].dataset (e.g. nl-corop) names the table; --year picks another year of it. The
    results are computed into a temporary folder and moved into --out only when every shock
    succeeded, so a failed run writes nothing. --out must be new, empty or the output of a
    previous `mrio shock` run (listed in its .mrio-shock.json): its files are then replaced and
    the ones the new run does not produce removed; other non-empty folders are refused.

    With --draws N every table gets the point estimate and the percentiles p5 ... p95: over N
    rebuilt tables (the scenario's dataset), or, with --vary, over N draws of the named shock
    fields on the default table; summary.txt then says what was drawn and how.

    \b
    Examples:
      mrio shock data/examples/groningen_gas.toml --out groningen/
      mrio shock data/examples/groningen_gas.toml --year 2021 --steps 100 --out groningen2021/
      mrio shock data/examples/groningen_gas.toml --draws 50 --workers 2 --out groningen-bands/
      mrio shock data/examples/groningen_gas.toml --draws 200 --vary gas-stop.share=0.5:1 --out gas-share/
    """
    check_folder(out, directory=True)
    check_ensemble_options(draws, workers, scheduler)
    if vary and draws is None:
        raise click.UsageError("--vary draws shock parameters: give --draws N as well")
    ranges = [_vary(spec) for spec in vary]
    previous = _previous_files(out)
    scenario = load_scenario(scenario_file)
    if draws is not None:
        _shock_bands(scenario, out, previous, year=year, steps=steps, quiet=quiet, draws=draws, seed=seed,
                     workers=workers, scheduler=scheduler, ranges=ranges)
        return
    with progress(f"loading {scenario.source}", enabled=not quiet):
        system = _system(scenario, year)
    parent = out.parent if str(out.parent) else Path(".")
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=parent))
    try:
        if quiet:
            result = run_scenario(scenario, staging, system=system, steps=steps)
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.completed}/{task.total} steps"), TimeRemainingColumn(),
                          transient=True) as bar:
                tasks: dict[str, int] = {}

                def report(label: str, done: int, total: int) -> None:
                    if label not in tasks:
                        tasks[label] = bar.add_task(label, total=total)
                    bar.update(tasks[label], completed=done)

                result = run_scenario(scenario, staging, system=system, steps=steps, progress=report)
        files = _publish(staging, [Path(file).name for file in result.files], out, previous, scenario.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        click.echo(result.summary, nl=False)
    click.echo(f"wrote {len(files)} files to {out}")
