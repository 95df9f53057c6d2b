"""Query complexity on the scaled chain (float64 NumPy only): GD needs ~eps^-2 queries, SGD
with the Bernoulli oracle (p ~ eps^2) ~eps^-4 (CDHS Theorem 2; Arjevani et al. Theorem 1).

Instances: ``scaled_chain(L=1, eps, Delta=1824)`` has T = floor(1/eps^2) links (eps chosen as
1/sqrt(T + 1/2)); step 1/L. GD's count is a + b T (a start-up transient), so the fit is on the
*increments* q(2T) - q(T), which remove the constant; SGD's count is ~ T/p + a.
"""

from __future__ import annotations

import numpy as np
import pytest

from refimpl.optim.hard_instances import ZeroChainOracle, scaled_chain
from refimpl.testing import estimate_order

pytestmark = pytest.mark.only_xp("numpy", reason="rates are fitted in float64")


def first_hits(t, p, runs, *, seed=0, max_q=10**6):
    """Query at which each of ``runs`` independent runs (one batch) first has ||grad|| <= eps."""
    f = scaled_chain(1.0, 1.0 / np.sqrt(t + 0.5), 1824.0)
    assert t == f.T
    oracle = ZeroChainOracle(f, p=p, rng=seed)
    x = np.zeros((runs, t))
    hit = np.full(runs, -1)
    for q in range(1, max_q + 1):
        x = x - oracle(x) / f.L
        done = (np.linalg.norm(oracle.gradient(x), axis=1) <= f.eps) & (hit < 0)
        hit[done] = q
        if np.all(hit > 0):
            break
    assert np.all(hit > 0)
    return hit, f.eps


def _gd_fit(ts):
    runs = [first_hits(t, 1.0, 1) for t in ts]
    qs = np.asarray([h[0] for h, _ in runs], dtype=float)
    eps = [e for _, e in runs]
    assert np.all(qs >= np.asarray(ts))  # at least T queries (zero chain)
    return estimate_order(np.asarray(eps[1:]), np.diff(qs)).slope


def _sgd_fit(ts, p0, runs):
    qs, eps = [], []
    for t in ts:
        e = 1.0 / np.sqrt(t + 0.5)
        p = p0 * (e / (1.0 / np.sqrt(ts[0] + 0.5))) ** 2  # p ~ eps^2 (sigma fixed)
        hit, _ = first_hits(t, p, runs, seed=t)
        assert np.all(hit >= t)
        qs.append(hit.mean())
        eps.append(e)
    return estimate_order(np.asarray(eps), np.asarray(qs)).slope


def test_gd_queries_scale_like_eps_minus_2():
    slope = _gd_fit([4, 8, 16, 32])
    assert -2.3 <= slope <= -1.7, slope


def test_sgd_queries_scale_like_eps_minus_4():
    slope = _sgd_fit([2, 4, 8, 16], 0.02, 10)
    assert -4.6 <= slope <= -3.4, slope


@pytest.mark.slow
def test_gd_and_sgd_fits_on_longer_chains():
    assert -2.2 <= _gd_fit([8, 16, 32, 64, 128]) <= -1.8
    assert -4.4 <= _sgd_fit([4, 8, 16, 32], 0.02, 50) <= -3.6
