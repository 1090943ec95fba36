"""Bundled datasets: a registry of names, provenance and loaders.

Each dataset is the project's own derivation from public tables, made by a script in ``data/``
(installed as :mod:`mrio.data`), with source and licence in ``data/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd

from ._system import MRIO
from .errors import UnknownLabelError

__all__ = ["Dataset", "register", "datasets", "load", "DEFAULT_DATASET"]


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: name, provenance and how to load it."""

    name: str
    description: str
    year: int
    source: str
    licence: str
    loader: Callable[[], MRIO] = field(repr=False, compare=False)
    assumptions: str = ""


_REGISTRY: dict[str, Dataset] = {}
_CACHE: dict[str, MRIO] = {}

#: The dataset the README's main command and the CLI use by default.
DEFAULT_DATASET = "nl-2000"


def register(dataset: Dataset) -> Dataset:
    """Add a dataset to the registry (names are unique)."""
    _REGISTRY[dataset.name] = dataset
    return dataset


def _folder_loader(folder: str) -> Callable[[], MRIO]:
    def load_folder() -> MRIO:
        from .io import read

        with resources.as_file(resources.files("mrio.data") / folder) as path:
            return read(path)

    return load_folder


register(Dataset(
    name="nl-2000",
    description="Netherlands 2000, 6 industry groups, domestic use table at basic prices (million EUR)",
    year=2000,
    source="D'Hernoncourt, Cordier & Hadley (2011), SPICOSA report, Table 1 (from CBS/Eurostat); "
           "built by data/build_nl2000.py",
    licence="published figures reproduced for research (see data/README.md)",
    loader=_folder_loader("nl2000"),
    assumptions="single region 'NL'; exports to a 'RoW' destination; imports and net product "
                "taxes are primary inputs, not value added",
))


def datasets() -> pd.DataFrame:
    """The bundled datasets: name, description, year, source, licence, assumptions."""
    rows = [{"name": d.name, "description": d.description, "year": d.year, "source": d.source,
             "licence": d.licence, "assumptions": d.assumptions} for d in _REGISTRY.values()]
    return pd.DataFrame(rows).set_index("name")


def load(name: str = DEFAULT_DATASET) -> MRIO:
    """Load a bundled dataset by name (cached per process).

    Raises
    ------
    UnknownLabelError
        If no dataset has that name.
    """
    if name not in _REGISTRY:
        raise UnknownLabelError(f"no bundled dataset {name!r}; available: {', '.join(_REGISTRY)}")
    if name not in _CACHE:
        _CACHE[name] = _REGISTRY[name].loader()
    return _CACHE[name]
