"""Command line ensembles: --draws N --seed S [--workers W | --scheduler ADDRESS]."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from mrio import ensemble
from mrio.cli import main
from mrio.core.testing import random_mrio

SPLIT = ["dependency", "nl-corop", "--measure", "value-added", "--table", "split"]


@pytest.fixture
def runner():
    return CliRunner()


def test_the_issue_command_gives_the_same_file_with_one_and_two_workers(runner, tmp_path):
    files = {}
    for workers in (2, 1):
        files[workers] = tmp_path / f"f{workers}.csv"
        result = runner.invoke(main, [*SPLIT, "--draws", "2", "--seed", "7", "--workers", str(workers),
                                      "--out", str(files[workers])])
        assert result.exit_code == 0, result.output
    assert files[1].read_bytes() == files[2].read_bytes()
    table = pd.read_csv(files[2], index_col=[0, 1])
    if "unit" in table.columns:  # record tables carry their unit (issue 13, item 20)
        table = table.drop(columns="unit")
    assert list(table.columns) == list(ensemble.STATISTICS)
    assert len(table) == 41 * 7
    # the point column is the plain command's table
    plain = tmp_path / "plain.csv"
    assert runner.invoke(main, [*SPLIT, "--out", str(plain)]).exit_code == 0
    point = pd.read_csv(plain, index_col=0).drop(columns="unit", errors="ignore").stack()
    np.testing.assert_allclose(table["point"].to_numpy(), point.to_numpy(), rtol=1e-12)
    shares = table.xs("own_region_share", level="quantity")
    assert ((shares["p5"] <= shares["p50"]) & (shares["p50"] <= shares["p95"])).all()


def test_multipliers_bands_in_process(runner, tmp_path):
    out = tmp_path / "m.parquet"
    result = runner.invoke(main, ["multipliers", "nl-provinces", "--kind", "value-added", "--draws", "2",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert list(table.columns) == list(ensemble.STATISTICS) and len(table) == 13 * 81
    defined = table[["p5", "p95"]].notna().all(axis=1)  # multipliers are undefined at zero output (extra-regio)
    assert (table.loc[defined, "p5"] <= table.loc[defined, "p95"]).all() and defined.mean() > 0.9


@pytest.mark.parametrize("args, message", [
    (["--workers", "2"], "give --draws N"),
    (["--draws", "2", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
    (["--draws", "0"], "--draws"),
])
def test_usage_errors_exit_2(runner, args, message):
    result = runner.invoke(main, [*SPLIT, *args])
    assert result.exit_code == 2 and message in result.output


def test_a_table_that_cannot_be_rebuilt_is_bad_input(runner, tmp_path):
    random_mrio(3, 2, seed=1).write(tmp_path / "sys")
    result = runner.invoke(main, ["extract", str(tmp_path / "sys"), "--region", "R1", "--draws", "2"])
    assert result.exit_code == 2 and "cannot be rebuilt" in result.output


SCENARIO = """
[scenario]
name = "small"
dataset = "nl-2000"

[[shocks]]
name = "d"
model = "demand"
sectors = ["{sector}"]
share = 0.4
direction = "decrease"

[outputs]
format = "csv"
"""


def test_shock_parameter_draws_on_one_table_known_answer(runner, tmp_path):
    import mrio
    from mrio.build.draws import draw_values
    from mrio.ensemble.analyses import shock_parameter
    from mrio.shocks.scenario import load_scenario, scenario_tables

    sector = mrio.load("nl-2000").sectors[1]
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(sector=sector))
    out = tmp_path / "out"
    result = runner.invoke(main, ["shock", str(path), "--draws", "30", "--seed", "4", "--vary", "d.share=0.2:0.6",
                                  "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    bands = pd.read_csv(out / "d_industries.csv")
    assert (out / "summary.txt").read_text().count("d.share") >= 1
    scenario = load_scenario(path)
    # demand propagation is linear in the share: each draw is share_i / 0.4 times the file's result
    base, _ = scenario_tables(scenario)
    base = base["d_industries"]
    base = base[base["measure"] == "output"].set_index(["region", "sector"])
    column = "change"
    uncertain = shock_parameter(scenario, "d.share", 0.2, 0.6)
    shares = np.array([draw_values([uncertain], 4, i)["d.share"] for i in range(30)])
    draws = np.outer(shares / 0.4, base[column].to_numpy())
    mine = bands[(bands["quantity"] == column) & (bands["measure"] == "output")]
    mine = mine.set_index(["region", "sector"]).loc[base.index]
    np.testing.assert_allclose(mine["point"], base[column], rtol=1e-12)
    for p in (5, 50, 95):
        np.testing.assert_allclose(mine[f"p{p}"], np.percentile(draws, p, axis=0), rtol=1e-9, atol=1e-9)


def test_vary_needs_draws_and_a_known_field(runner, tmp_path):
    import mrio

    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(sector=mrio.load("nl-2000").sectors[1]))
    result = runner.invoke(main, ["shock", str(path), "--vary", "d.share=0.2:0.6", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "give --draws" in result.output
    result = runner.invoke(main, ["shock", str(path), "--draws", "2", "--vary", "d.kind=0:1",
                                  "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "cannot be drawn" in result.output
    result = runner.invoke(main, ["shock", str(path), "--draws", "2", "--vary", "d.share=0.5:0.6",
                                  "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "low <= default <= high" in result.output


def test_who_depends_on_a_destination_with_bands(runner, tmp_path):
    """--destination/--top/--origin work with --draws: the top rows of the point estimate, with bands."""
    plain, bands = tmp_path / "plain.csv", tmp_path / "bands.csv"
    args = ["dependency", "nl-provinces", "--destination", "Utrecht", "--top", "3"]
    assert runner.invoke(main, [*args, "--out", str(plain)]).exit_code == 0
    result = runner.invoke(main, [*args, "--draws", "2", "--seed", "3", "--out", str(bands)])
    assert result.exit_code == 0, result.output
    point = pd.read_csv(plain, index_col="origin").drop(columns="unit")
    table = pd.read_csv(bands, index_col=["origin", "quantity"]).drop(columns="unit", errors="ignore")
    assert list(dict.fromkeys(table.index.get_level_values("origin"))) == list(point.index)
    np.testing.assert_allclose(table["point"].unstack("quantity").loc[point.index, point.columns], point,
                               rtol=1e-12)
    assert ((table["p5"] <= table["p95"]) | table["p5"].isna()).all()
    shares = runner.invoke(main, ["dependency", "nl-provinces", "--table", "shares", "--origin", "Utrecht,Drenthe",
                                  "--top", "1", "--draws", "2", "--out", str(bands)])
    assert shares.exit_code == 0, shares.output
    table = pd.read_csv(bands, index_col=["origin", "destination"])
    assert len(set(table.index.get_level_values("origin"))) == 1
    assert set(table.index.get_level_values("origin")) <= {"Utrecht", "Drenthe"}
    np.testing.assert_allclose(table["point"].sum(), 1.0, rtol=1e-12)
