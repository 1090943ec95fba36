"""Official names, codes and aliases of the Dutch COROP regions and provinces (used by the data scripts).

Names are CBS's own (``Code_8``/``Naam_9`` and ``Code_26``/``Naam_27`` of CBS table 84929NED
*Gebieden in Nederland 2021* in ``../shared/data/nl_regional``): e.g. ``Groot-Amsterdam``,
``Groot-Rijnmond``, ``Agglomeratie 's-Gravenhage`` (ASCII apostrophe, as CBS writes it). Provinces
keep the names of the boundary files (``Friesland``; CBS's ``Fryslân`` is an alias).

Aliases of a COROP region: its CBS code (``CR01``-``CR40``), NUTS-3 2024 and 2016-2021 codes, the
Eurostat label (typographic apostrophe) and the short name of the CBS/Kadaster boundary files
(``Amsterdam``, ``Rijnmond``, earlier mrio labels). Aliases of a province: CBS code (``PV20``-``PV31``),
NUTS-2 code and label, CBS name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

#: Separator of the ``aliases`` column in ``regions.csv`` and ``provinces.csv``.
ALIAS_SEPARATOR = "; "


def _areas(shared: Path) -> pd.DataFrame:
    return pd.read_csv(shared / "nl_regional" / "cbs_84929NED_municipalities_2021.csv", dtype=str)


def corop_names(shared: Path) -> pd.DataFrame:
    """``cbs_code`` -> official ``region`` name and ``aliases`` (one string, ``; ``-separated)."""
    areas = _areas(shared)
    official = areas[["Code_8", "Naam_9"]].drop_duplicates().set_index("Code_8")["Naam_9"]
    if len(official) != 40 or official.index.has_duplicates:
        raise SystemExit(f"expected 40 COROP regions in CBS 84929NED, found {len(official)}")
    nuts = pd.read_csv(shared / "nuts3_employment" / "nl_nuts3_corop_regions.csv", dtype=str).set_index(
        "corop_code_cbs")
    short = pd.read_csv(shared / "nl_regions" / "corop_centroids.csv", dtype=str).set_index("cbs_code")["areaname"]
    rows = []
    for code, name in official.sort_index().items():
        n = nuts.loc[code]
        aliases = dict.fromkeys([code, n["nuts3_2024"], n["older_nuts3_code_2016_2021"], n["nuts3_label"],
                                 short[code]])
        aliases.pop(name, None)
        rows.append({"cbs_code": code, "region": name, "aliases": ALIAS_SEPARATOR.join(aliases)})
    return pd.DataFrame(rows)


def province_names(shared: Path) -> pd.DataFrame:
    """``province`` (boundary-file name) -> ``cbs_code``, ``nuts2`` and ``aliases``."""
    areas = _areas(shared)
    nuts = pd.read_csv(shared / "nuts3_employment" / "nl_nuts3_corop_regions.csv", dtype=str)
    centroids = pd.read_csv(shared / "nl_regions" / "corop_centroids.csv", dtype=str)
    province_of = centroids.set_index("cbs_code")["province_of_centroid"]
    cbs_of_corop = areas[["Code_8", "Code_26", "Naam_27"]].drop_duplicates().set_index("Code_8")
    rows = []
    for province in sorted(province_of.unique()):
        corops = province_of.index[province_of == province]
        cbs = cbs_of_corop.loc[corops].drop_duplicates()
        n2 = nuts[nuts["corop_code_cbs"].isin(corops)][["nuts2", "nuts2_label"]].drop_duplicates()
        if len(cbs) != 1 or len(n2) != 1:
            raise SystemExit(f"province {province}: COROP regions in several CBS provinces or NUTS-2 regions")
        aliases = dict.fromkeys([cbs["Code_26"].iloc[0], n2["nuts2"].iloc[0], n2["nuts2_label"].iloc[0],
                                 cbs["Naam_27"].iloc[0]])
        aliases.pop(province, None)
        rows.append({"province": province, "cbs_code": cbs["Code_26"].iloc[0], "nuts2": n2["nuts2"].iloc[0],
                     "aliases": ALIAS_SEPARATOR.join(aliases)})
    return pd.DataFrame(rows)
