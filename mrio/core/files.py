"""Writing systems and results to files; every write is atomic (reading: :mod:`mrio.core.io`).

A system on disk is a folder::

    metadata.json        format, version, units, meta, value-added components, file list
    Z.parquet            (region, sector) x (region, sector)
    Y.parquet            (region, sector) x (region, category)
    V.parquet            (region, sector) x component: V stored transposed (see below)
    F.parquet            (region, sector) x stressor: F transposed (if the system has extensions)
    F_Y.parquet          (region, category) x stressor: F_Y transposed (if present)
    x.parquet            (region, sector) x output: gross output, stored so that a table read back
                         is the table written bit for bit (not re-derived from the row sums)

or the same with ``.csv`` files (``format="csv"``; V, F and F_Y as in memory there: component or
stressor rows). Parquet stores a column per column of the frame, which costs time per column when
reading: the wide tables V, F and F_Y (a few rows, one column per industry) are therefore written
with one row per industry and listed under ``"transposed"`` in ``metadata.json`` (format version
2; CSV folders and version 1 folders, with every table as in memory, are version 1). Float columns are stored
without dictionary encoding. Parquet keeps float64 bit for bit; CSV is
written with shortest round-trip float formatting and read back exactly (pandas 2 needs
``float_precision="round_trip"``, pandas 3 parses exactly by default),
so both round trips are exact (labels come back as strings from CSV).

Writes go to a temporary sibling first and are moved into place with :func:`os.replace`, so a
failed write leaves no partial file or folder and an existing target is only replaced whole.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
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

__all__ = ["write", "write_table", "tidy", "atomic_path", "check_writable", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "mrio"
FORMAT_VERSION = 2
#: Format versions :func:`mrio.read` accepts (1: every table stored as in memory).
READABLE_VERSIONS = (1, 2)
#: Wide tables stored transposed in Parquet folders (one row per industry or category).
TRANSPOSED_TABLES = ("V", "F", "F_Y")
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


def umask() -> int:
    """Return the process's file-creation mask (changed for no longer than the call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_mode(target: Path, directory: bool = False) -> int:
    """Permissions for a file or folder written onto ``target``.

    An existing target keeps its mode; a new one gets what ``open``/``mkdir`` would give it under
    the umask (0644 / 0755 under the usual 022), not the 0600 / 0700 of :mod:`tempfile`.
    """
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return (0o777 if directory else 0o666) & ~umask()


def resolve_target(target: str | os.PathLike) -> Path:
    """Return ``target`` with symbolic links followed.

    A temporary sibling then lies on the target's file system, and a link is kept (the file or
    folder it points to is replaced, not the link).
    """
    target = Path(target)
    if target.is_symlink() or any(parent.is_symlink() for parent in target.parents):
        return target.resolve()
    return target


def check_writable(target: str | os.PathLike, directory: bool = False) -> Path:
    """Fail now, not after the work, when ``target`` cannot be written; return the resolved target.

    The target's folder must exist and accept a new file (probed: :func:`os.access` is not
    enough on read-only or special file systems); an existing target must be of the right kind,
    and an existing folder must itself be writable (results are swapped into it).

    Raises
    ------
    FileFormatError
        Naming the path and the reason.
    """
    shown = target
    target = resolve_target(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileFormatError(f"cannot write {shown}: folder {parent} does not exist")
    folders = [parent] + ([target] if directory and target.is_dir() else [])
    for folder in folders:
        try:
            with tempfile.TemporaryFile(dir=folder, prefix=".mrio.", suffix=".probe"):
                pass
        except OSError as exc:
            raise FileFormatError(f"cannot write {shown}: folder {folder} is not writable "
                                  f"({exc.strerror or exc})") from exc
    if target.exists() and target.is_dir() != directory:
        kind = "file" if directory else "folder"
        raise FileFormatError(f"cannot write {shown}: a {kind} of that name exists")
    return target


def _replace(source: Path, target: Path) -> None:
    """:func:`os.replace`, falling back to a copy beside the target when they are on different devices."""
    try:
        os.replace(source, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        staged = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
        try:
            copy = shutil.copytree if source.is_dir() else shutil.copy2
            copy(source, staged / "content")
            os.replace(staged / "content", target)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        shutil.rmtree(source, ignore_errors=True) if source.is_dir() else source.unlink()


@contextmanager
def atomic_path(target: str | os.PathLike, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it onto ``target`` only on success.

    The result gets the umask's permissions (an existing target keeps its mode); a symbolic link
    is followed (the file it points to is replaced, on its own file system); the temporary path
    is removed on any failure, including Ctrl-C and, on the command line, SIGTERM.

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
    shown = target
    target = resolve_target(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise FileFormatError(f"cannot write {shown}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise FileFormatError(f"cannot write {shown}: folder {parent} is not writable")
    if directory and target.exists() and not target.is_dir():
        raise FileFormatError(f"cannot write folder {shown}: a file of that name exists")
    mode = new_mode(target, directory)
    try:  # os.access is not enough (root, read-only or special file systems)
        if directory:
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
            os.close(fd)
            tmp = Path(name)
    except OSError as exc:
        raise FileFormatError(
            f"cannot write {shown}: folder {parent} is not writable ({exc.strerror})") from exc
    try:
        yield tmp
        os.chmod(tmp, mode)
        if directory and target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "content")
            try:
                _replace(tmp, target)
            except BaseException:
                os.replace(old / "content", target)  # put the previous folder back whole
                shutil.rmtree(old, ignore_errors=True)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            _replace(tmp, target)
    except BaseException:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
        raise


def _write_frame(frame: pd.DataFrame, path: Path, fmt: str, transposed: bool = False) -> None:
    if fmt == "parquet":
        # floats gain nothing from dictionary encoding, which costs time when reading
        (frame.T if transposed else frame).to_parquet(path, engine="pyarrow", use_dictionary=False)
    else:
        frame.to_csv(path)


def _read_frame(path: Path, fmt: str, name: str, transposed: bool = False) -> pd.DataFrame:
    rows, cols = _LEVELS[name]
    if transposed:
        rows, cols = cols, rows
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
    return frame.T if transposed else frame


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
    transposed = [name for name in TRANSPOSED_TABLES if name in files] if format == "parquet" else []
    metadata = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION if transposed else 1,  # CSV folders are the same in both versions
        "table_format": format,
        "files": files,
        **({"transposed": transposed} if transposed else {}),
        "units": dict(system.units),
        "value_added_components": [str(c) for c in system.value_added_components],
        "meta": _jsonable(dict(system.meta)),
    }
    with atomic_path(path, directory=True) as tmp:
        for name, filename in files.items():
            try:
                _write_frame(tables[name], tmp / filename, format, transposed=name in transposed)
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


def _xlsx(frame: pd.DataFrame, path: Path) -> None:
    """Write a record table to one sheet with XlsxWriter, row by row (``constant_memory``).

    Formulas and URLs are off: a label such as "=1+1" or "=HYPERLINK(...)" is written as text,
    never a live formula (formula injection); one row per record, so no merged cells. Cells are
    written by column type (numbers with ``write_number``, text with ``write_string``): pandas'
    ``to_excel`` goes through a generic cell object per cell and takes about three times as
    long. As there, missing values and empty text are empty cells and infinities the text
    ``inf`` / ``-inf``.
    """
    import xlsxwriter

    options = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True,
               "constant_memory": True}
    with xlsxwriter.Workbook(str(path), options) as book:
        sheet = book.add_worksheet("table")
        header = book.add_format({"bold": True, "border": 1, "align": "center", "valign": "top"})
        for j, name in enumerate(frame.columns):
            sheet.write_string(0, j, str(name), header)
        writers = [_xlsx_cell_writer(sheet, frame[c]) for c in frame.columns]
        columns = [frame[c].tolist() for c in frame.columns]
        for i, row in enumerate(zip(*columns, strict=True), start=1):
            for j, (write, value) in enumerate(zip(writers, row, strict=True)):
                write(i, j, value)


def _xlsx_cell_writer(sheet, column: pd.Series) -> Callable[[int, int, Any], None]:
    """Return the cell writer of one column: numbers, text, or XlsxWriter's generic ``write``."""
    def number(i: int, j: int, value: Any) -> None:
        if value != value:  # NaN: an empty cell
            return
        if value in (np.inf, -np.inf):
            sheet.write_string(i, j, "inf" if value > 0 else "-inf")
        else:
            sheet.write_number(i, j, value)

    def other(i: int, j: int, value: Any) -> None:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return
        if isinstance(value, str):
            if value:  # an empty text is an empty cell, as with pandas
                sheet.write_string(i, j, value)
        elif isinstance(value, bool | np.bool_):
            sheet.write_boolean(i, j, bool(value))
        elif isinstance(value, int | float | np.integer | np.floating):
            number(i, j, float(value))
        else:
            sheet.write(i, j, str(value))

    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else ""
    return number if kind in "fiu" and kind else other


_TABLE_WRITERS: dict[str, Callable[[pd.DataFrame, Path], None]] = {
    ".csv": lambda frame, p: frame.to_csv(p, index=False),
    ".parquet": lambda frame, p: frame.to_parquet(p, engine="pyarrow"),
    ".xlsx": _xlsx,
}


def tidy(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Return a result table as a reusable record table.

    One row per record, the row labels as named columns (``region``, ``sector``... or
    ``label``), flat column names (levels joined by " / "), and a ``unit`` column when the table
    states one unit (``attrs["unit"]``).

    This is what :func:`~mrio.write_table` writes to ``.csv`` and ``.xlsx`` files.
    """
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    unit = frame.attrs.get("unit")
    frame = frame.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        frame.columns = [" / ".join(map(str, c)) for c in frame.columns]
    else:
        frame.columns = [str(c) for c in frame.columns]
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:  # records already
        if isinstance(unit, str) and unit and "unit" not in frame.columns:
            frame["unit"] = unit
        return frame
    names = [name if name is not None else ("label" if frame.index.nlevels == 1 else f"label_{i}")
             for i, name in enumerate(frame.index.names)]
    taken = set(frame.columns)
    names = [name if name not in taken else f"{name}_label" for name in map(str, names)]
    frame.index = frame.index.set_names(names)
    frame = frame.reset_index()
    if isinstance(unit, str) and unit and "unit" not in frame.columns:
        frame["unit"] = unit
    return frame


def write_table(table: pd.DataFrame | pd.Series, path: str | os.PathLike) -> Path:
    """Write a result table atomically; the format follows the suffix (.csv, .parquet, .xlsx).

    ``.csv`` and ``.xlsx`` hold :func:`~mrio.core.files.tidy` tables (labels as named columns, one header row,
    no merged cells, a ``unit`` column; text that looks like a formula stays text); ``.parquet``
    keeps the labelled frame (index, column levels, ``attrs`` with the units) exactly.

    Raises
    ------
    InputError
        Unknown suffix.
    FileFormatError
        Folder missing or not writable.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    writer = _TABLE_WRITERS.get(suffix)
    if writer is None:
        raise InputError(f"cannot write {path}: unknown suffix {path.suffix!r}; use .csv, .parquet or .xlsx")
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    frame = _string_columns(frame) if suffix == ".parquet" else tidy(frame)
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
