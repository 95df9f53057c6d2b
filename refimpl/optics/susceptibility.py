r"""Electric susceptibilities :math:`\chi_{+1}, \chi_0, \chi_{-1}` of Rb vapour on a D line.

The field-dressed transitions of :func:`refimpl.optics.rb_transitions` (host constants) are
summed with Doppler-broadened (Voigt, via the Faddeeva function :func:`refimpl._xp.wofz`) or
Lorentzian line shapes on the caller's detuning grid, in the caller's namespace, dtype and
device.

**Convention.** Fields :math:`\propto e^{i(kz - \omega t)}`; :math:`\chi_q` is the
susceptibility of the :math:`\Delta m = m_e - m_g = q` transitions, so that
:math:`\mathbf P = \epsilon_0 \chi_q \mathbf E` for :math:`\mathbf E \parallel \hat e_q` in the
field frame (:math:`\hat e_{\pm 1} = (\hat x \pm i\hat y)/\sqrt 2`, :math:`\hat e_0 = \hat z`,
:math:`\mathbf B \parallel +\hat z`). :math:`\mathrm{Im}\,\chi_q > 0` is absorption and
:math:`\mathrm{Re}\,\chi_q > 0` (:math:`n > 1`) on the red side of an isolated line.
ElecSus names these differently: its ``ChiPlus`` is :math:`\chi_{-1}` and its ``ChiMinus`` is
:math:`\chi_{+1}` (:func:`from_elecsus`).
"""

from __future__ import annotations

import math
from typing import Any

import scipy.constants

from refimpl import _xp
from refimpl.optics.atoms import RB85_NATURAL_PERCENT, rb_line_data, rb_number_density
from refimpl.optics.zeeman import _field, rb_transitions

__all__ = ["from_elecsus", "rb_susceptibility", "to_elecsus"]

Array = Any

_CHUNK_ELEMENTS = 1 << 21  # detuning points x lines per Faddeeva evaluation (memory bound)


def _grid(detuning: Any, name: str) -> tuple[Any, Array]:
    xp, (d,) = _xp.as_arrays(detuning)
    d = _xp.checked_real(d, name=name, xp=xp)
    if d.ndim != 1:
        msg = f"{name} must be 1-D (n,); got shape {tuple(d.shape)}"
        raise ValueError(msg)
    if _xp.is_eager(d) and d.shape[0] > 1 and not bool(xp.all(d[1:] > d[:-1])):
        msg = f"{name} must be strictly increasing (monotone); got a grid that is not"
        raise ValueError(msg)
    return xp, d


def _isotope_fractions(rb85_percent: Any) -> tuple[tuple[int, float], ...]:
    p = _xp.nonnegative_float(rb85_percent, name="rb85_percent")
    if p > 100.0:
        msg = f"rb85_percent must be in [0, 100]; got {rb85_percent!r}"
        raise ValueError(msg)
    return tuple((iso, f) for iso, f in ((85, p / 100.0), (87, 1.0 - p / 100.0)) if f > 0)


def rb_susceptibility(
    detuning_mhz: Array,
    /,
    *,
    line: str,
    B_gauss: float,
    T_celsius: float,
    rb85_percent: float = RB85_NATURAL_PERCENT,
    gamma_buffer_mhz: float = 0.0,
    number_density: float | None = None,
    doppler: bool = True,
    boltzmann: bool = True,
    constants: str = "elecsus",
) -> tuple[Array, Array, Array]:
    r"""Susceptibilities :math:`(\chi_{+1}, \chi_0, \chi_{-1})` of Rb vapour vs detuning.

    Parameters
    ----------
    detuning_mhz : array, shape (n,)
        Laser detuning :math:`\nu - \nu_0` in MHz from the line's reference ``nu0_mhz``
        (:func:`refimpl.optics.rb_line_data`), strictly increasing (need not be uniform).
    line : {"D1", "D2"}
        The line.
    B_gauss : float
        Field magnitude in **gauss** along the field axis (0.6 T = 6000 G; the only unit).
    T_celsius : float
        Vapour temperature in °C: sets the number density (unless ``number_density`` is
        given), the Doppler width and the Boltzmann populations.
    rb85_percent : float, default 72.17
        Percentage of 85Rb (natural abundance by default); the rest is 87Rb.
    gamma_buffer_mhz : float, default 0
        Extra Lorentzian broadening (buffer gas), FWHM :math:`\Gamma_\mathrm{buf}/2\pi` in MHz.
    number_density : float or None, default None
        Total Rb number density in m^-3; ``None`` uses :func:`refimpl.optics.rb_number_density`.
    doppler : bool, default True
        Voigt (Doppler-broadened) lines; ``False`` gives the Doppler-free Lorentzian lines.
    boltzmann : bool, default True
        Boltzmann ground populations at ``T_celsius``; ``False``: uniform.
    constants : {"elecsus", "steck"}, default "elecsus"
        Constant set.

    Returns
    -------
    chi_p1, chi_0, chi_m1 : array, shape (n,)
        Complex susceptibilities of the :math:`\Delta m = +1, 0, -1` transitions, in the
        namespace and device of ``detuning_mhz`` with its matching complex dtype.

    Raises
    ------
    TypeError
        If ``detuning_mhz`` is not a real array, or a scalar option has the wrong type
        (a ``B_tesla=`` keyword raises ``TypeError`` as an unexpected argument).
    ValueError
        If the grid is not 1-D, finite and strictly increasing; for an unknown line or constant
        set; a negative temperature in kelvin, ``rb85_percent`` outside [0, 100], a negative
        buffer width or number density, or a field beyond 10^5 G.

    Notes
    -----
    .. math::

       \chi_q(\Delta) = \frac{2N d_0^2}{\epsilon_0\hbar}\sum_\mathrm{iso} f_\mathrm{iso}
       \sum_{g,e} s^{(q)}_{eg}\, V(\Delta - \nu_{eg}),\qquad
       d_0^2 = \frac{3\epsilon_0\hbar\Gamma_0\lambda^3}{8\pi^2},

    :math:`V(\delta) = i\frac{\sqrt\pi}{2ku} w\!\left(\frac{2\pi\delta + i\Gamma/2}{ku}\right)`
    (Doppler; :math:`u = \sqrt{2k_BT/m}`, :math:`k = 2\pi/\lambda`) or
    :math:`V(\delta) = -1/(2(2\pi\delta + i\Gamma/2))` (Doppler-free), :math:`\delta` in Hz,
    :math:`\Gamma = \Gamma_0 + \Gamma_\mathrm{self} + \Gamma_\mathrm{buf}` with
    :math:`\Gamma_\mathrm{self} = 2\pi\Gamma_0 N(\lambda/2\pi)^3\beta` (:math:`\beta = \sqrt2`
    on D2, 1 on D1). Checks (tests): :math:`\int \mathrm{Im}\,\chi_q\,d\nu =
    3N\Gamma_0\lambda^3 S_q/(16\pi^2)` (the oscillator strength; :math:`S_q = 2/3` on D2,
    1/3 on D1), :math:`\mathrm{Re}\,\chi_q = -H[\mathrm{Im}\,\chi_q]`, and at :math:`B = 0`
    the three :math:`\chi_q` coincide. The wavenumber is fixed at :math:`2\pi/\lambda` over the
    scan (narrow band). Accuracy under float32: a few float32 ulps of the peak.

    References
    ----------
    .. [1] M. A. Zentile et al., Comput. Phys. Commun. 189, 162 (2015), §2-3 (ElecSus model).
    .. [2] J. D. Briscoe et al., arXiv:2403.00950 (2024) (Rb at 0.6 T; equation numbers not
       verified).
    .. [3] L. Weller et al., J. Phys. B 44, 195006 (2011) (self broadening).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import rb_susceptibility
    >>> d = np.linspace(-20e3, 20e3, 801)
    >>> chi_p1, chi_0, chi_m1 = rb_susceptibility(d, line="D2", B_gauss=6000.0, T_celsius=100.0)
    >>> bool(d[np.argmax(chi_p1.imag)] > 0 > d[np.argmax(chi_m1.imag)])   # sigma+ blue-shifted
    True
    """
    xp, d = _grid(detuning_mhz, "detuning_mhz")
    b = _field(B_gauss)
    t_c = _xp.finite_float(T_celsius, name="T_celsius")
    if not (math.isfinite(t_c) and t_c > -273.15):
        msg = f"T_celsius must be a finite temperature above -273.15; got {T_celsius!r}"
        raise ValueError(msg)
    fractions = _isotope_fractions(rb85_percent)
    g_buf = _xp.nonnegative_float(gamma_buffer_mhz, name="gamma_buffer_mhz")
    if number_density is None:
        n_total = rb_number_density(t_c)
    else:
        n_total = _xp.nonnegative_float(number_density, name="number_density")
    for flag, name in ((doppler, "doppler"), (boltzmann, "boltzmann")):
        if not isinstance(flag, bool):
            msg = f"{name} must be a bool; got {type(flag).__name__}"
            raise TypeError(msg)
    t_k = t_c + 273.15
    cdtype = _xp.complex_dtype(xp, d.dtype)
    dev = _xp.device(d)
    out = []
    for q in (1, 0, -1):
        chi = xp.zeros(d.shape, dtype=cdtype, device=dev)
        for iso, frac in fractions:
            data = rb_line_data(iso, line, constants=constants)
            lam = data.wavelength_m
            gamma0 = 2 * math.pi * data.gamma_natural_mhz * 1e6
            beta = math.sqrt(2.0) if line == "D2" else 1.0
            g_self = 2 * math.pi * gamma0 * n_total * (lam / (2 * math.pi)) ** 3 * beta
            gamma_mhz = data.gamma_natural_mhz + g_buf + g_self / (2 * math.pi * 1e6)  # FWHM
            pref = frac * 3 * n_total * gamma0 * lam**3 / (4 * math.pi**2)
            tr = rb_transitions(
                iso, line, B_gauss=b, q=q, T_celsius=t_c if boltzmann else None,
                constants=constants,
            )  # fmt: skip
            k = 2 * math.pi / lam
            u = math.sqrt(2 * scipy.constants.k * t_k / (data.mass_u * scipy.constants.atomic_mass))
            chi = chi + _line_sum(
                xp, d, tr.frequency_mhz, tr.strength, gamma_mhz, k * u, pref, doppler
            )
        out.append(chi)
    return out[0], out[1], out[2]


def _line_sum(
    xp: Any,
    d: Array,
    centres: Any,
    strengths: Any,
    gamma_mhz: float,
    ku: float,
    pref: float,
    doppler: bool,
) -> Array:
    """pref * sum_l s_l V(d - c_l) on the grid d (MHz); host line tables moved in chunks."""
    cdtype = _xp.complex_dtype(xp, d.dtype)
    dev = _xp.device(d)
    n = d.shape[0]
    chunk = max(1, _CHUNK_ELEMENTS // max(n, 1))
    total = xp.zeros(d.shape, dtype=cdtype, device=dev)
    if doppler:
        a = 2 * math.pi * 1e6 / ku  # 1/MHz: z = a (d - c) + i a gamma / 2
        scale = pref * math.sqrt(math.pi) / (2 * ku)  # V = i scale w(z)
    else:
        scale = pref / (2 * math.pi * 1e6)  # V = -scale / (2 (d - c) + i gamma)
    for start in range(0, centres.size, chunk):
        c = xp.asarray(centres[start : start + chunk], dtype=d.dtype, device=dev)
        s = xp.asarray(strengths[start : start + chunk], dtype=cdtype, device=dev)
        x = d[:, None] - c[None, :]
        if doppler:
            z = xp.astype(a * x, cdtype) + (0.5j * a * gamma_mhz)
            prof = 1j * scale * _xp.wofz(z)
        else:
            prof = -scale / (xp.astype(2.0 * x, cdtype) + 1j * gamma_mhz)
        total = total + xp.matmul(prof, s)
    return total


def _complex_triplet(*arrays: Any) -> tuple[Any, list[Array]]:
    xp, arrs = _xp.as_arrays(*arrays)
    out = []
    for a, name in zip(arrs, ("chi_plus", "chi_minus", "chi_z"), strict=True):
        if not (xp.isdtype(a.dtype, "complex floating") or xp.isdtype(a.dtype, "real floating")):
            msg = f"{name} must be a floating (real or complex) array; got {a.dtype}"
            raise TypeError(msg)
        out.append(a)
    return xp, out


def from_elecsus(chi_plus: Array, chi_minus: Array, chi_z: Array, /) -> tuple[Array, Array, Array]:
    r"""Convert ElecSus susceptibility labels to the :math:`\Delta m` labels of refimpl.

    Parameters
    ----------
    chi_plus, chi_minus, chi_z : array, shape (...)
        ElecSus ``ChiPlus``, ``ChiMinus``, ``ChiZ`` (e.g. from ``calc_chi``).

    Returns
    -------
    chi_p1, chi_0, chi_m1 : array
        :math:`(\chi_{+1}, \chi_0, \chi_{-1})` = (``ChiMinus``, ``ChiZ``, ``ChiPlus``), the
        same arrays (no copy), in refimpl's order.

    Raises
    ------
    TypeError
        If an input is not a floating array or the inputs mix namespaces.

    Notes
    -----
    In ElecSus 3.0.8 ``ChiPlus`` holds the :math:`\Delta m = -1` lines (red-shifted at 0.6 T)
    and ``ChiMinus`` the :math:`\Delta m = +1` lines; ElecSus pairs the Jones vector
    :math:`(\hat x + i\hat y)/\sqrt2` with ``ChiPlus``, so its rotation angle and
    :math:`S_2` have the opposite sign to refimpl's (:math:`e^{i(kz-\omega t)}`, rotation
    :math:`(kL/2)\,\mathrm{Re}(n_{-1} - n_{+1})`): ElecSus's Faraday rotation equals
    :math:`(kL/2)\,\mathrm{Re}(n_{+1} - n_{-1})` = minus refimpl's. Its ``alphaPlus`` is
    :math:`2k\,\mathrm{Im}\,n_{+1}` (the :math:`\alpha` labels follow :math:`\Delta m`).

    References
    ----------
    .. [1] J. Keaveney et al., Comput. Phys. Commun. 224, 311 (2018) (ElecSus 3).
    .. [2] refimpl spec ``scientific.md`` §6.2 and §6.6 item 1 (label swap, measured).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import from_elecsus
    >>> p1, z, m1 = from_elecsus(np.array([1j]), np.array([2j]), np.array([3j]))
    >>> complex(p1[0]), complex(m1[0])
    (2j, 1j)
    """
    _, (cp, cm, cz) = _complex_triplet(chi_plus, chi_minus, chi_z)
    return cm, cz, cp


def to_elecsus(chi_p1: Array, chi_0: Array, chi_m1: Array, /) -> tuple[Array, Array, Array]:
    r"""Convert refimpl's :math:`(\chi_{+1}, \chi_0, \chi_{-1})` to ElecSus's labels.

    Parameters
    ----------
    chi_p1, chi_0, chi_m1 : array, shape (...)
        Susceptibilities of the :math:`\Delta m = +1, 0, -1` transitions.

    Returns
    -------
    chi_plus, chi_minus, chi_z : array
        ElecSus ``ChiPlus`` (= :math:`\chi_{-1}`), ``ChiMinus`` (= :math:`\chi_{+1}`),
        ``ChiZ`` (= :math:`\chi_0`); the same arrays, no copy.

    Raises
    ------
    TypeError
        If an input is not a floating array or the inputs mix namespaces.

    Notes
    -----
    Inverse of :func:`from_elecsus` (see there for the sign of the rotation).

    References
    ----------
    .. [1] J. Keaveney et al., Comput. Phys. Commun. 224, 311 (2018).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import from_elecsus, to_elecsus
    >>> a, b, c = np.array([1j]), np.array([2j]), np.array([3j])
    >>> all(x is y for x, y in zip(from_elecsus(*to_elecsus(a, b, c)), (a, b, c)))
    True
    """
    _, (p1, z, m1) = _complex_triplet(chi_p1, chi_0, chi_m1)
    return m1, p1, z
