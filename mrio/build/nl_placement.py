"""Place the 81 CBS industries and the Dutch final demand in the 40 COROP regions and extra-regio.

Regional output of every (region, industry) is fixed top-down through a tree of industry groups,
each level consistent with the one above (issue 10's order (a)-(e)):

(a) the national table's output ``x_j`` exactly;
(b) the CBS regional accounts 84419NED (the input-output tables' revision): output of A, B, C and
    D+E and the total by COROP region, scaled by ``x_g / x_g^84419`` (= 1 for 2015-2020, so the
    published figures are reproduced; the preliminary 2021 table differs and takes the shares);
    extra-regio (NUTS NLZZZ: the continental shelf) = Nederland minus the 40 regions, for B and
    (as public administration abroad, as Eurostat books it) the services;
(c) the service groups (F, G-I, J, K, L, M-N, O-Q, R-U) inside what (b) leaves by Eurostat's COROP x
    A*10 gross value added shares (2018), except F, G-I and J, which CBS turnover covers whole and which
    follow its shares by default (``NLAssumptions.service_groups_by``);
(d) inside each group the CBS turnover shares of the 35 turnover groups (83796NED, 2017;
    confidential cells estimated by :func:`mrio.kernels.estimate_suppressed`);
(e) inside a turnover group still too coarse, point data: EU ETS verified emissions by NACE
    division for refining (19), chemicals (20), building materials (23), basic metals (24); airport
    passengers and cargo for air transport; households for imputed rents; 84419NED's B for gas.
    Inside 19-22 the point data place refining and chemicals within the group's turnover of each
    region, and pharmaceuticals and rubber/plastics take the remainder (``GROUP_SPLITS``).

Every published turnover cell above ``FLOOR_MIN_SHARE`` of its group keeps at least
``FLOOR_FRACTION`` of its share, and every turnover group stays within ``MAX_SHARE_GAP`` of its
published shares (or the smallest largest gap (a) and (b) allow): hard constraints of the fit.

(a) and (b) are constraints; every child of every node of the tree has a share target (its
indicator's regional shares, or its parent's distribution where it has none), and
:func:`place_output` meets them all at once by weighted least squares in share points
(:func:`mrio.kernels.fit_share_targets`): the deviation (b) forces on a region is split in equal
share points over a node's children (a RAS fit of each node in turn split it in proportion to the
cells), and (c)/(d) come before (e).

Every uncertain choice is a field of :class:`NLAssumptions` (default and range documented there);
the uncertainty ensembles (issue 12) draw from those ranges.

See the methods page, section 'Dutch regional table'.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mrio import kernels
from mrio.errors import FileFormatError, InvalidTableError

from mrio.core.kernel_errors import kernel_errors
from mrio.build.inputs import read_csv_cached

__all__ = ["NLAssumptions", "EXTRA_REGIO", "TURNOVER_INDUSTRIES", "turnover_code", "place_output",
           "place_employment", "final_demand_weights", "commuting_matrix", "COMMUTING_DECAY_BOUNDS",
           "commuter_distance_model",
           "industry_indicators", "read_regional_file", "place_value_added", "VA_FLOOR", "INPUT_FLOOR",
           "output_constraints", "OFFSHORE_INDICATORS"]

#: Label of the extra-regio region (NUTS NLZZZ: the continental shelf and public administration abroad).
EXTRA_REGIO = "Extra-regio"
EXTRA_REGIO_CODE = "NLZZZ"
ACCOUNT_GROUPS = ("A", "B", "C", "DE")


#: Bounds of the distance decay fitted for each province in the split of its commuters over its
#: COROP regions of residence (:func:`commuting_matrix`).
COMMUTING_DECAY_BOUNDS = (1.0, 4.0)


@dataclass(frozen=True)
class NLAssumptions:
    """Uncertain choices of the Dutch regional build, each with its default and range.

    Attributes
    ----------
    prior_floor : float, default 0, range [0, 0.2]
        Weight of the parent group's own regional distribution in every child's target share (shrinks
        the indicator shares towards the parent's: turnover, GVA and emissions are not output). The
        least-squares placement is feasible without it.
    point_weight : float, default 1.0, range [0.5, 1.0]
        Weight of point data (ETS emissions, airport traffic) against the turnover group's share in
        the prior of the industries placed by point data.
    airport_cargo_weight : float, default 0.5, range [0, 1]
        Weight of cargo tonnes against passengers in the air-transport indicator.
    turnover_cells : Mapping, default {}
        ``(group, region, year) -> value`` replacing estimated confidential turnover cells (default:
        the estimate); each must lie in the cell's feasible range (``turnover.csv`` columns
        ``lower``, ``upper``).
    account_offsets : Mapping, default {}
        ``(region, group, year) -> offset`` in million EUR added to a published 84419NED COROP output
        figure, within its rounding [-0.5, 0.5]; the offsets of a group are centred over its COROP
        regions (their mean subtracted from every region), so the regions' sum, extra-regio and the
        national total are unchanged.
    commuting_year : int, default 2014, range 2010-2014
        Year of the commuting matrix held for 2015-2021 (81252NED ends in 2014).
    commuting_decay_scale : float, default 1.0, range [0.9, 1.1]
        Factor on the distance decays of the split of a province's commuters over its COROP
        regions of residence, each fitted to the province's published mean home-work distances
        (:func:`commuting_matrix`); the range covers the decays that score best on the published
        COROP rows of Groningen and Friesland (0.95-1.1 of the fitted ones over 2010-2014).
    internal_distance_scale : float, default 1.0, range [0.82, 1.33]
        Factor on the trade model's internal distances of the regions with fewer than two GeoNames
        cities of 15,000 inhabitants or more (``regions.csv`` column ``cities_15k``; five regions),
        which have no city pair: their internal distance is the disc formula
        ``(2/3) sqrt(area / pi)`` times the median city-pair / disc ratio of the 35 regions that
        have one (1.35). The range is the 2.5-97.5 % range of the mean ratio of five regions drawn
        from those 35, relative to the median (bootstrap; docs/methods/regional.md, section
        "Trade estimation", "Distances"). The other regions' distances are on the definition the
        trade parameters are fitted on and are not scaled. (Until the trade distances were put on
        that definition, the factor scaled every region's disc formula over 1-1.36.)
    turnover_years : tuple, default (2017,)
        Turnover years averaged (one or both of 2016, 2017; default the latest, the year the
        placement is scored on).
    service_groups_by : {"turnover", "eurostat"}, default "turnover"
        Regional shares of the service groups that CBS turnover covers whole (F, G-I, J): CBS
        turnover (83796NED, the finest CBS source; regional turnover shares within 0.02-0.03 of the
        published ones) or Eurostat's A*10 GVA (revision 2024; the other service groups always use
        Eurostat).
    """

    prior_floor: float = 0.0
    point_weight: float = 1.0
    airport_cargo_weight: float = 0.5
    turnover_cells: Mapping = field(default_factory=dict)
    account_offsets: Mapping = field(default_factory=dict)
    commuting_year: int = 2014
    commuting_decay_scale: float = 1.0
    internal_distance_scale: float = 1.0
    turnover_years: tuple = (2017,)
    service_groups_by: str = "turnover"

    RANGES = {"prior_floor": (0.0, 0.2), "point_weight": (0.5, 1.0), "airport_cargo_weight": (0.0, 1.0),
              "commuting_year": (2010, 2014), "commuting_decay_scale": (0.9, 1.1),
              "internal_distance_scale": (0.82, 1.33)}

    def __post_init__(self) -> None:
        for name, (lo, hi) in self.RANGES.items():
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise InvalidTableError(f"NL build assumption {name} = {value!r} is outside its range [{lo}, {hi}]")
        if self.service_groups_by not in ("turnover", "eurostat"):
            raise InvalidTableError(f"service_groups_by must be 'turnover' or 'eurostat', got {self.service_groups_by!r}")
        bad = [y for y in self.turnover_years if y not in (2016, 2017)] or not self.turnover_years
        if bad:
            raise InvalidTableError(f"turnover_years must be 2016 and/or 2017, got {self.turnover_years!r}")
        for key, off in self.account_offsets.items():
            if not -0.5 <= float(off) <= 0.5:
                raise InvalidTableError(f"account offset {key!r} = {off} is outside the published rounding "
                                        "[-0.5, 0.5]")

    def as_meta(self) -> dict[str, Any]:
        """Return the assumptions and their ranges as JSON-ready metadata."""
        return {"prior_floor": self.prior_floor, "point_weight": self.point_weight,
                "airport_cargo_weight": self.airport_cargo_weight, "commuting_year": self.commuting_year,
                "commuting_decay_scale": self.commuting_decay_scale,
                "internal_distance_scale": self.internal_distance_scale,
                "turnover_years": list(self.turnover_years), "service_groups_by": self.service_groups_by,
                "turnover_cells_overridden": len(self.turnover_cells),
                "account_offsets": len(self.account_offsets), "ranges": {k: list(v) for k, v in self.RANGES.items()}}


# ---------------------------------------------------------------------------------- the tree
#: Turnover groups split by point data: group -> the industries placed by their point data (CBS number,
#: ETS division), in order; the group's other industries take the remainder (:meth:`_Indicators.group_split`).
#: 19-22: pharmaceuticals (CBS 16, NACE 21) and rubber and plastics (CBS 17, NACE 22) have no regional
#: statistic of their own (83796NED publishes 19-22 whole, Eurostat A*10 has C whole; the EU ETS lists three
#: NACE 21 and three NACE 22 installations, too few to place either), so they take what is left of the
#: group's turnover after refining (19) and chemicals (20) are placed by their ETS emissions.
GROUP_SPLITS = {"19-22": ((14, "19"), (15, "20"))}
REMAINDER_19_22 = ("remainder", "19-22")
# node -> (children, indicator of each child). A child is a CBS industry number (leaf) or a node name.
# Indicators: ("turnover", group), ("eurostat", A*10 group), ("ets", NACE division), ("airports",),
# ("households",), None (national structure inside the node).
TREE: dict[str, list[tuple[Any, Any]]] = {
    "A": [(1, None), (2, None), (3, None)],
    "B": [(4, ("gas",)), (5, ("onshore",)), (6, ("gas",))],
    "C": [("10-12", ("turnover", "10-12")), ("13-15", ("turnover", "13-15")), ("16+23", ("turnover", "16+23")),
          ("17-18", ("turnover", "17-18")), ("19-22", ("turnover", "19-22")), ("24-25", ("turnover", "24-25")),
          ("26-28", ("turnover", "26-28")), ("29-30", ("turnover", "29-30")),
          ("31-33", ("turnover", ("31-32 (rest of C)", "33 (rest of 24-30, 33)")))],
    "10-12": [(7, None), (8, None), (9, None)],
    "13-15": [(10, None)],
    "16+23": [(11, None), (18, ("ets", "23"))],
    "17-18": [(12, None), (13, None)],
    "19-22": [(14, ("within", "19-22", "19")), (15, ("within", "19-22", "20")), (16, REMAINDER_19_22),
              (17, REMAINDER_19_22)],
    "24-25": [(19, ("ets", "24")), (20, None)],
    "26-28": [(21, None), (22, None), (23, None)],
    "29-30": [(24, None), (25, None)],
    "31-33": [(26, ("turnover", "31-32 (rest of C)")), (27, ("turnover", "31-32 (rest of C)")),
              (28, ("turnover", "33 (rest of 24-30, 33)"))],
    "DE": [(29, ("turnover", "D")), ("E", ("turnover", "E"))],
    "E": [(30, None), (31, None)],
    "S": [("F", ("service", "F")), ("G-I", ("service", "G-I")), ("J", ("service", "J")),
          ("K", ("eurostat", "K")), ("L", ("eurostat", "L")), ("M_N", ("eurostat", "M_N")),
          ("O-Q", ("eurostat", "O-Q")), ("R-U", ("eurostat", "R-U"))],
    "F": [(32, ("turnover", "41")), (33, ("turnover", "42")), (34, ("turnover", "43"))],
    "G-I": [("G", ("turnover", "G")), ("H", ("turnover", "H")), ("I", ("turnover", "I"))],
    "G": [(35, ("turnover", "45")), (36, ("turnover", "46")), (37, ("turnover", "47"))],
    "H": [("49+53", ("turnover", "49+53")), ("50-52", ("turnover", "50-52"))],
    "49+53": [(38, None), (42, None)],
    "50-52": [(39, None), (40, ("airports",)), (41, None)],
    "I": [(43, ("turnover", "55")), (44, ("turnover", "56"))],
    "J": [(49, ("turnover", "62")), ("J-rest", ("turnover", "J-rest"))],
    "J-rest": [(45, None), (46, None), (47, None), (48, None), (50, None)],
    "K": [(51, None), (52, None), (53, None)],
    "L": [(54, ("households",)), (55, None)],
    "M_N": [(56, ("turnover", "69")), (57, ("turnover", "702")), (58, ("turnover", "71")),
            (61, ("turnover", "74")), ("N", ("turnover", "N")), (59, None), (60, None), (62, None)],
    "N": [(63, None), (64, None), (65, None), (66, None), (67, None), (68, None)],
    "O-Q": [(69, ("public",)), (70, None), (71, None), (72, None)],
    "R-U": [(78, ("turnover", "95-96")), (79, ("turnover", "95-96")), (80, ("households",)), (73, None),
            (74, None), (75, None), (76, None), (77, None), (81, None)],
}
ROOT_GROUPS = {"A": "A", "B": "B", "C": "C", "DE": "DE", "S": "services"}
#: CBS industries (numbers) of each of the 35 turnover groups of 83796NED.
TURNOVER_INDUSTRIES = {
    "C": list(range(7, 29)), "10-12": [7, 8, 9], "13-15": [10], "16+23": [11, 18], "17-18": [12, 13],
    "19-22": [14, 15, 16, 17], "24-25": [19, 20], "24-30, 33": [19, 20, 21, 22, 23, 24, 25, 28],
    "26-28": [21, 22, 23], "29-30": [24, 25], "D": [29], "E": [30, 31], "F": [32, 33, 34],
    "41": [32], "42": [33], "43": [34], "G-I": list(range(35, 45)), "G": [35, 36, 37], "45": [35], "46": [36],
    "47": [37], "H": list(range(38, 43)), "49+53": [38, 42], "50-52": [39, 40, 41], "I": [43, 44], "55": [43],
    "56": [44], "J": list(range(45, 51)), "62": [49], "69": [56], "702": [57], "71": [58], "74": [61],
    "N": list(range(63, 69)), "95-96": [78, 79],
}


def turnover_code(label: str) -> str:
    """83796NED industry label -> group code ('24-30, 33 Metalektro' -> '24-30, 33', 'C Industrie' -> 'C')."""
    label = str(label).strip()
    return "24-30, 33" if label.startswith("24-30, 33") else label.split()[0]

INDICATOR_TEXT = {
    None: "the parent group's regional distribution (national structure inside the group)",
    "turnover": "CBS 83796NED turnover shares of group {0} (2017; confidential cells estimated)",
    "eurostat": "Eurostat nama_10r_3gva COROP x A*10 GVA shares of {0} (2018)",
    "service": "CBS 83796NED turnover shares of {0} (2017; NLAssumptions.service_groups_by='eurostat': "
               "Eurostat A*10 GVA)",
    "ets": "EU ETS verified emissions of NACE division {0} installations by COROP",
    "airports": "airport passengers and cargo (CBS 37478hvv) by the airport's COROP region",
    "households": "private households (CBS 71486ned/85342NED) by COROP",
    "gas": "CBS 84419NED output of B (mining) incl. extra-regio (continental shelf)",
    "onshore": "CBS 84419NED output of B (mining) of the 40 COROP regions (none offshore)",
    "public": "the O-Q group's regional distribution; extra-regio's services (public administration abroad)",
    "within": "EU ETS verified emissions of NACE division {1} installations by COROP, within what is left of "
              "group {0}'s turnover in each region (2017, at the group's national output); what does not fit "
              "follows the group's remainder",
    "remainder": "what is left of group {0}'s turnover in each region (2017, at the group's national output) "
                 "after the industries placed by ETS emissions inside it (refining, chemicals)",
}


def _leaves(node) -> list[int]:
    out = []
    for child, _ in TREE.get(node, []):
        out.extend([child] if isinstance(child, int) else _leaves(child))
    return out


def _paths() -> dict[int, list[tuple[str, Any]]]:
    """CBS number -> the (node, indicator) chain from the root group down to the industry."""
    out: dict[int, list[tuple[str, Any]]] = {}

    def walk(node, chain):
        for child, ind in TREE[node]:
            if isinstance(child, int):
                out[child] = chain + [(node, ind)]
            else:
                walk(child, chain + [(node, ind)])

    for root in ROOT_GROUPS:
        walk(root, [])
    return out


def industry_indicators(sectors: pd.Index) -> pd.DataFrame:
    """For each of the 81 industries: its 84419NED group and the indicator chain that places it."""
    paths = _paths()
    rows = []
    for no, sector in enumerate(sectors, start=1):
        chain = paths[no]
        root = ROOT_GROUPS[chain[0][0]]
        texts = []
        for _node, ind in chain:
            if ind is None:
                continue
            text = INDICATOR_TEXT[ind[0]]
            args = ind[1:] if len(ind) > 1 else ()
            if args and isinstance(args[0], tuple):
                args = (" + ".join(args[0]),)
            texts.append(text.format(*args))
        if root != "services":
            texts.insert(0, f"CBS 84419NED COROP output of {root if root != 'DE' else 'D+E'}")
        else:
            texts.insert(0, "CBS 84419NED COROP output of the total minus A, B, C, D+E")
        rows.append({"cbs_no": no, "sector": sector, "accounts_group": root,
                     "indicator": "; then ".join(texts) if texts else INDICATOR_TEXT[None]})
    return pd.DataFrame(rows)



# ---------------------------------------------------------------------------------- inputs
def read_regional_file(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """Read a compact regional input, naming the file, row and expectation on any defect.

    Raises
    ------
    FileFormatError
        File missing or unreadable, a required column missing, or a non-numeric / negative value.
    """
    path = Path(folder) / name
    if not path.is_file():
        raise FileFormatError(f"regional input {path} is missing (expected columns {columns})")
    try:
        frame = read_csv_cached(path)
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"cannot read regional input {path}: {exc}") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FileFormatError(f"{path}, header row: missing columns {missing}; expected {columns}")
    if "value" in columns:
        values = pd.to_numeric(frame["value"], errors="coerce")
        bad = np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))
        if bad.size:
            raise FileFormatError(f"{path}, row {bad[0] + 2}: value {frame['value'].iloc[bad[0]]!r} is not a "
                                  "number (expected a finite number)")
        frame["value"] = values
    return frame


#: Compact inputs the indicators are read from (their size and modification time key the cache).
_INDICATOR_FILES = ("regional_accounts.csv", "turnover.csv", "indicators.csv", "point_indicators.csv",
                    "population.csv")
_TURNOVER_COLUMNS = ("value", "target_lower", "target_upper")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.resolve().stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class _Indicators:
    """The regional indicators of one year, as shares over ``regions`` (40 COROP + extra-regio).

    The tables derived from the compact inputs are parsed once per process and year while the files
    are unchanged (:func:`_indicator_tables`); ensemble draws then only apply their own choices.
    """

    def __init__(self, folder: Path, year: int, regions: pd.Index, a: NLAssumptions):
        folder = Path(folder)
        stamps = tuple(_stamp(folder / name) for name in _INDICATOR_FILES)
        base = _indicator_tables(str(folder.resolve()), stamps, int(year), tuple(regions),
                                 tuple(int(y) for y in a.turnover_years))
        self.regions = regions
        self._accounts = base["accounts"]
        self.eurostat, self.points = base["eurostat"], base["points"]
        self.population, self.households = base["population"], base["households"]
        self.turnover = base["turnover"] if not a.turnover_cells else \
            _turnover_with_cells(base, a.turnover_cells, folder / "turnover.csv")
        self.published = base["published"]
        self.a = a
        self.year = year

    def account(self, group: str, variable: str = "output") -> pd.Series:
        s = self._accounts.get((group, variable), pd.Series(dtype=float)).copy()
        if variable == "output" and self.a.account_offsets:
            off = pd.Series({r: float(v) for (r, g, y), v in self.a.account_offsets.items()
                             if g == group and y == self.year and r in s.index and r != EXTRA_REGIO}, dtype=float)
            if len(off):  # centred: the regions' sum, hence extra-regio and the national total, unchanged
                corop = s.index != EXTRA_REGIO
                shift = off.reindex(s.index[corop]).fillna(0.0)
                s[corop] += (shift - shift.mean()).to_numpy()
        return s

    def share(self, ind) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Regional shares of an indicator as a band ``(share, lower, upper)`` over the regions.

        ``lower`` and ``upper`` differ from ``share`` only for published turnover cells (their
        rounding, ``TURNOVER_ROUNDING``). None: no information, the parent group's own distribution
        places the child.
        """
        if ind is None:
            return None
        kind = ind[0]
        if kind == "service":
            kind = "turnover" if self.a.service_groups_by == "turnover" else "eurostat"
        if kind == "turnover":
            keys = ind[1] if isinstance(ind[1], tuple) else (ind[1],)
            value, lower, upper = (sum(self.turnover[k][c] for k in keys) for c in range(3))
            total = value.clip(min=0.0).sum()
            if total <= 0:
                return None
            return value.clip(min=0.0) / total, lower.clip(min=0.0) / total, upper.clip(min=0.0) / total
        if kind == "eurostat":
            return _point(_shares(self.eurostat[ind[1]]))
        if kind == "ets":
            row = self.points.get(f"ets_emissions_nace_{ind[1]}")
            return None if row is None or row.sum() <= 0 else _point(_shares(row))
        if kind == "airports":
            w = self.a.airport_cargo_weight
            return _point((1 - w) * _shares(self.points["airport_passengers"])
                          + w * _shares(self.points["airport_cargo_tonnes"]))
        if kind == "households":
            return _point(_shares(self.households))
        if kind in ("within", "remainder"):
            split = self.group_split(ind[1])
            return None if split is None else _point(split[ind[2] if kind == "within" else "remainder"])
        if kind in ("gas", "public"):
            return None  # the node's distribution (which holds the extra-regio part)
        if kind == "onshore":
            share = self.node_b.copy()
            share[self.regions.get_loc(EXTRA_REGIO)] = 0.0
            return _point(share / share.sum()) if share.sum() > 0 else None
        raise InvalidTableError(f"unknown placement indicator {ind!r}")


    def group_split(self, group: str) -> dict[str, np.ndarray] | None:
        r"""Target shares inside a turnover group of :data:`GROUP_SPLITS` that add up to its turnover.

        With ``T_r = t_r X_G`` the group's turnover shares ``t`` at its national output ``X_G``, each
        point-placed industry ``c`` (in order, national output ``X_c``, point shares ``e_c`` blended
        with the group's, ``e'_c = w e_c + (1 - w) t``, ``w`` = ``point_weight``) takes what its point
        data ask for within what the group has left in the region,

        .. math:: p_{c,r} = \min\bigl(e'_{c,r} X_c,\; T_r - \textstyle\sum_{c' < c} p_{c',r}\bigr),
                  \qquad L_r = T_r - \textstyle\sum_c p_{c,r} \ge 0 ,

        and what does not fit anywhere, ``X_c - sum_r p_{c,r}``, follows the remainder ``L``, as do the
        group's other industries (their shares ``L_r / sum L``). The targets then sum to ``T_r`` in
        every region. Returns ETS division -> shares and ``"remainder"`` -> shares; None without the
        group's turnover or national output (set by :func:`place_output`).
        """
        group_share = self.share(("turnover", group))
        output = getattr(self, "output", None)
        if group_share is None or output is None:
            return None
        t = group_share[0]
        w = self.a.point_weight
        left = t * float(output[np.array(TURNOVER_INDUSTRIES[group], dtype=np.int64) - 1].sum())
        placed = {}
        for no, division in GROUP_SPLITS[group]:
            e = self.share(("ets", division))
            ask = (t if e is None else w * e[0] + (1 - w) * t) * float(output[no - 1])
            placed[division] = (np.minimum(ask, left), float(output[no - 1]))
            left = left - placed[division][0]
        left = np.clip(left, 0.0, None)
        if left.sum() <= 0:
            return None
        out = {"remainder": left / left.sum()}
        for division, (p, X) in placed.items():
            out[division] = (p + (X - p.sum()) * out["remainder"]) / X if X > 0 else out["remainder"]
        return out


@functools.lru_cache(maxsize=32)
def _indicator_tables(folder: str, stamps: tuple, year: int, regions: tuple, years: tuple) -> dict[str, Any]:
    """Parse the compact inputs of one year into arrays over ``regions`` (cached; treat as read-only)."""
    folder_path = Path(folder)
    acc = read_regional_file(folder_path, "regional_accounts.csv", ["region", "group", "year", "variable", "value"])
    acc = acc[acc["year"] == year]
    if acc.empty:
        raise FileFormatError(f"{folder_path / 'regional_accounts.csv'}: no rows for year {year} "
                              "(expected 2015-2021)")
    accounts = {key: sub.set_index("region")["value"].astype(float)
                for key, sub in acc.groupby(["group", "variable"], sort=False)}
    turn = read_regional_file(folder_path, "turnover.csv", ["group", "region", "year", "value"])
    turn = turn[turn["year"].isin(years)]
    # target band of a cell: a published figure within its rounding (half a unit); an estimated
    # confidential cell at its estimate (its feasible range is what the ensembles draw from)
    estimated = turn["estimated"].astype(bool).to_numpy() if "estimated" in turn.columns else \
        np.zeros(len(turn), dtype=bool)
    half = np.where(estimated, 0.0, TURNOVER_ROUNDING)
    value = turn["value"].to_numpy(dtype=float)
    groups = list(dict.fromkeys(turn["group"]))
    g_of = {g: k for k, g in enumerate(groups)}
    r_of = {r: k for k, r in enumerate(regions)}
    y_of = {y: k for k, y in enumerate(years)}
    gi = turn["group"].map(g_of).to_numpy()
    ri = turn["region"].map(r_of).fillna(-1).to_numpy(dtype=np.int64)
    yi = turn["year"].map(y_of).to_numpy()
    wide = {c: np.full((len(years), len(groups), len(regions)), np.nan) for c in _TURNOVER_COLUMNS}
    on = ri >= 0
    for column, v in zip(_TURNOVER_COLUMNS, (value, np.clip(value - half, 0.0, None), value + half), strict=True):
        wide[column][yi[on], gi[on], ri[on]] = v[on]
    ranged = "lower" in turn.columns and "upper" in turn.columns
    lower = turn["lower"].to_numpy(dtype=float) if ranged else value
    upper = turn["upper"].to_numpy(dtype=float) if ranged else value
    cells = {(g, r, int(y)): (int(a), int(b), int(c), bool(e), float(lo), float(hi)) for g, r, y, a, b, c, e, lo, hi
             in zip(turn["group"], turn["region"], turn["year"], yi, gi, ri, estimated, lower, upper, strict=True)}
    ind = read_regional_file(folder_path, "indicators.csv", ["region", "group", "indicator", "value"])
    gva = ind[ind["indicator"] == "gva"].pivot(index="group", columns="region", values="value")
    eurostat = dict(zip(gva.index, gva.reindex(columns=list(regions)).fillna(0.0).to_numpy(dtype=float),
                        strict=True))
    pts = read_regional_file(folder_path, "point_indicators.csv", ["indicator", "region", "year", "value"])
    held = sorted(pts["year"].unique())
    near = min(held, key=lambda y: (abs(y - year), -y))
    sub = pts[pts["year"] == near]
    points = {}
    for name, rows in sub.groupby("indicator", sort=False):
        points[name] = rows.groupby("region")["value"].sum().reindex(list(regions)).fillna(0.0).to_numpy(dtype=float)
    pop = read_regional_file(folder_path, "population.csv", ["region", "year", "population", "households_1000",
                                                             "disposable_income"])
    population = pop[pop["year"] == year].set_index("region")
    households = population["households_1000"].reindex(list(regions)).fillna(0.0).to_numpy(dtype=float)
    # a (group, region) cell is published when it is not estimated in any year held
    shown = np.zeros((len(years), len(groups), len(regions)), dtype=bool)
    shown[yi[on], gi[on], ri[on]] = ~estimated[on]
    published = {g: shown[:, k].all(axis=0) for k, g in enumerate(groups)}
    return {"accounts": accounts, "groups": groups, "wide": wide, "cells": cells, "ranged": ranged,
            "turnover": _turnover_groups(wide, groups), "published": published, "eurostat": eurostat,
            "points": points,
            "population": population, "households": households}


def _turnover_groups(wide: dict[str, np.ndarray], groups: list) -> dict[str, list[np.ndarray]]:
    """Group -> [value, target lower, target upper] over the regions: the mean over the years held."""
    out: dict[str, list[np.ndarray]] = {g: [] for g in groups}
    for column in _TURNOVER_COLUMNS:
        with np.errstate(invalid="ignore"):
            counts = np.isfinite(wide[column]).sum(axis=0)
            mean = np.where(counts > 0, np.nansum(wide[column], axis=0) / np.maximum(counts, 1), 0.0)
        for k, g in enumerate(groups):
            out[g].append(mean[k])
    j, j62 = out["J"], out["62"]
    out["J-rest"] = [np.clip(j[0] - j62[0], 0.0, None), np.clip(j[1] - j62[2], 0.0, None),
                     np.clip(j[2] - j62[1], 0.0, None)]
    return out


def _turnover_with_cells(base: dict[str, Any], chosen: Mapping, path: Path) -> dict[str, list[np.ndarray]]:
    """Return the turnover groups with chosen values of estimated confidential cells (point targets)."""
    wide = {c: base["wide"][c].copy() for c in _TURNOVER_COLUMNS}
    for key, value in chosen.items():
        key, value = (key[0], key[1], int(key[2])), float(value)
        if key not in base["cells"]:
            raise InvalidTableError(f"turnover cell {key!r} does not exist")
        y, g, r, estimated, lower, upper = base["cells"][key]
        if not estimated:
            raise InvalidTableError(f"turnover cell {key!r} is published, not estimated")
        if not base["ranged"]:
            raise FileFormatError(f"{path}: no columns lower, upper (the feasible ranges of the estimated cells)")
        if not lower - 1e-9 <= value <= upper + 1e-9:
            raise InvalidTableError(f"turnover cell {key!r} = {value} is outside its feasible range "
                                    f"[{lower}, {upper}]")
        if r >= 0:
            for column in _TURNOVER_COLUMNS:
                wide[column][y, g, r] = value
    return _turnover_groups(wide, base["groups"])


def _shares(values: np.ndarray) -> np.ndarray:
    v = np.clip(values, 0.0, None)
    total = v.sum()
    return v / total if total > 0 else np.zeros(v.size)


def _point(share: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return share, share, share


def _root_totals(ind: _Indicators, xg: dict[str, float], regions: pd.Index) -> dict[str, np.ndarray]:
    """Regional output of A, B, C, DE and services (R,), scaled to the national table's group totals."""
    out = {}
    extra = regions.get_loc(EXTRA_REGIO)
    published = {g: ind.account(g).reindex(list(regions) + ["Nederland"]) for g in (*ACCOUNT_GROUPS, "total")}
    for g, s in published.items():
        if s.isna().any():
            missing = list(s.index[s.isna()])
            raise FileFormatError(f"regional_accounts.csv: no {g} output for {missing} in {ind.year}")
    regional = {}
    for g in ACCOUNT_GROUPS:
        values = published[g].drop("Nederland").to_numpy(dtype=float).copy()
        if g != "B":
            # extra-regio is offshore mining (and public administration abroad): any other residual is the
            # published rounding, returned to the COROP regions in proportion to their output
            values[extra] = 0.0
        values = np.clip(values, 0.0, None)
        regional[g] = values * (float(published[g]["Nederland"]) / values.sum()) if values.sum() > 0 else values
    # services = total minus the (adjusted) groups: every region's published total is kept
    total = published["total"].drop("Nederland").to_numpy(dtype=float)
    regional["S"] = np.clip(total - sum(regional[g] for g in ACCOUNT_GROUPS), 0.0, None)
    for g in (*ACCOUNT_GROUPS, "S"):
        values = regional[g]
        out[g] = values * (xg[g] / values.sum()) if values.sum() > 0 else np.zeros(len(regions))
    return out


#: Indicators whose industries extra-regio holds (offshore mining; public administration abroad): every
#: other industry has no output there.
OFFSHORE_INDICATORS = ("gas", "public")
#: Rounding of a published 83796NED turnover cell (half a unit, million EUR).
TURNOVER_ROUNDING = 0.5
#: Indicators that are official regional statistics of a group (issue 10's levels (c) and (d)).
STATISTICS_INDICATORS = ("turnover", "service", "eurostat")
#: Weight of a level-(e) target (point data or national structure splitting a group inside what its
#: statistics fix) relative to a level-(c)/(d) target: small, so that the fit is lexicographic in effect
#: (the (c)/(d) shares are met first, (e) fills in the rest): at 1e-4 instead, no turnover group's
#: regional share moves by more than 5e-4 and no industry's by more than 2e-3 (2017).
LEVEL_E_WEIGHT = 1e-3


@functools.cache
def _targets() -> tuple[tuple[Any, str, Any, tuple[int, ...], float], ...]:
    """Every share target of the placement: ``(child, parent node, indicator, child's industries, weight)``.

    One per edge of ``TREE`` (each group is placed once at each level; an aggregate that spans two
    nodes, 83796NED's 24-30+33, enters through the feasible ranges of its parts' confidential cells).
    """
    out = []

    def walk(node):
        for child, ind in TREE[node]:
            out.append((child, node, ind, tuple([child] if isinstance(child, int) else _leaves(child))))
            if not isinstance(child, int):
                walk(child)

    for root in ROOT_GROUPS:
        walk(root)
    # level (c)/(d): official statistics of a group and the siblings placed alongside them; level (e): the
    # split of a group inside what its statistics fix
    statistics = {parent for _, parent, ind, _ in out if ind is not None and ind[0] in STATISTICS_INDICATORS}
    return tuple((child, parent, ind, leaves, 1.0 if parent in statistics else LEVEL_E_WEIGHT)
                 for child, parent, ind, leaves in out)


@functools.cache
def _offshore_industries() -> np.ndarray:
    """CBS numbers (0-based) of the industries that extra-regio may hold."""
    offshore = [no - 1 for no, chain in _paths().items()
                if any(ind is not None and ind[0] in OFFSHORE_INDICATORS for _, ind in chain)]
    return np.array(offshore, dtype=np.int64)


def output_constraints(x: pd.Series, folder: Path, year: int, regions: pd.Index,
                       assumptions: NLAssumptions | None = None) -> dict[str, Any]:
    """Return the hard constraints of :func:`place_output`: levels (a) and (b) and the structural zeros.

    Returns
    -------
    dict
        ``groups``: 84419NED group -> positions of its industries; ``root_totals``: group ->
        regional output (R,), 84419NED scaled to the national table's group total; ``allowed``:
        (regions x industries) bool, the cells that may hold output (extra-regio only the
        industries of ``OFFSHORE_INDICATORS``; no region outside its group's published regions).
        The columns of the placement sum to ``x``, its group rows to ``root_totals``.
    """
    a = assumptions or NLAssumptions()
    return _hard_constraints(x.to_numpy(dtype=float), _Indicators(Path(folder), year, regions, a), regions)


def _hard_constraints(xv: np.ndarray, ind: _Indicators, regions: pd.Index) -> dict[str, Any]:
    if xv.size != 81:
        raise InvalidTableError(f"the Dutch placement needs the 81 CBS industries, got {xv.size}")
    leaves = {g: np.array(_leaves(g), dtype=np.int64) - 1 for g in ROOT_GROUPS}
    xg = {g: float(xv[leaves[g]].sum()) for g in ROOT_GROUPS}
    roots = _root_totals(ind, xg, regions)
    R, N = len(regions), xv.size
    allowed = np.repeat((xv > 0)[:, np.newaxis], R, axis=1)  # (industries, regions)
    for g, cols in leaves.items():
        allowed[np.ix_(cols, roots[g] <= 0)] = False
    if EXTRA_REGIO in regions:
        offshore = np.zeros(N, dtype=bool)
        offshore[_offshore_industries()] = True
        allowed[~offshore, regions.get_loc(EXTRA_REGIO)] = False
    missing = np.flatnonzero((xv > 0) & ~allowed.any(axis=1))
    if missing.size:
        raise InvalidTableError(f"industries {(missing + 1).tolist()} (CBS numbers) have national output but "
                                "no region where the regional accounts allow it")
    return {"groups": leaves, "root_totals": roots, "allowed": allowed.T}


#: A published turnover cell (83796NED, not confidential) whose share of its group exceeds
#: ``FLOOR_MIN_SHARE`` is placed at no less than ``FLOOR_FRACTION`` of that share (a hard floor of the
#: fit; the share of the top of the cell's rounding, so that it holds for the share of the published
#: national total too), unless the hard constraints (a) and (b) allow no placement where every such
#: cell reaches it: then every floor is lowered to the largest common fraction of the shares they allow
#: (a linear programme). In 2015-2021 they allow 0.51-0.61, so no floor is lowered.
FLOOR_FRACTION = 0.5
FLOOR_MIN_SHARE = 0.005
#: Largest gap, in share points, between a group's regional output share and a published turnover
#: share (issue 10's acceptance target 0.02, less a margin for the shares of the regions' sum against
#: those of the published national total, up to 4e-4 of a share), a hard cap of the fit for every
#: group whose published cells the hard constraints and the floors let reach it; a group they do not
#: is capped at the smallest largest gap they allow (lexicographic minimax, :func:`_share_caps`).
MAX_SHARE_GAP = 0.0195
#: Slack on a cap fixed at a level of the progressive filling (share points; the LP's feasibility tolerance).
CAP_SLACK = 1e-6


def _published_cells(ind: _Indicators, xv: np.ndarray, cell: np.ndarray) -> dict[str, Any]:
    """One row per published turnover cell (group, region) over the placed cells.

    ``cell``: (industries, regions) -> position of the placed cell (-1: not allowed). Returns ``P``
    (k x cells, the group's industries in the region), ``share`` (the cell over the group's regional
    sum), ``X`` (the group's national output), ``owner`` (group number) and ``floor`` (the cell's
    floor in million EUR, 0 for a cell at or below ``FLOOR_MIN_SHARE``).
    """
    rows, cols, share, X, owner, floor = [], [], [], [], [], []
    for k, (g, industries) in enumerate(TURNOVER_INDUSTRIES.items()):
        if g not in ind.turnover:
            continue
        value, upper = ind.turnover[g][0].clip(min=0.0), ind.turnover[g][2].clip(min=0.0)
        total = value.sum()
        J = np.array(industries, dtype=np.int64) - 1
        Xg = float(xv[J].sum())
        if total <= 0 or Xg <= 0:
            continue
        for r in np.flatnonzero(ind.published[g]):
            c = cell[J, r]
            c = c[c >= 0]
            rows.append(np.full(c.size, len(share)))
            cols.append(c)
            share.append(value[r] / total)
            X.append(Xg)
            owner.append(k)
            above = value[r] / total > FLOOR_MIN_SHARE
            floor.append(FLOOR_FRACTION * upper[r] / total * Xg if above else 0.0)
    n = int((cell >= 0).sum())
    P = sp.csr_array((np.ones(sum(r.size for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
                     shape=(len(share), n))
    return {"P": P, "share": np.array(share), "X": np.array(X), "owner": np.array(owner),
            "floor": np.array(floor)}


def _share_caps(E: sp.csr_array, b: np.ndarray, cells: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    r"""Floors and gap caps of the published turnover cells that some placement meets.

    Progressive filling (lexicographic minimax; linear programmes, HiGHS): ``min z`` subject to the
    hard constraints ``E x = b``, ``x >= 0``, the floors ``P_k x >= f_k`` and
    ``|P_k x / X_k - s_k| <= z`` for the cells of the groups not yet fixed (the fixed ones within
    their cap). While ``z`` exceeds ``MAX_SHARE_GAP``, the groups with a binding cell (a non-zero
    dual) cannot do better and are capped at ``z``; every other group is capped at
    ``MAX_SHARE_GAP``. If no placement meets the floors, every floor is first lowered to the largest
    common fraction ``t`` of the floors that one meets (``max t: P_k x >= t f_k``).

    Returns
    -------
    floor, cap : ndarray of shape (k,)
        The floors (million EUR) and caps (share points) of the cells, met together by some placement.
    """
    from scipy.optimize import linprog

    P, share, X, owner, floor = (cells[k] for k in ("P", "share", "X", "owner", "floor"))
    k, n = P.shape
    A_eq = sp.hstack([E, sp.csr_array((E.shape[0], 1))], format="csr")
    objective = np.zeros(n + 1)
    objective[-1] = 1.0
    Ps = sp.diags_array(1.0 / X) @ P
    floored = np.flatnonzero(floor > 0)
    floor_rows = sp.hstack([-P[floored], sp.csr_array((floored.size, 1))], format="csr")

    def solve(cap: np.ndarray, floor: np.ndarray):
        free = np.isnan(cap)
        z = sp.csr_array(-free.astype(float)[:, np.newaxis])
        A_ub = sp.vstack([sp.hstack([Ps, z]), sp.hstack([-Ps, z]), floor_rows], format="csr")
        fixed = np.where(free, 0.0, cap)
        b_ub = np.concatenate([share + fixed, fixed - share, -floor[floored]])
        return linprog(objective, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b, bounds=(0, None), method="highs")

    cap = np.full(k, np.nan)
    res = solve(cap, floor)
    if res.status == 2:  # the floors contradict the hard constraints: lower them all to a common fraction
        objective_t = np.zeros(n + 1)
        objective_t[-1] = -1.0
        A_ub = sp.hstack([-P[floored], sp.csr_array(floor[floored][:, np.newaxis])], format="csr")
        lp = linprog(objective_t, A_ub=A_ub, b_ub=np.zeros(floored.size), A_eq=A_eq, b_eq=b, bounds=(0, None),
                     method="highs")
        floor = floor * (min(1.0, float(lp.x[-1]) * (1 - 1e-6)) if lp.status == 0 else 0.0)
        res = solve(cap, floor)
    while res.status == 0 and res.x[-1] > MAX_SHARE_GAP:
        level = float(res.x[-1])
        dual = np.abs(res.ineqlin.marginals[:2 * k])
        binding = np.isnan(cap) & ((dual[:k] > 1e-9) | (dual[k:] > 1e-9))
        groups = np.unique(owner[binding])
        if groups.size == 0:
            break
        cap[np.isin(owner, groups)] = level + CAP_SLACK
        res = solve(cap, floor)
    if res.status != 0:
        raise InvalidTableError(f"the turnover caps of the Dutch placement are infeasible: {res.message}")
    return floor, np.where(np.isnan(cap), MAX_SHARE_GAP, cap)


def place_output(x: pd.Series, folder: Path, year: int, regions: pd.Index,
                 assumptions: NLAssumptions | None = None) -> pd.DataFrame:
    r"""Regional output ``x_j^r`` (regions x industries) following the module's order (a)-(e).

    (a) and (b) are exact constraints; (c)-(e) are share targets met as closely as (a) and (b)
    allow, all at once, by weighted least squares in share points (:func:`mrio.kernels.fit_share_targets`):

    .. math::

        \min_x \sum_{c} x_c \sum_r \operatorname{dist}\Bigl(\frac{x_c^r}{x_c}
        - f_c \frac{x_{P(c)}^r}{x_{P(c)}},\; (1 - f_c)\,[s_c^{r,-}, s_c^{r,+}]\Bigr)^2
        \quad\text{s.t.}\quad \sum_r x_j^r = x_j,\;
        \sum_{j \in g} x_j^r = X_g^r,\; x \ge 0,

    over every child ``c`` of a node ``P(c)`` of the tree (and every turnover group): ``s_c`` its
    indicator's regional shares (a band ``[s^-, s^+]`` for an estimated confidential turnover cell,
    its feasible range; a point otherwise), ``f_c`` the weight of the parent's own distribution
    (``prior_floor``; 1 for a child without an indicator, which follows its parent), ``X_g^r``
    the 84419NED regional totals of A, B, C, D+E and the services. Extra-regio holds only the
    industries of ``OFFSHORE_INDICATORS``. Besides, every published turnover cell (group ``g``,
    region ``r``) above ``FLOOR_MIN_SHARE`` is held at ``x_g^r >= FLOOR_FRACTION s_g^r X_g`` and within
    a cap of its share, ``|x_g^r / X_g - s_g^r| <= c_g`` (``c_g`` = ``MAX_SHARE_GAP``, or the group's
    lexicographic minimax bound where (a) and (b) allow no less, ``_share_caps``). See
    docs/methods/regional.md, 'Dutch regional table'.

    Parameters
    ----------
    x : pandas.Series
        National output of the 81 CBS industries, in CBS order.
    folder : path
        ``data/nl_corop`` (compact inputs).
    year : int
    regions : pandas.Index
        The 40 COROP region names and ``EXTRA_REGIO`` ("Extra-regio").
    assumptions : NLAssumptions, optional

    Returns
    -------
    pandas.DataFrame
        ``(regions, sectors)``; columns sum to ``x`` exactly (1e-12 relative).
    """
    a = assumptions or NLAssumptions()
    xv = x.to_numpy(dtype=float)
    ind = _Indicators(Path(folder), year, regions, a)
    hard = _hard_constraints(xv, ind, regions)
    roots, allowed, leaves = hard["root_totals"], hard["allowed"].T, hard["groups"]
    ind.node_b = roots["B"] / roots["B"].sum() if roots["B"].sum() > 0 else roots["B"]
    ind.output = xv
    R, N = len(regions), xv.size
    root_of = np.empty(N, dtype=object)
    for g, cols in leaves.items():
        root_of[cols] = g
    cell = np.full((N, R), -1, dtype=np.int64)
    cell[allowed] = np.arange(int(allowed.sum()))
    jj, rr = np.nonzero(allowed)
    # margins: (a) every industry's national output; (b) every root group's regional totals, less one
    # region per group (implied by the industries' national totals)
    root_row = np.full((len(ROOT_GROUPS), R), -1, dtype=np.int64)
    b = [xv]
    first = N
    for k, g in enumerate(ROOT_GROUPS):
        live = np.flatnonzero(roots[g] > 0)[:-1]
        root_row[k, live] = first + np.arange(live.size)
        b.append(roots[g][live])
        first += live.size
    g_index = {g: k for k, g in enumerate(ROOT_GROUPS)}
    rows_root = root_row[[g_index[g] for g in root_of[jj]], rr]
    keep = rows_root >= 0
    n = jj.size
    E = sp.csr_array((np.ones(n + int(keep.sum())), (np.concatenate([jj, rows_root[keep]]),
                                                    np.concatenate([np.arange(n), np.arange(n)[keep]]))),
                     shape=(first, n))
    b = np.concatenate(b)
    # (c)-(e): one target row per (child, region)
    G_rows, G_cols, G_data, lo, hi, w = [], [], [], [], [], []
    k0 = 0
    f = a.prior_floor
    for child, parent, indicator, child_leaves, level_weight in _targets():
        cols_c = np.array(child_leaves, dtype=np.int64) - 1
        xc = float(xv[cols_c].sum())
        if xc <= 0:
            continue
        band = ind.share(indicator)
        if band is None:
            lam, band = 1.0, (np.zeros(R),) * 3
        elif indicator[0] == "onshore":
            lam = 0.0  # a structural zero offshore, no parent share
        elif indicator[0] in ("ets", "airports"):
            lam = f + (1 - f) * (1 - a.point_weight)
            band = tuple((1 - f) * a.point_weight * s for s in band)
        else:
            lam = f
            band = tuple((1 - f) * s for s in band)
        s_lo, s_hi = band[1].copy(), band[2].copy()
        coef = np.zeros(N)
        coef[cols_c] = 1.0 / xc
        if parent in ROOT_GROUPS:  # the parent's regional distribution is fixed by (b)
            share_p = roots[parent] / roots[parent].sum()
            s_lo += lam * share_p
            s_hi += lam * share_p
        elif lam > 0:
            cols_p = np.array(_leaves(parent), dtype=np.int64) - 1
            coef[cols_p] -= lam / float(xv[cols_p].sum())
        support = np.flatnonzero(coef)
        cells = cell[support]  # (len(support), R)
        ok = cells >= 0
        jpos, rpos = np.nonzero(ok)
        live = np.unique(rpos)
        row_of = np.full(R, -1, dtype=np.int64)
        row_of[live] = k0 + np.arange(live.size)
        G_rows.append(row_of[rpos])
        G_cols.append(cells[jpos, rpos])
        G_data.append(coef[support][jpos])
        lo.append(s_lo[live])
        hi.append(s_hi[live])
        w.append(np.full(live.size, level_weight * xc))
        k0 += live.size
    G = sp.csr_array((np.concatenate(G_data), (np.concatenate(G_rows), np.concatenate(G_cols))),
                     shape=(k0, n))
    # published turnover cells: each at least FLOOR_FRACTION of its share, each group's gap within its cap
    cells = _published_cells(ind, xv, cell)
    floor, cap = _share_caps(E, b, cells)
    P, share, X = cells["P"], cells["share"], cells["X"]
    F = sp.vstack([P, -P], format="csr")
    f = np.concatenate([np.maximum(floor, (share - cap) * X), -(share + cap) * X])
    with kernel_errors():
        fit = kernels.fit_share_targets(G, np.concatenate(lo), np.concatenate(hi), np.concatenate(w), E, b,
                                        F=F, f=f)
    placed = np.zeros((N, R))
    placed[jj, rr] = fit.x
    # exact national totals (the interior point meets the margins to ~1e-10)
    col = placed.sum(axis=1)
    placed *= np.divide(xv, col, out=np.ones_like(xv), where=col > 0)[:, np.newaxis]
    return pd.DataFrame(placed.T, index=regions, columns=x.index)


def place_employment(x_reg: pd.DataFrame, folder: Path, year: int, national_jobs: np.ndarray) -> pd.DataFrame:
    """Place employment (1000 persons) by region and industry.

    Placed output x national labour productivity, balanced (RAS) to the published COROP persons
    employed (85924NED) and the national jobs by industry.

    Parameters
    ----------
    national_jobs : ndarray of shape (81,)
        National persons employed by industry (1000), e.g. Eurostat's A*10 employment split within a
        group by output.
    """
    labour = read_regional_file(folder, "labour.csv", ["region", "year", "persons_employed_1000"])
    years = sorted(labour["year"].unique())
    near = min(years, key=lambda y: (abs(y - year), -y))
    totals = labour[labour["year"] == near].set_index("region")["persons_employed_1000"]
    totals = totals.reindex(x_reg.index).fillna(0.0).to_numpy(dtype=float)
    x = x_reg.to_numpy()
    xn = x.sum(axis=0)
    prior = x * np.divide(national_jobs, xn, out=np.zeros_like(xn), where=xn > 0)[np.newaxis, :]
    # extra-regio: 85924NED has no persons employed offshore; CBS 84419NED's labour volume of extra-regio
    # (Nederland minus the 40 regions, 1000 FTE) stands for it
    extra = np.flatnonzero(x_reg.index == EXTRA_REGIO)
    rows = totals.copy()
    if extra.size:
        acc = read_regional_file(folder, "regional_accounts.csv", ["region", "group", "year", "variable", "value"])
        sel = acc[(acc["year"] == year) & (acc["group"] == "total") & (acc["variable"] == "labour_volume")
                  & (acc["region"] == EXTRA_REGIO)]
        rows[extra] = max(float(sel["value"].sum()), 0.0) if len(sel) else prior[extra].sum(axis=1)
    # the published regional totals are kept; the national jobs by industry take their level
    cols = national_jobs.astype(float) * (rows.sum() / float(np.sum(national_jobs)))
    active = cols > 0
    out = np.zeros_like(prior)
    with kernel_errors():
        fit = kernels.ras(prior[:, active] + 1e-12 * (x[:, active] > 0), rows, cols[active])
    out[:, active] = fit.X
    return pd.DataFrame(out, index=x_reg.index, columns=x_reg.columns)


def final_demand_weights(folder: Path, year: int, regions: pd.Index) -> dict[str, pd.Series]:
    """Return the regional weights of the final-demand categories placed by residents.

    Household disposable income and population, by region.
    """
    pop = read_regional_file(folder, "population.csv", ["region", "year", "population", "disposable_income"])
    sub = pop[pop["year"] == year].set_index("region")
    if sub.empty:
        raise FileFormatError(f"{Path(folder) / 'population.csv'}: no rows for year {year}")
    income = sub["disposable_income"].reindex(regions).fillna(0.0)
    people = sub["population"].reindex(regions).fillna(0.0)
    return {"disposable_income": income, "population": people}


def commuter_distance_model(distance: np.ndarray, internal: np.ndarray, pairs: np.ndarray) -> dict[str, float]:
    r"""Fit the mean home-work distance of the commuters between two COROP regions to their centroid distance.

    81252NED's distance is the mean distance between the home and the work municipality of the
    jobs (0 inside one municipality). Between two regions it is shorter than the centroid distance
    ``d`` (commuters live near the common border), inside a region a fraction of its internal
    distance ``r``:

    .. math:: \delta(m, w) = d(m, w)\,(1 - c\,e^{-d(m, w)/L}) \quad (m \ne w), \qquad
              \delta(m, m) = s\,r_m,

    ``c`` and ``L`` by job-weighted least squares, ``s`` as the job-weighted ratio, on every
    published residence row that is one COROP region (the COROP rows of Groningen and Friesland,
    and the provinces that are one COROP region: Utrecht, Flevoland).

    Parameters
    ----------
    distance : ndarray of shape (n, n)
        Centroid distances (km) between the COROP regions.
    internal : ndarray of shape (n,)
        Internal distance (km) of each region.
    pairs : ndarray of shape (p, 4)
        ``(residence index, work index, jobs, published mean distance km)``.

    Returns
    -------
    dict
        ``c``, ``L`` (km) and ``s``.
    """
    from scipy.optimize import least_squares

    i, j = pairs[:, 0].astype(int), pairs[:, 1].astype(int)
    jobs, published = pairs[:, 2], pairs[:, 3]
    own = i == j
    d, weight = distance[i[~own], j[~own]], np.sqrt(jobs[~own])
    fit = least_squares(lambda p: d * (1 - p[0] * np.exp(-d / p[1])) * weight - published[~own] * weight,
                        [0.5, 30.0], bounds=([0.0, 1.0], [1.0, 500.0]))
    s = float((jobs[own] * published[own]).sum() / (jobs[own] * internal[i[own]]).sum())
    return {"c": float(fit.x[0]), "L": float(fit.x[1]), "s": s}


def _commuter_distances(distance: np.ndarray, internal: np.ndarray, model: Mapping[str, float]) -> np.ndarray:
    delta = distance * (1.0 - model["c"] * np.exp(-distance / model["L"]))
    delta[np.diag_indices_from(delta)] = model["s"] * internal
    return delta


def _gravity_split(blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]], distance: np.ndarray,
                   decays: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Split every province's jobs by work region over its regions of residence, in one RAS.

    ``blocks``: per province, (row positions of its regions of residence, their population
    weights, its jobs by work region). Rows are the regions split, columns (province, work
    region); the prior ``w_m d(m, w)^-decay`` is zero outside a region's own province, so the
    blocks balance independently. Returns (regions split, work regions), the rows in block order.
    """
    n = distance.shape[1]
    k = sum(len(rows) for rows, _, _ in blocks)
    prior = np.zeros((k, len(blocks) * n))
    row_targets, col_targets = np.zeros(k), np.zeros(len(blocks) * n)
    first = 0
    for b, (rows, w, flows) in enumerate(blocks):
        r, c = slice(first, first + len(rows)), slice(b * n, (b + 1) * n)
        prior[r, c] = w[:, np.newaxis] * distance[rows] ** -float(decays[b])
        row_targets[r], col_targets[c] = w * flows.sum(), flows
        first += len(rows)
    split = np.zeros_like(prior)
    active = col_targets > 0
    if k and active.any():
        with kernel_errors():
            split[:, active] = kernels.ras(prior[:, active], row_targets, col_targets[active], tol=tol,
                                           tol_factors=tol).X
    return split.reshape(k, len(blocks), n).sum(axis=1)


#: Fitted decays by a hash of their inputs: ensembles rebuild the table for every draw, and the fit
#: depends only on the commuting year's data (``decay_scale`` is applied after it).
_FITTED_DECAYS: dict[str, np.ndarray] = {}


def _fit_decays(blocks, distance: np.ndarray, delta: np.ndarray, mean_distance: list[np.ndarray],
                xatol: float = 1e-3) -> np.ndarray:
    """Decay of each province whose split best reproduces its published mean distance by work region.

    Minimises, for every province at once (golden-section search over
    :data:`COMMUTING_DECAY_BOUNDS`, one RAS of all provinces per step),
    ``sum_w F_w (log Dhat_w(beta) - log D_w)^2``, ``Dhat_w = sum_m T_mw(beta) delta(m, w) / F_w``.
    The RAS margins are kept to 1e-7 (the distances are published to 0.1 km). Kept per process,
    keyed by a hash of the inputs.
    """
    import hashlib

    parts = [distance, delta, *mean_distance, *(a for block in blocks for a in block)]
    key = hashlib.sha1(b"".join(np.ascontiguousarray(a, dtype=float).tobytes() + b"|" for a in parts)
                       + repr(xatol).encode()).hexdigest()
    if key not in _FITTED_DECAYS:
        if len(_FITTED_DECAYS) >= 64:
            _FITTED_DECAYS.clear()
        _FITTED_DECAYS[key] = _golden_section_decays(blocks, distance, delta, mean_distance, xatol)
    return _FITTED_DECAYS[key].copy()


def _golden_section_decays(blocks, distance, delta, mean_distance, xatol):
    starts = np.cumsum([0] + [len(rows) for rows, _, _ in blocks])

    def loss(decays):
        split = _gravity_split(blocks, distance, decays, tol=1e-7)
        out = np.zeros(len(blocks))
        for b, (rows, _, flows) in enumerate(blocks):
            use = (flows > 0) & np.isfinite(mean_distance[b]) & (mean_distance[b] > 0)
            modelled = (split[starts[b]:starts[b + 1]] * delta[rows]).sum(axis=0)[use] / flows[use]
            out[b] = (flows[use] * np.log(modelled / mean_distance[b][use]) ** 2).sum()
        return out

    ratio = (np.sqrt(5.0) - 1.0) / 2.0
    lo = np.full(len(blocks), COMMUTING_DECAY_BOUNDS[0], dtype=float)
    hi = np.full(len(blocks), COMMUTING_DECAY_BOUNDS[1], dtype=float)
    left, right = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    f_left, f_right = loss(left), loss(right)
    while (hi - lo).max() > xatol:
        down = f_left < f_right  # the minimum lies in [lo, right]
        hi, lo = np.where(down, right, hi), np.where(down, lo, left)
        new = np.where(down, hi - ratio * (hi - lo), lo + ratio * (hi - lo))
        f_new = loss(new)
        right, f_right, left, f_left = (np.where(down, left, new), np.where(down, f_left, f_new),
                                        np.where(down, new, right), np.where(down, f_new, f_right))
    return (lo + hi) / 2


def commuting_matrix(folder: Path, regions: pd.Index, year: int = 2014, distance_decay: float | None = None,
                     decay_scale: float = 1.0) -> pd.DataFrame:
    """Employee jobs (1000) by COROP of residence (rows) x COROP of work (columns).

    81252NED gives residence by province (and by COROP for five Groningen and Friesland regions); a
    province's row, less its COROP rows, is split over its other COROP regions of residence ``m``
    by a doubly constrained gravity model: prior ``pop_m d(m, w)^-beta_p`` (``d`` the centroid
    distance, the internal distance for ``m = w``), balanced by RAS so that every region's
    residents hold its population share of the province's jobs and the jobs of the province's
    residents in each work region ``w`` are the published ones.

    The decay ``beta_p`` of each province is fitted to the province's own published mean
    home-work distance by work region (81252NED's distance column, ``distance_km``): it minimises
    the job-weighted squared log difference between the published mean distance and the split's,
    ``sum_m T_mw delta(m, w) / F_pw``, with the commuters' distance ``delta`` of
    :func:`commuter_distance_model` (calibrated on the residence rows that are one COROP region).
    See the methods page, section 'Dutch regional table', 'Commuting'.

    Parameters
    ----------
    folder : Path
        Compact Dutch inputs (``commuting.csv``, ``regions.csv``, ``population.csv``,
        ``distances_km.csv``).
    regions : pd.Index
        Regions of the table (extra-regio is left out: nobody lives or is counted working there).
    year : int, default 2014
        December of 81252NED (2010-2014).
    distance_decay : float, optional
        One decay for every province instead of the fitted ones (0: the population split alone,
        every region of a province gets the province's pattern).
    decay_scale : float, default 1.0
        Factor on every fitted decay (``NLAssumptions.commuting_decay_scale``).

    Returns
    -------
    pd.DataFrame
        Residence x work, 1000 jobs; ``attrs["distance_decay"]`` holds each split province's decay,
        ``attrs["commuter_distance"]`` the distance model.

    Raises
    ------
    FileFormatError
        ``commuting.csv`` has no rows for ``year`` (naming the years it holds).
    """
    path = Path(folder) / "commuting.csv"
    com = read_regional_file(folder, "commuting.csv", ["residence", "work_region", "year", "jobs_1000",
                                                       "distance_km"])
    held = sorted(com["year"].unique())
    com = com[com["year"] == year]
    if com.empty:
        raise FileFormatError(f"{path}: no rows for year {year} (it holds {', '.join(map(str, held))})")
    regs = read_regional_file(folder, "regions.csv", ["region", "province", "internal_distance_km"])
    pop = read_regional_file(folder, "population.csv", ["region", "year", "population"])
    pop = pop[pop["year"] == pop["year"].min()].set_index("region")["population"]
    corop = [r for r in regions if r != EXTRA_REGIO]
    distance = read_csv_cached(Path(folder) / "distances_km.csv", index_col=0).reindex(index=corop, columns=corop)
    internal = regs.set_index("region")["internal_distance_km"].reindex(corop).to_numpy()
    distance = np.array(distance.to_numpy(dtype=float))  # writable copy
    centroid = distance.copy()
    distance[np.diag_indices_from(distance)] = internal
    out = pd.DataFrame(0.0, index=pd.Index(corop, name="residence"), columns=pd.Index(corop, name="work"))
    km = pd.DataFrame(np.nan, index=out.index, columns=out.columns)  # published mean distance of each row
    cr_done = set()
    names = {r.lower(): r for r in corop}

    def row(sub, column):
        return sub.set_index("work_region")[column].reindex(corop).to_numpy(dtype=float)

    for res, sub in com[com["residence"].str.endswith("(CR)")].groupby("residence"):
        region = names.get(res[:-5].strip().lower())
        if region is None:
            continue
        cr_done.add(region)
        out.loc[region] = np.nan_to_num(row(sub, "jobs_1000"))
        km.loc[region] = row(sub, "distance_km")
    provinces = []  # (province, regions to split, population weights, jobs by work region, mean distance)
    for res, sub in com[com["residence"].str.endswith("(PV)")].groupby("residence"):
        province = res[:-5].strip()
        in_province = [r for r in regs.loc[regs["province"].isin([province, province.replace("Fryslân", "Friesland")]),
                                           "region"] if r in out.index]
        members = [r for r in in_province if r not in cr_done]
        if not members:
            continue
        total, total_km = np.nan_to_num(row(sub, "jobs_1000")), row(sub, "distance_km")
        known = [r for r in in_province if r in cr_done]
        known_jobs = out.loc[known].to_numpy()
        # the province's residents not in a COROP row of their own (81252NED has some COROP rows)
        flows = np.clip(total - known_jobs.sum(axis=0), 0.0, None)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_km = (np.nan_to_num(total_km) * total - np.nansum(known_jobs * km.loc[known].to_numpy(), axis=0)) / flows
        if len(members) == 1:
            km.loc[members[0]] = np.where(flows > 0, mean_km, np.nan)
        w = pop.reindex(members).fillna(0.0).to_numpy()
        provinces.append((province, members, w / w.sum(), flows, mean_km))
    # the commuters' distance model, from every residence row that is one COROP region
    single = [(corop.index(m), out.loc[m].to_numpy(), km.loc[m].to_numpy()) for m in cr_done]
    single += [(corop.index(p[1][0]), p[3], p[4]) for p in provinces if len(p[1]) == 1 and p[1][0] not in cr_done
               and not any(r in cr_done for r in regs.loc[regs["province"] == p[0], "region"])]
    single = [(i, j, jobs[j], dist_km[j]) for i, jobs, dist_km in single for j in range(len(corop))
              if jobs[j] > 0 and np.isfinite(dist_km[j]) and dist_km[j] > 0]
    model = commuter_distance_model(centroid, internal, np.array(single, dtype=float))
    delta = _commuter_distances(centroid, internal, model)
    blocks = [(np.array([corop.index(m) for m in members]), w, flows) for _, members, w, flows, _ in provinces]
    fitted = [b for b, p in enumerate(provinces) if len(p[1]) > 1]  # one region: nothing to split
    decays = np.zeros(len(provinces))
    if fitted:
        decays[fitted] = (float(distance_decay) if distance_decay is not None else decay_scale * _fit_decays(
            [blocks[b] for b in fitted], distance, delta, [provinces[b][4] for b in fitted]))
    members = [m for block in provinces for m in block[1]]
    if members:
        out.loc[members] = _gravity_split(blocks, distance, decays)
    decays = {provinces[b][0]: float(decays[b]) for b in fitted}
    out.attrs["distance_decay"] = decays
    out.attrs["commuter_distance"] = model
    return out


# ---------------------------------------------------------------------------------- value added
#: Bounds of a regional industry's value added, relative to the national coefficients: at least
#: ``VA_FLOOR`` of its output times the national value-added coefficient, and intermediate inputs of
#: at least ``INPUT_FLOOR`` of its output times the national input coefficient.
VA_FLOOR = 0.2
INPUT_FLOOR = 0.2


def place_value_added(x_reg: pd.DataFrame, value_added: pd.Series, folder: Path, year: int,
                      assumptions: NLAssumptions | None = None) -> pd.DataFrame:
    """Regional gross value added ``v_j^r`` (regions x industries) reproducing CBS 84419NED.

    The prior is the national value-added coefficient times regional output; inside each
    84419NED group (A, B, C, D+E and the services, total minus those four) it is balanced by
    GRAS to the group's published COROP value added (scaled to the national table's group
    total; regions without output in a group get none, e.g. extra-regio's rounding residuals) and
    to every industry's national value added, keeping each cell between ``VA_FLOOR`` of the
    national coefficient and the cell's output less ``INPUT_FLOOR`` of the national inputs
    (:func:`mrio.kernels.bounded_gras`). See docs/methods/regional.md, section "Regional value added".

    Parameters
    ----------
    x_reg : pandas.DataFrame
        Regional output (regions x the 81 industries), e.g. from :func:`place_output`.
    value_added : pandas.Series
        National gross value added of the 81 industries.
    folder : path
        ``data/nl_corop``.
    year : int
    assumptions : NLAssumptions, optional

    Returns
    -------
    pandas.DataFrame
        Like ``x_reg``; columns sum to ``value_added`` (1e-9 relative).
    """
    a = assumptions or NLAssumptions()
    regions = x_reg.index
    ind = _Indicators(Path(folder), year, regions, a)
    xv = x_reg.to_numpy(dtype=float)
    vN = value_added.reindex(x_reg.columns).to_numpy(dtype=float)
    xN = xv.sum(axis=0)
    coef = kernels.safe_divide(vN, xN)
    prior = xv * coef[np.newaxis, :]
    slack = 1e-9 * np.maximum(1.0, np.abs(xN))
    regular = (vN >= -slack) & (xN - vN >= -slack)  # value added within [0, output]
    coef = np.where(regular, np.clip(coef, 0.0, 1.0), coef)
    prior = xv * coef[np.newaxis, :]
    lower = np.where(regular, VA_FLOOR * prior, -np.inf)
    upper = np.where(regular, xv - INPUT_FLOOR * (xv - prior), np.inf)
    published = {}
    for g in (*ACCOUNT_GROUPS, "total"):
        s = ind.account(g, "gva").reindex(regions)
        if s.isna().any():
            raise FileFormatError(f"regional_accounts.csv: no {g} value added for {list(s.index[s.isna()])} "
                                  f"in {year}")
        published[g] = s.to_numpy(dtype=float)
    published["S"] = published["total"] - sum(published[g] for g in ACCOUNT_GROUPS)
    out = prior.copy()
    for g in ROOT_GROUPS:
        cols = [j - 1 for j in _leaves(g)]
        P = prior[:, cols]
        target = np.where(np.abs(P).sum(axis=1) > 0, published[g], 0.0)
        if vN[cols].sum() == 0 or target.sum() == 0:
            continue
        target = target * (vN[cols].sum() / target.sum())
        with kernel_errors():
            out[:, cols] = kernels.bounded_gras(P, target, vN[cols], lower[:, cols], upper[:, cols]).X
    return pd.DataFrame(out, index=regions, columns=x_reg.columns)
