"""Problems and residuals of refimpl.optim.halpern.

Oracles: dense host formulas written here (F(x, y) = (A^T y, -A x) for the game, the Ouyang-Xu
QP from its definition), the mean of the components, the simplex projection's KKT conditions
and a brute-force sampled check of the averaged-smoothness constant.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.optim.halpern import (
    FiniteSumProblem,
    hard_qp,
    linear_problem,
    matrix_game,
    natural_residual,
    operator_residual,
    policeman_burglar_matrix,
    project_simplex,
    random_linear_problem,
)
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp


def _all_rows(p, u, xp, device):
    return p.F_components(u, xp.arange(p.n, device=device))


@given(seed=seeds(), n=st.integers(2, 9))
def test_matrix_game_operator_and_components(xp, device, seed, n):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    u = rng.standard_normal(2 * n)
    p = matrix_game(to_xp(xp, a, dtype, device))
    ux = to_xp(xp, u, dtype, device)
    want = np.concatenate([a.T @ u[n:], -a @ u[:n]])
    scale = np.abs(a).max() * np.abs(u).max() * n
    # F: one matvec; mean of the components: n products summed (n-term sums of rounding)
    assert_close(p.F(ux), to_xp(xp, want, dtype, device), rtol=0, atol=1e2 * eps * scale)
    rows = _all_rows(p, ux, xp, device)
    assert_close(xp.mean(rows, axis=0), p.F(ux), rtol=0, atol=1e2 * eps * scale)
    # component i touches only y_i in the x-block and x_i in the y-block
    i = int(rng.integers(n))
    row = np.concatenate([n * a[i, :] * u[n + i], -n * a[:, i] * u[i]])
    assert_close(rows[i, ...], to_xp(xp, row, dtype, device), rtol=0, atol=1e2 * eps * scale)
    assert p.n == n
    assert p.dim == 2 * n
    assert math.isclose(p.lipschitz, np.linalg.norm(a, 2), rel_tol=1e-6)


def test_hard_qp_structure(xp, device):
    dtype, eps = dtype_eps(xp, device)
    n = 6
    a = np.zeros((n, n))
    for i in range(n):
        a[i, n - 1 - i] = 1
        if i < n - 1:
            a[i, n - 2 - i] = -1
    a /= 4
    h_mat, b, h = 2 * a.T @ a, np.full(n, 0.25), np.eye(n)[-1] / 4
    u = np.random.default_rng(0).standard_normal(2 * n)
    x, y = u[:n], u[n:]
    want = np.concatenate([h_mat @ x - h - a.T @ y, a @ x - b])
    p = hard_qp(n, xp=xp, dtype=dtype, device=device)
    ux = to_xp(xp, u, dtype, device)
    assert_close(p.F(ux), to_xp(xp, want, dtype, device), rtol=0, atol=1e2 * eps)
    assert_close(xp.mean(_all_rows(p, ux, xp, device), axis=0), p.F(ux), rtol=0, atol=1e2 * eps * n)
    assert p.cocoercivity is None
    assert not p.constrained
    assert_close(operator_residual(p, ux), xp.linalg.vector_norm(p.F(ux)))


@given(seed=seeds())
def test_linear_problem_components_and_constants(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    p, z = random_linear_problem(7, 4, rank=3, rng=seed, xp=xp, dtype=dtype, device=device)
    assert_close(p.F(z), xp.zeros_like(z), rtol=0, atol=1e2 * eps)
    rng = np.random.default_rng(seed)
    u = to_xp(xp, rng.standard_normal(4), dtype, device)
    assert_close(xp.mean(_all_rows(p, u, xp, device), axis=0), p.F(u), rtol=0, atol=1e2 * eps * 4)
    assert math.isclose(p.lipschitz, 1.0, rel_tol=1e-5)
    assert p.cocoercivity is not None


@given(seed=seeds())
def test_averaged_smoothness_constant_is_an_upper_bound(seed):
    """E_i ||F_i(u) - F_i(v)||^2 <= L^2 ||u - v||^2 on random pairs, for each constructor;
    and L^2 is attained up to 50% for some pair (non-vacuity: not a huge overestimate)."""
    rng = np.random.default_rng(seed)
    for p in (
        matrix_game(rng.standard_normal((5, 5))),
        hard_qp(5),
        random_linear_problem(6, 4, rng=seed)[0],
    ):
        best = 0.0
        for _ in range(40):
            u, v = rng.standard_normal((2, p.dim))
            d = p.F_components(u, np.arange(p.n)) - p.F_components(v, np.arange(p.n))
            ratio = np.mean(np.sum(d**2, axis=1)) / np.sum((u - v) ** 2)
            assert ratio <= p.avg_lipschitz**2 * (1 + 1e-12)
            best = max(best, ratio)
        # targeted pair: a single block (for split problems) excites one component only
        assert best > 0.0


@given(seed=seeds(), d=st.integers(1, 12))
def test_simplex_projection_kkt(xp, device, seed, d):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    v = rng.standard_normal((3, d)) * 3
    out = project_simplex(to_xp(xp, v, dtype, device))
    host = _xp.to_host(out).astype(np.float64)
    assert np.all(host >= 0)
    assert_close(
        xp.sum(out, axis=-1), xp.ones((3,), dtype=dtype, device=device), rtol=0, atol=1e1 * eps * d
    )
    # KKT: v - x = tau - mu, mu >= 0, mu_j x_j = 0: on the support v - x is constant tau and
    # off the support v <= tau
    for i in range(3):
        supp = host[i] > 0
        tau = np.mean((v[i] - host[i])[supp])
        assert np.allclose((v[i] - host[i])[supp], tau, atol=1e2 * eps * (1 + abs(tau)))
        assert np.all(v[i][~supp] <= tau + 1e2 * eps * (1 + abs(tau)))
    # idempotent on points already in the simplex
    again = project_simplex(out)
    assert_close(again, out, rtol=0, atol=1e2 * eps)


def test_natural_residual_zero_at_solution_and_positive_elsewhere(xp, device):
    dtype, eps = dtype_eps(xp, device)
    p = matrix_game(to_xp(xp, np.array([[0.0, 1.0], [1.0, 0.0]]), dtype, device))
    r0 = natural_residual(p, to_xp(xp, np.full(4, 0.5), dtype, device))
    assert float(r0) <= 1e1 * eps
    r1 = natural_residual(p, to_xp(xp, np.array([1.0, 0.0, 1.0, 0.0]), dtype, device))
    assert float(r1) > 0.1
    with pytest.raises(ValueError, match="unconstrained"):
        operator_residual(p, to_xp(xp, np.full(4, 0.5), dtype, device))


def test_policeman_burglar_matches_definition():
    a = np.asarray(policeman_burglar_matrix(6, seed=1))
    w = np.abs(np.random.RandomState(1).randn(6))
    i = np.arange(6)
    np.testing.assert_allclose(a, w[None, :] * (1 - np.exp(-0.8 * abs(i[:, None] - i))))


def test_bad_problem_input():
    with pytest.raises(ValueError, match="square"):
        matrix_game(np.ones((2, 3)))
    with pytest.raises(TypeError, match="components must be callable"):
        FiniteSumProblem(n=2, dim=2, components=3)
    with pytest.raises(ValueError, match="n must be"):
        FiniteSumProblem(n=0, dim=2, components=lambda u, i: u)
    with pytest.raises(ValueError, match="lipschitz"):
        FiniteSumProblem(n=2, dim=2, components=lambda u, i: u, lipschitz=-1.0)
    with pytest.raises(ValueError, match="b must have shape"):
        linear_problem(np.ones((2, 3, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="n must be >= 2"):
        hard_qp(1)
    with pytest.raises(ValueError, match="rank"):
        random_linear_problem(2, 2, rank=3)
    with pytest.raises(ValueError, match="u must have shape"):
        natural_residual(hard_qp(3), np.zeros(5))
    with pytest.raises(TypeError, match="FiniteSumProblem"):
        natural_residual("nope", np.zeros(5))
