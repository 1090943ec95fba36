"""The report with an ensemble: hatched wide bands on the map, bands in the table, a methods paragraph."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import ensemble
from mrio.errors import InputError
from mrio.report import plot
from mrio.report.html import build_report


@pytest.fixture(scope="module")
def split_bands():
    return ensemble.run(ensemble.DependencyTable("value-added", "split"), draws=2, seed=7,
                        dataset="nl-provinces")


def test_choropleth_hatches_the_marked_regions():
    regions = plot.load_geometry("provinces").regions
    values = pd.Series(np.linspace(0, 1, len(regions)), index=regions)
    fig = plot.choropleth(values, "provinces", hatched=list(values.index[:3]), hatch_label="wide band")
    hatched = [p for p in fig.axes[0].patches if p.get_hatch() == "xxx" and p.get_facecolor()[3] == 0]
    assert len(hatched) == 3
    assert "wide band" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_report_shows_bands_hatching_and_methods(split_bands):
    system = mrio.load("nl-provinces")
    width = (lambda t: t["p95"] - t["p5"])(split_bands.table.xs("own_region_share", level="quantity"))
    threshold = float(np.median(width))
    report = build_report(system, ensemble=split_bands, wide_band=threshold)
    page = report.to_html()
    n_wide = int((width > threshold).sum())
    assert f"Cross-hatched: the {n_wide} regions" in page
    assert "own region p5\u2013p95" in page
    assert "Uncertainty bands from 2 draws of nl-provinces 2018" in page and "goods.distance_decay" in page
    none = build_report(system, ensemble=split_bands, wide_band=1.0).to_html()
    assert "Cross-hatched: the 0 regions" in none


def test_report_refuses_other_ensembles(split_bands):
    other = ensemble.run(ensemble.MultiplierTable("output"), draws=1, seed=0,
                         source=ensemble.ParameterDraws(mrio.load("nl-2000"), ()))
    with pytest.raises(InputError, match="value-added dependency split"):
        build_report(mrio.load("nl-provinces"), ensemble=other)
    with pytest.raises(InputError, match="regions do not match"):
        build_report(mrio.load("nl-corop"), ensemble=split_bands)
