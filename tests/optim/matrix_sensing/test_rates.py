"""Fitted rates of refimpl.optim.matrix_sensing (float64 NumPy only, CONVENTIONS.md §4).

Population operator (A*A = id), n = 20, r = 3, kappa = 2, eta = 0.05-0.1, over two seeds:

* symmetric k > r: ||X X^T - M*||_F ~ 1/T (log-log slope in [-1.1, -0.9]) and
  t ||E_t||_F -> sqrt(k - r)/(4 eta) (the spurious singular values follow s <- s - 2 eta s^3);
* symmetric k = r and asymmetric k = r: linear (semilogy slope < 0, error to 1e-12);
* asymmetric k > r: linear with rate rho ~ alpha^2 (slope of log rho vs log alpha in
  [1.7, 2.6]) and rho / (eta lambda_min(Delta_0)) in [0.5, 8] (a Theta(.) check);
* after rebalancing (reconstruction of Section 5): rho independent of alpha (within 10 %).
"""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.optim.matrix_sensing import (
    gd_asymmetric,
    gd_symmetric,
    ground_truth,
    initialize_asymmetric,
    initialize_symmetric,
    population_operator,
)
from refimpl.testing import assert_rate, estimate_order

pytestmark = pytest.mark.only_xp("numpy", reason="rates are fitted in float64")

N, R, KAPPA = 20, 3, 2.0
SEEDS = (0, 1)


def _linear_rate(res, lo=1e-10, hi=1e-4):
    """Semilogy slope of the residual on the window (lo, hi): before the round-off floor."""
    it, rr = np.asarray(res.iterations), np.asarray(res.residuals)
    sel = (rr > lo) & (rr < hi)
    assert sel.sum() > 20, "the fit window must hold enough points"
    return -estimate_order(it[sel], rr[sel], scale="semilogy").slope


@pytest.mark.parametrize("seed", SEEDS)
def test_symmetric_overparameterised_is_one_over_t(xp, seed):
    k, eta, t = 5, 0.05, 20000
    m = ground_truth(N, N, R, condition_number=KAPPA, symmetric=True, rng=seed)
    x0 = initialize_symmetric(N, k, alpha=0.05, rng=seed + 10)
    res = gd_symmetric(
        population_operator(N, N, symmetric=True), m, x0, step=eta, n_iter=t, record_every=10
    )
    it, rr = np.asarray(res.iterations), np.asarray(res.residuals)
    late = it >= 2000  # after the transient (signal learnt by t ~ 300)
    fit = assert_rate(it[late], rr[late], expected=-1.0, tol=0.1, min_decades=0.9)
    assert fit.n_points > 1000
    # squared error ~ 1/T^2
    fit2 = estimate_order(it[late], rr[late] ** 2)
    assert -2.2 <= fit2.slope <= -1.8
    limit = np.sqrt(k - R) / (4 * eta)
    assert abs(it[-1] * rr[-1] / limit - 1.0) < 0.1  # measured 0.98 at t = 2e4


@pytest.mark.parametrize("seed", SEEDS)
def test_exact_parameterisation_is_linear(xp, seed):
    m = ground_truth(N, N, R, condition_number=KAPPA, symmetric=True, rng=seed)
    x0 = initialize_symmetric(N, R, alpha=0.05, rng=seed + 10)
    res = gd_symmetric(population_operator(N, N, symmetric=True), m, x0, step=0.05, n_iter=3000)
    assert np.asarray(res.residuals)[-1] < 1e-12
    assert _linear_rate(res) > 1e-2
    ma = ground_truth(N, N, R, condition_number=KAPPA, rng=seed)
    f0, g0 = initialize_asymmetric(N, N, R, alpha=0.05, rng=seed + 10)
    res = gd_asymmetric(population_operator(N, N), ma, f0, g0, step=0.1, n_iter=3000)
    assert np.asarray(res.residuals)[-1] < 1e-12
    assert _linear_rate(res) > 1e-2


def _asym_rates(seed, alphas, **kw):
    ma = ground_truth(N, N, R, condition_number=KAPPA, rng=seed)
    out = []
    for a in alphas:
        f0, g0 = initialize_asymmetric(N, N, 5, alpha=a, rng=seed + 10)
        res = gd_asymmetric(
            population_operator(N, N),
            ma,
            f0,
            g0,
            step=0.1,
            n_iter=20000,
            tol=1e-11,
            record_every=5,
            **kw,
        )
        assert float(res.imbalance_min_eig[0]) > 0
        out.append((_linear_rate(res), float(res.imbalance_min_eig[0]), res))
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_asymmetric_overparameterised_rate_scales_like_alpha_squared(xp, seed):
    alphas = np.array([0.1, 0.07, 0.05])
    rates = _asym_rates(seed, alphas)
    rho = np.array([r[0] for r in rates])
    fit = estimate_order(alphas, rho)  # log rho vs log alpha
    assert 1.7 <= fit.slope <= 2.6, fit.slope
    for rh, lam, _ in rates:
        assert 0.5 <= rh / (0.1 * lam) <= 8.0


@pytest.mark.parametrize("seed", SEEDS)
def test_rebalanced_rate_is_independent_of_alpha(xp, seed):
    alphas = [0.1, 0.05, 0.03]
    rates = _asym_rates(seed, alphas, rebalance_tol=1e-2)
    rho = np.array([r[0] for r in rates])
    assert all(r[2].rebalanced_at is not None for r in rates)
    assert rho.max() / rho.min() < 1.1, rho
    plain = _asym_rates(seed, [0.03])[0][0]
    assert rho.min() > 5 * plain  # the modification helps where alpha is small
