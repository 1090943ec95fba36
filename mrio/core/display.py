"""Compact notebook display of result objects (``_repr_html_``).

Result classes are dataclasses holding pandas tables, arrays and a few scalars. :func:`result_html`
renders any of them as a small HTML table, one row per field: scalars as values, tables as their
shape and labels (with their grand total only when every cell is the same quantity: see
:func:`commensurable`), mappings and sequences by their first items, followed by a five-row
preview of the first table. A class opts in with one line::

    _repr_html_ = result_html

Only summaries are rendered: a 3,240 x 3,240 matrix shows as its shape, never as its cells.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["result_html", "summarise", "commensurable"]

#: Rows and columns of the preview table.
PREVIEW_ROWS, PREVIEW_COLUMNS = 5, 6
#: Items listed for indexes, mappings and sequences.
LIST_ITEMS = 6


def _number(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    value = float(value)
    if not np.isfinite(value):
        return str(value)
    return f"{value:,.6g}"


def _labels(index: pd.Index) -> str:
    items = [" / ".join(map(str, item)) if isinstance(item, tuple) else str(item) for item in index[:LIST_ITEMS]]
    more = f", ... ({len(index):,} in all)" if len(index) > LIST_ITEMS else ""
    return ", ".join(items) + more


def _axis(index: pd.Index) -> str:
    names = [n for n in index.names if n is not None]
    return f"{' x '.join(map(str, names))}" if names else "unnamed"


#: Axis names whose labels are different quantities (units): a sum across them means nothing.
QUANTITY_AXES = frozenset({"measure", "stressor", "indicator", "quantity", "unit", "account"})


def commensurable(value: pd.DataFrame | pd.Series) -> bool:
    """Whether the cells of a table are one quantity, so that their grand total means something.

    A frame qualifies when its columns are a labelled axis (scenarios, regions, industries...),
    not record fields such as ``value, share, order`` or ``output, value_added, employment``, and
    no axis lists quantities (``measure``, ``stressor``...). A Series qualifies unless its index
    lists quantities.
    """
    axes = [value.index] if isinstance(value, pd.Series) else [value.index, value.columns]
    if any(name in QUANTITY_AXES for axis in axes for name in axis.names):
        return False
    if isinstance(value, pd.DataFrame):
        return all(name is not None for name in value.columns.names)
    return True


def _numeric_total(values: np.ndarray) -> str:
    if values.dtype.kind in "biuf" and values.size:
        total = float(np.nansum(values))
        return f"; total {_number(total)}"
    return ""


def summarise(value: Any) -> str:
    """Return a one-line plain-text summary of a field value (no cells of large tables)."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    if isinstance(value, bool | int | float | np.number | np.bool_):
        return _number(value)
    if isinstance(value, pd.DataFrame):
        total = _numeric_total(value.select_dtypes("number").to_numpy()) if commensurable(value) else ""
        return (f"DataFrame {value.shape[0]:,} x {value.shape[1]:,} (rows: {_axis(value.index)}; "
                f"columns: {_labels(value.columns)}){total}")
    if isinstance(value, pd.Series):
        total = _numeric_total(value.to_numpy()) \
            if pd.api.types.is_numeric_dtype(value) and commensurable(value) else ""
        return f"Series of {len(value):,} ({_axis(value.index)}: {_labels(value.index)}){total}"
    if isinstance(value, pd.Index):
        return f"{len(value):,} labels: {_labels(value)}"
    if isinstance(value, np.ndarray):
        return f"array {' x '.join(f'{n:,}' for n in value.shape)} ({value.dtype}){_numeric_total(value)}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = getattr(value, "name", None)
        return f"{type(value).__name__}" + (f" {name!r}" if isinstance(name, str) else "")
    if isinstance(value, Mapping):
        items = [f"{k}: {summarise(v) if not isinstance(v, Mapping) else '{...}'}"
                 for k, v in list(value.items())[:LIST_ITEMS]]
        more = f", ... ({len(value):,} in all)" if len(value) > LIST_ITEMS else ""
        return "{" + ", ".join(items) + more + "}"
    if isinstance(value, Sequence):
        items = [summarise(v) for v in list(value)[:LIST_ITEMS]]
        more = f", ... ({len(value):,} in all)" if len(value) > LIST_ITEMS else ""
        return "[" + ", ".join(items) + more + "]"
    return type(value).__name__


def _preview(frame: pd.DataFrame) -> str:
    part = frame.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS]
    return part.to_html(float_format=lambda v: f"{v:,.6g}", max_rows=PREVIEW_ROWS, max_cols=PREVIEW_COLUMNS,
                        border=0)


def result_html(self: Any) -> str:
    """HTML summary of a dataclass result: one row per field and a preview of its first table.

    Meant as ``_repr_html_ = result_html`` in a result class (Jupyter calls it to display the
    object). Every text is HTML-escaped.
    """
    cls = type(self)
    doc = (cls.__doc__ or "").strip().splitlines()
    title = html.escape(cls.__name__) + (f": {html.escape(doc[0])}" if doc else "")
    rows = []
    preview = None
    for f in dataclasses.fields(self):
        value = getattr(self, f.name)
        if preview is None and isinstance(value, pd.DataFrame | pd.Series) and len(value):
            preview = (f.name, value.to_frame() if isinstance(value, pd.Series) else value)
        rows.append(f"<tr><th style='text-align:left;vertical-align:top'>{html.escape(f.name)}</th>"
                    f"<td style='text-align:left'>{html.escape(summarise(value))}</td></tr>")
    out = [f"<div class='mrio-result'><table><caption style='text-align:left'><b>{title}</b></caption>",
           *rows, "</table>"]
    if preview is not None:
        name, frame = preview
        out.append(f"<details><summary>{html.escape(name)}: first rows</summary>{_preview(frame)}</details>")
    out.append("</div>")
    return "".join(out)
