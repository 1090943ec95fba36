"""Regionalisation: location quotients, gravity trade, CHARM and the generic build pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from mrio import kernels
from mrio.errors import InfeasibleBalancingError, InvalidTableError, LabelError, UnknownLabelError
from mrio.regional import NationalTable, build_mrio, flq_sensitivity, national_consistency, read_national, \
    write_national

RTOL = 1e-9


# ------------------------------------------------------------------ location quotients
@st.composite
def _employment(draw):
    R = draw(st.integers(1, 5))
    n = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    regional = rng.uniform(0.0, 50.0, (R, n)) * (rng.random((R, n)) < 0.85)
    regional[:, 0] += 1.0
    return regional, rng


@settings(max_examples=40, deadline=None)
@given(_employment(), st.floats(0.0, 0.95))
def test_flq_never_raises_a_coefficient(problem, delta):
    regional, rng = problem
    n = regional.shape[1]
    A = rng.uniform(0, 0.2, (n, n))
    national = regional.sum(axis=0) + rng.uniform(0, 10, n)  # the regions are part of a nation
    for lq in (kernels.flq(regional, national, delta), kernels.aflq(regional, national, delta),
               kernels.cilq(kernels.slq(regional, national)), kernels.slq(regional, national)):
        r = kernels._regional.regional_coefficients(A, lq)
        assert (r <= A[np.newaxis] + 0.0).all() and (r >= 0).all()
    assert (kernels.aflq(regional, national, delta) >= kernels.flq(regional, national, delta) - 1e-15).all()


@settings(max_examples=30, deadline=None)
@given(_employment(), st.floats(0.0, 0.95))
def test_region_equal_to_nation_reproduces_national_coefficients(problem, delta):
    regional, rng = problem
    nation = regional[:1]  # one "region" that is the whole nation
    n = nation.shape[1]
    A = rng.uniform(0, 0.2, (n, n))
    q = kernels.slq(nation, nation[0])
    active = nation[0] > 0
    np.testing.assert_allclose(q[0, active], 1.0, rtol=1e-14)
    assert kernels.flq_lambda(nation.sum(), nation.sum(), delta) == pytest.approx(1.0, abs=1e-15)
    r = kernels._regional.regional_coefficients(A, kernels.flq(nation, nation[0], delta))
    np.testing.assert_allclose(r[0][np.ix_(active, active)], A[np.ix_(active, active)], rtol=1e-14)


def test_flq_known_values():
    # two regions, two sectors: hand-computed SLQ, CILQ, lambda*, FLQ, AFLQ (docs/methods/regional.md,
    # section "Intra-regional shares (location quotients)")
    regional = np.array([[30.0, 10.0], [10.0, 50.0]])
    national = regional.sum(axis=0)  # [40, 60], total 100
    q = kernels.slq(regional, national)
    np.testing.assert_allclose(q[0], [(30 / 40) / (40 / 100), (10 / 40) / (60 / 100)])
    c = kernels.cilq(q)
    np.testing.assert_allclose(c[0], [[q[0, 0], q[0, 0] / q[0, 1]], [q[0, 1] / q[0, 0], q[0, 1]]])
    lam = np.log2(1 + 40 / 100) ** 0.3
    np.testing.assert_allclose(kernels.flq(regional, national, 0.3)[0], lam * c[0])
    boost = np.log2(1 + q[0, 0])  # SLQ_1 = 1.875 > 1 boosts column 1 only
    np.testing.assert_allclose(kernels.aflq(regional, national, 0.3)[0][:, 0], lam * c[0][:, 0] * boost)
    np.testing.assert_allclose(kernels.aflq(regional, national, 0.3)[0][:, 1], lam * c[0][:, 1])


def test_flq_intra_share_falls_with_delta():
    regional = np.array([[30.0, 10.0, 5.0], [10.0, 50.0, 20.0], [5.0, 5.0, 40.0]])
    values = [kernels.flq(regional, regional.sum(axis=0), d) for d in (0.1, 0.2, 0.3, 0.4)]
    for low, high in zip(values, values[1:], strict=False):
        assert (high <= low).all()


def test_charm_identities():
    rng = np.random.default_rng(3)
    n, R = 4, 3
    A = rng.uniform(0, 0.15, (n, n))
    x_r = rng.uniform(10, 100, (R, n))
    f_r = rng.uniform(5, 50, (R, n))
    xN, fN = x_r.sum(axis=0), f_r.sum(axis=0)
    e, m = rng.uniform(5, 30, n), rng.uniform(5, 30, n)
    exports, imports, share = kernels.charm(A, x_r, f_r, xN, fN, e, m)
    balance = x_r - x_r @ A.T - f_r
    np.testing.assert_allclose(exports - imports, balance, atol=1e-12)
    assert (exports >= -1e-12).all() and (imports >= -1e-12).all()
    assert ((share >= 0) & (share <= 1)).all()
    # no national cross-hauling (e = 0) => no regional cross-hauling: trade is the net balance only
    ex0, im0, _ = kernels.charm(A, x_r, f_r, xN, fN, np.zeros(n), m)
    np.testing.assert_allclose(ex0 + im0, np.abs(balance), atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_gravity_trade_meets_margins(R, n, seed):
    rng = np.random.default_rng(seed)
    O = rng.uniform(0, 10, (n, R))
    D = rng.uniform(0, 10, (n, R))
    D *= O.sum(axis=1, keepdims=True) / D.sum(axis=1, keepdims=True)
    pts = rng.uniform(0, 100, (R, 2))
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(R) * 5
    decay = kernels._regional.distance_decay(dist, 1.0)
    q = rng.uniform(0, 1, (n, R))
    for intra in (None, q):
        T, _ = kernels.gravity_trade(O, D, decay, intra, tol=1e-12)
        np.testing.assert_allclose(T.sum(axis=2), O, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(T.sum(axis=1), D, rtol=1e-9, atol=1e-9)
        assert (T >= 0).all()


@st.composite
def _trade_margins(draw):
    """Equal-total non-negative margins with zeros, and intra shares including the extremes 0 and 1."""
    R = draw(st.integers(2, 6))
    n = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    O = rng.uniform(0, 10, (n, R)) * (rng.random((n, R)) < 0.7)
    D = rng.uniform(0, 10, (n, R)) * (rng.random((n, R)) < 0.7)
    O[:, 0] += 1.0
    D[:, -1] += 1.0
    D *= O.sum(axis=1, keepdims=True) / D.sum(axis=1, keepdims=True)
    q = rng.choice([0.0, 1.0, 0.5], (n, R)) if draw(st.booleans()) else rng.uniform(0, 1, (n, R))
    pts = rng.uniform(0, 100, (R, 2))
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(R) * 5
    return O, D, q, kernels._regional.distance_decay(dist, draw(st.floats(0.2, 3.0)))


@settings(max_examples=40, deadline=None)
@given(_trade_margins())
def test_gravity_trade_meets_any_consistent_margins(problem):
    # whatever the intra-regional shares (0 = "no local supply", 1 = "closed to other regions"), any
    # non-negative margins with equal totals are met: the prior is positive on {O > 0} x {D > 0}
    O, D, q, decay = problem
    T, iterations = kernels.gravity_trade(O, D, decay, q, tol=1e-13)
    scale = np.maximum(1.0, np.abs(O).max(axis=1, keepdims=True))
    assert (np.abs(T.sum(axis=2) - O) <= 1e-9 * scale).all()
    assert (np.abs(T.sum(axis=1) - D) <= 1e-9 * scale).all()
    assert (T >= 0).all()
    support = (O[:, :, None] > 0) & (D[:, None, :] > 0)
    assert (T[~support] == 0).all()  # no flow from a region without supply or to one without demand
    assert iterations.max() < 5000


def test_gravity_trade_lq_prior_with_an_unreachable_margin():
    # the issue-3 failure reduced to one product: North supplies 119 but q_North = 0 (no local cell)
    # and East's q = 1 closes East to North, so the LQ prior alone has an all-zero North row
    O = np.array([[119.2907216, 113.69991891]])
    D = np.array([[157.36930788, 75.62133263]])
    decay = kernels._regional.distance_decay(np.array([[25.5, 51.0], [51.0, 25.5]]), 1.0)
    T, _ = kernels.gravity_trade(O, D, decay, np.array([[0.0, 1.0]]), tol=1e-13)
    np.testing.assert_allclose(T[0].sum(axis=1), O[0], rtol=1e-12)
    np.testing.assert_allclose(T[0].sum(axis=0), D[0], rtol=1e-12)
    assert (T[0] > 0).all()
    # the 2 x 2 solution is fixed by the margins and the prior's cross-ratio, in which the floor
    # weight cancels: any floor gives the same table
    T2, _ = kernels.gravity_trade(O, D, decay, np.array([[0.0, 1.0]]), tol=1e-13, floor=0.1)
    np.testing.assert_allclose(T2, T, rtol=1e-9)


def test_gravity_floor_leaves_a_feasible_lq_prior_alone():
    # q strictly inside (0, 1): the LQ prior has no zero cell, so the floor never applies
    rng = np.random.default_rng(11)
    O = rng.uniform(1, 10, (3, 4))
    D = rng.uniform(1, 10, (3, 4))
    D *= O.sum(axis=1, keepdims=True) / D.sum(axis=1, keepdims=True)
    decay = kernels._regional.distance_decay(rng.uniform(10, 90, (4, 4)), 1.5)
    q = rng.uniform(0.05, 0.95, (3, 4))
    T1, _ = kernels.gravity_trade(O, D, decay, q, floor=1e-3)
    T2, _ = kernels.gravity_trade(O, D, decay, q, floor=0.5)
    np.testing.assert_array_equal(T1, T2)


def test_gravity_trade_bad_margins():
    decay = np.ones((2, 2))
    with pytest.raises(kernels.InfeasibleError,
                       match="product 1: regional supply sums to 3 but regional demand to 4") as info:
        kernels.gravity_trade(np.array([[1.0, 1.0], [1.0, 2.0]]), np.array([[1.0, 1.0], [2.0, 2.0]]), decay)
    assert info.value.rows == [1]
    with pytest.raises(kernels.InfeasibleError, match="product 0: negative supply") as info:
        kernels.gravity_trade(np.array([[2.0, -1.0]]), np.array([[0.5, 0.5]]), decay)
    assert info.value.columns == [1]
    # a zero distance decay (exp(-beta d) underflow) would fix zero cells: rejected, naming the pair
    cut = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(kernels.InfeasibleError,
                       match="distance decay f\\(d\\) is 0 between regions 0 and 1") as info:
        kernels.gravity_trade(np.array([[1.0, 1.0]]), np.array([[1.5, 0.5]]), cut)
    assert info.value.columns == [0, 1]


def test_stronger_distance_decay_keeps_more_trade_inside():
    R = 4
    pts = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], float)
    dist = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(R) * 3
    O = np.array([[5.0, 3.0, 2.0, 4.0]])
    D = np.array([[4.0, 4.0, 3.0, 3.0]])
    own = []
    for beta in (0.5, 1.0, 2.0, 3.0):
        T, _ = kernels.gravity_trade(O, D, kernels._regional.distance_decay(dist, beta))
        own.append(np.trace(T[0]))
    assert own == sorted(own)


# ------------------------------------------------------------------ the pipeline on a synthetic nation
SECTORS = ["agri", "manuf", "energy", "services"]
REGIONS = ["North", "East", "South"]


def _national(seed=0, n=4, negative_inventory=True):
    rng = np.random.default_rng(seed)
    sectors = pd.Index(SECTORS[:n] if n <= 4 else [f"s{i}" for i in range(n)], name="sector")
    Z = rng.uniform(1, 50, (n, n))
    fd = pd.DataFrame({"household_consumption": rng.uniform(50, 200, n),
                       "government": rng.uniform(0, 80, n),
                       "changes_in_inventories": rng.uniform(-10, 10, n) if negative_inventory
                       else rng.uniform(0, 10, n)}, index=sectors)
    fd.columns.name = "category"
    exports = pd.DataFrame({"exports": rng.uniform(20, 100, n)}, index=sectors)
    exports.columns.name = "category"
    x = Z.sum(axis=1) + fd.to_numpy().sum(axis=1) + exports.to_numpy().sum(axis=1)
    primary = x - Z.sum(axis=0)
    split = rng.dirichlet([2, 1, 3], n).T * primary
    V = pd.DataFrame(split, index=pd.Index(["imports", "wages", "surplus"], name="component"), columns=sectors)
    return NationalTable(Z=pd.DataFrame(Z, index=sectors, columns=sectors), final_demand=fd, exports=exports,
                         V=V, value_added_components=("wages", "surplus"),
                         meta={"income_row": "wages", "household_category": "household_consumption"},
                         producer_held=("changes_in_inventories",))


def _indicators(rng, regions=REGIONS, groups=("primary", "industry", "services"), kinds=("gva", "employment")):
    rows = [{"region": r, "group": g, "indicator": k, "value": float(rng.uniform(1, 100))}
            for r in regions for g in groups for k in kinds]
    return pd.DataFrame(rows)


CONCORDANCE = {"agri": "primary", "manuf": "industry", "energy": "industry", "services": "services"}


def _distances(regions=REGIONS):
    pts = np.array([[0, 0], [50, 10], [20, 60], [70, 70], [90, 5]], float)[:len(regions)]
    d = np.linalg.norm(pts[:, None] - pts[None], axis=2)
    return pd.DataFrame(d, index=regions, columns=regions)


@pytest.mark.parametrize("method", ["flq", "aflq", "slq", "cilq", "gravity"])
def test_pipeline_is_nationally_consistent(method):
    national = _national()
    system = build_mrio(national, _indicators(np.random.default_rng(1)), CONCORDANCE, _distances(),
                        trade="uniform", method=method, delta=0.3, beta=1.5)
    check = national_consistency(system, national)
    assert check["max_relative_error"].max() <= RTOL
    assert list(system.regions) == REGIONS and list(system.sectors) == SECTORS
    assert system.meta["regionalisation"]["method"] == method
    assert system.meta["output_indicator"]["North"] == {"primary": "gva", "industry": "gva", "services": "gva"}
    np.testing.assert_allclose(system.F.to_numpy().sum(), _indicators(np.random.default_rng(1)).query(
        "indicator == 'employment'")["value"].sum(), rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.sampled_from(["flq", "gravity", "aflq"]),
       st.floats(0.0, 0.9), st.floats(0.2, 3.0))
# issue 3 regressions: North has agri value added (so output) but no agri employment (the LQ basis),
# so q = 0 left its supply without a cell in the trade prior -> infeasible RAS
@example(seed=0, R=2, method="flq", delta=0.0, beta=1.0)
@example(seed=0, R=2, method="flq", delta=0.5, beta=1.0)
def test_pipeline_consistency_property(seed, R, method, delta, beta):
    rng = np.random.default_rng(seed)
    regions = REGIONS + ["West", "Centre"]
    regions = regions[:R]
    national = _national(seed)
    indicators = _indicators(rng, regions)
    # some indicator cells are zero: industries absent from a region
    indicators.loc[rng.random(len(indicators)) < 0.15, "value"] = 0.0
    for g in ("primary", "industry", "services"):
        for kind in ("gva", "employment"):
            mask = (indicators["group"] == g) & (indicators["indicator"] == kind)
            if indicators.loc[mask, "value"].sum() == 0:
                indicators.loc[mask[mask].index[0], "value"] = 1.0
    system = build_mrio(national, indicators, CONCORDANCE, _distances(regions), trade="uniform", method=method,
                        delta=delta, beta=beta)
    assert national_consistency(system, national)["max_relative_error"].max() <= RTOL
    # regional output reproduces the indicator shares, group by group
    x = system.x.to_numpy().reshape(R, -1)
    for g, cols in (("primary", [0]), ("industry", [1, 2]), ("services", [3])):
        gva = indicators.query("group == @g and indicator == 'gva'").set_index("region")["value"].reindex(regions)
        np.testing.assert_allclose(x[:, cols].sum(axis=1) / x[:, cols].sum(), gva / gva.sum(), rtol=1e-9,
                                   atol=1e-12)


def _national_negative_final_demand(seed):
    """A nation whose traded categories have negative cells and no category is producer-held.

    Output, Z and V are those of :func:`_national`; the changes to final demand are offset in exports.
    """
    base = _national(seed)
    rng = np.random.default_rng(seed + 1)
    fd = base.final_demand.copy()
    change = pd.DataFrame(0.0, index=fd.index, columns=fd.columns)
    change["government"] = -rng.uniform(0, 60, len(fd))  # some cells turn negative (net sales)
    change.iloc[0, 0] = -(fd.iloc[0, 0] + 5.0)  # a product with net negative household consumption
    change.iloc[1, 1] = -(fd.iloc[1, 1] + 10.0)  # and one with net negative government consumption
    fd += change
    exports = base.exports - change.sum(axis=1).to_numpy()[:, np.newaxis]
    assert (fd.to_numpy() < 0).sum() >= 2 and (exports.to_numpy() >= 0).all()
    return NationalTable(Z=base.Z, final_demand=fd, exports=exports, V=base.V,
                         value_added_components=base.value_added_components, meta=base.meta)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.sampled_from(["flq", "aflq", "gravity"]))
def test_pipeline_with_negative_final_demand(seed, R, method):
    # negative final-demand cells are never traded (they stay with the producers), so the trade
    # margins stay non-negative and the build is exact
    national = _national_negative_final_demand(seed)
    regions = (REGIONS + ["West", "Centre"])[:R]
    rng = np.random.default_rng(seed)
    indicators = _indicators(rng, regions)
    indicators.loc[rng.random(len(indicators)) < 0.15, "value"] = 0.0
    for (_, _), frame in indicators.groupby(["group", "indicator"]):
        if frame["value"].sum() == 0:
            indicators.loc[frame.index[0], "value"] = 1.0
    system = build_mrio(national, indicators, CONCORDANCE, _distances(regions), trade="uniform", method=method)
    assert national_consistency(system, national)["max_relative_error"].max() <= RTOL
    assert (system.Z.to_numpy() >= 0).all()


def test_distance_decay_underflow_names_the_regions():
    # exp(-beta d) underflows to 0 (beta d > 745): no trade could flow, rejected up front
    with pytest.raises(InvalidTableError, match="exp\\(-beta d\\) with beta = 100.0 underflows to zero "
                       "between regions 'North' and 'North'"):
        _build(trade="uniform", decay="exponential", beta=100.0)
    _build(trade="uniform", decay="exponential", beta=0.05)  # a sensible beta builds


def test_trade_balancing_failure_names_product_and_region(monkeypatch):
    # the pipeline's margins are consistent by construction, so a kernel failure is forced here to
    # check the wording the user would see
    def failing(O, D, decay, q, **kwargs):
        raise kernels.InfeasibleError("product 2: RAS diverged", rows=[2], columns=[1])

    monkeypatch.setattr(kernels, "gravity_trade", failing)
    with pytest.raises(InfeasibleBalancingError, match="trade balancing failed for product 'energy', regions "
                       "'East' \\(supply [0-9.]+, demand [0-9.]+\\): RAS diverged"):
        _build(trade="uniform")

    def failing_classes(prior, O, D, **kwargs):
        raise kernels.InfeasibleError("product 2: RAS diverged", rows=[2], columns=[1])

    monkeypatch.setattr(kernels, "balance_products", failing_classes)
    with pytest.raises(InfeasibleBalancingError, match="trade balancing failed for product 'energy', regions "
                       "'East' \\(supply [0-9.]+, demand [0-9.]+\\): RAS diverged"):
        _build()


def test_a_single_region_reproduces_the_national_table():
    national = _national(4)
    system = build_mrio(national, _indicators(np.random.default_rng(2), ["Nation"]), CONCORDANCE,
                        pd.DataFrame([[0.0]], index=["Nation"], columns=["Nation"]))
    np.testing.assert_allclose(system.Z.to_numpy(), national.Z.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(system.A.to_numpy(),
                               kernels.technical_coefficients(national.Z.to_numpy(), national.x.to_numpy()),
                               rtol=1e-12)


def test_employment_indicator_used_where_gva_is_missing():
    rng = np.random.default_rng(5)
    indicators = _indicators(rng)
    indicators = indicators[~((indicators["group"] == "services") & (indicators["indicator"] == "gva")
                              & (indicators["region"] == "East"))]
    system = build_mrio(_national(), indicators, CONCORDANCE, _distances())
    assert system.meta["output_indicator"]["East"]["services"] == "employment"
    assert system.meta["output_indicator"]["East"]["primary"] == "gva"


def test_flq_sensitivity_sweep():
    sweep = flq_sensitivity(_national(), _indicators(np.random.default_rng(1)), CONCORDANCE, _distances(),
                            deltas=(0.1, 0.25, 0.4))
    assert list(sweep.columns) == [0.1, 0.25, 0.4] and list(sweep.index) == REGIONS
    assert ((sweep >= 0) & (sweep <= 1)).all().all()
    assert (sweep[0.1] >= sweep[0.4] - 1e-12).all()  # a larger delta means fewer local purchases


def test_national_table_round_trip(tmp_path):
    national = _national()
    write_national(national, tmp_path / "nat")
    back = read_national(tmp_path / "nat")
    np.testing.assert_array_equal(back.Z.to_numpy(), national.Z.to_numpy())
    np.testing.assert_array_equal(back.V.to_numpy(), national.V.to_numpy())
    assert back.producer_held == national.producer_held
    assert back.value_added_components == national.value_added_components


# ------------------------------------------------------------------ bad input
def _build(**changes):
    args = dict(national=_national(), indicators=_indicators(np.random.default_rng(1)),
                concordance=CONCORDANCE, distances=_distances())
    args.update(changes)
    return build_mrio(**args)


def test_indicator_region_matching_nothing():
    ind = _indicators(np.random.default_rng(1))
    ind.loc[0, "region"] = "Atlantis"
    with pytest.raises(UnknownLabelError, match="'Atlantis'"):
        _build(indicators=ind)


def test_indicator_group_matching_nothing():
    ind = _indicators(np.random.default_rng(1))
    ind.loc[3, "group"] = "fisheries"
    with pytest.raises(UnknownLabelError, match="'fisheries'"):
        _build(indicators=ind)


def test_negative_employment_names_the_cell():
    ind = _indicators(np.random.default_rng(1))
    ind.loc[(ind["indicator"] == "employment") & (ind["region"] == "South") & (ind["group"] == "services"),
            "value"] = -3.0
    with pytest.raises(InvalidTableError, match="negative.*'South', 'services', 'employment'"):
        _build(indicators=ind)


def test_distance_matrix_not_square():
    with pytest.raises(InvalidTableError, match="square"):
        _build(distances=_distances().iloc[:, :2])


def test_distance_matrix_not_matching_regions():
    d = _distances()
    d.columns = ["North", "East", "Elsewhere"]
    with pytest.raises(LabelError, match="'Elsewhere'"):
        _build(distances=d)
    d2 = _distances(["North", "East"])  # indicators also name South
    with pytest.raises(UnknownLabelError, match="'South'"):
        _build(distances=d2)


def test_region_without_indicators():
    d = _distances(REGIONS + ["West"])
    with pytest.raises(LabelError, match="'West'"):
        _build(distances=d)


def test_concordance_errors():
    with pytest.raises(UnknownLabelError, match="'fishing'"):
        _build(concordance={**CONCORDANCE, "fishing": "primary"})
    partial = {k: v for k, v in CONCORDANCE.items() if k != "energy"}
    with pytest.raises(LabelError, match="'energy'"):
        _build(concordance=partial)


def test_bad_parameters():
    with pytest.raises(InvalidTableError, match="unknown method 'lq'"):
        _build(method="lq")
    with pytest.raises(InvalidTableError, match="delta"):
        _build(delta=1.5)
    with pytest.raises(UnknownLabelError, match="'tourism'"):
        _build(final_demand_proxies={"tourism": "income"})


# ------------------------------------------------------------------ command line
def test_cli_build_writes_a_consistent_system(tmp_path):
    from click.testing import CliRunner

    import mrio
    from mrio.cli import main

    national = _national()
    write_national(national, tmp_path / "national")
    _indicators(np.random.default_rng(1)).to_csv(tmp_path / "regional.csv", index=False)
    _distances().to_csv(tmp_path / "distances.csv")
    pd.DataFrame({"sector": list(CONCORDANCE), "group": list(CONCORDANCE.values())}).to_csv(
        tmp_path / "concordance.csv", index=False)
    args = ["build", "--national", str(tmp_path / "national"), "--regional", str(tmp_path / "regional.csv"),
            "--distances", str(tmp_path / "distances.csv"), "--concordance", str(tmp_path / "concordance.csv"),
            "--trade", "uniform", "--method", "aflq", "--delta", "0.2", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "national consistency" in result.output
    system = mrio.read(tmp_path / "out")
    assert national_consistency(system, national)["max_relative_error"].max() <= RTOL
    assert system.meta["regionalisation"]["method"] == "aflq"
    # bad input: a distance matrix that does not match the indicator regions -> exit code 2, labels named
    _distances(["North", "East"]).to_csv(tmp_path / "d2.csv")
    args[args.index(str(tmp_path / "distances.csv"))] = str(tmp_path / "d2.csv")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "'South'" in result.output


# ------------------------------------------------------------------ value-added rows and identities (issue 13.2)
def _national_folder(tmp_path, meta=True):
    national = _national()
    write_national(national, tmp_path / "national")
    if not meta:
        (tmp_path / "national" / "meta.json").unlink()
    _indicators(np.random.default_rng(1)).to_csv(tmp_path / "regional.csv", index=False)
    _distances().to_csv(tmp_path / "distances.csv")
    pd.DataFrame({"sector": list(CONCORDANCE), "group": list(CONCORDANCE.values())}).to_csv(
        tmp_path / "concordance.csv", index=False)
    return national, ["build", "--national", str(tmp_path / "national"), "--regional", str(tmp_path / "regional.csv"),
                      "--distances", str(tmp_path / "distances.csv"), "--concordance",
                      str(tmp_path / "concordance.csv"), "--out", str(tmp_path / "out")]


def test_value_added_rows_are_explicit_never_every_primary_input(tmp_path):
    from click.testing import CliRunner

    import mrio
    from mrio.cli import main
    from mrio.errors import FileFormatError

    national, args = _national_folder(tmp_path, meta=False)
    with pytest.raises(FileFormatError, match=r"which rows of V are value added.*'imports', 'wages', 'surplus'"):
        read_national(tmp_path / "national")
    assert read_national(tmp_path / "national", value_added=["wages", "surplus"]).value_added_components == \
        ("wages", "surplus")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--value-added" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, [*args, "--value-added", "wages,surplus"])
    assert result.exit_code == 0, result.output
    system = mrio.read(tmp_path / "out")
    assert system.value_added.sum() == pytest.approx(national.V.loc[["wages", "surplus"]].to_numpy().sum(),
                                                     rel=1e-12)  # imports are not value added
    result = CliRunner().invoke(main, [*args, "--value-added", "wages,profits"])
    assert result.exit_code == 2 and "'profits'" in result.output


def test_build_help_documents_every_meta_json_key():
    from click.testing import CliRunner

    from mrio.cli import main

    text = " ".join(CliRunner().invoke(main, ["build", "--help"]).output.split())
    for key in ("meta.json", "value_added_components", "producer_held", "income_row", "household_category",
                "units", "year", "--value-added", "--rtol"):
        assert key in text, key


def test_identity_failure_reports_the_gap_and_rtol_relaxes_it(tmp_path):
    from click.testing import CliRunner

    from mrio.cli import main
    from mrio.errors import IdentityError

    national = _national()
    V = national.V.copy()
    V.iloc[1, 0] += 0.004 * national.x.iloc[0]  # 0.4 % more primary inputs than output in one sector
    with pytest.raises(IdentityError, match=r"differ by .* \(relative 0\.004"):
        NationalTable(Z=national.Z, final_demand=national.final_demand, exports=national.exports, V=V,
                      value_added_components=national.value_added_components)
    table = NationalTable(Z=national.Z, final_demand=national.final_demand, exports=national.exports, V=V,
                          value_added_components=national.value_added_components, rtol=0.01)
    assert table.rtol == 0.01
    _, args = _national_folder(tmp_path)
    (tmp_path / "national" / "V.csv").write_text(V.to_csv())
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "relative 0.004" in result.output
    result = CliRunner().invoke(main, [*args, "--rtol", "0.01"])
    assert result.exit_code == 0, result.output
    import mrio

    assert mrio.read(tmp_path / "out").meta["identity_rtol"] == 0.01  # read back with the table's tolerance


@pytest.mark.parametrize(("key", "value"), [("value_added_components", 3), ("value_added_components", [1]),
                                            ("producer_held", "changes"), ("units", 5), ("year", "2018"),
                                            ("income_row", 7)])
def test_meta_json_with_wrong_types_names_the_key(tmp_path, key, value):
    import json

    from mrio.errors import FileFormatError

    _national_folder(tmp_path)
    meta_path = tmp_path / "national" / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta[key] = value
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(FileFormatError, match=f"meta.json: {key} must be"):
        read_national(tmp_path / "national")


# ------------------------------------------------------------------ trade balancing options (issue 13.22)
def test_trade_non_convergence_names_product_and_regions_by_label():
    from mrio.errors import ConvergenceError, InputError

    with pytest.raises(ConvergenceError) as info:
        _build(ras_max_iter=1, ras_tol=1e-15)
    message = str(info.value)
    assert "interregional trade balancing failed for product '" in message
    assert any(f"'{r}' (supply" in message for r in REGIONS)  # regions by label, with their margins
    assert "position" not in message  # no bare positions
    assert "ras_max_iter" in message and "ras_tol" in message  # says how to relax it
    loose = _build(ras_tol=1e-11, ras_max_iter=800)
    assert national_consistency(loose, _national())["max_relative_error"].max() <= RTOL
    assert loose.meta["regionalisation"]["ras_tol"] == 1e-11 and loose.meta["regionalisation"]["ras_max_iter"] == 800
    for bad in (dict(ras_tol=float("nan")), dict(ras_tol=-1.0), dict(ras_max_iter=0), dict(ras_max_iter=2.5)):
        with pytest.raises(InputError, match="ras_"):
            _build(**bad)


def test_missing_income_row_is_recorded_as_the_fallback():
    national = _national()
    national = NationalTable(Z=national.Z, final_demand=national.final_demand, exports=national.exports,
                             V=national.V, value_added_components=national.value_added_components,
                             meta={"household_category": "household_consumption"},
                             producer_held=national.producer_held)
    system = _build(national=national)
    assert system.meta["final_demand_proxies"]["household_consumption"] == "value_added"
    assert any("no income row" in a for a in system.meta["assumptions"])
    wages = _build()
    assert wages.meta["final_demand_proxies"]["household_consumption"] == "income"


def test_cli_build_takes_the_trade_balancing_options(tmp_path):
    from click.testing import CliRunner

    from mrio.cli import main

    _, args = _national_folder(tmp_path)
    result = CliRunner().invoke(main, [*args, "--ras-max-iter", "1", "--ras-tol", "1e-15"])
    assert result.exit_code == 1 and "interregional trade balancing failed for product '" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(main, [*args, "--ras-tol", "nan"])
    assert result.exit_code == 2 and "ras_tol" in result.output


# ------------------------------------------------------------------ regional value added
def _value_added_draw(system, rng, spread):
    """Regional value added: the national coefficient perturbed per cell, rebalanced to the national column sums."""
    x = system.x.unstack("sector").reindex(columns=system.sectors)
    va = system.value_added.unstack("sector").reindex(columns=system.sectors)
    noisy = va * rng.uniform(1 - spread, 1 + spread, va.shape)
    noisy = noisy * (va.sum() / noisy.sum())
    return noisy.clip(upper=x * 0.999), x


def test_value_added_at_the_national_coefficients_gives_the_same_table():
    plain = _build()
    same = _build(value_added=plain.value_added.unstack("sector").reindex(columns=plain.sectors))
    np.testing.assert_allclose(same.Z.to_numpy(), plain.Z.to_numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(same.V.to_numpy(), plain.V.to_numpy(), rtol=1e-12, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), spread=st.floats(0.0, 0.5))
def test_regional_value_added_keeps_national_consistency_and_balances(seed, spread):
    plain = _build()
    va, x = _value_added_draw(plain, np.random.default_rng(seed), spread)
    va = va * (plain.value_added.unstack("sector").reindex(columns=plain.sectors).sum() / va.sum())
    assume(not (va > x).any().any())  # the rescaling may push a cell over its output: not a valid input
    system = _build(value_added=va)
    assert national_consistency(system, _national())["max_relative_error"].max() <= RTOL
    got = system.value_added.unstack("sector").reindex(index=va.index, columns=va.columns)
    np.testing.assert_allclose(got.to_numpy(), va.to_numpy(), rtol=1e-10, atol=1e-9)
    inputs = system.Z.sum(axis=0) + system.V.drop(list(system.value_added_components)).sum(axis=0)
    np.testing.assert_allclose((inputs + system.value_added).to_numpy(), system.x.to_numpy(), rtol=1e-9)
    # every input column is the national one scaled by (1 - v_j^r / x_j^r) / (1 - v_j / x_j)
    n = plain.n_sectors
    nat = _national()
    a_nat = nat.Z.to_numpy() / nat.x.to_numpy()[np.newaxis, :]
    v_nat = plain.value_added.groupby(level="sector").sum().reindex(plain.sectors).to_numpy() / nat.x.to_numpy()
    A = system.A.to_numpy().reshape(plain.n_regions, n, -1).sum(axis=0)  # by product, over origin regions
    xs, vs = system.x.to_numpy(), system.value_added.to_numpy()
    for col in np.flatnonzero(xs > 0):
        j = col % n
        expected = a_nat[:, j] * (1 - vs[col] / xs[col]) / (1 - v_nat[j])
        np.testing.assert_allclose(A[:, col], expected, rtol=1e-9, atol=1e-12)


def test_regional_value_added_bad_input():
    plain = _build()
    va = plain.value_added.unstack("sector").reindex(columns=plain.sectors)
    with pytest.raises(InvalidTableError, match="sums to .* not its national value added"):
        _build(value_added=va * 1.01)
    shifted = va.copy()
    shifted.iloc[0, 0] = float(plain.x.unstack("sector").iloc[0, 0]) * 1.5
    shifted.iloc[1, 0] -= shifted.iloc[0, 0] - va.iloc[0, 0]
    with pytest.raises(InvalidTableError, match=r"outside \[0, output"):
        _build(value_added=shifted)
    with pytest.raises(UnknownLabelError, match="Atlantis"):
        _build(value_added=va.rename(index={va.index[0]: "Atlantis"}))
    with pytest.raises(InvalidTableError, match="no finite value"):
        _build(value_added=va.iloc[:, :-1])
