"""Identities, equivariances and bad input of refimpl.optim.matrix_sensing (every namespace).

Inputs are built on the host in float64 with NumPy Generators and moved with ``xp.asarray``;
tolerances are ``C * eps * scale`` with the factor C justified where it appears.
"""

from __future__ import annotations

import array_api_extra as xpx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.optim.matrix_sensing import (
    MatrixSensingResult,
    SensingOperator,
    gd_asymmetric,
    gd_symmetric,
    ground_truth,
    imbalance,
    initialize_asymmetric,
    initialize_symmetric,
    population_operator,
    rebalance,
    sensing_operator,
)
from refimpl.testing.groups import random_orthogonal
from tests._helpers import dtype_eps

SEEDS = st.integers(0, 2**31 - 1)


def _dtype(xp, device):
    return xpx.default_dtype(xp, device=device)


def _host(x):
    from refimpl import _xp

    return _xp.to_host(x).astype(np.float64)


def _mv(xp, device, a):
    return xp.asarray(a, dtype=_dtype(xp, device), device=device)


def _op_in(xp, device, op):
    if op.matrices is None:
        return op
    mats = _mv(xp, device, _host(op.matrices))
    return SensingOperator(n1=op.n1, n2=op.n2, m=op.m, symmetric=op.symmetric, matrices=mats)


# ------------------------------------------------------------------------- operators
@settings(max_examples=10, deadline=None)
@given(seed=SEEDS)
def test_operator_adjoint_and_normal(xp, device, seed):
    """<A(M), y> = <M, A*(y)> and A*A = A* o A (exact identities)."""
    rng = np.random.default_rng(seed)
    op = _op_in(xp, device, sensing_operator(4, 3, 7, rng=rng))
    m, y = rng.standard_normal((4, 3)), rng.standard_normal(7)
    am = _host(op(_mv(xp, device, m)))
    aty = _host(op.adjoint(_mv(xp, device, y)))
    eps = dtype_eps(xp, device)[1]
    scale = np.linalg.norm(m) * np.linalg.norm(y) * np.linalg.norm(_host(op.matrices))
    # sums of 12-84 products: 1e2 eps relative to the product of norms
    assert abs(am @ y - np.sum(m * aty)) <= 1e2 * eps * scale
    nm = _host(op.normal(_mv(xp, device, m)))
    direct = _host(op.adjoint(op(_mv(xp, device, m))))
    np.testing.assert_allclose(nm, direct, atol=1e2 * eps * scale)


def test_symmetric_operator_is_symmetric_and_population_limit(xp, device):
    op = sensing_operator(4, 4, 20000, symmetric=True, rng=0)
    a = np.asarray(op.matrices)
    assert np.array_equal(a, np.swapaxes(a, 1, 2))
    e = np.random.default_rng(1).standard_normal((4, 4))
    # Monte Carlo: relative error ~ n/sqrt(m) ~ 0.03; 0.15 is ~5 sigma
    pop = population_operator(4, 4, symmetric=True).normal(e)
    np.testing.assert_allclose(pop, (e + e.T) / 2, atol=0)
    assert np.linalg.norm(op.normal(e) - pop) <= 0.15 * np.linalg.norm(e)
    op2 = sensing_operator(3, 5, 20000, rng=2)
    e2 = np.random.default_rng(3).standard_normal((3, 5))
    assert np.linalg.norm(op2.normal(e2) - e2) <= 0.15 * np.linalg.norm(e2)


def test_population_operator_has_no_measurements():
    op = population_operator(3, 3)
    with pytest.raises(ValueError, match="population"):
        op(np.eye(3))
    with pytest.raises(ValueError, match="population"):
        op.adjoint(np.ones(3))


@settings(max_examples=10, deadline=None)
@given(seed=SEEDS, kappa=st.floats(1.0, 5.0), r=st.integers(1, 3))
def test_ground_truth_rank_condition_and_psd(seed, kappa, r):
    m = ground_truth(7, 5, r, condition_number=kappa, rng=seed)
    s = np.linalg.svd(m, compute_uv=False)
    np.testing.assert_allclose(s[0], 1.0, rtol=1e-13)
    np.testing.assert_allclose(s[0] / s[r - 1], kappa if r > 1 else 1.0, rtol=1e-12)
    assert np.all(s[r:] < 1e-13)
    ms = ground_truth(6, 6, r, condition_number=kappa, symmetric=True, rng=seed)
    assert np.array_equal(ms, ms.T)
    assert np.linalg.eigvalsh(ms).min() > -1e-14


def test_creation_functions_follow_xp_dtype_device(xp, device):
    dt = _dtype(xp, device)
    for out in (
        ground_truth(4, 4, 2, symmetric=True, rng=0, xp=xp, dtype=dt, device=device),
        initialize_symmetric(4, 3, alpha=0.1, rng=0, xp=xp, dtype=dt, device=device),
        *initialize_asymmetric(4, 5, 3, alpha=0.1, rng=0, xp=xp, dtype=dt, device=device),
        sensing_operator(3, 3, 4, rng=0, xp=xp, dtype=dt, device=device).matrices,
    ):
        assert out.dtype == dt
        assert type(out) is type(xp.asarray(0.0, dtype=dt, device=device))


# ------------------------------------------------------------------------- identities
@settings(max_examples=8, deadline=None)
@given(seed=SEEDS, sensing=st.booleans())
def test_imbalance_update_identity(xp, device, seed, sensing):
    """Delta_1 - Delta_0 = eta^2 (G^T E^T E G - F^T E E^T F), E = A*A(F G^T - M*) (exact)."""
    rng = np.random.default_rng(seed)
    n1, n2, k, eta = 6, 5, 3, 0.3
    op = sensing_operator(n1, n2, 40, rng=rng) if sensing else population_operator(n1, n2)
    m = ground_truth(n1, n2, 2, rng=rng)
    f0, g0 = rng.standard_normal((n1, k)), rng.standard_normal((n2, k))
    res = gd_asymmetric(
        _op_in(xp, device, op),
        _mv(xp, device, m),
        _mv(xp, device, f0),
        _mv(xp, device, g0),
        step=eta,
        n_iter=1,
    )
    e = op.normal(f0 @ g0.T - m)
    want = eta**2 * (g0.T @ e.T @ e @ g0 - f0.T @ e @ e.T @ f0)
    got = _host(imbalance(res.x, res.g)) - f0.T @ f0 + g0.T @ g0
    eps = dtype_eps(xp, device)[1]
    scale = (np.linalg.norm(f0) + np.linalg.norm(g0)) ** 2 * (1 + eta * np.linalg.norm(e)) ** 2
    # O(k n) sums per entry, plus the subtraction of two O(scale) Gram matrices: 1e2 eps scale
    np.testing.assert_allclose(got, want, atol=1e2 * eps * scale)


@settings(max_examples=5, deadline=None)
@given(seed=SEEDS, sensing=st.booleans())
def test_balanced_start_on_symmetric_problem_stays_symmetric(xp, device, seed, sensing):
    """F_0 = G_0, symmetric A_i, PSD M*: F_t = G_t for all t and F_t = symmetric GD at eta/2."""
    rng = np.random.default_rng(seed)
    n, k, eta, t = 6, 3, 0.1, 15
    op = (
        sensing_operator(n, n, 60, symmetric=True, rng=rng)
        if sensing
        else population_operator(n, n, symmetric=True)
    )
    m = ground_truth(n, n, 2, symmetric=True, rng=rng)
    f0, g0 = initialize_asymmetric(n, n, k, alpha=0.3, balanced=True, rng=rng)
    o, mm, x0 = _op_in(xp, device, op), _mv(xp, device, m), _mv(xp, device, f0)
    asym = gd_asymmetric(o, mm, x0, _mv(xp, device, g0), step=eta, n_iter=t)
    sym = gd_symmetric(o, mm, x0, step=eta / 2, n_iter=t)
    eps = dtype_eps(xp, device)[1]
    # F and G see the same arithmetic up to the transposes: 1e2 eps per step, times t
    np.testing.assert_allclose(_host(asym.x), _host(asym.g), atol=1e2 * eps * t)
    np.testing.assert_allclose(_host(asym.x), _host(sym.x), atol=1e2 * eps * t)
    np.testing.assert_allclose(_host(asym.residuals), _host(sym.residuals), atol=1e2 * eps * t)


@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_gauge_equivariance(xp, device, seed):
    """(F, G) -> (F R, G R), R in O(k): iterates map the same way, residuals unchanged."""
    rng = np.random.default_rng(seed)
    n1, n2, k, t = 6, 5, 3, 10
    op = _op_in(xp, device, sensing_operator(n1, n2, 50, rng=rng))
    m = _mv(xp, device, ground_truth(n1, n2, 2, rng=rng))
    f0, g0 = initialize_asymmetric(n1, n2, k, alpha=0.5, rng=rng)
    r = random_orthogonal(rng, k, special=False)
    a = gd_asymmetric(op, m, _mv(xp, device, f0), _mv(xp, device, g0), step=0.1, n_iter=t)
    b = gd_asymmetric(op, m, _mv(xp, device, f0 @ r), _mv(xp, device, g0 @ r), step=0.1, n_iter=t)
    eps = dtype_eps(xp, device)[1]
    tol = 1e2 * eps * t  # |F| ~ 1: each step is a few O(1) products
    np.testing.assert_allclose(_host(b.x), _host(a.x) @ r, atol=tol)
    np.testing.assert_allclose(_host(b.g), _host(a.g) @ r, atol=tol)
    np.testing.assert_allclose(_host(b.residuals), _host(a.residuals), atol=tol)
    ops = _op_in(xp, device, population_operator(n1, n1, symmetric=True))
    ms = _mv(xp, device, ground_truth(n1, n1, 2, symmetric=True, rng=rng))
    x0 = initialize_symmetric(n1, k, alpha=0.5, rng=rng)
    sa = gd_symmetric(ops, ms, _mv(xp, device, x0), step=0.1, n_iter=t)
    sb = gd_symmetric(ops, ms, _mv(xp, device, x0 @ r), step=0.1, n_iter=t)
    np.testing.assert_allclose(_host(sb.x), _host(sa.x) @ r, atol=tol)


@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_problem_equivariance(xp, device, seed):
    """M* -> U M* V^T, A_i -> U A_i V^T  =>  F_t -> U F_t, G_t -> V G_t."""
    rng = np.random.default_rng(seed)
    n1, n2, k, t = 5, 4, 3, 10
    op = sensing_operator(n1, n2, 40, rng=rng)
    m = ground_truth(n1, n2, 2, rng=rng)
    f0, g0 = initialize_asymmetric(n1, n2, k, alpha=0.5, rng=rng)
    u = random_orthogonal(rng, n1, special=False)
    v = random_orthogonal(rng, n2, special=False)
    rot = SensingOperator(n1=n1, n2=n2, m=40, symmetric=False, matrices=u @ op.matrices @ v.T)
    a = gd_asymmetric(
        _op_in(xp, device, op),
        _mv(xp, device, m),
        _mv(xp, device, f0),
        _mv(xp, device, g0),
        step=0.1,
        n_iter=t,
    )
    b = gd_asymmetric(
        _op_in(xp, device, rot),
        _mv(xp, device, u @ m @ v.T),
        _mv(xp, device, u @ f0),
        _mv(xp, device, v @ g0),
        step=0.1,
        n_iter=t,
    )
    eps = dtype_eps(xp, device)[1]
    tol = 1e3 * eps * t  # sums over m = 40 measurements of O(1) terms per step
    np.testing.assert_allclose(_host(b.x), u @ _host(a.x), atol=tol)
    np.testing.assert_allclose(_host(b.g), v @ _host(a.g), atol=tol)


@settings(max_examples=10, deadline=None)
@given(seed=SEEDS, s=st.floats(0.2, 3.0))
def test_rebalance_preserves_product(xp, device, seed, s):
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((7, 3)) * np.array([1.0, 0.1, 3.0])
    g = rng.standard_normal((5, 3))
    f2, g2 = rebalance(_mv(xp, device, f), _mv(xp, device, g), scale=s)
    f2, g2 = _host(f2), _host(g2)
    eps = dtype_eps(xp, device)[1]
    cond = np.linalg.cond(f) ** 2
    scale = np.linalg.norm(f) * np.linalg.norm(g)
    # (F^T F)^{-1/2} from eigh: eigenvalue errors ~ eps ||F||^2, relative to the smallest
    # eigenvalue sigma_min^2 that is eps cond(F)^2 (float32 with cond ~ 30: ~1e-4)
    np.testing.assert_allclose(f2 @ g2.T, f @ g.T, atol=1e2 * eps * cond * scale)
    np.testing.assert_allclose(f2.T @ f2, s * s * np.eye(3), atol=1e2 * eps * cond * s * s)


# ------------------------------------------------------------------------- driver
def test_result_is_frozen_and_histories_follow_input(xp, device):
    n = 6
    m = _mv(xp, device, ground_truth(n, n, 2, symmetric=True, rng=0))
    x0 = _mv(xp, device, initialize_symmetric(n, 3, alpha=0.2, rng=1))
    res = gd_symmetric(
        population_operator(n, n, symmetric=True), m, x0, step=0.1, n_iter=7, record_every=3
    )
    assert isinstance(res, MatrixSensingResult)
    with pytest.raises(AttributeError):
        res.n_iter = 3  # type: ignore[misc]
    assert res.x.dtype == x0.dtype
    assert res.residuals.dtype == x0.dtype
    assert _host(res.iterations).tolist() == [0, 3, 6, 7]
    assert res.status == "max_iter"
    assert res.n_iter == 7
    f0, g0 = initialize_asymmetric(n, n, 3, alpha=0.3, rng=2)
    r2 = gd_asymmetric(
        population_operator(n, n), m, _mv(xp, device, f0), _mv(xp, device, g0), step=0.1, n_iter=4
    )
    np.testing.assert_allclose(
        _host(r2.imbalance_min_eig)[0],
        np.linalg.eigvalsh(f0.T @ f0 - g0.T @ g0).min(),
        rtol=1e2 * dtype_eps(xp, device)[1],
    )


def test_inputs_not_mutated_and_callback_and_tol():
    n = 6
    m = ground_truth(n, n, 2, symmetric=True, rng=0)
    x0 = initialize_symmetric(n, 2, alpha=0.2, rng=1)
    keep = x0.copy()
    seen = []
    res = gd_symmetric(
        population_operator(n, n, symmetric=True),
        m,
        x0,
        step=0.1,
        n_iter=50,
        callback=lambda t, x: seen.append(t) or t == 5,
    )
    assert np.array_equal(x0, keep)
    assert res.status == "callback"
    assert res.n_iter == 5
    assert seen == [1, 2, 3, 4, 5]
    res = gd_symmetric(
        population_operator(n, n, symmetric=True), m, x0, step=0.1, n_iter=10**4, tol=1e-6
    )
    assert res.status == "converged"
    assert res.converged
    assert res.residuals[-1] <= 1e-6
    assert res.n_iter < 10**4


def test_rebalance_trigger_records_iteration():
    n = 8
    m = ground_truth(n, n, 2, rng=0)
    f0, g0 = initialize_asymmetric(n, n, 3, alpha=0.2, rng=1)
    op = population_operator(n, n)
    a = gd_asymmetric(op, m, f0, g0, step=0.1, n_iter=30, rebalance_at=10)
    assert a.rebalanced_at == 10
    b = gd_asymmetric(op, m, f0, g0, step=0.1, n_iter=3000, rebalance_tol=1e-2)
    assert b.rebalanced_at is not None
    assert b.residuals[b.rebalanced_at] > 1e-2 * 0.5  # triggered at the first crossing
    c = gd_asymmetric(op, m, f0, g0, step=0.1, n_iter=30)
    assert c.rebalanced_at is None


# ------------------------------------------------------------------------- bad input
def test_bad_input():
    n = 6
    m = ground_truth(n, n, 3, symmetric=True, rng=0)
    op = population_operator(n, n, symmetric=True)
    with pytest.raises(ValueError, match="rank must be <= min"):
        ground_truth(4, 3, 4)
    with pytest.raises(ValueError, match="k >= rank"):
        gd_symmetric(op, m, initialize_symmetric(n, 2, alpha=0.1, rng=0), step=0.1, n_iter=5)
    f0, g0 = initialize_asymmetric(n, n, 2, alpha=0.1, rng=0)
    with pytest.raises(ValueError, match="k >= rank"):
        gd_asymmetric(population_operator(n, n), m, f0, g0, step=0.1, n_iter=5)
    not_psd = m - 2 * np.eye(n)
    with pytest.raises(ValueError, match="positive semi-definite"):
        gd_symmetric(op, not_psd, np.ones((n, 6)), step=0.1, n_iter=5)
    with pytest.raises(ValueError, match="symmetric"):
        gd_symmetric(op, np.triu(np.ones((n, n))), np.ones((n, 6)), step=0.1, n_iter=5)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="alpha"):
            initialize_symmetric(n, 3, alpha=bad)
        with pytest.raises(ValueError, match="alpha"):
            initialize_asymmetric(n, n, 3, alpha=bad)
    x0 = initialize_symmetric(n, 4, alpha=0.1, rng=0)
    with pytest.raises(ValueError, match="n_iter"):
        gd_symmetric(op, m, x0, step=0.1, n_iter=0)
    with pytest.raises(ValueError, match="step"):
        gd_symmetric(op, m, x0, step=0.0, n_iter=3)
    with pytest.raises(ValueError, match="operator must be symmetric"):
        gd_symmetric(population_operator(n, n), m, x0, step=0.1, n_iter=3)
    with pytest.raises(TypeError, match="SensingOperator"):
        gd_symmetric("identity", m, x0, step=0.1, n_iter=3)
    with pytest.raises(ValueError, match="x0 must have shape"):
        gd_symmetric(op, m, np.ones((n + 1, 4)), step=0.1, n_iter=3)
    with pytest.raises(ValueError, match="at most one"):
        gd_asymmetric(
            population_operator(n, n),
            m,
            *initialize_asymmetric(n, n, 4, alpha=0.1),
            step=0.1,
            n_iter=3,
            rebalance_at=1,
            rebalance_tol=0.1,
        )
    with pytest.raises(ValueError, match="full column rank"):
        rebalance(np.zeros((5, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="n1 == n2"):
        sensing_operator(3, 4, 5, symmetric=True)
    with pytest.raises(ValueError, match="condition_number"):
        ground_truth(4, 4, 2, condition_number=0.5)


def test_diverging_step_stops_with_status():
    n = 6
    m = ground_truth(n, n, 2, symmetric=True, rng=0)
    x0 = initialize_symmetric(n, 3, alpha=1.0, rng=1)
    res = gd_symmetric(population_operator(n, n, symmetric=True), m, x0, step=5.0, n_iter=100)
    assert res.status == "diverged"
    assert not res.converged
    assert np.all(np.isfinite(res.x))
    assert np.all(np.isfinite(res.residuals))
    assert res.n_iter < 100
    f0, g0 = initialize_asymmetric(n, n, 3, alpha=1.0, rng=1)
    res = gd_asymmetric(population_operator(n, n), m, f0, g0, step=5.0, n_iter=100)
    assert res.status == "diverged"
    assert np.all(np.isfinite(res.x))
