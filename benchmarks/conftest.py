"""Fixtures of the benchmarks: synthetic MRIO tables by size (cached per session) and the WIOD table.

Synthetic tables come from :func:`mrio.bench.synthetic_tables` (dense domestic blocks, sparse
trade blocks, column sums of A in [0.5, 0.7], 10 extensions); the real table is WIOD 2013
(``../shared/data/wiod2013``, N = 1,435) through the ``shared_data`` fixture of the root conftest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from mrio import bench, kernels


def _with_derived(tables: dict[str, Any], n_demands: int = 50) -> dict[str, Any]:
    N = tables["A"].shape[0]
    tables["S"] = kernels.safe_divide(tables["F"], tables["x"][np.newaxis, :])
    tables["demands"] = np.random.default_rng(1).random((N, n_demands))
    return tables


@pytest.fixture(scope="session")
def synthetic() -> Callable[[int, int], dict[str, Any]]:
    """``synthetic(n_regions, n_sectors)``: arrays Z, Y, F, x, A, S and 50 demand vectors (cached)."""
    cache: dict[tuple[int, int], dict[str, Any]] = {}

    def get(n_regions: int, n_sectors: int) -> dict[str, Any]:
        key = (n_regions, n_sectors)
        if key not in cache:
            cache.clear()  # keep one large table in memory at a time
            tables = _with_derived(bench.synthetic_tables(n_regions, n_sectors))
            tables["frames"] = bench.to_frames(tables, n_regions, n_sectors)
            cache[key] = tables
        return cache[key]

    return get


@pytest.fixture(scope="session")
def wiod(shared_data) -> dict[str, Any]:
    """The WIOD 2013 world table for 2011 (41 regions x 35 industries) with 10 synthetic extensions."""
    tables = _with_derived(bench.tables_from_wiod(shared_data / "wiod2013"))
    tables["frames"] = bench.to_frames(tables)
    return tables
