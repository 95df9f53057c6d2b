"""Tests of the Kramers-Kronig functions: refractive index <-> absorption, and Beer-Lambert.

Oracles: the exact dispersion of Voigt/Lorentzian lines (sum of Faddeeva pairs), the
physical sign anchor (n > 1 on the red side of a line), the identity H o H = -I of the
periodic route (exact round trip), and T = T_off exp(-alpha L) built by hand.
"""

from __future__ import annotations

import math

import array_api_extra as xpx
import array_api_strict
import numpy as np
import pytest
import scipy.constants
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.optics import (
    absorption_from_refractive_index,
    absorption_from_transmission,
    hilbert_transform,
    refractive_index_from_absorption,
    voigt_profile,
)
from refimpl.testing.strategies import seeds

C = scipy.constants.c
OMEGA0 = 2 * math.pi * 384.230e12  # Rb D2, rad/s


def _dtype_eps(xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    return dtype, float(xp.finfo(dtype).eps)


def _to(xp, a, dtype, device):
    return xp.asarray(np.asarray(a, dtype=np.float64), dtype=dtype, device=device)


def _lines(rng, x, n_lines=3):
    """A sum of Voigt lines on detuning grid x (units of GHz): (alpha in 1/m, exact n - 1)."""
    alpha = np.zeros_like(x)
    disp = np.zeros_like(x)
    for _ in range(n_lines):
        a, d = voigt_profile(
            x - rng.uniform(-3, 3), gamma=rng.uniform(0.003, 0.05), sigma=rng.uniform(0.1, 0.4)
        )
        amp = rng.uniform(5, 100) / float(a.max())  # peak alpha 5..100 /m
        alpha += amp * a
        disp += amp * d
    return alpha, -(C / (2 * OMEGA0)) * disp


# -------------------------------------------------------------------------- definitions
@pytest.mark.parametrize("method", ["line", "fft"])
@given(seed=seeds(), n=st.integers(2, 64))
def test_forward_is_scaled_hilbert(xp, device, method, seed, n):
    dtype, eps = _dtype_eps(xp, device)
    alpha = _to(xp, np.random.default_rng(seed).uniform(0, 50, (2, n)), dtype, device)
    got = refractive_index_from_absorption(alpha, omega0=OMEGA0, method=method)
    want = (-C / (2 * OMEGA0)) * hilbert_transform(alpha, method=method)
    assert_close(got, want, rtol=4 * eps, atol=0)
    got0 = refractive_index_from_absorption(
        xp.permute_dims(alpha, (1, 0)), omega0=OMEGA0, axis=0, method=method
    )
    # another axis may take another FFT code path (torch): round-off of an FFT pair
    atol = 8 * eps * math.log2(2 * n + 2) * float(xp.max(xp.abs(want)))
    assert_close(got0, xp.permute_dims(want, (1, 0)), rtol=0, atol=atol)


@pytest.mark.parametrize("method", ["line", "fft"])
@given(seed=seeds(), n=st.integers(2, 64))
def test_inverse_is_scaled_hilbert(xp, device, method, seed, n):
    dtype, eps = _dtype_eps(xp, device)
    nm1 = _to(xp, 1e-6 * np.random.default_rng(seed).standard_normal(n), dtype, device)
    got = absorption_from_refractive_index(nm1, omega0=OMEGA0, method=method)
    want = (2 * OMEGA0 / C) * hilbert_transform(nm1, method=method)
    assert_close(got, want, rtol=4 * eps, atol=0)


@given(seed=seeds(), n=st.integers(3, 64))
def test_periodic_round_trip_is_exact(xp, device, seed, n):
    # H o H = -I on signals without DC/Nyquist parts: alpha -> n - 1 -> alpha exactly
    dtype, eps = _dtype_eps(xp, device)
    spec = np.fft.rfft(np.random.default_rng(seed).uniform(0, 50, n))
    spec[0] = 0.0
    if n % 2 == 0:
        spec[-1] = 0.0
    alpha = _to(xp, np.fft.irfft(spec, n=n), dtype, device)
    nm1 = refractive_index_from_absorption(alpha, omega0=OMEGA0, method="fft")
    back = absorption_from_refractive_index(nm1, omega0=OMEGA0, method="fft")
    scale = float(xp.max(xp.abs(alpha)))
    assert_close(back, alpha, rtol=0, atol=64 * eps * math.log2(2 * n) * scale)


# ------------------------------------------------------------------------------ physics
@given(seed=seeds())
def test_voigt_lines_recovered_from_absorption(xp, device, seed):
    # n - 1 of a sum of Voigt lines from alpha alone (line method, +-40 GHz scan, 4 MHz
    # grid): within 1e-3 of the peak on the central +-8 GHz (truncation ~ gamma/L^2 and
    # O(h^2) are both < 1e-4 of the peak here; float32 adds ~1e3 eps)
    dtype, eps = _dtype_eps(xp, device)
    x = np.linspace(-40, 40, 20001)  # GHz
    alpha, nm1 = _lines(np.random.default_rng(seed), x)
    got = _xp.to_host(
        refractive_index_from_absorption(_to(xp, alpha, dtype, device), omega0=OMEGA0)
    )
    peak = np.abs(nm1).max()
    centre = np.abs(x) < 8
    assert np.max(np.abs(got - nm1)[centre]) < (1e-3 + 1e3 * eps) * peak


def test_sign_anchor_red_side_has_n_above_one(xp, device):
    dtype, _ = _dtype_eps(xp, device)
    x = np.linspace(-20, 20, 4001)
    a, _ = voigt_profile(x, gamma=0.01, sigma=0.3)
    nm1 = _xp.to_host(
        refractive_index_from_absorption(_to(xp, 50 * a / a.max(), dtype, device), omega0=OMEGA0)
    )
    red, blue = (x < -0.1) & (x > -3), (x > 0.1) & (x < 3)
    assert np.all(nm1[red] > 0)
    assert np.all(nm1[blue] < 0)
    assert abs(float(nm1[np.argmin(np.abs(x))])) < 1e-3 * float(np.abs(nm1).max())


@pytest.mark.only_xp("numpy", reason="a float64 accuracy measurement")
def test_inverse_direction_recovers_absorption():
    # alpha from n - 1 (exact Voigt dispersion); its 1/Delta tails make the truncation error
    # O(gamma_eff / L) ~ 1e-2 of the peak on a +-40 GHz window (documented in the Notes)
    x = np.linspace(-40, 40, 20001)
    alpha, nm1 = _lines(np.random.default_rng(3), x)
    back = absorption_from_refractive_index(nm1, omega0=OMEGA0)
    centre = np.abs(x) < 8
    err = np.max(np.abs(back - alpha)[centre]) / alpha.max()
    assert err < 2e-2
    assert err > 1e-6  # the truncation is real: this is not an exact identity on a window


# ---------------------------------------------------------------------- Beer-Lambert
@given(seed=seeds(), n=st.integers(40, 200), length=st.floats(1e-3, 0.1), t_off=st.floats(0.1, 1.0))
def test_transmission_round_trip(xp, device, seed, n, length, t_off):
    dtype, eps = _dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = np.linspace(-1, 1, n)
    # peak height >= 2: the grid (spacing <= 2/39) samples the triangle at >= 95 % of its peak
    alpha = rng.uniform(2, 40) * np.clip(1 - np.abs(x - rng.uniform(-0.3, 0.3)) / 0.5, 0, None)
    t = t_off * np.exp(-alpha * length)
    tx = _to(xp, np.stack([t, t]), dtype, device)
    want = _to(xp, np.stack([alpha, alpha]), dtype, device)
    # -ln(T/T_off)/L: relative eps per element of T/T_off, absolute eps/L in alpha
    atol = 16 * eps / length
    assert_close(
        absorption_from_transmission(tx, length, T_off=t_off), want, rtol=16 * eps, atol=atol
    )
    # the wings (outer 10 %) are exactly off resonance: the default estimate finds T_off
    assert_close(absorption_from_transmission(tx, length), want, rtol=16 * eps, atol=atol)
    per_row = _to(xp, [[t_off], [t_off]], dtype, device)
    assert_close(
        absorption_from_transmission(tx, length, T_off=per_row), want, rtol=16 * eps, atol=atol
    )
    # axis=0: the same spectra stored column-wise
    got0 = absorption_from_transmission(xp.permute_dims(tx, (1, 0)), length, axis=0)
    assert_close(got0, xp.permute_dims(want, (1, 0)), rtol=16 * eps, atol=atol)
    assert float(xp.max(want)) > 1.0  # non-vacuous


def test_wing_estimate_uses_documented_fraction():
    # T_off is the mean over the outer wing_fraction of each end, both ends pooled
    t = np.full(100, 0.5)
    t[:10] = 0.8
    t[-10:] = 0.6
    got = absorption_from_transmission(t, 1.0, wing_fraction=0.1)
    np.testing.assert_allclose(got[50], -math.log(0.5 / 0.7), rtol=1e-14)
    got = absorption_from_transmission(t, 1.0, wing_fraction=0.05)  # 5 samples each end
    np.testing.assert_allclose(got[50], -math.log(0.5 / 0.7), rtol=1e-14)
    got = absorption_from_transmission(t, 1.0, wing_fraction=0.2)  # 20 each: 0.8/0.5, 0.6/0.5
    np.testing.assert_allclose(got[50], -math.log(0.5 / 0.6), rtol=1e-14)


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((np.array([0.5, 0.0]), 1.0), {}, ValueError, r"T must be > 0 everywhere"),
        ((np.array([0.5, -0.1]), 1.0), {}, ValueError, r"T must be > 0 everywhere"),
        ((np.array([0.5, np.nan]), 1.0), {}, ValueError, "T must be finite"),
        ((np.array([True, False]), 1.0), {}, TypeError, "T must be a real numeric array"),
        ((np.float64(0.5), 1.0), {}, ValueError, "T must have at least 1 dimension"),
        ((np.ones(3), 0.0), {}, ValueError, "L must be a finite positive number"),
        ((np.ones(3), -1.0), {}, ValueError, "L must be a finite positive number"),
        ((np.ones(3), True), {}, TypeError, "L must be a positive real number"),
        ((np.ones(3), np.ones(3)), {}, TypeError, "L must be a positive real number"),
        ((np.ones(3), 1.0), {"T_off": 0.0}, ValueError, "T_off must be a finite positive"),
        (
            (np.ones(3), 1.0),
            {"T_off": np.array([1.0, -1.0, 1.0])},
            ValueError,
            "T_off must be > 0 everywhere",
        ),
        ((np.ones(3), 1.0), {"T_off": np.ones(2)}, ValueError, "T_off must broadcast to T"),
        ((np.ones(3), 1.0), {"T_off": np.ones((2, 3))}, ValueError, "T_off must broadcast to T"),
        (
            (np.ones(3), 1.0),
            {"T_off": np.array([1j, 1, 1])},
            TypeError,
            "T_off must be a real numeric array",
        ),
        ((np.ones(3), 1.0), {"T_off": "1"}, TypeError, "expected an array"),
        ((np.ones(3), 1.0), {"T_off": array_api_strict.ones(3)}, TypeError, "one array namespace"),
        ((np.ones(3), 1.0), {"wing_fraction": 0.0}, ValueError, "wing_fraction must be"),
        ((np.ones(3), 1.0), {"wing_fraction": 0.6}, ValueError, r"wing_fraction must be in"),
        ((np.ones(3), 1.0), {"axis": 1}, ValueError, "axis must be in"),
    ],
)
def test_transmission_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        absorption_from_transmission(*args, **kwargs)


@pytest.mark.parametrize(
    "func", [refractive_index_from_absorption, absorption_from_refractive_index]
)
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"omega0": 0.0}, ValueError, "omega0 must be a finite positive number"),
        ({"omega0": -1.0}, ValueError, "omega0 must be a finite positive number"),
        ({"omega0": math.inf}, ValueError, "omega0 must be a finite positive number"),
        ({"omega0": "1e15"}, TypeError, "omega0 must be a positive real number"),
        ({"omega0": OMEGA0, "method": "hilbert"}, ValueError, "method must be one of"),
        ({"omega0": OMEGA0, "axis": 5}, ValueError, "axis must be in"),
        ({"omega0": OMEGA0, "axis": "0"}, TypeError, "axis must be an int"),
    ],
)
def test_kk_bad_options(func, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(np.ones(4), **kwargs)


def test_kk_names_the_argument():
    with pytest.raises(ValueError, match="alpha must be finite"):
        refractive_index_from_absorption(np.array([1.0, np.inf]), omega0=OMEGA0)
    with pytest.raises(TypeError, match="n_minus_1 must be a real numeric array"):
        absorption_from_refractive_index(np.array([1j]), omega0=OMEGA0)
    with pytest.raises(TypeError, match="omega0"):  # keyword-only and required
        refractive_index_from_absorption(np.ones(3))
