"""The core command line: mrio info, multipliers, datasets (CliRunner and one real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mrio
from mrio.cli import main
from mrio.testing import random_mrio


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def system_folder(tmp_path):
    random_mrio(2, 3, seed=41).write(tmp_path / "sys")
    return tmp_path / "sys"


@pytest.fixture
def non_productive_folder(tmp_path):
    idx = pd.MultiIndex.from_product([["r"], ["a", "b"]], names=["region", "sector"])
    Z = pd.DataFrame([[60.0, 90.0], [90.0, 60.0]], index=idx, columns=idx)
    Y = pd.DataFrame([[-50.0], [-50.0]], index=idx,
                     columns=pd.MultiIndex.from_tuples([("r", "final")], names=["region", "category"]))
    with pytest.warns(mrio.errors.MRIOWarning):
        mrio.MRIO.from_flows(Z, Y).write(tmp_path / "bad")
    return tmp_path / "bad"


def one_line(text):
    lines = [line for line in text.strip().splitlines() if line]
    assert len(lines) == 1, text
    return lines[0]


def test_info_on_bundled_dataset(runner):
    result = runner.invoke(main, ["info", "nl-2000"])
    assert result.exit_code == 0, result.output
    assert "<MRIO nl-2000: 1 regions x 6 sectors" in result.output
    assert "agriculture_group" in result.output
    assert result.output.count(" ok") == 3 and "VIOLATED" not in result.output
    default = runner.invoke(main, ["info"])
    assert default.exit_code == 0 and "nl-corop" in default.output  # the default dataset


def test_info_on_folder(runner, system_folder):
    result = runner.invoke(main, ["info", str(system_folder)])
    assert result.exit_code == 0, result.output
    assert "2 regions x 3 sectors" in result.output and "R0, R1" in result.output


def test_datasets(runner):
    result = runner.invoke(main, ["datasets"])
    assert result.exit_code == 0
    assert "nl-2000: Netherlands 2000" in result.output
    assert "source: D'Hernoncourt" in result.output and "licence:" in result.output


@pytest.mark.parametrize(("kind", "columns"), [
    ("output", ["output_multiplier"]),
    ("value-added", ["value_added_multiplier"]),
    ("income", ["direct", "total", "type_I"]),
    ("type-ii", ["output_type_I", "output_type_II", "income_type_I", "income_type_II", "induced_output"]),
])
def test_multipliers_kinds_to_csv(runner, tmp_path, kind, columns):
    out = tmp_path / f"{kind}.csv"
    result = runner.invoke(main, ["multipliers", "nl-2000", "--kind", kind, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert one_line(result.output) == f"wrote {out} (6 rows)"
    table = pd.read_csv(out, index_col=[0, 1])
    assert list(table.columns) == columns
    expected = mrio.multipliers(mrio.load("nl-2000"), kind)
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-15)


def test_multipliers_income_values_printed(runner):
    result = runner.invoke(main, ["multipliers", "nl-2000", "--kind", "income"])
    assert result.exit_code == 0
    assert "income multipliers" in result.output and "2.465771" in result.output


def test_extension_multipliers_to_parquet(runner, system_folder, tmp_path):
    out = tmp_path / "co2.parquet"
    result = runner.invoke(main, ["multipliers", str(system_folder), "--kind", "co2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    s = mrio.read(system_folder)
    np.testing.assert_allclose(table["co2_multiplier"], mrio.extension_multipliers(s).loc["co2"], rtol=1e-15)


def test_bad_input_exits_2_with_one_line(runner, tmp_path):
    cases = [
        (["multipliers", "nl-2000", "--kind", "jobs"], "error: unknown multiplier kind 'jobs'"),
        (["info", str(tmp_path / "missing")], "is neither a bundled dataset"),
        (["multipliers", "nl-2000", "--out", str(tmp_path / "m.txt")], "unknown suffix '.txt'"),
        (["multipliers", "nl-2000", "--out", str(tmp_path / "no" / "m.csv")], "does not exist"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in one_line(result.output)
    assert list(tmp_path.iterdir()) == []


def test_malformed_folder_exits_2(runner, system_folder):
    (system_folder / "metadata.json").write_text("{")
    result = runner.invoke(main, ["info", str(system_folder)])
    assert result.exit_code == 2
    assert "is not valid JSON" in one_line(result.output)


@pytest.mark.filterwarnings("ignore::mrio.errors.MRIOWarning")
def test_failed_computation_exits_1_without_output(runner, non_productive_folder, tmp_path):
    out = tmp_path / "m.csv"
    result = runner.invoke(main, ["multipliers", str(non_productive_folder), "--out", str(out)])
    assert result.exit_code == 1
    assert "the system is not productive: spectral radius of A is 1.5" in one_line(result.output)
    assert not out.exists()
    debug = runner.invoke(main, ["--debug", "multipliers", str(non_productive_folder)])
    assert debug.exit_code == 1 and "Traceback" in debug.output


def test_usage_errors_exit_2(runner):
    result = runner.invoke(main, ["multipliers", "--kind"])
    assert result.exit_code == 2
    assert runner.invoke(main, ["no-such-command"]).exit_code == 2
    assert runner.invoke(main, ["--help"]).exit_code == 0
    version = runner.invoke(main, ["--version"])
    assert version.exit_code == 0 and "0.1.0" in version.output


def test_console_script_subprocess(tmp_path, non_productive_folder):
    script = Path(sys.executable).with_name("mrio")
    fallback = [sys.executable, "-c", "from mrio.cli import main; main()"]
    command = [str(script)] if script.exists() else fallback
    env = dict(os.environ)
    ok = subprocess.run([*command, "multipliers", "nl-2000", "--kind", "output", "--out",
                         str(tmp_path / "m.csv")], capture_output=True, text=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "m.csv").exists()
    bad = subprocess.run([*command, "multipliers", "nl-2000", "--kind", "jobs"], capture_output=True,
                         text=True, env=env, timeout=120)
    assert bad.returncode == 2 and one_line(bad.stderr).startswith("error: unknown multiplier kind")
    failed = subprocess.run([*command, "multipliers", str(non_productive_folder), "--out",
                             str(tmp_path / "x.csv")], capture_output=True, text=True, env=env, timeout=120)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("error: the system is not productive")
    assert not (tmp_path / "x.csv").exists()
    helped = subprocess.run([*command, "-h"], capture_output=True, text=True, env=env, timeout=120)
    assert helped.returncode == 0 and "multipliers" in helped.stdout


def test_bench_small(runner, tmp_path):
    out = tmp_path / "bench.csv"
    result = runner.invoke(main, ["bench", "--size", "small", "--repeat", "1", "--no-memory",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "BLAS: " in result.output and "threads" in result.output
    for text in ("leontief_inverse", "footprints 10 ext x 50 demands", "numpy.linalg.inv", "1,000", "ratio"):
        assert text in result.output
    table = pd.read_csv(out)
    assert list(table["N"]) == [1000] * len(table)
    assert (table["ratio"] > 0).all() and (table["max_relative_difference"] < 1e-9).all()
    assert "calc_all (A, M, footprints)" in set(table["operation"])  # pymrio is a test dependency
    bad = runner.invoke(main, ["bench", "--size", "huge"])
    assert bad.exit_code == 2 and "huge" in bad.output


def test_regions_and_sectors_list_every_label_with_aliases(runner, tmp_path):
    result = runner.invoke(main, ["regions", "nl-corop"])
    assert result.exit_code == 0, result.output
    assert "Groot-Amsterdam" in result.output and "Agglomeratie 's-Gravenhage" in result.output
    out = tmp_path / "regions.csv"
    assert runner.invoke(main, ["regions", "nl-corop", "--out", str(out)]).exit_code == 0
    table = pd.read_csv(out, index_col="region")
    assert len(table) == 41 and "CR23" in table.loc["Groot-Amsterdam", "aliases"]  # and extra-regio
    assert table.loc["Extra-regio", "aliases"].startswith("NLZZZ")
    out = tmp_path / "provinces.csv"
    assert runner.invoke(main, ["regions", "nl-corop", "--regroup", "province", "--out", str(out)]).exit_code == 0
    assert "PV27" in pd.read_csv(out, index_col="region").loc["Noord-Holland", "aliases"]
    out = tmp_path / "sectors.csv"
    assert runner.invoke(main, ["sectors", "nl-corop", "--out", str(out)]).exit_code == 0
    assert len(pd.read_csv(out)) == 81


def test_cli_region_options_take_codes_and_suggest_on_typos(runner):
    by_code = runner.invoke(main, ["extract", "nl-corop", "--region", "CR29", "--kind", "total"])
    by_name = runner.invoke(main, ["extract", "nl-corop", "--region", "Groot-Rijnmond", "--kind", "total"])
    assert by_code.exit_code == 0 and by_code.output == by_name.output
    typo = runner.invoke(main, ["extract", "nl-corop", "--region", "Ijmond"])
    assert typo.exit_code == 2 and "did you mean 'IJmond'" in typo.output


def test_help_lists_every_command_without_importing_the_analyses():
    code = ("import sys\nfrom mrio.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in ('pandas', 'numba', 'scipy', 'mrio.core.system') if m in sys.modules)\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert "HEAVY []" in out
    from mrio.cli import LAZY_COMMANDS

    for name in LAZY_COMMANDS:
        assert f"  {name} " in out, name
    for name, command in main.commands.items():  # every listed command resolves to itself
        assert command.name == name
    code = "import sys, mrio\nprint(sorted(m for m in ('pandas', 'numba', 'scipy') if m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120).stdout.strip() == "[]"


def test_bench_reports_the_minimum_and_the_median(monkeypatch):
    from mrio.report import bench

    calls = {"mine": iter([9.0, 1.0, 2.0, 3.0]), "ref": iter([9.0, 2.0, 10.0, 4.0])}  # warm-up excluded
    def timed(fn):
        return fn()

    monkeypatch.setattr(bench, "_timed", timed)
    mine, ref = bench.measure_pair(lambda: next(calls["mine"]), lambda: next(calls["ref"]), repeat=3,
                                   memory=False)
    assert (mine[0], mine[3]) == (1.0, 2.0) and (ref[0], ref[3]) == (2.0, 4.0)
    row = bench._row("op", 3, mine, ref, "ref", 0.0)
    assert row.ratio == 0.5 and row.median_ratio == 0.5


def test_commuting_shows_where_residents_earn_their_income(runner, tmp_path, random_mrio):
    result = runner.invoke(main, ["commuting", "nl-corop"])
    assert result.exit_code == 0, result.output
    assert "Flevoland" in result.output and "own_region_share" in result.output
    out = tmp_path / "income.csv"
    assert runner.invoke(main, ["commuting", "nl-corop", "--table", "matrix", "--out", str(out)]).exit_code == 0
    income = pd.read_csv(out, index_col="residence").drop(columns="unit")
    system = mrio.load("nl-corop")
    row = system.meta["income_row"]
    earned = system.V.loc[row].groupby(level="region").sum()
    # every region's employee income is paid to its residents somewhere; Flevoland (a one-COROP province, so
    # straight from CBS 81252NED) earns a quarter of it in Groot-Amsterdam
    np.testing.assert_allclose(income.sum(axis=0).reindex(earned.index), earned, rtol=1e-9)
    assert 0.2 < income.loc["Flevoland", "Groot-Amsterdam"] / income.loc["Flevoland"].sum() < 0.3
    jobs = tmp_path / "jobs.csv"
    assert runner.invoke(main, ["commuting", "nl-corop", "--measure", "jobs", "--table", "matrix", "--regroup",
                                "province", "--out", str(jobs)]).exit_code == 0
    provinces = pd.read_csv(jobs, index_col="residence").drop(columns="unit")
    assert provinces.to_numpy().sum() == pytest.approx(system.commuting.to_numpy().sum(), rel=1e-12)
    mrio.write(random_mrio, tmp_path / "no-commuting")  # a table without a commuting matrix: a clear error
    result = runner.invoke(main, ["commuting", str(tmp_path / "no-commuting")])
    assert result.exit_code == 2 and "commuting" in result.output and "Traceback" not in result.output
