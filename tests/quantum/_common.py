"""Shared host-side helpers for the refimpl.quantum tests (NumPy, float64/complex128)."""

from __future__ import annotations

import numpy as np

SX = np.array([[0, 1], [1, 0]], dtype=np.complex128)
SY = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
SZ = np.array([[1, 0], [0, -1]], dtype=np.complex128)
SM = np.array([[0, 0], [1, 0]], dtype=np.complex128)  # |1><0| = qutip.sigmam()
FRAMES = ("tetra", "tetra_pos", "pauli4")


def ginibre_density(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random full-rank density matrix on n qubits (Ginibre ensemble)."""
    d = 2**n
    g = rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))
    rho = g @ g.conj().T
    return rho / np.trace(rho).real


def random_hermitian(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.standard_normal((d, d)) + 1j * rng.standard_normal((d, d))
    return 0.5 * (a + a.conj().T)


def cdtype(xp, dtype):
    return xp.complex64 if dtype == xp.float32 else xp.complex128
