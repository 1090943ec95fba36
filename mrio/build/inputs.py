"""Reading the inputs of a regional build: national tables, distances, regional indicators."""

from __future__ import annotations

import dataclasses
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mrio.build.cbs import read_cbs_iot
from mrio.build.national import NationalTable
from mrio.core.io import read
from mrio.errors import FileFormatError

__all__ = ["read_national", "read_distances", "read_indicators", "read_csv_cached", "META_KEYS"]


def read_csv_cached(path: Path | str, **kwargs) -> pd.DataFrame:
    """``pandas.read_csv(path, **kwargs)``, parsed once per process while the file is unchanged.

    Ensembles rebuild a table from the same compact inputs for every draw; the parsed frame is
    kept (keyed by the path, its size and modification time, and the keyword arguments) and a
    copy returned, so callers may change what they get. Errors are those of ``read_csv``.
    """
    path = Path(path).resolve()
    stat = path.stat()
    return _read_csv(str(path), stat.st_mtime_ns, stat.st_size, tuple(sorted(kwargs.items()))).copy()


@lru_cache(maxsize=64)
def _read_csv(path: str, mtime_ns: int, size: int, kwargs: tuple) -> pd.DataFrame:
    return pd.read_csv(path, **dict(kwargs))


#: Keys of a national-table folder's ``meta.json`` (every other key is kept as metadata).
META_KEYS = {
    "value_added_components": "list of the rows of V that are gross value added (required unless given "
                              "as value_added / --value-added; never every primary input: imports and "
                              "taxes on products are not value added)",
    "producer_held": "list of final-demand categories kept with the producing region (e.g. "
                     "changes_in_inventories)",
    "units": "monetary unit of the table, e.g. \"million EUR\" (also accepted as unit)",
    "year": "year of the table (a whole number)",
    "income_row": "row of V that is household income (wages), the proxy of household consumption",
    "household_category": "final-demand category of household consumption",
}


def _meta_types(meta: dict, where: Path) -> None:
    """Check the types of the keys :data:`META_KEYS` documents (a wrong type is named, never used)."""
    def fail(key, what):
        raise FileFormatError(f"{where}: {key} must be {what}, got {meta[key]!r}")

    for key in ("value_added_components", "producer_held"):
        if key in meta and not (isinstance(meta[key], list) and all(isinstance(v, str) for v in meta[key])):
            fail(key, "a list of names")
    for key in ("units", "unit", "income_row", "household_category"):
        if key in meta and not isinstance(meta[key], str):
            fail(key, "a string")
    if "year" in meta and (isinstance(meta["year"], bool) or not isinstance(meta["year"], int)):
        fail("year", "a whole number")


def read_national(path, value_added=None, rtol: float | None = None) -> NationalTable:
    """Read a national table.

    A folder written by :func:`mrio.build.regional.write_national`, a single-region mrio folder
    (:func:`mrio.write`), or a CBS input-output CSV file (:func:`mrio.build.cbs.read_cbs_iot`).

    Parameters
    ----------
    path : path-like
    value_added : sequence of str, optional
        Rows of V that are gross value added; overrides ``meta.json``. A national-table folder
        must name them one way or the other (see :data:`~mrio.build.inputs.META_KEYS`).
    rtol : float, optional
        Tolerance of the national identities (:class:`~mrio.build.national.NationalTable`).

    Raises
    ------
    FileFormatError
        The path is none of these; ``meta.json`` malformed or without value-added rows.
    """
    path = Path(path)
    value_added = None if value_added is None else tuple(value_added)
    if path.is_file():
        national = read_cbs_iot(path)
    elif path.is_dir() and (path / "final_demand.csv").is_file():
        meta_path = path / "meta.json"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}

            def frame(name):
                return pd.read_csv(path / f"{name}.csv", index_col=0)

            Z, fd, ex, V = frame("Z"), frame("final_demand"), frame("exports"), frame("V")
        except (OSError, ValueError, RecursionError) as exc:
            raise FileFormatError(f"cannot read the national table in {path}: {exc}") from exc
        if not isinstance(meta, dict):
            raise FileFormatError(f"{meta_path}: must hold a JSON object (keys: {', '.join(META_KEYS)})")
        _meta_types(meta, meta_path)
        for f, name in ((Z, "sector"), (fd, "sector"), (ex, "sector")):
            f.index.name = name
        Z.columns.name = "sector"
        fd.columns.name = ex.columns.name = "category"
        V.index.name = "component"
        V.columns.name = "sector"
        rows = value_added or tuple(meta.pop("value_added_components", ()))
        meta.pop("value_added_components", None)
        if not rows:
            raise FileFormatError(
                f"national table {path}: which rows of V are value added? {meta_path.name} names no "
                f"value_added_components; give them (--value-added on the command line) from the rows of V: "
                f"{', '.join(repr(r) for r in V.index)} (imports and taxes on products are not value added)")
        return NationalTable(Z=Z, final_demand=fd, exports=ex, V=V, value_added_components=rows,
                             producer_held=tuple(meta.pop("producer_held", ())),
                             units=meta.pop("units", meta.get("unit", "million EUR")), meta=meta,
                             **({} if rtol is None else {"rtol": rtol}))
    elif path.is_dir() and (path / "metadata.json").is_file():
        national = NationalTable.from_mrio(read(path))
    else:
        raise FileFormatError(f"{path} is neither a CBS input-output CSV, a national-table folder "
                              "(Z.csv, final_demand.csv, exports.csv, V.csv) nor a single-region mrio folder")
    if value_added is not None or rtol is not None:
        changes = {"value_added_components": value_added} if value_added is not None else {}
        if rtol is not None:
            changes["rtol"] = rtol
        national = dataclasses.replace(national, **changes)
    return national


def read_distances(path) -> pd.DataFrame:
    """Return a square distance matrix from CSV: first column and header = region labels."""
    try:
        frame = pd.read_csv(Path(path), index_col=0)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read distances from {path}: {exc}") from exc
    frame.index = frame.index.astype(str)
    frame.columns = frame.columns.astype(str)
    return frame


def read_indicators(path) -> pd.DataFrame:
    """Tidy regional indicators from CSV: columns ``region, group, indicator, value`` (+ optional ``year``)."""
    try:
        frame = pd.read_csv(Path(path))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read regional indicators from {path}: {exc}") from exc
    missing = [c for c in ("region", "group", "indicator", "value") if c not in frame.columns]
    if missing:
        raise FileFormatError(f"{path}: regional indicators need columns region, group, indicator, value; "
                              f"missing {missing}")
    return frame
