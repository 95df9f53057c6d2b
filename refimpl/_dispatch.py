"""Backend registry: ``"reference"`` (default) | ``"numba"`` | ``"cupy"`` | ``"auto"``.

The array namespace is decided first, from the inputs; ``backend=`` only chooses among the
implementations valid for that namespace, and data never changes device (CONVENTIONS.md §2).

* an unknown backend name raises ``ValueError``;
* a backend that exists but is not registered for the algorithm raises ``ValueError`` listing
  the registered ones;
* an explicit request for a backend whose dependency is missing raises
  :class:`BackendUnavailableError` (an ``ImportError``) with the install hint;
* a backend given arrays of a namespace it does not accept raises ``TypeError``;
* only ``"auto"`` falls back: cupy for CuPy input, numba for NumPy input, else the reference.

Implementations are registered by dotted target (``"module:attr"``) and imported lazily;
:func:`available` uses ``importlib.util.find_spec`` only, so asking never imports numba or CuPy.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BACKENDS",
    "BackendUnavailableError",
    "available",
    "register",
    "registered",
    "resolve",
]

#: the names ``backend=`` accepts everywhere
BACKENDS = ("reference", "numba", "cupy", "auto")
_AUTO_ORDER = ("cupy", "numba")
_HINT = {
    "numba": "pip install 'refimpl[numba]'",
    "cupy": "pip install 'refimpl[cuda12]' (or 'refimpl[cuda13]')",
}


class BackendUnavailableError(ImportError):
    """An explicitly requested backend needs a package that is not installed."""


@dataclass(frozen=True, slots=True)
class _Impl:
    target: str  # "package.module:attribute"
    requires: tuple[str, ...] = ()  # importable module names it needs
    namespaces: tuple[str, ...] = ()  # refimpl._xp.namespace_name values it accepts; () = any


_REGISTRY: dict[str, dict[str, _Impl]] = {}


def register(
    algorithm: str,
    backend: str,
    target: str,
    /,
    *,
    requires: Sequence[str] = (),
    namespaces: Sequence[str] = (),
) -> None:
    """Register ``target`` (``"module:attr"``) as ``backend`` for ``algorithm``.

    Areas call this at import time for their reference implementation and, where one exists,
    for their accelerated kernels (which live in ``refimpl.backends`` and are imported lazily).
    """
    _check_backend_name(backend)
    if backend == "auto":
        msg = "backend 'auto' cannot be registered; it is resolved from the others"
        raise ValueError(msg)
    if ":" not in target:
        msg = f"target must look like 'package.module:attribute'; got {target!r}"
        raise ValueError(msg)
    _REGISTRY.setdefault(algorithm, {})[backend] = _Impl(target, tuple(requires), tuple(namespaces))


def registered(algorithm: str) -> tuple[str, ...]:
    """The backends registered for ``algorithm``, sorted."""
    return tuple(sorted(_impls(algorithm)))


def available(algorithm: str, namespace: str = "numpy") -> tuple[str, ...]:
    """Registered backends for ``algorithm`` whose dependencies are installed and which accept
    arrays of ``namespace``; never imports the dependencies."""
    return tuple(
        name
        for name, impl in sorted(_impls(algorithm).items())
        if _installed(impl) and (not impl.namespaces or namespace in impl.namespaces)
    )


def resolve(algorithm: str, backend: str, namespace: str) -> Callable[..., Any]:
    """Return the implementation of ``algorithm`` for ``backend`` and array ``namespace``.

    Examples
    --------
    >>> from refimpl import _dispatch
    >>> _dispatch.register("demo_sum", "reference", "builtins:sum")
    >>> _dispatch.resolve("demo_sum", "auto", "numpy")([1, 2, 3])
    6
    """
    _check_backend_name(backend)
    impls = _impls(algorithm)
    if backend == "auto":
        for name in _AUTO_ORDER:
            impl = impls.get(name)
            if impl and _installed(impl) and namespace in impl.namespaces:
                return _load(impl)
        backend = "reference"  # the only fallback anywhere
    if backend not in impls:
        msg = (
            f"backend={backend!r} is not implemented for {algorithm}; "
            f"choose one of {[*sorted(impls), 'auto']}"
        )
        raise ValueError(msg)
    impl = impls[backend]
    if not _installed(impl):
        missing = [r for r in impl.requires if importlib.util.find_spec(r) is None]
        msg = (
            f"backend={backend!r} for {algorithm} needs {', '.join(impl.requires)}; "
            f"install it with: {_HINT.get(backend, 'pip install ' + ' '.join(missing))}"
        )
        raise BackendUnavailableError(msg, name=missing[0] if missing else None)
    if impl.namespaces and namespace not in impl.namespaces:
        msg = f"backend={backend!r} accepts {list(impl.namespaces)} arrays; got {namespace} arrays"
        raise TypeError(msg)
    return _load(impl)


def _check_backend_name(backend: object) -> None:
    if not isinstance(backend, str) or backend not in BACKENDS:
        msg = f"backend must be one of {list(BACKENDS)}; got {backend!r}"
        raise ValueError(msg)


def _impls(algorithm: str) -> dict[str, _Impl]:
    try:
        return _REGISTRY[algorithm]
    except KeyError:
        msg = f"no implementations are registered for {algorithm!r}"
        raise ValueError(msg) from None


def _installed(impl: _Impl) -> bool:
    for name in impl.requires:
        try:
            if importlib.util.find_spec(name) is None:
                return False
        except (ImportError, ValueError):
            return False
    return True


def _load(impl: _Impl) -> Callable[..., Any]:
    module, _, attr = impl.target.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        msg = f"registered target {impl.target!r} is not callable"
        raise TypeError(msg)
    return obj
