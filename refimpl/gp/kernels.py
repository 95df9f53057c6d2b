"""Spectral-mixture kernels per dimension with closed-form tau-derivatives (GP-HM).

Two stationary kernels on one input dimension, both a sum of Q components ``w_q e_q(tau)
cos(2 pi mu_q tau)`` (Fang et al., arXiv:2311.04465, Sec. 3, Eqs. (5)-(6)):

* ``kind="gm"`` (GP-HM-GM): Gaussian envelope ``e(tau) = exp(-rho^2 tau^2)``,
  ``rho^2 = exp(log_ls)``;
* ``kind="stm"`` (GP-HM-StM): Matern-5/2 envelope ``e(tau) = (1 + r + r^2/3) exp(-r)``,
  ``r = sqrt(5) a |tau|``, ``a = exp(log_ls)`` (an *inverse* length); its spectral density is a
  Student-t with 5 degrees of freedom.

Weights and length-scales live in the log domain (``w = exp(log_w)``: a flat prior on
``log w`` is the Jeffreys prior ``p(w) ~ 1/w``; no penalty term is added, as in the official
code). Frequencies ``mu`` are raw, in cycles per unit ``tau``.

Derivatives are closed forms, never autodiff through ``|tau|``: with ``c(tau) = cos(beta tau)``,
``beta = 2 pi mu``, Leibniz gives ``k^(n) = w sum_m binom(n, m) e^(m) c^(n-m)`` where
``c^(j) = beta^j cos(beta tau + j pi/2)``; the GM envelope derivatives are
``e^(m) = (-rho)^m H_m(rho tau) e`` (physicists' Hermite), the Matern ones
``e^(m) = (sqrt5 a)^m sign(tau)^m P_m(r) exp(-r)`` with ``P_{m+1} = P_m' - P_m`` and
``P_0 = 1 + r + r^2/3``. Hyperparameter derivatives use the envelope scaling identity
``d e^(m) / d log(scale) = m e^(m) + tau e^(m+1)``; ``tau e^(m+1)`` for odd ``m + 1`` is
evaluated with ``|tau|`` so no sign is ever needed at ``tau = 0``.
"""

from __future__ import annotations

import math
from typing import Any

from refimpl import _xp

Array = Any

__all__ = [
    "from_gpytorch_sm",
    "sm_kernel",
    "sm_kernel_param_grad",
    "sm_spectral_density",
    "to_gpytorch_sm",
]

_KINDS = ("gm", "stm")
_MAX_DERIV = 4
_SQRT5 = math.sqrt(5.0)
# Matern-5/2 envelope: e^(m)(tau) = (sqrt5 a)^m sign(tau)^m P_m(r) exp(-r); coefficients of
# 3 P_m(r) in increasing powers of r (P_{m+1} = P_m' - P_m, P_0 = 1 + r + r^2/3)
_MATERN_P3 = (
    (3.0, 3.0, 1.0),
    (0.0, -1.0, -1.0),
    (-1.0, -1.0, 1.0),
    (0.0, 3.0, -1.0),
    (3.0, -5.0, 1.0),
    (-8.0, 7.0, -1.0),
)


def _check_params(
    tau: Any, log_w: Any, log_ls: Any, mu: Any, kind: str, name: str = "tau"
) -> tuple[Any, Array, Array, Array, Array]:
    _xp.check_choice(kind, _KINDS, name="kind")
    xp, (tau, log_w, log_ls, mu) = _xp.as_arrays(tau, log_w, log_ls, mu)
    tau = _xp.checked_real(tau, name=name, xp=xp, min_ndim=0)
    params = []
    for name, p in (("log_w", log_w), ("log_ls", log_ls), ("mu", mu)):
        p = _xp.checked_real(p, name=name, xp=xp)
        if p.ndim != 1:
            msg = f"{name} must be 1-D of length Q >= 1; got shape {tuple(p.shape)}"
            raise ValueError(msg)
        params.append(xp.astype(p, tau.dtype) if p.dtype != tau.dtype else p)
    q = params[0].shape[0]
    if any(p.shape[0] != q for p in params):
        shapes = [tuple(p.shape) for p in params]
        msg = f"log_w, log_ls and mu must have the same length Q; got shapes {shapes}"
        raise ValueError(msg)
    if tau.dtype != params[0].dtype:
        dt = xp.result_type(tau, params[0])
        tau = xp.astype(tau, dt)
        params = [xp.astype(p, dt) for p in params]
    return xp, tau, params[0], params[1], params[2]


def _check_deriv(deriv: Any) -> int:
    n = _xp.nonnegative_int(deriv, name="deriv")
    if n > _MAX_DERIV:
        msg = f"deriv must be one of 0, 1, 2, 3, 4; got {n}"
        raise ValueError(msg)
    return n


def _envelope(xp: Any, t: Array, scale: Array, kind: str, m_max: int) -> list[Array]:
    """e^(m)(t) for m = 0..m_max and tau e^(m)(t) for m = 0..m_max (two lists, m-indexed)."""
    if kind == "gm":
        rho = scale  # rho = exp(log_ls / 2)
        x = rho * t
        base = xp.exp(-(x * x))
        herm = [xp.ones_like(x), 2.0 * x]
        for m in range(1, m_max):
            herm.append(2.0 * x * herm[m] - 2.0 * m * herm[m - 1])
        env = [((-rho) ** m) * herm[m] * base for m in range(m_max + 1)]
        return [env, [t * e for e in env]]
    b = _SQRT5 * scale  # sqrt(5) a
    r = b * xp.abs(t)
    ex = xp.exp(-r)
    env, tenv = [], []
    for m in range(m_max + 1):
        c0, c1, c2 = _MATERN_P3[m]
        bm = b**m
        if m % 2 == 0:
            val = bm * (c0 + r * (c1 + c2 * r)) / 3.0 * ex
            env.append(val)
            tenv.append(t * val)
        else:
            # odd m: sign(t) P_m(r); P_1, P_3 have the factor r, so sign(t) r = b t
            tenv.append(xp.abs(t) * bm * (c0 + r * (c1 + c2 * r)) / 3.0 * ex)
            if c0 == 0.0:
                env.append(bm * (b * t) * (c1 + c2 * r) / 3.0 * ex)
            else:  # m = 5 only enters through tau e^(5) above
                env.append(xp.sign(t) * bm * (c0 + r * (c1 + c2 * r)) / 3.0 * ex)
    return [env, tenv]


def _cos_derivs(xp: Any, t: Array, beta: Array, j_max: int) -> tuple[list[Array], list[Array]]:
    """c^(j) = beta^j cos(beta t + j pi/2) and d c^(j) / d beta for j = 0..j_max."""
    bt = beta * t
    cs, sn = xp.cos(bt), xp.sin(bt)
    phase = [cs, -sn, -cs, sn]  # cos(bt + j pi/2), j mod 4
    c = [(beta**j) * phase[j % 4] for j in range(j_max + 1)]
    dc = []
    for j in range(j_max + 1):
        term = t * (beta**j) * phase[(j + 1) % 4]
        if j >= 1:
            term = term + j * (beta ** (j - 1)) * phase[j % 4]
        dc.append(term)
    return c, dc


def _components(
    xp: Any, tau: Array, log_w: Array, log_ls: Array, mu: Array, kind: str, n: int, grad: bool
) -> tuple[Array, ...]:
    t = tau[..., None]
    w = xp.exp(log_w)
    scale = xp.exp(0.5 * log_ls) if kind == "gm" else xp.exp(log_ls)
    beta = (2.0 * math.pi) * mu
    env, tenv = _envelope(xp, t, scale, kind, n + 1 if grad else n)
    c, dc = _cos_derivs(xp, t, beta, n)
    val = xp.zeros_like(t * beta)
    d_scale = xp.zeros_like(val)
    d_beta = xp.zeros_like(val)
    for m in range(n + 1):
        b = float(math.comb(n, m))
        val = val + b * env[m] * c[n - m]
        if grad:
            d_scale = d_scale + b * (m * env[m] + tenv[m + 1]) * c[n - m]
            d_beta = d_beta + b * env[m] * dc[n - m]
    if not grad:
        return (w * val,)
    ls_factor = 0.5 if kind == "gm" else 1.0  # d/d log_ls = ls_factor * d/d log(scale)
    return w * val, ls_factor * w * d_scale, (2.0 * math.pi) * w * d_beta


def sm_kernel(
    tau: Any, /, *, log_w: Any, log_ls: Any, mu: Any, kind: str = "gm", deriv: int = 0
) -> Array:
    r"""Spectral-mixture kernel of one dimension, or its ``deriv``-th derivative in ``tau``.

    Parameters
    ----------
    tau : array, shape (...)
        Lags ``x - x'``.
    log_w, log_ls, mu : array, shape (Q,)
        Log weights, log length-scale parameters (``rho^2 = exp(log_ls)`` for ``"gm"``, the
        inverse length ``a = exp(log_ls)`` for ``"stm"``) and frequencies in cycles per unit.
    kind : {"gm", "stm"}
        Gaussian-mixture or Matern-5/2 (Student-t spectrum) mixture.
    deriv : int, 0..4
        Order of the derivative with respect to ``tau`` (w.r.t. the first argument ``x``).

    Returns
    -------
    array, shape (...)
        ``k^(deriv)(tau) = sum_q w_q d^n/dtau^n [e_q(tau) cos(2 pi mu_q tau)]``.

    Raises
    ------
    TypeError
        Non-real inputs.
    ValueError
        Parameters not 1-D of one length Q >= 1 (Q = 0 is empty), non-finite values, unknown
        ``kind``, ``deriv`` outside 0..4.

    Notes
    -----
    Closed forms (module docstring); ``k''(0) = -w (2 rho^2 + 4 pi^2 mu^2)`` (GM) and
    ``-w (5 a^2 / 3 + 4 pi^2 mu^2)`` (StM). Even in ``tau`` for even ``deriv``, odd otherwise.
    The Matern-5/2 kernel has exactly four derivatives at 0 (the fifth jumps).

    References
    ----------
    .. [1] Fang, Cooley, Long, Li, Kirby, Zhe, "Solving High Frequency and Multi-Scale PDEs
       with Gaussian Processes", ICLR 2024, arXiv:2311.04465, Sec. 3 (Eqs. (5), (6)).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import sm_kernel
    >>> p = dict(log_w=np.zeros(1), log_ls=np.zeros(1), mu=np.array([3.0]))
    >>> round(float(sm_kernel(np.zeros(1), **p, deriv=2)[0]), 4)  # -(2 + 36 pi^2)
    -357.3058
    """
    n = _check_deriv(deriv)
    xp, tau, log_w, log_ls, mu = _check_params(tau, log_w, log_ls, mu, kind)
    (comp,) = _components(xp, tau, log_w, log_ls, mu, kind, n, grad=False)
    return xp.sum(comp, axis=-1)


def sm_kernel_param_grad(
    tau: Any, /, *, log_w: Any, log_ls: Any, mu: Any, kind: str = "gm", deriv: int = 0
) -> tuple[Array, Array, Array]:
    r"""Per-component derivatives of ``k^(deriv)(tau)`` with respect to the hyperparameters.

    Parameters
    ----------
    tau : array, shape (...)
        Lags.
    log_w, log_ls, mu : array, shape (Q,)
        As in :func:`sm_kernel`.
    kind : {"gm", "stm"}
    deriv : int, 0..4
        Order of the tau-derivative being differentiated.

    Returns
    -------
    (d_log_w, d_log_ls, d_mu) : tuple of arrays, each shape (..., Q)
        ``d k^(deriv)(tau) / d theta_q`` for each component ``q``.

    Raises
    ------
    TypeError, ValueError
        As :func:`sm_kernel`.

    Notes
    -----
    ``d/d log_w_q`` is the q-th component itself; ``d/d log_ls_q`` uses the scaling identity
    ``d e^(m)/d log(scale) = m e^(m) + tau e^(m+1)`` (GM: ``rho = exp(log_ls / 2)``, hence
    a factor 1/2); ``d/d mu_q`` differentiates ``beta^j cos(beta tau + j pi/2)``.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 3 (Eqs. (5), (6)) and Sec. 4 (training).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import sm_kernel_param_grad
    >>> p = dict(log_w=np.zeros(2), log_ls=np.zeros(2), mu=np.array([0.0, 1.0]))
    >>> [g.shape for g in sm_kernel_param_grad(np.linspace(-1, 1, 5), **p)]
    [(5, 2), (5, 2), (5, 2)]
    """
    n = _check_deriv(deriv)
    xp, tau, log_w, log_ls, mu = _check_params(tau, log_w, log_ls, mu, kind)
    comp, d_ls, d_mu = _components(xp, tau, log_w, log_ls, mu, kind, n, grad=True)
    return comp, d_ls, d_mu


def sm_spectral_density(s: Any, /, *, log_w: Any, log_ls: Any, mu: Any, kind: str = "gm") -> Array:
    r"""Spectral density ``S(s) = int k(tau) exp(-2 pi i s tau) dtau`` of the kernel.

    Parameters
    ----------
    s : array, shape (...)
        Frequencies in cycles per unit.
    log_w, log_ls, mu : array, shape (Q,)
    kind : {"gm", "stm"}

    Returns
    -------
    array, shape (...)
        ``sum_q w_q [g_q(s - mu_q) + g_q(s + mu_q)] / 2``, nonnegative (Bochner), with
        ``g(s) = (sqrt(pi)/rho) exp(-pi^2 s^2 / rho^2)`` (GM) or
        ``g(s) = (16/3) 5^(5/2) a^5 (5 a^2 + 4 pi^2 s^2)^(-3)`` (StM, Student-t with 5 degrees
        of freedom); each ``g`` integrates to ``e(0) = 1``.

    Raises
    ------
    TypeError, ValueError
        As :func:`sm_kernel`.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 3 (the spectral mixture as a Gaussian / Student-t
       mixture over frequencies).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import sm_spectral_density
    >>> p = dict(log_w=np.zeros(1), log_ls=np.zeros(1), mu=np.zeros(1))
    >>> float(sm_spectral_density(np.zeros(1), **p)[0])  # sqrt(pi)
    1.7724538...
    """
    xp, s, log_w, log_ls, mu = _check_params(s, log_w, log_ls, mu, kind, name="s")
    w = xp.exp(log_w)
    t = s[..., None]
    out = xp.zeros_like(t * mu)
    for sgn in (-1.0, 1.0):
        d = t + sgn * mu
        if kind == "gm":
            rho = xp.exp(0.5 * log_ls)
            g = (math.sqrt(math.pi) / rho) * xp.exp(-(math.pi**2) * d * d / (rho * rho))
        else:
            a = xp.exp(log_ls)
            g = (16.0 / 3.0) * 5.0**2.5 * a**5 / (5.0 * a * a + 4.0 * math.pi**2 * d * d) ** 3
        out = out + 0.5 * g
    return xp.sum(w * out, axis=-1)


def to_gpytorch_sm(*, log_w: Any, log_ls: Any, mu: Any) -> dict[str, Array]:
    r"""GP-HM-GM parameters as GPyTorch ``SpectralMixtureKernel`` parameters (1-D input).

    Parameters
    ----------
    log_w, log_ls, mu : array, shape (Q,)
        GM parameters (``rho^2 = exp(log_ls)``).

    Returns
    -------
    dict
        ``mixture_weights = exp(log_w)``, ``mixture_means = mu`` and
        ``mixture_scales = rho / (pi sqrt 2)``, each shape (Q,), in the input's namespace.

    Raises
    ------
    TypeError, ValueError
        As :func:`sm_kernel`.

    Notes
    -----
    GPyTorch evaluates ``sum_q w_q exp(-2 pi^2 s_q^2 tau^2) cos(2 pi mu_q tau)``, hence
    ``rho^2 = 2 pi^2 s^2``. For inputs of dimension d > 1 GPyTorch sums over components of a
    product over dimensions, while GP-HM multiplies per-dimension sums: only the 1-D kernels
    agree. Only ``kind="gm"`` has a GPyTorch counterpart.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 3; Wilson & Adams, ICML 2013 (spectral mixture
       kernels); GPyTorch ``gpytorch.kernels.SpectralMixtureKernel``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import to_gpytorch_sm
    >>> p = to_gpytorch_sm(log_w=np.zeros(1), log_ls=np.log([2 * np.pi**2]), mu=np.ones(1))
    >>> float(p["mixture_scales"][0])
    1.0
    """
    xp, _, log_w, log_ls, mu = _check_params(log_w, log_w, log_ls, mu, "gm", name="log_w")
    return {
        "mixture_weights": xp.exp(log_w),
        "mixture_means": mu,
        "mixture_scales": xp.exp(0.5 * log_ls) / (math.pi * math.sqrt(2.0)),
    }


def from_gpytorch_sm(
    *, mixture_weights: Any, mixture_means: Any, mixture_scales: Any
) -> dict[str, Array]:
    r"""GPyTorch ``SpectralMixtureKernel`` parameters (linear domain) to GP-HM-GM log parameters.

    Parameters
    ----------
    mixture_weights : array, shape (Q,)
        Weights ``w_q > 0`` in the linear domain.
    mixture_means : array, shape (Q,)
        Frequencies ``mu_q`` (cycles per unit).
    mixture_scales : array, shape (Q,)
        GPyTorch scales ``s_q > 0``.

    Returns
    -------
    dict
        ``log_w``, ``log_ls = log(2 pi^2 s^2)`` and ``mu``, each shape (Q,).

    Raises
    ------
    TypeError
        Non-real inputs.
    ValueError
        Weights or scales not strictly positive (log-domain parameters need ``w > 0``),
        mismatched lengths, non-finite values.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 3.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import from_gpytorch_sm
    >>> p = from_gpytorch_sm(mixture_weights=np.ones(1), mixture_means=np.ones(1),
    ...                      mixture_scales=np.ones(1))
    >>> round(float(np.exp(p["log_ls"][0]) / (2 * np.pi**2)), 12)
    1.0
    """
    xp, (w, m, s) = _xp.as_arrays(mixture_weights, mixture_means, mixture_scales)
    w = _xp.checked_real(w, name="mixture_weights", xp=xp)
    m = _xp.checked_real(m, name="mixture_means", xp=xp)
    s = _xp.checked_real(s, name="mixture_scales", xp=xp)
    for name, arr in (("mixture_weights", w), ("mixture_scales", s)):
        if _xp.is_eager(arr) and not bool(xp.all(arr > 0)):
            msg = f"{name} must be strictly positive (linear domain); got min {float(xp.min(arr))}"
            raise ValueError(msg)
    log_w = xp.log(w)
    log_ls = xp.log((2.0 * math.pi**2) * s * s)
    _, _, log_w, log_ls, m = _check_params(log_w, log_w, log_ls, m, "gm")
    return {"log_w": log_w, "log_ls": log_ls, "mu": m}
