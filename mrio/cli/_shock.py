"""``mrio shock SCENARIO.toml --out DIR``: run a scenario file."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from .._datasets import load
from ..errors import MRIOError, ScenarioError
from ..scenario import load_scenario, run_scenario
from ._common import YEAR_OPTION, check_folder, progress


def _system(scenario, year: int | None):
    """The scenario's system; ``--year`` picks another year of its bundled dataset."""
    if year is None:
        return scenario.system()
    if scenario.source_kind != "dataset":
        raise ScenarioError(f"--year {year}: the scenario reads the table folder {scenario.source!r}; --year "
                            "selects the year of a bundled dataset ([scenario].dataset)")
    system = load(scenario.source, year=year)
    if scenario.aggregate:
        try:
            system = system.aggregate(regions=scenario.aggregate.get("regions"),
                                      sectors=scenario.aggregate.get("sectors"))
        except MRIOError as exc:
            raise ScenarioError(f"{scenario.path}: [scenario.aggregate]: {exc}") from exc
    return system


@click.command("shock")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path), metavar="SCENARIO.toml")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the result tables and summary.txt (created if missing).")
@YEAR_OPTION
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Override the length of dynamic runs ([outputs].steps).")
@click.option("--quiet", is_flag=True, help="Do not print the summary or show progress.")
def shock_command(scenario_file: Path, out: Path, year: int | None, steps: int | None, quiet: bool) -> None:
    """Run the shocks of a TOML scenario file and write tables plus a short summary.

    The whole file (dataset or table, regions, sectors, shares, durations) is validated before
    anything is computed; see mrio.scenario for the format and data/examples/ for worked
    examples (Groningen gas, port of Rotterdam, Brainport export boom). The scenario's
    [scenario].dataset (e.g. nl-corop) names the table; --year picks another year of it. The
    results are computed into a temporary folder and moved into --out only when every shock
    succeeded, so a failed run writes nothing.

    \b
    Examples:
      mrio shock data/examples/groningen_gas.toml --out groningen/
      mrio shock data/examples/groningen_gas.toml --year 2021 --steps 100 --out groningen2021/
    """
    check_folder(out, directory=True)
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
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for file in result.files:
            target = out / Path(file).name
            os.replace(staging / Path(file).name, target)
            files.append(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not quiet:
        click.echo(result.summary, nl=False)
    click.echo(f"wrote {len(files)} files to {out}")
