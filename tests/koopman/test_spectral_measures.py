"""Tests of refimpl.koopman.spectral_measures on the circle rotation, whose spectral measures
are sums of point masses |a_k|^2 at k omega (mod 2 pi): exact moments for one frequency, the
exact ergodic-average error bound for several, the Fejer kernel's closed form, positivity and
total mass of the smoothed measure."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.koopman import ergodic_moments, smoothed_measure
from tests._helpers import dtype_eps

seeds = st.integers(0, 2**32 - 1)
FILTERS = ("fejer", "cosine", "vandeven", "sharp_cosine")


def _h(a):
    return _xp.to_host(a)


def _orbit(m, omega, x0=0.3):
    return x0 + omega * np.arange(m)


@given(seed=seeds, k=st.integers(-4, 4))
@settings(max_examples=6)
def test_single_frequency_moments_are_exact(xp, device, seed, k):
    """g = a e^{ikx} is an eigenfunction: c_n = |a|^2 e^{i k n omega} for every M."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    omega, a = float(rng.uniform(0.1, 3)), complex(rng.standard_normal(2) @ [1, 1j])
    x = _orbit(200, omega)
    g = a * np.exp(1j * k * x)
    c = ergodic_moments(xp.asarray(g, dtype=_xp.complex_dtype(xp, dtype), device=device), n_max=10)
    n = np.arange(-10, 11)
    want = abs(a) ** 2 * np.exp(1j * k * n * omega)
    # float32: the orbit's phases carry eps * |k| * m * omega of error
    np.testing.assert_allclose(_h(c), want, atol=1e2 * eps * abs(a) ** 2 * (1 + abs(k) * 600))


@given(seed=seeds)
@settings(max_examples=6)
def test_ergodic_moments_within_the_exact_cross_term_bound(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    omega = np.sqrt(2.0)
    ks = np.array([-2, 0, 1, 3])
    a = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    m, n_max = 400, 8
    x = _orbit(m, omega)
    g = np.exp(1j * np.outer(x, ks)) @ a
    c = _h(
        ergodic_moments(
            xp.asarray(g, dtype=_xp.complex_dtype(xp, dtype), device=device), n_max=n_max
        )
    )
    n = np.arange(-n_max, n_max + 1)
    want = np.exp(1j * np.outer(n, ks) * omega) @ np.abs(a) ** 2  # atoms |a_k|^2 at k omega
    # |(1/L) sum_{m<L} e^{i theta m}| <= 2 / (L |1 - e^{i theta}|), theta = (k - l) omega
    dk = ks[:, None] - ks[None, :]
    off = dk != 0
    pair = np.abs(a)[:, None] * np.abs(a)[None, :]
    bound_l = np.sum(pair[off] * 2 / np.abs(1 - np.exp(1j * dk[off] * omega)))
    bound = bound_l / (m - np.abs(n)) + 1e3 * eps * np.sum(np.abs(a)) ** 2 * (1 + 6 * m * eps)
    err = np.abs(c - want)
    assert np.all(err <= bound)
    assert np.max(err) > 1e-6  # the finite-M estimate is not exact here (non-vacuous)
    assert_close(
        xp.asarray(c[:n_max], device=device), xp.asarray(np.conj(c[::-1][:n_max]), device=device)
    )  # c_{-n} = conj(c_n)


def _fejer(u, big_n):
    """Closed form (1/(2 pi N)) (sin(N u/2) / sin(u/2))^2 of the Fejer kernel."""
    s = np.sin(u / 2)
    safe = np.where(np.abs(s) < 1e-12, 1.0, s)
    val = np.where(np.abs(s) < 1e-12, big_n**2, (np.sin(big_n * u / 2) / safe) ** 2)
    return val / (2 * np.pi * big_n)


@given(seed=seeds, big_n=st.integers(2, 40))
@settings(max_examples=6)
def test_fejer_smoothed_measure_of_point_masses(xp, device, seed, big_n):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    omega = float(rng.uniform(0.5, 3))
    ks = np.array([0, 1, 2, -3])
    mass = rng.uniform(0.1, 1.0, 4)  # |a_k|^2
    n = np.arange(-big_n, big_n + 1)
    c = np.exp(1j * np.outer(n, ks) * omega) @ mass
    theta = rng.uniform(-np.pi, np.pi, 50)
    cdt = _xp.complex_dtype(xp, dtype)
    nu = smoothed_measure(
        xp.asarray(c, dtype=cdt, device=device),
        xp.asarray(theta, dtype=dtype, device=device),
        filter="fejer",
    )
    assert nu.dtype == dtype
    want = sum(mk * _fejer(theta - k * omega, big_n) for k, mk in zip(ks, mass, strict=True))
    np.testing.assert_allclose(_h(nu), want, atol=1e2 * eps * big_n * np.sum(mass))
    assert np.min(_h(nu)) >= -1e2 * eps * big_n  # the Fejer kernel is positive


@pytest.mark.parametrize("filt", FILTERS)
def test_smoothed_measure_total_mass_and_peaks(xp, device, filt):
    dtype, eps = dtype_eps(xp, device)
    omega, big_n = 1.0, 32
    ks = np.array([0, 1, -2])
    mass = np.array([0.5, 0.3, 0.2])
    n = np.arange(-big_n, big_n + 1)
    c = np.exp(1j * np.outer(n, ks) * omega) @ mass
    q = 4 * big_n  # the trapezoid rule is exact for trigonometric polynomials of degree < q
    theta = 2 * np.pi * np.arange(q) / q
    nu = _h(
        smoothed_measure(
            xp.asarray(c, dtype=_xp.complex_dtype(xp, dtype), device=device),
            xp.asarray(theta, dtype=dtype, device=device),
            filter=filt,
        )
    )
    total = np.sum(nu) * 2 * np.pi / q
    assert total == pytest.approx(np.sum(mass), abs=1e2 * eps * big_n)  # = c_0
    # the peaks sit at k omega mod 2 pi: the density there beats the density far from atoms
    atoms = np.mod(ks * omega, 2 * np.pi)
    at = _h(
        smoothed_measure(
            xp.asarray(c, dtype=_xp.complex_dtype(xp, dtype), device=device),
            xp.asarray(atoms, dtype=dtype, device=device),
            filter=filt,
        )
    )
    dist = np.min(np.abs(np.angle(np.exp(1j * (theta[:, None] - atoms[None, :])))), axis=1)
    far = nu[dist > 1.0]
    assert np.min(at) > 10 * np.max(np.abs(far))


def test_high_order_filters_decay_faster_than_fejer():
    big_n = 64
    c = np.ones(2 * big_n + 1)  # mu = delta_0
    theta = np.linspace(1.0, np.pi, 50)  # away from the atom
    far = {f: np.max(np.abs(smoothed_measure(c, theta, filter=f))) for f in FILTERS}
    assert far["cosine"] < far["fejer"] / 10
    assert far["vandeven"] < far["fejer"] / 10
    assert far["sharp_cosine"] < far["fejer"] / 10


@pytest.mark.parametrize(
    ("filt", "p0", "p1"),
    [("fejer", 1, 1), ("cosine", 2, 2), ("vandeven", 4, 4), ("sharp_cosine", 8, 8)],
)
def test_filter_orders_at_both_ends(filt, p0, p1):
    """phi is read back from the density at theta = 0 of single moments e_n:
    nu(0) = phi(|n|/N) / (2 pi). 1 - phi(t) ~ t^p0 at 0 and phi(1 - s) ~ s^p1 at 1: the ratio
    of values at 2t and t is 2^p (MomentMeas.m's first-, second-, fourth-, eighth-order
    filters)."""
    big_n = 1000

    def phi(n):
        c = np.zeros(2 * big_n + 1)
        c[big_n + n] = 1.0
        return 2 * np.pi * float(smoothed_measure(c, np.zeros(1), filter=filt)[0])

    assert phi(0) == pytest.approx(1.0, abs=1e-14)
    assert abs(phi(big_n)) < 1e-14
    n = 20  # t = 0.02 and 0.04
    r0 = (1 - phi(2 * n)) / (1 - phi(n))
    r1 = phi(big_n - 2 * n) / phi(big_n - n)
    assert r0 == pytest.approx(2.0**p0, rel=0.15)
    assert r1 == pytest.approx(2.0**p1, rel=0.15)


def test_moments_round_trip_from_a_rotation_trajectory():
    omega = 2 * np.pi * (np.sqrt(5) - 1) / 2
    x = _orbit(4000, omega)
    g = np.exp(1j * x) + 0.5 * np.exp(-2j * x)
    c = ergodic_moments(g, n_max=40)
    theta = np.linspace(-np.pi, np.pi, 2001)
    nu = smoothed_measure(c, theta, filter="vandeven")
    peak = theta[np.argmax(nu)]
    assert abs(np.angle(np.exp(1j * (peak - omega)))) < 2e-3  # the larger atom, |a|^2 = 1


def test_spectral_measure_bad_input():
    with pytest.raises(ValueError, match=r"^n_max must be less than the trajectory length"):
        ergodic_moments(np.ones(5), n_max=5)
    with pytest.raises(ValueError, match=r"^g must be 1-D"):
        ergodic_moments(np.ones((5, 2)), n_max=1)
    with pytest.raises(ValueError, match=r"^moments must be 1-D of odd length"):
        smoothed_measure(np.ones(4), np.zeros(2))
    with pytest.raises(ValueError, match=r"^filter must be one of"):
        smoothed_measure(np.ones(5), np.zeros(2), filter="box")
