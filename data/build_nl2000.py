"""Derive the bundled ``nl2000`` dataset from the published Dutch 2000 six-sector table.

Source: D'Hernoncourt, J., Cordier, M. & Hadley, D. (2011). *Input-output multipliers -
specification sheet and supporting material*, SPICOSA project report, Table 1 (Netherlands 2000,
million EUR, basic prices; from CBS/Eurostat). The shared copy is
``../shared/data/known_answers/netherlands_2000_spicosa.csv``.

Choices (written into the metadata too):

* one region ``"NL"``; exports go to a destination ``"RoW"`` outside the system;
* final demand: private final consumption (it closes the rows, as the source notes), government,
  gross fixed capital formation (columns ``household_consumption``, ``government``, ``gfcf``),
  exports;
* the published rows close to rounding only (services by 1 million EUR): the difference is booked
  in a ``statistical_discrepancy`` final-demand column so that output stays as published;
* primary inputs V: ``compensation_employees``, ``other_value_added`` (value added at basic
  prices minus compensation), ``imports``, ``net_product_taxes``; gross value added is the first
  two.

Run from the repository root: ``python data/build_nl2000.py [SHARED_DATA_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

import mrio

HERE = Path(__file__).resolve().parent
SECTORS = ["agriculture_group", "mining_group", "manufacturing_group", "utilities_group",
           "construction_group", "services_group"]


def build(shared_data: Path) -> mrio.MRIO:
    """Read the published table and return it as an :class:`mrio.MRIO`."""
    raw = pd.read_csv(shared_data / "known_answers" / "netherlands_2000_spicosa.csv", index_col=0)
    idx = pd.MultiIndex.from_product([["NL"], SECTORS], names=["region", "sector"])
    Z = pd.DataFrame(raw.loc[SECTORS, SECTORS].to_numpy(float), index=idx, columns=idx)
    fd = {("NL", "household_consumption"): "final_consumption_private",
          ("NL", "government"): "final_consumption_government",
          ("NL", "gfcf"): "gross_fixed_capital_formation",
          ("RoW", "exports"): "exports"}
    Y = pd.DataFrame({k: raw.loc[SECTORS, v].to_numpy(float) for k, v in fd.items()}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(list(fd), names=["region", "category"])
    # The published rows close to rounding only (services: 435,952 used vs 435,953 output); keep the
    # published output and columns, and book the rounding difference as a discrepancy column.
    x_published = raw.loc["output_bp", SECTORS].to_numpy(float)
    Y[("NL", "statistical_discrepancy")] = x_published - Z.sum(axis=1).to_numpy() - Y.sum(axis=1).to_numpy()
    comp = raw.loc["compensation_employees", SECTORS].to_numpy(float)
    va = raw.loc["value_added_bp", SECTORS].to_numpy(float)
    V = pd.DataFrame(
        [comp, va - comp, raw.loc["imports", SECTORS].to_numpy(float), raw.loc["net_tax", SECTORS].to_numpy(float)],
        index=pd.Index(["compensation_employees", "other_value_added", "imports", "net_product_taxes"],
                       name="component"),
        columns=idx)
    x = pd.Series(x_published, index=idx)
    return mrio.MRIO.from_flows(
        Z, Y, V=V, x=x, units={"monetary": "million EUR"},
        value_added_components=["compensation_employees", "other_value_added"],
        meta={
            "name": "nl-2000",
            "title": "Netherlands 2000, six industry groups",
            "year": 2000,
            "unit": "million EUR",
            "price_basis": "basic prices",
            "source": "D'Hernoncourt, Cordier & Hadley (2011), SPICOSA report, Table 1",
            "income_row": "compensation_employees",
            "household_category": "household_consumption",
            "assumptions": "private final consumption as household consumption; exports to RoW; "
                           "rounding differences of the published rows in a statistical_discrepancy "
                           "final-demand column",
        })


def main(argv: list[str]) -> None:
    shared = Path(argv[1]) if len(argv) > 1 else HERE.parent.parent / "shared" / "data"
    build(shared).write(HERE / "nl2000", format="csv")
    print(f"wrote {HERE / 'nl2000'}")


if __name__ == "__main__":
    main(sys.argv)
