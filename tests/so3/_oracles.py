"""Independent oracles shared by the refimpl.so3 tests."""

from __future__ import annotations

import math

import numpy as np
import scipy.special


def real_sh_scipy(lmax: int, v: np.ndarray, *, condon_shortley: bool = False) -> np.ndarray:
    """Real SH of the directions ``v`` (..., 3) from scipy's complex ``sph_harm_y`` (which has
    the Condon-Shortley phase), through spec table 1.1: ``Y_l0 = Re Y_l^0`` and, for m > 0,
    ``Y_lm = sqrt(2) s_m Re Y_l^m``, ``Y_l,-m = sqrt(2) s_m Im Y_l^m`` with ``s_m = (-1)^m`` in
    refimpl's basis (no Condon-Shortley sign) and ``s_m = 1`` in the Condon-Shortley real basis.
    ``v`` need not be normalised; theta uses atan2, accurate near the poles."""
    v = np.asarray(v, dtype=np.float64)
    theta = np.arctan2(np.hypot(v[..., 0], v[..., 1]), v[..., 2])
    phi = np.arctan2(v[..., 1], v[..., 0])
    out = np.zeros((*v.shape[:-1], (lmax + 1) ** 2))
    for l in range(lmax + 1):  # noqa: E741
        out[..., l * l + l] = scipy.special.sph_harm_y(l, 0, theta, phi).real
        for m in range(1, l + 1):
            c = scipy.special.sph_harm_y(l, m, theta, phi)
            s = 1.0 if condon_shortley else (-1.0) ** m
            out[..., l * l + l + m] = math.sqrt(2) * s * c.real
            out[..., l * l + l - m] = math.sqrt(2) * s * c.imag
    return out
