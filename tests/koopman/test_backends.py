"""Tests of the ``backend=`` choice of refimpl.koopman.pseudospectrum (reference and numba).

Oracles: the smallest singular value of the stacked ``T - z E`` (an SVD, not an
eigenproblem: ``lambda_min(T^*T - z A^* - conj(z) A + |z|^2 I) = sigma_min(T - zE)^2``), the
circle rotation's exact ``tau`` (distance to the nearest ``e^{ik omega}``), and the reference
route on identical inputs. The kernel is also run directly, so it is tested as plain Python
where numba is absent (``backends/_numba_compat``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util

import numpy as np
import pytest
from array_api_extra.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st
from refimpl.backends._koopman_numba import lam_min_numba

from refimpl import _dispatch, _xp
from refimpl.koopman import pseudospectrum
from tests._helpers import dtype_eps
from tests.koopman._systems import gauss, rotation

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="needs numba (the [numba] extra)")
_resdmd = importlib.import_module("refimpl.koopman.resdmd")  # the function shadows the module


def _pieces(rng, n, rows, dtype=np.complex128):
    """``T`` (rows x n) complex; ``L = T^*T``, ``A = T[:n]``: the structure of the QR form."""
    t = (rng.standard_normal((rows, n)) + 1j * rng.standard_normal((rows, n))) / np.sqrt(n)
    t = t.astype(dtype)
    return t, t.conj().T @ t, t[:n]


def _sigma_min_sq(t, z):
    n = t.shape[1]
    e = np.zeros_like(t)
    e[:n] = np.eye(n)
    return np.array([np.linalg.svd(t - zz * e, compute_uv=False)[-1] ** 2 for zz in z])


# ------------------------------------------------------------------ the kernel, directly
@pytest.mark.only_xp("numpy", reason="the numba kernel takes NumPy arrays only")
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9))
@settings(max_examples=10, deadline=None)
def test_kernel_is_sigma_min_squared_of_the_stacked_form(seed, n):
    rng = np.random.default_rng(seed)
    t, ell, a = _pieces(rng, n, 2 * n)
    z = rng.uniform(-2, 2, 7) + 1j * rng.uniform(-2, 2, 7)
    want = _sigma_min_sq(t, z)
    got = lam_min_numba(z, ell, a, None, np)
    ref = np.asarray(_resdmd._lam_min_reference(z, ell, a, None, np))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * (1 + np.max(want)))
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * (1 + np.max(want)))
    assert got.dtype == np.float64


@pytest.mark.only_xp("numpy", reason="the numba kernel takes NumPy arrays only")
def test_kernel_general_g_and_inputs_untouched():
    """With a Hermitian positive definite G: ``lambda_min`` of ``(M(z), G)`` after congruence
    with ``G^{-1/2}``; here G is passed already whitened (``W G W``) as the gram form does, and
    compared with the dense eigenproblem built independently; inputs are not modified."""
    rng = np.random.default_rng(3)
    n = 6
    b = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    g = b.conj().T @ b + n * np.eye(n)
    _, ell, a = _pieces(rng, n, 2 * n)
    z = rng.uniform(-1, 1, 5) + 1j * rng.uniform(-1, 1, 5)
    copies = [x.copy() for x in (z, ell, a, g)]
    want = [
        np.linalg.eigvalsh(ell - zz * a.conj().T - np.conj(zz) * a + abs(zz) ** 2 * g)[0]
        for zz in z
    ]
    got = lam_min_numba(z, ell, a, g, np)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * np.max(np.abs(want)))
    for before, after in zip(copies, (z, ell, a, g), strict=True):
        np.testing.assert_array_equal(before, after)


@pytest.mark.only_xp("numpy", reason="the numba kernel takes NumPy arrays only")
def test_kernel_single_precision_dtype():
    rng = np.random.default_rng(1)
    t, ell, a = _pieces(rng, 5, 10, np.complex64)
    z = (rng.uniform(-1, 1, 4) + 1j * rng.uniform(-1, 1, 4)).astype(np.complex64)
    got = lam_min_numba(z, ell, a, None, np)
    assert got.dtype == np.float32
    want = _sigma_min_sq(t.astype(np.complex128), z.astype(np.complex128))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5 * (1 + np.max(want)))


# ------------------------------------------------------- through pseudospectrum(backend=)
@needs_numba
@pytest.mark.only_xp("numpy", reason="backend='numba' accepts NumPy arrays only")
@pytest.mark.parametrize("method", ["qr", "gram"])
@pytest.mark.parametrize("backend", ["numba", "auto"])
def test_numba_backend_rotation_exact_and_equals_reference(method, backend):
    psi_x, psi_y, w, lam = rotation(5, 64, 1.4 * np.pi)
    rng = np.random.default_rng(0)
    z = rng.uniform(-1.6, 1.6, 40) + 1j * rng.uniform(-1.6, 1.6, 40)
    exact = np.min(np.abs(z[:, None] - lam[None, :]), axis=1)
    got = pseudospectrum(z, psi_x, psi_y, w, method=method, backend=backend)
    ref = pseudospectrum(z, psi_x, psi_y, w, method=method)
    np.testing.assert_allclose(got, exact, rtol=0, atol=1e-7)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert np.ptp(exact) > 0.3  # non-vacuous


@needs_numba
@pytest.mark.only_xp("numpy", reason="backend='numba' accepts NumPy arrays only")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_backend_gauss_map_grid(dtype):
    """A real dictionary (factorised in real arithmetic), a 2-D grid of z, both precisions."""
    psi_x, psi_y, w = (a.astype(dtype) for a in gauss(12))
    x = np.linspace(-1.5, 1.5, 9, dtype=dtype)
    z = x[None, :] + 1j * x[:, None]
    got = pseudospectrum(z, psi_x, psi_y, w, backend="numba")
    ref = pseudospectrum(z, psi_x, psi_y, w)
    assert got.shape == (9, 9)
    assert got.dtype == ref.dtype == dtype
    tol = 1e-10 if dtype == np.float64 else 2e-3  # squared form: sqrt(eps) near zeros
    np.testing.assert_allclose(got, ref, rtol=0, atol=tol)
    np.testing.assert_allclose(got, got[::-1, :], rtol=0, atol=tol)  # tau(conj z) = tau(z)


def test_auto_is_the_reference_off_numpy(xp, device):
    """``"auto"`` never changes namespace: on non-NumPy arrays it is the reference."""
    dtype, eps = dtype_eps(xp, device)
    psi_x, psi_y, w, lam = rotation(3, 32, 1.0)
    z = np.array([0.3 + 0.2j, lam[0], 1.5])
    args = [
        xp.asarray(
            a, dtype=_xp.complex_dtype(xp, dtype) if np.iscomplexobj(a) else dtype, device=device
        )
        for a in (z, psi_x, psi_y, w)
    ]
    got = pseudospectrum(*args, backend="auto")
    ref = pseudospectrum(*args, backend="reference")
    if _xp.namespace_name(xp) == "numpy" and HAVE_NUMBA:
        assert_close(got, ref, rtol=0, atol=50 * eps)  # auto = numba here: round-off only
    else:
        assert_close(got, ref, rtol=0, atol=0)  # the same computation


# -------------------------------------------------------------------------- bad backend
def _args():
    psi_x, psi_y, w, _ = rotation(2, 16, 1.0)
    return np.array([0.5 + 0.5j]), psi_x, psi_y, w


@pytest.mark.only_xp("numpy", reason="errors of the backend choice, NumPy inputs")
def test_bad_backend_choices():
    with pytest.raises(ValueError, match=r"backend must be one of"):
        pseudospectrum(*_args(), backend="fortran")
    with pytest.raises(ValueError, match=r"backend='numba' is not implemented for .*svd"):
        pseudospectrum(*_args(), method="svd", backend="numba")
    # "auto" with method="svd" is the reference
    ref = pseudospectrum(*_args(), method="svd")
    np.testing.assert_array_equal(pseudospectrum(*_args(), method="svd", backend="auto"), ref)


@pytest.mark.only_xp("numpy", reason="errors of the backend choice")
def test_numba_backend_rejects_other_namespaces():
    torch = pytest.importorskip("torch", reason="needs torch for a non-NumPy namespace")
    args = [torch.asarray(a) for a in _args()]
    with pytest.raises(TypeError, match=r"backend='numba' accepts \['numpy'\] arrays"):
        pseudospectrum(*args, backend="numba")


@pytest.mark.only_xp("numpy", reason="errors of the backend choice")
@pytest.mark.parametrize("hidden", ["numba", "threadpoolctl"])
def test_numba_backend_unavailable_without_its_extra(monkeypatch, hidden):
    """The backend needs numba and threadpoolctl (both in the [numba] extra)."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name, *args):  # hidden, whether or not it is installed
        return None if name == hidden else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(_dispatch.BackendUnavailableError, match=r"refimpl\[numba\]"):
        pseudospectrum(*_args(), backend="numba")
    # "auto" falls back to the reference
    np.testing.assert_array_equal(
        pseudospectrum(*_args(), backend="auto"), pseudospectrum(*_args())
    )


@pytest.mark.only_xp("numpy", reason="the numba kernel takes NumPy arrays only")
def test_kernel_runs_with_one_blas_thread_and_restores_the_limits(monkeypatch):
    """The kernel runs with one BLAS thread (threads are across points) and gives the previous
    limits back: the caller's BLAS threading is unchanged after the call."""
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="part of the [numba] extra")
    mod = importlib.import_module("refimpl.backends._koopman_numba")

    def blas_threads():
        return [
            i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"
        ]

    before = blas_threads()
    seen: list[list[int]] = []
    real = mod._one_blas_thread

    @contextlib.contextmanager
    def spy():
        with real():
            seen.append(blas_threads())
            yield

    monkeypatch.setattr(mod, "_one_blas_thread", spy)
    _, ell, a = _pieces(np.random.default_rng(0), 4, 8)
    lam_min_numba(np.array([0.1 + 0.2j, 0.3]), ell, a, None, np)
    assert len(seen) == 1, seen
    assert seen[0], "no BLAS library seen by threadpoolctl"
    assert all(k == 1 for k in seen[0]), seen
    assert blas_threads() == before
