"""SEA (stochastically extended adversarial) test environments with exact sigma^2 and Sigma^2.

Every environment is a stream of quadratic-plus-linear losses on a ball centred at the origin,

    f_t(x) = (x - c_t)^T H (x - c_t) / 2 + <b_t + xi_t, x>,

with a fixed symmetric positive semi-definite H, centres c_t and linear drifts b_t chosen by
nature (deterministic or oblivious), and zero-mean noise xi_t. Then grad F_t(x) =
H (x - c_t) + b_t, so sigma_t^2 = E||xi_t||^2 = s_t^2 and
sup_x ||grad F_t(x) - grad F_{t-1}(x)||^2 = ||b_t - b_{t-1} - H (c_t - c_{t-1})||^2 exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl._xp import Array
from refimpl.optim.online._domain import Domain

__all__ = [
    "SEAEnvironment",
    "sea_adversarial_linear",
    "sea_corrupted_iid",
    "sea_drifting",
    "sea_iid",
    "sea_quadratic",
]

_NOISE = ("rademacher", "gaussian")


@dataclass(frozen=True, slots=True, kw_only=True)
class SEAEnvironment:
    r"""A realised SEA loss stream ``f_t(x) = (x - c_t)^T H (x - c_t)/2 + <b_t + xi_t, x>``.

    Attributes
    ----------
    name : str
        The scenario.
    domain : Domain
        The ball X (centred at the origin).
    curvature : array, shape (d, d)
        H (symmetric PSD).
    centres : array, shape (T, d)
        c_t.
    drift : array, shape (T, R, d)
        b_t, the nature's linear terms (R independent runs).
    noise : array, shape (T, R, d)
        The realised noise xi_t.
    sigma2 : array, shape (T,)
        sigma_t^2 = E||xi_t||^2, exact.
    Sigma2 : array, shape (T, R)
        ||grad F_t - grad F_{t-1}||^2 (x-independent, so the sup is exact); 0 at t = 1.
    grad_bound : float
        G with ||grad f_t(x)|| <= G on X (exact bound for Rademacher noise; for Gaussian noise
        a bound on the noiseless part plus 4 s_max).
    smoothness : float
        L = lambda_max(H).
    strong_convexity : float
        lambda_min(H).

    Notes
    -----
    sigma^2_{1:T} = ``sum(sigma2)`` and Sigma^2_{1:T} = ``sum(Sigma2, axis=0)`` (realised per
    run; it equals its expectation when nature is deterministic). Definitions: Sachs et al.,
    NeurIPS 2022, Def. 1-3; arXiv:2302.04552, Sec. 2.

    References
    ----------
    .. [1] S. Sachs, H. Hadiji, T. van Erven, C. Guzman, "Between stochastic and adversarial
       online convex optimization: improved regret bounds via smoothness", NeurIPS 2022,
       arXiv:2202.07554, Sec. 2.
    .. [2] arXiv:2302.04552, Sec. 2 (sigma^2_{1:T}, Sigma^2_{1:T}).

    Examples
    --------
    >>> from refimpl.optim.online import sea_iid
    >>> env = sea_iid(100, 3, noise=0.5, n_runs=2, rng=0)
    >>> float(env.sigma2.sum()), float(env.Sigma2.sum())
    (25.0, 0.0)
    """

    name: str
    domain: Domain
    curvature: Array
    centres: Array
    drift: Array
    noise: Array
    sigma2: Array
    Sigma2: Array
    grad_bound: float
    smoothness: float
    strong_convexity: float

    @property
    def T(self) -> int:
        """Number of rounds."""
        return int(self.centres.shape[0])

    @property
    def d(self) -> int:
        """Dimension."""
        return int(self.centres.shape[1])

    @property
    def n_runs(self) -> int:
        """Independent runs R."""
        return int(self.noise.shape[1])

    def grad(self, t: int, x: Array) -> Array:
        """``grad f_t(x)`` for round index ``t`` (0-based) and ``x`` of shape ``(R, d)``."""
        return (x - self.centres[t, ...]) @ self.curvature + self.drift[t, ...] + self.noise[t, ...]

    def expected_grad(self, t: int, x: Array) -> Array:
        """``grad F_t(x)`` (no noise)."""
        return (x - self.centres[t, ...]) @ self.curvature + self.drift[t, ...]

    def losses(self, x: Array) -> Array:
        """``f_t(x_t)`` for a whole trajectory ``x`` of shape ``(T, R, d)``: shape ``(T, R)``."""
        diff = x - self.centres[:, None, :]
        quad = 0.5 * _sum_last(diff @ self.curvature * diff)
        return quad + _sum_last((self.drift + self.noise) * x)

    def hindsight(self, rounds: Any) -> tuple[Array, Array]:
        """Best fixed decision in hindsight for the prefixes ``1..t``, ``t`` in ``rounds``.

        Returns ``(x_star, value)`` of shapes ``(K, R, d)`` and ``(K, R)``: the minimiser of
        ``sum_{s <= t} f_s`` over the ball and its value. Closed form when the unconstrained
        minimiser is inside; else ``x = (t H + mu I)^{-1} q`` with ``mu > 0`` found by bisection
        on the eigendecomposition of H (``||x(mu)||`` is decreasing).
        """
        xp = _xp.creation_namespace(_namespace_of(self.centres))
        rounds = np.asarray(rounds, dtype=np.int64).reshape(-1)
        if rounds.size == 0 or np.any(rounds < 1) or np.any(rounds > self.T):
            msg = f"rounds must be in [1, {self.T}]; got {rounds.tolist()}"
            raise ValueError(msg)
        dtype, dev = self.centres.dtype, _xp.device(self.centres)
        idx = xp.asarray(rounds - 1, device=dev)
        h = self.curvature
        csum = xp.take(xp.cumulative_sum(self.centres, axis=0), idx, axis=0)  # (K, d)
        bsum = xp.take(xp.cumulative_sum(self.drift + self.noise, axis=0), idx, axis=0)
        cc = xp.cumulative_sum(0.5 * _sum_last(self.centres @ h * self.centres), axis=0)
        const = xp.take(cc, idx, axis=0)  # (K,)
        q = (csum @ h)[:, None, :] - bsum  # (K, R, d): minimise t x^T H x / 2 - <q, x>
        lam, vecs = xp.linalg.eigh(h)
        lam = xp.maximum(lam, xp.zeros_like(lam))
        z = q @ vecs
        tt = _xp.from_host(rounds.astype(np.float64), xp=xp, dtype=dtype, device=dev)
        tl = tt[:, None, None] * lam  # (K, 1, d)
        r = self.domain.radius
        safe = xp.where(tl > 0, tl, xp.ones_like(tl))
        y_free = z / safe
        free = xp.all(tl > 0, axis=-1) & (xp.linalg.vector_norm(y_free, axis=-1) <= r)
        nz = xp.linalg.vector_norm(z, axis=-1, keepdims=True)
        lo, hi = xp.zeros_like(nz), nz / r + 1.0
        n_bisect = 80 if _xp.eps(xp, dtype) < 1e-10 else 40
        for _ in range(n_bisect):
            mid = 0.5 * (lo + hi)
            long = xp.linalg.vector_norm(z / (tl + mid), axis=-1, keepdims=True) > r
            lo, hi = xp.where(long, mid, lo), xp.where(long, hi, mid)
        y_ball = z / (tl + hi)
        y = xp.where(free[..., None], y_free, y_ball)
        value = 0.5 * _sum_last(tl * y * y) - _sum_last(z * y) + const[:, None]
        return y @ xp.linalg.matrix_transpose(vecs), value


def _sum_last(a: Array) -> Array:
    xp = _namespace_of(a)
    return xp.sum(a, axis=-1)


def _namespace_of(a: Array) -> Any:
    xp, _ = _xp.as_arrays(a)
    return xp


# ----------------------------------------------------------------------------- builders
def _curvature(curvature: Any, d: int) -> np.ndarray:
    h = np.asarray(curvature, dtype=np.float64)
    if h.ndim == 0:
        h = float(h) * np.eye(d)
    elif h.ndim == 1:
        if h.shape[0] != d:
            msg = f"curvature must have length d = {d}; got shape {h.shape}"
            raise ValueError(msg)
        h = np.diag(h)
    if h.shape != (d, d) or not np.all(np.isfinite(h)):
        msg = f"curvature must be a finite number, (d,) diagonal or (d, d) matrix; got {h.shape}"
        raise ValueError(msg)
    if not np.allclose(h, h.T, rtol=0, atol=1e-12 * max(1.0, np.abs(h).max())):
        msg = "curvature must be symmetric; got an asymmetric matrix"
        raise ValueError(msg)
    if np.linalg.eigvalsh(h).min() < -1e-12 * max(1.0, np.abs(h).max()):
        msg = "curvature must be positive semi-definite (a convex loss); got a negative eigenvalue"
        raise ValueError(msg)
    return h


def _scales(noise: Any, T: int, name: str = "noise") -> np.ndarray:
    s = np.asarray(noise, dtype=np.float64)
    s = np.broadcast_to(s, (T,)) if s.ndim == 0 else s
    if s.shape != (T,) or not np.all(np.isfinite(s)) or np.any(s < 0):
        msg = f"{name} must be a non-negative number or a (T,) = ({T},) array; got {noise!r}"
        raise ValueError(msg)
    return np.array(s, dtype=np.float64)


def _build(
    name: str,
    *,
    h: np.ndarray,
    centres: np.ndarray,
    drift: np.ndarray,
    scales: np.ndarray,
    noise_dist: str,
    radius: float,
    gen: np.random.Generator,
    xp: Any,
    dtype: Any,
    device: Any,
) -> SEAEnvironment:
    T, R, d = drift.shape
    _xp.check_choice(noise_dist, _NOISE, name="noise_dist")
    if noise_dist == "rademacher":
        eps = gen.integers(0, 2, size=(T, R, d)) * 2.0 - 1.0
        xi = eps * (scales / math.sqrt(d))[:, None, None]  # ||xi_t|| = s_t exactly
    else:
        xi = gen.standard_normal((T, R, d)) * (scales / math.sqrt(d))[:, None, None]
    mean_grad_shift = drift - (centres @ h)[:, None, :]  # grad F_t(x) = H x + this
    var = np.zeros((T, R))
    var[1:] = np.sum(np.diff(mean_grad_shift, axis=0) ** 2, axis=-1)
    lmax = float(np.linalg.eigvalsh(h).max()) if d else 0.0
    lmin = float(np.linalg.eigvalsh(h).min())
    noise_bound = float(scales.max()) * (1.0 if noise_dist == "rademacher" else 4.0)
    g = lmax * radius + float(np.max(np.linalg.norm(mean_grad_shift, axis=-1))) + noise_bound
    xq = _xp.creation_namespace(xp)
    dev = device
    if dtype is None:
        dtype = _xp.default_float(xq, dev)

    def mv(a: np.ndarray) -> Array:
        return _xp.from_host(a, xp=xq, dtype=dtype, device=dev)

    return SEAEnvironment(
        name=name,
        domain=Domain.ball(radius),
        curvature=mv(h),
        centres=mv(centres),
        drift=mv(drift),
        noise=mv(xi),
        sigma2=mv(scales**2),
        Sigma2=mv(var),
        grad_bound=g,
        smoothness=max(lmax, 0.0),
        strong_convexity=max(lmin, 0.0),
    )


def sea_quadratic(
    T: int,
    d: int,
    /,
    *,
    curvature: Any = 1.0,
    centres: Any = None,
    noise: Any = 0.0,
    noise_dist: str = "rademacher",
    radius: float = 1.0,
    n_runs: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> SEAEnvironment:
    r"""General SEA quadratic stream ``f_t(x) = (x - c_t)^T H (x - c_t)/2 + <xi_t, x>``.

    Parameters
    ----------
    T, d : int
        Rounds and dimension (positive).
    curvature : float or array (d,) or (d, d), default 1.0
        H: a multiple of the identity, a diagonal, or a symmetric PSD matrix.
    centres : array (d,) or (T, d), optional
        Fixed or moving centres c_t (default the origin).
    noise : float or array (T,), default 0.0
        Noise scales s_t: sigma_t^2 = s_t^2.
    noise_dist : {"rademacher", "gaussian"}, default "rademacher"
        ``xi_t = (s_t/sqrt(d)) eps_t`` with Rademacher ``eps_t`` (``||xi_t|| = s_t`` exactly,
        bounded gradients) or standard normal ``eps_t`` (same sigma_t^2, unbounded gradients).
    radius : float, default 1.0
        Radius of the ball X (centred at the origin).
    n_runs : int, default 1
        R independent realisations (the learners' batch axis).
    rng : numpy.random.Generator or int or None
        Host random stream (noise, corruption times, random signs).
    xp, dtype, device
        Namespace (default NumPy), dtype (default its default float) and device of the arrays.

    Returns
    -------
    SEAEnvironment

    Raises
    ------
    TypeError
        Bad ``rng`` or ``xp``; non-integer sizes.
    ValueError
        ``T <= 0``, ``d <= 0``, bad shapes, negative noise scales, a non-PSD or asymmetric
        curvature, unknown ``noise_dist``.

    Notes
    -----
    sigma_t^2 = s_t^2 and Sigma_t^2 = ||H (c_t - c_{t-1})||^2 exactly (refimpl spec 2.4).

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 2; Sachs et al., arXiv:2202.07554, Def. 1-3.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import sea_quadratic
    >>> c = np.stack([np.zeros(2), np.array([0.1, 0.0])])
    >>> env = sea_quadratic(2, 2, curvature=2.0, centres=c)
    >>> np.asarray(env.Sigma2)[:, 0].round(12).tolist()
    [0.0, 0.04]
    """
    T, d = _xp.positive_int(T, name="T"), _xp.positive_int(d, name="d")
    n_runs = _xp.positive_int(n_runs, name="n_runs")
    radius = _xp.positive_float(radius, name="radius")
    h = _curvature(curvature, d)
    c = np.zeros((T, d)) if centres is None else np.asarray(centres, dtype=np.float64)
    if c.ndim == 1:
        c = np.broadcast_to(c, (T, d))
    if c.shape != (T, d) or not np.all(np.isfinite(c)):
        msg = f"centres must be a finite (d,) or (T, d) = ({T}, {d}) array; got shape {c.shape}"
        raise ValueError(msg)
    return _build(
        "quadratic",
        h=h,
        centres=np.array(c),
        drift=np.zeros((T, n_runs, d)),
        scales=_scales(noise, T),
        noise_dist=noise_dist,
        radius=radius,
        gen=_xp.rng(rng),
        xp=xp,
        dtype=dtype,
        device=device,
    )


def sea_iid(
    T: int,
    d: int,
    /,
    *,
    noise: float = 1.0,
    curvature: Any = 1.0,
    centre: Any = None,
    noise_dist: str = "rademacher",
    radius: float = 1.0,
    n_runs: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> SEAEnvironment:
    r"""i.i.d. SEA stream: a fixed quadratic with noise of scale ``noise`` (Sigma^2 = 0).

    Parameters
    ----------
    T, d : int
        Rounds and dimension.
    noise : float, default 1.0
        s: sigma_t^2 = s^2 every round (``noise=0``: the noiseless fixed quadratic).
    curvature : float or array, default 1.0
        H as in :func:`sea_quadratic`.
    centre : array (d,), optional
        The fixed centre c (default ``(0.5 r / sqrt(d)) (1, ..., 1)``, inside X).
    noise_dist : {"rademacher", "gaussian"}
    radius : float, default 1.0
        Radius of the ball X (centred at the origin).
    n_runs : int, default 1
        R independent realisations (the learners' batch axis).
    rng : numpy.random.Generator or int or None
        Host random stream (noise, corruption times, random signs).
    xp, dtype, device
        Namespace (default NumPy), dtype (default its default float) and device of the arrays.

    Returns
    -------
    SEAEnvironment

    Raises
    ------
    TypeError, ValueError
        As :func:`sea_quadratic`.

    Notes
    -----
    The stochastic extreme of the SEA model: sigma^2_{1:T} = T s^2, Sigma^2_{1:T} = 0.

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 2 (special cases of the SEA model: i.i.d.).

    Examples
    --------
    >>> from refimpl.optim.online import sea_iid
    >>> env = sea_iid(10, 4, noise=2.0, rng=1)
    >>> float(abs(env.noise[0, 0]).max())  # |xi_i| = s / sqrt(d)
    1.0
    """
    d = _xp.positive_int(d, name="d")
    r = _xp.positive_float(radius, name="radius")
    c = np.full(d, 0.5 * r / math.sqrt(d)) if centre is None else centre
    env = sea_quadratic(
        T,
        d,
        curvature=curvature,
        centres=c,
        noise=_xp.nonnegative_float(noise, name="noise"),
        noise_dist=noise_dist,
        radius=r,
        n_runs=n_runs,
        rng=rng,
        xp=xp,
        dtype=dtype,
        device=device,
    )
    return _renamed(env, "iid")


def _renamed(env: SEAEnvironment, name: str) -> SEAEnvironment:
    fields = {k: getattr(env, k) for k in SEAEnvironment.__dataclass_fields__}
    fields["name"] = name
    return SEAEnvironment(**fields)


def sea_drifting(
    T: int,
    d: int,
    /,
    *,
    speed: float,
    noise: float = 0.0,
    curvature: Any = 1.0,
    amplitude: float | None = None,
    noise_dist: str = "rademacher",
    radius: float = 1.0,
    n_runs: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> SEAEnvironment:
    r"""Drifting centres: ``c_t = a (cos(w t), sin(w t), 0, ...)`` with angular speed ``w``.

    Parameters
    ----------
    T, d : int
        Rounds and dimension (``d >= 2``).
    speed : float
        w >= 0 (radians per round): Sigma_t^2 = ||H (c_t - c_{t-1})||^2, for H = h I equal to
        ``(2 h a sin(w/2))^2``.
    noise : float, default 0.0
        Noise scale s.
    curvature : float or array, default 1.0
    amplitude : float, optional
        a (default half the radius).
    noise_dist : {"rademacher", "gaussian"}
    radius : float, default 1.0
        Radius of the ball X (centred at the origin).
    n_runs : int, default 1
        R independent realisations (the learners' batch axis).
    rng : numpy.random.Generator or int or None
        Host random stream (noise, corruption times, random signs).
    xp, dtype, device
        Namespace (default NumPy), dtype (default its default float) and device of the arrays.

    Returns
    -------
    SEAEnvironment

    Raises
    ------
    TypeError, ValueError
        As :func:`sea_quadratic`; ``d < 2``; ``speed < 0``.

    Notes
    -----
    Slowly drifting c_t make Sigma^2_{1:T} = o(T) (``w ~ T^{-a}``); the best fixed point
    and the per-round minimisers ``c_t`` (a comparator with path length ``T a w``) both stay
    in X.

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 2 and Sec. 5 (non-stationary environments).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import sea_drifting
    >>> env = sea_drifting(50, 2, speed=0.1, amplitude=0.5)
    >>> bool(np.isclose(float(env.Sigma2[1, 0]), (2 * 0.5 * np.sin(0.05)) ** 2))
    True
    """
    T, d = _xp.positive_int(T, name="T"), _xp.positive_int(d, name="d")
    if d < 2:
        msg = f"d must be >= 2 for a rotating centre; got {d}"
        raise ValueError(msg)
    w = _xp.nonnegative_float(speed, name="speed")
    r = _xp.positive_float(radius, name="radius")
    a = 0.5 * r if amplitude is None else _xp.nonnegative_float(amplitude, name="amplitude")
    ang = w * np.arange(1, T + 1)
    c = np.zeros((T, d))
    c[:, 0], c[:, 1] = a * np.cos(ang), a * np.sin(ang)
    env = sea_quadratic(
        T,
        d,
        curvature=curvature,
        centres=c,
        noise=_xp.nonnegative_float(noise, name="noise"),
        noise_dist=noise_dist,
        radius=r,
        n_runs=n_runs,
        rng=rng,
        xp=xp,
        dtype=dtype,
        device=device,
    )
    return _renamed(env, "drifting")


def sea_adversarial_linear(
    T: int,
    d: int,
    /,
    *,
    scale: float = 1.0,
    pattern: str = "random",
    radius: float = 1.0,
    n_runs: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> SEAEnvironment:
    r"""Adversarial sign-flipping linear losses ``f_t(x) = eps_t <v, x>``, ``||v|| = scale``.

    Parameters
    ----------
    T, d : int
        Rounds and dimension.
    scale : float, default 1.0
        ``||v||`` (v along ``(1, ..., 1)``); G = scale.
    pattern : {"random", "alternate"}, default "random"
        Signs drawn once by an oblivious adversary (i.i.d. fair coins per run), or
        ``+, -, +, ...`` (every hint ``g_{t-1}`` is exactly wrong).
    radius : float, default 1.0
        Radius of the ball X (centred at the origin).
    n_runs : int, default 1
        R independent realisations (the learners' batch axis).
    rng : numpy.random.Generator or int or None
        Host random stream (noise, corruption times, random signs).
    xp, dtype, device
        Namespace (default NumPy), dtype (default its default float) and device of the arrays.

    Returns
    -------
    SEAEnvironment

    Raises
    ------
    TypeError, ValueError
        As :func:`sea_quadratic`; unknown ``pattern``; ``scale <= 0``.

    Notes
    -----
    The adversarial extreme: D_t is a Dirac mass, sigma_t^2 = 0, and Sigma_t^2 = 4 scale^2 at
    each sign change (realised per run; expectation ``2 (T - 1) scale^2`` for random signs).
    Regret is Theta(D G sqrt(T)) for every learner (random signs).

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 2 (adversarial special case); Sachs et al. arXiv:2202.07554.

    Examples
    --------
    >>> from refimpl.optim.online import sea_adversarial_linear
    >>> env = sea_adversarial_linear(5, 2, pattern="alternate")
    >>> round(float(env.Sigma2.sum()), 12)  # 4 sign changes, 4 ||v||^2 each
    16.0
    """
    T, d = _xp.positive_int(T, name="T"), _xp.positive_int(d, name="d")
    n_runs = _xp.positive_int(n_runs, name="n_runs")
    s = _xp.positive_float(scale, name="scale")
    _xp.check_choice(pattern, ("random", "alternate"), name="pattern")
    gen = _xp.rng(rng)
    if pattern == "random":
        signs = gen.integers(0, 2, size=(T, n_runs)) * 2.0 - 1.0
    else:
        signs = np.broadcast_to((1.0 - 2.0 * (np.arange(T) % 2))[:, None], (T, n_runs))
    v = np.full(d, s / math.sqrt(d))
    env = _build(
        "adversarial_linear",
        h=np.zeros((d, d)),
        centres=np.zeros((T, d)),
        drift=signs[:, :, None] * v,
        scales=np.zeros(T),
        noise_dist="rademacher",
        radius=_xp.positive_float(radius, name="radius"),
        gen=gen,
        xp=xp,
        dtype=dtype,
        device=device,
    )
    return env


def sea_corrupted_iid(
    T: int,
    d: int,
    /,
    *,
    noise: float = 1.0,
    corruptions: int = 10,
    magnitude: float = 1.0,
    curvature: Any = 1.0,
    noise_dist: str = "rademacher",
    radius: float = 1.0,
    n_runs: int = 1,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> SEAEnvironment:
    r"""Adversarially corrupted i.i.d. stream: the i.i.d. quadratic whose centre jumps by
    ``magnitude`` (along ``-(1, ..., 1)``) on ``corruptions`` rounds chosen by the adversary.

    Parameters
    ----------
    T, d : int
        Rounds and dimension.
    noise : float, default 1.0
        Noise scale s.
    corruptions : int, default 10
        Number k of corrupted rounds (distinct, drawn once from ``rng``, shared by all runs).
    magnitude : float, default 1.0
        Size of the centre jump.
    curvature : float or array, default 1.0
    noise_dist : {"rademacher", "gaussian"}
    radius : float, default 1.0
        Radius of the ball X (centred at the origin).
    n_runs : int, default 1
        R independent realisations (the learners' batch axis).
    rng : numpy.random.Generator or int or None
        Host random stream (noise, corruption times, random signs).
    xp, dtype, device
        Namespace (default NumPy), dtype (default its default float) and device of the arrays.

    Returns
    -------
    SEAEnvironment

    Raises
    ------
    TypeError, ValueError
        As :func:`sea_quadratic`; ``corruptions > T``.

    Notes
    -----
    Sigma^2_{1:T} = sum over the entries and exits of corrupted stretches of
    ``||H Delta||^2``: at most ``2 k magnitude^2 ||H||^2``, independent of T; sigma^2_{1:T} =
    T s^2.

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 2 (adversarially corrupted stochastic special case).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import sea_corrupted_iid
    >>> env = sea_corrupted_iid(1000, 2, noise=0.1, corruptions=3, magnitude=0.5, rng=0)
    >>> bool(0 < float(env.Sigma2.sum()) <= 2 * 3 * 0.5**2 + 1e-12)
    True
    """
    T, d = _xp.positive_int(T, name="T"), _xp.positive_int(d, name="d")
    k = _xp.nonnegative_int(corruptions, name="corruptions")
    if k > T:
        msg = f"corruptions must be <= T = {T}; got {k}"
        raise ValueError(msg)
    m = _xp.nonnegative_float(magnitude, name="magnitude")
    r = _xp.positive_float(radius, name="radius")
    gen = _xp.rng(rng)
    c = np.tile(np.full(d, 0.5 * r / math.sqrt(d)), (T, 1))
    hit = gen.choice(T, size=k, replace=False)
    c[hit] -= m / math.sqrt(d)
    env = sea_quadratic(
        T,
        d,
        curvature=curvature,
        centres=c,
        noise=_xp.nonnegative_float(noise, name="noise"),
        noise_dist=noise_dist,
        radius=r,
        n_runs=n_runs,
        rng=gen,
        xp=xp,
        dtype=dtype,
        device=device,
    )
    return _renamed(env, "corrupted_iid")
