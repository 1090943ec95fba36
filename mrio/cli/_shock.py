"""``mrio shock SCENARIO.toml --out DIR``: run a scenario file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from mrio.core.files import check_writable, new_mode
from mrio.core.io import write_table
from mrio.ensemble import ParameterDraws, ScenarioTables, table_draws
from mrio.ensemble.analyses import shock_parameter
from mrio.errors import FileFormatError
from mrio.shocks.scenario import load_scenario, run_scenario

from ._common import YEAR_OPTION, progress
from ._ensemble import check_ensemble_options, ensemble_options, run_draws


def _system(scenario, year: int | None):
    """Load the scenario's system; ``--year`` picks another year of its bundled dataset."""
    return scenario.system(year=year)


MANIFEST = ".mrio-shock.json"  # the scenario and files (with checksums) of the result set in an --out folder


def _digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _manifest(out: Path) -> dict:
    """Read the manifest of a previous ``mrio shock`` run in ``out`` ({} if missing or unreadable)."""
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _own_files(out: Path, manifest: dict) -> list[str]:
    """List the files in ``out`` that ``mrio shock`` wrote: in the manifest *and* unchanged since.

    Unchanged means the same SHA-256. An edited manifest cannot make mrio delete anything else
    (a listed ``thesis.docx`` is not ours: its checksum does not match).
    """
    files = manifest.get("files")
    if not isinstance(files, dict):
        return []
    own = []
    for name, digest in files.items():
        path = out / str(name)
        if (isinstance(name, str) and name == Path(name).name and name not in (".", "..", MANIFEST)
                and isinstance(digest, str) and path.is_file() and not path.is_symlink()
                and _digest(path) == digest):
            own.append(name)
    return sorted(own)


@dataclass
class _Target:
    """An --out folder checked before any computation: what is in it and what may be replaced."""

    out: Path
    own: list[str]  # files of the previous result set (replaced or removed)
    foreign: list[str]  # everything else (kept as it is)
    previous: str | None  # scenario of the previous result set


def _check_out(out: Path, scenario_name: str, overwrite: bool) -> _Target:
    """Check --out before computing: missing, empty, or a previous result of the same scenario.

    Files added to a previous result since are kept.

    Any other non-empty folder (foreign files only, or the results of another scenario) is
    refused unless ``overwrite``; even then, only files an earlier ``mrio shock`` wrote are removed.
    """
    out = check_writable(out.absolute(), directory=True)
    if not out.exists():
        return _Target(out, [], [], None)
    manifest = _manifest(out)
    own = _own_files(out, manifest)
    foreign = sorted(p.name for p in out.iterdir() if p.name not in own and p.name != MANIFEST)
    previous = manifest.get("scenario") if own else None
    same = bool(own) and previous == scenario_name  # a previous result of this scenario: other files are kept
    if not overwrite and not same and (foreign or own):
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        why = (f"it holds the results of scenario {previous!r}" if own
               else f"it holds files that are not results of scenario {scenario_name!r} ({shown})")
        raise FileFormatError(f"cannot write {out}: {why}; choose a new or empty folder, or pass --overwrite "
                              "(which replaces only files that mrio shock wrote)")
    return _Target(out, own, foreign, previous)


def _publish(staging: Path, names: list[str], target: _Target, scenario_name: str) -> None:
    """Swap the finished result set in whole: ``staging`` becomes ``out``.

    Files of ``out`` that ``mrio shock`` did not write are moved into ``staging`` first (so they
    are kept); the previous result set goes with the old folder, which is then removed. A
    failure before the swap puts everything back.
    """
    out = target.out
    clash = sorted(set(target.foreign) & set(names))
    if clash:
        raise FileFormatError(f"cannot write {out}: {', '.join(clash)} would replace files that mrio shock "
                              "did not write; move them away first")
    (staging / MANIFEST).write_text(json.dumps(
        {"scenario": scenario_name, "files": {name: _digest(staging / name) for name in names}}, indent=1),
        encoding="utf-8")
    os.chmod(staging, new_mode(out, directory=True))
    if not out.exists():
        os.replace(staging, out)
        return
    moved: list[str] = []
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    try:
        for name in target.foreign:
            os.replace(out / name, staging / name)
            moved.append(name)
        os.replace(out, old / "content")
        try:
            os.replace(staging, out)
        except BaseException:
            os.replace(old / "content", out)
            raise
    except BaseException:
        for name in moved:
            os.replace(staging / name, out / name)
        shutil.rmtree(old, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)  # only the previous run's own files and manifest are left there


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


def _shock_bands(scenario, target: _Target, *, year, steps, quiet, draws, seed, workers,
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
    out = target.out
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        names = []
        for name, table in result.tables.items():
            names.append(write_table(table, staging / f"{name}.{scenario.format}").name)
        summary = (f"scenario {scenario.name}: point estimate and percentiles p5, p25, p50, p75, p95 of every "
                   f"table over {result.draws} draws ({result.backend})\n\n{result.methods()}\n")
        (staging / "summary.txt").write_text(summary, encoding="utf-8")
        files = [*names, "summary.txt"]
        _publish(staging, files, target, scenario.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        click.echo(summary, nl=False)
    click.echo(f"wrote {len(files)} files to {out}")


@click.command("shock")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path), metavar="SCENARIO.toml")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the result tables and summary.txt (created if missing).")
@YEAR_OPTION
@click.option("--steps", type=click.IntRange(min=1, max=36_500), default=None,
              help="Override the length of dynamic runs ([outputs].steps), at most 36,500 (100 years of days).")
@click.option("--overwrite", is_flag=True,
              help="Write into a non-empty --out that is not a previous result of this scenario (files that "
                   "mrio shock did not write are kept; those it wrote are replaced).")
@click.option("--quiet", is_flag=True, help="Do not print the summary or show progress.")
@ensemble_options
@click.option("--vary", "vary", multiple=True, metavar="SHOCK.FIELD=LOW:HIGH",
              help="With --draws: draw this shock field (share, amount, duration, recovery, start) uniformly "
                   "over LOW:HIGH on the fixed default table (its LU factors reused) instead of rebuilding "
                   "the table. Repeatable.")
def shock_command(scenario_file: Path, out: Path, year: int | None, steps: int | None, overwrite: bool,
                  quiet: bool, draws: int | None, seed: int, workers: int | None, scheduler: str | None,
                  vary: tuple[str, ...]) -> None:
    """Run the shocks of a TOML scenario file and write tables plus a short summary.

    The whole file (dataset or table, regions, sectors, shares, durations) is validated before
    anything is computed; see mrio.scenario for the format and data/examples/ for worked
    examples (Groningen gas, port of Rotterdam, Brainport export boom). The scenario's
    [scenario].dataset (e.g. nl-corop) names the table; --year picks another year of it.

    The result set is written to a temporary sibling of --out and swapped in whole when every
    shock succeeded: a failed or interrupted run (Ctrl-C, SIGTERM) changes nothing. --out must
    be new, empty or a previous result of the same scenario; other non-empty folders are
    refused unless --overwrite. Only files that mrio shock wrote (listed with their checksums
    in .mrio-shock.json and unchanged since) are ever replaced or removed; other files stay.

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
    check_ensemble_options(draws, workers, scheduler)
    if vary and draws is None:
        raise click.UsageError("--vary draws shock parameters: give --draws N as well")
    ranges = [_vary(spec) for spec in vary]
    scenario = load_scenario(scenario_file)
    target = _check_out(out, scenario.name, overwrite)  # before any computation
    if draws is not None:
        _shock_bands(scenario, target, year=year, steps=steps, quiet=quiet, draws=draws, seed=seed,
                     workers=workers, scheduler=scheduler, ranges=ranges)
        return
    with progress(f"loading {scenario.source}", enabled=not quiet):
        system = _system(scenario, year)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.out.name}.", suffix=".tmp", dir=target.out.parent))
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
        names = [Path(file).name for file in result.files]
        _publish(staging, names, target, scenario.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        click.echo(result.summary, nl=False)
    replaced = sorted(set(target.own) - set(names))
    note = (f"; removed {len(replaced)} files of the previous run of {target.previous!r}" if replaced else "")
    click.echo(f"wrote {len(names)} files to {out}{note}")
