"""Tests of refimpl.quantum.autoregressive: the transformer, string states and the costs.

Oracles: exact enumeration of all 4^N configurations (normalisation, the local evaluation of
L P against the matrix-free generator applied to the full vector, the exact L1 norms); a
chi-square goodness-of-fit test of the samplers against the enumerated probabilities (fixed
seed, significance 1e-3); exact invariance of full string mixtures under cyclic shifts (with
the bare model as the non-vacuity check); numpy vs torch forward passes; torch autograd.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.quantum import (
    conditional_log_probs,
    dissipative_ising,
    init_transformer,
    lindbladian,
    local_generator_values,
    log_prob,
    povm,
    sample,
    steady_state_cost,
    string_log_prob,
    string_orderings,
    string_sample,
    trapezoid_cost,
)
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps


def _all_configs(n):
    return np.array(list(itertools.product(range(4), repeat=n)), dtype=np.int64)


def _configs(xp, device, a):
    return xp.asarray(a, dtype=xp.int64, device=device)


@settings(max_examples=15)  # each example enumerates up to 4^4 configurations x 8 orderings
@given(seed=seeds(), n=st.integers(1, 4), heads=st.sampled_from([1, 2]))
def test_probabilities_sum_to_one(xp, device, seed, n, heads):
    dtype, eps = dtype_eps(xp, device)
    m = init_transformer(
        n, d_model=8, d_ff=8, n_heads=heads, rng=seed, xp=xp, dtype=dtype, device=device
    )
    p = xp.exp(log_prob(m, _configs(xp, device, _all_configs(n))))
    # 4^N terms each exact to a few eps (log-softmax): 1e2 eps
    assert abs(float(xp.sum(p)) - 1.0) <= 1e2 * eps
    assert float(xp.max(p)) - float(xp.min(p)) > 1e-4  # non-vacuity: not uniform
    orders = string_orderings(n)
    ps = xp.exp(string_log_prob(m, _configs(xp, device, _all_configs(n)), orders))
    assert abs(float(xp.sum(ps)) - 1.0) <= 1e2 * eps


@pytest.mark.slow
def test_probabilities_sum_to_one_n6():
    m = init_transformer(6, rng=3)
    assert abs(float(np.exp(log_prob(m, _all_configs(6))).sum()) - 1.0) <= 1e-12


def test_conditionals_are_causal(xp, device):
    dtype, eps = dtype_eps(xp, device)
    n = 5
    m = init_transformer(n, rng=4, xp=xp, dtype=dtype, device=device)
    a = np.array([[0, 1, 2, 3, 0]])
    base = _xp.to_host(conditional_log_probs(m, _configs(xp, device, a)))
    for j in range(n):
        b = a.copy()
        b[0, j] = (b[0, j] + 1) % 4
        other = _xp.to_host(conditional_log_probs(m, _configs(xp, device, b)))
        np.testing.assert_allclose(other[:, : j + 1], base[:, : j + 1], atol=1e2 * eps)
        if j < n - 1:
            assert np.abs(other[:, j + 1 :] - base[:, j + 1 :]).max() > 1e-6


@pytest.mark.only_xp("numpy", reason="a statistical test on host float64 samples")
@pytest.mark.parametrize("string", [False, True])
def test_sampling_goodness_of_fit(xp, device, string):
    n, n_samples = 3, 20000
    m = init_transformer(n, rng=5)
    allc = _all_configs(n)
    if string:
        orders = string_orderings(n)
        probs = np.exp(string_log_prob(m, allc, orders))
        s = string_sample(m, n_samples, orders, rng=6)
    else:
        probs = np.exp(log_prob(m, allc))
        s = sample(m, n_samples, rng=6)
    idx = s @ (4 ** np.arange(n - 1, -1, -1))
    counts = np.bincount(idx, minlength=4**n)
    _, pval = scipy.stats.chisquare(counts, n_samples * probs)
    assert pval > 1e-3  # significance 1e-3, fixed seed
    # non-vacuity: the same counts against the uniform distribution are rejected
    _, p_uniform = scipy.stats.chisquare(counts, np.full(4**n, n_samples / 4**n))
    assert p_uniform < 1e-6


@pytest.mark.parametrize("n", [3, 4])
def test_string_mixture_is_shift_invariant(xp, device, n):
    dtype, eps = dtype_eps(xp, device)
    m = init_transformer(n, rng=7, xp=xp, dtype=dtype, device=device)
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, size=(16, n))
    shifted = np.roll(a, 1, axis=1)
    orders = string_orderings(n)
    lp = string_log_prob(m, _configs(xp, device, a), orders)
    ls = string_log_prob(m, _configs(xp, device, shifted), orders)
    assert float(xp.max(xp.abs(lp - ls))) <= 1e2 * eps * n
    bare = log_prob(m, _configs(xp, device, a)) - log_prob(m, _configs(xp, device, shifted))
    assert float(xp.max(xp.abs(bare))) > 1e-3  # the bare AR model is not invariant


def test_square_orderings():
    o = string_orderings(9, lattice="square")
    assert o.shape == (8, 9)
    assert all(sorted(r) == list(range(9)) for r in o.tolist())
    assert o[0].tolist() == [0, 1, 2, 5, 4, 3, 6, 7, 8]
    with pytest.raises(ValueError, match="perfect square"):
        string_orderings(6, lattice="square")


@pytest.mark.parametrize("use_string", [False, True])
def test_local_generator_values_exact(xp, device, use_string):
    dtype, eps = dtype_eps(xp, device)
    n = 3
    m = init_transformer(n, rng=8, xp=xp, dtype=dtype, device=device)
    gen = lindbladian(
        dissipative_ising(n, g=1.2, xp=xp, dtype=dtype, device=device),
        povm("pauli4", xp=xp, dtype=dtype, device=device),
    )
    allc = _configs(xp, device, _all_configs(n))
    orders = string_orderings(n) if use_string else None
    full = xp.exp(string_log_prob(m, allc, orders) if use_string else log_prob(m, allc))
    want = gen.apply(full)
    got = local_generator_values(m, gen, allc, orderings=orders)
    scale = float(xp.max(xp.abs(want)))
    assert scale > 1e-3
    assert float(xp.max(xp.abs(got - want))) <= 1e3 * eps * scale  # entries <= ~50


@pytest.mark.only_xp("numpy", reason="a statistical test in float64")
def test_costs_are_unbiased(xp, device):
    n = 3
    m = init_transformer(n, rng=9)
    prev = init_transformer(n, rng=10)
    gen = lindbladian(dissipative_ising(n, g=1.0), povm("tetra"))
    allc = _all_configs(n)
    p = np.exp(log_prob(m, allc))
    q = np.exp(log_prob(prev, allc))
    tau = 0.1
    exact_ss = np.abs(gen.apply(p)).sum()
    exact_cn = np.abs((p - 0.5 * tau * gen.apply(p)) - (q + 0.5 * tau * gen.apply(q))).sum()
    est_ss, est_cn = [], []
    for seed in range(16):
        s = sample(m, 200, rng=seed)
        est_ss.append(float(steady_state_cost(m, gen, s)))
        est_cn.append(float(trapezoid_cost(m, prev, gen, s, tau)))
    for est, exact in ((est_ss, exact_ss), (est_cn, exact_cn)):
        se = np.std(est, ddof=1) / math.sqrt(len(est))
        assert abs(np.mean(est) - exact) <= 4 * se  # 4 standard errors
        assert se > 0


def test_numpy_and_torch_forward_agree():
    torch = pytest.importorskip("torch", reason="torch is optional")
    import array_api_compat.torch as xt

    n = 4
    m_np = init_transformer(n, rng=11)
    m_t = init_transformer(n, rng=11, xp=xt, dtype=torch.float64)
    a = _all_configs(n)
    want = log_prob(m_np, a)
    got = log_prob(m_t, torch.asarray(a))
    np.testing.assert_allclose(got.cpu().numpy(), want, rtol=0, atol=1e-12)


def test_torch_autograd_through_the_cost():
    torch = pytest.importorskip("torch", reason="torch is optional")
    import dataclasses

    import array_api_compat.torch as xt

    n = 3
    m = init_transformer(n, rng=12, xp=xt, dtype=torch.float64)
    params = {k: v.clone().requires_grad_(True) for k, v in m.params.items()}
    m = dataclasses.replace(m, params=params)
    gen = lindbladian(
        dissipative_ising(n, g=1.0, xp=xt, dtype=torch.float64),
        povm("tetra", xp=xt, dtype=torch.float64),
    )
    s = sample(m, 64, rng=0)
    cost = steady_state_cost(m, gen, s)
    cost.backward()
    assert params["wout"].grad is not None
    assert float(params["wout"].grad.abs().max()) > 0
    # the gradient is the exact gradient of the L1 norm, checked by enumerating all configs
    allc = torch.asarray(_all_configs(n))
    for v in params.values():
        v.grad = None
    probs = torch.exp(log_prob(m, allc))
    exact = gen.apply(probs).abs().sum()
    exact.backward()
    assert float(params["wout"].grad.abs().max()) > 0


def test_bad_input(xp, device):
    dtype, _ = dtype_eps(xp, device)
    m = init_transformer(3, rng=0, xp=xp, dtype=dtype, device=device)
    with pytest.raises(TypeError, match="integer"):
        log_prob(m, xp.zeros((2, 3), dtype=dtype, device=device))
    with pytest.raises(ValueError, match=r"shape \(B, 3\)"):
        log_prob(m, xp.zeros((2, 4), dtype=xp.int64, device=device))
    with pytest.raises(ValueError, match=r"0\.\.3"):
        log_prob(m, xp.full((1, 3), 4, dtype=xp.int64, device=device))
    with pytest.raises(ValueError, match="divisible"):
        init_transformer(3, d_model=10, n_heads=3)
    with pytest.raises(ValueError, match="permutations"):
        string_log_prob(m, xp.zeros((1, 3), dtype=xp.int64, device=device), [[0, 0, 1]])
    gen = lindbladian(
        dissipative_ising(4, g=1.0, xp=xp, dtype=dtype, device=device),
        povm("tetra", xp=xp, dtype=dtype, device=device),
    )
    with pytest.raises(ValueError, match="sites"):
        steady_state_cost(m, gen, xp.zeros((1, 3), dtype=xp.int64, device=device))
    gen3 = lindbladian(
        dissipative_ising(3, g=1.0, xp=xp, dtype=dtype, device=device),
        povm("tetra", xp=xp, dtype=dtype, device=device),
    )
    with pytest.raises(ValueError, match="tau"):
        trapezoid_cost(m, m, gen3, xp.zeros((1, 3), dtype=xp.int64, device=device), 0.0)
    with pytest.raises(TypeError, match="TransformerModel"):
        sample("model", 3)


def test_training_lowers_the_cost(one_torch_thread):
    torch = pytest.importorskip("torch", reason="training needs torch autograd")
    import array_api_compat.torch as xt

    from refimpl.quantum import train_steady_state

    n = 2
    m = init_transformer(n, d_model=8, d_ff=8, rng=13, xp=xt, dtype=torch.float64)
    gen = lindbladian(
        dissipative_ising(n, g=1.0, xp=xt, dtype=torch.float64),
        povm("tetra", xp=xt, dtype=torch.float64),
    )
    allc = torch.asarray(_all_configs(n))

    def exact_cost(model):
        return float(gen.apply(torch.exp(log_prob(model, allc))).abs().sum())

    before = exact_cost(m)
    res = train_steady_state(m, gen, n_steps=60, n_samples=128, lr=2e-2, rng=0)
    after = exact_cost(res.model)
    assert res.losses.shape == (60,)
    assert after < 0.5 * before  # the exact L1 norm of L P falls by more than half
    with pytest.raises(TypeError, match="torch tensors"):
        train_steady_state(
            init_transformer(n, rng=0),
            lindbladian(dissipative_ising(n, g=1.0), povm("tetra")),
            n_steps=1,
        )


def test_product_state_model_is_exact(xp, device):
    dtype, eps = dtype_eps(xp, device)
    from refimpl.quantum import init_product_state

    q = np.array([0.5, 1 / 6, 1 / 6, 1 / 6])  # all |0> in the tetrahedral frame
    n = 3
    m = init_product_state(n, q, d_model=8, d_ff=8, rng=0, xp=xp, dtype=dtype, device=device)
    a = _all_configs(n)
    got = _xp.to_host(xp.exp(log_prob(m, xp.asarray(a, device=device))))
    want = np.prod(q[a], axis=1)
    # 3 log-softmax terms per configuration: 10 eps relative
    np.testing.assert_allclose(got, want, rtol=10 * eps, atol=0)
    with pytest.raises(ValueError, match="summing to 1"):
        init_product_state(n, [0.5, 0.5, 0.5, -0.5])
    with pytest.raises(ValueError, match="summing to 1"):
        init_product_state(n, [0.25, 0.25, 0.5])


@pytest.fixture
def one_torch_thread():
    """Train single-threaded (restored afterwards): the test models are 8 wide, and on the
    shared 2-core machine two intra-op threads made these loops 10-20x slower."""
    torch = pytest.importorskip("torch", reason="training needs torch autograd")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _torch_ising(n, g=1.0):
    torch = pytest.importorskip("torch", reason="training needs torch autograd")
    import array_api_compat.torch as xt

    f_t = povm("tetra", xp=xt, dtype=torch.float64)
    gen_t = lindbladian(dissipative_ising(n, g=g, xp=xt, dtype=torch.float64), f_t)
    return torch, xt, gen_t


def _site_observables(p, frame):
    from refimpl.quantum import local_expectations
    from tests.quantum._common import SX, SY, SZ

    return np.array([float(np.mean(local_expectations(p, o, frame))) for o in (SX, SY, SZ)])


@pytest.mark.parametrize(
    "n_samples", [None, pytest.param(128, marks=pytest.mark.slow)], ids=["exact", "sampled"]
)
def test_variational_evolve_tracks_exact_trapezoid(n_samples, one_torch_thread):
    """A few variational Crank-Nicolson steps of N = 2 from all |0> track the exact steps.

    Measured (seed 0, 3 steps of 0.05, 60 Adam iterations each): max observable error 2.7e-3
    with the exact cost, 2.3e-3 with 128 samples (40 iterations gave 1.6e-2: the tolerance is
    about 4x the converged error). Non-vacuity: the exact observables move by more than 0.2
    over the same time, so a frozen model fails."""
    torch, xt, gen_t = _torch_ising(2)
    from refimpl.quantum import init_product_state, trapezoid_step, variational_evolve

    f = povm("tetra")
    gen = lindbladian(dissipative_ising(2, g=1.0), f)
    q = np.array([0.5, 1 / 6, 1 / 6, 1 / 6])
    m = init_product_state(2, q, d_model=8, d_ff=8, rng=0, xp=xt, dtype=torch.float64)
    tau, steps = 0.05, 3
    res = variational_evolve(
        m, gen_t, tau=tau, n_steps=steps, n_iter=60, n_samples=n_samples, milestones=(30,), rng=0
    )
    assert res.times == pytest.approx([0.0, 0.05, 0.1, 0.15], abs=1e-15)
    assert tuple(res.losses.shape) == (steps, 60)
    p = np.prod(q[_all_configs(2)], axis=1)
    allc = torch.asarray(_all_configs(2))
    for k, mk in enumerate(res.models):
        got = _site_observables(torch.exp(log_prob(mk, allc)).numpy(), f)
        want = _site_observables(p, f)
        assert np.abs(got - want).max() <= 1e-2, k
        if k < steps:
            p = np.asarray(trapezoid_step(gen, p, tau))
    frozen = _site_observables(np.prod(q[_all_configs(2)], axis=1), f)
    moved = float(np.abs(frozen - _site_observables(p, f)).max())
    assert moved > 0.2  # the exact state moved far beyond the tolerance


def test_variational_evolve_bad_input():
    torch, xt, gen_t = _torch_ising(2)
    from refimpl.quantum import init_product_state, variational_evolve

    m = init_product_state(2, [0.25] * 4, d_model=8, d_ff=8, xp=xt, dtype=torch.float64)
    with pytest.raises(ValueError, match="tau"):
        variational_evolve(m, gen_t, tau=0.0, n_steps=1)
    with pytest.raises(ValueError, match="n_iter"):
        variational_evolve(m, gen_t, tau=0.1, n_steps=1, n_iter=0)
    with pytest.raises(TypeError, match="torch tensors"):
        variational_evolve(init_transformer(2, rng=0), gen_t, tau=0.1, n_steps=1)
    big = init_transformer(9, d_model=8, d_ff=8, rng=0, xp=xt, dtype=torch.float64)
    gen9 = lindbladian(
        dissipative_ising(9, g=1.0, xp=xt, dtype=torch.float64),
        povm("tetra", xp=xt, dtype=torch.float64),
    )
    with pytest.raises(ValueError, match="n_sites <= 8"):
        variational_evolve(big, gen9, tau=0.1, n_steps=1, n_samples=None)


def test_string_state_training_lowers_the_cost(one_torch_thread):
    """train_steady_state with string orderings: the exact L1 norm of L P of the string
    mixture falls, and the trained mixture stays exactly shift-invariant."""
    torch, xt, gen_t = _torch_ising(3)
    from refimpl.quantum import train_steady_state

    n = 3
    orders = string_orderings(n)
    m = init_transformer(n, d_model=8, d_ff=8, rng=14, xp=xt, dtype=torch.float64)
    allc = torch.asarray(_all_configs(n))

    def exact_cost(model):
        return float(gen_t.apply(torch.exp(string_log_prob(model, allc, orders))).abs().sum())

    before = exact_cost(m)
    res = train_steady_state(m, gen_t, n_steps=30, n_samples=32, lr=3e-2, orderings=orders, rng=0)
    after = exact_cost(res.model)
    assert after < 0.5 * before  # measured 2.59 -> 0.33 (seed 14)
    lp = string_log_prob(res.model, allc, orders).numpy()
    shifted = _all_configs(n)[:, [1, 2, 0]]
    idx = shifted @ (4 ** np.arange(n - 1, -1, -1))
    np.testing.assert_allclose(lp[idx], lp, rtol=0, atol=1e-12)
