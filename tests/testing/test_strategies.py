"""Tests of refimpl.testing.strategies."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.testing import groups, strategies
from refimpl.testing.pytest_plugin import KNOWN_NAMESPACES, requested_namespaces


@given(strategies.seeds())
def test_seeds_are_valid_numpy_seeds(seed: int) -> None:
    assert isinstance(seed, int)
    assert 0 <= seed <= 2**32 - 1
    np.random.default_rng(seed)


def test_seeds_reach_both_ends() -> None:
    found: set[int] = set()

    @given(strategies.seeds())
    def collect(seed: int) -> None:
        found.add(seed)

    collect()
    assert min(found) == 0  # hypothesis tries the bounds (shrinking targets)
    assert len(found) > 5


@given(st.data())
def test_sizes_respect_bounds(data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, 10))
    hi = data.draw(st.integers(lo, 20))
    n = data.draw(strategies.sizes(lo, hi))
    assert lo <= n <= hi


@pytest.mark.parametrize(
    ("args", "exc"),
    [((3, 2), ValueError), ((-1, 2), ValueError), ((1.0, 2), TypeError), ((1, True), TypeError)],
)
def test_sizes_bad_bounds(args: tuple[Any, Any], exc: type[Exception]) -> None:
    with pytest.raises(exc, match="size"):
        strategies.sizes(*args)


def test_namespaces_follow_refimpl_xp(monkeypatch: pytest.MonkeyPatch) -> None:
    # the environment is read when the strategy is built
    seen: set[str] = set()
    monkeypatch.setenv("REFIMPL_XP", "numpy,array_api_strict[no_float64]")
    given(strategies.namespaces())(lambda name: seen.add(name))()
    assert seen == {"numpy", "array_api_strict[no_float64]"}

    seen.clear()
    monkeypatch.delenv("REFIMPL_XP")
    given(strategies.namespaces())(lambda name: seen.add(name))()
    assert seen == set(requested_namespaces())

    monkeypatch.setenv("REFIMPL_XP", "numpy,bogus")
    with pytest.raises(ValueError, match="bogus"):
        strategies.namespaces()


def test_namespaces_drop_missing_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KNOWN_NAMESPACES, "ghost", ("refimpl_no_such_module_xyz", None))
    monkeypatch.setenv("REFIMPL_XP", "numpy,ghost")
    seen: set[str] = set()
    given(strategies.namespaces())(lambda name: seen.add(name))()
    assert seen == {"numpy"}
    monkeypatch.setenv("REFIMPL_XP", "ghost")
    with pytest.raises(ValueError, match="at least one installed namespace"):
        strategies.namespaces()


def test_float_dtypes_follow_the_device(xp: Any, device: Any) -> None:
    seen: list[Any] = []
    given(strategies.float_dtypes(xp, device=device))(lambda dt: seen.append(dt))()
    has32 = any(dt == xp.float32 for dt in seen)
    has64 = any(dt == xp.float64 for dt in seen)
    assert has32
    assert all(dt in (xp.float32, xp.float64) for dt in seen)
    # strict's no_float64 device has float32 only; numpy, strict and torch CPU both
    assert has64 is ("no_float64" not in str(device))
    for dt in seen:
        assert xp.zeros(2, dtype=dt, device=device).dtype == dt  # usable on that device


@given(strategies.unit_vectors(4))
def test_unit_vectors(u: np.ndarray) -> None:
    assert u.shape == (4,)
    assert u.dtype == np.float64
    assert abs(float(np.linalg.norm(u)) - 1.0) < 1e-14


def test_unit_vectors_vary() -> None:
    vs: list[np.ndarray] = []
    given(strategies.unit_vectors(3))(lambda u: vs.append(u))()
    distinct = {tuple(np.round(v, 12)) for v in vs}
    assert len(distinct) > 5
    with pytest.raises(ValueError, match="d must be a positive int"):
        strategies.unit_vectors(0)


@given(strategies.point_clouds((2, 6), 2, scale=10.0))
def test_point_clouds(x: np.ndarray) -> None:
    assert x.ndim == 2
    assert 2 <= x.shape[0] <= 6
    assert x.shape[1] == 2
    assert x.dtype == np.float64
    assert np.all(np.isfinite(x))


def test_point_clouds_scale() -> None:
    xs: list[np.ndarray] = []
    given(strategies.point_clouds((50, 50), 3, scale=10.0))(lambda x: xs.append(x))()
    sd = float(np.std(np.concatenate(xs)))
    assert 8.0 < sd < 12.0


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"n_range": (3, 2)}, ValueError),
        ({"n_range": (0, 2)}, ValueError),
        ({"n_range": [1, 2]}, TypeError),
        ({"d": 0}, ValueError),
        ({"scale": -1.0}, ValueError),
    ],
)
def test_point_clouds_bad_args(kwargs: dict[str, Any], exc: type[Exception]) -> None:
    n_range = kwargs.pop("n_range", (1, 4))
    d = kwargs.pop("d", 3)
    with pytest.raises(exc):
        strategies.point_clouds(n_range, d, **kwargs)


@given(strategies.group_elements(groups.orthogonal(3)))
def test_group_elements(g: np.ndarray) -> None:
    assert g.shape == (3, 3)
    np.testing.assert_allclose(g @ g.T, np.eye(3), atol=1e-14)


def test_group_elements_needs_a_sampler() -> None:
    with pytest.raises(TypeError, match="sample"):
        strategies.group_elements(object())
