"""Fixtures: textbook systems and a seeded generator of productive MRIO systems."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import mrio
from mrio.testing import random_mrio as random_system


@pytest.fixture
def random_mrio() -> mrio.MRIO:
    """A 3-region, 4-sector random productive system with extensions."""
    return random_system()


@pytest.fixture(scope="session")
def miller_blair(shared_data) -> dict:
    """Miller & Blair (2009) ch. 2 two-sector example and the 7.4.2 RAS example."""
    return json.loads((shared_data / "known_answers" / "miller_blair_examples.json").read_text())


@pytest.fixture(scope="session")
def miller_blair_system(miller_blair) -> mrio.MRIO:
    ex = miller_blair["miller_blair_ch2_two_sector"]
    idx = pd.MultiIndex.from_product([["r"], ["s1", "s2"]], names=["region", "sector"])
    Z = pd.DataFrame(ex["Z"], index=idx, columns=idx)
    Y = pd.DataFrame({("r", "final"): ex["f"]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    V = pd.DataFrame([ex["value_added"]], index=pd.Index(["value_added"], name="component"), columns=idx)
    return mrio.MRIO.from_flows(Z, Y, V=V, x=pd.Series(ex["x"], index=idx))


# ------------------------------------------------------------------------------ headless browser
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if found:
            return found
    return None


@pytest.fixture
def screenshot(tmp_path):
    """Render a local HTML file in headless Chromium and return the screenshot as a PIL image.

    Skips without a browser, except in CI (CI=true), where it fails. The returned callable takes
    the page's path and the window size and checks that a real PNG of that size was written and
    that it is not a blank page (more than 50 colours on a coarse grid).
    """
    browser = _browser()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium is installed")
        pytest.skip("no chromium installed")

    def shoot(page: Path, size: tuple[int, int] = (1200, 2000), min_bytes: int = 20_000):
        from PIL import Image

        shot = tmp_path / f"{Path(page).stem}.png"
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
               f"--window-size={size[0]},{size[1]}", Path(page).resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        data = shot.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > min_bytes
        image = Image.open(shot)
        image.load()
        assert image.size == size
        colours = image.convert("RGB").resize((60, 100)).getcolors(maxcolors=6000)
        assert colours is None or len(colours) > 50  # a rendered page, not a blank screen
        return image

    return shoot


@pytest.fixture
def rendered_dom(tmp_path):
    """Load a local HTML file in headless Chromium, run its scripts, and return the resulting DOM.

    The browser gets no network (every request goes to a closed port on the loopback address),
    so whatever the page needs must come from the files next to it. Skips without a browser,
    except in CI (CI=true), where it fails.
    """
    browser = _browser()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no chromium is installed")
        pytest.skip("no chromium installed")

    def load(page: Path, budget_ms: int = 10_000) -> str:
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               f"--user-data-dir={tmp_path / 'profile'}", f"--virtual-time-budget={budget_ms}",
               "--dump-dom", Path(page).resolve().as_uri()]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return load
