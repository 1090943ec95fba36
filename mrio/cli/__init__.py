"""The ``mrio`` command line (click).

Exit codes: 0 success, 2 bad usage or input, 1 a computation that failed. Errors print as one
line; ``--debug`` adds the traceback. Every subcommand that reads a table takes ``DATASET_OR_PATH``
(bundled name or folder), ``--year`` and (where regrouping the table makes sense) ``--regroup``;
``--out`` picks the format from the suffix (.csv, .parquet, .xlsx). Nothing is written when a
command fails.
"""

from __future__ import annotations

import click

from ._bench import bench_command
from ._build import build_command
from ._common import MRIOGroup
from ._core import (
    datasets_command,
    info_command,
    multipliers_command,
    regions_command,
    sectors_command,
)
from ._dependency import (
    dependency_command,
    extract_command,
    linkages_command,
    paths_command,
    trade_command,
)
from ._report import report_command
from ._shock import shock_command

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

\b
Exit codes: 0 success, 2 bad usage or input, 1 failure; errors are one line (mrio --debug for
the traceback); nothing is written when a command fails.
"""


@click.group(cls=MRIOGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="mrio-engine")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """mrio: multi-regional input-output analysis."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


main.add_command(info_command)
main.add_command(datasets_command)
main.add_command(regions_command)
main.add_command(sectors_command)
main.add_command(multipliers_command)
main.add_command(bench_command)
main.add_command(build_command)
main.add_command(report_command)
main.add_command(shock_command)
main.add_command(dependency_command)
main.add_command(extract_command)
main.add_command(linkages_command)
main.add_command(paths_command)
main.add_command(trade_command)
