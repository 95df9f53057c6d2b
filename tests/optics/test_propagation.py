"""Dielectric tensor, eigen-indices, Jones propagation and Stokes outputs.

Convention under test (refimpl): e^{i(kz - wt)}, k along +z, e+ = (x + iy)/sqrt2 drives
Delta m = +1 for B along +z; Faraday rotation psi = (kL/2) Re(n_{-1} - n_{+1}); S3 > 0 for e+.
Oracles: ``scipy.linalg.expm``/``sqrtm`` on the 2 x 2 transverse tensor obtained from the
3 x 3 dielectric tensor by eliminating E_z (D_z = 0); closed-form eigen-indices.
"""

from __future__ import annotations

import math

import array_api_extra as xpx
import numpy as np
import pytest
import scipy.linalg
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.optics import (
    dielectric_tensor,
    eigen_indices,
    ellipticity,
    faraday_rotation,
    jones_matrix,
    jones_vector,
    rb_susceptibility,
    rotation_angle,
    stokes_parameters,
    transmitted_stokes,
)
from refimpl.testing.strategies import seeds

LAM = 780.2413272e-9
K = 2 * math.pi / LAM
L = 0.002


def _random_chis(rng, n=16, scale=3e-4):
    """Causal-looking random susceptibilities: Im chi >= 0, |chi| ~ scale (host complex128)."""
    out = []
    for _ in range(3):
        out.append(scale * (rng.standard_normal(n) + 1j * np.abs(rng.standard_normal(n))))
    return out


def _to(xp, a, device, real_dtype):
    dtype = _xp.complex_dtype(xp, real_dtype) if np.iscomplexobj(a) else real_dtype
    return xp.asarray(a, dtype=dtype, device=device)


@pytest.fixture(scope="module")
def rb_chis():
    d = np.arange(-30000.0, 30000.1, 50.0)
    return d, rb_susceptibility(d, line="D2", B_gauss=6000.0, T_celsius=100.0)


# ------------------------------------------------------------------ dielectric tensor
@given(seed=seeds(), theta=st.floats(0.0, math.pi))
def test_jones_matches_expm_of_transverse_tensor(seed, theta):
    rng = np.random.default_rng(seed)
    cp, c0, cm = _random_chis(rng, n=4)
    eps = dielectric_tensor(cp, c0, cm, theta_B=theta)
    jm = jones_matrix(cp, c0, cm, L=L, wavelength=LAM, theta_B=theta)
    for i in range(cp.size):
        e = eps[i]
        eff = e[:2, :2] - np.outer(e[:2, 2], e[2, :2]) / e[2, 2]
        ref = scipy.linalg.expm(1j * K * L * (scipy.linalg.sqrtm(eff) - np.eye(2)))
        # sqrtm(eff) - I cancels ~1 against 1: 1e-16 absolute, times kL = 1.6e4 -> 1e-11
        np.testing.assert_allclose(jm[i], ref, rtol=0, atol=1e-10)
    # hermitian part of the field-frame tensor is rotated, not changed: eigenvalues of eps
    w = np.sort_complex(np.linalg.eigvals(eps[0]))
    want = np.sort_complex(np.array([1 + cp[0], 1 + c0[0], 1 + cm[0]]))
    np.testing.assert_allclose(w, want, rtol=0, atol=1e-14)


def test_circular_and_linear_eigenvectors():
    rng = np.random.default_rng(1)
    cp, c0, cm = _random_chis(rng, n=4)
    eps = dielectric_tensor(cp, c0, cm, theta_B=0.0)
    ep = np.array([1, 1j, 0]) / math.sqrt(2)  # drives Delta m = +1 for B along +z
    em = np.array([1, -1j, 0]) / math.sqrt(2)
    for i in range(4):
        np.testing.assert_allclose(eps[i] @ ep, (1 + cp[i]) * ep, atol=1e-15)
        np.testing.assert_allclose(eps[i] @ em, (1 + cm[i]) * em, atol=1e-15)
    # Voigt (B along x): x is the pi eigenvector
    epsv = dielectric_tensor(cp, c0, cm, theta_B=math.pi / 2)
    np.testing.assert_allclose(epsv[:, 0, 0], 1 + c0, atol=1e-15)


# ------------------------------------------------------------------- geometry claims
def test_faraday_circular_inputs_see_one_index_each():
    rng = np.random.default_rng(2)
    cp, c0, cm = _random_chis(rng)
    for vec, q in (("e+", 1), ("e-", -1)):
        s = transmitted_stokes(cp, c0, cm, jones_vector(vec), L=L, wavelength=LAM)
        chi = cp if q == 1 else cm
        np.testing.assert_allclose(s[:, 0], np.exp(-2 * K * L * np.sqrt(1 + chi).imag), rtol=1e-12)
        # changing the other two susceptibilities changes nothing
        other = _random_chis(np.random.default_rng(3))
        args = (cp, other[1], other[2]) if q == 1 else (other[0], other[1], cm)
        s2 = transmitted_stokes(*args, jones_vector(vec), L=L, wavelength=LAM)
        np.testing.assert_allclose(s2, s, rtol=0, atol=1e-13)
        # but changing its own does (non-vacuity)
        args = (other[0], c0, cm) if q == 1 else (cp, c0, other[2])
        s3 = transmitted_stokes(*args, jones_vector(vec), L=L, wavelength=LAM)
        assert np.abs(s3[:, 0] - s[:, 0]).max() > 1e-3


def test_voigt_parallel_input_sees_only_pi():
    rng = np.random.default_rng(4)
    cp, c0, cm = _random_chis(rng)
    s = transmitted_stokes(cp, c0, cm, jones_vector("x"), L=L, wavelength=LAM, theta_B=math.pi / 2)
    np.testing.assert_allclose(s[:, 0], np.exp(-2 * K * L * np.sqrt(1 + c0).imag), rtol=1e-12)
    other = _random_chis(np.random.default_rng(5))
    s2 = transmitted_stokes(
        other[0], c0, other[2], jones_vector("x"), L=L, wavelength=LAM, theta_B=math.pi / 2
    )
    np.testing.assert_allclose(s2, s, rtol=0, atol=1e-13)
    # the perpendicular input sees n_perp = sqrt(2(1+chi+)(1+chi-)/(2+chi+ + chi-))
    sy = transmitted_stokes(cp, c0, cm, jones_vector("y"), L=L, wavelength=LAM, theta_B=math.pi / 2)
    n_perp = np.sqrt(2 * (1 + cp) * (1 + cm) / (2 + cp + cm))
    np.testing.assert_allclose(sy[:, 0], np.exp(-2 * K * L * n_perp.imag), rtol=1e-11)
    npar, nperp = eigen_indices(cp, c0, cm, geometry="voigt")
    # the naive reference sqrt(...) - 1 cancels: a few eps absolute
    np.testing.assert_allclose(nperp, n_perp - 1, rtol=0, atol=8 * np.finfo(float).eps)
    np.testing.assert_allclose(npar, np.sqrt(1 + c0) - 1, rtol=0, atol=8 * np.finfo(float).eps)


def test_zero_field_gives_no_rotation():
    d = np.arange(-8000.0, 8000.1, 20.0)
    chis = rb_susceptibility(d, line="D2", B_gauss=0.0, T_celsius=110.0)
    for theta in (0.0, math.pi / 2, 0.6):
        for angle in (0.0, 0.4):
            s = transmitted_stokes(*chis, jones_vector(angle), L=L, wavelength=LAM, theta_B=theta)
            # eigenvector round-off ~1e-10 relative on chi, times kL |chi| ~ 10 -> ~1e-9 rad
            np.testing.assert_allclose(rotation_angle(s), angle, rtol=0, atol=1e-8)
            np.testing.assert_allclose(ellipticity(s), 0.0, rtol=0, atol=1e-8)
            assert s[:, 0].min() < 0.5  # the light is absorbed: not vacuous
    np.testing.assert_allclose(
        faraday_rotation(chis[0], chis[2], L=L, wavelength=LAM), 0.0, atol=1e-8
    )


def test_faraday_rotation_formula_and_sign(rb_chis):
    """Jones/Stokes rotation of x-polarised light = (kL/2) Re(n_{-1} - n_{+1}) mod pi
    (refimpl's sign: the opposite of ElecSus, whose value at -15 GHz is -0.21053 rad for
    natural Rb, D2, 6000 G, 100 C, 2 mm; spec 6.4 item 6 [num])."""
    d, chis = rb_chis
    s = transmitted_stokes(*chis, jones_vector("x"), L=L, wavelength=LAM)
    psi = rotation_angle(s)
    formula = faraday_rotation(chis[0], chis[2], L=L, wavelength=LAM)
    diff = np.angle(np.exp(2j * (psi - formula))) / 2
    np.testing.assert_allclose(diff, 0.0, atol=1e-12)
    assert np.abs(formula).max() > 1.0  # rotations of order 1 rad near the lines
    for at, elecsus in ((-15000.0, -0.21053), (15000.0, -0.23149)):
        k = np.argmin(np.abs(d - at))
        # ElecSus's quirks (integer line centres, interpolated shape) cost ~1.3e-3 relative
        assert formula[k] == pytest.approx(-elecsus, rel=5e-3)


def test_rotation_equals_phase_difference_without_dichroism():
    """Real susceptibilities (no absorption): rotation = (kL/2) Re(n_{-1} - n_{+1}) and zero
    ellipticity; the sign check: n_{+1} > n_{-1} rotates x towards -y."""
    cp = np.array([2e-5, -1e-5, 3e-6]) + 0j
    cm = np.array([-1e-5, 2e-5, 0.0]) + 0j
    c0 = np.zeros(3, dtype=complex)
    s = transmitted_stokes(cp, c0, cm, jones_vector("x"), L=L, wavelength=LAM)
    want = 0.5 * K * L * (np.sqrt(1 + cm) - np.sqrt(1 + cp)).real
    np.testing.assert_allclose(rotation_angle(s), want, rtol=1e-10)
    np.testing.assert_allclose(ellipticity(s), 0.0, atol=1e-12)
    assert rotation_angle(s)[0] < 0


# -------------------------------------------------------------------- Stokes, vectors
def test_stokes_conventions():
    for name, want in (
        ("x", [1, 1, 0, 0]),
        ("y", [1, -1, 0, 0]),
        ("+45", [1, 0, 1, 0]),
        ("-45", [1, 0, -1, 0]),
        ("e+", [1, 0, 0, 1]),
        ("e-", [1, 0, 0, -1]),
    ):
        np.testing.assert_allclose(stokes_parameters(jones_vector(name)), want, atol=1e-15)
    assert float(ellipticity(stokes_parameters(jones_vector("e+")))) == pytest.approx(math.pi / 4)
    assert float(rotation_angle(stokes_parameters(jones_vector(0.3)))) == pytest.approx(0.3)


# ------------------------------------------------------------------------- namespaces
def test_outputs_follow_namespace(xp, device):
    real = xpx.default_dtype(xp, device=device)
    eps = _xp.eps(xp, real)
    rng = np.random.default_rng(7)
    host = _random_chis(rng, n=8)
    cp, c0, cm = (_to(xp, a, device, real) for a in host)
    cdtype = _xp.complex_dtype(xp, real)
    e_in = jones_vector("+45", xp=xp, dtype=cdtype, device=device)
    outs = {
        "eps": dielectric_tensor(cp, c0, cm, theta_B=0.4),
        "jones": jones_matrix(cp, c0, cm, L=L, wavelength=LAM, theta_B=0.4),
        "n": eigen_indices(cp, c0, cm, geometry="faraday")[0],
        "stokes": transmitted_stokes(cp, c0, cm, e_in, L=L, wavelength=LAM, theta_B=0.4),
        "rot": faraday_rotation(cp, cm, L=L, wavelength=LAM),
    }
    want_dtype = {"eps": cdtype, "jones": cdtype, "n": cdtype, "stokes": real, "rot": real}
    ref = {
        "eps": dielectric_tensor(*host, theta_B=0.4),
        "jones": jones_matrix(*host, L=L, wavelength=LAM, theta_B=0.4),
        "n": eigen_indices(*host, geometry="faraday")[0],
        "stokes": transmitted_stokes(*host, jones_vector("+45"), L=L, wavelength=LAM, theta_B=0.4),
        "rot": faraday_rotation(host[0], host[2], L=L, wavelength=LAM),
    }
    for key, out in outs.items():
        assert out.dtype == want_dtype[key]
        assert _xp.device(out) == _xp.device(cp)
        # phases kL (n - 1) ~ 5 carry eps relative error times kL |chi| ~ 10: 100 eps absolute
        # on O(1) outputs; the rotation is ~ kL |chi| ~ 5 rad: 100 eps relative
        scale = float(np.abs(ref[key]).max())
        assert_close(
            out,
            xp.asarray(ref[key], dtype=out.dtype, device=device),
            rtol=0,
            atol=100 * eps * max(scale, 1.0),
        )
    s = outs["stokes"]
    assert rotation_angle(s).dtype == real
    assert ellipticity(s).dtype == real


def test_bad_input_raises():
    cp = np.full(4, 1e-4j)
    with pytest.raises(ValueError, match="geometry must be one of"):
        eigen_indices(cp, cp, cp, geometry="oblique")
    with pytest.raises(ValueError, match="must have one shape"):
        dielectric_tensor(cp, cp[:2], cp)
    with pytest.raises(ValueError, match="L must be a finite positive"):
        jones_matrix(cp, cp, cp, L=-1.0, wavelength=LAM)
    with pytest.raises(ValueError, match="theta_B must be a finite"):
        jones_matrix(cp, cp, cp, L=L, wavelength=LAM, theta_B=float("inf"))
    with pytest.raises(ValueError, match="kind must be one of"):
        jones_vector("circular")
    with pytest.raises(TypeError, match="dtype must be a complex"):
        jones_vector("x", dtype=np.float64)
    with pytest.raises(ValueError, match="E must have shape"):
        stokes_parameters(np.ones(3))
    with pytest.raises(ValueError, match="S must have shape"):
        rotation_angle(np.ones((2, 3)))
    with pytest.raises(ValueError, match="chi_p1 must be finite"):
        dielectric_tensor(np.array([np.nan + 0j]), cp[:1], cp[:1])
