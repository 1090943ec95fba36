"""Specialisation, diversity (related/unrelated variety) and exposure indices.

See docs/methods/linkages.md, section "Specialisation, diversity and exposure".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio.errors import InputError, LabelError, UnknownLabelError
from mrio.structure import (
    entropy,
    exposure,
    exposure_matrix,
    herfindahl,
    io_relatedness_groups,
    krugman_specialisation,
    sector_shares,
    specialisation_and_exposure,
    variety,
)
from mrio.testing import random_mrio

SIZES = st.tuples(st.integers(1, 5), st.integers(1, 6), st.integers(0, 10_000))


@pytest.fixture(scope="module")
def toy() -> mrio.MRIO:
    """Two regions, two sectors, no intermediate flows: value added = output, by hand."""
    idx = pd.MultiIndex.from_product([["A", "B"], ["s1", "s2"]], names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples([("A", "hh"), ("B", "hh")], names=["region", "category"])
    Y = pd.DataFrame([[20.0, 10.0], [10.0, 0.0], [0.0, 10.0], [6.0, 24.0]], index=idx, columns=cols)
    Z = pd.DataFrame(0.0, index=idx, columns=idx)
    return mrio.MRIO.from_flows(Z, Y)


def test_known_answers_by_hand(toy):
    # value added A: (30, 10), B: (10, 30)
    np.testing.assert_allclose(sector_shares(toy).to_numpy(), [[0.75, 0.25], [0.25, 0.75]])
    np.testing.assert_allclose(krugman_specialisation(toy), [1.0, 1.0])
    np.testing.assert_allclose(herfindahl(toy), [0.625, 0.625])
    np.testing.assert_allclose(herfindahl(toy, normalised=True), [0.25, 0.25])
    h = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))
    np.testing.assert_allclose(entropy(toy), [h, h])
    apart = variety(toy, groups={"s1": "a", "s2": "b"})
    np.testing.assert_allclose(apart["unrelated_variety"], h)
    np.testing.assert_allclose(apart["related_variety"], 0.0, atol=1e-15)
    together = variety(toy, groups={"s1": "a", "s2": "a"})
    np.testing.assert_allclose(together["related_variety"], h)
    np.testing.assert_allclose(together["unrelated_variety"], 0.0, atol=1e-15)
    # VA(A <- A) = 30, VA(A <- B) = 10; VA(B <- A) = 6, VA(B <- B) = 34
    np.testing.assert_allclose(exposure_matrix(toy).to_numpy(), [[0.75, 0.25], [0.15, 0.85]])
    exp = exposure(toy)
    np.testing.assert_allclose(exp["external_share"], [0.25, 0.15])
    np.testing.assert_allclose(exp["destination_herfindahl"], [0.625, 0.15**2 + 0.85**2])
    assert list(exp["largest_external"]) == ["B", "A"]


@settings(max_examples=25, deadline=None)
@given(SIZES, st.sampled_from(["value-added", "jobs", "output"]))
def test_index_ranges_and_entropy_decomposition(size, measure):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    shares = sector_shares(system, measure)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    K = krugman_specialisation(system, measure)
    if R > 1:
        assert ((K >= 0) & (K <= 2 + 1e-12)).all()
    else:
        assert K.isna().all()  # no rest of the system to compare with
    H = herfindahl(system, measure, normalised=True)
    if n > 1:
        assert ((H >= -1e-12) & (H <= 1 + 1e-12)).all()
    v = variety(system, measure)
    np.testing.assert_allclose(v["entropy"], v["unrelated_variety"] + v["related_variety"], atol=1e-12)
    assert (v["entropy"] <= np.log2(n) + 1e-12).all()
    assert (v["related_variety"] >= -1e-12).all()
    np.testing.assert_allclose(v["entropy"], entropy(system, measure))
    E = exposure_matrix(system, measure)
    np.testing.assert_allclose(E.sum(axis=1), 1.0)
    exp = exposure(system, measure)
    assert ((exp["external_share"] >= 0) & (exp["external_share"] <= 1)).all()
    assert (exp["outside_share"] <= exp["external_share"] + 1e-12).all()


def test_exposure_is_the_elasticity_to_destination_demand():
    # a 1 % cut of all final demand of R1 lowers each region's value added by 1 % x its share
    system = random_mrio(3, 4, 5)
    E = exposure_matrix(system)
    Y = system.Y.copy()
    Y.loc[:, Y.columns.get_level_values("region") == "R1"] *= 0.99
    x_new = system.leontief_product(Y.sum(axis=1).to_numpy())
    va_c = system.value_added.to_numpy() / system.arrays.x
    va_old = system.value_added.groupby(level="region", sort=False).sum()
    va_new = pd.Series(va_c * x_new, index=system.index).groupby(level="region", sort=False).sum()
    np.testing.assert_allclose(1 - va_new / va_old, 0.01 * E["R1"], rtol=1e-10)


def test_io_relatedness_groups_cluster_similar_sectors():
    # s0/s1 trade only with each other, s2/s3 only with each other: two blocks, two groups
    idx = pd.MultiIndex.from_product([["A"], ["s0", "s1", "s2", "s3"]], names=["region", "sector"])
    Z = np.zeros((4, 4))
    Z[0, 1] = Z[1, 0] = Z[0, 0] = Z[1, 1] = 10.0
    Z[2, 3] = Z[3, 2] = Z[2, 2] = Z[3, 3] = 10.0
    cols = pd.MultiIndex.from_tuples([("A", "hh")], names=["region", "category"])
    system = mrio.MRIO.from_flows(pd.DataFrame(Z, index=idx, columns=idx),
                                  pd.DataFrame(50.0, index=idx, columns=cols))
    groups = io_relatedness_groups(system, n_groups=2)
    assert groups["s0"] == groups["s1"] != groups["s2"] == groups["s3"]
    assert io_relatedness_groups(system).nunique() == 2  # default round(sqrt(4))


def test_specialisation_and_exposure_table():
    system = random_mrio(5, 6, 3)
    table = specialisation_and_exposure(system, "jobs")
    assert {"krugman", "entropy", "related_variety", "external_share", "destination_herfindahl"} <= set(table)
    corr = table.attrs["rank_correlation"]
    assert set(corr) <= {"external_share", "destination_herfindahl", "largest_external_share"}
    assert all(-1 <= c <= 1 for c in corr.values())


def test_bad_input(random_mrio):
    with pytest.raises(InputError, match="n_groups must be between 1"):
        io_relatedness_groups(random_mrio, n_groups=99)
    with pytest.raises(LabelError, match="does not map"):
        variety(random_mrio, groups={"s0": "a"})
    with pytest.raises(UnknownLabelError, match="unknown measure"):
        krugman_specialisation(random_mrio, "water")


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 30), st.integers(0, 10_000), st.integers(2, 8))
def test_rank_correlation_equals_scipy_spearman(n, seed, levels):
    """The report's rank correlation (no scipy.stats import) is scipy's Spearman, ties included."""
    from scipy.stats import spearmanr

    from mrio.analysis.structure import _rank_correlation

    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, levels, n).astype(float), rng.normal(size=n)
    b[: n // 3] = b[0]  # ties in both
    if np.unique(a).size < 2:
        a[0] += 1.0
    assert _rank_correlation(a, b) == pytest.approx(spearmanr(a, b).statistic, rel=1e-12, abs=1e-15)
    assert np.isnan(_rank_correlation(np.ones(n), b))


@pytest.mark.parametrize("measure", ["value-added", "jobs"])
def test_exposure_matrix_equals_the_dependency_matrix_route(measure):
    """One right-hand side per destination (dependency_split) gives the former route's shares."""
    system = random_mrio(4, 5, 8)
    former = mrio.dependency_matrix(system, measure, by="region").by_destination
    former = former.div(former.sum(axis=1), axis=0)
    new = exposure_matrix(system, measure)
    assert new.index.equals(former.index) and new.columns.equals(former.columns)
    np.testing.assert_allclose(new.to_numpy(), former.to_numpy(), rtol=1e-12, atol=1e-15)
