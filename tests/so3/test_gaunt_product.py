"""Tests of refimpl.so3.gaunt_product: gaunt_tensor_product (3 routes) and gaunt_power.

Oracles and properties (spec equivariance.md §1.5, §1.6, §1.8, §1.10, §1.12):

* the three routes (Fourier, S^2 grid, dense Gaunt contraction) against each other; each
  route is built from different tables (FFT of torus samples + I(k) moments; Gauss-Legendre
  quadrature; exact Racah-formula Gaunt blocks of refimpl.so3.coupling);
* oracle-free: sum_lm out_lm Y_lm(p) = f_x(p) f_y(p) at random points; Parseval
  int (f_x f_y)^2 = |out|^2 with an independent quadrature;
* algebra: bilinearity, commutativity, associativity (untruncated), unit sqrt(4 pi) e_00;
* equivariance under random rotations (refimpl.testing.assert_equivariant with the Wigner D
  action of refimpl.so3.wigner);
* selection rules: no 1 x 1 -> 1 path, no odd paths;
* the relation to the CG tensor product with path weights c(l1, l2, l3) (needs
  refimpl.so3.cg_product), and the e3nn TensorProduct recipe of spec §1.12 (optional);
* the grid route fails with one Gauss-Legendre node (or one azimuth) fewer;
* the 2D convolution is linear, not circular (scipy.signal.convolve2d; the official fft.py
  sanity value 165);
* gaunt_power against iterated products and against a direct quadrature projection of f^nu.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.so3 import gaunt_product
from refimpl.so3.coupling import gaunt_cg_ratio
from refimpl.so3.gaunt_product import gaunt_power, gaunt_tensor_product
from refimpl.so3.harmonics import s2_quadrature, spherical_harmonics
from refimpl.so3.wigner import random_rotation, rotate_coefficients
from refimpl.testing import assert_equivariant
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp

METHODS = ("fourier", "grid", "dense")


# ------------------------------------------------------------------------------- helpers
def _coeffs(rng, lead, lmax):
    return rng.standard_normal((*lead, (lmax + 1) ** 2))


def _tol(eps, x, y, lmax):
    """Round-off of a bilinear form summing O(L^2) products of size |x| |y|: the factor
    1e2 * (lmax + 1) covers the sh2f/FFT/f2sh chain (measured 3.5e-14 at lmax1 = lmax2 = 8,
    |x|_max |y|_max ~ 9, i.e. ~ 0.2 eps * L * scale) and the float32 cast of the tables."""
    return 1e2 * eps * (lmax + 1) * float(np.max(np.abs(x))) * float(np.max(np.abs(y)))


def _values(c, pts):
    """f(p) = sum_lm c_lm Y_lm(p) on the host, float64."""
    lmax = math.isqrt(c.shape[-1]) - 1
    return c @ spherical_harmonics(lmax, pts).T


# ------------------------------------------------------------------------------- routes agree
@given(
    seed=seeds(),
    lmax1=st.integers(0, 4),
    lmax2=st.integers(0, 4),
    dl=st.integers(-2, 1),
)
def test_three_routes_agree(xp, device, seed, lmax1, lmax2, dl):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y = _coeffs(rng, (3,), lmax1), _coeffs(rng, (2, 1), lmax2)  # batch axes broadcast
    lout = max(0, lmax1 + lmax2 + dl)
    outs = [
        gaunt_tensor_product(
            to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device), lmax_out=lout, method=m
        )
        for m in METHODS
    ]
    assert outs[0].shape == (2, 3, (lout + 1) ** 2)
    tol = _tol(eps, x, y, max(lmax1, lmax2))
    for out in outs[1:]:
        assert_close(out, outs[0], rtol=0, atol=tol)
    assert float(xp.max(xp.abs(outs[0]))) > 1e3 * tol  # non-vacuous


@pytest.mark.only_xp("numpy", reason="float64 accuracy record at larger degrees")
@pytest.mark.parametrize("lmax", [6, 8])
def test_routes_agree_at_larger_degrees(lmax):
    rng = np.random.default_rng(lmax)
    x, y = _coeffs(rng, (4,), lmax), _coeffs(rng, (4,), lmax)
    outs = [gaunt_tensor_product(x, y, method=m) for m in METHODS]
    tol = _tol(np.finfo(float).eps, x, y, lmax)
    for out in outs[1:]:
        np.testing.assert_allclose(out, outs[0], rtol=0, atol=tol)


# ------------------------------------------------------------------------------- oracle-free
@pytest.mark.parametrize("method", METHODS)
@given(seed=seeds(), lmax1=st.integers(0, 5), lmax2=st.integers(0, 5))
def test_pointwise_product_identity(xp, device, method, seed, lmax1, lmax2):
    # sum_lm out_lm Y_lm(p) = f_x(p) f_y(p) for the untruncated product
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y = _coeffs(rng, (2,), lmax1), _coeffs(rng, (2,), lmax2)
    out = gaunt_tensor_product(
        to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device), method=method
    )
    pts = rng.standard_normal((32, 3))
    got = _values(_xp.to_host(out).astype(np.float64), pts)
    want = _values(x, pts) * _values(y, pts)
    # f values are sums of up to (L+1)^2 terms ~ |x| sqrt(2l+1): scale by |x|_1 |y|_1
    scale = float(np.abs(x).sum(-1).max() * np.abs(y).sum(-1).max())
    np.testing.assert_allclose(got, want, rtol=0, atol=1e2 * eps * scale)
    assert np.max(np.abs(want)) > 1e4 * eps * scale  # non-vacuous


@given(seed=seeds(), lmax=st.integers(1, 4))
def test_parseval(xp, device, seed, lmax):
    # int (f_x f_y)^2 = |x (*) y|^2, integral by an independent exact quadrature
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y = _coeffs(rng, (), lmax), _coeffs(rng, (), lmax)
    out = _xp.to_host(
        gaunt_tensor_product(to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device))
    )
    deg = 4 * lmax  # (f_x f_y)^2
    pts, w = s2_quadrature(deg // 2 + 1, deg + 1)
    integral = float(np.sum(w * (_values(x, pts) * _values(y, pts)) ** 2))
    assert float(np.sum(out.astype(np.float64) ** 2)) == pytest.approx(integral, rel=1e3 * eps)


# ------------------------------------------------------------------------------- algebra
@pytest.mark.parametrize("method", METHODS)
@given(seed=seeds(), lmax1=st.integers(0, 3), lmax2=st.integers(0, 3))
def test_bilinear_and_commutative(xp, device, method, seed, lmax1, lmax2):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, x2 = _coeffs(rng, (2,), lmax1), _coeffs(rng, (2,), lmax1)
    y = _coeffs(rng, (2,), lmax2)
    a, b = (float(v) for v in rng.uniform(-2, 2, 2))

    def tp(u, v):
        return gaunt_tensor_product(
            to_xp(xp, u, dtype, device), to_xp(xp, v, dtype, device), method=method
        )

    tol = 4 * _tol(eps, np.abs(x) + np.abs(x2), y, max(lmax1, lmax2))
    assert_close(tp(a * x + b * x2, y), a * tp(x, y) + b * tp(x2, y), rtol=0, atol=tol)
    assert_close(tp(y, x), tp(x, y), rtol=0, atol=tol)


@pytest.mark.parametrize("method", METHODS)
@given(seed=seeds(), l1=st.integers(0, 2), l2=st.integers(0, 2), l3=st.integers(0, 2))
def test_associative_untruncated(xp, device, method, seed, l1, l2, l3):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y, z = _coeffs(rng, (2,), l1), _coeffs(rng, (2,), l2), _coeffs(rng, (2,), l3)
    x_, y_, z_ = (to_xp(xp, a, dtype, device) for a in (x, y, z))

    def tp(u, v):
        return gaunt_tensor_product(u, v, method=method)

    left, right = tp(tp(x_, y_), z_), tp(x_, tp(y_, z_))
    scale = float(np.abs(x).max() * np.abs(y).max() * np.abs(z).max())
    assert_close(left, right, rtol=0, atol=1e2 * eps * (l1 + l2 + l3 + 1) ** 2 * scale)


@pytest.mark.parametrize("method", METHODS)
def test_unit_element_and_truncation(xp, device, method):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(7)
    x = _coeffs(rng, (3,), 3)
    one = np.array([math.sqrt(4 * math.pi)])
    out = gaunt_tensor_product(
        to_xp(xp, one, dtype, device), to_xp(xp, x, dtype, device), method=method
    )
    assert_close(out, to_xp(xp, x, dtype, device), rtol=0, atol=1e2 * eps * np.abs(x).max())
    # lmax_out larger than lmax1 + lmax2: zeros above; smaller: the leading block
    big = gaunt_tensor_product(
        to_xp(xp, one, dtype, device), to_xp(xp, x, dtype, device), lmax_out=5, method=method
    )
    want = np.zeros((3, 36))
    want[:, :16] = x
    assert_close(big, to_xp(xp, want, dtype, device), rtol=0, atol=1e2 * eps * np.abs(x).max())
    small = gaunt_tensor_product(
        to_xp(xp, x, dtype, device), to_xp(xp, x, dtype, device), lmax_out=2, method=method
    )
    full = gaunt_tensor_product(
        to_xp(xp, x, dtype, device), to_xp(xp, x, dtype, device), method=method
    )
    assert_close(small, full[..., :9], rtol=0, atol=_tol(eps, x, x, 3))


# ------------------------------------------------------------------------------- equivariance
@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=8)  # each example runs 3 rotations + the non-vacuity checks
@given(seed=seeds(), lmax=st.integers(1, 3))
def test_equivariance(xp, device, method, seed, lmax):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    xy = to_xp(xp, _coeffs(rng, (2, 2), lmax), dtype, device)  # (C, {x, y}, n)

    def fn(a):
        return gaunt_tensor_product(a[..., 0, :], a[..., 1, :], method=method)

    def act(r, c):
        return rotate_coefficients(c, xp.asarray(r, dtype=dtype, device=device))

    # tolerance: the D(R) action itself is a sum of (2l+1) terms of quadrature round-off
    assert_equivariant(
        fn,
        xy,
        sample=lambda gen: random_rotation(rng=gen),
        act_in=act,
        act_out=act,
        n_trials=3,
        rng=seed,
        rtol=1e2 * eps * (2 * lmax + 1) ** 2,
    )


# ------------------------------------------------------------------------------- selection
@pytest.mark.parametrize("method", METHODS)
def test_no_cross_product_path(xp, device, method):
    # x, y pure degree 1: output degree 1 (the antisymmetric 1 x 1 -> 1 path) is absent
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(3)
    x, y = np.zeros((4, 4)), np.zeros((4, 4))
    x[:, 1:] = rng.standard_normal((4, 3))
    y[:, 1:] = rng.standard_normal((4, 3))
    out = _xp.to_host(
        gaunt_tensor_product(
            to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device), method=method
        )
    )
    scale = float(np.abs(x).max() * np.abs(y).max())
    assert np.max(np.abs(out[:, 1:4])) <= 1e2 * eps * scale
    if method == "dense":
        assert np.all(out[:, 1:4] == 0)  # exactly: no such block in the contraction
    # degrees 0 and 2 are present: l=0 is x.y / sqrt(4 pi) (the dot product in (y, z, x))
    want0 = np.sum(x[:, 1:] * y[:, 1:], axis=-1) / math.sqrt(4 * math.pi)
    np.testing.assert_allclose(out[:, 0], want0, rtol=0, atol=1e2 * eps * scale)
    assert np.max(np.abs(out[:, 4:9])) > 1e-2


@given(seed=seeds(), l1=st.integers(0, 3), l2=st.integers(0, 3))
def test_odd_paths_vanish(xp, device, seed, l1, l2):
    # single-degree inputs: output degrees l3 with l1 + l2 + l3 odd, or outside the
    # triangle |l1 - l2| <= l3 <= l1 + l2, are zero
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y = np.zeros((2, (l1 + 1) ** 2)), np.zeros((2, (l2 + 1) ** 2))
    x[:, l1 * l1 :] = rng.standard_normal((2, 2 * l1 + 1))
    y[:, l2 * l2 :] = rng.standard_normal((2, 2 * l2 + 1))
    out = _xp.to_host(
        gaunt_tensor_product(to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device))
    )
    tol = _tol(eps, x, y, max(l1, l2))
    for l3 in range(l1 + l2 + 1):
        block = out[:, l3 * l3 : (l3 + 1) ** 2]
        if (l1 + l2 + l3) % 2 or l3 < abs(l1 - l2):
            assert np.max(np.abs(block)) <= tol, l3
    assert np.max(np.abs(out[:, (l1 + l2) ** 2 :])) > 1e3 * tol  # top degree l1 + l2 present


# ------------------------------------------------------------------------------- CG relation
@given(seed=seeds(), lmax1=st.integers(0, 3), lmax2=st.integers(0, 3))
def test_equals_cg_product_with_weights_c(xp, device, seed, lmax1, lmax2):
    # Gaunt TP == CG TP with path weight c(l1, l2, l3) = |G block|_F on even paths, 0 on odd
    cg_product = pytest.importorskip(
        "refimpl.so3.cg_product", reason="refimpl.so3.cg_product (helper SO3-B) not written yet"
    )
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y = _coeffs(rng, (3,), lmax1), _coeffs(rng, (3,), lmax2)
    lout = lmax1 + lmax2
    weights = {
        (l1, l2, l3): gaunt_cg_ratio(l1, l2, l3)
        for l1 in range(lmax1 + 1)
        for l2 in range(lmax2 + 1)
        for l3 in range(abs(l1 - l2), min(l1 + l2, lout) + 1)
        if (l1 + l2 + l3) % 2 == 0
    }
    x_, y_ = to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device)
    cg = cg_product.cg_tensor_product(x_, y_, lmax_out=lout, path_weights=weights)
    gaunt = gaunt_tensor_product(x_, y_, lmax_out=lout)
    tol = _tol(eps, x, y, max(lmax1, lmax2))
    assert_close(gaunt, cg, rtol=0, atol=tol)
    # and the plain CG product (all weights 1, odd paths too) is a different map
    if lmax1 >= 1 and lmax2 >= 1:
        plain = cg_product.cg_tensor_product(x_, y_, lmax_out=lout)
        assert float(xp.max(xp.abs(plain - gaunt))) > 1e3 * tol


@pytest.mark.only_xp("numpy", reason="e3nn is a torch-CPU float64 oracle; compared on the host")
@pytest.mark.parametrize(("lmax1", "lmax2"), [(1, 1), (2, 3), (3, 3)])
def test_e3nn_tensor_product_recipe(lmax1, lmax2, e3nn_o3):
    # spec §1.12: o3.TensorProduct on irreps C x l (parity (-1)^l), mode 'uuu', one
    # instruction per even triple with path_weight c^2 (e3nn uses its square root), no
    # normalisation and no weights. The real Gaunt and 3j arrays are the same in e3nn's
    # y-polar basis (spec §1.4), so coefficients are compared without conversion.
    import torch

    o3 = e3nn_o3

    c = 4
    lout = lmax1 + lmax2
    ir1, ir2, iro = (
        o3.Irreps([(c, (deg, (-1) ** deg)) for deg in range(top + 1)])
        for top in (lmax1, lmax2, lout)
    )
    instr = [
        (l1, l2, l3, "uuu", False, gaunt_cg_ratio(l1, l2, l3) ** 2)
        for l1 in range(lmax1 + 1)
        for l2 in range(lmax2 + 1)
        for l3 in range(abs(l1 - l2), l1 + l2 + 1)
        if (l1 + l2 + l3) % 2 == 0
    ]
    tp = o3.TensorProduct(
        ir1, ir2, iro, instr, irrep_normalization="none", path_normalization="none"
    )

    def to_e3nn(a, lmax):  # (C, (L+1)^2) -> mul_ir layout (sum_l C (2l+1))
        return np.concatenate([a[:, d * d : (d + 1) ** 2].reshape(-1) for d in range(lmax + 1)])

    def from_e3nn(v, lmax):
        out, k = np.zeros((c, (lmax + 1) ** 2)), 0
        for l in range(lmax + 1):  # noqa: E741
            n = c * (2 * l + 1)
            out[:, l * l : (l + 1) ** 2] = v[k : k + n].reshape(c, 2 * l + 1)
            k += n
        return out

    rng = np.random.default_rng(lmax1 * 7 + lmax2)
    x, y = _coeffs(rng, (c,), lmax1), _coeffs(rng, (c,), lmax2)
    got = tp(torch.as_tensor(to_e3nn(x, lmax1))[None], torch.as_tensor(to_e3nn(y, lmax2))[None])[0]
    want = gaunt_tensor_product(x, y)
    np.testing.assert_allclose(from_e3nn(got.detach().numpy(), lout), want, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------- grid control
@pytest.mark.parametrize(
    ("lmax1", "lmax2", "lmax_out"), [(1, 1, 2), (2, 2, 4), (3, 2, 3), (4, 4, 8)]
)
def test_grid_needs_its_quadrature_sizes(lmax1, lmax2, lmax_out):
    # exact with (n_theta, n_phi) = (ceil((D+1)/2), D+1), D = lmax1 + lmax2 + lmax_out;
    # one Gauss-Legendre node fewer, or one azimuth fewer, gives an O(1) error (negative
    # control; spec §1.6(c) measured 0.1-0.4)
    rng = np.random.default_rng(lmax1 + 10 * lmax2)
    x, y = _coeffs(rng, (8,), lmax1), _coeffs(rng, (8,), lmax2)
    n_theta, n_phi = gaunt_product._grid_sizes(lmax1 + lmax2 + lmax_out)
    assert (n_theta, n_phi) == (
        math.ceil((lmax1 + lmax2 + lmax_out + 1) / 2),
        lmax1 + lmax2 + lmax_out + 1,
    )
    ref = gaunt_tensor_product(x, y, lmax_out=lmax_out, method="dense")
    ok = gaunt_product._gaunt_grid(np, x, y, lmax_out, n_theta, n_phi)
    np.testing.assert_allclose(ok, ref, rtol=0, atol=_tol(np.finfo(float).eps, x, y, lmax1))
    fewer_theta = gaunt_product._gaunt_grid(np, x, y, lmax_out, n_theta - 1, n_phi)
    fewer_phi = gaunt_product._gaunt_grid(np, x, y, lmax_out, n_theta, n_phi - 1)
    assert np.max(np.abs(fewer_theta - ref)) > 1e-2
    assert np.max(np.abs(fewer_phi - ref)) > 1e-2


def test_grid_route_uses_the_minimal_sizes(monkeypatch):
    seen = []
    real = gaunt_product._gaunt_grid

    def spy(xp, x, y, lmax_out, n_theta, n_phi):
        seen.append((n_theta, n_phi))
        return real(xp, x, y, lmax_out, n_theta, n_phi)

    monkeypatch.setattr(gaunt_product, "_gaunt_grid", spy)
    gaunt_tensor_product(np.ones(9), np.ones(16), lmax_out=4, method="grid")
    assert seen == [(5, 10)]  # D = 2 + 3 + 4 = 9


# ------------------------------------------------------------------------------- convolution
def test_linear_not_circular_convolution(xp, device):
    dtype, eps = dtype_eps(xp, device)
    cdt = xp.complex64 if dtype == xp.float32 else xp.complex128
    a = np.arange(1.0, 10.0).reshape(3, 3)
    full = _xp.to_host(
        gaunt_product._convolve2d(
            xp, xp.asarray(a, dtype=cdt, device=device), xp.asarray(a, dtype=cdt, device=device)
        )
    )
    assert full.shape == (5, 5)
    assert abs(full[2, 2] - 165) <= 1e3 * eps * 165  # official fft.py sanity value
    rng = np.random.default_rng(0)
    b, c = rng.standard_normal((2, 5, 3)), rng.standard_normal((7, 9))
    got = _xp.to_host(
        gaunt_product._convolve2d(
            xp, xp.asarray(b, dtype=cdt, device=device), xp.asarray(c, dtype=cdt, device=device)
        )
    )
    want = np.stack([scipy.signal.convolve2d(bi, c, mode="full") for bi in b])
    np.testing.assert_allclose(got.real, want, rtol=0, atol=1e2 * eps * np.abs(want).max())


# ------------------------------------------------------------------------------- many-body
@given(seed=seeds(), lmax=st.integers(0, 3), nu=st.integers(1, 4), lout=st.integers(0, 6))
def test_gaunt_power_matches_iterated_products(xp, device, seed, lmax, nu, lout):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x = _coeffs(rng, (2,), lmax)
    x_ = to_xp(xp, x, dtype, device)
    it = x_
    for _ in range(nu - 1):
        it = gaunt_tensor_product(it, x_, method="dense")  # untruncated
    want = gaunt_product._truncate_or_pad(xp, it, lout)
    got = gaunt_power(x_, nu, lmax_out=lout)
    scale = float(np.abs(x).sum(-1).max()) ** nu
    assert_close(got, want, rtol=0, atol=1e2 * eps * (nu * lmax + 1) * scale)


@pytest.mark.only_xp("numpy", reason="host quadrature oracle in float64")
@pytest.mark.parametrize(("lmax", "nu", "lout"), [(2, 2, 3), (2, 3, 6), (3, 4, 5), (1, 4, 4)])
def test_gaunt_power_is_the_projection_of_f_to_the_nu(lmax, nu, lout):
    rng = np.random.default_rng(nu)
    x = _coeffs(rng, (3,), lmax)
    deg = nu * lmax + lout
    pts, w = s2_quadrature(deg // 2 + 1, deg + 1)
    want = (_values(x, pts) ** nu * w) @ spherical_harmonics(lout, pts)
    got = gaunt_power(x, nu, lmax_out=lout)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-13 * np.abs(want).max())
    assert np.abs(want).max() > 0.1


# ------------------------------------------------------------------------------- dtypes
def test_dtype_promotion_and_shapes(xp, device):
    dtype, _ = dtype_eps(xp, device)
    x = xp.asarray(np.ones((2, 1, 4), dtype=np.int64), device=device)
    y = to_xp(xp, np.ones((3, 9)), dtype, device)
    for m in METHODS:
        out = gaunt_tensor_product(x, y, method=m)
        assert out.dtype == dtype
        assert out.shape == (2, 3, 16)
    assert gaunt_power(x, 2, lmax_out=1).shape == (2, 1, 4)


def test_inputs_are_not_mutated():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((2, 9)), rng.standard_normal((2, 4))
    xs, ys = x.copy(), y.copy()
    for writeable in (False, True):
        x.flags.writeable = y.flags.writeable = writeable
        for m in METHODS:
            gaunt_tensor_product(x, y, method=m)
        gaunt_power(x, 3, lmax_out=2)
        gaunt_power(x, 1, lmax_out=1)
    np.testing.assert_array_equal(x, xs)
    np.testing.assert_array_equal(y, ys)


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("x", "y", "kwargs", "exc", "match"),
    [
        (np.zeros(5), np.zeros(4), {}, ValueError, r"x must have a last axis of size"),
        (np.zeros(4), np.zeros(3), {}, ValueError, r"y must have a last axis of size"),
        (np.zeros((2, 4)), np.zeros((3, 4)), {}, ValueError, "broadcastable batch shapes"),
        (np.zeros(4), np.zeros(4), {"lmax_out": -1}, ValueError, "lmax_out must be a non-negative"),
        (np.zeros(4), np.zeros(4), {"lmax_out": 2.0}, TypeError, "lmax_out must be a non-negative"),
        (np.zeros(4), np.zeros(4), {"method": "fft"}, ValueError, "method must be one of"),
        (np.zeros(4, dtype=complex), np.zeros(4), {}, TypeError, "x must be a real"),
        (np.zeros(4), np.zeros(4, dtype=bool), {}, TypeError, "y must be a real"),
        (np.full(4, np.nan), np.zeros(4), {}, ValueError, "x must be finite"),
        (np.zeros(()), np.zeros(4), {}, ValueError, "at least 1 dimension"),
        ("abc", np.zeros(4), {}, TypeError, "expected an array"),
    ],
)
def test_gaunt_tensor_product_bad_input(x, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gaunt_tensor_product(x, y, **kwargs)


def test_mixed_namespaces_raise():
    array_api_strict = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="one array namespace"):
        gaunt_tensor_product(np.zeros(4), array_api_strict.zeros(4))


@pytest.mark.parametrize(
    ("x", "nu", "lmax_out", "exc", "match"),
    [
        (np.zeros(4), 0, 1, ValueError, "nu must be a positive int"),
        (np.zeros(4), 1.5, 1, TypeError, "nu must be a positive int"),
        (np.zeros(4), 2, -1, ValueError, "lmax_out must be a non-negative"),
        (np.zeros(4), 2, None, TypeError, "lmax_out must be a non-negative"),
        (np.zeros(6), 2, 1, ValueError, "x must have a last axis of size"),
        (np.zeros(4, dtype=complex), 2, 1, TypeError, "x must be a real"),
    ],
)
def test_gaunt_power_bad_input(x, nu, lmax_out, exc, match):
    with pytest.raises(exc, match=match):
        gaunt_power(x, nu, lmax_out=lmax_out)
