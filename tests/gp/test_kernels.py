"""Tests of refimpl.gp.kernels: spectral-mixture kernels and their closed-form derivatives.

Oracles: Bochner (PSD Gram matrices), the spectral density by numerical quadrature
(``scipy.integrate.quad`` of the kernel's Fourier integral), central finite differences with a
fitted O(h^2) rate, the closed-form values k''(0) of spec 1.4 (also obtained with ``jax.grad``
of the repo kernel per the spec), and GPyTorch's SpectralMixtureKernel formula (written here).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl.gp import (
    from_gpytorch_sm,
    sm_kernel,
    sm_kernel_param_grad,
    sm_spectral_density,
    to_gpytorch_sm,
)
from refimpl.testing import assert_rate
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp

KINDS = ("gm", "stm")


def _params(rng: np.random.Generator, q: int = 3) -> dict[str, np.ndarray]:
    return {
        "log_w": rng.normal(size=q) * 0.5,
        "log_ls": rng.normal(size=q) * 0.5,
        "mu": rng.uniform(0.0, 2.0, q),
    }


def _on(xp, p, dtype, device):
    return {k: to_xp(xp, v, dtype, device) for k, v in p.items()}


@pytest.mark.parametrize("kind", KINDS)
@given(seed=seeds())
@settings(max_examples=10, deadline=None)
def test_gram_psd(xp, device, kind, seed):
    # Bochner: the spectral density is >= 0, so every Gram matrix is PSD
    rng = np.random.default_rng(seed)
    dtype, eps = dtype_eps(xp, device)
    x = rng.uniform(-2, 2, 25)
    p = _on(xp, _params(rng), dtype, device)
    tau = to_xp(xp, x[:, None] - x[None, :], dtype, device)
    k = sm_kernel(tau, **p, kind=kind)
    lam = np.linalg.eigvalsh(_host(k))
    n = x.size
    assert lam.min() >= -10 * n * eps * np.abs(lam).max()


def _host(a):
    from refimpl import _xp

    return _xp.to_host(a)


@pytest.mark.parametrize("kind", KINDS)
def test_spectral_density_matches_quadrature(kind):
    rng = np.random.default_rng(0)
    p = _params(rng, 2)
    for s in (0.0, 0.4, 1.3):

        def integrand(t, s=s):
            return float(sm_kernel(np.array([t]), **p, kind=kind)[0]) * math.cos(
                2 * math.pi * s * t
            )

        val, _ = scipy.integrate.quad(integrand, -np.inf, np.inf, limit=400, epsabs=1e-12)
        got = float(sm_spectral_density(np.array([s]), **p, kind=kind)[0])
        assert abs(val - got) <= 1e-8 * max(1.0, abs(got))
    # and the density is nonnegative everywhere (Bochner)
    assert np.all(sm_spectral_density(np.linspace(-10, 10, 201), **p, kind=kind) >= 0)


@pytest.mark.parametrize("kind", KINDS)
@given(seed=seeds(), shift=st.floats(-3, 3))
@settings(max_examples=10, deadline=None)
def test_stationary_and_scaling(xp, device, kind, seed, shift):
    rng = np.random.default_rng(seed)
    dtype, eps = dtype_eps(xp, device)
    x = rng.uniform(-1, 1, 9)
    y = rng.uniform(-1, 1, 9)
    p = _params(rng)
    pp = _on(xp, p, dtype, device)
    tau = (x[:, None] + shift) - (y[None, :] + shift)
    k0 = sm_kernel(to_xp(xp, x[:, None] - y[None, :], dtype, device), **pp, kind=kind)
    k1 = sm_kernel(to_xp(xp, tau, dtype, device), **pp, kind=kind)
    # the shifted lags differ by round-off in tau (|tau| <= 8): 1e3 eps covers |k'| |dtau|
    assert_close(k1, k0, atol=1e3 * eps * float(np.exp(p["log_w"]).sum()), rtol=0)
    # scaling: x -> c x, mu -> mu / c, rho -> rho / c (log_ls -= 2 log c) or a -> a / c
    c = 2.5
    shift_ls = 2 * math.log(c) if kind == "gm" else math.log(c)
    ps = {"log_w": p["log_w"], "log_ls": p["log_ls"] - shift_ls, "mu": p["mu"] / c}
    k2 = sm_kernel(
        to_xp(xp, c * (x[:, None] - y[None, :]), dtype, device),
        **_on(xp, ps, dtype, device),
        kind=kind,
    )
    assert_close(k2, k0, atol=1e3 * eps * float(np.exp(p["log_w"]).sum()), rtol=0)


@pytest.mark.parametrize(("kind", "expected"), [("gm", -(2 + 36 * math.pi**2)), ("stm", -356.9724)])
def test_second_derivative_at_zero(kind, expected):
    p = {"log_w": np.zeros(1), "log_ls": np.zeros(1), "mu": np.array([3.0])}
    got = float(sm_kernel(np.zeros(1), **p, kind=kind, deriv=2)[0])
    closed = -(2 + 36 * math.pi**2) if kind == "gm" else -(5 / 3 + 36 * math.pi**2)
    assert abs(got - closed) <= 1e-12 * abs(closed)
    assert abs(got - expected) <= 1e-4  # spec 1.4 value (4 decimals)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_tau_derivatives_second_order_fd(kind, n):
    rng = np.random.default_rng(3)
    p = _params(rng)
    scale = 2 * math.pi * p["mu"].max() + math.exp(p["log_ls"].max())
    t = np.linspace(-1.1, 1.3, 13)
    hs = np.geomspace(1e-3, 1e-1, 7) / scale
    exact = sm_kernel(t, **p, kind=kind, deriv=n + 1)
    errs = []
    for h in hs:
        fd = (
            sm_kernel(t + h, **p, kind=kind, deriv=n) - sm_kernel(t - h, **p, kind=kind, deriv=n)
        ) / (2 * h)
        errs.append(np.abs(fd - exact).max())
    assert_rate(hs, np.array(errs), expected=2.0, tol=0.15)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [0, 1, 2, 4])
def test_param_grad_matches_central_differences(kind, n):
    rng = np.random.default_rng(5)
    p = _params(rng)
    t = np.linspace(-1.2, 1.4, 11)
    grads = sm_kernel_param_grad(t, **p, kind=kind, deriv=n)
    h = 1e-6
    for i, key in enumerate(("log_w", "log_ls", "mu")):
        for q in range(3):
            up = {k: v.copy() for k, v in p.items()}
            dn = {k: v.copy() for k, v in p.items()}
            up[key][q] += h
            dn[key][q] -= h
            fd = (
                sm_kernel(t, **up, kind=kind, deriv=n) - sm_kernel(t, **dn, kind=kind, deriv=n)
            ) / (2 * h)
            scale = np.abs(sm_kernel(t, **p, kind=kind, deriv=n)).max() + 1.0
            # central difference error ~ h^2 k''' + eps k / h: 1e-6 relative to the scale
            assert np.abs(fd - grads[i][:, q]).max() <= 1e-6 * scale


@pytest.mark.parametrize("kind", KINDS)
def test_even_odd_and_symmetric_second_derivative_matrix(xp, device, kind):
    rng = np.random.default_rng(7)
    dtype, eps = dtype_eps(xp, device)
    p = _on(xp, _params(rng), dtype, device)
    t = to_xp(xp, np.linspace(0.05, 2, 9), dtype, device)
    for n in range(5):
        a = sm_kernel(t, **p, kind=kind, deriv=n)
        b = sm_kernel(-t, **p, kind=kind, deriv=n)
        assert_close(b, a if n % 2 == 0 else -a, atol=0, rtol=10 * eps)
    x = rng.uniform(0, 1, 7)
    k2 = _host(
        sm_kernel(to_xp(xp, x[:, None] - x[None, :], dtype, device), **p, kind=kind, deriv=2)
    )
    assert np.array_equal(k2, k2.T)


def test_gpytorch_mapping_round_trip_and_formula():
    rng = np.random.default_rng(9)
    p = _params(rng)
    g = to_gpytorch_sm(**p)
    tau = np.linspace(-2, 2, 17)
    # GPyTorch SpectralMixtureKernel, 1-D: sum_q w exp(-2 pi^2 tau^2 s^2) cos(2 pi mu tau)
    w, mu, s = g["mixture_weights"], g["mixture_means"], g["mixture_scales"]
    ref = (
        w
        * np.exp(-2 * math.pi**2 * tau[:, None] ** 2 * s**2)
        * np.cos(2 * math.pi * tau[:, None] * mu)
    ).sum(-1)
    assert_close(sm_kernel(tau, **p), ref, rtol=1e-13, atol=1e-14)
    back = from_gpytorch_sm(**g)
    for k in p:
        assert_close(back[k], p[k], rtol=1e-13, atol=1e-14)


def test_bad_input():
    p = {"log_w": np.zeros(2), "log_ls": np.zeros(2), "mu": np.zeros(2)}
    with pytest.raises(ValueError, match="kind"):
        sm_kernel(np.zeros(3), **p, kind="rbf")
    with pytest.raises(ValueError, match="deriv"):
        sm_kernel(np.zeros(3), **p, deriv=5)
    with pytest.raises(ValueError, match="log_w"):  # Q = 0
        sm_kernel(np.zeros(3), log_w=np.zeros(0), log_ls=np.zeros(0), mu=np.zeros(0))
    with pytest.raises(ValueError, match="same length"):
        sm_kernel(np.zeros(3), log_w=np.zeros(2), log_ls=np.zeros(3), mu=np.zeros(2))
    with pytest.raises(ValueError, match="tau must be finite"):
        sm_kernel(np.array([np.nan]), **p)
    with pytest.raises(TypeError):
        sm_kernel(np.zeros(3, dtype=complex), **p)
    with pytest.raises(ValueError, match="strictly positive"):
        from_gpytorch_sm(
            mixture_weights=np.array([1.0, -0.5]),
            mixture_means=np.zeros(2),
            mixture_scales=np.ones(2),
        )
