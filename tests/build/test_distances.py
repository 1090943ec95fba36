"""Distances from populated places (mrio.build.distances) and the Dutch trade distances derived from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio.build.distances import (
    EARTH_RADIUS_KM,
    assign_to_polygons,
    city_distances,
    regional_city_distances,
)
from mrio.errors import InputError, MRIOError

DEGREE = EARTH_RADIUS_KM * np.pi / 180  # km per degree of a great circle


def _places(lons, pops, lat=0.0):
    return pd.DataFrame({"lat": lat, "lon": np.asarray(lons, dtype=float), "population": np.asarray(pops, float)})


def _square(lon0, lat0, side=1.0, hole=None):
    ring = [[lon0, lat0], [lon0 + side, lat0], [lon0 + side, lat0 + side], [lon0, lat0 + side], [lon0, lat0]]
    rings = [ring] if hole is None else [ring, hole]
    return {"type": "Polygon", "coordinates": rings}


def test_city_distances_known_answer():
    """Cities on the equator, one degree = 6371 pi / 180 km: internal distance of a two-city region is
    their distance; between regions the population-weighted arithmetic (theta = 1) or harmonic
    (theta = -1) mean over city pairs."""
    a, b = _places([0.0, 1.0], [1.0, 3.0]), _places([10.0, 12.0], [1.0, 1.0])
    d = city_distances([a, b])
    np.testing.assert_allclose(np.diag(d), [DEGREE, 2 * DEGREE], rtol=1e-12)
    np.testing.assert_allclose(d[0, 1], (10 + 12 + 3 * 9 + 3 * 11) / 8 * DEGREE, rtol=1e-12)
    assert d[1, 0] == d[0, 1]
    harmonic = city_distances([a, b], theta=-1.0)
    np.testing.assert_allclose(harmonic[0, 1], 8 / (1 / 10 + 1 / 12 + 3 / 9 + 3 / 11) * DEGREE, rtol=1e-12)
    assert harmonic[0, 1] < d[0, 1]  # the harmonic mean is pulled towards the close pairs
    with pytest.raises(MRIOError, match="fewer than two cities"):
        city_distances([_places([0.0], [1.0])])
    with pytest.raises(MRIOError, match="theta"):
        city_distances([a], theta=0.0)
    with pytest.raises(InputError, match="undefined"):
        city_distances([a], undefined="zero")


def test_city_distances_undefined_entries_are_nan_on_request():
    """One city: no internal pair (NaN), its distance to another region is defined; no city: all NaN."""
    one, two, none = _places([0.0], [5.0]), _places([2.0, 4.0], [1.0, 1.0]), _places([], [])
    d = city_distances([one, two, none], undefined="nan")
    assert np.isnan(d[0, 0]) and np.isnan(d[2, 2]) and np.isnan(d[0, 2]) and np.isnan(d[1, 2])
    np.testing.assert_allclose([d[0, 1], d[1, 1]], [3 * DEGREE, 2 * DEGREE], rtol=1e-12)


def test_assign_to_polygons_known_answer():
    """Two unit squares side by side, the second with a hole: points inside, in the hole and beyond."""
    hole = [[1.4, 0.4], [1.6, 0.4], [1.6, 0.6], [1.4, 0.6], [1.4, 0.4]]
    polygons = [_square(0.0, 0.0), {"type": "MultiPolygon", "coordinates": [_square(1.0, 0.0, hole=hole)
                                                                            ["coordinates"]]}]
    points = pd.DataFrame({"lon": [0.5, 0.2, 1.7, 1.5, 2.5, -0.3], "lat": [0.5, 0.8, 0.5, 0.5, 0.5, 0.5]},
                          index=list("abcdef"))
    got = assign_to_polygons(points, polygons)
    assert list(got.index) == list("abcdef")
    assert got["polygon"].tolist() == [0, 0, 1, 1, 1, 0]
    # inside: 0 km; in the hole: 0.1 degree of longitude at 0.5 N to the hole's edge; east of B: 0.5 degree
    cos = np.cos(np.radians(0.5))
    np.testing.assert_allclose(got["outside_km"].to_numpy(),
                               [0, 0, 0, 0.1 * cos * DEGREE, 0.5 * cos * DEGREE, 0.3 * cos * DEGREE], rtol=1e-9)
    with pytest.raises(InputError, match="Polygon"):
        assign_to_polygons(points, [{"type": "Point", "coordinates": [0, 0]}])


def test_regional_city_distances_rule_known_answer():
    """Three cities on the equator, two in region A (0.6 degree apart), one in B; C has none.

    A's internal distance is its city pair's; the median city-pair / disc ratio is A's alone, so
    B's and C's internal distances are their disc formulas times it; C is its centroid between
    regions."""
    cities = _places([0.2, 0.8, 3.0], [2.0, 1.0, 4.0])
    region = pd.Series(["A", "A", "B"], index=cities.index)
    disc = pd.Series({"A": 10.0, "B": 20.0, "C": 5.0})
    centroids = pd.DataFrame({"lat": [0.0, 0.0, 0.0], "lon": [0.5, 3.0, 6.0]}, index=["A", "B", "C"])
    result = regional_city_distances(cities, region, disc, centroids)
    ratio = 0.6 * DEGREE / 10.0
    assert result.fallback_ratio == pytest.approx(ratio, rel=1e-12)
    d = result.distances
    np.testing.assert_allclose(np.diag(d), [0.6 * DEGREE, 20.0 * ratio, 5.0 * ratio], rtol=1e-12)
    np.testing.assert_allclose(d.loc["A", "B"], (2 * 2.8 + 1 * 2.2) / 3 * DEGREE, rtol=1e-12)
    np.testing.assert_allclose(d.loc["B", "C"], 3.0 * DEGREE, rtol=1e-12)
    np.testing.assert_allclose(d.loc["C", "A"], (2 * 5.8 + 1 * 5.2) / 3 * DEGREE, rtol=1e-12)
    table = result.regions
    assert table["cities"].tolist() == [2, 1, 0]
    assert table["internal_basis"].tolist() == ["city pairs", "disc x ratio", "disc x ratio"]
    assert table["between_basis"].tolist() == ["cities", "cities", "centroid"]
    np.testing.assert_allclose(table["ratio"], [ratio] * 3, rtol=1e-12)
    with pytest.raises(InputError, match="no region has 2 or more"):
        regional_city_distances(cities.iloc[2:], region.iloc[2:], disc, centroids)
    with pytest.raises(InputError, match="without a centroid"):
        regional_city_distances(cities, region, disc, centroids.drop(index="C"))
    with pytest.raises(InputError, match="without a disc formula"):
        regional_city_distances(cities, region, disc.drop("B"), centroids)


@st.composite
def _regions(draw):
    """Two to four regions with one to four cities each, within a few degrees of 52 N 5 E."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    coordinate = st.floats(-2.0, 2.0, allow_nan=False)
    rows = [(f"r{k}", 52.0 + draw(coordinate), 5.0 + draw(coordinate), draw(st.floats(1.0, 1e6)))
            for k, n in enumerate(sizes) for _ in range(n)]
    cities = pd.DataFrame(rows, columns=["region", "lat", "lon", "population"])
    return cities.assign(lat=cities["lat"] + 1e-3 * np.arange(len(cities)))  # no two cities at one place


@settings(max_examples=40, deadline=None)
@given(_regions(), st.floats(0.01, 100.0), st.randoms(use_true_random=False))
def test_regional_city_distances_properties(cities, factor, random):
    """Symmetric; every mean lies within its pairs' range; scaling every population leaves the
    distances unchanged; relabelling the regions in another order permutes the result the same way."""
    names = sorted(cities["region"].unique())
    disc = pd.Series(10.0, index=names)
    centroids = pd.DataFrame({"lat": 52.0, "lon": 5.0}, index=names)
    if not (cities["region"].value_counts() >= 2).any():
        with pytest.raises(InputError):
            regional_city_distances(cities, cities["region"], disc, centroids)
        return
    base = regional_city_distances(cities, cities["region"], disc, centroids)
    d = base.distances.to_numpy()
    np.testing.assert_allclose(d, d.T, rtol=0, atol=0)
    from mrio.build.distances import great_circle_km

    for r in names:
        for s in names:
            if r != s:
                pairs = great_circle_km(cities[cities["region"] == r], cities[cities["region"] == s])
                assert pairs.min() * (1 - 1e-12) <= base.distances.loc[r, s] <= pairs.max() * (1 + 1e-12)
    scaled = regional_city_distances(cities.assign(population=cities["population"] * factor), cities["region"],
                                     disc, centroids)
    np.testing.assert_allclose(scaled.distances.to_numpy(), d, rtol=1e-10)
    order = list(names)
    random.shuffle(order)
    permuted = regional_city_distances(cities, cities["region"], disc[order], centroids)
    pd.testing.assert_frame_equal(permuted.distances, base.distances.loc[order, order], rtol=1e-12)


# ---------------------------------------------------------------------------------- the Dutch trade distances
def test_bundled_trade_distances_are_the_scripts_derivation(shared_data):
    """``regions.csv`` (cities_15k, trade_internal_distance_km) and ``trade_distances_km.csv`` are
    what ``data/build_nl_corop.py`` derives from the shared COROP boundaries and GeoNames."""
    from mrio.build import nl
    from mrio.data.build_nl_corop import trade_distances

    with nl.nl_inputs_folder() as folder:
        bundled = pd.read_csv(folder / "regions.csv")
        matrix = pd.read_csv(folder / "trade_distances_km.csv", index_col=0)
    regions, derived, cities = trade_distances(shared_data, bundled.drop(columns=["cities_15k",
                                                                                   "trade_internal_distance_km"]))
    pd.testing.assert_frame_equal(regions[bundled.columns], bundled)
    pd.testing.assert_frame_equal(derived, matrix, check_names=False)
    assert len(cities) == bundled["cities_15k"].sum() == 243
    few = bundled[bundled["cities_15k"] < 2]
    assert (few["cities_15k"] == 1).all() and len(few) == 5  # no region without a city at 15,000
    ratio = bundled["trade_internal_distance_km"] / bundled["internal_distance_km"]
    np.testing.assert_allclose(ratio[few.index], np.median(ratio[bundled["cities_15k"] >= 2]), rtol=1e-3)
