"""mrio.MRIO: known answers, derived matrices, solves, immutability, operations and bad input."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pandas as pd
import pytest

import mrio
from mrio import errors
from mrio.testing import random_mrio

NL_SECTORS = ["agriculture_group", "mining_group", "manufacturing_group", "utilities_group",
              "construction_group", "services_group"]


def frames(system):
    """Fresh copies of the input frames of ``system``."""
    return dict(Z=system.Z.copy(), Y=system.Y.copy(), V=system.V.copy(), x=system.x.copy(),
                extensions=system.F.copy(), extensions_final_demand=system.F_Y.copy(),
                units=dict(system.units), value_added_components=system.value_added_components)


# ---------------------------------------------------------------------------------- known answers
def test_miller_blair_known_answers(miller_blair, miller_blair_system):
    ex = miller_blair["miller_blair_ch2_two_sector"]
    s = miller_blair_system
    np.testing.assert_allclose(s.x, ex["x"], rtol=1e-15)
    np.testing.assert_allclose(s.A, ex["A"], rtol=1e-14)
    np.testing.assert_allclose(s.L, ex["L"], atol=1e-4)
    np.testing.assert_allclose(np.linalg.det(np.eye(2) - s.A.to_numpy()), 0.7575, rtol=1e-12)
    np.testing.assert_allclose(mrio.output_multipliers(s), ex["output_multipliers"], atol=1e-4)
    np.testing.assert_allclose(s.V.sum(axis=0), ex["value_added"], rtol=1e-15)
    f_new = pd.Series(ex["f_new"], index=s.index)
    np.testing.assert_allclose(s.solve(f_new).output, ex["x_new"], atol=1e-2)
    # docs/methods/index.md, section "Known-answer checks"
    np.testing.assert_allclose(s.B, [[0.15, 0.50], [0.10, 0.05]], rtol=1e-14)
    np.testing.assert_allclose(s.G, [[1.254125, 0.660066], [0.132013, 1.122112]], atol=1e-6)
    from mrio import kernels

    np.testing.assert_allclose(kernels.spectral_radius(s.A.to_numpy()), 0.329129, atol=1e-6)
    np.testing.assert_allclose(kernels.spectral_radius(s.B.to_numpy()), 0.329129, atol=1e-6)  # similar


def test_nl2000_published_values():
    s = mrio.load("nl-2000")
    assert list(s.sectors) == NL_SECTORS and list(s.regions) == ["NL"]
    diag = 1.0 - np.diag(s.A.to_numpy())
    np.testing.assert_allclose(diag[[0, 1, 5]], [0.875, 0.977, 0.755], atol=5e-4)
    inc = mrio.income_multipliers(s)
    np.testing.assert_allclose(inc["total"], [0.263, 0.099, 0.306, 0.212, 0.465, 0.493], atol=5e-4)
    np.testing.assert_allclose(inc["type_I"], [2.466, 2.333, 1.84, 2.372, 1.953, 1.417], atol=5e-4)
    assert s.meta["year"] == 2000 and s.units["monetary"] == "million EUR"
    assert (s.identity_checks()["max_relative_error"] < 1e-12).all()


def test_nl2000_build_script_reproduces_bundled_files(shared_data, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "_build_nl2000", mrio.__file__.replace("mrio/__init__.py", "data/build_nl2000.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["_build_nl2000"] = module
    try:
        spec.loader.exec_module(module)
        built = module.build(shared_data)
    finally:
        del sys.modules["_build_nl2000"]
    bundled = mrio.load("nl-2000")
    for name in ("Z", "Y", "V"):
        pd.testing.assert_frame_equal(getattr(built, name), getattr(bundled, name), check_exact=True)
    pd.testing.assert_series_equal(built.x, bundled.x, check_exact=True)
    built.write(tmp_path / "nl2000", format="csv")
    from importlib import resources

    folder = resources.files("mrio.data") / "nl2000"
    for file in ("Z.csv", "Y.csv", "V.csv", "x.csv", "metadata.json"):
        assert (tmp_path / "nl2000" / file).read_bytes() == (folder / file).read_bytes(), file


# ---------------------------------------------------------------------------------- derived matrices
def test_derived_matrices_identities():
    s = random_mrio(3, 4, seed=2)
    N = len(s)
    Z, x = s.Z.to_numpy(), s.x.to_numpy()
    A, L = s.A.to_numpy(), s.L.to_numpy()
    np.testing.assert_allclose(A * x, Z, rtol=1e-13)
    np.testing.assert_allclose(L @ (np.eye(N) - A), np.eye(N), atol=1e-13)
    np.testing.assert_allclose(s.G.to_numpy(), L * x[None, :] / x[:, None], rtol=1e-13)
    np.testing.assert_allclose(s.B.to_numpy(), Z / x[:, None], rtol=1e-14)
    np.testing.assert_allclose(s.S.to_numpy(), s.F.to_numpy() / x, rtol=1e-14)
    np.testing.assert_allclose(s.value_added_coefficients.to_numpy().sum(axis=0) + A.sum(axis=0), 1.0,
                               rtol=1e-13)
    np.testing.assert_allclose(s.value_added, s.V.loc[["compensation", "other_value_added"]].sum(),
                               rtol=1e-15)
    for frame in (s.A, s.L, s.G, s.B):
        assert frame.index.equals(s.index) and frame.columns.equals(s.index)
    assert s.L is s.L  # cached


def test_from_coefficients_round_trip():
    s = random_mrio(2, 3, seed=4)
    t = mrio.MRIO.from_coefficients(s.A, s.Y, value_added_coefficients=s.value_added_coefficients,
                                    extension_coefficients=s.S, units=dict(s.units))
    np.testing.assert_allclose(t.x, s.x, rtol=1e-12)
    np.testing.assert_allclose(t.Z, s.Z, rtol=1e-12)
    np.testing.assert_allclose(t.F, s.F, rtol=1e-12)
    u = mrio.MRIO.from_coefficients(s.A, s.Y)
    np.testing.assert_allclose(u.V.loc["value_added"], s.V.sum(), rtol=1e-10)


def test_axes_and_summary():
    s = random_mrio(3, 4)
    assert list(s.regions) == ["R0", "R1", "R2"] and s.n_regions == 3 and s.n_sectors == 4
    assert list(s.categories) == ["household", "investment", "exports"]
    assert list(s.final_demand_regions) == ["R0", "R1", "R2", "RoW"]
    assert list(s.stressors) == ["employment", "co2"] and len(s) == 12
    summ = s.summary()
    assert summ["industries"] == 12 and summ["total_output"] == pytest.approx(s.x.sum())
    assert "3 regions x 4 sectors" in repr(s)
    assert "<table>" in s._repr_html_()
    checks = s.identity_checks()
    assert (checks["max_relative_error"] < 1e-12).all() and len(checks) == 3


def test_immutable_and_detached_from_inputs():
    s = random_mrio()
    with pytest.raises(AttributeError, match="immutable"):
        s.Z = None
    with pytest.raises(AttributeError, match="immutable"):
        del s.x
    assert not s.arrays.Z.flags.writeable and not s.arrays.A.flags.writeable
    f = frames(s)
    t = mrio.MRIO.from_flows(**f)
    z00, y00, v00, x0 = t.Z.iloc[0, 0], t.Y.iloc[0, 0], t.V.iloc[0, 0], t.x.iloc[0]
    f["Z"].iloc[0, 0] = 1e9  # later writes to the caller's frames must not reach the system
    f["Y"].iloc[0, 0] = 1e9
    f["V"].iloc[0, 0] = 1e9
    f["x"].iloc[0] = 1e9
    f["extensions"].iloc[0, 0] = 1e9
    assert (t.Z.iloc[0, 0], t.Y.iloc[0, 0], t.V.iloc[0, 0], t.x.iloc[0]) == (z00, y00, v00, x0)
    assert t.F.iloc[0, 0] != 1e9


def test_replace_returns_new_validated_system():
    s = random_mrio()
    t = s.replace(meta={"name": "other"})
    assert t is not s and t.meta["name"] == "other"
    pd.testing.assert_frame_equal(t.Z, s.Z)
    with pytest.raises(TypeError, match="unknown fields"):
        s.replace(colour="red")


# ---------------------------------------------------------------------------------- solve
@pytest.mark.parametrize("method", ["auto", "lu", "neumann", "block-jacobi", "gmres", "bicgstab",
                                    "sparse-lu"])
def test_solve_methods_agree(method):
    s = random_mrio(3, 4, seed=6)
    res = s.solve(method=method)
    np.testing.assert_allclose(res.output, s.x, rtol=1e-9)
    assert res.output.index.equals(s.index) and res.residual < 1e-10
    assert res.method == ("lu" if method == "auto" else method)
    Y = s.Y.iloc[:, :3]
    many = s.solve(Y, method=method)
    assert list(many.output.columns) == list(Y.columns)
    np.testing.assert_allclose(many.output, s.L.to_numpy() @ Y.to_numpy(), rtol=1e-9)


def test_solve_bad_input():
    s = random_mrio()
    y = s.Y.sum(axis=1)
    with pytest.raises(errors.LabelError, match="different order"):
        s.solve(y.iloc[::-1])
    with pytest.raises(errors.LabelError, match="missing"):
        s.solve(y.iloc[1:])
    bad = y.copy()
    bad.iloc[3] = np.nan
    with pytest.raises(errors.InvalidTableError, match=r"NaN.*R0.*s3"):
        s.solve(bad)


def test_products_use_factors():
    s = random_mrio(2, 3, seed=8)
    L = s.L.to_numpy()
    y = np.arange(6.0)
    np.testing.assert_allclose(s.leontief_product(y), L @ y, rtol=1e-12)
    np.testing.assert_allclose(s.leontief_row_product(y), y @ L, rtol=1e-12)


# ---------------------------------------------------------------------------------- aggregation
def test_aggregate_preserves_totals_and_national_sums():
    s = random_mrio(3, 4, seed=9)
    agg = s.aggregate(regions={"R0": "north", "R1": "north", "R2": "south"},
                      sectors={"s0": "a", "s1": "a", "s2": "b", "s3": "b"})
    assert list(agg.regions) == ["north", "south"] and list(agg.sectors) == ["a", "b"]
    np.testing.assert_allclose(agg.Z.to_numpy().sum(), s.Z.to_numpy().sum(), rtol=1e-13)
    np.testing.assert_allclose(agg.x.sum(), s.x.sum(), rtol=1e-13)
    np.testing.assert_allclose(agg.x.loc[("north", "a")],
                               s.x.loc[[("R0", "s0"), ("R0", "s1"), ("R1", "s0"), ("R1", "s1")]].sum(),
                               rtol=1e-13)
    np.testing.assert_allclose(agg.F.sum(axis=1), s.F.sum(axis=1), rtol=1e-13)
    np.testing.assert_allclose(agg.F_Y.to_numpy().sum(), s.F_Y.to_numpy().sum(), rtol=1e-13)
    assert ("RoW", "exports") in agg.Y.columns
    nation = s.aggregate(regions=dict.fromkeys(s.regions, "NL"))
    np.testing.assert_allclose(nation.Z.to_numpy(),
                               s.Z.to_numpy().reshape(3, 4, 3, 4).sum(axis=(0, 2)), rtol=1e-13)
    with pytest.raises(errors.LabelError, match="does not map.*R2"):
        s.aggregate(regions={"R0": "a", "R1": "b"})


# ---------------------------------------------------------------------------------- zero output
def zero_output_system():
    """Three industries; the second is inactive (zero output, no sales, no inputs)."""
    idx = pd.MultiIndex.from_product([["r"], ["a", "dead", "c"]], names=["region", "sector"])
    Z = pd.DataFrame([[10.0, 0, 5], [0, 0, 0], [20, 0, 10]], index=idx, columns=idx)
    Y = pd.DataFrame({("r", "final"): [85.0, 0.0, 70.0]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    return Z, Y


def test_zero_output_industry_zero_over_zero_rule():
    Z, Y = zero_output_system()
    s = mrio.MRIO.from_flows(Z, Y)
    assert list(s.inactive) == [("r", "dead")]
    assert (s.A.iloc[:, 1] == 0).all() and np.isfinite(s.A.to_numpy()).all()
    assert s.L.iloc[1, 1] == 1.0
    m = mrio.output_multipliers(s)
    assert np.isnan(m.loc[("r", "dead")]) and np.isfinite(m.drop(("r", "dead"))).all()
    np.testing.assert_allclose(s.G.iloc[1], [0.0, 1.0, 0.0])
    assert s.summary()["inactive_industries"] == 1


def test_zero_output_with_inputs_is_an_error():
    Z, Y = zero_output_system()
    Z.iloc[0, 1] = 5.0  # an input into the dead industry
    Y.iloc[0, 0] -= 5.0
    with pytest.raises(errors.InvalidTableError,
                       match=r"\('r', 'dead'\) have zero gross output but non-zero"):
        mrio.MRIO.from_flows(Z, Y)


# ---------------------------------------------------------------------------------- bad input
def test_nan_and_inf_name_the_cell():
    f = frames(random_mrio())
    f["Z"].iloc[1, 2] = np.nan
    with pytest.raises(errors.InvalidTableError, match=r"Z has 1 NaN.*\('R0', 's1'\), \('R0', 's2'\)"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    f["Y"].iloc[0, 0] = np.inf
    with pytest.raises(errors.InvalidTableError, match=r"Y has 1 NaN or infinite.*household"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    f["extensions"].iloc[0, 0] = np.nan
    with pytest.raises(errors.InvalidTableError, match="extensions has 1 NaN"):
        mrio.MRIO.from_flows(**f)


def test_non_numeric_values():
    f = frames(random_mrio())
    f["Z"] = f["Z"].astype(object)
    f["Z"].iloc[0, 0] = "ten"
    with pytest.raises(errors.InvalidTableError, match="Z holds non-numeric"):
        mrio.MRIO.from_flows(**f)


def test_negative_output_and_flows():
    Z, Y = zero_output_system()
    Y.iloc[2, 0] = -100.0  # row total of c becomes negative
    with pytest.raises(errors.InvalidTableError, match=r"gross output is negative for \('r', 'c'\)"):
        mrio.MRIO.from_flows(Z, Y)
    f = frames(random_mrio())
    f["Z"].iloc[0, 1] = -1.0
    f.pop("x")
    f.pop("V")
    with pytest.raises(errors.InvalidTableError, match=r"negative intermediate flows.*\('R0', 's0'\)"):
        mrio.MRIO.from_flows(**f)


def test_non_square_and_wrong_types():
    f = frames(random_mrio())
    with pytest.raises(errors.InvalidTableError, match="square"):
        mrio.MRIO.from_flows(f["Z"].iloc[:, :-1], f["Y"])
    with pytest.raises(errors.InvalidTableError, match="Z must be a pandas DataFrame"):
        mrio.MRIO.from_flows(f["Z"].to_numpy(), f["Y"])
    with pytest.raises(errors.InvalidTableError, match="x must be a pandas Series"):
        mrio.MRIO.from_flows(f["Z"], f["Y"], x=f["x"].to_numpy())


def test_misaligned_and_duplicated_labels():
    f = frames(random_mrio())
    f["Y"] = f["Y"].iloc[::-1]
    with pytest.raises(errors.LabelError, match="Y rows has the labels of Z rows in a different order"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    f["V"] = f["V"].iloc[:, 1:]
    with pytest.raises(errors.LabelError, match=r"V columns does not match.*missing \('R0', 's0'\)"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    idx = f["Z"].index.to_list()
    idx[1] = idx[0]
    dup = pd.MultiIndex.from_tuples(idx, names=["region", "sector"])
    with pytest.raises(errors.LabelError, match=r"duplicated labels: \('R0', 's0'\)"):
        mrio.MRIO.from_flows(f["Z"].set_axis(dup, axis=0).set_axis(dup, axis=1), f["Y"].set_axis(dup))
    f = frames(random_mrio())
    f["V"] = pd.concat([f["V"], f["V"].iloc[:1]])
    with pytest.raises(errors.LabelError, match="V rows has duplicated labels: 'compensation'"):
        mrio.MRIO.from_flows(**f)


def test_level_names_and_region_major():
    f = frames(random_mrio())
    bad = f["Z"].index.set_names(["country", "sector"])
    with pytest.raises(errors.LabelError, match=r"MultiIndex with levels \['region', 'sector'\]"):
        mrio.MRIO.from_flows(f["Z"].set_axis(bad, axis=0).set_axis(bad, axis=1), f["Y"])
    s = random_mrio(2, 2)
    order = [0, 2, 1, 3]  # sector-major
    Z = s.Z.iloc[order, order]
    with pytest.raises(errors.LabelError, match="region-major"):
        mrio.MRIO.from_flows(Z, s.Y.iloc[order])


def test_identity_failures_name_industries():
    f = frames(random_mrio())
    f["x"].iloc[5] *= 1.01
    with pytest.raises(errors.IdentityError, match=r"row balance.*\('R1', 's1'\)"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    f["V"].iloc[0, 2] += 10.0
    with pytest.raises(errors.IdentityError, match=r"column balance.*\('R0', 's2'\)"):
        mrio.MRIO.from_flows(**f)


def test_extension_errors():
    f = frames(random_mrio())
    f["units"].pop("co2")
    with pytest.raises(errors.LabelError, match="units missing for stressors 'co2'"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    f.pop("extensions")
    with pytest.raises(errors.InvalidTableError, match="extensions_final_demand given without extensions"):
        mrio.MRIO.from_flows(**f)
    f = frames(random_mrio())
    f["value_added_components"] = ["wages"]
    with pytest.raises(errors.UnknownLabelError, match="unknown value-added components.*'wages'"):
        mrio.MRIO.from_flows(**f)


def non_productive_flows():
    """Column sums of A above one: inputs exceed output (negative value added)."""
    idx = pd.MultiIndex.from_product([["r"], ["a", "b"]], names=["region", "sector"])
    Z = pd.DataFrame([[60.0, 90.0], [90.0, 60.0]], index=idx, columns=idx)
    Y = pd.DataFrame({("r", "final"): [-50.0, -50.0]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    return Z, Y


def test_non_productive_system_warns_then_raises():
    Z, Y = non_productive_flows()  # x = 100, A = [[.6, .9], [.9, .6]], rho = 1.5
    with pytest.warns(errors.MRIOWarning, match=r"columns of A sum to 1 or more.*\('r', 'a'\)"):
        s = mrio.MRIO.from_flows(Z, Y)
    with pytest.raises(errors.NonProductiveSystemError, match=r"spectral radius of A is 1.5.*'r', 'a'"):
        _ = s.L
    with pytest.raises(errors.NonProductiveSystemError):
        mrio.output_multipliers(s)
    with pytest.raises(errors.NonProductiveSystemError, match="spectral radius"):
        s.solve(method="gmres")


def test_singular_system_raises():
    idx = pd.MultiIndex.from_product([["r"], ["a", "b"]], names=["region", "sector"])
    Z = pd.DataFrame([[50.0, 50.0], [50.0, 50.0]], index=idx, columns=idx)  # A = 0.5 everywhere
    Y = pd.DataFrame({("r", "final"): [0.0, 0.0]}, index=idx)
    Y.columns = pd.MultiIndex.from_tuples(Y.columns, names=["region", "category"])
    with pytest.warns(errors.MRIOWarning):
        s = mrio.MRIO.from_flows(Z, Y)
    with pytest.raises(errors.SingularSystemError, match="singular"):
        _ = s.factor
    assert issubclass(errors.SingularSystemError, errors.MRIOError)


def test_unknown_solver_method_is_an_input_error():
    system = random_mrio(2, 3, seed=5)
    with pytest.raises(errors.InputError, match="unknown solver method 'cholesky'; choose from auto, lu"):
        system.solve(method="cholesky")
