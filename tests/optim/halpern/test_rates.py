"""Fitted rates of refimpl.optim.halpern (float64 NumPy only, CONVENTIONS.md §4).

* residual ~ 1/k for classical Halpern, Algorithm 1 and Algorithm 2 (constant inner steps):
  the across-seed mean residual is fitted on log-log (spec 1.9: slope in [-1.15, -0.85]);
* the VR-FoRB inner error decreases geometrically in the inner step count (semilog fit);
* oracle calls to reach a fixed eps grow like sqrt(n) for Algorithm 1 (slow).
"""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.optim.halpern import halpern, random_linear_problem, vr_halpern
from refimpl.optim.halpern._methods import _vr_forb_reference
from refimpl.testing import assert_rate, estimate_order

pytestmark = pytest.mark.only_xp("numpy", reason="rates are fitted in float64")

N, DIM, SEEDS = 20, 5, range(6)


def _mean_history(run):
    hist = [np.asarray(run(seed).residuals) for seed in SEEDS]
    m = min(len(h) for h in hist)
    return np.arange(m), np.mean([h[:m] for h in hist], axis=0)  # average before the log


def _problem(seed):
    p, _ = random_linear_problem(N, DIM, rank=4, rng=seed)
    return p, np.random.default_rng(seed + 100).standard_normal(DIM)


@pytest.mark.parametrize("method", ["halpern", "page", "inexact"])
def test_residual_decays_like_one_over_k(xp, method):
    def run(seed):
        p, u0 = _problem(seed)
        common = {"tol": 0.0, "record_every": 1, "max_oracle_calls": 10**8}
        if method == "halpern":
            return halpern(p, u0, max_iter=1000, **common)
        if method == "page":
            return vr_halpern(p, u0, max_iter=3000, rng=seed, **common)
        return vr_halpern(
            p, u0, variant="inexact", inner_steps=10, max_iter=400, rng=seed, **common
        )

    k, res = _mean_history(run)
    # late window: skip the transient (k < 4); 2+ decades of err for halpern/page
    fit = assert_rate(
        k[4:], res[4:], expected=-1.0, tol=0.15, min_decades=1.5 if method == "inexact" else 2.0
    )
    assert fit.n_points > 100


def test_inexact_resolvent_error_decreases_geometrically(xp):
    """||v_M - J_{cF}(u)|| (mean over 10 streams) against M: geometric (semilogy slope < 0,
    three decades); the exact resolvent solves (c Qbar + I) v = u - c F(0)."""
    n, dim, c = 20, 5, 2.0
    p, _ = random_linear_problem(n, dim, skew=0.5, rng=0)
    f0 = np.asarray(p.F(np.zeros(dim)))
    qbar = np.stack([np.asarray(p.F(e)) - f0 for e in np.eye(dim)], axis=1)
    u = np.random.default_rng(1).standard_normal(dim)
    exact = np.linalg.solve(c * qbar + np.eye(dim), u - c * f0)
    pr = 1 / n
    gamma = np.sqrt(pr * (1 - pr)) / (1 + c * p.avg_lipschitz)  # the method's default
    ms = np.array([40, 80, 120, 160, 200, 240, 280, 320])
    errs = []
    for m in ms:
        e = []
        for s in range(10):
            g = np.random.default_rng(s)
            xi, coins = g.integers(0, n, size=m), g.random(m) < pr
            v, _ = _vr_forb_reference(p, u, c, gamma, 1 - pr, xi, coins, False)
            e.append(np.linalg.norm(v - exact))
        errs.append(np.mean(e))
    fit = estimate_order(ms, errs, scale="semilogy")
    assert fit.ci_high < 0  # decreasing, significantly
    # calibrated (seeds 0-9): about -0.028 per inner step; the band admits 2x either way
    assert_rate(ms, errs, expected=-0.028, tol=0.018, scale="semilogy", min_decades=2.0)


@pytest.mark.slow
def test_oracle_calls_to_eps_scale_like_sqrt_n(xp):
    """Algorithm 1 on random cocoercive problems with L fixed: calls to reach eps with
    sqrt(n) L / eps >> n log n; fitted exponent over n in {100, 400, 1600} is 0.5 +- 0.15."""
    eps = 2e-4
    ns = [100, 400, 1600]
    calls = []
    for n in ns:
        per_seed = []
        for seed in range(4):
            p, _ = random_linear_problem(n, 4, rng=seed)
            u0 = np.random.default_rng(seed + 7).standard_normal(4)
            r = vr_halpern(p, u0, tol=eps, max_oracle_calls=10**9, rng=seed, record_every=1)
            assert r.converged
            per_seed.append(int(r.oracle_calls[-1]))
        calls.append(np.mean(per_seed))
    fit = estimate_order(ns, calls)
    assert abs(fit.slope - 0.5) <= 0.15, (fit.slope, calls)
