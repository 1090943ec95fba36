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
from . import balancing, concordances, regional
from .balancing import gras, ras
from .concordances import regroup
from .regional import NationalTable, build_mrio, national_consistency
from ._system import MRIO, SolveResult
from .footprints import FootprintAccounts, footprints
from .io import read, write, write_table
from . import ario, scenario, shocks
from .report import build_report, write_report
from . import dependency, extraction, linkages, paths, structure, trade
from .dependency import dependency_matrix, pyatt_round, spillover_feedback
from .extraction import extract, extract_block, extraction_table
from .linkages import eigenvector_linkages, key_sectors, rasmussen_hirschman
from .paths import structural_path_analysis
from .structure import specialisation_and_exposure
from .trade import kww_decomposition, value_added_in_trade, vax_ratio
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
    "ras",
    "gras",
    "build_mrio",
    "NationalTable",
    "national_consistency",
    "regroup",
    "balancing",
    "regional",
    "concordances",
    "multipliers",
    "output_multipliers",
    "value_added_multipliers",
    "income_multipliers",
    "extension_multipliers",
    "type_ii_multipliers",
    "interregional_output_multipliers",
    "footprints",
    "FootprintAccounts",
    "build_report",
    "write_report",
    "shocks",
    "ario",
    "scenario",
    "dependency",
    "extraction",
    "linkages",
    "paths",
    "structure",
    "trade",
    "dependency_matrix",
    "spillover_feedback",
    "pyatt_round",
    "extract",
    "extract_block",
    "extraction_table",
    "rasmussen_hirschman",
    "eigenvector_linkages",
    "key_sectors",
    "structural_path_analysis",
    "specialisation_and_exposure",
    "kww_decomposition",
    "value_added_in_trade",
    "vax_ratio",
]
