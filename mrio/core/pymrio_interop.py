"""Conversion to and from :class:`pymrio.IOSystem` (pymrio is optional: imported on use)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from mrio.errors import InputError


def _require_pymrio() -> Any:
    try:
        import pymrio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InputError("pymrio is not installed: pip install pymrio") from exc
    return pymrio


def from_pymrio(cls: Any, iosystem: Any, extensions: Sequence[str] | None = None, **kwargs: Any) -> Any:
    """See :meth:`mrio.MRIO.from_pymrio`."""
    if getattr(iosystem, "Z", None) is None or getattr(iosystem, "Y", None) is None:
        raise InputError("the pymrio system has no Z or Y; call iosystem.calc_system() first")
    Z = iosystem.Z.copy()
    Y = iosystem.Y.copy()
    Z.index = Z.index.set_names(["region", "sector"])
    Z.columns = Z.columns.set_names(["region", "sector"])
    Y.index = Y.index.set_names(["region", "sector"])
    Y.columns = Y.columns.set_names(["region", "category"])
    frames, frames_y, units = [], [], {}
    names = list(iosystem.get_extensions()) if extensions is None else list(extensions)
    for name in names:
        ext = getattr(iosystem, name, None)
        if ext is None:
            raise InputError(f"pymrio system has no extension {name!r}")
        F = ext.F.copy()
        F.columns = Z.columns
        frames.append(F)
        F_Y = getattr(ext, "F_Y", None)
        if F_Y is not None:
            F_Y = F_Y.reindex(index=F.index).copy()
            F_Y.columns = Y.columns
        else:
            F_Y = pd.DataFrame(0.0, index=F.index, columns=Y.columns)
        frames_y.append(F_Y)
        unit = getattr(ext, "unit", None)
        for stressor in F.index:
            units[str(stressor)] = str(unit.loc[stressor].iloc[0]) if unit is not None else "unknown"
        if isinstance(F.index, pd.MultiIndex):  # flatten per extension ("stressor | compartment"),
            flat = pd.Index([" | ".join(map(str, t)) for t in F.index])  # else a mixed concat keeps tuples
            units.update({f: units.pop(str(t)) for f, t in zip(flat, F.index, strict=True)})
            F.index = flat
            F_Y.index = flat
    F = F_Y = None
    if frames:
        F = pd.concat(frames)
        F_Y = pd.concat(frames_y)
        if isinstance(F.index, pd.MultiIndex):
            flat = [" | ".join(map(str, t)) for t in F.index]
            units = {flat[i]: units[str(t)] for i, t in enumerate(F.index)}
            F.index = pd.Index(flat, name="stressor")
            F_Y.index = F.index
        F.index = F.index.rename("stressor")
        F_Y.index = F.index
    unit_df = getattr(iosystem, "unit", None)
    if unit_df is not None and "monetary" not in kwargs.get("units", {}):
        units["monetary"] = str(unit_df.iloc[0, 0])
    units.update(kwargs.pop("units", {}) or {})
    meta = {"source": f"pymrio IOSystem {getattr(iosystem, 'name', '')}".strip()}
    meta.update(kwargs.pop("meta", {}) or {})
    x = None
    if getattr(iosystem, "x", None) is not None:
        x = iosystem.x.iloc[:, 0].copy()
        x.index = Z.index
    return cls.from_flows(Z, Y, x=x, extensions=F, extensions_final_demand=F_Y, units=units, meta=meta,
                          **kwargs)


def to_pymrio(system: Any) -> Any:
    """See :meth:`mrio.MRIO.to_pymrio`."""
    pymrio = _require_pymrio()
    io = pymrio.IOSystem(
        Z=system.Z.copy(), Y=system.Y.copy(), x=system.x.to_frame("indout"),
        unit=pd.DataFrame({"unit": system.units.get("monetary", "")}, index=system.index),
        name=str(system.meta.get("name", "mrio")),
    )
    factor_inputs = pymrio.Extension(
        name="factor_inputs", F=system.V.copy(),
        unit=pd.DataFrame({"unit": system.units.get("monetary", "")}, index=system.V.index))
    io.factor_inputs = factor_inputs
    if system.F is not None:
        F_Y = system.F_Y.copy() if system.F_Y is not None else None
        # pymrio's IOSystem.extensions is a read-only property: use another attribute name
        io.satellite = pymrio.Extension(
            name="satellite", F=system.F.copy(), F_Y=F_Y,
            unit=pd.DataFrame({"unit": [system.units[str(s)] for s in system.stressors]},
                              index=system.stressors))
    return io
