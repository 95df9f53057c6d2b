"""``njit``/``prange`` from numba when installed, identity decorators otherwise.

``NUMBA_DISABLE_JIT=1`` gives the plain-Python path on demand with numba installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HAVE_NUMBA", "njit", "prange"]

_numba: Any
try:
    import numba as _numba
except ImportError:
    _numba = None

HAVE_NUMBA = _numba is not None


def _identity_njit(*args: Any, **kwargs: Any) -> Any:
    """Identity stand-in for ``numba.njit`` (bare ``@njit`` or ``@njit(...)``)."""
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return args[0]

    def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
        return func

    return wrap


njit: Any = _numba.njit if _numba is not None else _identity_njit
prange: Any = _numba.prange if _numba is not None else range
