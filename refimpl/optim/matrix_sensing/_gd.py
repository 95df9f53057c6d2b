"""Gradient descent for over-parameterised matrix sensing, symmetric and asymmetric.

Xiong, Ding, Du, "How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The
Curses of Symmetry and Initialization", ICLR 2024, arXiv:2310.01769: symmetric GD on
:math:`XX^T` (Section 3, Theorem 3.1: :math:`\\Omega(1/T^2)` for ``k > r``), asymmetric GD on
:math:`FG^T` (Section 4, Theorems 4.1-4.3) and a one-step modification (Section 5; here a
*reconstruction*, see :func:`rebalance`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp

from ._problems import SensingOperator

__all__ = ["MatrixSensingResult", "gd_asymmetric", "gd_symmetric", "rebalance"]

Array = Any

#: a residual above this multiple of max(initial residual, ||M*||_F) counts as divergence
DIVERGENCE_FACTOR = 1e6


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixSensingResult:
    """Result of :func:`gd_symmetric` / :func:`gd_asymmetric`.

    Attributes
    ----------
    x : array, shape (n, k) or (n1, k)
        The last finite iterate: ``X`` (symmetric) or ``F`` (asymmetric).
    g : array, shape (n2, k), or None
        ``G`` (asymmetric), ``None`` for the symmetric method.
    n_iter : int
        GD steps taken.
    converged : bool
        Whether the last recorded residual is ``<= tol``.
    status : str
        ``"converged"``, ``"max_iter"``, ``"callback"`` (the callback returned True) or
        ``"diverged"`` (the residual became non-finite or exceeded ``DIVERGENCE_FACTOR`` times
        ``max(r_0, ||M*||_F)``; ``x``/``g`` are the last finite iterate, histories stop there).
    residuals : array, shape (n_records,)
        :math:`\\|XX^T - M^*\\|_F` or :math:`\\|FG^T - M^*\\|_F` of the recorded iterates.
    losses : array, shape (n_records,)
        :math:`\\tfrac12\\|\\mathcal A(XX^T - M^*)\\|^2` (population operator: the Frobenius
        version), i.e. the ½-loss whose gradient the method follows.
    iterations : array, shape (n_records,)
        Iteration index of each record (0 = the initial point); integers.
    imbalance_min_eig : array, shape (n_records,), or None
        Asymmetric only: :math:`\\lambda_{\\min}(F_t^TF_t - G_t^TG_t)`.
    rebalanced_at : int or None
        The iteration at which :func:`rebalance` was applied (asymmetric), else ``None``.
    method : str
        ``"gd_symmetric"`` or ``"gd_asymmetric"``.
    """

    x: Array
    g: Array | None
    n_iter: int
    converged: bool
    status: str
    residuals: Array
    losses: Array
    iterations: Array
    imbalance_min_eig: Array | None
    rebalanced_at: int | None
    method: str


def _check_operator(operator: Any, n1: int, n2: int, *, symmetric: bool) -> SensingOperator:
    if not isinstance(operator, SensingOperator):
        msg = f"operator must be a SensingOperator; got {type(operator).__name__}"
        raise TypeError(msg)
    if (operator.n1, operator.n2) != (n1, n2):
        msg = (
            f"operator must act on ({n1}, {n2}) matrices (the target's shape); "
            f"got ({operator.n1}, {operator.n2})"
        )
        raise ValueError(msg)
    if symmetric and not operator.symmetric:
        msg = (
            "operator must be symmetric (symmetric=True) for the symmetric method; "
            "got symmetric=False"
        )
        raise ValueError(msg)
    return operator


def _rank(xp: Any, target: Array) -> int:
    """Numerical rank (host SVD: a documented entry-check transfer)."""
    s = np.linalg.svd(_xp.to_host(target).astype(np.float64), compute_uv=False)
    if s.size == 0 or s[0] == 0.0:
        return 0
    tol = max(target.shape) * float(np.finfo(np.float64).eps) * s[0]
    tol = max(tol, 1e2 * _xp.eps(xp, target.dtype) * s[0])
    return int(np.sum(s > tol))


def _common_args(
    step: Any, n_iter: Any, tol: Any, record_every: Any, callback: Any
) -> tuple[float, int, float, int]:
    eta = _xp.positive_float(step, name="step")
    t = _xp.positive_int(n_iter, name="n_iter")
    tl = _xp.nonnegative_float(tol, name="tol")
    rec = _xp.positive_int(record_every, name="record_every")
    if callback is not None and not callable(callback):
        msg = f"callback must be callable or None; got {type(callback).__name__}"
        raise TypeError(msg)
    return eta, t, tl, rec


class _History:
    def __init__(self, xp: Any, dtype: Any, dev: Any, scale: float, tol: float) -> None:
        self.xp, self.dtype, self.dev = xp, dtype, dev
        self.res: list[float] = []
        self.loss: list[float] = []
        self.it: list[int] = []
        self.mineig: list[float] = []
        self.scale, self.tol = scale, tol
        self.limit = math.inf

    def add(self, t: int, res: float, loss: float, mineig: float | None) -> None:
        if not self.res:
            self.limit = DIVERGENCE_FACTOR * max(res, self.scale)
        self.res.append(res)
        self.loss.append(loss)
        self.it.append(t)
        if mineig is not None:
            self.mineig.append(mineig)

    def arr(self, values: list[float] | list[int], *, integer: bool = False) -> Array:
        if integer:
            return self.xp.asarray(np.asarray(values, dtype=np.int64), device=self.dev)
        return _xp.from_host(
            np.asarray(values, dtype=np.float64), xp=self.xp, dtype=self.dtype, device=self.dev
        )


def _fro(xp: Any, e: Array) -> float:
    return float(xp.linalg.vector_norm(e))


def _loss(operator: SensingOperator, xp: Any, e: Array) -> float:
    """½ <E, A*A(E)> = ½ ||A(E)||^2."""
    return 0.5 * float(xp.sum(e * operator._normal(e, xp)))


def gd_symmetric(
    operator: SensingOperator,
    target: Array,
    x0: Array,
    /,
    *,
    step: float,
    n_iter: int,
    tol: float = 0.0,
    record_every: int = 1,
    callback: Callable[[int, Array], Any] | None = None,
) -> MatrixSensingResult:
    r"""Gradient descent on :math:`L(X) = \tfrac12\|\mathcal A(XX^T) - y\|^2`, :math:`y =
    \mathcal A(M^*)`.

    Parameters
    ----------
    operator : SensingOperator
        Symmetric sensing operator (:func:`sensing_operator` with ``symmetric=True``, or
        :func:`population_operator` with ``symmetric=True``).
    target : array, shape (n, n)
        The PSD ground truth :math:`M^*` (used for the measurements and the residual history).
    x0 : array, shape (n, k)
        Initial factor, ``k >= rank(M*)``.
    step : float
        Step size :math:`\eta > 0`.
    n_iter : int
        Number of GD steps ``T >= 1``.
    tol : float, optional
        Stop once :math:`\|X_tX_t^T - M^*\|_F \le` ``tol`` (default 0: run all steps).
    record_every : int, optional
        Record the histories every this many steps (and at the last step).
    callback : callable, optional
        ``callback(t, X_t)`` after each step; returning True stops (status ``"callback"``).

    Returns
    -------
    MatrixSensingResult
        ``x`` = :math:`X_T`, ``g = None``; arrays follow ``x0``'s namespace/dtype/device.

    Raises
    ------
    TypeError
        Non-real arrays, arrays from two namespaces, a non-operator, bad scalar types.
    ValueError
        Shape mismatches; a non-symmetric or non-PSD ``target``; ``k < rank(target)``;
        ``step <= 0``; ``n_iter < 1``; a non-symmetric operator.

    Notes
    -----
    Update (paper's Eq. for symmetric GD, Section 3):
    :math:`X_{t+1} = X_t - 2\eta\,\mathcal A^*\mathcal A(X_tX_t^T - M^*)\,X_t`, with
    :math:`\mathcal A^*\mathcal A(E)` computed from ``target`` (equal to
    :math:`\mathcal A^*(\mathcal A(XX^T) - y)` by linearity). A diverging step size does not
    raise: the run stops with ``status="diverged"``. For ``k > r`` the spurious directions decay
    like :math:`\sigma \leftarrow \sigma - 2\eta\sigma^3` (population operator), so
    :math:`\|X_tX_t^T - M^*\|_F \approx \sqrt{k-r}/(4\eta t)`: the :math:`\Omega(1/T^2)`
    squared error of the paper's Theorem 3.1; ``k = r`` converges linearly.

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 3, Theorem 3.1 (lower bound
       :math:`\|X_TX_T^T - M^*\|_F^2 = \Omega(1/T^2)` for ``k > r``) and Theorem 1.1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import (
    ...     ground_truth, gd_symmetric, initialize_symmetric, population_operator)
    >>> m = ground_truth(10, 10, 2, symmetric=True, rng=0)
    >>> x0 = initialize_symmetric(10, 2, alpha=0.05, rng=1)
    >>> res = gd_symmetric(population_operator(10, 10, symmetric=True), m, x0,
    ...                    step=0.1, n_iter=400)
    >>> bool(res.residuals[-1] < 1e-8)
    True
    """
    xp, (target, x0) = _xp.as_arrays(target, x0)
    target = _xp.checked_real(target, name="target", xp=xp, min_ndim=2)
    x0 = _xp.checked_real(x0, name="x0", xp=xp, min_ndim=2)
    if target.ndim != 2 or target.shape[0] != target.shape[1]:
        msg = f"target must be a square (n, n) matrix; got shape {tuple(target.shape)}"
        raise ValueError(msg)
    n = target.shape[0]
    if x0.ndim != 2 or x0.shape[0] != n:
        msg = f"x0 must have shape (n, k) = ({n}, k); got {tuple(x0.shape)}"
        raise ValueError(msg)
    eta, t_max, tol_v, rec = _common_args(step, n_iter, tol, record_every, callback)
    op = _check_operator(operator, n, n, symmetric=True)
    dtype = xp.result_type(target, x0)
    target, x = xp.astype(target, dtype), xp.astype(x0, dtype, copy=True)
    scale = _fro(xp, target)
    eps = _xp.eps(xp, dtype)
    asym = _fro(xp, target - xp.matrix_transpose(target))
    if asym > 1e2 * eps * max(scale, 1.0):
        msg = f"target must be symmetric; got ||M - M^T||_F = {asym:.3g}"
        raise ValueError(msg)
    lam_min = float(xp.min(xp.linalg.eigvalsh(target)))
    if lam_min < -1e2 * eps * max(scale, 1.0) * n:
        msg = f"target must be positive semi-definite; got smallest eigenvalue {lam_min:.3g}"
        raise ValueError(msg)
    r = _rank(xp, target)
    k = x.shape[1]
    if k < r:
        msg = f"x0 must have k >= rank(target) = {r} columns; got k = {k}"
        raise ValueError(msg)
    dev = _xp.device(x)
    hist = _History(xp, dtype, dev, scale, tol_v)

    def err_of(x: Array) -> Array:
        return x @ xp.matrix_transpose(x) - target

    e = err_of(x)
    hist.add(0, _fro(xp, e), _loss(op, xp, e), None)
    status = "max_iter"
    t = 0
    if hist.res[-1] <= tol_v:
        status = "converged"
    else:
        while t < t_max:
            x_new = x - (2.0 * eta) * (op._normal(e, xp) @ x)
            e_new = err_of(x_new)
            res = _fro(xp, e_new)
            if not math.isfinite(res) or res > hist.limit:
                status = "diverged"
                break
            t += 1
            x, e = x_new, e_new
            if t % rec == 0 or t == t_max or res <= tol_v:
                hist.add(t, res, _loss(op, xp, e), None)
            if res <= tol_v:
                status = "converged"
                break
            if callback is not None and callback(t, x):
                status = "callback"
                if hist.it[-1] != t:
                    hist.add(t, res, _loss(op, xp, e), None)
                break
    return MatrixSensingResult(
        x=x,
        g=None,
        n_iter=t,
        converged=hist.res[-1] <= tol_v,
        status=status,
        residuals=hist.arr(hist.res),
        losses=hist.arr(hist.loss),
        iterations=hist.arr(hist.it, integer=True),
        imbalance_min_eig=None,
        rebalanced_at=None,
        method="gd_symmetric",
    )


def rebalance(f: Array, g: Array, /, *, scale: float = 1.0) -> tuple[Array, Array]:
    r"""Rebalance the factors: :math:`F \leftarrow FP`, :math:`G \leftarrow GP^{-T}`, all
    singular values of the new ``F`` equal to ``scale`` (**reconstruction**, see Notes).

    Parameters
    ----------
    f : array, shape (n1, k)
        Full column rank ``k``.
    g : array, shape (n2, k)
    scale : float, optional
        The common singular value ``s > 0`` of the rebalanced ``F``.

    Returns
    -------
    (F', G') : arrays, shapes (n1, k), (n2, k)
        With :math:`F'G'^T = FG^T` (exactly in exact arithmetic) and
        :math:`F'^TF' = s^2 I`.

    Raises
    ------
    TypeError
        Non-real arrays, or arrays from two namespaces.
    ValueError
        Shape mismatches; ``F`` numerically rank deficient; ``scale <= 0``.

    Notes
    -----
    With :math:`F^TF = U\,\mathrm{diag}(\mu)\,U^T`: :math:`P = s\,U\mathrm{diag}(\mu^{-1/2})U^T`
    and :math:`P^{-T} = U\mathrm{diag}(\mu^{1/2})U^T/s`. Applied once, near the solution, it
    makes :math:`\sigma_{\min}(F)` of order one, so the spurious components of ``G`` then
    contract at a rate independent of the initialisation scale :math:`\alpha`.

    **Reconstruction.** The paper (Section 5, Eq. (5.1)) modifies one GD step, "executed once
    the iterates are sufficiently close to the optimum" (public reviews), to obtain an
    :math:`\alpha`-independent rate. The paper's exact formula could not be retrieved while this
    was written; this function is a reconstruction that has the property the abstract states
    (checked numerically in the tests), **not** the paper's Eq. (5.1).

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, abstract and Section 5 (the one-step modification
       and its :math:`\alpha`-independent rate; formula not transcribed here).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import rebalance
    >>> rng = np.random.default_rng(0)
    >>> f, g = rng.standard_normal((6, 3)), rng.standard_normal((5, 3))
    >>> f2, g2 = rebalance(f, g)
    >>> bool(np.allclose(f2 @ g2.T, f @ g.T)), bool(np.allclose(f2.T @ f2, np.eye(3)))
    (True, True)
    """
    xp, (f, g) = _xp.as_arrays(f, g)
    f = _xp.checked_real(f, name="f", xp=xp, min_ndim=2)
    g = _xp.checked_real(g, name="g", xp=xp, min_ndim=2)
    s = _xp.positive_float(scale, name="scale")
    if f.ndim != 2 or g.ndim != 2 or f.shape[1] != g.shape[1]:
        msg = (
            f"f and g must be (n1, k) and (n2, k) matrices with the same k; "
            f"got {tuple(f.shape)} and {tuple(g.shape)}"
        )
        raise ValueError(msg)
    return _rebalance(xp, f, g, s)


def _rebalance(xp: Any, f: Array, g: Array, s: float) -> tuple[Array, Array]:
    dtype = xp.result_type(f, g)
    f, g = xp.astype(f, dtype), xp.astype(g, dtype)
    mu, u = xp.linalg.eigh(xp.matrix_transpose(f) @ f)
    mu_max = float(xp.max(mu))
    mu_min = float(xp.min(mu))
    # eigenvalues of F^T F carry absolute errors ~ eps * mu_max * k: below that, rank deficient
    if not mu_min > 10 * _xp.eps(xp, dtype) * mu_max * f.shape[-1]:
        msg = (
            f"f must have full column rank (F^T F invertible); got smallest eigenvalue {mu_min:.3g}"
        )
        raise ValueError(msg)
    ut = xp.matrix_transpose(u)
    p = (u * (s / xp.sqrt(mu))) @ ut
    p_inv_t = (u * (xp.sqrt(mu) / s)) @ ut
    return f @ p, g @ p_inv_t


def gd_asymmetric(
    operator: SensingOperator,
    target: Array,
    f0: Array,
    g0: Array,
    /,
    *,
    step: float,
    n_iter: int,
    tol: float = 0.0,
    rebalance_at: int | None = None,
    rebalance_tol: float | None = None,
    rebalance_scale: float = 1.0,
    record_every: int = 1,
    callback: Callable[[int, Array, Array], Any] | None = None,
) -> MatrixSensingResult:
    r"""Gradient descent on :math:`L(F, G) = \tfrac12\|\mathcal A(FG^T) - y\|^2`, optionally with
    one rebalancing step (reconstruction of the paper's one-step modification).

    Parameters
    ----------
    operator : SensingOperator
        Sensing operator on ``(n1, n2)`` matrices (sensing or population).
    target : array, shape (n1, n2)
        Ground truth :math:`M^*`.
    f0, g0 : arrays, shapes (n1, k), (n2, k)
        Initial factors, ``k >= rank(M*)``.
    step : float
        Step size :math:`\eta > 0`.
    n_iter : int
        Number of GD steps ``T >= 1``.
    tol : float, optional
        Stop once :math:`\|F_tG_t^T - M^*\|_F \le` ``tol``.
    rebalance_at : int, optional
        Apply :func:`rebalance` to :math:`(F_t, G_t)` before step ``t = rebalance_at``.
    rebalance_tol : float, optional
        Or: apply it the first time :math:`\|F_tG_t^T - M^*\|_F \le` ``rebalance_tol`` (this
        trigger needs :math:`M^*`, which a practitioner does not have; see Notes).
    rebalance_scale : float, optional
        ``scale`` passed to :func:`rebalance`.
    record_every : int, optional
        Record the histories every this many steps (and at the last step).
    callback : callable, optional
        ``callback(t, F_t, G_t)`` after each step; returning True stops.

    Returns
    -------
    MatrixSensingResult
        ``x`` = :math:`F_T`, ``g`` = :math:`G_T`, ``imbalance_min_eig`` the history of
        :math:`\lambda_{\min}(\Delta_t)`, ``rebalanced_at`` the rebalancing iteration.

    Raises
    ------
    TypeError
        Non-real arrays, two namespaces, a non-operator, bad scalar types.
    ValueError
        Shape mismatches, ``k < rank(target)``, ``step <= 0``, ``n_iter < 1``, both rebalancing
        triggers given, a rank-deficient ``F`` at the rebalancing step.

    Notes
    -----
    Simultaneous update with :math:`E_t = \mathcal A^*\mathcal A(F_tG_t^T - M^*)`:
    :math:`F_{t+1} = F_t - \eta E_tG_t`, :math:`G_{t+1} = G_t - \eta E_t^TF_t` (Section 4).
    Exactly, for any :math:`E_t`, :math:`\Delta_{t+1} - \Delta_t = \eta^2(G_t^TE_t^TE_tG_t -
    F_t^TE_tE_t^TF_t)` with :math:`\Delta = F^TF - G^TG` (derived; gradient flow conserves
    :math:`\Delta`). With ``F_0 = G_0`` on a symmetric operator and PSD target the iterates stay
    equal and coincide with :func:`gd_symmetric` at step :math:`\eta/2`. With the imbalanced
    start of :func:`initialize_asymmetric`, ``k > r`` converges linearly at a rate
    :math:`\propto\lambda_{\min}(\Delta_0)\propto\alpha^2` (Theorem 4.2:
    :math:`\exp(-\Omega(\alpha^2T))`, and Theorem 4.3: the :math:`\alpha` dependence is
    unavoidable). Rebalancing is a **reconstruction** of Section 5 (see :func:`rebalance`);
    after it the rate no longer depends on :math:`\alpha`. Diverging steps stop with
    ``status="diverged"``.

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 4 (Theorem 1.3/4.2, linear rate
       :math:`\exp(-\Omega(\alpha^2T))` for ``k > r``; Theorem 4.1 for ``k = r``) and Section 5
       (one-step modification; reconstructed here).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import (
    ...     ground_truth, gd_asymmetric, initialize_asymmetric, population_operator)
    >>> m = ground_truth(12, 10, 2, rng=0)
    >>> f0, g0 = initialize_asymmetric(12, 10, 3, alpha=0.1, rng=1)
    >>> res = gd_asymmetric(population_operator(12, 10), m, f0, g0, step=0.2, n_iter=2000)
    >>> bool(res.residuals[-1] < 1e-6 * res.residuals[0])
    True
    """
    xp, (target, f0, g0) = _xp.as_arrays(target, f0, g0)
    target = _xp.checked_real(target, name="target", xp=xp, min_ndim=2)
    f0 = _xp.checked_real(f0, name="f0", xp=xp, min_ndim=2)
    g0 = _xp.checked_real(g0, name="g0", xp=xp, min_ndim=2)
    if target.ndim != 2:
        msg = f"target must be an (n1, n2) matrix; got shape {tuple(target.shape)}"
        raise ValueError(msg)
    n1, n2 = target.shape
    if f0.ndim != 2 or f0.shape[0] != n1:
        msg = f"f0 must have shape (n1, k) = ({n1}, k); got {tuple(f0.shape)}"
        raise ValueError(msg)
    if g0.ndim != 2 or g0.shape[0] != n2 or g0.shape[1] != f0.shape[1]:
        msg = f"g0 must have shape (n2, k) = ({n2}, {f0.shape[1]}); got {tuple(g0.shape)}"
        raise ValueError(msg)
    eta, t_max, tol_v, rec = _common_args(step, n_iter, tol, record_every, callback)
    op = _check_operator(operator, n1, n2, symmetric=False)
    if rebalance_at is not None and rebalance_tol is not None:
        msg = "give at most one of rebalance_at and rebalance_tol; got both"
        raise ValueError(msg)
    reb_at = (
        None if rebalance_at is None else _xp.nonnegative_int(rebalance_at, name="rebalance_at")
    )
    reb_tol = (
        None if rebalance_tol is None else _xp.positive_float(rebalance_tol, name="rebalance_tol")
    )
    reb_s = _xp.positive_float(rebalance_scale, name="rebalance_scale")
    r = _rank(xp, target)
    k = f0.shape[1]
    if k < r:
        msg = f"f0 and g0 must have k >= rank(target) = {r} columns; got k = {k}"
        raise ValueError(msg)
    dtype = xp.result_type(target, f0, g0)
    target = xp.astype(target, dtype)
    f, g = xp.astype(f0, dtype, copy=True), xp.astype(g0, dtype, copy=True)
    dev = _xp.device(f)
    hist = _History(xp, dtype, dev, _fro(xp, target), tol_v)

    def err_of(f: Array, g: Array) -> Array:
        return f @ xp.matrix_transpose(g) - target

    def mineig(f: Array, g: Array) -> float:
        d = xp.matrix_transpose(f) @ f - xp.matrix_transpose(g) @ g
        return float(xp.min(xp.linalg.eigvalsh(0.5 * (d + xp.matrix_transpose(d)))))

    rebalanced: int | None = None
    e = err_of(f, g)
    res = _fro(xp, e)
    hist.add(0, res, _loss(op, xp, e), mineig(f, g))
    status = "max_iter"
    t = 0
    if res <= tol_v:
        status = "converged"
    else:
        while t < t_max:
            if rebalanced is None and (
                (reb_at is not None and t == reb_at) or (reb_tol is not None and res <= reb_tol)
            ):
                f, g = _rebalance(xp, f, g, reb_s)
                e = err_of(f, g)
                rebalanced = t
            grad = op._normal(e, xp)
            f_new = f - eta * (grad @ g)
            g_new = g - eta * (xp.matrix_transpose(grad) @ f)
            e_new = err_of(f_new, g_new)
            res_new = _fro(xp, e_new)
            if not math.isfinite(res_new) or res_new > hist.limit:
                status = "diverged"
                break
            t += 1
            f, g, e, res = f_new, g_new, e_new, res_new
            if t % rec == 0 or t == t_max or res <= tol_v:
                hist.add(t, res, _loss(op, xp, e), mineig(f, g))
            if res <= tol_v:
                status = "converged"
                break
            if callback is not None and callback(t, f, g):
                status = "callback"
                if hist.it[-1] != t:
                    hist.add(t, res, _loss(op, xp, e), mineig(f, g))
                break
    return MatrixSensingResult(
        x=f,
        g=g,
        n_iter=t,
        converged=hist.res[-1] <= tol_v,
        status=status,
        residuals=hist.arr(hist.res),
        losses=hist.arr(hist.loss),
        iterations=hist.arr(hist.it, integer=True),
        imbalance_min_eig=hist.arr(hist.mineig),
        rebalanced_at=rebalanced,
        method="gd_asymmetric",
    )
