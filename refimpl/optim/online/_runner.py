"""Drivers: ``optimistic_omd`` on a gradient oracle, and ``run_online`` on an SEA environment
(regret curves, static and dynamic)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl._xp import Array
from refimpl.optim.online._domain import Domain
from refimpl.optim.online._learners import OptimisticOMD
from refimpl.optim.online._sea import SEAEnvironment

__all__ = ["OMDResult", "RegretCurves", "optimistic_omd", "run_online"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OMDResult:
    """Result of :func:`optimistic_omd`.

    Attributes
    ----------
    x : array, shape (..., d)
        The final intermediate iterate ``x_hat_{T+1}``.
    iterates : array, shape (T, ..., d)
        The decisions ``x_t``.
    x_hats : array, shape (T + 1, ..., d)
        ``x_hat_1 .. x_hat_{T+1}``.
    hints, grads : array, shape (T, ..., d)
        ``M_t`` and ``g_t``.
    steps : array, shape (T, ...)
        ``eta_t``.
    n_iter : int
        T.
    grad_calls : int
        Gradient queries (one per round).
    """

    x: Array
    iterates: Array
    x_hats: Array
    hints: Array
    grads: Array
    steps: Array
    n_iter: int
    grad_calls: int


def optimistic_omd(
    grad_fn: Callable[[int, Array], Array],
    x0: Array,
    /,
    *,
    n_rounds: int,
    domain: Domain,
    step: Any = "adaptive",
    hint: str = "last_grad",
    mirror: str = "euclidean",
    grad_bound: float | None = None,
    strong_convexity: float | None = None,
    delta: float = 0.0,
    callback: Callable[[int, Array], Any] | None = None,
) -> OMDResult:
    r"""Run optimistic OMD for ``n_rounds`` rounds against a gradient oracle.

    Parameters
    ----------
    grad_fn : callable ``(t, x_t) -> g_t``
        The gradient of f_t at the decision (``t`` is 0-based); may be adversarial (any
        function of the past).
    x0 : array, shape (..., d)
        ``x_hat_1``.
    n_rounds : int
        T > 0.
    domain, step, hint, mirror, grad_bound, strong_convexity, delta
        As :class:`OptimisticOMD` (``hint="external"`` is not available here).
    callback : callable ``(t, x_t)``, optional
        Called after each round.

    Returns
    -------
    OMDResult
        Histories in the namespace, dtype and device of ``x0``.

    Raises
    ------
    TypeError, ValueError, RuntimeError
        As :class:`OptimisticOMD`; ``n_rounds <= 0``; ``grad_fn`` returning a gradient of the
        wrong shape, dtype or non-finite values.

    Notes
    -----
    Exactly the learner loop: ``x_t = learner.predict()``, ``g_t = grad_fn(t, x_t)``,
    ``learner.update(g_t)``.

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 3 (optimistic OMD, the two-step update).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import Domain, optimistic_omd
    >>> res = optimistic_omd(lambda t, x: x - 0.5, np.zeros(1), n_rounds=50,
    ...                      domain=Domain.box(-1.0, 1.0), step=0.3)
    >>> round(float(res.x[0]), 4)  # the minimiser of (x - 0.5)^2 / 2
    0.5
    """
    n = _xp.positive_int(n_rounds, name="n_rounds")
    if hint == "external":
        msg = 'hint must be "last_grad" or "zero" in optimistic_omd; got "external"'
        raise ValueError(msg)
    learner = OptimisticOMD(
        x0,
        domain=domain,
        step=step,
        hint=hint,
        mirror=mirror,
        grad_bound=grad_bound,
        strong_convexity=strong_convexity,
        delta=delta,
    )
    xp = learner._xp
    xs, hats, ms, gs, etas = [], [learner.x_hat], [], [], []
    for t in range(n):
        x = learner.predict()
        ms.append(learner._hint)
        etas.append(learner.step)
        g = grad_fn(t, x)
        learner.update(g)
        xs.append(x)
        gs.append(learner._last_grad)
        hats.append(learner.x_hat)
        if callback is not None:
            callback(t, x)
    return OMDResult(
        x=learner.x_hat,
        iterates=xp.stack(xs),
        x_hats=xp.stack(hats),
        hints=xp.stack(ms),
        grads=xp.stack(gs),
        steps=xp.stack(etas),
        n_iter=n,
        grad_calls=n,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RegretCurves:
    """Result of :func:`run_online`.

    Attributes
    ----------
    rounds : array of int, shape (K,)
        Checkpoints t (1-based).
    regret : array, shape (K, R)
        Static regret ``sum_{s<=t} f_s(x_s) - min_{x in X} sum_{s<=t} f_s(x)`` per run.
    losses : array, shape (T, R)
        ``f_t(x_t)``.
    iterates : array, shape (T, R, d)
        ``x_t``.
    sigma2, Sigma2 : array, shape (K,) and (K, R)
        sigma^2_{1:t} and Sigma^2_{1:t} at the checkpoints.
    dynamic_regret : array, shape (T, R), or None
        ``sum_{s<=t} f_s(x_s) - f_s(u_s)`` against the given comparator.
    path_length : array, shape (T, R), or None
        ``P_t = sum_{2<=s<=t} ||u_s - u_{s-1}||``.
    n_iter, grad_calls : int
        T and the gradient queries (T).
    """

    rounds: Array
    regret: Array
    losses: Array
    iterates: Array
    sigma2: Array
    Sigma2: Array
    dynamic_regret: Array | None
    path_length: Array | None
    n_iter: int
    grad_calls: int


def _default_rounds(T: int) -> np.ndarray:
    pts = np.unique(np.round(np.geomspace(1, T, num=min(T, 24))).astype(np.int64))
    return np.unique(np.concatenate([pts, [T]]))


def run_online(
    learner: Any,
    env: SEAEnvironment,
    /,
    *,
    comparator: Array | None = None,
    rounds: Any = None,
    callback: Callable[[int, Array], Any] | None = None,
) -> RegretCurves:
    r"""Play ``learner`` against ``env`` for ``env.T`` rounds and measure regret.

    Parameters
    ----------
    learner : OptimisticOMD or OptimisticONS or OptimisticEnsemble
        Freshly constructed, with decisions of shape ``(env.n_runs, env.d)`` in the
        environment's namespace, dtype and device.
    env : SEAEnvironment
    comparator : array, shape (T, d) or (T, R, d), optional
        A comparator sequence u_t for the dynamic regret.
    rounds : sequence of int, optional
        Checkpoints for the static regret (default about 24 geometric points and T).
    callback : callable ``(t, x_t)``, optional

    Returns
    -------
    RegretCurves
        Arrays in the environment's namespace, dtype and device (``rounds``: NumPy int64).

    Raises
    ------
    TypeError
        ``env`` not an :class:`SEAEnvironment`.
    ValueError
        Learner shape mismatch; a comparator of the wrong shape, non-finite or outside X;
        checkpoints outside ``[1, T]``.

    Notes
    -----
    The regret at checkpoint t is the regret of the same anytime run at horizon t (the
    adaptive and ``1/(lambda t)`` steps never use T), so one run gives a whole curve R_t.
    The hindsight minimiser is exact (closed form, or bisection on the Lagrange multiplier,
    :meth:`SEAEnvironment.hindsight`).

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 2 (static regret) and Sec. 5 (dynamic regret, path length
       P_T).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import OptimisticOMD, run_online, sea_iid
    >>> env = sea_iid(200, 2, noise=0.0)
    >>> learner = OptimisticOMD(np.zeros((1, 2)), domain=env.domain, grad_bound=env.grad_bound)
    >>> out = run_online(learner, env)
    >>> bool(out.regret[-1, 0] < 1.0)  # noiseless: bounded regret
    True
    """
    if not isinstance(env, SEAEnvironment):
        msg = f"env must be an SEAEnvironment; got {type(env).__name__}"
        raise TypeError(msg)
    xp, _ = _xp.as_arrays(env.centres)
    shape = (env.n_runs, env.d)
    if tuple(getattr(learner, "_shape", ())) != shape:
        msg = f"learner decisions must have shape {shape}; got {getattr(learner, '_shape', None)}"
        raise ValueError(msg)
    t_total = env.T
    rounds_np = _default_rounds(t_total) if rounds is None else np.asarray(rounds, dtype=np.int64)
    xs = []
    for t in range(t_total):
        x = learner.predict()
        learner.update(env.grad(t, x))
        xs.append(x)
        if callback is not None:
            callback(t, x)
    iterates = xp.stack(xs)
    losses = env.losses(iterates)
    cum = xp.cumulative_sum(losses, axis=0)
    _, best = env.hindsight(rounds_np)
    idx = xp.asarray(rounds_np - 1, device=_xp.device(env.centres))
    regret = xp.take(cum, idx, axis=0) - best
    sigma2 = xp.take(xp.cumulative_sum(env.sigma2, axis=0), idx, axis=0)
    big = xp.take(xp.cumulative_sum(env.Sigma2, axis=0), idx, axis=0)
    dyn = path = None
    if comparator is not None:
        u = _xp.checked_real(comparator, name="comparator", xp=_xp.as_arrays(comparator)[0])
        _, (u, _) = _xp.as_arrays(u, env.centres)
        if u.ndim == 2:
            u = xp.broadcast_to(u[:, None, :], (t_total, *shape))
        if tuple(u.shape) != (t_total, *shape):
            msg = f"comparator must have shape (T, d) or (T, R, d); got {tuple(comparator.shape)}"
            raise ValueError(msg)
        u = xp.astype(u, env.centres.dtype)
        tol = 1e3 * _xp.eps(xp, u.dtype) * env.domain.radius  # rounding of points on the sphere
        if not bool(xp.all(env.domain.contains(u, atol=tol))):
            msg = "comparator must lie in the domain X for every round; got a point outside"
            raise ValueError(msg)
        dyn = cum - xp.cumulative_sum(env.losses(u), axis=0)
        steps = xp.linalg.vector_norm(u[1:, ...] - u[:-1, ...], axis=-1)
        path = xp.concat([xp.zeros_like(steps[:1, ...]), xp.cumulative_sum(steps, axis=0)])
    return RegretCurves(
        rounds=rounds_np,
        regret=regret,
        losses=losses,
        iterates=iterates,
        sigma2=sigma2,
        Sigma2=big,
        dynamic_regret=dyn,
        path_length=path,
        n_iter=t_total,
        grad_calls=t_total,
    )
