"""mrio: multi-regional input-output analysis.

Build regional tables consistent with the national table, compute with a fast numeric core
(:mod:`mrio.kernels`), and report interregional dependency and shock propagation.

Public API
----------
MRIO                    the validated, immutable system (``from_flows``, ``from_coefficients``...)
read, write             folders of Parquet/CSV tables with JSON metadata
load, datasets          bundled datasets
write_table             atomic result writer (.csv, .parquet, .xlsx)
multipliers             output, value-added, income, extension and type II multipliers
footprints              consumption- and production-based accounts
errors                  the exception hierarchy (``MRIOError`` and subclasses)
"""

from . import errors
from ._datasets import datasets, load
from ._system import MRIO, SolveResult
from .footprints import FootprintAccounts, footprints
from .io import read, write, write_table
from .multipliers import (
    extension_multipliers,
    income_multipliers,
    interregional_output_multipliers,
    multipliers,
    output_multipliers,
    type_ii_multipliers,
    value_added_multipliers,
)

__version__ = "0.1.0"

__all__ = [
    "MRIO",
    "SolveResult",
    "read",
    "write",
    "write_table",
    "load",
    "datasets",
    "errors",
    "multipliers",
    "output_multipliers",
    "value_added_multipliers",
    "income_multipliers",
    "extension_multipliers",
    "type_ii_multipliers",
    "interregional_output_multipliers",
    "footprints",
    "FootprintAccounts",
]
