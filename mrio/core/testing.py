"""Helpers for testing code that uses mrio: seeded random productive systems."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio.core.system import MRIO

__all__ = ["random_mrio", "random_chenery_moses"]


def random_mrio(n_regions: int = 3, n_sectors: int = 4, seed: int = 0, with_extensions: bool = True,
                     domestic_density: float = 0.8, trade_density: float = 0.3,
                     column_sum: tuple[float, float] = (0.3, 0.7)) -> MRIO:
    """Return a random productive MRIO with realistic structure (dense domestic, sparse trade blocks).

    Column sums of A are drawn in ``column_sum``; final demand has two categories per region and
    an exogenous ``RoW`` export column; V has labour income, other value added and imports.
    """
    rng = np.random.default_rng(seed)
    R, n = n_regions, n_sectors
    N = R * n
    A = rng.random((N, N))
    mask = np.zeros((N, N), dtype=bool)
    for r in range(R):
        for s in range(R):
            dens = domestic_density if r == s else trade_density
            mask[r * n:(r + 1) * n, s * n:(s + 1) * n] = rng.random((n, n)) < dens
    mask[np.arange(N), np.arange(N)] = True
    A = A * mask
    A = A / A.sum(axis=0) * rng.uniform(*column_sum, N)
    regions = [f"R{r}" for r in range(R)]
    sectors = [f"s{i}" for i in range(n)]
    idx = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples(
        [(r, c) for r in regions for c in ("household", "investment")] + [("RoW", "exports")],
        names=["region", "category"])
    Y = rng.random((N, len(cols))) * 100 + 1
    x = np.linalg.solve(np.eye(N) - A, Y.sum(axis=1))
    Z = A * x
    va_total = x - Z.sum(axis=0)
    shares = rng.dirichlet([3, 2, 1], N).T
    V = pd.DataFrame(shares * va_total, index=pd.Index(["compensation", "other_value_added", "imports"],
                                                        name="component"), columns=idx)
    F = F_Y = None
    units = {"monetary": "million EUR"}
    if with_extensions:
        F = pd.DataFrame(rng.random((2, N)) * x, index=pd.Index(["employment", "co2"], name="stressor"),
                         columns=idx)
        F_Y = pd.DataFrame(np.zeros((2, len(cols))), index=F.index, columns=cols)
        F_Y.loc["co2", [c for c in cols if c[1] == "household"]] = rng.random(R) * 10
        units.update({"employment": "1000 persons", "co2": "kt"})
    return MRIO.from_flows(
        pd.DataFrame(Z, index=idx, columns=idx), pd.DataFrame(Y, index=idx, columns=cols), V=V,
        extensions=F, extensions_final_demand=F_Y, units=units,
        value_added_components=["compensation", "other_value_added"],
        meta={"name": f"random-{seed}", "income_row": "compensation", "household_category": "household"})


def random_chenery_moses(n_regions: int = 5, n_sectors: int = 4, seed: int = 3) -> MRIO:
    """Return a random closed Chenery-Moses system: ``Z^{rs}_ij = t_i^{rs} sum_r' Z^{r's}_ij``.

    One trade share per product and pair of regions (the structure of a regional build from a
    national table, :func:`mrio.kernels.trade_structure`), region 0 making none of product 1 and
    region 2 using none of the last product; final demand (households, investment) only in the
    system's regions, 60 % of its entries non-zero.
    """
    rng = np.random.default_rng(seed)
    R, n = n_regions, n_sectors
    t = rng.random((n, R, R)) + 0.05
    if n > 1:
        t[1, 0, :] = 0.0
    t /= t.sum(axis=1, keepdims=True)
    tech = rng.random((R, n, n))
    if R > 2:
        tech[2, n - 1, :] = 0.0
    tech *= rng.uniform(0.2, 0.6, (R, 1, n)) / np.maximum(tech.sum(axis=1, keepdims=True), 1e-300)
    A = np.einsum("irs,sij->risj", t, tech).reshape(R * n, R * n)
    regions, sectors = [f"R{r}" for r in range(R)], [f"s{i}" for i in range(n)]
    index = pd.MultiIndex.from_product([regions, sectors], names=["region", "sector"])
    cols = pd.MultiIndex.from_product([regions, ["households", "investment"]], names=["region", "category"])
    Y = rng.random((R * n, 2 * R)) * (rng.random((R * n, 2 * R)) < 0.6)
    x = np.linalg.solve(np.eye(R * n) - A, Y.sum(axis=1))
    return MRIO.from_flows(pd.DataFrame(A * x, index=index, columns=index), pd.DataFrame(Y, index=index, columns=cols),
                           meta={"name": f"random-chenery-moses-{seed}"})
