"""The national table that a regional build starts from (:class:`NationalTable`), and its folder format."""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mrio.core import labels as lab
from mrio.core.checks import check_rtol
from mrio.core.files import _jsonable, atomic_path
from mrio.core.system import MRIO
from mrio.errors import IdentityError, InvalidTableError, LabelError

__all__ = ["NationalTable", "write_national", "CONSISTENCY_RTOL"]

#: Tolerance of the national-consistency guarantee.
CONSISTENCY_RTOL = 1e-9


@dataclass(frozen=True)
class NationalTable:
    """A national domestic-use input-output table (imports as a primary-input row, "type B").

    Parameters
    ----------
    Z : pandas.DataFrame of shape (n, n)
        Domestic intermediate flows, sector x sector (same labels on both axes), non-negative.
    final_demand : pandas.DataFrame of shape (n, c)
        Domestic final demand by category (household consumption, government, investment,
        inventory changes...). Negative cells are allowed.
    exports : pandas.DataFrame of shape (n, e)
        Exports by category (destination outside the country).
    V : pandas.DataFrame of shape (h, n)
        Primary inputs by component: imports, taxes less subsidies, value-added components.
    value_added_components : sequence
        Rows of V that make up gross value added.
    units : str, default "million EUR"
    meta : Mapping
        Year, source, licence, notes; ``income_row`` and ``household_category`` if known.
    producer_held : sequence, default ()
        Final-demand categories kept with the producing region instead of being traded (typically
        changes in inventories). Cells that are negative nationally are always producer-held.
    rtol : float, default 1e-9
        The identities ``x = Z i + F i + E i = i'Z + i'V`` must hold to
        ``|row - column| <= rtol * max(1, |row|)`` (published tables rounded to whole units may
        need e.g. 1e-4); the error names each sector with the gap and its relative size.
    """

    Z: pd.DataFrame
    final_demand: pd.DataFrame
    exports: pd.DataFrame
    V: pd.DataFrame
    value_added_components: tuple = ()
    units: str = "million EUR"
    meta: Mapping[str, Any] = field(default_factory=dict)
    producer_held: tuple = ()
    rtol: float = CONSISTENCY_RTOL

    def __post_init__(self) -> None:
        object.__setattr__(self, "rtol", check_rtol(self.rtol, "rtol of the national table"))
        sectors = self.Z.index
        lab.check_flat(sectors, "national Z rows")
        lab.check_same(self.Z.columns, sectors, "national Z columns", "national Z rows")
        lab.check_same(self.final_demand.index, sectors, "national final demand rows", "national Z rows")
        lab.check_same(self.exports.index, sectors, "national exports rows", "national Z rows")
        lab.check_same(self.V.columns, sectors, "national V columns", "national Z rows")
        lab.check_flat(self.V.index, "national V rows")
        lab.check_flat(self.final_demand.columns, "national final-demand categories")
        lab.check_flat(self.exports.columns, "national export categories")
        Z = lab.check_finite(self.Z, "national Z")
        lab.check_finite(self.final_demand, "national final demand")
        lab.check_finite(self.exports, "national exports")
        lab.check_finite(self.V, "national V")
        neg = np.argwhere(Z < 0)
        if neg.size:
            cells = [(sectors[i], sectors[j]) for i, j in neg[:5]]
            raise InvalidTableError(f"national Z has negative intermediate flows at {lab._show(cells)}")
        if not self.value_added_components:
            object.__setattr__(self, "value_added_components", tuple(self.V.index))
        lab.lookup(self.V.index, self.value_added_components, "value-added components (rows of V)")
        if self.producer_held:
            lab.lookup(self.final_demand.columns, self.producer_held, "producer-held categories")
        row = self.Z.to_numpy().sum(axis=1) + self.final_demand.to_numpy().sum(axis=1) \
            + self.exports.to_numpy().sum(axis=1)
        col = self.Z.to_numpy().sum(axis=0) + self.V.to_numpy().sum(axis=0)
        gap = np.abs(row - col) / np.maximum(1.0, np.abs(row))
        bad = gap > self.rtol
        if bad.any():
            worst = np.flatnonzero(bad)[np.argsort(-gap[bad])][:3]
            detail = "; ".join(f"{sectors[i]!r}: row {row[i]:.12g}, column {col[i]:.12g}, differ by "
                               f"{col[i] - row[i]:+.6g} (relative {gap[i]:.3g})" for i in worst)
            raise IdentityError(
                f"national table: row totals (Z i + final demand + exports) differ from column totals "
                f"(i'Z + i'V) beyond rtol {self.rtol:g} for {int(bad.sum())} sectors {lab._show(sectors[bad])}; "
                f"worst: {detail}")
        if (row < 0).any():
            raise InvalidTableError(f"national output is negative for {lab._show(sectors[row < 0])}")

    @property
    def sectors(self) -> pd.Index:
        """National sectors (the labels of both axes of ``Z``)."""
        return self.Z.index

    @property
    def x(self) -> pd.Series:
        """National gross output ``Z i + final demand i + exports i``."""
        return pd.Series(self.Z.to_numpy().sum(axis=1) + self.final_demand.to_numpy().sum(axis=1)
                         + self.exports.to_numpy().sum(axis=1), index=self.sectors, name="output")

    @classmethod
    def from_mrio(cls, system: MRIO, producer_held: Sequence[Hashable] = ()) -> NationalTable:
        """Return a single-region :class:`MRIO` as a national table (other destinations = exports)."""
        if system.n_regions != 1:
            raise LabelError(f"a national table needs a single-region system; got regions "
                             f"{lab._show(system.regions)}")
        region = system.regions[0]
        sectors = pd.Index(system.sectors, name="sector")
        Z = pd.DataFrame(system.Z.to_numpy(), index=sectors, columns=sectors)
        own = system.Y.columns.get_level_values("region") == region
        fd = pd.DataFrame(system.Y.loc[:, own].to_numpy(), index=sectors,
                          columns=pd.Index(system.Y.columns[own].get_level_values("category"), name="category"))
        ex_cols = system.Y.columns[~own]
        exports = pd.DataFrame(system.Y.loc[:, ~own].to_numpy(), index=sectors,
                               columns=pd.Index([f"{r}: {c}" if len(set(ex_cols.get_level_values(0))) > 1 else c
                                                 for r, c in ex_cols], name="category"))
        V = pd.DataFrame(system.V.to_numpy(), index=system.V.index, columns=sectors)
        return cls(Z=Z, final_demand=fd, exports=exports, V=V,
                   value_added_components=tuple(system.value_added_components),
                   units=system.units.get("monetary", "monetary units"), meta=dict(system.meta),
                   producer_held=tuple(producer_held))



def write_national(national: NationalTable, folder) -> None:
    """Write a national table as a folder of CSV files.

    ``Z``, ``final_demand``, ``exports``, ``V`` and ``meta.json``: the format
    :func:`read_national` reads back exactly.
    """
    with atomic_path(Path(folder), directory=True) as tmp:
        national.Z.to_csv(tmp / "Z.csv", float_format="%.17g")
        national.final_demand.to_csv(tmp / "final_demand.csv", float_format="%.17g")
        national.exports.to_csv(tmp / "exports.csv", float_format="%.17g")
        national.V.to_csv(tmp / "V.csv", float_format="%.17g")
        meta = dict(national.meta)
        meta.update(value_added_components=list(national.value_added_components),
                    producer_held=list(national.producer_held), units=national.units)
        (tmp / "meta.json").write_text(json.dumps(_jsonable(meta), indent=2) + "\n", encoding="utf-8")
