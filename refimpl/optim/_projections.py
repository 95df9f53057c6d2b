"""Projections shared by the :mod:`refimpl.optim` areas (one implementation, re-exported by
:mod:`refimpl.optim.halpern` and :mod:`refimpl.optim.online`)."""

from __future__ import annotations

from typing import Any

from refimpl import _xp

__all__ = ["project_simplex"]

Array = Any


def project_simplex(v: Array, /, *, radius: float = 1.0) -> Array:
    r"""Euclidean projection onto the simplex ``{x >= 0, sum x = radius}`` along the last axis.

    Parameters
    ----------
    v : array, shape (..., d)
        Points to project (real; integers are promoted).
    radius : float, default 1.0
        The simplex' total mass (> 0).

    Returns
    -------
    array, shape (..., d)
        ``max(v - tau, 0)``, in the namespace, dtype and device of ``v``.

    Raises
    ------
    TypeError
        If ``v`` is not a real array (bool, complex, object).
    ValueError
        If ``v`` is 0-D, empty or not finite, or ``radius <= 0``.

    Notes
    -----
    Sort-based, O(d log d) (Held, Wolfe, Crowder 1974; Duchi et al. 2008; Wang and
    Carreira-Perpinan, arXiv:1309.1541, Algorithm 1) with the threshold written as
    ``tau = max_j (sum_{i<=j} u_(i) - radius) / j`` over the decreasingly sorted ``u``: the
    sequence is unimodal and peaks at the algorithm's ``rho``, so no data-dependent indexing
    (gather) is needed. Points already in the simplex are returned unchanged up to rounding.

    References
    ----------
    .. [1] Cai, Alacaoglu, Diakonikolas, arXiv:2310.02987, Section 5 (the matrix game
       constrains both players to simplices).
    .. [2] Chen, Zhang, Tu, Zhao, Zhang, arXiv:2302.04552, Sec. 3 (projection onto a convex
       domain; the simplex is the entropic learner's domain).
    .. [3] J. Duchi, S. Shalev-Shwartz, Y. Singer, T. Chandra, "Efficient projections onto
       the l1-ball for learning in high dimensions", ICML 2008, Fig. 1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import project_simplex
    >>> project_simplex(np.array([0.5, 2.0, -1.0])).tolist()
    [0.0, 1.0, 0.0]
    >>> project_simplex(np.array([0.5, 1.5, -1.0]), radius=2.0).tolist()
    [0.5, 1.5, 0.0]
    """
    xp, (v,) = _xp.as_arrays(v)
    v = _xp.checked_real(v, name="v", xp=xp)
    r = _xp.positive_float(radius, name="radius")
    return _project_simplex(v, r, xp)


def _project_simplex(v: Array, radius: float, xp: Any) -> Array:
    """:func:`project_simplex` without the argument checks (validated callers)."""
    s = xp.flip(xp.sort(v, axis=-1), axis=-1)
    css = xp.cumulative_sum(s, axis=-1) - radius
    ks = xp.arange(1, v.shape[-1] + 1, dtype=v.dtype, device=_xp.device(v))
    tau = xp.max(css / ks, axis=-1, keepdims=True)
    return xp.clip(v - tau, min=0.0)
