"""The layered package: public names and former module paths keep working, layers import downward."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import mrio

PACKAGE = Path(mrio.__file__).resolve().parent
#: Former flat module paths and the module they now are.
ALIASES = {
    "regional": "mrio.build.regional", "balancing": "mrio.build.balancing",
    "concordances": "mrio.build.concordances", "io": "mrio.core.io", "testing": "mrio.core.testing",
    "dependency": "mrio.analysis.dependency", "extraction": "mrio.analysis.extraction",
    "linkages": "mrio.analysis.linkages", "paths": "mrio.analysis.paths", "structure": "mrio.analysis.structure",
    "trade": "mrio.analysis.trade", "multipliers": "mrio.analysis.multipliers",
    "footprints": "mrio.analysis.footprints", "ario": "mrio.shocks.ario", "scenario": "mrio.shocks.scenario",
    "plot": "mrio.report.plot", "bench": "mrio.report.bench",
}


@pytest.mark.parametrize("name", sorted(set(mrio.__all__)))
def test_every_public_name_resolves(name):
    assert getattr(mrio, name) is not None


def test_error_base_classes_are_public():
    assert mrio.MRIOError is mrio.errors.MRIOError
    assert issubclass(mrio.MRIOWarning, Warning)


@pytest.mark.parametrize("old, new", sorted(ALIASES.items()))
def test_former_module_paths_are_the_new_modules(old, new, monkeypatch):
    # importing mrio.<old> binds the module as attribute <old> of mrio; where that is also a public function
    # (mrio.footprints) the binding would leak into later tests, so the namespace is restored afterwards
    monkeypatch.setitem(vars(mrio), old, vars(mrio).get(old))
    assert importlib.import_module(f"mrio.{old}") is importlib.import_module(new)


@pytest.mark.parametrize("name", ["footprints", "multipliers"])
def test_functions_keep_their_name_after_the_module_alias_is_imported(name):
    """``mrio.footprints`` is the function even after ``import mrio.footprints`` (the former module)."""
    module = importlib.import_module(f"mrio.{name}")
    assert callable(getattr(mrio, name)) and not isinstance(getattr(mrio, name), type(module))
    assert getattr(mrio, name) is getattr(module, name)


def test_shocks_and_report_keep_their_former_names():
    assert mrio.shocks.propagate_demand is importlib.import_module("mrio.shocks.models").propagate_demand
    assert mrio.report.build_report is importlib.import_module("mrio.report.html").build_report


def test_import_mrio_is_light():
    """``import mrio`` loads no layer until a name is used (names are resolved on first access)."""
    out = subprocess.run([sys.executable, "-c", "import sys, mrio; print(sorted(m for m in sys.modules "
                          "if m.startswith('mrio.') or m in ('pandas', 'scipy', 'numba')))"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    assert out.strip() == "['mrio._version', 'mrio.errors']"


def test_import_contracts_hold():
    """import-linter's contracts (pyproject.toml): layers import only downward, no cycles, kernels pure."""
    linter = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(linter)], capture_output=True, text=True, timeout=300, cwd=PACKAGE.parent)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout
