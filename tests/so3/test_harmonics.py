"""Tests of refimpl.so3.harmonics: spherical_harmonics and s2_quadrature.

Oracles, none of which the implementation was derived from:

* exact SymPy values (complex ``Ynm`` converted by spec §1.1), cached in
  tests/data/so3_sh_sympy.json (generator next to it; a slow test recomputes some entries);
* SciPy's ``sph_harm_y`` through the same conversion (lmax 8 and, for stability, lmax 40);
* closed forms: spot values of spec §1.1, the addition theorem
  ``sum_m Y_lm(u) Y_lm(v) = (2l+1)/(4 pi) P_l(u.v)`` (scipy ``eval_legendre``), exact monomial
  integrals over the sphere for the quadrature;
* identities: orthonormality by exact quadrature (and its failure with one node fewer),
  parity, homogeneity of the solid harmonics, normalisation variants.
"""

from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import pytest
import scipy.special
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.so3.harmonics import s2_quadrature, spherical_harmonics
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp
from tests.so3._oracles import real_sh_scipy

DATA = pathlib.Path(__file__).parents[1] / "data" / "so3_sh_sympy.json"


# ------------------------------------------------------------------------------- helpers
def _random_vectors(seed, n):
    return np.random.default_rng(seed).standard_normal((n, 3))


# ------------------------------------------------------------------------------- values
def test_spot_values(xp, device):
    """Spec §1.1: Y_1 = sqrt(3/4pi)(y, z, x); Y_2,-2 = 1/2 sqrt(15/pi) xy;
    Y_2,1 = 1/2 sqrt(15/pi) xz; Y_2,2 = 1/4 sqrt(15/pi)(x^2 - y^2); Y_00 = 1/sqrt(4pi)."""
    dtype, eps = dtype_eps(xp, device)
    v = np.array([[0.48, -0.6, 0.64], [1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])  # unit vectors
    x, y, z = v.T
    k1, k2 = math.sqrt(3 / (4 * math.pi)), math.sqrt(15 / math.pi)
    out = spherical_harmonics(2, to_xp(xp, v, dtype, device))
    desired = np.stack(
        [
            np.full(3, 1 / math.sqrt(4 * math.pi)),
            k1 * y,
            k1 * z,
            k1 * x,
            0.5 * k2 * x * y,
            0.5 * k2 * y * z,
            0.25 * math.sqrt(5 / math.pi) * (3 * z * z - 1),
            0.5 * k2 * x * z,
            0.25 * k2 * (x * x - y * y),
        ],
        axis=-1,
    )
    assert_close(out, to_xp(xp, desired, dtype, device), rtol=0, atol=10 * eps)


def test_sympy_table(xp, device):
    """All (l, m) with l <= 8 at 7 integer vectors (poles included) against exact SymPy
    values (measured: 8.9e-16 in float64)."""
    dtype, eps = dtype_eps(xp, device)
    data = json.loads(DATA.read_text())
    lmax = data["lmax"]
    desired = np.array([[float(s) for s in row] for row in data["values"]])
    out = spherical_harmonics(lmax, to_xp(xp, data["points"], dtype, device))
    assert_close(out, to_xp(xp, desired, dtype, device), rtol=0, atol=1e2 * eps)


@pytest.mark.slow
def test_sympy_table_regenerates():
    """A few entries of the cached JSON recomputed with SymPy (provenance check)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "gen_so3_sh_sympy", DATA.with_name("gen_so3_sh_sympy.py")
    )
    assert spec is not None
    assert spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    data = json.loads(DATA.read_text())
    for ip, (l, m) in [(0, (3, -2)), (4, (8, 7)), (6, (5, 0)), (2, (7, -7))]:  # noqa: E741
        exact = float(gen.real_sh_sympy(l, m, tuple(data["points"][ip])))
        assert math.isclose(exact, float(data["values"][ip][l * l + l + m]), abs_tol=1e-15)


@given(seed=seeds())
def test_matches_scipy(xp, device, seed):
    """lmax 8 at random (unnormalised) vectors vs the SciPy route (spec: 1.6e-15)."""
    dtype, eps = dtype_eps(xp, device)
    v = _random_vectors(seed, 20) * 3.0
    out = spherical_harmonics(8, to_xp(xp, v, dtype, device))
    assert_close(out, to_xp(xp, real_sh_scipy(8, v), dtype, device), rtol=0, atol=1e2 * eps)


def test_stable_high_degree(xp, device):
    """lmax 40 (issue: stable to >= 32): agreement with SciPy within 1e2 * eps * lmax
    (measured 1.2e-14 in float64), including near-polar points where sin(theta)^m underflows
    towards 0 and points on the equator."""
    dtype, eps = dtype_eps(xp, device)
    lmax = 40
    v = np.concatenate(
        [
            _random_vectors(3, 30),
            [[1e-9, 2e-9, 1.0], [1.0, -1.0, 0.0], [0.0, 1.0, 1e-12], [-1e-3, 0.0, -1.0]],
        ]
    )
    out = spherical_harmonics(lmax, to_xp(xp, v, dtype, device))
    desired = real_sh_scipy(lmax, v)
    assert_close(out, to_xp(xp, desired, dtype, device), rtol=0, atol=1e2 * eps * lmax)


@given(seed=seeds(), lmax=st.integers(0, 10))
def test_addition_theorem(xp, device, seed, lmax):
    """sum_m Y_lm(u) Y_lm(v) = (2l+1)/(4 pi) P_l(u.v) for every degree (an oracle
    independent of the basis orientation and signs within a degree)."""
    dtype, eps = dtype_eps(xp, device)
    uv = _random_vectors(seed, 2 * 6).reshape(2, 6, 3)
    yu = spherical_harmonics(lmax, to_xp(xp, uv[0], dtype, device))
    yv = spherical_harmonics(lmax, to_xp(xp, uv[1], dtype, device))
    unit = uv / np.linalg.norm(uv, axis=-1, keepdims=True)
    cos = np.sum(unit[0] * unit[1], axis=-1)
    for l in range(lmax + 1):  # noqa: E741
        sl = slice(l * l, (l + 1) ** 2)
        got = xp.sum(yu[:, sl] * yv[:, sl], axis=-1)
        want = (2 * l + 1) / (4 * math.pi) * scipy.special.eval_legendre(l, cos)
        assert_close(got, to_xp(xp, want, dtype, device), rtol=0, atol=1e2 * eps * (l + 1))


# ------------------------------------------------------------------------------- identities
@pytest.mark.parametrize("lmax", [0, 3, 9])
def test_orthonormal_by_exact_quadrature(xp, device, lmax):
    """Gram matrix on the (lmax+1) x (2 lmax+1) grid is I (spec: 2.7e-15); one
    Gauss-Legendre node fewer is not exact (negative control of the quadrature guard)."""
    dtype, eps = dtype_eps(xp, device)
    p, w = s2_quadrature(lmax + 1, 2 * lmax + 1, xp=xp, dtype=dtype, device=device)
    y = spherical_harmonics(lmax, p)
    gram = xp.matmul(xp.linalg.matrix_transpose(y) * w, y)
    n = (lmax + 1) ** 2
    eye = xp.eye(n, dtype=dtype, device=device)
    assert_close(gram, eye, rtol=0, atol=1e2 * eps * (lmax + 1))
    if lmax > 0:
        p, w = s2_quadrature(lmax, 2 * lmax + 1, xp=xp, dtype=dtype, device=device)
        y = spherical_harmonics(lmax, p)
        gram = xp.matmul(xp.linalg.matrix_transpose(y) * w, y)
        assert float(xp.max(xp.abs(gram - eye))) > 1e-2


@given(seed=seeds())
def test_parity(xp, device, seed):
    """Y_lm(-v) = (-1)^l Y_lm(v)."""
    dtype, eps = dtype_eps(xp, device)
    v = to_xp(xp, _random_vectors(seed, 10), dtype, device)
    lmax = 7
    sign = np.concatenate([np.full(2 * l + 1, (-1.0) ** l) for l in range(lmax + 1)])  # noqa: E741
    y = spherical_harmonics(lmax, v)
    assert_close(
        spherical_harmonics(lmax, -v), y * to_xp(xp, sign, dtype, device), rtol=0, atol=10 * eps
    )


@given(seed=seeds(), scale=st.floats(0.1, 10.0))
def test_solid_harmonics_homogeneous(xp, device, seed, scale):
    """normalize=False returns |v|^l Y(v/|v|): homogeneous of degree l; normalize=True is
    scale invariant."""
    dtype, eps = dtype_eps(xp, device)
    lmax = 6
    u = _random_vectors(seed, 8)
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    powers = np.concatenate([np.full(2 * l + 1, scale**l) for l in range(lmax + 1)])  # noqa: E741
    y_unit = spherical_harmonics(lmax, to_xp(xp, u, dtype, device))
    v = to_xp(xp, scale * u, dtype, device)
    solid = spherical_harmonics(lmax, v, normalize=False)
    scale_l = float(np.max(powers))
    assert_close(solid, y_unit * to_xp(xp, powers, dtype, device), rtol=0, atol=1e2 * eps * scale_l)
    assert_close(spherical_harmonics(lmax, v), y_unit, rtol=0, atol=1e2 * eps)


def test_solid_harmonics_at_origin(xp, device):
    """With normalize=False the zero vector is allowed: only Y_00 is non-zero."""
    dtype, _ = dtype_eps(xp, device)
    out = spherical_harmonics(3, xp.zeros((2, 3), dtype=dtype, device=device), normalize=False)
    desired = np.zeros((2, 16))
    desired[:, 0] = 1 / math.sqrt(4 * math.pi)
    assert_close(out, to_xp(xp, desired, dtype, device), rtol=0, atol=0)


@given(seed=seeds())
def test_normalizations(xp, device, seed):
    """'component': sum_m Y_lm^2 = 2l+1; 'norm': sum_m Y_lm^2 = 1; both are fixed multiples
    of 'integral' (sqrt(4 pi) and sqrt(4 pi/(2l+1)))."""
    dtype, eps = dtype_eps(xp, device)
    lmax = 5
    v = to_xp(xp, _random_vectors(seed, 6), dtype, device)
    y = spherical_harmonics(lmax, v)
    comp = spherical_harmonics(lmax, v, normalization="component")
    norm = spherical_harmonics(lmax, v, normalization="norm")
    for l in range(lmax + 1):  # noqa: E741
        sl = slice(l * l, (l + 1) ** 2)
        ones = xp.ones(6, dtype=dtype, device=device)
        assert_close(xp.sum(comp[:, sl] ** 2, axis=-1), (2 * l + 1) * ones, rtol=1e2 * eps)
        assert_close(xp.sum(norm[:, sl] ** 2, axis=-1), ones, rtol=1e2 * eps)
        assert_close(comp[:, sl], math.sqrt(4 * math.pi) * y[:, sl], rtol=10 * eps)


# ------------------------------------------------------------------------------- quadrature
def _monomial_integral(a, b, c):
    """int_{S^2} x^a y^b z^c dOmega (Folland 2001): 0 unless a, b, c all even, else
    2 G(b1) G(b2) G(b3) / G(b1+b2+b3) with b_i = (exponent + 1)/2."""
    if a % 2 or b % 2 or c % 2:
        return 0.0
    bs = [(e + 1) / 2 for e in (a, b, c)]
    return 2 * math.prod(math.gamma(t) for t in bs) / math.gamma(sum(bs))


@pytest.mark.parametrize(("n_theta", "n_phi"), [(1, 1), (2, 3), (3, 5), (4, 8), (5, 9)])
def test_quadrature_exact_for_band_limit(xp, device, n_theta, n_phi):
    """All monomials of degree D <= min(2 n_theta - 1, n_phi - 1) are integrated exactly;
    some monomial of degree D + 1 is not (the documented exactness condition is sharp)."""
    dtype, eps = dtype_eps(xp, device)
    p, w = s2_quadrature(n_theta, n_phi, xp=xp, dtype=dtype, device=device)
    assert p.shape == (n_theta * n_phi, 3)
    assert w.shape == (n_theta * n_phi,)
    assert p.dtype == dtype
    assert w.dtype == dtype
    big_d = min(2 * n_theta - 1, n_phi - 1)
    ph, wh = _xp.to_host(p).astype(np.float64), _xp.to_host(w).astype(np.float64)
    assert np.allclose(np.linalg.norm(ph, axis=-1), 1.0, atol=10 * eps)
    worst_next = 0.0
    for deg in range(big_d + 2):
        for a in range(deg + 1):
            for b in range(deg + 1 - a):
                c = deg - a - b
                got = float(np.sum(wh * ph[:, 0] ** a * ph[:, 1] ** b * ph[:, 2] ** c))
                err = abs(got - _monomial_integral(a, b, c))
                if deg <= big_d:
                    assert err <= 1e2 * eps, (a, b, c, err)
                else:
                    worst_next = max(worst_next, err)
    assert worst_next > 1e-3


def test_quadrature_default_namespace_and_cache_safety():
    """xp=None gives NumPy in the default float; returned arrays are fresh (writing to them
    does not corrupt the cached table)."""
    p, w = s2_quadrature(3, 5)
    assert isinstance(p, np.ndarray)
    assert p.dtype == np.float64
    w[:] = 0.0
    p[:] = 0.0
    p2, w2 = s2_quadrature(3, 5)
    assert math.isclose(float(np.sum(w2)), 4 * math.pi, rel_tol=1e-14)
    assert float(np.min(np.linalg.norm(p2, axis=-1))) > 0.999


# ------------------------------------------------------------------------------- API contract
def test_output_follows_input(xp, device):
    """Namespace, dtype, device and batch shape follow the input; integer vectors are
    promoted to the default float; the input is not modified."""
    dtype, _ = dtype_eps(xp, device)
    v = to_xp(xp, _random_vectors(0, 12).reshape(2, 2, 3, 3), dtype, device)
    before = _xp.to_host(v)
    out = spherical_harmonics(4, v)
    assert out.shape == (2, 2, 3, 25)
    assert out.dtype == dtype
    assert _xp.device(out) == _xp.device(v)
    assert type(out) is type(v)
    np.testing.assert_array_equal(_xp.to_host(v), before)
    vi = xp.asarray(np.array([[1, 2, 2]]), device=device)
    out_i = spherical_harmonics(1, vi)
    assert out_i.dtype == dtype
    assert_close(
        out_i[0, 2],
        xp.asarray(math.sqrt(3 / (4 * math.pi)) * 2 / 3, dtype=dtype, device=device),
        rtol=1e-6,
    )
    assert spherical_harmonics(0, v).shape == (2, 2, 3, 1)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lmax": 2.0}, TypeError, "lmax must be a non-negative int"),
        ({"lmax": True}, TypeError, "lmax must be a non-negative int"),
        ({"lmax": "2"}, TypeError, "lmax must be a non-negative int"),
        ({"lmax": -1}, ValueError, "lmax must be a non-negative int; got -1"),
        ({"vectors": np.ones((4, 2))}, ValueError, r"vectors must have shape \(..., 3\)"),
        ({"vectors": np.ones(4)}, ValueError, r"vectors must have shape \(..., 3\)"),
        ({"vectors": np.zeros((2, 3))}, ValueError, "vectors must be non-zero"),
        ({"vectors": np.ones((2, 3), dtype=bool)}, TypeError, "vectors must be a real"),
        ({"vectors": np.ones((2, 3), dtype=complex)}, TypeError, "vectors must be a real"),
        ({"vectors": np.array([[np.nan, 0.0, 1.0]])}, ValueError, "vectors must be finite"),
        ({"vectors": np.ones((0, 3))}, ValueError, "vectors must not be empty"),
        ({"normalization": "unit"}, ValueError, "normalization must be one of"),
        ({"normalize": 1}, TypeError, "normalize must be a bool"),
    ],
)
def test_bad_input(kwargs, exc, match):
    args = {"lmax": 2, "vectors": np.ones((2, 3))} | kwargs
    lmax, vectors = args.pop("lmax"), args.pop("vectors")
    with pytest.raises(exc, match=match):
        spherical_harmonics(lmax, vectors, **args)


def test_zero_vector_rejected_in_every_namespace(xp, device):
    dtype, _ = dtype_eps(xp, device)
    v = to_xp(xp, [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], dtype, device)
    with pytest.raises(ValueError, match="got 1 zero vector"):
        spherical_harmonics(2, v)


@pytest.mark.parametrize(
    ("args", "exc"),
    [((0, 3), ValueError), ((3, 0), ValueError), ((1.5, 3), TypeError), ((3, True), TypeError)],
)
def test_quadrature_bad_input(args, exc):
    with pytest.raises(exc, match=r"n_theta|n_phi"):
        s2_quadrature(*args)
