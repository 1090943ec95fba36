"""The two-piece distributions of drawn assumptions: the default is the median of the draws (issue 12)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio.build import draws as dr


def test_two_piece_quantiles_known_answers():
    t = dr.Uncertain("x", 2.0, 1.0, 5.0, "two-piece-triangular")
    # below: a + (c - a) sqrt(2u); above: b - (b - c) sqrt(2 (1 - u))
    np.testing.assert_allclose([t.quantile(np.array(v)) for v in (0.0, 0.125, 0.5, 0.875, 1.0)],
                               [1.0, 1.5, 2.0, 3.5, 5.0])
    u = dr.Uncertain("x", 2.0, 1.0, 5.0, "two-piece-uniform")
    np.testing.assert_allclose([u.quantile(np.array(v)) for v in (0.0, 0.25, 0.5, 0.75)], [1.0, 1.5, 2.0, 3.5])
    year = dr.Uncertain("year", 2014, 2010, 2014, "two-piece-integer")
    assert [int(year.quantile(np.array(v))) for v in (0.0, 0.1, 0.45, 0.5, 0.99)] == [2010, 2011, 2014, 2014, 2014]


def test_a_symmetric_two_piece_triangular_is_the_triangular():
    u = np.linspace(0.0, 0.999, 37)
    a = [dr.Uncertain("x", 0.5, 0.0, 1.0, "triangular").quantile(np.array(v)) for v in u]
    b = [dr.Uncertain("x", 0.5, 0.0, 1.0, "two-piece-triangular").quantile(np.array(v)) for v in u]
    np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_a_default_at_a_bound_keeps_half_the_draws():
    w = dr.Uncertain("w", 1.0, 0.5, 1.0, "two-piece-triangular")
    values = np.array([dr.draw_values([w], 3, i)["w"] for i in range(400)])
    at_default = np.mean(values == 1.0)
    assert 0.4 < at_default < 0.6 and (values >= 0.5).all() and (values <= 1.0).all()
    year = dr.Uncertain("year", 2014, 2010, 2014, "two-piece-integer")
    years = np.array([dr.draw_values([year], 3, i)["year"] for i in range(2000)])
    assert set(years.tolist()) == {2010, 2011, 2012, 2013, 2014}
    assert 0.55 < np.mean(years == 2014) < 0.65  # 1/2 + 1/10
    assert isinstance(dr.draw_values([year], 3, 0)["year"], int)


@settings(max_examples=200, deadline=None)
@given(low=st.floats(-10, 10), below=st.floats(0, 5), above=st.floats(0, 5),
       dist=st.sampled_from(["two-piece-triangular", "two-piece-uniform"]))
def test_the_default_is_the_median_and_draws_stay_in_range(low, below, above, dist):
    a = dr.Uncertain("x", low + below, low, low + below + above, dist)
    u = np.arange(200) / 200  # exactly half below 1/2
    q = np.array([a.quantile(np.array(v)) for v in u])
    assert (q >= low - 1e-12).all() and (q <= low + below + above + 1e-12).all()
    assert (np.diff(q) >= -1e-12).all()
    assert np.mean(q < a.default) <= 0.5 + 1e-9 and np.mean(q > a.default) <= 0.5 + 1e-9
    assert a.quantile(np.array(0.5)) == pytest.approx(a.default, abs=1e-12)


def test_every_dutch_assumption_has_its_default_as_median():
    """The point estimate is the centre of every assumption's draws (two-piece distributions)."""
    for a in dr.nl_uncertain_assumptions():
        median = a.quantile(np.full(a.size, 0.5))
        np.testing.assert_allclose(median, np.broadcast_to(np.asarray(a.default, dtype=float), a.shape),
                                   rtol=1e-12, atol=1e-12, err_msg=a.name)
        assert a.distribution in ("two-piece-triangular", "two-piece-uniform", "two-piece-integer", "uniform"), a.name
        if a.distribution == "uniform":  # only where the range is symmetric about the default
            np.testing.assert_allclose(np.asarray(a.high) - a.default, np.asarray(a.default) - np.asarray(a.low))
