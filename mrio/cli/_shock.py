"""``mrio shock SCENARIO.toml --out DIR``: run a scenario file."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from mrio.errors import FileFormatError
from mrio.shocks.scenario import load_scenario, run_scenario

from ._common import YEAR_OPTION, check_folder, progress


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
def shock_command(scenario_file: Path, out: Path, year: int | None, steps: int | None, quiet: bool) -> None:
    """Run the shocks of a TOML scenario file and write tables plus a short summary.

    The whole file (dataset or table, regions, sectors, shares, durations) is validated before
    anything is computed; see mrio.scenario for the format and data/examples/ for worked
    examples (Groningen gas, port of Rotterdam, Brainport export boom). The scenario's
    [scenario].dataset (e.g. nl-corop) names the table; --year picks another year of it. The
    results are computed into a temporary folder and moved into --out only when every shock
    succeeded, so a failed run writes nothing. --out must be new, empty or the output of a
    previous `mrio shock` run (listed in its .mrio-shock.json): its files are then replaced and
    the ones the new run does not produce removed; other non-empty folders are refused.

    \b
    Examples:
      mrio shock data/examples/groningen_gas.toml --out groningen/
      mrio shock data/examples/groningen_gas.toml --year 2021 --steps 100 --out groningen2021/
    """
    check_folder(out, directory=True)
    previous = _previous_files(out)
    scenario = load_scenario(scenario_file)
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
