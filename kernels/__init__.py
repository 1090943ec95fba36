"""mrio.kernels: the numeric core of mrio (ndarray in, ndarray out).

Contract: inputs are float64 numpy arrays, already validated by the labelled layer (``mrio``);
kernels never import pandas or ``mrio``, never modify their inputs unless told to, and raise the
errors of :mod:`mrio.kernels._errors` with positions, which ``mrio`` turns into labelled messages.
Dense factorisations use LAPACK through SciPy; loops are numba ``@njit(cache=True)``.

Region-major ordering throughout: index ``r * n + i`` for sector ``i`` of region ``r``.
"""

from ._errors import (
    InconsistentAggregatesError,
    InfeasibleError,
    KernelError,
    NotConvergedError,
    NotProductiveError,
    SingularError,
)

#: Public name -> the submodule defining it: imported on first use (``import mrio.kernels`` loads no
#: numba or SciPy module a command does not need; ``mrio --help`` and light commands start faster).
_LAZY = {
    "KernelError": "._errors",
    "NotProductiveError": "._errors",
    "SingularError": "._errors",
    "NotConvergedError": "._errors",
    "InfeasibleError": "._errors",
    "InconsistentAggregatesError": "._errors",
    "LeontiefFactor": "._leontief",
    "leontief_inverse": "._leontief",
    "ghosh_inverse_from_leontief": "._leontief",
    "technical_coefficients": "._leontief",
    "allocation_coefficients": "._leontief",
    "safe_divide": "._leontief",
    "certify_productive": "._productivity",
    "column_sum_offenders": "._productivity",
    "spectral_radius": "._productivity",
    "neumann_solve": "._iterative",
    "neumann_iterations_bound": "._iterative",
    "block_jacobi_solve": "._iterative",
    "block_matvec": "._iterative",
    "nonzero_blocks": "._iterative",
    "krylov_solve": "._iterative",
    "trade_structure": "._structured",
    "trade_structured_matvec": "._structured",
    "trade_structured_rmatvec": "._structured",
    "trade_structured_solve": "._structured",
    "solve_leontief": "._solve",
    "choose_method": "._solve",
    "relative_residual": "._solve",
    "SolveReport": "._solve",
    "METHODS": "._solve",
    "ras": "._balancing",
    "gras": "._balancing",
    "bounded_gras": "._balancing",
    "BalanceResult": "._balancing",
    "slq": "._regional",
    "cilq": "._regional",
    "flq": "._regional",
    "flq_lambda": "._regional",
    "aflq": "._regional",
    "charm": "._regional",
    "gravity_trade": "._regional",
    "class_gravity_prior": "._trade",
    "balance_products": "._trade",
    "constrain_totals": "._trade",
    "internal_distance": "._regional",
    "chenery_moses_flows": "._regional",
    "diim_resilience": "._dynamic",
    "diim_transition": "._dynamic",
    "diim_trajectory": "._dynamic",
    "ario_run": "._dynamic",
    "thread_count": "._dynamic",
    "ARIO_PARAMETERS": "._codes",
    "EVENT_CAPITAL_RECOVER": "._codes",
    "EVENT_CAPITAL_REBUILD": "._codes",
    "EVENT_CAPACITY": "._codes",
    "RECOVERY_LINEAR": "._codes",
    "RECOVERY_CONVEX_SCALED": "._codes",
    "RECOVERY_CONVEX": "._codes",
    "block_extraction": "._extraction",
    "set_extraction": "._extraction",
    "extraction_matrix": "._extraction",
    "hem_all": "._extraction",
    "hem_sets": "._extraction",
    "leontief_blocks": "._extraction",
    "leontief_diagonal": "._extraction",
    "SPAOutput": "._spa",
    "MAX_PATHS": "._codes",
    "PathBudgetExceeded": "._spa",
    "structural_paths": "._spa",
    "block_diagonal_inverse": "._linkages",
    "block_diagonal_solve": "._linkages",
    "perron_vector": "._linkages",
    "SuppressedFit": "._hierarchy",
    "estimate_suppressed": "._hierarchy",
    "table_aggregates": "._hierarchy",
    "ShareFit": "._shares",
    "fit_share_targets": "._shares",
}

__all__ = [
    "KernelError",
    "NotProductiveError",
    "SingularError",
    "NotConvergedError",
    "InfeasibleError",
    "InconsistentAggregatesError",
    "LeontiefFactor",
    "leontief_inverse",
    "ghosh_inverse_from_leontief",
    "technical_coefficients",
    "allocation_coefficients",
    "safe_divide",
    "certify_productive",
    "column_sum_offenders",
    "spectral_radius",
    "neumann_solve",
    "neumann_iterations_bound",
    "block_jacobi_solve",
    "block_matvec",
    "nonzero_blocks",
    "krylov_solve",
    "trade_structure",
    "trade_structured_matvec",
    "trade_structured_rmatvec",
    "trade_structured_solve",
    "solve_leontief",
    "choose_method",
    "relative_residual",
    "SolveReport",
    "METHODS",
    "ras",
    "gras",
    "bounded_gras",
    "BalanceResult",
    "slq",
    "cilq",
    "flq",
    "flq_lambda",
    "aflq",
    "charm",
    "gravity_trade",
    "class_gravity_prior",
    "balance_products",
    "constrain_totals",
    "internal_distance",
    "chenery_moses_flows",
    "diim_resilience",
    "diim_transition",
    "diim_trajectory",
    "ario_run",
    "thread_count",
    "ARIO_PARAMETERS",
    "EVENT_CAPITAL_RECOVER",
    "EVENT_CAPITAL_REBUILD",
    "EVENT_CAPACITY",
    "RECOVERY_LINEAR",
    "RECOVERY_CONVEX_SCALED",
    "RECOVERY_CONVEX",
    "block_extraction",
    "set_extraction",
    "extraction_matrix",
    "hem_all",
    "hem_sets",
    "leontief_blocks",
    "leontief_diagonal",
    "SPAOutput",
    "MAX_PATHS",
    "PathBudgetExceeded",
    "structural_paths",
    "block_diagonal_inverse",
    "block_diagonal_solve",
    "perron_vector",
    "SuppressedFit",
    "estimate_suppressed",
    "table_aggregates",
    "ShareFit",
    "fit_share_targets",
]


def __getattr__(name: str):
    """Import the submodule holding ``name`` on first use (PEP 562); ``_x`` names the submodules."""
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    if name.startswith("_") and not name.startswith("__"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
