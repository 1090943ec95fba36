"""The command line's analyses as callables (mrio.ensemble.analyses): the same tables as the API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio.core.testing import random_mrio
from mrio.ensemble import DependencyTable, ExtractionTable, MultiplierTable, Regrouped
from mrio.errors import InputError


@pytest.fixture(scope="module")
def system():
    return random_mrio(4, 3, seed=11)


def test_dependency_tables_are_the_dependency_matrix(system):
    result = mrio.dependency_matrix(system, "value-added")
    pd.testing.assert_frame_equal(DependencyTable("value-added", "split")(system), result.split)
    shares = DependencyTable("value-added", "destination-shares")(system)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(shares.to_numpy(), result.by_destination.div(result.split["total"], axis=0),
                               rtol=1e-15)
    amounts = DependencyTable("value-added", "amounts")(system)
    assert all(" / " in c for c in amounts.columns)  # (region, category) flattened as on the command line
    by_residence, split = mrio.residents_dependency(system, "value-added", regroup={system.regions[0]: "G"})
    grouped = pd.Series({system.regions[0]: "G"})
    pd.testing.assert_frame_equal(DependencyTable("value-added", "residents", regroup=grouped)(system), by_residence)
    pd.testing.assert_frame_equal(DependencyTable("value-added", "residents-split", regroup=grouped)(system), split)


def test_multipliers_extraction_and_regrouping(system):
    pd.testing.assert_frame_equal(MultiplierTable("output")(system), mrio.multipliers(system, "output"))
    region = system.regions[0]
    frame = ExtractionTable("total", regions=(region,))(system)
    assert frame.loc["output", "total"] == pytest.approx(mrio.extract(system, "total", regions=[region]).losses["output"])
    groups = {r: ("north" if k < 2 else "south") for k, r in enumerate(system.regions)}
    pd.testing.assert_frame_equal(Regrouped(MultiplierTable("output"), groups)(system),
                                  mrio.multipliers(mrio.regroup(system, regions=groups), "output"))


def test_bad_options():
    with pytest.raises(InputError, match="unknown dependency table"):
        DependencyTable("value-added", "nonsense")
    with pytest.raises(InputError, match="not to the effects table"):
        DependencyTable("value-added", "effects", regroup=pd.Series({"a": "b"}))
    with pytest.raises(InputError, match="not to the residents table"):
        DependencyTable("jobs", "residents", destinations=("a",))
    with pytest.raises(InputError, match="give one or the other"):
        ExtractionTable(each="region", regions=("a",))


def test_dependency_selections(system):
    result = mrio.dependency_matrix(system, "value-added")
    destination = system.regions[1]
    on = DependencyTable("value-added", destinations=(destination,), top=2)(system)
    share = (result.by_destination[destination] / result.split["total"]).sort_values(ascending=False)
    assert list(on.index) == list(share.index[:2])
    np.testing.assert_allclose(on["share_of_origin_total"], share.iloc[:2], rtol=1e-14)
    np.testing.assert_allclose(on["amount"], result.by_destination[destination].loc[share.index[:2]], rtol=1e-14)
    assert on.attrs["destinations"] == destination
    origins = DependencyTable("value-added", "shares", origins=(system.regions[0], system.regions[2]))(system)
    assert list(origins.index) == [system.regions[0], system.regions[2]]
    pd.testing.assert_frame_equal(DependencyTable("value-added", "shares")(system),
                                  DependencyTable("value-added", "destination-shares")(system))
    pd.testing.assert_frame_equal(DependencyTable("value-added", "amount-shares")(system),
                                  result.shares.set_axis([" / ".join(c) for c in result.shares.columns], axis=1))
    top = DependencyTable("value-added", "split", top=2)(system)
    assert list(top.index) == list(result.split["total"].sort_values(ascending=False).index[:2])
    with pytest.raises(InputError, match="not to the effects table"):
        DependencyTable("value-added", "effects", destinations=("R1",))
