"""Kronecker algebra on tensor-product grids, without forming the dense matrix.

Row-major (C-order) vectorisation throughout: for ``U`` of shape ``(N_1, ..., N_d)``,
``(A_1 kron ... kron A_d) vec(U) = vec(U x_1 A_1 ... x_d A_d)`` where ``x_j`` is the mode-j
product (apply ``A_j`` along axis ``j``); this matches ``numpy.kron`` and ``reshape(-1)``. In 2-D,
``(A_1 kron A_2) vec(U) = vec(A_1 U A_2^T)``. Solves and log-determinants use one symmetric
eigendecomposition per factor: cost ``O(sum_j N_j^3 + (sum_j N_j) prod_j N_j)`` time and
``O(sum_j N_j^2 + prod_j N_j)`` memory (Fang et al., arXiv:2311.04465, Sec. 4, "Efficient
computation via Kronecker product").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from refimpl import _xp

Array = Any

__all__ = ["KroneckerSPD", "kron_matvec", "mode_product"]


def _mode(xp: Any, a: Array, u: Array, axis: int) -> Array:
    """Unchecked mode product: ``a`` (P, N_axis) applied along ``axis`` of ``u``.

    No transposed copies: the first axis is ``a @ u_(N, rest)``, the last ``u_(rest, N) @ a^T``
    (a transposed view of ``a``), a middle one a batched ``a @ u_(before, N, after)``.
    """
    shape = tuple(u.shape)
    n = shape[axis]
    before = math.prod(shape[:axis])
    after = math.prod(shape[axis + 1 :])
    out_shape = (*shape[:axis], a.shape[0], *shape[axis + 1 :])
    if after == 1:
        out = xp.reshape(u, (before, n)) @ xp.matrix_transpose(a)
    elif before == 1:
        out = a @ xp.reshape(u, (n, after))
    else:
        out = a @ xp.reshape(u, (before, n, after))
    return xp.reshape(out, out_shape)


def mode_product(a: Any, u: Any, /, axis: int) -> Array:
    r"""Mode-``axis`` product: apply the matrix ``a`` along one axis of the tensor ``u``.

    Parameters
    ----------
    a : array, shape (P, N_axis)
        Matrix.
    u : array, shape (N_1, ..., N_d)
        Tensor.
    axis : int
        Axis of ``u`` (negative values count from the end).

    Returns
    -------
    array, shape (N_1, ..., P, ..., N_d)
        ``out[..., p, ...] = sum_i a[p, i] u[..., i, ...]``, i.e.
        ``(I kron ... kron a kron ... kron I) vec(u)`` in row-major order.

    Raises
    ------
    TypeError
        Non-real inputs or mixed namespaces.
    ValueError
        ``a`` not 2-D, mismatched sizes, non-finite values, bad ``axis``.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 4 (derivatives of the conditional mean along
       one axis as mode products, e.g. ``U_xx = D_1 U`` and ``U_yy = U D_2^T``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import mode_product
    >>> u = np.arange(6.0).reshape(2, 3)
    >>> a = np.ones((1, 3))
    >>> mode_product(a, u, axis=1)[:, 0]
    array([ 3., 12.])
    """
    xp, (a, u) = _xp.as_arrays(a, u)
    a = _xp.checked_real(a, name="a", xp=xp, min_ndim=2)
    u = _xp.checked_real(u, name="u", xp=xp)
    if a.ndim != 2:
        msg = f"a must be a matrix (2-D); got shape {tuple(a.shape)}"
        raise ValueError(msg)
    ax = _xp.normalize_axis(axis, u.ndim, name="axis")
    if a.shape[1] != u.shape[ax]:
        msg = f"a must have {u.shape[ax]} columns (u.shape[{ax}]); got shape {tuple(a.shape)}"
        raise ValueError(msg)
    dt = xp.result_type(a, u)
    return _mode(xp, xp.astype(a, dt), xp.astype(u, dt), ax)


def _check_square(factors: Any, name: str) -> tuple[Any, list[Array]]:
    if isinstance(factors, str) or not isinstance(factors, Sequence):
        msg = f"{name} must be a sequence of square matrices; got {type(factors).__name__}"
        raise TypeError(msg)
    if len(factors) == 0:
        msg = f"{name} must hold at least one square matrix; got an empty sequence"
        raise ValueError(msg)
    xp, fs = _xp.as_arrays(*factors)
    checked = []
    for j, f in enumerate(fs):
        f = _xp.checked_real(f, name=f"{name}[{j}]", xp=xp, min_ndim=2)
        if f.ndim != 2 or f.shape[0] != f.shape[1]:
            msg = f"{name}[{j}] must be a square matrix; got shape {tuple(f.shape)}"
            raise ValueError(msg)
        checked.append(f)
    dt = xp.result_type(*checked)
    return xp, [xp.astype(f, dt) for f in checked]


def _check_factors(factors: Sequence[Any], u: Any, name: str) -> tuple[Any, list[Array], Array]:
    _, fs = _check_square(factors, name)
    xp, (*fs, u) = _xp.as_arrays(*fs, u)
    u = _xp.checked_real(u, name="u", xp=xp)
    shape = tuple(f.shape[0] for f in fs)
    if tuple(u.shape) != shape:
        msg = f"u must have shape {shape} (the factor sizes); got {tuple(u.shape)}"
        raise ValueError(msg)
    dt = xp.result_type(u, *fs)
    return xp, [xp.astype(f, dt) for f in fs], xp.astype(u, dt)


def kron_matvec(factors: Sequence[Any], u: Any, /) -> Array:
    r"""``(A_1 kron … kron A_d) vec(u)``, returned as a tensor of ``u``'s shape.

    Parameters
    ----------
    factors : sequence of d arrays, shapes (N_j, N_j)
        Kronecker factors.
    u : array, shape (N_1, ..., N_d)

    Returns
    -------
    array, shape (N_1, ..., N_d)
        ``u x_1 A_1 ... x_d A_d`` (row-major ``vec``; equals ``numpy.kron`` products).

    Raises
    ------
    TypeError
        Non-real inputs, ``factors`` not a sequence.
    ValueError
        Non-square factors, ``u`` of the wrong shape, non-finite values.

    Notes
    -----
    Cost ``O((sum_j N_j) prod_j N_j)``; the dense ``prod N_j x prod N_j`` matrix is never
    formed.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 4 (Kronecker product structure of the grid).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import kron_matvec
    >>> a, b, u = np.eye(2) * 2, np.ones((3, 3)), np.ones((2, 3))
    >>> np.allclose(kron_matvec([a, b], u).ravel(), np.kron(a, b) @ u.ravel())
    True
    """
    xp, fs, u = _check_factors(factors, u, "factors")
    for j, f in enumerate(fs):
        u = _mode(xp, f, u, j)
    return u


class KroneckerSPD:
    r"""``C = C_1 kron … kron C_d`` of symmetric positive definite factors, factorised once.

    Parameters
    ----------
    factors : sequence of d arrays, shapes (N_j, N_j)
        Symmetric positive definite factors (each is symmetrised as ``(C + C^T) / 2``).

    Attributes
    ----------
    factors : list of arrays
    eigvals : list of arrays, shapes (N_j,)
    eigvecs : list of arrays, shapes (N_j, N_j)
    shape : tuple of int
        ``(N_1, ..., N_d)``.

    Raises
    ------
    TypeError
        Non-real factors.
    ValueError
        Non-square or non-finite factors; a factor with an eigenvalue <= 0.

    Notes
    -----
    ``C_j = V_j diag(l_j) V_j^T`` (``xp.linalg.eigh``); ``C^{-1} vec(U)`` is
    ``U x_j (V_j diag(1/l_j) V_j^T)``, computed as a rotation into the joint eigenbasis, a
    division by the outer product of the eigenvalues and a rotation back;
    ``log|C| = sum_j (M / N_j) log|C_j|`` with ``M = prod_j N_j``.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 4 (log-determinant and quadratic form of the
       Kronecker-structured covariance).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.gp import KroneckerSPD
    >>> c = KroneckerSPD([np.diag([1.0, 2.0]), np.diag([3.0, 4.0, 5.0])])
    >>> round(float(c.logdet()), 6) == round(float(np.log(np.prod(np.kron([1, 2], [3, 4, 5])))), 6)
    True
    """

    def __init__(self, factors: Sequence[Any]) -> None:
        xp, fs = _check_square(factors, "factors")
        shape = tuple(int(f.shape[0]) for f in fs)
        self.xp = xp
        self.factors = fs
        self.shape = shape
        self.eigvals: list[Array] = []
        self.eigvecs: list[Array] = []
        for j, f in enumerate(fs):
            lam, vec = xp.linalg.eigh(0.5 * (f + xp.matrix_transpose(f)))
            if _xp.is_eager(lam) and not bool(xp.all(lam > 0)):
                lmin = float(xp.min(lam))
                msg = f"factors[{j}] must be positive definite; got min eigenvalue {lmin}"
                raise ValueError(msg)
            self.eigvals.append(lam)
            self.eigvecs.append(vec)

    def _check_u(self, u: Any) -> Array:
        xp = self.xp
        _, (u,) = _xp.as_arrays(u)
        u = _xp.checked_real(u, name="u", xp=xp)
        if tuple(u.shape) != self.shape:
            msg = f"u must have shape {self.shape}; got {tuple(u.shape)}"
            raise ValueError(msg)
        return xp.astype(u, self.factors[0].dtype)

    def _spectral(self, u: Array, power: float, shift: float = 0.0) -> Array:
        """``(C + shift I)^power u`` through the joint eigenbasis (power -1 or 1)."""
        xp = self.xp
        for j, v in enumerate(self.eigvecs):
            u = _mode(xp, xp.matrix_transpose(v), u, j)
        lam = self._joint_eigvals()
        u = u * (lam + shift) ** power if shift else u * lam**power
        for j, v in enumerate(self.eigvecs):
            u = _mode(xp, v, u, j)
        return u

    def _joint_eigvals(self) -> Array:
        xp = self.xp
        d = len(self.shape)
        lam = None
        for j, ev in enumerate(self.eigvals):
            shp = [1] * d
            shp[j] = self.shape[j]
            e = xp.reshape(ev, tuple(shp))
            lam = e if lam is None else lam * e
        return lam

    def matvec(self, u: Any) -> Array:
        """``C vec(u)`` as a tensor of shape ``self.shape``."""
        u = self._check_u(u)
        for j, f in enumerate(self.factors):
            u = _mode(self.xp, f, u, j)
        return u

    def solve(self, u: Any) -> Array:
        """``C^{-1} vec(u)`` as a tensor of shape ``self.shape``."""
        return self._spectral(self._check_u(u), -1.0)

    def logdet(self) -> Array:
        """``log|C| = sum_j (M / N_j) log|C_j|`` (0-D array)."""
        xp = self.xp
        m = 1
        for n in self.shape:
            m *= n
        total = xp.zeros((), dtype=self.factors[0].dtype, device=_xp.device(self.factors[0]))
        for n, lam in zip(self.shape, self.eigvals, strict=True):
            total = total + (m // n) * xp.sum(xp.log(lam))
        return total

    def quad(self, u: Any) -> Array:
        """``vec(u)^T C^{-1} vec(u)`` (0-D array)."""
        u = self._check_u(u)
        return self.xp.sum(u * self._spectral(u, -1.0))

    def dense(self) -> Array:
        """The dense ``M x M`` matrix (tests and tiny grids only: O(M^2) memory)."""
        xp = self.xp
        out = self.factors[0]
        for f in self.factors[1:]:
            a, b = out.shape[0], f.shape[0]
            out = xp.reshape(out[:, None, :, None] * f[None, :, None, :], (a * b, a * b))
        return out
