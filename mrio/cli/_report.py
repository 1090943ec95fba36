"""``mrio report``: a self-contained HTML report with maps and charts."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mrio.ensemble.analyses import DependencyTable, Regrouped
from mrio.report.html import _geometry, build_report, check_output, scenario_views

from ._common import load_system, read_regroup, system_options
from ._ensemble import check_ensemble_options, ensemble_options, run_draws

EXAMPLES = """Examples:

\b
  mrio report nl-2000 --out nl2000.html
  mrio report nl-corop --out corop.html
  mrio report nl-corop --regroup province --year 2021 --out provinces2021.html
  mrio report nl-corop --scenario groningen_gas.toml --out groningen.html
  mrio report my_table/ --geometry regions.geojson --out mine.html
  mrio report nl-corop --draws 200 --seed 7 --workers 2 --out corop-bands.html
"""


@click.command("report", epilog=EXAMPLES)
@system_options()
@click.option("--scenario", "scenario", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A scenario file (TOML, see `mrio shock`): adds maps of the losses, the most "
                   "affected regions and sectors and, for dynamic models, time series.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write (self-contained: figures embedded, no network needed).")
@click.option("--geometry", default=None,
              help="Map of the regions: corop, provinces or a GeoJSON file; default the bundled map "
                   "matching the region names (charts replace maps when none matches).")
@click.option("--top", default=5, show_default=True, type=click.IntRange(min=1),
              help="Rows in the 'most affected' and 'key sectors' tables.")
@click.option("--title", default=None, help="Report title.")
@ensemble_options
def report_command(source: str | None, year: int | None, regroup: str | None, scenario: Path | None, out: Path,
                   geometry: str | None, top: int, title: str | None, draws: int | None, seed: int,
                   workers: int | None, scheduler: str | None) -> None:
    """Write an HTML report: dependency map and heat map, key sectors, scenario losses.

    DATASET_OR_PATH is a bundled dataset name (see `mrio datasets`) or a folder written by mrio.
    With --draws N the dependency map hatches the regions with a wide p5-p95 band (over N
    rebuilt tables), the dependency table shows the bands and the methods say what was drawn.
    The file is written atomically: when the command fails, nothing is written.
    """
    # fail fast, before anything is computed: output path, table, scenario, map
    check_output(out)
    check_ensemble_options(draws, workers, scheduler)
    system = load_system(source, regroup, year)
    views, summary = scenario_views(system, scenario) if scenario is not None else (None, "")
    _geometry(system, geometry)
    bands = None
    if draws is not None:
        concordance = read_regroup(regroup)
        analysis = DependencyTable("value-added", "split")
        bands = run_draws(analysis if concordance is None else Regrouped(analysis, concordance), source, year,
                          draws=draws, seed=seed, workers=workers, scheduler=scheduler)
    console = Console(stderr=True)
    sections = ["overview", "dependency", "regions", *(["scenario"] if views is not None else []), "methods"]
    with Progress(TextColumn("[bold]report[/] {task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("starting", total=len(sections))

        def step(name: str) -> None:
            bar.update(task, description=name, completed=sections.index(name))

        report = build_report(system, views, title=title, geometry=geometry, top=top, progress=step,
                              scenario_summary=summary, ensemble=bands)
        bar.update(task, completed=len(sections))
        report.write(out)
    click.echo(f"wrote {out} ({len(report.sections)} sections, {report.n_images} figures)")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
