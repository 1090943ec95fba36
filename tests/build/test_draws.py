"""The draw layer: seeded draws of assumptions and of whole tables (mrio.build.draws)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio.build import draws as dr
from mrio.build import nl
from mrio.build.nl_placement import EXTRA_REGIO, NLAssumptions
from mrio.build.regional import national_consistency
from mrio.errors import InputError, InvalidTableError, UnknownLabelError

_PLACEMENT = ("prior_floor", "point_weight", "airport_cargo_weight", "turnover_cells", "account_offsets",
              "commuting_year", "commuting_decay_scale", "internal_distance_scale")


def test_generator_is_a_pure_function_of_seed_and_index():
    a = dr.draw_generator(7, 3).random(5)
    b = dr.draw_generator(7, 3).random(5)
    np.testing.assert_array_equal(a, b)
    # the index-th child of SeedSequence(seed).spawn(...)
    child = np.random.SeedSequence(7).spawn(4)[3]
    np.testing.assert_array_equal(a, np.random.default_rng(child).random(5))
    assert not np.array_equal(a, dr.draw_generator(7, 4).random(5))
    assert not np.array_equal(a, dr.draw_generator(8, 3).random(5))
    with pytest.raises(InputError, match="seed"):
        dr.draw_generator(-1, 0)


def test_uniform_and_triangular_quantiles_known_answers():
    u = dr.Uncertain("x", 2.0, 1.0, 5.0, "uniform")
    np.testing.assert_allclose(u.quantile(np.array(0.25)), 2.0)
    t = dr.Uncertain("x", 2.0, 1.0, 5.0, "triangular")
    # F(mode) = (c - a) / (b - a) = 0.25; F^-1(0) = a, F^-1(0.25) = c, F^-1(1) = b
    np.testing.assert_allclose([t.quantile(np.array(v)) for v in (0.0, 0.25, 1.0)], [1.0, 2.0, 5.0])
    # F^-1(u) = a + sqrt(u (b - a)(c - a)) below the mode: u = 0.0625 -> 1 + sqrt(0.25) = 1.5
    np.testing.assert_allclose(t.quantile(np.array(0.0625)), 1.5)


def test_zero_width_gives_the_default_exactly_and_draws_nothing_different_elsewhere():
    a = dr.Uncertain("a", 0.3, 0.1, 0.4, "triangular")
    b = dr.Uncertain("b", 1.0, 0.5, 1.5)
    both = dr.draw_values([a, b], 11, 2)
    fixed = dr.draw_values([a.fixed(), b], 11, 2)
    assert fixed["a"] == 0.3
    assert fixed["b"] == both["b"]


def test_array_assumption_with_labels_is_a_series():
    cells = dr.Uncertain("cells", [1.0, 2.0], [0.5, 2.0], [1.5, 3.0], labels=("c1", "c2"))
    value = cells.draw(dr.draw_generator(0, 0))
    assert list(value.index) == ["c1", "c2"]
    assert 0.5 <= value["c1"] <= 1.5 and 2.0 <= value["c2"] <= 3.0


@pytest.mark.parametrize("bad", [dict(default=0.5, low=0.6, high=0.7), dict(default=np.nan, low=0, high=1)])
def test_bad_ranges_are_refused(bad):
    with pytest.raises(InputError, match="assumption 'x'"):
        dr.Uncertain("x", **bad)


@settings(max_examples=60, deadline=None)
@given(low=st.floats(-10, 10), span=st.floats(0, 10), mode=st.floats(0, 1), u=st.floats(0, 1, exclude_max=True),
       du=st.floats(0, 0.5), dist=st.sampled_from(["uniform", "triangular", "integer"]))
def test_quantiles_stay_in_range_and_increase(low, span, mode, u, du, dist):
    if dist == "integer":  # whole-number bounds and default
        low, span = float(round(low)), float(round(span))
        mode = round(mode * span) / span if span else 0.0
    a = dr.Uncertain("x", low + mode * span, low, low + span, dist)
    lo = float(a.quantile(np.array(u)))
    hi = float(a.quantile(np.array(max(u, min(u + du, 0.999999)))))  # a second variate >= u, below 1
    assert low - 1e-12 <= lo <= hi + 1e-12 <= low + span + 2e-12


def test_unknown_dataset_and_assumption():
    with pytest.raises(UnknownLabelError, match="cannot be rebuilt"):
        dr.table_draws("nl-2000")
    with pytest.raises(UnknownLabelError, match="no uncertain assumption"):
        dr.table_draws().with_ranges(gamma=(0, 1))


@pytest.fixture(scope="module")
def nl_draws():
    return dr.table_draws("nl-corop")


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 2**32), index=st.integers(0, 10_000))
def test_every_draw_is_national_consistent(nl_draws, seed, index):
    system = nl_draws.table(seed, index)
    assert national_consistency(system, nl_draws.national)["max_relative_error"].max() <= 1e-9
    params = nl_draws.parameters(seed, index)
    for a in nl_draws.assumptions:
        assert np.all((np.asarray(a.low) <= np.asarray(params[a.name]))
                      & (np.asarray(params[a.name]) <= np.asarray(a.high)))
    used = system.meta["trade"]["parameters"]["classes"]
    placement = system.meta["nl_assumptions"]
    for a in nl_draws.assumptions:
        if "." in a.name:
            cls, field = a.name.split(".")
            assert used[cls][field] == pytest.approx(params[a.name])
        elif a.name in ("turnover_cells", "account_offsets"):
            key = "turnover_cells_overridden" if a.name == "turnover_cells" else a.name
            assert placement[key] == a.size
        elif a.name in placement:
            assert placement[a.name] == pytest.approx(params[a.name])
        else:
            assert system.meta["trade"]["parameters"][a.name] == pytest.approx(params[a.name])


def test_placement_assumptions_are_drawn_within_the_published_figures(nl_draws):
    """Confidential turnover cells within their feasible ranges; 84419NED output within its rounding."""
    names = {a.name: a for a in nl_draws.assumptions}
    assert {"prior_floor", "point_weight", "airport_cargo_weight", "turnover_cells", "account_offsets"} <= set(names)
    cells = names["turnover_cells"]
    assert (np.asarray(cells.low) <= np.asarray(cells.high)).all()
    with nl.nl_inputs_folder() as folder:
        turnover = pd.read_csv(folder / "turnover.csv")
    drawn = turnover["estimated"] & turnover["year"].isin(NLAssumptions().turnover_years)
    assert cells.size == int(drawn.sum()) > 200  # every confidential cell of the turnover year(s) placed
    groups = {"A": range(1, 4), "B": range(4, 7), "C": range(7, 29), "DE": range(29, 32), "total": range(1, 82)}
    rounding = {"A": 0.5, "B": 0.5, "C": 0.5, "DE": 1.5, "total": 0.5}  # D+E = B-E - B - C carries three
    with nl.nl_inputs_folder() as folder:
        accounts = pd.read_csv(folder / "regional_accounts.csv")
    published = accounts[(accounts["year"] == nl_draws.year) & (accounts["variable"] == "output")]
    published = published[published["region"] != EXTRA_REGIO].set_index(["group", "region"])["value"]

    def deviation(system):
        x = system.x.unstack("sector").reindex(columns=system.sectors).drop(EXTRA_REGIO)
        return {g: (x.iloc[:, [j - 1 for j in cols]].sum(axis=1) - published[g].reindex(x.index)).abs().max()
                for g, cols in groups.items()}

    default = deviation(nl_draws.point())
    trade_fixed = nl_draws.fixed([n for n in names if n not in _PLACEMENT])
    for index in range(2):
        params = trade_fixed.parameters(5, index)
        system = trade_fixed.table(5, index)
        assert national_consistency(system, nl_draws.national)["max_relative_error"].max() <= 1e-9
        offsets = params["account_offsets"]
        drawn = deviation(system)
        for g in groups:
            shift = abs(offsets[[k for k in offsets.index if k[1] == g]].mean())  # offsets are centred per group
            assert drawn[g] <= rounding[g] + shift + default[g] + 1e-9, g
        assert not np.allclose(system.x.to_numpy(), nl_draws.point().x.to_numpy())


def test_turnover_cells_are_checked_against_their_published_status_and_range():
    with nl.nl_inputs_folder() as folder:
        turnover = pd.read_csv(folder / "turnover.csv")
        cell = turnover[turnover["estimated"] & (turnover["year"] == 2017)].iloc[0]
        published = turnover[~turnover["estimated"] & (turnover["year"] == 2017)].iloc[0]
        key = (cell["group"], cell["region"], 2017)
        inside = NLAssumptions(turnover_cells={key: float(cell["upper"])})
        nl.build_nl_corop(folder=folder, assumptions=inside)  # the upper end of the range is feasible
        for cells, match in [({key: float(cell["upper"]) + 1.0}, "outside its feasible range"),
                             ({(published["group"], published["region"], 2017): 1.0}, "is published"),
                             ({("XX", cell["region"], 2017): 1.0}, "does not exist")]:
            with pytest.raises(InvalidTableError, match=match):
                nl.build_nl_corop(folder=folder, assumptions=NLAssumptions(turnover_cells=cells))


def test_fixed_draw_is_the_default_table(nl_draws):
    point = nl_draws.point()
    drawn = nl_draws.fixed().table(3, 5)
    np.testing.assert_allclose(drawn.arrays.Z, point.arrays.Z, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(drawn.arrays.Y, point.arrays.Y, rtol=1e-12, atol=1e-12)


def test_integer_and_choice_assumptions_are_equally_likely():
    year = dr.Uncertain("year", 2014, 2010, 2014, "integer")
    years = [dr.draw_values([year], 0, i)["year"] for i in range(2000)]
    assert set(years) == {2010, 2011, 2012, 2013, 2014} and all(isinstance(y, int) for y in years)
    counts = np.bincount(np.array(years) - 2010)
    assert counts.min() > 320  # 400 expected each
    assert year.fixed().draw(dr.draw_generator(0, 0)) == 2014
    pick = dr.Uncertain("years", 2, 0, 2, "choice", choices=[(2016,), (2017,), (2016, 2017)])
    drawn = {dr.draw_values([pick], 1, i)["years"] for i in range(200)}
    assert drawn == {(2016,), (2017,), (2016, 2017)}
    assert pick.fixed().draw(dr.draw_generator(0, 0)) == (2016, 2017)
    with pytest.raises(InputError, match="choices"):
        dr.Uncertain("years", 0, 0, 3, "choice", choices=[1, 2])
