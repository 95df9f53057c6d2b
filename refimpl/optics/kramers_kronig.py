r"""Kramers-Kronig relations for a dilute vapour: refractive index <-> absorption coefficient.

Units are SI throughout: absorption coefficients in 1/m, angular frequencies in rad/s,
lengths in m, :math:`c` = ``scipy.constants.c`` (exact, 299 792 458 m/s). The spectral grid
is uniform and *increasing in frequency* along ``axis``; its spacing does not enter (the
Hilbert transform is scale invariant), so detuning may be sampled in any unit.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import scipy.constants

from refimpl import _xp
from refimpl.optics.hilbert import _METHODS, _hilbert

__all__ = [
    "absorption_from_refractive_index",
    "absorption_from_transmission",
    "refractive_index_from_absorption",
]

Array = Any

SPEED_OF_LIGHT: float = float(scipy.constants.c)


def _prepare(
    x: Any, name: str, axis: Any, method: Any, omega0: Any
) -> tuple[Any, Array, int, float]:
    xp, (arr,) = _xp.as_arrays(x)
    arr = _xp.checked_real(arr, name=name, xp=xp)
    ax = _xp.normalize_axis(axis, arr.ndim, name="axis")
    _xp.check_choice(method, _METHODS, name="method")
    w0 = _xp.positive_float(omega0, name="omega0")
    return xp, arr, ax, w0


def refractive_index_from_absorption(
    alpha: Array, /, *, omega0: float, axis: int = -1, method: str = "line"
) -> Array:
    r"""Refractive index minus one from the intensity absorption coefficient (Kramers-Kronig).

    Parameters
    ----------
    alpha : array, shape (..., n, ...)
        Intensity absorption coefficient :math:`\alpha` in 1/m (:math:`T = e^{-\alpha L}`),
        sampled on a uniform grid of frequencies increasing along ``axis``. Real, finite.
    omega0 : float
        Centre angular frequency of the scan :math:`\omega_0` in rad/s (> 0), e.g.
        :math:`2\pi \times 384.230\,\mathrm{THz}` for the Rb D2 line.
    axis : int, default -1
        The spectral axis.
    method : {"line", "fft"}, default "line"
        Passed to :func:`refimpl.optics.hilbert_transform`. ``"line"`` (exact for
        piecewise-linear spectra that vanish outside the scan) is the right choice for a
        finite scan; ``"fft"`` assumes a periodic spectrum and is percent-level wrong on
        finite windows unless the data are zero-padded.

    Returns
    -------
    array, shape of ``alpha``
        :math:`n - 1` (dimensionless), in ``alpha``'s namespace, floating dtype and device.

    Raises
    ------
    TypeError
        If ``alpha`` is bool/complex/non-numeric, ``axis`` is not an int or ``omega0`` is not a
        real number.
    ValueError
        If ``alpha`` is 0-D, empty or not finite, ``axis`` is out of range, ``omega0`` is not
        positive and finite, or ``method`` is unknown.

    Notes
    -----
    For a weak probe in a dilute medium, :math:`n_c = \sqrt{1+\chi}`,
    :math:`n - 1 \approx \mathrm{Re}\,\chi/2` and :math:`\alpha = 2k\,\mathrm{Im}\,n_c \approx
    k\,\mathrm{Im}\,\chi`. Causality gives :math:`\mathrm{Re}\,\chi = -H[\mathrm{Im}\,\chi]`
    with :math:`H` in scipy's convention (:func:`refimpl.optics.hilbert_transform`), hence

    .. math:: n(\omega) - 1 = -\frac{c}{2\omega_0}\, H[\alpha](\omega).

    **Approximation (narrow band).** The exact relation has :math:`c/(2\omega)` inside the
    transform; replacing :math:`\omega` by the constant :math:`\omega_0` has a relative error of
    order (scan width)/:math:`\nu_0` (about 5e-5 for a 40 GHz scan at 384 THz). The
    linearisation :math:`\sqrt{1+\chi} \approx 1 + \chi/2` has a relative error of order
    :math:`|\chi|`. The sign anchor: :math:`n > 1` on the red side of an absorption line,
    :math:`n < 1` on its blue side. A reversed (decreasing-frequency, e.g. wavelength) grid
    flips the sign of :math:`H`: reverse the data first.

    A constant offset of :math:`\alpha` has :math:`H = 0` only for the periodic method; sloped
    backgrounds are not harmless for either: fit and subtract a low-order polynomial on the
    far wings first.

    References
    ----------
    .. [1] J. D. Briscoe, D. Pizzey, S. A. Wrathmall, I. G. Hughes, arXiv:2403.00950 (2024):
       the refractive index of each eigenmode of Rb vapour at 0.6 T from its absorption
       (abstract: "two refractive indices" of the birefringent medium, each measured
       independently). The paper's equation for this relation, its number and its sign
       convention are not verified (``validation/hilbert_kk/README.md``, "Unverified").
    .. [2] K. A. Whittaker, J. Keaveney, I. G. Hughes, C. S. Adams, "The Hilbert transform:
       Applications to atomic spectra", Phys. Rev. A 91, 032513 (2015), arXiv:1411.6420
       (abstract: the Hilbert transform applied to transmission spectra gives the
       refractive and group indices of Cs vapour). Equation numbers not verified.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import lorentzian_profile, refractive_index_from_absorption
    >>> omega0 = 2 * np.pi * 384.23e12                  # Rb D2, rad/s
    >>> delta = 2 * np.pi * np.linspace(-20e9, 20e9, 8001)  # detuning grid, rad/s
    >>> absorption, dispersion = lorentzian_profile(delta, gamma=2 * np.pi * 100e6)
    >>> alpha = 50.0 * absorption / absorption.max()    # peak 50 /m
    >>> n_minus_1 = refractive_index_from_absorption(alpha, omega0=omega0)
    >>> exact = -(299792458.0 / (2 * omega0)) * 50.0 * dispersion / absorption.max()
    >>> bool(np.max(np.abs(n_minus_1 - exact)) < 2e-3 * np.max(np.abs(exact)))
    True
    >>> bool(n_minus_1[3000] > 0 > n_minus_1[5000])     # n > 1 on the red side
    True
    """
    xp, a, ax, w0 = _prepare(alpha, "alpha", axis, method, omega0)
    return (-SPEED_OF_LIGHT / (2.0 * w0)) * _hilbert(xp, a, ax, method)


def absorption_from_refractive_index(
    n_minus_1: Array, /, *, omega0: float, axis: int = -1, method: str = "line"
) -> Array:
    r"""Intensity absorption coefficient from the refractive index (inverse Kramers-Kronig).

    Parameters
    ----------
    n_minus_1 : array, shape (..., n, ...)
        :math:`n - 1` on a uniform grid of frequencies increasing along ``axis``.
    omega0 : float
        Centre angular frequency of the scan in rad/s (> 0).
    axis : int, default -1
        The spectral axis.
    method : {"line", "fft"}, default "line"
        Passed to :func:`refimpl.optics.hilbert_transform`.

    Returns
    -------
    array, shape of ``n_minus_1``
        :math:`\alpha` in 1/m, in the input's namespace, floating dtype and device.

    Raises
    ------
    TypeError
        As :func:`refractive_index_from_absorption`.
    ValueError
        As :func:`refractive_index_from_absorption`.

    Notes
    -----
    Applying :math:`H` to :math:`n - 1 = -(c/2\omega_0) H[\alpha]` and using
    :math:`H \circ H = -I` (on functions vanishing at infinity) gives

    .. math:: \alpha(\omega) = \frac{2\omega_0}{c}\, H[n - 1](\omega),

    with the same narrow-band approximation. On a finite window :math:`n - 1` decays only
    like :math:`1/\Delta`, so the truncation error is much larger than in the forward
    direction: :math:`O(1/L)` of the peak for half-window :math:`L` (for a Lorentzian of
    half width :math:`\gamma`, about :math:`2\gamma/(\pi L)` of the peak near line centre),
    against :math:`O(\gamma^2/L^2)` forward.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024) (equation numbers not verified).
    .. [2] K. A. Whittaker et al., Phys. Rev. A 91, 032513 (2015), arXiv:1411.6420
       (equation numbers not verified).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import lorentzian_profile, absorption_from_refractive_index
    >>> omega0 = 2 * np.pi * 384.23e12
    >>> delta = np.linspace(-2000.0, 2000.0, 40001)       # detuning in units of gamma
    >>> absorption, dispersion = lorentzian_profile(delta, gamma=1.0)
    >>> n_minus_1 = -(299792458.0 / (2 * omega0)) * dispersion
    >>> alpha = absorption_from_refractive_index(n_minus_1, omega0=omega0)
    >>> bool(np.max(np.abs(alpha - absorption)) < 3e-3 * absorption.max())  # 1/L tails
    True
    """
    xp, nm1, ax, w0 = _prepare(n_minus_1, "n_minus_1", axis, method, omega0)
    return (2.0 * w0 / SPEED_OF_LIGHT) * _hilbert(xp, nm1, ax, method)


def _wing_mean(t: Array, xp: Any, axis: int, fraction: float) -> Array:
    """Mean of ``t`` over the outer ``fraction`` of samples at each end of ``axis`` (keepdims)."""
    n = t.shape[axis]
    m = max(1, math.floor(fraction * n))
    lead = (slice(None),) * axis
    ends = xp.concat([t[(*lead, slice(0, m), ...)], t[(*lead, slice(n - m, n), ...)]], axis=axis)
    return xp.mean(ends, axis=axis, keepdims=True)


def absorption_from_transmission(
    T: Array,
    L: float,
    /,
    *,
    T_off: float | Array | None = None,
    axis: int = -1,
    wing_fraction: float = 0.05,
) -> Array:
    r"""Intensity absorption coefficient from a transmission spectrum (Beer-Lambert).

    Parameters
    ----------
    T : array, shape (..., n, ...)
        Measured transmission (or detector signal), > 0 everywhere, on a grid along ``axis``.
    L : float
        Length of the medium in m (> 0).
    T_off : float or array or None, default None
        Off-resonance transmission used for normalisation. ``None`` estimates it per spectrum
        as the mean of ``T`` over the outer ``wing_fraction`` of the samples at *each* end of
        ``axis`` (both ends pooled; at least one sample per end). A positive float, or a
        positive array broadcastable to ``T`` (e.g. shape ``(..., 1, ...)`` for one value per
        spectrum) is used as given; pass ``T_off=1.0`` for already normalised data.
    axis : int, default -1
        The spectral axis (used only by the wing estimate).
    wing_fraction : float, default 0.05
        Fraction of the samples at each end used by the wing estimate, in (0, 0.5].

    Returns
    -------
    array, shape of ``T``
        :math:`\alpha = -\ln(T/T_\mathrm{off})/L` in 1/m, in ``T``'s namespace, floating dtype
        and device.

    Raises
    ------
    TypeError
        If ``T`` (or an array ``T_off``) is bool/complex/non-numeric, ``T`` and ``T_off`` come
        from different namespaces or devices, or ``L``, ``wing_fraction`` or ``axis`` have
        the wrong type.
    ValueError
        If ``T`` is 0-D, empty, not finite or not > 0 everywhere; if ``T_off`` is not finite
        and > 0 or does not broadcast to ``T``; if ``L`` is not positive, ``wing_fraction`` is
        outside (0, 0.5] or ``axis`` is out of range.

    Notes
    -----
    :math:`T = T_\mathrm{off}\, e^{-\alpha L}` for a weak probe through a uniform medium of
    length :math:`L`. The wing estimate assumes the scan reaches far enough off resonance
    that the outer ``wing_fraction`` of each end is free of absorption; residual absorption
    there biases :math:`\alpha` by a constant (harmless for ``method="fft"``, and small
    for ``"line"`` when the wings are flat). A sloped background (etalons, laser power
    ramps) should be fitted and divided out before calling this function.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024): absorption spectra normalised
       off resonance before the Hilbert transform. The abstract confirms the input is
       absorption spectra; the paper's Beer-Lambert relation, its normalisation and their
       equation numbers are not verified.
    .. [2] K. A. Whittaker et al., Phys. Rev. A 91, 032513 (2015), arXiv:1411.6420
       (abstract: the Hilbert transform is applied to transmission spectra). The
       paper's transmission-to-absorption relation and its equation number are not verified.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import absorption_from_transmission
    >>> x = np.linspace(-10.0, 10.0, 201)
    >>> alpha = 30.0 * np.exp(-x**2)                    # 1/m
    >>> T = 0.8 * np.exp(-alpha * 0.02)                 # 2 cm cell, 80 % off resonance
    >>> bool(np.allclose(absorption_from_transmission(T, 0.02), alpha))
    True
    """
    xp, (t,) = _xp.as_arrays(T)
    t = _xp.checked_real(t, name="T", xp=xp)
    length = _xp.positive_float(L, name="L")
    ax = _xp.normalize_axis(axis, t.ndim, name="axis")
    frac = _xp.positive_float(wing_fraction, name="wing_fraction")
    if frac > 0.5:
        msg = f"wing_fraction must be in (0, 0.5]; got {wing_fraction!r}"
        raise ValueError(msg)
    if _xp.is_eager(t) and not bool(xp.all(t > 0)):
        msg = f"T must be > 0 everywhere; got min(T) = {float(xp.min(t))!r}"
        raise ValueError(msg)
    if T_off is None:
        t_off = _wing_mean(t, xp, ax, frac)
    elif isinstance(T_off, numbers.Real) and not isinstance(T_off, bool):
        t_off = _xp.positive_float(T_off, name="T_off")
    else:
        xp2, (t, t_off) = _xp.as_arrays(t, T_off)
        t_off = _xp.checked_real(t_off, name="T_off", xp=xp2, min_ndim=0)
        if _xp.is_eager(t_off) and not bool(xp.all(t_off > 0)):
            msg = f"T_off must be > 0 everywhere; got min(T_off) = {float(xp.min(t_off))!r}"
            raise ValueError(msg)
        try:
            shape = np.broadcast_shapes(tuple(t_off.shape), tuple(t.shape))
        except ValueError:
            shape = None
        if shape != tuple(t.shape):
            msg = (
                f"T_off must broadcast to T's shape {tuple(t.shape)}; "
                f"got shape {tuple(t_off.shape)}"
            )
            raise ValueError(msg)
        t_off = xp.astype(t_off, t.dtype)
    return -xp.log(t / t_off) / length
