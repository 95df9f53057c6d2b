"""API contracts of every public array function (CONVENTIONS.md, Sec. 4).

One table, ``PUBLIC_CASES``, lists each public function with ``make_args(rng)`` (host NumPy
float64 arrays, and plain Python values for non-array positionals). Every area adds its
functions here; ``test_table_covers_every_public_function`` fails when one is missing.

For every case and namespace: the outputs' namespace, dtype and device follow the inputs;
float32 in gives float32 out; integers are promoted to the default float; bool, complex and
object dtypes raise ``TypeError`` and 0-D, empty and non-finite arrays ``ValueError``, each
naming the argument; arrays from two namespaces raise ``TypeError``; and NumPy inputs are
never mutated (read-only call first, then a writeable one).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import array_api_compat
import array_api_extra as xpx
import array_api_strict
import numpy as np
import pytest

import refimpl.optics
from refimpl import _xp
from refimpl.optics import (
    absorption_from_refractive_index,
    absorption_from_transmission,
    hilbert_transform,
    lorentzian_profile,
    refractive_index_from_absorption,
    voigt_profile,
)

#: area modules whose ``__all__`` functions must all appear in PUBLIC_CASES
AREAS = [refimpl.optics]


@dataclasses.dataclass(frozen=True)
class Case:
    """One public function: ``func(*make_args(rng))``; ``arrays`` names the positions of
    ``make_args``'s arrays with the argument names used in error messages, and the minimum
    number of dimensions each accepts."""

    name: str
    func: Callable[..., Any]
    make_args: Callable[[np.random.Generator], tuple[Any, ...]]
    arrays: tuple[tuple[int, str, int], ...]  # (position, argument name, min ndim)
    covers: Callable[..., Any]


OMEGA0 = 2 * np.pi * 384.230e12


def _spectrum(rng: np.random.Generator, n: int = 33) -> np.ndarray:
    return rng.standard_normal(n)


def _transmission(rng: np.random.Generator, n: int = 33) -> np.ndarray:
    return rng.uniform(0.2, 0.9, n)


PUBLIC_CASES: list[Case] = [
    Case(
        "hilbert_transform[line]",
        hilbert_transform,
        lambda r: (_spectrum(r),),
        ((0, "f", 1),),
        hilbert_transform,
    ),
    Case(
        "hilbert_transform[fft]",
        lambda f: hilbert_transform(f, method="fft"),
        lambda r: (_spectrum(r),),
        ((0, "f", 1),),
        hilbert_transform,
    ),
    Case(
        "refractive_index_from_absorption",
        lambda a: refractive_index_from_absorption(a, omega0=OMEGA0),
        lambda r: (np.abs(_spectrum(r)),),
        ((0, "alpha", 1),),
        refractive_index_from_absorption,
    ),
    Case(
        "absorption_from_refractive_index",
        lambda n: absorption_from_refractive_index(n, omega0=OMEGA0),
        lambda r: (1e-6 * _spectrum(r),),
        ((0, "n_minus_1", 1),),
        absorption_from_refractive_index,
    ),
    Case(
        "absorption_from_transmission",
        absorption_from_transmission,
        lambda r: (_transmission(r), 0.02),
        ((0, "T", 1),),
        absorption_from_transmission,
    ),
    Case(
        "absorption_from_transmission[T_off array]",
        lambda t, length, t_off: absorption_from_transmission(t, length, T_off=t_off),
        lambda r: (_transmission(r), 0.02, r.uniform(0.9, 1.0, 33)),
        ((0, "T", 1), (2, "T_off", 0)),
        absorption_from_transmission,
    ),
    Case(
        "lorentzian_profile",
        lambda d: lorentzian_profile(d, gamma=0.7),
        lambda r: (5 * _spectrum(r),),
        ((0, "delta", 1),),
        lorentzian_profile,
    ),
    Case(
        "voigt_profile",
        lambda d: voigt_profile(d, gamma=0.3, sigma=1.2),
        lambda r: (5 * _spectrum(r),),
        ((0, "delta", 1),),
        voigt_profile,
    ),
]


def _outputs(result: Any) -> list[Any]:
    return list(result) if isinstance(result, tuple) else [result]


def _convert(args: tuple[Any, ...], xp: Any, dtype: Any, device: Any) -> list[Any]:
    return [
        xp.asarray(a, dtype=dtype, device=device) if isinstance(a, np.ndarray) else a for a in args
    ]


def _with(args: tuple[Any, ...], pos: int, value: Any) -> list[Any]:
    out = list(args)
    out[pos] = value
    return out


# ------------------------------------------------------------------------------ coverage
def test_table_covers_every_public_function():
    covered = {c.covers for c in PUBLIC_CASES}
    missing = [
        f"{area.__name__}.{name}"
        for area in AREAS
        for name in area.__all__
        if inspect.isfunction(getattr(area, name)) and getattr(area, name) not in covered
    ]
    assert not missing, f"add these public functions to PUBLIC_CASES: {missing}"


# --------------------------------------------------------------- namespace, dtype, device
@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_output_follows_input(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    args = _convert(case.make_args(np.random.default_rng(0)), xp, dtype, device)
    first = args[case.arrays[0][0]]
    for out in _outputs(case.func(*args)):
        assert array_api_compat.array_namespace(out) is xp
        assert out.dtype == dtype
        assert _xp.device(out) == _xp.device(first)
        assert out.shape == first.shape
        assert bool(xp.all(xp.isfinite(out)))


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_float32_in_float32_out(case, xp, device):
    args = _convert(case.make_args(np.random.default_rng(1)), xp, xp.float32, device)
    for out in _outputs(case.func(*args)):
        assert out.dtype == xp.float32


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_integers_are_promoted(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    host = case.make_args(np.random.default_rng(2))
    ints = tuple(
        np.ceil(np.abs(a) + 1).astype(np.int64) if isinstance(a, np.ndarray) else a for a in host
    )  # positive integers: valid for every argument
    args = [xp.asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in ints]
    for out in _outputs(case.func(*args)):
        assert out.dtype == dtype


# ------------------------------------------------------------------------- bad input
def _bad_variants(a: np.ndarray, min_ndim: int) -> list[tuple[Any, type[Exception], str]]:
    nan = a.copy()
    nan[0] = np.nan
    inf = a.copy()
    inf[-1] = -np.inf
    out = [
        (a > 0, TypeError, "must be a real numeric array"),
        (a + 0j, TypeError, "must be a real numeric array"),
        (a.astype(object), TypeError, "must be a numeric array"),
        (a.astype(str), TypeError, "must be a numeric array"),
        (a[:0], ValueError, "must not be empty"),
        (nan, ValueError, "must be finite"),
        (inf, ValueError, "must be finite"),
    ]
    if min_ndim >= 1:
        out.append((np.asarray(a[0]), ValueError, "must have at least 1 dimension"))
    return out


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_bad_arrays_raise_naming_the_argument(case):
    host = case.make_args(np.random.default_rng(3))
    for pos, name, min_ndim in case.arrays:
        for bad, exc, text in _bad_variants(host[pos], min_ndim):
            with pytest.raises(exc, match=f"^{name} {text}"):
                case.func(*_with(host, pos, bad))


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_bad_arrays_raise_in_every_namespace(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    host = case.make_args(np.random.default_rng(4))
    args = _convert(host, xp, dtype, device)
    for pos, name, _ in case.arrays:
        bad_bool = xp.asarray(host[pos] > 0, device=device)
        with pytest.raises(TypeError, match=f"^{name} must be a real numeric array"):
            case.func(*_with(tuple(args), pos, bad_bool))
        nan = host[pos].copy()
        nan[1] = np.nan
        with pytest.raises(ValueError, match=f"^{name} must be finite"):
            case.func(*_with(tuple(args), pos, xp.asarray(nan, dtype=dtype, device=device)))


@pytest.mark.parametrize(
    "case", [c for c in PUBLIC_CASES if len(c.arrays) > 1], ids=lambda c: c.name
)
def test_mixed_namespaces_raise(case):
    host = case.make_args(np.random.default_rng(5))
    for pos, _, _ in case.arrays[1:]:
        mixed = _with(host, pos, array_api_strict.asarray(host[pos]))
        with pytest.raises(TypeError, match="one array namespace"):
            case.func(*mixed)


def test_not_an_array_raises():
    for case in PUBLIC_CASES:
        host = case.make_args(np.random.default_rng(6))
        pos = case.arrays[0][0]
        with pytest.raises(TypeError, match="expected an array"):
            case.func(*_with(host, pos, {"not": "an array"}))


# --------------------------------------------------------------------------- mutation
@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_never_mutates_inputs(case):
    args = case.make_args(np.random.default_rng(0))  # NumPy arrays
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    saved = [a.copy() for a in arrays]
    for writeable in (False, True):  # read-only first: writes raise
        for a in arrays:
            a.flags.writeable = writeable
        case.func(*args)
    for a, s in zip(arrays, saved, strict=True):
        np.testing.assert_array_equal(a, s)
