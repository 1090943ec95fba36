"""Bundled datasets: a registry of names, provenance and loaders.

Each dataset is the project's own derivation from public tables, made by a script in ``data/``
(installed as :mod:`mrio.data`), with source and licence in ``data/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

import pandas as pd

from mrio.core.system import MRIO
from mrio.errors import UnknownLabelError

__all__ = ["Dataset", "register", "datasets", "load", "DEFAULT_DATASET"]


@dataclass(frozen=True)
class Dataset:
    """A bundled dataset: name, provenance and how to load it."""

    name: str
    description: str
    year: int
    source: str
    licence: str
    loader: Callable[..., MRIO] = field(repr=False, compare=False)
    assumptions: str = ""
    #: Years the loader can build (it then takes ``year=``); empty: only :attr:`year`.
    years: tuple[int, ...] = ()


_REGISTRY: dict[str, Dataset] = {}
_CACHE: dict[tuple[str, int], MRIO] = {}

#: The dataset the README's main command and the CLI use by default.
DEFAULT_DATASET = "nl-corop"


def register(dataset: Dataset) -> Dataset:
    """Add a dataset to the registry (names are unique)."""
    _REGISTRY[dataset.name] = dataset
    return dataset


def _folder_loader(folder: str) -> Callable[[], MRIO]:
    def load_folder() -> MRIO:
        from mrio.core.io import read

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


def _nl_loader(name: str) -> Callable[..., MRIO]:
    def load_nl(year: int | None = None) -> MRIO:
        from mrio.build.nl import load_nl as build

        return build(name, year)

    return load_nl


_NL_SOURCE = ("Statistics Netherlands (CBS), Input-output tables 2015-2021 (default 2018, any year 2015-2021 "
              "with year=, current prices); CBS regional accounts 84419NED, turnover 83796NED, persons employed "
              "85924NED, population 03759ned, household income 85342NED, commuting 81252NED, airports 37478hvv; "
              "EU ETS installations (EUTL) with NACE classes; Eurostat nama_10r_3gva (2018) and nama_10r_3empers; "
              "COROP geometry CBS/Kadaster; derived by data/build_nl_corop.py and data/build_nl_regional.py "
              "into data/nl_corop")
_NL_YEARS = tuple(range(2015, 2022))
_NL_LICENCE = ("CC BY 4.0 (CBS); EU ETS CC BY 4.0, NACE keys MIT; Eurostat reuse policy (CC BY 4.0 compatible); "
               "see data/README.md")
_NL_ASSUMPTIONS = ("regional output of every industry placed top-down: CBS 84419NED COROP output of A, B, C, D+E "
                   "and the total (the input-output tables' revision), CBS turnover shares of 35 groups "
                   "(confidential cells estimated within their feasible ranges), Eurostat A*10 GVA shares for "
                   "the other service groups, ETS emissions (refining, chemicals, building materials, basic "
                   "metals) and airport traffic inside coarse groups; extra-regio (the continental shelf) as a "
                   "region; national technology in every region; trade by a gravity model with five tradability classes "
                   "(nontraded, local, services, bulk, goods) fitted on survey truths (issue 11), balanced exactly per product "
                   "(Chenery-Moses); household consumption by "
                   "residents' disposable income, individual government and NPISH by population, collective "
                   "government by public administration output, investment by output, exports and inventory "
                   "changes with the producing region; employment = CBS persons employed by COROP split by "
                   "placed output and national productivity; summing over regions reproduces the CBS table "
                   "exactly; uncertain choices in mrio.build.nl_placement.NLAssumptions (meta['nl_assumptions'])")

register(Dataset(
    name="nl-corop",
    description="Netherlands 2018, 40 COROP regions and extra-regio x 81 CBS industries, consistent with the national "
                "input-output table (million EUR, basic prices), employment extension",
    year=2018, source=_NL_SOURCE, licence=_NL_LICENCE, loader=_nl_loader("nl-corop"),
    assumptions=_NL_ASSUMPTIONS, years=_NL_YEARS,
))
register(Dataset(
    name="nl-provinces",
    description="Netherlands 2018, 12 provinces and extra-regio x 81 CBS industries: nl-corop regrouped exactly "
                "by province",
    year=2018, source=_NL_SOURCE, licence=_NL_LICENCE, loader=_nl_loader("nl-provinces"),
    assumptions=_NL_ASSUMPTIONS + "; provinces = sums of their COROP regions", years=_NL_YEARS,
))


def datasets() -> pd.DataFrame:
    """Return the bundled datasets.

    Name, description, year (the default), years (available), source, licence, assumptions.
    """
    rows = [{"name": d.name, "description": d.description, "year": d.year,
             "years": ", ".join(map(str, d.years or (d.year,))), "source": d.source,
             "licence": d.licence, "assumptions": d.assumptions} for d in _REGISTRY.values()]
    return pd.DataFrame(rows).set_index("name")


def load(name: str = DEFAULT_DATASET, year: int | None = None) -> MRIO:
    """Load a bundled dataset by name (cached per process and year).

    Parameters
    ----------
    name : str
        See :func:`datasets`.
    year : int, optional
        The table's year; default the dataset's year (``mrio datasets``). ``nl-corop`` and
        ``nl-provinces`` take any CBS year 2015-2021 (the national table of that year with the
        2018 regional shares; ``meta["regional_years"]`` says which regional years were used).

    Raises
    ------
    UnknownLabelError
        If no dataset has that name, or it is not available for ``year``.
    """
    if name not in _REGISTRY:
        raise UnknownLabelError(f"no bundled dataset {name!r}; available: {', '.join(_REGISTRY)}")
    dataset = _REGISTRY[name]
    chosen = dataset.year if year is None else year
    available = dataset.years or (dataset.year,)
    if isinstance(chosen, bool) or not isinstance(chosen, int) or chosen not in available:
        raise UnknownLabelError(f"dataset {name!r} is not available for year {year!r}; years: "
                                f"{', '.join(map(str, available))}")
    key = (name, chosen)
    if key not in _CACHE:
        _CACHE[key] = dataset.loader(year=chosen) if dataset.years else dataset.loader()
    return _CACHE[key]
