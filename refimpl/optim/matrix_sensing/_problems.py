"""Sensing operators, ground truths and initialisations for over-parameterised matrix sensing.

Xiong, Ding, Du, "How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The
Curses of Symmetry and Initialization", ICLR 2024, arXiv:2310.01769, Section 2 (problem set-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp

__all__ = [
    "SensingOperator",
    "ground_truth",
    "imbalance",
    "initialize_asymmetric",
    "initialize_symmetric",
    "population_operator",
    "sensing_operator",
]

Array = Any


def _dims(n1: Any, n2: Any) -> tuple[int, int]:
    return _xp.positive_int(n1, name="n1"), _xp.positive_int(n2, name="n2")


def _creation(xp: Any, dtype: Any, device: Any) -> tuple[Any, Any, Any]:
    xp = _xp.creation_namespace(xp)
    if dtype is None:
        dtype = _xp.default_float(xp, device)
    elif not xp.isdtype(dtype, "real floating"):
        msg = f"dtype must be a real floating dtype; got {dtype}"
        raise TypeError(msg)
    return xp, dtype, device


@dataclass(frozen=True, slots=True, kw_only=True)
class SensingOperator:
    r"""A linear measurement operator :math:`\mathcal A: \mathbb R^{n_1\times n_2}\to\mathbb R^m`.

    :math:`\mathcal A(M) = m^{-1/2} (\langle A_i, M\rangle)_{i=1}^m` with the sensing matrices
    ``matrices[i] = A_i``; ``matrices is None`` is the population limit ``m -> infinity``, whose
    normal operator :math:`\mathcal A^*\mathcal A` is the identity (symmetric case: the
    symmetric part, the identity on symmetric matrices).

    Attributes
    ----------
    n1, n2 : int
        Matrix shape.
    m : int or None
        Number of measurements (``None``: population operator).
    symmetric : bool
        Whether the ``A_i`` are symmetric (``(G_i + G_i^T)/2``), as used for PSD targets.
    matrices : array, shape (m, n1, n2), or None
        The sensing matrices.

    Notes
    -----
    ``__call__(M)`` is :math:`\mathcal A(M)` (shape ``(..., m)``), :meth:`adjoint` is
    :math:`\mathcal A^*(y) = m^{-1/2}\sum_i y_i A_i` and :meth:`normal` is
    :math:`\mathcal A^*\mathcal A(E) = m^{-1}\sum_i\langle A_i, E\rangle A_i`, so that the
    gradient of :math:`\tfrac12\|\mathcal A(FG^T) - y\|^2` with respect to ``F`` is
    :math:`\mathcal A^*\mathcal A(FG^T - M^*)\,G`. With i.i.d. standard Gaussian entries,
    :math:`\mathbb E\,\mathcal A^*\mathcal A = \mathrm{id}` (symmetrised: the symmetric part),
    which is what the population operator returns exactly.

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 2 (matrix sensing with near-isotropic
       measurements, Eq. (2.1)-(2.2)).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import population_operator
    >>> op = population_operator(3, 3, symmetric=True)
    >>> e = np.arange(9.0).reshape(3, 3)
    >>> np.allclose(op.normal(e), (e + e.T) / 2)
    True
    """

    n1: int
    n2: int
    m: int | None
    symmetric: bool
    matrices: Array | None

    def _flat(self) -> Array:
        xp = _xp.as_arrays(self.matrices)[0]
        return xp.reshape(self.matrices, (int(self.m or 0), self.n1 * self.n2))

    def _check(self, e: Any, name: str) -> tuple[Any, Array]:
        if self.matrices is None:
            xp, (e,) = _xp.as_arrays(e)
        else:
            xp, (e, _) = _xp.as_arrays(e, self.matrices)
        e = _xp.checked_real(e, name=name, xp=xp, min_ndim=2)
        if tuple(e.shape[-2:]) != (self.n1, self.n2):
            msg = f"{name} must have trailing shape ({self.n1}, {self.n2}); got {tuple(e.shape)}"
            raise ValueError(msg)
        return xp, e

    def __call__(self, mat: Array, /) -> Array:
        """:math:`\\mathcal A(M)`, shape ``(..., m)`` (population operator: ``ValueError``)."""
        if self.matrices is None:
            msg = "the population operator has no finite measurement vector; use normal()"
            raise ValueError(msg)
        xp, mat = self._check(mat, "mat")
        flat = xp.astype(self._flat(), mat.dtype)
        v = xp.reshape(mat, (*mat.shape[:-2], self.n1 * self.n2))
        return (v @ xp.matrix_transpose(flat)) / math.sqrt(int(self.m or 1))

    def adjoint(self, y: Array, /) -> Array:
        """:math:`\\mathcal A^*(y) = m^{-1/2}\\sum_i y_i A_i`, shape ``(..., n1, n2)``."""
        if self.matrices is None:
            msg = "the population operator has no adjoint on R^m; use normal()"
            raise ValueError(msg)
        xp, (y, _) = _xp.as_arrays(y, self.matrices)
        y = _xp.checked_real(y, name="y", xp=xp, min_ndim=1)
        if y.shape[-1] != self.m:
            msg = f"y must have trailing length m = {self.m}; got shape {tuple(y.shape)}"
            raise ValueError(msg)
        flat = xp.astype(self._flat(), y.dtype)
        out = (y @ flat) / math.sqrt(int(self.m or 1))
        return xp.reshape(out, (*y.shape[:-1], self.n1, self.n2))

    def normal(self, e: Array, /) -> Array:
        """:math:`\\mathcal A^*\\mathcal A(E)`, same shape as ``e``."""
        xp, e = self._check(e, "e")
        return self._normal(e, xp)

    def _normal(self, e: Array, xp: Any) -> Array:
        if self.matrices is None:
            if self.symmetric:
                return 0.5 * (e + xp.matrix_transpose(e))
            return e
        flat = xp.astype(self._flat(), e.dtype)
        v = xp.reshape(e, (*e.shape[:-2], self.n1 * self.n2))
        out = ((v @ xp.matrix_transpose(flat)) @ flat) / int(self.m or 1)
        return xp.reshape(out, e.shape)


def sensing_operator(
    n1: int,
    n2: int,
    m: int,
    /,
    *,
    symmetric: bool = False,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> SensingOperator:
    r"""Gaussian sensing operator with ``m`` measurements of ``n1 x n2`` matrices.

    Parameters
    ----------
    n1, n2 : int
        Matrix shape (``symmetric=True`` needs ``n1 == n2``).
    m : int
        Number of measurements, ``>= 1``.
    symmetric : bool, optional
        Symmetrise each matrix, ``A_i = (G_i + G_i^T)/2`` (for PSD targets, Section 2 of [1]).
    rng : numpy.random.Generator or int or None
        Host random stream (drawn in float64, then moved).
    xp, dtype, device : optional
        Namespace (default NumPy), real floating dtype (default: the namespace's default
        float) and device of the matrices.

    Returns
    -------
    SensingOperator
        With ``matrices`` of shape ``(m, n1, n2)``, entries i.i.d. standard normal.

    Raises
    ------
    TypeError
        Non-integer sizes, bad ``rng`` or a non-floating ``dtype``.
    ValueError
        Sizes ``< 1``, or ``symmetric`` with ``n1 != n2``.

    Notes
    -----
    :math:`\mathcal A(M) = m^{-1/2}(\langle A_i, M\rangle)_i`; for ``m`` of order
    :math:`n k/\delta^2` the operator has the rank-``k`` restricted isometry property with
    constant :math:`\delta` with high probability (the paper's assumption, Section 2).

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 2 (RIP assumption, Definition 2.1).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import sensing_operator
    >>> op = sensing_operator(4, 4, 50, symmetric=True, rng=0)
    >>> op.matrices.shape
    (50, 4, 4)
    >>> bool(np.allclose(op.matrices, np.swapaxes(op.matrices, 1, 2)))
    True
    """
    n1, n2 = _dims(n1, n2)
    m = _xp.positive_int(m, name="m")
    if symmetric and n1 != n2:
        msg = f"symmetric sensing needs a square shape n1 == n2; got ({n1}, {n2})"
        raise ValueError(msg)
    xp, dtype, device = _creation(xp, dtype, device)
    gen = _xp.rng(rng)
    a = gen.standard_normal((m, n1, n2))
    if symmetric:
        a = 0.5 * (a + np.swapaxes(a, 1, 2))
    mats = _xp.from_host(a, xp=xp, dtype=dtype, device=device)
    return SensingOperator(n1=n1, n2=n2, m=m, symmetric=bool(symmetric), matrices=mats)


def population_operator(n1: int, n2: int, /, *, symmetric: bool = False) -> SensingOperator:
    r"""The population (``m -> infinity``) operator: :math:`\mathcal A^*\mathcal A = \mathrm{id}`.

    Parameters
    ----------
    n1, n2 : int
        Matrix shape.
    symmetric : bool, optional
        Symmetrised measurements: the normal operator is the symmetric part
        :math:`(E + E^T)/2` (the identity on symmetric matrices).

    Returns
    -------
    SensingOperator
        With ``m = None`` and ``matrices = None``; only :meth:`SensingOperator.normal` works.

    Raises
    ------
    TypeError, ValueError
        Bad sizes; ``symmetric`` with ``n1 != n2``.

    Notes
    -----
    The expectation of the Gaussian normal operator (derived: :math:`\mathbb E[\langle G, E
    \rangle G] = E`; for :math:`A = (G + G^T)/2`, :math:`\mathbb E[\langle A, E\rangle A] =
    (E + E^T)/2`). GD with it is GD on :math:`\tfrac12\|FG^T - M^*\|_F^2` (symmetric:
    :math:`\tfrac12\|XX^T - M^*\|_F^2`; the spec's :math:`\tfrac14` loss is the same run with
    half the step).

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 4.1 (the population/matrix-factorisation
       case used for intuition).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import population_operator
    >>> e = np.ones((2, 3))
    >>> bool(np.all(population_operator(2, 3).normal(e) == e))
    True
    """
    n1, n2 = _dims(n1, n2)
    if symmetric and n1 != n2:
        msg = f"symmetric sensing needs a square shape n1 == n2; got ({n1}, {n2})"
        raise ValueError(msg)
    return SensingOperator(n1=n1, n2=n2, m=None, symmetric=bool(symmetric), matrices=None)


def ground_truth(
    n1: int,
    n2: int,
    rank: int,
    /,
    *,
    condition_number: float = 1.0,
    symmetric: bool = False,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    r"""A random rank-``r`` ground truth with singular values from 1 down to ``1/kappa``.

    Parameters
    ----------
    n1, n2 : int
        Shape (``symmetric=True`` needs ``n1 == n2``).
    rank : int
        ``1 <= rank <= min(n1, n2)``.
    condition_number : float, optional
        :math:`\kappa = \sigma_1/\sigma_r \ge 1`; the singular values are geometrically spaced
        from 1 to :math:`1/\kappa`
        (no effect for ``rank = 1``).
    symmetric : bool, optional
        Return a PSD matrix :math:`U\Sigma U^T` (else :math:`U\Sigma V^T`).
    rng, xp, dtype, device : optional
        Host random stream; namespace, real floating dtype and device of the output.

    Returns
    -------
    array, shape (n1, n2)
        :math:`M^* = U\,\mathrm{diag}(\sigma)\,V^T`, ``U``, ``V`` Haar-random orthonormal columns.

    Raises
    ------
    TypeError
        Bad sizes, ``rng`` or ``dtype``.
    ValueError
        ``rank`` larger than ``min(n1, n2)`` or ``< 1``; ``condition_number < 1``;
        ``symmetric`` with ``n1 != n2``.

    Notes
    -----
    :math:`\sigma_1(M^*) = 1` always; keep :math:`\kappa` small (the random-initialisation rates
    degrade polynomially in :math:`\kappa`).

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 2 (rank-``r`` target, condition number
       :math:`\kappa`) and Section 6 (experiments: 50 x 50, rank 3).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import ground_truth
    >>> m = ground_truth(6, 6, 2, condition_number=2.0, symmetric=True, rng=1)
    >>> np.round(np.linalg.eigvalsh(m)[-2:], 12).tolist()
    [0.5, 1.0]
    """
    n1, n2 = _dims(n1, n2)
    r = _xp.positive_int(rank, name="rank")
    if r > min(n1, n2):
        msg = f"rank must be <= min(n1, n2) = {min(n1, n2)}; got {r}"
        raise ValueError(msg)
    kappa = _xp.positive_float(condition_number, name="condition_number")
    if kappa < 1.0:
        msg = f"condition_number must be >= 1; got {kappa}"
        raise ValueError(msg)
    if symmetric and n1 != n2:
        msg = f"a symmetric ground truth needs n1 == n2; got ({n1}, {n2})"
        raise ValueError(msg)
    xp, dtype, device = _creation(xp, dtype, device)
    gen = _xp.rng(rng)
    sig = kappa ** (-np.arange(r) / max(r - 1, 1)) if r > 1 else np.ones(1)
    u = _xp.haar_stiefel(gen, n1, r)
    v = u if symmetric else _xp.haar_stiefel(gen, n2, r)
    m = (u * sig) @ v.T
    if symmetric:
        m = 0.5 * (m + m.T)
    return _xp.from_host(m, xp=xp, dtype=dtype, device=device)


def initialize_symmetric(
    n: int,
    k: int,
    /,
    *,
    alpha: float,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    r"""Small random initialisation :math:`X_0` with i.i.d. :math:`N(0, \alpha^2)` entries.

    Parameters
    ----------
    n, k : int
        Shape of the factor (``k`` = number of columns, the parameterisation rank).
    alpha : float
        Initialisation scale :math:`\alpha > 0` (the entry standard deviation).
    rng, xp, dtype, device : optional
        Host random stream; namespace, real floating dtype and device.

    Returns
    -------
    array, shape (n, k)

    Raises
    ------
    TypeError, ValueError
        Bad sizes; ``alpha <= 0`` or not finite.

    Notes
    -----
    Convention: ``alpha`` is the entry standard deviation (the reading of the paper's Theorem
    1.1 in its public reviews; whether the paper normalises by :math:`\sqrt n` was not checked).
    Rescale ``alpha`` to use another convention.

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Theorem 1.1 / Section 3 (random initialisation
       at scale :math:`\alpha`).

    Examples
    --------
    >>> from refimpl.optim.matrix_sensing import initialize_symmetric
    >>> initialize_symmetric(5, 3, alpha=1e-2, rng=0).shape
    (5, 3)
    """
    n = _xp.positive_int(n, name="n")
    k = _xp.positive_int(k, name="k")
    a = _xp.positive_float(alpha, name="alpha")
    xp, dtype, device = _creation(xp, dtype, device)
    gen = _xp.rng(rng)
    return _xp.from_host(a * gen.standard_normal((n, k)), xp=xp, dtype=dtype, device=device)


def initialize_asymmetric(
    n1: int,
    n2: int,
    k: int,
    /,
    *,
    alpha: float,
    ratio: float = 1.0 / 3.0,
    balanced: bool = False,
    rng: Any = None,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> tuple[Array, Array]:
    r"""Imbalanced small initialisation :math:`F_0 = \alpha\hat F`, :math:`G_0 = \alpha\,
    \mathrm{ratio}\,\hat G`.

    Parameters
    ----------
    n1, n2, k : int
        ``F`` is ``(n1, k)``, ``G`` is ``(n2, k)``.
    alpha : float
        Scale of ``F``'s entries (standard deviation), ``> 0``.
    ratio : float, optional
        ``G``'s scale relative to ``F``'s; the paper uses :math:`\alpha/3`, i.e. ``1/3``.
    balanced : bool, optional
        ``True``: ``G_0 = F_0`` (needs ``n1 == n2``; this is the symmetric-dynamics start).
    rng, xp, dtype, device : optional
        Host random stream; namespace, dtype, device.

    Returns
    -------
    (F0, G0) : arrays, shapes (n1, k), (n2, k)

    Raises
    ------
    TypeError, ValueError
        Bad sizes, ``alpha <= 0``, ``ratio <= 0``, ``balanced`` with ``n1 != n2``.

    Notes
    -----
    With :math:`\hat F,\hat G` fixed, :math:`\Delta_0 = F_0^TF_0 - G_0^TG_0 = \alpha^2(\hat F^T
    \hat F - \mathrm{ratio}^2\,\hat G^T\hat G)` scales exactly as :math:`\alpha^2`; for
    ``n1 >> k`` and ``ratio = 1/3`` it is positive definite with high probability, which is
    what the :math:`\exp(-\Omega(\alpha^2T))` rate of the paper's Theorem 1.3 needs.

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Theorem 1.3 / Section 4 (``F_0`` at scale
       :math:`\alpha`, ``G_0`` at :math:`\alpha/3`).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import imbalance, initialize_asymmetric
    >>> f, g = initialize_asymmetric(40, 40, 4, alpha=0.1, rng=0)
    >>> bool(np.linalg.eigvalsh(imbalance(f, g)).min() > 0)
    True
    """
    n1, n2 = _dims(n1, n2)
    k = _xp.positive_int(k, name="k")
    a = _xp.positive_float(alpha, name="alpha")
    c = _xp.positive_float(ratio, name="ratio")
    if balanced and n1 != n2:
        msg = f"balanced initialisation needs n1 == n2; got ({n1}, {n2})"
        raise ValueError(msg)
    xp, dtype, device = _creation(xp, dtype, device)
    gen = _xp.rng(rng)
    f = a * gen.standard_normal((n1, k))
    g = f.copy() if balanced else a * c * gen.standard_normal((n2, k))
    return (
        _xp.from_host(f, xp=xp, dtype=dtype, device=device),
        _xp.from_host(g, xp=xp, dtype=dtype, device=device),
    )


def imbalance(f: Array, g: Array, /) -> Array:
    r"""The imbalance :math:`\Delta = F^TF - G^TG`, shape ``(..., k, k)``.

    Parameters
    ----------
    f : array, shape (..., n1, k)
    g : array, shape (..., n2, k)

    Returns
    -------
    array, shape (..., k, k)
        Symmetric.

    Raises
    ------
    TypeError
        Non-real dtypes, or arrays from two namespaces.
    ValueError
        Fewer than 2 dimensions, mismatched ``k``, empty or non-finite input.

    Notes
    -----
    Gradient flow conserves :math:`\Delta`; one GD step with any :math:`E` changes it by
    :math:`\eta^2(G^TE^TEG - F^TEE^TF)` (exact; see :func:`gd_asymmetric`). Its smallest
    eigenvalue controls the linear rate of over-parameterised asymmetric GD.

    References
    ----------
    .. [1] Xiong, Ding, Du, arXiv:2310.01769, Section 4.1 (the imbalance term and why it
       speeds up convergence).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optim.matrix_sensing import imbalance
    >>> imbalance(np.eye(3, 2), np.zeros((4, 2))).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    xp, (f, g) = _xp.as_arrays(f, g)
    f = _xp.checked_real(f, name="f", xp=xp, min_ndim=2)
    g = _xp.checked_real(g, name="g", xp=xp, min_ndim=2)
    if f.shape[-1] != g.shape[-1]:
        msg = f"f and g must have the same number of columns k; got {f.shape[-1]} and {g.shape[-1]}"
        raise ValueError(msg)
    ft = xp.matrix_transpose(f)
    gt = xp.matrix_transpose(g)
    return ft @ f - gt @ g
