"""Command line: mrio dependency, extract, linkages, paths, trade."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mrio
from mrio.cli import main
from mrio.dependency import dependency_matrix, spillover_feedback
from mrio.extraction import extract, extraction_table
from mrio.linkages import eigenvector_linkages
from mrio.testing import random_mrio
from mrio.trade import kww_decomposition


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def system_folder(tmp_path):
    random_mrio(4, 3, seed=42).write(tmp_path / "sys")
    return tmp_path / "sys"


def one_line(text):
    lines = [line for line in text.strip().splitlines() if line]
    assert len(lines) == 1, text
    return lines[0]


def test_dependency_writes_the_matrix(runner, system_folder, tmp_path):
    out = tmp_path / "dep.csv"
    result = runner.invoke(main, ["dependency", str(system_folder), "--measure", "jobs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col=0)
    expected = dependency_matrix(mrio.read(system_folder), "jobs").by_destination
    assert table.pop("unit").nunique() == 1
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert list(table.columns) == list(expected.columns)


def test_dependency_regroup_csv_and_tables(runner, system_folder, tmp_path):
    concordance = tmp_path / "groups.csv"
    concordance.write_text("region,group\nR0,north\nR1,north\nR2,south\nR3,south\n")
    out = tmp_path / "split.parquet"
    result = runner.invoke(main, ["dependency", str(system_folder), "--by", "region-sector", "--regroup",
                                  str(concordance), "--table", "split", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    system = mrio.read(system_folder)
    assert table["total"].sum() == pytest.approx(system.value_added.sum(), rel=1e-12)
    assert set(table.index.get_level_values("region")) == {"north", "south"}
    amounts = runner.invoke(main, ["dependency", str(system_folder), "--table", "amounts"])
    assert amounts.exit_code == 0 and "R0 / household" in amounts.output
    shares = runner.invoke(main, ["dependency", str(system_folder), "--table", "shares"])
    assert shares.exit_code == 0 and "destination region (columns); rows sum to 1" in shares.output
    effects = tmp_path / "effects.csv"
    result = runner.invoke(main, ["dependency", str(system_folder), "--table", "effects",
                                  "--out", str(effects)])
    assert result.exit_code == 0, result.output
    expected = spillover_feedback(system, "value-added", by="region")["spillover"]
    np.testing.assert_allclose(pd.read_csv(effects, index_col=0)["spillover"], expected, rtol=1e-12)
    both = runner.invoke(main, ["dependency", str(system_folder), "--table", "effects", "--regroup",
                                str(concordance)])
    assert both.exit_code == 2 and "--regroup" in both.output


def test_dependency_residents_tables(runner, tmp_path):
    """--table residents / residents-split: type II attribution by region of residence, through commuting."""
    from mrio.core.system import COMMUTING_KEY, commuting_meta

    system = random_mrio(3, 2, seed=5)
    jobs = pd.DataFrame([[10.0, 4.0, 0.0], [2.0, 8.0, 1.0], [0.0, 3.0, 6.0]], index=system.regions,
                        columns=system.regions)
    system.with_meta(**{COMMUTING_KEY: commuting_meta(jobs)}).write(tmp_path / "sys")
    out = tmp_path / "residents.csv"
    result = runner.invoke(main, ["dependency", str(tmp_path / "sys"), "--measure", "jobs", "--table", "residents",
                                  "--origin", "R1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col=0).drop(columns="unit")
    expected, split = mrio.residents_dependency(system, "jobs", commuting=jobs)
    np.testing.assert_allclose(table.loc["R1"], expected.loc["R1"], rtol=1e-12)
    shown = runner.invoke(main, ["dependency", str(tmp_path / "sys"), "--measure", "jobs", "--table",
                                 "residents-split"])
    assert shown.exit_code == 0 and "own_residents" in shown.output and "type II" in shown.output
    employed = system.F.loc["employment"].groupby(level="region").sum()
    np.testing.assert_allclose(split["total"], employed, rtol=1e-9)  # the household-closed total: the table's
    wrong = runner.invoke(main, ["dependency", str(tmp_path / "sys"), "--table", "residents",
                                 "--destination", "R0"])
    assert wrong.exit_code == 2 and "regions of residence" in wrong.output


def test_extract_each_and_selection(runner, system_folder, tmp_path):
    system = mrio.read(system_folder)
    out = tmp_path / "hem.csv"
    result = runner.invoke(main, ["extract", str(system_folder), "--each", "industry",
                                  "--measure", "value-added", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col=[0, 1])
    np.testing.assert_allclose(table["backward"], extraction_table(system, measure="value-added")["backward"],
                               rtol=1e-12)
    result = runner.invoke(main, ["extract", str(system_folder), "--region", "R1", "--sector", "s0,s2",
                                  "--kind", "backward", "--share", "0.5"])
    assert result.exit_code == 0, result.output
    expected = extract(system, "backward", regions=["R1"], sectors=["s0", "s2"], share=0.5).losses["output"]
    assert f"{expected:.4f}"[:8] in result.output
    each_region = runner.invoke(main, ["extract", str(system_folder), "--each", "region", "--kind", "total"])
    assert each_region.exit_code == 0 and "total_normalised" in each_region.output


def test_linkages_paths_trade(runner, system_folder, tmp_path):
    system = mrio.read(system_folder)
    out = tmp_path / "ev.csv"
    result = runner.invoke(main, ["linkages", str(system_folder), "--method", "eigenvector",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col=[0, 1])
    expected = eigenvector_linkages(system)
    np.testing.assert_allclose(table["backward"], expected.loc[table.index, "backward"], rtol=1e-10)
    key = runner.invoke(main, ["linkages", "nl-2000", "--key-only"])
    assert key.exit_code == 0 and "key" in key.output
    paths = runner.invoke(main, ["paths", str(system_folder), "--measure", "co2", "--depth", "3",
                                 "--top", "40", "--final-demand", "RoW"])
    assert paths.exit_code == 0, paths.output
    assert "paths enumerated cover" in paths.output and "<-" in paths.output
    out = tmp_path / "kww.csv"
    result = runner.invoke(main, ["trade", str(system_folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(pd.read_csv(out, index_col=0)["gross_exports"],
                               kww_decomposition(system)["gross_exports"], rtol=1e-12)
    vax = runner.invoke(main, ["trade", "nl-2000", "--table", "vax"])
    assert vax.exit_code == 0 and "vax_ratio" in vax.output


def test_bad_input_exits_2_with_one_line(runner, system_folder, tmp_path):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("corop,province\nR0,a\n")
    cases = [
        (["dependency", "nl-2000", "--measure", "water"], "unknown measure 'water'"),
        (["dependency", str(system_folder), "--regroup", "counties"], "neither a named concordance"),
        (["dependency", str(system_folder), "--regroup", str(bad_csv)], "needs the columns 'region,group'"),
        (["extract", "nl-2000", "--region", "Atlantis"], "unknown regions: 'Atlantis'"),
        (["extract", "nl-2000", "--sector", "nope", "--kind", "forward"], "unknown sectors: 'nope'"),
        (["extract", "nl-2000"], "nothing to extract"),
        (["paths", "nl-2000", "--final-demand", "Mars"], "unknown final-demand destination 'Mars'"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert message in one_line(result.output), (args, result.output)
    usage = runner.invoke(main, ["extract", "nl-2000", "--each", "industry", "--region", "NL"])
    assert usage.exit_code == 2 and "--each replaces" in usage.output
    missing = tmp_path / "groups.csv"
    incomplete = runner.invoke(main, ["dependency", str(system_folder), "--regroup", str(missing)])
    assert incomplete.exit_code == 2
    missing.write_text("region,group\nR0,a\nR1,a\n")  # partial: only the regions to merge
    partial = runner.invoke(main, ["dependency", str(system_folder), "--regroup", str(missing)])
    assert partial.exit_code == 0 and "\na " in partial.output and "\nR2 " in partial.output
    missing.write_text("region,group\nR0,a\nR9,a\n")
    typo = runner.invoke(main, ["dependency", str(system_folder), "--regroup", str(missing)])
    assert typo.exit_code == 2 and "'R9'" in one_line(typo.output)


def test_dependency_regroup_named_concordance_on_nl_corop(runner, tmp_path):
    out = tmp_path / "provinces.csv"
    result = runner.invoke(main, ["dependency", "nl-corop", "--regroup", "province", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col=0).drop(columns="unit")
    assert len(table) == 13 and "RoW" in table.columns  # 12 provinces and extra-regio, kept apart
    assert table.to_numpy().sum() == pytest.approx(mrio.load("nl-corop").value_added.sum(), rel=1e-9)


def test_who_depends_on_a_destination(runner, system_folder, tmp_path):
    out = tmp_path / "on_r1.csv"
    result = runner.invoke(main, ["dependency", str(system_folder), "--destination", "R1", "--top", "3",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col="origin")
    full = dependency_matrix(mrio.read(system_folder), "value-added")
    share = full.by_destination["R1"] / full.split["total"]
    expected = share.sort_values(ascending=False).iloc[:3]
    assert list(table.index) == list(expected.index)
    np.testing.assert_allclose(table["share_of_origin_total"], expected, rtol=1e-12)
    np.testing.assert_allclose(table["amount"], full.by_destination["R1"].loc[expected.index], rtol=1e-12)
    assert set(table["unit"]) == {full.unit}
    printed = runner.invoke(main, ["dependency", str(system_folder), "--destination", "R1"])
    assert "who depends on final demand in R1" in printed.output


def test_shares_by_destination_region_and_origin_rows(runner, system_folder, tmp_path):
    out = tmp_path / "shares.csv"
    result = runner.invoke(main, ["dependency", str(system_folder), "--table", "shares", "--origin", "R0,R2",
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, index_col="origin").drop(columns="unit")
    full = dependency_matrix(mrio.read(system_folder), "value-added")
    expected = full.by_destination.div(full.split["total"], axis=0).loc[["R0", "R2"]]
    assert list(table.columns) == list(expected.columns)  # destination regions, not categories
    np.testing.assert_allclose(table.to_numpy(), expected.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(table.sum(axis=1), 1.0, rtol=1e-12)
    bad = runner.invoke(main, ["dependency", str(system_folder), "--origin", "R9"])
    assert bad.exit_code == 2 and "R9" in bad.output


def test_multipliers_say_when_totals_are_the_same_in_every_region(runner, tmp_path):
    # nl-provinces: regional value added (CBS regional accounts) makes the totals differ
    result = runner.invoke(main, ["multipliers", "nl-provinces"])
    assert result.exit_code == 0 and "same in every region" not in result.output
    # the same build with the national value-added coefficients in every region: they do not
    from mrio.build.nl import build_nl_corop

    mrio.write(build_nl_corop(value_added=None), tmp_path / "national-technology")
    result = runner.invoke(main, ["multipliers", str(tmp_path / "national-technology")])
    assert result.exit_code == 0 and "same in every region" in result.output
    assert "dependency --table effects" in result.output
