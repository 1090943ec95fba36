"""Speed of the command line and of the Dutch analyses (issue 13, item 23), warm cache.

Targets on this project's 2-core machine: ``import mrio`` and ``mrio --help`` <= 0.5 s; each of
``dependency``, ``multipliers``, ``extract``, ``linkages``, ``paths``, ``trade`` on nl-corop <= 3 s
wall; ``extract --each region`` <= 5 s; ``extraction_table(level="region")`` <= 3 s; an ``.xlsx``
export <= 3 s; the whole Dutch analysis (:func:`dutch_analysis`) <= 20 s. Start-up is timed
against a bare interpreter in the same run (the ratio is what the code adds); the nl-corop
commands are marked slow. ``test_*_ratio`` time the new path and the former one (kept here as
the reference) side by side in one run and print min, median and the ratio (``-s`` to see them). Timed run::

    NUMBA_CACHE_DIR=/tmp/numba_$USER python -m pytest benchmarks/bench_cli.py --benchmark-enable \\
        --run-slow --benchmark-columns=min,median,rounds
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import kernels
from mrio.analysis.dependency import measure_intensity
from mrio.analysis.extraction import (
    KINDS,
    _blocks,
    _primary_input_coefficients,
    extraction_table,
    select_industries,
)
from mrio.core.files import tidy
from mrio.testing import random_mrio

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


EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"


def dutch_analysis(out: Path) -> list[list[str]]:
    """Return the commands of the whole Dutch analysis of issue 13 (target 20 s wall).

    The dependency split, the three example scenarios and the report with one scenario (the port,
    the longest ARIO run), writing under ``out``.
    """
    return [["dependency", "nl-corop", "--table", "split"],
            *[["shock", str(EXAMPLES / f"{name}.toml"), "--out", str(out / name), "--overwrite"]
              for name in ("brainport_boom", "groningen_gas", "rotterdam_port")],
            ["report", "nl-corop", "--scenario", str(EXAMPLES / "rotterdam_port.toml"), "--out",
             str(out / "report.html")]]


def _timed_children(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child, all its threads) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    _run(args)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.slow
def test_whole_dutch_analysis(warm_cache, tmp_path):
    """Run each step in a fresh process, twice (the first run warms numba's cache).

    Prints the wall and CPU seconds of the second run per step and in total.
    """
    steps = dutch_analysis(tmp_path)
    for args in steps:  # warm-up: compiled kernels cached, files in the page cache
        _run([sys.executable, "-c", CLI, *args])
    lines, wall_total, cpu_total = [], 0.0, 0.0
    for args in steps:
        wall, cpu = _timed_children([sys.executable, "-c", CLI, *args])
        wall_total += wall
        cpu_total += cpu
        lines.append(f"  {' '.join(args[:2])}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    print("\nwhole Dutch analysis:\n" + "\n".join(lines)
          + f"\n  total {wall_total:.2f} s wall, {cpu_total:.2f} s CPU (target 20 s wall)")
    assert (tmp_path / "report.html").stat().st_size > 0


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
    system.factor  # noqa: B018 - the stored LU, as in any session that has solved once
    table = benchmark.pedantic(extraction_table, args=(system,), kwargs={"level": "region"}, rounds=3)
    assert len(table) == system.n_regions


@pytest.mark.slow
def test_xlsx_export_of_the_dependency_matrix(benchmark, tmp_path):
    matrix = mrio.dependency_matrix(mrio.load("nl-corop"), by="region-sector").by_destination
    path = tmp_path / "dependency.xlsx"
    benchmark.pedantic(mrio.write_table, args=(matrix, path), rounds=3)
    assert path.stat().st_size > 0


def extraction_table_by_woodbury(system, level="region", measure="output", share=1.0):
    """The former path of ``extraction_table(level="region")``: L formed, then an N x m Woodbury
    update of the whole system per set and kind (:func:`mrio.kernels.block_extraction`)."""
    w = measure_intensity(system, measure).intensity
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    v = _primary_input_coefficients(system)
    L = system.factor.inverse()
    labels = system.regions if level == "region" else system.sectors
    rows = []
    for label in labels:
        S = select_industries(system, **{f"{level}s": [label]})
        out = []
        for kind in KINDS:
            blocks = _blocks(system, kind, S, "all")
            if kind == "forward":
                x_bar = kernels.block_extraction(system.factor, A, blocks, share, v=v, x=x, L=L)
            else:
                y_k = y.copy()
                if kind == "total":
                    y_k[S] *= 1.0 - share
                x_bar = kernels.block_extraction(system.factor, A, blocks, share, y=y_k, L=L)
            out.append(float(w @ (x - x_bar)))
        rows.append(out)
    return np.array(rows)


@pytest.mark.parametrize("name", ["small", pytest.param("nl-corop", marks=pytest.mark.slow)])
def test_extraction_table_ratio(name):
    """Set closed forms (L[S, S] from the triangular inverses) vs the former Woodbury loop, one run.

    Interleaved repetitions; prints min and median of both and the ratio of the minima.
    """
    system = mrio.load("nl-corop") if name == "nl-corop" else random_mrio(6, 20, seed=4)
    system.factor  # noqa: B018 - the stored LU, as in any session that has solved once
    assert "L" not in system.__dict__  # neither path may read a cached inverse
    new_times, old_times = [], []
    for _ in range(3 if name == "nl-corop" else 5):
        start = time.perf_counter()
        new = extraction_table(system, level="region")
        new_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        old = extraction_table_by_woodbury(system)
        old_times.append(time.perf_counter() - start)
    np.testing.assert_allclose(new[list(KINDS)].to_numpy(), old, rtol=1e-10,
                               atol=1e-10 * system.arrays.x.sum())
    print(f"\nextraction_table(level='region') {name} N={len(system)}: new min {min(new_times):.3f} s "
          f"median {np.median(new_times):.3f} s; former min {min(old_times):.3f} s median "
          f"{np.median(old_times):.3f} s; ratio new/former {min(new_times) / min(old_times):.3f}")


def xlsx_by_pandas(table, path):
    """The former ``.xlsx`` writer: pandas ``to_excel`` with XlsxWriter (a cell object per cell)."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        tidy(table).to_excel(writer, index=False, sheet_name="table")


@pytest.mark.parametrize("name", ["small", pytest.param("nl-corop", marks=pytest.mark.slow)])
def test_xlsx_export_ratio(name, tmp_path):
    """``write_table(..., ".xlsx")`` vs the former pandas path on the region-sector dependency matrix."""
    system = mrio.load("nl-corop") if name == "nl-corop" else random_mrio(6, 20, seed=4)
    matrix = mrio.dependency_matrix(system, by="region-sector").by_destination
    new_times, old_times = [], []
    for _ in range(3):
        start = time.perf_counter()
        mrio.write_table(matrix, tmp_path / "new.xlsx")
        new_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        xlsx_by_pandas(matrix, tmp_path / "old.xlsx")
        old_times.append(time.perf_counter() - start)
    pd.testing.assert_frame_equal(pd.read_excel(tmp_path / "new.xlsx"), pd.read_excel(tmp_path / "old.xlsx"))
    print(f"\n.xlsx export {name} {matrix.shape}: new min {min(new_times):.3f} s median "
          f"{np.median(new_times):.3f} s; former min {min(old_times):.3f} s median "
          f"{np.median(old_times):.3f} s; "
          f"ratio new/former {min(new_times) / min(old_times):.3f}")


def extract_by_blocks(system, S, share=1.0):
    """The former path of ``mrio extract --region R`` (all kinds): one Woodbury update per kind with
    ``N x m`` solves each (:func:`mrio.kernels.block_extraction`)."""
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    v = _primary_input_coefficients(system)
    out = {}
    for kind in KINDS:
        blocks = _blocks(system, kind, S, "all")
        if kind == "forward":
            out[kind] = kernels.block_extraction(system.factor, A, blocks, share, v=v, x=x)
        else:
            y_k = y.copy()
            if kind == "total":
                y_k[S] *= 1.0 - share
            out[kind] = kernels.block_extraction(system.factor, A, blocks, share, y=y_k)
    return out


@pytest.mark.parametrize("name", ["small", pytest.param("nl-corop", marks=pytest.mark.slow)])
def test_extract_one_region_ratio(name):
    """Backward, forward and total extraction of one region sharing ``L[:, S]`` vs one update per kind."""
    system = mrio.load("nl-corop") if name == "nl-corop" else random_mrio(6, 20, seed=4)
    system.factor  # noqa: B018 - the stored LU
    region = system.regions[len(system.regions) // 2]
    S = select_industries(system, regions=region)
    y, v, x = system.arrays.Y.sum(axis=1), _primary_input_coefficients(system), system.arrays.x
    new_times, old_times = [], []
    for _ in range(3):
        start = time.perf_counter()
        new = kernels.set_extraction(system.factor, system.arrays.A, S, KINDS, 1.0, y=y, v=v, x=x)
        new_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        old = extract_by_blocks(system, S)
        old_times.append(time.perf_counter() - start)
    for kind in KINDS:
        np.testing.assert_allclose(new[kind], old[kind], rtol=1e-10, atol=1e-10 * x.sum())
    print(f"\nextract {region} (all kinds) {name}: new min {min(new_times):.3f} s median "
          f"{np.median(new_times):.3f} s; former min {min(old_times):.3f} s median "
          f"{np.median(old_times):.3f} s; ratio new/former {min(new_times) / min(old_times):.3f}")
