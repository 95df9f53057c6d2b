"""Tests of refimpl.quantum.povms: frames, dual frames, probabilities and reconstruction.

Oracles: the closed forms of the spec (T^-1 = 6I - J and N_a = (I + 3 s.sigma)/2 for the
tetrahedral SIC-POVM, the Pauli-4 T^-1 rows), the frame identities for Ginibre density matrices
(sum M = I, Tr(M_a N_b) = delta, rho = sum P N, <O> = Tr(rho O)), the product rule
P(rho1 x rho2) = P(rho1) x P(rho2) that pins the site order, and partial traces for the
single-site marginals.
"""

from __future__ import annotations

import math

import array_api_extra as xpx
import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.quantum import (
    density_from_probabilities,
    expectation,
    frame_coefficients,
    local_expectations,
    povm,
    povm_from_elements,
    probabilities,
    sample_local_expectations,
)
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps
from tests.quantum._common import FRAMES, SX, SY, SZ, cdtype, ginibre_density, random_hermitian


@pytest.mark.parametrize("name", FRAMES)
def test_frame_identities(xp, device, name):
    dtype, eps = dtype_eps(xp, device)
    f = povm(name, xp=xp, dtype=dtype, device=device)
    m, n = _xp.to_host(f.M), _xp.to_host(f.N)
    # entries of size <= 14 (Pauli-4 T^-1): 1e2 eps covers a few roundings of such numbers
    tol = 1e2 * eps
    np.testing.assert_allclose(m.sum(axis=0), np.eye(2), atol=tol)
    np.testing.assert_allclose(np.einsum("aij,bji->ab", m, n), np.eye(4), atol=tol)
    np.testing.assert_allclose(np.einsum("aii->a", n), np.ones(4), atol=tol)  # Tr N_a = 1
    np.testing.assert_allclose(_xp.to_host(f.T) @ _xp.to_host(f.T_inv), np.eye(4), atol=tol)
    assert f.M.dtype == cdtype(xp, dtype)
    assert f.T.dtype == dtype
    assert np.all(np.linalg.eigvalsh(m) >= -tol)


def test_tetra_closed_forms():
    f = povm("tetra")
    np.testing.assert_allclose(f.T, (2 * np.eye(4) + np.ones((4, 4))) / 12, atol=1e-15)
    np.testing.assert_allclose(f.T_inv, 6 * np.eye(4) - np.ones((4, 4)), atol=1e-13)
    r2 = math.sqrt(2.0)
    s = np.array(
        [
            [0, 0, 1],
            [2 * r2 / 3, 0, -1 / 3],
            [-r2 / 3, math.sqrt(2 / 3), -1 / 3],
            [-r2 / 3, -math.sqrt(2 / 3), -1 / 3],
        ]
    )
    dual = np.stack([(np.eye(2) + 3 * (v[0] * SX + v[1] * SY + v[2] * SZ)) / 2 for v in s])
    np.testing.assert_allclose(f.N, dual, atol=1e-13)
    pauli = povm("pauli4").T_inv
    rows = [[14, -4, -4, -1], [-4, 14, -4, -1], [-4, -4, 14, -1], [-1, -1, -1, 2]]
    np.testing.assert_allclose(pauli, rows, atol=1e-12)
    # tetra_pos is a SIC too: the same T
    np.testing.assert_allclose(povm("tetra_pos").T, f.T, atol=1e-15)


@given(seed=seeds(), n=st.integers(1, 3), name=st.sampled_from(FRAMES))
def test_probabilities_and_reconstruction(xp, device, seed, n, name):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    rng = np.random.default_rng(seed)
    rho_np = ginibre_density(rng, n)
    obs_np = random_hermitian(rng, 2**n)
    f = povm(name, xp=xp, dtype=dtype, device=device)
    rho = xp.asarray(rho_np, dtype=cdt, device=device)
    p = probabilities(rho, f)
    assert p.dtype == dtype
    assert p.shape == (4**n,)
    # frame entries <= 14 and 4^n terms per sum: 1e2 eps n-scaled round-off
    tol = 1e2 * eps * 4**n
    p_h = _xp.to_host(p)
    assert p_h.min() >= -tol
    assert abs(p_h.sum() - 1.0) <= tol
    assert_close(density_from_probabilities(p, f), rho, rtol=0, atol=tol)
    want = float(np.trace(rho_np @ obs_np).real)
    got = float(expectation(p, xp.asarray(obs_np, dtype=cdt, device=device), f))
    assert abs(got - want) <= tol * max(1.0, float(np.abs(obs_np).max()))
    # non-vacuity: P is not uniform
    assert p_h.max() - p_h.min() > 1e-4


def test_site_order_is_kron_order(xp, device):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    rng = np.random.default_rng(3)
    r1, r2 = ginibre_density(rng, 1), ginibre_density(rng, 2)
    f = povm("tetra", xp=xp, dtype=dtype, device=device)
    p12 = probabilities(xp.asarray(np.kron(r1, r2), dtype=cdt, device=device), f)
    p1 = _xp.to_host(probabilities(xp.asarray(r1, dtype=cdt, device=device), f))
    p2 = _xp.to_host(probabilities(xp.asarray(r2, dtype=cdt, device=device), f))
    np.testing.assert_allclose(_xp.to_host(p12), np.kron(p1, p2), atol=1e2 * eps)
    # non-vacuity: the other order differs
    assert np.abs(_xp.to_host(p12) - np.kron(p2, p1)).max() > 1e-3


@given(seed=seeds(), name=st.sampled_from(FRAMES))
def test_local_expectations_are_partial_traces(xp, device, seed, name):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    rng = np.random.default_rng(seed)
    n = 3
    rho_np = ginibre_density(rng, n)
    f = povm(name, xp=xp, dtype=dtype, device=device)
    p = probabilities(xp.asarray(rho_np, dtype=cdt, device=device), f)
    for op in (SX, SY, SZ):
        got = _xp.to_host(local_expectations(p, xp.asarray(op, dtype=cdt, device=device), f))
        want = []
        for i in range(n):
            full = np.kron(np.kron(np.eye(2**i), op), np.eye(2 ** (n - i - 1)))
            want.append(np.trace(rho_np @ full).real)
        np.testing.assert_allclose(got, want, atol=1e3 * eps)  # |Tr O N_a| <= 5*sqrt(3)


def test_frame_coefficients_of_observable():
    f = povm("tetra")
    # Tr(sigma_z N_a) = 3 s_a^z
    np.testing.assert_allclose(
        frame_coefficients(SZ, f, dual=True).real, [3, -1, -1, -1], atol=1e-13
    )


@pytest.mark.only_xp("numpy", reason="a statistical test of the estimator, float64 host draws")
def test_sample_local_expectations_unbiased(xp, device):
    rng = np.random.default_rng(11)
    n = 3
    f = povm("tetra")
    p = probabilities(ginibre_density(rng, n), f)
    idx = rng.choice(4**n, size=20000, p=p / p.sum())
    samples = np.stack([(idx // 4 ** (n - 1 - k)) % 4 for k in range(n)], axis=1)
    est = sample_local_expectations(samples, SX, f)
    exact = local_expectations(p, SX, f)
    coef = frame_coefficients(SX, f, dual=True).real
    stderr = math.sqrt(float(np.sum(p.reshape(4, -1).sum(1) * coef**2)) / samples.shape[0])
    assert np.all(np.abs(est - exact) <= 5 * stderr)  # 5 standard errors: false-alarm ~1e-6
    assert np.abs(est - exact).max() > 0  # non-vacuity: it is an estimate, not the sum


# ------------------------------------------------------------------------------ bad input
def test_bad_input(xp, device):
    dtype, _ = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    f = povm("tetra", xp=xp, dtype=dtype, device=device)
    with pytest.raises(ValueError, match="name must be one of"):
        povm("sic")
    nonherm = xp.asarray([[1.0, 0.5], [0.0, 0.0]], dtype=cdt, device=device)
    with pytest.raises(ValueError, match="rho must be Hermitian"):
        probabilities(nonherm, f)
    with pytest.raises(ValueError, match="power of 2"):
        probabilities(xp.eye(3, dtype=cdt, device=device), f)
    with pytest.raises(ValueError, match="square"):
        probabilities(xp.zeros((2, 4), dtype=cdt, device=device), f)
    with pytest.raises(ValueError, match=r"length 4\*\*N"):
        density_from_probabilities(xp.ones(8, dtype=dtype, device=device) / 8, f)
    with pytest.raises(TypeError, match="POVM"):
        probabilities(xp.eye(2, dtype=cdt, device=device), "tetra")
    with pytest.raises(TypeError, match="rho must be a real numeric array"):
        probabilities(xp.eye(2, dtype=xp.bool, device=device), f)
    with pytest.raises(ValueError, match="observable must be Hermitian"):
        local_expectations(xp.ones(4, dtype=dtype, device=device) / 4, nonherm, f)


def test_custom_frames_are_validated():
    f = povm_from_elements(povm("tetra").M)
    assert f.name == "custom"
    np.testing.assert_allclose(f.T_inv, povm("tetra").T_inv, atol=1e-12)
    diag = np.stack([np.diag([0.5, 0]), np.diag([0.5, 0]), np.diag([0, 0.5]), np.diag([0, 0.5])])
    with pytest.raises(ValueError, match="informationally complete"):
        povm_from_elements(diag)
    with pytest.raises(ValueError, match="sum to the identity"):
        povm_from_elements(0.5 * povm("tetra").M)
    bad = povm("tetra").M.copy()
    bad[0] = bad[0] + np.diag([0.5, -0.5])
    bad[1] = bad[1] - np.diag([0.5, -0.5])
    with pytest.raises(ValueError, match="positive semidefinite"):
        povm_from_elements(bad)
    with pytest.raises(ValueError, match="shape"):
        povm_from_elements(np.zeros((3, 2, 2)))
    with pytest.raises(TypeError, match="floating"):
        povm_from_elements(np.zeros((4, 2, 2), dtype=bool))
    with pytest.raises(ValueError, match="samples must hold"):
        sample_local_expectations(np.array([[4]]), SZ, povm("tetra"))
    with pytest.raises(TypeError, match="integer"):
        sample_local_expectations(np.array([[1.0]]), SZ, povm("tetra"))
    _ = xpx  # namespace helpers imported for symmetry with the other test modules


def test_package_all_is_union_of_submodules():
    import refimpl.quantum as q
    from refimpl.quantum import autoregressive, dynamics, lindblad
    from refimpl.quantum import povms as povm_module

    union = set()
    for mod in (autoregressive, dynamics, lindblad, povm_module):
        union |= set(mod.__all__)
    assert set(q.__all__) == union
    assert len(q.__all__) == len(union)
