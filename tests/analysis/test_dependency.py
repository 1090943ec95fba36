"""Dependency matrix, spillover/feedback and Pyatt-Round decompositions.

See docs/methods/dependency.md and docs/methods/multipliers.md.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio.dependency import dependency_matrix, measure_intensity, pyatt_round, spillover_feedback
from mrio.errors import InputError, LabelError, UnknownLabelError
from mrio.testing import random_mrio

SIZES = st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(0, 10_000))


@pytest.fixture(scope="module")
def two_region(miller_blair) -> mrio.MRIO:
    """Miller & Blair's two-sector table read as two one-sector regions (K1).

    Final demand for region r1's product (350) is by r1, for r2's product (1700) by r2.
    """
    ex = miller_blair["miller_blair_ch2_two_sector"]
    idx = pd.MultiIndex.from_tuples([("r1", "s"), ("r2", "s")], names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples([("r1", "final"), ("r2", "final")], names=["region", "category"])
    Y = pd.DataFrame(np.diag(ex["f"]), index=idx, columns=cols)
    V = pd.DataFrame([ex["value_added"]], index=pd.Index(["value_added"], name="component"), columns=idx)
    return mrio.MRIO.from_flows(pd.DataFrame(ex["Z"], index=idx, columns=idx), Y, V=V,
                                x=pd.Series(ex["x"], index=idx))


# ----------------------------------------------------------------------------- known answers
def test_dependency_known_answer_two_region(two_region):
    # VA(r <- s) = v_r l_rs f_s with v = (0.65, 0.70), L from K1 (4 decimals there, exact here)
    L = np.linalg.inv(np.eye(2) - np.array([[0.15, 0.25], [0.20, 0.05]]))
    assert L[0, 0] == pytest.approx(1.2541, abs=1e-4) and L[0, 1] == pytest.approx(0.3300, abs=1e-4)
    result = dependency_matrix(two_region, "value-added")
    expected = np.array([[0.65 * L[0, 0] * 350, 0.65 * L[0, 1] * 1700],
                         [0.70 * L[1, 0] * 350, 0.70 * L[1, 1] * 1700]])
    np.testing.assert_allclose(result.by_destination.to_numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(result.by_destination.sum(axis=1), [650.0, 1400.0], rtol=1e-12)
    assert result.by_destination.loc["r1", "r1"] == pytest.approx(285.3134, abs=1e-3)
    np.testing.assert_allclose(result.split["own_region"], np.diag(expected), rtol=1e-12)
    np.testing.assert_allclose(result.split["outside"], 0.0)
    assert result.unit == two_region.units["monetary"]
    assert result.amounts.attrs["unit"] == two_region.units["monetary"]
    out = dependency_matrix(two_region, "output")
    np.testing.assert_allclose(out.amounts.sum(axis=1), [1000.0, 2000.0], rtol=1e-12)


def test_spillover_feedback_miller_two_region_formulas(two_region):
    # Miller (1966): L11 = (1 - a11 - a12 (1 - a22)^-1 a21)^-1, intra = (1 - a11)^-1, L21 = ...
    a11, a12, a21, a22 = 0.15, 0.25, 0.20, 0.05
    L11 = 1.0 / (1 - a11 - a12 * a21 / (1 - a22))
    L21 = a21 / (1 - a22) * L11
    frame = spillover_feedback(two_region, "output")
    row = frame.loc[("r1", "s")]
    assert row["intra_regional"] == pytest.approx(1 / (1 - a11), rel=1e-12)
    assert row["feedback"] == pytest.approx(L11 - 1 / (1 - a11), rel=1e-12)
    assert row["spillover"] == pytest.approx(L21, rel=1e-12)
    assert L11 == pytest.approx(1.2541, abs=1e-4) and L21 == pytest.approx(0.2640, abs=1e-4)
    assert row["total"] == pytest.approx(1.5182, abs=1e-4)  # K1 output multiplier
    assert row["feedback_share"] == pytest.approx(1 - (1 / (1 - a11)) / L11, rel=1e-12)
    by_region = spillover_feedback(two_region, "output", by="region")
    assert by_region.loc["r1", "spillover"] == pytest.approx(L21 * 350, rel=1e-12)


def test_pyatt_round_two_region_by_hand(two_region):
    pr = pyatt_round(two_region)
    M1 = np.diag([1 / 0.85, 1 / 0.95])
    A_star = M1 @ np.array([[0, 0.25], [0.20, 0]])
    np.testing.assert_allclose(pr.M1.to_numpy(), M1, rtol=1e-12)
    np.testing.assert_allclose(pr.spillover_matrix.to_numpy(), A_star, rtol=1e-12)
    np.testing.assert_allclose(pr.M2.to_numpy(), np.eye(2) + A_star, rtol=1e-12)  # k = R = 2
    q = A_star[0, 1] * A_star[1, 0]
    np.testing.assert_allclose(pr.M3.to_numpy(), np.eye(2) / (1 - q), rtol=1e-12)
    assert pr.spillover_radius == pytest.approx(np.sqrt(q), rel=1e-10)
    np.testing.assert_allclose(pr.additive["total"], [1.5182, 1.4521], atol=1e-4)


def test_single_region_everything_own(miller_blair_system):
    result = dependency_matrix(miller_blair_system, "value-added", by="region-sector")
    np.testing.assert_allclose(result.amounts.sum(axis=1), [650.0, 1400.0], rtol=1e-12)
    np.testing.assert_allclose(result.split["own_region_share"], 1.0)
    frame = spillover_feedback(miller_blair_system)
    np.testing.assert_allclose(frame["total"], [1.5182, 1.4521], atol=1e-4)
    np.testing.assert_allclose(frame[["feedback", "spillover"]], 0.0, atol=1e-14)


# ----------------------------------------------------------------------------- identities
@settings(max_examples=25, deadline=None)
@given(SIZES, st.sampled_from(["value-added", "output", "jobs", "co2"]),
       st.sampled_from(["region", "region-sector"]))
def test_attribution_identities(size, measure, by):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    result = dependency_matrix(system, measure, by=by)
    m = measure_intensity(system, measure)
    totals = m.total if by == "region-sector" else m.total.reshape(R, n).sum(axis=1)
    np.testing.assert_allclose(result.amounts.sum(axis=1), totals, rtol=1e-10)
    np.testing.assert_allclose(result.shares.sum(axis=1), 1.0, rtol=1e-10)
    parts = result.split[["own_region", "other_regions", "outside"]].sum(axis=1)
    np.testing.assert_allclose(parts, result.split["total"], rtol=1e-10)
    np.testing.assert_allclose(result.split[["own_region_share", "other_regions_share", "outside_share"]]
                               .sum(axis=1), 1.0, rtol=1e-10)
    if measure == "value-added":  # total value added attributed = GDP (total GVA)
        assert result.amounts.to_numpy().sum() == pytest.approx(system.value_added.sum(), rel=1e-10)


@settings(max_examples=25, deadline=None)
@given(SIZES)
def test_all_primary_inputs_exhaust_final_demand(size):
    # v_c' L Y with every primary input of V: column sums = final demand of each column
    R, n, seed = size
    system = random_mrio(R, n, seed)
    vc = system.value_added_coefficients.to_numpy().sum(axis=0)
    D = vc @ system.leontief_product(system.arrays.Y)
    np.testing.assert_allclose(D, system.arrays.Y.sum(axis=0), rtol=1e-10)
    gva = dependency_matrix(system).amounts.sum(axis=0).to_numpy()
    assert (gva <= system.arrays.Y.sum(axis=0) * (1 + 1e-12)).all()  # imports leak


@settings(max_examples=25, deadline=None)
@given(SIZES)
def test_regroup_conserves_totals(size):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    groups = {r: ("north" if k % 2 else "south") for k, r in enumerate(system.regions)}
    fine = dependency_matrix(system, "jobs", by="region")
    coarse = dependency_matrix(system, "jobs", by="region", regroup=groups)
    expected = fine.by_destination.rename(index=groups, columns=groups)
    expected = expected.T.groupby(level=0, sort=False).sum().T.groupby(level=0, sort=False).sum()
    pd.testing.assert_frame_equal(coarse.by_destination, expected, check_names=False, rtol=1e-12)
    assert coarse.amounts.to_numpy().sum() == pytest.approx(fine.amounts.to_numpy().sum(), rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(SIZES, st.sampled_from(["output", "value-added", "employment"]))
def test_spillover_feedback_identities(size, measure):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    frame = spillover_feedback(system, measure)
    m = measure_intensity(system, measure)
    multiplier = system.leontief_row_product(m.intensity)
    np.testing.assert_allclose(frame[["intra_regional", "feedback", "spillover"]].sum(axis=1), multiplier,
                               rtol=1e-10)
    np.testing.assert_allclose(frame["total"], multiplier, rtol=1e-10)
    assert (frame["feedback"] >= -1e-12).all() and (frame["spillover"] >= -1e-12).all()
    by_region = spillover_feedback(system, measure, by="region")
    f = system.arrays.Y.sum(axis=1)
    np.testing.assert_allclose(by_region["total"].sum(), multiplier @ f, rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(SIZES, st.integers(1, 5))
def test_pyatt_round_identities(size, k):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    pr = pyatt_round(system, k=k)
    L = system.L.to_numpy()
    np.testing.assert_allclose(pr.M3.to_numpy() @ pr.M2.to_numpy() @ pr.M1.to_numpy(), L, atol=1e-11)
    stone = pr.stone_components()
    np.testing.assert_allclose(sum(v.to_numpy() for v in stone.values()), L, atol=1e-11)
    np.testing.assert_allclose(pr.additive["total"], L.sum(axis=0), rtol=1e-11)
    assert 0 <= pr.spillover_radius < 1
    # rho(A*) is the block-Jacobi convergence factor: A* has zero diagonal blocks
    A_star = pr.spillover_matrix.to_numpy().reshape(R, n, R, n)
    for r in range(R):
        assert np.abs(A_star[r, :, r, :]).max() == 0.0


def test_outside_destination_counted_as_outside():
    system = random_mrio(3, 4, 1)
    result = dependency_matrix(system, "value-added")
    rest = result.by_destination["RoW"].to_numpy()
    np.testing.assert_allclose(result.split["outside"], rest, rtol=1e-12)
    assert (result.split["outside"] > 0).all()


# ----------------------------------------------------------------------------- bad input
def test_bad_input_errors(random_mrio):
    with pytest.raises(UnknownLabelError, match="unknown measure 'gdp'"):
        dependency_matrix(random_mrio, "gdp")
    with pytest.raises(InputError, match="by must be"):
        dependency_matrix(random_mrio, by="sector")
    with pytest.raises(UnknownLabelError, match="'R7'"):  # partial concordances are fine, typos are not
        dependency_matrix(random_mrio, regroup={"R0": "a", "R7": "a"})
    with pytest.raises(InputError, match="k .* must be >= 1"):
        pyatt_round(random_mrio, k=0)
    with pytest.raises(UnknownLabelError, match="unknown measure 'water'"):
        spillover_feedback(random_mrio, "water")


def test_jobs_needs_an_employment_extension(miller_blair_system):
    with pytest.raises(UnknownLabelError, match="needs one employment extension"):
        dependency_matrix(miller_blair_system, "jobs")


@settings(max_examples=25, deadline=None)
@given(SIZES, st.sampled_from(["value-added", "jobs"]), st.sampled_from(["region", "region-sector"]),
       st.booleans())
def test_dependency_split_equals_the_full_attribution(size, measure, by, grouped):
    from mrio.analysis.dependency import dependency_split

    R, n, seed = size
    system = random_mrio(R, n, seed)
    groups = {r: ("north" if k % 2 else "south") for k, r in enumerate(system.regions)} if grouped else None
    full = dependency_matrix(system, measure, by=by, regroup=groups)
    by_destination, split = dependency_split(system, measure, by=by, regroup=groups)
    pd.testing.assert_frame_equal(by_destination, full.by_destination, rtol=1e-12)
    pd.testing.assert_frame_equal(split, full.split, rtol=1e-12, atol=1e-9)
    assert split.attrs == full.split.attrs and by_destination.attrs == full.by_destination.attrs
