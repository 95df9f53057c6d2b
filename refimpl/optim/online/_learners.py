"""Optimistic online mirror descent learners: Euclidean / entropic OMD, optimistic ONS, and the
two-layer ensemble for dynamic regret.

Every learner has the same interface: ``x = learner.predict(hint=None)`` returns the decision
x_t (shape ``batch + (d,)``), then ``learner.update(grad)`` feeds the observed gradient
g_t = grad f_t(x_t). Leading batch axes run independent copies (seeds, or the base learners of
an ensemble) in one pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl._xp import Array
from refimpl.optim.online._domain import Domain, project_ball_mahalanobis

__all__ = ["OptimisticEnsemble", "OptimisticOMD", "OptimisticONS"]

_HINTS = ("last_grad", "zero", "external")
_MIRRORS = ("euclidean", "entropic")
_STEPS = ("adaptive", "strongly_convex")


def _check_domain(domain: Any) -> Domain:
    if not isinstance(domain, Domain):
        msg = f"domain must be a refimpl.optim.online.Domain; got {type(domain).__name__}"
        raise TypeError(msg)
    return domain


class _Base:
    """Shared state handling: the namespace, the batch shape, the predict/update protocol."""

    _xp: Any
    _dtype: Any
    _device: Any
    _shape: tuple[int, ...]
    _t: int
    _awaiting_update: bool
    _hint_rule: str
    _last_grad: Array
    _hint: Array
    _x: Array

    def _init_state(self, x0: Any, hint: str) -> Array:
        xp, (x0,) = _xp.as_arrays(x0)
        x0 = _xp.checked_real(x0, name="x0", xp=xp, min_ndim=1)
        self._xp, self._dtype, self._device = xp, x0.dtype, _xp.device(x0)
        self._shape = tuple(x0.shape)
        self._t = 0
        self._awaiting_update = False
        self._hint_rule = _xp.check_choice(hint, _HINTS, name="hint")
        self._last_grad = xp.zeros_like(x0)
        self._hint = xp.zeros_like(x0)
        return x0

    @property
    def t(self) -> int:
        """Number of completed rounds (``update`` calls)."""
        return self._t

    @property
    def x(self) -> Array:
        """The last decision returned by :meth:`predict`."""
        return self._x

    def _array(self, value: Any, name: str) -> Array:
        xp = self._xp
        xq, (v, _) = _xp.as_arrays(value, self._hint)
        v = _xp.checked_real(v, name=name, xp=xq, min_ndim=1)
        if tuple(v.shape) != self._shape:
            msg = f"{name} must have shape {self._shape}; got shape {tuple(v.shape)}"
            raise ValueError(msg)
        return v if v.dtype == self._dtype else xp.astype(v, self._dtype)

    def _begin_predict(self, hint: Any) -> Array:
        if self._awaiting_update:
            msg = "predict() was called twice; call update(grad) with the observed gradient first"
            raise RuntimeError(msg)
        if hint is not None:
            return self._array(hint, "hint")
        if self._hint_rule == "external":
            msg = 'hint="external" needs predict(hint=M_t); got hint=None'
            raise ValueError(msg)
        if self._hint_rule == "zero":
            return self._xp.zeros_like(self._last_grad)
        return self._last_grad

    def _begin_update(self, grad: Any) -> Array:
        if not self._awaiting_update:
            msg = "update() must follow predict(); call predict() to get x_t first"
            raise RuntimeError(msg)
        return self._array(grad, "grad")


class OptimisticOMD(_Base):
    r"""Optimistic online mirror descent (Euclidean or entropic regulariser).

    Round t: ``x_t = argmin_{x in X} <M_t, x> + B_psi(x, x_hat_t)`` (:meth:`predict`), then
    with the observed ``g_t``: ``x_hat_{t+1} = argmin_{x in X} <g_t, x> + B_psi(x, x_hat_t)``
    (:meth:`update`), the same step ``eta_t`` in both half-steps. Euclidean:
    ``x_t = Pi_X(x_hat_t - eta_t M_t)``, ``x_hat_{t+1} = Pi_X(x_hat_t - eta_t g_t)``. Entropic
    (simplex only): ``x_t ~ x_hat_t exp(-eta_t M_t)``, ``x_hat_{t+1} ~ x_hat_t exp(-eta_t g_t)``
    (optimistic Hedge).

    Parameters
    ----------
    x0 : array, shape (..., d)
        The initial ``x_hat_1`` (must lie in X; for ``mirror="entropic"`` strictly positive).
        Leading axes are independent copies. Sets the namespace, dtype and device.
    domain : Domain
        The convex set X.
    step : {"adaptive", "strongly_convex"} or float or array, default "adaptive"
        ``"adaptive"``: ``eta_t = D_psi / sqrt(delta + 4 G^2 + sum_{s<t} ||g_s - M_s||_*^2)``
        with ``D_psi = D`` (Euclidean, ``||.||_* = ||.||_2``) or ``sqrt(log d)`` (entropic,
        ``||.||_* = ||.||_inf``), capped at ``max_step``. ``"strongly_convex"``:
        ``eta_t = 2 / (lambda t)``. A positive float (or array broadcast to the batch shape
        ``x0.shape[:-1]``) is a fixed step.
    hint : {"last_grad", "zero", "external"}, default "last_grad"
        ``M_t = g_{t-1}`` (``M_1 = 0``), ``M_t = 0`` (plain OMD/OGD), or given to
        :meth:`predict` each round. A hint passed to :meth:`predict` always wins.
    mirror : {"euclidean", "entropic"}, default "euclidean"
    grad_bound : float, optional
        G with ``||g_t||_* <= G``; required by ``step="adaptive"`` unless ``delta > 0``.
    strong_convexity : float, optional
        lambda > 0; required by ``step="strongly_convex"``.
    delta : float, default 0.0
        The constant under the square root of the adaptive step.
    max_step : float, optional
        Upper cap of the adaptive step (e.g. ``1/(4L)`` for L-smooth losses).

    Raises
    ------
    TypeError
        ``domain`` not a :class:`Domain`; bad array dtypes; mixed namespaces.
    ValueError
        Unknown options; steps ``<= 0``; missing ``grad_bound``/``strong_convexity``; an
        entropic mirror on a non-simplex domain or a non-positive ``x0``; ``x0`` outside X;
        gradients of the wrong shape or non-finite (at :meth:`update`).
    RuntimeError
        :meth:`predict` twice in a row, or :meth:`update` before :meth:`predict`.

    Notes
    -----
    One gradient query per round. The pathwise RVU inequality (refimpl spec 2.3) holds for any
    gradient sequence: with non-increasing ``eta_t`` and ``||u - x_hat_t|| <= D``,
    ``sum_t <g_t, x_t - u> <= D^2/(2 eta_T) + sum_t eta_t ||g_t - M_t||^2
    - sum_t (||x_t - x_hat_t||^2 + ||x_t - x_hat_{t+1}||^2) / (2 eta_t)``. The adaptive step's
    ``4 G^2`` pads the unseen ``||g_t - M_t||^2 <= 4 G^2`` (as restated in arXiv:2510.04685;
    arXiv:2302.04552's own theorem numbers and constants could not be read: only the
    abstracts of its stored copies were reachable). The ``2/(lambda t)`` step is derived
    here: it is the largest ``c/(lambda t)`` for which the telescoping term
    ``(1/(2 eta_t) - 1/(2 eta_{t-1})) ||u - x_hat_t||^2`` is absorbed by the strong-convexity
    term ``-(lambda/2) ||x_t - u||^2`` and the stability term.

    References
    ----------
    .. [1] S. Chen, Y.-J. Zhang, W.-W. Tu, P. Zhao, L. Zhang, arXiv:2302.04552 (ICML 2023,
       JMLR 25(178) 2024), Sec. 3 (optimistic OMD, Eq. of the two-step update), Thm. for
       convex and smooth functions (bound O(sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T}))),
       Thm. for strongly convex functions.
    .. [2] A. Rakhlin, K. Sridharan, "Online learning with predictable sequences", COLT 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import Domain, OptimisticOMD
    >>> learner = OptimisticOMD(np.zeros(2), domain=Domain.ball(1.0), step=0.5)
    >>> for t in range(3):
    ...     x = learner.predict()
    ...     learner.update(np.array([1.0, 0.0]))
    >>> np.asarray(learner.predict()).tolist()  # x_hat_4 - 0.5 g_3 = (-1.5, 0) projected
    [-1.0, 0.0]
    """

    def __init__(
        self,
        x0: Array,
        /,
        *,
        domain: Domain,
        step: Any = "adaptive",
        hint: str = "last_grad",
        mirror: str = "euclidean",
        grad_bound: float | None = None,
        strong_convexity: float | None = None,
        delta: float = 0.0,
        max_step: float | None = None,
    ) -> None:
        x0 = self._init_state(x0, hint)
        xp = self._xp
        self.domain = _check_domain(domain)
        self.mirror = _xp.check_choice(mirror, _MIRRORS, name="mirror")
        d = self._shape[-1]
        if self.mirror == "entropic":
            if domain.kind != "simplex":
                msg = f'mirror="entropic" needs a simplex domain; got kind={domain.kind!r}'
                raise ValueError(msg)
            if not bool(xp.all(x0 > 0)):
                msg = 'x0 must be strictly positive for mirror="entropic"; got a zero entry'
                raise ValueError(msg)
        tol = 1e3 * _xp.eps(xp, self._dtype) * max(1.0, domain.radius)  # rounding of x0 in X
        if not bool(xp.all(domain.contains(x0, atol=tol))):
            msg = f"x0 must lie in the domain ({domain.kind}); got a point outside it"
            raise ValueError(msg)
        self._delta = _xp.nonnegative_float(delta, name="delta")
        self._max_step = (
            math.inf if max_step is None else _xp.positive_float(max_step, name="max_step")
        )
        self._fixed: Array | None = None
        self._rule = "fixed"
        if isinstance(step, str):
            self._rule = _xp.check_choice(step, _STEPS, name="step")
            if self._rule == "adaptive":
                g = (
                    0.0
                    if grad_bound is None
                    else _xp.nonnegative_float(grad_bound, name="grad_bound")
                )
                if 4.0 * g * g + self._delta <= 0.0:
                    msg = 'step="adaptive" needs grad_bound > 0 or delta > 0; got neither'
                    raise ValueError(msg)
                self._pad = 4.0 * g * g + self._delta
                self._numerator = (
                    domain.diameter(d) if self.mirror == "euclidean" else math.sqrt(math.log(d))
                )
                if self._numerator <= 0.0:
                    msg = f"step='adaptive' needs a domain of positive diameter; got d={d}"
                    raise ValueError(msg)
            else:
                if strong_convexity is None:
                    msg = 'step="strongly_convex" needs strong_convexity=lambda > 0; got None'
                    raise ValueError(msg)
                self._lam = _xp.positive_float(strong_convexity, name="strong_convexity")
        else:
            self._fixed = self._fixed_step(step)
        self._sum_sq = xp.zeros(self._shape[:-1], dtype=self._dtype, device=self._device)
        if self.mirror == "entropic":
            self._log_hat = xp.log(x0 / xp.sum(x0, axis=-1, keepdims=True))
        self._x_hat = x0
        self._x = x0
        self._eta = self._current_step()

    def _fixed_step(self, step: Any) -> Array:
        xp = self._xp
        if isinstance(step, int | float) and not isinstance(step, bool):
            _xp.positive_float(step, name="step")
            arr = xp.asarray(float(step), dtype=self._dtype, device=self._device)
        else:
            xq, (arr,) = _xp.as_arrays(step)
            arr = _xp.checked_real(arr, name="step", xp=xq, min_ndim=0)
            if xq is not xp:
                arr = _xp.from_host(_xp.to_host(arr), xp=xp, dtype=self._dtype, device=self._device)
            arr = xp.astype(arr, self._dtype)
            if not bool(xp.all(arr > 0)):
                msg = "step must be positive (every entry > 0); got a value <= 0"
                raise ValueError(msg)
        try:
            return xp.broadcast_to(arr, self._shape[:-1])
        except (ValueError, RuntimeError) as exc:
            got = tuple(arr.shape)
            msg = f"step must broadcast to the batch shape {self._shape[:-1]}; got shape {got}"
            raise ValueError(msg) from exc

    def _current_step(self) -> Array:
        """eta_t for the coming round t = self._t + 1 (uses s <= t - 1 only)."""
        xp = self._xp
        if self._fixed is not None:
            return self._fixed
        if self._rule == "strongly_convex":
            eta = 2.0 / (self._lam * (self._t + 1))
            return xp.full(self._shape[:-1], eta, dtype=self._dtype, device=self._device)
        eta = self._numerator / xp.sqrt(self._pad + self._sum_sq)
        return xp.minimum(eta, xp.full_like(eta, self._max_step))

    @property
    def x_hat(self) -> Array:
        """The intermediate iterate ``x_hat_t`` (before :meth:`predict`) or ``x_hat_{t+1}``."""
        return self._x_hat

    @property
    def step(self) -> Array:
        """The step ``eta_t`` of the current (or coming) round, shape ``x0.shape[:-1]``."""
        return self._eta

    def _mirror_step(self, direction: Array) -> tuple[Array, Array | None]:
        xp = self._xp
        eta = self._eta[..., None]
        if self.mirror == "euclidean":
            return self.domain.project(self._x_hat - eta * direction), None
        logits = self._log_hat - eta * direction
        logits = logits - xp.max(logits, axis=-1, keepdims=True)
        w = xp.exp(logits)
        total = xp.sum(w, axis=-1, keepdims=True)
        return self.domain.radius * w / total, logits - xp.log(total)

    def predict(self, hint: Array | None = None) -> Array:
        """Return ``x_t`` for the hint ``M_t`` (``hint`` overrides the configured rule)."""
        m = self._begin_predict(hint)
        self._eta = self._current_step()
        self._hint = m
        self._x, _ = self._mirror_step(m)
        self._awaiting_update = True
        return self._x

    def update(self, grad: Array) -> None:
        """Observe ``g_t = grad f_t(x_t)`` (shape ``x0.shape``) and move ``x_hat``."""
        g = self._begin_update(grad)
        xp = self._xp
        x_hat, log_hat = self._mirror_step(g)
        self._x_hat = x_hat
        if log_hat is not None:
            self._log_hat = log_hat
        diff = g - self._hint
        if self.mirror == "euclidean":
            sq = xp.sum(diff * diff, axis=-1)
        else:
            sq = xp.max(xp.abs(diff), axis=-1) ** 2
        self._sum_sq = self._sum_sq + sq
        self._last_grad = g
        self._t += 1
        self._awaiting_update = False


class OptimisticONS(_Base):
    r"""Optimistic online Newton step on a ball (exp-concave losses).

    ``x_t = argmin_{||x|| <= r} <M_t, x> + ||x - x_hat_t||^2_{A_t} / 2``, then
    ``A_{t+1} = A_t + (beta/2)(g_t - M_t)(g_t - M_t)^T`` and
    ``x_hat_{t+1} = argmin_{||x|| <= r} <g_t, x> + ||x - x_hat_t||^2_{A_{t+1}} / 2``, with
    ``A_1 = delta I``; both are A-norm projections (:func:`project_ball_mahalanobis`).

    Parameters
    ----------
    x0 : array, shape (..., d)
        ``x_hat_1`` inside the ball; leading axes are independent copies.
    domain : Domain
        A ball centred at the origin.
    beta : float
        Curvature parameter; the spec suggests ``beta = min(alpha, 1/(4 G D)) / 2`` for
        alpha-exp-concave losses with ``||g|| <= G`` [paper?].
    delta : float, default 1.0
        ``A_1 = delta I``, positive.
    hint : {"last_grad", "zero", "external"}, default "last_grad"

    Raises
    ------
    TypeError, ValueError, RuntimeError
        As :class:`OptimisticOMD`; also a non-ball or off-centre domain.

    Notes
    -----
    Cost per round O(d^3) (an eigendecomposition for each A-norm projection). The form of
    ``A_t`` (built from ``g_s - M_s``) follows refimpl spec 2.2 and is marked [paper?]: the
    exact indexing in arXiv:2302.04552's exp-concave algorithm, and beta, could not be read
    (only the paper's abstract was reachable); the
    ``(beta/2)(g_t - M_t)(g_t - M_t)^T`` update is applied before the second half-step so that
    the stability sum ``sum_t ||g_t - M_t||^2_{A_{t+1}^{-1}}`` is a log-determinant
    (``O(d log(sigma^2_{1:T} + Sigma^2_{1:T}))``).

    References
    ----------
    .. [1] arXiv:2302.04552, Sec. 4 (exp-concave and smooth functions, bound
       O(d log(sigma^2_{1:T} + Sigma^2_{1:T}))).
    .. [2] C.-K. Chiang et al., "Online optimization with gradual variations", COLT 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import Domain, OptimisticONS
    >>> ons = OptimisticONS(np.zeros(2), domain=Domain.ball(1.0), beta=0.5)
    >>> x = ons.predict()
    >>> ons.update(np.array([2.0, 0.0]))
    >>> np.asarray(ons.x_hat).tolist()  # A_2 = I + 0.25 g g^T = diag(2, 1): -A_2^{-1} g
    [-1.0, 0.0]
    """

    def __init__(
        self,
        x0: Array,
        /,
        *,
        domain: Domain,
        beta: float,
        delta: float = 1.0,
        hint: str = "last_grad",
    ) -> None:
        x0 = self._init_state(x0, hint)
        xp = self._xp
        self.domain = _check_domain(domain)
        if domain.kind != "ball" or (
            domain.center is not None and np.any(np.asarray(domain.center) != 0)
        ):
            msg = f"OptimisticONS needs a ball centred at the origin; got kind={domain.kind!r}"
            raise ValueError(msg)
        self._beta = _xp.positive_float(beta, name="beta")
        delta = _xp.positive_float(delta, name="delta")
        tol = 1e3 * _xp.eps(xp, self._dtype) * domain.radius
        if not bool(xp.all(domain.contains(x0, atol=tol))):
            msg = "x0 must lie in the domain (ball); got a point outside it"
            raise ValueError(msg)
        d = self._shape[-1]
        eye = xp.eye(d, dtype=self._dtype, device=self._device)
        self._a = xp.broadcast_to(delta * eye, (*self._shape[:-1], d, d))
        self._x_hat = x0
        self._x = x0

    @property
    def x_hat(self) -> Array:
        """The intermediate iterate ``x_hat``."""
        return self._x_hat

    @property
    def matrix(self) -> Array:
        """The current ``A_t``, shape ``x0.shape[:-1] + (d, d)``."""
        return self._a

    def _step(self, direction: Array) -> Array:
        xp = self._xp
        y = self._x_hat - xp.squeeze(xp.linalg.solve(self._a, direction[..., None]), axis=-1)
        return project_ball_mahalanobis(y, self._a, radius=self.domain.radius)

    def predict(self, hint: Array | None = None) -> Array:
        """Return ``x_t`` for the hint ``M_t``."""
        m = self._begin_predict(hint)
        self._hint = m
        self._x = self._step(m)
        self._awaiting_update = True
        return self._x

    def update(self, grad: Array) -> None:
        """Observe ``g_t``; update ``A`` and ``x_hat``."""
        g = self._begin_update(grad)
        diff = g - self._hint
        self._a = self._a + (0.5 * self._beta) * (diff[..., :, None] * diff[..., None, :])
        self._x_hat = self._step(g)
        self._last_grad = g
        self._t += 1
        self._awaiting_update = False


class OptimisticEnsemble(_Base):
    r"""Two-layer ensemble for dynamic regret: lazy optimistic Hedge over optimistic OGD base
    learners on a geometric grid of fixed steps (Sword++-style, one gradient query per round).

    Round t, with the hint ``M_t`` (default the last observed gradient ``g_{t-1}``, ``M_1 = 0``):

    1. every base i plays ``x_{t,i} = Pi_X(x_hat_{t,i} - eta_i M_t)`` (optimistic OGD with the
       fixed step ``eta_i`` of the grid);
    2. the meta-learner's optimism is ``m_{t,i} = <M_t, x_{t,i} - x_ref> + gamma s_{t,i}`` with
       the switching (correction) term ``s_{t,i} = ||x_{t,i} - x_{t-1,i}||^2``, and its weights
       are ``p_{t,i} ~ exp(-eps_t (L_{t-1,i} + m_{t,i}))`` (optimistic FTRL with the entropy);
    3. the decision is ``x_t = sum_i p_{t,i} x_{t,i}``; the learner observes
       ``g_t = grad f_t(x_t)`` (the only gradient query);
    4. every base takes ``x_hat_{t+1,i} = Pi_X(x_hat_{t,i} - eta_i g_t)`` (the linearised
       surrogate ``<g_t, x>``), and the meta-learner adds the loss
       ``l_{t,i} = <g_t, x_{t,i} - x_ref> + gamma s_{t,i}`` to ``L_{t,i}``.

    ``x_ref = x0`` only shifts every loss of a round by the same constant (the weights do not
    change); it makes ``||l_t - m_t||_inf = max_i |<g_t - M_t, x_{t,i} - x0>| <= 2 G D``.

    Parameters
    ----------
    x0 : array, shape (..., d)
        Common start of all bases (inside X); leading axes are independent copies.
    domain : Domain
        The convex set X.
    horizon : int
        T, used for the grid's smallest step ``eta_min = D / (G sqrt(T))``.
    grad_bound : float
        G with ``||g_t|| <= G``.
    smoothness : float, optional
        L of the expected losses; sets ``eta_max = 1/(8L)``, the switching weight
        ``gamma = 2L`` and the meta-step cap ``1/(8 D^2 L)``. Without it ``eta_max = D/G``,
        ``gamma = 0`` and no cap.
    step_grid : sequence of float, optional
        Explicit base steps (overrides ``eta_min``/``eta_max``).
    meta_step : float, optional
        A fixed meta step ``eps``. Default: the self-confident
        ``eps_t = min(1/(8 D^2 L), sqrt(ln K / ((2 G D)^2 + sum_{s<t} ||l_s - m_s||_inf^2)))``.

    Raises
    ------
    TypeError, ValueError, RuntimeError
        As :class:`OptimisticOMD`; ``horizon <= 0``; ``grad_bound <= 0``; a grid with a step
        ``<= 0``; ``meta_step <= 0``.

    Notes
    -----
    Grid: ``eta_i = eta_min 2^i`` for ``i = 0, ..., floor(log2(eta_max/eta_min))``, so it
    holds the unknown optimal step ``~ sqrt((1 + P_T)/(1 + P_T + sigma^2_{1:T} +
    Sigma^2_{1:T}))`` within a factor 2; K = ``len(step_grid)`` bases cost K times one base.

    Regret split (pathwise, for convex ``f_t``; checked in the tests): for every base i and
    any comparators ``u_t``,
    ``sum_t f_t(x_t) - f_t(u_t) <= sum_t <g_t, x_t - x_{t,i}> + sum_t <g_t, x_{t,i} - u_t>``
    (meta-regret + base-regret). The lazy optimistic Hedge with non-increasing ``eps_t``
    satisfies ``sum_t <p_t - e_i, l_t> <= ln K / eps_{T+1} + sum_t (eps_t / 2)
    ||l_t - m_t||_inf^2`` (optimistic FTRL with the entropy, 1-strongly convex in
    ``||.||_1``), hence the meta-regret bound
    ``sum_t <g_t, x_t - x_{t,i}> <= ln K / eps_{T+1} + sum_t (eps_t/2) ||l_t - m_t||^2_inf
    + gamma sum_t (s_{t,i} - <p_t, s_t>)``. The ``+gamma s_{t,i}`` term is cancelled by the
    negative stability term ``-(1/(4 eta_i)) sum_t ||x_{t,i} - x_{t-1,i}||^2`` of base i's
    RVU bound when ``gamma <= 1/(4 eta_i)`` (``eta_i <= 1/(8L)`` for ``gamma = 2L``), and
    ``-gamma <p_t, s_t>`` absorbs the ``L^2 ||x_t - x_{t-1}||^2`` part of
    ``||g_t - M_t||^2``; together they give the dynamic-regret bound
    ``E[sum_t f_t(x_t) - f_t(u_t)] = O(sqrt((1 + P_T + sigma^2_{1:T} + Sigma^2_{1:T})
    (1 + P_T)))``, ``P_T = sum_t ||u_t - u_{t-1}||`` (arXiv:2302.04552, the dynamic-regret
    theorem for convex and smooth expected losses; the theorem's number, its constants and
    whether its meta-learner is this lazy form could not be read in the paper text, see
    ``docs/papers/optimistic_omd.rst``). Grid, ``gamma = 2L``, the cap ``1/(8 D^2 L)`` and
    ``eta_max = 1/(8L)`` follow Sword++ (Zhao, Zhang, Zhang, Zhou, arXiv:2112.14368) as laid
    out in PyNOL's ``SwordPP``; they are conservative, so on short or noiseless streams one
    well-tuned OGD learner can beat the ensemble by the meta overhead ``O(D^2 L ln K)``.

    References
    ----------
    .. [1] S. Chen, Y.-J. Zhang, W.-W. Tu, P. Zhao, L. Zhang, arXiv:2302.04552 (ICML 2023,
       JMLR 25(178) 2024): dynamic regret in the SEA model (JMLR version).
    .. [2] P. Zhao, Y.-J. Zhang, L. Zhang, Z.-H. Zhou, "Adaptivity and non-stationarity:
       problem-dependent dynamic regret for online convex optimization", arXiv:2112.14368
       (JMLR 25(98) 2024), Sword++ (meta-base structure, correction term, step grid).
    .. [3] F. Orabona, "A Modern Introduction to Online Learning", arXiv:1912.13213, Sec. 7.12
       (optimistic FTRL regret bound used for the meta-learner).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.online import Domain, OptimisticEnsemble
    >>> ens = OptimisticEnsemble(np.zeros(2), domain=Domain.ball(1.0), horizon=64, grad_bound=2.0)
    >>> ens.n_bases
    4
    >>> x = ens.predict(); ens.update(np.array([1.0, 0.0]))
    >>> x = ens.predict()  # hint M_2 = g_1: the bases with larger steps expect lower losses
    >>> np.round(np.asarray(ens.weights), 3).tolist()
    [0.234, 0.243, 0.261, 0.261]
    >>> bool(np.linalg.norm(np.asarray(x)) <= 1.0)
    True
    """

    def __init__(
        self,
        x0: Array,
        /,
        *,
        domain: Domain,
        horizon: int,
        grad_bound: float,
        smoothness: float | None = None,
        step_grid: Any = None,
        meta_step: float | None = None,
    ) -> None:
        x0 = self._init_state(x0, "last_grad")
        xp = self._xp
        self.domain = _check_domain(domain)
        horizon = _xp.positive_int(horizon, name="horizon")
        g = _xp.positive_float(grad_bound, name="grad_bound")
        d = self._shape[-1]
        diam = domain.diameter(d)
        if diam <= 0.0:
            msg = f"domain must have a positive diameter for the ensemble; got d={d}"
            raise ValueError(msg)
        lip = None if smoothness is None else _xp.positive_float(smoothness, name="smoothness")
        if step_grid is None:
            eta_min = diam / (g * math.sqrt(horizon))
            eta_max = diam / g if lip is None else max(eta_min, 1.0 / (8.0 * lip))
            k = math.floor(math.log2(eta_max / eta_min)) + 1
            grid = eta_min * 2.0 ** np.arange(k)
        else:
            grid = np.asarray(step_grid, dtype=np.float64).reshape(-1)
            if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid <= 0):
                msg = f"step_grid must be non-empty, finite and positive; got {step_grid!r}"
                raise ValueError(msg)
        self.step_grid = tuple(float(v) for v in grid)
        k = len(self.step_grid)
        self._gamma = 0.0 if lip is None else 2.0 * lip
        self._fixed_eps = (
            None if meta_step is None else _xp.positive_float(meta_step, name="meta_step")
        )
        self._cap = math.inf if lip is None else 1.0 / (8.0 * diam * diam * lip)
        self._pad = (2.0 * g * diam) ** 2  # ||l_t - m_t||_inf <= ||g_t - M_t|| D <= 2 G D
        self._log_k = math.log(k)
        bases_x0 = xp.broadcast_to(x0[..., None, :], (*self._shape[:-1], k, d))
        steps = _xp.from_host(grid, xp=xp, dtype=self._dtype, device=self._device)
        self._bases = OptimisticOMD(bases_x0, domain=domain, step=steps, hint="external")
        batch = (*self._shape[:-1], k)
        self._ref = x0[..., None, :]
        self._cum = xp.zeros(batch, dtype=self._dtype, device=self._device)
        self._sum_sq = xp.zeros(self._shape[:-1], dtype=self._dtype, device=self._device)
        self._weights = xp.full(batch, 1.0 / k, dtype=self._dtype, device=self._device)
        self._prev_bases = bases_x0
        self._switch = xp.zeros(batch, dtype=self._dtype, device=self._device)
        self._meta_hint = xp.zeros(batch, dtype=self._dtype, device=self._device)
        self._x = x0

    @property
    def n_bases(self) -> int:
        """K, the number of base learners."""
        return len(self.step_grid)

    @property
    def switching_weight(self) -> float:
        """gamma, the weight of the correction term ``||x_{t,i} - x_{t-1,i}||^2``."""
        return self._gamma

    @property
    def weights(self) -> Array:
        """The meta-learner's weights p_t over the bases, shape ``x0.shape[:-1] + (K,)``."""
        return self._weights

    @property
    def base_decisions(self) -> Array:
        """The bases' decisions x_{t,i}, shape ``x0.shape[:-1] + (K, d)``."""
        return self._bases.x

    @property
    def meta_step(self) -> Array:
        """eps_t of the current (or, after :meth:`update`, the coming) round, shape
        ``x0.shape[:-1]``; it uses ``||l_s - m_s||_inf`` for completed rounds s only (0 when
        K = 1: there is no meta-learner)."""
        xp = self._xp
        if self._fixed_eps is not None:
            return xp.full(
                self._shape[:-1], self._fixed_eps, dtype=self._dtype, device=self._device
            )
        eps = xp.sqrt(self._log_k / (self._pad + self._sum_sq))
        return xp.minimum(eps, xp.full_like(eps, self._cap))

    def predict(self, hint: Array | None = None) -> Array:
        """Return ``x_t = sum_i p_{t,i} x_{t,i}`` for the hint ``M_t`` (given to every base
        and used in the meta optimism; default the last gradient)."""
        m = self._begin_predict(hint)
        xp = self._xp
        xs = self._bases.predict(xp.broadcast_to(m[..., None, :], self._bases._shape))
        diff = xs - self._prev_bases
        self._switch = self._gamma * xp.sum(diff * diff, axis=-1)
        self._meta_hint = xp.sum((xs - self._ref) * m[..., None, :], axis=-1) + self._switch
        if len(self.step_grid) > 1:
            logits = -self.meta_step[..., None] * (self._cum + self._meta_hint)
            w = xp.exp(logits - xp.max(logits, axis=-1, keepdims=True))
            self._weights = w / xp.sum(w, axis=-1, keepdims=True)
        self._hint = m
        self._x = xp.sum(self._weights[..., None] * xs, axis=-2)
        self._awaiting_update = True
        return self._x

    def update(self, grad: Array) -> None:
        """Feed ``g_t`` to every base and the linearised losses to the meta-learner."""
        g = self._begin_update(grad)
        xp = self._xp
        xs = self._bases.x
        self._bases.update(xp.broadcast_to(g[..., None, :], self._bases._shape))
        loss = xp.sum((xs - self._ref) * g[..., None, :], axis=-1) + self._switch
        self._sum_sq = self._sum_sq + xp.max(xp.abs(loss - self._meta_hint), axis=-1) ** 2
        self._cum = self._cum + loss
        self._prev_bases = xs
        self._last_grad = g
        self._t += 1
        self._awaiting_update = False
