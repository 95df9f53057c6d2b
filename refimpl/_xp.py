"""Array API helpers: namespaces, dtypes, devices, input checks, host RNG, and shims.

Everything in ``refimpl`` that touches a user's array goes through this module or through
``xp.*`` of the array's own namespace (ARCHITECTURE.md, "Array API first"). What the standard
lacks gets exactly one shim here, with one documented route per namespace:

=============  ==========================  ===============================  ====================
shim           numpy                       cupy                             other (strict, torch,
                                                                            jax, ...)
=============  ==========================  ===============================  ====================
``wofz``       ``scipy.special.wofz``      the generic route (cupyx has     Weideman (1994)
                                           no complex ``wofz``; checked     rational series
                                           on an H200, cupyx 14.2)          (N = 36) for |z| < 8,
                                                                            Laplace continued
                                                                            fraction beyond;
                                                                            relative error
                                                                            < 1e-12 vs scipy
``erf``,       ``scipy.special.erf``,      ``cupyx.scipy.special.erf``,     torch, jax: their
``erfc``       ``erfc``                    ``erfc``                         ``special`` module;
(``ndtr`` =                                                                 other: ``erfc(x) =
``erfc(-x/                                                                  exp(-x^2) w(ix)``
sqrt 2)/2``)                                                                (x >= 0) through
                                                                            ``wofz``, a Taylor
                                                                            series for
                                                                            ``|x| < 0.5``
``einsum``     ``numpy.einsum``             ``cupy.einsum``                  torch, jax: their own
               (``optimize=True``)                                          ``einsum``; other:
                                                                            broadcast
                                                                            multiply + ``xp.sum``
                                                                            (correct, memory
                                                                            O(product of all
                                                                            index sizes))
=============  ==========================  ===============================  ====================

Host transfers happen only in :func:`to_host` (used for value checks on eager arrays and for
tables) and in :func:`from_host` (host tables and host random numbers moved to the caller's
namespace, dtype and device).
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Sequence
from typing import Any

import array_api_compat as compat
import array_api_extra as xpx
import numpy as np

Array = Any
Namespace = Any

__all__ = [
    "Array",
    "Namespace",
    "as_arrays",
    "check_choice",
    "check_finite",
    "check_nonempty",
    "checked_real",
    "complex_dtype",
    "creation_namespace",
    "default_float",
    "device",
    "einsum",
    "eps",
    "erf",
    "erfc",
    "finite_float",
    "from_host",
    "haar_stiefel",
    "is_eager",
    "namespace_name",
    "ndtr",
    "nonnegative_float",
    "nonnegative_int",
    "normalize_axis",
    "positive_float",
    "positive_int",
    "random_normal",
    "real_floating",
    "rng",
    "to_host",
    "wofz",
]


# --------------------------------------------------------------------------------------
# namespaces and devices
# --------------------------------------------------------------------------------------
def _describe(a: object) -> str:
    mod = type(a).__module__.split(".")[0]
    return f"{mod}.{type(a).__name__}"


def as_arrays(*arrays: Any) -> tuple[Namespace, tuple[Array, ...]]:
    """Return ``(xp, arrays)``: the common Array API namespace of the inputs and the inputs.

    Lists, tuples and Python scalars become NumPy arrays. Arrays from different namespaces,
    or on different devices, raise ``TypeError``.
    """
    converted = []
    for a in arrays:
        if compat.is_array_api_obj(a):
            converted.append(a)
        elif isinstance(a, list | tuple | numbers.Number):
            converted.append(np.asarray(a))
        else:
            msg = f"expected an array (or a list/scalar); got {_describe(a)}"
            raise TypeError(msg)
    try:
        xp = compat.array_namespace(*converted)
    except TypeError as exc:
        kinds = sorted({_describe(a) for a in converted})
        msg = f"all array arguments must come from one array namespace; got {', '.join(kinds)}"
        raise TypeError(msg) from exc
    if len(converted) > 1:
        devs = [compat.device(a) for a in converted]
        if any(d != devs[0] for d in devs[1:]):
            msg = f"all array arguments must be on one device; got {devs}"
            raise TypeError(msg)
    return xp, tuple(converted)


def device(x: Array) -> Any:
    """The device of ``x`` (``array_api_compat.device``)."""
    return compat.device(x)


def namespace_name(xp: Namespace) -> str:
    """A short stable name for a namespace: numpy, cupy, torch, jax, array_api_strict, ..."""
    if compat.is_numpy_namespace(xp):
        return "numpy"
    if compat.is_cupy_namespace(xp):
        return "cupy"
    if compat.is_torch_namespace(xp):
        return "torch"
    if compat.is_jax_namespace(xp):
        return "jax"
    if compat.is_array_api_strict_namespace(xp):
        return "array_api_strict"
    return str(getattr(xp, "__name__", type(xp).__name__))


def is_eager(x: Array) -> bool:
    """True when values of ``x`` can be inspected (not a JAX tracer or other lazy array)."""
    return not compat.is_lazy_array(x)


# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------
def default_float(xp: Namespace, dev: Any = None) -> Any:
    """The default real floating dtype of ``xp`` on device ``dev`` (float32 where float64
    is unavailable, e.g. array_api_strict's ``no_float64`` device)."""
    return xpx.default_dtype(xp, device=dev)


def complex_dtype(xp: Namespace, real_dtype: Any) -> Any:
    """complex64 for float32, complex128 for float64."""
    return xp.complex64 if real_dtype == xp.float32 else xp.complex128


def eps(xp: Namespace, dtype: Any) -> float:
    """Machine epsilon of ``dtype`` as a Python float (complex: of its real part)."""
    if xp.isdtype(dtype, "complex floating"):
        dtype = xp.float32 if dtype == xp.complex64 else xp.float64
    return float(xp.finfo(dtype).eps)


def real_floating(x: Array, /, *, name: str, xp: Namespace) -> Array:
    """Check that ``x`` is real numeric; promote integers to the default float.

    Floating arrays keep their dtype. ``bool``, complex and non-numeric dtypes raise
    ``TypeError`` naming the argument.
    """
    dtype = x.dtype
    if xp.isdtype(dtype, "real floating"):
        return x
    if xp.isdtype(dtype, "integral"):
        return xp.astype(x, default_float(xp, device(x)))
    if xp.isdtype(dtype, "bool"):
        kind = "bool"
    elif xp.isdtype(dtype, "complex floating"):
        kind = "complex"
    else:
        kind = "non-numeric"
    msg = f"{name} must be a real numeric array (integer or real floating); got {kind} {dtype}"
    raise TypeError(msg)


# numpy object/string arrays are not valid inputs to xp.isdtype; catch them early.
def _reject_non_numeric(x: Array, name: str) -> None:
    if isinstance(x, np.ndarray) and x.dtype.kind not in "biufc":
        msg = f"{name} must be a numeric array; got dtype {x.dtype}"
        raise TypeError(msg)


def floating(x: Array, /, *, name: str, xp: Namespace) -> Array:
    """Check that ``x`` is real or complex numeric; promote integers to the default float.

    Real and complex floating arrays keep their dtype. ``bool`` and non-numeric dtypes raise
    ``TypeError`` naming the argument (the complex-accepting sibling of :func:`real_floating`).
    """
    _reject_non_numeric(x, name)
    if xp.isdtype(x.dtype, "complex floating"):
        return x
    if xp.isdtype(x.dtype, "bool"):
        msg = f"{name} must be a real numeric array or a complex floating array; got bool"
        raise TypeError(msg)
    return real_floating(x, name=name, xp=xp)


def checked_numeric(
    x: Array, /, *, name: str, xp: Namespace, min_ndim: int = 1, finite: bool = True
) -> Array:
    """:func:`checked_real` for real *or complex* data: :func:`floating`, at least
    ``min_ndim`` dimensions (ValueError), non-empty, and finite when ``finite``."""
    return _checked_shape(floating(x, name=name, xp=xp), name, xp, min_ndim, finite)


def checked_real(
    x: Any, /, *, name: str, xp: Namespace, min_ndim: int = 1, finite: bool = True
) -> Array:
    """Common entry check for a real-valued array argument.

    Rejects non-numeric, bool and complex dtypes (``TypeError``), arrays with fewer than
    ``min_ndim`` dimensions or with no elements (``ValueError``), and, on eager arrays when
    ``finite`` is true, NaN or infinite values (``ValueError``). Integers are promoted.
    """
    _reject_non_numeric(x, name)
    return _checked_shape(real_floating(x, name=name, xp=xp), name, xp, min_ndim, finite)


def _checked_shape(x: Array, name: str, xp: Namespace, min_ndim: int, finite: bool) -> Array:
    """The shared tail of :func:`checked_real` and :func:`checked_numeric`: at least
    ``min_ndim`` dimensions, non-empty, finite when ``finite`` (ValueError naming ``name``)."""
    if x.ndim < min_ndim:
        msg = f"{name} must have at least {min_ndim} dimension(s); got shape {tuple(x.shape)}"
        raise ValueError(msg)
    check_nonempty(x, name=name)
    if finite:
        check_finite(x, name=name, xp=xp)
    return x


def check_nonempty(x: Array, /, *, name: str) -> None:
    """Raise ``ValueError`` if ``x`` has no elements."""
    if any(s == 0 for s in x.shape):
        msg = f"{name} must not be empty; got shape {tuple(x.shape)}"
        raise ValueError(msg)


def check_finite(x: Array, /, *, name: str, xp: Namespace) -> None:
    """Raise ``ValueError`` if an eager ``x`` holds NaN or infinity (lazy arrays: no-op)."""
    if not is_eager(x):
        return
    ok = bool(xp.all(xp.isfinite(x)))
    if not ok:
        n_bad = int(xp.sum(xp.astype(~xp.isfinite(x), xp.int64)))
        msg = f"{name} must be finite; got {n_bad} NaN or infinite value(s)"
        raise ValueError(msg)


def normalize_axis(axis: Any, ndim: int, /, *, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative int in ``[0, ndim)``; ``TypeError``/``ValueError``."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        msg = f"{name} must be an int; got {type(axis).__name__}"
        raise TypeError(msg)
    axis = int(axis)
    if not -ndim <= axis < ndim:
        msg = f"{name} must be in [-{ndim}, {ndim}) for a {ndim}-D array; got {axis}"
        raise ValueError(msg)
    return axis % ndim


def check_choice(value: Any, choices: Sequence[str], /, *, name: str) -> str:
    """Raise ``ValueError`` unless ``value`` is one of ``choices`` (a str option)."""
    if not isinstance(value, str) or value not in choices:
        msg = f"{name} must be one of {sorted(choices)}; got {value!r}"
        raise ValueError(msg)
    return value


def _real_number(value: Any, name: str, expectation: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        msg = f"{name} must be a {expectation} real number; got {type(value).__name__}"
        raise TypeError(msg)
    return float(value)


def finite_float(value: Any, /, *, name: str) -> float:
    """A finite Python float (any sign), else ``TypeError``/``ValueError``."""
    v = _real_number(value, name, "finite")
    if not math.isfinite(v):
        msg = f"{name} must be a finite real number; got {value!r}"
        raise ValueError(msg)
    return v


def positive_float(value: Any, /, *, name: str) -> float:
    """A finite, strictly positive Python float, else ``TypeError``/``ValueError``."""
    v = _real_number(value, name, "positive")
    if not (math.isfinite(v) and v > 0):
        msg = f"{name} must be a finite positive number; got {value!r}"
        raise ValueError(msg)
    return v


def nonnegative_float(value: Any, /, *, name: str) -> float:
    """A finite Python float >= 0, else ``TypeError``/``ValueError``."""
    v = _real_number(value, name, "non-negative")
    if not (math.isfinite(v) and v >= 0):
        msg = f"{name} must be a finite non-negative number; got {value!r}"
        raise ValueError(msg)
    return v


def nonnegative_int(value: Any, /, *, name: str) -> int:
    """A Python int >= 0 (bools rejected), else ``TypeError``/``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{name} must be a non-negative int; got {type(value).__name__} {value!r}"
        raise TypeError(msg)
    if value < 0:
        msg = f"{name} must be a non-negative int; got {value}"
        raise ValueError(msg)
    return int(value)


def positive_int(value: Any, /, *, name: str) -> int:
    """A Python int >= 1 (bools rejected), else ``TypeError``/``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        msg = f"{name} must be a positive int; got {type(value).__name__}"
        raise TypeError(msg)
    if value < 1:
        msg = f"{name} must be a positive int; got {value}"
        raise ValueError(msg)
    return int(value)


def creation_namespace(xp: Any = None, /) -> Namespace:
    """The Array API namespace for a creation function's ``xp=`` argument.

    ``None`` means NumPy; a namespace is returned as is; a raw module such as ``torch`` or
    ``cupy`` is wrapped by array-api-compat. Anything else raises ``TypeError``.
    """
    if xp is None:
        xp = np
    try:
        return compat.array_namespace(xp.empty(0))
    except (AttributeError, TypeError) as exc:
        msg = f"xp must be an array namespace (a module such as numpy or torch); got {xp!r}"
        raise TypeError(msg) from exc


# --------------------------------------------------------------------------------------
# host <-> device
# --------------------------------------------------------------------------------------
def to_host(x: Array) -> np.ndarray:
    """A NumPy copy of ``x`` (CuPy ``.get()``, torch ``.cpu()``, DLPack otherwise)."""
    if isinstance(x, np.ndarray):
        return np.array(x, copy=True)
    if compat.is_cupy_array(x):
        return np.asarray(x.get())
    if compat.is_torch_array(x):
        return np.array(x.detach().cpu().numpy(), copy=True)
    try:
        return np.array(np.from_dlpack(x), copy=True)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.array(x, copy=True)


def from_host(a: Any, /, *, xp: Namespace, dtype: Any = None, device: Any = None) -> Array:
    """Move a host (NumPy) array to ``xp`` with ``dtype`` on ``device``; always a copy."""
    a = np.asarray(a)
    if dtype is None:
        dtype = default_float(xp, device) if a.dtype.kind == "f" else None
    if a.ndim == 0 and compat.is_torch_namespace(xp):
        # torch.asarray(0-D float64 ndarray, dtype=float32, copy=True) raises "can't alias
        # tensor with dtype 'Double' into dtype 'Float'" (torch 2.13); go through 1-D
        return xp.reshape(xp.asarray(a.reshape(1), dtype=dtype, device=device, copy=True), ())
    return xp.asarray(a, dtype=dtype, device=device, copy=True)


def rng(seed: Any = None) -> np.random.Generator:
    """``numpy.random.default_rng(seed)`` with a clear ``TypeError`` for bad seeds.

    Accepts a ``numpy.random.Generator`` (returned as is), an int, or ``None``.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return np.random.default_rng(None if seed is None else int(seed))
    msg = f"rng must be a numpy.random.Generator, an int or None; got {type(seed).__name__}"
    raise TypeError(msg)


def random_normal(
    gen: np.random.Generator,
    shape: tuple[int, ...],
    /,
    *,
    xp: Namespace,
    dtype: Any = None,
    device: Any = None,
) -> Array:
    """Standard normal samples drawn on the host in float64, then moved to ``xp``/``device``."""
    return from_host(gen.standard_normal(shape), xp=xp, dtype=dtype, device=device)


def haar_stiefel(gen: np.random.Generator, n: int, k: int, /) -> np.ndarray:
    """``k`` Haar-distributed orthonormal columns in ``R^n`` (host float64, shape (n, k)).

    QR of an ``n x k`` standard Gaussian matrix with column ``j`` scaled by ``sign(R_jj)``
    (Mezzadri, Notices AMS 54, 2007, arXiv:math-ph/0609050, Sec. 5; without the sign fix
    LAPACK's ``Q`` is not Haar). ``k = n`` gives Haar on O(n). Callers move the result with
    :func:`from_host`; the draw consumes exactly ``n * k`` normals from ``gen``.
    """
    q, r = np.linalg.qr(gen.standard_normal((n, k)))
    return q * np.where(np.diagonal(r) < 0, -1.0, 1.0)


# --------------------------------------------------------------------------------------
# special functions
# --------------------------------------------------------------------------------------
_WOFZ_N = 36  # Weideman series length; rel. error < 1e-13 for |z| < 8 (tests/test_xp.py)
_WOFZ_SWITCH = 8.0  # beyond this |z| the continued fraction is used
_WOFZ_CF_TERMS = 40  # continued-fraction depth; rel. error < 1e-15 for |z| >= 8


@functools.cache
def _weideman_coefficients(n: int) -> tuple[float, tuple[float, ...]]:
    """Weideman (1994), SIAM J. Numer. Anal. 31, 1497, Eq. (3.4)-(3.6): the coefficients
    a_n of w(z) = 2 p(Z)/(L - iz)^2 + 1/(sqrt(pi)(L - iz)), Z = (L + iz)/(L - iz)."""
    m = 2 * n
    m2 = 2 * m
    k = np.arange(-m + 1, m)
    big_l = math.sqrt(n / math.sqrt(2.0))
    theta = k * math.pi / m
    t = big_l * np.tan(theta / 2)
    f = np.concatenate(([0.0], np.exp(-(t**2)) * (big_l**2 + t**2)))
    a = np.real(np.fft.fft(np.fft.fftshift(f))) / m2
    coeffs = a[1 : n + 1][::-1]  # highest power first, for Horner
    return big_l, tuple(float(c) for c in coeffs)


def _wofz_upper(z: Array, xp: Namespace) -> Array:
    """w(z) for Im z >= 0 in pure Array API arithmetic (both branches, merged by where)."""
    big_l, coeffs = _weideman_coefficients(_WOFZ_N)
    az = xp.abs(z)
    small = az < _WOFZ_SWITCH
    # Weideman branch on |z| < switch (inputs outside are replaced by 0 to avoid overflow)
    zs = xp.where(small, z, xp.zeros_like(z))
    denom = big_l - 1j * zs
    zz = (big_l + 1j * zs) / denom
    p = xp.zeros_like(zs)
    for c in coeffs:
        p = p * zz + c
    w_small = 2.0 * p / (denom * denom) + (1.0 / math.sqrt(math.pi)) / denom
    # Laplace continued fraction w(z) = (i/sqrt(pi)) / (z - (1/2)/(z - 1/(z - (3/2)/(z - ...))))
    zl = xp.where(small, xp.full_like(z, _WOFZ_SWITCH), z)
    tail = zl
    for k in range(_WOFZ_CF_TERMS, 0, -1):
        tail = zl - (k / 2.0) / tail
    w_large = (1j / math.sqrt(math.pi)) / tail
    return xp.where(small, w_small, w_large)


def wofz(z: Array, /) -> Array:
    """Faddeeva function w(z) = exp(-z^2) erfc(-iz), elementwise.

    Route per namespace: NumPy ``scipy.special.wofz``; any other namespace (CuPy, whose
    ``cupyx.scipy.special`` has no complex Faddeeva function, array_api_strict, torch, jax,
    ...) a pure Array API evaluation:
    Weideman's rational series with N = 36 terms for |z| < 8 and the Laplace continued
    fraction (40 levels) beyond, for Im z >= 0; Im z < 0 uses w(z) = 2 exp(-z^2) - w(-z)
    (which overflows, like scipy, far below the real axis). Real inputs are cast to the
    matching complex dtype. Accuracy of the generic route: relative error < 1e-12 against
    ``scipy.special.wofz`` for |z| <= 1e3, Im z >= 0 in complex128 (tests/test_xp.py).

    References
    ----------
    .. [1] J. A. C. Weideman, "Computation of the complex error function", SIAM J. Numer.
       Anal. 31, 1497 (1994), Eq. (3.4)-(3.6).
    .. [2] Briscoe et al., arXiv:2403.00950 (Voigt line shapes of the Rb susceptibility).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import wofz
    >>> bool(np.isclose(wofz(np.asarray(0j)), 1.0))
    True
    """
    xp, (z,) = as_arrays(z)
    if not xp.isdtype(z.dtype, "complex floating"):
        z = real_floating(z, name="z", xp=xp)
        z = xp.astype(z, complex_dtype(xp, z.dtype))
    if compat.is_numpy_namespace(xp):
        import scipy.special

        return np.asarray(scipy.special.wofz(z), dtype=z.dtype)
    upper = xp.imag(z) >= 0
    zu = xp.where(upper, z, -z)
    w = _wofz_upper(zu, xp)
    zr = xp.where(upper, xp.zeros_like(z), zu)  # exp(-z^2) only where it is used
    reflected = 2.0 * xp.exp(-(zr * zr)) - w
    return xp.where(upper, w, reflected)


_ERF_TAYLOR_TERMS = 14  # |x| < 0.5: the 14th term is < 0.25^14 / 14! ~ 4e-20 of x


def _special(name: str, x: Array, xp: Namespace) -> Array | None:
    """The namespace's own implementation of ``scipy.special.<name>``, or None."""
    if compat.is_numpy_namespace(xp):
        import scipy.special

        return np.asarray(getattr(scipy.special, name)(x), dtype=x.dtype)
    if compat.is_torch_namespace(xp):
        import torch

        return getattr(torch.special, name)(x)
    if compat.is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupyx.scipy.special

        return getattr(cupyx.scipy.special, name)(x)
    if compat.is_jax_namespace(xp):  # pragma: no cover - optional
        import jax.scipy.special

        return getattr(jax.scipy.special, name)(x)
    return None


def _erfc_generic(x: Array, xp: Namespace) -> Array:
    """erfc(x) = exp(-x^2) w(i x) for x >= 0 (w(iy) is real: erfcx), 2 - erfc(-x) below."""
    ax = xp.abs(x)
    w = xp.real(wofz(xp.astype(ax, complex_dtype(xp, x.dtype)) * 1j))
    upper = xp.exp(-(ax * ax)) * w
    return xp.where(x >= 0, upper, 2.0 - upper)


def _special_input(x: Array, name: str) -> tuple[Namespace, Array]:
    xp, (x,) = as_arrays(x)
    return xp, real_floating(x, name=name, xp=xp)


def erfc(x: Array, /) -> Array:
    """Complementary error function ``erfc(x) = 1 - erf(x)``, elementwise, for real ``x``.

    Route per namespace: NumPy ``scipy.special.erfc``; CuPy ``cupyx.scipy.special.erfc``;
    torch ``torch.special.erfc``; jax ``jax.scipy.special.erfc``; any other namespace
    (array_api_strict, ...) ``erfc(x) = exp(-x^2) Re w(ix)`` for ``x >= 0`` through
    :func:`wofz` (relative error < 1e-12 in float64, also deep in the tail) and
    ``2 - erfc(-x)`` for ``x < 0``. Integers are promoted to the default float.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import erfc
    >>> float(erfc(np.asarray(0.0)))
    1.0
    """
    xp, x = _special_input(x, "x")
    out = _special("erfc", x, xp)
    return _erfc_generic(x, xp) if out is None else out


def erf(x: Array, /) -> Array:
    """Error function ``erf(x) = 2/sqrt(pi) int_0^x exp(-t^2) dt``, elementwise, real ``x``.

    Route per namespace as :func:`erfc`; the generic route uses the Maclaurin series
    ``erf(x) = 2/sqrt(pi) sum_k (-1)^k x^(2k+1) / (k! (2k+1))`` for ``|x| < 0.5`` (full
    relative accuracy near 0) and ``sign(x) (1 - erfc(|x|))`` beyond.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import erf
    >>> round(float(erf(np.asarray(1.0))), 12)
    0.84270079295
    """
    xp, x = _special_input(x, "x")
    out = _special("erf", x, xp)
    if out is not None:
        return out
    ax = xp.abs(x)
    small = ax < 0.5
    xs = xp.where(small, x, xp.zeros_like(x))
    x2 = xs * xs
    term = xs
    series = xs
    for k in range(1, _ERF_TAYLOR_TERMS):
        term = -term * x2 / k
        series = series + term / (2 * k + 1)
    series = (2.0 / math.sqrt(math.pi)) * series
    big = xp.sign(x) * (1.0 - _erfc_generic(ax, xp))
    return xp.where(small, series, big)


def ndtr(x: Array, /) -> Array:
    """Standard normal CDF ``Phi(x) = erfc(-x / sqrt(2)) / 2``, elementwise, for real ``x``.

    Every namespace computes ``erfc(-x/sqrt(2)) / 2`` with :func:`erfc`'s route: accurate in
    both tails (no cancellation). ``torch.special.ndtr`` is not used: it returns 0 below
    ``x ~ -8.5`` in float64 (torch 2.13: ndtr(-9) = 0), where ``Phi(x) ~ 6e-16`` is representable.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import ndtr
    >>> float(ndtr(np.asarray(0.0)))
    0.5
    """
    _, x = _special_input(x, "x")
    return 0.5 * erfc(-x / math.sqrt(2.0))


# --------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------
def _parse_einsum(subscripts: str, ndims: Sequence[int]) -> tuple[list[str], str]:
    """Explicit ``(inputs, output)`` index strings, ellipses expanded to unused letters."""
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs, out = spec, None
    terms = lhs.split(",")
    if len(terms) != len(ndims):
        msg = f"einsum subscripts name {len(terms)} operand(s); got {len(ndims)} array(s)"
        raise ValueError(msg)
    used = set(spec) - {".", ",", "-", ">"}
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    n_ell = max(
        (nd - len(t.replace("...", "")) for t, nd in zip(terms, ndims, strict=True) if "..." in t),
        default=0,
    )
    ell = "".join(spare[:n_ell])
    expanded = []
    for t, nd in zip(terms, ndims, strict=True):
        if "..." in t:
            k = nd - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k :] if k else "")
        if len(t) != nd:
            msg = f"einsum term {t!r} does not match an operand with {nd} dimension(s)"
            raise ValueError(msg)
        expanded.append(t)
    if out is None:
        counts: dict[str, int] = {}
        for t in expanded:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return expanded, out


def _einsum_generic(xp: Namespace, subscripts: str, operands: Sequence[Array]) -> Array:
    terms, out = _parse_einsum(subscripts, [op.ndim for op in operands])
    letters: list[str] = []
    for t in [*terms, out]:
        for c in t:
            if c not in letters:
                letters.append(c)
    product = None
    for t, op in zip(terms, operands, strict=True):
        # repeated indices within one term (a diagonal) are not needed by refimpl: refuse
        if len(set(t)) != len(t):
            msg = f"einsum: repeated index within one operand ({t!r}) is not supported here"
            raise ValueError(msg)
        perm = tuple(sorted(range(len(t)), key=lambda i: letters.index(t[i])))
        arr = xp.permute_dims(op, perm) if perm != tuple(range(len(t))) else op
        present = sorted(t, key=letters.index)
        shape = []
        it = iter(arr.shape)
        for c in letters:
            shape.append(next(it) if c in present else 1)
        arr = xp.reshape(arr, tuple(shape))
        product = arr if product is None else product * arr
    assert product is not None
    summed = tuple(i for i, c in enumerate(letters) if c not in out)
    if summed:
        product = xp.sum(product, axis=summed)
    remaining = [c for c in letters if c in out]
    perm = tuple(remaining.index(c) for c in out)
    return xp.permute_dims(product, perm) if perm != tuple(range(len(perm))) else product


def einsum(subscripts: str, /, *operands: Array) -> Array:
    """Einstein summation over arrays of one namespace (the standard has no ``einsum``).

    Route per namespace: NumPy ``numpy.einsum(..., optimize=True)``; CuPy ``cupy.einsum``;
    torch ``torch.einsum``; JAX ``jax.numpy.einsum``; any other namespace (array_api_strict)
    a generic broadcast-multiply-and-sum (correct, but its memory is the product of all index
    sizes: fine for tests, not for large contractions). Ellipses are supported; an index
    repeated inside one operand (a diagonal) is not, on the generic route.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import einsum
    >>> a, b = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    >>> einsum("ij,j->i", a, b).tolist()
    [5.0, 14.0]
    """
    xp, ops = as_arrays(*operands)
    if compat.is_numpy_namespace(xp):
        return np.einsum(subscripts, *ops, optimize=True)
    if compat.is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupy

        return cupy.einsum(subscripts, *ops)
    if compat.is_torch_namespace(xp):
        import torch

        return torch.einsum(subscripts, *ops)
    if compat.is_jax_namespace(xp):  # pragma: no cover - optional
        import jax.numpy as jnp

        return jnp.einsum(subscripts, *ops)
    return _einsum_generic(xp, subscripts, ops)


def qr_r(a: Array, /) -> Array:
    """The ``R`` factor of the reduced QR factorisation of ``a`` (shape (..., m, n) ->
    (..., k, n), ``k = min(m, n)``), without forming ``Q``.

    The standard's ``linalg.qr`` always returns ``Q`` (``m x k``, the size of ``a``), which
    dominates the memory and time of tall factorisations (``m >> n``). Route per namespace:
    NumPy ``numpy.linalg.qr(mode="r")``; CuPy ``cupy.linalg.qr(mode="r")``; torch
    ``torch.linalg.qr(mode="r")``; any other namespace ``xp.linalg.qr(a)[1]`` (same ``R``,
    ``Q`` formed and discarded). ``R`` is unique up to the signs (phases) of its rows; every
    route uses Householder reflections (LAPACK ``geqrf``), so the routes agree in sign too.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import qr_r
    >>> a = np.array([[3.0, 1.0], [4.0, 2.0], [0.0, 2.0]])
    >>> r = qr_r(a)
    >>> r.shape, bool(np.allclose(r.T @ r, a.T @ a))
    ((2, 2), True)
    """
    xp, (a,) = as_arrays(a)
    if compat.is_numpy_namespace(xp):
        return np.linalg.qr(a, mode="r")
    if compat.is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupy

        return cupy.linalg.qr(a, mode="r")
    if compat.is_torch_namespace(xp):
        import torch

        return torch.linalg.qr(a, mode="r")[1]
    return xp.linalg.qr(a, mode="reduced")[1]


def eig(a: Array, /) -> tuple[Array, Array]:
    """Eigenvalues and right eigenvectors (columns, unit 2-norm) of square matrices
    (..., n, n); the standard has only the Hermitian ``eigh``.

    Route per namespace: NumPy ``numpy.linalg.eig``; torch ``torch.linalg.eig``; CuPy
    ``cupy.linalg.eig`` where it exists (CuPy >= 14); any other namespace (array_api_strict,
    JAX, older CuPy): a host round trip through :func:`to_host` / :func:`from_host` (results
    in ``a``'s dtype, which should be complex: real input gives complex eigenpairs on the
    NumPy and torch routes).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl._xp import eig
    >>> vals, vecs = eig(np.array([[2.0, 0.0], [0.0, 3.0]], dtype=complex))
    >>> vals.real.tolist()
    [2.0, 3.0]
    """
    xp, (a,) = as_arrays(a)
    if compat.is_numpy_namespace(xp):
        vals, vecs = np.linalg.eig(a)
        return vals, vecs
    if compat.is_torch_namespace(xp):
        import torch

        vals, vecs = torch.linalg.eig(a)
        return vals, vecs
    if compat.is_cupy_namespace(xp):  # pragma: no cover - needs a GPU
        import cupy

        if hasattr(cupy.linalg, "eig"):  # CuPy >= 14; older CuPy: the host route below
            vals, vecs = cupy.linalg.eig(a)
            return vals, vecs
    vals_h, vecs_h = np.linalg.eig(to_host(a))
    dev = device(a)
    return (
        from_host(vals_h, xp=xp, dtype=a.dtype, device=dev),
        from_host(vecs_h, xp=xp, dtype=a.dtype, device=dev),
    )
