"""Finite-sum monotone inclusion problems ``0 in F(u) + G(u)``, ``F = (1/n) sum_i F_i``.

Cai, Alacaoglu, Diakonikolas, "Variance Reduced Halpern Iteration for Finite-Sum Monotone
Inclusions", ICLR 2024, arXiv:2310.02987, Section 2 (problem class) and Section 5 (the two
experiments). Conventions: the full operator is the **average** of the components (the official
scripts use the sum), one component evaluation is one oracle call, the full operator ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.optim._projections import _project_simplex, project_simplex

__all__ = [
    "FiniteSumProblem",
    "hard_qp",
    "linear_problem",
    "matrix_game",
    "policeman_burglar_matrix",
    "project_simplex",
    "random_linear_problem",
]

Array = Any


@dataclass(frozen=True, kw_only=True, eq=False)
class FiniteSumProblem:
    r"""A finite-sum monotone inclusion ``0 in F(u) + G(u)`` with ``F = (1/n) sum_i F_i``.

    Build one from your own operators with this constructor, or use :func:`matrix_game`,
    :func:`hard_qp`, :func:`linear_problem` or :func:`random_linear_problem`.

    Parameters
    ----------
    n : int
        Number of components ``F_1 .. F_n``.
    dim : int
        Dimension of the iterate ``u`` (shape ``(dim,)``).
    components : callable
        ``components(u, idx) -> (len(idx), dim)``: the rows ``F_i(u)`` for the integer index
        array ``idx`` (shape ``(b,)``, same namespace and device as ``u``), **average**
        convention (``F = mean_i F_i``). Evaluating ``b`` rows costs ``b`` oracle calls.
    operator : callable, optional
        ``operator(u) -> (dim,)``: the full ``F(u)`` (costs ``n`` calls). Default: the mean of
        all components.
    resolvent : callable, optional
        ``resolvent(u, eta) -> (dim,)``: ``J_{eta G}(u) = (I + eta G)^{-1}(u)`` (a projection
        onto ``C`` when ``G = N_C``, a prox when ``G = dg``). Default ``None``: ``G = 0``.
    lipschitz : float, optional
        ``L_F``, the Lipschitz constant of ``F`` (used for default step sizes).
    avg_lipschitz : float, optional
        ``L`` of the averaged smoothness ``E_i ||F_i(u) - F_i(v)||^2 <= L^2 ||u - v||^2``
        (uniform sampling). Default: ``lipschitz``.
    cocoercivity : float, optional
        ``beta`` such that ``<F(u) - F(v), u - v> >= beta ||F(u) - F(v)||^2``; ``None`` when
        ``F`` is not (known to be) cocoercive.
    name : str, default "user"
        A label used in reprs and validation output.

    Raises
    ------
    TypeError
        If ``components`` (or a given ``operator``/``resolvent``) is not callable, or ``n``,
        ``dim`` are not integers.
    ValueError
        If ``n`` or ``dim`` is not positive or a constant is not positive and finite.

    Notes
    -----
    Methods never call the callables directly: they go through a private counter that charges
    ``b`` calls for ``b`` component rows and ``n`` for the full operator, and checks the returned
    shapes (``ValueError`` on mismatch). :meth:`F`, :meth:`F_components` and :meth:`J` are the
    uncounted evaluations for users and tests.

    References
    ----------
    .. [1] X. Cai, A. Alacaoglu, J. Diakonikolas, arXiv:2310.02987, Section 2 (problem (1.1),
       Assumptions 1-3: finite-sum, "on average" cocoercive or Lipschitz operators).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import FiniteSumProblem
    >>> c = np.array([[1.0, 0.0], [3.0, 2.0]])          # F_i(u) = u - c_i, F(u) = u - mean(c)
    >>> p = FiniteSumProblem(n=2, dim=2, components=lambda u, idx: u - c[idx], lipschitz=1.0,
    ...                      cocoercivity=1.0)
    >>> p.F(np.zeros(2))
    array([-2., -1.])
    """

    n: int
    dim: int
    components: Callable[[Array, Array], Array]
    operator: Callable[[Array], Array] | None = None
    resolvent: Callable[[Array, float], Array] | None = None
    lipschitz: float | None = None
    avg_lipschitz: float | None = None
    cocoercivity: float | None = None
    name: str = "user"
    #: structured data ("split linear": F(u) = M u - q, F_i(u) = n M[:, S_i] u[S_i] - q,
    #: S_i = (i, n + i); simplex blocks for the resolvent) that the numba backend can run on
    _split: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _xp.positive_int(self.n, name="n")
        _xp.positive_int(self.dim, name="dim")
        for key in ("components", "operator", "resolvent"):
            value = getattr(self, key)
            if (key == "components" or value is not None) and not callable(value):
                msg = f"{key} must be callable; got {type(value).__name__}"
                raise TypeError(msg)
        for key in ("lipschitz", "avg_lipschitz", "cocoercivity"):
            value = getattr(self, key)
            if value is not None:
                object.__setattr__(self, key, _xp.positive_float(value, name=key))
        if self.avg_lipschitz is None and self.lipschitz is not None:
            object.__setattr__(self, "avg_lipschitz", self.lipschitz)

    # ----------------------------------------------------------- uncounted evaluations
    def F(self, u: Array, /) -> Array:
        """The full operator ``F(u) = (1/n) sum_i F_i(u)``, shape ``(dim,)`` (uncounted)."""
        if self.operator is not None:
            return self.operator(u)
        xp = _xp.as_arrays(u)[0]
        idx = xp.arange(self.n, device=_xp.device(u))
        return xp.mean(self.components(u, idx), axis=0)

    def F_components(self, u: Array, idx: Array, /) -> Array:
        """The rows ``F_i(u)`` for ``i in idx``, shape ``(len(idx), dim)`` (uncounted)."""
        return self.components(u, idx)

    def J(self, u: Array, eta: float, /) -> Array:
        """The resolvent ``J_{eta G}(u)`` (the identity when ``G = 0``)."""
        return u if self.resolvent is None else self.resolvent(u, eta)

    @property
    def constrained(self) -> bool:
        """Whether ``G`` is present (``resolvent`` given)."""
        return self.resolvent is not None


# ------------------------------------------------------------------------ the simplex
# --------------------------------------------------------------- split-linear problems
def _host_norm2(m: np.ndarray) -> float:
    return float(np.linalg.norm(m, ord=2)) if m.size else 0.0


def _split_linear(
    m: Array, q: Array, n: int, *, name: str, simplex: bool, xp: Any, cocoercive: bool
) -> FiniteSumProblem:
    """``F(u) = M u - q`` on ``u = (x, y)``, ``x, y in R^n``; component ``i`` owns the columns
    ``i`` and ``n + i``: ``F_i(u) = n (M[:, i] x_i + M[:, n+i] y_i) - q`` (mean = ``F``)."""
    dev = _xp.device(m)
    dim = 2 * n

    def components(u: Array, idx: Array) -> Array:
        cx = xp.take(m, idx, axis=1)  # (dim, b)
        cy = xp.take(m, idx + n, axis=1)
        ux = xp.take(u, idx)
        uy = xp.take(u, idx + n)
        rows = float(n) * (cx * ux + cy * uy)  # (dim, b)
        return xp.permute_dims(rows, (1, 0)) - q

    def operator(u: Array) -> Array:
        return xp.matmul(m, u) - q

    resolvent = None
    if simplex:

        def resolvent(u: Array, eta: float) -> Array:  # J_{eta N_C} = projection
            return xp.reshape(_project_simplex(xp.reshape(u, (2, n)), 1.0, xp), (dim,))

    mh = _xp.to_host(m).astype(np.float64)
    pairs = np.stack([mh[:, :n].T, mh[:, n:].T], axis=-1)  # (n, dim, 2): M[:, S_i]
    col_norms = np.linalg.norm(pairs, ord=2, axis=(1, 2)) if n else np.zeros(0)
    lip = _host_norm2(mh)
    avg = math.sqrt(n) * float(np.max(col_norms))
    coco = None
    if cocoercive and lip > 0:
        coco = 1.0 / lip
    del dev
    return FiniteSumProblem(
        n=n,
        dim=dim,
        components=components,
        operator=operator,
        resolvent=resolvent,
        lipschitz=lip if lip > 0 else None,
        avg_lipschitz=avg if avg > 0 else None,
        cocoercivity=coco,
        name=name,
        _split={"M": m, "q": q, "simplex": simplex},
    )


def matrix_game(a: Array, /) -> FiniteSumProblem:
    r"""The bilinear matrix game ``min_{x in simplex} max_{y in simplex} y^T A x`` as a finite sum.

    Parameters
    ----------
    a : array, shape (n, n)
        The payoff matrix (square: the finite sum runs over coordinates, component ``i`` owns
        ``x_i`` and ``y_i``).

    Returns
    -------
    FiniteSumProblem
        ``u = (x, y)``, ``dim = 2n``, ``F(x, y) = (A^T y, -A x)``,
        ``F_i(x, y) = n (A[i, :] y_i, -A[:, i] x_i)``, ``G`` the normal cone of the product of
        two simplices (resolvent: :func:`project_simplex` on each block), ``lipschitz =
        ||A||_2``, ``avg_lipschitz = sqrt(n) max_i ||M[:, (i, n+i)]||_2`` with ``M`` the block
        matrix of ``F``; not cocoercive. Arrays stay in the namespace, dtype and device of ``a``.

    Raises
    ------
    TypeError
        If ``a`` is not a real array.
    ValueError
        If ``a`` is not a square 2-D, finite, non-empty matrix.

    Notes
    -----
    The coordinate split and the constants follow the official script ``matrix_game.py``
    (``Halpern_mini_update``: the minibatch touches rows ``A[S, :]`` with ``y[S]`` and columns
    ``A[:, S]`` with ``x[S]``), rescaled to the average convention. The paper's instance is
    :func:`policeman_burglar_matrix` ``(500)``.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 5, matrix game experiment (Figure 1(a)).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import matrix_game
    >>> p = matrix_game(np.array([[0.0, 1.0], [2.0, 0.0]]))
    >>> p.n, p.dim
    (2, 4)
    >>> p.F(np.array([0.25, 0.75, 0.5, 0.5]))         # (A^T y, -A x)
    array([ 1.  ,  0.5 , -0.75, -0.5 ])
    """
    xp, (a,) = _xp.as_arrays(a)
    a = _xp.checked_real(a, name="a", xp=xp, min_ndim=2)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        msg = f"a must be a square 2-D matrix (n, n); got shape {tuple(a.shape)}"
        raise ValueError(msg)
    n = int(a.shape[0])
    z = xp.zeros((n, n), dtype=a.dtype, device=_xp.device(a))
    at = xp.permute_dims(a, (1, 0))
    m = xp.concat([xp.concat([z, at], axis=1), xp.concat([-a, z], axis=1)], axis=0)
    q = xp.zeros((2 * n,), dtype=a.dtype, device=_xp.device(a))
    return _split_linear(m, q, n, name=f"matrix_game(n={n})", simplex=True, xp=xp, cocoercive=False)


def policeman_burglar_matrix(
    n: int,
    /,
    *,
    theta: float = 0.8,
    seed: int = 1,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    r"""The "policeman and burglar" payoff matrix of the paper's matrix-game experiment.

    Parameters
    ----------
    n : int
        Size (the paper uses 500).
    theta : float, default 0.8
        Decay rate.
    seed : int, default 1
        Seed of the legacy ``numpy.random.seed`` stream that draws the weights (the script's).
    xp, dtype, device
        Namespace, dtype and device of the result (default NumPy, its default float).

    Returns
    -------
    array, shape (n, n)
        ``A_ij = w_j (1 - exp(-theta |i - j|))`` with ``w = |N(0, 1)|`` drawn after
        ``numpy.random.seed(seed)`` (the weight multiplies **columns**, as in the script).

    Raises
    ------
    TypeError, ValueError
        For a non-integer or non-positive ``n``, or a non-positive ``theta``.

    Notes
    -----
    The script draws ``w`` from the global legacy stream; refimpl uses a private
    ``numpy.random.RandomState(seed)``, which produces the same numbers without touching global
    state.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 5; official script ``matrix_game.py``
       (``policeman_and_burglar_matrix``, ``n = 500``, ``seed = 1``).

    Examples
    --------
    >>> from refimpl.optim.halpern import policeman_burglar_matrix
    >>> policeman_burglar_matrix(3).shape
    (3, 3)
    """
    n = _xp.positive_int(n, name="n")
    theta = _xp.positive_float(theta, name="theta")
    xp = _xp.creation_namespace(xp)
    w = np.abs(np.random.RandomState(seed).randn(n))
    i = np.arange(n)
    c = 1.0 - np.exp(-theta * np.abs(i[:, None] - i[None, :]))
    dtype = dtype if dtype is not None else _xp.default_float(xp, device)
    return _xp.from_host(w[None, :] * c, xp=xp, dtype=dtype, device=device)


def hard_qp(
    n: int, /, *, xp: Any = None, dtype: Any = None, device: Any = None
) -> FiniteSumProblem:
    r"""The Ouyang-Xu hard linearly constrained quadratic program as a finite-sum saddle problem.

    Parameters
    ----------
    n : int
        Size of ``x`` and ``y`` (the paper uses 200); ``n >= 2``.
    xp, dtype, device
        Namespace, dtype and device of the problem data (default NumPy, its default float).

    Returns
    -------
    FiniteSumProblem
        ``min_x max_y 1/2 x^T H x - h^T x - <A x - b, y>``, ``u = (x, y)``, ``dim = 2n``,
        ``F(x, y) = (H x - h - A^T y, A x - b)``, ``G = 0``; components
        ``F_i = n (H[:, i] x_i - A[i, :] y_i, A[:, i] x_i) - (h, b)``. ``A[i, n-1-i] = 1``,
        ``A[i, n-2-i] = -1`` (``i < n-1``), then ``A <- A / 4``; ``H = 2 A^T A``;
        ``b = 1/4``; ``h = e_n / 4``. Monotone, not cocoercive (skew part).

    Raises
    ------
    TypeError, ValueError
        For a non-integer ``n`` or ``n < 2``.

    References
    ----------
    .. [1] arXiv:2310.02987, Section 5, QP experiment (Figure 1(b)); Y. Ouyang, Y. Xu,
       "Lower complexity bounds of first-order methods for convex-concave bilinear saddle-point
       problems", Math. Program. 2021 (the hard instance); official script
       ``quadratic_programming.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import hard_qp
    >>> p = hard_qp(4)
    >>> p.dim, p.cocoercivity is None
    (8, True)
    """
    n = _xp.positive_int(n, name="n")
    if n < 2:
        msg = f"n must be >= 2; got {n}"
        raise ValueError(msg)
    xp = _xp.creation_namespace(xp)
    a = np.zeros((n, n))
    for i in range(n):
        a[i, n - 1 - i] = 1.0
        if i < n - 1:
            a[i, n - 2 - i] = -1.0
    a /= 4.0
    h_mat = 2.0 * a.T @ a
    m = np.block([[h_mat, -a.T], [a, np.zeros((n, n))]])
    q = np.concatenate([np.zeros(n), np.full(n, 0.25)])
    q[n - 1] = 0.25
    dtype = dtype if dtype is not None else _xp.default_float(xp, device)
    mx = _xp.from_host(m, xp=xp, dtype=dtype, device=device)
    qx = _xp.from_host(q, xp=xp, dtype=dtype, device=device)
    return _split_linear(mx, qx, n, name=f"hard_qp(n={n})", simplex=False, xp=xp, cocoercive=False)


# --------------------------------------------------------------- dense linear problems
def linear_problem(
    q: Array,
    b: Array,
    /,
    *,
    resolvent: Callable[[Array, float], Array] | None = None,
) -> FiniteSumProblem:
    r"""Linear finite-sum problem ``F_i(u) = Q_i u - b_i``.

    Parameters
    ----------
    q : array, shape (n, dim, dim)
        The component matrices (``F`` is monotone when the symmetric part of ``mean_i Q_i``
        is positive semidefinite).
    b : array, shape (n, dim)
        The component offsets.
    resolvent : callable, optional
        ``J_{eta G}`` as in :class:`FiniteSumProblem` (default ``G = 0``).

    Returns
    -------
    FiniteSumProblem
        With ``lipschitz = ||Qbar||_2``, ``avg_lipschitz = sqrt(mean_i ||Q_i||_2^2)`` and
        ``cocoercivity = 1/||Qbar||_2`` when ``Qbar = mean_i Q_i`` is symmetric positive
        semidefinite (else ``None``). Arrays stay in the namespace/dtype/device of ``q``.

    Raises
    ------
    TypeError
        If ``q`` or ``b`` is not a real array, or the namespaces differ.
    ValueError
        If the shapes do not match ``(n, dim, dim)`` and ``(n, dim)``, or values are not finite.

    Notes
    -----
    The constants are computed once on the host (float64 SVD/eigenvalues of ``Qbar`` and the
    ``Q_i``).

    References
    ----------
    .. [1] arXiv:2310.02987, Assumptions 2-3 (averaged Lipschitz / cocoercive components).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.halpern import linear_problem
    >>> p = linear_problem(np.stack([np.eye(2), 3 * np.eye(2)]), np.ones((2, 2)))
    >>> p.F(np.zeros(2)), p.lipschitz, p.cocoercivity
    (array([-1., -1.]), 2.0, 0.5)
    """
    xp, (q, b) = _xp.as_arrays(q, b)
    q = _xp.checked_real(q, name="q", xp=xp, min_ndim=3)
    b = _xp.checked_real(b, name="b", xp=xp, min_ndim=2)
    if q.ndim != 3 or q.shape[1] != q.shape[2]:
        msg = f"q must be 3-D (n, dim, dim); got shape {tuple(q.shape)}"
        raise ValueError(msg)
    n, dim = int(q.shape[0]), int(q.shape[1])
    if tuple(b.shape) != (n, dim):
        msg = f"b must have shape (n, dim) = {(n, dim)}; got {tuple(b.shape)}"
        raise ValueError(msg)
    if q.dtype != b.dtype:
        dt = xp.result_type(q, b)
        q, b = xp.astype(q, dt), xp.astype(b, dt)
    if resolvent is not None and not callable(resolvent):
        msg = f"resolvent must be callable; got {type(resolvent).__name__}"
        raise TypeError(msg)
    qbar = xp.mean(q, axis=0)
    bbar = xp.mean(b, axis=0)
    qh = _xp.to_host(q).astype(np.float64)
    qbh = qh.mean(axis=0)
    lip = _host_norm2(qbh)
    norms = np.linalg.norm(qh, ord=2, axis=(1, 2))
    avg = math.sqrt(float(np.mean(norms**2)))
    coco = None
    sym = 0.5 * (qbh + qbh.T)
    # symmetric PSD up to the rounding of the input dtype (100 eps ||Qbar|| dim)
    slack = 1e2 * _xp.eps(xp, q.dtype) * max(lip, 1.0) * dim
    symmetric = lip > 0 and np.linalg.norm(qbh - qbh.T) <= slack
    if symmetric and float(np.linalg.eigvalsh(sym).min()) >= -slack:
        coco = 1.0 / lip

    def components(u: Array, idx: Array) -> Array:
        return xp.matmul(xp.take(q, idx, axis=0), u) - xp.take(b, idx, axis=0)

    def operator(u: Array) -> Array:
        return xp.matmul(qbar, u) - bbar

    return FiniteSumProblem(
        n=n,
        dim=dim,
        components=components,
        operator=operator,
        resolvent=resolvent,
        lipschitz=lip if lip > 0 else None,
        avg_lipschitz=avg if avg > 0 else None,
        cocoercivity=coco,
        name=f"linear(n={n}, dim={dim})",
    )


def random_linear_problem(
    n: int,
    dim: int,
    /,
    *,
    rank: int | None = None,
    skew: float = 0.0,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> tuple[FiniteSumProblem, Array]:
    r"""A random monotone (cocoercive when ``skew = 0``) linear finite-sum problem.

    Parameters
    ----------
    n, dim : int
        Number of components and dimension.
    rank : int, optional
        Rank of the common range ``P`` (``dim x rank``, orthonormal) of all ``Q_i``; below
        ``dim`` the solution set is an affine subspace. Default ``dim``.
    skew : float, default 0.0
        Weight of a skew-symmetric part ``P K_i P^T`` (then monotone, not cocoercive).
    rng : numpy.random.Generator or int or None
        Host random stream.
    xp, dtype, device
        Namespace, dtype and device of the data (default NumPy, its default float).

    Returns
    -------
    problem : FiniteSumProblem
        ``F_i(u) = Q_i (u - z)`` with ``Q_i = P (W_i W_i^T / rank + skew K_i) P^T``,
        ``W_i`` standard normal ``rank x rank``, rescaled so that ``||mean_i Q_i||_2 = 1``
        (``lipschitz = 1``), ``z`` standard normal.
    z : array, shape (dim,)
        A solution (``F(z) = 0``); the solution set is ``z + null(P^T)`` when ``skew = 0``.

    Raises
    ------
    TypeError, ValueError
        For non-integer or non-positive sizes, ``rank`` outside ``[1, dim]``, a negative
        ``skew`` or a bad ``rng``.

    References
    ----------
    .. [1] arXiv:2310.02987, Assumptions 2-3 (used as test instances; not from the paper).

    Examples
    --------
    >>> from refimpl.optim.halpern import random_linear_problem
    >>> p, z = random_linear_problem(5, 3, rng=0)
    >>> p.n, p.dim, round(p.lipschitz, 12), bool(abs(p.F(z)).max() < 1e-12)
    (5, 3, 1.0, True)
    """
    n = _xp.positive_int(n, name="n")
    dim = _xp.positive_int(dim, name="dim")
    rank = dim if rank is None else _xp.positive_int(rank, name="rank")
    if rank > dim:
        msg = f"rank must be <= dim = {dim}; got {rank}"
        raise ValueError(msg)
    skew = _xp.nonnegative_float(skew, name="skew")
    gen = _xp.rng(rng)
    xp = _xp.creation_namespace(xp)
    p_basis = np.linalg.qr(gen.standard_normal((dim, dim)))[0][:, :rank]
    w = gen.standard_normal((n, rank, rank))
    core = w @ np.swapaxes(w, 1, 2) / rank
    if skew > 0:
        k = gen.standard_normal((n, rank, rank))
        core = core + skew * (k - np.swapaxes(k, 1, 2)) / math.sqrt(2 * rank)
    qh = p_basis @ core @ p_basis.T
    qh /= np.linalg.norm(qh.mean(axis=0), ord=2)
    z = gen.standard_normal(dim)
    bh = qh @ z
    dtype = dtype if dtype is not None else _xp.default_float(xp, device)
    qx = _xp.from_host(qh, xp=xp, dtype=dtype, device=device)
    bx = _xp.from_host(bh, xp=xp, dtype=dtype, device=device)
    return linear_problem(qx, bx), _xp.from_host(z, xp=xp, dtype=dtype, device=device)
