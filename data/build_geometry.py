"""Derive the bundled map geometry (``data/geometry/*.json``) from the shared Dutch boundaries.

Source: the simplified WGS84 polygons of the 40 COROP regions and the 12 provinces (2021) in
``../shared/data/nl_regions`` (CBS/Kadaster boundaries, CC BY 4.0, as packaged in the R package
*spatialrisk*, GPL >= 2), and the NUTS-3 <-> COROP concordance in
``../shared/data/nuts3_employment/nl_nuts3_corop_regions.csv`` (Eurostat, CC BY 4.0).

What the derivation does (so that the installed package draws maps without ``../shared``):

* coordinates rounded to 4 decimals (about 11 m north-south, 7 m east-west: far below what a
  map of the Netherlands at report size can show), consecutive duplicate vertices dropped;
* every ring closed and oriented (exterior counter-clockwise, holes clockwise, as RFC 7946
  asks), rings that collapse to fewer than 4 vertices dropped;
* each COROP feature is named by CBS's official name (``Groot-Amsterdam``, ``Agglomeratie
  's-Gravenhage``; CBS table 84929NED, see ``nl_names.py``) and carries the aliases under which the
  same region appears in other tables: the CBS code (``CR01``...), the Eurostat NUTS-3 2024 and
  2016-2021 codes and label, the boundary file's short name (``Amsterdam``), and the province
  holding its centroid; provinces carry their CBS and NUTS-2 codes and labels as aliases;
* the attribution and licence travel inside each file (foreign members ``attribution``,
  ``licence``, ``source``), and :func:`mrio.plot.choropleth` prints the attribution on every map.

The result is valid GeoJSON (RFC 7946). Run from the repository root:
``python data/build_geometry.py [SHARED_DATA_DIR]``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from mrio.data.nl_names import ALIAS_SEPARATOR, corop_names, province_names  # data/nl_names.py

HERE = Path(__file__).resolve().parent
OUT = HERE / "geometry"
DECIMALS = 4

ATTRIBUTION = "Boundaries: CBS/Kadaster (CC BY 4.0), via R package spatialrisk"
LICENCE = ("CC BY 4.0 (CBS/Kadaster boundaries); packaged in the R package spatialrisk (GPL >= 2); "
           "NUTS-3 codes and labels: Eurostat (CC BY 4.0)")


def _signed_area(ring: list[list[float]]) -> float:
    """Shoelace area, positive for a counter-clockwise ring (x = longitude, y = latitude)."""
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring[:-1], ring[1:], strict=True))


def _clean_ring(ring: list[list[float]], exterior: bool) -> list[list[float]] | None:
    pts: list[list[float]] = []
    for lon, lat in ring:
        p = [round(float(lon), DECIMALS), round(float(lat), DECIMALS)]
        if not pts or p != pts[-1]:
            pts.append(p)
    if pts[0] != pts[-1]:
        pts.append(list(pts[0]))
    if len(pts) < 4 or _signed_area(pts) == 0.0:
        return None
    if (_signed_area(pts) > 0) != exterior:
        pts.reverse()
    return pts


def _clean_multipolygon(geometry: dict) -> list:
    polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"])
    out = []
    for polygon in polygons:
        exterior = _clean_ring(polygon[0], exterior=True)
        if exterior is None:
            continue
        holes = [h for h in (_clean_ring(r, exterior=False) for r in polygon[1:]) if h is not None]
        out.append([exterior, *holes])
    return out


def _collection(name: str, features: list[dict]) -> dict:
    return {
        "type": "FeatureCollection",
        "name": name,
        "attribution": ATTRIBUTION,
        "licence": LICENCE,
        "source": "../shared/data/nl_regions (2021 boundaries, simplified, WGS84); built by "
                  "data/build_geometry.py",
        "features": features,
    }


def build(shared: Path) -> dict[str, dict]:
    """Return the two derived feature collections, keyed ``"corop"`` and ``"provinces"``."""
    regions = shared / "nl_regions"
    with open(shared / "nuts3_employment" / "nl_nuts3_corop_regions.csv", encoding="utf-8") as fh:
        nuts = {row["corop_code_cbs"]: row for row in csv.DictReader(fh)}
    with open(regions / "corop_centroids.csv", encoding="utf-8") as fh:
        province_of = {row["cbs_code"]: row["province_of_centroid"] for row in csv.DictReader(fh)}
    official = corop_names(shared).set_index("cbs_code")
    province_aliases = province_names(shared).set_index("province")
    corop = json.loads((regions / "corop_simplified_wgs84.geojson").read_text(encoding="utf-8"))
    features = []
    for feat in sorted(corop["features"], key=lambda f: f["properties"]["corop_nr"]):
        p = feat["properties"]
        code = p["cbs_code"]
        n = nuts[code]
        name = official.loc[code, "region"]  # CBS's official name (data/nl_names.py)
        aliases = sorted(set(official.loc[code, "aliases"].split(ALIAS_SEPARATOR)) - {name})
        features.append({
            "type": "Feature",
            "properties": {"name": name, "code": code, "province": province_of[code],
                           "aliases": aliases},
            "geometry": {"type": "MultiPolygon", "coordinates": _clean_multipolygon(feat["geometry"])},
        })
    provinces = json.loads((regions / "provincie_simplified_wgs84.geojson").read_text(encoding="utf-8"))
    prov_features = []
    for feat in sorted(provinces["features"], key=lambda f: f["properties"]["areaname"]):
        name = feat["properties"]["areaname"]
        nuts2 = sorted({row["nuts2"] for row in nuts.values() if province_of[row["corop_code_cbs"]] == name})
        labels = set(province_aliases.loc[name, "aliases"].split(ALIAS_SEPARATOR)) - {name}
        prov_features.append({
            "type": "Feature",
            "properties": {"name": name, "code": nuts2[0] if len(nuts2) == 1 else "",
                           "aliases": sorted(set(nuts2) | set(labels))},
            "geometry": {"type": "MultiPolygon", "coordinates": _clean_multipolygon(feat["geometry"])},
        })
    return {"corop": _collection("COROP regions of the Netherlands (2021)", features),
            "provinces": _collection("Provinces of the Netherlands (2021)", prov_features)}


def main(shared: Path) -> None:
    OUT.mkdir(exist_ok=True)
    for name, collection in build(shared).items():
        text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
        (OUT / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        print(f"wrote {OUT / f'{name}.json'}: {len(collection['features'])} features, {len(text):,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent.parent / "shared" / "data")
