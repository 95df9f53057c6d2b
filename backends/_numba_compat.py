"""``njit``/``prange`` from numba when installed, identity decorators otherwise.

``NUMBA_DISABLE_JIT=1`` gives the plain-Python path on demand with numba installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HAVE_NUMBA", "njit", "prange"]

try:
    from numba import njit, prange

    HAVE_NUMBA = True
except ImportError:
    HAVE_NUMBA = False
    prange = range

    def njit(*args: Any, **kwargs: Any) -> Any:
        """Identity stand-in for ``numba.njit`` (bare ``@njit`` or ``@njit(...)``)."""
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]

        def wrap(func: Callable[..., Any]) -> Callable[..., Any]:
            return func

        return wrap
