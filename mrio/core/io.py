"""Reading and writing systems and results (see :mod:`mrio.core.files` for the folder layout).

:func:`read` turns a folder written by :func:`write` back into a validated :class:`~mrio.MRIO`;
writing lives in :mod:`mrio.core.files` (which the system itself uses) and is re-exported here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from mrio.core.files import (
    _TABLES,
    FORMAT_NAME,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    TRANSPOSED_TABLES,
    _read_frame,
    atomic_path,
    write,
    write_table,
)
from mrio.core.system import MRIO, identity_rtol
from mrio.errors import FileFormatError

__all__ = ["read", "write", "write_table", "atomic_path", "FORMAT_NAME", "FORMAT_VERSION"]


def _check_metadata(metadata: dict, where: Path) -> None:
    """Check the types of the metadata entries (a wrong type is named, never used)."""
    def fail(key: str, what: str) -> None:
        raise FileFormatError(f"{where}: {key} must be {what}, got {metadata[key]!r}")

    if "units" in metadata and not (isinstance(metadata["units"], dict)
                                    and all(isinstance(v, str) for v in metadata["units"].values())):
        fail("units", "an object of unit names (strings)")
    if "meta" in metadata and not isinstance(metadata["meta"], dict | type(None)):
        fail("meta", "an object")
    vac = metadata.get("value_added_components")
    if "value_added_components" in metadata and not (
            vac is None or (isinstance(vac, list) and all(isinstance(v, str | int) for v in vac))):
        fail("value_added_components", "a list of row names of V")


def read(path: str | os.PathLike, rtol: float | None = None) -> MRIO:
    """Read a system written by :func:`write`.

    Parameters
    ----------
    path : path-like
        The folder holding ``metadata.json``.
    rtol : float, optional
        Tolerance of the identity checks (default :data:`mrio.core.system.DEFAULT_RTOL`).

    Raises
    ------
    FileFormatError
        Missing folder or files, malformed metadata, unreadable tables.
    """
    path = Path(path)
    meta_path = path / "metadata.json"
    if not path.is_dir():
        raise FileFormatError(f"{path} is not a folder holding an mrio system (metadata.json + tables)")
    if not meta_path.is_file():
        raise FileFormatError(f"{path} has no metadata.json: not an mrio system folder")
    def not_strict(constant):
        raise FileFormatError(f"{meta_path} is not strict JSON: it holds {constant}")

    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"), parse_constant=not_strict)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{meta_path} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise FileFormatError(f"{meta_path} is nested too deeply to be mrio metadata") from exc
    except OSError as exc:
        raise FileFormatError(f"cannot read {meta_path}: {exc.strerror or exc}") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT_NAME:
        raise FileFormatError(f"{meta_path} does not describe an mrio system (missing format: {FORMAT_NAME!r})")
    if metadata.get("version") not in READABLE_VERSIONS:
        raise FileFormatError(f"{meta_path}: unsupported format version {metadata.get('version')!r}")
    fmt = metadata.get("table_format", "parquet")
    files = metadata.get("files", {})
    if fmt not in ("parquet", "csv") or not isinstance(files, dict) or "Z" not in files or "Y" not in files:
        raise FileFormatError(f"{meta_path}: table_format or files entry is malformed")
    _check_metadata(metadata, meta_path)
    transposed = metadata.get("transposed", [])
    if not isinstance(transposed, list) or not set(transposed) <= set(TRANSPOSED_TABLES):
        raise FileFormatError(f"{meta_path}: transposed must be a list of {', '.join(TRANSPOSED_TABLES)}, "
                              f"got {transposed!r}")
    frames: dict[str, pd.DataFrame] = {}
    for name in _TABLES:
        if name in files:
            entry = files[name]
            if not isinstance(entry, str) or Path(entry).name != entry:
                raise FileFormatError(f"{meta_path}: files.{name} must be a file name inside {path}, "
                                      f"got {entry!r}")
            file = path / entry
            if not file.is_file():
                raise FileFormatError(f"{path}: table {name} listed in metadata.json is missing ({file.name})")
            frames[name] = _read_frame(file, fmt, name, transposed=name in transposed)
    x = None
    if "x" in frames:
        if frames["x"].shape[1] != 1:
            raise FileFormatError(f"{path}: table x must have one column (gross output), got {frames['x'].shape[1]}")
        x = frames["x"].iloc[:, 0].rename("output")
    return MRIO.from_flows(
        frames["Z"], frames["Y"], V=frames.get("V"), x=x, extensions=frames.get("F"),
        extensions_final_demand=frames.get("F_Y"), units=metadata.get("units"),
        meta=metadata.get("meta"), value_added_components=metadata.get("value_added_components"),
        rtol=identity_rtol(metadata.get("meta") or {}, rtol),
    )
