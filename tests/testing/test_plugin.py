"""Tests of the namespace plugin refimpl.testing.pytest_plugin (REFIMPL_XP, markers)."""

from __future__ import annotations

import pytest

from refimpl.testing import pytest_plugin
from refimpl.testing.pytest_plugin import KNOWN_NAMESPACES, requested_namespaces

pytest_plugins = ["pytester"]

DEFAULT = ["numpy", "array_api_strict", "array_api_strict[no_float64]"]


# --------------------------------------------------------------------------------------
# REFIMPL_XP parsing
# --------------------------------------------------------------------------------------
def test_default_namespaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REFIMPL_XP", raising=False)
    assert requested_namespaces() == DEFAULT
    monkeypatch.setenv("REFIMPL_XP", "  ")  # blank means the default too
    assert requested_namespaces() == DEFAULT


def test_explicit_list_keeps_order_and_strips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFIMPL_XP", " torch , numpy,array_api_strict[no_float64],")
    assert requested_namespaces() == ["torch", "numpy", "array_api_strict[no_float64]"]


def test_all_names_every_known_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFIMPL_XP", "all")
    assert requested_namespaces() == list(KNOWN_NAMESPACES)
    assert {"numpy", "array_api_strict", "torch", "cupy", "jax.numpy"} <= set(KNOWN_NAMESPACES)


def test_unknown_name_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFIMPL_XP", "numpy,nunpy")
    with pytest.raises(ValueError, match=r"unknown namespace.*'nunpy'"):
        requested_namespaces()


def test_load_namespace_strict_float32_device() -> None:
    xp, dev = pytest_plugin.load_namespace("array_api_strict[no_float64]")
    import array_api_extra as xpx

    assert xpx.default_dtype(xp, device=dev) == xp.float32
    xp, dev = pytest_plugin.load_namespace("numpy")
    assert dev is None
    assert xp.asarray([1.0]).dtype == xp.float64


def test_load_namespace_under_all_skips_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFIMPL_XP", "all")
    monkeypatch.setitem(KNOWN_NAMESPACES, "nosuchlib", ("refimpl_no_such_module_xyz", None))
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        pytest_plugin.load_namespace("nosuchlib")
    monkeypatch.setenv("REFIMPL_XP", "nosuchlib")  # named explicitly: an import error
    with pytest.raises(ModuleNotFoundError):
        pytest_plugin.load_namespace("nosuchlib")


# --------------------------------------------------------------------------------------
# markers and fixtures, through an inner pytest run
# --------------------------------------------------------------------------------------
INNER = """
import pytest


def test_plain(xp, device):
    assert xp.asarray([1.0], device=device).shape == (1,)


@pytest.mark.only_xp("numpy", reason="numpy only")
def test_only_numpy_by_id(xp):
    assert xp.__name__.endswith("numpy")


@pytest.mark.only_xp("array_api_strict", reason="strict only")
def test_only_strict_by_module(xp):
    assert "strict" in xp.__name__


@pytest.mark.skip_xp("array_api_strict[no_float64]", reason="needs float64")
def test_skip_one_id(xp, device):
    import array_api_extra as xpx
    assert xpx.default_dtype(xp, device=device) == xp.float64


@pytest.mark.skip_xp("array_api_strict", reason="strict lacks it")
def test_skip_by_module(xp):
    assert xp.__name__.endswith("numpy")


@pytest.mark.xfail_xp("numpy", reason="known numpy failure")
def test_xfail_numpy(xp):
    assert not xp.__name__.endswith("numpy")


@pytest.mark.xfail_xp("array_api_strict", reason="claimed failure that passes")
def test_xfail_strict_is_strict(xp):
    assert True
"""


def _outcomes(result: pytest.RunResult) -> dict[str, str]:
    """nodeid -> outcome word from `pytest -v` lines."""
    out = {}
    for line in result.outlines:
        for word in ("PASSED", "SKIPPED", "XFAIL", "FAILED", "ERROR"):
            if "::" in line and f" {word}" in line:
                out[line.split(" ")[0]] = word
                break
    return out


def test_markers_match_ids_and_modules(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REFIMPL_XP", raising=False)
    pytester.makeconftest('pytest_plugins = ["refimpl.testing.pytest_plugin"]')
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest("-v", "-rs", "-p", "no:cacheprovider")
    got = _outcomes(result)
    np_, st, st32 = "[numpy]", "[array_api_strict]", "[array_api_strict[no_float64]]"
    expected = {
        "test_plain" + np_: "PASSED",
        "test_plain" + st: "PASSED",
        "test_plain" + st32: "PASSED",
        "test_only_numpy_by_id" + np_: "PASSED",
        "test_only_numpy_by_id" + st: "SKIPPED",
        "test_only_numpy_by_id" + st32: "SKIPPED",
        "test_only_strict_by_module" + np_: "SKIPPED",
        "test_only_strict_by_module" + st: "PASSED",
        "test_only_strict_by_module" + st32: "PASSED",
        "test_skip_one_id" + np_: "PASSED",
        "test_skip_one_id" + st: "PASSED",
        "test_skip_one_id" + st32: "SKIPPED",
        "test_skip_by_module" + np_: "PASSED",
        "test_skip_by_module" + st: "SKIPPED",
        "test_skip_by_module" + st32: "SKIPPED",
        "test_xfail_numpy" + np_: "XFAIL",
        "test_xfail_numpy" + st: "PASSED",
        "test_xfail_numpy" + st32: "PASSED",
        "test_xfail_strict_is_strict" + np_: "PASSED",
        "test_xfail_strict_is_strict" + st: "FAILED",  # XPASS(strict)
        "test_xfail_strict_is_strict" + st32: "FAILED",
    }
    assert {k.split("::")[-1]: v for k, v in got.items()} == expected
    text = result.stdout.str()
    for reason in ("numpy only", "strict only", "needs float64", "strict lacks it"):
        assert reason in text  # skip reasons are reported


def test_env_selects_namespaces(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFIMPL_XP", "numpy")
    pytester.makeconftest('pytest_plugins = ["refimpl.testing.pytest_plugin"]')
    pytester.makepyfile(test_inner="def test_a(xp):\n    assert xp is not None\n")
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "test_a[numpy] PASSED" in result.stdout.str()


def test_unknown_env_name_fails_collection(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFIMPL_XP", "numpy,bogus")
    pytester.makeconftest('pytest_plugins = ["refimpl.testing.pytest_plugin"]')
    pytester.makepyfile(test_inner="def test_a(xp):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    assert "bogus" in result.stdout.str()
    result.assert_outcomes(errors=1)


def test_marker_without_reason_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFIMPL_XP", "numpy")
    pytester.makeconftest('pytest_plugins = ["refimpl.testing.pytest_plugin"]')
    pytester.makepyfile(
        test_inner=('import pytest\n\n@pytest.mark.skip_xp("numpy")\ndef test_a(xp):\n    pass\n')
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    assert "needs reason=" in result.stdout.str() + result.stderr.str()
