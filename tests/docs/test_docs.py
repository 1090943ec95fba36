"""The built documentation site: pages exist, link up, and render in a real browser.

The site is built by ``.ci/run`` (``python -m sphinx -W -b html docs docs/_build/html``) before the
tests run; outside CI the tests skip when it has not been built.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mrio.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("MRIO_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
TUTORIALS = ["01-dependency", "02-shocks", "03-build", "04-uncertainty", "05-pymrio"]


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the documentation is not built in {SITE}")
        pytest.skip(f"documentation not built in {SITE} (python -m sphinx -W -b html docs docs/_build/html)")
    return SITE


def test_every_page_is_built(site):
    for page in ["index", "getting-started", "methods/index", "methods/regional", "methods/shocks",
                 "data/index", "reference/api", "reference/cli", "reference/scenario", "reference/errors",
                 *(f"tutorials/{t}" for t in TUTORIALS)]:
        assert (site / f"{page}.html").is_file(), page


def test_tutorials_were_executed(site):
    # an executed notebook has output cells, and the first tutorial's figures are embedded images
    for tutorial in TUTORIALS:
        html = (site / "tutorials" / f"{tutorial}.html").read_text()
        assert "cell_output" in html, tutorial
    dependency = (site / "tutorials" / "01-dependency.html").read_text()
    assert len(re.findall(r"<img[^>]+\.png", dependency)) >= 4


def test_api_and_cli_reference_cover_the_public_names(site):
    api = (site / "reference" / "api.html").read_text()
    for name in ("dependency_matrix", "build_mrio", "output_multipliers", "propagate_demand"):
        assert name in api, name
    cli = (site / "reference" / "cli.html").read_text()
    for command in cli_main.commands:
        assert f'id="mrio-{command}"' in cli, command  # one section per subcommand


def test_landing_page_renders_in_headless_chromium(site, screenshot):
    screenshot(site / "index.html", size=(1200, 900), min_bytes=10_000)


def test_tutorial_renders_in_headless_chromium(site, screenshot):
    screenshot(site / "tutorials" / "01-dependency.html", size=(1200, 2000))


def test_formulas_render_offline(site, rendered_dom):
    # MathJax is served from the site itself (sphinx-mathjax-offline), never from a CDN: in a
    # browser without network the methods pages' TeX becomes typeset MathJax output.
    html = (site / "methods" / "leontief.html").read_text()
    scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', html, flags=re.IGNORECASE)
    assert scripts and not any("//" in src for src in scripts), scripts
    assert (site / "methods" / scripts[0]).resolve().is_file()
    dom = rendered_dom(site / "methods" / "leontief.html")
    assert dom.count("<mjx-container") >= 20


def test_data_page_shows_the_validation_scores_of_the_shipped_trade_model(site):
    from mrio.build.tradability import TradeParameters

    html = (site / "data" / "index.html").read_text()
    assert "calibrated class model" in html and "single-decay model" in html
    scores = TradeParameters.shipped_scores().set_index(["truth", "metric"])["value"]
    for key in [("japan", "local supply share MAE"), ("wiod2011", "log trade correlation")]:
        assert f"{scores[key]:.3f}" in html, key
