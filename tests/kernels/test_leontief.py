"""mrio.kernels: dense Leontief/Ghosh kernels, LU reuse, productivity certificate, strategy choice."""

from __future__ import annotations

import numpy as np
import pytest

from mrio import kernels

# Miller & Blair (2009) sec. 2.3.1; docs/methods/index.md, section "Known-answer checks"
MB_Z = np.array([[150.0, 500.0], [200.0, 100.0]])
MB_X = np.array([1000.0, 2000.0])
MB_A = np.array([[0.15, 0.25], [0.20, 0.05]])


def random_A(n, seed=0, colsum=(0.3, 0.7)):
    rng = np.random.default_rng(seed)
    A = rng.random((n, n)) * (rng.random((n, n)) < 0.5)
    A[np.diag_indices(n)] += 0.01
    return A * (rng.uniform(*colsum, n) / A.sum(axis=0))


def test_technical_and_allocation_coefficients_known_answer():
    A = kernels.technical_coefficients(MB_Z, MB_X)
    np.testing.assert_allclose(A, MB_A, rtol=1e-15)
    B = kernels.allocation_coefficients(MB_Z, MB_X)
    np.testing.assert_allclose(B, [[0.15, 0.50], [0.10, 0.05]], rtol=1e-15)


def test_coefficients_zero_output_rule():
    Z = np.array([[1.0, 0.0], [2.0, 0.0]])
    x = np.array([4.0, 0.0])
    A = kernels.technical_coefficients(Z, x)
    np.testing.assert_array_equal(A, [[0.25, 0.0], [0.5, 0.0]])  # 0/0 := 0, no NaN
    B = kernels.allocation_coefficients(Z, x)
    np.testing.assert_array_equal(B, [[0.25, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(kernels.safe_divide([1.0, 0.0, 3.0], [0.0, 0.0, 2.0]), [0.0, 0.0, 1.5])


def test_leontief_inverse_known_answer():
    L = kernels.leontief_inverse(MB_A)
    np.testing.assert_allclose(L, [[1.2541, 0.3300], [0.2640, 1.1221]], atol=1e-4)
    np.testing.assert_allclose(np.linalg.det(np.eye(2) - MB_A), 0.7575, rtol=1e-12)
    np.testing.assert_allclose(L.sum(axis=0), [1.5182, 1.4521], atol=1e-4)  # output multipliers
    np.testing.assert_allclose(L @ [600.0, 1500.0], [1247.52, 1841.58], atol=1e-2)


def test_leontief_inverse_identities_and_input_untouched():
    A = random_A(40, seed=3)
    A0 = A.copy()
    L = kernels.leontief_inverse(A)
    np.testing.assert_array_equal(A, A0)
    eye = np.eye(40)
    np.testing.assert_allclose(L @ (eye - A), eye, atol=1e-13)
    np.testing.assert_allclose(L, eye + A @ L, atol=1e-13)  # L = I + A L
    np.testing.assert_allclose(L, eye + L @ A, atol=1e-13)  # L = I + L A
    assert L.min() >= -1e-14  # non-negative up to rounding
    np.testing.assert_allclose(L, np.linalg.inv(eye - A), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("order", ["C", "F"])
def test_factor_accepts_c_and_f_order_and_readonly(order):
    A = np.asarray(random_A(12, seed=5), order=order)
    A.flags.writeable = False
    f = kernels.LeontiefFactor(A)
    y = np.arange(12.0)
    np.testing.assert_allclose(f.solve(y), np.linalg.solve(np.eye(12) - A, y), rtol=1e-13)


def test_factor_solves_many_rhs_rows_and_columns():
    n = 30
    A = random_A(n, seed=1)
    L = np.linalg.inv(np.eye(n) - A)
    f = kernels.LeontiefFactor(A)
    Y = np.random.default_rng(2).random((n, 7))
    np.testing.assert_allclose(f.solve(Y), L @ Y, rtol=1e-12)
    np.testing.assert_allclose(f.solve(Y[:, 0]), L @ Y[:, 0], rtol=1e-12)
    S = np.random.default_rng(3).random((4, n))
    np.testing.assert_allclose(f.solve_transposed(S), S @ L, rtol=1e-12)
    np.testing.assert_allclose(f.solve_transposed(S[0]), S[0] @ L, rtol=1e-12)
    np.testing.assert_allclose(f.columns([0, 5, 29]), L[:, [0, 5, 29]], rtol=1e-12)
    np.testing.assert_allclose(f.rows([2, 3]), L[[2, 3], :], rtol=1e-12)
    np.testing.assert_allclose(f.inverse(), L, rtol=1e-12)
    assert 0 < f.rcond <= 1


def test_empty_system():
    assert kernels.leontief_inverse(np.zeros((0, 0))).shape == (0, 0)
    f = kernels.LeontiefFactor(np.zeros((0, 0)))
    assert f.inverse().shape == (0, 0)


def test_ghosh_inverse_known_answer_and_identity():
    L = kernels.leontief_inverse(MB_A)
    G = kernels.ghosh_inverse_from_leontief(L, MB_X)
    np.testing.assert_allclose(G, [[1.254125, 0.660066], [0.132013, 1.122112]], atol=1e-6)
    B = kernels.allocation_coefficients(MB_Z, MB_X)
    np.testing.assert_allclose(G, np.linalg.inv(np.eye(2) - B), rtol=1e-12)
    v = MB_X - MB_Z.sum(axis=0)
    np.testing.assert_allclose(v @ G, MB_X, rtol=1e-12)  # x' = v'G


def test_ghosh_rejects_column_vector_x():
    L = kernels.leontief_inverse(MB_A)
    with pytest.raises(ValueError, match="1-D"):
        kernels.ghosh_inverse_from_leontief(L, MB_X[:, None])


def test_ghosh_inactive_rows_are_unit_rows():
    A = np.array([[0.2, 0.0], [0.0, 0.0]])
    x = np.array([5.0, 0.0])
    G = kernels.ghosh_inverse_from_leontief(kernels.leontief_inverse(A), x)
    np.testing.assert_allclose(G, [[1.25, 0.0], [0.0, 1.0]])


def test_spectral_radius_known_answer_and_bounds():
    np.testing.assert_allclose(kernels.spectral_radius(MB_A), 0.329129, atol=1e-6)
    A = random_A(50, seed=7)
    rho = kernels.spectral_radius(A)
    np.testing.assert_allclose(rho, np.abs(np.linalg.eigvals(A)).max(), rtol=1e-9)
    cs = A.sum(axis=0)
    assert cs.min() - 1e-12 <= rho <= cs.max() + 1e-12  # Frobenius bounds
    # reducible (block-diagonal) and periodic matrices fall back to the eigen-solver
    P = np.array([[0.0, 0.5], [0.5, 0.0]])
    np.testing.assert_allclose(kernels.spectral_radius(P), 0.5)
    D = np.diag([0.1, 0.9, 0.4])
    np.testing.assert_allclose(kernels.spectral_radius(D), 0.9, rtol=1e-9)
    assert kernels.spectral_radius(np.zeros((0, 0))) == 0.0


def test_certify_productive_accepts_and_rejects():
    f = kernels.LeontiefFactor(MB_A)
    z = kernels.certify_productive(f, MB_A)
    assert (z >= 1).all()
    A = np.array([[0.5, 0.9], [0.9, 0.5]])  # rho = 1.4: I - A invertible but not productive
    f = kernels.LeontiefFactor(A)
    with pytest.raises(kernels.NotProductiveError, match="spectral radius of A is 1.4") as info:
        kernels.certify_productive(f, A)
    assert info.value.spectral_radius == pytest.approx(1.4)
    assert info.value.positions == [0, 1]
    np.testing.assert_array_equal(kernels.column_sum_offenders(A), [0, 1])


def test_singular_systems_raise():
    with pytest.raises(kernels.SingularError, match="singular"):
        kernels.LeontiefFactor(np.array([[1.0, 0.0], [0.0, 0.5]]))  # I - A has a zero column
    with pytest.raises(kernels.SingularError, match="singular"):
        kernels.leontief_inverse(np.array([[0.5, 0.5], [0.5, 0.5]]))  # rho = 1 exactly
    with pytest.raises(kernels.SingularError):
        kernels.LeontiefFactor(np.array([[0.5, 0.5], [0.5, 0.5 + 1e-15]]))  # numerically singular


def test_non_square_rejected():
    with pytest.raises(ValueError, match="square"):
        kernels.LeontiefFactor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="square"):
        kernels.leontief_inverse(np.zeros(3))


def test_solve_leontief_lu_reports_and_certifies():
    A = random_A(20, seed=4)
    y = np.ones(20)
    rep = kernels.solve_leontief(A, y)
    assert rep.method == "lu" and rep.iterations == 0 and "2000" in rep.detail
    assert rep.residual < 1e-14
    np.testing.assert_allclose(rep.x, np.linalg.solve(np.eye(20) - A, y), rtol=1e-13)
    with pytest.raises(kernels.NotProductiveError):
        kernels.solve_leontief(np.array([[0.5, 0.9], [0.9, 0.5]]), np.ones(2))
    with pytest.raises(ValueError, match="unknown method"):
        kernels.solve_leontief(A, y, method="cholesky")


def test_relative_residual_zero_rhs_column():
    A = random_A(5)
    X = np.zeros((5, 2))
    Y = np.zeros((5, 2))
    assert kernels.relative_residual(A, X, Y) == 0.0


def test_choose_method_by_size_and_rhs():
    assert kernels.choose_method(500, 1, 250_000, 0.6)[0] == "lu"
    method, reason = kernels.choose_method(20_000, 1, int(0.02 * 20_000**2), 0.6)
    assert method == "gmres" and "flops" in reason
    assert kernels.choose_method(20_000, 5_000, 20_000**2, 0.6)[0] == "lu"  # many dense RHS
    assert kernels.choose_method(20_000, 1, 1000, 1.2)[0] == "lu"  # no Neumann bound


@pytest.mark.parametrize("order", ["C", "F"])
def test_leontief_inverse_any_layout_returns_c_order(order):
    A = np.asarray(random_A(25, seed=9), order=order)
    L = kernels.leontief_inverse(A)
    assert L.flags.c_contiguous
    np.testing.assert_allclose(L, np.linalg.inv(np.eye(25) - A), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(kernels.LeontiefFactor(A).inverse(), L, rtol=1e-12, atol=1e-15)
