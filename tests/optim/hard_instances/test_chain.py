"""The chain function, its constants, embeddings and oracles (refimpl.optim.hard_instances).

Properties from Carmon-Duchi-Hinder-Sidford (arXiv:1710.11606, Lemmas 1-3, Section 5) and
Arjevani et al. (arXiv:1912.02365); points drawn by hypothesis, built on the host in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.optim.hard_instances import (
    PHI_MAX,
    ChainRunResult,
    ZeroChainOracle,
    bernoulli_chain_oracle,
    chain_derivative,
    chain_function,
    chain_gradient,
    chain_hessian,
    oracle_descent,
    phi,
    progress,
    psi,
    random_embedding,
    rotated_chain,
    scaled_chain,
)
from tests._helpers import dtype_eps

SEEDS = st.integers(0, 2**31 - 1)


def _h(a):
    return _xp.to_host(a).astype(np.float64)


def _points(rng, n, t, scale=2.0):
    return rng.uniform(-scale, scale, (n, t)) * rng.choice([0.3, 1.0, 2.0], (n, 1))


def _chain_point(rng, t, prog):
    """|x_i| > 1 for i <= prog (signs random), |x_i| <= 1/2 after."""
    x = rng.uniform(-0.5, 0.5, t)
    x[:prog] = rng.choice([-1, 1], prog) * rng.uniform(0.51, 3.0, prog)
    return x


# ------------------------------------------------------------------------- Psi / Phi
def test_psi_phi_values_and_bounds(xp, device):
    dt, eps = dtype_eps(xp, device)
    x = np.linspace(-4, 4, 2001)
    ps, ph = (
        _h(psi(xp.asarray(x, dtype=dt, device=device))),
        _h(phi(xp.asarray(x, dtype=dt, device=device))),
    )
    assert np.all(ps[x <= 0.5] == 0.0)  # exactly zero (masked), no NaN from the unused branch
    assert np.all(np.isfinite(ps))
    assert np.all((ps >= 0) & (ps < math.e))
    assert np.all((ph > 0) & (ph < PHI_MAX * (1 + 1e2 * eps)))
    dps = _h(psi(xp.asarray(x, dtype=dt, device=device), order=1))
    assert np.all((dps >= 0) & (dps <= math.sqrt(54 / math.e) * (1 + 1e2 * eps)))
    dph = _h(phi(xp.asarray(x, dtype=dt, device=device), order=1))
    assert np.all((dph > 0) & (dph <= math.sqrt(math.e) * (1 + 1e2 * eps)))
    assert float(psi(xp.asarray(1.0, dtype=dt, device=device))) == pytest.approx(1.0, rel=1e2 * eps)


def test_psi_phi_against_mpmath_and_finite_differences():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    x = np.array([-9.0, -3.0, -0.2, 0.51, 0.7, 1.0, 2.5, 8.0])
    for xv, p_, f_ in zip(x, psi(x), phi(x), strict=True):
        want_psi = 0.0 if xv <= 0.5 else float(mp.e ** (1 - 1 / (2 * mp.mpf(xv) - 1) ** 2))
        want_phi = float(mp.sqrt(2 * mp.pi * mp.e) * mp.ncdf(mp.mpf(xv)))
        # ndtr/exp are accurate to a few ulps: 1e2 eps relative
        assert p_ == pytest.approx(want_psi, rel=1e2 * np.finfo(float).eps, abs=0)
        assert f_ == pytest.approx(want_phi, rel=1e2 * np.finfo(float).eps, abs=0)
    y = np.linspace(0.55, 3.0, 9)
    for order in range(1, 5):
        h = 1e-5
        for fn in (psi, phi):
            fd = (fn(y + h, order=order - 1) - fn(y - h, order=order - 1)) / (2 * h)
            np.testing.assert_allclose(fn(y, order=order), fd, rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------------- chain
def test_value_at_zero(xp, device):
    dt, eps = dtype_eps(xp, device)
    for t in (1, 2, 7):
        v = float(chain_function(xp.zeros(t, dtype=dt, device=device)))
        assert v == pytest.approx(-math.sqrt(2 * math.pi * math.e) / 2, rel=1e2 * eps)


@settings(max_examples=25, deadline=None)
@given(seed=SEEDS, t=st.integers(2, 12), data=st.data())
def test_zero_chain_property(xp, device, seed, t, data):
    """Entries j >= prog_{1/2}(x) + 2 of the gradient are exactly 0.0 (masked Psi)."""
    prog = data.draw(st.integers(0, t - 1))
    x = _chain_point(np.random.default_rng(seed), t, prog)
    dt = dtype_eps(xp, device)[0]
    xx = xp.asarray(x, dtype=dt, device=device)
    p = int(progress(xx))
    assert p == prog
    g = _h(chain_gradient(xx))
    assert np.all(g[p + 1 :] == 0.0)  # zero-based index p+1 is coordinate p+2
    h = _h(chain_hessian(xx))
    assert np.all(h[p + 1 :, p + 1 :] == 0.0)


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, t=st.integers(1, 10))
def test_large_gradient_until_chain_is_finished(seed, t):
    """||grad f_T(x)|| > 1 whenever some |x_j| < 1 (CDHS Lemma 2)."""
    x = _points(np.random.default_rng(seed), 400, t)
    g = chain_gradient(x)
    unfinished = np.any(np.abs(x) < 1, axis=1)
    assert unfinished.any()
    assert np.all(np.linalg.norm(g[unfinished], axis=1) > 1.0)


@settings(max_examples=10, deadline=None)
@given(seed=SEEDS, t=st.integers(2, 10))
def test_gradient_and_hessian_constants(seed, t):
    """||grad||_inf <= 23, ||Hessian|| <= 152, f(0) - f(x) <= 12 T (CDHS Lemma 3)."""
    x = _points(np.random.default_rng(seed), 2000, t)
    assert np.abs(chain_gradient(x)).max() <= 23.0
    assert np.linalg.norm(chain_hessian(x[:500]), 2, axis=(1, 2)).max() <= 152.0
    assert (chain_function(np.zeros(t)) - chain_function(x)).max() <= 12 * t


def test_gap_constant_at_minimising_points():
    """The per-link minimum value is -e sqrt(2 pi e) ~ -11.23: f(0) - inf f <= 12 T."""
    t = 6
    x = np.full(t, 8.0)  # deep in the saturation region: close to the infimum
    gap = float(chain_function(np.zeros(t)) - chain_function(x))
    assert 11.0 * (t - 1) < gap <= 12 * t


@settings(max_examples=10, deadline=None)
@given(seed=SEEDS, t=st.integers(1, 8))
def test_gradient_hessian_against_finite_differences(seed, t):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, t)
    h = 1e-5
    eye = np.eye(t)
    fd = np.array([(chain_function(x + h * e) - chain_function(x - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(chain_gradient(x), fd, atol=1e-6)
    fdh = np.array([(chain_gradient(x + h * e) - chain_gradient(x - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(chain_hessian(x), fdh, atol=1e-5)
    v = rng.standard_normal(t)
    for p in range(4):
        lhs = chain_derivative(x + h * v, v, order=p) - chain_derivative(x - h * v, v, order=p)
        np.testing.assert_allclose(
            lhs / (2 * h), chain_derivative(x, v, order=p + 1), rtol=1e-5, atol=1e-4
        )
    np.testing.assert_allclose(chain_derivative(x, v, order=0), chain_function(x), rtol=1e-14)
    np.testing.assert_allclose(
        chain_derivative(x, v, order=2), v @ chain_hessian(x) @ v, rtol=1e-12, atol=1e-12
    )


def test_gradient_against_torch_autograd():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.uniform(-1.5, 1.5, (5, 6)), dtype=torch.float64, requires_grad=True)
    f = chain_function(x)
    (g,) = torch.autograd.grad(f.sum(), x)
    eps = np.finfo(float).eps
    np.testing.assert_allclose(
        g.cpu().numpy(), chain_gradient(x.detach()).cpu().numpy(), atol=1e2 * eps * 23
    )
    h = torch.autograd.functional.hessian(lambda y: chain_function(y), x.detach()[0])
    np.testing.assert_allclose(
        h.cpu().numpy(), chain_hessian(x.detach()[0]).cpu().numpy(), atol=1e2 * eps * 152
    )


# ------------------------------------------------------------------------- embedding
@settings(max_examples=5, deadline=None)
@given(seed=SEEDS)
def test_rotation_covariance_and_bounded_instance(xp, device, seed):
    dt, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    d, t = 30, 5
    u = random_embedding(d, t, rng=rng, xp=xp, dtype=dt, device=device)
    uh = _h(u)
    x = rng.standard_normal((3, d))
    xx = xp.asarray(x, dtype=dt, device=device)
    plain = rotated_chain(u, bounded=False)
    g = _h(plain.gradient(xx))
    want = _h(chain_gradient(xp.asarray(x @ uh, dtype=dt, device=device))) @ uh.T
    # ||grad||_inf <= 23, T terms: 1e2 eps * 23 sqrt(T)
    np.testing.assert_allclose(g, want, atol=1e2 * eps * 23 * math.sqrt(t))
    bounded = rotated_chain(u)
    assert pytest.approx(230 * math.sqrt(t)) == bounded.R
    big = xp.asarray(1e4 * x, dtype=dt, device=device)
    rho = _h(bounded._rho(big, xp)[0])
    assert np.all(np.linalg.norm(rho, axis=1) < bounded.R)


def test_bounded_gradient_matches_finite_differences_and_is_large():
    rng = np.random.default_rng(0)
    d, t = 40, 4
    f = rotated_chain(random_embedding(d, t, rng=rng), R=3.0)
    x = rng.standard_normal(d)
    h = 1e-6
    fd = np.array([(f.value(x + h * e) - f.value(x - h * e)) / (2 * h) for e in np.eye(d)])
    np.testing.assert_allclose(f.gradient(x), fd, atol=1e-6)
    f = rotated_chain(random_embedding(400, 10, rng=rng))
    x = rng.standard_normal((2000, 400)) * rng.choice([0.1, 1.0, 10.0], (2000, 1))
    unfinished = np.abs(f.chain_point(x)[:, -1]) < 1
    assert np.linalg.norm(f.gradient(x[unfinished]), axis=1).min() >= 0.5  # CDHS Lemma 7


# ------------------------------------------------------------------------- oracles
@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, t=st.integers(2, 10), p=st.floats(0.05, 1.0), data=st.data())
def test_bernoulli_oracle_unbiased_with_variance_formula(xp, device, seed, t, p, data):
    """Exact: enumerate xi in {0, 1}: E g = grad f and E||g - grad f||^2 = (1-p)/p g_{prog+1}^2."""
    dt, eps = dtype_eps(xp, device)
    prog = data.draw(st.integers(0, t - 1))
    x = _chain_point(np.random.default_rng(seed), t, prog)
    x[prog:] *= 0.49  # below 1/4: prog_{1/4} = prog_{1/2} = prog
    xx = xp.asarray(x, dtype=dt, device=device)
    g0 = _h(bernoulli_chain_oracle(xx, p=p, xi=0))
    g1 = _h(bernoulli_chain_oracle(xx, p=p, xi=1))
    grad = _h(chain_gradient(xx))
    mean = (1 - p) * g0 + p * g1
    # |g| <= 23/p: a two-term average, 1e2 eps relative to that scale
    np.testing.assert_allclose(mean, grad, atol=1e2 * eps * 23 / p)
    var = (1 - p) * np.sum((g0 - grad) ** 2) + p * np.sum((g1 - grad) ** 2)
    want = (1 - p) / p * grad[prog] ** 2
    assert var == pytest.approx(want, rel=1e3 * eps / p, abs=1e3 * eps * 23**2 / p)
    assert var <= 23**2 * (1 - p) / p * (1 + 1e2 * eps)
    diff = np.nonzero(g0 != grad)[0]
    assert set(diff.tolist()) <= {prog}  # only the next coordinate is masked


def test_gd_needs_at_least_T_queries_and_is_zero_respecting():
    t = 12
    snapshots = []
    oracle = ZeroChainOracle(t)
    res = oracle_descent(
        oracle,
        np.zeros(t),
        step=1 / 152,
        max_queries=10**5,
        eps=1.0,
        callback=lambda n, x: snapshots.append((n, x.copy())) and False,
    )
    assert isinstance(res, ChainRunResult)
    assert res.converged
    assert res.status == "converged"
    assert res.n_queries >= t
    for n, x in snapshots:
        assert np.all(x[n:] == 0.0)  # after n queries, coordinates n+1..T are exactly 0
    prog = np.asarray(res.progress)
    assert np.all(np.diff(prog) <= 1)  # at most one new coordinate per query
    assert prog[-1] == t


def test_sgd_progress_is_dominated_by_binomial():
    """Progress after N queries is stochastically dominated by Binomial(N, p) (10^3 runs,
    one-sided KS-type check: empirical CDF >= binomial CDF - 3 sigma)."""
    from scipy import stats

    t, p, n_q, runs = 30, 0.2, 60, 1000
    oracle = ZeroChainOracle(t, p=p, rng=0)
    x = np.zeros((runs, t))  # 1000 independent runs as one batch: one coin per run and query
    for _ in range(n_q):
        x = x - oracle(x) / 152.0
    assert oracle.n_queries == runs * n_q
    finals = np.asarray(oracle.progress(x, alpha=0.25))
    ks = np.arange(t + 1)
    emp = np.array([(finals <= k).mean() for k in ks])
    binom = stats.binom.cdf(ks, n_q, p)
    assert np.all(emp >= binom - 3 * np.sqrt(0.25 / runs))
    assert finals.mean() <= n_q * p


def test_scaled_chain_properties():
    f = scaled_chain(3.0, 0.02, 4.0)
    assert math.floor(4.0 * 3.0 / (12 * 152 * 0.02**2)) == f.T
    x = np.random.default_rng(0).uniform(-1, 1, (500, f.T)) * f.lam
    unfinished = np.any(np.abs(x / f.lam) < 1, axis=1)
    assert np.all(np.linalg.norm(f.gradient(x[unfinished]), axis=1) > f.eps)
    gap = f.value(np.zeros(f.T)) - f.value(np.full(f.T, 10.0 * f.lam))
    assert gap <= f.Delta
    y = x[:50]
    z = y + 0.01 * f.lam * np.random.default_rng(1).standard_normal(y.shape)
    lip = np.linalg.norm(f.gradient(y) - f.gradient(z), axis=1) / np.linalg.norm(y - z, axis=1)
    assert lip.max() <= f.L * (1 + 1e-12)


def test_outputs_follow_input(xp, device):
    dt = dtype_eps(xp, device)[0]
    x = xp.asarray(np.linspace(-1, 1, 6), dtype=dt, device=device)
    for out in (
        psi(x),
        phi(x),
        chain_gradient(x),
        chain_function(x),
        chain_hessian(x),
        bernoulli_chain_oracle(x, p=0.5, rng=0),
    ):
        assert out.dtype == dt
    assert xp.isdtype(progress(x).dtype, "integral")


def test_bad_input():
    with pytest.raises(ValueError, match="T"):
        random_embedding(5, 0)
    with pytest.raises(ValueError, match="d must be >= T"):
        random_embedding(3, 5)
    with pytest.raises(ValueError, match="T"):
        ZeroChainOracle(0)
    with pytest.raises(ValueError, match=r"T >= 1"):
        scaled_chain(1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="p must be in"):
        bernoulli_chain_oracle(np.zeros(3), p=1.5)
    with pytest.raises(ValueError, match="p"):
        bernoulli_chain_oracle(np.zeros(3), p=0.0)
    with pytest.raises(ValueError, match="xi"):
        bernoulli_chain_oracle(np.zeros(3), p=0.5, xi=2)
    with pytest.raises(ValueError, match="orthonormal"):
        rotated_chain(np.ones((5, 2)))
    with pytest.raises(ValueError, match="dimension"):
        chain_function(np.asarray(1.0))
    with pytest.raises(ValueError, match="alpha"):
        progress(np.zeros(3), alpha=1.0)
    with pytest.raises(ValueError, match="order"):
        psi(np.zeros(3), order=-1)
    with pytest.raises(TypeError, match="ZeroChainOracle"):
        oracle_descent(lambda x: x, np.zeros(3), step=0.1, max_queries=3, eps=1.0)
    with pytest.raises(ValueError, match="x0 must have shape"):
        oracle_descent(ZeroChainOracle(3), np.zeros(4), step=0.1, max_queries=3, eps=1.0)
    with pytest.raises(TypeError, match="complex"):
        chain_gradient(np.zeros(3, dtype=complex))
