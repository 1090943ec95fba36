"""Checks shared by the trade kernels: one product's supply and demand margins."""

from __future__ import annotations

import numpy as np

from ._errors import InfeasibleError

__all__ = ["check_product_margins"]


def check_product_margins(i, origin, destination):
    """Raise :class:`InfeasibleError` unless product ``i``'s margins are non-negative with equal totals.

    Parameters
    ----------
    i : int
        Position of the product (reported in ``.rows``).
    origin, destination : ndarray (R,)
        Supply ``O_i`` and demand ``D_i`` by region; totals must agree to 1e-9 relative.
    """
    O, D = origin, destination
    if (O < 0).any() or (D < 0).any():
        where = np.flatnonzero((O < 0) | (D < 0))
        raise InfeasibleError(
            f"product {i}: negative supply (min {O.min():.6g}) or demand (min {D.min():.6g}) for "
            "interregional trade; trade margins must be non-negative", rows=[i], columns=where)
    scale = max(O.sum(), D.sum())
    if abs(O.sum() - D.sum()) > 1e-9 * max(scale, 1e-300):
        raise InfeasibleError(
            f"product {i}: regional supply sums to {O.sum():.12g} but regional demand to "
            f"{D.sum():.12g}; no trade matrix can meet both", rows=[i])
