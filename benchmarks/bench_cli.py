"""Speed of the command line and of the Dutch analyses (issue 13, item 23), warm cache.

Targets on this project's 2-core machine: ``import mrio`` and ``mrio --help`` <= 0.5 s; each of
``dependency``, ``multipliers``, ``extract``, ``linkages``, ``paths``, ``trade`` on nl-corop <= 3 s
wall; ``extract --each region`` <= 5 s; ``extraction_table(level="region")`` <= 3 s; an ``.xlsx``
export <= 3 s. Start-up is timed against a bare interpreter in the same run (the ratio is what
the code adds); the nl-corop commands are marked slow. Timed run::

    NUMBA_CACHE_DIR=/tmp/numba_$USER python -m pytest benchmarks/bench_cli.py --benchmark-enable \\
        --run-slow --benchmark-columns=min,median,rounds
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import mrio
from mrio.analysis.extraction import extraction_table

NL_COMMANDS = [
    ["dependency", "nl-corop"],
    ["multipliers", "nl-corop"],
    ["extract", "nl-corop", "--region", "Groot-Rijnmond", "--kind", "total"],
    ["linkages", "nl-corop"],
    ["paths", "nl-corop", "--top", "20"],
    ["trade", "nl-corop"],
    ["extract", "nl-corop", "--each", "region"],
]
CLI = "from mrio.cli import main; main()"


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=600)


@pytest.mark.parametrize("code", ["pass", "import mrio", CLI], ids=["python", "import-mrio", "mrio-help"])
def test_startup(benchmark, code):
    """``python -c pass`` is the baseline: what ``import mrio`` and ``mrio --help`` add to it."""
    args = [sys.executable, "-c", code] + (["--help"] if code == CLI else [])
    benchmark.pedantic(_run, args=(args,), rounds=5, warmup_rounds=1)


@pytest.fixture(scope="module")
def warm_cache():
    mrio.load("nl-corop")  # builds the cache once; every command below reads it


@pytest.mark.slow
@pytest.mark.parametrize("args", NL_COMMANDS, ids=lambda a: "-".join(a[:1] + a[2:4]))
def test_nl_corop_command(benchmark, warm_cache, args):
    benchmark.pedantic(_run, args=([sys.executable, "-c", CLI, *args],), rounds=3, warmup_rounds=1)


@pytest.mark.slow
def test_extraction_table_by_region(benchmark):
    system = mrio.load("nl-corop")
    system.factor  # the stored LU, as in any session that has solved once
    table = benchmark.pedantic(extraction_table, args=(system,), kwargs={"level": "region"}, rounds=3)
    assert len(table) == 40


@pytest.mark.slow
def test_xlsx_export_of_the_dependency_matrix(benchmark, tmp_path):
    matrix = mrio.dependency_matrix(mrio.load("nl-corop"), by="region-sector").by_destination
    path = tmp_path / "dependency.xlsx"
    benchmark.pedantic(mrio.write_table, args=(matrix, path), rounds=3)
    assert path.stat().st_size > 0
