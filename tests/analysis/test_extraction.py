"""Hypothetical extraction: closed forms and Woodbury updates against brute force.

See docs/methods/extraction.md.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mrio import kernels
from mrio.analysis.extraction import KINDS, _blocks, _primary_input_coefficients, extract_kinds
from mrio.dependency import measure_intensity
from mrio.errors import InputError, UnknownLabelError
from mrio.extraction import extract, extract_block, extraction_table, select_industries
from mrio.testing import random_mrio

SIZES = st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(0, 10_000))
SHARES = st.sampled_from([1.0, 0.5, 0.1])


# ----------------------------------------------------------------------------- brute force
def brute_backward(A, y, S, theta, rows=None):
    A_bar = A.copy()
    rows = np.arange(len(A)) if rows is None else rows
    A_bar[np.ix_(rows, S)] *= 1 - theta
    return np.linalg.solve(np.eye(len(A)) - A_bar, y)


def brute_forward(A, x, S, theta, cols=None):
    # supply-driven: x_bar' = v'(I - B_bar)^-1, B = x^-1 Z; rows S of B scaled
    Z = A * x
    B = Z / x[:, None]
    cols = np.arange(len(A)) if cols is None else cols
    B_bar = B.copy()
    B_bar[np.ix_(S, cols)] *= 1 - theta
    v = x - Z.sum(axis=0)
    return np.linalg.solve((np.eye(len(A)) - B_bar).T, v)


def brute_total(A, y, S, theta):
    A_bar = A.copy()
    A_bar[S, :] *= 1 - theta
    keep = np.setdiff1d(np.arange(len(A)), S)
    A_bar[np.ix_(keep, S)] *= 1 - theta
    y_bar = y.copy()
    y_bar[S] *= 1 - theta
    return np.linalg.solve(np.eye(len(A)) - A_bar, y_bar)


def close(a, b, scale):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * scale)


# ----------------------------------------------------------------------------- known answers
def test_known_answers_k2(miller_blair_system):
    table = extraction_table(miller_blair_system)
    np.testing.assert_allclose(table["backward"], [413.1579, 805.8824], atol=1e-4)
    np.testing.assert_allclose(table["forward"], [728.9474, 452.9412], atol=1e-4)
    # full extraction of s1 leaves s2 alone: 1700 / 0.95 = 1789.4737; of s2: 350 / 0.85 = 411.7647
    np.testing.assert_allclose(3000.0 - table["total"], [1789.4737, 411.7647], atol=1e-4)
    one = extract(miller_blair_system, "total", sectors="s1")
    assert one.output["after"].sum() == pytest.approx(1789.4737, abs=1e-4)
    assert one.output.loc[("r", "s1"), "after"] == pytest.approx(0.0, abs=1e-12)
    assert extract(miller_blair_system, "backward", sectors="s2").losses["output"] == pytest.approx(
        805.8824, abs=1e-4)
    assert extract(miller_blair_system, "forward", sectors="s1").losses["output"] == pytest.approx(
        728.9474, abs=1e-4)


def test_leontief_diagonal_matches_inverse():
    system = random_mrio(4, 6, 7)
    np.testing.assert_allclose(kernels.leontief_diagonal(system.factor), np.diag(system.L), rtol=1e-13)


# ----------------------------------------------------------------------------- closed forms
@settings(max_examples=25, deadline=None)
@given(SIZES, SHARES, st.sampled_from(["output", "value-added", "co2"]))
def test_every_industry_closed_forms_equal_brute_force(size, theta, measure):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    w = measure_intensity(system, measure).intensity
    table = extraction_table(system, measure=measure, share=theta)
    scale = w @ x
    for j in range(len(system)):
        S = np.array([j])
        close(table["backward"].iloc[j], w @ (x - brute_backward(A, y, S, theta)), scale)
        close(table["forward"].iloc[j], w @ (x - brute_forward(A, x, S, theta)), scale)
        close(table["total"].iloc[j], w @ (x - brute_total(A, y, S, theta)), scale)
    np.testing.assert_allclose(table["backward_normalised"].mean(), 1.0)


@settings(max_examples=25, deadline=None)
@given(SIZES, SHARES, st.data())
def test_sets_and_regions_equal_brute_force(size, theta, data):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    region = data.draw(st.sampled_from(list(system.regions)))
    sectors = data.draw(st.lists(st.sampled_from(list(system.sectors)), min_size=1, unique=True))
    for sel in ({"regions": region}, {"sectors": sectors}, {"regions": region, "sectors": sectors}):
        S = select_industries(system, **sel)
        scale = x.sum()
        # the shared-columns path (all kinds from L[:, S]) against one Woodbury update per kind
        v = _primary_input_coefficients(system)
        shared = kernels.set_extraction(system.factor, A, S, KINDS, theta, y=y, v=v, x=x)
        for kind in KINDS:
            y_k = y.copy()
            y_k[S] *= 1 - theta if kind == "total" else 1
            blocks = _blocks(system, kind, S, "all")
            one = (kernels.block_extraction(system.factor, A, blocks, theta, v=v, x=x) if kind == "forward"
                   else kernels.block_extraction(system.factor, A, blocks, theta, y=y_k))
            close(shared[kind], one, scale)
        for kind, result in extract_kinds(system, share=theta, **sel).items():
            close(result.output["after"], shared[kind], scale)
        close(extract(system, "backward", share=theta, **sel).output["after"],
              brute_backward(A, y, S, theta), scale)
        close(extract(system, "forward", share=theta, **sel).output["after"],
              brute_forward(A, x, S, theta), scale)
        close(extract(system, "total", share=theta, **sel).output["after"], brute_total(A, y, S, theta),
              scale)


def test_leontief_blocks_match_inverse():
    system = random_mrio(4, 5, 3)
    L = np.linalg.inv(np.eye(len(system)) - system.arrays.A)
    sets = [select_industries(system, regions=r) for r in system.regions]
    sets += [select_industries(system, sectors=s) for s in system.sectors] + [np.array([7, 2, 19])]
    for D, S in zip(kernels.leontief_blocks(system.factor, sets), sets):
        np.testing.assert_allclose(D, L[np.ix_(S, S)], rtol=1e-12, atol=1e-14)
    for D, S in zip(kernels.leontief_blocks(system.factor, sets, L=L), sets):
        np.testing.assert_array_equal(D, L[np.ix_(S, S)])
    # a matrix that needs row interchanges, factorised as given (F order) and transposed (C order)
    rng = np.random.default_rng(5)
    A = rng.uniform(-2.0, 2.0, (20, 20))
    L = np.linalg.inv(np.eye(20) - A)
    sets = [np.arange(5 * r, 5 * r + 5) for r in range(4)] + [np.array([3, 11, 17]), np.array([19, 0])]
    for order in ("C", "F"):
        factor = kernels.LeontiefFactor(np.asarray(A, order=order))
        assert np.any(factor.lu_factors[1] != np.arange(20))  # rows were interchanged
        for D, S in zip(kernels.leontief_blocks(factor, sets), sets):
            np.testing.assert_allclose(D, L[np.ix_(S, S)], rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(SIZES, SHARES, st.sampled_from(["output", "value-added", "co2"]), st.booleans())
def test_region_and_sector_tables_equal_brute_force(size, theta, measure, formed):
    """The set closed forms (only L[S, S] per set) against re-solving the extracted system."""
    R, n, seed = size
    system = random_mrio(R, n, seed)
    if formed:
        system.L  # noqa: B018 - the blocks are then read from the explicit inverse
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    w = measure_intensity(system, measure).intensity
    scale = abs(w) @ x
    for level in ("region", "sector"):
        table = extraction_table(system, level=level, measure=measure, share=theta)
        for label in table.index:
            S = select_industries(system, **{f"{level}s": [label]})
            close(table.loc[label, "backward"], w @ (x - brute_backward(A, y, S, theta)), scale)
            close(table.loc[label, "forward"], w @ (x - brute_forward(A, x, S, theta)), scale)
            close(table.loc[label, "total"], w @ (x - brute_total(A, y, S, theta)), scale)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(1, 4), st.integers(0, 10_000), SHARES)
def test_regional_interregional_scope(R, n, seed, theta):
    # Dietzenbacher & van der Linden (1997): cancel only trade with other regions
    system = random_mrio(R, n, seed)
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    S = select_industries(system, regions="R1")
    others = np.setdiff1d(np.arange(len(system)), S)
    back = extract(system, "backward", regions="R1", scope="interregional", share=theta)
    close(back.output["after"], brute_backward(A, y, S, theta, rows=others), x.sum())
    fwd = extract(system, "forward", regions="R1", scope="interregional", share=theta)
    close(fwd.output["after"], brute_forward(A, x, S, theta, cols=others), x.sum())
    # cancelling only interregional purchases loses less than cancelling all purchases
    full = extract(system, "backward", regions="R1", share=theta)
    assert back.losses["output"] <= full.losses["output"] + 1e-9


@settings(max_examples=25, deadline=None)
@given(SIZES, SHARES)
def test_block_extraction_and_tables(size, theta):
    R, n, seed = size
    system = random_mrio(R, n, seed)
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    rows = {"regions": system.regions[0]}
    cols = {"sectors": system.sectors[-1]}
    Ri, Ci = select_industries(system, **rows), select_industries(system, **cols)
    A_bar = kernels.extraction_matrix(A, [(Ri, Ci)], theta)
    demand = extract_block(system, rows, cols, share=theta)
    close(demand.output["after"], np.linalg.solve(np.eye(len(A)) - A_bar, y), x.sum())
    supply = extract_block(system, rows, cols, share=theta, model="supply")
    v = 1 - A.sum(axis=0)
    close(supply.output["after"], (v @ np.linalg.inv(np.eye(len(A)) - A_bar)) * x, x.sum())
    # region- and sector-level tables agree with single extractions
    table = extraction_table(system, level="region", share=theta, measure="value-added")
    for kind in ("backward", "forward", "total"):
        one = extract(system, kind, regions=system.regions[-1], share=theta)
        assert table.loc[system.regions[-1], kind] == pytest.approx(one.losses["value_added"], rel=1e-10,
                                                                     abs=1e-10 * x.sum())
    sectors = extraction_table(system, level="sector", share=theta)
    one = extract(system, "backward", sectors=system.sectors[0], share=theta)
    assert sectors.loc[system.sectors[0], "backward"] == pytest.approx(one.losses["output"], rel=1e-10,
                                                                       abs=1e-10 * x.sum())


def test_result_units_and_relative_losses(random_mrio):
    result = extract(random_mrio, "total", regions="R0")
    assert result.losses.attrs["units"]["employment"] == "1000 persons"
    assert set(result.losses.index) == {"output", "value_added", "employment", "co2"}
    assert 0 < result.relative_losses["output"] < 1
    np.testing.assert_allclose(result.output.loc["R0", "after"], 0.0, atol=1e-9)
    assert list(result.extracted.unique(level="region")) == ["R0"]


# ----------------------------------------------------------------------------- bad input
def test_bad_input(random_mrio):
    with pytest.raises(UnknownLabelError, match="unknown regions: 'Atlantis'"):
        extract(random_mrio, regions=["Atlantis", "R0"])
    with pytest.raises(UnknownLabelError, match="unknown sectors: 'zz'"):
        extract(random_mrio, sectors="zz")
    with pytest.raises(UnknownLabelError, match="empty selection of regions"):
        extract(random_mrio, regions=[])
    with pytest.raises(InputError, match="nothing to extract"):
        extract(random_mrio)
    with pytest.raises(InputError, match="kind must be one of"):
        extract(random_mrio, "sideways", regions="R0")
    with pytest.raises(InputError, match=r"share .* must be in \(0, 1\]"):
        extract(random_mrio, regions="R0", share=1.5)
    with pytest.raises(InputError, match="scope must be"):
        extract(random_mrio, regions="R0", scope="global")
    with pytest.raises(UnknownLabelError, match="unknown industries"):
        extract(random_mrio, industries=[("R0", "nope")])
    with pytest.raises(InputError, match="level must be"):
        extraction_table(random_mrio, level="country")
    with pytest.raises(InputError, match="model must be"):
        extract_block(random_mrio, {"regions": "R0"}, {"regions": "R1"}, model="both")
    with pytest.raises(InputError, match="unknown selection keys"):
        extract_block(random_mrio, {"region": "R0"}, {"regions": "R1"})
    with pytest.raises(InputError, match="needs industries outside"):
        extract(random_mrio, regions=list(random_mrio.regions), scope="interregional")


def test_one_factorisation_for_all_extractions(monkeypatch):
    # after the system's LU, no extraction factorises again (no re-inversion per extraction)
    import scipy.linalg

    system = random_mrio(3, 4, 9)
    system.factor  # noqa: B018 - the one factorisation
    calls = []
    real = scipy.linalg.lapack.dgetrf

    def counting(*args, **kwargs):
        calls.append(args[0].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(scipy.linalg.lapack, "dgetrf", counting)
    extraction_table(system)
    extraction_table(system, level="region")
    extraction_table(system, level="sector", share=0.3)
    extract(system, "total", regions="R2", sectors=["s0", "s1"])
    assert calls == []


def test_kernels_accept_fortran_and_readonly_inputs():
    system = random_mrio(2, 3, 4)
    A = np.asfortranarray(system.arrays.A)
    assert not system.arrays.A.flags.writeable
    x, y = system.arrays.x, system.arrays.Y.sum(axis=1)
    d = kernels.leontief_diagonal(system.factor)
    w = np.ones(len(system))
    c = system.leontief_row_product(w)
    h = system.leontief_product(w * x)
    ref = kernels.hem_all(d, np.diag(system.arrays.A), x, y, w, c, h)
    got = kernels.hem_all(np.asfortranarray(d), np.diag(A), x[::-1][::-1], y, w, c, h)
    for a, b in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, b)
    S = np.array([1, 4])
    xb_c = kernels.block_extraction(system.factor, system.arrays.A, [(np.arange(6), S)], 1.0, y=y)
    xb_f = kernels.block_extraction(system.factor, A, [(np.arange(6), S)], 1.0, y=y)
    np.testing.assert_allclose(xb_c, xb_f, rtol=1e-14)
    np.testing.assert_allclose(xb_c, brute_backward(system.arrays.A, y, S, 1.0), rtol=1e-10)
    with pytest.raises(ValueError, match="give y"):
        kernels.block_extraction(system.factor, A, [(np.arange(6), S)], 1.0)


@settings(max_examples=25, deadline=None)
@given(SIZES, SHARES, st.data())
def test_explicit_inverse_path_equals_solve_path(size, theta, data):
    # with L formed, P = L U and W'L come from its columns/rows (L A = A L = L - I)
    R, n, seed = size
    system = random_mrio(R, n, seed)
    A, x = system.arrays.A, system.arrays.x
    y = system.arrays.Y.sum(axis=1)
    v = 1 - A.sum(axis=0)
    N = len(system)
    everything = np.arange(N)
    S = np.unique(data.draw(st.lists(st.integers(0, N - 1), min_size=1, max_size=N)))
    T = np.unique(data.draw(st.lists(st.integers(0, N - 1), min_size=1, max_size=N)))
    rest = np.setdiff1d(everything, S)
    cases = [[(everything, S)], [(S, everything)], [(S, T)], [(T, S)]]
    if rest.size:
        cases.append([(S, everything), (rest, S)])
    L = np.linalg.inv(np.eye(N) - A)
    for blocks in cases:
        A_bar = kernels.extraction_matrix(A, blocks, theta)
        L_bar = np.linalg.inv(np.eye(N) - A_bar)
        for use in (None, L):
            got = kernels.block_extraction(system.factor, A, blocks, theta, y=y, L=use)
            close(got, L_bar @ y, x.sum())
            got = kernels.block_extraction(system.factor, A, blocks, theta, v=v, x=x, L=use)
            close(got, (v @ L_bar) * x, x.sum())

