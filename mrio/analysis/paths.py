"""Structural path analysis: the supply chains that carry value added, jobs or emissions to final demand.

``f'L y = sum_k f'A^k y`` decomposed into paths ``j -> i_1 -> ... -> i_k`` with value
``f_{i_k} a_{i_k i_{k-1}} ... a_{i_1 j} y_j`` (Defourny & Thorbecke 1984; Lenzen 2003; Peters &
Hertwich 2006), enumerated depth-first with Treloar's (1997) pruning by the subtree total
``m_i u_i`` (``m' = f'L``) and a depth limit, with exact completeness accounting (docs/methods/paths.md).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.analysis.dependency import measure_intensity
from mrio.core import labels as lab
from mrio.core.checks import check_count
from mrio.core.display import result_html
from mrio.core.system import MRIO
from mrio.errors import InputError, UnknownLabelError

__all__ = ["PathResult", "structural_path_analysis"]


@dataclass(frozen=True)
class PathResult:
    """Outcome of :func:`~mrio.structural_path_analysis`.

    Attributes
    ----------
    paths : pandas.DataFrame
        The largest paths by absolute value, ranked from 1: ``value``, ``share`` (of ``total``),
        ``order`` (number of links), ``final_demand`` (industry whose final demand starts the
        path), ``source`` (industry where the measure arises) and ``path`` (all industries from
        final demand upstream, joined by ``" <- "``).
    total : float
        ``f'L y``.
    extracted : float
        Sum of all enumerated path values (not only the listed ones).
    pruned : float
        Totals of subtrees cut by the threshold.
    truncated : float
        Totals beyond ``max_depth`` below expanded nodes.
    coverage : float
        ``extracted / total``, the completeness share.
    visited : int
        Number of paths enumerated.
    measure, unit : str
    threshold : float
        Relative pruning threshold (share of ``total``).
    max_depth : int
    """

    paths: pd.DataFrame
    total: float
    extracted: float
    pruned: float
    truncated: float
    coverage: float
    visited: int
    measure: str
    unit: str
    threshold: float
    max_depth: int
    _repr_html_ = result_html

    @property
    def completeness_residual(self) -> float:
        """``|extracted + pruned + truncated - total|``: zero up to rounding (accounting identity)."""
        return abs(self.extracted + self.pruned + self.truncated - self.total)


def _final_demand_vector(system: MRIO, final_demand: Hashable | pd.Series | None) -> tuple[np.ndarray, str]:
    Y = system.arrays.Y
    if final_demand is None:
        return Y.sum(axis=1), "all final demand"
    if isinstance(final_demand, pd.Series):
        lab.check_same(final_demand.index, system.index, "final_demand index", "the system's industries")
        return lab.check_finite(final_demand, "final_demand"), str(final_demand.name or "given final demand")
    regions = system.Y.columns.get_level_values("region")
    final_demand = lab.resolve(system.final_demand_regions, [final_demand], system.region_aliases)[0]
    if final_demand in system.final_demand_regions:
        return Y[:, np.asarray(regions == final_demand)].sum(axis=1), f"final demand of {final_demand}"
    close = lab.close_matches(final_demand, system.final_demand_regions, system.region_aliases)
    raise UnknownLabelError(
        f"unknown final-demand destination {final_demand!r}"
        + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else "") + "; known: "
        f"{lab._show(system.final_demand_regions, limit=8)} (or pass a Series indexed like the system)")


def structural_path_analysis(system: MRIO, measure: str = "value-added",
                             final_demand: Hashable | pd.Series | None = None, threshold: float = 1e-4,
                             max_depth: int = 6, top: int = 100,
                             max_paths: int = kernels.MAX_PATHS) -> PathResult:
    """Largest supply-chain paths from final demand to a measure, with completeness accounting.

    Parameters
    ----------
    system : MRIO
    measure : str, default "value-added"
        ``"value-added"``, ``"output"``, ``"jobs"`` or a stressor (see
        :func:`mrio.analysis.dependency.measure_intensity`).
    final_demand : label or pandas.Series, optional
        ``None``: total final demand ``Y i``; a destination region (e.g. ``"RoW"``): its final
        demand; or a vector indexed like the system.
    threshold : float, default 1e-4
        Prune subtrees whose total is below ``threshold * |total|`` (Treloar 1997).
    max_depth : int, default 6
        Highest path order.
    top : int, default 100
        Number of paths listed.
    max_paths : int, default 50,000,000
        Budget of enumerated paths (about a second per 10 million): a small threshold on a large
        system (``threshold=0`` enumerates every path up to ``max_depth``) stops with an
        :class:`~mrio.errors.InputError` instead of running for hours; Ctrl-C interrupts the
        enumeration.

    Returns
    -------
    PathResult
        ``extracted + pruned + truncated = total`` exactly (up to rounding).

    Raises
    ------
    InputError
        For a threshold outside [0, 1), negative depth or ``top < 1``.
    UnknownLabelError
        For an unknown measure or destination.
    """
    if not 0.0 <= threshold < 1.0:
        raise InputError(f"threshold is a share of the total and must be in [0, 1), got {threshold}")
    if max_depth < 0:
        raise InputError(f"max_depth must be >= 0, got {max_depth}")
    if top < 1:
        raise InputError(f"top must be >= 1, got {top}")
    m = measure_intensity(system, measure)
    y, _ = _final_demand_vector(system, final_demand)
    total_intensity = system.leontief_row_product(m.intensity)
    total = float(total_intensity @ y)
    max_paths = check_count(max_paths, "max_paths")
    try:
        out = kernels.structural_paths(system.arrays.A, m.intensity, total_intensity, y,
                                       threshold * abs(total), int(max_depth), top=int(top), max_paths=max_paths)
    except kernels.PathBudgetExceeded as exc:
        raise InputError(f"structural path analysis stopped after {exc.visited:,} paths, more than max_paths = "
                         f"{max_paths:,}, with threshold {threshold:g} and max_depth {max_depth}: raise the "
                         "threshold (e.g. 1e-4), lower max_depth, or raise max_paths") from None
    labels = [f"{r}/{s}" for r, s in system.index]
    rows = []
    for value, path, order in zip(out.values, out.paths, out.orders, strict=True):
        nodes = [labels[p] for p in path[: order + 1]]
        rows.append((value, value / total if total else np.nan, int(order), system.index[path[0]],
                     system.index[path[order]], " <- ".join(nodes)))
    paths = pd.DataFrame(rows, columns=["value", "share", "order", "final_demand", "source", "path"])
    paths.index = pd.RangeIndex(1, len(paths) + 1, name="rank")
    paths.attrs.update(unit=m.unit, measure=m.name)
    coverage = out.extracted / total if total else np.nan
    return PathResult(paths, total, out.extracted, out.pruned, out.truncated, coverage, out.visited,
                      m.name, m.unit, float(threshold), int(max_depth))
