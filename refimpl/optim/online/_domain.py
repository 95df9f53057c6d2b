"""Convex domains of online convex optimisation and the projections onto them.

A :class:`Domain` is a frozen, validated description (ball, box or simplex) of the feasible set
X; the projections act along the last axis of their input and broadcast over leading axes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl._xp import Array
from refimpl.optim._projections import project_simplex

__all__ = [
    "Domain",
    "project_ball",
    "project_ball_mahalanobis",
    "project_box",
    "project_simplex",
]

_KINDS = ("ball", "box", "simplex")
#: names of common non-convex sets, rejected with a pointer to the convex hull that is supported
_NON_CONVEX = {"sphere": "ball", "annulus": "ball", "shell": "ball", "simplex_vertices": "simplex"}


def _host_vector(value: Any, name: str) -> float | np.ndarray:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        v = float(value)
        if not math.isfinite(v):
            msg = f"{name} must be finite; got {value!r}"
            raise ValueError(msg)
        return v
    if isinstance(value, Sequence | np.ndarray):
        a = np.asarray(value, dtype=np.float64)
        if a.ndim != 1 or a.size == 0:
            msg = f"{name} must be a number or a non-empty 1-D sequence; got shape {a.shape}"
            raise ValueError(msg)
        if not np.all(np.isfinite(a)):
            msg = f"{name} must be finite; got {value!r}"
            raise ValueError(msg)
        a.flags.writeable = False
        return a
    msg = f"{name} must be a real number or a 1-D sequence of numbers; got {type(value).__name__}"
    raise TypeError(msg)


@dataclass(frozen=True, slots=True, kw_only=True)
class Domain:
    r"""A convex feasible set X: a Euclidean ball, a box or a scaled probability simplex.

    Build one with :meth:`ball`, :meth:`box` or :meth:`simplex`. The description is host-side
    (Python floats / read-only NumPy vectors); :meth:`project` and :meth:`contains` act on
    arrays of any Array API namespace along their last axis.

    Parameters
    ----------
    kind : {"ball", "box", "simplex"}
        The set. Non-convex kinds (``"sphere"``, ``"annulus"``, ...) are rejected.
    radius : float, default 1.0
        Ball radius (``kind="ball"``) or simplex total ``sum(x) = radius`` (``kind="simplex"``).
    center : float or sequence of float or None
        Ball centre (``None``: the origin; a float broadcasts over coordinates).
    lower, upper : float or sequence of float or None
        Box bounds, ``lower <= upper`` elementwise (``kind="box"`` only).

    Raises
    ------
    ValueError
        Unknown or non-convex ``kind``; ``radius <= 0`` or non-finite; an empty box
        (``lower > upper`` somewhere); missing box bounds; bounds of different lengths.
    TypeError
        Non-numeric bounds.

    Notes
    -----
    Diameters (:meth:`diameter`): ball 2r; box ``||upper - lower||_2``; simplex
    ``sqrt(2) * radius`` (two vertices). These are the D of the regret bounds.

    References
    ----------
    .. [1] S. Chen, Y.-J. Zhang, W.-W. Tu, P. Zhao, L. Zhang, "Optimistic Online Mirror Descent
       for Bridging Stochastic and Adversarial Online Convex Optimization", ICML 2023 / JMLR
       25(178) 2024, arXiv:2302.04552, Sec. 3 (assumption: ||x - y|| <= D on X).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import Domain
    >>> ball = Domain.ball(2.0)
    >>> np.round(np.asarray(ball.project(np.array([3.0, 4.0]))), 12).tolist()
    [1.2, 1.6]
    >>> ball.diameter(2)
    4.0
    """

    kind: str
    radius: float = 1.0
    center: float | np.ndarray | None = None
    lower: float | np.ndarray | None = None
    upper: float | np.ndarray | None = None

    def __post_init__(self) -> None:
        kind = self.kind
        if isinstance(kind, str) and kind in _NON_CONVEX:
            msg = (
                f"domain kind must be a convex set, one of {list(_KINDS)}; got {kind!r}, which is "
                f"not convex (use its convex hull, kind={_NON_CONVEX[kind]!r})"
            )
            raise ValueError(msg)
        _xp.check_choice(kind, _KINDS, name="domain kind")
        object.__setattr__(self, "radius", _xp.positive_float(self.radius, name="radius"))
        if self.center is not None:
            if kind != "ball":
                msg = f"center is only meaningful for a ball; got kind={kind!r}"
                raise ValueError(msg)
            object.__setattr__(self, "center", _host_vector(self.center, "center"))
        if kind == "box":
            if self.lower is None or self.upper is None:
                msg = "a box domain must have both lower and upper bounds; got None"
                raise ValueError(msg)
            lo = _host_vector(self.lower, "lower")
            hi = _host_vector(self.upper, "upper")
            if isinstance(lo, np.ndarray) and isinstance(hi, np.ndarray) and lo.shape != hi.shape:
                msg = f"lower and upper must have one length; got {lo.shape} and {hi.shape}"
                raise ValueError(msg)
            if np.any(np.asarray(lo) > np.asarray(hi)):
                msg = f"box bounds must satisfy lower <= upper (a non-empty box); got {lo} > {hi}"
                raise ValueError(msg)
            object.__setattr__(self, "lower", lo)
            object.__setattr__(self, "upper", hi)
        elif self.lower is not None or self.upper is not None:
            msg = f"lower/upper are only meaningful for a box; got kind={kind!r}"
            raise ValueError(msg)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def ball(cls, radius: float = 1.0, center: Any = None) -> Domain:
        """The Euclidean ball ``{x : ||x - center|| <= radius}``."""
        return cls(kind="ball", radius=radius, center=center)

    @classmethod
    def box(cls, lower: Any, upper: Any) -> Domain:
        """The box ``{x : lower <= x <= upper}`` (floats broadcast over coordinates)."""
        return cls(kind="box", lower=lower, upper=upper)

    @classmethod
    def simplex(cls, radius: float = 1.0) -> Domain:
        """The scaled probability simplex ``{x >= 0 : sum(x) = radius}``."""
        return cls(kind="simplex", radius=radius)

    # ----------------------------------------------------------------------- queries
    def diameter(self, d: int) -> float:
        """Euclidean diameter D of the set in dimension ``d``."""
        d = _xp.positive_int(d, name="d")
        if self.kind == "ball":
            return 2.0 * self.radius
        if self.kind == "simplex":
            return math.sqrt(2.0) * self.radius if d > 1 else 0.0
        width = np.broadcast_to(np.asarray(self.upper) - np.asarray(self.lower), (d,))
        return float(np.linalg.norm(width))

    def project(self, y: Array, /) -> Array:
        """Euclidean projection of ``y`` (shape ``(..., d)``) onto the set."""
        if self.kind == "ball":
            return project_ball(y, radius=self.radius, center=self.center)
        if self.kind == "box":
            return project_box(y, lower=self.lower, upper=self.upper)
        return project_simplex(y, radius=self.radius)

    def contains(self, x: Array, /, *, atol: float = 0.0) -> Array:
        """Boolean array of shape ``x.shape[:-1]``: ``x`` lies in the set up to ``atol``."""
        xp, (x,) = _xp.as_arrays(x)
        if self.kind == "ball":
            c = _vector(self.center, x, xp)
            return xp.linalg.vector_norm(x - c, axis=-1) <= self.radius + atol
        if self.kind == "box":
            lo, hi = _vector(self.lower, x, xp), _vector(self.upper, x, xp)
            return xp.all((x >= lo - atol) & (x <= hi + atol), axis=-1)
        total = xp.sum(x, axis=-1)
        return xp.all(x >= -atol, axis=-1) & (xp.abs(total - self.radius) <= atol)


def _vector(value: float | np.ndarray | None, x: Array, xp: Any) -> Array:
    """A host constant (None = 0) as an array of x's dtype/device, checked against d."""
    if value is None:
        value = 0.0
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 1 and a.shape[0] != x.shape[-1]:
        msg = f"domain bounds have length {a.shape[0]}; got points of dimension {x.shape[-1]}"
        raise ValueError(msg)
    return _xp.from_host(a, xp=xp, dtype=x.dtype, device=_xp.device(x))


def _checked(y: Any, name: str) -> tuple[Any, Array]:
    xp, (y,) = _xp.as_arrays(y)
    y = _xp.checked_real(y, name=name, xp=xp, min_ndim=1)
    return xp, y


def project_ball(y: Array, /, *, radius: float = 1.0, center: Any = None) -> Array:
    r"""Euclidean projection onto the ball ``{x : ||x - center||_2 <= radius}``.

    Parameters
    ----------
    y : array, shape (..., d)
        Points; the projection acts along the last axis.
    radius : float, default 1.0
        Positive radius.
    center : float or sequence of float, optional
        Centre (default the origin).

    Returns
    -------
    array, shape (..., d)
        ``center + (y - center) * min(1, radius / ||y - center||)``, in the namespace, dtype
        and device of ``y``.

    Raises
    ------
    TypeError
        ``y`` bool, complex or non-numeric.
    ValueError
        ``y`` 0-D, empty or non-finite; ``radius <= 0``.

    Notes
    -----
    Exact up to one rounding of the scale factor; points inside are returned unchanged.

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 3: the Euclidean instance of optimistic OMD,
       ``x_t = Pi_X(x_hat_t - eta_t M_t)``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import project_ball
    >>> np.round(np.asarray(project_ball(np.array([[0.3, 0.4], [6.0, 8.0]]))), 12).tolist()
    [[0.3, 0.4], [0.6, 0.8]]
    """
    xp, y = _checked(y, "y")
    r = _xp.positive_float(radius, name="radius")
    c = _vector(None if center is None else _host_vector(center, "center"), y, xp)
    diff = y - c
    norm = xp.linalg.vector_norm(diff, axis=-1, keepdims=True)
    scale = r / xp.maximum(norm, xp.asarray(r, dtype=y.dtype, device=_xp.device(y)))
    return c + diff * scale


def project_box(y: Array, /, *, lower: Any, upper: Any) -> Array:
    r"""Euclidean projection onto the box ``{x : lower <= x <= upper}`` (coordinate clipping).

    Parameters
    ----------
    y : array, shape (..., d)
        Points.
    lower, upper : float or sequence of float (length d)
        Bounds with ``lower <= upper``.

    Returns
    -------
    array, shape (..., d)
        ``min(max(y, lower), upper)``, in the namespace, dtype and device of ``y``.

    Raises
    ------
    TypeError
        ``y`` bool, complex or non-numeric.
    ValueError
        ``y`` 0-D, empty or non-finite; an empty box; bounds of the wrong length.

    Notes
    -----
    Exact (no arithmetic).

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 3 (projection onto a convex X).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import project_box
    >>> np.asarray(project_box(np.array([-2.0, 0.5, 3.0]), lower=-1.0, upper=1.0)).tolist()
    [-1.0, 0.5, 1.0]
    """
    xp, y = _checked(y, "y")
    dom = Domain.box(lower, upper)
    lo, hi = _vector(dom.lower, y, xp), _vector(dom.upper, y, xp)
    return xp.minimum(xp.maximum(y, lo), hi)


def project_ball_mahalanobis(
    y: Array, a: Array, /, *, radius: float = 1.0, n_bisect: int | None = None
) -> Array:
    r"""Projection onto the ball ``{||x||_2 <= radius}`` in the norm ``||v||_A = sqrt(v^T A v)``.

    Solves ``argmin_{||x|| <= radius} (x - y)^T A (x - y)`` for a symmetric positive definite
    ``A``: ``x = y`` when ``||y|| <= radius``, else ``x = (A + mu I)^{-1} A y`` with ``mu > 0``
    such that ``||x|| = radius``.

    Parameters
    ----------
    y : array, shape (..., d)
        Points.
    a : array, shape (..., d, d)
        Symmetric positive definite matrices (broadcast against ``y``'s leading axes).
    radius : float, default 1.0
        Ball radius.
    n_bisect : int, optional
        Bisection steps on ``mu`` (default: enough to reach the dtype's resolution, 64 for
        float64 and 40 for float32).

    Returns
    -------
    array, shape (..., d)
        The A-norm projection, in the namespace, dtype and device of ``y``.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric arrays; mixed namespaces.
    ValueError
        Bad shapes, non-finite values, ``radius <= 0``.

    Notes
    -----
    With ``A = Q diag(lambda) Q^T`` and ``z = Q^T y``, ``||x(mu)||^2 = sum_i (lambda_i z_i /
    (lambda_i + mu))^2`` decreases in ``mu`` from ``||y||^2`` to 0, so ``mu`` is found by
    bisection on ``[0, lambda_max ||y|| / radius]`` (the optimality condition is
    ``A (x - y) + mu x = 0``). This is the projection step of the optimistic online Newton
    step (refimpl spec 2.2, *derived*).

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 4 (exp-concave functions: optimistic OMD with
       ``psi_t(x) = ||x||^2_{A_t} / 2``, projections in the A_t-norm).
    .. [2] E. Hazan, A. Agarwal, S. Kale, "Logarithmic regret algorithms for online convex
       optimization", Mach. Learn. 69 (2007), Algorithm 2 (ONS).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import project_ball_mahalanobis
    >>> x = project_ball_mahalanobis(np.array([2.0, 0.0]), np.diag([1.0, 4.0]))
    >>> np.round(np.asarray(x), 12).tolist()
    [1.0, 0.0]
    """
    xp, (y, a) = _xp.as_arrays(y, a)
    y = _xp.checked_real(y, name="y", xp=xp, min_ndim=1)
    a = _xp.checked_real(a, name="a", xp=xp, min_ndim=2)
    d = y.shape[-1]
    if a.shape[-2:] != (d, d):
        msg = f"a must have shape (..., {d}, {d}) to match y; got shape {tuple(a.shape)}"
        raise ValueError(msg)
    r = _xp.positive_float(radius, name="radius")
    if a.dtype != y.dtype:
        a = xp.astype(a, y.dtype)
    norm_y = xp.linalg.vector_norm(y, axis=-1, keepdims=True)
    if _xp.is_eager(y) and bool(xp.all(norm_y <= r)):
        return y  # every point is feasible: no eigendecomposition needed
    lam, q = xp.linalg.eigh(a)
    z = xp.squeeze(xp.matmul(xp.linalg.matrix_transpose(q), y[..., None]), axis=-1)
    lam = xp.maximum(lam, xp.zeros_like(lam))
    inside = norm_y <= r
    lo = xp.zeros_like(norm_y)
    hi = xp.max(lam, axis=-1, keepdims=True) * norm_y / r + 1.0
    if n_bisect is None:
        n_bisect = 64 if _xp.eps(xp, y.dtype) < 1e-10 else 40
    for _ in range(_xp.positive_int(n_bisect, name="n_bisect")):
        mid = 0.5 * (lo + hi)
        w = lam * z / (lam + mid)
        too_long = xp.linalg.vector_norm(w, axis=-1, keepdims=True) > r
        lo = xp.where(too_long, mid, lo)
        hi = xp.where(too_long, hi, mid)
    w = lam * z / (lam + hi)  # hi: the feasible side of the bracket
    x = xp.squeeze(xp.matmul(q, w[..., None]), axis=-1)
    # round-off guard: the result must lie in the ball
    nx = xp.linalg.vector_norm(x, axis=-1, keepdims=True)
    x = x * xp.minimum(xp.ones_like(hi), r / xp.maximum(nx, xp.full_like(nx, r)))
    return xp.where(inside, y, x)
