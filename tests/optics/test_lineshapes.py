"""Tests of the Lorentzian and Voigt (Faddeeva) absorption/dispersion pairs.

Oracles: closed forms, ``scipy.special.voigt_profile`` (absorption), ``scipy.special.dawsn``
(the Gaussian limit of the dispersion), the principal-value integral by
``scipy.integrate.quad(weight="cauchy")`` (dispersion = H[absorption], computed without the
Faddeeva function) and the line-method Hilbert transform (measured accuracy, spec 6.1).
"""

from __future__ import annotations

import math

import array_api_extra as xpx
import numpy as np
import pytest
import scipy.integrate
import scipy.special
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.optics import hilbert_transform, lorentzian_profile, voigt_profile
from refimpl.testing.strategies import seeds


def _dtype_eps(xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    return dtype, float(xp.finfo(dtype).eps)


def _to(xp, a, dtype, device):
    return xp.asarray(np.asarray(a, dtype=np.float64), dtype=dtype, device=device)


def _pv_hilbert_quad(f, y, *, r=2.0, big=1e4):
    """H[f](y) = -(1/pi) p.v. int f(x)/(x - y) dx for f peaked at 0: QUADPACK's Cauchy-weight
    rule on [y - r, y + r], ordinary adaptive quadrature (breakpoint at the peak) out to
    |x| = big; the rest (|x| > big, where f ~ 1/x^2) is < 1e-9 and dropped."""
    pv, _ = scipy.integrate.quad(f, y - r, y + r, weight="cauchy", wvar=y, limit=400)
    total = pv
    for lo, hi in ((-big, y - r), (y + r, big)):
        pts = [0.0] if lo < 0.0 < hi else None
        part, _ = scipy.integrate.quad(lambda x: f(x) / (x - y), lo, hi, points=pts, limit=800)
        total += part
    return -total / math.pi


# ------------------------------------------------------------------------------ Lorentzian
@given(seed=seeds(), gamma=st.floats(0.05, 20.0))
def test_lorentzian_closed_form(xp, device, seed, gamma):
    dtype, eps = _dtype_eps(xp, device)
    d = np.random.default_rng(seed).uniform(-50, 50, 64)
    a, disp = lorentzian_profile(_to(xp, d, dtype, device), gamma=gamma)
    den = np.pi * (d * d + gamma * gamma)
    # a few roundings per element (square, add, multiply, divide): 8 eps relative
    assert_close(a, _to(xp, gamma / den, dtype, device), rtol=8 * eps, atol=0)
    assert_close(disp, _to(xp, d / den, dtype, device), rtol=8 * eps, atol=0)


@pytest.mark.only_xp("numpy", reason="oracle quadrature is float64 host code")
def test_lorentzian_pair_against_cauchy_quadrature():
    gamma = 0.7
    for y in (-3.0, -0.4, 0.0, 0.9, 5.0):
        want = _pv_hilbert_quad(lambda x: gamma / (np.pi * (x * x + gamma * gamma)), y)
        _, got = lorentzian_profile(np.array([y]), gamma=gamma)
        assert got[0] == pytest.approx(want, abs=1e-9)


# ---------------------------------------------------------------------------------- Voigt
@given(seed=seeds(), gamma=st.floats(0.0, 5.0), sigma=st.floats(0.05, 5.0))
def test_voigt_absorption_is_scipy_voigt_profile(xp, device, seed, gamma, sigma):
    dtype, eps = _dtype_eps(xp, device)
    d = np.random.default_rng(seed).uniform(-30, 30, 64)
    a, _ = voigt_profile(_to(xp, d, dtype, device), gamma=gamma, sigma=sigma)
    want = scipy.special.voigt_profile(d, sigma, gamma)
    peak = scipy.special.voigt_profile(0.0, sigma, gamma)
    # float64: the generic wofz route is good to 1e-12 relative; float32: the input is
    # rounded (relative eps, amplified by |d V/d delta| * |delta| / V <= ~|z|^2) -> 64 eps
    # of the peak covers both
    assert_close(
        a, _to(xp, want, dtype, device), rtol=max(64 * eps, 1e-11), atol=max(64 * eps, 1e-12) * peak
    )


@pytest.mark.only_xp("numpy", reason="oracle quadrature is float64 host code")
@settings(max_examples=10)  # each example runs 3 adaptive quadratures
@given(gamma=st.floats(0.05, 2.0), sigma=st.floats(0.2, 2.0), y=st.floats(-6.0, 6.0))
def test_voigt_dispersion_is_hilbert_of_absorption_by_quadrature(gamma, sigma, y):
    # spec 6.1 item 4: H[Re w(. + i y)](x) = Im w(x + i y), checked without the Faddeeva
    # function on the right-hand side (p.v. quadrature of scipy's voigt_profile)
    want = _pv_hilbert_quad(lambda x: scipy.special.voigt_profile(x, sigma, gamma), y)
    _, got = voigt_profile(np.array([y]), gamma=gamma, sigma=sigma)
    assert got[0] == pytest.approx(want, abs=2e-8 / sigma)


@given(seed=seeds(), sigma=st.floats(0.1, 5.0))
def test_voigt_gaussian_limit_is_dawson(xp, device, seed, sigma):
    # gamma = 0: V is a Gaussian; H[exp(-u^2)] = (2/sqrt(pi)) D(u), D = scipy.special.dawsn
    dtype, eps = _dtype_eps(xp, device)
    d = np.random.default_rng(seed).uniform(-20, 20, 64)
    a, disp = voigt_profile(_to(xp, d, dtype, device), gamma=0, sigma=sigma)
    norm = sigma * math.sqrt(2 * math.pi)
    u = d / (sigma * math.sqrt(2))
    # absolute errors: the generic wofz route is accurate relative to |w| ~ 1, not to the
    # tiny Gaussian tail values
    assert_close(
        a, _to(xp, np.exp(-u * u) / norm, dtype, device), rtol=0, atol=max(64 * eps, 1e-12) / norm
    )
    want = 2 / math.sqrt(math.pi) * scipy.special.dawsn(u) / norm
    assert_close(disp, _to(xp, want, dtype, device), rtol=0, atol=max(64 * eps, 1e-12) / norm)


@given(seed=seeds(), gamma=st.floats(0.5, 5.0))
def test_voigt_tends_to_lorentzian(xp, device, seed, gamma):
    # sigma -> 0: V -> L with relative corrections O(sigma^2 / (delta^2 + gamma^2))
    dtype, eps = _dtype_eps(xp, device)
    sigma = 1e-3 * gamma
    d = _to(xp, np.random.default_rng(seed).uniform(-20, 20, 64), dtype, device)
    va, vd = voigt_profile(d, gamma=gamma, sigma=sigma)
    la, ld = lorentzian_profile(d, gamma=gamma)
    peak = 1 / (math.pi * gamma)
    tol = max(3 * (sigma / gamma) ** 2, 64 * eps) * peak
    assert_close(va, la, rtol=0, atol=tol)
    assert_close(vd, ld, rtol=0, atol=tol)


@pytest.mark.only_xp("numpy", reason="the quoted accuracy is a float64 measurement")
def test_faddeeva_pair_by_hilbert_transform_measured_accuracy():
    # spec 6.1 table [num]: z = x + 1.3i, window +-400, error on |x| < 20:
    # line (2^16 points) 1.9e-6; fft without padding (2^18 points) 5.8e-5
    sigma = 1 / math.sqrt(2)  # z = (x + i gamma) / (sigma sqrt 2) = x + i gamma
    for method, n, want in (("line", 2**16, 1.9e-6), ("fft", 2**18, 5.8e-5)):
        x = np.linspace(-400, 400, n)
        a, d = voigt_profile(x, gamma=1.3, sigma=sigma)
        norm = sigma * math.sqrt(2 * math.pi)  # back to Re w, Im w
        err = np.abs(hilbert_transform(a, method=method) - d) * norm
        assert float(err[np.abs(x) < 20].max()) == pytest.approx(want, rel=0.1)


@given(gamma=st.floats(0.2, 3.0), sigma=st.floats(0.2, 3.0))
def test_voigt_pair_by_line_hilbert_every_namespace(xp, device, gamma, sigma):
    # dispersion = H[absorption] to the line method's accuracy: window +-200 (tails ~
    # gamma/(pi x^2): truncation <~ 1e-5 of the peak on |x| < 20), h = 0.025 (O(h^2): measured
    # 2.8e-3 of the peak at h/sigma = 0.4, so <~ 3e-4 at h/sigma <= 0.125), plus float32
    # round-off
    dtype, eps = _dtype_eps(xp, device)
    x = np.linspace(-200, 200, 16001)
    a, d = voigt_profile(_to(xp, x, dtype, device), gamma=gamma, sigma=sigma)
    peak = float(xp.max(a))
    centre = np.abs(x) < 20
    h = _xp.to_host(hilbert_transform(a))[centre]
    dd = _xp.to_host(d)[centre]
    assert np.max(np.abs(h - dd)) < (1e-3 + 1e3 * eps) * peak
    assert np.max(np.abs(dd)) > 0.2 * peak  # non-vacuous


def test_unit_area():
    x = np.linspace(-3000, 3000, 600001)
    for gamma, sigma in ((1.0, 0.5), (0.0, 2.0), (0.3, 3.0)):
        a, _ = voigt_profile(x, gamma=gamma, sigma=sigma)
        missing = 2 * gamma / (np.pi * 3000)  # Lorentzian tails beyond the window
        assert np.trapezoid(a, x) == pytest.approx(1 - missing, abs=1e-6)
    a, _ = lorentzian_profile(x, gamma=1.0)
    assert np.trapezoid(a, x) == pytest.approx(1 - 2 / (np.pi * 3000), abs=1e-6)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"gamma": -0.1, "sigma": 1.0}, ValueError, "gamma must be a finite non-negative"),
        ({"gamma": math.nan, "sigma": 1.0}, ValueError, "gamma must be a finite non-negative"),
        ({"gamma": True, "sigma": 1.0}, TypeError, "gamma must be a non-negative real"),
        ({"gamma": "1", "sigma": 1.0}, TypeError, "gamma must be a non-negative real"),
        ({"gamma": 1.0, "sigma": 0.0}, ValueError, "sigma must be a finite positive"),
        ({"gamma": 1.0, "sigma": math.inf}, ValueError, "sigma must be a finite positive"),
        ({"gamma": 1.0, "sigma": None}, TypeError, "sigma must be a positive real"),
    ],
)
def test_voigt_bad_parameters(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        voigt_profile(np.zeros(3), **kwargs)


@pytest.mark.parametrize(
    ("gamma", "exc", "match"),
    [
        (0.0, ValueError, "gamma must be a finite positive"),
        (-1.0, ValueError, "gamma must be a finite positive"),
        ([1.0], TypeError, "gamma must be a positive real"),
    ],
)
def test_lorentzian_bad_parameters(gamma, exc, match):
    with pytest.raises(exc, match=match):
        lorentzian_profile(np.zeros(3), gamma=gamma)


@pytest.mark.parametrize(
    "func",
    [lambda d: lorentzian_profile(d, gamma=1.0), lambda d: voigt_profile(d, gamma=1.0, sigma=1.0)],
)
@pytest.mark.parametrize(
    ("bad", "exc", "match"),
    [
        (np.float64(0.0), ValueError, "delta must have at least 1 dimension"),
        (np.zeros(0), ValueError, "delta must not be empty"),
        (np.array([True]), TypeError, "delta must be a real numeric array"),
        (np.array([1j]), TypeError, "delta must be a real numeric array"),
        (np.array([np.nan]), ValueError, "delta must be finite"),
    ],
)
def test_bad_delta(func, bad, exc, match):
    with pytest.raises(exc, match=match):
        func(bad)
