"""Derive the compact Dutch regional-statistics inputs of ``nl-corop`` from ``../shared/data/nl_regional``.

Run from the repository root (after ``data/build_nl_corop.py``, whose ``regions.csv`` it reads)::

    python data/build_nl_regional.py [--shared ../shared/data] [--out data/nl_corop]

Reads the shared copies in place and writes into ``data/nl_corop/`` (sources, licences and
assumptions: ``data/README.md``, section ``nl_corop``):

* ``regional_accounts.csv``: CBS 84419NED (revision 2019 = the revision of the CBS input-output
  tables) by COROP and extra-regio, 2015-2021: output, gross value added, compensation of employees
  (million EUR) and labour volume (1000 FTE, total and employees) for A, B, C, DE (= B-E - B - C)
  and the total. Extra-regio (NUTS NLZZZ, the continental shelf) = Nederland - sum of the 40 COROP
  regions. The one suppressed cell (B in one COROP region, one year) is estimated with
  :func:`mrio.kernels.estimate_suppressed` from its province total (its feasible range is kept).
* ``turnover.csv``: CBS 83796NED net turnover by 35 industry groups x 40 COROP regions, 2016 and
  2017, every suppressed cell estimated with :func:`mrio.kernels.estimate_suppressed` over the
  full hierarchy (industry groups: C > 10-12, 13-15, 16+23, 17-18, 19-22, 24-30+33 > 24-25, 26-28,
  29-30 (plus the unpublished remainders 31-32 of C and 33 of 24-30+33, estimated like the
  suppressed cells); F > 41, 42, 43; G-I > G, H, I > 45, 46, 47 / 49+53, 50-52 / 55, 56; J > 62; regions:
  Nederland > 4 parts > 12 provinces > 40 COROP), each published cell rounded to a unit (tolerance
  0.5), with columns ``estimated``, ``lower``, ``upper`` (feasible range).
* ``point_indicators.csv``: point data by COROP and year for industries that a turnover group
  places too coarsely: EU ETS verified emissions (t CO2-eq) by NACE division 19, 20, 21, 22, 23, 24, 35
  (installations located by city -> CBS place -> municipality -> COROP, falling back to the nearest
  municipality centroid by coordinates); airport passengers and cargo (CBS 37478hvv). Divisions 21
  (pharmaceuticals: Delft, Oss, Weesp) and 22 (rubber and plastics: Enschede, Weert, Assendelft) have
  three installations each, combustion plants of the few energy-intensive sites: too few to place the
  two industries (the placement gives them the remainder of 19-22's turnover after refining and
  chemicals, ``mrio.build.nl_placement.REMAINDER_19_22``); they are kept to check that the remainder
  gives every region holding one of them output of 21-22.
* ``population.csv``: population on 1 January (03759ned), private households and mean disposable
  household income (85342NED, 1000 EUR) by COROP and year 2015-2021; ``disposable_income`` =
  households x mean disposable income (million EUR).
* ``commuting.csv``: employee jobs (1000, December 2010-2014; 2014 is the latest year of 81252NED) by province of
  residence x COROP of work (plus the five Groningen/Friesland COROP regions of residence published by COROP of
  work), with ``distance_km``, 81252NED's mean distance between the home and the work municipality of those
  jobs (empty where CBS publishes none: no jobs).
* ``labour.csv``: persons employed (1000) and labour years by COROP (85924NED, revision 2024: shares).

85925NED (revision 2024) is not used for placement: its levels are of another revision than the
input-output tables (NL 2018 GVA 703,557 against 692,632), its C is published for 31 COROP regions
only, and it places Groningen gas (B) very differently (Overig Groningen / Oost-Groningen / Delfzijl
1,826 / 758 / 654 against 2,892 / 39 / 3 million EUR value added in 2018); 84419NED is the revision
the national table is, so its COROP figures add up to the table's national totals exactly
(2015-2020; the 2021 input-output table is preliminary and differs, so 2021 uses its shares).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
YEARS = range(2015, 2022)
ETS_DIVISIONS = ("19", "20", "21", "22", "23", "24", "35")
ACCOUNT_VARIABLES = {
    "ProductieBasisprijzen_1": "output",
    "BrutoToegevoegdeWaardeBasisprijzen_3": "gva",
    "BeloningVanWerknemers_4": "compensation",
    "ArbeidsvolumeTotaal_8": "labour_volume",
    "ArbeidsvolumeWerknemers_9": "labour_volume_employees",
}
ACCOUNT_GROUPS = {"A-U": "total", "A": "A", "B": "B", "B-E": "B-E", "C": "C"}
#: Turnover groups (83796NED code -> label), in the file's order; parent of each group.
TURNOVER_PARENT = {
    "10-12": "C", "13-15": "C", "16+23": "C", "17-18": "C", "19-22": "C", "24-30, 33": "C",
    "24-25": "24-30, 33", "26-28": "24-30, 33", "29-30": "24-30, 33",
    "41": "F", "42": "F", "43": "F", "G": "G-I", "H": "G-I", "I": "G-I",
    "45": "G", "46": "G", "47": "G", "49+53": "H", "50-52": "H", "55": "I", "56": "I", "62": "J",
}
#: CBS place names of the ETS file that the place list spells otherwise.
CITY_ALIASES = {"den haag": "'s-gravenhage", "de haag": "'s-gravenhage", "den bosch": "'s-hertogenbosch",
                "'s heer-arendskerke": "'s-heer arendskerke"}
AIRPORT_COROP = {  # airport -> COROP code (CBS municipality of the airport)
    "Amsterdam Airport Schiphol": "CR23",  # Haarlemmermeer, Groot-Amsterdam
    "Rotterdam The Hague Airport": "CR29",  # Rotterdam, Groot-Rijnmond
    "Eindhoven Airport": "CR36",  # Eindhoven, Zuidoost-Noord-Brabant
    "Maastricht Aachen Airport": "CR39",  # Beek, Zuid-Limburg
    "Groningen Airport Eelde": "CR07",  # Tynaarlo, Noord-Drenthe
}
EXTRA_REGIO = "Extra-regio"
EXTRA_REGIO_CODE = "NLZZZ"


class SourceError(ValueError):
    """A shared source file is missing or not as expected (file, row and what was expected)."""


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        raise SourceError(f"{path}: file missing")
    frame = pd.read_csv(path, low_memory=False)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceError(f"{path}: header row lacks columns {missing}")
    return frame


def _region_code(label: str) -> str:
    """'Groot-Amsterdam (CR)' -> 'Groot-Amsterdam'; provinces and parts keep their suffix."""
    return str(label).strip()


def corop_names(shared: Path) -> dict[str, str]:
    """CBS COROP label (as in StatLine, e.g. 'Groot-Amsterdam (CR)') -> CR code."""
    mun = _read(shared / "nl_regional" / "cbs_84929NED_municipalities_2021.csv", ["Code_8", "Naam_9"])
    names = {f"{n.strip()} (CR)": c.strip() for c, n in zip(mun["Code_8"], mun["Naam_9"], strict=True)}
    return names


def _codes(labels: pd.Series, names: dict[str, str]) -> pd.Series:
    return labels.map(lambda s: names.get(str(s).strip()))


# ---------------------------------------------------------------------------------- 84419NED
def regional_accounts(shared: Path, names: dict[str, str], regions: pd.DataFrame) -> pd.DataFrame:
    from mrio.kernels import estimate_suppressed

    path = shared / "nl_regional" / "cbs_84419NED_production_by_industry_region.csv"
    raw = _read(path, ["BedrijfstakkenBranchesSBI2008", "RegioS", "Perioden", *ACCOUNT_VARIABLES])
    raw["group"] = raw["BedrijfstakkenBranchesSBI2008"].str.split().str[0].map(ACCOUNT_GROUPS)
    if raw["group"].isna().any():
        row = int(np.flatnonzero(raw["group"].isna())[0]) + 2
        raise SourceError(f"{path}, row {row}: industry {raw['BedrijfstakkenBranchesSBI2008'].iloc[row - 2]!r} "
                          f"is not one of A-U, A, B, B-E, C")
    mun = pd.read_csv(shared / "nl_regional" / "cbs_84929NED_municipalities_2021.csv")
    province_of = {c.strip(): p.strip() for c, p in zip(mun["Code_8"], mun["Naam_27"], strict=True)}
    out = []
    estimates = []
    for (group, year), sub in raw.groupby(["group", "Perioden"]):
        sub = sub.set_index("RegioS")
        cr = sub[sub.index.str.endswith("(CR)")]
        codes = _codes(pd.Series(cr.index, index=cr.index), names)
        if codes.isna().any():
            raise SourceError(f"{path}: COROP labels {list(codes.index[codes.isna()])} match no CBS COROP code")
        for var in ACCOUNT_VARIABLES:
            values = cr[var].astype(float)
            if values.isna().any():
                # suppressed COROP cell: province = sum of its COROP regions (published, rounded)
                prov = {}
                for label in cr.index:
                    prov.setdefault(province_of[codes[label]], []).append(label)
                cells = list(cr.index)
                vec, aggs = list(values.to_numpy()), []
                for p, members in prov.items():
                    key = next((k for k in sub.index if k.startswith(p) and k.endswith("(PV)")), None)
                    if key is None:
                        continue
                    vec.append(float(sub.at[key, var]))
                    aggs.append((len(vec) - 1, [cells.index(m) for m in members]))
                decimals = 1 if var.startswith("Arbeids") else 0
                fit = estimate_suppressed(np.array(vec), aggs, tolerance=0.5 * 10.0 ** -decimals)
                for pos in fit.estimated:
                    if pos < len(cells):
                        estimates.append({"region_code": codes[cells[pos]], "group": group, "year": year,
                                          "variable": ACCOUNT_VARIABLES[var], "value": fit.values[pos],
                                          "lower": fit.lower[pos], "upper": fit.upper[pos]})
                values = pd.Series(fit.values[:len(cells)], index=cr.index)
            frame = pd.DataFrame({"region_code": codes.to_numpy(), "group": group, "year": year,
                                  "variable": ACCOUNT_VARIABLES[var], "value": values.to_numpy()})
            nl = float(sub.at["Nederland", var])
            extra = nl - frame["value"].sum()
            frame = pd.concat([frame, pd.DataFrame([{"region_code": EXTRA_REGIO_CODE, "group": group, "year": year,
                                                     "variable": ACCOUNT_VARIABLES[var], "value": extra}]),
                               pd.DataFrame([{"region_code": "NL", "group": group, "year": year,
                                              "variable": ACCOUNT_VARIABLES[var], "value": nl}])])
            out.append(frame)
    tidy = pd.concat(out, ignore_index=True)
    wide = tidy.pivot_table(index=["region_code", "year", "variable"], columns="group", values="value").reset_index()
    wide["DE"] = wide["B-E"] - wide["B"] - wide["C"]
    tidy = wide.melt(id_vars=["region_code", "year", "variable"], value_vars=["total", "A", "B", "C", "DE"],
                     var_name="group", value_name="value")
    name_of = dict(zip(regions["cbs_code"], regions["region"], strict=True))
    name_of.update({EXTRA_REGIO_CODE: EXTRA_REGIO, "NL": "Nederland"})
    tidy["region"] = tidy["region_code"].map(name_of)
    tidy["estimated"] = False
    for e in estimates:
        mask = ((tidy["region_code"] == e["region_code"]) & (tidy["group"] == e["group"])
                & (tidy["year"] == e["year"]) & (tidy["variable"] == e["variable"]))
        tidy.loc[mask, "estimated"] = True
    tidy["value"] = tidy["value"].round(6)
    return tidy[["region", "region_code", "group", "year", "variable", "value", "estimated"]].sort_values(
        ["year", "variable", "group", "region_code"]).reset_index(drop=True), estimates


# ---------------------------------------------------------------------------------- 83796NED
def turnover(shared: Path, names: dict[str, str], regions: pd.DataFrame) -> pd.DataFrame:
    from mrio.kernels import estimate_suppressed

    path = shared / "nl_regional" / "cbs_83796NED_turnover_by_industry_region.csv"
    raw = _read(path, ["BedrijfstakkenBranchesSBI2008", "RegioS", "Perioden", "NettoOmzet_1"])
    raw["code"] = raw["BedrijfstakkenBranchesSBI2008"].map(_turnover_code)
    groups = list(dict.fromkeys(raw["code"]))
    mun = pd.read_csv(shared / "nl_regional" / "cbs_84929NED_municipalities_2021.csv")
    # region hierarchy: NL > parts (LD) > provinces (PV) > COROP (CR), by the municipality key
    cr_prov = {c.strip(): p.strip() for c, p in zip(mun["Code_8"], mun["Naam_27"], strict=True)}
    prov_part = {p.strip(): d.strip() for p, d in zip(mun["Naam_27"], mun["Naam_25"], strict=True)}
    labels = list(dict.fromkeys(raw["RegioS"]))
    code_of = {lab: names.get(lab.strip()) for lab in labels}

    def base(label):
        return re.sub(r"\s*\((CR|PV|LD)\)\s*$", "", label.strip())

    prov_labels = {base(lab): lab for lab in labels if lab.strip().endswith("(PV)")}
    part_labels = {base(lab): lab for lab in labels if lab.strip().endswith("(LD)")}
    prov_labels.setdefault("Fryslân", prov_labels.get("Friesland"))
    col_groups = []
    pos = {lab: i for i, lab in enumerate(labels)}
    for part, plab in part_labels.items():
        members = [prov_labels[p] for p, d in prov_part.items() if d == part and p in prov_labels]
        col_groups.append((pos[plab], [pos[m] for m in members]))
    col_groups.append((pos["Nederland"], [pos[lab] for lab in part_labels.values()]))
    for p, plab in prov_labels.items():
        if plab is None:
            continue
        members = [lab for lab in labels if code_of.get(lab) and cr_prov.get(code_of[lab]) == p]
        if members:
            col_groups.append((pos[plab], [pos[m] for m in members]))
    out = []
    for year, sub in raw.groupby("Perioden"):
        table = sub.pivot(index="code", columns="RegioS", values="NettoOmzet_1").reindex(index=groups, columns=labels)
        # rows: the 35 groups plus one unpublished remainder row per parent that its children do not cover
        rows = list(groups)
        remainder = {"C": "31-32 (rest of C)", "24-30, 33": "33 (rest of 24-30, 33)"}
        for parent, label in remainder.items():
            rows.append(label)
        values = np.full((len(rows), len(labels)), np.nan)
        values[:len(groups)] = table.to_numpy(dtype=float)
        row_groups = []
        children = {}
        for child, parent in TURNOVER_PARENT.items():
            children.setdefault(parent, []).append(child)
        children["C"].append(remainder["C"])
        children["24-30, 33"].append(remainder["24-30, 33"])
        for parent, kids in children.items():
            if parent == "J":  # J > 62 only: no complete partition published
                continue
            row_groups.append((rows.index(parent), [rows.index(k) for k in kids]))
        from mrio.kernels import table_aggregates

        aggregates = table_aggregates(values.shape, row_groups, col_groups)
        prior = _turnover_prior(values, rows, labels, children, pos)
        tol = np.where(np.isnan(values), 0.0, 0.5).ravel()
        fit = estimate_suppressed(values.ravel(), aggregates, prior=prior.ravel(), tolerance=tol)
        full = fit.values.reshape(values.shape)
        est = np.zeros(values.size, dtype=bool)
        est[fit.estimated] = True
        est = est.reshape(values.shape)
        lower, upper = fit.lower.reshape(values.shape), fit.upper.reshape(values.shape)
        for j, lab in enumerate(labels):
            if not code_of.get(lab):
                continue
            for i, g in enumerate(rows):  # the 35 groups and the two unpublished remainders
                out.append({"group": g, "region_code": code_of[lab], "year": int(year), "value": full[i, j],
                            "estimated": bool(est[i, j]), "lower": lower[i, j], "upper": upper[i, j]})
        # the J row: 62 <= J; checked, not estimated jointly (no partition)
    frame = pd.DataFrame(out)
    name_of = dict(zip(regions["cbs_code"], regions["region"], strict=True))
    frame["region"] = frame["region_code"].map(name_of)
    for c in ("value", "lower", "upper"):
        frame[c] = frame[c].round(4)
    return frame[["group", "region", "region_code", "year", "value", "estimated", "lower", "upper"]]


def _turnover_code(label: str) -> str:
    label = str(label).strip()
    if label.startswith("24-30, 33"):
        return "24-30, 33"
    return label.split()[0]


def _turnover_prior(values, rows, labels, children, pos):
    """Prior of a suppressed cell: national figure of its group x the region's share of the nearest
    published ancestor group (or of the region's share of all turnover)."""
    parent_of = {k: p for p, ks in children.items() for k in ks}
    nl = pos["Nederland"]
    top = [i for i, r in enumerate(rows) if r not in parent_of and not np.isnan(values[i, nl])]
    total_share = np.nansum(values[top], axis=0) / np.nansum(values[top, nl])
    prior = np.full(values.shape, np.nan)
    for i, g in enumerate(rows):
        national = values[i, nl]
        if np.isnan(national):  # a remainder row: national rest of its parent
            parent = parent_of[g]
            p = rows.index(parent)
            national = values[p, nl] - sum(values[rows.index(k), nl] for k in children[parent] if k != g)
        for j in range(values.shape[1]):
            if not np.isnan(values[i, j]):
                continue
            share, anc = None, parent_of.get(g)
            while anc is not None:
                a = rows.index(anc)
                if not np.isnan(values[a, j]) and values[a, nl] > 0:
                    share = values[a, j] / values[a, nl]
                    break
                anc = parent_of.get(anc)
            prior[i, j] = max(national, 0.0) * (share if share is not None else total_share[j])
    return prior


# ---------------------------------------------------------------------------------- point data
def _place_keys(shared: Path):
    pl = _read(shared / "nl_regional" / "cbs_84734NED_places_to_municipality.csv", ["Woonplaatsen", "Code_3"])
    mun = pd.read_csv(shared / "nl_regional" / "cbs_84929NED_municipalities_2021.csv")
    m18 = pd.read_csv(shared / "nl_regional" / "cbs_83859NED_municipalities_2018.csv")
    gm_cr = {g.strip(): c.strip() for g, c in zip(m18["Code_1"], m18["Code_8"], strict=True)}
    gm_cr.update({g.strip(): c.strip() for g, c in zip(mun["Code_1"], mun["Code_8"], strict=True)})
    place = {str(n).strip().lower(): g.strip() for n, g in zip(pl["Woonplaatsen"], pl["Code_3"], strict=True)}
    place.update({str(n).strip().lower(): g.strip() for n, g in zip(mun["Naam_2"], mun["Code_1"], strict=True)})
    cent = _read(shared / "nl_regions" / "gemeente_centroids_with_corop.csv", ["lon", "lat", "corop_of_centroid"])
    return place, gm_cr, cent


def _locate(city, lat, lon, place, gm_cr, cent):
    """COROP code of an address: city -> CBS place -> municipality -> COROP; else nearest municipality."""
    c = str(city).strip().lower()
    c = CITY_ALIASES.get(c, c)
    candidates = [c] + sorted(set(re.split(r"[-() ,]+", c)) - {""}, key=len, reverse=True)
    for cand in candidates:
        cand = CITY_ALIASES.get(cand, cand)
        gm = place.get(cand)
        if gm and gm in gm_cr:
            return gm_cr[gm], "place"
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None, None
    if not (50.5 < la < 53.7 and 3.2 < lo < 7.3):
        return None, None
    d = (cent["lat"] - la) ** 2 + ((cent["lon"] - lo) * np.cos(np.radians(la))) ** 2
    return str(cent.iloc[int(np.argmin(d.to_numpy()))]["corop_of_centroid"]), "coordinates"


def point_indicators(shared: Path, regions: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    path = shared / "nl_regional" / "eu_ets_installations_nl.csv"
    ets = _read(path, ["InstallationOrAircraftOperatorID", "MainActivityTypeCode", "City", "Latitude",
                       "Longitude", *[f"VerifiedEmissions_{y}" for y in YEARS]])
    ets = ets[ets["MainActivityTypeCode"].astype(str) != "10"].copy()  # 10 = aircraft operators
    nace = _read(shared / "nl_regional" / "eu_ets_installation_nace_nl.csv", ["installation_id", "nace_2015"])
    nace = nace.astype(str)
    ets["installation_id"] = "NL_" + ets["InstallationOrAircraftOperatorID"].astype(str)
    ets = ets.merge(nace, on="installation_id", how="left")
    ets["division"] = ets["nace_2015"].str[:2]
    place, gm_cr, cent = _place_keys(shared)
    located = [_locate(c, la, lo, place, gm_cr, cent)
               for c, la, lo in zip(ets["City"], ets["Latitude"], ets["Longitude"], strict=True)]
    ets["region_code"] = [r for r, _ in located]
    ets["located_by"] = [h for _, h in located]
    rows = []
    keep = ets[ets["division"].isin(ETS_DIVISIONS) & ets["region_code"].notna()]
    for y in YEARS:
        em = pd.to_numeric(keep[f"VerifiedEmissions_{y}"], errors="coerce").fillna(0.0).clip(lower=0.0)
        agg = em.groupby([keep["division"], keep["region_code"]]).sum()
        for (div, code), value in agg.items():
            rows.append({"indicator": f"ets_emissions_nace_{div}", "region_code": code, "year": y,
                         "value": float(value)})
    stats = {"installations": int(len(ets)), "with_nace": int(ets["division"].notna().sum()),
             "in_divisions": int(ets["division"].isin(ETS_DIVISIONS).sum()),
             "located_by_place": int((ets["located_by"] == "place").sum()),
             "located_by_coordinates": int((ets["located_by"] == "coordinates").sum()),
             "unlocated_in_divisions": int((ets["division"].isin(ETS_DIVISIONS) & ets["region_code"].isna()).sum())}
    air = _read(shared / "nl_regional" / "cbs_37478hvv_airports_annual.csv",
                ["Luchthavens", "Perioden", "TotaalAantalPassagiers_12"])
    cargo_col = "TotaalGoederenvervoer_43"  # tonnes
    if cargo_col not in air.columns:
        raise SourceError(f"{shared / 'nl_regional' / 'cbs_37478hvv_airports_annual.csv'}: header row lacks the "
                          f"cargo column {cargo_col}")
    for _, r in air.iterrows():
        code = AIRPORT_COROP.get(str(r["Luchthavens"]).strip())
        if code is None:
            continue
        year = int(str(r["Perioden"])[:4])
        rows.append({"indicator": "airport_passengers", "region_code": code, "year": year,
                     "value": float(r["TotaalAantalPassagiers_12"])})
        rows.append({"indicator": "airport_cargo_tonnes", "region_code": code, "year": year,
                     "value": float(pd.to_numeric(r[cargo_col], errors="coerce") or 0.0)})
    frame = pd.DataFrame(rows)
    name_of = dict(zip(regions["cbs_code"], regions["region"], strict=True))
    frame["region"] = frame["region_code"].map(name_of)
    stats["cargo_column"] = cargo_col
    return frame[["indicator", "region", "region_code", "year", "value"]], stats


# ---------------------------------------------------------------------------------- final demand, jobs
def population(shared: Path, names: dict[str, str], regions: pd.DataFrame) -> pd.DataFrame:
    pop = _read(shared / "nl_regional" / "cbs_03759ned_population_by_region.csv",
                ["RegioS", "Perioden", "BevolkingOp1Januari_1"])
    inc = _read(shared / "nl_regional" / "cbs_85342NED_household_income_by_region.csv",
                ["RegioS", "Perioden", "ParticuliereHuishoudens_1", "GemiddeldBesteedbaarInkomen_5"])
    pop = pop.assign(region_code=_codes(pop["RegioS"], names)).dropna(subset=["region_code"])
    inc = inc.assign(region_code=_codes(inc["RegioS"], names)).dropna(subset=["region_code"])
    frame = pop[["region_code", "Perioden", "BevolkingOp1Januari_1"]].merge(
        inc[["region_code", "Perioden", "ParticuliereHuishoudens_1", "GemiddeldBesteedbaarInkomen_5"]],
        on=["region_code", "Perioden"], how="outer")
    frame.columns = ["region_code", "year", "population", "households_1000", "mean_disposable_income_1000eur"]
    frame = frame[frame["year"].isin(list(YEARS))]
    bad = frame[frame.isna().any(axis=1)]
    if len(bad):
        raise SourceError(f"population/income: missing values for {bad[['region_code', 'year']].values.tolist()[:5]}")
    frame["disposable_income"] = frame["households_1000"] * frame["mean_disposable_income_1000eur"]  # million EUR
    name_of = dict(zip(regions["cbs_code"], regions["region"], strict=True))
    frame["region"] = frame["region_code"].map(name_of)
    return frame[["region", "region_code", "year", "population", "households_1000",
                  "mean_disposable_income_1000eur", "disposable_income"]].sort_values(["year", "region_code"])


def commuting(shared: Path, names: dict[str, str], regions: pd.DataFrame) -> pd.DataFrame:
    path = shared / "nl_regional" / "cbs_81252NED_commuting_jobs_residence_x_work.csv"
    raw = _read(path, ["WoonregioS", "WerkregioS", "Perioden", "BanenVanWerknemers_1",
                       "AfstandTussenWoonEnWerkgemeente_2"])
    raw = raw[raw["Perioden"].str.strip().str.fullmatch(r"\d{4} december")]  # December 2010-2014
    raw = raw[raw["WerkregioS"].str.strip().str.endswith("(CR)")]
    raw = raw[raw["WoonregioS"].str.strip().str.endswith(("(PV)", "(CR)"))]
    frame = pd.DataFrame({"residence": raw["WoonregioS"].str.strip(),
                          "work_region_code": _codes(raw["WerkregioS"], names),
                          "jobs_1000": raw["BanenVanWerknemers_1"].astype(float),
                          "distance_km": pd.to_numeric(raw["AfstandTussenWoonEnWerkgemeente_2"], errors="coerce"),
                          "year": raw["Perioden"].str.strip().str[:4].astype(int)})
    if frame["work_region_code"].isna().any():
        raise SourceError(f"{path}: work regions without a COROP code")
    name_of = dict(zip(regions["cbs_code"], regions["region"], strict=True))
    frame["work_region"] = frame["work_region_code"].map(name_of)
    return frame[["residence", "work_region", "work_region_code", "year", "jobs_1000", "distance_km"]]


def labour(shared: Path, names: dict[str, str], regions: pd.DataFrame) -> pd.DataFrame:
    raw = _read(shared / "nl_regional" / "cbs_85924NED_regional_key_figures.csv",
                ["RegioS", "Perioden", "WerkzamePersonenTotaal_10", "ArbeidsjarenTotaal_7"])
    raw = raw.assign(region_code=_codes(raw["RegioS"], names)).dropna(subset=["region_code"])
    frame = raw[["region_code", "Perioden", "WerkzamePersonenTotaal_10", "ArbeidsjarenTotaal_7"]]
    frame.columns = ["region_code", "year", "persons_employed_1000", "labour_years_1000"]
    name_of = dict(zip(regions["cbs_code"], regions["region"], strict=True))
    frame = frame.assign(region=frame["region_code"].map(name_of))
    return frame[["region", "region_code", "year", "persons_employed_1000", "labour_years_1000"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=HERE / "nl_corop")
    args = parser.parse_args(argv)
    shared, out = args.shared, args.out
    regions = pd.read_csv(out / "regions.csv")
    names = corop_names(shared)
    missing = set(regions["cbs_code"]) - set(names.values())
    if missing:
        raise SourceError(f"COROP codes {sorted(missing)} of regions.csv are not in the CBS municipality key")
    accounts, acc_est = regional_accounts(shared, names, regions)
    accounts.to_csv(out / "regional_accounts.csv", index=False)
    turn = turnover(shared, names, regions)
    turn.to_csv(out / "turnover.csv", index=False)
    points, stats = point_indicators(shared, regions)
    points.to_csv(out / "point_indicators.csv", index=False)
    population(shared, names, regions).to_csv(out / "population.csv", index=False)
    commuting(shared, names, regions).to_csv(out / "commuting.csv", index=False)
    labour(shared, names, regions).to_csv(out / "labour.csv", index=False)
    print(f"wrote {out}: regional accounts {len(accounts)} rows ({len(acc_est)} suppressed cells estimated: "
          f"{acc_est}), turnover {len(turn)} cells ({int(turn['estimated'].sum())} estimated), point data "
          f"{len(points)} rows (ETS: {stats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
