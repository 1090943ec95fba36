"""Packaging: one import name (mrio), kernels free of pandas/mrio, data found through importlib.resources."""

from __future__ import annotations

import ast
import fnmatch
import json
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata, resources
from pathlib import Path

import mrio.kernels
import pytest

import mrio

ROOT = Path(mrio.__file__).resolve().parent.parent


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True)
    return out.stdout


def test_import_mrio_adds_no_kernels_or_data_top_level_module():
    out = run_python("import sys, json, mrio, mrio.kernels, mrio.data; "
                     "print(json.dumps(sorted(m for m in sys.modules "
                     "if m.split('.')[0] in ('kernels', 'data', 'mrio'))))")
    modules = json.loads(out)
    assert "mrio.kernels" in modules and "mrio.data" in modules
    assert not [m for m in modules if m.split(".")[0] in ("kernels", "data")], modules


def test_mrio_kernels_is_the_kernels_folder():
    assert Path(mrio.kernels.__file__).resolve().parent == ROOT / "kernels"
    assert mrio.kernels.LeontiefFactor.__module__ == "mrio.kernels._leontief"


def kernel_sources():
    folder = Path(mrio.kernels.__file__).resolve().parent
    files = sorted(folder.glob("*.py"))
    assert files, "no kernel sources found"
    return files


@pytest.mark.parametrize("path", kernel_sources(), ids=lambda p: p.name)
def test_kernel_sources_import_neither_pandas_nor_mrio(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.append(node.module or "")
    banned = [name for name in imported if name.split(".")[0] in ("pandas", "mrio", "kernels", "data")]
    assert not banned, f"{path.name} imports {banned}"


def test_bundled_data_through_importlib_resources():
    folder = resources.files("mrio.data") / "nl2000"
    for name in ("metadata.json", "Z.csv", "Y.csv", "V.csv"):
        assert (folder / name).is_file(), name
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert meta["format"] == "mrio" and meta["meta"]["name"] == "nl-2000"
    assert (resources.files("mrio.data") / "README.md").is_file()
    assert len(mrio.load("nl-2000")) == 6


def test_installed_distribution_has_one_top_level_name():
    dist = metadata.distribution("mrio-engine")
    assert dist.read_text("top_level.txt").split() == ["mrio"]
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts["mrio"] == "mrio.cli:main"


def test_pyproject_maps_kernels_and_data_into_mrio():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config["tool"]["setuptools"]
    assert tool["package-dir"]["mrio.kernels"] == "kernels"
    assert tool["package-dir"]["mrio.data"] == "data"
    assert all(p == "mrio" or p.startswith("mrio.") for p in tool["packages"])
    # every bundled file the loaders read is matched by a package-data pattern
    patterns = tool["package-data"]["mrio.data"]
    data = ROOT / "data"
    for path in (data / "nl2000").iterdir():
        rel = path.relative_to(data).as_posix()
        assert any(fnmatch.fnmatch(rel, pattern) for pattern in patterns), rel


@pytest.mark.slow
def test_wheel_contents(tmp_path):
    """Build the wheel (needs the build backend from PyPI) and check what it installs."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, timeout=600)
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"mrio", "mrio_engine-0.1.0.dist-info"}
    for required in ("mrio/kernels/_leontief.py", "mrio/data/nl2000/metadata.json", "mrio/data/nl2000/Z.csv",
                     "mrio/py.typed", "mrio/cli/__init__.py"):
        assert required in names
