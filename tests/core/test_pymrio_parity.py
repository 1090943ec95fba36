"""Parity with pymrio (test-only reference) on its bundled test MRIO: 1e-10 relative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymrio  # a test requirement (pyproject [test]): a missing install must fail, not skip
import pytest

import mrio

RTOL = 1e-10
EMISSIONS = ["emission_type1 | air", "emission_type2 | water"]


def assert_parity(mine, ref):
    """Equal to 1e-10 relative elementwise (absolute floor 1e-10 of the largest entry)."""
    mine = np.asarray(mine, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    assert mine.shape == ref.shape
    np.testing.assert_allclose(mine, ref, rtol=RTOL, atol=RTOL * np.abs(ref).max())


@pytest.fixture(scope="module")
def reference():
    io = pymrio.load_test()
    io.calc_all()
    return io


@pytest.fixture(scope="module")
def system():
    return mrio.MRIO.from_pymrio(pymrio.load_test())


def test_conversion_labels_and_units(system, reference):
    assert system.index.equals(reference.Z.index.set_names(["region", "sector"]))
    assert list(system.stressors) == ["Value Added", *EMISSIONS]
    assert system.units["emission_type1 | air"] == "kg"
    assert system.units["monetary"] == "Mill USD"
    assert list(system.regions) == [f"reg{i}" for i in range(1, 7)]


def test_core_matrices(system, reference):
    assert_parity(system.x, reference.x.iloc[:, 0])
    assert_parity(system.A, reference.A)
    assert_parity(system.L, reference.L)
    pd.testing.assert_index_equal(system.A.columns, reference.A.columns.set_names(["region", "sector"]))


def test_multipliers(system, reference):
    M = mrio.extension_multipliers(system)
    assert_parity(M.loc[EMISSIONS], reference.emissions.M)
    assert_parity(M.loc[["Value Added"]], reference.factor_inputs.M)
    assert_parity(system.S.loc[EMISSIONS], reference.emissions.S)


@pytest.mark.parametrize("account", ["cba", "pba", "imp", "exp"])
def test_footprints_by_sector(system, reference, account):
    fp = mrio.footprints(system)
    mine = fp.by_sector[account]
    ref = getattr(reference.emissions, f"D_{account}")
    assert list(mine.columns) == list(ref.columns)
    assert_parity(mine.loc[EMISSIONS], ref)
    assert_parity(fp.by_sector[account].loc[["Value Added"]],
                  getattr(reference.factor_inputs, f"D_{account}"))


@pytest.mark.parametrize(("attribute", "account"), [("consumption_based", "cba"), ("production_based", "pba"),
                                                    ("imports", "imp"), ("exports", "exp")])
def test_footprints_by_region(system, reference, attribute, account):
    mine = getattr(mrio.footprints(system), attribute)
    ref = getattr(reference.emissions, f"D_{account}_reg")
    assert list(mine.columns) == list(ref.columns)
    assert_parity(mine.loc[EMISSIONS], ref)  # includes the direct final-demand emissions F_Y


def test_only_selected_extensions(reference):
    s = mrio.MRIO.from_pymrio(pymrio.load_test(), extensions=["emissions"])
    assert list(s.stressors) == EMISSIONS
    assert_parity(mrio.extension_multipliers(s), reference.emissions.M)
    with pytest.raises(mrio.errors.InputError, match="no extension 'water'"):
        mrio.MRIO.from_pymrio(pymrio.load_test(), extensions=["water"])


def test_requires_flows():
    io = pymrio.load_test()
    io.Z = None
    with pytest.raises(mrio.errors.InputError, match="no Z or Y"):
        mrio.MRIO.from_pymrio(io)


def test_to_pymrio_round_trip(system):
    io = system.to_pymrio()
    assert sorted(io.get_extensions()) == ["factor_inputs", "satellite"]
    back = mrio.MRIO.from_pymrio(io, extensions=["satellite"])
    pd.testing.assert_frame_equal(back.Z, system.Z, check_exact=True)
    pd.testing.assert_frame_equal(back.Y, system.Y, check_exact=True)
    pd.testing.assert_series_equal(back.x, system.x, check_exact=True)
    pd.testing.assert_frame_equal(back.F, system.F, check_exact=True)
    pd.testing.assert_frame_equal(back.F_Y, system.F_Y, check_exact=True)
    assert {k: back.units[k] for k in system.units} == dict(system.units)
    # pymrio computes the same accounts from the exported system
    io.calc_all()
    fp = mrio.footprints(system)
    assert_parity(fp.consumption_based, io.satellite.D_cba_reg)
    assert_parity(fp.production_based, io.satellite.D_pba_reg)
    assert_parity(io.L, system.L)
    assert_parity(io.factor_inputs.F, system.V)


def test_to_pymrio_random_system_parity():
    from mrio.testing import random_mrio

    s = random_mrio(3, 4, seed=8)
    io = s.to_pymrio()
    io.calc_all()
    assert_parity(mrio.extension_multipliers(s), io.satellite.M.loc[:, s.index])  # RoW: padded, inactive
    fp = mrio.footprints(s)
    for attribute, account in (("consumption_based", "cba"), ("production_based", "pba"),
                               ("imports", "imp"), ("exports", "exp")):
        ref = getattr(io.satellite, f"D_{account}_reg")
        mine = getattr(fp, attribute)
        # pymrio adds an all-NaN "RoW" column to D_pba_reg for the outside destination; mrio omits it
        assert set(mine.columns) <= set(ref.columns)
        assert_parity(mine, ref[mine.columns])


# ------------------------------------------------------------------ lossless round trips (issue 13.3)
def _same(a, b):
    for name in ("Z", "Y", "V", "F", "F_Y"):
        if getattr(a, name) is None:
            assert getattr(b, name) is None, name
            continue
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    pd.testing.assert_series_equal(a.x, b.x, check_exact=True)
    assert a.value_added_components == b.value_added_components
    assert dict(a.units) == dict(b.units)
    assert dict(a.meta) == dict(b.meta)


@pytest.mark.parametrize("name", ["random", "nl-2000"])
def test_mrio_to_pymrio_and_back_is_lossless(name):
    from mrio.testing import random_mrio

    system = random_mrio(3, 4, seed=8) if name == "random" else mrio.load("nl-2000")
    io = system.to_pymrio()
    # pymrio's layout: every destination a region, the same categories in every region
    regions = io.get_regions()
    assert list(io.Y.columns) == [(r, c) for r in regions for c in io.get_Y_categories()]
    back = mrio.MRIO.from_pymrio(io)
    _same(system, back)
    assert back.value_added.sum() == system.value_added.sum()  # not x - i'Z (imports and taxes excluded)


def test_pymrio_calc_all_aggregate_and_report_accounts_run_on_an_export(tmp_path):
    system = mrio.load("nl-2000")
    io = system.to_pymrio()
    io.calc_all()
    # the exported accounts are mrio's: value added by region, footprints of the outside destination
    assert_parity(io.factor_inputs.D_pba_reg.loc[list(system.value_added_components), "NL"].sum(),
                  system.value_added.sum())
    io.report_accounts(path=tmp_path / "report", per_region=True, per_capita=False, format="rst")
    assert any((tmp_path / "report").iterdir())
    agg = io.aggregate(region_agg="all", inplace=False)
    assert agg.Z.shape == (6, 6)
    np.testing.assert_allclose(agg.Y.to_numpy().sum(), system.Y.to_numpy().sum(), rtol=1e-12)
    # saved by pymrio and read back, the export still converts back losslessly
    io2 = system.to_pymrio()
    io2.save_all(tmp_path / "saved")
    _same(system, mrio.MRIO.from_pymrio(pymrio.load_all(tmp_path / "saved")))


def test_pymrio_aggregate_runs_on_a_multiregional_export():
    from mrio.testing import random_mrio

    system = random_mrio(3, 4, seed=2)
    io = system.to_pymrio()
    io.calc_all()
    agg = io.aggregate(region_agg=["A", "A", "B", "B"], inplace=False)
    np.testing.assert_allclose(agg.Z.to_numpy().sum(), system.Z.to_numpy().sum(), rtol=1e-12)
    agg.calc_all()


def test_pymrio_to_mrio_and_back_is_lossless():
    io = pymrio.load_test()
    io.calc_all()
    system = mrio.MRIO.from_pymrio(io)
    assert system.units["monetary"] == "Mill USD"
    back = system.to_pymrio()
    pd.testing.assert_frame_equal(back.Z, io.Z.rename_axis(index=["region", "sector"],
                                                           columns=["region", "sector"]), check_exact=True)
    pd.testing.assert_frame_equal(back.Y, io.Y.rename_axis(index=["region", "sector"],
                                                           columns=["region", "category"]),
                                  check_exact=True, check_dtype=False)  # pymrio's test Y holds integers
    assert_parity(back.satellite.F.loc[EMISSIONS].to_numpy(), io.emissions.F.to_numpy())
    # the test system's factor inputs do not close its column balance: they stay an extension and V is
    # derived as x - i'Z
    assert_parity(back.satellite.F.loc[["Value Added"]].to_numpy(), io.factor_inputs.F.to_numpy())
    assert list(system.V.index) == ["value_added"]
