"""``mrio shock SCENARIO.toml --out DIR``: run a scenario file."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from ..scenario import load_scenario, run_scenario


@click.command("shock")
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path), metavar="SCENARIO.toml")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the result tables and summary.txt (created if missing).")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Override the length of dynamic runs ([outputs].steps).")
@click.option("--quiet", is_flag=True, help="Do not print the summary or show progress.")
def shock_command(scenario_file: Path, out: Path, steps: int | None, quiet: bool) -> None:
    """Run the shocks of a TOML scenario file and write tables plus a short summary.

    The whole file (dataset or table, regions, sectors, shares, durations) is validated before
    anything is computed; see mrio.scenario for the format and data/examples/ for worked
    examples (Groningen gas, port of Rotterdam, Brainport export boom).
    """
    scenario = load_scenario(scenario_file)
    if quiet:
        result = run_scenario(scenario, out, steps=steps)
    else:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} steps"),
                      TimeRemainingColumn(), transient=True) as bar:
            tasks: dict[str, int] = {}

            def progress(label: str, done: int, total: int) -> None:
                if label not in tasks:
                    tasks[label] = bar.add_task(label, total=total)
                bar.update(tasks[label], completed=done)

            result = run_scenario(scenario, out, steps=steps, progress=progress)
        click.echo(result.summary, nl=False)
    click.echo(f"wrote {len(result.files)} files to {out}")
