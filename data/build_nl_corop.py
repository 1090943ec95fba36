"""Derive the compact inputs of the Dutch 40-region table (datasets ``nl-corop``, ``nl-provinces``).

Run from the repository root::

    python data/build_nl_corop.py [--shared ../shared/data] [--year 2018 ...]

Reads the shared copies of the public sources and writes ``data/nl_corop/``:

* ``national_<year>/``: the CBS national table for each year 2015-2021 (current prices; default all
  years, ``--year`` to pick some) as read by ``mrio.build.cbs.read_cbs_iot`` (margins reallocated,
  subsidies negative): ``Z.csv``, ``final_demand.csv``, ``exports.csv``, ``V.csv``, ``meta.json``;
* ``indicators.csv``: Eurostat NUTS-3 (= COROP) gross value added 2018 and employment 2015 and 2018
  by region and indicator group (A*10 with B-E split into C and B, D, E = "B-E" minus "C"), tidy;
* ``regions.csv``: the 40 COROP regions (number, CBS code, NUTS 2024 code, CBS's official name, province
  of the centroid, area in km2, internal distance ``(2/3) sqrt(area / pi)`` in km, aliases: codes and
  other spellings, see ``nl_names.py``); ``provinces.csv``: the 12 provinces' codes and aliases;
* ``distances_km.csv``: 40 x 40 great-circle distances between centroids, by region name (the
  commuting model's distances);
* the trade model's distances, on the definition of the survey truths the trade parameters are fitted
  on (:mod:`mrio.build.distances`): ``trade_distances_km.csv``, 40 x 40 population-weighted mean
  great-circle distances between the regions' GeoNames cities of 15,000 inhabitants or more (diagonal
  0), ``regions.csv`` columns ``cities_15k`` and ``trade_internal_distance_km`` (mean over pairs of a
  region's distinct cities; a region with fewer than two: its disc formula times the median
  city-pair / disc ratio of the others), and ``cities.csv`` (each city's COROP region, by point in
  polygon on the CBS/Kadaster COROP boundaries).

Sources and licences: see ``data/README.md`` (section ``nl_corop``).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
GROUPS = ["A", "BDE", "C", "F", "G-I", "J", "K", "L", "M_N", "O-Q", "R-U"]
KM_PER_DEGREE = 111.32
#: CBS input-output tables in current prices available in ../shared/data/cbs_nl_iot.
NATIONAL_YEARS = range(2015, 2022)
#: GeoNames first-level divisions of the Netherlands -> province (a check of the point-in-polygon assignment).
GEONAMES_PROVINCES = {"01": "Drenthe", "02": "Friesland", "03": "Gelderland", "04": "Groningen",
                      "05": "Limburg", "06": "Noord-Brabant", "07": "Noord-Holland", "09": "Utrecht",
                      "10": "Zeeland", "11": "Zuid-Holland", "15": "Overijssel", "16": "Flevoland"}


def trade_distances(shared: Path, regions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The trade model's distances on the truths' definition, from GeoNames cities assigned to COROP regions.

    Returns ``regions`` with ``cities_15k`` and ``trade_internal_distance_km``, the 40 x 40 matrix
    (diagonal 0, the internal distances are in ``regions``) and the cities with their region.
    """
    from mrio.build.distances import assign_to_polygons, geonames_cities, regional_city_distances

    features = json.loads((shared / "nl_regions" / "corop_simplified_wgs84.geojson").read_text())["features"]
    names = regions.set_index("cbs_code")["region"]
    cities = geonames_cities()
    cities = cities[cities["country"] == "NL"].sort_values(["population", "name"], ascending=[False, True],
                                                         ignore_index=True)
    where = assign_to_polygons(cities, [f["geometry"] for f in features])
    cities["region"] = names.loc[[features[k]["properties"]["cbs_code"] for k in where["polygon"]]].to_numpy()
    cities["outside_km"] = where["outside_km"].round(3)
    cities["geonames_province"] = cities["admin1"].map(GEONAMES_PROVINCES)
    province = regions.set_index("region")["province"]
    off = cities[cities["geonames_province"] != cities["region"].map(province)]
    for row in off.itertuples():
        print(f"  note: {row.name} (GeoNames province {row.geonames_province}) lies in {row.region} "
              f"({province[row.region]})")
    for row in cities[cities["outside_km"] > 0].itertuples():
        print(f"  note: {row.name} is {row.outside_km:.2f} km outside the simplified boundaries; "
              f"nearest {row.region}")
    result = regional_city_distances(cities, cities["region"],
                                     regions.set_index("region")["internal_distance_km"],
                                     regions.set_index("region")[["lat", "lon"]])
    table = result.regions
    print(f"  trade distances: {len(cities)} GeoNames cities, {int((table['cities'] >= 2).sum())} regions "
          f"with a city pair (median city-pair / disc ratio {result.fallback_ratio:.4f}), "
          f"{int((table['cities'] < 2).sum())} on the disc formula x that ratio, "
          f"{int((table['cities'] == 0).sum())} without a city")
    regions = regions.assign(cities_15k=table["cities"].reindex(regions["region"]).to_numpy(),
                             trade_internal_distance_km=table["internal_km"].reindex(regions["region"])
                             .round(3).to_numpy())
    values = result.distances.to_numpy(copy=True).round(3)
    np.fill_diagonal(values, 0.0)  # as distances_km.csv: the internal distances are in regions.csv
    matrix = pd.DataFrame(values, index=pd.Index(result.distances.index, name="region"),
                          columns=list(result.distances.columns))
    return regions, matrix, cities[["name", "population", "region", "outside_km"]]


def _wide_to_tidy(path: Path, regions: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    wide = pd.read_csv(path)
    wide = wide[wide["corop_code_cbs"].isin(regions["cbs_code"])].copy()
    wide["BDE"] = wide["B-E"] - wide["C"]  # B, D and E together: mining, energy, water
    wide["region"] = wide["corop_code_cbs"].map(regions.set_index("cbs_code")["region"])
    tidy = wide.melt(id_vars=["region"], value_vars=GROUPS, var_name="group", value_name="value")
    tidy["indicator"] = indicator
    tidy["year"] = year
    return tidy[["region", "group", "indicator", "year", "value"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--year", type=int, nargs="+", default=list(NATIONAL_YEARS),
                        help="CBS years to derive national tables for (default 2015-2021)")
    parser.add_argument("--out", type=Path, default=HERE / "nl_corop")
    args = parser.parse_args(argv)
    from mrio.build.cbs import read_cbs_iot  # the installed package
    from mrio.regional import write_national
    from mrio.data.nl_names import corop_names, province_names  # data/nl_names.py

    shared = args.shared
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    # ---- regions
    centroids = pd.read_csv(shared / "nl_regions" / "corop_centroids.csv")
    nuts = pd.read_csv(shared / "nuts3_employment" / "nl_nuts3_corop_regions.csv")
    regions = centroids.rename(columns={"province_of_centroid": "province"}).drop(columns="areaname")
    regions = regions.merge(corop_names(shared), on="cbs_code", validate="one_to_one")  # CBS's official names
    regions["nuts3_2024"] = regions["cbs_code"].map(nuts.set_index("corop_code_cbs")["nuts3_2024"])
    # polygon area in square degrees -> km2 at the centroid's latitude
    regions["area_km2"] = (regions["polygon_area_deg2"] * KM_PER_DEGREE ** 2
                           * np.cos(np.radians(regions["lat"]))).round(1)
    regions["internal_distance_km"] = (2.0 / 3.0 * np.sqrt(regions["area_km2"] / np.pi)).round(3)
    regions = regions.sort_values("corop_nr")[["corop_nr", "cbs_code", "nuts3_2024", "region", "province",
                                               "lon", "lat", "area_km2", "internal_distance_km", "aliases"]]
    regions, trade, cities = trade_distances(shared, regions)
    regions = regions[["corop_nr", "cbs_code", "nuts3_2024", "region", "province", "lon", "lat", "area_km2",
                       "internal_distance_km", "cities_15k", "trade_internal_distance_km", "aliases"]]
    regions.to_csv(out / "regions.csv", index=False)
    trade.to_csv(out / "trade_distances_km.csv")
    cities.to_csv(out / "cities.csv", index=False)
    province_names(shared).to_csv(out / "provinces.csv", index=False)

    # ---- distances by region name
    dist = pd.read_csv(shared / "nl_regions" / "corop_centroid_distance_km.csv", index_col=0)
    names = regions.set_index("cbs_code")["region"]
    dist = dist.loc[regions["cbs_code"], regions["cbs_code"]]
    dist.index = names.loc[dist.index].to_numpy()
    dist.columns = names.loc[dist.columns].to_numpy()
    dist.index.name = "region"
    dist.to_csv(out / "distances_km.csv")

    # ---- indicators
    parts = [
        _wide_to_tidy(shared / "nuts3_gva" / "nl_nuts3_gva_2018_wide.csv", regions, "gva", 2018),
        _wide_to_tidy(shared / "nuts3_employment" / "nl_nuts3_empers_2018_wide.csv", regions, "employment", 2018),
        _wide_to_tidy(shared / "nuts3_employment" / "nl_nuts3_empers_2015_wide.csv", regions, "employment", 2015),
    ]
    indicators = pd.concat(parts, ignore_index=True)
    indicators["value"] = indicators["value"].round(6)
    indicators.to_csv(out / "indicators.csv", index=False)

    # ---- national tables, one folder per year
    for year in args.year:
        national = read_cbs_iot(shared / "cbs_nl_iot" / f"cbs_iot_{year}_current.csv", year=year)
        national = replace(national, meta={**national.meta,
                                           "source": national.meta["source"].replace("file ", "file cbs_nl_iot/")})
        write_national(national, out / f"national_{year}")
    print(f"wrote {out}: {len(regions)} regions, {len(indicators)} indicator cells, national "
          f"{', '.join(map(str, args.year))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
