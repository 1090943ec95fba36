"""Region names of the Dutch tables (issue 13, item 17): CBS's official COROP names, codes and aliases
accepted wherever a region is selected, the closest name suggested on a typo."""

from __future__ import annotations

import pandas as pd
import pytest

import mrio
from mrio import shocks
from mrio.build.concordances import corop_aliases, province_aliases
from mrio.build.nl_placement import EXTRA_REGIO
from mrio.core import labels as lab
from mrio.errors import UnknownLabelError


@pytest.fixture(scope="module")
def corop():
    return mrio.load("nl-corop")


def test_region_labels_are_cbs_official_corop_names(corop, shared_data):
    areas = pd.read_csv(shared_data / "nl_regional" / "cbs_84929NED_municipalities_2021.csv", dtype=str)
    official = areas[["Code_8", "Naam_9"]].drop_duplicates().sort_values("Code_8")["Naam_9"].tolist()
    assert list(corop.regions) == [*official, EXTRA_REGIO]  # and the continental shelf, kept apart
    assert corop.region_aliases["NLZZZ"] == EXTRA_REGIO
    assert {"Groot-Amsterdam", "Groot-Rijnmond", "Agglomeratie 's-Gravenhage", "IJmond"} <= set(corop.regions)


def test_codes_nuts_codes_and_former_names_are_aliases(corop):
    aliases = corop.region_aliases
    assert aliases["CR23"] == aliases["NL32B"] == aliases["NL329"] == aliases["Amsterdam"] == "Groot-Amsterdam"
    assert aliases["Rijnmond"] == aliases["CR29"] == "Groot-Rijnmond"
    assert aliases["Agglomeratie \u2019s-Gravenhage"] == aliases["Agglomeratie s-Gravenhage"] == \
        "Agglomeratie 's-Gravenhage"
    assert len(set(aliases.values())) == 41 and not set(aliases) & set(corop.regions)  # 40 COROP + extra-regio
    assert corop_aliases() == {k: v for k, v in corop.meta["region_aliases"].items()}


def test_every_region_selection_accepts_aliases(corop):
    by_name = shocks.final_demand_change(corop, regions="Groot-Rijnmond", share=-0.1)
    for alias in ("CR29", "NL366", "Rijnmond"):
        pd.testing.assert_series_equal(shocks.final_demand_change(corop, regions=alias, share=-0.1), by_name)
    a = mrio.extract(corop, "total", regions=["CR23"]).losses
    b = mrio.extract(corop, "total", regions=["Groot-Amsterdam"]).losses
    pd.testing.assert_series_equal(a, b)


def test_a_typo_suggests_the_closest_name(corop):
    with pytest.raises(UnknownLabelError, match=r"'Ijmond' \(did you mean 'IJmond'\?\)"):
        shocks.final_demand_change(corop, regions="Ijmond", share=-0.1)
    with pytest.raises(UnknownLabelError, match=r"'Amsterdm' \(did you mean 'Groot-Amsterdam'"):
        mrio.extract(corop, "total", regions=["Amsterdm"])
    with pytest.raises(UnknownLabelError, match="'Atlantis';"):  # nothing close: no suggestion
        mrio.extract(corop, "total", regions=["Atlantis"])


def test_lookup_resolves_aliases_and_suggests():
    index = pd.Index(["IJmond", "Twente"])
    assert list(lab.lookup(index, ["CR12", "IJmond"], "regions", {"CR12": "Twente"})) == [1, 0]
    assert lab.close_matches("ijmond", index) == ["IJmond"]
    assert lab.close_matches("Twnte", index) == ["Twente"]
    assert lab.close_matches("CR1", index, {"CR12": "Twente"}) == ["Twente"]
    with pytest.raises(mrio.errors.LabelError, match="more than once"):  # an alias and its name count twice
        lab.lookup(index, ["CR12", "Twente"], "regions", {"CR12": "Twente"})


def test_provinces_have_codes_and_the_regrouped_system_is_renamed(corop):
    provinces = mrio.regroup(corop, regions="province")
    assert provinces.meta["name"] == "nl-corop (regions by province)"
    assert provinces.region_aliases == {k: v for k, v in province_aliases().items() if k not in provinces.regions}
    assert provinces.region_aliases["PV27"] == "Noord-Holland" and provinces.region_aliases["Fryslân"] == "Friesland"
    metro = mrio.regroup(corop, regions="metro")
    assert metro.region_aliases == {}  # COROP aliases do not name the groups
    assert "regions by metro" in metro.meta["name"]
