"""pytest plugin: run the same test under several Array API namespaces.

Enable it in a ``conftest.py`` with ``pytest_plugins = ["refimpl.testing.pytest_plugin"]``
(refimpl's own suite does). It provides three fixtures and three markers:

* ``xp_env`` -> ``(xp, device)``, ``xp`` and ``device``: parametrised over the namespaces named by
  the environment variable ``REFIMPL_XP`` (a comma list, or ``all``). The default is
  ``numpy,array_api_strict,array_api_strict[no_float64]``; ``torch``, ``cupy`` and ``jax.numpy``
  are opt-in. ``array_api_strict[no_float64]`` is array_api_strict's float32-only device.
  An unknown name is a usage error; an explicitly named library that fails to import is an
  error; under ``all`` missing libraries are skipped with a reason.
  ``REFIMPL_DEVICE`` (e.g. ``cuda``) selects the torch/CuPy device.
* ``@pytest.mark.only_xp(*names, reason=...)``, ``@pytest.mark.skip_xp(*names, reason=...)``,
  ``@pytest.mark.xfail_xp(*names, reason=...)`` (strict): a name may be an id
  (``array_api_strict[no_float64]``) or a module (``array_api_strict`` matches both strict ids).
  ``reason`` is required.

It also registers the hypothesis profiles ``ci`` (derandomised, 25 examples; the default when
``CI`` is set), ``dev`` (50 examples, the default otherwise) and ``thorough`` (500), selected
by ``REFIMPL_HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

import array_api_compat
import pytest

__all__ = ["KNOWN_NAMESPACES", "load_namespace", "requested_namespaces"]

#: id -> (module to import, array_api_strict device name or None)
KNOWN_NAMESPACES: dict[str, tuple[str, str | None]] = {
    "numpy": ("numpy", None),
    "array_api_strict": ("array_api_strict", None),
    "array_api_strict[no_float64]": ("array_api_strict", "no_float64"),
    "torch": ("torch", None),
    "cupy": ("cupy", None),
    "jax.numpy": ("jax.numpy", None),
}
_DEFAULT = "numpy,array_api_strict,array_api_strict[no_float64]"


def requested_namespaces() -> list[str]:
    """The namespace ids selected by ``REFIMPL_XP`` (``ValueError`` on an unknown name)."""
    raw = os.environ.get("REFIMPL_XP", _DEFAULT).strip() or _DEFAULT
    if raw == "all":
        return list(KNOWN_NAMESPACES)
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in KNOWN_NAMESPACES]
    if unknown:
        msg = f"REFIMPL_XP names unknown namespace(s) {unknown}; known: {sorted(KNOWN_NAMESPACES)}"
        raise ValueError(msg)
    return names


def _setup(module: str, mod: Any) -> None:
    dev = os.environ.get("REFIMPL_DEVICE")
    if module == "torch":
        mod.set_default_dtype(mod.float64)
        if dev:
            mod.set_default_device(dev)
    elif module == "jax.numpy":  # pragma: no cover - optional
        import jax

        jax.config.update("jax_enable_x64", True)
    elif module == "array_api_strict":
        mod.set_array_api_strict_flags(api_version="2025.12")
    elif module == "cupy" and dev and dev.startswith("cuda:"):  # pragma: no cover - GPU
        mod.cuda.Device(int(dev.split(":")[1])).use()


def load_namespace(name: str) -> tuple[Any, Any]:
    """Import namespace id ``name`` and return ``(xp, device)``."""
    module, dev = KNOWN_NAMESPACES[name]
    if os.environ.get("REFIMPL_XP", "").strip() == "all":
        mod = pytest.importorskip(module, reason=f"REFIMPL_XP=all: {module} is not installed")
    else:
        mod = importlib.import_module(module)
    _setup(module, mod)
    xp = array_api_compat.array_namespace(mod.empty(0))
    if dev is not None:
        return xp, mod.Device(dev)
    if module == "torch" and os.environ.get("REFIMPL_DEVICE"):
        # the device arrays actually land on ("cuda" -> "cuda:0"), so that tests can compare
        # an output's device with the fixture's
        return xp, mod.empty(0, device=os.environ["REFIMPL_DEVICE"]).device
    return xp, None


def _hits(request: pytest.FixtureRequest, marker: str, name: str) -> list[tuple[bool, str]]:
    module = KNOWN_NAMESPACES[name][0]
    out = []
    for m in request.node.iter_markers(marker):
        if "reason" not in m.kwargs:
            msg = f"@pytest.mark.{marker} needs reason=...: {request.node.nodeid}"
            raise pytest.UsageError(msg)
        out.append((name in m.args or module in m.args, str(m.kwargs["reason"])))
    return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # parametrise here (not with fixture params) so the env var is read at collection time
    if "xp_env" in metafunc.fixturenames:
        names = requested_namespaces()
        metafunc.parametrize("xp_env", names, ids=names, indirect=True)


@pytest.fixture
def xp_env(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    """``(xp, device)`` for the current namespace id (see the module docstring)."""
    name = request.param
    only = _hits(request, "only_xp", name)
    if only and not any(matched for matched, _ in only):
        pytest.skip(only[0][1])
    for matched, reason in _hits(request, "skip_xp", name):
        if matched:
            pytest.skip(reason)
    for matched, reason in _hits(request, "xfail_xp", name):
        if matched:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    return load_namespace(name)


@pytest.fixture
def xp(xp_env: tuple[Any, Any]) -> Any:
    """The array namespace under test."""
    return xp_env[0]


@pytest.fixture
def device(xp_env: tuple[Any, Any]) -> Any:
    """The device under test (``None`` means the namespace default)."""
    return xp_env[1]


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "only_xp(*names, reason): run only under these array namespaces",
        "skip_xp(*names, reason): skip under these array namespaces",
        "xfail_xp(*names, reason): strict xfail under these array namespaces",
    ):
        config.addinivalue_line("markers", line)
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # pragma: no cover - hypothesis is a test dependency
        return
    common: dict[str, Any] = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.function_scoped_fixture],
    }
    settings.register_profile("ci", derandomize=True, database=None, max_examples=25, **common)
    settings.register_profile("dev", max_examples=50, **common)
    settings.register_profile("thorough", max_examples=500, **common)
    default = "ci" if os.environ.get("CI") else "dev"
    settings.load_profile(os.environ.get("REFIMPL_HYPOTHESIS_PROFILE", default))
