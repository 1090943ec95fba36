"""Axis vocabulary and label checks shared by the labelled layer.

Fixed level names: ``("region", "sector")`` on both axes of Z/A/L and on the rows of Y;
``("region", "category")`` on the columns of Y; ``"component"`` on the rows of V; ``"stressor"``
on the rows of F. Inputs whose labels disagree raise :class:`~mrio.errors.LabelError`; nothing is
silently reordered or reindexed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd

from mrio.errors import InvalidTableError, LabelError, UnknownLabelError

INDUSTRY_LEVELS = ("region", "sector")
FINAL_DEMAND_LEVELS = ("region", "category")
COMPONENT = "component"
STRESSOR = "stressor"


def _show(labels: Iterable, limit: int = 5) -> str:
    labels = list(labels)
    shown = ", ".join(repr(tuple(x) if isinstance(x, tuple) else x) for x in labels[:limit])
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return shown + more


def check_multiindex(index: pd.Index, levels: tuple[str, ...], where: str) -> None:
    """Raise unless ``index`` is a MultiIndex with exactly ``levels`` as names and no duplicates."""
    if not isinstance(index, pd.MultiIndex) or tuple(index.names) != levels:
        got = list(index.names) if isinstance(index, pd.MultiIndex) else f"a flat index {index.name!r}"
        raise LabelError(f"{where} must be a MultiIndex with levels {list(levels)}; got {got}")
    if index.has_duplicates:
        raise LabelError(f"{where} has duplicated labels: {_show(index[index.duplicated()].unique())}")


def check_flat(index: pd.Index, where: str) -> None:
    """Raise unless ``index`` is a flat index without duplicates."""
    if isinstance(index, pd.MultiIndex):
        raise LabelError(f"{where} must be a flat index of names, got a MultiIndex {list(index.names)}")
    if index.has_duplicates:
        raise LabelError(f"{where} has duplicated labels: {_show(index[index.duplicated()].unique())}")


def check_same(index: pd.Index, expected: pd.Index, where: str, expected_name: str) -> None:
    """Raise unless ``index`` equals ``expected`` label for label, in the same order."""
    if index.equals(expected):
        return
    missing = expected.difference(index, sort=False)
    extra = index.difference(expected, sort=False)
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"missing {_show(missing)}")
        if len(extra):
            parts.append(f"unexpected {_show(extra)}")
        raise LabelError(f"{where} does not match {expected_name}: " + "; ".join(parts))
    first = int(np.flatnonzero(index.to_numpy() != expected.to_numpy())[0])
    raise LabelError(
        f"{where} has the labels of {expected_name} in a different order (first difference at "
        f"position {first}: {index[first]!r} vs {expected[first]!r}); reorder explicitly, "
        "mrio never reorders silently"
    )


def check_region_major(index: pd.MultiIndex, where: str) -> tuple[pd.Index, pd.Index]:
    """Check region-major blocks with the same sectors in every region; return (regions, sectors)."""
    regions = index.get_level_values("region")
    sectors = index.get_level_values("sector")
    unique_regions = pd.Index(pd.unique(regions), name="region")
    unique_sectors = pd.Index(pd.unique(sectors), name="sector")
    R, n = len(unique_regions), len(unique_sectors)
    if R * n != len(index):
        raise LabelError(
            f"{where} is not a full region x sector grid: {R} regions x {n} sectors != {len(index)} rows"
        )
    expected = pd.MultiIndex.from_product([unique_regions, unique_sectors], names=list(INDUSTRY_LEVELS))
    if not index.equals(expected):
        first = int(np.flatnonzero(index.to_numpy() != expected.to_numpy())[0])
        raise LabelError(
            f"{where} must be region-major with the same sector order in every region; first "
            f"deviation at position {first}: {index[first]!r}, expected {expected[first]!r}"
        )
    return unique_regions, unique_sectors


def check_finite(frame: pd.DataFrame | pd.Series, where: str) -> np.ndarray:
    """Return ``frame`` as float64 values, raising on NaN/inf or non-numeric columns."""
    dtypes = [frame.dtype] if isinstance(frame, pd.Series) else list(frame.dtypes)
    if any(getattr(dt, "kind", "") == "c" for dt in dtypes):  # a cast would drop the imaginary part
        raise InvalidTableError(f"{where} holds complex values; input-output tables are real numbers")
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidTableError(f"{where} holds non-numeric values: {exc}") from exc
    bad = ~np.isfinite(values)
    if bad.any():
        if values.ndim == 1:
            labels = frame.index[bad]
        else:
            rows, cols = np.nonzero(bad)
            labels = [(frame.index[r], frame.columns[c]) for r, c in zip(rows[:5], cols[:5], strict=True)]
        raise InvalidTableError(f"{where} has {int(bad.sum())} NaN or infinite values, at {_show(labels)}")
    return values


def label_key(label: Hashable) -> str:
    """Normalised spelling of a label for matching: case, apostrophes and repeated spaces ignored."""
    text = str(label).casefold().replace("\u2019", "").replace("'", "")
    return re.sub(r"\s+", " ", text).strip()


def close_matches(label: Hashable, names: Iterable[Hashable], aliases: Mapping | None = None,
                  n: int = 2) -> list:
    """Return the names closest to a mistyped ``label`` (same normalised spelling first, then difflib).

    ``aliases`` (alias -> name) lets a near miss of an alias suggest the name it stands for.
    """
    names = list(names)
    by_key: dict[str, Hashable] = {}
    for name in names:
        by_key.setdefault(label_key(name), name)
    for alias, name in (aliases or {}).items():
        by_key.setdefault(label_key(alias), name)
    key = label_key(label)
    if key in by_key:
        return [by_key[key]]
    close = difflib.get_close_matches(key, list(by_key), n=n * 2, cutoff=0.6)
    return list(dict.fromkeys(by_key[k] for k in close))[:n]


def resolve(index: pd.Index, wanted: Iterable[Hashable], aliases: Mapping | None) -> list:
    """``wanted`` with every label that is not in ``index`` but is an alias replaced by its name."""
    if not aliases:
        return list(wanted)
    return [w if w in index or w not in aliases else aliases[w] for w in wanted]


def lookup(index: pd.Index, wanted: Iterable[Hashable], what: str,
           aliases: Mapping | None = None) -> np.ndarray:
    """Positions of ``wanted`` labels in ``index``; raise naming every unknown label.

    ``aliases`` maps other names of a label (codes, former spellings) to the label; an unknown
    label gets the closest known names as a suggestion (``'Ijmond' (did you mean 'IJmond'?)``).
    """
    wanted = resolve(index, wanted, aliases)
    if not wanted:
        raise UnknownLabelError(f"empty selection of {what}")
    seen: set = set()
    repeated = [w for w in wanted if w in seen or seen.add(w)]
    if repeated:
        raise LabelError(f"{what} listed more than once: {_show(dict.fromkeys(repeated))}")
    positions = index.get_indexer(wanted)
    unknown = [w for w, p in zip(wanted, positions, strict=True) if p < 0]
    if unknown:
        hints = []
        for label in unknown[:5]:
            close = close_matches(label, index, aliases)
            hints.append(repr(label) + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""))
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise UnknownLabelError(
            f"unknown {what}: {', '.join(hints)}{more}; known {what}: {_show(index, limit=8)}"
        )
    return positions


def mapping_to_series(mapping: Mapping | pd.Series, labels: pd.Index, what: str) -> pd.Series:
    """Return a concordance as a Series indexed by ``labels``; raise on labels it does not cover."""
    series = mapping.copy() if isinstance(mapping, pd.Series) else pd.Series(dict(mapping))
    missing = labels.difference(series.index, sort=False)
    if len(missing):
        raise LabelError(f"the {what} concordance does not map {_show(missing)}")
    if series.isna().any():
        raise LabelError(f"the {what} concordance maps {_show(series.index[series.isna()])} to nothing")
    return series.loc[labels]


def complete_mapping(mapping: Mapping | pd.Series, labels: pd.Index, what: str,
                     aliases: Mapping | None = None) -> pd.Series:
    """Complete a partial concordance: labels it does not map keep their own name.

    Only the labels to merge need to be listed (``{"Groot-Amsterdam": "MRA", "Zaanstreek": "MRA"}``
    keeps the other regions as they are). Keys may be aliases of labels; a key that names no label
    is an error with the closest names (a typo would otherwise silently merge nothing).

    Raises
    ------
    UnknownLabelError
        A key that is neither a label nor an alias.
    LabelError
        A label mapped to nothing (NaN), or listed twice (as itself and as an alias).
    """
    series = mapping.copy() if isinstance(mapping, pd.Series) else pd.Series(dict(mapping), dtype=object)
    keys = resolve(labels, list(series.index), aliases)
    lookup(labels, keys, f"{what}s of the concordance", aliases)
    series.index = pd.Index(keys)
    if series.isna().any():
        raise LabelError(f"the {what} concordance maps {_show(series.index[series.isna()])} to nothing")
    missing = labels.difference(series.index, sort=False)
    if len(missing):
        series = pd.concat([series, pd.Series(list(missing), index=missing, dtype=object)])
    return series.loc[labels]


def as_list(value: Hashable | Iterable[Hashable] | None) -> list | None:
    """``None`` stays ``None``; a single label (str, tuple, number) becomes a one-item list."""
    if value is None:
        return None
    if isinstance(value, str | tuple) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def industry_positions(regions_index: pd.Index, sectors_index: pd.Index, regions=None,
                       sectors=None, region_aliases: Mapping | None = None) -> np.ndarray:
    """Positions ``r n + s`` of ``regions`` x ``sectors`` in a region-major system (``None`` = all).

    ``region_aliases`` (alias -> region, e.g. CBS codes) is accepted for ``regions``.

    Raises
    ------
    UnknownLabelError
        Naming every unknown region or sector (or an empty selection).
    LabelError
        If a label is listed twice (it would count a shock twice).
    """
    regions, sectors = as_list(regions), as_list(sectors)
    r_pos = (lookup(regions_index, regions, "regions", region_aliases) if regions is not None
             else np.arange(len(regions_index)))
    s_pos = (lookup(sectors_index, sectors, "sectors") if sectors is not None
             else np.arange(len(sectors_index)))
    return (r_pos[:, np.newaxis] * len(sectors_index) + s_pos[np.newaxis, :]).ravel()
