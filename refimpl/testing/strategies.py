"""Hypothesis strategies shared by refimpl's tests (and usable in yours).

Following CONVENTIONS.md (Sec. 4, "Drawing inputs"), hypothesis draws *seeds, sizes and
parameters*; arrays are built on the host from a seeded ``numpy.random.Generator`` in float64
and moved to the namespace under test by the test itself (``xp.asarray(a, dtype=...,
device=...)``). The array strategies here therefore return host NumPy arrays. Areas extend
this module with their own parameter strategies.

This module imports :mod:`hypothesis` (a test dependency); :mod:`refimpl.testing` does not.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from hypothesis import strategies as st

from refimpl import _xp
from refimpl._xp import positive_float

__all__ = [
    "float_dtypes",
    "group_elements",
    "namespaces",
    "point_clouds",
    "seeds",
    "sizes",
    "unit_vectors",
]

_SEED_MAX = 2**32 - 1


def seeds() -> st.SearchStrategy[int]:
    """Seeds for ``numpy.random.default_rng``: integers in ``[0, 2**32 - 1]``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[int]

    Examples
    --------
    >>> from hypothesis import given
    >>> from refimpl.testing.strategies import seeds
    >>> @given(seeds())
    ... def check(seed):
    ...     assert 0 <= seed <= 2**32 - 1
    >>> check()
    """
    return st.integers(0, _SEED_MAX)


def sizes(min_size: int = 1, max_size: int = 32) -> st.SearchStrategy[int]:
    """Sizes (numbers of points, grid lengths, ...): integers in ``[min_size, max_size]``.

    Parameters
    ----------
    min_size, max_size : int
        Inclusive bounds, ``0 <= min_size <= max_size``. Keep ``max_size`` small: tests run
        under several namespaces and the whole suite has a time budget.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[int]

    Raises
    ------
    TypeError, ValueError
        For non-int or inconsistent bounds.

    Examples
    --------
    >>> from hypothesis import given
    >>> from refimpl.testing.strategies import sizes
    >>> @given(sizes(2, 5))
    ... def check(n):
    ...     assert 2 <= n <= 5
    >>> check()
    """
    for v, name in ((min_size, "min_size"), (max_size, "max_size")):
        if isinstance(v, bool) or not isinstance(v, int):
            msg = f"{name} must be an int; got {type(v).__name__}"
            raise TypeError(msg)
    if not 0 <= min_size <= max_size:
        msg = f"sizes must satisfy 0 <= min_size <= max_size; got {min_size}, {max_size}"
        raise ValueError(msg)
    return st.integers(min_size, max_size)


def _installed(name: str) -> bool:
    from refimpl.testing.pytest_plugin import KNOWN_NAMESPACES

    module = KNOWN_NAMESPACES[name][0]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing
        return False


def namespaces() -> st.SearchStrategy[str]:
    """Namespace ids (``"numpy"``, ``"array_api_strict[no_float64]"``, ``"torch"``, ...).

    The ids requested by ``REFIMPL_XP`` (read when the strategy is built, through
    :func:`refimpl.testing.pytest_plugin.requested_namespaces`; default ``numpy``,
    ``array_api_strict``, ``array_api_strict[no_float64]``), restricted to the installed
    libraries (under ``REFIMPL_XP=all``: every known namespace that is installed). Turn an id
    into ``(xp, device)`` with :func:`refimpl.testing.pytest_plugin.load_namespace`. Prefer
    the ``xp`` fixture in pytest tests (one test id per namespace); use this strategy when a
    property mixes namespaces (e.g. a conversion between two of them).

    Returns
    -------
    hypothesis.strategies.SearchStrategy[str]

    Raises
    ------
    ValueError
        If ``REFIMPL_XP`` names an unknown namespace, or none of the requested ones is
        installed.

    Examples
    --------
    >>> from hypothesis import given
    >>> from refimpl.testing.pytest_plugin import KNOWN_NAMESPACES
    >>> from refimpl.testing.strategies import namespaces
    >>> @given(namespaces())
    ... def check(name):
    ...     assert name in KNOWN_NAMESPACES
    >>> check()
    """
    from refimpl.testing.pytest_plugin import requested_namespaces

    names = [n for n in requested_namespaces() if _installed(n)]
    if not names:
        msg = f"REFIMPL_XP must name at least one installed namespace; got {requested_namespaces()}"
        raise ValueError(msg)
    return st.sampled_from(names)


def float_dtypes(xp: Any, /, *, device: Any = None) -> st.SearchStrategy[Any]:
    """The real floating dtypes of ``xp`` available on ``device`` (float32, and float64 if any).

    Parameters
    ----------
    xp : namespace
        An Array API namespace (e.g. the ``xp`` fixture).
    device : device or None
        The device (``None``: the default device). array_api_strict's ``no_float64`` device
        yields float32 only.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[dtype]

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given
    >>> from refimpl.testing.strategies import float_dtypes
    >>> @given(float_dtypes(np))
    ... def check(dtype):
    ...     assert dtype in (np.float32, np.float64)
    >>> check()
    """
    info = xp.__array_namespace_info__()
    found = info.dtypes(device=device, kind="real floating")
    dtypes = [found[k] for k in ("float32", "float64") if k in found]
    if not dtypes:
        msg = f"xp must offer a real floating dtype on device {device!r}; got {sorted(found)}"
        raise ValueError(msg)
    return st.sampled_from(dtypes)


def unit_vectors(d: int, /) -> st.SearchStrategy[np.ndarray]:
    """Uniformly distributed unit vectors in ``R^d`` (host float64, shape ``(d,)``).

    Built from a drawn seed: a standard Gaussian vector divided by its norm (uniform on the
    sphere by rotation invariance of the Gaussian).

    Parameters
    ----------
    d : int
        The dimension, ``d >= 1``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[numpy.ndarray]

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given
    >>> from refimpl.testing.strategies import unit_vectors
    >>> @given(unit_vectors(3))
    ... def check(u):
    ...     assert u.shape == (3,) and abs(np.linalg.norm(u) - 1) < 1e-12
    >>> check()
    """
    d = _xp.positive_int(d, name="d")

    def build(seed: int) -> np.ndarray:
        v = np.random.default_rng(seed).standard_normal(d)
        return v / np.linalg.norm(v)

    return seeds().map(build)


def point_clouds(
    n_range: tuple[int, int] = (1, 16), d: int = 3, /, *, scale: float = 1.0
) -> st.SearchStrategy[np.ndarray]:
    """Gaussian point clouds: host float64 arrays of shape ``(n, d)`` with ``n`` in ``n_range``.

    Hypothesis draws ``n`` and a seed; the points are ``scale * standard_normal((n, d))``
    from ``numpy.random.default_rng(seed)`` (generic: distinct points, no symmetry, almost
    surely).

    Parameters
    ----------
    n_range : (int, int), default (1, 16)
        Inclusive range of the number of points.
    d : int, default 3
        The dimension, ``d >= 1``.
    scale : float, default 1.0
        Standard deviation of the coordinates.

    Returns
    -------
    hypothesis.strategies.SearchStrategy[numpy.ndarray]

    Examples
    --------
    >>> from hypothesis import given
    >>> from refimpl.testing.strategies import point_clouds
    >>> @given(point_clouds((2, 5), 3))
    ... def check(x):
    ...     assert x.ndim == 2 and 2 <= x.shape[0] <= 5 and x.shape[1] == 3
    >>> check()
    """
    if not isinstance(n_range, tuple) or len(n_range) != 2:
        msg = f"n_range must be a (min, max) tuple of ints; got {n_range!r}"
        raise TypeError(msg)
    d = _xp.positive_int(d, name="d")
    lo = _xp.positive_int(n_range[0], name="n_range[0]")
    hi = _xp.positive_int(n_range[1], name="n_range[1]")
    if lo > hi:
        msg = f"n_range must satisfy min <= max; got {n_range!r}"
        raise ValueError(msg)
    s = positive_float(scale, name="scale")

    def build(args: tuple[int, int]) -> np.ndarray:
        n, seed = args
        return s * np.random.default_rng(seed).standard_normal((n, d))

    return st.tuples(st.integers(lo, hi), seeds()).map(build)


def group_elements(group: Any, /) -> st.SearchStrategy[Any]:
    """Elements of a group from :mod:`refimpl.testing.groups` (or anything with ``sample``).

    Hypothesis draws a seed; the element is ``group.sample(numpy.random.default_rng(seed))``
    (so it follows the group's distribution, e.g. Haar).

    Parameters
    ----------
    group : object with ``sample(gen)``
        E.g. ``groups.rotations(3)``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import given
    >>> from refimpl.testing import groups
    >>> from refimpl.testing.strategies import group_elements
    >>> @given(group_elements(groups.rotations(3)))
    ... def check(r):
    ...     assert np.allclose(r @ r.T, np.eye(3))
    >>> check()
    """
    sample = getattr(group, "sample", None)
    if not callable(sample):
        msg = f"group must have a sample(gen) method; got {type(group).__name__}"
        raise TypeError(msg)
    return seeds().map(lambda seed: sample(np.random.default_rng(seed)))
