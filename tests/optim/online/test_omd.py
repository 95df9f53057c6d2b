"""Optimistic OMD: the pathwise RVU inequality, exact reductions, projections, bad input."""

from __future__ import annotations

import array_api_extra as xpx
import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl._xp import to_host
from refimpl.optim.online import (
    Domain,
    OptimisticEnsemble,
    OptimisticOMD,
    OptimisticONS,
    optimistic_omd,
    project_ball,
    project_ball_mahalanobis,
    project_box,
    project_simplex,
    run_online,
    sea_iid,
)

DOMAINS = {
    "ball": Domain.ball(1.5),
    "box": Domain.box(-1.0, [0.5, 1.0, 2.0]),
    "simplex": Domain.simplex(),
}


def _eps(xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    return dtype, float(xp.finfo(dtype).eps)


def _sequence(rng, kind, T, d):
    """Host gradient sequences: random, alternating (adversarial to last-grad hints), spiky."""
    if kind == "random":
        return rng.standard_normal((T, d)) * rng.uniform(0.1, 3.0)
    if kind == "alternating":
        v = rng.standard_normal(d)
        return np.array([v if t % 2 == 0 else -v for t in range(T)]) * 2.0
    g = rng.standard_normal((T, d)) * 0.1
    g[rng.integers(0, T, size=3)] *= 100.0
    return g


def _run(xp, device, dtype, domain, grads, *, step, hint="last_grad", x0=None, mirror="euclidean"):
    d = grads.shape[1]
    x0 = domain.project(np.zeros(d)) if x0 is None else x0
    seq = xp.asarray(grads, dtype=dtype, device=device)
    return optimistic_omd(
        lambda t, x: seq[t, ...],
        xp.asarray(np.asarray(x0), dtype=dtype, device=device),
        n_rounds=grads.shape[0],
        domain=domain,
        step=step,
        hint=hint,
        mirror=mirror,
        grad_bound=float(np.linalg.norm(grads, axis=1).max()),
    )


@settings(max_examples=15)
@given(
    seed=st.integers(0, 2**32 - 1),
    T=st.integers(1, 40),
    kind=st.sampled_from(["random", "alternating", "spiky"]),
    dom=st.sampled_from(sorted(DOMAINS)),
    adaptive=st.booleans(),
)
def test_rvu_inequality_pathwise(xp, device, seed, T, kind, dom, adaptive):
    """Spec 2.3: sum <g_t, x_t - u> <= telescoped distance terms + sum eta_t ||g_t - M_t||^2
    - sum (||x_t - x_hat_t||^2 + ||x_t - x_hat_{t+1}||^2) / (2 eta_t), for every u in X."""
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    domain = DOMAINS[dom]
    grads = _sequence(rng, kind, T, 3)
    res = _run(xp, device, dtype, domain, grads, step="adaptive" if adaptive else 0.37)
    host = {
        k: to_host(getattr(res, k)).astype(np.float64)
        for k in ("iterates", "x_hats", "hints", "grads", "steps")
    }
    x, xh, m, g, eta = (host[k] for k in ("iterates", "x_hats", "hints", "grads", "steps"))
    assert np.all(np.diff(eta) <= 0)  # non-increasing steps
    us = [domain.project(rng.standard_normal(3) * 3) for _ in range(4)] + [x[-1]]
    for u in (np.asarray(v, dtype=np.float64) for v in us):
        lhs = np.sum(np.sum(g * (x - u), axis=1))
        dist = np.sum((u - xh) ** 2, axis=1)  # ||u - x_hat_t||^2, t = 1..T+1
        inv = 1.0 / (2.0 * eta)
        tele = inv[0] * dist[0] + np.sum(np.diff(inv) * dist[1:T]) - inv[-1] * dist[T]
        stab = np.sum(inv * (np.sum((x - xh[:T]) ** 2, 1) + np.sum((x - xh[1:]) ** 2, 1)))
        rhs = tele + np.sum(eta * np.sum((g - m) ** 2, axis=1)) - stab
        # round-off: each of the O(T) terms carries relative error ~ eps; 1e2 T eps of scale
        scale = np.sum(np.abs(g * (x - u))) + tele + stab + np.sum(eta * np.sum((g - m) ** 2, 1))
        assert lhs <= rhs + 1e2 * T * eps * (scale + 1.0)
        # the spec's looser form with D^2 / (2 eta_T)
        big_d = domain.diameter(3)
        assert lhs <= big_d**2 * inv[-1] + np.sum(eta * np.sum((g - m) ** 2, 1)) - stab + (
            1e2 * T * eps * (scale + 1.0)
        )


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 30), dom=st.sampled_from(sorted(DOMAINS)))
def test_zero_hints_is_projected_ogd(xp, device, seed, T, dom):
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    domain = DOMAINS[dom]
    grads = rng.standard_normal((T, 3))
    res = _run(xp, device, dtype, domain, grads, step=0.2, hint="zero")
    # x_t = x_hat_t, and x_hat_{t+1} = Pi(x_hat_t - eta g_t) written out on the host
    x = np.asarray(domain.project(np.zeros(3)))
    want = []
    for t in range(T):
        want.append(x)
        x = np.asarray(domain.project(x - 0.2 * grads[t]))
    assert_close(
        res.iterates,
        xp.asarray(np.array(want), dtype=dtype, device=device),
        rtol=1e2 * T * eps,
        atol=1e2 * T * eps,
    )  # T projections, each O(eps)
    # x_t = Pi(x_hat_t): one re-projection of a feasible point, a few eps
    assert_close(res.iterates, res.x_hats[:-1, ...], rtol=1e1 * eps, atol=1e1 * eps)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 40), eta=st.floats(0.01, 2.0))
def test_perfect_hints_regret_bounded(xp, device, seed, T, eta):
    """M_t = g_t (oracle hints, linear losses): sum <g_t, x_t - u> <= ||u - x_hat_1||^2/(2 eta)."""
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    domain = DOMAINS["ball"]
    grads = rng.standard_normal((T, 3)) * 5
    learner = OptimisticOMD(
        xp.zeros(3, dtype=dtype, device=device), domain=domain, step=eta, hint="external"
    )
    xs = []
    for t in range(T):
        g = xp.asarray(grads[t], dtype=dtype, device=device)
        xs.append(to_host(learner.predict(g)).astype(np.float64))
        learner.update(g)
    xs = np.array(xs)
    u = -domain.radius * grads.sum(0) / np.linalg.norm(grads.sum(0))  # best fixed point
    lhs = float(np.sum(grads * (xs - u)))
    assert lhs <= domain.diameter(3) ** 2 / (2 * eta) * 0.25 + 1e2 * T * eps * np.abs(grads).sum()
    # non-vacuity: plain OGD (zero hints) does worse than the bound on long random sequences
    assert lhs <= np.sum(u**2) / (2 * eta) + 1e2 * T * eps * np.abs(grads).sum()


@settings(max_examples=15)
@given(
    seed=st.integers(0, 2**32 - 1),
    T=st.integers(1, 30),
    d=st.integers(2, 6),
    eta=st.floats(0.05, 3.0),
)
def test_entropic_is_closed_form_optimistic_hedge(xp, device, seed, T, d, eta):
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((T, d))
    res = _run(
        xp,
        device,
        dtype,
        Domain.simplex(),
        grads,
        step=eta,
        x0=np.full(d, 1.0 / d),
        mirror="entropic",
    )
    cum = np.vstack([np.zeros(d), np.cumsum(grads, axis=0)])[:T]
    hint = np.vstack([np.zeros(d), grads[:-1]])
    logits = -eta * (cum + hint)
    want = np.exp(logits - logits.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    assert_close(
        res.iterates,
        xp.asarray(want, dtype=dtype, device=device),
        rtol=1e2 * T * eps,
        atol=1e2 * T * eps,
    )  # T exp/log renormalisations


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 7))
def test_projections_are_feasible_and_optimal(xp, device, seed, d):
    """Feasible, idempotent, and the obtuse-angle condition <y - P y, z - P y> <= 0."""
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    y_np = rng.standard_normal((5, d)) * 3
    y = xp.asarray(y_np, dtype=dtype, device=device)
    lo, hi = -rng.uniform(0, 1, d), rng.uniform(0, 1, d)
    cases = [
        (Domain.ball(1.3), project_ball(y, radius=1.3)),
        (
            Domain.box(lo.tolist(), hi.tolist()),
            project_box(y, lower=lo.tolist(), upper=hi.tolist()),
        ),
        (Domain.simplex(2.0), project_simplex(y, radius=2.0)),
    ]
    tol = 1e2 * eps * 10  # O(d) rounded operations on entries of size <= 10
    for dom, p in cases:
        assert bool(xp.all(dom.contains(p, atol=tol)))
        assert_close(dom.project(p), p, rtol=tol, atol=tol)
        ph = to_host(p).astype(np.float64)
        zs = [np.asarray(dom.project(rng.standard_normal(d) * 3)) for _ in range(5)]
        zs.append(np.asarray(dom.project(2.0 * y_np)))  # feasible points in the direction of y
        for z in zs:
            assert np.all(np.sum((y_np - ph) * (z - ph), axis=-1) <= 1e3 * eps * 100)
    # host closed forms (independent of the library's projections) for the ball and the box
    nrm = np.linalg.norm(y_np, axis=1, keepdims=True)
    want_ball = y_np * np.minimum(1.0, 1.3 / nrm)
    assert_close(cases[0][1], xp.asarray(want_ball, dtype=dtype, device=device), rtol=tol, atol=tol)
    want_box = np.clip(y_np, lo, hi)
    assert_close(cases[1][1], xp.asarray(want_box, dtype=dtype, device=device), rtol=tol, atol=tol)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 5))
def test_mahalanobis_projection_kkt(xp, device, seed, d):
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    b = rng.standard_normal((d, d))
    a = b @ b.T + 0.5 * np.eye(d)
    y = rng.standard_normal(d) * 3
    x = to_host(
        project_ball_mahalanobis(
            xp.asarray(y, dtype=dtype, device=device), xp.asarray(a, dtype=dtype, device=device)
        )
    )
    x = x.astype(np.float64)
    assert np.linalg.norm(x) <= 1 + 1e2 * eps
    # optimality: <A (y - x), z - x> <= 0 for feasible z (checked on random feasible points)
    for _ in range(10):
        z = rng.standard_normal(d)
        z /= max(1.0, np.linalg.norm(z))
        assert (a @ (y - x)) @ (z - x) <= 1e4 * eps * np.linalg.norm(a) * 10
    if np.linalg.norm(y) <= 1:
        np.testing.assert_allclose(x, y, rtol=eps, atol=eps)  # returned unchanged (one cast)


def test_learners_keep_iterates_in_domain(xp, device):
    dtype, eps = _eps(xp, device)
    env = sea_iid(64, 3, noise=2.0, n_runs=2, rng=1, xp=xp, dtype=dtype, device=device)
    x0 = xp.zeros((2, 3), dtype=dtype, device=device)
    for learner in (
        OptimisticOMD(x0, domain=env.domain, grad_bound=env.grad_bound),
        OptimisticOMD(x0, domain=env.domain, step="strongly_convex", strong_convexity=1.0),
        OptimisticONS(x0, domain=env.domain, beta=0.1),
        OptimisticEnsemble(
            x0, domain=env.domain, horizon=64, grad_bound=env.grad_bound, smoothness=1.0
        ),
    ):
        out = run_online(learner, env)
        assert out.iterates.dtype == dtype
        assert bool(xp.all(env.domain.contains(out.iterates, atol=1e2 * eps)))


# --------------------------------------------------------------------------- bad input
def test_bad_domains():
    with pytest.raises(ValueError, match="not convex"):
        Domain(kind="sphere")
    with pytest.raises(ValueError, match="domain kind must be one of"):
        Domain(kind="torus")
    with pytest.raises(ValueError, match="lower <= upper"):
        Domain.box(1.0, 0.0)
    with pytest.raises(ValueError, match="radius must be a finite positive"):
        Domain.ball(-1.0)
    with pytest.raises(ValueError, match="both lower and upper"):
        Domain(kind="box", lower=0.0)
    with pytest.raises(TypeError, match=r"domain must be a refimpl\.optim\.online\.Domain"):
        OptimisticOMD(np.zeros(2), domain="ball")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a simplex domain"):
        OptimisticOMD(np.zeros(2), domain=Domain.ball(), mirror="entropic", step=1.0)
    with pytest.raises(ValueError, match="x0 must lie in the domain"):
        OptimisticOMD(np.full(2, 5.0), domain=Domain.ball(), step=1.0)


def test_bad_steps_and_horizons():
    dom = Domain.ball()
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="step must be a finite positive"):
            OptimisticOMD(np.zeros(2), domain=dom, step=bad)
    with pytest.raises(ValueError, match="step must be positive"):
        OptimisticOMD(np.zeros((2, 2)), domain=dom, step=np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="needs grad_bound > 0 or delta > 0"):
        OptimisticOMD(np.zeros(2), domain=dom)
    with pytest.raises(ValueError, match="needs strong_convexity"):
        OptimisticOMD(np.zeros(2), domain=dom, step="strongly_convex")
    with pytest.raises(ValueError, match="n_rounds must be a positive int"):
        optimistic_omd(lambda t, x: x, np.zeros(2), n_rounds=0, domain=dom, step=1.0)
    with pytest.raises(ValueError, match="T must be a positive int"):
        sea_iid(0, 2)
    with pytest.raises(ValueError, match="horizon must be a positive int"):
        OptimisticEnsemble(np.zeros(2), domain=dom, horizon=-3, grad_bound=1.0)
    with pytest.raises(ValueError, match="step_grid must be non-empty"):
        OptimisticEnsemble(np.zeros(2), domain=dom, horizon=3, grad_bound=1.0, step_grid=[0.1, 0])


def test_bad_gradients(xp, device):
    dtype, _ = _eps(xp, device)
    learner = OptimisticOMD(xp.zeros(3, dtype=dtype, device=device), domain=Domain.ball(), step=0.1)
    learner.predict()
    with pytest.raises(ValueError, match=r"grad must have shape \(3,\)"):
        learner.update(xp.zeros(4, dtype=dtype, device=device))
    with pytest.raises(ValueError, match="grad must be finite"):
        learner.update(xp.asarray([1.0, float("nan"), 0.0], dtype=dtype, device=device))
    with pytest.raises(TypeError, match="grad must be a real numeric array"):
        learner.update(xp.asarray([True, False, True], device=device))
    learner.update(xp.ones(3, dtype=dtype, device=device))
    with pytest.raises(RuntimeError, match="update\\(\\) must follow predict"):
        learner.update(xp.ones(3, dtype=dtype, device=device))
    with pytest.raises(ValueError, match="grad must be finite"):
        optimistic_omd(
            lambda t, x: x * float("inf"),
            xp.ones(3, dtype=dtype, device=device) / 4,
            n_rounds=3,
            domain=Domain.ball(),
            step=0.1,
        )


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(1, 30))
def test_adaptive_and_strongly_convex_step_rules(xp, device, seed, T):
    """eta_t = D / sqrt(4 G^2 + sum_{s<t} ||g_s - M_s||^2) and eta_t = 2 / (lambda t)."""
    dtype, eps = _eps(xp, device)
    rng = np.random.default_rng(seed)
    grads = rng.standard_normal((T, 3))
    dom = DOMAINS["ball"]
    res = _run(xp, device, dtype, dom, grads, step="adaptive")
    g_bound = float(np.linalg.norm(grads, axis=1).max())
    m = np.vstack([np.zeros(3), grads[:-1]])
    sq = np.concatenate([[0.0], np.cumsum(np.sum((grads - m) ** 2, 1))[:-1]])
    want = dom.diameter(3) / np.sqrt(4 * g_bound**2 + sq)
    assert_close(
        res.steps, xp.asarray(want, dtype=dtype, device=device), rtol=1e2 * T * eps, atol=0.0
    )  # O(T) accumulated squares
    learner = OptimisticOMD(
        xp.zeros(3, dtype=dtype, device=device),
        domain=dom,
        step="strongly_convex",
        strong_convexity=0.5,
    )
    for t in range(1, 4):
        learner.predict()
        assert abs(float(learner.step) - 2.0 / (0.5 * t)) <= 4 * eps * 4.0 / t
        learner.update(xp.ones(3, dtype=dtype, device=device))
