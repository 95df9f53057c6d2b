"""Tests of refimpl.so3.fourier: sh_to_fourier / fourier_to_sh (spec equivariance.md §1.6(b)).

Oracles, none of which the implementation was derived from:

* the spec's closed-form spot values (Y_00, Y_10, Y_11 coefficients);
* a brute-force 2D DFT (numpy.fft.fft2) of the torus extension sampled on the equispaced
  (2 lmax + 1)^2 grid, the samples taken from spherical_harmonics at the points
  (2 pi - t, p + pi) of the sphere for t > pi (the *definition* of the extension, not the
  signed-sin polynomial evaluation used by the implementation);
* direct evaluation of the Fourier series against f at random points of the sphere;
* sympy for I(k) = int_0^pi e^{ikt} sin t dt, and a high-order Gauss-Legendre quadrature in
  (theta, phi) of Re int h Y_lm for random complex H that are not torus extensions;
* structure: Hermitian symmetry, v-sparsity per order m, round trip.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl.so3 import fourier
from refimpl.so3.fourier import fourier_to_sh, sh_to_fourier
from refimpl.so3.harmonics import spherical_harmonics
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp


# ------------------------------------------------------------------------------- helpers
def _cdtype(xp, dtype):
    return xp.complex64 if dtype == xp.float32 else xp.complex128


def _host(a):
    from refimpl import _xp

    return _xp.to_host(a)


def _sphere_points(theta, phi):
    """Unit vectors at polar theta in [0, pi] and azimuth phi."""
    return np.stack(
        [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1
    )


def _torus_samples(x, lmax):
    """f~ on the (2 lmax + 1)^2 equispaced torus grid, by definition of the extension:
    f~(t, p) = f(t, p) for t <= pi and f(2 pi - t, p + pi) for t > pi. Shape (..., n, n)."""
    n = 2 * lmax + 1
    t = 2 * np.pi * np.arange(n) / n
    tt, pp = np.meshgrid(t, t, indexing="ij")
    upper = tt > np.pi
    theta = np.where(upper, 2 * np.pi - tt, tt)
    phi = np.where(upper, pp + np.pi, pp)
    ysh = spherical_harmonics(lmax, _sphere_points(theta, phi))  # (n, n, L^2)
    return np.einsum("...k,ijk->...ij", x, ysh)


def _dft_oracle(x, lmax):
    """F[..., lmax + u, lmax + v] by fft2 of the samples (exact: band lmax < n/2)."""
    n = 2 * lmax + 1
    samples = _torus_samples(x, lmax)
    coef = np.fft.fft2(samples, axes=(-2, -1)) / (n * n)
    return np.fft.fftshift(coef, axes=(-2, -1))


def _series(f, theta, phi):
    """Evaluate sum F[u, v] e^{i(u theta + v phi)} at points (host, complex)."""
    k = (f.shape[-1] - 1) // 2
    u = np.arange(-k, k + 1)
    e_t = np.exp(1j * np.multiply.outer(theta, u))  # (P, n)
    e_p = np.exp(1j * np.multiply.outer(phi, u))
    return np.einsum("...uv,pu,pv->...p", f, e_t, e_p)


# ------------------------------------------------------------------------------- spot values
def test_spot_values_of_the_spec(xp, device):
    # spec §1.6(b)1: Y00 -> 1/sqrt(4pi) at (0,0); Y10 -> sqrt(3/16pi) at (+-1, 0);
    # Y11 -> |y| = sqrt(3/4pi)/4 at (+-1, +-1); nothing else is non-zero
    dtype, eps = dtype_eps(xp, device)
    cdt = _cdtype(xp, dtype)
    eye = np.eye(4)
    f = sh_to_fourier(to_xp(xp, eye, dtype, device))  # rows: Y00, Y1-1, Y10, Y11
    assert f.shape == (4, 3, 3)
    want = np.zeros((4, 3, 3), dtype=np.complex128)
    want[0, 1, 1] = 1 / math.sqrt(4 * math.pi)
    want[2, 0, 1] = want[2, 2, 1] = math.sqrt(3 / (16 * math.pi))
    # Y11 = sqrt(3/4pi) sin t cos p; sin t = (e^{it} - e^{-it})/2i, cos p = (e^{ip} + e^{-ip})/2
    c = math.sqrt(3 / (4 * math.pi)) / 4
    want[3, 2, 2] = want[3, 2, 0] = -1j * c
    want[3, 0, 2] = want[3, 0, 0] = 1j * c
    # Y1-1 = sqrt(3/4pi) sin t sin p; sin p = (e^{ip} - e^{-ip})/2i
    want[1, 2, 2] = want[1, 0, 0] = -c
    want[1, 2, 0] = want[1, 0, 2] = c
    # exact constants: a few ulp (1e2 eps covers the FFT of 3 samples and the table cast)
    assert_close(f, xp.asarray(want, dtype=cdt, device=device), rtol=0, atol=1e2 * eps)


# ------------------------------------------------------------------------------- sh2f
@given(seed=seeds(), lmax=st.integers(0, 8), batch=st.integers(1, 3))
def test_sh_to_fourier_equals_dft_of_torus_samples(xp, device, seed, lmax, batch):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, (lmax + 1) ** 2))
    f = sh_to_fourier(to_xp(xp, x, dtype, device))
    want = _dft_oracle(x, lmax)
    # measured <= 3e-16 * |x|_1 in float64; the factor 1e2 covers float32's table cast
    scale = float(np.max(np.sum(np.abs(x), axis=-1)))
    assert_close(f, to_xp(xp, want, _cdtype(xp, dtype), device), rtol=0, atol=1e2 * eps * scale)
    assert np.max(np.abs(want)) > 1e4 * eps * scale  # non-vacuous


@given(seed=seeds(), lmax=st.integers(1, 10))
def test_fourier_series_reproduces_f_on_the_sphere(xp, device, seed, lmax):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, (lmax + 1) ** 2))
    theta = np.arccos(rng.uniform(-1, 1, 64))
    phi = rng.uniform(0, 2 * np.pi, 64)
    f = _host(sh_to_fourier(to_xp(xp, x, dtype, device)))
    series = _series(f, theta, phi)
    want = x @ spherical_harmonics(lmax, _sphere_points(theta, phi)).T
    # sum of (2 lmax + 1)^2 terms of size <= |x|_1: bound eps * (2 lmax + 1)^2 * |x|_1
    tol = 4 * eps * (2 * lmax + 1) ** 2 * float(np.max(np.sum(np.abs(x), axis=-1)))
    np.testing.assert_allclose(series.real, want, rtol=0, atol=tol)
    np.testing.assert_allclose(series.imag, 0, rtol=0, atol=tol)
    # the extension: t > pi reads f at (2 pi - t, p + pi)
    t2 = 2 * np.pi - theta
    np.testing.assert_allclose(_series(f, t2, phi - np.pi).real, want, rtol=0, atol=tol)


@given(seed=seeds(), lmax=st.integers(0, 8))
def test_hermitian_symmetry_and_order_sparsity(xp, device, seed, lmax):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    n = (lmax + 1) ** 2
    x = rng.standard_normal(n)
    f = _host(sh_to_fourier(to_xp(xp, x, dtype, device)))
    # F_{-u,-v} = conj(F_{u,v}) because f~ is real
    np.testing.assert_allclose(f[::-1, ::-1], np.conj(f), rtol=0, atol=1e2 * eps * np.abs(x).sum())
    # a single Y_lm touches rows |u| <= l and columns v = +-m only
    l = int(rng.integers(0, lmax + 1))  # noqa: E741
    m = int(rng.integers(-l, l + 1))
    e = np.zeros(n)
    e[l * l + l + m] = 1.0
    g = _host(sh_to_fourier(to_xp(xp, e, dtype, device)))
    u, v = np.meshgrid(np.arange(-lmax, lmax + 1), np.arange(-lmax, lmax + 1), indexing="ij")
    outside = (np.abs(u) > l) | (np.abs(v) != abs(m))
    assert np.max(np.abs(g[outside]), initial=0.0) <= 1e2 * eps
    assert np.max(np.abs(g[~outside])) > 1e4 * eps  # the support is not empty


# ------------------------------------------------------------------------------- f2sh
def test_sin_moment_matches_sympy():
    t = sp.Symbol("t", real=True)
    ks = np.arange(-6, 7)
    got = fourier._sin_moment(ks)
    for k, val in zip(ks, got, strict=True):
        exact = sp.integrate(sp.exp(sp.I * int(k) * t) * sp.sin(t), (t, 0, sp.pi))
        want = complex(sp.N(exact, 30))
        assert abs(val - want) <= 4 * np.finfo(np.float64).eps, (k, val, want)


@given(seed=seeds(), lmax=st.integers(0, 8), extra=st.integers(-3, 3))
def test_round_trip_and_truncation(xp, device, seed, lmax, extra):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, (lmax + 1) ** 2))
    lout = max(0, lmax + extra)
    back = fourier_to_sh(sh_to_fourier(to_xp(xp, x, dtype, device)), lmax=lout)
    want = np.zeros((2, 3, (lout + 1) ** 2))
    k = min(x.shape[-1], want.shape[-1])
    want[..., :k] = x[..., :k]
    # measured 2e-14 at lmax 32 in float64 (|x| ~ 3); 1e2 eps * L * |x|_max covers float32
    tol = 1e2 * eps * (lmax + 1) * float(np.max(np.abs(x)))
    assert_close(back, to_xp(xp, want, dtype, device), rtol=0, atol=tol)


@pytest.mark.only_xp("numpy", reason="host quadrature oracle in float64")
@pytest.mark.parametrize(("band_u", "band_v", "lmax"), [(0, 0, 2), (2, 1, 3), (4, 4, 3), (3, 5, 2)])
def test_fourier_to_sh_is_the_sphere_integral_of_a_general_series(band_u, band_v, lmax):
    # H random complex (not Hermitian, not a torus extension): out = Re int_{S^2} h Y_lm,
    # with int over theta in [0, pi] of a trigonometric polynomial times sin(theta) by a
    # 60-node Gauss-Legendre rule in theta (smooth: converges to round-off), and exact
    # equispaced phi. Exercises I(+-1) (odd u + u') and the |v| > band_v zero columns.
    rng = np.random.default_rng(band_u * 10 + band_v)
    h = rng.standard_normal((2, 2 * band_u + 1, 2 * band_v + 1)) + 1j * rng.standard_normal(
        (2, 2 * band_u + 1, 2 * band_v + 1)
    )
    z, w = np.polynomial.legendre.leggauss(60)
    theta = (z + 1) * np.pi / 2
    w_theta = w * np.pi / 2 * np.sin(theta)
    n_phi = 2 * (band_v + lmax) + 2
    phi = 2 * np.pi * np.arange(n_phi) / n_phi
    tt, pp = np.meshgrid(theta, phi, indexing="ij")
    ysh = spherical_harmonics(lmax, _sphere_points(tt, pp))  # (nt, np, L^2)
    u = np.arange(-band_u, band_u + 1)
    v = np.arange(-band_v, band_v + 1)
    vals = np.einsum(
        "cuv,tu,pv->ctp", h, np.exp(1j * np.multiply.outer(theta, u)), np.exp(1j * np.outer(phi, v))
    )
    want = np.einsum("ctp,tpk,t->ck", vals, ysh, w_theta).real * (2 * np.pi / n_phi)
    got = fourier_to_sh(h, lmax=lmax)
    # both sides sum O(1e2) terms of size ~|want|: 1e2 eps relative (measured 9e-15)
    np.testing.assert_allclose(
        got, want, rtol=0, atol=1e2 * np.finfo(float).eps * np.abs(want).max()
    )
    assert np.max(np.abs(want)) > 0.1


def test_f2sh_of_constant_and_real_input():
    # h = 1 -> sqrt(4 pi) Y_00; real (integer) input is promoted
    out = fourier_to_sh(np.ones((1, 1), dtype=np.int64), lmax=2)
    want = np.zeros(9)
    want[0] = math.sqrt(4 * math.pi)
    np.testing.assert_allclose(out, want, rtol=0, atol=8 * np.finfo(np.float64).eps)
    assert out.dtype == np.float64


# ------------------------------------------------------------------------------- dtypes, tables
def test_dtypes_follow_input(xp, device):
    dtype, _ = dtype_eps(xp, device)
    x = to_xp(xp, np.arange(9.0), dtype, device)
    f = sh_to_fourier(x)
    assert f.dtype == _cdtype(xp, dtype)
    out = fourier_to_sh(f, lmax=2)
    assert out.dtype == dtype
    assert out.shape == (9,)


def test_tables_are_cached_read_only():
    for table in (
        fourier._theta_coefficients(3),
        fourier._sh2f_table(3),
        fourier._f2sh_table(3, 5),
        *fourier._gather_indices(3),
    ):
        assert not table.flags.writeable
    assert fourier._sh2f_table(3) is fourier._sh2f_table(3)


def test_inputs_are_not_mutated():
    x = np.random.default_rng(0).standard_normal((2, 16))
    saved = x.copy()
    f = sh_to_fourier(x)
    f_saved = f.copy()
    fourier_to_sh(f, lmax=3)
    np.testing.assert_array_equal(x, saved)
    np.testing.assert_array_equal(f, f_saved)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("arg", "exc", "match"),
    [
        (np.zeros(5), ValueError, r"coeffs must have a last axis of size \(lmax \+ 1\)\*\*2"),
        (np.zeros((3, 0)), ValueError, "coeffs must"),
        (np.zeros(()), ValueError, "at least 1 dimension"),
        (np.array([np.nan, 0, 0, 0]), ValueError, "finite"),
        (np.zeros(4, dtype=complex), TypeError, "coeffs must be a real"),
        (np.zeros(4, dtype=bool), TypeError, "coeffs must be a real"),
        (np.array(["a"] * 4), TypeError, "coeffs must be a numeric"),
    ],
)
def test_sh_to_fourier_bad_input(arg, exc, match):
    with pytest.raises(exc, match=match):
        sh_to_fourier(arg)


@pytest.mark.parametrize(
    ("arg", "lmax", "exc", "match"),
    [
        (np.zeros((3, 4)), 1, ValueError, "odd lengths"),
        (np.zeros((2, 3)), 1, ValueError, "odd lengths"),
        (np.zeros(3), 1, ValueError, "at least 2 dimension"),
        (np.zeros(3, dtype=complex), 1, ValueError, "at least 2 dimension"),
        (np.zeros((3, 3)), -1, ValueError, "lmax must be a non-negative int"),
        (np.zeros((3, 3)), 1.0, TypeError, "lmax must be a non-negative int"),
        (np.zeros((3, 3)), True, TypeError, "lmax must be a non-negative int"),
        (np.full((3, 3), np.inf + 0j), 1, ValueError, "finite"),
        (np.zeros((3, 3), dtype=bool), 1, TypeError, "fourier must be a real"),
        (np.zeros((0, 3)), 1, ValueError, "must not be empty"),
    ],
)
def test_fourier_to_sh_bad_input(arg, lmax, exc, match):
    with pytest.raises(exc, match=match):
        fourier_to_sh(arg, lmax=lmax)
