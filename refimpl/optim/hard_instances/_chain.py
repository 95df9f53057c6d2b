"""The chain function of Carmon, Duchi, Hinder, Sidford and its building blocks Psi and Phi.

Carmon, Duchi, Hinder, Sidford, "Lower Bounds for Finding Stationary Points I",
arXiv:1710.11606, Section 2.2 (Eqs. (7)-(9), Lemmas 1-3); used by Zhang, Li, "Quantum Lower
Bounds for Finding Stationary Points of Nonconvex Functions", ICML 2023, arXiv:2212.03906.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from refimpl import _xp

__all__ = [
    "PHI_MAX",
    "chain_derivative",
    "chain_function",
    "chain_gradient",
    "chain_hessian",
    "phi",
    "progress",
    "psi",
]

Array = Any

#: sup Phi = sqrt(2 pi e) (CDHS Lemma 1)
PHI_MAX = math.sqrt(2.0 * math.pi * math.e)
_SQRT_E = math.sqrt(math.e)


@functools.cache
def _psi_poly(order: int) -> tuple[float, ...]:
    """Coefficients (in u = 1/(2x-1), ascending) of q_p with Psi^(p) = Psi * q_p(u).

    q_0 = 1; dPsi/dx = 4 u^3 Psi, du/dx = -2 u^2, so q_{p+1} = 4 u^3 q_p - 2 u^2 q_p'.
    Exact integer coefficients."""
    q = np.zeros(1, dtype=object)
    q[0] = 1
    for _ in range(order):
        new = np.zeros(q.size + 3, dtype=object)
        new[3:] += 4 * q
        dq = np.array([i * q[i] for i in range(1, q.size)], dtype=object)
        new[2 : 2 + dq.size] -= 2 * dq  # u^2 * sum_i i q_i u^(i-1) = sum_i i q_i u^(i+1)
        q = new
    return tuple(float(c) for c in q)


@functools.cache
def _phi_poly(order: int) -> tuple[float, ...]:
    """Coefficients (ascending in x) of h_p with Phi^(p) = sqrt(e) h_p(x) exp(-x^2/2), p >= 1.

    h_1 = 1, h_{p+1} = h_p' - x h_p (signed probabilists' Hermite polynomials)."""
    h = np.ones(1, dtype=object)
    for _ in range(order - 1):
        new = np.zeros(h.size + 1, dtype=object)
        new[: h.size - 1] += np.array([i * h[i] for i in range(1, h.size)], dtype=object)
        new[1:] -= h
        h = new
    return tuple(float(c) for c in h)


def _horner(coeffs: tuple[float, ...], u: Array) -> Array:
    out = u * 0.0 + coeffs[-1]
    for c in reversed(coeffs[:-1]):
        out = out * u + c
    return out


def _order(order: Any) -> int:
    return _xp.nonnegative_int(order, name="order")


def _psi(x: Array, xp: Any, order: int = 0) -> Array:
    tau = 2.0 * x - 1.0
    pos = tau > 0
    tau_safe = xp.where(pos, tau, xp.ones_like(tau))
    u = 1.0 / tau_safe
    val = xp.exp(1.0 - u * u)
    if order > 0:
        val = val * _horner(_psi_poly(order), u)
    return xp.where(pos, val, xp.zeros_like(val))


def _phi(x: Array, xp: Any, order: int = 0) -> Array:
    if order == 0:
        return PHI_MAX * _xp.ndtr(x)
    return _SQRT_E * _horner(_phi_poly(order), x) * xp.exp(-0.5 * x * x)


def psi(x: Array, /, *, order: int = 0) -> Array:
    r""":math:`\Psi(x) = \exp(1 - 1/(2x-1)^2)` for :math:`x > 1/2`, else 0, or its derivative.

    Parameters
    ----------
    x : array_like
        Real input, any shape.
    order : int, optional
        Derivative order ``p >= 0``.

    Returns
    -------
    array, same shape as ``x``
        :math:`\Psi^{(p)}(x)`.

    Raises
    ------
    TypeError
        Non-real input.
    ValueError
        Empty or non-finite input, ``order < 0``.

    Notes
    -----
    :math:`\Psi^{(p)} = \Psi\,q_p(1/(2x-1))` with exact integer polynomials
    (:math:`q_1(u) = 4u^3`). The unused branch is never evaluated at :math:`x \le 1/2`
    (``where`` on a safe argument), so there is no inf/NaN (also under autograd); :math:`\Psi`
    and all its derivatives vanish on :math:`(-\infty, 1/2]` (the "robust zero chain").
    Bounds (CDHS Lemma 1): :math:`0 \le \Psi < e`, :math:`0 \le \Psi' \le \sqrt{54/e}`.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Eq. (8) and Lemma 1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import psi
    >>> psi(np.asarray([0.0, 0.5, 1.0])).tolist()
    [0.0, 0.0, 1.0]
    >>> float(psi(np.asarray(1.0), order=1))
    4.0
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=0)
    return _psi(x, xp, _order(order))


def phi(x: Array, /, *, order: int = 0) -> Array:
    r""":math:`\Phi(x) = \sqrt e\int_{-\infty}^x e^{-t^2/2}\,dt = \sqrt{2\pi e}\,\mathrm{ndtr}(x)`,
    or its derivative.

    Parameters
    ----------
    x : array_like
        Real input, any shape.
    order : int, optional
        Derivative order ``p >= 0``.

    Returns
    -------
    array, same shape as ``x``

    Raises
    ------
    TypeError
        Non-real input.
    ValueError
        Empty or non-finite input, ``order < 0``.

    Notes
    -----
    The normal CDF goes through :func:`refimpl._xp.ndtr` (the standard has no ``erf``),
    accurate in both tails; :math:`\Phi(-x)` is evaluated as ``ndtr(-x)`` (no cancellation).
    :math:`\Phi^{(p)} = \sqrt e\,h_p(x)e^{-x^2/2}` with :math:`h_1 = 1`,
    :math:`h_{p+1} = h_p' - xh_p`. Bounds (CDHS Lemma 1): :math:`0 < \Phi < \sqrt{2\pi e}`,
    :math:`0 < \Phi' \le \sqrt e`.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Eq. (8) and Lemma 1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import phi
    >>> bool(np.isclose(phi(np.asarray(0.0)), np.sqrt(2 * np.pi * np.e) / 2))
    True
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=0)
    return _phi(x, xp, _order(order))


def _check_chain(x: Any, name: str = "x") -> tuple[Any, Array]:
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name=name, xp=xp, min_ndim=1)
    return xp, x


def _shifted(x: Array, xp: Any) -> Array:
    """``(x_0, ..., x_{T-1})`` with ``x_0 = 1`` along the last axis."""
    one = xp.ones_like(x[..., :1])
    return xp.concat([one, x[..., :-1]], axis=-1)


def _value(x: Array, xp: Any) -> Array:
    prev = _shifted(x, xp)
    terms = _psi(-prev, xp) * _phi(-x, xp) - _psi(prev, xp) * _phi(x, xp)
    return xp.sum(terms, axis=-1)


def _gradient(x: Array, xp: Any) -> Array:
    prev = _shifted(x, xp)
    own = -_psi(-prev, xp) * _phi(-x, xp, 1) - _psi(prev, xp) * _phi(x, xp, 1)
    nxt = x[..., 1:]
    cur = x[..., :-1]
    link = -_psi(-cur, xp, 1) * _phi(-nxt, xp) - _psi(cur, xp, 1) * _phi(nxt, xp)
    link = xp.concat([link, xp.zeros_like(x[..., :1])], axis=-1)
    return own + link


def chain_function(x: Array, /) -> Array:
    r"""The chain function :math:`\bar f_T(x) = -\Psi(1)\Phi(x_1) + \sum_{i=2}^T
    [\Psi(-x_{i-1})\Phi(-x_i) - \Psi(x_{i-1})\Phi(x_i)]`.

    Parameters
    ----------
    x : array, shape (..., T)
        Points; ``T = x.shape[-1] >= 1``.

    Returns
    -------
    array, shape (...)

    Raises
    ------
    TypeError
        Non-real input.
    ValueError
        0-D, empty or non-finite input.

    Notes
    -----
    Convention :math:`x_0 \equiv 1` (:math:`\Psi(1) = 1`, :math:`\Psi(-1) = 0`), so the first
    term is :math:`-\Phi(x_1)`. :math:`\bar f_T(0) = -\Phi(0) = -\sqrt{2\pi e}/2`; CDHS Lemma 3:
    :math:`\bar f_T(0) - \inf\bar f_T \le 12T`.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Eq. (9) and Lemma 3.
    .. [2] Zhang, Li, arXiv:2212.03906, Section 3 (the same hard instance for quantum
       algorithms).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import chain_function
    >>> bool(np.isclose(chain_function(np.zeros(5)), -np.sqrt(2 * np.pi * np.e) / 2))
    True
    """
    xp, x = _check_chain(x)
    return _value(x, xp)


def chain_gradient(x: Array, /) -> Array:
    r"""Gradient of :func:`chain_function`, shape ``(..., T)``.

    Parameters
    ----------
    x : array, shape (..., T)

    Returns
    -------
    array, shape (..., T)

    Raises
    ------
    TypeError
        Non-real input.
    ValueError
        0-D, empty or non-finite input.

    Notes
    -----
    :math:`\partial_j\bar f_T = -\Psi(-x_{j-1})\Phi'(-x_j) - \Psi(x_{j-1})\Phi'(x_j)
    - \Psi'(-x_j)\Phi(-x_{j+1}) - \Psi'(x_j)\Phi(x_{j+1})` (the last two terms absent for
    ``j = T``; :math:`x_0 = 1`). Zero chain: if :math:`|x_i| \le 1/2` for all
    :math:`i \ge i_0` then :math:`\partial_j\bar f_T(x) = 0` **exactly** for
    :math:`j > i_0` (masked :math:`\Psi`). CDHS Lemma 3: :math:`\|\nabla\bar f_T\|_\infty \le 23`,
    :math:`\nabla\bar f_T` is 152-Lipschitz; Lemma 2: :math:`\|\nabla\bar f_T(x)\| > 1` whenever
    :math:`|x_j| < 1` for some ``j``.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Observation 2, Lemmas 2-3.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import chain_gradient
    >>> g = chain_gradient(np.zeros(4))
    >>> bool(np.isclose(g[0], -np.sqrt(np.e))), bool(np.all(g[1:] == 0))
    (True, True)
    """
    xp, x = _check_chain(x)
    return _gradient(x, xp)


def chain_hessian(x: Array, /) -> Array:
    r"""Hessian of :func:`chain_function` (tridiagonal), shape ``(..., T, T)``.

    Parameters
    ----------
    x : array, shape (..., T)

    Returns
    -------
    array, shape (..., T, T)
        Symmetric.

    Raises
    ------
    TypeError
        Non-real input.
    ValueError
        0-D, empty or non-finite input.

    Notes
    -----
    Diagonal: :math:`\Psi(-x_{j-1})\Phi''(-x_j) - \Psi(x_{j-1})\Phi''(x_j)
    + \Psi''(-x_j)\Phi(-x_{j+1}) - \Psi''(x_j)\Phi(x_{j+1})` (last two absent for ``j = T``);
    off-diagonal
    :math:`H_{j,j+1} = \Psi'(-x_j)\Phi'(-x_{j+1}) - \Psi'(x_j)\Phi'(x_{j+1})`. CDHS Lemma 3:
    :math:`\|\nabla^2\bar f_T\|_{op} \le 152`.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Lemma 3 (ell_1 = 152).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import chain_hessian
    >>> h = chain_hessian(np.asarray([1.0, 0.0, 0.0]))
    >>> bool(np.allclose(h, h.T)), float(h[0, 2])
    (True, 0.0)
    """
    xp, x = _check_chain(x)
    prev = _shifted(x, xp)
    # d^2/dx_j^2 of Psi(-x_{j-1})Phi(-x_j) - Psi(x_{j-1})Phi(x_j)
    own = _psi(-prev, xp) * _phi(-x, xp, 2) - _psi(prev, xp) * _phi(x, xp, 2)
    cur, nxt = x[..., :-1], x[..., 1:]
    # d^2/dx_j^2 of Psi(-x_j)Phi(-x_{j+1}) - Psi(x_j)Phi(x_{j+1})
    link = _psi(-cur, xp, 2) * _phi(-nxt, xp) - _psi(cur, xp, 2) * _phi(nxt, xp)
    diag = own + xp.concat([link, xp.zeros_like(x[..., :1])], axis=-1)
    off = _psi(-cur, xp, 1) * _phi(-nxt, xp, 1) - _psi(cur, xp, 1) * _phi(nxt, xp, 1)
    t = x.shape[-1]
    dev = _xp.device(x)
    eye = xp.eye(t, dtype=x.dtype, device=dev)
    h = diag[..., :, None] * eye
    if t > 1:
        upper = xp.eye(t, k=1, dtype=x.dtype, device=dev)
        off_full = xp.concat([off, xp.zeros_like(x[..., :1])], axis=-1)
        band = off_full[..., :, None] * upper
        h = h + band + xp.matrix_transpose(band)
    return h


def chain_derivative(x: Array, v: Array, /, *, order: int) -> Array:
    r"""Directional derivative :math:`D^p\bar f_T(x)[v, \dots, v]` of any order ``p >= 0``.

    Parameters
    ----------
    x : array, shape (..., T)
        Points.
    v : array, shape (..., T)
        Directions (broadcast against ``x``).
    order : int
        ``p >= 0`` (``p = 0``: the value).

    Returns
    -------
    array, shape (...)

    Raises
    ------
    TypeError
        Non-real input or two namespaces.
    ValueError
        0-D, empty, non-finite, or mismatched ``T``; ``order < 0``.

    Notes
    -----
    Each link is a product :math:`g(x_{i-1})h(x_i)`, so by Leibniz
    :math:`D^p[g(x_{i-1})h(x_i)][v] = \sum_{a+b=p}\binom pa g^{(a)}(x_{i-1})v_{i-1}^a\,
    h^{(b)}(x_i)v_i^b`, with :math:`v_0 = 0` (:math:`x_0 = 1` is fixed). CDHS Lemma 3 bounds the
    Lipschitz constant of the ``p``-th derivative by :math:`\ell_p \le \exp(\tfrac52p\log p +
    cp)` (``c`` not transcribed here); ``p = 1``: :math:`\ell_1 = 152`.

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Lemma 3.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import chain_derivative, chain_gradient
    >>> x, v = np.asarray([0.9, 0.2, -0.1]), np.asarray([1.0, -2.0, 0.5])
    >>> bool(np.isclose(chain_derivative(x, v, order=1), chain_gradient(x) @ v))
    True
    """
    xp, (x, v) = _xp.as_arrays(x, v)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=1)
    v = _xp.checked_real(v, name="v", xp=xp, min_ndim=1)
    if x.shape[-1] != v.shape[-1]:
        msg = f"v must have the same last dimension T = {x.shape[-1]} as x; got {v.shape[-1]}"
        raise ValueError(msg)
    p = _order(order)
    prev = _shifted(x, xp)
    vprev = xp.concat([xp.zeros_like(v[..., :1]), v[..., :-1]], axis=-1)
    total = 0.0 * (x + v)
    for a in range(p + 1):
        b = p - a
        c = float(math.comb(p, a))
        sign = (-1.0) ** p  # chain rule through the negated arguments: (-1)^a (-1)^b
        term = sign * _psi(-prev, xp, a) * _phi(-x, xp, b) - _psi(prev, xp, a) * _phi(x, xp, b)
        total = total + c * term * vprev**a * v**b
    return xp.sum(total, axis=-1)


def progress(x: Array, /, *, alpha: float = 0.5) -> Array:
    r"""Progress :math:`\mathrm{prog}_\alpha(x) = \max\{i \ge 0 : |x_i| > \alpha\}` with
    :math:`x_0 := 1`.

    Parameters
    ----------
    x : array, shape (..., T)
    alpha : float, optional
        Threshold in ``[0, 1)``: 1/2 for the zero chain of the deterministic oracle, 1/4 for
        the stochastic oracle of Arjevani et al.

    Returns
    -------
    array of int, shape (...)
        Values in ``0..T`` (the namespace's default integer dtype).

    Raises
    ------
    TypeError
        Non-real input.
    ValueError
        0-D, empty or non-finite input; ``alpha`` outside ``[0, 1)``.

    Notes
    -----
    A zero-respecting algorithm querying a zero-chain oracle increases
    :math:`\mathrm{prog}_{1/2}` by at most one per query (CDHS Observation 2); ``prog = T``
    ("chain finished") is needed for :math:`\|\nabla\bar f_T\| \le 1` (Lemma 2).

    References
    ----------
    .. [1] Carmon, Duchi, Hinder, Sidford, arXiv:1710.11606, Definition 3 and Observation 2.
    .. [2] Arjevani, Carmon, Duchi, Foster, Srebro, Woodworth, arXiv:1912.02365, Eq. (5)
       (:math:`\mathrm{prog}_{1/4}`).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.hard_instances import progress
    >>> int(progress(np.asarray([0.9, -0.7, 0.1, 0.0])))
    2
    """
    xp, x = _check_chain(x)
    a = _xp.nonnegative_float(alpha, name="alpha")
    if a >= 1.0:
        msg = f"alpha must be in [0, 1); got {a}"
        raise ValueError(msg)
    return _progress(x, xp, a)


def _progress(x: Array, xp: Any, alpha: float) -> Array:
    t = x.shape[-1]
    dev = _xp.device(x)
    idx = xp.arange(1, t + 1, device=dev)
    hit = xp.abs(x) > alpha
    vals = xp.where(hit, idx, xp.zeros_like(idx))
    return xp.max(vals, axis=-1)
