"""Reading the inputs of a regional build: national tables, distances, regional indicators."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mrio.build.cbs import read_cbs_iot
from mrio.build.national import NationalTable
from mrio.core.io import read
from mrio.errors import FileFormatError

__all__ = ["read_national", "read_distances", "read_indicators"]


def read_national(path) -> NationalTable:
    """Read a national table.

    A folder written by :func:`mrio.build.national.write_national`, a single-region mrio folder
    (:func:`mrio.write`), or a CBS input-output CSV file (:func:`mrio.build.cbs.read_cbs_iot`).

    Raises
    ------
    FileFormatError
        The path is none of these.
    """
    path = Path(path)
    if path.is_file():
        return read_cbs_iot(path)
    if path.is_dir() and (path / "final_demand.csv").is_file():
        try:
            meta = json.loads((path / "meta.json").read_text(encoding="utf-8")) \
                if (path / "meta.json").is_file() else {}

            def frame(name):
                return pd.read_csv(path / f"{name}.csv", index_col=0)

            Z, fd, ex, V = frame("Z"), frame("final_demand"), frame("exports"), frame("V")
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"cannot read the national table in {path}: {exc}") from exc
        for f, name in ((Z, "sector"), (fd, "sector"), (ex, "sector")):
            f.index.name = name
        Z.columns.name = "sector"
        fd.columns.name = ex.columns.name = "category"
        V.index.name = "component"
        V.columns.name = "sector"
        return NationalTable(Z=Z, final_demand=fd, exports=ex, V=V,
                             value_added_components=tuple(meta.pop("value_added_components", ())),
                             producer_held=tuple(meta.pop("producer_held", ())),
                             units=meta.pop("units", meta.get("unit", "million EUR")), meta=meta)
    if path.is_dir() and (path / "metadata.json").is_file():
        return NationalTable.from_mrio(read(path))
    raise FileFormatError(f"{path} is neither a CBS input-output CSV, a national-table folder "
                          "(Z.csv, final_demand.csv, exports.csv, V.csv) nor a single-region mrio folder")


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
