"""Conversion to and from :class:`pymrio.IOSystem`, lossless both ways (pymrio is imported on use).

pymrio wants every final-demand destination to be a region of the system, with the same categories
in every region (``Y`` columns = regions x categories). An mrio system may sell to destinations
outside it (``"RoW"`` exports) and need not give every region every category, so :func:`to_pymrio`
adds each outside destination as a region with zero rows and columns in Z (inactive industries:
pymrio's ``calc_all``, ``aggregate`` and ``report_accounts`` handle them) and fills the missing
(region, category) columns of Y with zeros. Primary inputs ``V`` become the ``factor_inputs``
extension (pymrio's name for them), the extensions ``F``/``F_Y`` the ``satellite`` extension.
What pymrio has no place for (value-added components, units, mrio metadata, the original column
order, which regions are outside destinations) is stored in the pymrio metadata under ``"mrio"``,
which ``IOSystem.save_all`` keeps; :func:`from_pymrio` reads it back and undoes the padding, so
``MRIO -> pymrio -> MRIO`` returns the same system bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from mrio.core.files import _jsonable
from mrio.errors import InputError

#: Key of the mrio information in the pymrio metadata.
META_KEY = "mrio"
#: Names of the two extensions :func:`to_pymrio` writes.
PRIMARY_INPUTS, SATELLITE = "factor_inputs", "satellite"


def _require_pymrio() -> Any:
    try:
        import pymrio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("pymrio is not installed: pip install pymrio") from exc
    return pymrio


def _stored_info(iosystem: Any) -> dict | None:
    meta = getattr(iosystem, "meta", None)
    content = getattr(meta, "metadata", None)
    info = content.get(META_KEY) if isinstance(content, dict) else None
    if isinstance(info, str):  # a metadata file written by another tool may hold it as text
        try:
            info = json.loads(info)
        except json.JSONDecodeError:
            return None
    return info if isinstance(info, dict) and info.get("format") == 1 else None


def _flatten(F: pd.DataFrame) -> pd.DataFrame:
    if isinstance(F.index, pd.MultiIndex):  # "stressor | compartment"
        F = F.copy()
        F.index = pd.Index([" | ".join(map(str, t)) for t in F.index])
    return F


def _unit_of(ext: Any, row: Any, default: str = "unknown") -> str:
    unit = getattr(ext, "unit", None)
    if unit is None or row not in unit.index:
        return default
    return str(unit.loc[row].iloc[0])


def from_pymrio(cls: Any, iosystem: Any, extensions: Sequence[str] | None = None, **kwargs: Any) -> Any:
    """See :meth:`mrio.MRIO.from_pymrio`."""
    if getattr(iosystem, "Z", None) is None or getattr(iosystem, "Y", None) is None:
        raise InputError("the pymrio system has no Z or Y; call iosystem.calc_system() first")
    info = _stored_info(iosystem)
    Z = iosystem.Z.copy()
    Y = iosystem.Y.copy()
    for frame, names in ((Z, ["region", "sector"]), (Y, ["region", "sector"])):
        if not isinstance(frame.index, pd.MultiIndex) or frame.index.nlevels != 2:
            raise InputError("the pymrio system's Z and Y rows must be a (region, sector) MultiIndex")
        frame.index = frame.index.set_names(names)
    Z.columns = Z.columns.set_names(["region", "sector"])
    Y.columns = Y.columns.set_names(["region", "category"])
    x = None
    if getattr(iosystem, "x", None) is not None:
        x = iosystem.x.iloc[:, 0].copy()
        x.index = Z.index
    names = list(iosystem.get_extensions())
    chosen = names if extensions is None else list(extensions)
    for name in chosen:
        if getattr(iosystem, name, None) is None:
            raise InputError(f"pymrio system has no extension {name!r}")
    units: dict[str, str] = {}
    V = None
    va_rows = None
    meta: dict[str, Any] = {}
    outside: list = []
    y_columns = None
    if info is not None:  # an mrio export: undo the padding, restore what pymrio has no place for
        if extensions is None:
            chosen = [n for n in (info.get("satellite"),) if n in names]
        outside = [r for r in info.get("outside_regions", []) if r in Z.index.get_level_values("region")]
        y_columns = [tuple(c) for c in info.get("y_columns", [])]
        units.update({str(k): str(v) for k, v in (info.get("units") or {}).items()})
        meta.update(info.get("meta") or {})
        va_rows = info.get("value_added_components")
    primary = info.get("primary_inputs", PRIMARY_INPUTS) if info is not None else PRIMARY_INPUTS
    ext = getattr(iosystem, primary, None)
    if ext is not None and getattr(ext, "F", None) is not None and not isinstance(ext.F.index, pd.MultiIndex):
        candidate = ext.F.copy()
        candidate.columns = Z.columns
        total = Z.to_numpy().sum(axis=0) + candidate.to_numpy().sum(axis=0)
        output = Z.to_numpy().sum(axis=1) + Y.to_numpy().sum(axis=1) if x is None else x.to_numpy()
        rtol = kwargs.get("rtol", 1e-6)
        if candidate.shape[1] == len(Z) and np.all(np.abs(total - output) <= rtol * np.maximum(1.0, np.abs(output))):
            V = candidate.rename_axis(index="component")  # primary inputs that close the column balance
            units.setdefault("monetary", _unit_of(ext, V.index[0], ""))
    if outside:
        keep = ~Z.index.get_level_values("region").isin(outside)
        dropped = Z.index[~keep]
        for label, values in (("Z rows", Z.loc[dropped].to_numpy()), ("Z columns", Z.loc[:, dropped].to_numpy()),
                              ("Y rows", Y.loc[dropped].to_numpy())):
            if np.any(values != 0):
                raise InputError(f"the pymrio system's outside destinations {outside} have non-zero {label}: "
                                 "not the padding mrio.to_pymrio adds; drop the 'mrio' metadata to read it as is")
        Z = Z.loc[keep, keep]
        Y = Y.loc[keep]
        x = None if x is None else x.loc[keep]
        V = None if V is None else V.loc[:, keep]
    if y_columns:
        present = set(Y.columns)
        extra = [c for c in Y.columns if c not in set(y_columns)]
        if set(y_columns) <= present and not np.any(Y[extra].to_numpy() != 0):
            Y = Y[pd.MultiIndex.from_tuples(y_columns, names=["region", "category"])]
    frames, frames_y = [], []
    for name in chosen:
        ext = getattr(iosystem, name)
        F = ext.F.copy()
        if outside:  # drop the padded columns of the outside destinations
            F = F.loc[:, [c for c in F.columns if c[0] not in set(outside)]]
        if F.shape[1] == len(Z.columns):
            F.columns = Z.columns
        F_Y = getattr(ext, "F_Y", None)
        if F_Y is not None:
            F_Y = F_Y.reindex(index=F.index).copy()
            F_Y.columns = pd.MultiIndex.from_tuples(list(F_Y.columns), names=["region", "category"])
            if set(Y.columns) <= set(F_Y.columns):
                F_Y = F_Y[Y.columns]
        else:
            F_Y = pd.DataFrame(0.0, index=F.index, columns=Y.columns)
        for stressor in F.index:
            key = " | ".join(map(str, stressor)) if isinstance(stressor, tuple) else str(stressor)
            units.setdefault(key, _unit_of(ext, stressor))
        frames.append(_flatten(F))
        frames_y.append(_flatten(F_Y))
    F = F_Y = None
    if frames:
        F = pd.concat(frames)
        F_Y = pd.concat(frames_y)
        F.index = F.index.rename("stressor")
        F_Y.index = F.index
    unit_df = getattr(iosystem, "unit", None)
    if unit_df is not None and len(unit_df):
        units.setdefault("monetary", str(unit_df.iloc[0, 0]))
    if not units.get("monetary"):
        units.pop("monetary", None)
    units.update(kwargs.pop("units", {}) or {})
    if info is None:
        pm = getattr(getattr(iosystem, "meta", None), "metadata", None) or {}
        meta = {"source": f"pymrio IOSystem {getattr(iosystem, 'name', '')}".strip()}
        meta.update({k: pm[k] for k in ("description", "system", "version") if isinstance(pm.get(k), str | int)})
    meta.update(kwargs.pop("meta", {}) or {})
    if va_rows is not None and V is not None and "value_added_components" not in kwargs:
        kwargs["value_added_components"] = [v for v in va_rows if v in V.index] or None
    return cls.from_flows(Z, Y, V=V, x=x, extensions=F, extensions_final_demand=F_Y, units=units, meta=meta,
                          **kwargs)


def to_pymrio(system: Any) -> Any:
    """See :meth:`mrio.MRIO.to_pymrio`."""
    pymrio = _require_pymrio()
    regions = list(system.regions)
    outside = [r for r in system.final_demand_regions if r not in set(regions)]
    all_regions = regions + outside
    index = pd.MultiIndex.from_product([all_regions, system.sectors], names=["region", "sector"])
    categories = list(dict.fromkeys(system.Y.columns.get_level_values("category")))
    y_cols = pd.MultiIndex.from_product([all_regions, categories], names=["region", "category"])
    Z = system.Z.reindex(index=index, columns=index, fill_value=0.0)
    Y = system.Y.reindex(index=index, columns=y_cols, fill_value=0.0)
    x = system.x.reindex(index, fill_value=0.0).to_frame("indout")
    monetary = system.units.get("monetary", "")
    io = pymrio.IOSystem(Z=Z, Y=Y, x=x, unit=pd.DataFrame({"unit": monetary}, index=index),
                         name=str(system.meta.get("name", "mrio")))
    io.factor_inputs = pymrio.Extension(
        name=PRIMARY_INPUTS, F=system.V.reindex(columns=index, fill_value=0.0),
        unit=pd.DataFrame({"unit": monetary}, index=system.V.index))
    if system.F is not None:
        F_Y = system.F_Y if system.F_Y is not None else pd.DataFrame(0.0, index=system.stressors,
                                                                     columns=system.Y.columns)
        # pymrio's IOSystem.extensions is a read-only property: use another attribute name
        io.satellite = pymrio.Extension(
            name=SATELLITE, F=system.F.reindex(columns=index, fill_value=0.0),
            F_Y=F_Y.reindex(columns=y_cols, fill_value=0.0),
            unit=pd.DataFrame({"unit": [system.units[str(s)] for s in system.stressors]}, index=system.stressors))
    info = {"format": 1, "outside_regions": _jsonable(outside),
            "y_columns": _jsonable([list(c) for c in system.Y.columns]),
            "value_added_components": _jsonable(list(system.value_added_components)),
            "units": {str(k): str(v) for k, v in system.units.items()},
            "meta": _jsonable(dict(system.meta)),
            "primary_inputs": PRIMARY_INPUTS, "satellite": SATELLITE if system.F is not None else None}
    io.meta.change_meta(META_KEY, info, log=False)
    return io
