"""Tests of refimpl.koopman.dictionaries: orthonormality under exact quadrature, values against
independent NumPy evaluations (numpy.polynomial Legendre/Hermite classes, explicit products and
distances), column conventions, and k-means (Lloyd) fixed points and cost decrease."""

from __future__ import annotations

import math

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.koopman import (
    fourier_dictionary,
    hermite_dictionary,
    kmeans_centres,
    legendre_dictionary,
    monomial_dictionary,
    rbf_dictionary,
    torus_fourier_dictionary,
)
from tests._helpers import dtype_eps

seeds = st.integers(0, 2**32 - 1)


def _h(a):
    return _xp.to_host(a)


def _gram(psi, w):
    """Host float64 quadrature Gram matrix Psi^* W Psi."""
    psi = np.asarray(psi, dtype=np.complex128)
    return psi.conj().T @ (w[:, None] * psi)


# ------------------------------------------------------------------------------- Legendre
@given(seed=seeds, n=st.integers(1, 20))
@settings(max_examples=10)
def test_legendre_orthonormal_under_gauss_legendre(xp, device, seed, n):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    a = float(rng.uniform(-3, 1))
    b = a + float(rng.uniform(0.2, 4))
    t, wt = np.polynomial.legendre.leggauss(n)  # exact for P_j P_k, j + k <= 2n - 2
    x, w = 0.5 * (b - a) * t + 0.5 * (a + b), 0.5 * (b - a) * wt
    psi = legendre_dictionary(xp.asarray(x, dtype=dtype, device=device), n=n, interval=(a, b))
    assert psi.shape == (n, n)
    assert psi.dtype == dtype
    # recurrence error grows ~ j eps; entries of size sqrt((2j+1)/(b-a)) <= 13: 1e2 n eps
    np.testing.assert_allclose(_gram(_h(psi), w), np.eye(n), atol=1e2 * n * eps)


@given(seed=seeds)
@settings(max_examples=5)
def test_legendre_values_match_numpy_polynomial(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 0.0, 30)
    psi = _h(
        legendre_dictionary(xp.asarray(x, dtype=dtype, device=device), n=12, interval=(-1.0, 0.0))
    )
    want = np.stack(
        [
            np.sqrt(2 * j + 1) * np.polynomial.legendre.Legendre.basis(j)(2 * x + 1)
            for j in range(12)
        ],
        axis=1,
    )  # the spec's Gauss-map dictionary sqrt(2j+1) P_j(2x+1)
    np.testing.assert_allclose(psi, want, rtol=0, atol=1e2 * eps * np.max(np.abs(want)))


# -------------------------------------------------------------------------------- Fourier
@given(n=st.integers(0, 8), extra=st.integers(1, 6))
@settings(max_examples=8)
def test_fourier_orthonormal_under_trapezoid(xp, device, n, extra):
    dtype, eps = dtype_eps(xp, device)
    m = 2 * n + extra  # M > 2n equispaced points: the trapezoid rule is exact for e^{i(k-l)x}
    x = 2 * np.pi * np.arange(m) / m
    psi = fourier_dictionary(xp.asarray(x, dtype=dtype, device=device), n=n)
    assert psi.dtype == _xp.complex_dtype(xp, dtype)
    assert psi.shape == (m, 2 * n + 1)
    np.testing.assert_allclose(
        _gram(_h(psi), np.full(m, 2 * np.pi / m)), np.eye(2 * n + 1), atol=1e2 * eps
    )
    # column k + n is e^{ikx}/sqrt(2 pi)
    k = np.arange(-n, n + 1)
    want = np.exp(1j * np.outer(x, k)) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(_h(psi), want, atol=1e2 * eps * (n + 1))


def test_fourier_aliasing_when_m_too_small():
    """M = 2n points: e^{-inx} and e^{inx} alias, G is not I (non-vacuity of the above)."""
    n, m = 3, 6
    x = 2 * np.pi * np.arange(m) / m
    g = _gram(fourier_dictionary(x, n=n), np.full(m, 2 * np.pi / m))
    assert abs(g[0, -1]) > 0.5


def test_torus_fourier_orthonormal_and_c_order(xp, device):
    dtype, eps = dtype_eps(xp, device)
    n, m = 2, 7
    g1 = 2 * np.pi * np.arange(m) / m
    pts = np.stack(np.meshgrid(g1, g1, g1, indexing="ij"), -1).reshape(-1, 3)
    psi = torus_fourier_dictionary(xp.asarray(pts, dtype=dtype, device=device), n=n)
    assert psi.shape == (m**3, (2 * n + 1) ** 3)
    w = np.full(m**3, (2 * np.pi / m) ** 3)
    np.testing.assert_allclose(_gram(_h(psi), w), np.eye(125), atol=1e3 * eps)
    # column sum_i (k_i + n) (2n+1)^(d-1-i): C order over (k1, k2, k3)
    k = np.stack(np.meshgrid(*[np.arange(-n, n + 1)] * 3, indexing="ij"), -1).reshape(-1, 3)
    want = np.exp(1j * pts @ k.T) / (2 * np.pi) ** 1.5
    np.testing.assert_allclose(_h(psi), want, atol=1e2 * eps)


# -------------------------------------------------------------------------------- Hermite
@given(n=st.integers(1, 25), scale=st.floats(0.3, 3.0))
@settings(max_examples=8)
def test_hermite_functions_orthonormal(xp, device, n, scale):
    dtype, eps = dtype_eps(xp, device)
    q = n + 2
    t, wt = np.polynomial.hermite.hermgauss(q)  # int p(t) e^{-t^2}, exact for deg <= 2q - 1
    # int h_j(x/s) h_k(x/s) / s dx = sum w_i e^{t_i^2} h_j(t_i) h_k(t_i) (x = s t)
    psi = _h(
        hermite_dictionary(xp.asarray(scale * t, dtype=dtype, device=device), n=n, scale=scale)
    )
    w = scale * wt * np.exp(t**2)
    np.testing.assert_allclose(_gram(psi, w), np.eye(n), atol=1e2 * n * eps)


def test_hermite_values_match_numpy_hermite(xp, device):
    dtype, eps = dtype_eps(xp, device)
    x = np.linspace(-4, 4, 33)
    s = 1.5
    psi = _h(hermite_dictionary(xp.asarray(x, dtype=dtype, device=device), n=10, scale=s))
    t = x / s
    want = np.stack(
        [
            np.polynomial.hermite.Hermite.basis(j)(t)
            * np.exp(-(t**2) / 2)
            / math.sqrt(2.0**j * math.factorial(j) * math.sqrt(math.pi) * s)
            for j in range(10)
        ],
        axis=1,
    )
    np.testing.assert_allclose(psi, want, rtol=0, atol=1e2 * eps)


# ------------------------------------------------------------------------------ monomials
@pytest.mark.parametrize(("d", "degree"), [(1, 4), (2, 3), (3, 2)])
def test_monomials_graded_reverse_lex(xp, device, d, degree):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(d)
    x = rng.uniform(-1.5, 1.5, (9, d))
    arg = x[:, 0] if d == 1 else x
    psi = _h(monomial_dictionary(xp.asarray(arg, dtype=dtype, device=device), degree=degree))
    exps = []
    for total in range(degree + 1):  # independent enumeration: graded, reverse lex
        level = [e for e in np.ndindex(*(degree + 1,) * d) if sum(e) == total]
        exps.extend(sorted(level, reverse=True))
    assert len(exps) == math.comb(d + degree, d)
    want = np.stack([np.prod(x ** np.asarray(e), axis=1) for e in exps], axis=1)
    np.testing.assert_allclose(psi, want, rtol=1e2 * eps, atol=1e2 * eps)


def test_monomials_two_d_order_is_explicit():
    x = np.array([[2.0, 3.0]])
    # 1, x, y, x^2, xy, y^2, x^3, x^2 y, x y^2, y^3
    want = [[1, 2, 3, 4, 6, 9, 8, 12, 18, 27]]
    assert monomial_dictionary(x, degree=3).tolist() == want


# ----------------------------------------------------------------------------------- RBF
@pytest.mark.parametrize("kind", ["exponential", "gaussian"])
@given(seed=seeds)
@settings(max_examples=5)
def test_rbf_shapes_against_direct_distances(xp, device, kind, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((20, 2))
    c = np.concatenate([rng.standard_normal((5, 2)), x[:1]])  # one centre on a data point
    s, a = float(rng.uniform(0.5, 2)), float(rng.uniform(0.5, 3))
    psi = _h(
        rbf_dictionary(
            xp.asarray(x, dtype=dtype, device=device),
            xp.asarray(c, dtype=dtype, device=device),
            scale=s,
            shape=a,
            kind=kind,
        )
    )
    r = np.linalg.norm(x[:, None, :] - c[None, :, :], axis=-1)
    want = np.exp(-a * r / s) if kind == "exponential" else np.exp(-((a * r / s) ** 2))
    # distances via |x|^2 + |c|^2 - 2 x.c: sqrt(eps) relative error of tiny r (docstring)
    np.testing.assert_allclose(psi, want, rtol=0, atol=1e2 * np.sqrt(eps) * a / s)
    assert abs(psi[0, -1] - 1.0) < 1e2 * np.sqrt(eps) * a / s  # value 1 at its centre
    assert np.ptp(psi) > 0.3


# -------------------------------------------------------------------------------- k-means
def _cost(x, c):
    return float(np.sum(np.min(np.sum((x[:, None, :] - c[None]) ** 2, -1), axis=1)))


@given(seed=seeds, k=st.integers(1, 6))
@settings(max_examples=6)
def test_kmeans_is_a_lloyd_fixed_point_and_lowers_the_cost(xp, device, seed, k):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((60, 2)) + rng.integers(0, 3, (60, 1)) * 4.0
    xx = _h(xp.asarray(x, dtype=dtype, device=device)).astype(np.float64)
    c = _h(
        kmeans_centres(xp.asarray(x, dtype=dtype, device=device), n_centres=k, n_iter=500, rng=seed)
    ).astype(np.float64)
    assert c.shape == (k, 2)
    # the initial centres: k distinct data points from the same seed (docstring)
    start = xx[np.sort(np.random.default_rng(seed).choice(60, size=k, replace=False))]
    assert _cost(xx, c) <= _cost(xx, start) * (1 + 1e2 * eps)
    # converged: every centre is the mean of the points nearest to it
    labels = np.argmin(np.sum((xx[:, None, :] - c[None]) ** 2, -1), axis=1)
    for j in range(k):
        if np.any(labels == j):
            np.testing.assert_allclose(c[j], xx[labels == j].mean(axis=0), atol=1e2 * eps * 10)


def test_kmeans_finds_separated_clusters():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x = np.concatenate([c + 0.1 * rng.standard_normal((30, 2)) for c in centres])
    got = kmeans_centres(x, n_centres=3, rng=1)
    order = np.lexsort((got[:, 0], got[:, 1]))
    means = np.stack([x[30 * i : 30 * (i + 1)].mean(0) for i in range(3)])
    np.testing.assert_allclose(
        got[order], means[np.lexsort((means[:, 0], means[:, 1]))], atol=1e-12
    )


def test_dictionary_bad_input():
    with pytest.raises(ValueError, match=r"^interval must be finite with a < b"):
        legendre_dictionary(np.zeros(3), n=2, interval=(1.0, 0.0))
    with pytest.raises(TypeError, match=r"^interval must be a pair"):
        legendre_dictionary(np.zeros(3), n=2, interval=1.0)
    with pytest.raises(ValueError, match=r"^n must be"):
        legendre_dictionary(np.zeros(3), n=0)
    with pytest.raises(ValueError, match=r"^x must be 1-D"):
        fourier_dictionary(np.zeros((3, 2)), n=1)
    with pytest.raises(ValueError, match=r"^scale must be"):
        hermite_dictionary(np.zeros(3), n=2, scale=0.0)
    with pytest.raises(ValueError, match=r"^centres must have the point dimension of x"):
        rbf_dictionary(np.zeros((3, 2)), np.zeros((2, 3)), scale=1.0)
    with pytest.raises(ValueError, match=r"^kind must be one of"):
        rbf_dictionary(np.zeros((3, 2)), np.zeros((2, 2)), scale=1.0, kind="cubic")
    with pytest.raises(ValueError, match=r"^n_centres must be at most"):
        kmeans_centres(np.zeros((3, 2)), n_centres=4)
    with pytest.raises(ValueError, match=r"^x must be 1-D \(M,\) or 2-D"):
        monomial_dictionary(np.zeros((3, 2, 2)), degree=1)
    assert_close(
        hermite_dictionary(np.array([0.0]), n=1), np.asarray([[math.pi**-0.25]]), rtol=1e-15
    )
