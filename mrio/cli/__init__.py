"""The ``mrio`` command line (click).

Exit codes: 0 success, 2 bad usage or input, 1 a computation that failed. Errors print as one
line; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import click

from ._bench import bench_command
from ._build import build_command
from ._common import MRIOGroup
from ._core import datasets_command, info_command, multipliers_command
from ._shock import shock_command
from ._report import report_command

EPILOG = """Examples on the bundled data:

\b
  mrio datasets
  mrio info nl-2000
  mrio multipliers nl-2000 --kind income --out income.csv
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
main.add_command(multipliers_command)
main.add_command(bench_command)
main.add_command(build_command)
main.add_command(report_command)
main.add_command(shock_command)
