"""Concordances for regrouping regions and sectors, and helpers that apply them to an MRIO.

Dutch concordances (region labels are COROP names as in ``corop_centroids.csv``):

* :func:`corop_to_province` - the 40 COROP regions to the 12 provinces (province of the
  region's centroid; COROP regions nest in provinces).
* :func:`corop_to_metro` - COROP regions to the three metropolitan areas named in the SER report
  (Metropoolregio Amsterdam, Metropoolregio Rotterdam Den Haag, Brainport Eindhoven), **approximated
  by whole COROP regions** (the official areas are sets of municipalities that do not follow COROP
  borders; see :data:`METRO_AREAS` for the sets and what they leave out or add). Regions outside
  them map to ``"Rest of the Netherlands"``.
* :func:`cbs_to_nace_a10` - the 81 CBS industries to Eurostat NACE A*10 groups.
* :func:`cbs_indicator_groups` - the groups used to regionalise with Eurostat NUTS-3 data: A*10
  with B-E split into ``"C"`` (manufacturing) and ``"BDE"`` (mining, energy, water), so that
  Groningen's gas is placed by its own value added.

Regrouping (:func:`regroup`) sums flows, so every total is preserved exactly; multipliers of the
regrouped system are *not* averages of the original ones (aggregation bias, Miller & Blair 2009,
section 4.3): compute them on the level of detail you report.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

import pandas as pd

from mrio.build.nl_placement import EXTRA_REGIO, EXTRA_REGIO_CODE
from mrio.core import labels as lab
from mrio.core.system import MRIO
from mrio.errors import UnknownLabelError

__all__ = [
    "METRO_AREAS",
    "REST_OF_COUNTRY",
    "nl_regions",
    "corop_to_province",
    "corop_to_metro",
    "cbs_to_nace_a10",
    "cbs_indicator_groups",
    "regroup",
]

#: Metropolitan areas of the SER report as sets of COROP regions (an approximation).
METRO_AREAS: dict[str, tuple[str, ...]] = {
    # MRA (Amsterdam, Amstelland, Waterland, Zaanstad, Haarlem and Zuid-Kennemerland, IJmond, Gooi en
    # Vechtstreek, Almere and Lelystad). Flevoland's COROP region also holds Noordoostpolder, Urk,
    # Dronten and Zeewolde (outside MRA); Haarlemmermeer and Purmerend lie in Groot-Amsterdam.
    "Metropoolregio Amsterdam": ("Groot-Amsterdam", "Zaanstreek", "IJmond", "Agglomeratie Haarlem",
                                 "Het Gooi en Vechtstreek", "Flevoland"),
    # MRDH: the 23 municipalities of The Hague and Rotterdam; Zoetermeer (Oost-Zuid-Holland COROP)
    # is left out, the rest of Groot-Rijnmond (e.g. Goeree-Overflakkee) is included.
    "Metropoolregio Rotterdam Den Haag": ("Agglomeratie 's-Gravenhage", "Delft en Westland",
                                          "Groot-Rijnmond"),
    # Brainport Eindhoven (Metropoolregio Eindhoven, 21 municipalities) ~ Zuidoost-Noord-Brabant.
    "Brainport Eindhoven": ("Zuidoost-Noord-Brabant",),
}
REST_OF_COUNTRY = "Rest of the Netherlands"


def nl_regions() -> pd.DataFrame:
    """Return the 40 COROP regions: number, CBS and NUTS codes, name, province, area, internal distance."""
    with resources.as_file(resources.files("mrio.data") / "nl_corop" / "regions.csv") as path:
        return pd.read_csv(path)


def _aliases(table: pd.DataFrame, name_column: str) -> dict[str, str]:
    """Map alias -> name from a table with a ``; ``-separated ``aliases`` column."""
    out: dict[str, str] = {}
    for name, aliases in zip(table[name_column], table["aliases"].fillna(""), strict=True):
        for alias in filter(None, (a.strip() for a in aliases.split(";"))):
            out.setdefault(alias, name)
    return out


def corop_aliases() -> dict[str, str]:
    """Other names of the 40 COROP regions -> CBS's official name.

    CBS codes (``CR23``), NUTS-3 2024 and 2016-2021 codes (``NL32B``, ``NL329``), Eurostat labels
    (``Agglomeratie ’s-Gravenhage``) and the boundary files' short names (``Amsterdam``,
    ``Rijnmond``); derived by ``data/nl_names.py``. Extra-regio (the continental shelf) is also
    ``NLZZZ`` (its NUTS code) and ``Extra-Regio NL``.
    """
    aliases = _aliases(nl_regions(), "region")
    aliases.update({EXTRA_REGIO_CODE: EXTRA_REGIO, "Extra-Regio NL": EXTRA_REGIO})
    return aliases


def province_aliases() -> dict[str, str]:
    """Other names of the 12 provinces -> name: CBS codes (``PV27``), NUTS-2 codes and labels, ``Fryslân``."""
    with resources.as_file(resources.files("mrio.data") / "nl_corop" / "provinces.csv") as path:
        return _aliases(pd.read_csv(path, dtype=str), "province")


def corop_to_province() -> pd.Series:
    """Map COROP region -> province (12 provinces), indexed by COROP name in COROP order.

    Extra-regio (the continental shelf) stays apart.
    """
    regions = nl_regions()
    mapping = pd.Series(regions["province"].to_numpy(), index=pd.Index(regions["region"], name="region"),
                        name="province")
    mapping.loc[EXTRA_REGIO] = EXTRA_REGIO
    return mapping


def corop_to_metro(rest: str = REST_OF_COUNTRY) -> pd.Series:
    """COROP region -> metropolitan area of the SER report (COROP-set approximation), else ``rest``."""
    regions = nl_regions()["region"]
    mapping = pd.Series(rest, index=pd.Index(regions, name="region"), name="metro_area")
    for area, members in METRO_AREAS.items():
        unknown = [m for m in members if m not in mapping.index]
        if unknown:  # guards the table above against renamed regions
            raise UnknownLabelError(f"metropolitan area {area!r} names unknown COROP regions {unknown}")
        mapping.loc[list(members)] = area
    mapping.loc[EXTRA_REGIO] = EXTRA_REGIO  # the continental shelf is no metropolitan area
    return mapping


def _industries() -> pd.DataFrame:
    with resources.as_file(resources.files("mrio.data") / "nl_industries.csv") as path:
        return pd.read_csv(path)


def cbs_to_nace_a10() -> pd.Series:
    """CBS industry (``sector`` label) -> NACE A*10 group (A, B-E, F, G-I, J, K, L, M_N, O-Q, R-U)."""
    table = _industries()
    return pd.Series(table["nace_a10"].to_numpy(), index=pd.Index(table["sector"], name="sector"),
                     name="nace_a10")


def cbs_indicator_groups() -> pd.Series:
    """CBS industry -> regional-indicator group: A*10 with B-E split into ``"C"`` and ``"BDE"``.

    CBS industries 7-28 are manufacturing (NACE C); 4-6 (mining), 29 (energy) and 30-31 (water,
    waste) form ``"BDE"`` = Eurostat's B-E minus C.
    """
    table = _industries()
    groups = table["nace_a10"].where(table["nace_a10"] != "B-E",
                                     table["cbs_no"].between(7, 28).map({True: "C", False: "BDE"}))
    return pd.Series(groups.to_numpy(), index=pd.Index(table["sector"], name="sector"), name="group")


#: Named region concordances of :func:`regroup` (``regions="province"``...).
NAMED_REGION_CONCORDANCES = {"province": corop_to_province, "metro": corop_to_metro}


def named_region_concordance(name: str) -> pd.Series:
    """Return the COROP -> group concordance called ``name`` (``"province"`` or ``"metro"``).

    Raises
    ------
    UnknownLabelError
        Another name.
    """
    if name not in NAMED_REGION_CONCORDANCES:
        raise UnknownLabelError(f"unknown region concordance {name!r}; known: "
                                f"{', '.join(NAMED_REGION_CONCORDANCES)}")
    return NAMED_REGION_CONCORDANCES[name]()


def regroup(system: MRIO, regions: Mapping | pd.Series | str | None = None,
            sectors: Mapping | pd.Series | str | None = None) -> MRIO:
    """Regroup a system's regions and/or sectors exactly (flows summed, totals preserved).

    Parameters
    ----------
    system : MRIO
    regions : Mapping, pandas.Series, {"province", "metro"} or None
        Region -> group; the names select the Dutch concordances above. A mapping may be
        partial: list only the regions to merge, the others keep their name; keys may be
        region aliases (CBS codes...).
    sectors : Mapping, pandas.Series, {"nace_a10"} or None
        Sector -> group (partial allowed); ``"nace_a10"`` selects
        :func:`~mrio.build.concordances.cbs_to_nace_a10`.

    Returns
    -------
    MRIO
        ``meta["regrouped"]`` records the concordances used. Multipliers are not preserved
        (aggregation bias).

    Raises
    ------
    UnknownLabelError
        A concordance name that is not known.
    LabelError
        A concordance that maps a label to nothing.
    UnknownLabelError
        A concordance key that is no region/sector of the system (with the closest names).
    """
    named_sectors = {"nace_a10": cbs_to_nace_a10}
    scales = [f"{'regions' if i == 0 else 'sectors'} by {c if isinstance(c, str) else 'concordance'}"
              for i, c in enumerate((regions, sectors)) if c is not None]
    group_aliases = province_aliases() if isinstance(regions, str) and regions == "province" else None
    if isinstance(regions, str):
        regions = named_region_concordance(regions)
    if isinstance(sectors, str):
        if sectors not in named_sectors:
            raise UnknownLabelError(f"unknown sector concordance {sectors!r}; known: {', '.join(named_sectors)}")
        sectors = named_sectors[sectors]()
    if regions is not None:  # partial concordances: unmapped regions (extra-regio) keep their name
        regions = lab.complete_mapping(regions, system.regions, "region", system.region_aliases)
    if sectors is not None:
        sectors = lab.complete_mapping(sectors, system.sectors, "sector")
    out = system.aggregate(regions=regions, sectors=sectors)
    note = {"regions": "by concordance" if regions is not None else "unchanged",
            "sectors": "by concordance" if sectors is not None else "unchanged",
            "caveat": "flows are sums and add up exactly; multipliers are not preserved by regrouping"}
    meta = {**dict(out.meta), "regrouped": note}
    if scales:  # a regrouped table is another table: say so in its name (repr, reports, file metadata)
        meta["name"] = f"{system.meta.get('name') or 'MRIO'} ({', '.join(scales)})"
    if group_aliases is not None:
        meta["region_aliases"] = group_aliases
    return out.replace(meta=meta)
