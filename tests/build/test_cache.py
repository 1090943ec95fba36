"""The dataset cache repairs itself (issue 13, item 12): damaged metadata, changed values and a file
in an entry's place are rebuilt, never served or fatal."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mrio.build import nl
from mrio.testing import random_mrio


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A fresh cache and a stand-in build (a small system) that counts how often it runs."""
    monkeypatch.setenv("MRIO_CACHE_DIR", str(tmp_path))
    builds = []

    def build(year=None, **kwargs):
        builds.append(year)
        return random_mrio(3, 2, seed=7).replace(meta={"name": "nl-corop", "year": year})

    monkeypatch.setattr(nl, "build_nl_corop", build)
    return tmp_path, builds


def entry(folder):
    (path,) = [p for p in folder.iterdir() if p.name.startswith("nl-corop-2018-")]
    return path


def test_a_cached_entry_is_served_and_checked(cache):
    folder, builds = cache
    first = nl.load_nl("nl-corop")
    second = nl.load_nl("nl-corop")
    assert builds == [2018]
    np.testing.assert_array_equal(first.Z.to_numpy(), second.Z.to_numpy())
    sums = json.loads((entry(folder) / nl.CHECKSUMS).read_text())
    assert set(sums) == {p.name for p in entry(folder).iterdir()} - {nl.CHECKSUMS}
    assert {"metadata.json", "Z.parquet", "Y.parquet", "V.parquet"} <= set(sums)


@pytest.mark.parametrize("damage", [
    lambda e: (e / "metadata.json").write_text("{bad"),
    lambda e: (e / "metadata.json").write_text(json.dumps({**json.loads((e / "metadata.json").read_text()),
                                                            "units": 5})),
    lambda e: (e / "metadata.json").write_text(json.dumps({**json.loads((e / "metadata.json").read_text()),
                                                            "meta": [1]})),
    lambda e: (e / "Z.parquet").unlink(),
    lambda e: (e / nl.CHECKSUMS).unlink(),
], ids=["not-json", "units-int", "meta-list", "missing-table", "missing-checksums"])
def test_a_damaged_entry_is_rebuilt(cache, damage):
    folder, builds = cache
    good = nl.load_nl("nl-corop")
    damage(entry(folder))
    again = nl.load_nl("nl-corop")
    assert builds == [2018, 2018]
    np.testing.assert_array_equal(again.Z.to_numpy(), good.Z.to_numpy())
    nl.load_nl("nl-corop")
    assert builds == [2018, 2018]  # repaired: served from the cache again


def test_a_changed_value_is_not_served(cache):
    folder, builds = cache
    good = nl.load_nl("nl-corop")
    # valid files with other numbers in them, every identity still holding (x unchanged):
    # Z[0, 1] + d, Y[0, 0] - d keep row 0's sum; V[0, 1] - d keeps column 1's (V is stored transposed)
    for name, (i, j), delta in (("Z", (0, 1), 1.0), ("Y", (0, 0), -1.0), ("V", (1, 0), -1.0)):
        path = entry(folder) / f"{name}.parquet"
        table = pd.read_parquet(path)
        table.iloc[i, j] += delta
        table.to_parquet(path)
    assert nl.read(entry(folder)).Z.iloc[0, 1] == good.Z.iloc[0, 1] + 1.0  # readable, and wrong
    again = nl.load_nl("nl-corop")
    assert builds == [2018, 2018]
    np.testing.assert_array_equal(again.Z.to_numpy(), good.Z.to_numpy())


def test_a_file_in_the_entrys_place_is_replaced(cache):
    folder, builds = cache
    nl.load_nl("nl-corop")
    path = entry(folder)
    import shutil

    shutil.rmtree(path)
    path.write_text("not a cache entry")
    nl.load_nl("nl-corop")
    assert path.is_dir() and builds == [2018, 2018]
    nl.load_nl("nl-corop")
    assert builds == [2018, 2018]
