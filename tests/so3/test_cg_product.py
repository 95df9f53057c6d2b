"""Tests of refimpl.so3.cg_product.cg_tensor_product (reference and numba backends).

Oracles, none of which the implementation was derived from:

* a brute-force host loop over every path and every (m1, m2, m3) with the blocks of
  ``clebsch_gordan`` (no stacking, no matmul, no offsets shared with the implementation);
* e3nn's ``o3.TensorProduct`` (one ``uuu`` instruction per path, no normalisation);
* closed forms: l=1 x l=1 -> 0 is the dot product / sqrt3, -> 1 the cross product / sqrt6;
* properties: equivariance under rotations (``refimpl.so3.wigner.rotate_coefficients`` with
  ``refimpl.testing.assert_equivariant``), bilinearity, the x <-> y symmetry (-1)^(l1+l2+l3)
  per path, truncation, broadcasting;
* the Gaunt relation: with weights c(l1, l2, l3) on even paths and 0 on odd ones the result
  holds the SH coefficients of the pointwise product f_x f_y (SciPy harmonics, exact
  Gauss-Legendre quadrature).
"""

from __future__ import annotations

import importlib.util
import itertools
import math

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st
from refimpl.backends._cg_numba import cg_tensor_product_numba

from refimpl import _dispatch, _xp
from refimpl.so3.cg_product import _paths, cg_tensor_product
from refimpl.so3.coupling import clebsch_gordan, gaunt_cg_ratio
from refimpl.testing import assert_equivariant
from refimpl.testing.groups import random_orthogonal
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp
from tests.so3._oracles import real_sh_scipy

HAVE_NUMBA = importlib.util.find_spec("numba") is not None


# ------------------------------------------------------------------------------- helpers
def _all_paths(lmax1, lmax2, lmax_out):
    return [
        (l1, l2, l3)
        for l1 in range(lmax1 + 1)
        for l2 in range(lmax2 + 1)
        for l3 in range(abs(l1 - l2), min(l1 + l2, lmax_out) + 1)
    ]


def brute_force(x, y, lmax_out, weights=None):
    """out[..., l3 m3] = sum_paths w sum_{m1 m2} C[m1, m2, m3] x[..., l1 m1] y[..., l2 m2],
    host float64, explicit loops over m (x, y already broadcast to one shape)."""
    lmax1, lmax2 = math.isqrt(x.shape[-1]) - 1, math.isqrt(y.shape[-1]) - 1
    out = np.zeros((*x.shape[:-1], (lmax_out + 1) ** 2))
    for l1, l2, l3 in _all_paths(lmax1, lmax2, lmax_out):
        w = 1.0 if weights is None else weights.get((l1, l2, l3), 0.0)
        c = clebsch_gordan(l1, l2, l3)
        for m1, m2, m3 in itertools.product(
            range(-l1, l1 + 1), range(-l2, l2 + 1), range(-l3, l3 + 1)
        ):
            coef = c[m1 + l1, m2 + l2, m3 + l3]
            if coef:
                out[..., l3 * l3 + l3 + m3] += (
                    w * coef * x[..., l1 * l1 + l1 + m1] * y[..., l2 * l2 + l2 + m2]
                )
    return out


# ------------------------------------------------------------------------------- values
@given(
    seed=seeds(),
    lmax1=st.integers(0, 3),
    lmax2=st.integers(0, 3),
    extra=st.integers(-3, 1),
    weighted=st.booleans(),
)
def test_matches_brute_force(xp, device, seed, lmax1, lmax2, extra, weighted):
    """Random degrees, truncation (lmax_out below, at and above L1 + L2) and random path
    weights (some paths left out = weight 0): equal to the explicit loop."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    lmax_out = max(0, lmax1 + lmax2 + extra)
    x = rng.standard_normal((2, (lmax1 + 1) ** 2))
    y = rng.standard_normal((2, (lmax2 + 1) ** 2))
    weights = None
    if weighted:
        weights = {
            p: float(rng.standard_normal())
            for p in _all_paths(lmax1, lmax2, lmax_out)
            if rng.random() < 0.7
        }
    want = brute_force(x, y, lmax_out, weights)
    got = cg_tensor_product(
        to_xp(xp, x, dtype, device),
        to_xp(xp, y, dtype, device),
        lmax_out=lmax_out,
        path_weights=weights,
    )
    scale = float(np.abs(x).max() * np.abs(y).max()) * (1 + lmax1) * (1 + lmax2)
    # sums of <= (L1+1)^2 (L2+1)^2 terms of size <= scale: a few eps each (float32: inputs
    # rounded too)
    assert_close(got, to_xp(xp, want, dtype, device), rtol=0, atol=16 * eps * scale)


def test_matches_e3nn_tensor_product(e3nn_o3):
    """e3nn o3.TensorProduct, one 'uuu' instruction per path (l1, l2) -> l3 with parities
    (-1)^l, irrep_normalization and path_normalization 'none': equal to the full CG TP."""
    import torch

    o3 = e3nn_o3

    lmax1, lmax2 = 3, 2
    ir1 = o3.Irreps([(1, (d, (-1) ** d)) for d in range(lmax1 + 1)])
    ir2 = o3.Irreps([(1, (d, (-1) ** d)) for d in range(lmax2 + 1)])
    paths = _all_paths(lmax1, lmax2, lmax1 + lmax2)
    outs = [(1, (l3, (-1) ** (l1 + l2))) for l1, l2, l3 in paths]
    instr = [(l1, l2, k, "uuu", False, 1.0) for k, (l1, l2, _) in enumerate(paths)]
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal((6, 16)), rng.standard_normal((6, 9))
    tp = o3.TensorProduct(
        ir1, ir2, o3.Irreps(outs), instr, irrep_normalization="none", path_normalization="none"
    )
    e = tp(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64))
    e = e.detach().numpy()
    want = np.zeros((6, (lmax1 + lmax2 + 1) ** 2))
    col = 0
    for _, _, l3 in paths:
        want[:, l3 * l3 : (l3 + 1) ** 2] += e[:, col : col + 2 * l3 + 1]
        col += 2 * l3 + 1
    np.testing.assert_allclose(cg_tensor_product(x, y), want, rtol=0, atol=1e-14)


def test_dot_and_cross_products(xp, device):
    """1 x 1 -> 0 is a.b/sqrt3 and 1 x 1 -> 1 is (a x b)/sqrt6, in the (y, z, x) order."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    perm = [1, 2, 0]
    x = np.concatenate([np.zeros((5, 1)), a[:, perm]], axis=1)
    y = np.concatenate([np.zeros((5, 1)), b[:, perm]], axis=1)
    z = cg_tensor_product(to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device), lmax_out=1)
    want = np.concatenate(
        [
            np.sum(a * b, axis=1, keepdims=True) / math.sqrt(3),
            np.cross(a, b)[:, perm] / math.sqrt(6),
        ],
        axis=1,
    )
    assert_close(z, to_xp(xp, want, dtype, device), rtol=0, atol=8 * eps * 9)


# ------------------------------------------------------------------------------- properties
@given(seed=seeds(), lmax1=st.integers(1, 2), lmax2=st.integers(1, 2))
def test_equivariance(xp, device, seed, lmax1, lmax2):
    """z(D x, D y) = D z(x, y) for Haar-random rotations, every path (odd ones included),
    with the block-diagonal Wigner action of refimpl.so3.wigner.rotate_coefficients."""
    from refimpl.so3.wigner import rotate_coefficients

    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    n = (max(lmax1, lmax2) + 1) ** 2
    xy = to_xp(xp, rng.standard_normal((2, 3, n)), dtype, device)  # packed (x, y), 3 channels
    n1, n2 = (lmax1 + 1) ** 2, (lmax2 + 1) ** 2

    def fn(v):
        return cg_tensor_product(v[0, :, :n1], v[1, :, :n2])

    def act(g, v):
        return rotate_coefficients(v, xp.asarray(g, dtype=dtype, device=device))

    assert_equivariant(
        fn,
        xy,
        sample=lambda gen: random_orthogonal(gen, 3, special=True),
        act_in=act,
        act_out=act,
        n_trials=3,
        rng=seed,
    )


@given(seed=seeds())
def test_bilinear(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal((2, 4, 9))
    y = rng.standard_normal((4, 16))
    a, b = (float(v) for v in rng.standard_normal(2))
    x1_, x2_, y_ = (to_xp(xp, v, dtype, device) for v in (x1, x2, y))
    lhs = cg_tensor_product(a * x1_ + b * x2_, y_)
    rhs = a * cg_tensor_product(x1_, y_) + b * cg_tensor_product(x2_, y_)
    scale = float(xp.max(xp.abs(lhs)))
    assert_close(lhs, rhs, rtol=0, atol=64 * eps * max(scale, 1.0))


@given(seed=seeds())
def test_swap_symmetry_per_path(xp, device, seed):
    """Swapping x and y multiplies each path by (-1)^(l1+l2+l3): the even-path part is
    symmetric, the odd-path part antisymmetric (and non-zero)."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    x, y = (to_xp(xp, rng.standard_normal((3, 9)), dtype, device) for _ in range(2))
    paths = _all_paths(2, 2, 4)
    even = {p: 1.0 for p in paths if sum(p) % 2 == 0}
    odd = {p: 1.0 for p in paths if sum(p) % 2 == 1}
    tol = 32 * eps * 9
    assert_close(
        cg_tensor_product(y, x, path_weights=even),
        cg_tensor_product(x, y, path_weights=even),
        atol=tol,
    )
    z_odd = cg_tensor_product(x, y, path_weights=odd)
    assert_close(cg_tensor_product(y, x, path_weights=odd), -z_odd, atol=tol)
    assert float(xp.max(xp.abs(z_odd))) > 1e-2


def test_gaunt_relation_pointwise_product():
    """Weights c(l1,l2,l3) on even paths, 0 on odd ones: the output's SH expansion equals
    f_x f_y pointwise (SciPy harmonics), and equals the exact quadrature projection of
    f_x f_y; weights 1 instead of c break both (non-vacuity)."""
    rng = np.random.default_rng(11)
    lmax = 3
    x, y = rng.standard_normal((2, (lmax + 1) ** 2))
    paths = _all_paths(lmax, lmax, 2 * lmax)
    gaunt_w = {p: gaunt_cg_ratio(*p) for p in paths if sum(p) % 2 == 0}
    z = cg_tensor_product(x, y, path_weights=gaunt_w)
    pts = rng.standard_normal((50, 3))
    pts /= np.linalg.norm(pts, axis=1, keepdims=True)
    y_in, y_out = real_sh_scipy(lmax, pts), real_sh_scipy(2 * lmax, pts)
    prod = (y_in @ x) * (y_in @ y)
    np.testing.assert_allclose(y_out @ z, prod, rtol=0, atol=1e-13 * np.abs(prod).max())
    # projection of f_x f_y onto degree <= 2 lmax: the integrand has degree 4 lmax, exact
    # with n_theta >= (4 lmax + 1)/2 Gauss-Legendre nodes and n_phi >= 4 lmax + 1 azimuths
    n_t, n_p = 3 * lmax + 1, 6 * lmax + 1
    t, w = np.polynomial.legendre.leggauss(n_t)
    phi = 2 * np.pi * np.arange(n_p) / n_p
    st_ = np.sqrt(1 - t * t)
    grid = np.stack(
        [np.outer(st_, np.cos(phi)).ravel(), np.outer(st_, np.sin(phi)).ravel(), np.repeat(t, n_p)],
        axis=1,
    )
    wq = np.repeat(w, n_p) * 2 * np.pi / n_p
    g_in, g_out = real_sh_scipy(lmax, grid), real_sh_scipy(2 * lmax, grid)
    proj = g_out.T @ (wq * (g_in @ x) * (g_in @ y))
    np.testing.assert_allclose(z, proj, rtol=0, atol=1e-13)
    wrong = cg_tensor_product(x, y, path_weights=dict.fromkeys(gaunt_w, 1.0))
    assert np.abs(wrong - proj).max() > 1e-2


def test_truncation_and_padding(xp, device):
    dtype, _ = dtype_eps(xp, device)
    rng = np.random.default_rng(5)
    x, y = (to_xp(xp, rng.standard_normal((2, 9)), dtype, device) for _ in range(2))
    full = cg_tensor_product(x, y)
    assert tuple(full.shape) == (2, 25)
    assert_close(cg_tensor_product(x, y, lmax_out=2), full[:, :9], rtol=0, atol=0)
    padded = cg_tensor_product(x, y, lmax_out=6)
    assert tuple(padded.shape) == (2, 49)
    assert_close(padded[:, :25], full, rtol=0, atol=0)
    assert float(xp.max(xp.abs(padded[:, 25:]))) == 0.0
    assert tuple(cg_tensor_product(x, y, lmax_out=0).shape) == (2, 1)


def test_broadcasting(xp, device):
    """Leading axes broadcast (channels included); result = per-element products."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((2, 1, 4, 4)), rng.standard_normal((3, 1, 9))
    got = cg_tensor_product(to_xp(xp, x, dtype, device), to_xp(xp, y, dtype, device))
    assert tuple(got.shape) == (2, 3, 4, 16)
    xb, yb = np.broadcast_to(x, (2, 3, 4, 4)), np.broadcast_to(y, (2, 3, 4, 9))
    want = brute_force(xb, yb, 3)
    assert_close(
        got, to_xp(xp, want, dtype, device), rtol=0, atol=32 * eps * float(np.abs(want).max())
    )
    one_d = cg_tensor_product(
        to_xp(xp, x[0, 0, 0], dtype, device), to_xp(xp, y[0, 0], dtype, device)
    )
    assert_close(one_d, got[0, 0, 0, :], rtol=0, atol=32 * eps * float(np.abs(want).max()))


def test_path_weights_select_and_scale(xp, device):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(8)
    x, y = (to_xp(xp, rng.standard_normal((3, 9)), dtype, device) for _ in range(2))
    single = cg_tensor_product(x, y, path_weights={(2, 1, 2): 2.5})
    c = to_xp(xp, clebsch_gordan(2, 1, 2), dtype, device)
    block = 2.5 * _xp.einsum("ni,nj,ijk->nk", x[:, 4:9], y[:, 1:4], c)
    assert_close(single[:, 4:9], block, rtol=0, atol=64 * eps)
    assert float(xp.max(xp.abs(single[:, :4]))) == 0.0
    assert float(xp.max(xp.abs(single[:, 9:]))) == 0.0
    assert float(xp.max(xp.abs(cg_tensor_product(x, y, path_weights={})))) == 0.0


def test_dtypes(xp, device):
    dtype, _ = dtype_eps(xp, device)
    x = xp.asarray(np.arange(4), device=device)  # integers are promoted
    y = to_xp(xp, np.ones(4), dtype, device)
    out = cg_tensor_product(x, y)
    assert out.dtype == dtype
    if xp.isdtype(dtype, "real floating") and dtype != xp.float32:
        z = cg_tensor_product(xp.astype(y, xp.float32), xp.astype(y, xp.float32))
        assert z.dtype == xp.float32
        assert cg_tensor_product(xp.astype(y, xp.float32), y).dtype == dtype


def test_inputs_not_mutated():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 9)), rng.standard_normal((2, 9))
    saved = x.copy(), y.copy()
    for writeable in (False, True):
        x.flags.writeable = y.flags.writeable = writeable
        cg_tensor_product(x, y)
        cg_tensor_product_numba(x, y, 4, _paths(2, 2, 4, None))
    np.testing.assert_array_equal(x, saved[0])
    np.testing.assert_array_equal(y, saved[1])


# ------------------------------------------------------------------------------- numba backend
@given(seed=seeds(), lmax1=st.integers(0, 2), lmax2=st.integers(0, 2), weighted=st.booleans())
def test_numba_kernel_matches_reference(seed, lmax1, lmax2, weighted):
    """The sparse-entry kernel (plain Python without numba: tiny sizes) equals the
    reference, with broadcasting and path weights."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 1, (lmax1 + 1) ** 2))
    y = rng.standard_normal((3, (lmax2 + 1) ** 2))
    lmax_out = lmax1 + lmax2
    weights = None
    if weighted:
        weights = {p: float(rng.standard_normal()) for p in _all_paths(lmax1, lmax2, lmax_out)}
    ref = cg_tensor_product(x, y, path_weights=weights)
    got = cg_tensor_product_numba(x, y, lmax_out, _paths(lmax1, lmax2, lmax_out, weights))
    assert got.shape == ref.shape == (2, 3, (lmax_out + 1) ** 2)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14 * max(1.0, np.abs(ref).max()))
    got32 = cg_tensor_product_numba(
        x.astype(np.float32),
        y.astype(np.float32),
        lmax_out,
        _paths(lmax1, lmax2, lmax_out, weights),
    )
    assert got32.dtype == np.float32


def test_numba_backend_unavailable_without_numba(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):  # numba hidden, whether or not it is installed
        return None if name == "numba" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    x = np.ones(4)
    with pytest.raises(_dispatch.BackendUnavailableError, match="numba"):
        cg_tensor_product(x, x, backend="numba")
    np.testing.assert_array_equal(cg_tensor_product(x, x, backend="auto"), cg_tensor_product(x, x))


@pytest.mark.skipif(not HAVE_NUMBA, reason="needs numba")
def test_numba_backend_through_dispatch():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 3, 16)), rng.standard_normal((4, 3, 9))
    ref = cg_tensor_product(x, y, lmax_out=4)
    for backend in ("numba", "auto"):
        got = cg_tensor_product(x, y, lmax_out=4, backend=backend)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-13)
    import array_api_strict

    xs = array_api_strict.asarray(x)
    with pytest.raises(TypeError, match="numba"):
        cg_tensor_product(xs, xs, backend="numba")


# ------------------------------------------------------------------------------- bad input
def test_bad_input():
    x = np.ones((2, 9))
    with pytest.raises(ValueError, match=r"x must have a last axis of size \(lmax \+ 1\)\*\*2"):
        cg_tensor_product(np.ones((2, 8)), x)
    with pytest.raises(ValueError, match="y must have a last axis"):
        cg_tensor_product(x, np.ones(5))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        cg_tensor_product(np.float64(1.0), x)
    with pytest.raises(ValueError, match="must not be empty"):
        cg_tensor_product(np.ones((0, 9)), x)
    with pytest.raises(ValueError, match="finite"):
        cg_tensor_product(np.full(4, np.nan), x)
    with pytest.raises(TypeError, match="x must be a real numeric array"):
        cg_tensor_product(np.ones(4, dtype=bool), x)
    with pytest.raises(TypeError, match="y must be a real numeric array"):
        cg_tensor_product(x, np.ones(9, dtype=complex))
    with pytest.raises(ValueError, match="leading axes of x and y must broadcast"):
        cg_tensor_product(np.ones((3, 9)), np.ones((2, 9)))
    import array_api_strict

    x_strict = array_api_strict.asarray(x)
    with pytest.raises(TypeError, match="one array namespace"):
        cg_tensor_product(x, x_strict)
    with pytest.raises(TypeError, match="lmax_out must be a non-negative int"):
        cg_tensor_product(x, x, lmax_out=2.0)
    with pytest.raises(ValueError, match="lmax_out must be a non-negative int"):
        cg_tensor_product(x, x, lmax_out=-1)
    with pytest.raises(ValueError, match="backend must be one of"):
        cg_tensor_product(x, x, backend="fast")
    with pytest.raises(ValueError, match="not implemented"):
        cg_tensor_product(x, x, backend="cupy")


@pytest.mark.parametrize(
    ("weights", "exc", "match"),
    [
        ([((1, 1, 1), 1.0)], TypeError, "mapping"),
        ({(1, 1): 1.0}, TypeError, "tuples"),
        ({"abc": 1.0}, TypeError, "tuples"),
        ({(1, 1.0, 1): 1.0}, TypeError, "non-negative int"),
        ({(1, 1, 3): 1.0}, ValueError, "coupling paths"),
        ({(3, 1, 2): 1.0}, ValueError, "l1 <= 2"),
        ({(2, 2, 4): 1.0}, ValueError, "lmax_out = 3"),
        ({(1, 1, 1): "1"}, TypeError, "real numbers"),
        ({(1, 1, 1): True}, TypeError, "real numbers"),
        ({(1, 1, 1): math.inf}, ValueError, "finite"),
    ],
)
def test_bad_path_weights(weights, exc, match):
    x = np.ones((2, 9))
    with pytest.raises(exc, match=match):
        cg_tensor_product(x, x, lmax_out=3, path_weights=weights)
