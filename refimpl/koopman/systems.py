r"""Test systems with known Koopman spectra (spec ``scientific.md`` §3.2).

Elementwise Array API functions: the Gauss iterated map and the Duffing vector field. Rotations
need no helper (``x + omega``).
"""

from __future__ import annotations

import math
from typing import Any

from refimpl import _xp

__all__ = ["duffing_vector_field", "gauss_map"]

Array = Any

#: the Gauss-map parameters of the ResDMD paper: alpha = 2, beta = -1 - e^{-2}
GAUSS_ALPHA = 2.0
GAUSS_BETA = -1.0 - math.exp(-2.0)


def gauss_map(x: Array, /, *, alpha: float = GAUSS_ALPHA, beta: float = GAUSS_BETA) -> Array:
    r"""The Gauss iterated map ``F(x) = exp(-alpha x^2) + beta``.

    Parameters
    ----------
    x : array, any shape
        Points (the example's domain is ``[-1, 0]``).
    alpha, beta : float
        Parameters (default ``alpha = 2``, ``beta = -1 - e^{-2}``).

    Returns
    -------
    array, shape of ``x``
        ``F(x)``; the dtype, namespace and device of ``x``.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; non-real parameters.
    ValueError
        Empty or non-finite ``x``; non-finite parameters.

    Notes
    -----
    With the defaults ``F`` maps ``[-1, 0]`` into itself, ``F(-1) = -1`` is an attracting fixed
    point with ``a = F'(-1) = 4 e^{-2} = 0.541341``; ``1, a, a^2, a^3, ...`` are Koopman
    eigenvalues on ``L^2([-1, 0])`` with smooth eigenfunctions. ``F'(0) = 0``, so the Koopman
    operator is unbounded on ``L^2`` (no positive lower bound on ``tau`` away from them).

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 5.1 (Gauss iterated map).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import gauss_map
    >>> float(gauss_map(np.array(-1.0)))
    -1.0
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=0)
    a = _real_param(alpha, "alpha")
    b = _real_param(beta, "beta")
    return xp.exp(-a * x * x) + b


def _real_param(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        msg = f"{name} must be a real number; got {type(v).__name__}"
        raise TypeError(msg)
    if not math.isfinite(float(v)):
        msg = f"{name} must be finite; got {v!r}"
        raise ValueError(msg)
    return float(v)


def duffing_vector_field(state: Array, /, *, alpha: float = 0.0) -> Array:
    r"""The Duffing vector field ``(x, y) -> (y, -alpha y + x - x^3)``.

    Parameters
    ----------
    state : array, shape (..., 2)
        States ``(x, y)`` (last axis).
    alpha : float
        Damping (``>= 0``): 0 (Hamiltonian, measure preserving) or 0.3 in the Limits paper.

    Returns
    -------
    array, shape (..., 2)
        The time derivative; the dtype, namespace and device of ``state``.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``state``; non-real ``alpha``.
    ValueError
        Last axis not of size 2; empty or non-finite ``state``; negative ``alpha``.

    Notes
    -----
    Equilibria at ``(0, 0)`` (saddle) and ``(+-1, 0)``; linearising at ``(+-1, 0)`` gives
    ``lambda = -alpha/2 +- i sqrt(2 - alpha^2/4)``, so the time-``Delta t`` Koopman operator
    has eigenvalues ``e^{lambda Delta t}`` (``0.8722 +- 0.3916 i`` for ``alpha = 0.3``,
    ``Delta t = 0.3``). Use with :func:`refimpl.koopman.flow_trajectories` as
    ``rhs = lambda t, s: duffing_vector_field(s, alpha=0.3)``.

    References
    ----------
    .. [1] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Methods (Duffing oscillator,
       official ``duffing_example.m``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import duffing_vector_field
    >>> duffing_vector_field(np.array([2.0, 1.0]), alpha=0.5).tolist()
    [1.0, -6.5]
    """
    xp, (state,) = _xp.as_arrays(state)
    state = _xp.checked_real(state, name="state", xp=xp, min_ndim=1)
    if state.shape[-1] != 2:
        msg = f"state must have a last axis of size 2 (x, y); got shape {tuple(state.shape)}"
        raise ValueError(msg)
    a = _real_param(alpha, "alpha")
    if a < 0:
        msg = f"alpha must be non-negative; got {alpha!r}"
        raise ValueError(msg)
    x = state[..., 0]
    y = state[..., 1]
    return xp.stack([y, -a * y + x - x * x * x], axis=-1)
