"""Linkages and key sectors: Rasmussen-Hirschman and Dietzenbacher eigenvector linkages.

* Rasmussen-Hirschman (Rasmussen 1956; Hirschman 1958; Miller & Blair 2009, sec. 12.1):
  backward ``U_j = N (i'L)_j / (i'L i)``; forward from the Ghosh inverse ``N (G i)_i / (i'G i)``
  (supply-side reading, Miller & Blair sec. 12.1.3) or, on request, from the rows of L
  ``N (L i)_i / (i'L i)``. Dispersion: coefficient of variation of each column (row) of L (G).
* Dietzenbacher (1992): backward linkages proportional to the left Perron eigenvector of A
  (``p'A = rho p'``), forward to the right Perron eigenvector of B (``B q = rho q``), normalised
  to mean one; ``rho`` is shared (docs/methods/linkages.md).
* Key sectors: both indices above one; backward-oriented, forward-oriented, or weak otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.core.kernel_errors import kernel_errors
from mrio.core.system import MRIO
from mrio.errors import InputError

__all__ = ["rasmussen_hirschman", "eigenvector_linkages", "key_sectors", "linkages", "classify"]


def classify(backward: pd.Series, forward: pd.Series) -> pd.Series:
    """Key-sector classes from two normalised indices (mean one).

    Returns
    -------
    pandas.Series of categorical labels ``key`` (both > 1), ``backward`` (only backward > 1),
    ``forward`` (only forward > 1), ``weak`` (neither).
    """
    b, f = backward.to_numpy() > 1.0, forward.to_numpy() > 1.0
    labels = np.where(b & f, "key", np.where(b, "backward", np.where(f, "forward", "weak")))
    return pd.Series(pd.Categorical(labels, categories=["key", "backward", "forward", "weak"]),
                     index=backward.index, name="class")


def rasmussen_hirschman(system: MRIO, forward: str = "ghosh", dispersion: bool = True) -> pd.DataFrame:
    """Rasmussen-Hirschman power (backward) and sensitivity (forward) indices.

    Parameters
    ----------
    system : MRIO
    forward : {"ghosh", "leontief"}
        Forward index from row sums of the Ghosh inverse ``G = x^-1 L x`` (default) or of L.
    dispersion : bool, default True
        Add the coefficients of variation ``V_j = sd(l_.j) / mean(l_.j)`` (backward) and of the
        rows (forward); needs every entry of L, which is then formed once (cached).

    Returns
    -------
    pandas.DataFrame indexed by (region, sector)
        ``backward``, ``forward`` (both mean one), ``class``
        (:func:`~mrio.analysis.linkages.classify`), and with ``dispersion`` ``backward_cv``,
        ``forward_cv``.

    Notes
    -----
    Column sums ``i'L`` are one transposed solve; ``G i = x^-1 L x`` one solve; ``L i`` one
    solve -- L is not formed unless ``dispersion``. Inactive industries get NaN.
    """
    if forward not in ("ghosh", "leontief"):
        raise InputError(f"forward must be 'ghosh' or 'leontief', got {forward!r}")
    N = len(system)
    x = system.arrays.x
    active = x > 0
    with kernel_errors(system.index):
        col = system.leontief_row_product(np.ones(N))
        if forward == "ghosh":
            row = kernels.safe_divide(system.leontief_product(x), x)
        else:
            row = system.leontief_product(np.ones(N))
    col = np.where(active, col, np.nan)
    row = np.where(active, row, np.nan)
    frame = pd.DataFrame({"backward": col / np.nanmean(col), "forward": row / np.nanmean(row)},
                         index=system.index)
    frame["class"] = classify(frame["backward"], frame["forward"])
    if dispersion:
        L = system.L.to_numpy()
        M = system.G.to_numpy() if forward == "ghosh" else L
        if N > 1:
            with np.errstate(invalid="ignore", divide="ignore"):
                frame["backward_cv"] = np.where(active, L.std(axis=0, ddof=1) / L.mean(axis=0), np.nan)
                frame["forward_cv"] = np.where(active, M.std(axis=1, ddof=1) / M.mean(axis=1), np.nan)
        else:  # one industry: no dispersion
            frame["backward_cv"] = frame["forward_cv"] = np.nan
    frame.attrs.update(unit="1", method=f"Rasmussen-Hirschman (forward: {forward})")
    return frame


def eigenvector_linkages(system: MRIO, tol: float = 1e-12, max_iter: int = 100_000) -> pd.DataFrame:
    """Dietzenbacher's (1992) eigenvector linkages.

    Parameters
    ----------
    system : MRIO
    tol : float
        Power iteration stops at ``||p_k - p_{k-1}||_1 < tol`` (vectors summing to one).
    max_iter : int

    Returns
    -------
    pandas.DataFrame indexed by (region, sector)
        ``backward`` (left Perron vector of A), ``forward`` (right Perron vector of B), both
        normalised to mean one, and ``class``; ``.attrs["spectral_radius"]`` holds ``rho(A)``.

    Raises
    ------
    ConvergenceError
        When the power iteration does not converge (reducible A with a cyclic structure).

    Notes
    -----
    ``B = x^-1 A x`` so the right Perron vector of B is ``x^-1 r`` with ``A r = rho r``; both
    eigenvectors come from power iterations on A (docs/methods/linkages.md).
    """
    A, x = system.arrays.A, system.arrays.x
    N = len(system)
    with kernel_errors(system.index):
        p, rho, it_left = kernels.perron_vector(A, left=True, tol=tol, max_iter=max_iter)
        r, _, it_right = kernels.perron_vector(A, left=False, tol=tol, max_iter=max_iter)
    q = kernels.safe_divide(r, x)
    frame = pd.DataFrame({"backward": p * N / p.sum(), "forward": q * N / q.sum() if q.sum() > 0 else q},
                         index=system.index)
    frame["class"] = classify(frame["backward"], frame["forward"])
    frame.attrs.update(unit="1", spectral_radius=rho, iterations=(it_left, it_right),
                       method="Dietzenbacher (1992) eigenvector")
    return frame


def key_sectors(system: MRIO, method: str = "rasmussen-hirschman") -> pd.DataFrame:
    """Key-sector table: indices and class by one method, strongest first.

    Parameters
    ----------
    method : {"rasmussen-hirschman", "eigenvector"}
    """
    frame = linkages(system, method)
    order = (frame["backward"] + frame["forward"]).sort_values(ascending=False, kind="stable").index
    return frame.loc[order]


def linkages(system: MRIO, method: str = "rasmussen-hirschman") -> pd.DataFrame:
    """Return linkage indices by name.

    ``"rasmussen-hirschman"`` (Ghosh forward), ``"rasmussen-hirschman-leontief"`` (Leontief
    forward) or ``"eigenvector"``.
    """
    if method == "rasmussen-hirschman":
        return rasmussen_hirschman(system, forward="ghosh", dispersion=False)
    if method == "rasmussen-hirschman-leontief":
        return rasmussen_hirschman(system, forward="leontief", dispersion=False)
    if method == "eigenvector":
        return eigenvector_linkages(system)
    raise InputError("method must be 'rasmussen-hirschman', 'rasmussen-hirschman-leontief' or "
                     f"'eigenvector', got {method!r}")
