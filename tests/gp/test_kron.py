"""Tests of refimpl.gp.kron against dense ``numpy.kron`` algebra on small grids (spec 1.3.4)."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.gp import KroneckerSPD, kron_matvec, mode_product
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp


def _spd(rng, n):
    a = rng.normal(size=(n, n))
    return a @ a.T / n + np.eye(n)


def _h(a):
    return _xp.to_host(a).astype(np.float64)


def _dense(fs):
    out = fs[0]
    for f in fs[1:]:
        out = np.kron(out, f)
    return out


@given(seed=seeds(), dims=st.lists(st.integers(2, 6), min_size=1, max_size=3))
@settings(max_examples=15, deadline=None)
def test_kronecker_identities_vs_numpy_kron(xp, device, seed, dims):
    rng = np.random.default_rng(seed)
    dtype, eps = dtype_eps(xp, device)
    fs = [_spd(rng, n) for n in dims]
    u = rng.normal(size=tuple(dims))
    dense = _dense(fs)
    cond = np.linalg.cond(dense)
    k = KroneckerSPD([to_xp(xp, f, dtype, device) for f in fs])
    ux = to_xp(xp, u, dtype, device)
    tol = 1e3 * eps * cond  # spec 1.3.4: 1e3 eps cond
    assert_close(
        _h(k.solve(ux)).ravel(),
        np.linalg.solve(dense, u.ravel()),
        rtol=tol,
        atol=tol * np.abs(u).max(),
    )
    assert abs(float(k.logdet()) - np.linalg.slogdet(dense)[1]) <= tol * max(1, len(u.ravel()))
    quad = u.ravel() @ np.linalg.solve(dense, u.ravel())
    assert abs(float(k.quad(ux)) - quad) <= tol * abs(quad) + tol
    assert_close(
        _h(kron_matvec([to_xp(xp, f, dtype, device) for f in fs], ux)).ravel(),
        dense @ u.ravel(),
        rtol=tol,
        atol=tol * np.abs(dense @ u.ravel()).max(),
    )
    assert_close(
        _h(k.matvec(ux)).ravel(),
        dense @ u.ravel(),
        rtol=tol,
        atol=tol * np.abs(dense @ u.ravel()).max(),
    )
    assert_close(_h(k.dense()), dense, rtol=0, atol=10 * eps * np.abs(dense).max())


def test_mode_product_is_kron_with_identity():
    rng = np.random.default_rng(0)
    shape = (3, 4, 5)
    u = rng.normal(size=shape)
    for axis in range(3):
        a = rng.normal(size=(shape[axis], shape[axis]))
        fs = [np.eye(n) for n in shape]
        fs[axis] = a
        assert_close(
            mode_product(a, u, axis=axis).ravel(), _dense(fs) @ u.ravel(), rtol=1e-13, atol=1e-13
        )
    # 2-D: U_xx = D1 U and U_yy = U D2^T
    d1, d2, v = rng.normal(size=(3, 3)), rng.normal(size=(4, 4)), rng.normal(size=(3, 4))
    assert_close(mode_product(d2, v, axis=1), v @ d2.T, rtol=1e-13, atol=1e-13)
    assert_close(mode_product(d1, v, axis=0), d1 @ v, rtol=1e-13, atol=1e-13)


def test_derivative_operator_dense_form():
    # D1 kron I = (K1'' kron C2) C^{-1}, not (K1'' kron I) C^{-1}
    rng = np.random.default_rng(1)
    c1, c2, k1 = _spd(rng, 4), _spd(rng, 3), rng.normal(size=(4, 4))
    d1 = k1 @ np.linalg.inv(c1)
    lhs = np.kron(d1, np.eye(3))
    c = np.kron(c1, c2)
    assert_close(lhs, np.kron(k1, c2) @ np.linalg.inv(c), rtol=1e-10, atol=1e-10)
    assert not np.allclose(lhs, np.kron(k1, np.eye(3)) @ np.linalg.inv(c))


def test_bad_input():
    with pytest.raises(ValueError, match="square"):
        KroneckerSPD([np.ones((2, 3))])
    with pytest.raises(ValueError, match="empty"):
        KroneckerSPD([])
    with pytest.raises(TypeError):
        kron_matvec(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="positive definite"):
        KroneckerSPD([-np.eye(2)])
    with pytest.raises(ValueError, match="u must have shape"):
        kron_matvec([np.eye(2), np.eye(3)], np.ones((3, 2)))
    with pytest.raises(ValueError, match="columns"):
        mode_product(np.eye(2), np.ones((3, 2)), axis=0)
