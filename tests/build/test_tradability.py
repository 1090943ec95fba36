"""Tradability classes and the calibrated class trade model in the build (issue 11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio.build.cbs import cbs_sector_labels
from mrio.build.regional import build_mrio, national_consistency
from mrio.build.tradability import (
    NONTRADED,
    PRODUCT_CLASSES,
    TRADE_CLASSES,
    ClassParameters,
    TradeParameters,
    classification,
    intermediate_lq_share,
    product_classes,
)
from mrio.errors import InvalidTableError, LabelError, MRIOError, UnknownLabelError
from tests.build.test_regional import CONCORDANCE, REGIONS, RTOL, SECTORS, _distances, _indicators, _national

CLASSES = {"agri": "goods", "manuf": "goods", "energy": "services", "services": "local"}


# ------------------------------------------------------------------ classification
def test_every_cbs_japanese_and_wiod_industry_is_classified_with_a_rationale():
    table = classification()
    assert set(table["class"]) == set(PRODUCT_CLASSES)
    assert table["rationale"].str.len().min() > 5
    cbs = classification("cbs")
    assert list(cbs["sector"]) == list(cbs_sector_labels()["sector"])  # the 81 CBS industries, in order
    assert len(classification("japan")) == 12 and len(classification("wiod")) == 35
    classes, unclassified = product_classes(cbs_sector_labels()["sector"], "cbs")
    assert not unclassified
    for sector in ("Imputed rents of owner-occupied dwellings", "Real estate services"):
        assert classes[sector] == NONTRADED, sector
    for sector in ("Retail trade", "Human health", "Education",
                   "Public administration and defence", "Construction of buildings", "Food and beverage services"):
        assert classes[sector] == "local", sector
    for sector in ("Basic metals", "Chemicals and chemical products", "Motor vehicles and trailers"):
        assert classes[sector] == "goods", sector
    for sector in ("Crop and animal production", "Food products", "Building materials", "Other mining and quarrying"):
        assert classes[sector] == "bulk", sector
    # the truths' industries on the same principle (primary and resource-based products are bulk)
    wiod = classification("wiod").set_index("code")["class"]
    assert wiod["c1"] == wiod["c3"] == wiod["c11"] == "bulk" and wiod["c9"] == wiod["c15"] == "goods"
    japan = classification("japan").set_index("code")["class"]
    assert japan["1"] == japan["2"] == "bulk" and japan["3"] == "goods"
    for sector in ("Wholesale trade", "Land transport and pipelines", "Legal and accounting"):
        assert classes[sector] == "services", sector


def test_product_classes_mapping_and_errors():
    classes, unclassified = product_classes(SECTORS, CLASSES)
    assert classes.to_dict() == CLASSES and unclassified == []
    classes, unclassified = product_classes(SECTORS, {"agri": "goods"}, default="services")
    assert unclassified == ["manuf", "energy", "services"] and classes["energy"] == "services"
    with pytest.raises(UnknownLabelError, match="'fishing'"):
        product_classes(SECTORS, {"fishing": "goods"})
    with pytest.raises(InvalidTableError, match="unknown tradability classes"):
        product_classes(SECTORS, {"agri": "portable"})
    with pytest.raises(UnknownLabelError, match="no tradability classification 'xx'"):
        product_classes(SECTORS, "xx")


# ------------------------------------------------------------------ parameters
def test_shipped_parameters_have_ranges_and_round_trip(tmp_path):
    p = TradeParameters.default()
    table = p.table()
    assert set(table.index) >= {f"{k}.{f}" for k in TRADE_CLASSES for f in ("distance_decay", "home_bias", "border")}
    assert "fitted on" in p.source
    # every parameter varies over the bootstrap unless its every replicate sits on a bound (phi_local = 1)
    at_bound = np.isclose(table["low"], table["high"], rtol=0, atol=1e-9)
    assert ((table["standard_error"] > 0) | at_bound).all() and at_bound.sum() <= 1
    assert ((table["low"] <= table["value"]) & (table["value"] <= table["high"])).all()
    # local products are the least traded (steepest decay); bulk goods, heavy for their value, travel
    # less far than the other goods (Chen & Novy 2011)
    assert p.classes["local"].distance_decay > p.classes["bulk"].distance_decay > p.classes["goods"].distance_decay
    p.write(tmp_path / "p.json", extra={"note": "test"})
    back = TradeParameters.read(tmp_path / "p.json")
    assert back == p
    changed = p.with_values({"goods.distance_decay": 2.0, "size_elasticity": 0.1})
    assert changed.classes["goods"].distance_decay == 2.0 and changed.size_elasticity == 0.1
    assert changed.classes["local"] == p.classes["local"]
    with pytest.raises(UnknownLabelError, match="unknown trade parameters"):
        p.with_values({"goods.speed": 1.0})


def test_invalid_parameters_are_rejected():
    good = {k: ClassParameters(1.0, 0.0, 0.0) for k in TRADE_CLASSES}
    with pytest.raises(InvalidTableError, match="missing \\['goods'\\]"):
        TradeParameters(classes={k: v for k, v in good.items() if k != "goods"})
    with pytest.raises(InvalidTableError, match=">= 0"):
        TradeParameters(classes={**good, "goods": ClassParameters(-1.0, 0.0, 0.0)})
    with pytest.raises(InvalidTableError, match="unknown location quotient"):
        TradeParameters(classes=good, lq="lq")
    with pytest.raises(InvalidTableError, match="delta"):
        TradeParameters(classes=good, lq="flq", delta=1.2)
    with pytest.raises(InvalidTableError, match="supply_led_demand must be in \\[0, 1\\]"):
        TradeParameters(classes={**good, "local": ClassParameters(1.0, 0.0, 0.0, 1.5)})


# ------------------------------------------------------------------ the build with calibrated trade
def _build(**kw):
    args = dict(national=_national(), indicators=_indicators(np.random.default_rng(1)), concordance=CONCORDANCE,
                distances=_distances(), product_classes=CLASSES)
    args.update(kw)
    return build_mrio(**args)


def _own_share(system, sector):
    R, n = system.n_regions, system.n_sectors
    i = list(system.sectors).index(sector)
    Z4 = system.Z.to_numpy().reshape(R, n, R, n)
    return np.einsum("rr->", Z4[:, i].sum(axis=2)) / Z4[:, i].sum()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), beta=st.floats(0.0, 3.0), home=st.floats(-2.0, 5.0),
       border=st.floats(0.0, 3.0), size=st.floats(-1.0, 1.0), lq=st.sampled_from(["none", "flq", "cilq"]),
       phi=st.floats(0.0, 1.0), untraded=st.booleans())
def test_calibrated_build_is_nationally_consistent(seed, beta, home, border, size, lq, phi, untraded):
    rng = np.random.default_rng(seed)
    national = _national(seed % 7)
    parameters = TradeParameters(classes={k: ClassParameters(beta * (1 + j), home - j, border, phi * (j != 1))
                                          for j, k in enumerate(TRADE_CLASSES)}, size_elasticity=size, lq=lq)
    countries = {r: ("A" if k < 2 else "B") for k, r in enumerate(REGIONS)}
    classes = {**CLASSES, "services": NONTRADED} if untraded else CLASSES
    system = build_mrio(national, _indicators(rng), CONCORDANCE, _distances(), trade=parameters,
                        product_classes=classes, countries=countries)
    assert national_consistency(system, national)["max_relative_error"].max() <= RTOL
    assert (system.Z.to_numpy() >= 0).all()
    assert system.meta["trade"]["border_effect"] and system.meta["regionalisation"]["trade"] == "calibrated"


def test_home_bias_and_border_act_on_the_own_region():
    base = TradeParameters(classes={k: ClassParameters(1.0, 0.0, 0.0) for k in TRADE_CLASSES})
    biased = base.with_values({"local.home_bias": 4.0})
    assert _own_share(_build(trade=biased), "services") > _own_share(_build(trade=base), "services") + 0.05
    # the goods class is untouched by the local home bias only through the margins: same prior
    countries = {r: r for r in REGIONS}
    bordered = base.with_values({"goods.border": 3.0})
    assert _own_share(_build(trade=bordered, countries=countries), "manuf") > _own_share(
        _build(trade=base, countries=countries), "manuf") + 0.05
    # inside one country the border parameter changes nothing
    np.testing.assert_allclose(_build(trade=bordered).Z.to_numpy(), _build(trade=base).Z.to_numpy(), rtol=1e-9,
                               atol=1e-9)


def _margins_of(system, sector):
    """Supply O (by origin), domestic demand D (by destination) and the trade matrix of one product."""
    R, n = system.n_regions, system.n_sectors
    i = list(system.sectors).index(sector)
    Z4 = system.Z.to_numpy().reshape(R, n, R, n)
    Y = system.Y
    dest = Y.columns.get_level_values("region")
    traded = Y.columns.get_level_values("category") != "changes_in_inventories"
    T = Z4[:, i].sum(axis=2).copy()
    for k, r in enumerate(system.regions):
        T[:, k] += Y.to_numpy()[:, (dest == r) & traded].sum(axis=1).reshape(R, n)[:, i]
    return T.sum(axis=1), T.sum(axis=0), T


def _category_totals(system):
    """Final demand by (destination region, category), all products."""
    return system.Y.sum(axis=0)


def test_supply_led_final_demand_follows_supply_within_the_proxies_totals():
    base = TradeParameters(classes={k: ClassParameters(1.0, 0.0, 0.0) for k in TRADE_CLASSES})
    led = base.with_values({"local.supply_led_demand": 1.0})
    a, b = _build(trade=base), _build(trade=led)
    national = _national()
    assert national_consistency(b, national)["max_relative_error"].max() <= RTOL
    # national final demand of every product and category is unchanged, and so is every region's
    # spending on every category (the proxies); only the product mix within a region moves
    ya = a.Y.T.groupby(level="category").sum().T.groupby(level="sector").sum()
    yb = b.Y.T.groupby(level="category").sum().T.groupby(level="sector").sum()
    np.testing.assert_allclose(ya.to_numpy(), yb.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(_category_totals(a).to_numpy(), _category_totals(b).to_numpy(), rtol=1e-9,
                               atol=1e-9)
    # the local product's demand moves towards its supply, and more of it stays in its region
    O_a, D_a, _ = _margins_of(a, "services")
    O_b, D_b, _ = _margins_of(b, "services")
    np.testing.assert_allclose(O_a, O_b, rtol=1e-9)
    assert np.abs(D_b - O_b).sum() < 0.5 * np.abs(D_a - O_a).sum()
    assert _own_share(b, "services") > _own_share(a, "services")


def test_nontraded_products_are_supplied_by_their_own_region_first():
    base = TradeParameters(classes={k: ClassParameters(1.0, -3.0, 0.0) for k in TRADE_CLASSES})
    system = _build(trade=base, product_classes={**CLASSES, "services": NONTRADED})
    assert national_consistency(system, _national())["max_relative_error"].max() <= RTOL
    O, D, T = _margins_of(system, "services")
    # the own region supplies min(O, D), whatever the (here negative) home bias of the local class
    np.testing.assert_allclose(np.diag(T), np.minimum(O, D), rtol=1e-9)
    # no cross-hauling: a region either ships its surplus or imports its deficit
    off = T - np.diag(np.diag(T))
    assert not ((off.sum(axis=1) > 1e-9 * O.max()) & (off.sum(axis=0) > 1e-9 * O.max())).any()
    # its final demand is bought where it is supplied: demand equals supply where supply exceeds
    # intermediate use, and no region's spending on a category moves (the other products make room)
    R, n = system.n_regions, system.n_sectors
    i = list(system.sectors).index("services")
    Dint = system.Z.to_numpy().reshape(R, n, R, n)[:, i].sum(axis=(0, 2))
    if (O > Dint).all():
        np.testing.assert_allclose(D, O, rtol=1e-9)
    base_build = _build(trade=base)
    np.testing.assert_allclose(_category_totals(system).to_numpy(), _category_totals(base_build).to_numpy(),
                               rtol=1e-9, atol=1e-9)
    assert system.meta["trade"]["classes"]["services"] == NONTRADED


def test_location_quotient_only_for_intermediate_purchases_of_tradables():
    base = TradeParameters(classes={k: ClassParameters(1.0, 1.0, 0.0) for k in TRADE_CLASSES})
    flq = TradeParameters(classes=base.classes, lq="flq", delta=0.3, lq_classes=("goods",))
    a, b = _build(trade=base), _build(trade=flq)
    local = [s for s, c in CLASSES.items() if c != "goods"]
    rows = [k for k, (r, s) in enumerate(a.Z.index) if s in local]
    np.testing.assert_allclose(a.Z.to_numpy()[rows], b.Z.to_numpy()[rows], rtol=1e-9, atol=1e-9)
    assert not np.allclose(a.Z.loc[(slice(None), "manuf"), :].to_numpy(), b.Z.loc[(slice(None), "manuf"), :].to_numpy())
    # the share itself never exceeds 1 and is 1 for a region that is the nation
    national = _national()
    A = (national.Z.to_numpy() / national.x.to_numpy()[None, :])
    x = national.x.to_numpy()[None, :]
    np.testing.assert_allclose(intermediate_lq_share("flq", 0.3, A, x, x, x[0]), 1.0, rtol=1e-12)


def test_trade_totals_constraint_and_charm():
    system = _build()
    R, n = system.n_regions, system.n_sectors
    rng = np.random.default_rng(4)
    G = pd.DataFrame(rng.uniform(1, 10, (R, R)), index=REGIONS, columns=REGIONS)
    constrained = _build(trade_totals=G, trade_totals_classes=("goods",))
    national = _national()
    assert national_consistency(constrained, national)["max_relative_error"].max() <= RTOL
    Z4 = constrained.Z.to_numpy().reshape(R, n, R, n)
    goods = [list(constrained.sectors).index(s) for s, c in CLASSES.items() if c == "goods"]
    # the goods' region-to-region totals follow the pattern of G: biproportional to it
    flows = Z4[:, goods].sum(axis=(1, 3))
    Y = constrained.Y.to_numpy()
    for k, r in enumerate(REGIONS):
        cols = [j for j, (rr, _) in enumerate(constrained.Y.columns) if rr == r]
        held = [j for j in cols if constrained.Y.columns[j][1] == "changes_in_inventories"]
        traded = [j for j in cols if j not in held]
        flows[:, k] += Y[:, traded].reshape(R, n, -1)[:, goods].sum(axis=(1, 2))
    ratio = flows / G.to_numpy()
    np.testing.assert_allclose(ratio / ratio[:, :1], np.repeat((ratio / ratio[:, :1])[:1], R, axis=0), rtol=1e-6)
    with pytest.raises(LabelError):
        _build(trade_totals=G.iloc[:2, :2])
    charm = TradeParameters(classes=TradeParameters.default().classes, lq="charm")
    imports = pd.Series(np.random.default_rng(3).uniform(5, 30, len(SECTORS)), index=SECTORS)
    with_charm = _build(trade=charm, imports_by_product=imports)
    assert national_consistency(with_charm, national)["max_relative_error"].max() <= RTOL
    with pytest.raises(InvalidTableError, match="imports_by_product"):
        _build(trade=charm)


def test_bad_trade_options():
    with pytest.raises(InvalidTableError, match="trade must be"):
        _build(trade="fancy")
    with pytest.raises(LabelError, match="'South'"):
        _build(countries={"North": "A", "East": "A"})
    with pytest.raises(MRIOError, match="ras_tol"):
        _build(ras_tol=0.0)
