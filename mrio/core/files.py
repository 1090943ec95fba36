"""Writing systems and results to files; every write is atomic (reading: :mod:`mrio.core.io`).

A system on disk is a folder::

    metadata.json        format, version, units, meta, value-added components, file list
    Z.parquet            (region, sector) x (region, sector)
    Y.parquet            (region, sector) x (region, category)
    V.parquet            component x (region, sector)
    F.parquet            stressor x (region, sector)          (if the system has extensions)
    F_Y.parquet          stressor x (region, category)        (if present)
    x.parquet            (region, sector) x output: gross output, stored so that a table read back
                         is the table written bit for bit (not re-derived from the row sums)

or the same with ``.csv`` files (``format="csv"``). Parquet keeps float64 bit for bit; CSV is
written with shortest round-trip float formatting and read back exactly (pandas 2 needs
``float_precision="round_trip"``, pandas 3 parses exactly by default),
so both round trips are exact (labels come back as strings from CSV).

Writes go to a temporary sibling first and are moved into place with :func:`os.replace`, so a
failed write leaves no partial file or folder and an existing target is only replaced whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mrio.errors import FileFormatError, InputError, MRIOError

if TYPE_CHECKING:
    from mrio.core.system import MRIO

__all__ = ["write", "write_table", "atomic_path", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "mrio"
FORMAT_VERSION = 1
_TABLES = ("Z", "Y", "V", "F", "F_Y", "x")
# pandas >= 3 parses floats exactly by default and deprecates float_precision; pandas 2 needs it.
_CSV_FLOAT = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}
_LEVELS = {
    "Z": (["region", "sector"], ["region", "sector"]),
    "Y": (["region", "sector"], ["region", "category"]),
    "V": (["component"], ["region", "sector"]),
    "F": (["stressor"], ["region", "sector"]),
    "F_Y": (["stressor"], ["region", "category"]),
    "x": (["region", "sector"], ["quantity"]),
}


@contextmanager
def atomic_path(target: str | os.PathLike, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only on success.

    Parameters
    ----------
    target : path-like
    directory : bool
        Create the temporary path as a folder.

    Raises
    ------
    FileFormatError
        If the parent folder does not exist or is not writable.
    """
    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileFormatError(f"cannot write {target}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise FileFormatError(f"cannot write {target}: folder {parent} is not writable")
    try:  # os.access is not enough (root, read-only or special file systems)
        if directory:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
            os.close(fd)
            tmp = Path(name)
    except OSError as exc:
        raise FileFormatError(
            f"cannot write {target}: folder {parent} is not writable ({exc.strerror})") from exc
    try:
        yield tmp
        if directory and target.exists():
            if not target.is_dir():
                raise FileFormatError(f"cannot write folder {target}: a file of that name exists")
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "content")
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old / "content", target)  # put the previous folder back whole
                shutil.rmtree(old, ignore_errors=True)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        raise


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        frame.to_parquet(path, engine="pyarrow")
    else:
        frame.to_csv(path)


def _read_frame(path: Path, fmt: str, name: str) -> pd.DataFrame:
    rows, cols = _LEVELS[name]
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path, engine="pyarrow")
        else:
            # row labels as strings, like the header labels (else "01" would come back as 1)
            # no NA guessing: a label "NA", "nan" or "None" is a label (values are always numbers)
            frame = pd.read_csv(path, header=list(range(len(cols))), index_col=list(range(len(rows))),
                                dtype=dict.fromkeys(range(len(rows)), str), keep_default_na=False,
                                na_values=[], **_CSV_FLOAT)
    except (OSError, ValueError, KeyError, IndexError) as exc:
        raise FileFormatError(f"cannot read {name} from {path}: {exc}") from exc
    except Exception as exc:  # pyarrow raises its own ArrowInvalid etc.
        raise FileFormatError(f"cannot read {name} from {path}: {type(exc).__name__}: {exc}") from exc
    try:
        frame.index = frame.index.set_names(rows if len(rows) > 1 else rows[0])
        frame.columns = frame.columns.set_names(cols if len(cols) > 1 else cols[0])
    except (ValueError, TypeError) as exc:
        raise FileFormatError(f"table {name} in {path} must have {len(rows)} row label level(s) {rows} and "
                              f"{len(cols)} column label level(s) {cols}; got {frame.index.nlevels} and "
                              f"{frame.columns.nlevels}") from exc
    return frame


def write(system: MRIO, path: str | os.PathLike, format: str = "parquet") -> None:
    """Write ``system`` to the folder ``path`` atomically.

    Parameters
    ----------
    system : MRIO
    path : path-like
        Target folder; replaced whole if it exists.
    format : {"parquet", "csv"}
    """
    if format not in ("parquet", "csv"):
        raise InputError(f"unknown format {format!r}; use 'parquet' or 'csv'")
    if format == "csv":
        _check_csv_labels(system)
    _check_strict_json(dict(system.meta), "meta")
    tables = {"Z": system.Z, "Y": system.Y, "V": system.V, "F": system.F, "F_Y": system.F_Y,
              "x": system.x.to_frame("output").rename_axis(columns="quantity")}
    files = {name: f"{name}.{format}" for name, frame in tables.items() if frame is not None}
    metadata = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "table_format": format,
        "files": files,
        "units": dict(system.units),
        "value_added_components": [str(c) for c in system.value_added_components],
        "meta": _jsonable(dict(system.meta)),
    }
    with atomic_path(path, directory=True) as tmp:
        for name, filename in files.items():
            try:
                _write_frame(tables[name], tmp / filename, format)
            except Exception as exc:  # pyarrow/OS errors: report as ours; atomic_path cleans up
                raise FileFormatError(f"cannot write table {name} to {path}: {type(exc).__name__}: {exc}") from exc
        (tmp / "metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False, allow_nan=False)
                                           + "\n",
                                           encoding="utf-8")


def _check_csv_labels(system: MRIO) -> None:
    """Refuse labels a CSV cannot give back: empty ones, and distinct labels with the same text (1 and "1")."""
    axes = {"Z rows": system.Z.index, "Y columns": system.Y.columns, "V rows": system.V.index}
    if system.F is not None:
        axes["F rows"] = system.F.index
    for where, index in axes.items():
        levels = [index.get_level_values(k) for k in range(index.nlevels)]
        for level in levels:
            labels = list(dict.fromkeys(level))
            empty = [lab for lab in labels if str(lab) == ""]
            if empty:
                raise InputError(f"cannot write CSV: {where} have an empty label, which a CSV reads back as "
                                 "missing; name it, or write Parquet")
            by_text: dict[str, Any] = {}
            for lab in labels:
                other = by_text.setdefault(str(lab), lab)
                if other is not lab and other != lab:
                    raise InputError(f"cannot write CSV: {where} have the labels {other!r} and {lab!r}, which a "
                                     "CSV reads back as the same text; rename one, or write Parquet")


def _check_strict_json(value: Any, where: str) -> None:
    """Metadata goes to strict JSON: NaN and infinities have no representation there."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_strict_json(item, f"{where}[{str(key)!r}]")
    elif isinstance(value, list | tuple):
        for k, item in enumerate(value):
            _check_strict_json(item, f"{where}[{k}]")
    elif isinstance(value, float | np.floating) and not np.isfinite(value):
        raise InputError(f"cannot write metadata: {where} is {value!r}, not a finite number (strict JSON has "
                         "no NaN or infinity); store None or a string instead")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


_TABLE_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    ".csv": lambda frame, p: frame.to_csv(p),
    ".parquet": lambda frame, p: frame.to_parquet(p, engine="pyarrow"),
    ".xlsx": lambda frame, p: frame.to_excel(p, engine="openpyxl"),
}


def write_table(table: pd.DataFrame | pd.Series, path: str | os.PathLike) -> Path:
    """Write a result table atomically; the format follows the suffix (.csv, .parquet, .xlsx).

    Raises
    ------
    InputError
        Unknown suffix.
    FileFormatError
        Folder missing or not writable.
    """
    path = Path(path)
    writer = _TABLE_WRITERS.get(path.suffix.lower())
    if writer is None:
        raise InputError(f"cannot write {path}: unknown suffix {path.suffix!r}; use .csv, .parquet or .xlsx")
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    if path.suffix.lower() in (".parquet", ".xlsx"):
        frame = _string_columns(frame)
    with atomic_path(path) as tmp:
        try:
            writer(frame, tmp)
        except MRIOError:
            raise
        except Exception as exc:
            raise FileFormatError(f"cannot write {path}: {type(exc).__name__}: {exc}") from exc
    return path


def _string_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Parquet needs string column labels; stringify non-string flat labels."""
    if isinstance(frame.columns, pd.MultiIndex) or all(isinstance(c, str) for c in frame.columns):
        return frame
    out = frame.copy()
    out.columns = [str(c) for c in frame.columns]
    return out
