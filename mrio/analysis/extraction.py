"""Hypothetical extraction (HEM): how much would be lost without an industry, region or block.

Definitions (Strassert 1968; Cella 1984; Dietzenbacher, van der Linden & Steenge 1993;
Dietzenbacher & van der Linden 1997; Miller & Lahr 2001; Dietzenbacher & Lahr 2013; Miller &
Blair 2009, sec. 12.2; docs/methods/extraction.md). The linkage is the loss ``w'(x - x_bar)`` in output
(``w = i``), value added or an extension, where ``x_bar`` solves the modified system:

* ``backward``: the extracted industries buy no intermediate inputs (columns of A scaled by
  ``1 - share``), demand-driven ``x_bar = (I - A_bar)^-1 y``;
* ``forward``: they sell no intermediate inputs (rows of B scaled), supply-driven
  ``x_bar' = v'(I - B_bar)^-1``;
* ``total``: rows and columns of A and their final demand scaled -- with ``share = 1`` the
  industries are deleted (total linkage);
* ``scope="interregional"`` (regional extraction, Dietzenbacher & van der Linden 1997): cancel
  only the trade of the selection with industries outside its regions.

Everything is computed from the one stored factorisation of ``I - A`` with the closed forms and
Woodbury updates of :mod:`mrio.kernels._extraction` -- never one re-inversion per extraction.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.analysis.dependency import measure_intensity
from mrio.core import labels as lab
from mrio.core.display import result_html
from mrio.core.kernel_errors import kernel_errors
from mrio.core.system import MRIO
from mrio.errors import InputError

__all__ = ["KINDS", "ExtractionResult", "select_industries", "extract", "extract_kinds", "extract_block",
           "extraction_table"]

KINDS = ("backward", "forward", "total")


_as_list = lab.as_list


def select_industries(system: MRIO, regions: Hashable | Sequence | None = None,
                      sectors: Hashable | Sequence | None = None,
                      industries: Sequence[tuple] | None = None) -> np.ndarray:
    """Positions of a selection: given regions x given sectors, or explicit (region, sector) pairs.

    ``regions`` alone selects every sector of those regions, ``sectors`` alone that sector in every
    region, both together the regions' sectors.

    Raises
    ------
    UnknownLabelError
        For unknown names (all listed) or an empty selection.
    InputError
        When ``industries`` is combined with ``regions``/``sectors``, or nothing is given.
    """
    regions, sectors, industries = _as_list(regions), _as_list(sectors), _as_list(industries)
    if industries is not None:
        if regions is not None or sectors is not None:
            raise InputError("give either industries or regions/sectors, not both")
        pairs = [tuple(i) for i in industries]
        return np.sort(lab.lookup(system.index, pairs, "industries (region, sector)"))
    if regions is None and sectors is None:
        raise InputError("nothing to extract: give regions, sectors or industries")
    return np.sort(lab.industry_positions(system.regions, system.sectors, regions, sectors,
                                          system.region_aliases))


def _weights(system: MRIO) -> dict[str, tuple[np.ndarray, str]]:
    """Loss weights: output, value added and every stressor, with units."""
    out = {"output": (measure_intensity(system, "output").intensity, system.units.get("monetary", ""))}
    va = measure_intensity(system, "value-added")
    out["value_added"] = (va.intensity, va.unit)
    for s in system.stressors:
        m = measure_intensity(system, s)
        out[str(s)] = (m.intensity, m.unit)
    return out


def _primary_input_coefficients(system: MRIO) -> np.ndarray:
    # all primary inputs per unit of output: v' = i' - i'A for active industries (supply model)
    A, x = system.arrays.A, system.arrays.x
    return np.where(x > 0, 1.0 - A.sum(axis=0), 0.0)


def _formed_inverse(system: MRIO) -> np.ndarray | None:
    """Return the explicit L if the system has already formed it (cached), else None (use the LU factors)."""
    L = system.__dict__.get("L")
    return None if L is None else L.to_numpy()


def _check_share(share: float) -> float:
    share = float(share)
    if not 0.0 < share <= 1.0:
        raise InputError(f"share (extracted fraction theta) must be in (0, 1], got {share}")
    return share


@dataclass(frozen=True)
class ExtractionResult:
    """Outcome of one hypothetical extraction.

    Attributes
    ----------
    kind : str
        ``backward``, ``forward``, ``total`` or ``block``.
    extracted : pandas.MultiIndex
        The (region, sector) industries extracted (for ``block``: the block's columns).
    share : float
    output : pandas.DataFrame
        By industry: ``before`` (x), ``after`` (x_bar), ``loss``.
    losses : pandas.Series
        ``w'(x - x_bar)`` for output, value added and every stressor; units in
        ``losses.attrs["units"]``.
    relative_losses : pandas.Series
        ``losses`` as a share of the economy-wide totals ``w'x``.
    """

    kind: str
    extracted: pd.MultiIndex
    share: float
    output: pd.DataFrame
    losses: pd.Series
    relative_losses: pd.Series
    _repr_html_ = result_html


def _result(system: MRIO, kind: str, extracted: np.ndarray, share: float,
            x_bar: np.ndarray) -> ExtractionResult:
    x = system.arrays.x
    output = pd.DataFrame({"before": x, "after": x_bar, "loss": x - x_bar}, index=system.index)
    output.attrs["unit"] = system.units.get("monetary", "")
    weights = _weights(system)
    losses = pd.Series({k: float(w @ (x - x_bar)) for k, (w, _) in weights.items()}, name="loss")
    totals = pd.Series({k: float(w @ x) for k, (w, _) in weights.items()})
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = (losses / totals.where(totals != 0)).rename("relative_loss")
    losses.attrs["units"] = {k: u for k, (_, u) in weights.items()}
    return ExtractionResult(kind, system.index[extracted], share, output, losses, relative)


def _blocks(system: MRIO, kind: str, S: np.ndarray, scope: str) -> list[tuple[np.ndarray, np.ndarray]]:
    N = len(system)
    everything = np.arange(N)
    if scope == "all":
        others = everything
    elif scope == "interregional":
        n = system.n_sectors
        own_regions = np.unique(S // n)
        others = everything[~np.isin(everything // n, own_regions)]
        if others.size == 0:
            raise InputError("scope='interregional' needs industries outside the selected regions")
    else:
        raise InputError(f"scope must be 'all' or 'interregional', got {scope!r}")
    if kind == "backward":
        return [(others, S)]
    if kind == "forward":
        return [(S, others)]
    if kind == "total":
        if scope != "all":
            raise InputError("kind='total' deletes the selection; scope must be 'all'")
        return [(S, everything), (np.setdiff1d(everything, S), S)]
    raise InputError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


def extract(system: MRIO, kind: str = "backward", *, regions: Hashable | Sequence | None = None,
            sectors: Hashable | Sequence | None = None, industries: Sequence[tuple] | None = None,
            share: float = 1.0, scope: str = "all") -> ExtractionResult:
    """Extract a sector, a region, a region's sector or any set of industries.

    Parameters
    ----------
    system : MRIO
    kind : {"backward", "forward", "total"}
    regions, sectors, industries
        The selection (see :func:`~mrio.analysis.extraction.select_industries`).
    share : float in (0, 1], default 1
        Extracted fraction ``theta`` of the coefficients (partial extraction, Dietzenbacher &
        Lahr 2013); 1 is a full extraction.
    scope : {"all", "interregional"}
        ``"interregional"``: cancel only purchases from (backward) or sales to (forward)
        industries outside the selection's regions (Dietzenbacher & van der Linden 1997).

    Returns
    -------
    ExtractionResult

    Notes
    -----
    Woodbury update ``(I - A + U W')^-1 = L - L U (I + W'LU)^-1 W'L`` on the stored factors
    (Sherman & Morrison 1950; Woodbury 1950; Temurshoev 2010): ``min(|rows|, |columns|)`` solves
    per cancelled block. Final demand stays as it is except for ``total``, which scales the
    selection's final demand by ``1 - share`` too.
    """
    share = _check_share(share)
    if scope == "all" and kind in KINDS:
        return extract_kinds(system, [kind], regions=regions, sectors=sectors, industries=industries,
                             share=share)[kind]
    S = select_industries(system, regions, sectors, industries)
    blocks = _blocks(system, kind, S, scope)
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    L = _formed_inverse(system)
    with kernel_errors(system.index):
        if kind == "forward":
            x_bar = kernels.block_extraction(system.factor, A, blocks, share,
                                             v=_primary_input_coefficients(system), x=x, L=L)
        else:
            if kind == "total":
                y = y.copy()
                y[S] *= 1.0 - share
            x_bar = kernels.block_extraction(system.factor, A, blocks, share, y=y, L=L)
    return _result(system, kind, S, share, x_bar)


def extract_kinds(system: MRIO, kinds: Sequence[str] = KINDS, *, regions: Hashable | Sequence | None = None,
                  sectors: Hashable | Sequence | None = None, industries: Sequence[tuple] | None = None,
                  share: float = 1.0) -> dict[str, ExtractionResult]:
    """Extract one selection in several ways at once (``scope="all"``), sharing the solves.

    Parameters
    ----------
    system : MRIO
    kinds : sequence of {"backward", "forward", "total"}
    regions, sectors, industries
        The selection (see :func:`~mrio.analysis.extraction.select_industries`).
    share : float in (0, 1], default 1

    Returns
    -------
    dict kind -> ExtractionResult
        The same results as :func:`~mrio.extract` of each kind.

    Notes
    -----
    The columns ``L[:, S]`` of the selection (``|S|`` solves) serve every kind, and the rows
    ``L[S, :]`` the forward one: with ``L A = A L = L - I`` they give every factor of the
    Woodbury updates (``mrio.kernels.set_extraction``; see the methods page "Hypothetical
    extraction", section "Closed forms from one factorisation").
    """
    share = _check_share(share)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {unknown[0]!r}")
    S = select_industries(system, regions, sectors, industries)
    with kernel_errors(system.index):
        after = kernels.set_extraction(system.factor, system.arrays.A, S, list(kinds), share,
                                       y=system.arrays.Y.sum(axis=1), v=_primary_input_coefficients(system),
                                       x=system.arrays.x)
    return {kind: _result(system, kind, S, share, x_bar) for kind, x_bar in after.items()}


def extract_block(system: MRIO, rows: dict | Sequence[tuple], columns: dict | Sequence[tuple],
                  share: float = 1.0, model: str = "demand") -> ExtractionResult:
    """Scale any block ``A[rows, columns]`` by ``1 - share`` and re-solve (Woodbury).

    Parameters
    ----------
    system : MRIO
    rows, columns : dict or sequence of (region, sector)
        Selling and buying industries: a dict of :func:`~mrio.analysis.extraction.select_industries` keywords
        (``{"regions": [...], "sectors": [...]}``) or explicit (region, sector) pairs.
    share : float in (0, 1]
    model : {"demand", "supply"}
        Demand-driven Leontief (``y`` fixed) or supply-driven Ghosh (``v`` fixed) re-solve.

    Returns
    -------
    ExtractionResult with ``kind="block"``.
    """
    share = _check_share(share)
    if model not in ("demand", "supply"):
        raise InputError(f"model must be 'demand' or 'supply', got {model!r}")

    def pick(sel, what):
        if isinstance(sel, dict):
            unknown = set(sel) - {"regions", "sectors", "industries"}
            if unknown:
                raise InputError(f"{what}: unknown selection keys {sorted(unknown)}")
            return select_industries(system, **sel)
        return select_industries(system, industries=sel)

    R, C = pick(rows, "rows"), pick(columns, "columns")
    A, x = system.arrays.A, system.arrays.x
    L = _formed_inverse(system)
    with kernel_errors(system.index):
        if model == "supply":
            x_bar = kernels.block_extraction(system.factor, A, [(R, C)], share,
                                             v=_primary_input_coefficients(system), x=x, L=L)
        else:
            x_bar = kernels.block_extraction(system.factor, A, [(R, C)], share,
                                             y=system.arrays.Y.sum(axis=1), L=L)
    return _result(system, "block", C, share, x_bar)


def extraction_table(system: MRIO, level: str = "industry", measure: str = "output",
                     share: float = 1.0) -> pd.DataFrame:
    """Backward, forward and total linkages of every industry, region or sector.

    Parameters
    ----------
    system : MRIO
    level : {"industry", "region", "sector"}
        Extract each industry on its own (closed forms, O(N) each after one ``diag(L)``), each
        region, or each sector in all regions at once (Woodbury updates).
    measure : str, default "output"
        Loss measured in output, ``"value-added"``, ``"jobs"`` or a stressor.
    share : float in (0, 1]

    Returns
    -------
    pandas.DataFrame
        Columns ``backward``, ``forward``, ``total`` (losses ``w'(x - x_bar)``) and the same
        normalised by their mean (``*_normalised``; > 1 = above-average linkage, as in
        Miller & Lahr 2001). Unit in ``.attrs["unit"]``.
    """
    share = _check_share(share)
    m = measure_intensity(system, measure)
    w = m.intensity
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    if level == "industry":
        with kernel_errors(system.index):
            d = kernels.leontief_diagonal(system.factor)
            c = system.leontief_row_product(w)
            h = system.leontief_product(w * x)
            b, f, t = kernels.hem_all(d, np.diag(A).copy(), x, y, w, c, h, share)
        frame = pd.DataFrame({"backward": b, "forward": f, "total": t}, index=system.index)
    elif level in ("region", "sector"):
        labels = system.regions if level == "region" else system.sectors
        sets = [select_industries(system, **{f"{level}s": [label]}) for label in labels]
        with kernel_errors(system.index):
            # each set's losses need only L[S, S] and three solves shared by all sets
            c = system.leontief_row_product(w)
            h = system.leontief_product(w * x)
            q = system.leontief_row_product(_primary_input_coefficients(system))
            blocks = kernels.leontief_blocks(system.factor, sets, L=_formed_inverse(system))
            b, f, t = kernels.hem_sets(blocks, A, sets, x, y, w, c, h, q, share)
        frame = pd.DataFrame({"backward": b, "forward": f, "total": t}, index=labels)
    else:
        raise InputError(f"level must be 'industry', 'region' or 'sector', got {level!r}")
    for kind in KINDS:
        mean = frame[kind].mean()
        frame[f"{kind}_normalised"] = frame[kind] / mean if mean != 0 else np.nan
    frame.attrs.update(unit=m.unit, measure=m.name, share=share)
    return frame
