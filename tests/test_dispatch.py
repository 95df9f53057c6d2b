"""Tests of the backend registry (CONVENTIONS.md §2)."""

from __future__ import annotations

import sys

import pytest

from refimpl import _dispatch
from refimpl._dispatch import BackendUnavailableError


@pytest.fixture
def algo():
    name = "test_algo"
    _dispatch.register(name, "reference", "math:fsum")
    # a numba kernel whose dependency is absent, a cupy one accepting cupy arrays only
    _dispatch.register(
        name, "numba", "math:prod", requires=["refimpl_no_such_module"], namespaces=["numpy"]
    )
    _dispatch.register(
        name, "cupy", "math:prod", requires=["refimpl_no_such_module"], namespaces=["cupy"]
    )
    yield name
    _dispatch._REGISTRY.pop(name)


def test_reference_is_default_and_loads_lazily(algo):
    assert _dispatch.resolve(algo, "reference", "numpy")([0.1] * 10) == 1.0
    assert _dispatch.registered(algo) == ("cupy", "numba", "reference")


@pytest.mark.parametrize("bad", ["fast", "", None, 3, "Reference"])
def test_unknown_backend_name_is_value_error(algo, bad):
    with pytest.raises(ValueError, match=r"backend must be one of \['reference', 'numba'"):
        _dispatch.resolve(algo, bad, "numpy")


def test_explicit_missing_dependency_raises_import_error_with_hint(algo):
    with pytest.raises(BackendUnavailableError, match=r"pip install 'refimpl\[numba\]'") as info:
        _dispatch.resolve(algo, "numba", "numpy")
    assert isinstance(info.value, ImportError)
    assert info.value.name == "refimpl_no_such_module"


def test_only_auto_falls_back(algo):
    impl = _dispatch.resolve(algo, "auto", "numpy")
    assert impl([0.5, 0.25]) == 0.75  # math.fsum, the reference, not math.prod


def test_auto_prefers_installed_accelerator(algo):
    _dispatch.register(algo, "numba", "math:prod", requires=["math"], namespaces=["numpy"])
    assert _dispatch.resolve(algo, "auto", "numpy")([0.5, 0.25]) == 0.125
    # auto never hands numpy-only kernels other namespaces
    assert _dispatch.resolve(algo, "auto", "torch")([0.5, 0.25]) == 0.75


def test_wrong_namespace_for_backend_is_type_error(algo):
    _dispatch.register(algo, "numba", "math:prod", requires=["math"], namespaces=["numpy"])
    with pytest.raises(TypeError, match=r"backend='numba' accepts \['numpy'\] arrays; got torch"):
        _dispatch.resolve(algo, "numba", "torch")


def test_unregistered_backend_and_algorithm(algo):
    _dispatch._REGISTRY[algo].pop("cupy")
    with pytest.raises(ValueError, match="not implemented for test_algo; choose one of"):
        _dispatch.resolve(algo, "cupy", "cupy")
    with pytest.raises(ValueError, match="no implementations are registered for 'nope'"):
        _dispatch.resolve("nope", "reference", "numpy")


def test_available_never_imports(algo, monkeypatch):
    _dispatch.register(
        algo, "numba", "refimpl_lazy_probe:f", requires=["math"], namespaces=["numpy"]
    )
    assert _dispatch.available(algo, "numpy") == ("numba", "reference")
    assert _dispatch.available(algo, "cupy") == ("reference",)
    assert "refimpl_lazy_probe" not in sys.modules


def test_register_validates(algo):
    with pytest.raises(ValueError, match="cannot be registered"):
        _dispatch.register(algo, "auto", "math:fsum")
    with pytest.raises(ValueError, match="target must look like"):
        _dispatch.register(algo, "reference", "math.fsum")


def test_core_does_not_import_backends_at_module_level():
    import subprocess

    code = (
        "import sys, refimpl, refimpl._xp, refimpl._dispatch, refimpl.optics, refimpl.testing;"
        "bad = [m for m in sys.modules if m.startswith(('refimpl.backends', 'numba', 'cupy'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_numba_compat_identity_without_numba(monkeypatch):
    # load a private copy of the shim with numba made unimportable (whether or not installed)
    import importlib.util as iu

    from refimpl.backends import _numba_compat

    monkeypatch.setitem(sys.modules, "numba", None)
    spec = iu.spec_from_file_location("_numba_compat_copy", _numba_compat.__file__)
    nc = iu.module_from_spec(spec)
    spec.loader.exec_module(nc)
    assert nc.HAVE_NUMBA is False

    def f(x):
        return x + 1

    assert nc.njit(f) is f
    assert nc.njit(cache=True)(f) is f
    assert nc.prange is range
