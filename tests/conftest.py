"""Fixtures: textbook systems and a seeded generator of productive MRIO systems."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import mrio
from mrio.testing import random_mrio as random_system


@pytest.fixture
def random_mrio() -> mrio.MRIO:
    """A 3-region, 4-sector random productive system with extensions."""
    return random_system()


@pytest.fixture(scope="session")
def miller_blair(shared_data) -> dict:
    """Miller & Blair (2009) ch. 2 two-sector example and the 7.4.2 RAS example."""
    return json.loads((shared_data / "known_answers" / "miller_blair_examples.json").read_text())


@pytest.fixture(scope="session")
def miller_blair_system(miller_blair) -> mrio.MRIO:
    ex = miller_blair["miller_blair_ch2_two_sector"]
    idx = pd.MultiIndex.from_product([["r"], ["s1", "s2"]], names=["region", "sector"])
    Z = pd.DataFrame(ex["Z"], index=idx, columns=idx)
    Y = pd.DataFrame({("r", "final"): ex["f"]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    V = pd.DataFrame([ex["value_added"]], index=pd.Index(["value_added"], name="component"), columns=idx)
    return mrio.MRIO.from_flows(Z, Y, V=V, x=pd.Series(ex["x"], index=idx))
