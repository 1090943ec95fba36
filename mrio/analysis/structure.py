"""Specialisation, diversity and exposure of regions.

See docs/methods/linkages.md, section "Specialisation, diversity and exposure".

With sector shares ``p_i^r`` of a region's value added, jobs or output and the shares of the rest of
the system ``p_i^{-r}``:

* Krugman specialisation ``K^r = sum_i |p_i^r - p_i^{-r}|`` in [0, 2] (Krugman 1991);
* Herfindahl ``H^r = sum_i (p_i^r)^2`` and its normalised form ``(H - 1/n) / (1 - 1/n)``;
* entropy ``E = sum_i p_i log2(1/p_i)``, split into unrelated variety between groups of related
  sectors ``UV = sum_g P_g log2(1/P_g)`` and related variety within them
  ``RV = sum_g P_g H_g``, ``H_g = sum_{i in g} (p_i/P_g) log2(P_g/p_i)``, so ``E = UV + RV``
  (Frenken, Van Oort & Verburg 2007). Groups come from a classification, or from the IO
  structure: sectors that buy similar inputs and sell to similar users are related
  (:func:`io_relatedness_groups`);
* exposure (design choice of docs/methods/linkages.md, section "Specialisation, diversity and exposure"):
each region's value added by destination
  ``VA(r <- s)`` from :func:`mrio.dependency.dependency_matrix`; its shares are the elasticities of
  the region's value added to a uniform change of final demand in each destination, and their
  Herfindahl concentration measures how exposed the region is to a shock in a single place.

:func:`specialisation_and_exposure` puts the indices side by side so the trade-off between
specialisation and resilience (Frenken et al. 2007; Diodato & Weterings 2015) can be measured.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from mrio.analysis.dependency import dependency_split, measure_intensity
from mrio.core import labels as lab
from mrio.core.system import MRIO
from mrio.errors import InputError

__all__ = [
    "sector_shares",
    "krugman_specialisation",
    "herfindahl",
    "entropy",
    "io_relatedness_groups",
    "variety",
    "exposure",
    "exposure_matrix",
    "specialisation_and_exposure",
]


def _log2_inverse(p: np.ndarray) -> np.ndarray:
    # p log2(1/p) with 0 log 0 := 0
    out = np.zeros_like(p)
    pos = p > 0
    out[pos] = p[pos] * np.log2(1.0 / p[pos])
    return out


def _by_region(system: MRIO, measure: str) -> pd.DataFrame:
    m = measure_intensity(system, measure)
    values = m.total.reshape(system.n_regions, system.n_sectors)
    if (values < 0).any():
        r, i = np.argwhere(values < 0)[0]
        raise InputError(f"shares need a non-negative measure; {m.name} is negative for "
                         f"({system.regions[r]!r}, {system.sectors[i]!r})")
    frame = pd.DataFrame(values, index=system.regions, columns=system.sectors)
    frame.attrs.update(unit=m.unit, measure=m.name)
    return frame


def sector_shares(system: MRIO, measure: str = "value-added") -> pd.DataFrame:
    """Shares ``p_i^r`` of each sector in each region's total (rows sum to one; NaN if empty).

    Parameters
    ----------
    measure : str, default "value-added"
        ``"value-added"``, ``"jobs"``, ``"output"`` or a stressor.
    """
    values = _by_region(system, measure)
    totals = values.sum(axis=1)
    shares = values.div(totals.where(totals > 0), axis=0)
    shares.attrs.update(unit="1", measure=values.attrs["measure"])
    return shares


def krugman_specialisation(system: MRIO, measure: str = "value-added") -> pd.Series:
    """Krugman (1991) index ``K^r = sum_i |p_i^r - p_i^{-r}|`` against the rest of the system, in [0, 2]."""
    values = _by_region(system, measure)
    shares = sector_shares(system, measure)
    rest = values.sum(axis=0).to_numpy()[None, :] - values.to_numpy()
    rest_tot = rest.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rest_shares = np.where(rest_tot > 0, rest / np.where(rest_tot > 0, rest_tot, 1), np.nan)
    out = pd.Series(np.abs(shares.to_numpy() - rest_shares).sum(axis=1), index=system.regions, name="krugman")
    out[(rest_tot[:, 0] <= 0) | shares.isna().any(axis=1).to_numpy()] = np.nan
    return out


def herfindahl(system: MRIO, measure: str = "value-added", normalised: bool = False) -> pd.Series:
    """Herfindahl concentration ``H = sum_i p_i^2``; normalised ``(H - 1/n) / (1 - 1/n)`` in [0, 1]."""
    H = (sector_shares(system, measure) ** 2).sum(axis=1, min_count=1)
    n = system.n_sectors
    if normalised:
        H = (H - 1.0 / n) / (1.0 - 1.0 / n) if n > 1 else H * np.nan
    return H.rename("herfindahl_normalised" if normalised else "herfindahl")


def entropy(system: MRIO, measure: str = "value-added") -> pd.Series:
    """Shannon entropy ``E = sum_i p_i log2(1/p_i)`` of each region's sector shares (bits)."""
    shares = sector_shares(system, measure)
    values = _log2_inverse(np.nan_to_num(shares.to_numpy()))
    out = pd.Series(values.sum(axis=1), index=system.regions, name="entropy")
    out[shares.isna().any(axis=1)] = np.nan
    return out


def io_relatedness_groups(system: MRIO, n_groups: int | None = None) -> pd.Series:
    """Return groups of related sectors from the input-output structure of the whole system.

    Two sectors are related when they buy similar inputs and sell to similar users: each sector's
    profile is its column of national input coefficients (``A`` summed over regions of origin,
    by sector) next to its row of national allocation coefficients (``B``); profiles are
    compared by cosine distance and grouped by average-linkage hierarchical clustering
    (:func:`scipy.cluster.hierarchy.linkage`), cut into ``n_groups`` groups.

    Parameters
    ----------
    system : MRIO
    n_groups : int, optional
        Default ``round(sqrt(n))`` for n sectors.

    Returns
    -------
    pandas.Series mapping sector -> group label ``"g1"``, ``"g2"``, ...
    """
    n = system.n_sectors
    k = max(1, round(np.sqrt(n))) if n_groups is None else int(n_groups)
    if not 1 <= k <= n:
        raise InputError(f"n_groups must be between 1 and the number of sectors ({n}), got {k}")
    R = system.n_regions
    Z = system.arrays.Z.reshape(R, n, R, n).sum(axis=(0, 2))       # national sector x sector flows
    x = system.arrays.x.reshape(R, n).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        inputs = np.where(x[None, :] > 0, Z / np.where(x > 0, x, 1)[None, :], 0.0).T   # row j: a_.j
        outputs = np.where(x[:, None] > 0, Z / np.where(x > 0, x, 1)[:, None], 0.0)    # row i: b_i.
    profile = np.hstack([inputs, outputs])
    if k == 1 or n < 2:
        labels = np.ones(n, dtype=int)
    else:
        norms = np.linalg.norm(profile, axis=1)
        profile = np.where(norms[:, None] > 0, profile / np.where(norms > 0, norms, 1)[:, None], 0.0)
        distance = np.clip(pdist(profile, metric="sqeuclidean") / 2.0, 0.0, None)  # = 1 - cosine
        labels = hierarchy.fcluster(hierarchy.linkage(distance, method="average"), t=k, criterion="maxclust")
    return pd.Series([f"g{g}" for g in labels], index=system.sectors, name="group")


def variety(system: MRIO, measure: str = "value-added", groups: Mapping | pd.Series | None = None,
            n_groups: int | None = None) -> pd.DataFrame:
    """Related and unrelated variety (Frenken, Van Oort & Verburg 2007).

    Parameters
    ----------
    system : MRIO
    measure : str, default "value-added"
    groups : Mapping or pandas.Series, optional
        Sector -> group (e.g. 2-digit classes, :func:`mrio.build.concordances.cbs_to_nace_a10`);
        default :func:`io_relatedness_groups`.
    n_groups : int, optional
        Number of IO-based groups when ``groups`` is not given.

    Returns
    -------
    pandas.DataFrame per region: ``entropy``, ``unrelated_variety``, ``related_variety`` (bits;
    ``entropy = unrelated + related``) and ``groups`` (number of groups present).
    """
    shares = sector_shares(system, measure)
    mapping = (io_relatedness_groups(system, n_groups) if groups is None
               else lab.mapping_to_series(groups, system.sectors, "sector"))
    p = np.nan_to_num(shares.to_numpy())
    codes, uniques = pd.factorize(mapping.loc[system.sectors])
    G = np.zeros((len(system.sectors), len(uniques)))
    G[np.arange(len(codes)), codes] = 1.0
    P = p @ G                                                   # group shares P_g
    E = _log2_inverse(p).sum(axis=1)
    UV = _log2_inverse(P).sum(axis=1)
    # RV = sum_g P_g H_g = sum_g sum_{i in g} p_i log2(P_g / p_i)
    Pi = P[:, codes]
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(p > 0, p * np.log2(np.where(p > 0, Pi / np.where(p > 0, p, 1), 1)), 0.0)
    RV = terms.sum(axis=1)
    frame = pd.DataFrame({"entropy": E, "unrelated_variety": UV, "related_variety": RV,
                          "groups": (P > 0).sum(axis=1)}, index=system.regions)
    frame.loc[shares.isna().any(axis=1), ["entropy", "unrelated_variety", "related_variety"]] = np.nan
    frame.attrs.update(unit="bits", measure=shares.attrs["measure"],
                       grouping="io-structure" if groups is None else "given")
    return frame


def exposure_matrix(system: MRIO, measure: str = "value-added") -> pd.DataFrame:
    """Elasticity of each origin region's measure to final demand in each destination.

    Entry ``(r, s) = VA(r <- s) / VA(r)``: a uniform 1 % fall of final demand in s lowers r's value
    added (or jobs...) by this share of 1 % (the demand model is linear). Rows sum to one.
    From :func:`mrio.dependency_split` (one right-hand side per destination;
    equal to the :func:`mrio.dependency_matrix` route up to rounding).
    """
    by_destination, _ = dependency_split(system, measure, by="region")
    totals = by_destination.sum(axis=1)
    out = by_destination.div(totals.where(totals != 0), axis=0)
    out.attrs.update(unit="1", measure=by_destination.attrs["measure"])
    return out


def exposure(system: MRIO, measure: str = "value-added") -> pd.DataFrame:
    """How exposed each region is to shocks elsewhere.

    Returns
    -------
    pandas.DataFrame per region
        ``external_share`` (share of the measure that depends on final demand in other regions or
        outside the system), ``outside_share`` (outside the system only), ``largest_external``
        (the destination the region depends on most, other than itself) with its
        ``largest_external_share``, and ``destination_herfindahl`` (concentration of the measure
        by destination, own region included; 1 = everything on one destination).
    """
    E = exposure_matrix(system, measure)
    rows = []
    for r in E.index:
        row = E.loc[r]
        external = row.drop(r) if r in row.index else row
        largest = external.idxmax() if len(external) and external.notna().any() else None
        outside = row[[d for d in row.index if d not in system.regions]].sum()
        rows.append((float(external.sum()), float(outside), largest,
                     float(external.max()) if largest is not None else np.nan, float((row ** 2).sum())))
    frame = pd.DataFrame(rows, index=E.index, columns=["external_share", "outside_share", "largest_external",
                                                       "largest_external_share", "destination_herfindahl"])
    frame.attrs.update(unit="1", measure=E.attrs["measure"])
    return frame


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation: pandas' Pearson correlation of the ranks (ties get their mean rank).

    The value of ``scipy.stats.spearmanr(a, b).statistic``, without importing ``scipy.stats``
    (0.6 s, a twelfth of the whole report; pandas' own ``method="spearman"`` imports it). NaN when
    either input is constant.
    """
    return float(pd.Series(a).rank(method="average").corr(pd.Series(b).rank(method="average")))


def specialisation_and_exposure(system: MRIO, measure: str = "value-added",
                                groups: Mapping | pd.Series | None = None) -> pd.DataFrame:
    """Specialisation, diversity and exposure side by side, per region.

    Returns
    -------
    pandas.DataFrame
        ``krugman``, ``herfindahl_normalised``, ``entropy``, ``unrelated_variety``,
        ``related_variety`` and the columns of :func:`~mrio.analysis.structure.exposure`.
        ``.attrs["rank_correlation"]`` holds Spearman's correlation between Krugman
        specialisation and each exposure index across regions (needs 3 or more regions): positive
        values mean that more specialised regions are also more exposed, the
        specialisation-resilience trade-off.
    """
    frame = pd.concat([krugman_specialisation(system, measure),
                       herfindahl(system, measure, normalised=True),
                       variety(system, measure, groups=groups)[["entropy", "unrelated_variety",
                                                                 "related_variety"]],
                       exposure(system, measure)], axis=1)
    correlations = {}
    if system.n_regions >= 3:
        for col in ("external_share", "destination_herfindahl", "largest_external_share"):
            pair = frame[["krugman", col]].astype(float).dropna()
            if len(pair) >= 3 and pair.nunique().min() > 1:
                correlations[col] = _rank_correlation(pair["krugman"].to_numpy(), pair[col].to_numpy())
    frame.attrs.update(unit="1 (entropy and varieties in bits)", measure=measure,
                       rank_correlation=correlations)
    return frame
