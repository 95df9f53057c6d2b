"""Tests of refimpl.so3.wigner: wigner_D, rotate_coefficients, random_rotation, check_rotation.

Oracles, none of which the implementation was derived from:

* the defining property Y(R p) = D(R) Y(p) at random points (not the quadrature nodes);
* a least-squares fit of D from 3(2l+1) random points (spec §1.3, independent route);
* e3nn's ``Irrep(l, 1).D_from_matrix`` (Euler angles, y polar) through the basis relation
  D_e3nn(R) = D(P R P^T) of spec §1.7, i.e. wigner_D(l, R) == D_e3nn(P^T R P);
* group identities: homomorphism, orthogonality, D(I) = I, D(R^T) = D(R)^T, D^1 = Pi R Pi^T;
* the function-level meaning of rotate_coefficients: (f o R^-1)(R p) = f(p);
* moments of the Haar measure on SO(3) for random_rotation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.so3.harmonics import spherical_harmonics
from refimpl.so3.wigner import check_rotation, random_rotation, rotate_coefficients, wigner_D
from refimpl.testing.groups import random_orthogonal
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp

P_E3NN = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


# ------------------------------------------------------------------------------- helpers
def _rot(seed, n=None):
    gen = np.random.default_rng(seed)
    if n is None:
        return random_orthogonal(gen, 3, special=True)
    return np.stack([random_orthogonal(gen, 3, special=True) for _ in range(n)])


def _block(l):  # noqa: E741
    return slice(l * l, (l + 1) * (l + 1))


def _tol(eps, l):  # noqa: E741
    """Spec §1.10: 1e2 * eps * (l + 1) (measured 3.7e-15 for l <= 8 in float64)."""
    return 1e2 * eps * (l + 1)


# ------------------------------------------------------------------------------- wigner_D
@given(seed=seeds(), l=st.integers(0, 8))
def test_defining_property(xp, device, seed, l):  # noqa: E741
    """Y^l(R p) = D^l(R) Y^l(p) at random points."""
    dtype, eps = dtype_eps(xp, device)
    gen = np.random.default_rng(seed)
    r = _rot(gen)
    p = gen.standard_normal((10, 3))
    d = wigner_D(l, to_xp(xp, r, dtype, device))
    assert d.shape == (2 * l + 1, 2 * l + 1)
    y_p = spherical_harmonics(l, to_xp(xp, p, dtype, device))[:, _block(l)]
    y_rp = spherical_harmonics(l, to_xp(xp, p @ r.T, dtype, device))[:, _block(l)]
    assert_close(y_rp, xp.matmul(y_p, xp.linalg.matrix_transpose(d)), rtol=0, atol=_tol(eps, l))


@given(seed=seeds(), l=st.integers(0, 6))
def test_group_identities(xp, device, seed, l):  # noqa: E741
    """Homomorphism D(R1 R2) = D(R1) D(R2) (batched), orthogonality, D(R^T) = D(R)^T."""
    dtype, eps = dtype_eps(xp, device)
    r = _rot(seed, 2)
    rs = to_xp(xp, r, dtype, device)
    d = wigner_D(l, rs)  # (2, n, n)
    assert d.shape == (2, 2 * l + 1, 2 * l + 1)
    d12 = wigner_D(l, to_xp(xp, r[0] @ r[1], dtype, device))
    assert_close(d12, xp.matmul(d[0, ...], d[1, ...]), rtol=0, atol=_tol(eps, l))
    eye = xp.eye(2 * l + 1, dtype=dtype, device=device)
    gram = xp.matmul(d, xp.linalg.matrix_transpose(d))
    assert_close(gram, xp.stack([eye, eye]), rtol=0, atol=_tol(eps, l))
    d_t = wigner_D(l, xp.linalg.matrix_transpose(rs))
    assert_close(d_t, xp.linalg.matrix_transpose(d), rtol=0, atol=_tol(eps, l))


def test_identity_and_degree_zero(xp, device):
    dtype, eps = dtype_eps(xp, device)
    eye3 = xp.eye(3, dtype=dtype, device=device)
    assert_close(wigner_D(5, eye3), xp.eye(11, dtype=dtype, device=device), rtol=0, atol=1e2 * eps)
    r = to_xp(xp, _rot(1, 4), dtype, device)
    assert_close(
        wigner_D(0, r), xp.ones((4, 1, 1), dtype=dtype, device=device), rtol=0, atol=10 * eps
    )


@given(seed=seeds())
def test_degree_one_is_permuted_rotation(xp, device, seed):
    """D^1(R) = Pi R Pi^T, Pi: (x, y, z) -> (y, z, x) (spec §1.3)."""
    dtype, eps = dtype_eps(xp, device)
    r = _rot(seed)
    pi = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    d = wigner_D(1, to_xp(xp, r, dtype, device))
    assert_close(d, to_xp(xp, pi @ r @ pi.T, dtype, device), rtol=0, atol=10 * eps)


@given(seed=seeds(), l=st.integers(2, 7))
def test_least_squares_oracle(seed, l):  # noqa: E741
    """Independent route (spec §1.3): fit D from Y(R P) = D Y(P) on 3(2l+1) random points."""
    gen = np.random.default_rng(seed)
    r = _rot(gen)
    p = gen.standard_normal((3 * (2 * l + 1), 3))
    y_p = spherical_harmonics(l, p)[:, _block(l)]
    y_rp = spherical_harmonics(l, p @ r.T)[:, _block(l)]
    d_fit = np.linalg.lstsq(y_p, y_rp, rcond=None)[0].T
    cond = np.linalg.cond(y_p)
    np.testing.assert_allclose(wigner_D(l, r), d_fit, rtol=0, atol=1e2 * 2.2e-16 * cond)


@pytest.mark.parametrize("l", [0, 1, 2, 3, 5, 8])
def test_e3nn_oracle(xp, device, l, e3nn_o3):  # noqa: E741
    """e3nn's Euler-angle D (y polar) via D_e3nn(R) = D(P R P^T): wigner_D(l, R) equals
    e3nn's D at P^T R P (float64, measured ~1e-14)."""
    import torch

    o3 = e3nn_o3

    dtype, eps = dtype_eps(xp, device)
    rs = _rot(7, 3)
    want = []
    for r in rs:
        rt = torch.as_tensor(P_E3NN.T @ r @ P_E3NN, dtype=torch.float64)
        want.append(o3.Irrep(l, 1).D_from_matrix(rt).numpy())
    got = wigner_D(l, to_xp(xp, rs, dtype, device))
    assert_close(
        got, to_xp(xp, np.stack(want), dtype, device), rtol=0, atol=1e3 * max(eps, 1e-15) * (l + 1)
    )


# ---------------------------------------------------------------------- rotate_coefficients
@given(seed=seeds(), lmax=st.integers(0, 6))
def test_rotate_coefficients_rotates_the_function(xp, device, seed, lmax):
    """If f = sum c Y, the coefficients D(R) c describe f o R^-1: f_{D c}(R p) = f_c(p)."""
    dtype, eps = dtype_eps(xp, device)
    gen = np.random.default_rng(seed)
    r = _rot(gen)
    c = gen.standard_normal((2, (lmax + 1) ** 2))
    p = gen.standard_normal((9, 3))
    rc = rotate_coefficients(to_xp(xp, c, dtype, device), to_xp(xp, r, dtype, device))
    assert rc.shape == (2, (lmax + 1) ** 2)
    lhs = xp.matmul(
        rc, xp.linalg.matrix_transpose(spherical_harmonics(lmax, to_xp(xp, p @ r.T, dtype, device)))
    )
    rhs = xp.matmul(
        to_xp(xp, c, dtype, device),
        xp.linalg.matrix_transpose(spherical_harmonics(lmax, to_xp(xp, p, dtype, device))),
    )
    scale = float(np.sum(np.abs(c))) / math.sqrt(4 * math.pi) * (lmax + 1)
    assert_close(lhs, rhs, rtol=0, atol=1e2 * eps * scale)


def test_rotate_coefficients_blocks_and_broadcasting(xp, device):
    """Block-diagonal per degree (== wigner_D per block), broadcasting (C, 1, N) x (4, 3, 3),
    composition rotate(rotate(c, R2), R1) == rotate(c, R1 R2)."""
    dtype, eps = dtype_eps(xp, device)
    lmax = 4
    n = (lmax + 1) ** 2
    gen = np.random.default_rng(3)
    c = to_xp(xp, gen.standard_normal((5, 1, n)), dtype, device)
    r = _rot(4, 4)
    rs = to_xp(xp, r, dtype, device)
    out = rotate_coefficients(c, rs)
    assert out.shape == (5, 4, n)
    for l in range(lmax + 1):  # noqa: E741
        d = wigner_D(l, rs)  # (4, 2l+1, 2l+1)
        want = xp.matmul(d, c[..., _block(l)][..., None])[..., 0]
        assert_close(out[..., _block(l)], want, rtol=0, atol=_tol(eps, lmax))
    twice = rotate_coefficients(rotate_coefficients(c, rs[1, ...]), rs[0, ...])
    once = rotate_coefficients(c, to_xp(xp, r[0] @ r[1], dtype, device))
    assert_close(twice, once, rtol=0, atol=_tol(eps, lmax) * 10)


def test_rotate_coefficients_degree_leakage_is_zero(xp, device):
    """A pure degree-l input stays pure degree l (exactly: the blocks are separate)."""
    dtype, _ = dtype_eps(xp, device)
    c = np.zeros(16)
    c[_block(2)] = np.arange(1.0, 6.0)
    out = _xp.to_host(
        rotate_coefficients(to_xp(xp, c, dtype, device), to_xp(xp, _rot(0), dtype, device))
    )
    assert np.all(out[:4] == 0)
    assert np.all(out[9:] == 0)
    assert abs(np.linalg.norm(out) - np.linalg.norm(c)) < 1e-4 * np.linalg.norm(c)


# ------------------------------------------------------------------------------- random_rotation
def test_random_rotation_properties(xp, device):
    dtype, eps = dtype_eps(xp, device)
    r = random_rotation((2, 3), rng=5, xp=xp, dtype=dtype, device=device)
    assert r.shape == (2, 3, 3, 3)
    assert r.dtype == dtype
    assert _xp.device(r) == device if device is not None else True
    check_rotation(r)  # orthogonal, det +1
    # reproducible and namespace independent: same host float64 draws
    np.testing.assert_allclose(_xp.to_host(r), random_rotation((2, 3), rng=5), atol=10 * eps)
    assert random_rotation(rng=0, xp=xp, device=device).shape == (3, 3)
    assert random_rotation(4, rng=0).shape == (4, 3, 3)
    assert random_rotation((0,), rng=0).shape == (0, 3, 3)


def test_random_rotation_haar_moments():
    """Haar on SO(3): E[R] = 0, E[R_ij^2] = 1/3, E[tr R] = 0, E[(tr R)^2] = 1
    (tr R = 1 + 2 cos(angle), angle density (1 - cos)/pi). 4-sigma bounds for n = 5000."""
    n = 5000
    r = random_rotation(n, rng=np.random.default_rng(11))
    se = 4 / math.sqrt(n)
    assert np.max(np.abs(r.mean(axis=0))) < se * math.sqrt(1 / 3)
    assert np.max(np.abs((r**2).mean(axis=0) - 1 / 3)) < se * 0.3
    tr = np.trace(r, axis1=-2, axis2=-1)
    assert abs(tr.mean()) < se * 1.0
    assert abs((tr**2).mean() - 1.0) < se * 1.5


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"shape": 2.0}, TypeError),
        ({"shape": (2, "a")}, TypeError),
        ({"shape": True}, TypeError),
        ({"shape": (-1,)}, ValueError),
        ({"rng": "seed"}, TypeError),
    ],
)
def test_random_rotation_bad_input(kwargs, exc):
    with pytest.raises(exc, match=r"shape|rng"):
        random_rotation(**kwargs)


# ------------------------------------------------------------------------------- check_rotation
def test_check_rotation_accepts_working_precision(xp, device):
    dtype, _ = dtype_eps(xp, device)
    r = to_xp(xp, _rot(2, 5), dtype, device)
    out = check_rotation(r)
    assert out.shape == (5, 3, 3)
    check_rotation(xp.asarray(np.eye(3, dtype=np.int64), device=device))  # ints promoted


@pytest.mark.parametrize(
    ("matrix", "exc", "match"),
    [
        (np.diag([1.0, 1.0, -1.0]), ValueError, "determinant"),
        (-np.eye(3), ValueError, "determinant"),
        (1.001 * np.eye(3), ValueError, "orthogonal"),
        (np.eye(3) + 1e-9 * np.arange(9.0).reshape(3, 3), ValueError, "orthogonal"),
        (np.ones((3, 2)), ValueError, r"shape \(..., 3, 3\)"),
        (np.ones(3), ValueError, "dimension"),
        (np.full((3, 3), np.nan), ValueError, "finite"),
        (np.eye(3, dtype=complex), TypeError, "real"),
        (np.eye(3, dtype=bool), TypeError, "real"),
    ],
)
def test_bad_rotations(matrix, exc, match):
    """Non-rotations raise in every entry point (issue: 'Bad input')."""
    with pytest.raises(exc, match=match):
        check_rotation(matrix)
    with pytest.raises(exc, match=match):
        wigner_D(2, matrix)
    with pytest.raises(exc, match=match):
        rotate_coefficients(np.ones(9), matrix)


def test_bad_rotation_batch_and_tolerance(xp, device):
    """One bad matrix in a batch is enough; atol widens the check; float32 rounding passes
    the default tolerance but a 1e-3 perturbation does not."""
    dtype, _ = dtype_eps(xp, device)
    r = _rot(9, 3)
    r[1] = r[1] @ np.diag([1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match="determinant"):
        wigner_D(1, to_xp(xp, r, dtype, device))
    bent = _rot(1) + 1e-3
    with pytest.raises(ValueError, match="orthogonal"):
        check_rotation(to_xp(xp, bent, dtype, device))
    check_rotation(to_xp(xp, bent, dtype, device), atol=0.1)
    with pytest.raises(ValueError, match="atol"):
        check_rotation(np.eye(3), atol=-1.0)


@pytest.mark.parametrize(
    ("l", "exc"), [(-1, ValueError), (1.0, TypeError), (True, TypeError), ("2", TypeError)]
)
def test_wigner_bad_degree(l, exc):  # noqa: E741
    with pytest.raises(exc, match="l must be a non-negative int"):
        wigner_D(l, np.eye(3))


@pytest.mark.parametrize(
    ("coeffs", "rotation", "match"),
    [
        (np.ones(10), np.eye(3), "perfect square"),
        (np.ones((2, 8)), np.eye(3), "perfect square"),
        (np.ones((2, 9)), np.stack([np.eye(3)] * 3), "broadcastable"),
        (np.ones((0, 9)), np.eye(3), "empty"),
    ],
)
def test_rotate_coefficients_bad_input(coeffs, rotation, match):
    with pytest.raises(ValueError, match=match):
        rotate_coefficients(coeffs, rotation)


def test_rotate_coefficients_mixed_namespaces_rejected():
    import array_api_strict as xs

    with pytest.raises(TypeError, match="namespace"):
        rotate_coefficients(xs.ones(4, dtype=xs.float64), np.eye(3))
