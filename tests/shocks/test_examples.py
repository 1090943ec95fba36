"""The worked scenario examples in data/examples/ run on the Dutch COROP table."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import scenario as sc

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"
NAMES = ["groningen_gas", "rotterdam_port", "brainport_boom"]


@pytest.fixture(scope="module")
def nl_corop() -> mrio.MRIO:
    return mrio.load("nl-corop")


@pytest.mark.parametrize("name", NAMES)
def test_examples_are_installed_and_valid(name, nl_corop):
    installed = resources.files("mrio.data") / "examples" / f"{name}.toml"
    assert installed.is_file()
    scen = sc.load_scenario(EXAMPLES / f"{name}.toml")
    assert scen.source == "nl-corop"
    sc.validate(scen, nl_corop)  # every region and sector exists in the table


def test_brainport_boom(nl_corop, tmp_path):
    run = sc.run_scenario(EXAMPLES / "brainport_boom.toml", tmp_path, system=nl_corop)
    table = pd.read_csv(tmp_path / "export-boom_industries.csv")
    out = table[table.measure == "output"]
    assert out["direct"].sum() > 0 and out["intra_regional"].sum() > 0 and out["interregional"].sum() > 0
    by_region = out.groupby("region")["change"].sum().sort_values(ascending=False)
    assert by_region.index[0] == "Zuidoost-Noord-Brabant"
    assert (out[out.region != "Zuidoost-Noord-Brabant"]["direct"] == 0).all()
    assert "Zuidoost-Noord-Brabant" in run.summary.split("most affected regions")[1]


def test_groningen_gas(nl_corop, tmp_path):
    run = sc.run_scenario(EXAMPLES / "groningen_gas.toml", tmp_path, system=nl_corop, steps=30)
    mixed = pd.read_parquet(tmp_path / "gas-stop-static_industries.parquet")
    mining = mixed[(mixed.sector == "Extraction of crude petroleum and natural gas")
                   & mixed.region.isin(["Oost-Groningen", "Delfzijl en omgeving", "Overig Groningen"])]
    output = mixed[mixed.measure == "output"]
    mining = mining[mining.measure == "output"]
    np.testing.assert_allclose(mining["shocked"], 0.0, atol=1e-9)  # output fixed at zero
    assert output["change"].sum() < 0
    ario = pd.read_parquet(tmp_path / "ario_industries.parquet")
    assert ario["final_demand_loss"].min() >= -1e-9 and ario["production_loss"].sum() > 0
    assert "ARIO events gas-stop-ario" in run.summary and "peak" in run.summary


def test_rotterdam_port(nl_corop, tmp_path):
    run = sc.run_scenario(EXAMPLES / "rotterdam_port.toml", tmp_path, system=nl_corop, steps=30)
    iim = pd.read_parquet(tmp_path / "port-iim_industries.parquet")
    assert iim[iim.measure == "inoperability"]["shocked"].between(0, 1).all()
    top = iim[iim.measure == "output"].sort_values("change").iloc[0]  # the largest loss
    assert top["region"] == "Groot-Rijnmond"
    prod = pd.read_parquet(tmp_path / "ario_production.parquet")
    assert set(prod["region"]) == set(nl_corop.regions) and prod["step"].max() == 29
    assert "Groot-Rijnmond" in run.summary.split("most affected regions")[-1].split("\n")[0]
