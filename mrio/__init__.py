"""mrio: multi-regional input-output analysis.

Build regional tables consistent with the national table, compute with a fast numeric core
(:mod:`mrio.kernels`), and report interregional dependency and shock propagation.

Layers (each imports only those below it; ``lint-imports`` checks this)::

    mrio.cli        the command line
    mrio.report     HTML report, plots, benchmark comparisons
    mrio.ensemble   analyses over draws of the regional build (uncertainty bands)
    mrio.shocks     demand, supply, mixed, IIM/DIIM, ARIO, scenarios
    mrio.analysis   multipliers, footprints, dependency, extraction, linkages, paths, indices
    mrio.build      national tables, regionalisation, balancing, concordances, datasets
    mrio.core       the MRIO system, labels, reading and writing, pymrio interop
    mrio.kernels    arrays in, arrays out (numba, LAPACK); mrio.errors is shared by all

Public API
----------
MRIO                    the validated, immutable system (``from_flows``, ``from_coefficients``...)
read, write             folders of Parquet/CSV tables with JSON metadata
load, datasets          bundled datasets
write_table             atomic result writer (.csv, .parquet, .xlsx)
multipliers             output, value-added, income, extension and type II multipliers
footprints              consumption- and production-based accounts
MRIOError, MRIOWarning  the base of the exception and warning hierarchy (:mod:`mrio.errors`)

Names are imported on first use, so ``import mrio`` stays light.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

from mrio import errors
from mrio._version import __version__  # noqa: F401  (mrio.__version__)
from mrio.errors import MRIOError, MRIOWarning

#: Public name -> the module that defines it (imported on first access, PEP 562).
_LAZY = {
    "MRIO": "mrio.core.system",
    "SolveResult": "mrio.core.system",
    "read": "mrio.core.io",
    "write": "mrio.core.io",
    "write_table": "mrio.core.io",
    "load": "mrio.build.datasets",
    "datasets": "mrio.build.datasets",
    "ras": "mrio.build.balancing",
    "gras": "mrio.build.balancing",
    "build_mrio": "mrio.build.regional",
    "TradeParameters": "mrio.build.tradability",
    "validate": "mrio.build.validation",
    "NationalTable": "mrio.build.national",
    "national_consistency": "mrio.build.regional",
    "regroup": "mrio.build.concordances",
    "multipliers": "mrio.analysis.multipliers",
    "output_multipliers": "mrio.analysis.multipliers",
    "value_added_multipliers": "mrio.analysis.multipliers",
    "income_multipliers": "mrio.analysis.multipliers",
    "extension_multipliers": "mrio.analysis.multipliers",
    "type_ii_multipliers": "mrio.analysis.multipliers",
    "interregional_output_multipliers": "mrio.analysis.multipliers",
    "footprints": "mrio.analysis.footprints",
    "FootprintAccounts": "mrio.analysis.footprints",
    "build_report": "mrio.report.html",
    "write_report": "mrio.report.html",
    "dependency_matrix": "mrio.analysis.dependency",
    "dependency_split": "mrio.analysis.dependency",
    "commuting_flows": "mrio.analysis.dependency",
    "residents_dependency": "mrio.analysis.dependency",
    "spillover_feedback": "mrio.analysis.dependency",
    "pyatt_round": "mrio.analysis.dependency",
    "extract": "mrio.analysis.extraction",
    "extract_block": "mrio.analysis.extraction",
    "extract_kinds": "mrio.analysis.extraction",
    "extraction_table": "mrio.analysis.extraction",
    "rasmussen_hirschman": "mrio.analysis.linkages",
    "eigenvector_linkages": "mrio.analysis.linkages",
    "key_sectors": "mrio.analysis.linkages",
    "structural_path_analysis": "mrio.analysis.paths",
    "specialisation_and_exposure": "mrio.analysis.structure",
    "kww_decomposition": "mrio.analysis.trade",
    "value_added_in_trade": "mrio.analysis.trade",
    "vax_ratio": "mrio.analysis.trade",
}
#: Sub-modules reachable as attributes (``mrio.shocks``, ``mrio.dependency``...).
_MODULES = [
    "core", "build", "analysis", "shocks", "ensemble", "report",
    "ario", "balancing", "bench", "concordances", "dependency", "extraction", "io", "linkages", "paths", "plot",
    "regional", "scenario", "structure", "testing", "trade",
]

__all__ = [
    "MRIO", "SolveResult", "read", "write", "write_table", "load", "datasets", "errors", "ras", "gras",
    "build_mrio", "TradeParameters", "validate", "NationalTable", "national_consistency", "regroup", "balancing", "regional",
    "concordances", "multipliers", "output_multipliers", "value_added_multipliers",
    "income_multipliers", "extension_multipliers", "type_ii_multipliers",
    "interregional_output_multipliers", "footprints", "FootprintAccounts", "build_report",
    "write_report", "shocks", "ario", "scenario", "dependency", "extraction", "linkages", "paths",
    "structure", "trade", "dependency_matrix", "dependency_split", "commuting_flows", "residents_dependency", "spillover_feedback", "pyatt_round", "extract",
    "extract_block", "extract_kinds", "extraction_table", "rasmussen_hirschman", "eigenvector_linkages", "key_sectors",
    "structural_path_analysis", "specialisation_and_exposure", "kww_decomposition",
    "value_added_in_trade", "vax_ratio", "MRIOError", "MRIOWarning",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(f"mrio.{name}")
    else:
        raise AttributeError(f"module 'mrio' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(types.ModuleType):
    """``mrio`` itself: the functions ``mrio.footprints`` and ``mrio.multipliers`` keep their names.

    ``import mrio.footprints`` (the former module path, an alias of :mod:`mrio.analysis.footprints`)
    makes Python bind the submodule on the package; the function of the same name wins, as it did
    before the layered layout.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("footprints", "multipliers") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)

    def __reduce__(self):
        """Pickle by reference, like a plain module.

        cloudpickle sends functions that use ``mrio`` to Dask workers by value; the package itself
        must then travel as a reference.
        """
        return importlib.import_module, (self.__name__,)


sys.modules[__name__].__class__ = _Package
