"""Layout of real-SH coefficient arrays shared by the refimpl.so3 modules.

Coefficients of degrees 0..lmax live on the last axis at flat index ``l*l + l + m``
(ARCHITECTURE.md), so that axis has size ``(lmax + 1)**2``.
"""

from __future__ import annotations

import math

__all__ = ["lmax_from_size"]


def lmax_from_size(n: int, name: str) -> int:
    """lmax from a last-axis size ``(lmax + 1)**2``, else ``ValueError`` naming ``name``."""
    root = math.isqrt(n)
    if n < 1 or root * root != n:
        msg = f"{name} must have a last axis of size (lmax + 1)**2 (a perfect square); got {n}"
        raise ValueError(msg)
    return root - 1
