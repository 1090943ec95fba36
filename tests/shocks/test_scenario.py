"""Scenario files: parsing, validation before computation, running, the `mrio shock` command."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import mrio
from mrio import scenario as sc
from mrio.cli import main
from mrio.errors import ScenarioError
from mrio.testing import random_mrio

GOOD = """
[scenario]
name = "test"
table = "system"

[[shocks]]
name = "boom"
model = "demand"
regions = ["R0"]
sectors = ["s1", "s2"]
share = 0.2
direction = "increase"
categories = ["household"]

[[shocks]]
name = "national"
model = "national_demand"
sectors = ["s0"]
amount = 10.0

[[shocks]]
name = "ghosh"
model = "supply"
regions = "R1"
share = 0.1

[[shocks]]
name = "closure"
model = "mixed"
regions = ["R2"]
sectors = ["s3"]
share = 0.5

[[shocks]]
name = "iim"
model = "iim"
regions = ["R1"]
share = 0.3

[[shocks]]
name = "diim"
model = "diim"
regions = ["R0"]
sectors = "s0"
share = 0.2
recovery = 30

[[shocks]]
name = "flood"
model = "ario"
kind = "rebuild"
regions = ["R0"]
sectors = ["s0", "s1"]
share = 0.3
start = 2
duration = 5
rebuilding_sectors = { s2 = 1.0 }

[outputs]
format = "csv"
steps = 60
measures = ["output", "employment"]
top = 3
"""


@pytest.fixture
def folder(tmp_path) -> Path:
    random_mrio(3, 4, seed=11).write(tmp_path / "system")
    return tmp_path


def write(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_parse_and_run_every_model(folder):
    path = write(folder, GOOD)
    scen = sc.load_scenario(path)
    assert [s.model for s in scen.shocks] == ["demand", "national_demand", "supply", "mixed", "iim", "diim",
                                              "ario"]
    run = sc.run_scenario(scen, folder / "out")
    names = {p.name for p in run.files}
    assert {"boom_industries.csv", "national_industries.csv", "ghosh_industries.csv", "closure_industries.csv",
            "iim_industries.csv", "diim_trajectory.csv", "ario_production.csv", "summary.txt"} <= names
    summary = (folder / "out" / "summary.txt").read_text()
    for text in ("most affected regions", "total production loss", "peak", "recovery", "CAVEAT"):
        assert text in summary
    boom = pd.read_csv(folder / "out" / "boom_industries.csv")
    assert set(boom["measure"]) == {"output", "employment"}
    assert (boom["change"] >= -1e-12).all() and boom["change"].sum() > 0
    system = mrio.read(folder / "system")
    expected = mrio.shocks.propagate_demand(
        system, mrio.shocks.final_demand_change(system, "R0", ["s1", "s2"], share=0.2, categories="household"))
    out = boom[boom["measure"] == "output"]["change"].sum()
    assert out == pytest.approx(expected.output.to_numpy().sum())
    national = pd.read_csv(folder / "out" / "national_industries.csv")
    assert national[(national.measure == "output")]["direct"].sum() == pytest.approx(-10.0)
    assert len(pd.read_csv(folder / "out" / "ario_production.csv")) == 60 * 3


def _error(folder, text, match):
    path = write(folder, text)
    with pytest.raises(ScenarioError, match=match):
        sc.run_scenario(path, folder / "never")
    assert not (folder / "never").exists()  # rejected before any computation or output


def test_bad_scenarios_rejected_before_computation(folder):
    _error(folder, GOOD.replace('regions = ["R0"]\nsectors = ["s1", "s2"]', 'regions = ["Atlantis"]\nsectors = ["s1"]'),
           r"shocks\[0\] \('boom'\).*Atlantis")
    _error(folder, GOOD.replace('sectors = ["s0", "s1"]', 'sectors = ["s0", "unobtainium"]'),
           r"shocks\[6\] \('flood'\).*unobtainium")
    _error(folder, GOOD.replace("share = 0.3\nstart", "share = 1.3\nstart"), r"shocks\[6\] \('flood'\)\.share.*<= 1")
    _error(folder, GOOD.replace("share = 0.2\ndirection", "share = -0.2\ndirection"),
           r"shocks\[0\] \('boom'\)\.share.*>= 0")
    _error(folder, GOOD.replace("duration = 5", "duration = -5"), r"'flood'\)\.duration.*>= 0")
    _error(folder, GOOD.replace("recovery = 30", "recovery = 0"), r"'diim'\)\.recovery")
    _error(folder, GOOD.replace('model = "iim"', 'model = "magic"'), r"'iim'\)\.model.*magic")
    _error(folder, GOOD.replace("[outputs]", "[outputs]\ncolour = 1"), r"\[outputs\].*colour")
    _error(folder, GOOD + "\n[[shocks]]\nname = 'boom'\nmodel = 'demand'\nshare = 0.1\n", "unique.*boom")
    _error(folder, GOOD.replace('categories = ["household"]', 'categories = ["tourism"]'), "tourism")
    _error(folder, GOOD.replace('rebuilding_sectors = { s2 = 1.0 }', 'rebuilding_sectors = { s2 = 0.5 }'),
           "sum to 1")
    _error(folder, GOOD.replace('table = "system"', 'table = "missing"'), "does not exist")
    _error(folder, GOOD.replace('table = "system"', 'dataset = "atlantis-2030"'), "atlantis-2030")


def test_malformed_toml_and_structure(folder):
    _error(folder, "[scenario\nname = 1", "malformed TOML")
    _error(folder, '[scenario]\ntable = "system"\n', r"\[\[shocks\]\].*at least one")
    _error(folder, '[scenario]\ntable = "system"\ndataset = "nl-2000"\n[[shocks]]\nmodel="demand"\nshare=0.1\n',
           "exactly one of dataset")
    _error(folder, '[scenario]\ntable = "system"\n[[shocks]]\nmodel="demand"\nshare=0.1\namount=3\n',
           "exactly one of share and amount")
    _error(folder, '[scenario]\ntable = "system"\n[[shocks]]\nmodel="diim"\namount=3\n', "needs share")
    _error(folder, '[scenario]\ntable = "system"\n[[shocks]]\nmodel="national_demand"\nregions=["R0"]\n'
                   'sectors=["s0"]\namount=3\n', "national shock")
    with pytest.raises(ScenarioError, match="cannot read"):
        sc.load_scenario(folder / "nope.toml")


def test_regrouped_dataset(folder):
    text = GOOD.replace('table = "system"', 'table = "system"\n[scenario.aggregate]\n'
                        'regions = { R0 = "North", R1 = "North", R2 = "South" }')
    text = text.replace('regions = ["R0"]', 'regions = ["North"]').replace('regions = ["R2"]', 'regions = ["South"]')
    text = text.replace('regions = "R1"', 'regions = "South"').replace('regions = ["R1"]', 'regions = ["South"]')
    run = sc.run_scenario(write(folder, text), folder / "agg")
    assert "North" in run.summary
    _error(folder, text.replace(', R2 = "South"', ', R9 = "South"'), r"aggregate.*R9")
    # a concordance name, as with --regroup: here the table is no COROP table, so the name is checked
    _error(folder, text.replace('regions = { R0 = "North", R1 = "North", R2 = "South" }', 'regions = "county"'),
           r"aggregate.*unknown region concordance 'county'")


def test_cli_shock(folder):
    path = write(folder, GOOD)
    runner = CliRunner()
    result = runner.invoke(main, ["shock", str(path), "--out", str(folder / "cli"), "--steps", "20"])
    assert result.exit_code == 0, result.output
    assert "most affected regions" in result.output and "wrote" in result.output
    assert (folder / "cli" / "summary.txt").exists()
    assert len(pd.read_csv(folder / "cli" / "ario_production.csv")) == 20 * 3
    bad = write(folder, GOOD.replace('regions = "R1"', 'regions = "Atlantis"'), "bad.toml")
    result = runner.invoke(main, ["shock", str(bad), "--out", str(folder / "cli2")])
    assert result.exit_code == 2
    assert "Atlantis" in result.output and "ghosh" in result.output


def test_national_share_shock_is_that_share_of_each_sector(folder):
    """A national shock given as a share changes each sector's final demand by that share of it."""
    path = write(folder, '''
        [scenario]
        table = "system"
        [[shocks]]
        name = "national"
        model = "national_demand"
        sectors = ["s0", "s3"]
        share = 0.1
        direction = "decrease"
        ''')
    sc.run_scenario(sc.load_scenario(path), folder / "out")
    system = mrio.read(folder / "system")
    national = pd.read_parquet(folder / "out" / "national_industries.parquet")
    direct = national[national.measure == "output"].groupby("sector")["direct"].sum()
    demand = system.Y.sum(axis=1).groupby(level="sector").sum()
    assert demand["s0"] != pytest.approx(demand["s3"])  # unequal sectors: a mean would be wrong
    for sector in ("s0", "s3"):
        assert direct[sector] == pytest.approx(-0.1 * demand[sector], rel=1e-12)


def test_a_sector_listed_twice_is_rejected(folder):
    _error(folder, '[scenario]\ntable = "system"\n[[shocks]]\nmodel="demand"\nregions=["R0"]\n'
                   'sectors=["s1", "s1"]\namount=5.0\n', r"listed more than once: 's1'")


# ------------------------------------------------------------------------------------ keys a model does not use
UNUSED = [
    # (shock entries after name/model/share, model, the offending key)
    ('regions = "R1"\ncategories = ["household"]', "supply", "categories"),
    ('regions = "R1"\ndestinations = ["R0"]', "supply", "destinations"),
    ('regions = "R2"\nsectors = "s3"\ncategories = ["household"]', "mixed", "categories"),
    ('regions = "R0"\nsectors = "s0"\ncategories = ["household"]', "ario", "categories"),
    ('regions = "R0"\nduration = 5', "demand", "duration"),
    ('regions = "R0"\nkind = "capacity"', "iim", "kind"),
    ('regions = "R0"\nbasis = "output"', "demand", "basis"),
    ('regions = "R0"\nrecovery = 20', "supply", "recovery"),
    ('regions = "R0"\nstart = 3', "diim", "start"),
    ('sectors = "s0"\nstart = 3', "national_demand", "start"),
]


@pytest.mark.parametrize("body, model, key", UNUSED, ids=lambda v: v if isinstance(v, str) and "\n" not in v
                         else None)
def test_a_key_the_model_does_not_use_is_rejected(folder, body, model, key):
    text = f'[scenario]\ntable = "system"\n[[shocks]]\nname = "x"\nmodel = "{model}"\nshare = 0.1\n{body}\n'
    _error(folder, text, rf"s\.toml: shocks\[0\] \('x'\)\.{key}: not used by model '{model}'")


def test_diim_categories_need_duration_and_rebuilding_sectors_need_rebuild(folder):
    head = '[scenario]\ntable = "system"\n[[shocks]]\nname = "x"\n'
    _error(folder, head + 'model = "diim"\nshare = 0.1\ncategories = ["household"]\n',
           r"shocks\[0\] \('x'\)\.categories: a diim shock selects final demand only with duration")
    _error(folder, head + 'model = "ario"\nkind = "recover"\nshare = 0.1\nrebuilding_sectors = { s2 = 1.0 }\n',
           r"shocks\[0\] \('x'\)\.rebuilding_sectors: not used by an ario event of kind 'recover'")
    # GOOD itself uses only keys its models read
    assert len(sc.load_scenario(write(folder, GOOD)).shocks) == 7


def test_shipped_examples_use_only_keys_their_models_read():
    for path in sorted((Path(__file__).parents[2] / "data" / "examples").glob("*.toml")):
        assert sc.load_scenario(path).shocks, path


def _diim(folder, extra: str, steps: int, name: str) -> pd.DataFrame:
    path = write(folder, f'''
        [scenario]
        table = "system"
        [[shocks]]
        name = "d"
        model = "diim"
        regions = ["R1"]
        sectors = ["s0", "s2"]
        categories = ["household"]
        share = 0.4
        recovery = 8
        {extra}
        [outputs]
        format = "csv"
        steps = {steps}
        ''', f"{name}.toml")
    sc.run_scenario(sc.load_scenario(path), folder / name)
    return pd.read_csv(folder / name / "d_trajectory.csv")


def test_diim_duration_is_how_long_the_demand_reduction_lasts(folder):
    """With duration, diim reduces the selected final demand by share for duration steps from q = 0.

    Known answer (Lian & Haimes 2006; docs/methods/shocks.md, section "Dynamic inoperability (DIIM)"): held
    for good, the dynamic inoperability
    converges to the static IIM of the same demand reduction; a reduction lasting 0 steps does
    nothing; one lasting d steps equals the library call with ``duration=d``.
    """
    system = mrio.read(folder / "system")
    reduction = 0.4 * mrio.shocks.final_demand_change(system, "R1", ["s0", "s2"], share=1.0,
                                                       categories="household")
    static = mrio.shocks.inoperability(system, reduction.rename("d")).loss.iloc[:, 0]
    held = _diim(folder, "duration = 400", 400, "held")
    last = held[held["time"] == held["time"].max()].set_index("region")["output_loss"]
    expected = static.groupby(level="region", sort=False).sum() / 365  # annual loss, one day of it
    assert static.sum() > 0
    pd.testing.assert_series_equal(last.loc[expected.index], expected, check_names=False, rtol=1e-6)
    assert (_diim(folder, "duration = 0", 30, "none")["output_loss"].abs() < 1e-12).all()
    short = _diim(folder, "duration = 5", 30, "short")
    direct = mrio.shocks.dynamic_inoperability(system, recovery_time=8.0, demand_reduction=reduction,
                                               duration=5, steps=30)
    by_step = short.groupby("time")["output_loss"].sum()
    np.testing.assert_allclose(by_step.to_numpy(), direct.loss.sum(axis=1).to_numpy(), rtol=1e-12, atol=1e-12)
    assert by_step.iloc[5] > by_step.iloc[-1] > 0  # recovering once the reduction ends


def test_dynamic_models_share_one_time_convention(folder):
    """DIIM losses and ARIO production are both per step (a day): annual flows / steps_per_year."""
    text = textwrap.dedent("""
        [scenario]
        name = "t"
        table = "system"

        [[shocks]]
        name = "cut"
        model = "diim"
        regions = ["R0"]
        sectors = ["s0"]
        share = 0.5
        duration = 30
        recovery = 10

        [[shocks]]
        name = "quake"
        model = "ario"
        kind = "capacity"
        regions = ["R0"]
        share = 0.0

        [outputs]
        format = "csv"
        steps = 60
        """)
    run = sc.run_scenario(write(folder, text), folder / "out")
    system = mrio.read(folder / "system")
    # ARIO without damage produces baseline output per step: x / 365
    production = pd.read_csv(folder / "out" / "ario_production.csv")
    assert production[production.step == 0]["production"].sum() == pytest.approx(system.x.sum() / 365)
    # 30 days of a 50 % cut of R0/s0's final demand lose about 30/365 of the static annual loss, not 30 times it
    reduction = pd.Series(0.0, index=system.index)
    reduction[("R0", "s0")] = 0.5 * system.Y.loc[("R0", "s0")].sum()
    static = mrio.shocks.inoperability(system, reduction).loss.to_numpy().sum()
    loss = pd.read_csv(folder / "out" / "cut_industries.csv")["total_loss"].sum()
    assert 0.5 * 30 / 365 * static < loss < 1.5 * 30 / 365 * static
    assert "a step is 1/365 of a year" in run.summary
    assert "1/365" in set(pd.read_csv(folder / "out" / "cut_trajectory.csv")["unit"]).pop()


STATIC_LAYOUT = ["scenario", "measure", "unit", "region", "sector", "baseline", "shocked", "change"]


def test_every_static_model_writes_one_layout_with_measures_and_units(folder):
    """Supply and mixed honour measures (jobs included); output columns mean the same everywhere (13.4)."""
    text = GOOD.replace('measures = ["output", "employment"]', 'measures = ["output", "value_added", "employment"]')
    run = sc.run_scenario(write(folder, text), folder / "out")
    system = mrio.read(folder / "system")
    for name in ("boom", "national", "ghosh", "closure", "iim"):
        table = run.tables[f"{name}_industries"]
        assert list(table.columns[:8]) == STATIC_LAYOUT, name
        assert {"output", "employment"} <= set(table["measure"]), name
        units = table.groupby("measure")["unit"].first()
        assert units["output"] == system.units["monetary"] and units["employment"] == system.units["employment"]
        output = table[table.measure == "output"].set_index(["region", "sector"])
        np.testing.assert_allclose(output["baseline"], system.x.loc[output.index], rtol=1e-12)
        np.testing.assert_allclose(output["shocked"] - output["baseline"], output["change"], atol=1e-9)
        jobs = table[table.measure == "employment"].set_index(["region", "sector"])
        np.testing.assert_allclose(jobs["change"], system.S.loc["employment"] * output["change"], atol=1e-12)
    closure = run.tables["closure_industries"].set_index(["measure", "region", "sector"])
    fixed = closure.loc[("output", "R2", "s3")]
    assert fixed["shocked"] == pytest.approx(0.5 * system.x[("R2", "s3")])  # shocked, not baseline, is the new level
    assert fixed["baseline"] == pytest.approx(system.x[("R2", "s3")])
    assert "final_demand" in closure.index.get_level_values("measure")
    ghosh = run.tables["ghosh_industries"].set_index(["measure", "region", "sector"])
    va = ghosh.loc["value_added"]
    assert va["change"].sum() == pytest.approx(-0.1 * system.value_added.loc["R1"].sum())  # exogenous in Ghosh


def test_zero_shock_lists_no_noise_as_most_affected(folder):
    text = GOOD.split("[[shocks]]")[0] + """
[[shocks]]
name = "nothing"
model = "mixed"
regions = ["R2"]
sectors = ["s3"]
share = 0.0

[[shocks]]
name = "none"
model = "demand"
regions = ["R0"]
share = 0.0
"""
    run = sc.run_scenario(write(folder, text), folder / "out")
    for line in run.summary.splitlines():
        if "most affected" in line:
            assert line.endswith(": none"), line


@pytest.mark.parametrize(("model", "extra"), [("demand", ""), ("national_demand", ""), ("supply", ""),
                                              ("iim", "")])
def test_decrease_larger_than_baseline_is_rejected(folder, model, extra):
    """A cut of 10,000 on an industry whose output is far smaller names the field (13.13)."""
    regions = "" if model == "national_demand" else 'regions = ["R0"]\n'
    text = (f'[scenario]\ntable = "system"\n[[shocks]]\nname = "cut"\nmodel = "{model}"\n{regions}'
            f'sectors = ["s0"]\namount = 1e7\n{extra}')
    with pytest.raises(ScenarioError, match=r"shocks\[0\] \('cut'\)\.amount\]: a decrease of 1e\+07 exceeds"):
        sc.run_scenario(write(folder, text), folder / "out")


# ------------------------------------------------------------------ hostile scenario files (issue 13.13-15)
@pytest.mark.parametrize(("text", "match"), [
    ('[scenario]\nname = 5\ntable = "system"\n[[shocks]]\nmodel = "demand"\nshare = 0.1\n', r"\[scenario\]\.name"),
    ('[scenario]\nname = "a\\u0000b"\ntable = "system"\n[[shocks]]\nmodel = "demand"\nshare = 0.1\n',
     r"\[scenario\]\.name"),
    ('[scenario]\ndescription = [1]\ntable = "system"\n[[shocks]]\nmodel = "demand"\nshare = 0.1\n',
     "description"),
    ('[scenario]\ntable = "system"\n[[shocks]]\nname = "x\\u0000"\nmodel = "demand"\nshare = 0.1\n',
     "control characters"),
    ('[scenario]\ntable = "system"\n[[shocks]]\nmodel = "demand"\namount = ' + "9" * 400 + "\n", "too large"),
    ('[scenario]\ntable = "system"\n[[shocks]]\nmodel = "demand"\nshare = 0.1\n[outputs]\nsteps = 1000000000\n',
     r"\[outputs\]\.steps: must be <= 36500"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
])
def test_hostile_scenario_files_give_scenario_errors(folder, text, match):
    with pytest.raises(ScenarioError, match=match):
        sc.load_scenario(write(folder, text))


def test_non_utf8_scenario_is_a_scenario_error(folder):
    path = folder / "latin1.toml"
    path.write_bytes('[scenario]\nname = "Zürich"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        sc.load_scenario(path)
    result = CliRunner().invoke(main, ["shock", str(path), "--out", str(folder / "o")])
    assert result.exit_code == 2 and "not UTF-8" in result.output and "Traceback" not in result.output


def test_step_counts_are_capped_with_the_limit_in_the_message(folder):
    system = mrio.read(folder / "system")
    with pytest.raises(mrio.errors.InputError, match="36,500"):
        mrio.shocks.dynamic_inoperability(system, steps=10**9)
    with pytest.raises(mrio.errors.InputError, match="36,500"):
        mrio.ario.ario(system, [], steps=10**9)
    result = CliRunner().invoke(main, ["shock", str(write(folder, GOOD)), "--steps", "1000000000",
                                       "--out", str(folder / "o")])
    assert result.exit_code == 2 and "36500" in result.output.replace(",", "")
