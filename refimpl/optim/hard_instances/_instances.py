"""Scaled and randomly embedded chain instances, zero-chain oracles, and a first-order driver.

Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606 (Sections 3-5: scaling, random rotation,
bounded instance); Arjevani, Carmon, Duchi, Foster, Srebro, Woodworth, arXiv:1912.02365
(Section 3: the Bernoulli stochastic gradient oracle); Zhang, Li, arXiv:2212.03906 (the same
instances against quantum algorithms).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp

from ._chain import _check_chain, _gradient, _progress, _value

__all__ = [
    "ChainRunResult",
    "RotatedChain",
    "ScaledChain",
    "ZeroChainOracle",
    "bernoulli_chain_oracle",
    "oracle_descent",
    "random_embedding",
    "rotated_chain",
    "scaled_chain",
]

Array = Any

#: ell_1 = 152: Lipschitz constant of the chain gradient (CDHS Lemma 3)
ELL_1 = 152.0
#: f_T(0) - inf f_T <= 12 T (CDHS Lemma 3)
GAP_PER_LINK = 12.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ScaledChain:
    r"""The chain scaled to an :math:`L`-smooth function with gradient :math:`\varepsilon` scale:
    :math:`f(x) = (L\lambda^2/\ell_1)\,\bar f_T(x/\lambda)`, :math:`\lambda = \ell_1\varepsilon/L`.

    Attributes
    ----------
    T : int
        Chain length.
    L, eps, Delta : float
        Smoothness, target gradient norm, initial optimality gap bound.
    lam : float
        :math:`\lambda = \ell_1\varepsilon/L` with :math:`\ell_1 = 152`.

    Notes
    -----
    :math:`\nabla f(x) = \varepsilon\nabla\bar f_T(x/\lambda)`, so :math:`\|\nabla f\| >
    \varepsilon` until the chain is finished; :math:`\nabla f` is ``L``-Lipschitz and
    :math:`f(0) - \inf f \le 12T\,\ell_1\varepsilon^2/L \le \Delta`. Methods: ``value(x)``,
    ``gradient(x)`` (``x`` of shape ``(..., T)``), ``chain_point(x) = x/lam`` and
    ``pullback(x, gbar) = eps * gbar`` (a chain gradient mapped to ``f``'s gradient).

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Theorem 2 (proof: the scaling).

    Examples
    --------
    >>> from refimpl.optim.hard_instances import scaled_chain
    >>> f = scaled_chain(1.0, 0.01, 10.0)
    >>> f.T
    54
    """

    T: int
    L: float
    eps: float
    Delta: float
    lam: float

    def chain_point(self, x: Array, /) -> Array:
        """Chain coordinates ``x / lam``."""
        _, x = _check_chain(x)
        self._dim(x)
        return x / self.lam

    def value(self, x: Array, /) -> Array:
        """:math:`f(x)`, shape ``(...)``."""
        xp, x = _check_chain(x)
        self._dim(x)
        return (self.L * self.lam**2 / ELL_1) * _value(x / self.lam, xp)

    def gradient(self, x: Array, /) -> Array:
        """:math:`\\nabla f(x)`, shape ``(..., T)``."""
        xp, x = _check_chain(x)
        self._dim(x)
        return self.eps * _gradient(x / self.lam, xp)

    def pullback(self, x: Array, gbar: Array, /) -> Array:
        """A chain (stochastic) gradient at ``chain_point(x)`` mapped to ``f``'s coordinates."""
        return self.eps * gbar

    def _dim(self, x: Array) -> None:
        if x.shape[-1] != self.T:
            msg = f"x must have last dimension T = {self.T}; got shape {tuple(x.shape)}"
            raise ValueError(msg)


def scaled_chain(L: float, eps: float, Delta: float, /) -> ScaledChain:
    r"""The hard instance for first-order methods on ``L``-smooth functions with gap ``Delta``.

    Parameters
    ----------
    L : float
        Gradient Lipschitz constant, ``> 0``.
    eps : float
        Target stationarity :math:`\varepsilon > 0`.
    Delta : float
        Bound on :math:`f(0) - \inf f`, ``> 0``.

    Returns
    -------
    ScaledChain
        With :math:`T = \lfloor\Delta L/(12\,\ell_1\varepsilon^2)\rfloor` links.

    Raises
    ------
    TypeError, ValueError
        Non-positive or non-finite parameters; ``T < 1`` (``Delta`` too small for ``eps``).

    Notes
    -----
    Every zero-respecting first-order method needs at least ``T`` gradient queries before
    :math:`\|\nabla f\| \le \varepsilon`, i.e. :math:`\Omega(\Delta L\varepsilon^{-2})`
    (``p = 1`` of the bounds table; Zhang and Li prove the same for quantum algorithms).
    Only ``p = 1`` is implemented: the constants :math:`\ell_p` for ``p > 1`` are not stated
    numerically in CDHS (only :math:`\ell_p \le \exp(\tfrac52p\log p + cp)`).

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Theorem 2 and Lemma 3.
    .. [2] Zhang, Li, arXiv:2212.03906, Theorem 1 (quantum lower bound, same scaling).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import scaled_chain
    >>> f = scaled_chain(2.0, 0.02, 5.0)
    >>> g = f.gradient(np.zeros(f.T))
    >>> bool(np.linalg.norm(g) > 0.02)
    True
    """
    lip = _xp.positive_float(L, name="L")
    e = _xp.positive_float(eps, name="eps")
    gap = _xp.positive_float(Delta, name="Delta")
    t = math.floor(gap * lip / (GAP_PER_LINK * ELL_1 * e * e))
    if t < 1:
        msg = (
            f"Delta * L / (12 * 152 * eps^2) must be >= 1 (at least one link, T >= 1); "
            f"got {gap * lip / (GAP_PER_LINK * ELL_1 * e * e):.3g}"
        )
        raise ValueError(msg)
    return ScaledChain(T=t, L=lip, eps=e, Delta=gap, lam=ELL_1 * e / lip)


def random_embedding(
    d: int,
    T: int,
    /,
    *,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    r"""A Haar-random ``d x T`` matrix with orthonormal columns (``d >= T``).

    Parameters
    ----------
    d, T : int
        Ambient dimension and chain length, ``d >= T >= 1``.
    rng, xp, dtype, device : optional
        Host random stream; namespace, real floating dtype, device.

    Returns
    -------
    array, shape (d, T)
        :math:`U^TU = I_T`.

    Raises
    ------
    TypeError, ValueError
        Bad sizes (``T < 1``, ``d < T``) or dtype.

    Notes
    -----
    QR of a Gaussian matrix with the sign of ``R``'s diagonal fixed (Haar on the Stiefel
    manifold). The guarantees of the rotated instance need ``d`` of order
    :math:`TR^2\log(T/\delta)` (CDHS Section 5); small ``d`` is fine for tests of identities.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Section 5 (random orthogonal
       ``U``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import random_embedding
    >>> u = random_embedding(8, 3, rng=0)
    >>> bool(np.allclose(u.T @ u, np.eye(3)))
    True
    """
    dd = _xp.positive_int(d, name="d")
    t = _xp.positive_int(T, name="T")
    if dd < t:
        msg = f"d must be >= T = {t}; got {dd}"
        raise ValueError(msg)
    xp = _xp.creation_namespace(xp)
    if dtype is None:
        dtype = _xp.default_float(xp, device)
    gen = _xp.rng(rng)
    q = _xp.haar_stiefel(gen, dd, t)
    return _xp.from_host(q, xp=xp, dtype=dtype, device=device)


@dataclass(frozen=True, slots=True, kw_only=True)
class RotatedChain:
    r"""The randomly embedded chain :math:`\hat f(x) = \bar f_T(U^T\rho(x)) + \mu\|x\|^2`.

    Attributes
    ----------
    U : array, shape (d, T)
        Orthonormal columns.
    R : float or None
        Radius of :math:`\rho(x) = x/\sqrt{1 + \|x\|^2/R^2}`; ``None``: :math:`\rho = \mathrm{id}`
        and :math:`\mu = 0` (the unbounded embedding :math:`\bar f_T(U^Tx)`).
    mu : float
        Coefficient of :math:`\|x\|^2` (1/10 for the bounded instance).

    Notes
    -----
    :math:`\nabla\hat f(x) = J_\rho(x)^TU\nabla\bar f_T(U^T\rho(x)) + 2\mu x`,
    :math:`J_\rho(x) = (I - xx^T/(R^2s))/\sqrt s`, :math:`s = 1 + \|x\|^2/R^2` (derived).
    Methods: ``value(x)``, ``gradient(x)``, ``chain_point(x)`` (:math:`U^T\rho(x)`) and
    ``pullback(x, gbar)`` (a chain gradient at ``chain_point(x)`` mapped to ``x``).

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Section 5 (Eq. for
       :math:`\tilde f_{T,U}`, :math:`R = 230\sqrt T`, Lemma 6-7).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import random_embedding, rotated_chain
    >>> f = rotated_chain(random_embedding(20, 4, rng=0))
    >>> f.gradient(np.zeros(20)).shape
    (20,)
    """

    U: Array
    R: float | None
    mu: float

    @property
    def T(self) -> int:
        """Chain length."""
        return int(self.U.shape[1])

    def _x(self, x: Any) -> tuple[Any, Array]:
        xp, (x, _) = _xp.as_arrays(x, self.U)
        x = _xp.checked_real(x, name="x", xp=xp, min_ndim=1)
        if x.shape[-1] != self.U.shape[0]:
            msg = f"x must have last dimension d = {self.U.shape[0]}; got shape {tuple(x.shape)}"
            raise ValueError(msg)
        return xp, x

    def _rho(self, x: Array, xp: Any) -> tuple[Array, Array]:
        if self.R is None:
            return x, xp.ones_like(x[..., :1])
        s = 1.0 + xp.sum(x * x, axis=-1, keepdims=True) / self.R**2
        return x / xp.sqrt(s), s

    def chain_point(self, x: Array, /) -> Array:
        """:math:`U^T\\rho(x)`, shape ``(..., T)``."""
        xp, x = self._x(x)
        return self._rho(x, xp)[0] @ xp.astype(self.U, x.dtype)

    def value(self, x: Array, /) -> Array:
        """:math:`\\hat f(x)`, shape ``(...)``."""
        xp, x = self._x(x)
        y = self._rho(x, xp)[0] @ xp.astype(self.U, x.dtype)
        return _value(y, xp) + self.mu * xp.sum(x * x, axis=-1)

    def gradient(self, x: Array, /) -> Array:
        """:math:`\\nabla\\hat f(x)`, shape ``(..., d)``."""
        xp, x = self._x(x)
        y = self._rho(x, xp)[0] @ xp.astype(self.U, x.dtype)
        return self._pull(x, _gradient(y, xp), xp)

    def pullback(self, x: Array, gbar: Array, /) -> Array:
        """``J_rho(x)^T U gbar + 2 mu x`` for a chain gradient ``gbar`` (shape ``(..., T)``)."""
        xp, x = self._x(x)
        return self._pull(x, gbar, xp)

    def _pull(self, x: Array, gbar: Array, xp: Any) -> Array:
        w = gbar @ xp.matrix_transpose(xp.astype(self.U, x.dtype))
        if self.R is not None:
            _, s = self._rho(x, xp)
            xw = xp.sum(x * w, axis=-1, keepdims=True)
            w = (w - x * xw / (self.R**2 * s)) / xp.sqrt(s)
        return w + (2.0 * self.mu) * x


def rotated_chain(U: Array, /, *, bounded: bool = True, R: float | None = None) -> RotatedChain:
    r"""The randomly embedded (and, by default, bounded) chain instance.

    Parameters
    ----------
    U : array, shape (d, T)
        Orthonormal columns (:func:`random_embedding`).
    bounded : bool, optional
        ``True``: :math:`\hat f(x) = \bar f_T(U^T\rho(x)) + \|x\|^2/10`; ``False``:
        :math:`\bar f_T(U^Tx)`.
    R : float, optional
        Radius of :math:`\rho` (bounded only); default :math:`230\sqrt T`.

    Returns
    -------
    RotatedChain

    Raises
    ------
    TypeError
        Non-real ``U``.
    ValueError
        ``U`` not 2-D, ``d < T`` or columns not orthonormal; ``R <= 0``; ``R`` with
        ``bounded=False``.

    Notes
    -----
    Rotation covariance: :math:`\nabla_x\bar f_T(U^Tx) = U\nabla\bar f_T(U^Tx)`. For the bounded
    instance, :math:`\|\rho(x)\| < R` and (CDHS Lemma 7) :math:`\|\nabla\hat f(x)\| \ge 1/2`
    whenever :math:`|\langle u^{(T)}, \rho(x)\rangle| < 1` [paper, not re-derived here].

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Section 5.
    .. [2] Zhang, Li, arXiv:2212.03906, Section 3 (the same rotated instance; the hybrid
       argument for quantum queries).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import random_embedding, rotated_chain
    >>> f = rotated_chain(random_embedding(30, 5, rng=1))
    >>> round(f.R, 3)
    514.296
    """
    xp, (u,) = _xp.as_arrays(U)
    u = _xp.checked_real(u, name="U", xp=xp, min_ndim=2)
    if u.ndim != 2 or u.shape[0] < u.shape[1]:
        msg = f"U must be a (d, T) matrix with d >= T; got shape {tuple(u.shape)}"
        raise ValueError(msg)
    t = u.shape[1]
    gram = xp.matrix_transpose(u) @ u - xp.eye(t, dtype=u.dtype, device=_xp.device(u))
    dev = float(xp.max(xp.abs(gram)))
    if dev > 1e3 * _xp.eps(xp, u.dtype) * u.shape[0]:
        msg = f"U must have orthonormal columns; got max |U^T U - I| = {dev:.3g}"
        raise ValueError(msg)
    if not bounded:
        if R is not None:
            msg = f"R applies to the bounded instance only (bounded=True); got R = {R}"
            raise ValueError(msg)
        return RotatedChain(U=u, R=None, mu=0.0)
    rad = 230.0 * math.sqrt(t) if R is None else _xp.positive_float(R, name="R")
    return RotatedChain(U=u, R=rad, mu=0.1)


def bernoulli_chain_oracle(x: Array, /, *, p: float, rng: Any = None, xi: Any = None) -> Array:
    r"""Stochastic gradient of the chain with a Bernoulli(``p``) mask on the next coordinate.

    Parameters
    ----------
    x : array, shape (..., T)
        Points (chain coordinates).
    p : float
        Probability in ``(0, 1]`` of revealing the next coordinate.
    rng : numpy.random.Generator or int or None
        Host stream for :math:`\xi` (one coin per point).
    xi : int or array, optional
        Given coins in ``{0, 1}``, shape ``(...)`` (overrides ``rng``; for exact expectations).

    Returns
    -------
    array, shape (..., T)
        :math:`[g(x;\xi)]_i = \partial_i\bar f_T(x)\,(1 + \mathbb 1\{i > \mathrm{prog}_{1/4}(x)\}
        (\xi/p - 1))`.

    Raises
    ------
    TypeError
        Non-real ``x``; bad ``rng``.
    ValueError
        0-D, empty or non-finite ``x``; ``p`` outside ``(0, 1]``; ``xi`` not in ``{0, 1}``.

    Notes
    -----
    Unbiased. By the zero chain only coordinate :math:`\mathrm{prog}_{1/4}(x) + 1` can be
    affected, so :math:`\mathbb E\|g - \nabla\bar f_T\|^2 = \tfrac{1-p}{p}
    (\partial_{\mathrm{prog}+1}\bar f_T)^2 \le 23^2(1-p)/p` (derived from the definitions and
    CDHS Lemma 3). Scaling :math:`\lambda\propto\varepsilon/L`, :math:`p\propto
    \varepsilon^2/\sigma^2` gives the :math:`\Omega(\Delta L\sigma^2\varepsilon^{-4})` bound.

    References
    ----------
    .. [1] Arjevani, Carmon, Duchi, Foster, Srebro, Woodworth, arXiv:1912.02365, Eq. (6) and
       Lemma 3 (probability-``p`` zero-chain oracle).
    .. [2] Zhang, Li, arXiv:2212.03906, Section 4 (stochastic setting, quantum lower bound).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import bernoulli_chain_oracle, chain_gradient
    >>> x = np.asarray([1.2, 0.3, 0.0])
    >>> g0 = bernoulli_chain_oracle(x, p=0.5, xi=0)
    >>> g1 = bernoulli_chain_oracle(x, p=0.5, xi=1)
    >>> bool(np.allclose((g0 + g1) / 2, chain_gradient(x)))
    True
    """
    xp, x = _check_chain(x)
    pv = _xp.positive_float(p, name="p")
    if pv > 1.0:
        msg = f"p must be in (0, 1]; got {pv}"
        raise ValueError(msg)
    coins = _coins(xp, x, pv, rng, xi)
    return _bernoulli(x, xp, pv, coins)


def _coins(xp: Any, x: Array, p: float, rng: Any, xi: Any) -> Array:
    shape = tuple(x.shape[:-1])
    dev = _xp.device(x)
    if xi is None:
        host = (_xp.rng(rng).random(shape) < p).astype(np.float64)
        return _xp.from_host(host, xp=xp, dtype=x.dtype, device=dev)
    if _is_array(xi):
        xi_arr = xp.astype(xi, x.dtype)
        ok = bool(xp.all((xi_arr == 0) | (xi_arr == 1)))
    else:
        host = np.asarray(xi, dtype=np.float64)
        ok = bool(np.all((host == 0) | (host == 1)))
        xi_arr = _xp.from_host(host, xp=xp, dtype=x.dtype, device=dev)
    if not ok:
        msg = f"xi must hold coins in {{0, 1}}; got {xi!r}"
        raise ValueError(msg)
    return xp.broadcast_to(xi_arr, shape) if shape else xp.reshape(xi_arr, ())


def _is_array(a: Any) -> bool:
    import array_api_compat

    return bool(array_api_compat.is_array_api_obj(a)) and not isinstance(a, np.ndarray)


def _bernoulli(x: Array, xp: Any, p: float, coins: Array) -> Array:
    g = _gradient(x, xp)
    prog = _progress(x, xp, 0.25)
    t = x.shape[-1]
    idx = xp.arange(1, t + 1, device=_xp.device(x))
    after = xp.astype(idx > prog[..., None], x.dtype)
    factor = 1.0 + after * (coins[..., None] / p - 1.0)
    return g * factor


class ZeroChainOracle:
    r"""A counted gradient oracle for a chain instance, deterministic or Bernoulli-stochastic.

    Parameters
    ----------
    instance : int or ScaledChain or RotatedChain
        An int ``T`` is the plain chain :math:`\bar f_T`.
    p : float, optional
        Probability of revealing the next coordinate; ``1`` (default) is the exact,
        deterministic zero-chain oracle.
    rng : numpy.random.Generator or int or None
        Host stream of the coins (drawn once per query and point).

    Attributes
    ----------
    n_queries : int
        Oracle calls so far (one per point queried).
    T : int
        Chain length.

    Raises
    ------
    TypeError
        A bad ``instance`` or ``rng``.
    ValueError
        ``T < 1``, ``p`` outside ``(0, 1]``.

    Notes
    -----
    ``oracle(x)`` returns the (stochastic) gradient and counts; ``oracle.gradient(x)``,
    ``oracle.value(x)`` and ``oracle.progress(x, alpha)`` are exact and free (for monitoring).
    The stochastic oracle applies :func:`bernoulli_chain_oracle` at the chain point and maps the
    result back with the instance's pullback (unbiased for every instance). A zero-respecting
    method learns at most one new chain coordinate per query (deterministic) or per successful
    coin (stochastic: :math:`\approx T/p` queries).

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Definitions 1-3.
    .. [2] Arjevani et al., arXiv:1912.02365, Section 3.
    .. [3] Zhang, Li, arXiv:2212.03906, Sections 3-4 (quantum versions of both oracles).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import ZeroChainOracle
    >>> oracle = ZeroChainOracle(5)
    >>> g = oracle(np.zeros(5))
    >>> oracle.n_queries, int(oracle.progress(g))
    (1, 1)
    """

    def __init__(self, instance: Any, /, *, p: float = 1.0, rng: Any = None) -> None:
        if isinstance(instance, bool):
            msg = f"instance must be an int T, a ScaledChain or a RotatedChain; got {instance!r}"
            raise TypeError(msg)
        if isinstance(instance, int | np.integer):
            self.T = _xp.positive_int(int(instance), name="T")
            self.instance: ScaledChain | RotatedChain | None = None
        elif isinstance(instance, ScaledChain | RotatedChain):
            self.T = instance.T
            self.instance = instance
        else:
            msg = (
                "instance must be an int T, a ScaledChain or a RotatedChain; "
                f"got {type(instance).__name__}"
            )
            raise TypeError(msg)
        self.p = _xp.positive_float(p, name="p")
        if self.p > 1.0:
            msg = f"p must be in (0, 1]; got {self.p}"
            raise ValueError(msg)
        self._rng = _xp.rng(rng)
        self.n_queries = 0

    def _point(self, x: Any) -> tuple[Any, Array, Array]:
        if self.instance is None:
            xp, x = _check_chain(x)
            if x.shape[-1] != self.T:
                msg = f"x must have last dimension T = {self.T}; got shape {tuple(x.shape)}"
                raise ValueError(msg)
            return xp, x, x
        xp, (x,) = _xp.as_arrays(x)
        return xp, x, self.instance.chain_point(x)

    def __call__(self, x: Array, /) -> Array:
        """One query per point of ``x``: the (stochastic) gradient."""
        xp, x, y = self._point(x)
        self.n_queries += math.prod(tuple(y.shape[:-1]))
        if self.p == 1.0:
            gbar = _gradient(y, xp)
        else:
            gbar = _bernoulli(y, xp, self.p, _coins(xp, y, self.p, self._rng, None))
        return gbar if self.instance is None else self.instance.pullback(x, gbar)

    def gradient(self, x: Array, /) -> Array:
        """The exact gradient (not counted)."""
        xp, x, y = self._point(x)
        gbar = _gradient(y, xp)
        return gbar if self.instance is None else self.instance.pullback(x, gbar)

    def value(self, x: Array, /) -> Array:
        """The exact value (not counted)."""
        xp, x, y = self._point(x)
        return _value(y, xp) if self.instance is None else self.instance.value(x)

    def progress(self, x: Array, /, *, alpha: float = 0.5) -> Array:
        """:math:`\\mathrm{prog}_\\alpha` of the chain point of ``x`` (not counted)."""
        xp, x, y = self._point(x)
        return _progress(y, xp, _xp.nonnegative_float(alpha, name="alpha"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainRunResult:
    """Result of :func:`oracle_descent`.

    Attributes
    ----------
    x : array
        The last iterate.
    n_queries : int
        Oracle queries made.
    converged : bool
        Whether the exact gradient norm reached ``<= eps``.
    status : str
        ``"converged"``, ``"max_queries"`` or ``"callback"``.
    grad_norms : array, shape (n_records,)
        Exact :math:`\\|\\nabla f(x_t)\\|` at the records.
    progress : array of int, shape (n_records,)
        :math:`\\mathrm{prog}_{1/2}` of the chain point at the records.
    queries : array of int, shape (n_records,)
        Queries made when each record was taken.
    """

    x: Array
    n_queries: int
    converged: bool
    status: str
    grad_norms: Array
    progress: Array
    queries: Array


def oracle_descent(
    oracle: ZeroChainOracle,
    x0: Array,
    /,
    *,
    step: float,
    max_queries: int,
    eps: float,
    record_every: int = 1,
    callback: Callable[[int, Array], Any] | None = None,
) -> ChainRunResult:
    r"""(Stochastic) gradient descent :math:`x \leftarrow x - \eta\,g(x)` with a counted oracle,
    until the exact gradient norm is ``<= eps``.

    Parameters
    ----------
    oracle : ZeroChainOracle
        Deterministic (GD) or stochastic (SGD) oracle; its query counter keeps running.
    x0 : array, shape (d,)
        Start (usually 0: a zero-respecting start).
    step : float
        Step size :math:`\eta > 0` (``1/L``; :math:`1/\ell_1 = 1/152` for the plain chain).
    max_queries : int
        Query budget ``>= 1``.
    eps : float
        Stop once :math:`\|\nabla f(x_t)\| \le \varepsilon` (exact gradient, not counted).
    record_every : int, optional
        Record every this many queries (and at the end).
    callback : callable, optional
        ``callback(n_queries, x)`` after each step; returning True stops.

    Returns
    -------
    ChainRunResult

    Raises
    ------
    TypeError
        A non-oracle, a non-real ``x0``, bad scalar types.
    ValueError
        ``x0`` not 1-D or of the wrong length; non-positive ``step``/``eps``/``max_queries``.

    Notes
    -----
    GD is zero-respecting: from ``x0 = 0`` on the plain chain, after ``t`` queries
    :math:`x_{t+1:T} = 0` exactly, so at least ``T`` queries are needed before
    :math:`\|\nabla\bar f_T\| \le 1` (CDHS Lemma 2 and Observation 2). On :func:`scaled_chain`
    instances ``T`` grows as :math:`\varepsilon^{-2}` (deterministic) and the Bernoulli oracle
    with :math:`p\propto\varepsilon^2` multiplies the count by :math:`1/p`:
    :math:`\varepsilon^{-4}`.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Theorem 2.
    .. [2] Arjevani et al., arXiv:1912.02365, Theorem 1.
    .. [3] Zhang, Li, arXiv:2212.03906, Table 1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import ZeroChainOracle, oracle_descent
    >>> res = oracle_descent(ZeroChainOracle(4), np.zeros(4), step=1 / 152, max_queries=10**4,
    ...                      eps=1.0)
    >>> res.converged, res.n_queries >= 4
    (True, True)
    """
    if not isinstance(oracle, ZeroChainOracle):
        msg = f"oracle must be a ZeroChainOracle; got {type(oracle).__name__}"
        raise TypeError(msg)
    xp, (x0,) = _xp.as_arrays(x0)
    x = _xp.checked_real(x0, name="x0", xp=xp, min_ndim=1)
    d = (
        oracle.T
        if oracle.instance is None or isinstance(oracle.instance, ScaledChain)
        else int(oracle.instance.U.shape[0])
    )
    if x.ndim != 1 or x.shape[0] != d:
        msg = f"x0 must have shape ({d},); got {tuple(x.shape)}"
        raise ValueError(msg)
    eta = _xp.positive_float(step, name="step")
    budget = _xp.positive_int(max_queries, name="max_queries")
    tol = _xp.positive_float(eps, name="eps")
    rec = _xp.positive_int(record_every, name="record_every")
    if callback is not None and not callable(callback):
        msg = f"callback must be callable or None; got {type(callback).__name__}"
        raise TypeError(msg)
    x = xp.astype(x, x.dtype, copy=True)
    start = oracle.n_queries
    norms: list[float] = []
    progs: list[int] = []
    qs: list[int] = []

    def record(x: Array, gn: float) -> None:
        norms.append(gn)
        progs.append(int(oracle.progress(x)))
        qs.append(oracle.n_queries - start)

    gn = float(xp.linalg.vector_norm(oracle.gradient(x)))
    record(x, gn)
    status = "max_queries"
    while gn > tol:
        if oracle.n_queries - start >= budget:
            break
        x = x - eta * oracle(x)
        gn = float(xp.linalg.vector_norm(oracle.gradient(x)))
        n = oracle.n_queries - start
        if n % rec == 0 or gn <= tol or n >= budget:
            record(x, gn)
        if callback is not None and callback(n, x):
            status = "callback"
            if qs[-1] != n:
                record(x, gn)
            break
    if gn <= tol:
        status = "converged"
    dev = _xp.device(x)
    return ChainRunResult(
        x=x,
        n_queries=oracle.n_queries - start,
        converged=gn <= tol,
        status=status,
        grad_norms=_xp.from_host(np.asarray(norms), xp=xp, dtype=x.dtype, device=dev),
        progress=xp.asarray(np.asarray(progs, dtype=np.int64), device=dev),
        queries=xp.asarray(np.asarray(qs, dtype=np.int64), device=dev),
    )
