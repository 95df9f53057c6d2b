r"""Spectral measures of measure-preserving systems from moments (autocorrelations).

For a measure-preserving map the Koopman operator ``K`` is an isometry on ``L^2(omega)``; for an
observable ``g`` the moments ``c_n = <K^n g, g>`` (``c_{-n} = conj(c_n)``) are the Fourier
coefficients of the spectral measure ``mu_g`` on the circle, ``c_n = int e^{i n theta}
d mu_g(theta)``. Here: the ergodic estimate of the moments from one trajectory and the smoothed
measure ``(1/2 pi) sum_{|n| <= N} phi(n/N) c_n e^{-i n theta}`` (a filtered Fourier series).
The resolvent-based (``IsomMeas``, rational-kernel) measures of ResDMD are not implemented.
"""

from __future__ import annotations

import math
from typing import Any

from refimpl import _xp
from refimpl.koopman import _common

__all__ = ["ergodic_moments", "smoothed_measure"]

Array = Any
_FILTERS = ("fejer", "cosine", "vandeven", "sharp_cosine")


def ergodic_moments(g: Array, /, *, n_max: int) -> Array:
    r"""Moments ``c_n = <K^n g, g>``, ``n = -n_max..n_max``, from one ergodic trajectory.

    Parameters
    ----------
    g : array, shape (M,)
        The observable along a trajectory, ``g[m] = g(x_m)`` with ``x_{m+1} = F(x_m)``; real or
        complex.
    n_max : int
        Largest lag (``0 <= n_max < M``).

    Returns
    -------
    array, shape (2 n_max + 1,)
        Entry ``n + n_max`` is ``c_n ~ (1/(M - n)) sum_{m < M - n} g(x_{m+n}) conj(g(x_m))``
        (``n >= 0``) and ``c_{-n} = conj(c_n)``; complex dtype matching ``g``, same namespace
        and device.

    Raises
    ------
    TypeError
        Bool or non-numeric ``g``; non-int ``n_max``.
    ValueError
        ``g`` not 1-D, empty or non-finite; ``n_max >= M``.

    Notes
    -----
    Birkhoff's ergodic theorem gives convergence as ``M -> infinity`` for ``omega``-almost every
    starting point. The official ``ErgodicMoments.m`` returns ``conj(c_n)/(2 pi)`` at index
    ``n``; this function returns ``c_n`` itself (no ``1/(2 pi)``). Direct sums, ``O(M n_max)``.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 6 (spectral measures of measure-
       preserving systems from autocorrelations; official ``ErgodicMoments.m``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import ergodic_moments
    >>> x = 0.3 + 1.0 * np.arange(2000)
    >>> c = ergodic_moments(np.exp(1j * x), n_max=1)
    >>> np.round(c.real, 6).tolist(), np.round(c.imag[[0, 2]], 6).tolist()
    ([0.540302, 1.0, 0.540302], [-0.841471, 0.841471])
    """
    xp, (g,) = _xp.as_arrays(g)
    g = _xp.checked_numeric(g, name="g", xp=xp, min_ndim=1)
    if g.ndim != 1:
        msg = f"g must be 1-D (values along one trajectory); got shape {tuple(g.shape)}"
        raise ValueError(msg)
    n_max = _xp.nonnegative_int(n_max, name="n_max")
    m = g.shape[0]
    if n_max >= m:
        msg = f"n_max must be less than the trajectory length M = {m}; got {n_max}"
        raise ValueError(msg)
    cdtype = _xp.complex_dtype(xp, _common.real_dtype_of(xp, g.dtype))
    gc = xp.astype(g, cdtype)
    pos = [xp.sum(gc[n:] * xp.conj(gc[: m - n])) / (m - n) for n in range(n_max + 1)]
    c = xp.stack(pos)
    neg = xp.flip(xp.conj(c[1:]), axis=0)
    return xp.concat([neg, c])


def _filter_values(kind: str, t: Any) -> Any:
    """phi(t) for t = |n|/N in [0, 1] (host numpy floats)."""
    import numpy as np

    if kind == "fejer":
        return 1.0 - t
    cosine = 0.5 * (1.0 + np.cos(np.pi * t))
    if kind == "cosine":
        return cosine
    if kind == "vandeven":
        return 1.0 - t**4 * (-20.0 * t**3 + 70.0 * t**2 - 84.0 * t + 35.0)
    c = cosine
    return c**4 * (35.0 - 84.0 * c + 70.0 * c**2 - 20.0 * c**3)


def smoothed_measure(moments: Array, theta: Array, /, *, filter: str = "cosine") -> Array:
    r"""Density of the smoothed spectral measure from moments ``c_{-N}..c_N``.

    Parameters
    ----------
    moments : array, shape (2N + 1,)
        ``c_n = <K^n g, g>`` for ``n = -N..N`` (e.g. :func:`ergodic_moments`); ``N >= 1``.
    theta : array, any shape
        Angles (radians) where the density is evaluated.
    filter : {"fejer", "cosine", "vandeven", "sharp_cosine"}
        The filter ``phi`` (first, second, fourth and eighth order; as in ResDMD's
        ``MomentMeas.m``).

    Returns
    -------
    array, shape of ``theta``
        ``nu_N(theta) = (1/2 pi) Re sum_{|n| <= N} phi(|n|/N) c_n e^{-i n theta}`` in the real
        dtype, same namespace and device.

    Raises
    ------
    TypeError
        Bool or non-numeric arrays; mixed namespaces.
    ValueError
        ``moments`` not 1-D of odd length >= 3; non-finite values; unknown ``filter``.

    Notes
    -----
    ``nu_N = mu_g * F_N`` (convolution on the circle with the filtered kernel ``F_N(theta) =
    (1/2 pi) sum phi(|n|/N) e^{-i n theta}``), so ``int nu_N = c_0 = ||g||^2`` and, for a
    point mass ``|a|^2 delta_{theta_0}`` (eigenfunction with eigenvalue ``e^{i theta_0}``),
    ``nu_N = |a|^2 F_N(theta - theta_0)``. ``phi(1) = 0`` for every filter here.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 6 (high-order kernels for spectral
       measures; official ``MomentMeas.m``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import smoothed_measure
    >>> c = np.ones(41, dtype=complex)          # mu = delta at theta = 0
    >>> nu = smoothed_measure(c, np.array([0.0, np.pi]), filter="fejer")
    >>> bool(nu[0] > 10 * abs(nu[1]))
    True
    """
    import numpy as np

    xp, (moments, theta) = _xp.as_arrays(moments, theta)
    moments = _xp.checked_numeric(moments, name="moments", xp=xp, min_ndim=1)
    theta = _xp.checked_real(theta, name="theta", xp=xp, min_ndim=0)
    if moments.ndim != 1 or moments.shape[0] < 3 or moments.shape[0] % 2 == 0:
        msg = f"moments must be 1-D of odd length 2N + 1 >= 3; got shape {tuple(moments.shape)}"
        raise ValueError(msg)
    _xp.check_choice(filter, _FILTERS, name="filter")
    big_n = (moments.shape[0] - 1) // 2
    real, cplx = _common.common_dtypes(xp, moments, theta)
    n_host = np.arange(-big_n, big_n + 1)
    phi = _xp.from_host(
        _filter_values(filter, np.abs(n_host) / big_n), xp=xp, dtype=real, device=_xp.device(theta)
    )
    n = _xp.from_host(n_host.astype(np.float64), xp=xp, dtype=real, device=_xp.device(theta))
    th = xp.reshape(xp.astype(theta, real), (-1,))
    phase = th[:, None] * n[None, :]
    coef = xp.astype(phi, cplx) * xp.astype(moments, cplx)
    e = xp.astype(xp.cos(phase), cplx) - 1j * xp.astype(xp.sin(phase), cplx)
    dens = xp.real(e @ coef) / (2 * math.pi)
    return xp.reshape(dens, tuple(theta.shape))
