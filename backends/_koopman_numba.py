"""Numba kernel for :func:`refimpl.koopman.pseudospectrum` (``backend="numba"``).

Registered in :mod:`refimpl.koopman.resdmd` through :mod:`refimpl._dispatch` (requires numba,
NumPy arrays only, ``method="qr"`` and ``"gram"``). The reference route builds a batch of
shifted Hermitian matrices and calls one batched ``eigvalsh`` (threads, if any, inside
LAPACK); this kernel runs a ``prange`` loop over the grid points, one ``eigvalsh`` per shifted
matrix (threads across points). Same matrices and the same LAPACK driver, so the two agree to
round-off (bit for bit in the benchmark). BLAS is limited to one thread while the kernel runs
(``threadpoolctl``, part of the ``[numba]`` extra), which is what makes threads across points
pay: 0.5-0.7x the reference's time on two cores for N = 25..500
(``validation/koopman/bench.py``). Without numba the decorators are the identity (plain
Python; tests only).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ._numba_compat import njit, prange

__all__ = ["lam_min_numba"]


@njit(parallel=True, cache=True)
def _lam_min_identity(
    z: np.ndarray, ell: np.ndarray, a: np.ndarray, ah: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - compiled, or plain Python on tiny tests
    """``out[i] = lambda_min(L - z_i A^* - conj(z_i) A + |z_i|^2 I)``, parallel over i."""
    n = ell.shape[0]
    for i in prange(z.shape[0]):
        zz = z[i]
        h = ell - zz * ah - np.conj(zz) * a
        s = zz.real * zz.real + zz.imag * zz.imag
        for j in range(n):
            h[j, j] += s
        out[i] = np.linalg.eigvalsh(h)[0]


@njit(parallel=True, cache=True)
def _lam_min_general(
    z: np.ndarray, ell: np.ndarray, a: np.ndarray, ah: np.ndarray, g: np.ndarray, out: np.ndarray
) -> None:  # pragma: no cover - compiled, or plain Python on tiny tests
    """``out[i] = lambda_min(L - z_i A^* - conj(z_i) A + |z_i|^2 G)``, parallel over i."""
    for i in prange(z.shape[0]):
        zz = z[i]
        s = zz.real * zz.real + zz.imag * zz.imag
        h = ell - zz * ah - np.conj(zz) * a + s * g
        out[i] = np.linalg.eigvalsh(h)[0]


def lam_min_numba(z: Any, ell: Any, a: Any, g: Any, xp: Any) -> np.ndarray:
    """Smallest eigenvalue of ``L - z A^* - conj(z) A + |z|^2 G`` for every ``z`` (G = I when
    ``g`` is None).

    ``z``: complex NumPy array (K,); ``ell`` (Hermitian), ``a``, ``g``: (N, N) NumPy arrays of
    the complex dtype of ``z``. Returns the real (K,) array of smallest eigenvalues. ``xp`` is
    the caller's namespace (NumPy here; accepted for the common signature). Inputs are read
    only.
    """
    del xp
    z = np.ascontiguousarray(z)
    ell = np.ascontiguousarray(ell)
    a = np.ascontiguousarray(a)
    ah = np.ascontiguousarray(a.conj().T)
    out = np.empty(z.shape[0], dtype=ell.real.dtype)
    if z.shape[0] == 0:
        return out
    with _one_blas_thread():
        if g is None:
            _lam_min_identity(z, ell, a, ah, out)
        else:
            _lam_min_general(z, ell, a, ah, np.ascontiguousarray(g), out)
    return out


def _one_blas_thread() -> Any:
    """BLAS/LAPACK limited to one thread for the duration of the kernel (``threadpoolctl``):
    the threads run across grid points, and a threaded LAPACK inside each of them
    oversubscribes the cores (measured: 1.2-1.6x *slower* than the reference route with the
    default BLAS threads, 0.5-0.7x with one BLAS thread; ``validation/koopman/README.md``).
    The previous limits are restored on exit. Without threadpoolctl (the kernel called
    directly; the registered backend requires it) nothing is changed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
