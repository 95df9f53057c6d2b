"""Methods of refimpl.optim.halpern: exact identities, bounds, equivariance, oracle counting,
bad input and the numba backend.

Oracles: Lieder's tight bound (Optim. Lett. 2021, Thm 2.1) with the distance to the solution
set computed on the host by a pseudo-inverse; the deterministic anchored iteration written
out here; exact enumeration of all minibatches for the PAGE estimator; independently counted
calls of wrapped user operators; the reference VR-FoRB loop against the numba kernel.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st
from refimpl.backends._halpern_numba import vr_forb_numba

from refimpl import _xp
from refimpl.optim.halpern import (
    FiniteSumProblem,
    eag,
    extragradient,
    halpern,
    hard_qp,
    linear_problem,
    matrix_game,
    policeman_burglar_matrix,
    random_linear_problem,
    vr_extragradient,
    vr_halpern,
)
from refimpl.optim.halpern._methods import _Oracle, _page_estimate, _vr_forb_reference
from refimpl.testing.groups import random_orthogonal
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp


def _qbar(p):
    """Host Qbar and bbar of a linear problem, read off F (float64 NumPy problems)."""
    f0 = np.asarray(p.F(np.zeros(p.dim)))
    cols = [np.asarray(p.F(e)) - f0 for e in np.eye(p.dim)]
    return np.stack(cols, axis=1), -f0


def _dist_to_solutions(p, u0):
    q, b = _qbar(p)
    u_star = np.linalg.lstsq(q, b, rcond=None)[0]
    proj = np.linalg.pinv(q) @ q
    return float(np.linalg.norm(proj @ (u0 - u_star)))


# ----------------------------------------------------------------------- Lieder's bound
@given(seed=seeds(), n=st.integers(1, 6), dim=st.integers(1, 6), data=st.data())
def test_lieder_bound_on_random_cocoercive_instances(seed, n, dim, data):
    """||u_k - T u_k|| = eta ||F(u_k)|| <= 2 D / (k + 1), D = dist(u_0, solution set)."""
    rank = data.draw(st.integers(1, dim))
    p, _ = random_linear_problem(n, dim, rank=rank, rng=seed)
    u0 = np.random.default_rng(seed + 1).standard_normal(dim) * 3
    eta = 2 * p.cocoercivity
    r = halpern(p, u0, max_iter=60, tol=0.0)
    k = np.asarray(r.iterations)
    d = _dist_to_solutions(p, u0)
    ratio = eta * np.asarray(r.residuals) * (k + 1) / (2 * d)
    assert np.all(ratio <= 1 + 1e-10)
    assert len(k) == 61 or r.converged  # one record per iteration (each costs n calls)


def test_lieder_bound_is_attained_by_a_reflection(xp, device):
    """T = I - 2 F is a reflection on range(P) when F(u) = P P^T (u - z): the ratio is 1 at
    k = 0 and at every even k (non-vacuity: the test's bound is tight)."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(5)
    basis = np.linalg.qr(rng.standard_normal((4, 4)))[0][:, :2]
    proj = basis @ basis.T
    z = rng.standard_normal(4)
    q = np.stack([proj] * 3)
    p = linear_problem(to_xp(xp, q, dtype, device), to_xp(xp, q @ z, dtype, device))
    u0 = z + basis @ rng.standard_normal(2)
    r = halpern(p, to_xp(xp, u0, dtype, device), eta=2.0, max_iter=20, tol=0.0)
    ratio = 2.0 * _xp.to_host(r.residuals) * (np.arange(21) + 1) / (2 * np.linalg.norm(u0 - z))
    assert np.all(ratio <= 1 + 1e2 * eps)
    assert np.allclose(ratio[::2], 1.0, atol=1e2 * eps * 21)


# ------------------------------------------------------------ deterministic reduction
def _anchored(p, u0, eta, iters, xp):
    """u_{i+1} = J(lam_i u_0 + (1 - lam_i) u_i - eta F(u_i)), lam_i = 2/(i + 4)."""
    u, out = u0, []
    for i in range(iters):
        lam = 2.0 / (i + 4)
        u = p.J(lam * u0 + (1 - lam) * u - eta * p.F(u), eta)
        out.append(u)
    return out


@pytest.mark.parametrize("mode", ["prob=1", "batch=n"])
@settings(max_examples=10)
@given(seed=seeds())
def test_page_with_full_batches_is_the_deterministic_iteration(xp, device, mode, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((5, 5))
    p = matrix_game(to_xp(xp, a, dtype, device))
    u0 = to_xp(xp, np.full(10, 0.2), dtype, device)
    iters = 25
    kw = {"prob": 1.0} if mode == "prob=1" else {"batch_size": 5}
    want = _anchored(p, u0, 0.3, iters, xp)
    seen = []
    r = vr_halpern(
        p,
        u0,
        eta=0.3,
        max_iter=iters,
        tol=0.0,
        rng=seed,
        record_every=1,
        callback=lambda k, u, res, calls: seen.append(u),
        **kw,
    )
    assert len(seen) == iters + 1 or r.converged  # a pure equilibrium can be hit exactly
    for k in range(1, len(seen)):
        # F~ accumulates one rounding per step (batch=n); 1e2 eps per step and unit scale
        assert_close(seen[k], want[k - 1], rtol=0, atol=1e2 * eps * k * (1 + np.abs(a).max()))
    if mode == "prob=1":
        assert int(r.oracle_calls[-1]) == 5 * r.n_iter  # one full operator per step


# ------------------------------------------------------------------ PAGE estimator
@given(seed=seeds(), n=st.integers(2, 6), data=st.data())
def test_page_estimator_unbiased_by_enumeration(xp, device, seed, n, data):
    """Over all subsets S of size b (without replacement): E[F~] = g + F(u) - F(u'), the
    variance is (n-b)/(b(n-1)) (1/n) sum_i ||D_i - Dbar||^2, and with the coin p,
    E||e_k||^2 = (1 - p)(||e_{k-1}||^2 + variance), e = F~ - F."""
    dtype, eps = dtype_eps(xp, device)
    b = data.draw(st.integers(1, n))
    p, _ = random_linear_problem(n, 3, skew=0.5, rng=seed, xp=xp, dtype=dtype, device=device)
    rng = np.random.default_rng(seed)
    u, u_prev, g = (to_xp(xp, rng.standard_normal(3), dtype, device) for _ in range(3))
    oracle = _Oracle(p, xp, device)
    ests = [
        _page_estimate(oracle, g, u, u_prev, np.array(s))
        for s in itertools.combinations(range(n), b)
    ]
    assert oracle.calls == 2 * b * len(ests)
    stack = xp.stack(ests)
    mean = xp.mean(stack, axis=0)
    scale = 1.0 + float(xp.max(xp.abs(stack)))
    assert_close(mean, g + p.F(u) - p.F(u_prev), rtol=0, atol=1e2 * eps * scale)
    rows = p.F_components(u, xp.arange(n, device=device)) - p.F_components(
        u_prev, xp.arange(n, device=device)
    )
    spread = float(xp.mean(xp.sum((rows - xp.mean(rows, axis=0)) ** 2, axis=1)))
    var = float(xp.mean(xp.sum((stack - mean) ** 2, axis=1)))
    factor = (n - b) / (b * (n - 1)) if n > 1 else 0.0
    assert math.isclose(var, factor * spread, rel_tol=1e3 * eps, abs_tol=1e3 * eps * scale**2)
    pc = 0.3
    e_prev = float(xp.sum((g - p.F(u_prev)) ** 2))
    e_now = (1 - pc) * float(xp.mean(xp.sum((stack - p.F(u)) ** 2, axis=1)))
    assert math.isclose(
        e_now, (1 - pc) * (e_prev + var), rel_tol=1e3 * eps, abs_tol=1e3 * eps * scale**2
    )


# -------------------------------------------------------------------- equivariance
def _rotated(p, q):
    return FiniteSumProblem(
        n=p.n,
        dim=p.dim,
        components=lambda u, idx: p.components(q @ u, idx) @ q,
        lipschitz=p.lipschitz,
        avg_lipschitz=p.avg_lipschitz,
        cocoercivity=p.cocoercivity,
    )


def _translated(p, s):
    return FiniteSumProblem(
        n=p.n,
        dim=p.dim,
        components=lambda u, idx: p.components(u + s, idx),
        lipschitz=p.lipschitz,
        avg_lipschitz=p.avg_lipschitz,
        cocoercivity=p.cocoercivity,
    )


def _scaled(p, a):
    return FiniteSumProblem(
        n=p.n,
        dim=p.dim,
        components=lambda u, idx: p.components(u / a, idx),
        lipschitz=p.lipschitz / a,
        avg_lipschitz=p.avg_lipschitz / a,
    )


METHODS = {
    "halpern": (halpern, {"eta": 0.9}, "eta"),
    "page": (vr_halpern, {"eta": 0.3, "batch_size": 2}, "eta"),
    "inexact": (vr_halpern, {"variant": "inexact", "c": 0.5, "gamma": 0.05, "inner_steps": 5}, "c"),
    "eg": (extragradient, {"eta": 0.3}, "eta"),
    "eag": (eag, {"eta": 0.2}, "eta"),
    "vr_eg": (vr_extragradient, {"gamma": 0.1}, "gamma"),
}


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("action", ["rotation", "translation", "scaling"])
def test_equivariance_same_stream(xp, device, name, action):
    dtype, eps = dtype_eps(xp, device)
    func, kw, step = METHODS[name]
    rng = np.random.default_rng(11)
    p, _ = random_linear_problem(
        6, 4, skew=0.0 if name == "halpern" else 0.7, rng=rng, xp=xp, dtype=dtype, device=device
    )
    u0 = rng.standard_normal(4)
    iters = 12
    extra = {} if name in ("halpern", "eg", "eag") else {"rng": 3}
    base = func(p, to_xp(xp, u0, dtype, device), max_iter=iters, tol=0.0, **extra, **kw)
    kw2 = dict(kw)
    if action == "rotation":
        qh = random_orthogonal(rng, 4, special=False)
        q = to_xp(xp, qh, dtype, device)
        p2, v0, back = _rotated(p, q), qh.T @ u0, lambda x: q @ x
    elif action == "translation":
        sh = rng.standard_normal(4)
        s = to_xp(xp, sh, dtype, device)
        p2, v0, back = _translated(p, s), u0 - sh, lambda x: x + s
    else:
        a = 2.5
        p2, v0, back = _scaled(p, a), a * u0, lambda x: x / a
        kw2[step] = a * kw[step]
    other = func(p2, to_xp(xp, v0, dtype, device), max_iter=iters, tol=0.0, **extra, **kw2)
    scale = 1.0 + float(np.abs(u0).max()) * 3
    # a few roundings per iteration, each of relative size eps on O(scale) vectors
    assert_close(back(other.x), base.x, rtol=0, atol=1e2 * eps * iters * scale)
    assert_close(other.residuals, base.residuals, rtol=1e2 * eps * iters, atol=1e2 * eps * iters)
    # non-vacuity: the iterate moved and the action moved it
    assert float(xp.max(xp.abs(base.x - to_xp(xp, u0, dtype, device)))) > 1e-3
    assert float(xp.max(xp.abs(other.x - base.x))) > 1e-3


# -------------------------------------------------------------------- honest counting
def _counting(p):
    counts = {"rows": 0, "full": 0}

    def components(u, idx):
        counts["rows"] += int(idx.shape[0])
        return p.components(u, idx)

    def operator(u):
        counts["full"] += 1
        return p.F(u)

    wrapped = FiniteSumProblem(
        n=p.n,
        dim=p.dim,
        components=components,
        operator=operator,
        resolvent=p.resolvent,
        lipschitz=p.lipschitz,
        avg_lipschitz=p.avg_lipschitz,
        cocoercivity=p.cocoercivity,
    )
    return wrapped, counts


@pytest.mark.parametrize("name", list(METHODS))
def test_oracle_calls_are_counted_honestly(name):
    """Cumulative oracle_calls[-1] = component rows evaluated + n * full operators evaluated,
    counted independently by the wrapped user operators (residual records excluded)."""
    func, kw, _ = METHODS[name]
    p, _ = random_linear_problem(9, 3, skew=0.3, rng=2)
    w, counts = _counting(p)
    extra = {} if name in ("halpern", "eg", "eag") else {"rng": 0}
    r = func(w, np.ones(3), max_oracle_calls=9 * 40, tol=0.0, record_every=1, **extra, **kw)
    n_records = len(r.residuals)
    assert int(r.oracle_calls[-1]) == counts["rows"] + 9 * (counts["full"] - n_records)
    assert int(r.oracle_calls[-1]) >= 9 * 40
    assert np.all(np.diff(np.asarray(r.oracle_calls)) > 0)
    per_iter = {"halpern": 9, "eg": 18, "eag": 18}
    if name in per_iter:
        assert int(r.oracle_calls[-1]) == per_iter[name] * r.n_iter


# ------------------------------------------------------------------------- bad input
def test_bad_input():
    p, _ = random_linear_problem(4, 3, rng=0)
    u0 = np.zeros(3)
    with pytest.raises(ValueError, match="eta must be"):
        halpern(p, u0, eta=0.0)
    with pytest.raises(ValueError, match="gamma must be"):
        vr_extragradient(p, u0, gamma=-1.0)
    with pytest.raises(ValueError, match="u0 must have shape"):
        eag(p, np.zeros(4))
    with pytest.raises(ValueError, match="variant must be one of"):
        vr_halpern(p, u0, variant="svrg")
    with pytest.raises(ValueError, match="c must not be given"):
        vr_halpern(p, u0, c=1.0)
    with pytest.raises(ValueError, match="batch_size must not be given"):
        vr_halpern(p, u0, variant="inexact", batch_size=2)
    with pytest.raises(ValueError, match="snapshot must be one of"):
        vr_halpern(p, u0, variant="inexact", snapshot="middle")
    with pytest.raises(ValueError, match="batch_size must be in"):
        vr_halpern(p, u0, batch_size=5)
    with pytest.raises(ValueError, match="prob must be a probability"):
        vr_halpern(p, u0, prob=1.5)
    with pytest.raises(ValueError, match="backend must be one of"):
        vr_halpern(p, u0, variant="inexact", backend="cuda")
    with pytest.raises(TypeError, match="needs a problem built by"):
        vr_halpern(p, u0, variant="inexact", backend="numba")
    with pytest.raises(TypeError, match="problem must be a FiniteSumProblem"):
        halpern(object(), u0, eta=1.0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        halpern(p, u0, step=1.0)
    with pytest.raises(ValueError, match="eta must be given"):
        halpern(hard_qp(3), np.zeros(6))
    with pytest.raises(TypeError, match="callback must be callable"):
        halpern(p, u0, callback=3)
    bad = FiniteSumProblem(
        n=4,
        dim=3,
        components=lambda u, idx: p.components(u, idx)[:, :2],
        operator=p.F,
        lipschitz=1.0,
        avg_lipschitz=1.0,
    )
    with pytest.raises(ValueError, match="components must return shape"):
        vr_halpern(bad, u0, rng=0, batch_size=1, prob=0.5, max_iter=10)
    bad_full = FiniteSumProblem(
        n=4, dim=3, components=p.components, operator=lambda u: p.F(u)[:2], cocoercivity=1.0
    )
    with pytest.raises(ValueError, match="full operator must return shape"):
        halpern(bad_full, u0, max_iter=2)


@pytest.mark.parametrize("name", list(METHODS))
def test_nonfinite_iterates_stop_with_a_status(name):
    """Huge steps make every method diverge to inf: status 'nonfinite', x and the histories
    finite (the last finite iterate)."""
    func, kw, step = METHODS[name]
    p, _ = random_linear_problem(4, 3, skew=2.0, rng=1)
    kw = dict(kw)
    kw[step] = 1e30
    if name == "inexact":
        kw["gamma"] = 1e3
    extra = {} if name in ("halpern", "eg", "eag") else {"rng": 0}
    r = func(p, np.ones(3), max_iter=2000, tol=0.0, record_every=1, **extra, **kw)
    assert r.status == "nonfinite"
    assert not r.converged
    assert np.all(np.isfinite(np.asarray(r.x)))
    assert np.all(np.isfinite(np.asarray(r.residuals)))


def test_tol_and_callback_stop():
    p, _ = random_linear_problem(4, 3, rng=0)
    r = halpern(p, np.ones(3), tol=1e-2)
    assert r.converged
    assert r.status == "converged"
    assert float(r.residuals[-1]) <= 1e-2
    assert float(r.residuals[-2]) > 1e-2
    seen = []
    r2 = halpern(p, np.ones(3), tol=0.0, callback=lambda k, u, res, calls: seen.append(k) or k >= 3)
    assert r2.status == "callback"
    assert seen == [0, 1, 2, 3]
    r3 = vr_halpern(p, np.ones(3), max_oracle_calls=100, tol=0.0, rng=0)
    assert r3.status == "max_oracle_calls"
    assert 100 <= int(r3.oracle_calls[-1]) < 100 + 4 + 1


# ------------------------------------------------------------------------ numba backend
@pytest.mark.parametrize("make", ["game", "qp"])
@pytest.mark.parametrize("snapshot", ["inner", "outer"])
def test_numba_vr_forb_matches_reference(make, snapshot):
    n = 12
    p = matrix_game(np.asarray(policeman_burglar_matrix(n))) if make == "game" else hard_qp(n)
    rng = np.random.default_rng(4)
    u = np.full(2 * n, 1.0 / n) + (0 if make == "game" else rng.standard_normal(2 * n))
    xi = rng.integers(0, n, size=200)
    coins = rng.random(200) < 1 / n
    args = (0.7, 0.02, 1 - 1 / n, xi, coins, snapshot == "outer")
    v_ref, c_ref = _vr_forb_reference(p, u, *args)
    v_nb, c_nb = vr_forb_numba(p, u, *args)
    assert c_ref == c_nb == n * (1 + int(coins.sum())) + 2 * 200
    # 200 sequential steps, each a few roundings of O(1) numbers
    np.testing.assert_allclose(v_nb, v_ref, rtol=0, atol=1e3 * np.finfo(float).eps)
    assert np.abs(v_ref - u).max() > 1e-3  # it moved


def test_numba_backend_run_matches_reference():
    n = 20
    p = matrix_game(np.asarray(policeman_burglar_matrix(n)))
    kw = {"variant": "inexact", "max_oracle_calls": 30 * n, "tol": 0.0, "rng": 9}
    r1 = vr_halpern(p, np.full(2 * n, 1 / n), backend="reference", **kw)
    r2 = vr_halpern(p, np.full(2 * n, 1 / n), backend="auto", **kw)
    np.testing.assert_array_equal(np.asarray(r1.oracle_calls), np.asarray(r2.oracle_calls))
    np.testing.assert_allclose(np.asarray(r2.x), np.asarray(r1.x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.asarray(r2.residuals), np.asarray(r1.residuals), atol=1e-12)


@pytest.mark.parametrize("name", ["halpern", "eg", "eag"])
def test_deterministic_methods_follow_their_formulas(xp, device, name):
    """Iterates (via the callback) against the update rules written out here, on the
    constrained matrix game (projections active)."""
    dtype, eps = dtype_eps(xp, device)
    a = np.random.default_rng(3).standard_normal((4, 4))
    p = matrix_game(to_xp(xp, a, dtype, device))
    u0 = to_xp(xp, np.full(8, 0.25), dtype, device)
    eta, iters = 0.2, 15
    seen = []
    func = {"halpern": halpern, "eg": extragradient, "eag": eag}[name]
    func(p, u0, eta=eta, max_iter=iters, tol=0.0, callback=lambda k, u, res, calls: seen.append(u))
    u = u0
    for k in range(iters):
        lam = 1.0 / (k + 2)
        if name == "halpern":
            u = lam * u0 + (1 - lam) * p.J(u - eta * p.F(u), eta)
        elif name == "eg":
            u = p.J(u - eta * p.F(p.J(u - eta * p.F(u), eta)), eta)
        else:
            anchor = lam * u0 + (1 - lam) * u
            u = p.J(anchor - eta * p.F(p.J(anchor - eta * p.F(u), eta)), eta)
        # identical operations in the same order: only the projection's sort may differ
        assert_close(seen[k + 1], u, rtol=0, atol=1e1 * eps * (k + 1))
    assert float(xp.max(xp.abs(seen[-1] - u0))) > 1e-2
