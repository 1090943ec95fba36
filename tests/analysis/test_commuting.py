"""Commuting: the jobs matrix on the system (meta, files, regrouping), type II closed by residence, income flows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mrio
from mrio import errors
from mrio.core.system import COMMUTING_KEY, commuting_meta
from mrio.testing import random_mrio

SETTINGS = settings(max_examples=25, deadline=None)


def two_regions() -> mrio.MRIO:
    """No intermediate use; x = 100 in a and b; wages 50 each; a's households buy 30 of a, b's 15 of b."""
    idx = pd.MultiIndex.from_product([["a", "b"], ["goods"]], names=["region", "sector"])
    cols = pd.MultiIndex.from_tuples([("a", "household"), ("b", "household"), ("RoW", "exports")],
                                     names=["region", "category"])
    Z = pd.DataFrame(0.0, index=idx, columns=idx)
    Y = pd.DataFrame([[30.0, 0.0, 70.0], [0.0, 15.0, 85.0]], index=idx, columns=cols)
    V = pd.DataFrame([[50.0, 50.0], [50.0, 50.0]], index=pd.Index(["compensation", "profit"]), columns=idx)
    return mrio.MRIO.from_flows(Z, Y, V=V)


#: residence x work: all of a's workers live in a, b's workers half in a and half in b
JOBS = pd.DataFrame([[10.0, 10.0], [0.0, 10.0]], index=["a", "b"], columns=["a", "b"])


def test_known_answer_two_regions():
    # P = [[1, .5], [0, .5]]; residents' income w = P W = (75, 25); propensities 30/75 = .4, 15/25 = .6;
    # demand for a: x_a = 1 + .4 (.5 x_a) -> 1.25 (b's households earn nothing from a);
    # demand for b: x_b = 1 + .6 (.25 x_b) -> 20/17, x_a = .4 (.5 x_a + .25 x_b) -> 2.5/17: 22.5/17 in all
    s = two_regions()
    t = mrio.type_ii_multipliers(s, commuting=JOBS)
    np.testing.assert_allclose(t["output_type_II"], [1.25, 22.5 / 17], rtol=1e-13)
    np.testing.assert_allclose(t["income_type_II"], [1.25, 22.5 / 17], rtol=1e-13)  # A = 0, h = .5
    np.testing.assert_allclose(t["induced_output"], [0.25, 5.5 / 17], rtol=1e-12)
    # without commuting: propensities 30/50, 15/50: 1 / (1 - .3) and 1 / (1 - .15)
    old = mrio.type_ii_multipliers(s)
    np.testing.assert_allclose(old["output_type_II"], [1 / 0.7, 1 / 0.85], rtol=1e-13)
    # the same from the system's own matrix, after a write/read round trip
    with_jobs = s.with_meta(**{COMMUTING_KEY: commuting_meta(JOBS)})
    pd.testing.assert_frame_equal(mrio.type_ii_multipliers(with_jobs), t)
    pd.testing.assert_frame_equal(mrio.type_ii_multipliers(with_jobs, commuting=False), old)
    flows, split = mrio.commuting_flows(with_jobs)
    np.testing.assert_allclose(flows.to_numpy(), [[50.0, 25.0], [0.0, 25.0]])
    np.testing.assert_allclose(split["other_regions_share"], [1 / 3, 0.0])
    assert flows.attrs["unit"] == "monetary units" and list(split.columns) == [
        "own_region", "other_regions", "total", "own_region_share", "other_regions_share"]
    jobs, _ = mrio.commuting_flows(with_jobs, measure="jobs")
    np.testing.assert_array_equal(jobs.to_numpy(), JOBS.to_numpy())


def test_commuting_survives_files_and_pickling(tmp_path):
    import pickle

    s = two_regions().with_meta(**{COMMUTING_KEY: commuting_meta(JOBS)})
    s.write(str(tmp_path / "t"))
    back = mrio.read(tmp_path / "t")
    pd.testing.assert_frame_equal(back.commuting, s.commuting)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(s)).commuting, s.commuting)
    assert two_regions().commuting is None


def test_bad_commuting_is_named():
    s = two_regions()
    with pytest.raises(errors.InvalidTableError, match="'c', which is no region"):
        _ = s.with_meta(**{COMMUTING_KEY: {"a": {"c": 1.0}}}).commuting
    with pytest.raises(errors.InvalidTableError, match=r"\['a'\]\['b'\] = -1.0"):
        _ = s.with_meta(**{COMMUTING_KEY: {"a": {"b": -1.0}}}).commuting
    with pytest.raises(errors.InvalidTableError, match="must map work region"):
        _ = s.with_meta(**{COMMUTING_KEY: [1, 2]}).commuting
    # b earns wages but nobody works there
    with pytest.raises(errors.InputError, match="region 'b' earns labour income .* no jobs"):
        mrio.type_ii_multipliers(s, commuting=JOBS.assign(b=0.0))
    with pytest.raises(errors.UnknownLabelError, match="'c'"):
        mrio.type_ii_multipliers(s, commuting=JOBS.rename(index={"b": "c"}))
    with pytest.raises(errors.InputError, match="no commuting matrix"):
        mrio.commuting_flows(s)
    with pytest.raises(errors.InputError, match="measure must be"):
        mrio.commuting_flows(s, measure="wages", commuting=JOBS)


def test_a_region_without_residents_pays_its_wages_onshore():
    # b's households consume nothing and nobody lives there: with commuting, b's wages reach a's households
    s = two_regions()
    Y = s.Y.copy()
    Y[("b", "household")] = 0.0
    Y[("RoW", "exports")] = s.Y.sum(axis=1) - Y[("a", "household")]
    s = s.replace(Y=Y)
    jobs = pd.DataFrame([[10.0, 5.0], [0.0, 0.0]], index=["a", "b"], columns=["a", "b"])
    t = mrio.type_ii_multipliers(s, commuting=jobs)
    # all income (100) lives in a: propensity 30/100; demand for a or b: 1 / (1 - .3 * .5) for a's output
    np.testing.assert_allclose(t["output_type_II"], [1 / 0.85, 1 + 0.15 / 0.85], rtol=1e-13)
    old = mrio.type_ii_multipliers(s)
    np.testing.assert_allclose(old["output_type_II"], [1 / 0.7, 1.0], rtol=1e-13)  # b's wages vanish


@st.composite
def systems_with_commuting(draw):
    R = draw(st.integers(1, 4))
    s = random_mrio(R, draw(st.integers(1, 4)), seed=draw(st.integers(0, 2**32 - 1)))
    values = draw(st.lists(st.floats(0.0, 100.0), min_size=R * R, max_size=R * R))
    jobs = np.array(values).reshape(R, R) + np.eye(R) * draw(st.floats(0.1, 100.0))  # everyone has jobs
    return s, pd.DataFrame(jobs, index=s.regions, columns=s.regions)


@SETTINGS
@given(systems_with_commuting())
def test_identity_commuting_reproduces_the_regional_closure(case):
    s, jobs = case
    diagonal = pd.DataFrame(np.diag(np.diag(jobs.to_numpy())), index=s.regions, columns=s.regions)
    old = mrio.type_ii_multipliers(s)
    np.testing.assert_allclose(mrio.type_ii_multipliers(s, commuting=diagonal), old, rtol=1e-12)
    pd.testing.assert_frame_equal(mrio.type_ii_multipliers(s, commuting=False), old)


@SETTINGS
@given(systems_with_commuting())
def test_type_ii_at_least_type_i_and_income_is_conserved(case):
    s, jobs = case
    t = mrio.type_ii_multipliers(s, commuting=jobs)
    assert (t["output_type_II"] >= t["output_type_I"] - 1e-12).all()
    assert (t["income_type_II"] >= t["income_type_I"] - 1e-12).all()
    flows, split = mrio.commuting_flows(s, commuting=jobs)
    earned = s.V.loc["compensation"].groupby(level="region", sort=False).sum()
    np.testing.assert_allclose(flows.sum(axis=0), earned.reindex(flows.columns), rtol=1e-12)
    np.testing.assert_allclose(split["own_region"] + split["other_regions"], split["total"], rtol=1e-12)


@SETTINGS
@given(systems_with_commuting(), st.integers(0, 2**32 - 1))
def test_regrouping_sums_the_jobs_and_type_ii_follows(case, seed):
    s, jobs = case
    s = s.with_meta(**{COMMUTING_KEY: commuting_meta(jobs)})
    groups = pd.Series(np.random.default_rng(seed).integers(0, 2, s.n_regions), index=s.regions).map(
        {0: "G0", 1: "G1"})
    grouped = s.aggregate(regions=groups)
    G = pd.get_dummies(groups).astype(float)[list(grouped.regions)]
    expected = G.T.to_numpy() @ jobs.to_numpy() @ G.to_numpy()
    np.testing.assert_allclose(grouped.commuting.to_numpy(), expected, rtol=1e-12, atol=1e-12)
    summed = pd.DataFrame(expected, index=grouped.regions, columns=grouped.regions)
    np.testing.assert_allclose(mrio.type_ii_multipliers(grouped),
                               mrio.type_ii_multipliers(grouped, commuting=summed), rtol=1e-12)
    # jobs are sums: the regrouped flows are the flows of the regrouped table
    flows, _ = mrio.commuting_flows(s, measure="jobs", regroup=groups)
    np.testing.assert_allclose(flows.loc[grouped.regions, grouped.regions],
                               mrio.commuting_flows(grouped, measure="jobs")[0], rtol=1e-12, atol=1e-12)
    # income is paid per job at each region's own wage, so the detailed flows regrouped differ from the
    # regrouped table's (one wage per group) except in what each group earns
    flows, _ = mrio.commuting_flows(s, regroup=groups)
    np.testing.assert_allclose(flows.loc[grouped.regions, grouped.regions].sum(axis=0),
                               mrio.commuting_flows(grouped)[0].sum(axis=0), rtol=1e-12)
    # one region: one household sector, commuting changes nothing
    one = s.aggregate(regions=pd.Series("NL", index=s.regions))
    np.testing.assert_allclose(mrio.type_ii_multipliers(one), mrio.type_ii_multipliers(one, commuting=False),
                               rtol=1e-12)


def test_residents_dependency_known_answer_two_regions():
    # A = 0, f = exports (70, 85), h = .5, P = [[1, .5], [0, .5]], H_c = diag(.4, .6) (see above);
    # first-round income w0 = H_r f = (.5 * 70 + .25 * 85, .25 * 85) = (56.25, 21.25);
    # I - H_r H_c = [[.8, -.15], [0, .85]]: K = [[1.25, .15 / .68], [0, 1 / .85]];
    # output of a on a's residents: .4 * 1.25 * 56.25 = 28.125; on b's: .4 * (.15 / .68) * 21.25 = 1.875;
    # output of b on b's residents: .6 * 21.25 / .85 = 15 (b's chain pays a's residents 3.75, spent on a)
    s = two_regions()
    by_residence, split = mrio.residents_dependency(s, measure="output", commuting=JOBS)
    np.testing.assert_allclose(by_residence.to_numpy(), [[28.125, 1.875], [0.0, 15.0]], rtol=1e-13,
                               atol=1e-13)
    np.testing.assert_allclose(split["exogenous"], [70.0, 85.0], rtol=1e-13)
    np.testing.assert_allclose(split["own_residents"], [28.125, 15.0], rtol=1e-13)
    np.testing.assert_allclose(split["other_residents"], [1.875, 0.0], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(split["total"], [100.0, 100.0], rtol=1e-13)  # the table's own output
    assert list(by_residence.columns) == ["a", "b"] and by_residence.columns.name == "residence"
    assert by_residence.attrs["commuting"] is True and split.attrs["measure"] == "output"
    # without commuting every region's wages are spent at home: .6 * 35 / .7 = 30 and .3 * 42.5 / .85 = 15
    alone, _ = mrio.residents_dependency(s, measure="output", commuting=False)
    np.testing.assert_allclose(alone.to_numpy(), [[30.0, 0.0], [0.0, 15.0]], rtol=1e-13, atol=1e-13)
    # value added per unit of output is 1 here: the same table
    va, _ = mrio.residents_dependency(s, commuting=JOBS)
    np.testing.assert_allclose(va.to_numpy(), by_residence.to_numpy(), rtol=1e-13, atol=1e-13)


def _closed_output(s, jobs):
    """Household-closed output and its (N x R) household columns from the full (N + R) system."""
    from mrio.analysis.multipliers import household_closure
    from mrio.kernels import LeontiefFactor

    c = household_closure(s, commuting=jobs)
    R = s.n_regions
    A_bar = np.block([[s.arrays.A, c.propensities], [c.income_by_residence, np.zeros((R, R))]])
    exogenous = s.Y.columns.get_level_values("category") != c.category
    f = np.concatenate([s.arrays.Y[:, exogenous].sum(axis=1), np.zeros(R)])
    factor = LeontiefFactor(A_bar)
    households = factor.solve(np.vstack([np.zeros((len(s), R)), np.eye(R)]))[:len(s)]
    return factor.solve(f)[:len(s)], households, f[:len(s)], c


@SETTINGS
@given(systems_with_commuting())
def test_residents_dependency_adds_up_to_the_household_closed_total(case):
    s, jobs = case
    by_residence, split = mrio.residents_dependency(s, measure="output", by="region-sector", commuting=jobs)
    closed, _, _, _ = _closed_output(s, jobs)
    np.testing.assert_allclose(split["total"], closed, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(split["exogenous"] + by_residence.sum(axis=1), split["total"], rtol=1e-12)
    np.testing.assert_allclose(split["exogenous"], s.leontief_product(_closed_output(s, jobs)[2]), rtol=1e-9)
    assert (by_residence.to_numpy() >= -1e-9).all()
    regions, _ = mrio.residents_dependency(s, measure="output", commuting=jobs)
    np.testing.assert_allclose(regions.to_numpy(), by_residence.groupby(level="region", sort=False).sum(),
                               rtol=1e-12, atol=1e-12)


@SETTINGS
@given(systems_with_commuting())
def test_without_commuting_residents_dependency_is_the_induced_part_by_workplace(case):
    s, jobs = case
    by_residence, split = mrio.residents_dependency(s, measure="output", by="region-sector", commuting=False)
    closed, households, f, c = _closed_output(s, False)
    # the income earned in each work region u from exogenous demand (type I), spent by u's households
    earned = (c.income_coefficients * s.leontief_product(f)).reshape(s.n_regions, s.n_sectors).sum(axis=1)
    np.testing.assert_allclose(by_residence.to_numpy(), households * earned[np.newaxis, :], rtol=1e-9,
                               atol=1e-9)
    np.testing.assert_allclose(by_residence.sum(axis=1), closed - s.leontief_product(f), rtol=1e-9, atol=1e-9)
    # identity commuting is no commuting
    diagonal = pd.DataFrame(np.diag(np.diag(jobs.to_numpy())), index=s.regions, columns=s.regions)
    same, _ = mrio.residents_dependency(s, measure="output", by="region-sector", commuting=diagonal)
    np.testing.assert_allclose(same, by_residence, rtol=1e-10, atol=1e-10)
