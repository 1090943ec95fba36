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
    with pytest.raises(InputError, match="give one or the other"):
        ExtractionTable(each="region", regions=("a",))
