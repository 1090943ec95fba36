"""Tests of mrio.plot: bundled geometry, choropleth, clustered heat map, bars and time series."""

from __future__ import annotations

import csv
import io
import importlib.util
import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize, TwoSlopeNorm, to_rgba
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch

from mrio import plot
from mrio.errors import FileFormatError, InvalidTableError, LabelError, UnknownLabelError

REPO = Path(__file__).resolve().parents[2]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _region_patches(fig: Figure) -> list[PathPatch]:
    ax = fig.axes[0]
    return [p for p in ax.patches if isinstance(p, PathPatch) and len(p.get_path().vertices) > 1]


def _polygon_area(path) -> float:
    """Area of a compound path: exterior rings minus holes (shoelace, lon/lat degrees)."""
    total = 0.0
    for ring in path.to_polygons(closed_only=True):
        x, y = ring[:, 0], ring[:, 1]
        total += 0.5 * (np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))
    return total


# ------------------------------------------------------------------------------ geometry
def test_bundled_geometry_ships_inside_the_package():
    folder = resources.files("mrio.data") / "geometry"
    for name in ("corop.json", "provinces.json", "README.md"):
        assert (folder / name).is_file()
    data = json.loads((folder / "corop.json").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert "CBS/Kadaster" in data["attribution"] and "CC BY 4.0" in data["licence"]
    assert "spatialrisk" in data["licence"]


def test_bundled_geometry_is_reproducible_from_shared_data(shared_data):
    spec = importlib.util.spec_from_file_location("build_geometry", REPO / "data" / "build_geometry.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build(shared_data)
    for name in ("corop", "provinces"):
        shipped = json.loads((REPO / "data" / "geometry" / f"{name}.json").read_text(encoding="utf-8"))
        assert shipped == json.loads(json.dumps(built[name], ensure_ascii=False))


def test_corop_geometry_matches_the_published_centroids_and_areas(shared_data):
    geo = plot.load_geometry("corop")
    assert len(geo.regions) == 40
    with open(shared_data / "nl_regions" / "corop_centroids.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    # features are named by CBS's official names; the boundary files' short names are aliases
    assert sorted(geo.positions([r["areaname"] for r in rows])) == list(range(40))
    for row in rows:
        k = int(geo.positions([row["cbs_code"]])[0])
        assert k == int(geo.positions([row["areaname"]])[0])
        path = geo.paths[k]
        # the published centroid lies inside the (rounded) polygon, in the published province
        assert path.contains_point((float(row["lon"]), float(row["lat"])))
        assert geo.groups[k] == row["province_of_centroid"]
        # rounding to 4 decimals keeps the published polygon area to 0.5 %
        assert _polygon_area(path) == pytest.approx(float(row["polygon_area_deg2"]), rel=5e-3)
        # label points fall inside their own region
        assert path.contains_point(geo.label_points()[k])


def test_province_geometry_areas(shared_data):
    geo = plot.load_geometry("provinces")
    with open(shared_data / "nl_regions" / "province_centroids.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(geo.regions) == sorted(r["areaname"] for r in rows)
    for row in rows:
        path = geo.paths[geo.regions.index(row["areaname"])]
        assert _polygon_area(path) == pytest.approx(float(row["polygon_area_deg2"]), rel=5e-3)


def test_region_labels_match_by_name_code_and_eurostat_alias():
    geo = plot.load_geometry("corop")
    spellings = ["Amsterdam", "Groot-Amsterdam", "CR23", "NL32B", "NL329", "amsterdam"]
    assert set(geo.positions(spellings)) == {geo.regions.index("Groot-Amsterdam")}
    k = geo.regions.index("Agglomeratie 's-Gravenhage")  # CBS's official name, ASCII apostrophe
    spellings = ["Agglomeratie \u2019s-Gravenhage", "Agglomeratie s-Gravenhage", "CR26"]
    assert list(geo.positions(spellings)) == [k] * 3
    assert geo.positions(["Rijnmond", "CR29"])[0] == geo.regions.index("Groot-Rijnmond")
    prov = plot.load_geometry("provinces")
    assert prov.positions(["Friesland (NL)"])[0] == prov.regions.index("Friesland")
    assert plot.geometry_for(["Utrecht", "Twente"]).name.startswith("COROP")
    assert plot.geometry_for(["Zeeland", "Drenthe"]).name.startswith("Provinces")
    assert plot.geometry_for(["R0", "R1"]) is None


def test_unknown_region_names_every_label_and_suggests():
    message = r"2 region label.*'Amsterdm' \(did you mean 'Groot-Amsterdam'"
    with pytest.raises(UnknownLabelError, match=message) as exc:
        plot.choropleth({"Amsterdm": 1.0, "Atlantis": 2.0, "Twente": 3.0})
    assert "Atlantis" in str(exc.value)


# ------------------------------------------------------------------------------ choropleth
def test_choropleth_colours_attribution_and_no_data():
    geo = plot.load_geometry("corop")
    values = pd.Series({"Twente": 0.1, "Groot-Amsterdam": 0.9, "Groot-Rijnmond": 0.5, "Zuid-Limburg": np.nan})
    fig = plot.choropleth(values, title="t", label="share", percent=True, annotate=2)
    assert isinstance(fig, Figure)
    patches = _region_patches(fig)
    assert len(patches) == 40
    cmap = colormaps["YlGnBu"]
    face = {geo.regions[k]: patches[k].get_facecolor() for k in range(40)}
    assert face["Twente"] == pytest.approx(cmap(0.0))
    assert face["Groot-Amsterdam"] == pytest.approx(cmap(1.0))
    assert face["Groot-Rijnmond"] == pytest.approx(cmap(0.5))
    assert face["Zuid-Limburg"] == pytest.approx(to_rgba(plot._NO_DATA))
    assert face["Utrecht"] == pytest.approx(to_rgba(plot._NO_DATA))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("CBS/Kadaster (CC BY 4.0)" in t for t in texts)
    assert any(t.startswith("Groot-Amsterdam\n90.0%") for t in texts)
    assert any(t.startswith("Groot-Rijnmond\n50.0%") for t in texts)
    assert not any(t.startswith("Twente") for t in texts)
    assert fig.axes[0].get_legend() is not None  # "no data"
    assert plot.figure_png(fig, dpi=40).startswith(PNG_MAGIC)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_choropleth_colour_is_the_colour_map_of_the_normalised_value(data):
    geo = plot.load_geometry("provinces")
    chosen = data.draw(st.lists(st.sampled_from(geo.regions), min_size=1, max_size=12, unique=True))
    vals = data.draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=len(chosen),
                              max_size=len(chosen)))
    center = data.draw(st.sampled_from([None, 0.0]))
    fig = plot.choropleth(dict(zip(chosen, vals, strict=True)), "provinces", center=center)
    patches = _region_patches(fig)
    assert len(fig.axes) == 2  # map and colour bar
    lo, hi = min(vals), max(vals)
    if center is not None and (hi <= 0 or lo >= 0) and hi > lo:
        # one sign (issue 13, item 21): the diverging map's half on that side, from the centre
        # (its middle colour) to the extreme, sampled in 128 steps
        base = colormaps["RdBu_r"]
        for k, name in enumerate(geo.regions):
            if name in chosen:
                v = vals[chosen.index(name)]
                at = 0.5 * (v - lo) / (0.0 - lo) if hi <= 0 else 0.5 + 0.5 * v / hi
                assert patches[k].get_facecolor() == pytest.approx(base(at), abs=0.02)
        return
    if center is None:
        if hi <= lo:
            lo, hi = lo - 0.5 * (abs(lo) or 1.0), hi + 0.5 * (abs(hi) or 1.0)
        norm = Normalize(lo, hi)
        cmap = colormaps["YlGnBu"]
    else:
        half = max(abs(lo), abs(hi)) or 1.0
        norm = TwoSlopeNorm(vcenter=0.0, vmin=-half, vmax=half)
        cmap = colormaps["RdBu_r"]
    for k, name in enumerate(geo.regions):
        if name in chosen:
            v = vals[chosen.index(name)]
            assert patches[k].get_facecolor() == pytest.approx(cmap(norm(v)), abs=1e-9)
        else:
            assert patches[k].get_facecolor() == pytest.approx(to_rgba(plot._NO_DATA))


def test_choropleth_into_existing_axes_and_custom_attribution():
    fig = Figure()
    ax = fig.add_subplot()
    out = plot.choropleth({"Groningen": 1.0, "Zeeland": 2.0}, "provinces", ax=ax, attribution="mine")
    assert out is fig
    assert "mine" in [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("values, error, message", [
    ({}, InvalidTableError, "empty"),
    ({"Twente": np.inf}, InvalidTableError, "infinite for 'Twente'"),
    ({"Twente": "high"}, InvalidTableError, "numeric"),
    ({"Amsterdam": 1.0, "CR23": 2.0}, LabelError, "same region"),
    ([1, 2, 3], InvalidTableError, "Series or a mapping"),
    (pd.DataFrame({"a": [1.0], "b": [2.0]}, index=["Twente"]), InvalidTableError, "one column"),
])
def test_choropleth_bad_values(values, error, message):
    with pytest.raises(error, match=message):
        plot.choropleth(values)


def test_custom_geojson_with_hole_and_bad_files(tmp_path):
    outer = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]  # counter-clockwise on purpose: reoriented on load
    square = [[5, 0], [6, 0], [6, 1], [5, 1], [5, 0]]
    data = {"type": "FeatureCollection", "attribution": "test boundaries", "features": [
        {"type": "Feature", "properties": {"statnaam": "Ring", "code": "X1"},
         "geometry": {"type": "Polygon", "coordinates": [outer, hole]}},
        {"type": "Feature", "properties": {"statnaam": "Block"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[square]]}}]}
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(data))
    geo = plot.load_geometry(path)
    assert geo.regions == ("Ring", "Block")
    ring = geo.paths[0]
    # matplotlib fills by the non-zero winding rule: the hole must turn against the exterior
    signed = [0.5 * (np.dot(r[:-1, 0], r[1:, 1]) - np.dot(r[1:, 0], r[:-1, 1]))
              for r in ring.to_polygons(closed_only=True)]
    assert signed == pytest.approx([16.0, -4.0])
    assert _polygon_area(ring) == pytest.approx(16 - 4)
    # and the rendered hole shows the background
    fig = plot.choropleth({"Ring": 1.0, "Block": 1.0}, path, cmap="Greys", vmin=0.0, vmax=1.0,
                          figsize=(4, 4))
    ax = fig.axes[0]
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    height = pixels.shape[0]

    def pixel(x, y):
        px, py = ax.transData.transform((x, y))
        return pixels[height - int(py), int(px), :3]

    assert (pixel(2.0, 2.0) > 240).all()  # hole: white background
    assert (pixel(0.5, 0.5) < 15).all()  # ring: black (top of "Greys")
    fig = plot.choropleth({"X1": 3.0, "Block": 1.0}, path)
    assert "test boundaries" in [t.get_text() for t in fig.axes[0].texts]

    with pytest.raises(FileFormatError, match="does not exist"):
        plot.load_geometry(tmp_path / "missing.geojson")
    with pytest.raises(UnknownLabelError, match="no bundled map 'corops'"):
        plot.load_geometry("corops")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(FileFormatError, match="cannot read GeoJSON"):
        plot.load_geometry(bad)
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "P"},
         "geometry": {"type": "Point", "coordinates": [0, 0]}}]}))
    with pytest.raises(FileFormatError, match="'Point' is not Polygon"):
        plot.load_geometry(bad)
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 1}, "geometry": data["features"][1]["geometry"]}]}))
    with pytest.raises(FileFormatError, match=r"no region-name property .* \(properties are id\)"):
        plot.load_geometry(bad)
    bad.write_text(json.dumps({"type": "Topology"}))
    with pytest.raises(FileFormatError, match="not a GeoJSON FeatureCollection"):
        plot.load_geometry(bad)


# ------------------------------------------------------------------------------ heat map
def _block_matrix(seed: int, sizes=(3, 4, 3)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    M = rng.random((n, n)) * 0.05
    start = 0
    for s in sizes:
        M[start:start + s, start:start + s] += 1.0 + rng.random((s, s)) * 0.1
        start += s
    labels = [f"g{g}_{k}" for g, s in enumerate(sizes) for k in range(s)]
    perm = rng.permutation(n)
    return pd.DataFrame(M[np.ix_(perm, perm)], index=[labels[p] for p in perm],
                        columns=[labels[p] for p in perm])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_cluster_order_makes_blocks_contiguous(seed):
    M = _block_matrix(seed)
    order = plot.cluster_order(M)
    assert sorted(order) == sorted(M.index)
    groups = [label.split("_")[0] for label in order]
    # each block appears as one run
    runs = [g for k, g in enumerate(groups) if k == 0 or g != groups[k - 1]]
    assert len(runs) == 3 and len(set(runs)) == 3


def test_dependency_heatmap_draws_the_reordered_matrix():
    M = _block_matrix(1)
    M["RoW"] = 0.5
    fig = plot.dependency_heatmap(M, percent=True, mask_diagonal=True, title="d", label="share")
    image = fig.axes[0].images[0]
    order = plot.cluster_order(M.drop(columns="RoW"))
    order_full = plot.cluster_order(M)
    assert order == order_full or sorted(order) == sorted(order_full)
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    cols = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert cols[-1] == "RoW" and cols[:-1] == rows
    data = image.get_array()
    np.testing.assert_allclose(data.data, M.loc[rows, cols].to_numpy())
    assert np.ma.getmaskarray(data)[np.arange(len(rows)), np.arange(len(rows))].all()
    assert not np.ma.getmaskarray(data)[:, -1].any()
    assert any(t.get_text().endswith("%") for t in fig.axes[0].texts)  # annotated: 10 rows
    unordered = plot.dependency_heatmap(M, order=None, annotate=False)
    assert [t.get_text() for t in unordered.axes[0].get_yticklabels()] == list(M.index)
    assert not unordered.axes[0].texts


def test_dependency_heatmap_bad_input():
    M = _block_matrix(2)
    with pytest.raises(UnknownLabelError, match="unknown \\['zz'\\]"):
        plot.dependency_heatmap(M, order=[*M.index[:-1], "zz"])
    bad = M.copy()
    bad.iloc[1, 2] = np.nan
    with pytest.raises(InvalidTableError, match="1 NaN/inf entries"):
        plot.dependency_heatmap(bad)
    with pytest.raises(InvalidTableError, match="DataFrame"):
        plot.dependency_heatmap(M.to_numpy())
    with pytest.raises(InvalidTableError, match="order must be 'cluster'"):
        plot.dependency_heatmap(M, order="alphabetical")
    with pytest.raises(InvalidTableError, match="empty"):
        plot.dependency_heatmap(pd.DataFrame())


# ------------------------------------------------------------------------------ bars and lines
def _top_down_labels(ax) -> list[str]:
    pairs = zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True)
    return [label for _, label in sorted(pairs, reverse=True)]


def test_top_bar_chart_orders_and_labels():
    values = pd.Series([3.0, -5.0, 1.0, 2.0],
                       index=pd.MultiIndex.from_tuples([("A", "x"), ("B", "y"), ("C", "z"), ("D", "w")]))
    fig = plot.top_bar_chart(values, n=3, label="change")
    ax = fig.axes[0]
    # largest absolute value at the top (highest y)
    assert _top_down_labels(ax) == ["B \u00b7 y", "A \u00b7 x", "D \u00b7 w"]
    widths = sorted((p.get_y(), p.get_width()) for p in ax.patches)
    assert [w for _, w in widths][::-1] == [-5.0, 3.0, 2.0]
    losses = plot.top_bar_chart(values, n=2, by="-value")
    assert _top_down_labels(losses.axes[0]) == ["B \u00b7 y", "C \u00b7 z"]
    with pytest.raises(InvalidTableError, match="n must be at least 1"):
        plot.top_bar_chart(values, n=0)
    with pytest.raises(InvalidTableError, match="by must be one of"):
        plot.top_bar_chart(values, by="size")
    with pytest.raises(InvalidTableError, match="no finite entries"):
        plot.top_bar_chart(pd.Series([np.nan], index=["a"]))


def test_time_series_keeps_the_series_that_move_most():
    t = np.arange(20.0)
    frame = pd.DataFrame({f"r{k}": 100.0 - k * np.minimum(t, 5) for k in range(6)}, index=t)
    fig = plot.time_series(frame, top=3, ylabel="output")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["r5", "r4", "r3"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), frame["r5"].to_numpy())
    assert ax.get_legend().get_title().get_text() == "3 of 6 shown"
    single = plot.time_series(frame["r1"], top=None)
    assert len(single.axes[0].get_lines()) == 1
    with pytest.raises(InvalidTableError, match="strictly increasing"):
        plot.time_series(frame.iloc[::-1])
    with pytest.raises(InvalidTableError, match="top must be at least 1"):
        plot.time_series(frame, top=0)
    with pytest.raises(InvalidTableError, match="NaN/inf"):
        plot.time_series(frame.replace(100.0, np.nan))


def test_figures_render_with_agg_without_pyplot(tmp_path):
    # a fresh interpreter with no display: drawing must neither need nor import pyplot
    script = (
        "import sys, mrio.plot as p\n"
        "png = p.figure_png(p.choropleth({'Twente': 1.0, 'Veluwe': 2.0}), dpi=30)\n"
        "assert png.startswith(b'\\x89PNG')\n"
        "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'no-pyplot')\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "no-pyplot"


@pytest.mark.parametrize("geometry", [
    {"type": "Polygon", "coordinates": [[[[0, 0], [1, 0]], [[1, 1], [0, 1]], [[0, 0], [1, 0]]]]},  # nested deeper
    {"type": "Polygon", "coordinates": [[["a", "b"], [1, 0], [1, 1]]]},
    {"type": "Polygon", "coordinates": 5},
])
def test_malformed_geojson_is_a_file_format_error(tmp_path, geometry):
    """A nested or malformed GeoJSON gives the project's error, not a ValueError (issue 13.15)."""
    from mrio.errors import FileFormatError

    path = tmp_path / "regions.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "A"}, "geometry": geometry}]}))
    with pytest.raises(FileFormatError, match="regions.geojson"):
        plot.load_geometry(path)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": ["not a feature"]}))
    with pytest.raises(FileFormatError, match="not GeoJSON features"):
        plot.load_geometry(path)


def test_one_signed_changes_get_a_sequential_scale():
    losses = pd.Series({"Twente": -1.0, "Groot-Amsterdam": -4.0, "Utrecht": 0.0})
    fig = plot.choropleth(losses, center=0.0, cmap="RdBu")
    geo = plot.load_geometry("corop")
    face = {geo.regions[k]: p.get_facecolor() for k, p in enumerate(_region_patches(fig))}
    base = colormaps["RdBu"]
    assert face["Groot-Amsterdam"] == pytest.approx(base(0.0), abs=0.01)  # the largest loss: darkest red
    assert face["Utrecht"] == pytest.approx(base(0.5), abs=0.01)  # no change: the centre colour
    bar = fig.axes[-1]
    assert bar.get_ylim() == pytest.approx((-4.0, 0.0)) or bar.get_xlim() == pytest.approx((-4.0, 0.0))
    mixed = plot.choropleth(pd.Series({"Twente": -1.0, "Utrecht": 2.0}), center=0.0, cmap="RdBu")
    bar = mixed.axes[-1]
    assert bar.get_ylim() == pytest.approx((-2.0, 2.0)) or bar.get_xlim() == pytest.approx((-2.0, 2.0))


@pytest.mark.parametrize("vals", [[-1.0, -128.0], [3.0, 7.0]])
def test_one_signed_changes_use_the_diverging_maps_half(vals):
    """The hypothesis case that found the stale expectation: every value on one side of centre 0."""
    geo = plot.load_geometry("provinces")
    fig = plot.choropleth(dict(zip(["Drenthe", "Flevoland"], vals, strict=True)), "provinces", center=0.0)
    patches = _region_patches(fig)
    base = colormaps["RdBu_r"]
    lo, hi = min(vals), max(vals)
    for name, v in zip(["Drenthe", "Flevoland"], vals, strict=True):
        at = 0.5 * (v - lo) / (0.0 - lo) if hi <= 0 else 0.5 + 0.5 * v / hi
        assert patches[geo.regions.index(name)].get_facecolor() == pytest.approx(base(at), abs=0.02)


@pytest.mark.parametrize("geometry", ["corop", "provinces"])
def test_choropleth_labels_never_overlap(geometry):
    """Asked to label every region (the small Randstad regions crowd each other), the map writes
    only labels whose boxes overlap no other label and stay on the map, the largest values first."""
    geo = plot.load_geometry(geometry)
    values = pd.Series(np.linspace(1.0, 2.0, len(geo.regions)), index=geo.regions)
    fig = plot.choropleth(values, geo, annotate=len(geo.regions), figsize=(7.5, 8.0))
    fig.savefig(io.BytesIO(), format="png")  # the final layout
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if "\n" in t.get_text()]
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert 3 <= len(labels) <= len(geo.regions)
    for i, a in enumerate(boxes):
        assert all(not a.overlaps(b) for b in boxes[i + 1:]), labels[i].get_text()
    names = [t.get_text().split("\n")[0] for t in labels]
    assert names[0] == values.idxmax()  # the largest value is labelled first
    if geometry == "corop":
        assert len(labels) < len(geo.regions)  # 40 labels cannot all fit: some were passed over
