"""``mrio validate``: tidy output, the uniform model, bad input (issue 11)."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from mrio.cli import main


def test_validate_writes_tidy_rows(shared_data, tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(main, ["validate", "--truth", "wiod2011", "--data", str(shared_data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert {"truth", "metric", "value"} <= set(table.columns)
    assert set(table["truth"]) == {"wiod2011"}
    assert "log trade correlation" in set(table["metric"])


def test_validate_prints_a_table_for_the_uniform_model(shared_data):
    result = CliRunner().invoke(main, ["validate", "--truth", "japan", "--data", str(shared_data), "--trade", "uniform"])
    assert result.exit_code == 0, result.output
    assert "local supply share MAE" in result.output and "uniform" in result.output


def test_validate_bad_input_exits_2(shared_data, tmp_path):
    result = CliRunner().invoke(main, ["validate", "--truth", "japan", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "japan2015_regional" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["validate", "--truth", "mars"])
    assert result.exit_code == 2
    result = CliRunner().invoke(main, ["validate", "--truth", "japan", "--data", str(shared_data),
                                       "--trade", "uniform", "--trade-parameters", __file__])
    assert result.exit_code == 2
