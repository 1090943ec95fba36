"""Concordances and exact regrouping: what changes and what does not."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio.concordances import (
    METRO_AREAS,
    REST_OF_COUNTRY,
    cbs_indicator_groups,
    cbs_to_nace_a10,
    corop_to_metro,
    corop_to_province,
    nl_regions,
    regroup,
)
from mrio.build.nl_placement import EXTRA_REGIO
from mrio.errors import LabelError, UnknownLabelError


def test_corop_to_province_matches_the_shared_geometry(shared_data):
    mapping = corop_to_province()
    centroids = pd.read_csv(shared_data / "nl_regions" / "corop_centroids.csv")
    assert mapping.pop(EXTRA_REGIO) == EXTRA_REGIO  # the continental shelf is kept apart
    assert len(mapping) == 40 and mapping.nunique() == 12
    # regions are named by CBS's official names, matched to the boundary file by CBS code
    codes = nl_regions().set_index("region")["cbs_code"]
    expected = centroids.set_index("cbs_code")["province_of_centroid"].loc[codes.loc[mapping.index]]
    np.testing.assert_array_equal(mapping.to_numpy(), expected.to_numpy())


def test_metro_areas_are_documented_corop_sets():
    mapping = corop_to_metro()
    assert set(mapping.unique()) == set(METRO_AREAS) | {REST_OF_COUNTRY, EXTRA_REGIO}
    assert mapping["Groot-Rijnmond"] == "Metropoolregio Rotterdam Den Haag"
    assert mapping["Agglomeratie 's-Gravenhage"] == "Metropoolregio Rotterdam Den Haag"
    assert mapping["Groot-Amsterdam"] == "Metropoolregio Amsterdam"
    assert mapping["Zuidoost-Noord-Brabant"] == "Brainport Eindhoven"
    assert mapping[EXTRA_REGIO] == EXTRA_REGIO
    assert (mapping == REST_OF_COUNTRY).sum() == 40 - sum(len(v) for v in METRO_AREAS.values())


def test_cbs_concordances():
    a10 = cbs_to_nace_a10()
    assert len(a10) == 81 and set(a10) == {"A", "B-E", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U"}
    assert a10["Extraction of crude petroleum and natural gas"] == "B-E"
    assert a10["Wholesale trade"] == "G-I" and a10["Warehousing and transport support"] == "G-I"
    groups = cbs_indicator_groups()
    assert groups["Extraction of crude petroleum and natural gas"] == "BDE"
    assert groups["Electricity, gas and steam supply"] == "BDE"
    assert groups["Chemicals and chemical products"] == "C"
    assert (groups[a10 != "B-E"] == a10[a10 != "B-E"]).all()
    industries = pd.read_csv(resources.files("mrio.data") / "nl_industries.csv")
    assert list(industries.columns) == ["cbs_no", "sector", "cbs_label", "nace_a10"]
    assert industries["sector"].is_unique and list(industries["cbs_no"]) == list(range(1, 82))


def test_regroup_preserves_flows_but_not_multipliers(random_mrio):
    system = random_mrio  # 3 regions x 4 sectors
    regions = {"R0": "A", "R1": "A", "R2": "B"}
    sectors = {"s0": "primary", "s1": "primary", "s2": "other", "s3": "other"}
    grouped = regroup(system, regions=regions, sectors=sectors)
    # what does not change: every flow total, by group
    Z = system.Z.groupby([system.index.get_level_values("region").map(regions),
                          system.index.get_level_values("sector").map(sectors)]).sum()
    Z = Z.T.groupby([system.index.get_level_values("region").map(regions),
                     system.index.get_level_values("sector").map(sectors)]).sum().T
    np.testing.assert_allclose(grouped.Z.to_numpy(), Z.loc[grouped.index, grouped.index].to_numpy(), rtol=1e-12)
    for table in ("Y", "V", "F"):
        np.testing.assert_allclose(getattr(grouped, table).to_numpy().sum(),
                                   getattr(system, table).to_numpy().sum(), rtol=1e-12)
    np.testing.assert_allclose(grouped.value_added.sum(), system.value_added.sum(), rtol=1e-12)
    # what changes: multipliers are not the output-weighted averages of the detailed ones
    detailed = mrio.output_multipliers(system)
    weights = system.x
    keys = pd.MultiIndex.from_tuples([(regions[r], sectors[s]) for r, s in system.index])
    averaged = ((detailed * weights).groupby(keys).sum() / weights.groupby(keys).sum())
    coarse = mrio.output_multipliers(grouped)
    gap = np.abs(coarse.to_numpy() - averaged.loc[list(grouped.index)].to_numpy())
    assert gap.max() > 1e-6
    assert "multipliers are not preserved" in grouped.meta["regrouped"]["caveat"]


def test_regroup_errors(random_mrio):
    with pytest.raises(UnknownLabelError, match="'counties'"):
        regroup(random_mrio, regions="counties")
    with pytest.raises(UnknownLabelError, match="'nace_a64'"):
        regroup(random_mrio, sectors="nace_a64")
    with pytest.raises(UnknownLabelError, match="'R9'"):  # partial concordances are fine, unknown keys are not
        regroup(random_mrio, regions={"R0": "A", "R9": "A"})


def test_partial_concordances_merge_only_the_listed_regions():
    from mrio.testing import random_mrio as make

    system = make(4, 2, seed=11)
    merged = mrio.regroup(system, regions={"R1": "R1+R2", "R2": "R1+R2"})
    assert list(merged.regions) == ["R0", "R1+R2", "R3"]
    np.testing.assert_allclose(merged.x.sum(), system.x.sum(), rtol=1e-13)
    with pytest.raises(mrio.errors.UnknownLabelError, match=r"'R7'"):
        mrio.regroup(system, regions={"R7": "x"})
    # the dependency attribution takes the same partial mapping, and the names on the command line
    partial = mrio.dependency_matrix(system, regroup={"R1": "R1+R2", "R2": "R1+R2"}).by_destination
    assert "R1+R2" in partial.index and "R0" in partial.index


def test_named_regroup_in_the_api_matches_the_command_line_and_nl_provinces():
    corop = mrio.load("nl-corop")
    by_name = mrio.dependency_matrix(corop, regroup="province").by_destination
    by_series = mrio.dependency_matrix(corop, regroup=corop_to_province()).by_destination
    pd.testing.assert_frame_equal(by_name, by_series)
    provinces, regrouped = mrio.load("nl-provinces"), mrio.regroup(corop, regions="province")
    np.testing.assert_array_equal(provinces.Z.to_numpy(), regrouped.Z.to_numpy())  # the same table
    assert provinces.meta["name"] == "nl-provinces" and regrouped.meta["name"] == "nl-corop (regions by province)"
