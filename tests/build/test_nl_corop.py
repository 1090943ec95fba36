"""The Dutch 40-region (+ extra-regio) table on the real CBS data.

Guarantee (issue 3): summing the result over regions reproduces the national table exactly,
industry by industry, for every CBS year 2015-2021. The placement against the CBS regional
statistics (issue 10) is checked in test_nl_regional.py.
The national side is checked against the raw CBS CSV, independently of the reader where possible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio.build import cbs, nl
from mrio.errors import FileFormatError
from mrio.regional import national_consistency

RTOL = 1e-9
YEARS = range(2015, 2022)


def _raw(shared_data, year):
    path = shared_data / "cbs_nl_iot" / f"cbs_iot_{year}_current.csv"
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    values = raw.iloc[3:, 2:].replace("", "0").astype(float).to_numpy()
    return pd.DataFrame(values, index=raw.iloc[3:, 0].astype(int).to_numpy(),
                        columns=raw.iloc[0, 2:].astype(int).to_numpy())


def _close(computed, expected):
    computed, expected = np.asarray(computed, float), np.asarray(expected, float)
    return float((np.abs(computed - expected) / np.maximum(1.0, np.abs(expected))).max())


@pytest.fixture(scope="module")
def built(shared_data):
    out = {}
    for year in YEARS:
        national = cbs.read_cbs_iot(shared_data / "cbs_nl_iot" / f"cbs_iot_{year}_current.csv")
        out[year] = (national, nl.build_nl_corop(national=national, year=year))
    return out


@pytest.mark.parametrize("year", YEARS)
def test_sum_over_regions_reproduces_the_national_table(built, shared_data, year):
    national, system = built[year]
    R, n = system.n_regions, system.n_sectors
    assert (R, n) == (41, 81)  # 40 COROP regions and extra-regio
    check = national_consistency(system, national)
    assert check["max_relative_error"].max() <= RTOL, check
    # every final-demand category and every V row is in the check
    assert len(check) == 1 + national.final_demand.shape[1] + 2 + len(national.V.index) + 1
    # independent of the reader: raw CBS value-added components, output and exports per industry
    raw = _raw(shared_data, year)
    ind = list(range(1, 82))
    V = system.V.to_numpy().reshape(len(system.V.index), R, n).sum(axis=1)
    V = pd.DataFrame(V, index=system.V.index)
    assert _close(V.loc["wages_and_salaries"], raw.loc[94, ind]) <= RTOL
    assert _close(V.loc["employers_social_contributions"], raw.loc[95, ind]) <= RTOL
    assert _close(V.loc["gross_operating_surplus"], raw.loc[96, ind]) <= RTOL
    assert _close(V.loc["other_taxes_on_production"], raw.loc[92, ind]) <= RTOL
    assert _close(V.loc["other_subsidies_on_production"], -raw.loc[93, ind]) <= RTOL
    assert _close(V.loc[list(system.value_added_components)].sum(), raw.loc[97, ind]) <= RTOL
    taxes = raw.loc[[85, 86, 87], ind].sum() - raw.loc[[88, 89], ind].sum()
    assert _close(V.loc["taxes_on_products"] + V.loc["subsidies_on_products"], taxes) <= RTOL
    assert _close(system.x.to_numpy().reshape(R, n).sum(axis=0), raw.loc[ind, 95]) <= RTOL
    # intermediate flows: raw domestic flows plus the margins reallocated to their suppliers
    # (and any negative cell moved out of Z, as the reader documents)
    Z = system.Z.to_numpy().reshape(R, n, R, n).sum(axis=(0, 2))
    supply = raw.loc[ind, 92].to_numpy() / -raw.at[90, 92]
    expected = raw.loc[ind, ind].to_numpy() + np.outer(supply, raw.loc[90, ind].to_numpy())
    expected -= np.minimum(expected, 0.0)
    assert _close(Z, expected) <= RTOL
    # row and column balance of the regional system itself (every region, every industry)
    x = system.x.to_numpy()
    assert _close(system.Z.to_numpy().sum(axis=1) + system.Y.to_numpy().sum(axis=1), x) <= RTOL
    assert _close(system.Z.to_numpy().sum(axis=0) + system.V.to_numpy().sum(axis=0), x) <= RTOL
    assert (system.Z.to_numpy() >= 0).all()


def test_groningen_gas_follows_the_regional_accounts(built):
    """Gas extraction follows 84419NED's B (Groningen onshore, the continental shelf offshore), not
    employment: the three Groningen regions and extra-regio hold most of it."""
    _, system = built[2018]
    gas = system.x.xs("Extraction of crude petroleum and natural gas", level="sector")
    groningen = ["Oost-Groningen", "Delfzijl en omgeving", "Overig Groningen"]
    assert gas[groningen].sum() / gas.sum() > 0.3 and gas["Extra-regio"] / gas.sum() > 0.2
    assert system.meta["output_indicator"]["Oost-Groningen"]["Extraction of crude petroleum and natural gas"] \
        == "output"


def test_meta_records_year_proxies_and_assumptions(built):
    _, system = built[2018]
    meta = system.meta
    assert meta["year"] == 2018 and "2018" in meta["default_year_choice"]
    assert meta["income_row"] == "wages_and_salaries"
    assert meta["household_category"] == "household_consumption"
    assert "disposable income" in meta["final_demand_proxies"]["household_consumption"]
    assert meta["final_demand_proxies"]["changes_in_inventories"] == "producer"
    assert "extra-regio" in meta["extra_regio"].lower()
    assert max(meta["national_consistency"].values()) <= RTOL
    assert any("tradability classes" in a for a in meta["assumptions"])  # issue 11: calibrated trade
    assert list(system.final_demand_regions[-1:]) == ["RoW"]
    assert set(system.Y.columns.get_level_values("category")) >= {"household_consumption",
                                                                  "changes_in_inventories", "exports_goods"}


def test_negative_inventory_changes_stay_in_final_demand(built):
    national, system = built[2018]
    inv = system.Y.xs("changes_in_inventories", axis=1, level="category")
    assert (inv.to_numpy() < 0).any()
    assert _close(inv.to_numpy().sum(axis=1).reshape(41, 81).sum(axis=0),
                  national.final_demand["changes_in_inventories"]) <= RTOL


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mrio_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MRIO_CACHE_DIR", str(folder))
        yield folder


def test_bundled_dataset_is_cached_and_deterministic(cache, built):
    first = nl.load_nl("nl-corop")
    entries = list(cache.iterdir())
    assert len(entries) == 1 and entries[0].name.startswith("nl-corop-2018-")
    second = nl.load_nl("nl-corop")  # from the cache
    np.testing.assert_array_equal(first.Z.to_numpy(), second.Z.to_numpy())
    np.testing.assert_array_equal(first.Y.to_numpy(), second.Y.to_numpy())
    # x is stored, not re-derived on read: the first run (fresh build) and later runs give the same bytes
    assert first.x.to_numpy().tobytes() == second.x.to_numpy().tobytes()
    assert mrio.output_multipliers(first).to_numpy().tobytes() == \
        mrio.output_multipliers(second).to_numpy().tobytes()
    assert dict(second.meta["national_consistency"]) == dict(first.meta["national_consistency"])
    # the bundled compact inputs give the same table as the shared CBS file
    np.testing.assert_array_equal(built[2018][1].Z.to_numpy(), first.Z.to_numpy())
    provinces = nl.load_nl("nl-provinces")
    assert provinces.n_regions == 13 and provinces.n_sectors == 81  # 12 provinces and extra-regio
    np.testing.assert_allclose(provinces.x.sum(), first.x.sum(), rtol=1e-12)
    assert "nl-corop" in mrio.datasets().index and "nl-provinces" in mrio.datasets().index


def test_type_ii_and_employment_multipliers_run_on_the_provinces(cache):
    provinces = nl.load_nl("nl-provinces")
    table = mrio.type_ii_multipliers(provinces)
    active = provinces.x.to_numpy() > 0  # extra-regio produces only mining and public administration
    onshore = active & (provinces.x.index.get_level_values("region") != "Extra-regio")
    assert (table.loc[onshore, "output_type_II"] > table.loc[onshore, "output_type_I"]).all()
    # extra-regio has no resident households: commuting pays its wages to households onshore
    assert (table.loc[active, "output_type_II"] > table.loc[active, "output_type_I"]).all()
    # income multipliers (per unit of direct income) exist where an industry pays wages
    pays = provinces.V.loc["wages_and_salaries"].to_numpy() > 0
    assert np.isfinite(table.loc[pays, "income_type_II"]).all()
    assert table.loc[~pays, "income_type_II"].isna().all()  # e.g. imputed rents: no employees
    employment = mrio.extension_multipliers(provinces).to_numpy(dtype=float)
    assert (employment[:, active] >= 0).all() and employment[:, active].max() > 0  # undefined at zero output


def test_reader_rejects_other_layouts(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(FileFormatError, match="CBS input-output CSV layout"):
        cbs.read_cbs_iot(bad)
    with pytest.raises(FileFormatError, match="does not exist"):
        cbs.read_cbs_iot(tmp_path / "missing.csv")


@pytest.mark.parametrize("year", [2016, 2020])
def test_load_builds_every_cbs_year_from_the_bundled_tables(cache, built, year):
    system = mrio.load("nl-corop", year=year)
    national, reference = built[year]
    assert system.meta["year"] == year and f"Netherlands {year}" in system.meta["title"]
    check = national_consistency(system, national)  # against the shared CBS file of that year
    assert check["max_relative_error"].max() <= RTOL, check
    np.testing.assert_array_equal(system.Z.to_numpy(), reference.Z.to_numpy())
    used = system.meta["regional_years"]
    assert used["national_table"] == year and used["regional_accounts"] == year and used["eurostat_gva"] == 2018
    assert any(p.name.startswith(f"nl-corop-{year}-") for p in cache.iterdir())  # cache keyed by year
    assert mrio.load("nl-corop", year=year) is system  # in-process cache keyed by year
    assert mrio.load("nl-corop", year=2018).meta["year"] == 2018


def test_load_rejects_years_without_a_table(cache):
    from mrio.errors import UnknownLabelError

    with pytest.raises(UnknownLabelError, match="year 2014; years: 2015, 2016"):
        mrio.load("nl-provinces", year=2014)
    with pytest.raises(UnknownLabelError, match="'nl-2000' is not available for year 2018"):
        mrio.load("nl-2000", year=2018)
    with pytest.raises(UnknownLabelError, match="no bundled CBS table for year 2030"):
        nl.load_nl("nl-corop", 2030)
    assert "2015, 2016, 2017, 2018, 2019, 2020, 2021" in mrio.datasets().loc["nl-corop", "years"]
