"""Halpern-type methods and baselines for finite-sum monotone inclusions.

Cai, Alacaoglu, Diakonikolas, "Variance Reduced Halpern Iteration for Finite-Sum Monotone
Inclusions", ICLR 2024, arXiv:2310.02987: classical Halpern, Algorithm 1 (PAGE-style
variance-reduced Halpern, cocoercive case), Algorithm 2 (inexact Halpern with a variance-reduced
forward-reflected-backward subsolver, monotone Lipschitz case), and the baselines of Section 5
(extragradient, extra-anchored gradient, variance-reduced extragradient).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _dispatch, _xp

from ._problems import FiniteSumProblem
from ._residuals import _natural

__all__ = [
    "InclusionResult",
    "eag",
    "extragradient",
    "halpern",
    "page_probability",
    "vr_extragradient",
    "vr_halpern",
]

Array = Any

_FORB = "optim.halpern.vr_forb"
_dispatch.register(_FORB, "reference", "refimpl.optim.halpern._methods:_vr_forb_reference")
_dispatch.register(
    _FORB,
    "numba",
    "refimpl.backends._halpern_numba:vr_forb_numba",
    requires=("numba",),
    namespaces=("numpy",),
)

#: default budget in epochs (oracle calls / n) when max_oracle_calls is None
DEFAULT_EPOCHS = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class InclusionResult:
    """Result of a method of :mod:`refimpl.optim.halpern`.

    Attributes
    ----------
    x : array, shape (dim,)
        The last finite iterate (namespace, dtype and device of ``u0``).
    n_iter : int
        Iterations done (outer iterations for ``vr_halpern(variant="inexact")``).
    converged : bool
        Whether the last recorded residual is ``<= tol``.
    status : str
        ``"converged"``, ``"max_oracle_calls"``, ``"max_iter"``, ``"callback"`` (the callback
        returned True) or ``"nonfinite"`` (an iterate or residual became NaN/inf; ``x`` is the
        last finite iterate and the histories stop before the failure).
    residuals : array, shape (n_records,)
        Natural residual ``R_eta`` (``eta = residual_eta``) of the recorded iterates; equals
        ``||F(u)||`` when ``G = 0``.
    oracle_calls : array, shape (n_records,)
        Cumulative oracle calls (component = 1, full operator = n) when each residual was
        recorded; integers.
    iterations : array, shape (n_records,)
        Iteration index of each record (0 = ``u0``); integers.
    residual_eta : float
        The ``eta`` of the recorded residual.
    method : str
        The method's name.
    inner_iterations : array or None
        Algorithm 2 only: the inner step count ``M_k`` of each outer iteration.
    """

    x: Array
    n_iter: int
    converged: bool
    status: str
    residuals: Array
    oracle_calls: Array
    iterations: Array
    residual_eta: float
    method: str
    inner_iterations: Array | None = None


class _Oracle:
    """Every evaluation of ``F``/``F_i`` inside the methods goes through here: charged (full
    operator n calls, b component rows b calls) and shape-checked."""

    def __init__(self, problem: FiniteSumProblem, xp: Any, dev: Any) -> None:
        self.p = problem
        self.xp = xp
        self.dev = dev
        self.calls = 0

    def full(self, u: Array) -> Array:
        out = self.p.F(u)
        self.calls += self.p.n
        if tuple(out.shape) != (self.p.dim,):
            msg = (
                f"the full operator must return shape (dim,) = ({self.p.dim},); "
                f"got {tuple(out.shape)}"
            )
            raise ValueError(msg)
        return out

    def rows(self, u: Array, idx: np.ndarray) -> Array:
        ix = self.xp.asarray(np.asarray(idx, dtype=np.int64), device=self.dev)
        out = self.p.components(u, ix)
        self.calls += int(idx.shape[0])
        if tuple(out.shape) != (int(idx.shape[0]), self.p.dim):
            msg = (
                f"components must return shape (len(idx), dim) = ({idx.shape[0]}, {self.p.dim}); "
                f"got {tuple(out.shape)}"
            )
            raise ValueError(msg)
        return out

    def mean_diff(self, u: Array, v: Array, idx: np.ndarray) -> Array:
        """``mean_{j in idx} (F_j(u) - F_j(v))`` (2 len(idx) calls)."""
        return self.xp.mean(self.rows(u, idx) - self.rows(v, idx), axis=0)


def _finite(xp: Any, u: Array) -> bool:
    return bool(xp.all(xp.isfinite(u)))


class _Run:
    """Bookkeeping shared by all methods: records, budget, tolerance, callback, status."""

    def __init__(
        self,
        problem: FiniteSumProblem,
        u0: Array,
        oracle: _Oracle,
        *,
        method: str,
        tol: Any,
        max_oracle_calls: Any,
        max_iter: Any,
        residual_eta: Any,
        record_every: Any,
        callback: Any,
    ) -> None:
        self.p, self.xp, self.oracle, self.method = problem, oracle.xp, oracle, method
        self.eta_res = _xp.positive_float(residual_eta, name="residual_eta")
        self.max_calls = (
            DEFAULT_EPOCHS * problem.n
            if max_oracle_calls is None
            else _xp.positive_int(max_oracle_calls, name="max_oracle_calls")
        )
        self.max_iter = None if max_iter is None else _xp.nonnegative_int(max_iter, name="max_iter")
        self.record_every = (
            problem.n
            if record_every is None
            else _xp.positive_int(record_every, name="record_every")
        )
        if callback is not None and not callable(callback):
            msg = f"callback must be callable or None; got {type(callback).__name__}"
            raise TypeError(msg)
        self.callback = callback
        self.tol_arg = None if tol is None else _xp.nonnegative_float(tol, name="tol")
        self.res: list[float] = []
        self.calls: list[int] = []
        self.iters: list[int] = []
        self.status = ""
        self.last_rec_calls = 0
        self.x = u0
        self.k = 0
        self.inner: list[int] | None = None

    def _residual(self, u: Array) -> float:
        return float(_natural(self.p, u, self.eta_res, self.xp))

    def start(self, u0: Array) -> bool:
        r0 = self._residual(u0)
        if not math.isfinite(r0):
            msg = f"u0 must give a finite residual; got {r0}"
            raise ValueError(msg)
        eps = _xp.eps(self.xp, u0.dtype)
        self.tol = math.sqrt(eps) * r0 if self.tol_arg is None else self.tol_arg
        self._append(0, r0)
        return self._check(u0, r0, record_cb=True)

    def _append(self, k: int, r: float) -> None:
        self.res.append(r)
        self.calls.append(self.oracle.calls)
        self.iters.append(k)
        self.last_rec_calls = self.oracle.calls

    def _check(self, u: Array, r: float, *, record_cb: bool) -> bool:
        if r <= self.tol:
            self.status = "converged"
            return True
        if (
            record_cb
            and self.callback is not None
            and self.callback(self.k, u, r, self.oracle.calls)
        ):
            self.status = "callback"
            return True
        return False

    def step(self, k: int, u: Array) -> bool:
        """After iteration ``k`` produced ``u``: True to stop."""
        if not _finite(self.xp, u):
            self.status = "nonfinite"
            return True
        self.x, self.k = u, k
        out_of_calls = self.oracle.calls >= self.max_calls
        out_of_iters = self.max_iter is not None and k >= self.max_iter
        if (
            self.oracle.calls - self.last_rec_calls >= self.record_every
            or out_of_calls
            or out_of_iters
        ):
            r = self._residual(u)
            if not math.isfinite(r):
                self.status = "nonfinite"
                return True
            self._append(k, r)
            if self._check(u, r, record_cb=True):
                return True
        if out_of_calls:
            self.status = "max_oracle_calls"
            return True
        if out_of_iters:
            self.status = "max_iter"
            return True
        return False

    def done(self) -> bool:
        """Before any iteration: max_iter = 0."""
        if self.max_iter == 0:
            self.status = "max_iter"
            return True
        return False

    def result(self) -> InclusionResult:
        xp, dev = self.xp, _xp.device(self.x)
        dt = self.x.dtype
        inner = None
        if self.inner is not None:
            inner = xp.asarray(np.asarray(self.inner, dtype=np.int64), device=dev)
        return InclusionResult(
            x=self.x,
            n_iter=self.k,
            converged=self.status == "converged",
            status=self.status,
            residuals=xp.asarray(np.asarray(self.res, dtype=np.float64), dtype=dt, device=dev),
            oracle_calls=xp.asarray(np.asarray(self.calls, dtype=np.int64), device=dev),
            iterations=xp.asarray(np.asarray(self.iters, dtype=np.int64), device=dev),
            residual_eta=self.eta_res,
            method=self.method,
            inner_iterations=inner,
        )


def _setup(problem: Any, u0: Any) -> tuple[Any, Array, _Oracle]:
    if not isinstance(problem, FiniteSumProblem):
        msg = f"problem must be a FiniteSumProblem; got {type(problem).__name__}"
        raise TypeError(msg)
    xp, (u0,) = _xp.as_arrays(u0)
    u0 = _xp.checked_real(u0, name="u0", xp=xp)
    if tuple(u0.shape) != (problem.dim,):
        msg = f"u0 must have shape (dim,) = ({problem.dim},); got {tuple(u0.shape)}"
        raise ValueError(msg)
    return xp, u0, _Oracle(problem, xp, _xp.device(u0))


def _step(value: Any, name: str, default: float | None, why: str) -> float:
    if value is None:
        if default is None:
            msg = f"{name} must be given: {why}; got None"
            raise ValueError(msg)
        return default
    return _xp.positive_float(value, name=name)


def _inv(x: float | None, factor: float = 1.0) -> float | None:
    return None if x is None else factor / x


_COMMON = """
    max_oracle_calls : int, optional
        Budget of oracle calls (component = 1, full operator = n); the method stops after
        the first iteration that reaches it. Default ``1000 n`` (1000 epochs).
    max_iter : int, optional
        Cap on the number of iterations (default: none).
    tol : float, optional
        Stop once a recorded residual is ``<= tol``. Default ``sqrt(eps) R(u0)`` (``eps`` of
        ``u0``'s dtype); ``0`` runs to the budget.
    residual_eta : float, default 1.0
        The ``eta`` of the recorded natural residual (irrelevant when ``G = 0``).
    record_every : int, optional
        Record the residual after the first iteration at which at least this many oracle
        calls were made since the last record (default ``n``: about once per epoch; every
        iteration for the full-operator methods). The last iterate is always recorded.
        Residual evaluations are measurements and are not charged.
    callback : callable, optional
        ``callback(k, u, residual, oracle_calls)`` at every record; returning ``True`` stops
        the run (status ``"callback"``)."""


def _doc(func: Callable[..., Any]) -> Callable[..., Any]:
    """Fill the shared parameter docs and run the method with NumPy floating-point warnings
    off: a diverging run is reported by ``status="nonfinite"`` (the iterate is checked every
    iteration), not by overflow warnings from the step that produced it."""
    func.__doc__ = (func.__doc__ or "").replace("    {common}", _COMMON.strip("\n"))

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return func(*args, **kwargs)

    return wrapper


def _run_deterministic(
    problem: FiniteSumProblem,
    u0: Array,
    xp: Any,
    oracle: _Oracle,
    run: _Run,
    update: Callable[[int, Array], Array],
) -> InclusionResult:
    if run.start(u0) or run.done():
        return run.result()
    u = u0
    k = 0
    while True:
        u = update(k, u)
        k += 1
        if run.step(k, u):
            return run.result()


# ------------------------------------------------------------------- classical Halpern
@_doc
def halpern(
    problem: FiniteSumProblem,
    u0: Array,
    /,
    *,
    eta: float | None = None,
    max_oracle_calls: int | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    residual_eta: float = 1.0,
    record_every: int | None = None,
    callback: Callable[..., Any] | None = None,
) -> InclusionResult:
    r"""Classical Halpern iteration ``u_{k+1} = lam_k u_0 + (1 - lam_k) T u_k``.

    ``lam_k = 1/(k+2)``, ``T = J_{eta G}(I - eta F)``.

    Parameters
    ----------
    problem : FiniteSumProblem
        ``F`` cocoercive (``T = J_{eta G}(I - eta F)`` is nonexpansive for ``eta <= 2 beta``).
    u0 : array, shape (dim,)
        Start and anchor.
    eta : float, optional
        Forward step; default ``2 beta`` (``beta = problem.cocoercivity``; required when it is
        unknown).
    {common}

    Returns
    -------
    InclusionResult
        Arrays in the namespace, dtype and device of ``u0``. Each iteration costs ``n`` calls.

    Raises
    ------
    TypeError
        If ``problem`` is not a :class:`FiniteSumProblem`, ``u0`` not a real array, or the
        callback not callable.
    ValueError
        If ``u0`` has the wrong shape or is not finite, a step or option is not positive, or
        ``eta`` is missing for a non-cocoercive problem, or the operator returns a wrong shape.

    Notes
    -----
    Lieder's tight bound: ``||u_k - T u_k|| <= 2 ||u_0 - u*|| / (k + 1)`` for every
    nonexpansive ``T`` (``u*`` the fixed point nearest ``u_0``); with ``G = 0`` and
    ``eta = 2 beta`` it reads ``||F(u_k)|| <= ||u_0 - u*|| / (beta (k + 1))``.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 1-2 (Halpern iteration, Eq. (1.2)); F. Lieder, "On the
       convergence rate of the Halpern-iteration", Optim. Lett. 15 (2021), Theorem 2.1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import halpern, random_linear_problem
    >>> p, z = random_linear_problem(4, 3, rng=0)
    >>> r = halpern(p, np.zeros(3), max_iter=100, tol=0.0)
    >>> r.n_iter, int(r.oracle_calls[-1]), bool(r.residuals[-1] < 0.05 * r.residuals[0])
    (100, 400, True)
    """
    xp, u0, oracle = _setup(problem, u0)
    beta = problem.cocoercivity
    eta = _step(
        eta, "eta", None if beta is None else 2.0 * beta, "the problem's cocoercivity is unknown"
    )
    run = _Run(
        problem,
        u0,
        oracle,
        method="halpern",
        tol=tol,
        max_oracle_calls=max_oracle_calls,
        max_iter=max_iter,
        residual_eta=residual_eta,
        record_every=record_every,
        callback=callback,
    )

    def update(k: int, u: Array) -> Array:
        lam = 1.0 / (k + 2)
        tu = problem.J(u - eta * oracle.full(u), eta)
        return lam * u0 + (1.0 - lam) * tu

    return _run_deterministic(problem, u0, xp, oracle, run, update)


# --------------------------------------------------------------------------- baselines
@_doc
def extragradient(
    problem: FiniteSumProblem,
    u0: Array,
    /,
    *,
    eta: float | None = None,
    max_oracle_calls: int | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    residual_eta: float = 1.0,
    record_every: int | None = None,
    callback: Callable[..., Any] | None = None,
) -> InclusionResult:
    r"""Korpelevich's extragradient: ``ubar = J(u - eta F(u))``, ``u+ = J(u - eta F(ubar))``.

    Parameters
    ----------
    problem : FiniteSumProblem
        ``F`` monotone and ``L_F``-Lipschitz.
    u0 : array, shape (dim,)
        Start.
    eta : float, optional
        Step; default ``1 / (2 L_F)`` (``problem.lipschitz``; required when unknown).
    {common}

    Returns
    -------
    InclusionResult
        Arrays in the namespace, dtype and device of ``u0``; ``2n`` calls per iteration.

    Raises
    ------
    TypeError, ValueError
        As :func:`halpern`.

    Notes
    -----
    ``J = J_{eta G}``. The paper's experiments use ``eta = 5/||A||_2`` (game) and ``0.5`` (QP),
    tuned values above the textbook ``1/L_F``.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 5 (baseline "EG"); G. M. Korpelevich, Ekonomika i Mat.
       Metody 12 (1976).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import extragradient, hard_qp
    >>> r = extragradient(hard_qp(4), np.full(8, 0.25), max_iter=10, tol=0.0)
    >>> int(r.oracle_calls[-1])
    80
    """
    xp, u0, oracle = _setup(problem, u0)
    eta = _step(eta, "eta", _inv(problem.lipschitz, 0.5), "the problem's lipschitz is unknown")
    run = _Run(
        problem,
        u0,
        oracle,
        method="extragradient",
        tol=tol,
        max_oracle_calls=max_oracle_calls,
        max_iter=max_iter,
        residual_eta=residual_eta,
        record_every=record_every,
        callback=callback,
    )

    def update(k: int, u: Array) -> Array:
        ubar = problem.J(u - eta * oracle.full(u), eta)
        return problem.J(u - eta * oracle.full(ubar), eta)

    return _run_deterministic(problem, u0, xp, oracle, run, update)


@_doc
def eag(
    problem: FiniteSumProblem,
    u0: Array,
    /,
    *,
    eta: float | None = None,
    max_oracle_calls: int | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    residual_eta: float = 1.0,
    record_every: int | None = None,
    callback: Callable[..., Any] | None = None,
) -> InclusionResult:
    r"""Extra-anchored gradient (EAG, Yoon-Ryu), projected form.

    ``ubar_k = J(lam_k u_0 + (1 - lam_k) u_k - eta F(u_k))``,
    ``u_{k+1} = J(lam_k u_0 + (1 - lam_k) u_k - eta F(ubar_k))``, ``lam_k = 1/(k+2)``.

    Parameters
    ----------
    problem : FiniteSumProblem
        ``F`` monotone and ``L_F``-Lipschitz.
    u0 : array, shape (dim,)
        Start and anchor.
    eta : float, optional
        Step; default ``1 / (8 L_F)`` (the constant step of EAG-C).
    {common}

    Returns
    -------
    InclusionResult
        Arrays in the namespace, dtype and device of ``u0``; ``2n`` calls per iteration.

    Raises
    ------
    TypeError, ValueError
        As :func:`halpern`.

    Notes
    -----
    For ``G = 0`` EAG-C guarantees ``||F(u_k)||^2 = O(L_F^2 ||u_0 - u*||^2 / k^2)``. The
    paper's experiments use ``eta = 5/||A||_2`` (game) and ``0.3`` (QP).

    References
    ----------
    .. [1] arXiv:2310.02987, Section 5 (baseline "EAG"); T. Yoon, E. K. Ryu, "Accelerated
       algorithms for smooth convex-concave minimax problems with O(1/k^2) rate on squared
       gradient norm", ICML 2021, arXiv:2102.07922.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import eag, hard_qp
    >>> r = eag(hard_qp(4), np.full(8, 0.25), eta=0.3, max_iter=50, tol=0.0)
    >>> bool(r.residuals[-1] < r.residuals[0])
    True
    """
    xp, u0, oracle = _setup(problem, u0)
    eta = _step(eta, "eta", _inv(problem.lipschitz, 0.125), "the problem's lipschitz is unknown")
    run = _Run(
        problem,
        u0,
        oracle,
        method="eag",
        tol=tol,
        max_oracle_calls=max_oracle_calls,
        max_iter=max_iter,
        residual_eta=residual_eta,
        record_every=record_every,
        callback=callback,
    )

    def update(k: int, u: Array) -> Array:
        lam = 1.0 / (k + 2)
        anchor = lam * u0 + (1.0 - lam) * u
        ubar = problem.J(anchor - eta * oracle.full(u), eta)
        return problem.J(anchor - eta * oracle.full(ubar), eta)

    return _run_deterministic(problem, u0, xp, oracle, run, update)


@_doc
def vr_extragradient(
    problem: FiniteSumProblem,
    u0: Array,
    /,
    *,
    gamma: float | None = None,
    p: float | None = None,
    max_oracle_calls: int | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    rng: Any = None,
    residual_eta: float = 1.0,
    record_every: int | None = None,
    callback: Callable[..., Any] | None = None,
) -> InclusionResult:
    r"""Loopless variance-reduced extragradient (Alacaoglu-Malitsky).

    ``zbar = alpha z + (1 - alpha) w``; ``z_half = J(zbar - gamma F(w))``; draw ``xi``;
    ``z+ = J(zbar - gamma [F(w) + F_xi(z_half) - F_xi(w)])``; with probability ``p``:
    ``w <- z+`` (then ``F(w)``, n calls). ``alpha = 1 - p``.

    Parameters
    ----------
    problem : FiniteSumProblem
        ``F`` monotone, components ``L``-Lipschitz on average.
    u0 : array, shape (dim,)
        Start (and first snapshot ``w``).
    gamma : float, optional
        Step; default ``0.99 sqrt(p) / L`` (``L = problem.avg_lipschitz``).
    p : float, optional
        Snapshot probability in ``(0, 1]``; default ``1/n``.
    rng : numpy.random.Generator or int or None
        Host stream for the indices and coins (drawn in blocks of 1024 of each).
    {common}

    Returns
    -------
    InclusionResult
        Arrays in the namespace, dtype and device of ``u0``; 2 calls per step plus ``n`` per
        snapshot (and ``n`` at the start).

    Raises
    ------
    TypeError, ValueError
        As :func:`halpern`; also for ``p`` outside ``(0, 1]`` or a bad ``rng``.

    Notes
    -----
    The official QP script charges one call per inner step; refimpl charges the two component
    evaluations. The paper's experiments use ``gamma = 3 sqrt(p)/||A||_F`` (game) and ``0.01``
    (QP), ``p = 1/n``.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 5 (baseline "VR-EG"); A. Alacaoglu, Y. Malitsky,
       "Stochastic variance reduction for variational inequality methods", COLT 2022,
       arXiv:2102.08352, Algorithm 1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import hard_qp, vr_extragradient
    >>> r = vr_extragradient(hard_qp(4), np.full(8, 0.25), max_oracle_calls=400, tol=0.0, rng=0)
    >>> r.status
    'max_oracle_calls'
    """
    _, u0, oracle = _setup(problem, u0)
    n = problem.n
    p = 1.0 / n if p is None else _prob(p, "p")
    gamma = _step(
        gamma,
        "gamma",
        _inv(problem.avg_lipschitz, 0.99 * math.sqrt(p)),
        "the problem's avg_lipschitz is unknown",
    )
    gen = _xp.rng(rng)
    run = _Run(
        problem,
        u0,
        oracle,
        method="vr_extragradient",
        tol=tol,
        max_oracle_calls=max_oracle_calls,
        max_iter=max_iter,
        residual_eta=residual_eta,
        record_every=record_every,
        callback=callback,
    )
    if run.start(u0) or run.done():
        return run.result()
    alpha = 1.0 - p
    z = w = u0
    fw = oracle.full(w)
    k = 0
    block = 1024
    while True:
        j = k % block
        if j == 0:
            xis = gen.integers(0, n, size=(block, 1))
            coins = gen.random(block) < p
        zbar = alpha * z + (1.0 - alpha) * w
        zh = problem.J(zbar - gamma * fw, gamma)
        d = oracle.mean_diff(zh, w, xis[j, ...])
        z = problem.J(zbar - gamma * (fw + d), gamma)
        if coins[j]:
            w = z
            fw = oracle.full(w)
        k += 1
        if run.step(k, z):
            return run.result()


def _prob(value: Any, name: str) -> float:
    v = _xp.positive_float(value, name=name)
    if v > 1.0:
        msg = f"{name} must be a probability in (0, 1]; got {v!r}"
        raise ValueError(msg)
    return v


# -------------------------------------------------------------- Algorithm 1 and 2
def page_probability(i: int, n: int) -> float:
    """The PAGE full-refresh probability ``p_i`` of Algorithm 1 at iteration ``i`` (0-based):
    1 for ``i <= 1``, ``4/(i + 4)`` for ``2 <= i <= sqrt(n) + 1``, then ``4/(sqrt(n) + 5)``."""
    if i <= 1:
        return 1.0
    if i <= math.sqrt(n) + 1:
        return 4.0 / (i + 4)
    return 4.0 / (math.sqrt(n) + 5)


def _inner_default(n: int) -> Callable[[int], int]:
    def steps(k: int) -> int:
        return max(1, int(0.05 * n * math.log(k + 2)))

    return steps


_PAGE_ONLY = ("batch_size", "prob")
_INEXACT_ONLY = ("c", "gamma", "inner_steps", "snapshot", "backend")


@_doc
def vr_halpern(
    problem: FiniteSumProblem,
    u0: Array,
    /,
    *,
    variant: str = "page",
    eta: float | None = None,
    batch_size: int | None = None,
    prob: float | None = None,
    c: float | None = None,
    gamma: float | None = None,
    inner_steps: int | Callable[[int], int] | None = None,
    snapshot: str = "inner",
    max_oracle_calls: int | None = None,
    max_iter: int | None = None,
    tol: float | None = None,
    rng: Any = None,
    residual_eta: float = 1.0,
    record_every: int | None = None,
    callback: Callable[..., Any] | None = None,
    backend: str = "reference",
) -> InclusionResult:
    r"""Variance-reduced Halpern iteration: Algorithm 1 (``"page"``) or 2 (``"inexact"``).

    **Algorithm 1** (``variant="page"``, cocoercive case), iteration ``i = 0, 1, ...``:
    ``lam_i = 2/(i + 4)``; with probability ``p_i`` (:func:`page_probability`) ``Ft = F(u_i)``
    (n calls), otherwise ``Ft <- Ft + (1/b) sum_{j in S} (F_j(u_i) - F_j(u_{i-1}))`` with
    ``S`` drawn **without replacement**, ``|S| = b`` (2b calls);
    ``u_{i+1} = J_{eta G}(lam_i u_0 + (1 - lam_i) u_i - eta Ft)``.

    **Algorithm 2** (``variant="inexact"``, monotone Lipschitz case): ``lam_k = 1/(k+2)``,
    ``ut_k ~ J_{c(F+G)}(u_k)`` by ``M_k`` steps of loopless VR-FoRB on
    ``0 in B_k(v) + c G(v)``, ``B_k(v) = c F(v) + v - u_k`` (1-strongly monotone), and
    ``u_{k+1} = lam_k u_0 + (1 - lam_k) ut_k``. VR-FoRB (``p = 1/n``, ``alpha = 1 - p``,
    ``v = w = w' = u_k``, ``g = B_k(w)``): ``vbar = alpha v + (1 - alpha) w``; draw ``xi``;
    ``v <- J_{gamma c G}(vbar - gamma [g + c (F_xi(v) - F_xi(w')) + v - w'])``; ``w' <- w``;
    with probability ``p``: ``w <- v``, ``g <- B_k(w)``.

    Parameters
    ----------
    problem : FiniteSumProblem
        The finite-sum inclusion.
    u0 : array, shape (dim,)
        Start and anchor.
    variant : {"page", "inexact"}, default "page"
        Algorithm 1 or Algorithm 2.
    eta : float, optional
        ``"page"``: the forward step (not multiplied by ``1 - lam``); default ``1/L``
        (``L = problem.avg_lipschitz``).
    batch_size : int, optional
        ``"page"``: ``b`` in ``[1, n]``; default ``floor(sqrt(n))``.
    prob : float, optional
        ``"page"``: replace the schedule ``p_i`` (``i >= 2``) by this constant in ``(0, 1]``;
        ``1`` gives the deterministic anchored iteration.
    c : float, optional
        ``"inexact"``: resolvent parameter; default ``sqrt(n)/L``.
    gamma : float, optional
        ``"inexact"``: VR-FoRB step; default ``sqrt(p(1-p)) / (1 + c L)``.
    inner_steps : int or callable, optional
        ``"inexact"``: ``M_k`` (constant, or ``k -> M_k``); default
        ``max(1, floor(0.05 n ln(k + 2)))`` (the official scripts' schedule).
    snapshot : {"inner", "outer"}, default "inner"
        ``"inexact"``: the analysed VR-FoRB refreshes the snapshot to the inner iterate;
        ``"outer"`` mimics the official scripts (``w <- u_k``).
    rng : numpy.random.Generator or int or None
        Host stream: ``"page"`` draws one coin (when ``p_i < 1``) then one subset per
        iteration; ``"inexact"`` draws ``M_k`` indices then ``M_k`` coins per outer iteration.
    backend : {"reference", "numba", "auto"}, default "reference"
        ``"inexact"``: implementation of the VR-FoRB inner loop; ``"numba"`` needs NumPy
        arrays and a problem from :func:`matrix_game` or :func:`hard_qp`; ``"auto"`` uses it
        when possible.
    {common}

    Returns
    -------
    InclusionResult
        Arrays in the namespace, dtype and device of ``u0``; for ``"inexact"`` the records are
        outer iterates and ``inner_iterations`` holds ``M_k``.

    Raises
    ------
    TypeError
        As :func:`halpern`; ``backend="numba"`` with non-NumPy arrays or a problem without
        the split-linear structure.
    ValueError
        As :func:`halpern`; an unknown ``variant``/``snapshot``/``backend``, an option of the
        other variant, ``batch_size`` outside ``[1, n]``, ``prob`` outside ``(0, 1]``.
    refimpl._dispatch.BackendUnavailableError
        If ``backend="numba"`` and numba is not installed.

    Notes
    -----
    The schedules ``lam_i = 2/(i+4)``, ``p_i`` and ``b = floor(sqrt(n))`` of Algorithm 1, and
    ``c``, ``M_k`` of Algorithm 2, are those of the official experiment scripts (commit
    638fc27); the default step sizes are the theory's ``1/L`` scalings (the scripts use tuned
    multiples). Expected cost per late PAGE iteration ``p n + 2b ~ 6 sqrt(n)``; claimed total
    oracle complexity ``O~(n + sqrt(n) L / eps)`` for both algorithms.

    References
    ----------
    .. [1] arXiv:2310.02987, Algorithm 1 (Section 3), Algorithm 2 with the VR-FoRB subsolver
       (Section 4), experiments (Section 5); A. Alacaoglu, Y. Malitsky, arXiv:2102.08352
       (VR-FoRB); Z. Li et al., "PAGE", ICML 2021, arXiv:2008.10898 (the estimator).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import random_linear_problem, vr_halpern
    >>> p, z = random_linear_problem(16, 3, rng=0)
    >>> r = vr_halpern(p, np.zeros(3), max_oracle_calls=16 * 200, tol=0.0, rng=1)
    >>> bool(r.residuals[-1] < 0.05 * r.residuals[0])
    True
    >>> r2 = vr_halpern(p, np.zeros(3), variant="inexact", max_oracle_calls=16 * 200, rng=1)
    >>> bool(r2.residuals[-1] < 0.05 * r2.residuals[0])
    True
    """
    variant = _xp.check_choice(variant, ("page", "inexact"), name="variant")
    given = {
        "batch_size": batch_size,
        "prob": prob,
        "c": c,
        "gamma": gamma,
        "inner_steps": inner_steps,
        "snapshot": None if snapshot == "inner" else snapshot,
        "backend": None if backend == "reference" else backend,
    }
    other = _INEXACT_ONLY if variant == "page" else (*_PAGE_ONLY, "eta")
    given["eta"] = eta
    for key in other:
        if given[key] is not None:
            msg = (
                f"{key} must not be given with variant={variant!r} (it applies to the other "
                f"variant); got {given[key]!r}"
            )
            raise ValueError(msg)
    xp, u0, oracle = _setup(problem, u0)
    gen = _xp.rng(rng)
    run = _Run(
        problem,
        u0,
        oracle,
        method=f"vr_halpern[{variant}]",
        tol=tol,
        max_oracle_calls=max_oracle_calls,
        max_iter=max_iter,
        residual_eta=residual_eta,
        record_every=record_every,
        callback=callback,
    )
    if variant == "page":
        return _page(problem, u0, xp, oracle, run, gen, eta, batch_size, prob)
    return _inexact(problem, u0, xp, oracle, run, gen, c, gamma, inner_steps, snapshot, backend)


def _page(
    problem: FiniteSumProblem,
    u0: Array,
    xp: Any,
    oracle: _Oracle,
    run: _Run,
    gen: np.random.Generator,
    eta: Any,
    batch_size: Any,
    prob: Any,
) -> InclusionResult:
    n = problem.n
    eta = _step(eta, "eta", _inv(problem.avg_lipschitz), "the problem's avg_lipschitz is unknown")
    b = math.isqrt(n) if batch_size is None else _xp.positive_int(batch_size, name="batch_size")
    if b > n:
        msg = f"batch_size must be in [1, n] = [1, {n}]; got {b}"
        raise ValueError(msg)
    const = None if prob is None else _prob(prob, "prob")
    if run.start(u0) or run.done():
        return run.result()
    u = u_prev = u0
    g = u0
    i = 0
    while True:
        p_i = page_probability(i, n) if (const is None or i <= 1) else const
        full = p_i >= 1.0 or bool(gen.random() < p_i)
        subset = None if full else gen.choice(n, size=b, replace=False)
        g = _page_estimate(oracle, g, u, u_prev, subset)
        lam = 2.0 / (i + 4)
        u_prev = u
        u = problem.J(lam * u0 + (1.0 - lam) * u - eta * g, eta)
        i += 1
        if run.step(i, u):
            return run.result()


def _page_estimate(
    oracle: _Oracle, g: Array, u: Array, u_prev: Array, subset: np.ndarray | None
) -> Array:
    """The PAGE estimator of ``F(u)``: ``F(u)`` when ``subset`` is None (n calls), else
    ``g + mean_{j in subset} (F_j(u) - F_j(u_prev))`` (2 len(subset) calls)."""
    if subset is None:
        return oracle.full(u)
    return g + oracle.mean_diff(u, u_prev, subset)


def _inexact(
    problem: FiniteSumProblem,
    u0: Array,
    xp: Any,
    oracle: _Oracle,
    run: _Run,
    gen: np.random.Generator,
    c: Any,
    gamma: Any,
    inner_steps: Any,
    snapshot: str,
    backend: str,
) -> InclusionResult:
    n = problem.n
    snapshot = _xp.check_choice(snapshot, ("inner", "outer"), name="snapshot")
    ell = problem.avg_lipschitz
    c = _step(
        c,
        "c",
        None if ell is None else math.sqrt(n) / ell,
        "the problem's avg_lipschitz is unknown",
    )
    p = 1.0 / max(n, 2)
    alpha = 1.0 - p
    lb = None if ell is None else 1.0 + c * ell
    gamma = _step(
        gamma, "gamma", _inv(lb, math.sqrt(p * (1.0 - p))), "the problem's avg_lipschitz is unknown"
    )
    if inner_steps is None:
        steps = _inner_default(n)
    elif callable(inner_steps):
        steps = inner_steps
    else:
        m_const = _xp.positive_int(inner_steps, name="inner_steps")

        def steps(k: int) -> int:
            return m_const

    forb = _resolve_forb(problem, u0, backend)
    run.inner = []
    if run.start(u0) or run.done():
        return run.result()
    u = u0
    k = 0
    while True:
        m = _xp.positive_int(steps(k), name="inner_steps(k)")
        xi = gen.integers(0, n, size=m)
        coins = gen.random(m) < p
        v, calls = forb(problem, u, c, gamma, alpha, xi, coins, snapshot == "outer")
        oracle.calls += calls
        run.inner.append(m)
        lam = 1.0 / (k + 2)
        u = lam * u0 + (1.0 - lam) * v
        k += 1
        if run.step(k, u):
            return run.result()


def _resolve_forb(problem: FiniteSumProblem, u0: Array, backend: str) -> Callable[..., Any]:
    ns = _xp.namespace_name(_xp.as_arrays(u0)[0])
    if backend == "auto" and (problem._split is None or ns != "numpy"):
        backend = "reference"
    impl = _dispatch.resolve(_FORB, backend, ns)
    if backend == "numba" and problem._split is None:
        msg = (
            "backend='numba' needs a problem built by matrix_game or hard_qp (split-linear "
            f"structure); got {problem.name!r}"
        )
        raise TypeError(msg)
    return impl


def _vr_forb_reference(
    problem: FiniteSumProblem,
    u: Array,
    c: float,
    gamma: float,
    alpha: float,
    xi: np.ndarray,
    coins: np.ndarray,
    outer_snapshot: bool,
) -> tuple[Array, int]:
    """``len(xi)`` VR-FoRB steps for ``0 in c F(v) + v - u + c G(v)`` from ``v = u``, with the
    pre-drawn indices ``xi`` and coins; returns the last inner iterate and the oracle calls."""
    xp = _xp.as_arrays(u)[0]
    oracle = _Oracle(problem, xp, _xp.device(u))
    v = w = w_prev = u
    gw = c * oracle.full(w) + (w - u)
    step = gamma * c
    for t in range(int(xi.shape[0])):
        vbar = alpha * v + (1.0 - alpha) * w
        d = oracle.mean_diff(v, w_prev, xi[t : t + 1])
        v_new = problem.J(vbar - gamma * (gw + c * d + (v - w_prev)), step)
        w_prev = w
        if coins[t]:
            w = u if outer_snapshot else v_new
            gw = c * oracle.full(w) + (w - u)
        v = v_new
    return v, oracle.calls
