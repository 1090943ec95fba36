"""Root pytest configuration: --run-slow, and locating ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests explore new random examples on developer machines; in CI (CI=true) they replay a
# fixed sequence so that a landing never depends on the luck of the draw.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

SHARED_DATA = Path(os.environ.get("MRIO_SHARED_DATA", Path(__file__).resolve().parent.parent / "shared" / "data"))


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="run tests and benchmarks marked slow (large problem sizes)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="large size: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests skip without it, except in CI (CI=true), where they fail."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data folder {SHARED_DATA} is missing in CI")
        pytest.skip(f"shared data folder {SHARED_DATA} not present")
    return SHARED_DATA
