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
    assert list(table.columns) == list(ensemble.STATISTICS)
    assert len(table) == 40 * 7
    # the point column is the plain command's table
    plain = tmp_path / "plain.csv"
    assert runner.invoke(main, [*SPLIT, "--out", str(plain)]).exit_code == 0
    point = pd.read_csv(plain, index_col=0).stack()
    np.testing.assert_allclose(table["point"].to_numpy(), point.to_numpy(), rtol=1e-12)
    shares = table.xs("own_region_share", level="quantity")
    assert ((shares["p5"] <= shares["p50"]) & (shares["p50"] <= shares["p95"])).all()


def test_multipliers_bands_in_process(runner, tmp_path):
    out = tmp_path / "m.parquet"
    result = runner.invoke(main, ["multipliers", "nl-provinces", "--kind", "value-added", "--draws", "2",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert list(table.columns) == list(ensemble.STATISTICS) and len(table) == 12 * 81
    assert (table["p5"] <= table["p95"]).all()


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
