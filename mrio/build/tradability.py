"""Tradability classes and the calibrated interregional trade model (issue 11).

Products differ in how far they travel. Every product belongs to one of five classes:

* ``nontraded``: dwelling services (imputed rents, real estate), consumed where the dwelling or
  property stands: the own region supplies ``min(O, D)``, only surpluses travel (no parameters);
* ``local``: non-tradables bought where they are produced (construction, retail, food services,
  personal services, education, health, care, public administration);
* ``services``: business, transport, information, financial and utility services, in between;
* ``bulk``: primary products and resource-based manufactures (Lall 2000: agriculture, mining and
  quarrying, food and beverages, wood, paper, refined fuels, building materials), heavy for their
  value, so they travel less far (Chen & Novy 2011 find the transport costs of heavy goods among
  the largest barriers to trade between EU countries);
* ``goods``: the other manufactures (chemicals, metals, machinery, electronics, vehicles...), traded
  across regions with cross-hauling.

The classification of the 81 CBS industries, the 12 Japanese and the 35 WIOD industries is the
table ``data/tradability.csv`` (installed as ``mrio.data``), one rationale per row.

Trade model (per product ``i`` of class ``k``, origin ``r``, destination ``s``)::

    T0_i[r, s] = O_i^r  W_i[r, s]  d_rs^(-beta_k)  exp(h_k^s [r = s] - b_k [c(r) != c(s)])
    h_k^s      = home_k - c ln(x^s / x^N)          (home bias, larger in small regions)
    W_i[s, s]  = Dfd_i^s + q_i^s Dint_i^s           (q: location quotient, tradable classes only)
    W_i[r, s]  = Dfd_i^s + Dint_i^s                 (r != s)

balanced per product by RAS to supply ``O`` and demand ``D = Dint + Dfd`` (doubly-constrained
gravity, Wilson 1970; Newton's method finishes where RAS stalls), optionally with region-to-region
totals imposed on a group of products by
three-way fitting (:func:`mrio.kernels.constrain_totals`). ``b_k`` is a border effect between
regions of different countries (zero inside one country; McCallum 1995), ``c`` a region-size
elasticity of the home bias (the gravity analogue of Flegg & Tohmo's ``delta = a + b ln(size)``).
The location-quotient share ``q`` (FLQ, AFLQ, CILQ, SLQ) applies to intermediate purchases of the
classes in ``lq_classes`` only, never to final demand. Each category's regional split of each
product leans, by a share ``phi_k``, towards where the product is supplied net of intermediate use,
within the proxy's regional totals of the category (:func:`supply_led_category_weights`:
non-tradables are consumed where supplied).
See docs/methods/regional.md, section "Trade estimation".

The defaults (:meth:`TradeParameters.default`) are fitted on survey truths by
:func:`mrio.build.validation.fit_trade_parameters` (script ``data/fit_trade_parameters.py``) and
stored with standard errors and 95 % ranges (cluster bootstrap over the truths' regions) in
``data/trade_parameters.json``; the uncertainty
ensembles draw from those ranges (:meth:`TradeParameters.table`, :meth:`TradeParameters.with_values`).

References
----------
Wilson, A. G. (1970), *Entropy in Urban and Regional Modelling*; McCallum, J. (1995), AER 85,
615-623; Head, K. & Mayer, T. (2002), CEPII WP 2002-01; Lall, S. (2000), "The technological
structure and performance of developing country manufactured exports, 1985-98", Oxford
Development Studies 28, 337-369; Chen, N. & Novy, D. (2011), "Gravity, trade integration, and
heterogeneity across industries", J. Int. Econ. 85, 206-221; Flegg, A. T. & Tohmo, T. (2013), Regional
Studies 47, 703-721; Santamaria, M., Ventura, J. & Yesilbayraktar, U. (2023), "Exploring European
regional trade", J. Int. Econ. 146 (road-freight distance elasticity and home bias).
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from mrio import kernels
from mrio.core import labels as lab
from mrio.errors import InvalidTableError, UnknownLabelError

__all__ = [
    "TRADE_CLASSES",
    "NONTRADED",
    "PRODUCT_CLASSES",
    "CLASS_FIELDS",
    "LQ_ON_INTERMEDIATES",
    "ClassParameters",
    "TradeParameters",
    "classification",
    "product_classes",
    "intermediate_lq_share",
    "supply_led_final_demand",
    "supply_led_category_weights",
    "estimate_trade",
]

#: The tradability classes with fitted gravity parameters (in the order of the parameter tables).
TRADE_CLASSES = ("local", "services", "bulk", "goods")
#: Products that are not traded at all: consumed where supplied (the dwelling services of imputed rents and
#: real estate). No parameters: the own region supplies ``min(O, D)``, only surpluses travel.
NONTRADED = "nontraded"
#: Every class a product can have (``nontraded`` and the traded classes).
PRODUCT_CLASSES = (NONTRADED, *TRADE_CLASSES)
#: Location-quotient methods that can adjust intermediate purchases of tradables ("none": off).
LQ_ON_INTERMEDIATES = ("none", "flq", "aflq", "cilq", "slq", "charm")
#: Per-class fields of :class:`~mrio.build.tradability.ClassParameters` (flat names ``"<class>.<field>"``).
CLASS_FIELDS = ("distance_decay", "home_bias", "border", "supply_led_demand")
_PARAMETER_FILE = "trade_parameters.json"
_CLASS_FILE = "tradability.csv"


@dataclass(frozen=True)
class ClassParameters:
    """Trade parameters of one tradability class.

    Attributes
    ----------
    distance_decay : float
        ``beta`` in ``d^-beta`` (>= 0).
    home_bias : float
        Log weight of the own region in the gravity prior (before the size term).
    border : float
        Log border effect between regions of different countries (>= 0; unused within one country).
    supply_led_demand : float
        ``phi`` in [0, 1]: share of the class's final demand that is located where the product is
        supplied (the region's supply net of its own intermediate use) rather than by the
        final-demand proxy of its category (0: every product's final demand follows the proxies).
    """

    distance_decay: float
    home_bias: float
    border: float = 0.0
    supply_led_demand: float = 0.0


@dataclass(frozen=True)
class TradeParameters:
    """Parameters of the calibrated trade model (see the module docstring).

    Attributes
    ----------
    classes : Mapping[str, mrio.build.tradability.ClassParameters]
        One entry per class of :data:`~mrio.build.tradability.TRADE_CLASSES`.
    size_elasticity : float
        ``c``: the own-region log weight falls by ``c`` per unit of ``ln(x^s / x^N)``.
    lq : str
        Location quotient applied to intermediate purchases of ``lq_classes`` (see
        :data:`~mrio.build.tradability.LQ_ON_INTERMEDIATES`); "none" switches it off.
    delta : float
        FLQ/AFLQ ``delta`` when ``lq`` is "flq" or "aflq".
    lq_classes : tuple of str
        Classes whose intermediate purchases get the location-quotient adjustment.
    standard_errors, ranges : Mapping[str, float], Mapping[str, tuple]
        By flat parameter name (``"goods.distance_decay"``, ``"size_elasticity"``...): standard error
        and 95 % range of the fit (empty for hand-set parameters).
    source : str
        Where the values come from.
    """

    classes: Mapping[str, ClassParameters]
    size_elasticity: float = 0.0
    lq: str = "none"
    delta: float = 0.25
    lq_classes: tuple = ("goods",)
    standard_errors: Mapping[str, float] = field(default_factory=dict)
    ranges: Mapping[str, tuple] = field(default_factory=dict)
    source: str = "user"

    def __post_init__(self) -> None:
        missing = [k for k in TRADE_CLASSES if k not in self.classes]
        unknown = [k for k in self.classes if k not in TRADE_CLASSES]
        if missing or unknown:
            raise InvalidTableError(f"trade parameters need exactly the classes {list(TRADE_CLASSES)}; "
                                    f"missing {missing}, unknown {unknown}")
        for k, p in self.classes.items():
            for name in ("distance_decay", "home_bias", "border"):
                if not np.isfinite(getattr(p, name)):
                    raise InvalidTableError(f"trade parameter {k}.{name} is not finite: {getattr(p, name)!r}")
            if p.distance_decay < 0 or p.border < 0:
                raise InvalidTableError(f"trade parameters of class {k!r}: distance decay and border must be "
                                        f">= 0, got {p.distance_decay} and {p.border}")
            if not (np.isfinite(p.supply_led_demand) and 0.0 <= p.supply_led_demand <= 1.0):
                raise InvalidTableError(f"trade parameters of class {k!r}: supply_led_demand must be in "
                                        "[0, 1], "
                                        f"got {p.supply_led_demand!r}")
        if self.lq not in LQ_ON_INTERMEDIATES:
            raise InvalidTableError(f"unknown location quotient {self.lq!r} for intermediate purchases; use one "
                                    f"of {', '.join(LQ_ON_INTERMEDIATES)}")
        if not 0.0 <= float(self.delta) < 1.0:
            raise InvalidTableError(f"delta must be in [0, 1), got {self.delta}")
        bad = [k for k in self.lq_classes if k not in TRADE_CLASSES]
        if bad:
            raise InvalidTableError(f"lq_classes names unknown classes {bad}; classes: {list(TRADE_CLASSES)}")
        if not np.isfinite(self.size_elasticity):
            raise InvalidTableError("size_elasticity is not finite")

    # ------------------------------------------------------------------ flat names
    def values(self) -> dict[str, float]:
        """Flat parameter name -> value (``"<class>.<field>"`` and ``"size_elasticity"``)."""
        out = {f"{k}.{f}": float(getattr(self.classes[k], f)) for k in TRADE_CLASSES for f in CLASS_FIELDS}
        out["size_elasticity"] = float(self.size_elasticity)
        if self.lq in ("flq", "aflq"):
            out["delta"] = float(self.delta)
        return out

    def with_values(self, values: Mapping[str, float]) -> TradeParameters:
        """Return a copy with some flat-named parameters replaced (e.g. one draw of an ensemble)."""
        current = self.values()
        unknown = [k for k in values if k not in current]
        if unknown:
            raise UnknownLabelError(f"unknown trade parameters {unknown}; known: {', '.join(current)}")
        current.update({k: float(v) for k, v in values.items()})
        classes = {k: ClassParameters(**{f: current[f"{k}.{f}"] for f in CLASS_FIELDS})
                   for k in TRADE_CLASSES}
        return replace(self, classes=classes, size_elasticity=current["size_elasticity"],
                       delta=current.get("delta", self.delta), source=f"{self.source} (modified)")

    def table(self) -> pd.DataFrame:
        """One row per parameter: value, standard error, 95 % range (low, high)."""
        rows = []
        for name, value in self.values().items():
            low, high = self.ranges.get(name, (np.nan, np.nan))
            rows.append({"parameter": name, "value": value,
                         "standard_error": float(self.standard_errors.get(name, np.nan)),
                         "low": float(low), "high": float(high)})
        return pd.DataFrame(rows).set_index("parameter")

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as plain JSON-ready data (the inverse of :meth:`from_dict`)."""
        return {"classes": {k: {f: getattr(p, f) for f in CLASS_FIELDS} for k, p in self.classes.items()},
                "size_elasticity": self.size_elasticity, "lq": self.lq, "delta": self.delta,
                "lq_classes": list(self.lq_classes),
                "standard_errors": dict(self.standard_errors),
                "ranges": {k: list(v) for k, v in self.ranges.items()}, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TradeParameters:
        """Build parameters from the data of :meth:`to_dict` (as stored in ``trade_parameters.json``)."""
        try:
            optional = {"border": 0.0, "supply_led_demand": 0.0}  # absent from files of earlier versions
            classes = {k: ClassParameters(**{f: float(v[f] if f in v else optional[f]) for f in CLASS_FIELDS})
                       for k, v in data["classes"].items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidTableError(f"trade parameters: malformed 'classes' entry ({exc})") from exc
        return cls(classes=classes, size_elasticity=float(data.get("size_elasticity", 0.0)),
                   lq=str(data.get("lq", "none")), delta=float(data.get("delta", 0.25)),
                   lq_classes=tuple(data.get("lq_classes", ("goods",))),
                   standard_errors={k: float(v) for k, v in data.get("standard_errors", {}).items()},
                   ranges={k: tuple(float(x) for x in v) for k, v in data.get("ranges", {}).items()},
                   source=str(data.get("source", "user")))

    @classmethod
    def read(cls, path) -> TradeParameters:
        """Read parameters from a JSON file written by :meth:`write` (or the fitting script)."""
        from pathlib import Path

        from mrio.errors import FileFormatError

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FileFormatError(f"cannot read trade parameters from {path}: {exc}") from exc
        return cls.from_dict(data.get("parameters", data))

    def write(self, path, extra: Mapping[str, Any] | None = None) -> None:
        """Write the parameters (plus ``extra`` entries, e.g. fit diagnostics) as JSON, atomically."""
        from pathlib import Path

        from mrio.core.files import atomic_path

        payload = {"parameters": self.to_dict(), **dict(extra or {})}
        with atomic_path(Path(path)) as tmp:
            Path(tmp).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def default(cls) -> TradeParameters:
        """Load the shipped defaults, fitted on the Japanese calibration half and WIOD 2000."""
        with resources.as_file(resources.files("mrio.data") / _PARAMETER_FILE) as path:
            return cls.read(path)

    @staticmethod
    def shipped_scores() -> pd.DataFrame:
        """Return the validation scores of the shipped defaults (tidy ``truth, metric, value``), as stored."""
        with resources.as_file(resources.files("mrio.data") / _PARAMETER_FILE) as path:
            data = json.loads(path.read_text(encoding="utf-8"))
        return pd.DataFrame(data.get("scores", []), columns=["truth", "metric", "value"])

    @classmethod
    def uniform(cls, beta: float = 1.0) -> TradeParameters:
        """One distance decay for every product, no home bias, border or size term."""
        return cls(classes={k: ClassParameters(float(beta), 0.0, 0.0) for k in TRADE_CLASSES},
                   source=f"uniform d^-{beta}")


# ---------------------------------------------------------------------------------- classes
def classification(scheme: str | None = None) -> pd.DataFrame:
    """Return the shipped tradability classification (``data/tradability.csv``).

    Parameters
    ----------
    scheme : {"cbs", "japan", "wiod"}, optional
        One classification; default all.

    Returns
    -------
    pandas.DataFrame
        Columns ``scheme``, ``code``, ``sector``, ``class``, ``rationale``.
    """
    with resources.as_file(resources.files("mrio.data") / _CLASS_FILE) as path:
        table = pd.read_csv(path, dtype={"code": str})
    if scheme is None:
        return table
    if scheme not in set(table["scheme"]):
        raise UnknownLabelError(f"no tradability classification {scheme!r}; schemes: "
                                f"{', '.join(sorted(set(table['scheme'])))}")
    return table[table["scheme"] == scheme].reset_index(drop=True)


def product_classes(sectors: Sequence[Hashable], classes: Mapping | pd.Series | str | None = None,
                    default: str = "goods") -> tuple[pd.Series, list]:
    """Tradability class of each sector.

    Parameters
    ----------
    sectors : sequence of labels
    classes : Mapping, pandas.Series, str or None
        Sector -> class; or the name of a shipped scheme ("cbs", "japan", "wiod"), matched by code
        or sector label; None: every shipped scheme, by sector label.
    default : str, default "goods"
        Class of sectors that nothing classifies (they are returned as the second item).

    Returns
    -------
    (pandas.Series, list)
        Class by sector, and the sectors that got ``default``.

    Raises
    ------
    InvalidTableError
        A class that is not one of :data:`~mrio.build.tradability.PRODUCT_CLASSES`.
    UnknownLabelError
        A mapping that names sectors not in ``sectors``.
    """
    index = pd.Index(sectors)
    if classes is None or isinstance(classes, str):
        table = classification(classes)
        by_label = dict(zip(table["sector"], table["class"], strict=True))
        by_code = dict(zip(table["code"], table["class"], strict=True)) if classes is not None else {}
        mapping = {s: by_label.get(s, by_code.get(str(s))) for s in index}
        mapping = {s: c for s, c in mapping.items() if c is not None}
    else:
        mapping = dict(classes.items() if isinstance(classes, pd.Series) else classes)
        unknown = [s for s in mapping if s not in index]
        if unknown:
            raise UnknownLabelError(f"the product classes name sectors that are not in the table: "
                                    f"{lab._show(unknown)}")
    bad = {s: c for s, c in mapping.items() if c not in PRODUCT_CLASSES}
    if bad:
        raise InvalidTableError(f"unknown tradability classes {lab._show(list(bad.items()))}; use "
                                f"{', '.join(PRODUCT_CLASSES)}")
    if default not in PRODUCT_CLASSES:
        raise InvalidTableError(f"default class {default!r} is not one of {', '.join(PRODUCT_CLASSES)}")
    unclassified = [s for s in index if s not in mapping]
    series = pd.Series([mapping.get(s, default) for s in index], index=index, name="trade_class")
    return series, unclassified


# ---------------------------------------------------------------------------------- estimation
def intermediate_lq_share(method: str, delta: float, A: np.ndarray, x_reg: np.ndarray,
                          basis_reg: np.ndarray, basis_nat: np.ndarray) -> np.ndarray:
    """Location-quotient share of intermediate demand met within the region, ``(n, R)``.

    ``q_i^s = sum_j a_ij min(LQ_ij^s, 1) x_j^s / sum_j a_ij x_j^s`` with LQ = FLQ, AFLQ, CILQ or SLQ
    (docs/methods/regional.md, section "Intra-regional shares (location quotients)";
    Flegg & Webber 1997, 2000); 0 where the region has no intermediate demand.
    """
    s_q = kernels.slq(basis_reg, basis_nat)
    if method == "slq":
        lq = s_q
    elif method == "cilq":
        lq = kernels.cilq(s_q)
    elif method == "flq":
        lq = kernels.flq(basis_reg, basis_nat, delta)
    elif method == "aflq":
        lq = kernels.aflq(basis_reg, basis_nat, delta)
    else:
        raise InvalidTableError(f"unknown location quotient {method!r}; use one of "
                                f"{', '.join(LQ_ON_INTERMEDIATES[1:5])} (CHARM needs imports by product: build_mrio)")
    r_coef = kernels._regional.regional_coefficients(A, lq)
    own = np.einsum("sij,sj->is", r_coef, x_reg)
    total = A @ x_reg.T
    return kernels.safe_divide(own, total)


def supply_led_final_demand(origin: np.ndarray, demand_intermediate: np.ndarray, demand_final: np.ndarray,
                            classes: np.ndarray,
                            parameters: TradeParameters) -> tuple[np.ndarray, np.ndarray]:
    """Supply-led share and distribution of each product's final demand.

    For a product ``i`` of class ``k``::

        phi_i = phi_k                      (1 for nontraded products)
        u_i^s = max(O_i^s - Dint_i^s, 0) / sum_r max(O_i^r - Dint_i^r, 0)

    ``u`` is the region's supply left after its own intermediate use: for a non-tradable (an
    owner-occupied dwelling's rent, a building, a school) consumption happens where the product is
    supplied, so its final demand follows supply rather than the income or value added that locates
    the category as a whole (the commodity balance of non-tradables, regional output = regional use;
    Kronenberg 2009). ``phi_k`` (``supply_led_demand`` of :class:`~mrio.build.tradability.ClassParameters`)
    is fitted with the other trade parameters. Where a product has no supply left after intermediate
    use anywhere, ``u`` is the proxy distribution. The build combines ``phi`` and ``u`` with the
    proxies' category totals in :func:`supply_led_category_weights`. See docs/methods/regional.md,
    section "Trade estimation".

    Parameters
    ----------
    origin, demand_intermediate, demand_final : ndarray (n, R)
        ``O``, ``Dint`` and the proxy-located ``Dfd``.
    classes : ndarray of str (n,)
    parameters : TradeParameters

    Returns
    -------
    phi : ndarray (n,)
        ``phi`` of each product's class.
    u : ndarray (n, R)
        Supply-led distribution of each product's final demand (rows sum to 1 where ``y_i > 0``).
    """
    phi = np.array([1.0 if k == NONTRADED else parameters.classes[k].supply_led_demand for k in np.asarray(classes)],
                   dtype=float)
    left = np.clip(np.asarray(origin, dtype=float) - np.asarray(demand_intermediate, dtype=float), 0.0, None)
    total = left.sum(axis=1, keepdims=True)
    y = np.asarray(demand_final, dtype=float)
    proxy = kernels.safe_divide(y, y.sum(axis=1, keepdims=True))
    u = np.where(total > 0, kernels.safe_divide(left, total), proxy)
    return phi, u


def supply_led_category_weights(origin: np.ndarray, demand_intermediate: np.ndarray, final_demand: np.ndarray,
                                category_weights: np.ndarray, classes: np.ndarray,
                                parameters: TradeParameters, tol: float = 1e-12,
                                max_iter: int = 5000) -> np.ndarray:
    """Regional shares of every product's final demand by category, with the supply-led share applied.

    The proxy ``w_c^s`` says how much of category ``c`` each region's buyers spend (households by
    income...); supply says where they buy the non-tradables. For each category the matrix
    ``M_ic^s = y_ic ((1 - phi_i) w_c^s + phi_i u_i^s [w_c^s > 0])`` (``u`` of
    :func:`supply_led_final_demand`, restricted to regions where the category has demand) is
    balanced by RAS to the national final demand of every product (rows, ``y_ic``) and to the
    proxy's regional totals of the category (columns, ``y_c w_c^s``): the region's spending stays
    the proxy's, its mix leans towards the non-tradables supplied there (and away from tradables),
    and what a region supplies beyond its own residents' demand is traded to other regions.
    :data:`~mrio.build.tradability.NONTRADED` products are bought where they are supplied (an
    owner-occupier's rent is paid where the dwelling stands): their rows are ``y_ic u_i^s`` and
    the other products meet what is left of each region's spending. With ``phi = 0`` and no
    nontraded product the result is ``w_c^s``.

    Parameters
    ----------
    origin, demand_intermediate : ndarray (n, R)
    final_demand : ndarray (n, c)
        National traded final demand by product and category (non-negative).
    category_weights : ndarray (c, R)
        Proxy shares of each category by region (rows sum to 1).
    classes : ndarray of str (n,)
    parameters : TradeParameters
    tol, max_iter :
        RAS tolerance (relative to the category's largest margin) and iteration cap.

    Returns
    -------
    ndarray (n, c, R)
        ``M_ic^s / y_ic``: shares summing to 1 over regions for every (product, category) with
        final demand (``w_c^s`` where ``y_ic = 0``).
    """
    W = np.asarray(category_weights, dtype=float)
    y = np.asarray(final_demand, dtype=float)
    phi, u = supply_led_final_demand(origin, demand_intermediate, y @ W, classes, parameters)
    shares = np.broadcast_to(W[None, :, :], (len(phi), *W.shape)).copy()
    if not (phi > 0).any():
        return shares
    for c in range(W.shape[0]):
        rows = y[:, c]
        if not (rows > 0).any():
            continue
        support = W[c] > 0
        prior = rows[:, None] * ((1 - phi)[:, None] * W[c][None, :] + phi[:, None] * u * support[None, :])
        # a product whose supply-led prior misses every region of the category keeps the proxy
        lost = (prior.sum(axis=1) <= 0) & (rows > 0)
        prior[lost] = rows[lost, None] * W[c][None, :]
        # nontraded products are bought where supplied: their rows stay, the others meet what is left
        # of each region's spending
        pinned = (np.asarray(classes) == NONTRADED) & ~lost & (rows > 0)
        fixed = np.where(pinned[:, None], kernels.safe_divide(prior, prior.sum(axis=1, keepdims=True))
                         * rows[:, None], 0.0)
        free = ~pinned & (rows > 0)
        M = fixed  # a fresh array: the free rows are filled in below
        if free.any():
            left = np.clip(rows.sum() * W[c] - fixed.sum(axis=0), 0.0, None)
            left *= rows[free].sum() / left.sum() if left.sum() > 0 else 0.0
            M[free] = kernels.ras(prior[free], rows[free], left, tol=tol, tol_factors=np.inf,
                                  max_iter=max_iter).X
        # rows normalised exactly (national final demand of every product kept to the last bit; the
        # category's regional totals then hold to the RAS tolerance)
        total = M.sum(axis=1, keepdims=True)
        shares[:, c, :] = np.where((rows[:, None] > 0) & (total > 0), kernels.safe_divide(M, total),
                                   W[c][None, :])
    return shares


def estimate_trade(origin: np.ndarray, demand_intermediate: np.ndarray, demand_final: np.ndarray,
                   distances: np.ndarray, classes: np.ndarray, parameters: TradeParameters,
                   size: np.ndarray, cross: np.ndarray | None = None,
                   local_intermediate: np.ndarray | None = None, totals: np.ndarray | None = None,
                   totals_products: np.ndarray | None = None, tol: float = 1e-13,
                   max_iter: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """Interregional trade per product by the class gravity model (module docstring).

    Parameters
    ----------
    origin, demand_intermediate, demand_final : ndarray (n, R)
        ``O``, ``Dint``, ``Dfd``; ``O.sum(1) == (Dint + Dfd).sum(1)``.
    distances : ndarray (R, R)
        Positive, diagonal = internal distances.
    classes : ndarray of str (n,)
        Class of each product (:data:`~mrio.build.tradability.PRODUCT_CLASSES`;
        :data:`~mrio.build.tradability.NONTRADED` products keep ``min(O, D)``
        in the own region and trade their surpluses by the local class's decay and border).
    parameters : TradeParameters
    size : ndarray (R,)
        ``x^s / x^N``, the region's share of national output (> 0 where it has demand).
    cross : ndarray of bool (R, R), optional
        Pairs of regions in different countries (border effect).
    local_intermediate : ndarray (n, R), optional
        Location-quotient share of intermediate demand (applied to ``lq_classes`` only).
    totals, totals_products : ndarray (R, R), ndarray of bool (n,), optional
        Region-to-region totals imposed on a group of products.
    tol, max_iter :
        RAS tolerance (relative to the product's largest margin) and iteration cap.

    Returns
    -------
    T : ndarray (n, R, R)
    iterations : ndarray of int (n,)
    """
    classes = np.asarray(classes)
    n, R = origin.shape
    untraded = classes == NONTRADED
    original = origin, demand_intermediate, demand_final
    # non-traded products: the own region supplies min(O, D); surpluses travel to deficits by the gravity of
    # the local class (no cross-hauling; the own cell of the residual is zero, as one of its margins is)
    own_supply = np.where(untraded[:, None], np.minimum(origin, demand_intermediate + demand_final), 0.0)
    if untraded.any():
        scale = np.maximum(origin.max(axis=1, initial=0.0), (demand_intermediate + demand_final).max(axis=1,
                                                                                                       initial=0.0))
        surplus = origin - own_supply
        deficit = demand_intermediate + demand_final - own_supply
        # rounding noise of the subtraction is no surplus (and one side alone cannot be traded)
        surplus[surplus <= 1e-12 * scale[:, None]] = 0.0
        deficit[deficit <= 1e-12 * scale[:, None]] = 0.0
        none = (surplus.sum(axis=1) == 0) | (deficit.sum(axis=1) == 0)
        surplus[none], deficit[none] = 0.0, 0.0
        # equal totals: the margins' own rounding mismatch is large next to small surpluses
        deficit *= kernels.safe_divide(surplus.sum(axis=1), deficit.sum(axis=1))[:, None]
        origin = np.where(untraded[:, None], surplus, origin)
        demand_intermediate = np.where(untraded[:, None], deficit, demand_intermediate)
        demand_final = np.where(untraded[:, None], 0.0, demand_final)
        classes = np.where(untraded, "local", classes)
    beta = np.array([parameters.classes[k].distance_decay for k in classes], dtype=float)
    home0 = np.array([parameters.classes[k].home_bias for k in classes], dtype=float)
    border = np.array([parameters.classes[k].border for k in classes], dtype=float)
    with np.errstate(divide="ignore"):
        log_size = np.where(size > 0, np.log(np.where(size > 0, size, 1.0)), 0.0)
    home = home0[:, None] - parameters.size_elasticity * log_size[None, :]
    q = None
    if local_intermediate is not None and parameters.lq != "none":
        use = np.isin(classes, parameters.lq_classes) & ~untraded
        q = np.where(use[:, None], local_intermediate, 1.0)
    prior = kernels.class_gravity_prior(origin, demand_intermediate, demand_final, distances, beta, home,
                                        border=border, cross=cross, local_intermediate=q)
    T, iterations = kernels.balance_products(prior, origin, demand_intermediate + demand_final, tol=tol,
                                             max_iter=max_iter)
    if untraded.any():
        idx = np.arange(R)
        T[:, idx, idx] += own_supply
        origin, demand_intermediate, demand_final = original  # (the margins of the totals constraint below)
    if totals is not None:
        mask = np.ones(n, dtype=bool) if totals_products is None else np.asarray(totals_products, dtype=bool)
        T, _ = kernels.constrain_totals(T, origin, demand_intermediate + demand_final, totals, mask,
                                        tol=max(tol, 1e-12), max_iter=max_iter)
    return T, iterations

