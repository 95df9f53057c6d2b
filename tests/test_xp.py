"""Tests of refimpl._xp: namespace resolution, dtype rules, input checks, host RNG, shims."""

from __future__ import annotations

import math

import array_api_strict
import numpy as np
import pytest
import scipy.special
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from tests._helpers import dtype_eps


# ---------------------------------------------------------------- namespaces and devices
def test_as_arrays_converts_lists_and_keeps_arrays(xp, device):
    a = xp.asarray([1.0, 2.0], device=device)
    got_xp, (x, y) = _xp.as_arrays(a, a)
    assert got_xp is xp
    assert x is a
    assert y is a
    np_xp, (z,) = _xp.as_arrays([1.0, 2.0])
    assert _xp.namespace_name(np_xp) == "numpy"
    assert z.shape == (2,)


def test_as_arrays_rejects_mixed_namespaces():
    with pytest.raises(TypeError, match="one array namespace"):
        _xp.as_arrays(np.zeros(2), array_api_strict.zeros(2))


def test_as_arrays_rejects_mixed_devices():
    a = array_api_strict.zeros(2)
    b = array_api_strict.zeros(2, device=array_api_strict.Device("device1"))
    with pytest.raises(TypeError, match="one device"):
        _xp.as_arrays(a, b)


@pytest.mark.parametrize("bad", [object(), "abc", {"a": 1}, None])
def test_as_arrays_rejects_non_arrays(bad):
    with pytest.raises(TypeError, match="expected an array"):
        _xp.as_arrays(bad)


def test_namespace_name(xp):
    name = _xp.namespace_name(xp)
    assert name in {"numpy", "array_api_strict", "torch", "cupy", "jax"}


# ---------------------------------------------------------------- dtypes and checks
def test_default_float_follows_device(xp, device):
    dtype = _xp.default_float(xp, device)
    if device is not None and "no_float64" in str(device):
        assert dtype == xp.float32
    elif _xp.namespace_name(xp) in {"numpy", "array_api_strict", "torch"}:
        assert dtype == xp.float64  # torch: the plugin sets float64 as its default


def test_real_floating_promotes_ints_and_keeps_floats(xp, device):
    i = xp.asarray([1, 2, 3], device=device)
    out = _xp.real_floating(i, name="x", xp=xp)
    assert out.dtype == _xp.default_float(xp, device)
    f32 = xp.asarray([1.0], dtype=xp.float32, device=device)
    assert _xp.real_floating(f32, name="x", xp=xp).dtype == xp.float32


@pytest.mark.parametrize(("values", "kind"), [([True, False], "bool"), ([1j, 2.0], "complex")])
def test_real_floating_rejects_bool_and_complex(xp, device, values, kind):
    x = xp.asarray(values, device=device)
    if kind == "complex" and not hasattr(xp, "complex64"):
        pytest.skip("namespace has no complex dtype")
    with pytest.raises(TypeError, match=rf"signal must be .*got {kind}"):
        _xp.real_floating(x, name="signal", xp=xp)


@pytest.mark.parametrize(
    ("value", "exc", "match"),
    [
        (np.array(["a", "b"]), TypeError, "numeric"),
        (np.array([object(), object()]), TypeError, "numeric"),
        (np.zeros(0), ValueError, "empty"),
        (np.zeros((3, 0)), ValueError, "empty"),
        (np.float64(1.0), ValueError, "at least 1 dimension"),
        (np.array([1.0, np.nan]), ValueError, "finite"),
        (np.array([1.0, -np.inf]), ValueError, "finite"),
    ],
)
def test_checked_real_errors_name_the_argument(value, exc, match):
    x = np.asarray(value)
    with pytest.raises(exc, match=f"^f must .*{match}"):
        _xp.checked_real(x, name="f", xp=np)


def test_checked_real_finite_on_every_namespace(xp, device):
    x = xp.asarray([1.0, math.nan], device=device)
    with pytest.raises(ValueError, match="f must be finite; got 1 NaN"):
        _xp.checked_real(x, name="f", xp=xp)
    ok = xp.asarray([1.0, 2.0], device=device)
    assert _xp.checked_real(ok, name="f", xp=xp) is ok


@pytest.mark.parametrize(
    ("axis", "exc"), [(2, ValueError), (-3, ValueError), (1.0, TypeError), (True, TypeError)]
)
def test_normalize_axis_rejects(axis, exc):
    with pytest.raises(exc, match="axis must"):
        _xp.normalize_axis(axis, 2)


def test_normalize_axis_maps_negative():
    assert _xp.normalize_axis(-1, 3) == 2
    assert _xp.normalize_axis(0, 3) == 0


def test_check_choice_and_positive_float():
    assert _xp.check_choice("line", ("line", "fft"), name="method") == "line"
    with pytest.raises(ValueError, match=r"method must be one of \['fft', 'line'\]; got 'spline'"):
        _xp.check_choice("spline", ("line", "fft"), name="method")
    assert _xp.positive_float(2, name="L") == 2.0
    for bad, exc in [(0.0, ValueError), (-1, ValueError), (math.inf, ValueError), ("1", TypeError)]:
        with pytest.raises(exc, match="L must"):
            _xp.positive_float(bad, name="L")


def test_finite_float():
    assert _xp.finite_float(-3, name="theta") == -3.0
    assert isinstance(_xp.finite_float(np.float32(0.5), name="theta"), float)
    for bad, exc in [
        (math.nan, ValueError),
        (-math.inf, ValueError),
        (True, TypeError),
        ("1", TypeError),
    ]:
        with pytest.raises(exc, match=r"theta must be a (finite )?"):
            _xp.finite_float(bad, name="theta")


def test_nonnegative_float_and_positive_int():
    assert _xp.nonnegative_float(0, name="gamma") == 0.0
    assert _xp.nonnegative_float(2.5, name="gamma") == 2.5
    for bad, exc in [
        (-1e-300, ValueError),
        (math.nan, ValueError),
        (True, TypeError),
        ("1", TypeError),
    ]:
        with pytest.raises(exc, match=r"gamma must be a (finite )?non-negative"):
            _xp.nonnegative_float(bad, name="gamma")
    assert _xp.positive_int(np.int64(3), name="n") == 3
    assert type(_xp.positive_int(np.int64(3), name="n")) is int
    for bad, exc in [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError)]:
        with pytest.raises(exc, match="n must be a positive int; got"):
            _xp.positive_int(bad, name="n")


def test_eps(xp):
    assert _xp.eps(xp, xp.float32) == pytest.approx(2.0**-23)
    if hasattr(xp, "complex64"):
        assert _xp.eps(xp, xp.complex64) == pytest.approx(2.0**-23)


# ---------------------------------------------------------------- host transfers and RNG
def test_host_roundtrip(xp, device):
    a = np.arange(6.0).reshape(2, 3)
    x = _xp.from_host(a, xp=xp, device=device)
    assert x.dtype == _xp.default_float(xp, device)
    assert _xp.device(x) == (device if device is not None else _xp.device(x))
    back = _xp.to_host(x)
    np.testing.assert_array_equal(back, a)
    back[0, 0] = 99.0  # to_host returns a copy, never a view of the caller's data
    assert float(x[0, 0]) == 0.0


def test_from_host_scalar_to_float32(xp, device):
    """0-D float64 host values move to a float32 array (torch.asarray alone refuses that)."""
    x = _xp.from_host(np.array(0.25), xp=xp, dtype=xp.float32, device=device)
    assert x.shape == ()
    assert x.dtype == xp.float32
    assert float(x) == 0.25


def test_rng_accepts_generator_int_none_only():
    g = np.random.default_rng(1)
    assert _xp.rng(g) is g
    assert _xp.rng(3).integers(1000) == np.random.default_rng(3).integers(1000)
    assert isinstance(_xp.rng(None), np.random.Generator)
    for bad in (1.5, "1", True):
        with pytest.raises(TypeError, match="rng must be"):
            _xp.rng(bad)


def test_random_normal_is_host_seeded(xp, device):
    dtype = _xp.default_float(xp, device)
    a = _xp.random_normal(np.random.default_rng(5), (4,), xp=xp, dtype=dtype, device=device)
    b = np.random.default_rng(5).standard_normal(4)
    eps = _xp.eps(xp, dtype)
    assert_close(a, xp.asarray(b, dtype=dtype, device=device), rtol=4 * eps, atol=0)


# ---------------------------------------------------------------- wofz shim
def _random_upper_half(seed: int, n: int) -> np.ndarray:
    gen = np.random.default_rng(seed)
    r = 10.0 ** gen.uniform(-3, 3, n)  # |z| from 1e-3 to 1e3
    theta = gen.uniform(0, np.pi, n)
    z = r * np.exp(1j * theta)
    # the real axis and its neighbourhood, and both sides of the |z| = 8 branch switch
    near = np.concatenate([gen.uniform(-12, 12, 64), 8.0 + gen.uniform(-0.01, 0.01, 16)])
    return np.concatenate([z, near + 0j, near + 1e-7j])


@given(seed=st.integers(0, 2**32 - 1))
def test_wofz_generic_route_matches_scipy(seed):
    # the generic (pure Array API) route, forced by array_api_strict, in complex128
    z = _random_upper_half(seed, 400)
    got = _xp.to_host(_xp.wofz(array_api_strict.asarray(z)))
    ref = scipy.special.wofz(z)
    rel = np.abs(got - ref) / np.abs(ref)
    assert rel.max() < 1e-12, (rel.max(), z[np.argmax(rel)])  # spec: 1e-10; measured 2e-14


def test_wofz_generic_route_lower_half_plane():
    z = np.array([0.3 - 0.2j, -1.5 - 0.7j, 2.0 - 1.0j, -0.1 - 2.5j])
    got = _xp.to_host(_xp.wofz(array_api_strict.asarray(z)))
    np.testing.assert_allclose(got, scipy.special.wofz(z), rtol=1e-12)


def test_wofz_numpy_route_is_scipy():
    z = _random_upper_half(0, 50)
    np.testing.assert_array_equal(_xp.wofz(z), scipy.special.wofz(z))


def test_wofz_known_values(xp, device):
    # w(0) = 1; w(iy) = exp(y^2) erfc(y) is real; w(x) on the real axis has Re = exp(-x^2)
    dtype = _xp.default_float(xp, device)
    cdtype = _xp.complex_dtype(xp, dtype)
    eps = _xp.eps(xp, dtype)
    y = np.array([0.0, 0.5, 1.0, 3.0, 20.0])
    x = np.array([0.5, 1.0, 2.0, 4.0, 9.0])
    z = np.concatenate([1j * y, x + 0j])
    expected = np.concatenate([scipy.special.erfcx(y) + 0j, scipy.special.wofz(x + 0j)])
    out = _xp.wofz(xp.asarray(z, dtype=cdtype, device=device))
    assert out.dtype == cdtype
    # float32: input rounding of z (|z| <= 20, |w'| <= 2|z w| + 2/sqrt(pi)) costs ~50 eps
    assert_close(out, xp.asarray(expected, dtype=cdtype, device=device), rtol=64 * eps, atol=0)
    np.testing.assert_allclose(np.real(expected[5:]), np.exp(-(x**2)), rtol=1e-13)


def test_wofz_real_input_is_cast_and_bool_rejected(xp, device):
    dtype = _xp.default_float(xp, device)
    out = _xp.wofz(xp.asarray([0.0, 1.0], dtype=dtype, device=device))
    assert out.dtype == _xp.complex_dtype(xp, dtype)
    with pytest.raises(TypeError, match="z must be"):
        _xp.wofz(xp.asarray([True], device=device))


# ---------------------------------------------------------------- einsum shim
EINSUM_CASES = [
    ("ij,j->i", [(3, 4), (4,)]),
    ("ij,jk->ik", [(2, 3), (3, 5)]),
    ("ij,jk", [(2, 3), (3, 5)]),  # implicit output
    ("...i,...i->...", [(4, 2, 3), (2, 3)]),  # broadcasting ellipsis
    ("abc,cd,bd->a", [(2, 3, 4), (4, 5), (3, 5)]),  # three operands
    ("zi,zj,ijk->zk", [(6, 3), (6, 2), (3, 2, 4)]),  # a CG-style bilinear contraction
    ("ij->ji", [(2, 5)]),
    ("i,j->ij", [(3,), (4,)]),
]


@pytest.mark.parametrize(("subscripts", "shapes"), EINSUM_CASES)
def test_einsum_matches_numpy(xp, device, subscripts, shapes):
    dtype = _xp.default_float(xp, device)
    gen = np.random.default_rng(0)
    host = [gen.standard_normal(s) for s in shapes]
    ops = [xp.asarray(h, dtype=dtype, device=device) for h in host]
    out = _xp.einsum(subscripts, *ops)
    expected = np.einsum(subscripts, *host)
    eps = _xp.eps(xp, dtype)
    # sums of at most 5 products of O(1) numbers: a few eps relative to the largest term
    assert_close(
        out, xp.asarray(expected, dtype=dtype, device=device), rtol=32 * eps, atol=32 * eps
    )


@pytest.mark.parametrize("shape", [(7, 3), (3, 3), (2, 9, 4)])
@pytest.mark.parametrize("kind", ["real", "complex"])
def test_qr_r_is_the_r_factor(xp, device, shape, kind):
    """``qr_r`` returns an upper-triangular R with R^* R = A^* A (the defining property), equal
    to the R of the standard's ``linalg.qr`` (same Householder sign convention)."""
    real = _xp.default_float(xp, device)
    gen = np.random.default_rng(1)
    host = gen.standard_normal(shape)
    if kind == "complex":
        host = host + 1j * gen.standard_normal(shape)
    dtype = real if kind == "real" else _xp.complex_dtype(xp, real)
    a = xp.asarray(host, dtype=dtype, device=device)
    r = _xp.qr_r(a)
    k = min(shape[-2:])
    assert r.shape == (*shape[:-2], k, shape[-1])
    rh = xp.conj(xp.linalg.matrix_transpose(r)) if kind == "complex" else r.mT
    gram = xp.conj(xp.linalg.matrix_transpose(a)) @ a if kind == "complex" else a.mT @ a
    eps = _xp.eps(xp, real)
    # Householder QR is backward stable: R^* R = A^* A to a small multiple of eps ||A||^2
    # (entries O(1), ||A||^2 <= 2 * 9 * 4 here)
    assert_close(rh @ r, gram, rtol=0.0, atol=200 * eps)
    r_host = np.asarray(_xp.to_host(r))
    assert np.all(np.abs(np.tril(r_host, -1)) == 0.0)
    assert_close(r, xp.linalg.qr(a)[1], rtol=0.0, atol=100 * eps)


def test_einsum_generic_route_errors():
    a = array_api_strict.ones((2, 2))
    with pytest.raises(ValueError, match="repeated index"):
        _xp.einsum("ii->i", a)
    with pytest.raises(ValueError, match="2 operand"):
        _xp.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match="does not match"):
        _xp.einsum("ijk->i", a)


def test_nonnegative_int():
    assert _xp.nonnegative_int(0, name="l") == 0
    assert type(_xp.nonnegative_int(np.int32(4), name="l")) is int
    for bad, exc in [(-1, ValueError), (1.0, TypeError), (False, TypeError), ("2", TypeError)]:
        with pytest.raises(exc, match="l must be a non-negative int; got"):
            _xp.nonnegative_int(bad, name="l")


def test_creation_namespace(xp):
    assert _xp.namespace_name(_xp.creation_namespace(None)) == "numpy"
    assert _xp.creation_namespace(xp) is xp
    # a raw module (not the compat-wrapped namespace) is wrapped
    assert _xp.namespace_name(_xp.creation_namespace(np)) == "numpy"
    assert _xp.creation_namespace(np).__name__.startswith("array_api_compat")
    for bad in ("numpy", 3, object()):
        with pytest.raises(TypeError, match="xp must be an array namespace"):
            _xp.creation_namespace(bad)


# ------------------------------------------------------------------ erf, erfc, ndtr shims
_SPECIAL_X = np.concatenate(
    [np.linspace(-30.0, 30.0, 1201), np.logspace(-12, 0.5, 40), -np.logspace(-12, 0.5, 40)]
)


@pytest.mark.parametrize("name", ["erf", "erfc", "ndtr"])
def test_error_functions_match_scipy_in_every_namespace(xp, device, name):
    """Relative error against scipy.special on [-30, 30] and near 0 (both signs), where the
    value is a normal number of the dtype (float32 underflows in the far tails)."""
    dtype, eps = dtype_eps(xp, device)
    x = xp.asarray(_SPECIAL_X, dtype=dtype, device=device)
    got = getattr(_xp, name)(x)
    assert got.dtype == dtype
    assert got.shape == x.shape
    want = getattr(scipy.special, name)(_xp.to_host(x).astype(np.float64))
    tiny = float(xp.finfo(dtype).smallest_normal)
    keep = np.abs(want) > 1e3 * tiny
    rel = np.abs(_xp.to_host(got)[keep] - want[keep]) / np.abs(want[keep])
    # relative condition number of erfc in the tail is ~2 x^2 (ndtr: x^2 at x/sqrt(2)): the
    # rounding of the argument costs ~eps x^2; the generic float64 route adds wofz's 1e-12
    xk = _xp.to_host(x)[keep]
    tol = 16 * eps * (1 + xk**2) + (1e-12 if eps < 1e-10 else 0.0)
    assert np.all(rel <= tol), float(np.max(rel / tol))


def test_error_functions_generic_route_is_accurate():
    """The pure Array API route (forced, NumPy arrays) against scipy in float64, including
    the small-|x| series branch and the lower tail of ndtr."""
    x = np.asarray(_SPECIAL_X)
    strict = array_api_strict.asarray(x)
    for name in ("erf", "erfc", "ndtr"):
        want = getattr(scipy.special, name)(x)
        got = np.asarray(getattr(_xp, name)(strict))
        keep = np.abs(want) > 1e-300
        assert np.max(np.abs(got[keep] - want[keep]) / np.abs(want[keep])) < 1e-12, name


def test_error_functions_reject_complex_and_bool():
    with pytest.raises(TypeError, match="x"):
        _xp.erf(np.asarray([1j]))
    with pytest.raises(TypeError, match="x"):
        _xp.ndtr(np.asarray([True]))


def test_floating_and_checked_numeric_accept_complex(xp, device):
    real = _xp.default_float(xp, device)
    cplx = _xp.complex_dtype(xp, real)
    z = xp.asarray([1 + 2j, 3j], dtype=cplx, device=device)
    assert _xp.floating(z, name="z", xp=xp).dtype == cplx
    assert _xp.checked_numeric(z, name="z", xp=xp) is z
    ints = xp.asarray([1, 2], device=device)
    assert _xp.floating(ints, name="z", xp=xp).dtype == real
    with pytest.raises(TypeError, match="z must be a real numeric array or a complex"):
        _xp.floating(xp.asarray([True], device=device), name="z", xp=xp)
    with pytest.raises(ValueError, match="z must have at least 2 dimension"):
        _xp.checked_numeric(z, name="z", xp=xp, min_ndim=2)
    bad = xp.asarray([1 + 0j, complex(math.nan, 0.0)], dtype=cplx, device=device)
    with pytest.raises(ValueError, match="z"):
        _xp.checked_numeric(bad, name="z", xp=xp)
    assert _xp.checked_numeric(bad, name="z", xp=xp, finite=False) is bad


def test_floating_rejects_non_numeric_numpy():
    with pytest.raises(TypeError, match="z must be a numeric array"):
        _xp.floating(np.array(["a"]), name="z", xp=np)


def test_eig_satisfies_the_eigen_equation(xp, device):
    """A V = V diag(lambda) with unit columns, on every route (host round trip for strict)."""
    real = _xp.default_float(xp, device)
    cplx = _xp.complex_dtype(xp, real)
    gen = np.random.default_rng(4)
    host = gen.standard_normal((5, 5)) + 1j * gen.standard_normal((5, 5))
    a = xp.asarray(host, dtype=cplx, device=device)
    vals, vecs = _xp.eig(a)
    eps = _xp.eps(xp, real)
    # backward-stable eigensolver, ||A|| ~ 5, well-separated random eigenvalues: 1e3 eps
    assert_close(a @ vecs, vecs * vals[None, :], rtol=0.0, atol=1e3 * eps)
    assert_close(xp.linalg.vector_norm(vecs, axis=0), xp.ones(5, dtype=real, device=device),
                 rtol=0.0, atol=100 * eps)  # fmt: skip
    assert_close(
        xp.sort(xp.real(vals)),
        xp.asarray(np.sort(np.linalg.eigvals(host).real), dtype=real, device=device),
        rtol=0.0,
        atol=1e3 * eps,
    )
