"""mrio.kernels: the numeric core of mrio (ndarray in, ndarray out).

Contract: inputs are float64 numpy arrays, already validated by the labelled layer (``mrio``);
kernels never import pandas or ``mrio``, never modify their inputs unless told to, and raise the
errors of :mod:`mrio.kernels._errors` with positions, which ``mrio`` turns into labelled messages.
Dense factorisations use LAPACK through SciPy; loops are numba ``@njit(cache=True)``.

Region-major ordering throughout: index ``r * n + i`` for sector ``i`` of region ``r``.
"""

from ._balancing import BalanceResult, gras, ras
from ._dynamic import (
    ARIO_PARAMETERS,
    EVENT_CAPACITY,
    EVENT_CAPITAL_REBUILD,
    EVENT_CAPITAL_RECOVER,
    RECOVERY_CONVEX,
    RECOVERY_CONVEX_SCALED,
    RECOVERY_LINEAR,
    ario_run,
    diim_resilience,
    diim_run,
    diim_transition,
)
from ._errors import (
    InconsistentAggregatesError,
    InfeasibleError,
    KernelError,
    NotConvergedError,
    NotProductiveError,
    SingularError,
)
from ._extraction import (
    block_extraction,
    extraction_matrix,
    hem_all,
    hem_sets,
    leontief_blocks,
    leontief_diagonal,
)
from ._hierarchy import SuppressedFit, estimate_suppressed, table_aggregates
from ._iterative import (
    block_jacobi_solve,
    block_matvec,
    krylov_solve,
    neumann_iterations_bound,
    neumann_solve,
    nonzero_blocks,
)
from ._leontief import (
    LeontiefFactor,
    allocation_coefficients,
    ghosh_inverse_from_leontief,
    leontief_inverse,
    safe_divide,
    technical_coefficients,
)
from ._linkages import block_diagonal_inverse, block_diagonal_solve, perron_vector
from ._productivity import certify_productive, column_sum_offenders, spectral_radius
from ._regional import (
    aflq,
    charm,
    chenery_moses_flows,
    cilq,
    flq,
    flq_lambda,
    gravity_trade,
    internal_distance,
    slq,
)
from ._solve import METHODS, SolveReport, choose_method, relative_residual, solve_leontief
from ._structured import trade_structure, trade_structured_matvec, trade_structured_solve
from ._spa import MAX_PATHS, PathBudgetExceeded, SPAOutput, structural_paths
from ._trade import balance_products, class_gravity_prior, constrain_totals

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
    "trade_structured_solve",
    "solve_leontief",
    "choose_method",
    "relative_residual",
    "SolveReport",
    "METHODS",
    "ras",
    "gras",
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
    "diim_run",
    "ario_run",
    "ARIO_PARAMETERS",
    "EVENT_CAPITAL_RECOVER",
    "EVENT_CAPITAL_REBUILD",
    "EVENT_CAPACITY",
    "RECOVERY_LINEAR",
    "RECOVERY_CONVEX_SCALED",
    "RECOVERY_CONVEX",
    "block_extraction",
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
]
