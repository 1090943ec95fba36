"""MRIO systems pickle (to Dask workers, process pools) with their LU factors and stay immutable."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from mrio.core.testing import random_mrio


def test_round_trip_keeps_tables_meta_and_the_factors():
    system = random_mrio(seed=3)
    system.factor  # noqa: B018 - factorise before pickling
    copy = pickle.loads(pickle.dumps(system))
    for name in ("Z", "Y", "V", "F", "x"):
        pd.testing.assert_frame_equal(getattr(copy, name).to_frame() if name == "x" else getattr(copy, name),
                                      getattr(system, name).to_frame() if name == "x" else getattr(system, name))
    assert dict(copy.meta) == dict(system.meta) and dict(copy.units) == dict(system.units)
    assert copy.value_added_components == system.value_added_components
    assert "factor" in vars(copy)  # not factorised again
    y = np.ones(len(system))
    np.testing.assert_array_equal(copy.leontief_product(y), system.leontief_product(y))
    with pytest.raises(AttributeError, match="immutable"):
        copy.meta = {}
    with pytest.raises(ValueError, match="read-only"):
        copy.Z.to_numpy()[0, 0] = 1.0


def test_without_factors_nothing_extra_is_sent():
    system = random_mrio(seed=4)
    copy = pickle.loads(pickle.dumps(system))
    assert "factor" not in vars(copy)
    np.testing.assert_allclose(copy.L.to_numpy(), system.L.to_numpy(), rtol=1e-14)


def test_the_package_pickles_by_reference():
    import cloudpickle

    import mrio

    assert pickle.loads(pickle.dumps(mrio)) is mrio
    namespace = {"mrio": mrio}
    exec("def f(system):\n    return mrio.output_multipliers(system)\n", namespace)  # a __main__-style function
    f = cloudpickle.loads(cloudpickle.dumps(namespace["f"]))
    system = random_mrio(seed=1)
    pd.testing.assert_series_equal(f(system), mrio.output_multipliers(system))
