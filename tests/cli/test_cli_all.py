"""Every ``mrio`` subcommand on the bundled Dutch table: options, outputs, exit codes, failures.

Speed: the 12-province table (``nl-provinces``, or ``nl-corop --regroup province``) stands in for
the 40-region one; the bundled tables are built once and cached (``$MRIO_CACHE_DIR``).
Contract checked here (issue 6): exit 0 on success, 2 on bad usage or input, 1 on failure; errors
as one line (traceback only with ``mrio --debug``); nothing written when a command fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mrio
from mrio.cli import _common, main
from mrio.testing import random_mrio

TABLE_READERS = ("info", "multipliers", "dependency", "extract", "linkages", "paths", "trade", "report")
PROVINCES = ["Groningen", "Friesland", "Drenthe", "Overijssel", "Gelderland", "Utrecht", "Noord-Holland",
             "Zuid-Holland", "Zeeland", "Noord-Brabant", "Limburg", "Flevoland"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="module")
def provinces():
    return mrio.load("nl-provinces")


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line]
    assert len(lines) == 1, text
    return lines[0]


def listing(folder: Path) -> set[str]:
    """Every file and folder below ``folder`` (hidden temporary files included)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def scenario_file(folder: Path, region: str = "Groningen", dataset: str = "nl-provinces") -> Path:
    path = folder / "scenario.toml"
    path.write_text(f"""[scenario]
name = "gas"
dataset = "{dataset}"

[outputs]
steps = 10
format = "csv"

[[shocks]]
name = "gas-demand"
model = "demand"
regions = ["{region}"]
sectors = ["Extraction of crude petroleum and natural gas"]
share = 0.5
direction = "decrease"

[[shocks]]
name = "gas-ario"
model = "ario"
kind = "capacity"
regions = ["{region}"]
sectors = ["Extraction of crude petroleum and natural gas"]
share = 0.5
duration = 3
recovery = 5
""", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ help and options
def test_every_subcommand_has_help_with_an_example_on_the_dutch_table(runner):
    names = sorted(main.commands)
    assert set(names) >= {"info", "datasets", "build", "multipliers", "dependency", "extract", "linkages",
                          "paths", "shock", "report", "bench", "trade"}
    top = runner.invoke(main, ["--help"])
    assert top.exit_code == 0 and "mrio info nl-corop" in top.output and "Exit codes" in top.output
    for name in names:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        if name == "bench":  # synthetic tables only (mrio/cli/_bench.py, another owner)
            continue
        assert re.search(rf"\bmrio {name}\b", result.output) and "nl-corop" in result.output, name


def test_table_readers_share_the_same_options():
    for name in TABLE_READERS:
        params = {p.name: p for p in main.commands[name].params}
        assert params["source"].human_readable_name == "DATASET_OR_PATH", name
        assert {"year", "regroup"} <= set(params), name
        assert params["regroup"].metavar == "NAME_OR_CSV", name
        if name not in ("info", "report"):
            assert "out" in params, name
    for name in ("build", "shock"):
        assert "year" in {p.name for p in main.commands[name].params}, name
    # one shared definition: the same help text everywhere
    helps = {next(p.help for p in main.commands[n].params if p.name == "year") for n in TABLE_READERS}
    assert len(helps) == 1


# ------------------------------------------------------------------------------------ runs
def test_info_datasets_and_year(runner):
    result = runner.invoke(main, ["info", "nl-corop", "--regroup", "province"])
    assert result.exit_code == 0, result.output
    assert "13 regions x 81 sectors" in result.output and "VIOLATED" not in result.output  # + extra-regio
    assert "Noord-Brabant" in result.output
    listed = runner.invoke(main, ["datasets"])
    assert listed.exit_code == 0 and "years: 2015, 2016, 2017, 2018, 2019, 2020, 2021" in listed.output
    year = runner.invoke(main, ["info", "nl-provinces", "--year", "2016"])
    assert year.exit_code == 0, year.output
    assert "Netherlands 2016, 12 provinces" in year.output and "VIOLATED" not in year.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_out_format_follows_the_suffix(runner, tmp_path, provinces, suffix):
    out = tmp_path / f"multipliers{suffix}"
    result = runner.invoke(main, ["multipliers", "nl-corop", "--regroup", "province", "--kind", "type-ii",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert one_line(result.output) == f"wrote {out} (1053 rows)"  # 13 regions (12 provinces, extra-regio) x 81
    read = {".csv": lambda p: pd.read_csv(p, index_col=[0, 1]),
            ".parquet": pd.read_parquet,
            ".xlsx": lambda p: pd.read_excel(p, index_col=[0, 1])}[suffix](out)
    expected = mrio.multipliers(provinces, "type-ii")  # regrouping nl-corop == the bundled provinces
    assert read.shape == expected.shape and list(read.index.names) == ["region", "sector"]
    np.testing.assert_allclose(read.to_numpy(dtype=float), expected.to_numpy(dtype=float), rtol=1e-9)
    assert listing(tmp_path) == {out.name}  # no temporary files left


def test_xlsx_is_one_row_per_record_with_labels_as_columns(tmp_path):
    frame = pd.DataFrame(np.arange(6.0).reshape(3, 2),
                         index=pd.MultiIndex.from_tuples([("A", "x"), ("A", "y"), ("B", "x")],
                                                         names=["region", "sector"]),
                         columns=pd.MultiIndex.from_tuples([("A", "hh"), ("B", "gov")],
                                                           names=["region", "category"]))
    _common.emit(frame, tmp_path / "t.xlsx")
    back = pd.read_excel(tmp_path / "t.xlsx", index_col=[0, 1])
    assert back.index.tolist() == frame.index.tolist() and back.columns.tolist() == ["A / hh", "B / gov"]
    np.testing.assert_array_equal(back.to_numpy(), frame.to_numpy())


def test_dependency_regroup_sums_the_detailed_attribution(runner, tmp_path):
    out = tmp_path / "jobs.csv"
    result = runner.invoke(main, ["dependency", "nl-corop", "--measure", "jobs", "--regroup", "province",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col=0)
    assert set(table.pop("unit")) == {"1000 persons"}
    assert set(table.index) == set(PROVINCES) | {"Extra-regio"}  # the continental shelf is kept apart
    corop = mrio.load("nl-corop")
    detailed = mrio.dependency_matrix(corop, "jobs").by_destination
    grouping = mrio.concordances.corop_to_province()
    summed = detailed.groupby(grouping.reindex(detailed.index).to_numpy()).sum()
    np.testing.assert_allclose(table.loc[summed.index].sum(axis=1), summed.sum(axis=1), rtol=1e-9)
    # the province rows add up to the national employment
    np.testing.assert_allclose(table.to_numpy().sum(), corop.F.loc["employment"].sum(), rtol=1e-9)


def test_regroup_from_a_csv(runner, tmp_path):
    grouping = mrio.concordances.corop_to_province()
    csv = tmp_path / "groups.csv"
    pd.DataFrame({"region": grouping.index, "group": np.where(grouping == "Utrecht", "U", "rest")}).to_csv(
        csv, index=False)
    result = runner.invoke(main, ["trade", "nl-corop", "--regroup", str(csv), "--table", "vax"])
    assert result.exit_code == 0, result.output
    assert "\nU " in result.output and "\nrest " in result.output


@pytest.mark.parametrize("args, rows", [
    (["extract", "nl-provinces", "--region", "Utrecht", "--kind", "total"], 3),
    (["extract", "nl-provinces", "--each", "region", "--measure", "value-added"], 13),  # + extra-regio
    (["linkages", "nl-provinces", "--key-only"], None),
    (["paths", "nl-provinces", "--measure", "jobs", "--final-demand", "Utrecht", "--top", "5", "--depth", "3"], 5),
    (["trade", "nl-provinces", "--table", "kww"], 13),
    (["dependency", "nl-provinces", "--table", "split"], 13),
], ids=lambda v: v[0] if isinstance(v, list) else str(v))
def test_analysis_subcommands_write_their_table(runner, tmp_path, args, rows):
    out = tmp_path / "t.parquet"
    result = runner.invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) > 0 and (rows is None or len(table) == rows)
    assert np.isfinite(table.select_dtypes("number").to_numpy()).all()


def test_build_for_another_year_reproduces_the_bundled_table(runner, tmp_path):
    out = tmp_path / "nl2019"
    result = runner.invoke(main, ["build", "--year", "2019", "--out", str(out)])
    assert result.exit_code == 0, result.output
    errors = [float(line.split()[-1]) for line in result.output.splitlines()[2:]]
    assert errors and max(errors) <= 1e-9
    built = mrio.read(out)
    bundled = mrio.load("nl-corop", year=2019)
    np.testing.assert_allclose(built.Z.to_numpy(), bundled.Z.to_numpy(), rtol=1e-12, atol=1e-9)
    info = runner.invoke(main, ["info", str(out), "--year", "2019"])
    assert info.exit_code == 0 and "41 regions x 81 sectors" in info.output  # 40 COROP regions and extra-regio
    mismatch = runner.invoke(main, ["info", str(out), "--year", "2018"])
    assert mismatch.exit_code == 2
    assert one_line(mismatch.output) == (f"error: --year 2018: the table in {out} is for year 2019; --year "
                                         "selects the year of bundled datasets")


def test_shock_and_report_on_the_provinces(runner, tmp_path):
    scenario = scenario_file(tmp_path)
    out = tmp_path / "run"
    result = runner.invoke(main, ["shock", str(scenario), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert "summary.txt" in names and "gas-demand_industries.csv" in names and "ario_production.csv" in names
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    report = tmp_path / "r.html"
    result = runner.invoke(main, ["report", "nl-corop", "--regroup", "province", "--out", str(report)])
    assert result.exit_code == 0, result.output
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "data:image/png;base64," in text and "Groningen" in text


# ------------------------------------------------------------------------------------ failures
FAILURES = [
    # (arguments, exit code, start of the one-line message); {tmp} is the test's folder
    (["info", "{tmp}/missing"], 2, "error: '{tmp}/missing' is neither a bundled dataset"),
    (["multipliers", "{tmp}/junk", "--out", "{tmp}/m.csv"], 2, "error: {tmp}/junk has no metadata.json"),
    (["info", "nl-corop", "--year", "2014"], 2, "error: dataset 'nl-corop' is not available for year 2014"),
    (["info", "nl-corop", "--regroup", "county"], 2, "error: --regroup 'county' is neither a named concordance"),
    (["trade", "nl-provinces", "--regroup", "province", "--out", "{tmp}/t.csv"], 2, "error: "),
    (["extract", "nl-provinces", "--region", "Atlantis", "--out", "{tmp}/e.csv"], 2, "error: "),
    (["extract", "nl-provinces", "--sector", "Unobtainium", "--out", "{tmp}/e.csv"], 2, "error: "),
    (["paths", "nl-provinces", "--final-demand", "Atlantis", "--out", "{tmp}/p.csv"], 2, "error: "),
    (["dependency", "nl-provinces", "--measure", "happiness", "--out", "{tmp}/d.csv"], 2, "error: "),
    (["multipliers", "nl-provinces", "--out", "{tmp}/m.txt"], 2, "error: cannot write {tmp}/m.txt: unknown suffix"),
    (["multipliers", "nl-provinces", "--out", "{tmp}/no/m.csv"], 2,
     "error: cannot write {tmp}/no/m.csv: folder {tmp}/no does not exist"),
    (["multipliers", "nl-provinces", "--out", "/proc/mrio_h6.csv"], 2,
     "error: cannot write /proc/mrio_h6.csv: folder /proc is not writable"),
    (["linkages", "nl-provinces", "--out", "/proc/mrio_h6.csv"], 2, "error: cannot write /proc/mrio_h6.csv"),
    (["report", "nl-provinces", "--out", "/proc/mrio_h6.html"], 2, "error: cannot write"),
    (["build", "--year", "2018", "--out", "/proc/mrio_h6"], 2, "error: cannot write /proc/mrio_h6"),
    (["build", "--year", "2030", "--out", "{tmp}/b"], 2, "error: no bundled CBS table for year 2030"),
    (["shock", "{tmp}/scenario.toml", "--out", "/proc/mrio_h6"], 2, "error: cannot write /proc/mrio_h6"),
    (["shock", "{tmp}/bad_region.toml", "--out", "{tmp}/run"], 2, "error: "),
    (["shock", "{tmp}/scenario.toml", "--year", "2013", "--out", "{tmp}/run"], 2, "error: dataset 'nl-provinces'"),
    (["multipliers", "nl-provinces", "--kind"], 2, None),  # click's own usage error
]


@pytest.mark.parametrize("args, code, message", FAILURES, ids=lambda v: " ".join(v[:2]) if isinstance(v, list)
                         else None)
def test_failures_exit_with_one_line_and_write_nothing(runner, tmp_path, args, code, message):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("not a table")
    scenario_file(tmp_path)
    bad = scenario_file(tmp_path, region="Atlantis").read_text()
    scenario_file(tmp_path)
    (tmp_path / "bad_region.toml").write_text(bad)
    before = listing(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(main, args)
    assert result.exit_code == code, result.output
    if message is not None:
        line = one_line(result.output)
        assert line.startswith(message.replace("{tmp}", str(tmp_path))), line
        assert "Traceback" not in result.output
    assert listing(tmp_path) == before  # nothing written, no temporary files left
    assert not Path("/proc/mrio_h6.csv").exists()


def test_unknown_labels_are_named(runner):
    region = runner.invoke(main, ["extract", "nl-provinces", "--region", "Atlantis"])
    assert region.exit_code == 2 and "Atlantis" in one_line(region.output)
    sector = runner.invoke(main, ["extract", "nl-provinces", "--sector", "Unobtainium"])
    assert sector.exit_code == 2 and "Unobtainium" in one_line(sector.output)
    shock = runner.invoke(main, ["paths", "nl-provinces", "--final-demand", "Atlantis"])
    assert shock.exit_code == 2 and "Atlantis" in one_line(shock.output)


def test_a_failed_shock_run_leaves_no_partial_output(runner, tmp_path, monkeypatch):
    from mrio import scenario as scenario_module

    real = scenario_module.write_table
    calls = []

    def fail_on_second(table, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(table, path)

    monkeypatch.setattr(scenario_module, "write_table", fail_on_second)
    spec = scenario_file(tmp_path)
    before = listing(tmp_path)
    result = runner.invoke(main, ["shock", str(spec), "--out", str(tmp_path / "run"), "--quiet"])
    assert result.exit_code == 1, result.output
    assert one_line(result.output).startswith("error: OSError: disk full")
    assert len(calls) == 2 and listing(tmp_path) == before


def test_failures_exit_1_and_debug_shows_the_traceback(runner, tmp_path, monkeypatch):
    idx = pd.MultiIndex.from_product([["r"], ["a", "b"]], names=["region", "sector"])
    Z = pd.DataFrame([[60.0, 90.0], [90.0, 60.0]], index=idx, columns=idx)
    Y = pd.DataFrame([[-50.0], [-50.0]], index=idx,
                     columns=pd.MultiIndex.from_tuples([("r", "final")], names=["region", "category"]))
    with pytest.warns(mrio.errors.MRIOWarning):
        mrio.MRIO.from_flows(Z, Y).write(tmp_path / "bad")
    with pytest.warns(mrio.errors.MRIOWarning):  # reading the folder warns; the analysis then fails
        result = runner.invoke(main, ["linkages", str(tmp_path / "bad"), "--out", str(tmp_path / "l.csv")])
    assert result.exit_code == 1
    assert one_line(result.output).startswith("error: the system is not productive")
    assert not (tmp_path / "l.csv").exists()
    # an unexpected error (a bug) is one line and exit 1 as well; --debug adds the traceback
    from mrio.ensemble import analyses  # the command's analysis (mrio.ensemble.analyses.MultiplierTable)

    def broken(*args, **kwargs):
        raise RuntimeError("something\nunexpected")

    monkeypatch.setattr(analyses, "multipliers", broken)
    plain = runner.invoke(main, ["multipliers", "nl-2000"])
    assert plain.exit_code == 1
    assert one_line(plain.output) == ("error: RuntimeError: something unexpected (run `mrio --debug ...` for "
                                      "the traceback)")
    debug = runner.invoke(main, ["--debug", "multipliers", "nl-2000"])
    assert debug.exit_code == 1 and "Traceback" in debug.output and "RuntimeError" in debug.output


def test_progress_shows_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    with _common.progress("loading nl-corop (built on first use)"):
        pass
    assert "loading nl-corop" in capsys.readouterr().err
    with _common.progress("quiet", enabled=False):
        pass
    assert capsys.readouterr().err == ""


def test_console_script_subprocess(tmp_path):
    script = Path(sys.executable).with_name("mrio")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from mrio.cli import main; main()"]
    env = dict(os.environ)
    random_mrio(2, 3, seed=5).write(tmp_path / "sys")
    ok = subprocess.run([*command, "linkages", "nl-provinces", "--out", str(tmp_path / "l.xlsx")],
                        capture_output=True, text=True, env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert len(pd.read_excel(tmp_path / "l.xlsx", index_col=[0, 1])) == 13 * 81  # 12 provinces and extra-regio
    bad = subprocess.run([*command, "extract", "nl-provinces", "--region", "Atlantis", "--out",
                          str(tmp_path / "e.csv")], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and bad.stdout == ""
    assert one_line(bad.stderr).startswith("error: ") and "Atlantis" in bad.stderr
    assert not (tmp_path / "e.csv").exists()
    debug = subprocess.run([*command, "--debug", "info", str(tmp_path / "missing")], capture_output=True,
                           text=True, env=env, timeout=300)
    assert debug.returncode == 2 and "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1].startswith("error: ")


# ------------------------------------------------------------------------------------ shock --out result sets
def _table_scenario(folder: Path, shocks: str, name: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\ntable = "sys"\n[outputs]\nformat = "csv"\n{shocks}',
                    encoding="utf-8")
    return path


TWO_SHOCKS = ('[[shocks]]\nname = "a"\nmodel = "demand"\nregions = "R0"\nshare = 0.1\n'
              '[[shocks]]\nname = "b"\nmodel = "iim"\nregions = "R1"\nshare = 0.2\n')
ONE_SHOCK = '[[shocks]]\nname = "c"\nmodel = "supply"\nregions = "R1"\nshare = 0.1\n'


def test_a_failed_rerun_keeps_the_previous_result_set(runner, tmp_path, monkeypatch):
    from mrio import scenario as scenario_module

    random_mrio(2, 3, seed=3).write(tmp_path / "sys")
    out = tmp_path / "run"
    assert runner.invoke(main, ["shock", str(_table_scenario(tmp_path, TWO_SHOCKS, "first")), "--out", str(out),
                                "--quiet"]).exit_code == 0
    contents = {p: (out / p).read_bytes() for p in listing(out)}

    def fail(table, path):
        raise OSError("disk full")

    monkeypatch.setattr(scenario_module, "write_table", fail)
    result = runner.invoke(main, ["shock", str(_table_scenario(tmp_path, ONE_SHOCK, "second")), "--out", str(out),
                                  "--quiet", "--overwrite"])
    assert result.exit_code == 1
    assert {p: (out / p).read_bytes() for p in listing(out)} == contents


# ------------------------------------------------------------------------------------ build --internal-distances
INTERNAL = [
    # (file content, start of the message after "error: ")
    (b"\x00\xff\xfe garbage\n\"unclosed", "cannot read the internal distances"),
    ("", "cannot read the internal distances"),
    ("name,km\nGroningen,5\n", "{path}: internal distances need exactly the columns region,distance"),
    ("region,distance\n", "{path}: no internal distances"),
    ("region,distance\nOost-Groningen,abc\n", "{path}: internal distances must be finite numbers >= 0"),
    ("region,distance\nOost-Groningen,-3\n", "{path}: internal distances must be finite numbers >= 0"),
    ("region,distance\nOost-Groningen,inf\n", "{path}: internal distances must be finite numbers >= 0"),
    ("region,distance\nOost-Groningen,\n", "{path}: internal distances must be finite numbers >= 0"),
    ("region,distance\nOost-Groningen,3\nOost-Groningen,4\n", "{path}: regions listed more than once"),
    ("region,distance\nAtlantis,3\n", "{path}: regions not in the distance matrix: 'Atlantis'"),
    ("region,distance\nOost-Groningen,3\n", "{path}: internal distances missing for"),
]


@pytest.mark.parametrize("content, message", INTERNAL)
def test_build_rejects_malformed_internal_distances(runner, tmp_path, content, message):
    path = tmp_path / "internal.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = listing(tmp_path)
    result = runner.invoke(main, ["build", "--year", "2018", "--internal-distances", str(path), "--out",
                                  str(tmp_path / "b")])
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert line.startswith("error: " + message.replace("{path}", str(path))), line
    assert str(path) in line and "Traceback" not in result.output
    assert listing(tmp_path) == before


def test_valid_internal_distances_are_read_by_region(tmp_path):
    from mrio.cli._build import _internal_distances

    path = tmp_path / "internal.csv"
    path.write_text("region,distance\nB,0\nA,2.5\n")  # any order; 0 = the documented default
    got = _internal_distances(path, pd.Index(["A", "B"]))
    pd.testing.assert_series_equal(got.loc[["A", "B"]], pd.Series([2.5, 0.0], index=["A", "B"], name="distance"))
