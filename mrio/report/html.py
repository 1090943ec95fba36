"""A self-contained HTML report of a system (and optionally a scenario) for people.

:func:`write_report` writes one HTML file that needs nothing else to be read: figures are
embedded as base64 PNG, styles are inline, no script and no network access. Sections:

1. **Overview**: size, totals, year, unit.
2. **Interregional dependency**: a map of the share of each region's value added that depends
   on final demand outside the region, the region-by-region dependency matrix as a heat map
   ordered so that clusters show, and the split own region / rest of the system / abroad.
3. **Regions**: per region its key sectors, specialisation and exposure indices and the top
   supply-chain paths.
4. **Scenario** (when given): maps of the losses, the most affected regions and sectors, time
   series of dynamic models.
5. **Methods and data**: sources, year, assumptions, accounting identities and the
   national-consistency check.

The analyses come from :mod:`mrio.analysis.dependency`, :mod:`mrio.analysis.linkages`,
:mod:`mrio.analysis.structure`, :mod:`mrio.analysis.paths`, :mod:`mrio.shocks`,
:mod:`mrio.shocks.scenario` and :mod:`mrio.shocks.ario`.

:func:`build_report` returns the :class:`Report` without writing it; it displays inline in a
notebook (``_repr_html_``).
"""

from __future__ import annotations

import ast
import base64
import datetime as _dt
import html
import importlib
import json
import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mrio.core.files import atomic_path
from mrio.core.system import MRIO
from mrio.errors import FileFormatError, InputError, MRIOError, ScenarioError

if TYPE_CHECKING:
    from mrio.report import plot
__all__ = ["Report", "ReportSection", "ScenarioView", "build_report", "check_output", "scenario_view",
           "scenario_views", "write_report"]

_STYLE = """
.mrio-report{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
  color:#1d1d1f;max-width:1100px;margin:0 auto;padding:0 1.2em 3em;line-height:1.45}
.mrio-report h1{font-size:1.7em;margin:.8em 0 .2em}
.mrio-report h2{font-size:1.3em;border-bottom:2px solid #2c7fb8;padding-bottom:.2em;margin-top:2em}
.mrio-report h3{font-size:1.05em;margin:1.2em 0 .4em}
.mrio-report .lead{color:#555;margin-top:0}
.mrio-report nav ol{columns:2;font-size:.95em}
.mrio-report figure{margin:1em 0;text-align:center}
.mrio-report figure img{max-width:100%;height:auto;border:1px solid #eee}
.mrio-report figcaption{font-size:.85em;color:#555;max-width:60em;margin:.3em auto 0}
.mrio-report table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
.mrio-report th,.mrio-report td{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:right}
.mrio-report th:first-child,.mrio-report td:first-child{text-align:left}
.mrio-report thead th{background:#f3f6f9}
.mrio-report .note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em .8em;font-size:.9em}
.mrio-report .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(12em,1fr));gap:.6em}
.mrio-report .fact{background:#f3f6f9;border-radius:6px;padding:.5em .8em}
.mrio-report .fact b{display:block;font-size:1.25em}
.mrio-report details{border:1px solid #e3e3e3;border-radius:6px;padding:.3em .8em;margin:.4em 0}
.mrio-report summary{cursor:pointer;font-weight:600}
.mrio-report .grid2{display:grid;grid-template-columns:1fr 1fr;gap:1em}
@media (max-width:800px){.mrio-report .grid2{grid-template-columns:1fr}}
.mrio-report code{background:#f3f3f3;padding:0 .2em}
"""


# ------------------------------------------------------------------------------------ containers
@dataclass(frozen=True)
class ReportSection:
    """One section of a report: an anchor id, a title and its HTML body."""

    id: str
    title: str
    body: str
    images: int = 0


@dataclass(frozen=True)
class Report:
    """An HTML report held in memory (see :func:`build_report`).

    Attributes
    ----------
    title : str
    sections : tuple of ReportSection
    notes : tuple of str
        Sections or parts that were left out and why (e.g. an analysis module not installed).
    """

    title: str
    sections: tuple[ReportSection, ...]
    notes: tuple[str, ...] = ()
    subtitle: str = ""

    @property
    def n_images(self) -> int:
        """Number of embedded figures."""
        return sum(s.images for s in self.sections)

    def _body(self) -> str:
        toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.title)}</a></li>' for s in self.sections)
        parts = [f"<h1>{html.escape(self.title)}</h1>",
                 f'<p class="lead">{html.escape(self.subtitle)}</p>' if self.subtitle else "",
                 f"<nav><ol>{toc}</ol></nav>"]
        for s in self.sections:
            parts.append(f'<section id="{s.id}"><h2>{html.escape(s.title)}</h2>{s.body}</section>')
        return '<div class="mrio-report">' + "\n".join(parts) + "</div>"

    def to_html(self) -> str:
        """Return the complete, self-contained HTML document."""
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                f"<meta name=\"generator\" content=\"mrio\"><title>{html.escape(self.title)}</title>"
                f"<style>{_STYLE}</style></head><body>\n{self._body()}\n</body></html>\n")

    def _repr_html_(self) -> str:
        return f"<style>{_STYLE}</style>{self._body()}"

    def write(self, out: str | os.PathLike) -> Path:
        """Write the HTML file atomically (nothing is left behind if writing fails)."""
        out = check_output(out)
        text = self.to_html()
        with atomic_path(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return out


@dataclass(frozen=True)
class ScenarioView:
    """What the report shows of a scenario, whatever model produced it.

    Attributes
    ----------
    name : str
    model : str
        E.g. "Leontief demand shock", "dynamic inoperability", "ARIO".
    measure : str
        What ``change`` measures ("value added", "output", "production lost"...).
    unit : str
    change : pandas.Series
        Change by (region, sector); negative values are losses (for a cumulative loss measure
        the loss is reported as a negative change).
    trajectory : pandas.DataFrame or None
        Dynamic models: time (rows) x region (columns) of the measure named by
        ``trajectory_label``.
    trajectory_label : str
    notes : tuple of str
        Caveats printed with the section (e.g. the Ghosh plausibility caveat).
    time_unit : str
    relative : bool
        Whether ``change`` is comparable with the annual baseline level (static models); the
        cumulative losses of dynamic models are not mapped as a share of it.
    """

    name: str
    model: str
    measure: str
    unit: str
    change: pd.Series
    trajectory: pd.DataFrame | None = None
    trajectory_label: str = ""
    notes: tuple[str, ...] = ()
    time_unit: str = "step"
    relative: bool = True

    @property
    def by_region(self) -> pd.Series:
        """Change summed over sectors."""
        return self.change.groupby(level="region", sort=False).sum()

    @property
    def by_sector(self) -> pd.Series:
        """Change summed over regions."""
        return self.change.groupby(level="sector", sort=False).sum()


# ------------------------------------------------------------------------------------ helpers
def _plot():
    """:mod:`mrio.plot`, imported on first use so that ``import mrio`` does not load matplotlib."""
    from mrio.report import plot
    return plot


def _optional(module: str):
    """Import an analysis module of mrio (all are part of the package: a missing one is an error)."""
    return importlib.import_module(f"mrio.{module}")


def _img(fig, alt: str, caption: str = "", dpi: int = 100) -> str:
    data = base64.b64encode(_plot().figure_png(fig, dpi=dpi)).decode("ascii")
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f"{cap}</figure>")


def _pct(v: float) -> str:
    return "" if pd.isna(v) else f"{v:.1%}"


def _num(v: float) -> str:
    if pd.isna(v):
        return ""
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.3g}"


def _table(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]] | None = None,
           index: bool = True) -> str:
    formats = dict(formats or {})
    shown = frame.copy()
    for col in shown.columns:
        fmt = formats.get(col)
        if fmt is None and pd.api.types.is_float_dtype(shown[col]):
            fmt = _num
        if fmt is not None:
            shown[col] = [fmt(v) for v in shown[col]]
    if not index:
        return shown.to_html(index=False, escape=True, border=0, na_rep="")
    # the row labels become the first column, headed by what they are ("region", "region · sector")
    names = [str(n) for n in shown.index.names if n is not None]
    header = " \u00b7 ".join(names) if len(names) == shown.index.nlevels else "label"
    if isinstance(shown.index, pd.MultiIndex):
        labels = [" \u00b7 ".join(map(str, k)) for k in shown.index]
    else:
        labels = [str(k) for k in shown.index]
    shown = shown.reset_index(drop=True)
    shown.insert(0, header if header not in shown.columns else f"{header} (rows)", labels)
    return shown.to_html(index=False, escape=True, border=0, na_rep="")


def _facts(items: Sequence[tuple[str, str]]) -> str:
    return '<div class="facts">' + "".join(
        f'<div class="fact">{html.escape(k)}<b>{html.escape(v)}</b></div>' for k, v in items) + "</div>"


def _system_name(system: MRIO) -> str:
    meta = system.meta
    return str(meta.get("title") or meta.get("name") or meta.get("dataset") or "MRIO system")


def _geometry(system: MRIO, geometry) -> plot.Geometry | None:
    if geometry is not None:
        geo = _plot().load_geometry(geometry)
        geo.positions(_plot().on_map(list(system.regions)))  # every region must be on the map (but extra-regio)
        return geo
    return _plot().geometry_for(list(system.regions))


def _region_chart(values: pd.Series, geo: plot.Geometry | None, *, title: str, label: str, percent: bool,
                  center: float | None = None, cmap: str | None = None, annotate: int = 5,
                  by: str = "abs", hatched: Sequence[Hashable] = (),
                  hatch_label: str = "marked") -> tuple[Any, str]:
    """Return a map when the regions are on a bundled map, else a bar chart; returns (figure, kind, table).

    ``table`` is an HTML table of every region's value (largest first, as the chart ranks them)
    when the chart does not show them all: a bar chart of the 20 largest of a longer list (a
    custom regrouping, say), or regions that no map shows; else ``""``.
    """
    if geo is not None and len(values) > 1:
        fig = _plot().choropleth(values, geo, title=title, label=label, percent=percent, center=center,
                                 cmap=cmap, annotate=annotate, figsize=(7.5, 8.0), hatched=hatched,
                                 hatch_label=hatch_label)
        kind, shown = "map", len(_plot().on_map(list(values.index)))
    else:
        shown = min(len(values), 20)
        fig = _plot().top_bar_chart(values, n=shown, by=by, title=title, label=label, percent=percent)
        kind = "bars"
    if shown == len(values):
        return fig, kind, ""
    rank = {"abs": values.abs(), "value": values, "-value": -values}.get(by, values)
    frame = values.loc[rank.sort_values(ascending=False, kind="stable").index].to_frame(label)
    frame.index.name = "region"
    note = (f"<p>Every region ({len(values)}; the {'map' if kind == 'map' else 'chart'} shows {shown}), "
            "ranked as the chart ranks them:</p>")
    return fig, kind, note + _table(frame, {label: _pct} if percent else None)


# ------------------------------------------------------------------------------------ sections
def _overview(system: MRIO) -> ReportSection:
    s = system.summary()
    unit = str(s.get("unit") or "")
    facts = [("regions", f"{system.n_regions}"), ("sectors per region", f"{system.n_sectors}"),
             ("industries", f"{len(system):,}"), ("year", str(system.meta.get("year", "n/a"))),
             ("gross output", f"{s['total_output']:,.0f} {unit}"),
             ("gross value added", f"{s['total_value_added']:,.0f} {unit}"),
             ("final demand", f"{s['total_final_demand']:,.0f} {unit}")]
    outside = [r for r in system.final_demand_regions if r not in system.regions]
    body = _facts(facts)
    regions = ", ".join(map(str, system.regions[:12])) + (", ..." if system.n_regions > 12 else "")
    body += (f"<p>Regions: {html.escape(regions)}. Final-demand destinations outside the system: "
             f"{html.escape(', '.join(map(str, outside)) or 'none')}.</p>")
    return ReportSection("overview", "Overview", body)


def _split_bands(system: MRIO, ensemble: Any) -> pd.DataFrame | None:
    """Own-region share bands by region (columns point, p5 ... p95) from an ensemble of the split."""
    if ensemble is None:
        return None
    from mrio.ensemble import EnsembleResult

    wrong = InputError("the report's ensemble must be the value-added dependency split: "
                       "mrio.ensemble.run(mrio.ensemble.DependencyTable('value-added', 'split'), ...)")
    if not isinstance(ensemble, EnsembleResult) or len(ensemble.tables) != 1:
        raise wrong
    table = ensemble.table
    if "quantity" not in table.index.names or table.attrs.get("measure") != "value_added" \
            or "own_region_share" not in table.index.get_level_values("quantity"):
        raise wrong
    own = table.xs("own_region_share", level="quantity")
    missing = [r for r in system.regions if r not in own.index]
    if missing or len(own) != system.n_regions:
        raise InputError(f"the ensemble's regions do not match the system's (missing {missing[:5]}); bands "
                         "must come from draws of the same dataset")
    return own.loc[list(system.regions)]


def _band_text(low: float, high: float) -> str:
    return f"{100 * low:.1f}\u2013{100 * high:.1f} %" if np.isfinite(low) and np.isfinite(high) else "n/a"


def _dependency(system: MRIO, geo: plot.Geometry | None, notes: list[str], bands: pd.DataFrame | None = None,
                wide_band: float = 0.05, ensemble: Any = None) -> ReportSection:
    dependency = _optional("dependency")
    # one right-hand side per destination region (dependency_split), not one per final-demand column
    by_destination, split = dependency.dependency_split(system, "value-added", by="region")
    outside_share = (1.0 - split["own_region_share"]).rename("outside_region_share")
    unit = split.attrs["unit"]
    images, parts = 0, []
    parts.append(
        "<p>Share of each region's gross value added that is generated by final demand from "
        "outside the region: from other regions of the system and from abroad (exports). "
        "Attribution <code>VA(r\u2190s) = \u03a3<sub>i\u2208r</sub> [v\u0302 L Y]<sub>i,s</sub></code> "
        "(Johnson &amp; Noguera 2012; mrio documentation, methods page &ldquo;Interregional dependency&rdquo;).</p>")
    wide = [] if bands is None else list(bands.index[(bands["p95"] - bands["p5"]) > wide_band])
    fig, kind, _ = _region_chart(outside_share, geo, title="Value added depending on demand outside the region",
                              label="share of regional value added", percent=True, by="value", hatched=wide,
                              hatch_label=f"p5\u2013p95 band wider than {100 * wide_band:g} points")
    what = "map" if kind == "map" else "chart"
    parts.append(_img(fig, f"{what} of the share of value added depending on outside demand",
                      "Share of regional value added that depends on final demand outside the region"
                      + (" (up to the five highest labelled; labels never overlap)." if kind == "map" else ".")
                      + ("" if bands is None else
                         f" Point estimate (the default table). Cross-hatched: the {len(wide)} regions whose "
                         f"p5\u2013p95 band of the own-region share over {ensemble.draws} rebuilt tables is "
                         f"wider than {100 * wide_band:g} percentage points (methods below).")))
    images += 1
    table = split[["own_region_share", "other_regions_share", "outside_share", "total"]].copy()
    table.columns = ["own region", "other regions", "outside the system", f"value added ({unit})"]
    if bands is not None:
        aligned = bands.reindex(table.index)
        table.insert(1, "own region p5\u2013p95", [_band_text(lo, hi) for lo, hi in zip(aligned["p5"], aligned["p95"])])
    table = table.loc[outside_share.sort_values(ascending=False).index]
    parts.append("<h3>Where each region's value added ends up</h3>")
    parts.append("<p>Columns: the share of the region's value added (rows) serving final demand in the "
                 "region itself, in the other regions of the system and outside the system (exports); "
                 "the last column is the region's total.</p>")
    parts.append(_table(table, {c: _pct for c in ("own region", "other regions", "outside the system")}))
    try:  # jobs: the same attribution with the employment extension, when the table has one
        jobs = dependency.dependency_split(system, "jobs", by="region")[1]
    except MRIOError:
        jobs = None
    if jobs is not None:
        jtable = jobs[["own_region_share", "other_regions_share", "outside_share", "total"]].copy()
        jtable.columns = ["own region", "other regions", "outside the system", f"jobs ({jobs.attrs['unit']})"]
        jtable = jtable.loc[table.index]
        parts.append("<h3>Where each region's jobs depend on final demand</h3>")
        parts.append("<p>The same split for employment (the table's employment extension): the share of "
                     "each region's jobs that serves final demand in the region, elsewhere in the system "
                     "and outside it.</p>")
        parts.append(_table(jtable, {c: _pct for c in jtable.columns[:3]}))
    internal = [r for r in by_destination.columns if r in system.regions]
    shares = by_destination[internal].div(split["total"].where(split["total"] != 0), axis=0)
    if len(internal) > 1:
        mask = len(internal) > 2
        fig = _plot().dependency_heatmap(
            shares.fillna(0.0), percent=True, mask_diagonal=mask,
            title="Share of origin value added by destination region", label="share of origin's value added")
        caption = ("Rows: origin region (whose value added); columns: destination region of the final "
                   "demand. Rows and columns are ordered by hierarchical clustering (average linkage, "
                   "optimal leaf order) so that groups of mutually dependent regions sit together. "
                   "Demand from outside the system (exports) is in the table above, not in the colours.")
        if mask:
            caption += " The diagonal (own-region share, also in the table) is left grey."
        parts.append("<h3>Region-by-region dependency</h3>")
        parts.append(_img(fig, "heat map of the region-by-region dependency matrix", caption))
        images += 1
    return ReportSection("dependency", "Interregional dependency", "".join(parts), images)


def _regions(system: MRIO, notes: list[str], top: int) -> ReportSection:
    parts, images = [], 0
    parts.append("<p>Per region: key sectors (Rasmussen-Hirschman backward and forward linkages), "
                 "specialisation and exposure indices, and the largest supply-chain paths.</p>")
    linkages, structure, paths = _optional("linkages"), _optional("structure"), _optional("paths")
    indices = _structure_indices(structure, system)
    if len(indices):
        parts.append("<h3>Specialisation and exposure</h3>")
        parts.append(_table(indices))
        parts.append("<dl class=\"columns\">" + "".join(
            f"<dt><code>{html.escape(name)}</code></dt><dd>{text}</dd>" for name, text in INDEX_COLUMNS.items()
            if name in indices.columns) + "</dl>")
    key = _key_sectors(linkages, system)
    path_frame, summary = _path_table(paths, system)
    parts.append(f"<p>{html.escape(summary)} Per region: the largest paths that end in its value "
                 "added and have at least one intermediate link.</p>")
    va_region = system.value_added.groupby(level="region", sort=False).sum()
    for region in system.regions:
        sub = key.xs(region, level="region") if isinstance(key.index, pd.MultiIndex) else key
        table = _region_paths(path_frame, region, top, float(va_region[region]))
        inner = ["<h3>Key sectors</h3>" + _table(sub.head(top)),
                 "<h3>Top supply-chain paths</h3>" + (
                     _table(table, index=False) if len(table) else "<p>No path with an intermediate link "
                     "above the threshold.</p>")]
        opened = " open" if system.n_regions <= 3 else ""
        parts.append(f"<details{opened}><summary>{html.escape(str(region))}</summary>{''.join(inner)}"
                     "</details>")
    return ReportSection("regions", "Regions: key sectors, specialisation, exposure, paths",
                         "".join(parts), images)


#: What each column of the specialisation and exposure table measures (value-added shares
#: ``p_i^r`` of sector i in region r; mrio.analysis.structure; docs/methods/linkages.md, section
#: "Specialisation, diversity and exposure").
INDEX_COLUMNS = {
    "region": "the region the row describes.",
    "krugman": "Krugman specialisation index, \u03a3<sub>i</sub> |p<sub>i</sub><sup>r</sup> \u2212 "
               "p<sub>i</sub><sup>\u2212r</sup>| against the rest of the system: 0 = the same sector mix, "
               "2 = no sector in common.",
    "herfindahl_normalised": "concentration of value added over sectors, (H \u2212 1/n)/(1 \u2212 1/n) with "
                             "H = \u03a3<sub>i</sub> p<sub>i</sub><sup>2</sup>: 0 = spread evenly, 1 = one sector.",
    "entropy": "Shannon entropy \u03a3<sub>i</sub> p<sub>i</sub> log<sub>2</sub>(1/p<sub>i</sub>) of the sector "
               "shares, in bits: higher = more diverse.",
    "related_variety": "the part of the entropy within groups of related sectors (bits; Frenken, Van Oort "
                       "&amp; Verburg 2007).",
    "unrelated_variety": "the part of the entropy between those groups (bits); related + unrelated = entropy.",
    "external_share": "share of the region's value added that depends on final demand in other regions or "
                      "outside the system.",
    "destination_herfindahl": "concentration of the region's value added by destination of the final demand, "
                              "own region included: 1 = everything on one destination.",
}


def _structure_indices(structure, system: MRIO) -> pd.DataFrame | None:
    """Specialisation, diversity and exposure indices by region (value added)."""
    return structure.specialisation_and_exposure(system, "value-added")[
        ["krugman", "herfindahl_normalised", "entropy", "related_variety", "unrelated_variety",
         "external_share", "destination_herfindahl"]]


def _key_sectors(linkages, system: MRIO) -> pd.DataFrame:
    """Rasmussen-Hirschman indices and class by (region, sector), strongest first."""
    frame = linkages.key_sectors(system, method="rasmussen-hirschman")
    frame = frame[["backward", "forward", "class"]].copy()
    frame["class"] = frame["class"].astype(str)
    return frame


def _path_table(paths, system: MRIO) -> tuple[pd.DataFrame, str]:
    """Largest value-added paths of order >= 1 (one SPA run for the whole system) and a summary."""
    result = paths.structural_path_analysis(system, "value-added", threshold=1e-6, max_depth=5,
                                            top=max(200, 60 * system.n_regions))
    frame = result.paths
    frame = frame[frame["order"] >= 1].copy()
    frame["source_region"] = [k[0] for k in frame["source"]]
    summary = (f"Structural path analysis of value added (threshold 1e-6 of the total, up to 5 links): "
               f"{result.visited:,} paths enumerated covering {result.coverage:.1%} of total value added.")
    return frame, summary


def _region_paths(frame: pd.DataFrame, region: Hashable, top: int, va: float) -> pd.DataFrame:
    sub = frame[frame["source_region"] == region].head(top)
    return pd.DataFrame({
        "path (final demand \u2190 ... \u2190 value added)": sub["path"].to_numpy(),
        "links": sub["order"].to_numpy(),
        "value added": [_num(v) for v in sub["value"]],
        "share of region": [_pct(v / va) if va else "" for v in sub["value"]],
    })


def _scenario_section(system: MRIO, view: ScenarioView, geo: plot.Geometry | None,
                      top: int) -> ReportSection:
    parts, images = [], 0
    unit = view.unit
    total = float(view.change.sum())
    losses = view.change[view.change < 0]
    parts.append(f"<p>Model: {html.escape(view.model)}. Measure: {html.escape(view.measure)} "
                 f"({html.escape(unit)}); negative changes are losses.</p>")
    # headline figures as the charts print them (plot._value_text) and of the same quantity: the
    # most affected region is the top bar of "Most affected regions" (largest loss, in the unit)
    value_text = _plot()._value_text
    facts = [(f"total change in {view.measure}", f"{value_text(total, False, None)} {unit}"),
             ("industries with losses", f"{len(losses):,} of {len(view.change):,}")]
    if len(view.change):
        worst = view.by_region.idxmin()
        facts.append(("most affected region (largest loss)",
                      f"{worst}: {value_text(float(view.by_region[worst]), False, None)} {unit}"))
    parts.insert(0, _facts(facts))
    for note in view.notes:
        parts.append(f'<p class="note">{html.escape(note)}</p>')
    by_region = view.by_region
    base = _baseline(system, view.measure) if view.relative else None
    if base is not None:
        base_region = base.groupby(level="region", sort=False).sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            relative = (by_region / base_region.reindex(by_region.index)).rename("relative change")
        fig, _, every_region = _region_chart(
            relative, geo, title=f"Change in {view.measure}, share of the region's level",
            label=f"change in {view.measure} (share)", percent=True, center=0.0, cmap="RdBu", by="-value")
        parts.append(_img(fig, f"map of the relative change in {view.measure} by region",
                          f"Change in {html.escape(view.measure)} by region relative to its baseline level "
                          "(red: losses, blue: gains); up to five of the largest changes labelled (a label "
                          "that would overlap another is left out)."))
    else:
        fig, _, every_region = _region_chart(
            by_region.rename("change"), geo, title=f"Change in {view.measure} by region",
            label=f"{view.measure} ({unit})", percent=False, center=0.0, cmap="RdBu", by="-value")
        parts.append(_img(fig, f"map of the change in {view.measure} by region",
                          f"Change in {html.escape(view.measure)} by region ({html.escape(unit)}); "
                          "red: losses."))
    images += 1
    parts.append(every_region)
    grid = []
    fig = _plot().top_bar_chart(by_region, n=min(top * 2, len(by_region)), by="-value",
                             title="Most affected regions", label=f"{view.measure} ({unit})")
    grid.append(_img(fig, "most affected regions"))
    fig = _plot().top_bar_chart(view.by_sector, n=min(top * 2, len(view.by_sector)), by="-value",
                             title="Most affected sectors", label=f"{view.measure} ({unit})")
    grid.append(_img(fig, "most affected sectors"))
    images += 2
    parts.append('<div class="grid2">' + "".join(grid) + "</div>")
    worst = view.change.sort_values().head(top * 2).to_frame(f"change ({unit})")
    parts.append("<h3>Most affected industries</h3>" + _table(worst))
    if view.trajectory is not None and len(view.trajectory) > 1:
        fig = _plot().time_series(view.trajectory, top=8, title=view.trajectory_label,
                               xlabel=view.time_unit, ylabel=f"{unit}")
        parts.append(_img(fig, "time series of the dynamic model",
                          f"{html.escape(view.trajectory_label)} by region over time (the regions that "
                          "depart most from their starting value)."))
        images += 1
    return ReportSection("scenario", f"Scenario: {view.name}", "".join(parts), images)


def _baseline(system: MRIO, measure: str) -> pd.Series | None:
    m = measure.lower()
    if "value added" in m or "value-added" in m:
        return system.value_added
    if "output" in m or "production" in m:
        return system.x
    return None


def _meta_value(value: Any) -> Any:
    """Metadata read back from disk may hold lists and dicts as their text; read them back."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            try:
                return json.loads(value)
            except ValueError:
                return value
    return value


def _trade_method(meta: Mapping) -> str:
    """Return the trade-estimation item of the methods list, with the figures of the shipped fit."""
    trade = meta.get("trade") if isinstance(meta.get("trade"), Mapping) else {}
    if not str(trade.get("model", "")).startswith("calibrated"):
        return ""
    from mrio.build.tradability import TradeParameters

    scores = TradeParameters.shipped_scores()
    if scores.empty:
        return ""
    value = scores.set_index(["truth", "metric"])["value"]

    def pick(truth, metric):
        return f"{value.get((truth, metric), float('nan')):.3f}"

    return ("<li>Interregional trade: gravity model per product with four traded classes (local, "
            "services, bulk, goods) and a nontraded one (dwelling services), each traded class with a "
            "distance decay and a home bias that grows in small regions, "
            "balanced per product to regional supply and demand (RAS); parameters fitted on survey truths. "
            "Rebuilding those truths from national tables and regional output (<code>mrio validate</code>): "
            f"Japanese prefectures 2015, local supply share MAE {pick('japan', 'local supply share MAE')}, "
            f"intra-regional multiplier MAPE {pick('japan', 'intra-regional multiplier MAPE')}; EU countries "
            f"in WIOD 2011 (not fitted), self-sufficiency MAE {pick('wiod2011', 'self-sufficiency MAE')}, "
            f"own-region multiplier share MAE {pick('wiod2011', 'own-region multiplier share MAE')}, log trade "
            f"correlation {pick('wiod2011', 'log trade correlation')}.</li>")


def _methods(system: MRIO, views: Sequence[ScenarioView], notes: Sequence[str],
             ensemble: Any = None) -> ReportSection:
    meta = system.meta
    rows = []
    for key in ("name", "title", "source", "licence", "license", "year", "currency", "unit", "notes"):
        if key in meta and meta[key] not in (None, ""):
            rows.append((key, str(meta[key])))
    rows.append(("monetary unit", str(system.units.get("monetary", ""))))
    parts = ["<h3>Data</h3>",
             "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td style='text-align:left'>"
                                 f"{html.escape(v)}</td></tr>" for k, v in rows) + "</table>"]
    assumptions = _meta_value(meta.get("assumptions"))
    if assumptions:
        items = assumptions if isinstance(assumptions, list | tuple) else (
            [f"{k}: {v}" for k, v in assumptions.items()] if isinstance(assumptions, Mapping)
            else [assumptions])
        parts.append("<h3>Assumptions</h3><ul>" + "".join(f"<li>{html.escape(str(a))}</li>" for a in items)
                     + "</ul>")
    parts.append(
        "<h3>Methods</h3><ul>"
        "<li>Dependency: value added of origin region r attributed to the final demand of destination s, "
        "<code>VA(r\u2190s) = \u03a3<sub>i\u2208r</sub> [v\u0302<sub>c</sub> L Y]<sub>i,s</sub></code>, "
        "computed "
        "with one LU factorisation of <code>I \u2212 A</code> (Miller &amp; Blair 2009, ch. 3; Johnson &amp; "
        "Noguera 2012). Shares are of the origin's gross value added.</li>"
        "<li>Heat-map order: hierarchical clustering of the row and column share profiles (average "
        "linkage, Euclidean distance) with optimal leaf ordering (Bar-Joseph et al. 2001).</li>"
        "<li>Key sectors: Rasmussen-Hirschman indices (backward from the Leontief inverse, forward from "
        "the Ghosh inverse; key sector when both exceed 1). Specialisation: Krugman index against the "
        "rest of the system and Herfindahl concentration of value added; exposure: concentration of "
        "each region's value added by destination (mrio documentation, methods page &ldquo;Linkages and structure indices&rdquo;).</li>"
        "<li>Supply-chain paths: structural path analysis, <code>f'Ly = \u03a3<sub>k</sub> f'A<sup>k</sup>y"
        "</code> with pruning (Defourny &amp; Thorbecke 1984; Lenzen 2003).</li>"
        + _trade_method(meta) +
        "<li>Maps: 2021 COROP and province boundaries from CBS/Kadaster (CC BY 4.0), via the R package "
        "spatialrisk (GPL \u2265 2); simplified, drawn in longitude/latitude.</li></ul>")
    if ensemble is not None:
        parts.append("<h3>Uncertainty bands</h3><p>" + html.escape(ensemble.methods()) + "</p>")
        parts.append(_table(ensemble.assumptions[["default", "low", "high", "distribution", "source"]]))
    placement = meta.get("industry_indicators")
    if isinstance(placement, Mapping) and placement:
        # one row per indicator chain (industries sharing it listed together): the short placement table
        by_indicator: dict[str, list[str]] = {}
        for sector, indicator in placement.items():
            by_indicator.setdefault(str(indicator), []).append(str(sector))
        parts.append("<h3>Where each industry is placed</h3><table><tr><th>industries</th><th>placed by</th></tr>"
                     + "".join(f"<tr><td style='text-align:left'>{html.escape(', '.join(sectors))}</td>"
                               f"<td style='text-align:left'>{html.escape(indicator)}</td></tr>"
                               for indicator, sectors in by_indicator.items()) + "</table>")
    for view in views:
        parts.append(f"<p>Scenario {html.escape(view.name)}: {html.escape(view.model)}; measure: "
                     f"{html.escape(view.measure)} ({html.escape(view.unit)}).</p>")
    checks = system.identity_checks()
    checks["status"] = ["ok" if v <= 1e-9 else "check" for v in checks["max_relative_error"]]
    checks["max_relative_error"] = [f"{v:.2e}" for v in checks["max_relative_error"]]
    checks["where"] = ["" if w is None else (" \u00b7 ".join(map(str, w)) if isinstance(w, tuple) else str(w))
                       for w in checks["where"]]
    parts.append("<h3>Accounting identities</h3>" + _table(checks))
    parts.append("<h3>National consistency</h3>" + _national_consistency(system))
    if notes:
        parts.append("<h3>Not included</h3><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes)
                     + "</ul>")
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    from mrio._version import __version__
    parts.append(f"<p class='lead'>Generated by mrio {html.escape(__version__)} on {stamp}.</p>")
    return ReportSection("methods", "Methods and data", "".join(parts))


def _national_consistency(system: MRIO) -> str:
    if system.n_regions == 1:
        return ("<p>The system has a single region: it is the national table itself, so regional sums "
                "equal the national totals by construction.</p>")
    check = _meta_value(system.meta.get("national_consistency"))
    if isinstance(check, Mapping) and check:
        errors = pd.Series({k: float(v) for k, v in check.items()}, dtype=float)
        frame = pd.DataFrame({"max relative error": [f"{v:.1e}" for v in errors],
                              "status": ["ok" if v <= 1e-9 else "check" for v in errors]},
                             index=errors.index.rename("item"))
        worst = float(errors.max())
        return (f"<p>Sums over the {system.n_regions} regions against the national table, item by item "
                f"(worst relative error {worst:.1e}; the guarantee is 1e-9):</p>" + _table(frame))
    if check:
        return f"<p>{html.escape(str(check))}</p>"
    return ("<p class='note'>No national table is attached to this system, so the sums over regions "
            "cannot be compared with national totals here. Tables built by <code>mrio build</code> "
            "record this check in their metadata.</p>")


# ------------------------------------------------------------------------------------ scenarios
def scenario_view(system: MRIO, scenario: Any) -> ScenarioView:
    """Turn a scenario (file, result object or table of changes) into what the report shows.

    Parameters
    ----------
    system : MRIO
    scenario : path-like, result object, pandas.Series or pandas.DataFrame
        A scenario file (TOML, run with :mod:`mrio.shocks.scenario`); a result of
        :func:`mrio.shocks.propagate_demand`, :func:`~mrio.shocks.propagate_supply`,
        :func:`~mrio.shocks.mixed_model`, :func:`~mrio.shocks.inoperability`,
        :func:`~mrio.shocks.dynamic_inoperability` or :mod:`mrio.shocks.ario`; or a Series of changes
        in output by (region, sector) (a DataFrame: its first column).

    Returns
    -------
    ScenarioView

    Raises
    ------
    ScenarioError
        An object the report cannot read, or changes that do not match the system's industries.
    """
    if isinstance(scenario, ScenarioView):
        return _check_view(system, scenario)
    if isinstance(scenario, str | os.PathLike):
        views, _ = _from_file(system, Path(scenario))
        if len(views) > 1:
            raise ScenarioError(f"{Path(scenario).name} holds {len(views)} shocks; use scenario_views")
        return views[0]
    if isinstance(scenario, pd.DataFrame):
        if scenario.shape[1] < 1:
            raise ScenarioError("scenario table has no columns")
        scenario = scenario.iloc[:, 0]
    if isinstance(scenario, pd.Series):
        return _check_view(system, ScenarioView(str(scenario.name or "scenario"), "given changes", "output",
                                                system.units.get("monetary", ""), scenario.astype(float)))
    for adapter in _ADAPTERS:
        view = adapter(system, scenario)
        if view is not None:
            return _check_view(system, view)
    raise ScenarioError(f"cannot report a scenario of type {type(scenario).__name__}; give a scenario "
                        "file, a result of mrio.shocks/mrio.ario or a Series of changes by (region, sector)")


def _check_view(system: MRIO, view: ScenarioView) -> ScenarioView:
    change = view.change
    if not isinstance(change.index, pd.MultiIndex) or list(change.index.names) != ["region", "sector"]:
        raise ScenarioError("scenario changes must be indexed by (region, sector)")
    unknown = change.index.difference(system.index)
    if len(unknown):
        raise ScenarioError(f"scenario names industries that are not in the system: "
                            f"{', '.join(map(str, unknown[:5]))}")
    values = change.to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        bad = change.index[~np.isfinite(values)]
        raise ScenarioError(f"scenario changes are NaN/inf for {', '.join(map(str, bad[:5]))}")
    return view


def _first_column(frame: pd.DataFrame | pd.Series, notes: list[str]) -> tuple[pd.Series, str]:
    if isinstance(frame, pd.Series):
        return frame, str(frame.name or "scenario")
    if frame.shape[1] > 1:
        notes.append(f"The result holds {frame.shape[1]} scenarios; the report shows the first, "
                     f"{frame.columns[0]!r}.")
    return frame.iloc[:, 0], str(frame.columns[0])


def _from_demand(system, result):
    if not (hasattr(result, "impact") and hasattr(result, "final_demand_change")):
        return None
    notes: list[str] = []
    measure = "value_added" if "value_added" in result.measures else "output"
    change, name = _first_column(result.impact(measure), notes)
    return ScenarioView(name, "Leontief demand shock (x = L \u0394y)", measure.replace("_", " "),
                        result.units.get(measure, system.units.get("monetary", "")), change,
                        notes=tuple(notes))


def _from_supply(system, result):
    if not (hasattr(result, "primary_input_change") and hasattr(result, "caveat")):
        return None
    notes = [str(result.caveat)]
    change, name = _first_column(result.output, notes)
    return ScenarioView(name, "Ghosh supply-side model", "output", system.units.get("monetary", ""), change,
                        notes=tuple(notes))


def _from_mixed(system, result):
    if not (hasattr(result, "output_change") and hasattr(result, "fixed")):
        return None
    notes = []
    if len(getattr(result, "rationing_needed", ())):
        notes.append("Fixed output cannot be met without rationing for "
                     + ", ".join(map(str, result.rationing_needed[:5])) + "; consider the ARIO model.")
    return ScenarioView("mixed model", "mixed endogenous/exogenous model", "output",
                        system.units.get("monetary", ""), result.output_change, notes=tuple(notes))


def _from_dynamic_iim(system, result):
    if not (hasattr(result, "inoperability") and hasattr(result, "resilience")):
        return None
    loss = result.total_loss
    trajectory = result.loss.T.groupby(level="region", sort=False).sum().T
    return ScenarioView("dynamic inoperability", "dynamic inoperability IO model (Lian & Haimes 2006)",
                        "cumulative output", system.units.get("monetary", ""), -loss, trajectory=trajectory,
                        trajectory_label="Output lost per step", time_unit="step", relative=False)


def _from_iim(system, result):
    if not (hasattr(result, "inoperability") and hasattr(result, "perturbation")):
        return None
    notes: list[str] = []
    loss, name = _first_column(result.loss, notes)
    return ScenarioView(name, "inoperability IO model (Santos & Haimes 2004)", "output",
                        system.units.get("monetary", ""), -loss, notes=tuple(notes))


def _from_ario(system, result):
    if not (hasattr(result, "production_loss") and hasattr(result, "baseline")):
        return None
    trajectory = result.production_change.T.groupby(level="region", sort=False).sum().T
    return ScenarioView("ARIO", "adaptive regional input-output model (ARIO; Hallegatte 2008, 2014)",
                        "cumulative production", system.units.get("monetary", ""), -result.production_loss(),
                        trajectory=trajectory, trajectory_label="Change in production per step (ARIO)",
                        time_unit="step (day)", relative=False)


_ADAPTERS: list[Callable[[MRIO, Any], ScenarioView | None]] = [
    _from_demand, _from_supply, _from_mixed, _from_dynamic_iim, _from_iim, _from_ario]


def _industry_series(table: pd.DataFrame, column: str) -> pd.Series:
    frame = table.set_index(["region", "sector"])
    return frame[column].astype(float)


def _by_step(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Long (time, region, value) table -> time x region; the time column is the remaining one."""
    time_col = next(c for c in table.columns if c not in ("region", column))
    frame = table.pivot_table(index=time_col, columns="region", values=column, aggfunc="sum", sort=False)
    frame.index.name = "step"
    return frame.sort_index()


def _views_from_run(system: MRIO, run) -> list[ScenarioView]:
    """One view per shock of a scenario run by :func:`mrio.scenario.run_scenario` (ARIO shocks: one)."""
    scenario, tables = run.scenario, run.tables
    unit = system.units.get("monetary", "")
    views: list[ScenarioView] = []
    for shock in scenario.shocks:
        name, model = shock.name, shock.model
        if model == "ario":
            continue
        industries = tables.get(f"{name}_industries")
        if industries is None:
            continue
        title = f"{scenario.name}: {name}"
        if model in ("demand", "national_demand", "supply", "mixed", "iim"):
            # every static model writes one layout: (measure, region, sector) -> baseline, shocked, change
            present = list(dict.fromkeys(industries["measure"]))
            measure = "value_added" if model in ("demand", "national_demand") and "value_added" in present \
                else "output" if "output" in present else present[0]
            rows = industries[industries["measure"] == measure]
            described = {"demand": f"Leontief demand shock ({model.replace('_', ' ')})",
                         "national_demand": f"Leontief demand shock ({model.replace('_', ' ')})",
                         "supply": "Ghosh supply-side model",
                         "mixed": "mixed endogenous/exogenous model (output fixed)",
                         "iim": "inoperability IO model (Santos & Haimes 2004)"}[model]
            from mrio.shocks.models import GHOSH_CAVEAT

            views.append(ScenarioView(title, described, measure.replace("_", " "), str(rows["unit"].iloc[0]),
                                      _industry_series(rows, "change"),
                                      notes=(GHOSH_CAVEAT,) if model == "supply" else ()))
        elif model == "diim":
            trajectory = _by_step(tables[f"{name}_trajectory"], "output_loss")
            views.append(ScenarioView(title, "dynamic inoperability IO model (Lian & Haimes 2006)",
                                      "cumulative output", unit, -_industry_series(industries, "total_loss"),
                                      trajectory=trajectory, trajectory_label="Output lost per step",
                                      relative=False))
    if "ario_industries" in tables:
        names = "+".join(s.name for s in scenario.shocks if s.model == "ario")
        production = _by_step(tables["ario_production"], "production")
        trajectory = production - production.iloc[0] if len(production) else production
        views.append(ScenarioView(f"{scenario.name}: {names}",
                                  "adaptive regional input-output model (ARIO; Hallegatte 2008, 2014)",
                                  "cumulative production", unit,
                                  -_industry_series(tables["ario_industries"], "production_loss"),
                                  trajectory=trajectory,
                                  trajectory_label="Change in production from the first step (ARIO)",
                                  time_unit="step (day)", relative=False))
    return views


def _from_file(system: MRIO, path: Path) -> tuple[list[ScenarioView], str]:
    if not path.is_file():
        raise ScenarioError(f"scenario file {str(path)!r} does not exist")
    scenario_mod = _optional("scenario")
    import tempfile

    scenario = scenario_mod.load_scenario(path)
    system = scenario.regrouped(system)
    with tempfile.TemporaryDirectory(prefix="mrio-report-") as tmp:
        run = scenario_mod.run_scenario(scenario, tmp, system=system)
    views = [_check_view(system, v) for v in _views_from_run(system, run)]
    if not views:
        raise ScenarioError(f"{path.name}: the scenario produced no result the report can show")
    return views, run.summary


def scenario_views(system: MRIO, scenario: Any) -> tuple[list[ScenarioView], str]:
    """Every view of a scenario: one per shock of a scenario file, else one.

    Returns
    -------
    (list of ScenarioView, str)
        The views and, for a scenario file, the text summary that ``mrio shock`` writes.
    """
    if isinstance(scenario, str | os.PathLike):
        return _from_file(system, Path(scenario))
    return [scenario_view(system, scenario)], ""


# ------------------------------------------------------------------------------------ entry points
def build_report(system: MRIO, scenario: Any = None, *, title: str | None = None,
                 geometry: str | os.PathLike | plot.Geometry | None = None, top: int = 5,
                 progress: Callable[[str], None] | None = None, scenario_summary: str = "",
                 ensemble: Any = None, wide_band: float = 0.05) -> Report:
    """Compute every section of the report and return it (nothing is written).

    Parameters
    ----------
    system : MRIO
    scenario : optional
        A scenario file (one section per shock), anything
        :func:`~mrio.report.html.scenario_view` accepts (a result object of :mod:`mrio.shocks` or
        :mod:`mrio.shocks.ario`, a Series of changes by (region, sector)), or a list of
        :class:`~mrio.report.html.ScenarioView` (from :func:`~mrio.report.html.scenario_views`).
    title : str, optional
        Default: "mrio report: <system name>".
    geometry : {"corop", "provinces"}, path-like or Geometry, optional
        Map of the regions; default the bundled map whose regions match the system's region
        labels (COROP or provinces). Without a matching map, charts replace the maps.
    top : int, default 5
        Rows in the "top" tables and charts.
    progress : callable, optional
        Called with the name of each section before it is computed.
    scenario_summary : str, optional
        Text shown with a list of views (the summary :func:`~mrio.report.html.scenario_views` returns).
    ensemble : mrio.ensemble.EnsembleResult, optional
        Uncertainty bands of the value-added dependency split
        (``mrio.ensemble.run(mrio.ensemble.DependencyTable("value-added", "split"), ...)``): the
        dependency map hatches the regions whose p5-p95 band of the own-region share is wider
        than ``wide_band``, the dependency table gets the bands, and the methods say what was
        drawn and how.
    wide_band : float, default 0.05
        Width of the p5-p95 band of the own-region share (5 percentage points) above which a
        region is hatched.

    Returns
    -------
    Report

    Raises
    ------
    InputError
        ``top < 1``; a ``geometry`` that does not cover the system's regions
        (:class:`~mrio.errors.UnknownLabelError`).
    ScenarioError
        A scenario that cannot be read; raised before any section is computed.
    """
    if not isinstance(system, MRIO):
        raise InputError(f"system must be an mrio.MRIO, got {type(system).__name__}")
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    bands = _split_bands(system, ensemble)
    step = progress or (lambda _name: None)
    if isinstance(scenario, list | tuple) and scenario and all(isinstance(v, ScenarioView) for v in scenario):
        views, summary = [_check_view(system, v) for v in scenario], scenario_summary
    elif scenario is not None:
        views, summary = scenario_views(system, scenario)
    else:
        views, summary = [], ""
    geo = _geometry(system, geometry)
    notes: list[str] = []
    step("overview")
    sections = [_overview(system)]
    step("dependency")
    sections.append(_dependency(system, geo, notes, bands, wide_band, ensemble))
    step("regions")
    sections.append(_regions(system, notes, top))
    if views:
        step("scenario")
        for k, view in enumerate(views):
            section = _scenario_section(system, view, geo, top)
            sid = "scenario" if k == 0 else f"scenario-{k + 1}"
            if k == 0 and summary:
                section = ReportSection(section.id, section.title, section.body + (
                    "<details><summary>Scenario summary (as written by <code>mrio shock</code>)</summary>"
                    f"<pre>{html.escape(summary)}</pre></details>"), section.images)
            sections.append(ReportSection(sid, section.title, section.body, section.images))
    step("methods")
    sections.append(_methods(system, views, notes, ensemble))
    name = _system_name(system)
    subtitle = (f"{system.n_regions} regions \u00d7 {system.n_sectors} sectors"
                + (f", {system.meta['year']}" if "year" in system.meta else "")
                + (f"; scenario: {views[0].name.split(':')[0]}" if views else ""))
    return Report(title or f"mrio report: {name}", tuple(sections), tuple(notes), subtitle)


def write_report(system: MRIO, out: str | os.PathLike, scenario: Any = None, **kwargs: Any) -> Path:
    """Write a self-contained HTML report (figures embedded as base64 PNG; no network needed).

    Parameters
    ----------
    system : MRIO
    out : path-like
        The ``.html`` file; written atomically (a failure leaves no partial file and an
        existing file untouched).
    scenario : optional
        See :func:`build_report`.
    **kwargs
        ``title``, ``geometry``, ``top``, ``progress``: see :func:`build_report`.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    FileFormatError
        ``out`` is not an .html path, or its folder is missing or not writable (checked before
        anything is computed).
    """
    out = check_output(out)
    return build_report(system, scenario, **kwargs).write(out)


def check_output(out: str | os.PathLike) -> Path:
    """Check that ``out`` can receive a report (``.html``, existing writable folder, not a folder).

    Raises
    ------
    FileFormatError
        Naming the path and what is wrong with it.
    """
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise FileFormatError(f"report output must be an .html file, got {str(out)!r}")
    if out.is_dir():
        raise FileFormatError(f"cannot write report {str(out)!r}: it is a folder")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise FileFormatError(f"cannot write {out}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise FileFormatError(f"cannot write {out}: folder {parent} is not writable")
    return out
