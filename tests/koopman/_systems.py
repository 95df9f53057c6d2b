"""Host-side (NumPy float64) builders of the exact test systems of spec scientific.md §3.2."""

from __future__ import annotations

import numpy as np

A_GAUSS = 4.0 * np.exp(-2.0)  # F'(-1) for the Gauss map


def rotation(n: int, m: int, omega: float):
    """Fourier e^{ikx}/sqrt(2 pi), |k| <= n, M equispaced points, w = 2 pi / M."""
    x = 2 * np.pi * np.arange(m) / m
    k = np.arange(-n, n + 1)
    psi = lambda t: np.exp(1j * np.outer(t, k)) / np.sqrt(2 * np.pi)  # noqa: E731
    return psi(x), psi(x + omega), np.full(m, 2 * np.pi / m), np.exp(1j * k * omega)


def gauss(n: int, m: int = 100):
    """Orthonormal Legendre on [-1, 0], M Gauss-Legendre nodes, the Gauss map."""
    t, wt = np.polynomial.legendre.leggauss(m)
    x, w = 0.5 * t - 0.5, 0.5 * wt
    y = np.exp(-2.0 * x**2) - 1.0 - np.exp(-2.0)

    def leg(s):
        return np.stack(
            [
                np.sqrt(2 * j + 1) * np.polynomial.legendre.Legendre.basis(j)(2 * s + 1)
                for j in range(n)
            ],
            axis=1,
        )

    return leg(x), leg(y), w


def doubling(n: int):
    """Doubling map x -> 2x mod 2 pi with Fourier |k| <= n and an exact trapezoid rule."""
    m = 8 * n + 4
    x = 2 * np.pi * np.arange(m) / m
    k = np.arange(-n, n + 1)
    psi = lambda t: np.exp(1j * np.outer(t, k)) / np.sqrt(2 * np.pi)  # noqa: E731
    return psi(x), psi(2 * x), np.full(m, 2 * np.pi / m)
