"""The public verification kit: checks that refimpl's own tests use and that you can run on
your implementations.

* :func:`assert_equivariant`, :func:`assert_invariant`: any group given as a sampler plus
  actions; ready-made groups (SO(d), O(d), E(d), SE(d), S_n) in :mod:`refimpl.testing.groups`.
* :func:`estimate_order`, :func:`assert_rate`: fitted convergence orders with a confidence band.
* :mod:`refimpl.testing.strategies`: hypothesis strategies (imports hypothesis; import it
  explicitly).
* :mod:`refimpl.testing.pytest_plugin`: the ``xp``/``device`` fixtures and the per-namespace
  markers (imports pytest; enable it with ``pytest_plugins = ["refimpl.testing.pytest_plugin"]``).

Importing :mod:`refimpl.testing` needs neither pytest nor hypothesis.
"""

from refimpl.testing import groups
from refimpl.testing._equivariance import assert_equivariant, assert_invariant
from refimpl.testing._rates import OrderEstimate, assert_rate, estimate_order
from refimpl.testing.groups import (
    Euclidean,
    Orthogonal,
    Permutations,
    SpecialEuclidean,
    SpecialOrthogonal,
    euclidean,
    orthogonal,
    permutations,
    random_orthogonal,
    rotations,
    special_euclidean,
)

__all__ = [
    "Euclidean",
    "OrderEstimate",
    "Orthogonal",
    "Permutations",
    "SpecialEuclidean",
    "SpecialOrthogonal",
    "assert_equivariant",
    "assert_invariant",
    "assert_rate",
    "estimate_order",
    "euclidean",
    "groups",
    "orthogonal",
    "permutations",
    "random_orthogonal",
    "rotations",
    "special_euclidean",
]
