"""Codes and limits of the compiled kernels (ARIO, structural paths), importable without numba.

The labelled layer maps scenario words to these codes at import time; keeping them here lets it
do so without loading the compiled kernels.
"""

from __future__ import annotations

#: Event kinds understood by :func:`ario_run`.
EVENT_CAPITAL_RECOVER, EVENT_CAPITAL_REBUILD, EVENT_CAPACITY = 0, 1, 2
#: Recovery functions (BoARIO ``utils/recovery_functions.py``): linear, convex scaled, convex.
RECOVERY_LINEAR, RECOVERY_CONVEX_SCALED, RECOVERY_CONVEX = 0, 1, 2
#: Order of the scalar parameters in the ``params`` array of :func:`ario_run`.
ARIO_PARAMETERS = ("alpha_base", "alpha_max", "alpha_tau", "psi", "order_alt",
                   "damage_decimals", "capacity_decimals", "capacity_lag")
#: Default cap on the paths :func:`structural_paths` enumerates before it stops with an error.
MAX_PATHS = 50_000_000
