"""Tests of refimpl.so3.convert.convert_basis.

Oracles, none of which the implementation was derived from:

* e3nn's ``o3.spherical_harmonics`` (optional, y polar): converting refimpl's SH values to
  the ``"e3nn"`` basis must reproduce e3nn's values;
* the definition Y_e3nn(v) = Y_refimpl(P v), P v = (v_z, v_x, v_y), evaluated with refimpl's
  own spherical_harmonics at permuted points (no Wigner matrices involved);
* SciPy's complex (Condon-Shortley) ``sph_harm_y``: the Condon-Shortley real basis is
  sqrt(2) Re Y_l^m, sqrt(2) Im Y_l^m (m > 0), Re Y_l^0;
* algebra: round trips, transitivity, orthogonality (norm preservation), exact l = 1 maps.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.so3.convert import convert_basis
from refimpl.so3.harmonics import spherical_harmonics
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps, to_xp
from tests.so3._oracles import real_sh_scipy

BASES = ("refimpl", "e3nn", "condon_shortley")
P_E3NN = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@given(seed=seeds())
def test_e3nn_basis_is_permuted_evaluation(xp, device, seed):
    """convert(Y(v), refimpl -> e3nn) == Y(P v) for lmax 6 (the defining relation)."""
    dtype, eps = dtype_eps(xp, device)
    v = np.random.default_rng(seed).standard_normal((8, 3))
    y = spherical_harmonics(6, to_xp(xp, v, dtype, device))
    want = spherical_harmonics(6, to_xp(xp, v @ P_E3NN.T, dtype, device))
    got = convert_basis(y, source="refimpl", target="e3nn")
    assert_close(got, want, rtol=0, atol=1e2 * eps)


def test_e3nn_oracle(xp, device, e3nn_o3):
    """refimpl SH converted to the e3nn basis equal e3nn's own spherical harmonics
    (normalization='integral'), lmax 8."""
    import torch

    o3 = e3nn_o3

    dtype, eps = dtype_eps(xp, device)
    lmax = 8
    v = np.random.default_rng(1).standard_normal((16, 3))
    want = o3.spherical_harmonics(
        list(range(lmax + 1)),
        torch.as_tensor(v, dtype=torch.float64),
        normalize=True,
        normalization="integral",
    ).numpy()
    y = spherical_harmonics(lmax, to_xp(xp, v, dtype, device))
    got = convert_basis(y, source="refimpl", target="e3nn")
    assert_close(got, to_xp(xp, want, dtype, device), rtol=0, atol=1e2 * eps * (lmax + 1))
    back = convert_basis(to_xp(xp, want, dtype, device), source="e3nn", target="refimpl")
    assert_close(back, y, rtol=0, atol=1e2 * eps * (lmax + 1))


@given(seed=seeds())
def test_condon_shortley_oracle(xp, device, seed):
    """refimpl -> condon_shortley equals the CS real basis built from scipy."""
    dtype, eps = dtype_eps(xp, device)
    v = np.random.default_rng(seed).standard_normal((8, 3))
    y = spherical_harmonics(7, to_xp(xp, v, dtype, device))
    got = convert_basis(y, source="refimpl", target="condon_shortley")
    assert_close(
        got,
        to_xp(xp, real_sh_scipy(7, v, condon_shortley=True), dtype, device),
        rtol=0,
        atol=1e2 * eps,
    )


def test_degree_one_maps_exactly(xp, device):
    """l = 1: refimpl stores (y, z, x), e3nn (x, y, z), Condon-Shortley (-y, z, -x)."""
    dtype, _ = dtype_eps(xp, device)
    c = to_xp(xp, [7.0, 1.0, 2.0, 3.0], dtype, device)
    assert_close(
        convert_basis(c, source="refimpl", target="e3nn"),
        to_xp(xp, [7.0, 3.0, 1.0, 2.0], dtype, device),
        rtol=0,
        atol=1e-12 if dtype == xp.float64 else 1e-6,
    )
    assert_close(
        convert_basis(c, source="refimpl", target="condon_shortley"),
        to_xp(xp, [7.0, -1.0, 2.0, -3.0], dtype, device),
        rtol=0,
        atol=0,
    )


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(BASES, 2)))
@given(seed=seeds(), lmax=st.integers(0, 6))
def test_round_trip_and_isometry(xp, device, source, target, seed, lmax):
    """target -> source undoes source -> target; the map preserves the norm of each degree
    block (orthogonal, degree-preserving)."""
    dtype, eps = dtype_eps(xp, device)
    c = np.random.default_rng(seed).standard_normal((3, (lmax + 1) ** 2))
    x = to_xp(xp, c, dtype, device)
    y = convert_basis(x, source=source, target=target)
    assert y.shape == x.shape
    assert_close(convert_basis(y, source=target, target=source), x, rtol=0, atol=1e2 * eps)
    for l in range(lmax + 1):  # noqa: E741
        sl = slice(l * l, (l + 1) ** 2)
        assert_close(
            xp.sum(y[:, sl] ** 2, axis=-1),
            xp.sum(x[:, sl] ** 2, axis=-1),
            rtol=1e2 * eps,
            atol=1e2 * eps,
        )


@given(seed=seeds())
def test_transitive(xp, device, seed):
    """e3nn -> condon_shortley == (e3nn -> refimpl) then (refimpl -> condon_shortley);
    same -> same is the identity (a new array)."""
    dtype, eps = dtype_eps(xp, device)
    x = to_xp(xp, np.random.default_rng(seed).standard_normal((2, 25)), dtype, device)
    direct = convert_basis(x, source="e3nn", target="condon_shortley")
    via = convert_basis(
        convert_basis(x, source="e3nn", target="refimpl"),
        source="refimpl",
        target="condon_shortley",
    )
    assert_close(direct, via, rtol=0, atol=1e2 * eps)
    same = convert_basis(x, source="e3nn", target="e3nn")
    assert_close(same, x, rtol=0, atol=0)
    assert same is not x


def test_output_follows_input(xp, device):
    dtype, _ = dtype_eps(xp, device)
    x = to_xp(xp, np.ones((2, 3, 16)), dtype, device)
    before = _xp.to_host(x)
    out = convert_basis(x, source="refimpl", target="e3nn")
    assert out.shape == (2, 3, 16)
    assert out.dtype == dtype
    assert _xp.device(out) == _xp.device(x)
    np.testing.assert_array_equal(_xp.to_host(x), before)
    xi = xp.asarray(np.ones(4, dtype=np.int64), device=device)
    assert convert_basis(xi, source="refimpl", target="refimpl").dtype == dtype


@pytest.mark.parametrize(
    ("coeffs", "kwargs", "exc", "match"),
    [
        (np.ones(10), {}, ValueError, "perfect square"),
        (np.ones((3, 2)), {}, ValueError, "perfect square"),
        (np.ones((2, 0)), {}, ValueError, "empty"),
        (np.ones(4), {"source": "sphericart"}, ValueError, "source must be one of"),
        (np.ones(4), {"target": "E3NN"}, ValueError, "target must be one of"),
        (np.ones(4, dtype=bool), {}, TypeError, "coeffs must be a real"),
        (np.ones(4, dtype=complex), {}, TypeError, "coeffs must be a real"),
        (np.array([np.inf, 0, 0, 0]), {}, ValueError, "finite"),
    ],
)
def test_bad_input(coeffs, kwargs, exc, match):
    args = {"source": "refimpl", "target": "e3nn"} | kwargs
    with pytest.raises(exc, match=match):
        convert_basis(coeffs, **args)
