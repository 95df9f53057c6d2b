"""Tests of refimpl.koopman.edmd: Galerkin matrices against an explicit sum over snapshots, the
EDMD matrix against a host least-squares solve, eigenfunctions of linear maps (the known
monomial eigenfunctions, and phi(F(x)) = lambda phi(x) at fresh points), and the package's
``__all__``."""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import refimpl.koopman
from refimpl import _xp
from refimpl.koopman import edmd, eigenfunctions, galerkin, monomial_dictionary
from tests._helpers import dtype_eps

seeds = st.integers(0, 2**32 - 1)
SUBMODULES = ["data", "dictionaries", "edmd", "resdmd", "spectral_measures", "systems"]


def _h(a):
    return _xp.to_host(a)


def test_all_is_the_union_of_the_submodules():
    union: set[str] = set()
    for name in SUBMODULES:
        mod = importlib.import_module(f"refimpl.koopman.{name}")
        union |= set(mod.__all__)
        for public in mod.__all__:
            assert getattr(refimpl.koopman, public) is getattr(mod, public)
    assert set(refimpl.koopman.__all__) == union
    assert len(refimpl.koopman.__all__) == len(union)


@given(seed=seeds)
@settings(max_examples=5)
def test_galerkin_matches_explicit_sums(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    m, n = 15, 4
    px = rng.standard_normal((m, n)) + 1j * rng.standard_normal((m, n))
    py = rng.standard_normal((m, n))
    w = rng.uniform(0, 1, m)
    cdt = _xp.complex_dtype(xp, dtype)
    g, a, ell = galerkin(
        xp.asarray(px, dtype=cdt, device=device),
        xp.asarray(py, dtype=dtype, device=device),
        xp.asarray(w, dtype=dtype, device=device),
    )
    assert g.dtype == cdt  # complex if either dictionary matrix is complex
    want = [np.zeros((n, n), complex) for _ in range(3)]
    for k in range(m):  # sum_m w_m conj(psi(x_m))_j psi(.)_k
        want[0] += w[k] * np.outer(px[k].conj(), px[k])
        want[1] += w[k] * np.outer(px[k].conj(), py[k])
        want[2] += w[k] * np.outer(py[k].conj(), py[k])
    for got, ref in zip((g, a, ell), want, strict=True):
        np.testing.assert_allclose(_h(got), ref, atol=1e2 * eps * m)
    gh = _h(g)
    np.testing.assert_allclose(gh, gh.conj().T, atol=1e2 * eps)  # Hermitian PSD
    assert np.min(np.linalg.eigvalsh(0.5 * (gh + gh.conj().T))) > -1e2 * eps * m


@given(seed=seeds)
@settings(max_examples=5)
def test_edmd_matrix_is_the_weighted_least_squares_solution(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    m, n = 30, 5
    px, py, w = rng.standard_normal((m, n)), rng.standard_normal((m, n)), rng.uniform(0.2, 1, m)
    res = edmd(*(xp.asarray(v, dtype=dtype, device=device) for v in (px, py, w)))
    sw = np.sqrt(w)[:, None]
    k_ls = np.linalg.lstsq(sw * px, sw * py, rcond=None)[0]  # argmin ||sqrt(W)(Psi_X K - Psi_Y)||
    cond = np.linalg.cond(sw * px)
    np.testing.assert_allclose(_h(res.K), k_ls, atol=1e2 * cond**2 * eps * np.max(np.abs(k_ls)))
    lam, v = _h(res.eigenvalues), _h(res.eigenvectors)
    np.testing.assert_allclose(k_ls @ v, v * lam[None, :], atol=1e3 * cond**2 * eps)
    gram = (sw * px).T @ (sw * px)
    np.testing.assert_allclose(
        np.einsum("jk,jl,lk->k", v.conj(), gram, v).real, 1.0, atol=1e2 * eps * cond
    )  # v^* G v = 1
    mod = np.abs(lam)
    assert np.all(np.diff(mod) <= 1e2 * eps * np.max(mod))  # decreasing modulus


@given(seed=seeds)
@settings(max_examples=5)
def test_edmd_eigenfunctions_of_a_linear_map_are_monomials(xp, device, seed):
    """x -> lam x with monomials 1..x^d: eigenvalues lam^k, eigenfunctions c x^k."""
    dtype, eps = dtype_eps(xp, device)
    rng = np.random.default_rng(seed)
    lam = float(rng.uniform(0.3, 0.9)) * float(rng.choice([-1.0, 1.0]))
    d = 4
    x = rng.uniform(-1, 1, 30)
    to = lambda a: xp.asarray(a, dtype=dtype, device=device)  # noqa: E731
    px = monomial_dictionary(to(x), degree=d)
    py = monomial_dictionary(to(lam * x), degree=d)
    res = edmd(px, py, to(np.full(30, 1 / 30)))
    vals = _h(res.eigenvalues)
    fresh = np.linspace(-1, 1, 11)
    phi = _h(eigenfunctions(monomial_dictionary(to(fresh), degree=d), res.eigenvectors))
    assert phi.shape == (11, d + 1)
    assert phi.dtype.kind == "c"
    tol = 1e4 * eps  # monomials to degree 4 on [-1, 1]: cond(R) ~ 1e2, non-normal K
    for k in range(d + 1):
        j = int(np.argmin(np.abs(vals - lam**k)))
        assert abs(vals[j] - lam**k) < tol
        # phi_j is a multiple of x^k: |<phi, x^k>| = ||phi|| ||x^k|| (Cauchy-Schwarz equality)
        mono = fresh**k
        cos = abs(np.vdot(mono, phi[:, j])) / (np.linalg.norm(mono) * np.linalg.norm(phi[:, j]))
        assert abs(cos - 1) < tol
    # Koopman eigenfunction property at fresh points: phi(F(x)) = lambda phi(x)
    phi_f = _h(eigenfunctions(monomial_dictionary(to(lam * fresh), degree=d), res.eigenvectors))
    np.testing.assert_allclose(phi_f, phi * vals[None, :], atol=tol * np.max(np.abs(phi)))


def test_eigenfunctions_shapes_and_dtypes(xp, device):
    dtype, _ = dtype_eps(xp, device)
    psi = xp.asarray(np.arange(6.0).reshape(3, 2), dtype=dtype, device=device)
    one = eigenfunctions(psi, xp.asarray(np.array([1.0, -1.0]), dtype=dtype, device=device))
    assert one.shape == (3,)
    assert one.dtype == dtype
    assert _h(one).tolist() == [-1.0, -1.0, -1.0]
    cdt = _xp.complex_dtype(xp, dtype)
    many = eigenfunctions(psi, xp.asarray(np.array([[1j, 0], [0, 1]]), dtype=cdt, device=device))
    assert many.shape == (3, 2)
    assert many.dtype == cdt
    np.testing.assert_allclose(_h(many), [[0, 1], [2j, 3], [4j, 5]])
