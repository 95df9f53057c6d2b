r"""Snapshot data for EDMD/ResDMD: quadrature rules, trajectories of maps and flows, and
the dictionary matrices of snapshot pairs.

ResDMD's residuals are quadrature approximations of ``L^2(omega)`` norms, so every snapshot
``x_m`` carries a weight ``w_m``: Gauss-Legendre or trapezoid weights when the snapshots are
quadrature nodes, ``1/M`` for Monte Carlo sampling or for points along an ergodic trajectory.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.koopman.dictionaries import _interval

__all__ = [
    "flow_trajectories",
    "gauss_legendre",
    "iterate_map",
    "snapshot_matrices",
    "snapshot_pairs",
    "trapezoid",
    "uniform_weights",
]

Array = Any


def _creation(xp: Any, dtype: Any, device: Any) -> tuple[Any, Any]:
    xp = _xp.creation_namespace(xp)
    if dtype is None:
        dtype = _xp.default_float(xp, device)
    return xp, dtype


def gauss_legendre(
    n: int,
    /,
    *,
    interval: Any = (-1.0, 1.0),
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> tuple[Array, Array]:
    r"""Gauss-Legendre nodes and weights on ``[a, b]``.

    Parameters
    ----------
    n : int
        Number of nodes (``>= 1``); exact for polynomials of degree ``<= 2n - 1``.
    interval : (float, float)
        ``(a, b)``, ``a < b``.
    xp, dtype, device
        Output namespace (default NumPy), real floating dtype (default: the namespace's
        default float) and device.

    Returns
    -------
    nodes, weights : array, shape (n,)
        Increasing nodes and positive weights summing to ``b - a``.

    Raises
    ------
    TypeError
        Non-int ``n``; a malformed ``interval``; not a namespace.
    ValueError
        ``n < 1``; ``a >= b``.

    Notes
    -----
    Computed on the host in float64 (``numpy.polynomial.legendre.leggauss``) and moved.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 5.1 (Gauss iterated map: Gauss-Legendre
       snapshots and weights).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import gauss_legendre
    >>> x, w = gauss_legendre(3, interval=(0.0, 1.0))
    >>> round(float(np.sum(w * x**5)), 14)
    0.16666666666667
    """
    n = _xp.positive_int(n, name="n")
    a, b = _interval(interval)
    xp, dtype = _creation(xp, dtype, device)
    t, wt = np.polynomial.legendre.leggauss(n)
    nodes = 0.5 * (b - a) * t + 0.5 * (a + b)
    weights = 0.5 * (b - a) * wt
    return (
        _xp.from_host(nodes, xp=xp, dtype=dtype, device=device),
        _xp.from_host(weights, xp=xp, dtype=dtype, device=device),
    )


def trapezoid(
    n: int,
    /,
    *,
    interval: Any = (0.0, 2 * math.pi),
    periodic: bool = True,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> tuple[Array, Array]:
    r"""Trapezoid-rule nodes and weights on ``[a, b]``.

    Parameters
    ----------
    n : int
        Number of nodes (``>= 1``; ``>= 2`` when not periodic).
    interval : (float, float)
        ``(a, b)``, ``a < b`` (default ``[0, 2 pi)``).
    periodic : bool
        ``True``: nodes ``a + (b - a) k / n``, ``k = 0..n-1``, equal weights ``(b - a)/n``
        (exact for trigonometric polynomials of degree ``< n``). ``False``: ``n`` equispaced
        nodes including both ends, weights ``h`` and ``h/2`` at the ends.
    xp, dtype, device
        Output namespace, real dtype and device (defaults as :func:`gauss_legendre`).

    Returns
    -------
    nodes, weights : array, shape (n,)

    Raises
    ------
    TypeError
        Non-int ``n``; malformed ``interval``; non-bool ``periodic``.
    ValueError
        ``n < 1`` (``n < 2`` when not periodic); ``a >= b``.

    Notes
    -----
    The periodic rule is the natural quadrature for Fourier dictionaries on the circle.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 4 (quadrature-based ResDMD).

    Examples
    --------
    >>> from refimpl.koopman import trapezoid
    >>> x, w = trapezoid(4, interval=(0.0, 1.0), periodic=False)
    >>> w.round(6).tolist()
    [0.166667, 0.333333, 0.333333, 0.166667]
    """
    n = _xp.positive_int(n, name="n")
    a, b = _interval(interval)
    if not isinstance(periodic, bool):
        msg = f"periodic must be a bool; got {type(periodic).__name__}"
        raise TypeError(msg)
    xp, dtype = _creation(xp, dtype, device)
    if periodic:
        nodes = a + (b - a) * np.arange(n) / n
        weights = np.full(n, (b - a) / n)
    else:
        if n < 2:
            msg = f"n must be at least 2 for the non-periodic trapezoid rule; got {n}"
            raise ValueError(msg)
        nodes = np.linspace(a, b, n)
        h = (b - a) / (n - 1)
        weights = np.full(n, h)
        weights[[0, -1]] = h / 2
    return (
        _xp.from_host(nodes, xp=xp, dtype=dtype, device=device),
        _xp.from_host(weights, xp=xp, dtype=dtype, device=device),
    )


def uniform_weights(
    m: int, /, *, total: float = 1.0, xp: Any = None, dtype: Any = None, device: Any = None
) -> Array:
    r"""Monte Carlo / ergodic weights ``total / M`` for ``M`` snapshots.

    Parameters
    ----------
    m : int
        Number of snapshots (``>= 1``).
    total : float
        Total mass (``> 0``): 1 for a probability measure, the domain's volume for uniform
        Monte Carlo sampling of Lebesgue measure.
    xp, dtype, device
        Output namespace, real dtype and device (defaults as :func:`gauss_legendre`).

    Returns
    -------
    array, shape (m,)

    Raises
    ------
    TypeError
        Non-int ``m``, non-real ``total``.
    ValueError
        ``m < 1``; ``total <= 0``.

    Notes
    -----
    ``tau_N`` is invariant under ``w -> c w``, so ``total`` only matters for the Galerkin
    matrices themselves.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 4 (``w_m = 1/M`` for random or ergodic
       sampling); Colbrook, Mezic, Stepanenko, arXiv:2407.06312 (``W = 1/M``).

    Examples
    --------
    >>> from refimpl.koopman import uniform_weights
    >>> uniform_weights(4).tolist()
    [0.25, 0.25, 0.25, 0.25]
    """
    m = _xp.positive_int(m, name="m")
    t = _xp.positive_float(total, name="total")
    xp, dtype = _creation(xp, dtype, device)
    return _xp.from_host(np.full(m, t / m), xp=xp, dtype=dtype, device=device)


def iterate_map(f: Callable[[Array], Array], x0: Array, /, *, n_steps: int) -> Array:
    r"""Trajectories ``x_0, F(x_0), ..., F^n(x_0)`` of a map applied to a batch of points.

    Parameters
    ----------
    f : callable
        The map ``F``, applied to arrays of the shape of ``x0`` in ``x0``'s namespace (for
        example ``lambda x: x + omega``); it must return an array of that shape.
    x0 : array, shape (P,) or (P, d)
        Initial points.
    n_steps : int
        Number of steps (``>= 1``).

    Returns
    -------
    array, shape ``(n_steps + 1, *x0.shape)``
        The trajectories, in ``x0``'s namespace, dtype and device.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x0``; non-callable ``f``.
    ValueError
        ``x0`` empty or non-finite; ``n_steps < 1``; ``f`` returning another shape or
        non-finite values.

    Notes
    -----
    Use :func:`snapshot_pairs` to turn the trajectories into ``(X, Y)`` snapshot pairs.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 4 (trajectory data).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import iterate_map
    >>> iterate_map(lambda x: 0.5 * x, np.array([1.0]), n_steps=2)[:, 0].tolist()
    [1.0, 0.5, 0.25]
    """
    if not callable(f):
        msg = f"f must be callable; got {type(f).__name__}"
        raise TypeError(msg)
    xp, (x0,) = _xp.as_arrays(x0)
    x0 = _xp.checked_real(x0, name="x0", xp=xp, min_ndim=1)
    n = _xp.positive_int(n_steps, name="n_steps")
    states = [x0]
    for _ in range(n):
        nxt = f(states[-1])
        if tuple(nxt.shape) != tuple(x0.shape):
            msg = f"f must return the shape of x0 {tuple(x0.shape)}; got {tuple(nxt.shape)}"
            raise ValueError(msg)
        _xp.check_finite(nxt, name="f(x)", xp=xp)
        states.append(xp.astype(nxt, x0.dtype))
    return xp.stack(states, axis=0)


def flow_trajectories(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    x0: Array,
    /,
    *,
    dt: float,
    n_steps: int,
    rtol: float = 1e-10,
    atol: float = 1e-10,
    method: str = "DOP853",
) -> Array:
    r"""Sample trajectories of an ODE flow ``x' = f(t, x)`` every ``dt`` (SciPy, on the host).

    Parameters
    ----------
    rhs : callable
        ``rhs(t, x)`` on host NumPy arrays of shape (P, d) (all trajectories at once),
        returning the derivative of the same shape.
    x0 : array, shape (P, d)
        Initial states.
    dt : float
        Sampling interval (``> 0``).
    n_steps : int
        Number of samples after the initial one (``>= 1``).
    rtol, atol : float
        Tolerances of ``scipy.integrate.solve_ivp``.
    method : str
        ``solve_ivp`` method (``"DOP853"``, ``"RK45"``, ``"Radau"``, ...).

    Returns
    -------
    array, shape (n_steps + 1, P, d)
        States at ``t = 0, dt, ..., n_steps dt`` in ``x0``'s namespace, dtype and device.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x0``; non-callable ``rhs``.
    ValueError
        ``x0`` not 2-D, empty or non-finite; bad ``dt``, ``n_steps`` or tolerances; an
        integration failure (SciPy's message).

    Notes
    -----
    All ``P`` trajectories are integrated as one system of size ``P d`` with dense output
    evaluated at the sample times. This is a host-side helper (SciPy has no Array API
    route); states are moved to the namespace of ``x0`` at the end. The Limits paper uses
    MATLAB ``ode45`` with ``RelTol = AbsTol = 1e-12``.

    References
    ----------
    .. [1] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Methods (Duffing data: ``Delta t =
       0.3``, five steps from each of ``10^4`` uniform initial points).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import flow_trajectories
    >>> traj = flow_trajectories(lambda t, x: -x, np.array([[1.0]]), dt=1.0, n_steps=1)
    >>> bool(abs(traj[1, 0, 0] - np.exp(-1.0)) < 1e-9)
    True
    """
    from scipy.integrate import solve_ivp

    if not callable(rhs):
        msg = f"rhs must be callable; got {type(rhs).__name__}"
        raise TypeError(msg)
    xp, (x0,) = _xp.as_arrays(x0)
    x0 = _xp.checked_real(x0, name="x0", xp=xp, min_ndim=2)
    if x0.ndim != 2:
        msg = f"x0 must be 2-D (P trajectories, d states); got shape {tuple(x0.shape)}"
        raise ValueError(msg)
    h = _xp.positive_float(dt, name="dt")
    n = _xp.positive_int(n_steps, name="n_steps")
    rt = _xp.positive_float(rtol, name="rtol")
    at = _xp.positive_float(atol, name="atol")
    host = _xp.to_host(x0).astype(np.float64)
    shape = host.shape

    def fun(t: float, y: np.ndarray) -> np.ndarray:
        return np.asarray(rhs(t, y.reshape(shape)), dtype=np.float64).reshape(-1)

    times = h * np.arange(n + 1)
    sol = solve_ivp(
        fun, (0.0, times[-1]), host.reshape(-1), method=method, t_eval=times, rtol=rt, atol=at
    )
    if not sol.success:
        msg = f"the integration must succeed; got solve_ivp status {sol.status}: {sol.message}"
        raise ValueError(msg)
    states = sol.y.T.reshape((n + 1, *shape))
    return _xp.from_host(states, xp=xp, dtype=x0.dtype, device=_xp.device(x0))


def snapshot_pairs(trajectories: Array, /) -> tuple[Array, Array]:
    r"""Snapshot pairs ``(X, Y)`` from trajectories: ``X`` = states 0..T-1, ``Y`` = 1..T.

    Parameters
    ----------
    trajectories : array, shape (T + 1, P) or (T + 1, P, d)
        Trajectories (time first), e.g. from :func:`iterate_map` or
        :func:`flow_trajectories`.

    Returns
    -------
    X, Y : array, shape (T P,) or (T P, d)
        Pairs ``(x, F(x))`` ordered by trajectory, then time (the official code's order);
        same namespace, dtype and device.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric input.
    ValueError
        Fewer than two time samples; empty or non-finite input.

    Notes
    -----
    With ``P`` trajectories of ``T`` steps from initial points drawn from ``omega`` the weights
    are ``1/(T P)`` (:func:`uniform_weights`).

    References
    ----------
    .. [1] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, official ``duffing_example.m``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import snapshot_pairs
    >>> X, Y = snapshot_pairs(np.array([[0.0, 10.0], [1.0, 11.0], [2.0, 12.0]]))
    >>> X.tolist(), Y.tolist()
    ([0.0, 1.0, 10.0, 11.0], [1.0, 2.0, 11.0, 12.0])
    """
    xp, (tr,) = _xp.as_arrays(trajectories)
    tr = _xp.checked_real(tr, name="trajectories", xp=xp, min_ndim=2)
    if tr.ndim > 3 or tr.shape[0] < 2:
        msg = (
            "trajectories must have shape (T + 1, P) or (T + 1, P, d) with T >= 1; "
            f"got shape {tuple(tr.shape)}"
        )
        raise ValueError(msg)
    t = tr.shape[0] - 1
    x = xp.moveaxis(tr[:-1, ...], 0, 1)
    y = xp.moveaxis(tr[1:, ...], 0, 1)
    tail = tuple(tr.shape[2:])
    p = tr.shape[1]
    return xp.reshape(x, (p * t, *tail)), xp.reshape(y, (p * t, *tail))


def snapshot_matrices(
    feature_map: Callable[[Array], Array], x: Array, y: Array, /
) -> tuple[Array, Array]:
    r"""``Psi_X = feature_map(X)`` and ``Psi_Y = feature_map(Y)``, with shape checks.

    Parameters
    ----------
    feature_map : callable
        Any dictionary: maps points of the shape of ``x`` to an (M, N) array, e.g.
        ``functools.partial(legendre_dictionary, n=20, interval=(-1, 0))`` or a user function.
    x, y : array, shape (M,) or (M, d)
        Snapshots and their images.

    Returns
    -------
    psi_x, psi_y : array, shape (M, N)
        The feature map's output (its dtype, namespace and device).

    Raises
    ------
    TypeError
        Non-callable ``feature_map``; bad arrays; mixed namespaces.
    ValueError
        ``x`` and ``y`` of different shapes; a feature map that returns a non-2-D array, one
        with another number of rows, different numbers of columns for ``x`` and ``y``, or
        non-finite values.

    Notes
    -----
    The feature map must be deterministic: the same ``psi_j`` for ``x`` and ``y``.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Eq. (2.4) (``Psi_X``, ``Psi_Y``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import snapshot_matrices
    >>> px, py = snapshot_matrices(lambda t: np.stack([t, t**2], 1), np.ones(3), np.ones(3))
    >>> px.shape, py.shape
    ((3, 2), (3, 2))
    """
    if not callable(feature_map):
        msg = f"feature_map must be callable; got {type(feature_map).__name__}"
        raise TypeError(msg)
    xp, (x, y) = _xp.as_arrays(x, y)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=1)
    y = _xp.checked_real(y, name="y", xp=xp, min_ndim=1)
    if tuple(x.shape) != tuple(y.shape):
        msg = f"y must have the shape of x {tuple(x.shape)}; got shape {tuple(y.shape)}"
        raise ValueError(msg)
    out = []
    for name, pts in (("psi_x", x), ("psi_y", y)):
        psi = feature_map(pts)
        psi = _xp.checked_numeric(psi, name=f"feature_map output {name}", xp=xp)
        if psi.ndim != 2 or psi.shape[0] != x.shape[0]:
            msg = (
                f"feature_map must return an array of shape (M, N) with M = {x.shape[0]}; "
                f"got shape {tuple(psi.shape)}"
            )
            raise ValueError(msg)
        out.append(psi)
    if out[0].shape != out[1].shape:
        msg = f"feature_map must return as many columns for y as for x; got {out[0].shape[1]}"
        msg += f" and {out[1].shape[1]}"
        raise ValueError(msg)
    return out[0], out[1]
