"""Ready-made groups for :func:`~refimpl.testing.assert_equivariant` and friends.

Each group is a small frozen dataclass with a Haar sampler ``sample(gen)`` and actions on
arrays of any Array API namespace:

==========================  =====================  ==========================================
group                       element (host NumPy)   actions
==========================  =====================  ==========================================
``SpecialOrthogonal(d)``    ``(d, d)`` float64,    ``act_points(R, x)``: ``x @ R.T`` on
(:func:`rotations`)         ``det = +1``           ``(..., n, d)``; ``act_vectors(R, v)``:
                                                   ``v @ R.T`` on ``(..., d)``
``Orthogonal(d)``           ``(d, d)``, det ``+1`` as above
(:func:`orthogonal`)        or ``-1`` (prob. 1/2)
``Euclidean(d)``            ``(d+1, d+1)``         ``act_points``: ``x @ R.T + t``;
(:func:`euclidean`)         homogeneous            ``act_vectors``: ``v @ R.T`` (the
                            ``[[R, t], [0, 1]]``   translation is ignored)
``SpecialEuclidean(d)``     as E(d), ``det R = 1`` as E(d)
(:func:`special_euclidean`)
``Permutations(n)``         ``(n,)`` int64         ``act_points(p, x)``: ``x[..., p, :]`` on
(:func:`permutations`)      index array ``p``      ``(..., n, d)``; ``act_vectors(p, v)``:
                                                   ``v[..., p]`` on ``(..., n)``
==========================  =====================  ==========================================

All actions are left actions: ``act(compose(g1, g2), x) == act(g1, act(g2, x))``. Elements
are drawn on the host in float64 (``gen`` is a ``numpy.random.Generator``, or a seed) and moved
to the namespace, floating dtype and device of ``x`` inside the action; the output follows
the input. Integer point clouds are promoted to the default float dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp

__all__ = [
    "Euclidean",
    "Orthogonal",
    "Permutations",
    "SpecialEuclidean",
    "SpecialOrthogonal",
    "euclidean",
    "orthogonal",
    "permutations",
    "random_orthogonal",
    "rotations",
    "special_euclidean",
]


def random_orthogonal(rng: Any, d: int, /, *, special: bool = False) -> np.ndarray:
    r"""Draw a Haar-distributed orthogonal (or rotation) matrix on the host.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        Random source (an int seeds a new Generator).
    d : int
        Dimension, ``d >= 1``.
    special : bool, default False
        ``False``: Haar on O(d), ``det = -1`` with probability 1/2. ``True``: Haar on SO(d).

    Returns
    -------
    numpy.ndarray, shape (d, d), float64
        The orthogonal matrix.

    Raises
    ------
    TypeError, ValueError
        For a bad ``rng`` or ``d``.

    Notes
    -----
    Mezzadri [1]_, Sec. 5: with ``Z`` a ``d x d`` standard Gaussian matrix and ``Z = QR`` its
    QR decomposition, ``Q diag(sign(diag R))`` is Haar on O(d) (the sign fix makes the
    decomposition unique; without it LAPACK's ``Q`` is not Haar). For SO(d), the first column
    is negated when ``det Q = -1``: right multiplication by the fixed reflection
    ``diag(-1, 1, ..., 1)`` maps the Haar measure on the ``det = -1`` coset to the Haar
    measure on SO(d).

    References
    ----------
    .. [1] F. Mezzadri, "How to generate random matrices from the classical compact groups",
       Notices AMS 54, 592-604 (2007), arXiv:math-ph/0609050, Sec. 5.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import random_orthogonal
    >>> q = random_orthogonal(0, 3, special=True)
    >>> bool(np.allclose(q @ q.T, np.eye(3))), round(float(np.linalg.det(q)), 6)
    (True, 1.0)
    """
    gen = _xp.rng(rng)
    d = _xp.positive_int(d, name="d")
    q = _xp.haar_stiefel(gen, d, d)  # QR of a Gaussian matrix, column j scaled by sign(r_jj)
    if special and np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


# --------------------------------------------------------------------------------------
# argument checks shared by the actions
# --------------------------------------------------------------------------------------
def _host_element(g: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    a = _xp.to_host(g) if not isinstance(g, np.ndarray) else g
    a = np.asarray(a)
    if a.shape != shape:
        msg = f"g must be {what} of shape {shape}; got shape {a.shape}"
        raise ValueError(msg)
    return a


def _floating_input(x: Any, name: str) -> tuple[Any, Any]:
    """(xp, x): x real or complex floating; integers promoted; other dtypes TypeError."""
    xp, (x,) = _xp.as_arrays(x)
    return xp, _xp.floating(x, name=name, xp=xp)


def _check_shape(x: Any, *, name: str, min_ndim: int, axis: int, size: int, layout: str) -> None:
    if x.ndim < min_ndim or x.shape[axis] != size:
        msg = f"{name} must have shape {layout}; got shape {tuple(x.shape)}"
        raise ValueError(msg)


def _rotate(xp: Any, r: np.ndarray, x: Any) -> Any:
    rt = xp.asarray(np.ascontiguousarray(r.T), dtype=x.dtype, device=_xp.device(x))
    return xp.matmul(x, rt)


# --------------------------------------------------------------------------------------
# O(d) and SO(d)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Orthogonal:
    r"""The orthogonal group O(d), reflections included, acting on ``R^d``.

    Elements are host ``(d, d)`` float64 matrices ``R``; :meth:`sample` is Haar
    (:func:`random_orthogonal`, Mezzadri 2007), ``det R = -1`` with probability 1/2.

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.

    References
    ----------
    .. [1] O. Puny et al., arXiv:2110.03336, Sec. 3 (the O(d)/E(d) actions on point clouds).
    .. [2] F. Mezzadri, Notices AMS 54 (2007), arXiv:math-ph/0609050 (Haar sampling).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import Orthogonal
    >>> group = Orthogonal(3)
    >>> g = group.sample(np.random.default_rng(0))
    >>> x = np.ones((4, 3))
    >>> y = group.act_points(g, x)                     # x @ g.T
    >>> bool(np.allclose(np.linalg.norm(y, axis=-1), np.sqrt(3)))
    True
    >>> h = group.sample(np.random.default_rng(1))
    >>> bool(np.allclose(group.act_points(group.compose(g, h), x),
    ...                  group.act_points(g, group.act_points(h, x))))
    True
    """

    d: int

    def __post_init__(self) -> None:
        _xp.positive_int(self.d, name="d")

    @property
    def _special(self) -> bool:
        return False

    def sample(self, gen: Any) -> np.ndarray:
        """A Haar-random element: a host ``(d, d)`` float64 matrix (``gen``: Generator or seed)."""
        return random_orthogonal(gen, self.d, special=self._special)

    def identity(self) -> np.ndarray:
        """The identity element, ``eye(d)``."""
        return np.eye(self.d)

    def compose(self, g1: Any, g2: Any) -> np.ndarray:
        """The product ``g1 g2`` (apply ``g2`` first): ``g1 @ g2``."""
        shape = (self.d, self.d)
        return _host_element(g1, shape, "a matrix") @ _host_element(g2, shape, "a matrix")

    def inverse(self, g: Any) -> np.ndarray:
        """The inverse ``g^-1 = g.T``."""
        return np.ascontiguousarray(_host_element(g, (self.d, self.d), "a matrix").T)

    def act_points(self, g: Any, x: Any, /) -> Any:
        """Rotate each point of a cloud: ``x @ g.T``.

        Parameters
        ----------
        g : numpy.ndarray, shape (d, d)
            A group element (host).
        x : array, shape (..., n, d)
            Points (rows), any Array API namespace; integers are promoted to the default
            float dtype.

        Returns
        -------
        array, shape (..., n, d)
            In the namespace, floating dtype and device of ``x``.

        Raises
        ------
        TypeError
            If ``x`` is not numeric (bool, object, ...).
        ValueError
            If ``x`` is not ``(..., n, d)`` or ``g`` is not ``(d, d)``.
        """
        r = _host_element(g, (self.d, self.d), "a matrix")
        xp, x = _floating_input(x, "x")
        _check_shape(x, name="x", min_ndim=2, axis=-1, size=self.d, layout=f"(..., n, {self.d})")
        return _rotate(xp, r, x)

    def act_vectors(self, g: Any, v: Any, /) -> Any:
        """Rotate vectors: ``v @ g.T``.

        Parameters
        ----------
        g : numpy.ndarray, shape (d, d)
            A group element (host).
        v : array, shape (..., d)
            Vectors, any Array API namespace.

        Returns
        -------
        array, shape (..., d)
            In the namespace, floating dtype and device of ``v``.

        Raises
        ------
        TypeError, ValueError
            As :meth:`act_points`.
        """
        r = _host_element(g, (self.d, self.d), "a matrix")
        xp, v = _floating_input(v, "v")
        _check_shape(v, name="v", min_ndim=1, axis=-1, size=self.d, layout=f"(..., {self.d})")
        return _rotate(xp, r, v)


@dataclass(frozen=True, slots=True)
class SpecialOrthogonal(Orthogonal):
    r"""The rotation group SO(d): as :class:`Orthogonal`, with ``det R = +1`` always.

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import SpecialOrthogonal
    >>> g = SpecialOrthogonal(3).sample(np.random.default_rng(0))
    >>> round(float(np.linalg.det(g)), 6)
    1.0
    """

    @property
    def _special(self) -> bool:
        return True


# --------------------------------------------------------------------------------------
# E(d) and SE(d)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Euclidean:
    r"""The Euclidean group E(d) = O(d) x| R^d: ``x -> R x + t``.

    Elements are host ``(d+1, d+1)`` homogeneous matrices ``[[R, t], [0, 1]]``; :meth:`sample`
    draws ``R`` Haar on O(d) (``det -1`` with probability 1/2) and ``t ~ N(0,
    translation_scale^2 I)``. Points ``x`` of shape ``(..., n, d)`` map to ``x @ R.T + t``;
    vectors (differences of points, forces, normals) map to ``v @ R.T``, ignoring ``t``.

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.
    translation_scale : float, default 1.0
        Standard deviation of each translation component (choose it comparable to, or larger
        than, the data's spread: a test with tiny translations barely probes them).

    References
    ----------
    .. [1] O. Puny et al., arXiv:2110.03336, Sec. 3.1 (E(d) acting on point clouds by
       ``X -> X R^T + 1 t^T``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import Euclidean
    >>> group = Euclidean(2, translation_scale=10.0)
    >>> g = group.sample(np.random.default_rng(0))
    >>> g.shape
    (3, 3)
    >>> x = np.array([[0.0, 0.0], [3.0, 4.0]])
    >>> y = group.act_points(g, x)
    >>> round(float(np.linalg.norm(y[1] - y[0])), 6)   # distances are preserved
    5.0
    """

    d: int
    translation_scale: float = 1.0

    def __post_init__(self) -> None:
        _xp.positive_int(self.d, name="d")
        _xp.positive_float(self.translation_scale, name="translation_scale")

    @property
    def _special(self) -> bool:
        return False

    def _split(self, g: Any) -> tuple[np.ndarray, np.ndarray]:
        m = _host_element(g, (self.d + 1, self.d + 1), "a homogeneous matrix")
        return m[: self.d, : self.d], m[: self.d, self.d]

    def sample(self, gen: Any) -> np.ndarray:
        """A random element ``[[R, t], [0, 1]]`` (host float64), ``R`` Haar, ``t`` Gaussian."""
        gen = _xp.rng(gen)
        m = np.eye(self.d + 1)
        m[: self.d, : self.d] = random_orthogonal(gen, self.d, special=self._special)
        m[: self.d, self.d] = float(self.translation_scale) * gen.standard_normal(self.d)
        return m

    def identity(self) -> np.ndarray:
        """The identity element, ``eye(d + 1)``."""
        return np.eye(self.d + 1)

    def compose(self, g1: Any, g2: Any) -> np.ndarray:
        """The product ``g1 g2`` (apply ``g2`` first): the homogeneous ``g1 @ g2``."""
        shape = (self.d + 1, self.d + 1)
        what = "a homogeneous matrix"
        return _host_element(g1, shape, what) @ _host_element(g2, shape, what)

    def inverse(self, g: Any) -> np.ndarray:
        """The inverse ``[[R.T, -R.T t], [0, 1]]``."""
        r, t = self._split(g)
        m = np.eye(self.d + 1)
        m[: self.d, : self.d] = r.T
        m[: self.d, self.d] = -(r.T @ t)
        return m

    def act_points(self, g: Any, x: Any, /) -> Any:
        """Move each point: ``x @ R.T + t``.

        Parameters
        ----------
        g : numpy.ndarray, shape (d + 1, d + 1)
            A homogeneous group element ``[[R, t], [0, 1]]`` (host).
        x : array, shape (..., n, d)
            Points (rows), any Array API namespace; integers are promoted.

        Returns
        -------
        array, shape (..., n, d)
            In the namespace, floating dtype and device of ``x``.

        Raises
        ------
        TypeError
            If ``x`` is not numeric.
        ValueError
            If ``x`` is not ``(..., n, d)`` or ``g`` is not ``(d + 1, d + 1)``.
        """
        r, t = self._split(g)
        xp, x = _floating_input(x, "x")
        _check_shape(x, name="x", min_ndim=2, axis=-1, size=self.d, layout=f"(..., n, {self.d})")
        shift = xp.asarray(t, dtype=x.dtype, device=_xp.device(x))
        return _rotate(xp, r, x) + shift

    def act_vectors(self, g: Any, v: Any, /) -> Any:
        """Rotate vectors: ``v @ R.T``; the translation is ignored.

        Parameters
        ----------
        g : numpy.ndarray, shape (d + 1, d + 1)
            A homogeneous group element (host).
        v : array, shape (..., d)
            Vectors (differences of points, forces, normals), any Array API namespace.

        Returns
        -------
        array, shape (..., d)
            In the namespace, floating dtype and device of ``v``.

        Raises
        ------
        TypeError, ValueError
            As :meth:`act_points`.
        """
        r, _ = self._split(g)
        xp, v = _floating_input(v, "v")
        _check_shape(v, name="v", min_ndim=1, axis=-1, size=self.d, layout=f"(..., {self.d})")
        return _rotate(xp, r, v)


@dataclass(frozen=True, slots=True)
class SpecialEuclidean(Euclidean):
    r"""The special Euclidean group SE(d): as :class:`Euclidean` with ``det R = +1``.

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.
    translation_scale : float, default 1.0
        Standard deviation of each translation component.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import SpecialEuclidean
    >>> g = SpecialEuclidean(3).sample(np.random.default_rng(0))
    >>> round(float(np.linalg.det(g[:3, :3])), 6), g[3].tolist()
    (1.0, [0.0, 0.0, 0.0, 1.0])
    """

    @property
    def _special(self) -> bool:
        return True


# --------------------------------------------------------------------------------------
# S_n
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Permutations:
    r"""The symmetric group S_n, permuting the points (rows) of a cloud or the entries of a vector.

    Elements are host int64 index arrays ``p`` of shape ``(n,)`` (uniform over the ``n!``
    permutations); ``act_points(p, x) = x[..., p, :]`` for ``x`` of shape ``(..., n, d)`` and
    ``act_vectors(p, v) = v[..., p]`` for ``v`` of shape ``(..., n)`` (per-point values).
    Any dtype is accepted (labels, masks); the output follows the input.

    Parameters
    ----------
    n : int
        The number of points, ``n >= 1``.

    References
    ----------
    .. [1] O. Puny et al., arXiv:2110.03336, Sec. 3.2 (S_n acting on the rows of a point
       cloud or graph).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import Permutations
    >>> group = Permutations(3)
    >>> p = np.array([2, 0, 1])
    >>> group.act_vectors(p, np.array([10, 20, 30])).tolist()
    [30, 10, 20]
    >>> group.act_points(p, np.arange(6.0).reshape(3, 2)).tolist()
    [[4.0, 5.0], [0.0, 1.0], [2.0, 3.0]]
    """

    n: int

    def __post_init__(self) -> None:
        _xp.positive_int(self.n, name="n")

    def _perm(self, g: Any) -> np.ndarray:
        p = _host_element(g, (self.n,), "a permutation index array")
        if p.dtype.kind not in "iu" or not np.array_equal(np.sort(p), np.arange(self.n)):
            msg = f"g must be a permutation of range({self.n}); got {p!r}"
            raise ValueError(msg)
        return p.astype(np.int64)

    def sample(self, gen: Any) -> np.ndarray:
        """A uniformly random permutation: host int64 array of shape ``(n,)``."""
        return _xp.rng(gen).permutation(self.n).astype(np.int64)

    def identity(self) -> np.ndarray:
        """The identity permutation, ``arange(n)``."""
        return np.arange(self.n, dtype=np.int64)

    def compose(self, g1: Any, g2: Any) -> np.ndarray:
        """The product ``g1 g2`` (apply ``g2`` first) for the action ``x -> x[p]``: ``g2[g1]``."""
        return self._perm(g2)[self._perm(g1)]

    def inverse(self, g: Any) -> np.ndarray:
        """The inverse permutation, ``argsort(g)``."""
        return np.argsort(self._perm(g)).astype(np.int64)

    def _take(self, g: Any, x: Any, axis_from_end: int, name: str, layout: str) -> Any:
        p = self._perm(g)
        xp, (x,) = _xp.as_arrays(x)
        _check_shape(
            x, name=name, min_ndim=axis_from_end, axis=-axis_from_end, size=self.n, layout=layout
        )
        idx = xp.asarray(p, dtype=xp.int64, device=_xp.device(x))
        return xp.take(x, idx, axis=x.ndim - axis_from_end)

    def act_points(self, g: Any, x: Any, /) -> Any:
        """Permute the points (axis -2): ``x[..., p, :]``.

        Parameters
        ----------
        g : numpy.ndarray, shape (n,)
            A permutation of ``range(n)`` (host integers).
        x : array, shape (..., n, d)
            Any dtype and Array API namespace.

        Returns
        -------
        array, shape (..., n, d)
            Same namespace, dtype and device as ``x``.

        Raises
        ------
        ValueError
            If ``x`` is not ``(..., n, d)`` or ``g`` is not a permutation of ``range(n)``.
        """
        return self._take(g, x, 2, "x", f"(..., {self.n}, d)")

    def act_vectors(self, g: Any, v: Any, /) -> Any:
        """Permute the entries (axis -1): ``v[..., p]``.

        Parameters
        ----------
        g : numpy.ndarray, shape (n,)
            A permutation of ``range(n)`` (host integers).
        v : array, shape (..., n)
            Per-point values, any dtype and Array API namespace.

        Returns
        -------
        array, shape (..., n)
            Same namespace, dtype and device as ``v``.

        Raises
        ------
        ValueError
            If ``v`` is not ``(..., n)`` or ``g`` is not a permutation of ``range(n)``.
        """
        return self._take(g, v, 1, "v", f"(..., {self.n})")


# --------------------------------------------------------------------------------------
# convenience constructors
# --------------------------------------------------------------------------------------
def rotations(d: int, /) -> SpecialOrthogonal:
    """The rotation group SO(d) (:class:`SpecialOrthogonal`).

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.

    Returns
    -------
    SpecialOrthogonal
        With Haar ``sample`` and ``act_points``/``act_vectors``.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import rotations
    >>> so2 = rotations(2)
    >>> so2.act_vectors(np.array([[0.0, -1.0], [1.0, 0.0]]), np.array([1.0, 0.0])).tolist()
    [0.0, 1.0]
    """
    return SpecialOrthogonal(d)


def orthogonal(d: int, /) -> Orthogonal:
    """The orthogonal group O(d), reflections included (:class:`Orthogonal`).

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.

    Returns
    -------
    Orthogonal
        With Haar ``sample`` (``det = -1`` with probability 1/2) and the actions.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing.groups import orthogonal
    >>> dets = [np.linalg.det(orthogonal(2).sample(s)) for s in range(200)]
    >>> sorted({round(float(x)) for x in dets})
    [-1, 1]
    """
    return Orthogonal(d)


def euclidean(d: int, /, *, translation_scale: float = 1.0) -> Euclidean:
    """The Euclidean group E(d) (:class:`Euclidean`): O(d) with translations.

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.
    translation_scale : float, default 1.0
        Standard deviation of each sampled translation component.

    Returns
    -------
    Euclidean

    Examples
    --------
    >>> from refimpl.testing.groups import euclidean
    >>> euclidean(3, translation_scale=10.0)
    Euclidean(d=3, translation_scale=10.0)
    """
    return Euclidean(d, translation_scale)


def special_euclidean(d: int, /, *, translation_scale: float = 1.0) -> SpecialEuclidean:
    """The special Euclidean group SE(d) (:class:`SpecialEuclidean`): rotations and translations.

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.
    translation_scale : float, default 1.0
        Standard deviation of each sampled translation component.

    Returns
    -------
    SpecialEuclidean

    Examples
    --------
    >>> from refimpl.testing.groups import special_euclidean
    >>> special_euclidean(2)
    SpecialEuclidean(d=2, translation_scale=1.0)
    """
    return SpecialEuclidean(d, translation_scale)


def permutations(n: int, /) -> Permutations:
    """The symmetric group S_n (:class:`Permutations`) acting on n points.

    Parameters
    ----------
    n : int
        The number of points, ``n >= 1``.

    Returns
    -------
    Permutations

    Examples
    --------
    >>> from refimpl.testing.groups import permutations
    >>> sorted(permutations(4).sample(0).tolist())
    [0, 1, 2, 3]
    """
    return Permutations(n)
