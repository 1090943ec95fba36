"""Reader for the CBS national input-output table CSV layout (``../shared/data/cbs_nl_iot``).

Layout (CBS "Input-output tables 2015-2021", industry x industry, basic prices, million EUR):
two header rows (``col_no``, ``col_label``) and two index columns (``row_no``, ``row_label``).
Rows 1-81 industries, 82 total, 83-84 imports of goods / services, 85-87 taxes on products
(import duties, other taxes on imports, taxes on domestic products), 88-89 subsidies on products
(shown positive, to subtract), 90 trade and transport margins, 91 total intermediate consumption,
92 other taxes on production, 93 other subsidies on production (shown positive), 94 wages and
salaries, 95 employers' social contributions, 96 gross operating surplus, 97 value added, 98
cif/fob correction, 99 total. Columns 1-81 industries, 82 total, 83-84 exports of goods /
services, 85-91 final uses (households, NPISH, social transfers in kind, other individual
government, collective government, gross fixed capital formation, changes in inventories),
92 trade and transport margins, 93-94 cif/fob adjustments, 95 total.

Choices made when turning it into a :class:`~mrio.NationalTable` (also written into
``meta["assumptions"]``):

* **Trade and transport margins** (row 90, column 92): the margins each user pays (row 90) are
  reallocated to the industries that supply them, in proportion to their margin supply
  (column 92, rows 1-81 and the imports rows). Row and column totals are unchanged; the margin
  row and column disappear.
* **Subsidies** (rows 88, 89, 93) become negative entries of their V rows.
* **Negative intermediate flows** (one cell in 2016) are moved out of Z into a V row and a
  final-demand category ``negative_intermediate_use`` of the same amount, so Z >= 0 and all
  totals stay as published.
* Primary inputs and cif/fob adjustments of final-demand columns (rows 83-90 and 98 of
  columns 83-94) are outside an industry-by-industry MRIO and are not kept.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from mrio.errors import FileFormatError, IdentityError, MRIOError, UnknownLabelError
from mrio.build.national import NationalTable

__all__ = ["read_cbs_iot", "cbs_sector_labels", "CBS_CATEGORIES", "CBS_V_ROWS"]

N_INDUSTRIES = 81
#: Final-demand categories (CBS column number -> category label).
CBS_CATEGORIES = {
    85: "household_consumption",
    86: "npish_consumption",
    87: "social_transfers_in_kind",
    88: "government_individual_consumption",
    89: "government_collective_consumption",
    90: "gross_fixed_capital_formation",
    91: "changes_in_inventories",
}
CBS_EXPORTS = {83: "exports_goods", 84: "exports_services"}
#: Rows of V: label -> (CBS row numbers, sign).
CBS_V_ROWS = {
    "imports_goods": ((83,), 1.0),
    "imports_services": ((84,), 1.0),
    "taxes_on_products": ((85, 86, 87), 1.0),
    "subsidies_on_products": ((88, 89), -1.0),
    "other_taxes_on_production": ((92,), 1.0),
    "other_subsidies_on_production": ((93,), -1.0),
    "wages_and_salaries": ((94,), 1.0),
    "employers_social_contributions": ((95,), 1.0),
    "gross_operating_surplus": ((96,), 1.0),
}
VALUE_ADDED_ROWS = ("other_taxes_on_production", "other_subsidies_on_production", "wages_and_salaries",
                    "employers_social_contributions", "gross_operating_surplus")
NEGATIVE_INTERMEDIATE = "negative_intermediate_use"


def cbs_sector_labels() -> pd.DataFrame:
    """Return the 81 CBS industries: ``cbs_no, sector, cbs_label, nace_a10`` (``data/nl_industries.csv``)."""
    with resources.as_file(resources.files("mrio.data") / "nl_industries.csv") as path:
        return pd.read_csv(path)


def _read_raw(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read the CBS table {path}: {exc}") from exc
    if raw.shape[0] < 102 or raw.shape[1] < 97 or raw.iat[0, 0] != "col_no" or raw.iat[1, 0] != "col_label" \
            or raw.iat[2, 0] != "row_no":
        raise FileFormatError(
            f"{path} is not in the CBS input-output CSV layout (rows col_no, col_label, row_no; 99 rows x 95 "
            f"columns of numbers); got shape {raw.shape} starting {raw.iat[0, 0]!r}")
    body = raw.iloc[3:, :].copy()
    try:
        rows = body.iloc[:, 0].astype(int).to_numpy()
        cols = raw.iloc[0, 2:].astype(int).to_numpy()
        values = body.iloc[:, 2:].replace("", "0").astype(float).to_numpy()
    except ValueError as exc:
        raise FileFormatError(f"{path}: non-numeric row/column numbers or values: {exc}") from exc
    if not np.isfinite(values).all():
        raise FileFormatError(f"{path}: NaN or infinite values in the table")
    frame = pd.DataFrame(values, index=rows, columns=cols)
    missing_rows = sorted(set(range(1, 100)) - set(rows))
    missing_cols = sorted(set(range(1, 96)) - set(cols))
    if missing_rows or missing_cols:
        raise FileFormatError(f"{path}: missing CBS rows {missing_rows} / columns {missing_cols}")
    return frame


def read_cbs_iot(path: str | os.PathLike, year: int | None = None, sectors: list[str] | None = None,
                 check: bool = True) -> NationalTable:
    """Read a CBS input-output CSV into a :class:`~mrio.NationalTable`.

    Parameters
    ----------
    path : path-like
        A ``cbs_iot_<year>_<prices>.csv`` file.
    year : int, optional
        Stored in ``meta``; guessed from the file name when omitted.
    sectors : list of str, optional
        81 sector labels; default the ``sector`` column of ``data/nl_industries.csv``.
    check : bool, default True
        Verify the published totals (row 82, 91, 97, 99 and column 95) before converting.

    Returns
    -------
    NationalTable
        ``Z`` 81 x 81, final demand (7 categories, plus ``negative_intermediate_use`` when
        needed), exports (goods, services), ``V`` (imports, taxes and subsidies on products,
        value-added components); ``meta`` with year, source, licence, ``income_row`` =
        ``"wages_and_salaries"``, ``household_category`` = ``"household_consumption"``.

    Raises
    ------
    FileFormatError
        Not the CBS layout.
    IdentityError
        The published totals do not add up.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(f"CBS table {path} does not exist")
    t = _read_raw(path)
    ind = list(range(1, N_INDUSTRIES + 1))
    if check:
        _check_totals(t, path)
    if sectors is None:
        sectors = cbs_sector_labels()["sector"].tolist()
    if len(sectors) != N_INDUSTRIES:
        raise FileFormatError(f"need {N_INDUSTRIES} sector labels, got {len(sectors)}")
    sector_index = pd.Index(sectors, name="sector")

    Z = t.loc[ind, ind].to_numpy().copy()
    final_cols = list(CBS_CATEGORIES)
    users = ind + list(CBS_EXPORTS) + final_cols  # columns that pay margins
    # ---- reallocate trade and transport margins (row 90) to their suppliers (column 92)
    paid = t.loc[90, users].to_numpy()  # margins paid by each user
    supply_dom = t.loc[ind, 92].to_numpy()
    supply_imp = t.loc[[83, 84], 92].to_numpy()
    total_supply = supply_dom.sum() + supply_imp.sum()
    if abs(total_supply + t.at[90, 92]) > 1e-6 * max(1.0, abs(total_supply)):
        raise IdentityError(f"{path}: margin supply (column 92) {total_supply} does not offset the margin "
                            f"row's own entry {t.at[90, 92]}")
    dom_share = supply_dom / total_supply if total_supply else np.zeros(N_INDUSTRIES)
    imp_share = supply_imp / total_supply if total_supply else np.zeros(2)
    margin_flows = np.outer(dom_share, paid)  # (81, users)
    Z += margin_flows[:, :N_INDUSTRIES]
    exports = t.loc[ind, list(CBS_EXPORTS)].to_numpy() + margin_flows[:, N_INDUSTRIES:N_INDUSTRIES + 2]
    final = t.loc[ind, final_cols].to_numpy() + margin_flows[:, N_INDUSTRIES + 2:]
    V_rows = {}
    for label, (numbers, sign) in CBS_V_ROWS.items():
        V_rows[label] = sign * t.loc[list(numbers), ind].to_numpy().sum(axis=0)
    V_rows["imports_goods"] = V_rows["imports_goods"] + imp_share[0] * paid[:N_INDUSTRIES]
    V_rows["imports_services"] = V_rows["imports_services"] + imp_share[1] * paid[:N_INDUSTRIES]
    categories = [CBS_CATEGORIES[c] for c in final_cols]
    notes = [
        "CBS trade and transport margins (row 90) reallocated to the supplying industries and imports in "
        "proportion to their margin supply (column 92)",
        "subsidies (CBS rows 88, 89, 93) as negative V rows",
        "primary inputs of final-demand columns (imports, taxes, margins bought directly by final users) "
        "and the cif/fob adjustments are not part of the industry table",
    ]
    # ---- negative intermediate flows: out of Z into a V row and a final-demand category
    negative = np.minimum(Z, 0.0)
    if (negative < 0).any():
        cells = [(sectors[i], sectors[j], float(Z[i, j])) for i, j in np.argwhere(negative < 0)]
        Z -= negative
        V_rows[NEGATIVE_INTERMEDIATE] = negative.sum(axis=0)
        final = np.column_stack([final, negative.sum(axis=1)])
        categories.append(NEGATIVE_INTERMEDIATE)
        notes.append(f"negative intermediate flows {cells} moved out of Z into a V row and a final-demand "
                     f"category '{NEGATIVE_INTERMEDIATE}' (totals unchanged)")
    if year is None:
        digits = [p for p in path.stem.split("_") if p.isdigit() and len(p) == 4]
        year = int(digits[0]) if digits else None
    prices = "previous-year prices" if "previous" in path.stem else "current prices"
    V = pd.DataFrame(np.vstack(list(V_rows.values())), index=pd.Index(list(V_rows), name="component"),
                     columns=sector_index)
    va_rows = VALUE_ADDED_ROWS
    return NationalTable(
        Z=pd.DataFrame(Z, index=sector_index, columns=sector_index),
        final_demand=pd.DataFrame(final, index=sector_index, columns=pd.Index(categories, name="category")),
        exports=pd.DataFrame(exports, index=sector_index,
                             columns=pd.Index(list(CBS_EXPORTS.values()), name="category")),
        V=V, value_added_components=va_rows, units="million EUR",
        meta={
            "year": year, "unit": "million EUR", "price_basis": f"basic prices, {prices}",
            "source": f"Statistics Netherlands (CBS), Input-output tables 2015-2021, file {path.name}",
            "licence": "CC BY 4.0 (CBS)",
            "income_row": "wages_and_salaries", "household_category": "household_consumption",
            "assumptions": notes,
        },
        producer_held=("changes_in_inventories",),
    )


def _check_totals(t: pd.DataFrame, path: Path) -> None:
    ind = list(range(1, N_INDUSTRIES + 1))
    checks = {
        "row 82 = sum of rows 1-81": (t.loc[82, ind], t.loc[ind, ind].sum(axis=0)),
        "row 91 = rows 82-90 (88, 89 subtracted)": (
            t.loc[91, ind], t.loc[[82, 83, 84, 85, 86, 87, 90], ind].sum() - t.loc[[88, 89], ind].sum()),
        "row 97 = rows 92-96 (93 subtracted)": (
            t.loc[97, ind], t.loc[[92, 94, 95, 96], ind].sum() - t.loc[93, ind]),
        "row 99 = 91 + 97 + 98": (t.loc[99, ind], t.loc[91, ind] + t.loc[97, ind] + t.loc[98, ind]),
        "column 95 = columns 1-94 (82 excluded)": (
            t.loc[ind, 95], t.loc[ind, ind + list(range(83, 95))].sum(axis=1)),
        "row total = column total": (t.loc[99, ind].to_numpy(), t.loc[ind, 95].to_numpy()),
    }
    for name, (published, computed) in checks.items():
        published = np.asarray(published, dtype=float)
        computed = np.asarray(computed, dtype=float)
        gap = np.abs(published - computed)
        if (gap > 0.5 + 1e-9 * np.abs(published)).any():
            worst = int(np.argmax(gap))
            raise IdentityError(f"{path}: published totals do not add up ({name}); worst at industry "
                                f"{worst + 1}: {published[worst]} vs {computed[worst]}")
