"""Backbones and inputs shared by the refimpl.frames tests (namespace-generic).

Every backbone has biases and both even and odd parts (spec §2.6, "the vacuous-test trap"):
an odd invariant backbone averages to exactly 0 over a frame containing R and -R, and an even
equivariant one averages vector outputs to 0, so tests with such backbones pass vacuously.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def simple_cloud(rng: np.random.Generator, n: int, d: int, *, gap: float = 0.6) -> np.ndarray:
    """(n, d) float64 cloud whose centred covariance is exactly ``Q diag(s^2) Q^T`` with
    ``s_k = sqrt(n) (1 + gap k)``: a simple spectrum with relative eigengap >= ~0.1 for d <= 4,
    in a random orientation and at a random offset."""
    z = rng.standard_normal((n, d))
    z -= z.mean(axis=0)
    u, _ = np.linalg.qr(z)  # orthonormal columns, orthogonal to 1
    s = np.sqrt(n) * (1.0 + gap * np.arange(d))
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return (u * s) @ q.T + rng.standard_normal(d)


def relgap(x: np.ndarray) -> float:
    xc = x - x.mean(axis=0)
    lam = np.linalg.eigvalsh(xc.T @ xc)
    return float(np.min(np.diff(lam)) / lam[-1])


class Invariant:
    """phi(Y) = mean_i tanh(Y_i W + b) A + c |Y|^2 / n: (..., n, d) -> (..., m)."""

    def __init__(self, xp: Any, dtype: Any, device: Any, d: int, *, seed: int = 0, m: int = 3):
        g = np.random.default_rng(seed)
        self.xp = xp
        self.w = xp.asarray(g.standard_normal((d, 16)), dtype=dtype, device=device)
        self.b = xp.asarray(g.standard_normal(16), dtype=dtype, device=device)
        self.a = xp.asarray(g.standard_normal((16, m)) / 4, dtype=dtype, device=device)

    def __call__(self, y: Any) -> Any:
        xp = self.xp
        h = xp.tanh(xp.matmul(y, self.w) + self.b)
        return (
            xp.mean(xp.matmul(h, self.a), axis=-2) + 0.01 * xp.mean(y * y, axis=(-2, -1))[..., None]
        )


class Equivariant:
    """Phi(Y)_i = Y_i (1 + tanh(Y_i W + b) a) + tanh(Y_i W + b) B (+ velocities): per point,
    (..., n, d) -> (..., n, d); even part tanh(.) B, odd part Y_i (.)."""

    def __init__(self, xp: Any, dtype: Any, device: Any, d: int, *, seed: int = 1):
        g = np.random.default_rng(seed)
        self.xp = xp
        self.w = xp.asarray(g.standard_normal((d, 16)), dtype=dtype, device=device)
        self.b = xp.asarray(g.standard_normal(16), dtype=dtype, device=device)
        self.a = xp.asarray(g.standard_normal((16, 1)) / 4, dtype=dtype, device=device)
        self.bb = xp.asarray(g.standard_normal((16, d)) / 4, dtype=dtype, device=device)

    def __call__(self, y: Any, v: Any = None) -> Any:
        xp = self.xp
        h = xp.tanh(xp.matmul(y, self.w) + self.b)
        out = y * (1.0 + xp.matmul(h, self.a)) + xp.matmul(h, self.bb)
        if v is not None:
            out = out + v * xp.tanh(xp.matmul(y, self.w[:, :1]) + 0.5)
        return out
