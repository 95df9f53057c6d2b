r"""Discrete Hilbert transforms of sampled real signals (the Kramers-Kronig kernel).

Two methods share scipy's sign convention,

.. math:: H[f](y) = \frac{1}{\pi}\,\mathrm{p.v.}\!\int_{-\infty}^{\infty} \frac{f(x)}{y - x}\,dx,

so that :math:`H[\cos] = \sin` and :math:`H[1/(1+x^2)] = x/(1+x^2)`:

* ``method="line"`` (the default, for spectra on a finite scan window): the samples are the
  knots of a piecewise-linear function that is zero outside the window, and its Hilbert
  transform is evaluated *exactly* at the knots by a zero-padded FFT linear convolution;
* ``method="fft"``: the periodic analytic-signal route, equal to
  ``scipy.signal.hilbert(f).imag``.

Both routes need only ``xp.fft.rfft``/``xp.fft.irfft`` of the caller's namespace; their
constant tables are computed once per length on the host in float64, cached read-only, and
moved to the caller's device and dtype.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import array_api_compat as compat
import numpy as np
import scipy.fft

from refimpl import _xp

__all__ = ["hilbert_transform"]

Array = Any

_METHODS = ("fft", "line")
_TABLE_CACHE_SIZE = 16  # tables are up to 16 (L/2 + 1) bytes each; bound the cache


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _line_weights(n: int) -> np.ndarray:
    r"""Exact hat-function weights :math:`w_m`, m = 0..n-1 (float64, read-only).

    :math:`\pi w_m = (1+m)\ln|1+m| - (1-m)\ln|1-m| - 2m\ln|m|`, evaluated for m >= 2 in the
    cancellation-free form :math:`m\,\mathrm{log1p}(-1/m^2) + 2\,\mathrm{artanh}(1/m)`
    (the direct form loses ~log10(m^2) digits); :math:`w_0 = 0`, :math:`w_1 = 2\ln 2/\pi`.
    """
    w = np.zeros(n)
    if n > 1:
        w[1] = 2.0 * math.log(2.0)
    if n > 2:
        m = np.arange(2, n, dtype=np.float64)
        w[2:] = m * np.log1p(-1.0 / (m * m)) + 2.0 * np.arctanh(1.0 / m)
    w /= math.pi
    w.flags.writeable = False
    return w


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _line_kernel_spectrum(n: int) -> tuple[int, np.ndarray]:
    """``(L, K)``: the padded length L >= 2n - 1 and ``rfft`` of the odd circular kernel.

    The kernel holds w_m at index m and -w_m at index L - m (m = 1..n-1), zeros elsewhere,
    so that the circular convolution of length L equals the linear one on the first n
    outputs. A real odd sequence has a purely imaginary DFT; the real part (round-off) is
    set to zero exactly. complex128, read-only.
    """
    big_l = scipy.fft.next_fast_len(2 * n - 1, real=True)
    w = _line_weights(n)
    kernel = np.zeros(big_l)
    kernel[:n] = w
    if n > 1:
        kernel[big_l - n + 1 :] = -w[:0:-1]
    spec = 1j * np.fft.rfft(kernel).imag
    spec.flags.writeable = False
    return big_l, spec


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _analytic_multiplier(n: int) -> np.ndarray:
    """``-i sign(k)`` on the ``rfft`` frequencies of length n: -i for 0 < k < n/2, and 0 at
    DC and (n even) at Nyquist, as in ``scipy.signal.hilbert``. complex128, read-only."""
    mult = np.full(n // 2 + 1, -1j)
    mult[0] = 0.0
    if n % 2 == 0:
        mult[-1] = 0.0
    mult.flags.writeable = False
    return mult


def _table_on(xp: Any, table: np.ndarray, like: Array, axis: int) -> Array:
    """Move a cached complex host table to ``like``'s namespace/device/complex dtype, shaped
    to broadcast along ``axis``. NumPy complex128 shares the read-only table (never written)."""
    if compat.is_numpy_namespace(xp) and like.dtype == xp.complex128:
        arr = xp.asarray(table)
    else:
        arr = xp.asarray(table, dtype=like.dtype, device=_xp.device(like), copy=True)
    shape = [1] * like.ndim
    shape[axis] = table.shape[0]
    return xp.reshape(arr, tuple(shape))


def _take_leading(x: Array, n: int, axis: int) -> Array:
    """The first ``n`` entries of ``x`` along ``axis``."""
    idx = (slice(None),) * axis + (slice(0, n),)
    return x[(*idx, ...)]


def _hilbert(xp: Any, f: Array, axis: int, method: str) -> Array:
    """The transform of an already checked real floating ``f`` along a normalised ``axis``."""
    n = f.shape[axis]
    if method == "fft":
        spec = xp.fft.rfft(f, axis=axis)
        spec = spec * _table_on(xp, _analytic_multiplier(n), spec, axis)
        return xp.fft.irfft(spec, n=n, axis=axis)
    big_l, kernel = _line_kernel_spectrum(n)
    spec = xp.fft.rfft(f, n=big_l, axis=axis)
    spec = spec * _table_on(xp, kernel, spec, axis)
    return _take_leading(xp.fft.irfft(spec, n=big_l, axis=axis), n, axis)


def hilbert_transform(f: Array, /, *, axis: int = -1, method: str = "line") -> Array:
    r"""Hilbert transform of uniformly sampled real data along one axis.

    Parameters
    ----------
    f : array, shape (..., n, ...)
        Real samples on a uniform grid (integers are promoted to the default float).
        At least 1-D, non-empty and finite; any batch shape.
    axis : int, default -1
        The sampled axis.
    method : {"line", "fft"}, default "line"
        ``"line"``: ``f`` is the piecewise-linear interpolant of the samples, zero outside the
        window (it falls linearly to 0 one grid step beyond each end), and the result is its
        exact Hilbert transform at the grid points. ``"fft"``: the periodic (analytic-signal)
        transform, equal to ``scipy.signal.hilbert(f, axis=axis).imag``.

    Returns
    -------
    array, shape of ``f``
        :math:`H[f]` at the grid points, in ``f``'s namespace, floating dtype and device.

    Raises
    ------
    TypeError
        If ``f`` is bool, complex or non-numeric, if ``axis`` is not an int, or if ``f`` is
        not an array (or list/scalar).
    ValueError
        If ``f`` is 0-D, empty or holds NaN/inf, if ``axis`` is out of range, or if
        ``method`` is unknown.

    Notes
    -----
    **Convention** (scipy's): :math:`H[f](y) = \frac{1}{\pi}\,\mathrm{p.v.}\int f(x)/(y-x)\,dx`,
    so :math:`H[\cos] = \sin`, :math:`H[1/(1+x^2)] = x/(1+x^2)` and :math:`H\circ H = -I`.
    Texts using the kernel :math:`1/(x-y)` get the opposite sign.

    **Units.** :math:`H` commutes with dilations :math:`x \mapsto x/a` (:math:`a > 0`), so the
    result is the same for any grid spacing and needs no spacing argument: the samples may be
    given against detuning in MHz, rad/s or points. The grid must *increase* along ``axis``
    (a reversed grid flips the sign of the result).

    **Line method.** With :math:`\varphi` the unit hat function, :math:`f = \sum_k f_k
    \varphi(x - k)` and :math:`H[f]_j = \sum_k f_k w_{j-k}`, with the exact weights
    :math:`w_m = [(1+m)\ln|1+m| - (1-m)\ln|1-m| - 2m\ln|m|]/\pi` (:math:`0 \ln 0 = 0`;
    :math:`w_0 = 0`, :math:`w_{\pm 1} = \pm 2\ln 2/\pi`, :math:`w_m \to 1/(\pi m)`).
    The sum is a linear convolution computed with one ``rfft``/``irfft`` pair of length
    :math:`L \geq 2n - 1` (``scipy.fft.next_fast_len``), so nothing wraps around. It is exact
    to round-off for piecewise-linear data that vanish outside the window; for a smooth
    function the error is :math:`O(h^2)` plus the truncation of the tails outside the
    window (Lorentzian tails at half-window :math:`L`: error :math:`\approx +2y/(3\pi L^3)` at
    :math:`|y| \ll L`, and :math:`\sim L^{-2}\ln(L/h)` near the edges).

    **FFT method.** Multiplies the ``rfft`` by :math:`-i` for :math:`0 < k < n/2` and by 0 at
    DC and (even :math:`n`) at Nyquist, then ``irfft``: the imaginary part of scipy's analytic
    signal at half its cost. It treats the window as one period of a periodic signal, so on a
    finite scan window it is wrong at the :math:`O(y/L^2)` level (percent level on typical
    spectra): use it for periodic data, or zero-pad by hand. :math:`H[\text{const}] = 0` and,
    on signals without DC and Nyquist components, :math:`H \circ H = -I` exactly.

    Tables (weights' spectrum, analytic multiplier) are computed per length in float64 on the
    host, cached (16 lengths) read-only, and moved to ``f``'s device and complex dtype.
    Array API support: any namespace with ``fft.rfft``/``fft.irfft`` (tested: numpy,
    array_api_strict incl. its float32-only device, torch CPU).

    References
    ----------
    .. [1] J. D. Briscoe, D. Pizzey, S. A. Wrathmall, I. G. Hughes, "Indirect measurement
       of atomic magneto-optical rotation via Hilbert transform", arXiv:2403.00950 (2024):
       the refractive indices of Rb vapour at 0.6 T from absorption spectra alone (abstract:
       Rb thermal vapour, 0.6 T, Faraday and Voigt geometries). Its equation numbers and its
       sign convention for :math:`H` are not verified; see ``validation/hilbert_kk/README.md``.
    .. [2] K. A. Whittaker, J. Keaveney, I. G. Hughes, C. S. Adams, "The Hilbert transform:
       Applications to atomic spectra", Phys. Rev. A 91, 032513 (2015), arXiv:1411.6420
       (abstract: refractive and group indices of Cs vapour from transmission spectra).
       Equation numbers and sign convention not verified.
    .. [3] F. W. King, *Hilbert Transforms*, Vol. 1, Cambridge University Press (2009):
       definition, sign conventions and :math:`H \circ H = -I`.
    .. [4] refimpl documentation, "Hilbert transform and Kramers-Kronig" paper page
       (``docs/papers/hilbert_kk.rst``): derivation of the weights and error estimates.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import hilbert_transform
    >>> t = 2 * np.pi * np.arange(16) / 16
    >>> bool(np.allclose(hilbert_transform(np.cos(t), method="fft"), np.sin(t)))
    True
    >>> x = np.linspace(-50.0, 50.0, 20001)        # Lorentzian on a finite window
    >>> h = hilbert_transform(1 / (1 + x**2))       # method="line"
    >>> bool(np.max(np.abs(h - x / (1 + x**2))[np.abs(x) < 5]) < 1e-5)
    True
    """
    xp, (f,) = _xp.as_arrays(f)
    f = _xp.checked_real(f, name="f", xp=xp)
    ax = _xp.normalize_axis(axis, f.ndim, name="axis")
    _xp.check_choice(method, _METHODS, name="method")
    return _hilbert(xp, f, ax, method)
