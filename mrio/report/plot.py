"""Figures for people: maps, heat maps, bar charts and time series (matplotlib).

Every function returns a :class:`matplotlib.figure.Figure` built without :mod:`matplotlib.pyplot`,
so nothing depends on an interactive backend or on global pyplot state: the figures render with
Agg (``fig.savefig(...)``, :func:`figure_png`) in scripts, servers and tests, and display inline
in notebooks. Pass ``ax=`` to draw into an axes of your own figure instead.

Maps are drawn from GeoJSON polygons with :class:`matplotlib.patches.PathPatch` (no geopandas).
The package ships the 40 Dutch COROP regions and the 12 provinces (``data/geometry``, derived from
CBS/Kadaster boundaries, CC BY 4.0, via the R package spatialrisk); every map carries that
attribution.

Public functions
----------------
load_geometry        the polygons of ``"corop"``, ``"provinces"`` or any GeoJSON file
choropleth           a map colouring regions by a value
dependency_heatmap   a region-by-region matrix, rows and columns ordered so that clusters show
cluster_order        that order (hierarchical clustering, optimal leaf ordering)
top_bar_chart        the largest values of a labelled series as horizontal bars
time_series          trajectories of dynamic results (one line per region or sector)
figure_png           a figure as PNG bytes
"""

from __future__ import annotations

import io
import json
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import FuncFormatter, PercentFormatter

from mrio.core.labels import close_matches, label_key
from mrio.build.nl_placement import EXTRA_REGIO
from mrio.errors import FileFormatError, InvalidTableError, LabelError, UnknownLabelError

__all__ = [
    "Geometry",
    "load_geometry",
    "choropleth",
    "dependency_heatmap",
    "cluster_order",
    "top_bar_chart",
    "time_series",
    "figure_png",
    "BUILTIN_GEOMETRIES",
]

#: Regions of the bundled tables that no map shows (extra-regio: the continental shelf, NUTS NLZZZ).
OFF_MAP_REGIONS = frozenset({EXTRA_REGIO})
#: Geometries shipped with the package (files in ``mrio.data/geometry``).
BUILTIN_GEOMETRIES = {"corop": "corop.json", "provinces": "provinces.json"}
_NAME_FIELDS = ("name", "areaname", "statnaam", "NAME", "NUTS_NAME", "name_latn")
_NO_DATA = "#d9d9d9"
_HATCH = "#3a3a3a"  # cross-hatching of marked regions (e.g. wide uncertainty bands)


# ---------------------------------------------------------------------------------------- geometry
_key = label_key  # normalised spelling used to match region labels to map features


@dataclass(frozen=True)
class Geometry:
    """Polygons of a set of map regions, ready to draw.

    Attributes
    ----------
    name : str
    regions : tuple of str
        Feature names, in file order.
    paths : tuple of matplotlib.path.Path
        One compound path per region (all its polygons, holes included), lon/lat degrees.
    attribution : str
        Text printed on every map drawn from it.
    groups : tuple of str
        A grouping per region when the file has one (``province`` of a COROP region), else "".
    """

    name: str
    regions: tuple[str, ...]
    paths: tuple[MplPath, ...] = field(repr=False)
    attribution: str = ""
    groups: tuple[str, ...] = field(default=(), repr=False)
    _lookup: Mapping[str, int] = field(default_factory=dict, repr=False)

    def positions(self, labels: Sequence[Hashable], what: str = "region") -> np.ndarray:
        """Feature position of each label (name, code or alias, case and apostrophes ignored).

        Raises
        ------
        UnknownLabelError
            Naming every label that matches no feature, with the closest feature names.
        """
        pos, unknown = [], []
        for label in labels:
            k = self._lookup.get(_key(label))
            if k is None:
                unknown.append(label)
            pos.append(-1 if k is None else k)
        if unknown:
            hints = []
            for label in unknown[:5]:
                close = close_matches(label, self.regions)
                hints.append(f"{label!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close
                                             else ""))
            raise UnknownLabelError(
                f"{len(unknown)} {what} label(s) match no region of the map {self.name!r}: "
                f"{', '.join(hints)}{' ...' if len(unknown) > 5 else ''}; the map has "
                f"{len(self.regions)} regions, e.g. {', '.join(map(repr, self.regions[:3]))}")
        return np.asarray(pos, dtype=np.intp)

    def covers(self, labels: Sequence[Hashable]) -> bool:
        """Return True when every label names a region of this map."""
        return len(labels) > 0 and all(_key(label) in self._lookup for label in labels)

    def label_points(self) -> np.ndarray:
        """Return a point inside each region for its label: the vertex mean of its largest polygon."""
        out = np.empty((len(self.paths), 2))
        for k, path in enumerate(self.paths):
            best, best_area = None, -1.0
            for ring in path.to_polygons(closed_only=True):
                x, y = ring[:, 0], ring[:, 1]
                area = 0.5 * abs(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
                if area > best_area:
                    best, best_area = ring, area
            out[k] = best[:-1].mean(axis=0)
        return out


def _ring_path(ring: list, exterior: bool) -> tuple[np.ndarray, list[int]]:
    try:
        pts = np.asarray(ring, dtype=np.float64)
    except (TypeError, ValueError) as exc:  # nested deeper than [[x, y], ...] or not numbers
        raise FileFormatError(f"a polygon ring is not a list of [x, y] positions: {ring!r:.80}") from exc
    if pts.ndim != 2 or pts.shape[1] < 2 or len(pts) < 3:
        raise FileFormatError(f"a polygon ring has fewer than 3 positions: {ring!r:.80}")
    pts = pts[:, :2]
    if not np.array_equal(pts[0], pts[-1]):
        pts = np.vstack([pts, pts[:1]])
    # Matplotlib fills with the non-zero winding rule: holes must turn the other way round.
    x, y = pts[:, 0], pts[:, 1]
    ccw = (np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) > 0
    if ccw != exterior:
        pts = pts[::-1]
    codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(pts) - 2) + [MplPath.CLOSEPOLY]
    return pts, codes


def _feature_path(geometry: dict, where: str) -> MplPath:
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in ("Polygon", "MultiPolygon") and not isinstance(geometry.get("coordinates"), list):
        raise FileFormatError(f"{where}: coordinates must be a list, got {geometry.get('coordinates')!r:.40}")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        raise FileFormatError(f"{where}: geometry type {kind!r} is not Polygon or MultiPolygon")
    vertices, codes = [], []
    for polygon in polygons:
        for k, ring in enumerate(polygon):
            try:
                v, c = _ring_path(ring, exterior=(k == 0))
            except FileFormatError as exc:
                raise FileFormatError(f"{where}: {exc}") from exc
            vertices.append(v)
            codes.extend(c)
    if not vertices:
        raise FileFormatError(f"{where}: empty geometry")
    return MplPath(np.vstack(vertices), codes)


def _parse_geometry(data: object, source: str, name_field: str | None) -> Geometry:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list) or not data["features"]:
        raise FileFormatError(f"{source}: not a GeoJSON FeatureCollection with features")
    features = data["features"]
    bad = [k for k, feat in enumerate(features) if not isinstance(feat, dict)
           or not isinstance(feat.get("properties") or {}, dict)
           or not isinstance(feat.get("geometry"), dict)
           or not isinstance(feat["geometry"].get("coordinates"), list)]
    if bad:
        raise FileFormatError(f"{source}: features {bad[:5]} are not GeoJSON features with properties and a "
                              "geometry with coordinates")
    props0 = features[0].get("properties") or {}
    if name_field is None:
        name_field = next((f for f in _NAME_FIELDS if f in props0), None)
        if name_field is None:
            raise FileFormatError(
                f"{source}: no region-name property among {', '.join(_NAME_FIELDS)} "
                f"(properties are {', '.join(props0) or 'none'}); pass name_field=")
    names, paths, groups = [], [], []
    lookup: dict[str, int] = {}
    for k, feat in enumerate(features):
        props = feat.get("properties") or {}
        if name_field not in props:
            raise FileFormatError(f"{source}: feature {k} has no property {name_field!r}")
        name = str(props[name_field])
        if _key(name) in lookup:
            raise FileFormatError(f"{source}: region name {name!r} occurs twice")
        names.append(name)
        paths.append(_feature_path(feat.get("geometry"), f"{source}, feature {name!r}"))
        groups.append(str(props.get("province", "")))
        lookup[_key(name)] = k
    # aliases (codes, other spellings) never shadow a name; ambiguous aliases are dropped
    seen: dict[str, set[int]] = {}
    for k, feat in enumerate(features):
        props = feat.get("properties") or {}
        extra = list(props.get("aliases", [])) + [props[f] for f in ("code", "cbs_code") if props.get(f)]
        for alias in extra:
            seen.setdefault(_key(alias), set()).add(k)
    for alias, owners in seen.items():
        if alias not in lookup and len(owners) == 1:
            lookup[alias] = owners.pop()
    attribution = str(data.get("attribution") or "")
    return Geometry(name=str(data.get("name") or source), regions=tuple(names), paths=tuple(paths),
                    attribution=attribution, groups=tuple(groups), _lookup=lookup)


@lru_cache(maxsize=8)
def _builtin(name: str) -> Geometry:
    resource = resources.files("mrio.data") / "geometry" / BUILTIN_GEOMETRIES[name]
    return _parse_geometry(json.loads(resource.read_text(encoding="utf-8")), name, None)


def load_geometry(geometry: str | os.PathLike = "corop", name_field: str | None = None) -> Geometry:
    """Return the polygons of a bundled map or of a GeoJSON file.

    Parameters
    ----------
    geometry : {"corop", "provinces"} or path-like, default "corop"
        ``"corop"``: the 40 Dutch COROP regions (NUTS-3); ``"provinces"``: the 12 provinces; both
        2021 boundaries from CBS/Kadaster (CC BY 4.0) via the R package spatialrisk, bundled in
        ``mrio.data/geometry``. A path: a GeoJSON FeatureCollection of Polygon/MultiPolygon
        features in lon/lat degrees (an ``attribution`` member, if present, is printed on maps).
    name_field : str, optional
        Property holding the region name; default the first of ``name``, ``areaname``,
        ``statnaam``, ``NAME``, ``NUTS_NAME``, ``name_latn`` present. Region labels also match
        the ``code``/``cbs_code`` property and an ``aliases`` list.

    Returns
    -------
    Geometry

    Raises
    ------
    FileFormatError
        Missing or malformed file, unsupported geometry, no name property.
    UnknownLabelError
        An unknown bundled name (one that is neither a bundled map nor an existing file).
    """
    if isinstance(geometry, Geometry):
        return geometry
    if isinstance(geometry, str) and geometry in BUILTIN_GEOMETRIES and name_field is None:
        return _builtin(geometry)
    path = Path(geometry)
    if not path.exists():
        if isinstance(geometry, str) and path.suffix == "":
            raise UnknownLabelError(f"no bundled map {geometry!r}; bundled: "
                                    f"{', '.join(BUILTIN_GEOMETRIES)}, or give a GeoJSON file path")
        raise FileFormatError(f"GeoJSON file {str(path)!r} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise FileFormatError(f"cannot read GeoJSON {str(path)!r}: {exc}") from exc
    return _parse_geometry(data, str(path), name_field)


def on_map(labels: Sequence[Hashable]) -> list[Hashable]:
    """``labels`` without the regions no map shows (:data:`OFF_MAP_REGIONS`: extra-regio)."""
    return [r for r in labels if r not in OFF_MAP_REGIONS]


def geometry_for(regions: Sequence[Hashable]) -> Geometry | None:
    """Return the bundled map whose regions cover ``regions`` (COROP first; extra-regio left out), or None."""
    for name in BUILTIN_GEOMETRIES:
        geo = _builtin(name)
        if geo.covers(on_map(regions)):
            return geo
    return None


# ---------------------------------------------------------------------------------------- helpers
def _as_series(values: pd.Series | Mapping, what: str) -> pd.Series:
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise InvalidTableError(f"{what}: expected one column of values, got {values.shape[1]} "
                                    f"({', '.join(map(str, values.columns[:5]))})")
        values = values.iloc[:, 0]
    if isinstance(values, Mapping):
        values = pd.Series(dict(values))
    if not isinstance(values, pd.Series):
        raise InvalidTableError(f"{what} must be a pandas Series or a mapping of label -> value, "
                                f"got {type(values).__name__}")
    if len(values) == 0:
        raise InvalidTableError(f"{what} is empty")
    if values.index.has_duplicates:
        dup = values.index[values.index.duplicated()].unique()
        raise LabelError(f"{what} has duplicated labels: {', '.join(map(repr, dup[:5]))}")
    try:
        numeric = values.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidTableError(f"{what} must be numeric: {exc}") from exc
    bad = numeric.index[np.isinf(numeric.to_numpy())]
    if len(bad):
        raise InvalidTableError(f"{what} is infinite for {', '.join(map(repr, bad[:5]))}")
    return numeric


def _label(label: Hashable) -> str:
    return " \u00b7 ".join(map(str, label)) if isinstance(label, tuple) else str(label)


def _formatter(percent: bool, fmt: str | None):
    if percent:
        return PercentFormatter(1.0, decimals=0)
    if fmt:
        return FuncFormatter(lambda v, _pos: fmt.format(v))
    return None


def _value_text(value: float, percent: bool, fmt: str | None) -> str:
    if percent:
        return f"{value:.1%}"
    if fmt:
        return fmt.format(value)
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.3g}"


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """Return the figure rendered to PNG bytes with the Agg renderer."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------- maps
def choropleth(values_by_region: pd.Series | Mapping, geometry: str | os.PathLike | Geometry = "corop",
               *, ax: Axes | None = None, title: str | None = None, label: str | None = None,
               cmap: str | None = None, vmin: float | None = None, vmax: float | None = None,
               center: float | None = None, percent: bool = False, fmt: str | None = None,
               annotate: int = 0, name_field: str | None = None, attribution: str | None = None,
               figsize: tuple[float, float] = (6.0, 6.6), hatched: Sequence[Hashable] = (),
               hatch_label: str = "marked") -> Figure:
    """Return a choropleth map: each region coloured by its value.

    Parameters
    ----------
    values_by_region : pandas.Series or Mapping
        Value by region label (map name, CBS code ``CR01``, NUTS code or Eurostat label; case
        and apostrophes are ignored). Regions of the map without a value, or with NaN, are grey
        ("no data").
    geometry : {"corop", "provinces"}, path-like or Geometry, default "corop"
        See :func:`load_geometry`.
    ax : matplotlib.axes.Axes, optional
        Draw here instead of on a new figure.
    title, label : str, optional
        Figure title; colour-bar label.
    cmap : str, optional
        Matplotlib colour map; default ``"YlGnBu"``, or ``"RdBu_r"`` when ``center`` is given.
    vmin, vmax : float, optional
        Colour range; default the range of the values.
    center : float, optional
        Diverging colours around this value (e.g. 0 for changes of either sign).
    percent : bool, default False
        Values are shares: colour bar and annotations in per cent.
    fmt : str, optional
        ``str.format`` pattern for the colour bar and annotations, e.g. ``"{:,.0f}"``.
    annotate : int, default 0
        Write name and value on the ``annotate`` regions with the largest values (with ``center``:
        the largest departures from it, either sign). Labels never overlap: a region whose label
        box would overlap one already placed (or leave the map) is passed over for the next, so
        fewer labels may be written on a crowded map.
    name_field : str, optional
        Name property of a GeoJSON file (see :func:`load_geometry`).
    attribution : str, optional
        Text printed in the corner; default the geometry's own (CBS/Kadaster for the bundled maps).
    hatched : sequence of labels, optional
        Regions drawn cross-hatched over their colour (e.g. a wide uncertainty band), listed in
        the legend as ``hatch_label``.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    UnknownLabelError
        A label that names no region of the map (the message lists them with close matches).
    InvalidTableError
        Empty, non-numeric or infinite values.
    """
    values = _as_series(values_by_region, "values_by_region")
    values = values.loc[on_map(values.index)]  # extra-regio (the continental shelf) is not on a map
    geo = load_geometry(geometry, name_field=name_field)
    pos = geo.positions(list(values.index))
    if len(np.unique(pos)) != len(pos):
        dupes = pd.Series(list(values.index), index=pos)
        dupes = dupes[dupes.index.duplicated(keep=False)]
        raise LabelError(f"labels {', '.join(map(repr, dupes))} name the same region of the map "
                         f"{geo.name!r}")
    by_feature = np.full(len(geo.regions), np.nan)
    by_feature[pos] = values.to_numpy()
    finite = by_feature[np.isfinite(by_feature)]
    lo = vmin if vmin is not None else (float(finite.min()) if finite.size else 0.0)
    hi = vmax if vmax is not None else (float(finite.max()) if finite.size else 1.0)
    one_sign = center is not None and vmin is None and vmax is None and finite.size and (
        hi <= center or lo >= center) and hi > lo
    if one_sign:
        # every value on one side of the centre: a sequential scale, the diverging map's half on
        # that side, from the centre (lightest) to the extreme (darkest); no wasted half in the bar
        base = colormaps[cmap or "RdBu_r"]
        side = np.linspace(0.5, 0.0, 128) if hi <= center else np.linspace(0.5, 1.0, 128)
        cmap_obj = ListedColormap(base(side)) if hi > center else ListedColormap(base(side[::-1]))
        norm = Normalize(vmin=lo, vmax=center) if hi <= center else Normalize(vmin=center, vmax=hi)
    elif center is not None:
        half = max(abs(lo - center), abs(hi - center)) or 1.0
        norm = TwoSlopeNorm(vcenter=center, vmin=center - half, vmax=center + half)
        cmap = cmap or "RdBu_r"
    else:
        if hi <= lo:
            lo, hi = lo - 0.5 * (abs(lo) or 1.0), hi + 0.5 * (abs(hi) or 1.0)
        norm = Normalize(vmin=lo, vmax=hi)
        cmap = cmap or "YlGnBu"
    colours = cmap_obj if one_sign else colormaps[cmap]

    marked = set(geo.positions(list(hatched)).tolist()) if len(hatched) else set()
    fig, ax = _new_axes(ax, figsize)
    for k, path in enumerate(geo.paths):
        v = by_feature[k]
        face = colours(norm(v)) if np.isfinite(v) else _NO_DATA
        ax.add_patch(PathPatch(path, facecolor=face, edgecolor="white", linewidth=0.5,
                               hatch=None if np.isfinite(v) else "////"))
        if k in marked:
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor=_HATCH, linewidth=0.0, hatch="xxx"))
    verts = np.vstack([p.vertices for p in geo.paths])
    (x0, y0), (x1, y1) = verts.min(axis=0), verts.max(axis=0)
    pad = 0.02 * max(x1 - x0, y1 - y0)
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    # plate carree with the scale of the map's mid-latitude: shapes look right at Dutch latitudes
    ax.set_aspect(1.0 / math.cos(math.radians(0.5 * (y0 + y1))))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=11)
    mappable = _scalar_mappable(norm, colours)
    cbar = fig.colorbar(mappable, ax=ax, shrink=0.6, pad=0.01, format=_formatter(percent, fmt))
    if label:
        cbar.set_label(label)
    legend = []
    if np.isnan(by_feature).any():
        legend.append(PathPatch(MplPath([[0, 0]]), facecolor=_NO_DATA, label="no data", hatch="////"))
    if marked:
        legend.append(PathPatch(MplPath([[0, 0]]), facecolor="white", edgecolor=_HATCH, label=hatch_label,
                                hatch="xxx"))
    if legend:
        ax.legend(handles=legend, loc="lower right", fontsize=8, frameon=False)
    if annotate and finite.size:
        points = geo.label_points()
        # the largest values, or the largest departures from ``center`` on a diverging map
        rank = by_feature if center is None else np.abs(by_feature - center)
        order = [k for k in np.argsort(-np.nan_to_num(rank, nan=-np.inf), kind="stable")
                 if np.isfinite(by_feature[k])]
        _place_labels(fig, ax, [(points[k], f"{geo.regions[k]}\n{_value_text(by_feature[k], percent, fmt)}")
                                for k in order], annotate)
    text = geo.attribution if attribution is None else attribution
    if text:
        ax.text(1.0, -0.01, text, transform=ax.transAxes, ha="right", va="top", fontsize=6.5, color="#555555")
    return fig


def _place_labels(fig: Figure, ax: Axes, candidates: Sequence[tuple[np.ndarray, str]], limit: int) -> list[str]:
    """Write up to ``limit`` of the ``candidates`` (anchor, text), in order, so that no two overlap.

    Each label is drawn, its box measured in display coordinates (with the figure's final layout)
    and removed again if it overlaps a label already placed or leaves the axes; the next
    candidate is then tried. Returns the texts placed.
    """
    if limit <= 0:
        return []
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: measure with an Agg canvas
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()  # final layout (constrained layout moves the axes) before measuring
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    boxes, placed = [], []
    for anchor, text in candidates:
        if len(placed) == limit:
            break
        artist = ax.annotate(text, anchor, ha="center", va="center", fontsize=7,
                             bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.75})
        artist.set_in_layout(False)  # inside the axes: the layout need not make room for it
        box = artist.get_window_extent(renderer).expanded(1.05, 1.1)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        if not inside or any(box.overlaps(other) for other in boxes):
            artist.remove()
            continue
        boxes.append(box)
        placed.append(text)
    return placed


def _scalar_mappable(norm, cmap):
    from matplotlib.cm import ScalarMappable

    mappable = ScalarMappable(norm=norm, cmap=cmap)
    mappable.set_array([])
    return mappable


# ---------------------------------------------------------------------------------------- heat map
def _check_matrix(matrix: pd.DataFrame, what: str) -> np.ndarray:
    if not isinstance(matrix, pd.DataFrame):
        raise InvalidTableError(f"{what} must be a pandas DataFrame, got {type(matrix).__name__}")
    if matrix.shape[0] == 0 or matrix.shape[1] == 0:
        raise InvalidTableError(f"{what} is empty (shape {matrix.shape})")
    for axis, labels in (("rows", matrix.index), ("columns", matrix.columns)):
        if labels.has_duplicates:
            raise LabelError(f"{what} has duplicated {axis}: "
                             f"{', '.join(map(repr, labels[labels.duplicated()].unique()[:5]))}")
    try:
        values = matrix.to_numpy(dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidTableError(f"{what} must be numeric: {exc}") from exc
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        cells = [(matrix.index[i], matrix.columns[j]) for i, j in bad[:3]]
        raise InvalidTableError(f"{what} has {len(bad)} NaN/inf entries, e.g. at {cells}")
    return values


def cluster_order(matrix: pd.DataFrame, method: str = "average") -> list:
    """Row labels of ``matrix`` in an order that puts similar rows next to each other.

    Each row label is described by its row profile and, when it is also a column, its column
    profile (both normalised to shares, so large and small regions compare by structure); the
    rows are clustered hierarchically (:func:`scipy.cluster.hierarchy.linkage`, Euclidean
    distance, ``method`` linkage) and read off in the leaf order of the dendrogram after
    :func:`scipy.cluster.hierarchy.optimal_leaf_ordering` (Bar-Joseph, Gifford & Jaakkola 2001),
    which makes neighbouring leaves as similar as possible.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Rows are clustered; typically origin regions x destination regions.
    method : str, default "average"
        Linkage method passed to scipy.

    Returns
    -------
    list
        The row labels, reordered.
    """
    values = _check_matrix(matrix, "matrix")
    n = values.shape[0]
    if n <= 2:
        return list(matrix.index)
    from scipy.cluster.hierarchy import leaves_list, linkage, optimal_leaf_ordering

    def shares(a: np.ndarray, axis: int) -> np.ndarray:
        total = np.abs(a).sum(axis=axis, keepdims=True)
        return np.divide(a, total, out=np.zeros_like(a), where=total > 0)

    features = [shares(values, 1)]
    common = matrix.columns.get_indexer(matrix.index)
    if (common >= 0).all():
        features.append(shares(values[:, common], 0).T)
    X = np.hstack(features)
    if np.allclose(X, X[0]):
        return list(matrix.index)
    Zl = linkage(X, method=method, metric="euclidean")
    Zl = optimal_leaf_ordering(Zl, X, metric="euclidean")
    return [matrix.index[k] for k in leaves_list(Zl)]


def dependency_heatmap(matrix: pd.DataFrame, *, order: str | Sequence | None = "cluster",
                       ax: Axes | None = None, title: str | None = None, label: str | None = None,
                       cmap: str = "magma_r", percent: bool = False, mask_diagonal: bool = False,
                       annotate: bool | None = None, fmt: str | None = None,
                       figsize: tuple[float, float] | None = None) -> Figure:
    """Return a heat map of a region-by-region matrix (origins in rows, destinations in columns).

    Parameters
    ----------
    matrix : pandas.DataFrame
        E.g. the share of origin region r's value added that depends on final demand of
        destination s (docs/methods/dependency.md, section "Dependency matrix"). Columns that are not rows
        (e.g. ``"RoW"``) are drawn at
        the right, after the regions.
    order : "cluster", sequence of labels or None, default "cluster"
        ``"cluster"``: rows by :func:`~mrio.report.plot.cluster_order`, and the columns that are
        also rows in the same order, so that blocks of mutually dependent regions show on the diagonal; a
        sequence: that order; None: as given.
    ax : matplotlib.axes.Axes, optional
    title, label : str, optional
        Figure title; colour-bar label.
    cmap : str, default "magma_r"
    percent : bool, default False
        Values are shares (colour bar and annotations in per cent).
    mask_diagonal : bool, default False
        Leave the diagonal blank (grey) so that the colour range shows the interregional
        cells; own-region shares usually dwarf them.
    annotate : bool, optional
        Print the values in the cells; default when the matrix has at most 12 rows.
    fmt : str, optional
        ``str.format`` pattern for annotations and colour bar.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidTableError, LabelError, UnknownLabelError
        Non-numeric, non-finite or empty matrix; duplicated labels; an ``order`` that is not a
        permutation of the rows.
    """
    values = _check_matrix(matrix, "matrix")
    if isinstance(order, str):
        if order != "cluster":
            raise InvalidTableError(
                f"order must be 'cluster', a sequence of row labels or None, got {order!r}")
        rows = cluster_order(matrix)
    elif order is None:
        rows = list(matrix.index)
    else:
        rows = list(order)
        unknown = [r for r in rows if r not in matrix.index]
        missing = [r for r in matrix.index if r not in rows]
        if unknown or missing or len(rows) != len(matrix.index):
            raise UnknownLabelError(f"order must list each row once: unknown {unknown[:5]}, "
                                    f"missing {missing[:5]}")
    cols = [r for r in rows if r in matrix.columns] + [c for c in matrix.columns if c not in matrix.index]
    frame = matrix.loc[rows, cols]
    values = frame.to_numpy(dtype=np.float64)
    shown = np.ma.masked_invalid(values.copy())
    if mask_diagonal:
        for i, r in enumerate(rows):
            if r in cols:
                shown[i, cols.index(r)] = np.ma.masked
    n_rows, n_cols = values.shape
    if figsize is None:
        side = min(13.0, max(4.5, 0.26 * max(n_rows, n_cols) + 3.0))
        figsize = (side + 1.2, side)
    fig, ax = _new_axes(ax, figsize)
    ax.set_facecolor("#eeeeee")
    image = ax.imshow(shown, cmap=cmap, aspect="auto", interpolation="nearest")
    tick_size = 9 if max(n_rows, n_cols) <= 15 else (7 if max(n_rows, n_cols) <= 45 else 5)
    ax.set_xticks(range(n_cols), [_label(c) for c in cols], rotation=90, fontsize=tick_size)
    ax.set_yticks(range(n_rows), [_label(r) for r in rows], fontsize=tick_size)
    ax.set_xlabel("destination (final demand)")
    ax.set_ylabel("origin (value added)")
    if title:
        ax.set_title(title, fontsize=11)
    cbar = fig.colorbar(image, ax=ax, shrink=0.7, pad=0.01, format=_formatter(percent, fmt))
    if label:
        cbar.set_label(label)
    if annotate is None:
        annotate = n_rows <= 12 and n_cols <= 14
    if annotate:
        norm = image.norm
        for i in range(n_rows):
            for j in range(n_cols):
                if shown.mask is not np.ma.nomask and np.ma.getmaskarray(shown)[i, j]:
                    continue
                dark = norm(values[i, j]) > 0.55
                ax.text(j, i, _value_text(values[i, j], percent, fmt), ha="center", va="center",
                        fontsize=7, color="white" if dark else "black")
    return fig


# ---------------------------------------------------------------------------------------- bars, lines
def top_bar_chart(values: pd.Series | Mapping, n: int = 10, *, by: str = "abs", ax: Axes | None = None,
                  title: str | None = None, label: str | None = None, percent: bool = False,
                  fmt: str | None = None, color: str = "#2c7fb8",
                  figsize: tuple[float, float] | None = None) -> Figure:
    """Horizontal bars of the ``n`` largest values of a labelled series (largest on top).

    Parameters
    ----------
    values : pandas.Series or Mapping
        Value by label; tuple labels (region, sector) print as "region · sector".
    n : int, default 10
        How many bars.
    by : {"abs", "value", "-value"}, default "abs"
        Rank by absolute value, by value (largest gains) or by minus the value (largest losses).
    ax, title, label, percent, fmt, color
        As in :func:`choropleth`; ``label`` names the value axis. Negative bars are drawn red.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidTableError
        Empty, non-numeric or infinite values, ``n < 1`` or an unknown ``by``.
    """
    series = _as_series(values, "values").dropna()
    if n < 1:
        raise InvalidTableError(f"n must be at least 1, got {n}")
    keys = {"abs": -series.abs(), "value": -series, "-value": series}
    if by not in keys:
        raise InvalidTableError(f"by must be one of {', '.join(keys)}, got {by!r}")
    if series.empty:
        raise InvalidTableError("values has no finite entries")
    order = np.argsort(keys[by].to_numpy(), kind="stable")[:n]
    top = series.iloc[order]
    if figsize is None:
        figsize = (7.0, 0.9 + 0.32 * len(top))
    fig, ax = _new_axes(ax, figsize)
    ypos = np.arange(len(top))[::-1]
    colours = [color if v >= 0 else "#d7301f" for v in top.to_numpy()]
    ax.barh(ypos, top.to_numpy(), color=colours)
    ax.set_yticks(ypos, [_label(k) for k in top.index], fontsize=8)
    ax.axvline(0.0, color="#555555", linewidth=0.6)
    formatter = _formatter(percent, fmt)
    if formatter is not None:
        ax.xaxis.set_major_formatter(formatter)
    for y, v in zip(ypos, top.to_numpy(), strict=True):
        ax.text(v, y, " " + _value_text(v, percent, fmt) + " ", va="center",
                ha="left" if v >= 0 else "right", fontsize=7)
    ax.margins(x=0.18)
    if label:
        ax.set_xlabel(label)
    return _finish(fig, ax, title)


def _finish(fig: Figure, ax: Axes, title: str | None) -> Figure:
    """Open frame (no top/right spines) and the title: the common end of the chart functions."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def time_series(frame: pd.DataFrame | pd.Series, *, top: int | None = 8, ax: Axes | None = None,
                title: str | None = None, xlabel: str = "time", ylabel: str | None = None,
                percent: bool = False, fmt: str | None = None,
                figsize: tuple[float, float] = (8.0, 4.2)) -> Figure:
    """Trajectories of a dynamic result: one line per column (region or sector).

    Parameters
    ----------
    frame : pandas.DataFrame or pandas.Series
        Index: time steps (increasing); columns: series labels.
    top : int or None, default 8
        Draw only the ``top`` columns that depart most from their first value (largest summed
        absolute deviation); the legend title says how many of how many are shown. None: all.
    ax, title, xlabel, ylabel, percent, fmt
        As in :func:`choropleth`.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidTableError
        Empty, non-numeric or non-finite values, time not increasing, ``top < 1``.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
    values = _check_matrix(frame, "time series")
    t = frame.index.to_numpy()
    if not frame.index.is_monotonic_increasing or frame.index.has_duplicates:
        raise InvalidTableError("time series: the index (time) must be strictly increasing")
    if top is not None and top < 1:
        raise InvalidTableError(f"top must be at least 1 or None, got {top}")
    deviation = np.abs(values - values[:1]).sum(axis=0)
    cols = np.argsort(-deviation, kind="stable")
    if top is not None:
        cols = cols[:top]
    fig, ax = _new_axes(ax, figsize)
    for j in cols:
        ax.plot(t, values[:, j], linewidth=1.4, label=_label(frame.columns[j]))
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    formatter = _formatter(percent, fmt)
    if formatter is not None:
        ax.yaxis.set_major_formatter(formatter)
    ax.grid(True, color="#e5e5e5", linewidth=0.6)
    shown = f"{len(cols)} of {frame.shape[1]} shown" if len(cols) < frame.shape[1] else None
    ax.legend(fontsize=7, title=shown, title_fontsize=7, loc="best", frameon=False)
    return _finish(fig, ax, title)
