"""The ``mrio`` command line (click).

Exit codes: 0 success, 2 bad usage or input, 1 a computation that failed. Errors print as one
line; ``--debug`` adds the traceback. Every subcommand that reads a table takes ``DATASET_OR_PATH``
(bundled name or folder), ``--year`` and (where regrouping the table makes sense) ``--regroup``;
``--out`` picks the format from the suffix (.csv, .parquet, .xlsx). Nothing is written when a
command fails.
"""

from __future__ import annotations

import click

from ._group import LazyGroup

#: Subcommands: name -> (module, attribute, the line ``mrio --help`` shows). Imported when run,
#: so that ``mrio --help`` does not load pandas, numba or the analyses.
LAZY_COMMANDS = {
    "info": ("mrio.cli._core", "info_command",
        "Describe a system: regions, sectors, totals, identity checks."),
    "datasets": ("mrio.cli._core", "datasets_command",
        "List the bundled datasets with year, source, licence."),
    "regions": ("mrio.cli._core", "regions_command",
        "List every region label with its codes and aliases."),
    "sectors": ("mrio.cli._core", "sectors_command",
        "List every sector label."),
    "commuting": ("mrio.cli._core", "commuting_command",
        "Where residents earn their income: residence x work region."),
    "multipliers": ("mrio.cli._core", "multipliers_command",
        "Multipliers by industry (output, value added, income, type II...)."),
    "bench": ("mrio.cli._bench", "bench_command",
        "Time mrio against numpy and pymrio on this machine."),
    "build": ("mrio.cli._build", "build_command",
        "Build a multi-regional table from national and regional data."),
    "report": ("mrio.cli._report", "report_command",
        "Write a self-contained HTML report with maps and heat maps."),
    "shock": ("mrio.cli._shock", "shock_command",
        "Run the shocks of a TOML scenario file."),
    "dependency": ("mrio.cli._dependency", "dependency_command",
        "Who depends on whose final demand: value added, jobs, output."),
    "extract": ("mrio.cli._dependency", "extract_command",
        "Hypothetical extraction of regions and sectors."),
    "linkages": ("mrio.cli._dependency", "linkages_command",
        "Backward and forward linkages and key sectors."),
    "paths": ("mrio.cli._dependency", "paths_command",
        "Structural path analysis: the largest supply chains."),
    "trade": ("mrio.cli._dependency", "trade_command",
        "Value added in trade: KWW decomposition, VAX ratios."),
    "validate": ("mrio.cli._validate", "validate_command",
        "Score the regional build against survey-based truth tables."),
}

EPILOG = """Examples on the bundled data (40 Dutch COROP regions x 81 industries, 2018; --year 2015-2021):

\b
  mrio datasets
  mrio info nl-corop
  mrio regions nl-corop
  mrio info nl-corop --year 2020 --regroup province
  mrio dependency nl-corop --measure value-added --table split
  mrio dependency nl-corop --measure jobs --regroup province --out jobs.csv
  mrio multipliers nl-provinces --kind type-ii --out type2.parquet
  mrio extract nl-corop --help
  mrio shock data/examples/groningen_gas.toml --out groningen/
  mrio report nl-corop --out report.html
  mrio build --year 2016 --out nl2016
  mrio validate --truth all --data ../shared/data

\b
Exit codes: 0 success, 2 bad usage or input, 1 failure; errors are one line (mrio --debug for
the traceback); nothing is written when a command fails.
"""


@click.group(cls=LazyGroup, lazy_commands=LAZY_COMMANDS, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="mrio-engine")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """mrio: multi-regional input-output analysis."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
