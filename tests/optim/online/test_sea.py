"""SEA environments: exact sigma_t^2 / Sigma_t^2 and the exact hindsight minimiser."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.optim.online import (
    OptimisticOMD,
    run_online,
    sea_adversarial_linear,
    sea_drifting,
    sea_quadratic,
)

pytestmark = pytest.mark.only_xp("numpy", reason="host oracles in float64")


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 4), T=st.integers(2, 30))
def test_hindsight_matches_projected_gradient_oracle(xp, seed, d, T):
    rng = np.random.default_rng(seed)
    b = rng.standard_normal((d, d))
    h = b @ b.T * rng.uniform(0, 2) + (np.eye(d) * 0.0 if seed % 2 else np.eye(d) * 0.1)
    env = sea_quadratic(
        T,
        d,
        curvature=h,
        centres=rng.standard_normal((T, d)) * 2,
        noise=rng.uniform(0, 3),
        n_runs=2,
        rng=seed,
    )
    x_star, val = env.hindsight([T])
    # oracle: projected gradient descent on the prefix sum (host, float64, many steps)
    c, lin = np.asarray(env.centres), np.asarray(env.drift + env.noise)
    for r in range(2):
        q = h @ c.sum(0) - lin[:, r].sum(0)
        x = np.zeros(d)
        step = 1.0 / (T * max(np.linalg.eigvalsh(h).max(), 1e-3))
        for _ in range(5000):
            x = x - step * (T * h @ x - q)
            x = x / max(1.0, np.linalg.norm(x))

        def f(z, q=q):
            return 0.5 * T * z @ h @ z - q @ z

        # the exact minimiser is no worse than the oracle's (which converges from above)
        got = np.asarray(x_star)[0, r]
        assert f(got) <= f(x) + 1e-9 * (1 + abs(f(x)))
        assert np.linalg.norm(got) <= 1 + 1e-12
        const = 0.5 * np.einsum("ti,ij,tj->", c, h, c)
        assert abs(float(val[0, r]) - (f(got) + const)) <= 1e-9 * (1 + abs(f(got) + const))


def test_sigma_and_Sigma_are_exact(xp):
    env = sea_quadratic(50, 3, noise=np.linspace(0, 2, 50), n_runs=4, rng=0)
    np.testing.assert_allclose(
        np.linalg.norm(np.asarray(env.noise), axis=-1),
        np.broadcast_to(np.linspace(0, 2, 50)[:, None], (50, 4)),
        rtol=1e-14,
        atol=1e-14,
    )  # ||xi_t|| = s_t exactly (Rademacher)
    env = sea_drifting(40, 2, speed=0.3, amplitude=0.5, curvature=2.0)
    want = (2 * 2.0 * 0.5 * np.sin(0.15)) ** 2
    np.testing.assert_allclose(np.asarray(env.Sigma2)[1:, 0], want, rtol=1e-12)
    assert float(env.Sigma2[0, 0]) == 0.0
    adv = sea_adversarial_linear(100, 3, scale=2.0, n_runs=3, rng=1)
    signs = np.sign(np.asarray(adv.drift)[:, :, 0])
    flips = np.sum(signs[1:] != signs[:-1], axis=0)
    np.testing.assert_allclose(np.asarray(adv.Sigma2).sum(0), 16.0 * flips, rtol=1e-12)


def test_dynamic_regret_against_per_round_minimisers(xp):
    env = sea_drifting(256, 2, speed=0.05, n_runs=1)
    u = np.asarray(env.centres)
    learner = OptimisticOMD(np.zeros((1, 2)), domain=env.domain, grad_bound=env.grad_bound)
    out = run_online(learner, env, comparator=u)
    # u_t = c_t minimises f_t (noiseless), so every round's term is >= 0 and the path is exact
    assert np.all(np.diff(np.asarray(out.dynamic_regret)[:, 0]) >= -1e-12)
    want_p = 255 * 2 * 0.5 * np.sin(0.025)
    np.testing.assert_allclose(float(out.path_length[-1, 0]), want_p, rtol=1e-12)
