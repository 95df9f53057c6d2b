"""Tests of refimpl.so3.coupling: clebsch_gordan, gaunt_coefficients, gaunt_cg_ratio.

Oracles, none of which the implementation was derived from:

* SymPy (exact, cached in ``tests/data/so3_cg_gaunt_sympy.json``): ``wigner_3j``,
  ``clebsch_gordan`` (complex basis; turned into the real tensor here with numeric unitaries
  written from the spec's conversion table 1.1) and ``real_gaunt``, for every triple with
  degrees <= 4 and random triples up to 8;
* invariance under D1 x D2 x D3 with the Wigner matrices of ``refimpl.so3.wigner`` (quadrature
  construction), and, independently of refimpl, the rotation invariance of
  ``sum C Y(p1) Y(p2) Y(p3)`` with SciPy's complex harmonics converted to the real basis;
* e3nn's ``o3.wigner_3j`` (entrywise: normalisation and sign convention, odd triples included);
* the official constants ``const_wigner2gaunt`` (spec 1.5) and closed-form spot values.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import pathlib
from fractions import Fraction

import array_api_extra as xpx
import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.so3 import coupling
from refimpl.so3.coupling import clebsch_gordan, gaunt_cg_ratio, gaunt_coefficients
from refimpl.testing.groups import random_orthogonal
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps
from tests.so3._oracles import real_sh_scipy

DATA = pathlib.Path(__file__).parents[1] / "data" / "so3_cg_gaunt_sympy.json"


# ------------------------------------------------------------------------------- helpers
@functools.cache
def _data() -> dict:
    return json.loads(DATA.read_text())


def _blocks(key: str) -> dict[tuple[int, int, int], dict[tuple[int, int, int], float]]:
    out: dict = {}
    for l1, l2, l3, m1, m2, m3, v in _data()[key]:
        out.setdefault((l1, l2, l3), {})[(m1, m2, m3)] = v
    return out


def _dense(triple, entries) -> np.ndarray:
    l1, l2, l3 = triple
    a = np.zeros((2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1))
    for (m1, m2, m3), v in entries.items():
        a[m1 + l1, m2 + l2, m3 + l3] = v
    return a


def _triples(lmax):
    return [
        t
        for t in itertools.product(range(lmax + 1), repeat=3)
        if abs(t[0] - t[1]) <= t[2] <= sum(t[:2])
    ]


def _u_matrix(l):  # noqa: E741
    """Real-from-complex unitary, rows real m, columns complex m (spec table 1.1):
    Y_{l,m} = sqrt2 (-1)^m Re Y_l^m, Y_{l,-m} = sqrt2 (-1)^m Im Y_l^m (m > 0), with
    Y_l^{-m} = (-1)^m conj(Y_l^m)."""
    u = np.zeros((2 * l + 1, 2 * l + 1), dtype=complex)
    u[l, l] = 1.0
    s = 1.0 / math.sqrt(2.0)
    for m in range(1, l + 1):
        sign = (-1.0) ** m
        # Re Y^m = (Y^m + (-1)^m Y^-m)/2 ; Im Y^m = (Y^m - (-1)^m Y^-m)/(2i)
        u[l + m, l + m], u[l + m, l - m] = sign * s, s
        u[l - m, l + m], u[l - m, l - m] = -1j * sign * s, 1j * s
    return u


def _wigner(l, r):  # noqa: E741
    from refimpl.so3.wigner import wigner_D

    return wigner_D(l, r)


# ------------------------------------------------------------------------------- exact values
def test_wigner_3j_exact_against_sympy():
    """The exact (sign, square) 3j symbols equal SymPy's, zeros included, for all triples
    with degrees <= 4 and 10 random triples up to 8 (entries with m1 + m2 + m3 = 0)."""
    blocks = _blocks("wigner_3j")
    triples = [tuple(t) for t in _data()["random_triples"]] + _triples(4)
    checked = 0
    for l1, l2, l3 in triples:
        want = blocks.get((l1, l2, l3), {})
        for m1 in range(-l1, l1 + 1):
            for m2 in range(-l2, l2 + 1):
                m3 = -m1 - m2
                sign, sq = coupling._wigner_3j_square(l1, l2, l3, m1, m2, m3)
                got = sign * math.sqrt(sq)
                ref = want.get((m1, m2, m3), 0.0)
                # both are the exact value correctly rounded (sqrt of a rounded rational)
                assert abs(got - ref) <= 2 * np.spacing(abs(ref)), (l1, l2, l3, m1, m2, m3)
                checked += 1
    assert checked > 2000


def test_clebsch_gordan_from_sympy_complex_cg(xp, device):
    """C = Re[(-i)^(l1+l2+l3) (-1)^(l1-l2) (U1 x U2 x conj U3) CG] / sqrt(2 l3 + 1) with
    SymPy's complex CG coefficients (derived in the docstring of coupling._cg_entries:
    conj(U)[m, c] (-1)^c = U[m, -c] and CG = (-1)^(l1-l2+m3) sqrt(2l3+1) 3j(m1, m2, -m3));
    this pins every entry and sign, odd triples included."""
    dtype, eps = dtype_eps(xp, device)
    blocks = _blocks("clebsch_gordan")
    triples = [tuple(t) for t in _data()["random_triples"]] + _triples(4)
    for l1, l2, l3 in triples:
        cg = _dense((l1, l2, l3), blocks.get((l1, l2, l3), {}))
        t = np.einsum("ai,bj,ck,ijk->abc", _u_matrix(l1), _u_matrix(l2), _u_matrix(l3).conj(), cg)
        t *= (-1j) ** (l1 + l2 + l3) * (-1) ** (l1 - l2) / math.sqrt(2 * l3 + 1)
        assert np.abs(t.imag).max() < 1e-15
        got = clebsch_gordan(l1, l2, l3, xp=xp, dtype=dtype, device=device)
        # table rounded once to dtype (eps/2) vs a float64 einsum of <= 8 terms
        assert_close(got, xp.asarray(t.real, dtype=dtype, device=device), rtol=0, atol=2 * eps)


def _check_gaunt_block(xp, device, triple, entries, atol):
    dtype = xpx.default_dtype(xp, device=device)
    want = _dense(triple, entries)
    for perm in itertools.permutations(range(3)):  # G is symmetric by definition (an integral)
        t = tuple(triple[p] for p in perm)
        got = gaunt_coefficients(*t, xp=xp, dtype=dtype, device=device)
        assert_close(
            got, xp.asarray(np.transpose(want, perm), dtype=dtype, device=device), rtol=0, atol=atol
        )


def test_gaunt_against_sympy_real_gaunt(xp, device):
    """Every entry of every block with degrees <= 4 (and 4 random blocks up to degree 8)
    equals SymPy's ``real_gaunt`` (whose (-1)^m basis difference never touches a non-zero
    entry), zeros included; every permutation of the degrees."""
    _, eps = dtype_eps(xp, device)
    blocks = _blocks("real_gaunt")
    triples = [tuple(t) for t in _data()["real_gaunt_sorted_triples"]]
    triples += [tuple(t) for t in _data()["random_gaunt_triples"]]
    assert len(triples) >= 26
    for triple in triples:
        # entries <= 0.3 in magnitude, rounded once (float64: 2 ulp; float32: eps/2)
        _check_gaunt_block(xp, device, triple, blocks.get(triple, {}), atol=eps)


def test_spot_values(xp, device):
    """Closed forms (spec 1.4-1.5): Gaunt (1,1,2;-1,1,-2) = sqrt15/(10 sqrtpi),
    (1,1,2;1,1,0) = -sqrt5/(10 sqrtpi), (2,2,2;0,0,0) = sqrt5/(7 sqrtpi); C(1,1,0) = I/sqrt3;
    C(1,1,1) = Levi-Civita/sqrt6 in the (y, z, x) order."""
    dtype, eps = dtype_eps(xp, device)
    sp = math.sqrt(math.pi)
    g = gaunt_coefficients(1, 1, 2, xp=xp, dtype=dtype, device=device)
    for idx, want in (
        ((0, 2, 0), math.sqrt(15) / (10 * sp)),
        ((2, 2, 2), -math.sqrt(5) / (10 * sp)),
    ):
        assert abs(float(g[idx]) - want) <= 2 * eps * abs(want)
    g = gaunt_coefficients(2, 2, 2, xp=xp, dtype=dtype, device=device)
    assert abs(float(g[2, 2, 2]) - math.sqrt(5) / (7 * sp)) <= 2 * eps
    c0 = clebsch_gordan(1, 1, 0, xp=xp, dtype=dtype, device=device)
    assert_close(
        c0[:, :, 0], xp.asarray(np.eye(3) / math.sqrt(3), dtype=dtype, device=device), atol=eps
    )
    levi = np.zeros((3, 3, 3))
    for (i, j, k), s in (((0, 1, 2), 1), ((1, 2, 0), 1), ((2, 0, 1), 1)):
        levi[i, j, k], levi[j, i, k] = s, -s
    c1 = clebsch_gordan(1, 1, 1, xp=xp, dtype=dtype, device=device)
    assert_close(c1, xp.asarray(levi / math.sqrt(6), dtype=dtype, device=device), atol=eps)


# ------------------------------------------------------------------------------- c(l1, l2, l3)
SQRT4PI_C = {  # spec 1.5 [num]: sqrt(4 pi) c(l1, l2, l3)
    (0, 0, 0): 1.0,
    (0, 1, 1): math.sqrt(3),
    (0, 2, 2): math.sqrt(5),
    (1, 1, 2): math.sqrt(6),
    (1, 2, 3): 3.0,
    (1, 3, 4): math.sqrt(12),
    (2, 2, 2): 2.672612,
    (2, 2, 4): 3.585686,
    (2, 3, 3): 3.055050,
    (2, 3, 5): 4.082483,
    (3, 3, 4): 3.384456,
    (3, 3, 6): 4.605662,
}
OFFICIAL = {(0, 0, 0): 0.2820948, (1, 1, 2): 0.6909883, (3, 3, 6): 1.2992332}  # [l_out, l1, l2]


def test_gaunt_cg_ratio_table_and_official_constants():
    for triple, want in SQRT4PI_C.items():
        for perm in itertools.permutations(triple):
            got = math.sqrt(4 * math.pi) * gaunt_cg_ratio(*perm)
            assert abs(got - want) <= 5e-7 * want, (perm, got, want)  # table has 7 digits
    for triple, want in OFFICIAL.items():  # official float32 constants (7 digits)
        assert abs(gaunt_cg_ratio(*triple) - want) <= 1e-7
    assert gaunt_cg_ratio(1, 1, 1) == 0.0
    assert gaunt_cg_ratio(2, 1, 2) == 0.0
    assert gaunt_cg_ratio(1, 1, 3) == 0.0  # no triangle


@pytest.mark.parametrize("triple", _triples(6))
def test_gaunt_equals_ratio_times_cg(triple):
    """G = c C with c = ||G||_F >= 0 for even triples (C a positive multiple of G); G = 0 and
    c = 0 for odd ones."""
    g, c = gaunt_coefficients(*triple), clebsch_gordan(*triple)
    ratio = gaunt_cg_ratio(*triple)
    if sum(triple) % 2:
        assert ratio == 0.0
        assert np.all(g == 0)
    else:
        assert ratio > 0
        assert abs(np.linalg.norm(g) - ratio) <= 1e-15 * (1 + ratio)
        np.testing.assert_allclose(g, ratio * c, rtol=0, atol=4e-16)


# ------------------------------------------------------------------------------- structure
def test_unit_norm_exact_and_float():
    """sum C^2 = 1 exactly (rational arithmetic) for every triple up to degree 6, and to
    1 ulp-ish in float64 up to degree 12."""
    for triple in _triples(6):
        assert sum(Fraction(e[4], e[5]) for e in coupling._cg_entries(*triple)) == 1
    for triple in [(12, 12, 0), (12, 11, 7), (10, 12, 22), (9, 12, 4)]:
        assert abs(float(np.sum(clebsch_gordan(*triple) ** 2)) - 1.0) < 1e-14


def test_isometry_at_high_degree():
    """sqrt(2l3+1) C is an isometry: sum_{m1,m2} C C^T = I/(2l3+1), for l up to 15
    (float64 accuracy of the exact tables at high degree)."""
    for triple in [(15, 15, 30), (15, 14, 7), (15, 15, 0), (13, 15, 17)]:
        c = clebsch_gordan(*triple)
        n3 = c.shape[2]
        gram = np.einsum("abk,abj->kj", c, c) * n3
        np.testing.assert_allclose(gram, np.eye(n3), rtol=0, atol=2e-14)


def test_permutation_symmetry():
    """Odd permutations multiply C by (-1)^(l1+l2+l3); cyclic permutations leave it."""
    for l1, l2, l3 in _triples(4):
        c = clebsch_gordan(l1, l2, l3)
        sign = (-1) ** (l1 + l2 + l3)
        np.testing.assert_allclose(
            clebsch_gordan(l2, l1, l3), sign * np.transpose(c, (1, 0, 2)), atol=1e-16
        )
        np.testing.assert_allclose(
            clebsch_gordan(l2, l3, l1), np.transpose(c, (1, 2, 0)), atol=1e-16
        )


def test_gaunt_selection_rules():
    """Non-zero Gaunt entries only for |m3| in {|m1|+|m2|, ||m1|-|m2||} with an even number
    of negative orders; odd or non-triangle triples give zero blocks."""
    for l1, l2, l3 in itertools.product(range(5), repeat=3):
        g = gaunt_coefficients(l1, l2, l3)
        assert g.shape == (2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1)
        if (l1 + l2 + l3) % 2 or not abs(l1 - l2) <= l3 <= l1 + l2:
            assert np.all(g == 0)
            continue
        assert np.any(g != 0)
        for i, j, k in zip(*np.nonzero(g), strict=True):
            m1, m2, m3 = int(i) - l1, int(j) - l2, int(k) - l3
            assert abs(m3) in {abs(m1) + abs(m2), abs(abs(m1) - abs(m2))}
            assert ((m1 < 0) + (m2 < 0) + (m3 < 0)) % 2 == 0


@given(seed=seeds(), triple=st.sampled_from(_triples(5)))
def test_invariance_under_wigner_d(xp, device, seed, triple):
    """sum C[a,b,c] D1[a,i] D2[b,j] D3[c,k] = C[i,j,k] for a Haar-random rotation (Wigner D
    from refimpl.so3.wigner); and a random tensor of the same shape is not invariant
    (non-vacuity of the check)."""
    dtype, eps = dtype_eps(xp, device)
    r_np = random_orthogonal(seed, 3, special=True)
    r = xp.asarray(r_np, dtype=dtype, device=device)
    d1, d2, d3 = (_wigner(deg, r) for deg in triple)
    c = clebsch_gordan(*triple, xp=xp, dtype=dtype, device=device)
    rotated = _xp.einsum("abc,ai,bj,ck->ijk", c, d1, d2, d3)
    # round-off of D (~l eps each) and of sums over (2l+1)^3 terms with |C| <= 1
    tol = 40 * eps * (1 + max(triple))
    assert_close(rotated, c, rtol=0, atol=tol)
    if max(triple) > 0:
        noise = np.random.default_rng(seed).standard_normal(tuple(c.shape))
        n = xp.asarray(noise / np.linalg.norm(noise), dtype=dtype, device=device)
        moved = _xp.einsum("abc,ai,bj,ck->ijk", n, d1, d2, d3)
        assert float(xp.max(xp.abs(moved - n))) > 100 * tol


@given(seed=seeds(), triple=st.sampled_from(_triples(4)))
def test_invariance_by_harmonics_scipy(seed, triple):
    """Independent of refimpl's harmonics and Wigner matrices: F(p1, p2, p3) = sum C
    Y_l1(p1) Y_l2(p2) Y_l3(p3) (SciPy harmonics in the real basis) is rotation invariant,
    and for odd l1+l2+l3 changes sign under p -> -p."""
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((3, 3))
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    r = random_orthogonal(rng, 3, special=True)
    c = clebsch_gordan(*triple)

    def f(points):
        ys = [
            real_sh_scipy(deg, points[i : i + 1])[0, deg * deg : (deg + 1) ** 2]
            for i, deg in enumerate(triple)
        ]
        return np.einsum("abc,a,b,c->", c, *ys)

    base = f(p)
    assert abs(f(p @ r.T) - base) <= 1e-13
    assert abs(f(-p) - (-1) ** sum(triple) * base) <= 1e-13
    # non-vacuity: F is not identically zero (checked on fresh points)
    values = [f(rng.standard_normal((3, 3)) / math.sqrt(3)) for _ in range(4)]
    assert max(abs(v) for v in values) > 1e-6


def test_matches_e3nn_wigner_3j(e3nn_o3):
    """Entrywise equality with e3nn.o3.wigner_3j (its normalisation and sign convention),
    every triple with degrees <= 5, even and odd."""
    import torch

    o3 = e3nn_o3

    for triple in _triples(5):
        want = o3.wigner_3j(*triple, dtype=torch.float64).numpy()
        np.testing.assert_allclose(clebsch_gordan(*triple), want, rtol=0, atol=1e-14)


# ------------------------------------------------------------------------------- API contract
def test_output_namespace_dtype_device_and_copies(xp, device):
    dtype, _ = dtype_eps(xp, device)
    for fn in (clebsch_gordan, gaunt_coefficients):
        a = fn(1, 2, 3, xp=xp, dtype=dtype, device=device)
        assert a.dtype == dtype
        assert _xp.device(a) == (device if device is not None else _xp.device(a))
        assert tuple(a.shape) == (3, 5, 7)
        # a fresh copy per call: changing one result leaves the cache untouched
        a2 = xpx.at(a, (0, 0, 0)).set(123.0)
        b = fn(1, 2, 3, xp=xp, dtype=dtype, device=device)
        assert float(b[0, 0, 0]) != 123.0
        assert float(a2[0, 0, 0]) == 123.0
    assert isinstance(clebsch_gordan(1, 1, 2), np.ndarray)
    assert clebsch_gordan(1, 1, 2).dtype == np.float64


def test_host_tables_cached_and_read_only():
    assert coupling._cg_table(2, 3, 4) is coupling._cg_table(2, 3, 4)
    assert coupling._cg_entries(2, 3, 4) is coupling._cg_entries(2, 3, 4)
    for table in (
        coupling._cg_table(2, 3, 4),
        coupling._gaunt_table(2, 2, 2),
        *coupling._cg_sparse(1, 1, 1),
    ):
        assert not table.flags.writeable
    out = clebsch_gordan(2, 3, 4)
    out[0, 0, 0] = 5.0  # the caller's copy is writeable and independent
    assert coupling._cg_table(2, 3, 4)[0, 0, 0] != 5.0


@pytest.mark.parametrize("fn", [clebsch_gordan, gaunt_coefficients, gaunt_cg_ratio])
def test_bad_degrees(fn):
    for bad in (1.0, "1", None, True, np.float64(2.0)):
        with pytest.raises(TypeError, match="l2 must be a non-negative int"):
            fn(1, bad, 1)
    with pytest.raises(ValueError, match="l3 must be a non-negative int; got -1"):
        fn(1, 1, -1)
    assert fn(np.int64(1), 1, 2) is not None  # numpy integers are ints


def test_clebsch_gordan_requires_triangle():
    with pytest.raises(ValueError, match="triangle rule"):
        clebsch_gordan(1, 1, 3)
    with pytest.raises(ValueError, match="triangle rule"):
        clebsch_gordan(0, 2, 1)
    assert np.all(gaunt_coefficients(1, 1, 3) == 0)  # the integral is simply zero


def test_bad_dtype():
    with pytest.raises(TypeError, match="dtype must be a real floating dtype"):
        clebsch_gordan(1, 1, 0, dtype=np.int64)
    with pytest.raises(TypeError, match="dtype must be a real floating dtype"):
        gaunt_coefficients(1, 1, 0, dtype=np.complex128)


@pytest.mark.slow
def test_sympy_regenerated_entries_match_cache():
    """Re-derive a few cached entries with SymPy (provenance check of the JSON)."""
    from sympy.physics.wigner import clebsch_gordan as sym_cg
    from sympy.physics.wigner import real_gaunt, wigner_3j

    data = _data()
    rng = np.random.default_rng(0)
    for key, fn in (
        ("wigner_3j", wigner_3j),
        ("clebsch_gordan", sym_cg),
        ("real_gaunt", real_gaunt),
    ):
        rows = data[key]
        for i in rng.choice(len(rows), size=8, replace=False):
            *args, v = rows[int(i)]
            assert float(fn(*args)) == v
