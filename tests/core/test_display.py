"""Notebook display: every result object renders a compact HTML summary (``_repr_html_``)."""

from __future__ import annotations

import dataclasses
import html.parser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mrio import ario, balancing, dependency, extraction, paths, scenario, shocks, trade
from mrio.core.display import result_html, summarise
from mrio.testing import random_mrio

EXAMPLES = Path(__file__).resolve().parents[2] / "data" / "examples"


class _Parser(html.parser.HTMLParser):
    """Collects the tags and text of an HTML fragment and checks that tags are balanced."""

    VOID = {"br", "hr", "img", "meta", "input", "col"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(fragment: str) -> _Parser:
    parser = _Parser()
    parser.feed(fragment)
    parser.close()
    assert not parser.stack, parser.stack
    return parser


@pytest.fixture(scope="module")
def system():
    return random_mrio(n_regions=3, n_sectors=4, seed=3)


@pytest.fixture(scope="module")
def results(system):
    dy = shocks.final_demand_change(system, regions=system.regions[0], share=0.1)
    pi = pd.Series(0.0, index=system.index)
    pi.iloc[0] = -1.0
    first = system.index[0]
    prior = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["a", "b"], columns=["c", "d"])
    event = ario.capacity_loss(system, system.regions[0], system.sectors[0], share=0.3, duration=2,
                               recovery_time=5)
    return {
        "DependencyResult": dependency.dependency_matrix(system, "value-added"),
        "PyattRound": dependency.pyatt_round(system),
        "ExtractionResult": extraction.extract(system, "total", regions=system.regions[1]),
        "PathResult": paths.structural_path_analysis(system, "value-added", top=5),
        "DemandShockResult": shocks.propagate_demand(system, dy),
        "SupplyShockResult": shocks.propagate_supply(system, pi),
        "MixedModelResult": shocks.mixed_model(system, {first: 0.5 * float(system.x[first])}),
        "InoperabilityResult": shocks.inoperability(system, 0.05 * system.Y.sum(axis=1)),
        "DynamicInoperabilityResult": shocks.dynamic_inoperability(
            system, pd.Series(0.1, index=system.index), recovery_time=10.0, steps=20),
        "ARIOEvent": event,
        "ARIOResult": ario.ario(system, [event], steps=12),
        "TradeAccounts": trade.trade_accounts(system),
        "Balanced": balancing.ras(prior, [4.0, 6.0], [5.0, 5.0]),
        "Scenario": scenario.load_scenario(EXAMPLES / "groningen_gas.toml"),
    }


RESULT_CLASSES = [
    dependency.DependencyResult, dependency.PyattRound, extraction.ExtractionResult, paths.PathResult,
    shocks.DemandShockResult, shocks.SupplyShockResult, shocks.MixedModelResult, shocks.InoperabilityResult,
    shocks.DynamicInoperabilityResult, ario.ARIOEvent, ario.ARIOResult, trade.TradeAccounts, balancing.Balanced,
    scenario.Scenario, scenario.ScenarioRun,
]


@pytest.mark.parametrize("cls", RESULT_CLASSES, ids=lambda c: c.__name__)
def test_every_result_class_has_a_notebook_summary(cls):
    assert cls._repr_html_ is result_html
    assert dataclasses.is_dataclass(cls)
    # the display hook is a method, not a dataclass field
    assert "_repr_html_" not in {f.name for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("name", ["DependencyResult", "PyattRound", "ExtractionResult", "PathResult",
                                  "DemandShockResult", "SupplyShockResult", "MixedModelResult",
                                  "InoperabilityResult", "DynamicInoperabilityResult", "ARIOEvent",
                                  "ARIOResult", "TradeAccounts", "Balanced", "Scenario"])
def test_summary_lists_every_field_and_is_valid_html(results, name):
    result = results[name]
    assert type(result).__name__ == name
    fragment = result._repr_html_()
    parsed = _parse(fragment)
    text = " ".join(parsed.text)
    assert name in text
    for f in dataclasses.fields(result):
        assert f.name in text, f.name
    assert "table" in parsed.tags and len(fragment) < 20_000  # compact, never the full matrices


def test_summary_shows_shapes_totals_and_values(results, system):
    dep = results["DependencyResult"]
    text = " ".join(_parse(dep._repr_html_()).text)
    n, k = dep.amounts.shape
    assert f"DataFrame {n:,} x {k:,}" in text
    assert f"total {float(dep.amounts.to_numpy().sum()):,.6g}" in text
    assert dep.unit in text and dep.measure in text
    # the preview holds the first rows of the first table, not all of them
    assert "first rows" in text
    path = results["PathResult"]
    text = " ".join(_parse(path._repr_html_()).text)
    assert f"{path.total:,.6g}" in text and f"{path.visited:,}" in text


def test_large_tables_are_summarised_not_rendered():
    big = pd.DataFrame(np.arange(3240 * 40, dtype=float).reshape(3240, 40),
                       index=pd.MultiIndex.from_product([range(40), range(81)], names=["region", "sector"]),
                       columns=pd.RangeIndex(40, name="scenario"))
    line = summarise(big)
    assert line.startswith("DataFrame 3,240 x 40 (rows: region x sector;")
    assert f"total {float(big.to_numpy().sum()):,.6g}" in line
    assert summarise(np.zeros((3, 2))) == "array 3 x 2 (float64); total 0"
    assert summarise(pd.Index(list("abcdefgh"))) == "8 labels: a, b, c, d, e, f, ... (8 in all)"
    assert summarise({"a": 1, "b": "x"}) == "{a: 1, b: x}"
    assert summarise(None) == "" and summarise(True) == "True" and summarise(np.nan) == "nan"


def test_text_is_escaped():
    @dataclasses.dataclass(frozen=True)
    class Shown:
        """A <b>result</b>."""

        label: str
        table: pd.DataFrame
        _repr_html_ = result_html

    fragment = Shown("<script>alert(1)</script>", pd.DataFrame({"<i>": [1.0]}))._repr_html_()
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment
    assert "<i>" not in fragment
    _parse(fragment)


def test_scenario_run_summary(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[scenario]\nname = "t"\ndataset = "nl-2000"\n\n[[shocks]]\nname = "d"\nmodel = "demand"\n'
                    'sectors = ["services_group"]\nshare = 0.1\n')
    run = scenario.run_scenario(spec, tmp_path / "out")
    assert type(run) is scenario.ScenarioRun
    text = " ".join(_parse(run._repr_html_()).text)
    assert "ScenarioRun" in text and "Scenario 't'" in text and "summary" in text and "files" in text


def test_totals_only_add_commensurable_numbers(results):
    """No grand total over columns of different quantities or units (issue 13.5)."""
    mixed = pd.DataFrame({"output": [1.0, 2.0], "value_added": [0.5, 1.0], "employment": [3.0, 4.0]})
    assert "total" not in summarise(mixed)
    values_and_shares = results["PathResult"].paths
    assert "total" not in summarise(values_and_shares)
    by_measure = results["DemandShockResult"].coefficients  # rows: output, value added, employment...
    assert by_measure.index.name == "measure" and "total" not in summarise(by_measure)
    assert "total" not in summarise(pd.Series([1.0, 0.3], index=pd.Index(["output", "employment"], name="measure")))
    # one quantity over labelled axes (scenario columns, destination regions) keeps its total
    output = results["DemandShockResult"].output
    assert f"total {float(output.to_numpy().sum()):,.6g}" in summarise(output)
