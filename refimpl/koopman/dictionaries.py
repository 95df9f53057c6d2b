r"""Dictionaries (feature maps) for EDMD and ResDMD, evaluated at points.

Each function maps points ``x`` to the matrix ``Psi[m, j] = psi_j(x_m)`` of shape (M, N).
Users may pass their own feature map wherever a dictionary is expected (see
:func:`refimpl.koopman.snapshot_matrices`): any callable ``x -> (M, N)`` array.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.koopman import _common

__all__ = [
    "fourier_dictionary",
    "hermite_dictionary",
    "kmeans_centres",
    "legendre_dictionary",
    "monomial_dictionary",
    "rbf_dictionary",
    "torus_fourier_dictionary",
]

Array = Any
_BATCH = 1 << 22


def _points_1d(x: Any, name: str = "x") -> tuple[Any, Array]:
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name=name, xp=xp, min_ndim=1)
    if x.ndim != 1:
        msg = f"{name} must be 1-D (M points); got shape {tuple(x.shape)}"
        raise ValueError(msg)
    return xp, x


def fourier_dictionary(x: Array, /, *, n: int) -> Array:
    r"""Orthonormal Fourier basis ``e^{ikx} / sqrt(2 pi)``, ``k = -n..n``, on the circle.

    Parameters
    ----------
    x : array, shape (M,)
        Angles (radians).
    n : int
        Largest frequency (``>= 0``); ``N = 2n + 1`` functions.

    Returns
    -------
    array, shape (M, 2n + 1)
        Column ``k + n`` is ``e^{ikx}/sqrt(2 pi)``; complex dtype matching ``x``, same namespace
        and device.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; non-int ``n``.
    ValueError
        ``x`` not 1-D, empty or non-finite; ``n < 0``.

    Notes
    -----
    Orthonormal in ``L^2([0, 2 pi))``; with ``M > 2n`` equispaced points and weights
    ``2 pi / M`` the quadrature Gram matrix is exactly ``I``.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 5 (Fourier dictionaries for the circle).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import fourier_dictionary
    >>> fourier_dictionary(np.array([0.0]), n=1).shape
    (1, 3)
    """
    xp, x = _points_1d(x)
    n = _xp.nonnegative_int(n, name="n")
    cdtype = _xp.complex_dtype(xp, x.dtype)
    k = xp.astype(xp.arange(-n, n + 1, device=_xp.device(x)), x.dtype)
    phase = x[:, None] * k[None, :]
    out = xp.astype(xp.cos(phase), cdtype) + 1j * xp.astype(xp.sin(phase), cdtype)
    return out / math.sqrt(2 * math.pi)


def torus_fourier_dictionary(x: Array, /, *, n: int) -> Array:
    r"""Tensor-product Fourier basis on the torus ``T^d``: ``prod_i e^{i k_i x_i}/sqrt(2 pi)``.

    Parameters
    ----------
    x : array, shape (M, d)
        Angles (radians), one column per torus coordinate.
    n : int
        Largest frequency per coordinate; ``N = (2n + 1)^d`` functions.

    Returns
    -------
    array, shape (M, (2n + 1)^d)
        Column ``sum_i (k_i + n) (2n + 1)^(d - 1 - i)`` (C order over ``(k_1, ..., k_d)``);
        complex dtype matching ``x``, same namespace and device.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; non-int ``n``.
    ValueError
        ``x`` not 2-D, empty or non-finite; ``n < 0``.

    Notes
    -----
    Orthonormal in ``L^2(T^d)``; for the rotation ``x -> x + omega`` every basis function is
    an eigenfunction with eigenvalue ``e^{i k . omega}``.

    References
    ----------
    .. [1] Colbrook, Mezic, Stepanenko, arXiv:2407.06312 (torus rotations: dense point
       spectrum, Sp = unit circle).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import torus_fourier_dictionary
    >>> torus_fourier_dictionary(np.zeros((4, 2)), n=1).shape
    (4, 9)
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=2)
    if x.ndim != 2:
        msg = f"x must be 2-D (M points, d angles); got shape {tuple(x.shape)}"
        raise ValueError(msg)
    n = _xp.nonnegative_int(n, name="n")
    out = None
    for i in range(x.shape[1]):
        f = fourier_dictionary(x[:, i], n=n)
        out = f if out is None else xp.reshape(out[:, :, None] * f[:, None, :], (x.shape[0], -1))
    assert out is not None
    return out


def _interval(interval: Any) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in interval)
    except (TypeError, ValueError):
        msg = f"interval must be a pair of real numbers (a, b); got {interval!r}"
        raise TypeError(msg) from None
    if not (math.isfinite(a) and math.isfinite(b) and a < b):
        msg = f"interval must be finite with a < b; got {interval!r}"
        raise ValueError(msg)
    return a, b


def legendre_dictionary(x: Array, /, *, n: int, interval: Any = (-1.0, 1.0)) -> Array:
    r"""Orthonormal Legendre polynomials on an interval ``[a, b]``.

    Parameters
    ----------
    x : array, shape (M,)
        Points (normally in ``[a, b]``; values outside are evaluated by the same recurrence).
    n : int
        Number of functions ``N = n`` (degrees ``0..n-1``), ``n >= 1``.
    interval : (float, float)
        ``(a, b)`` with ``a < b``.

    Returns
    -------
    array, shape (M, n)
        ``sqrt((2j + 1)/(b - a)) P_j((2x - a - b)/(b - a))``; the dtype, namespace and device
        of ``x``.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; non-int ``n``; a malformed ``interval``.
    ValueError
        ``x`` not 1-D, empty or non-finite; ``n < 1``; ``a >= b``.

    Notes
    -----
    Orthonormal in ``L^2([a, b])`` with Lebesgue measure; evaluated with the three-term
    recurrence ``(j + 1) P_{j+1} = (2j + 1) t P_j - j P_{j-1}``. The Gauss-map example of the
    spec uses ``[a, b] = [-1, 0]``: ``sqrt(2j + 1) P_j(2x + 1)``.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 5.1 (Gauss iterated map, Legendre
       dictionary, Gauss-Legendre quadrature).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import legendre_dictionary
    >>> legendre_dictionary(np.array([0.0]), n=2, interval=(-1.0, 0.0)).round(6).tolist()
    [[1.0, 1.732051]]
    """
    xp, x = _points_1d(x)
    n = _xp.positive_int(n, name="n")
    a, b = _interval(interval)
    t = (2.0 * x - (a + b)) / (b - a)
    cols = [xp.ones_like(t)]
    if n > 1:
        cols.append(t)
    for j in range(1, n - 1):
        cols.append(((2 * j + 1) * t * cols[j] - j * cols[j - 1]) / (j + 1))
    scale = [math.sqrt((2 * j + 1) / (b - a)) for j in range(n)]
    return xp.stack([c * s for c, s in zip(cols, scale, strict=True)], axis=1)


def hermite_dictionary(x: Array, /, *, n: int, scale: float = 1.0) -> Array:
    r"""Orthonormal Hermite functions ``h_j(x/s)/sqrt(s)``, ``j = 0..n-1``, on the real line.

    Parameters
    ----------
    x : array, shape (M,)
        Points.
    n : int
        Number of functions (``>= 1``).
    scale : float
        Length scale ``s > 0``.

    Returns
    -------
    array, shape (M, n)
        ``h_j(t) = (2^j j! sqrt(pi))^{-1/2} H_j(t) e^{-t^2/2}`` at ``t = x/s``, divided by
        ``sqrt(s)``; the dtype, namespace and device of ``x``.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; non-int ``n``; non-real ``scale``.
    ValueError
        ``x`` not 1-D, empty or non-finite; ``n < 1``; ``scale <= 0``.

    Notes
    -----
    Orthonormal in ``L^2(R)``; evaluated with the stable normalised recurrence
    ``h_{j+1} = sqrt(2/(j+1)) t h_j - sqrt(j/(j+1)) h_{j-1}``, ``h_0 = pi^{-1/4} e^{-t^2/2}``.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 5 (the nonlinear pendulum: Fourier in
       the angle times Hermite functions in the momentum).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import hermite_dictionary
    >>> float(hermite_dictionary(np.array([0.0]), n=1)[0, 0]) == np.pi ** -0.25
    True
    """
    xp, x = _points_1d(x)
    n = _xp.positive_int(n, name="n")
    s = _xp.positive_float(scale, name="scale")
    t = x / s
    h0 = math.pi**-0.25 * xp.exp(-0.5 * t * t)
    cols = [h0]
    if n > 1:
        cols.append(math.sqrt(2.0) * t * h0)
    for j in range(1, n - 1):
        cols.append(math.sqrt(2.0 / (j + 1)) * t * cols[j] - math.sqrt(j / (j + 1)) * cols[j - 1])
    return xp.stack(cols, axis=1) / math.sqrt(s)


def _exponents(d: int, degree: int) -> list[tuple[int, ...]]:
    """All multi-indices of total degree <= degree in d variables, graded, then reverse
    lexicographic in each degree (x^2, xy, y^2 for d = 2)."""
    out: list[tuple[int, ...]] = []
    for total in range(degree + 1):
        level = [e for e in np.ndindex(*(total + 1,) * d) if sum(e) == total]
        out.extend(sorted(level, reverse=True))
    return out


def monomial_dictionary(x: Array, /, *, degree: int) -> Array:
    r"""All monomials ``x^alpha`` of total degree ``|alpha| <= degree``.

    Parameters
    ----------
    x : array, shape (M,) or (M, d)
        Points.
    degree : int
        Largest total degree (``>= 0``); ``N = C(d + degree, d)`` functions.

    Returns
    -------
    array, shape (M, N)
        Graded order (degree 0 first), reverse lexicographic within a degree
        (``1, x, y, x^2, xy, y^2`` for ``d = 2``); the dtype, namespace and device of ``x``.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; non-int ``degree``.
    ValueError
        ``x`` not 1-D/2-D, empty or non-finite; ``degree < 0``.

    Notes
    -----
    For a linear map ``x -> Lambda x`` the monomials of each degree span an invariant
    subspace, so EDMD is exact: eigenvalues are the products ``prod_i lambda_i^{alpha_i}``.
    Monomials are badly conditioned for large degrees (use orthogonal polynomials there).

    References
    ----------
    .. [1] Williams, Kevrekidis, Rowley, J. Nonlinear Sci. 25 (2015), Sec. 4 (monomial
       dictionaries); Colbrook & Townsend, arXiv:2111.14889.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import monomial_dictionary
    >>> monomial_dictionary(np.array([[2.0, 3.0]]), degree=2).tolist()
    [[1.0, 2.0, 3.0, 4.0, 6.0, 9.0]]
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=1)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        msg = f"x must be 1-D (M,) or 2-D (M, d); got shape {tuple(x.shape)}"
        raise ValueError(msg)
    degree = _xp.nonnegative_int(degree, name="degree")
    cols = []
    for e in _exponents(x.shape[1], degree):
        col = xp.ones_like(x[:, 0])
        for i, p in enumerate(e):
            for _ in range(p):
                col = col * x[:, i]
        cols.append(col)
    return xp.stack(cols, axis=1)


def _as_points(x: Any, name: str, xp: Any) -> Array:
    x = _xp.checked_real(x, name=name, xp=xp, min_ndim=1)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        msg = f"{name} must be 1-D (M,) or 2-D (M, d); got shape {tuple(x.shape)}"
        raise ValueError(msg)
    return x


def _sq_dist(x: Array, c: Array, xp: Any) -> Array:
    """Squared Euclidean distances (M, K), clamped at 0."""
    d2 = (
        xp.sum(x * x, axis=1)[:, None]
        + xp.sum(c * c, axis=1)[None, :]
        - 2.0 * (x @ xp.linalg.matrix_transpose(c))
    )
    return xp.clip(d2, 0.0, None)


_RBF_KINDS = ("exponential", "gaussian")


def rbf_dictionary(
    x: Array, centres: Array, /, *, scale: float, shape: float = 2.0, kind: str = "exponential"
) -> Array:
    r"""Radial basis functions ``phi(|x - c_j| / scale)`` around centres ``c_j``.

    Parameters
    ----------
    x : array, shape (M,) or (M, d)
        Points.
    centres : array, shape (N,) or (N, d)
        Centres (e.g. from :func:`kmeans_centres`).
    scale : float
        Length scale ``s > 0`` (the paper: mean distance of the data to its centroid).
    shape : float
        Shape parameter ``a > 0``.
    kind : {"exponential", "gaussian"}
        ``exp(-a r / s)`` (the Duffing example's ``exp(-2r/d)``) or ``exp(-(a r / s)^2)``.

    Returns
    -------
    array, shape (M, N)
        The dtype of the inputs, their namespace and device.

    Raises
    ------
    TypeError
        Bool, complex or non-numeric arrays; mixed namespaces.
    ValueError
        Mismatched point dimensions; empty or non-finite arrays; ``scale`` or ``shape`` not
        positive; unknown ``kind``.

    Notes
    -----
    Distances use ``|x|^2 + |c|^2 - 2 x.c`` (clamped at 0), so relative accuracy of very small
    distances is about ``sqrt(eps)`` times the data scale.

    References
    ----------
    .. [1] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Methods, Duffing example (N = 500
       radial functions ``exp(-2r/d)``, k-means centres; official ``duffing_example.m``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import rbf_dictionary
    >>> rbf_dictionary(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]]), scale=5.0).round(6)
    array([[0.135335]])
    """
    xp, (x, centres) = _xp.as_arrays(x, centres)
    x = _as_points(x, "x", xp)
    centres = _as_points(centres, "centres", xp)
    if x.shape[1] != centres.shape[1]:
        msg = (
            f"centres must have the point dimension of x ({x.shape[1]}); "
            f"got shape {tuple(centres.shape)}"
        )
        raise ValueError(msg)
    s = _xp.positive_float(scale, name="scale")
    a = _xp.positive_float(shape, name="shape")
    _xp.check_choice(kind, _RBF_KINDS, name="kind")
    real, _ = _common.common_dtypes(xp, x, centres)
    x, centres = xp.astype(x, real), xp.astype(centres, real)
    d2 = _sq_dist(x, centres, xp)
    if kind == "gaussian":
        return xp.exp(-((a / s) ** 2) * d2)
    return xp.exp(-(a / s) * xp.sqrt(d2))


def kmeans_centres(x: Array, /, *, n_centres: int, n_iter: int = 500, rng: Any = None) -> Array:
    r"""k-means (Lloyd) centres of a point cloud, for RBF dictionaries.

    Parameters
    ----------
    x : array, shape (M,) or (M, d)
        Points (``M >= n_centres``).
    n_centres : int
        Number of centres ``N``.
    n_iter : int
        Maximum number of Lloyd iterations (the paper: 500); stops early when the assignment
        no longer changes.
    rng : numpy.random.Generator | int | None
        Host random generator for the initial centres (``N`` distinct data points drawn
        uniformly without replacement).

    Returns
    -------
    array, shape (N, d)
        Centres in the dtype, namespace and device of ``x`` (``d = 1`` for 1-D input).

    Raises
    ------
    TypeError
        Bool, complex or non-numeric ``x``; bad ``rng``; non-int counts.
    ValueError
        Empty or non-finite ``x``; ``n_centres > M``; non-positive counts.

    Notes
    -----
    Assignments use squared Euclidean distances in batches; an empty cluster keeps its
    previous centre. The result depends on the seed (k-means has many local minima), which is
    why the Limits paper draws centres from a separate data set.

    References
    ----------
    .. [1] S. Lloyd, "Least squares quantization in PCM", IEEE Trans. Inf. Theory 28 (1982).
    .. [2] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Methods (k-means centres, 500
       iterations).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import kmeans_centres
    >>> pts = np.array([[0.0], [0.1], [10.0], [10.1]])
    >>> np.sort(kmeans_centres(pts, n_centres=2, rng=0)[:, 0]).round(6).tolist()
    [0.05, 10.05]
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _as_points(x, "x", xp)
    k = _xp.positive_int(n_centres, name="n_centres")
    iters = _xp.positive_int(n_iter, name="n_iter")
    gen = _xp.rng(rng)
    m = x.shape[0]
    if k > m:
        msg = f"n_centres must be at most the number of points M = {m}; got {k}"
        raise ValueError(msg)
    dev = _xp.device(x)
    start = xp.asarray(np.sort(gen.choice(m, size=k, replace=False)), device=dev)
    centres = xp.take(x, start, axis=0)
    labels = None
    step = max(1, _BATCH // k)
    spans = [(s, min(s + step, m)) for s in range(0, m, step)]  # strict: no out-of-bounds slices
    for _ in range(iters):
        new = xp.concat([xp.argmin(_sq_dist(x[s:e, ...], centres, xp), axis=1) for s, e in spans])
        if labels is not None and bool(xp.all(new == labels)):
            break
        labels = new
        arange_k = xp.arange(k, device=dev)[None, :]
        counts = xp.zeros((k,), dtype=x.dtype, device=dev)
        sums = xp.zeros((k, x.shape[1]), dtype=x.dtype, device=dev)
        for s, e in spans:
            onehot = xp.astype(labels[s:e, None] == arange_k, x.dtype)
            counts = counts + xp.sum(onehot, axis=0)
            sums = sums + xp.linalg.matrix_transpose(onehot) @ x[s:e, ...]
        safe = xp.where(counts > 0, counts, xp.ones_like(counts))
        centres = xp.where(counts[:, None] > 0, sums / safe[:, None], centres)
    return centres
