r"""Rubidium D-line data: hyperfine constants, g-factors, line centres, widths, vapour density.

Two constant sets are provided, selected by ``constants=``:

* ``"elecsus"`` (default): the table of ElecSus 3.0.8 (``elecsus/libs/AtomConstants.py``,
  Zentile et al., CPC 189, 162 (2015)), which is the theory model of Briscoe et al.
  (arXiv:2403.00950). Its quirk is kept and documented: the fine-structure coefficient of
  :math:`\mathbf L\cdot\mathbf S` is 7.123e6 MHz, so the model's :math:`P_{1/2}`-:math:`P_{3/2}`
  gap is 1.5 times the physical 7.123 THz (this only sets the weak J-mixing at 0.6 T).
* ``"steck"``: D. A. Steck, "Rubidium 85 D Line Data" and "Rubidium 87 D Line Data"
  (http://steck.us/alkalidata, revisions 2.x): measured hyperfine constants, nuclear and
  electronic g-factors, isotope line centres and natural widths, and the physical
  fine-structure gap :math:`\nu_{D2} - \nu_{D1}`.

Units: frequencies and hyperfine constants in MHz (:math:`E/h`), the magnetic field in gauss
(``B_gauss``; 1 T = 1e4 G), temperatures in degrees Celsius, lengths in m, number densities in
m^-3, masses in u. All values are host Python floats.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction
from typing import Any

import scipy.constants

from refimpl import _xp

__all__ = ["RB85_NATURAL_PERCENT", "RbLineData", "rb_line_data", "rb_number_density"]

#: natural abundance of 85Rb in percent (Steck, Rubidium 85 D Line Data, Table 1; also the
#: ElecSus default ``rb85frac``)
RB85_NATURAL_PERCENT: float = 72.17

_MU_B_MHZ_PER_G = scipy.constants.physical_constants["Bohr magneton in Hz/T"][0] * 1e-10
_G_S_CODATA = -scipy.constants.physical_constants["electron g factor"][0]
_C = scipy.constants.c


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RbLineData:
    r"""Constants of one Rb isotope on one D line (host floats; MHz, G, m, u).

    Attributes
    ----------
    isotope : int
        85 or 87.
    line : str
        ``"D1"`` (:math:`5S_{1/2} \to 5P_{1/2}`) or ``"D2"`` (:math:`\to 5P_{3/2}`).
    constants : str
        The constant set (``"elecsus"`` or ``"steck"``).
    nuclear_spin : Fraction
        I (5/2 for 85Rb, 3/2 for 87Rb).
    j_excited : Fraction
        J' of the excited level (1/2 on D1, 3/2 on D2).
    a_ground_mhz : float
        Magnetic-dipole constant :math:`A_s` of :math:`5S_{1/2}`.
    a_excited_mhz, b_excited_mhz : float
        :math:`A'`, :math:`B'` of the excited level (:math:`B' = 0` on D1).
    g_s_ground : float
        Spin g-factor used in the ground manifold (magnitude; ``g_J(5S_{1/2})`` for Steck).
    g_s, g_l : float
        Electron spin and orbital g-factors of the excited manifold (magnitudes).
    g_i : float
        Nuclear g-factor in units of :math:`\mu_B` (negative for Rb), as in
        :math:`H_B = \mu_B B (g_S S_z + g_L L_z + g_I I_z)`.
    fine_structure_mhz : float
        Coefficient :math:`\Delta_{FS}` of :math:`\mathbf L\cdot\mathbf S` in the excited
        Hamiltonian (the :math:`P_{1/2}`-:math:`P_{3/2}` gap is :math:`1.5\Delta_{FS}`).
    isotope_shift_mhz : float
        :math:`\delta_\mathrm{iso}`, added to the ground manifold: the isotope's line
        centre of gravity lies at detuning :math:`-\delta_\mathrm{iso}` from ``nu0_mhz``.
    nu0_mhz : float
        Reference frequency of the detuning axis (the same for both isotopes of a line).
    wavelength_m : float
        Vacuum wavelength :math:`\lambda = c/\nu_0`-scale of the line (as in the set).
    gamma_natural_mhz : float
        Natural linewidth :math:`\Gamma_0/2\pi` (FWHM) in MHz.
    mass_u : float
        Atomic mass in u.
    mu_b_mhz_per_gauss : float
        :math:`\mu_B/h` in MHz/G (CODATA via ``scipy.constants``).
    """

    isotope: int
    line: str
    constants: str
    nuclear_spin: Fraction
    j_excited: Fraction
    a_ground_mhz: float
    a_excited_mhz: float
    b_excited_mhz: float
    g_s_ground: float
    g_s: float
    g_l: float
    g_i: float
    fine_structure_mhz: float
    isotope_shift_mhz: float
    nu0_mhz: float
    wavelength_m: float
    gamma_natural_mhz: float
    mass_u: float
    mu_b_mhz_per_gauss: float


# ElecSus 3.0.8 table (spec scientific.md §6.3, [code]); nu0 and lambda per line
_ELECSUS_LINE = {
    "D1": {"nu0": 377107407.299, "lam": 794.978969380e-9, "gamma": 5.746},
    "D2": {"nu0": 384230426.6, "lam": 780.2413272e-9, "gamma": 6.065},
}
_ELECSUS_ISO: dict[int, dict[str, Any]] = {
    85: {
        "I": Fraction(5, 2),
        "As": 1011.910813,
        "gI": -0.00029364,
        "mass": 84.911789732,
        "D1": (120.640, 0.0, 21.624),
        "D2": (25.038, 26.011, 21.734),
    },
    87: {
        "I": Fraction(3, 2),
        "As": 3417.341305452145,
        "gI": -0.0009951414,
        "mass": 86.909180520,
        "D1": (406.147, 0.0, -56.077),
        "D2": (84.7185, 12.4965, -56.361),
    },
}

# Steck, Rubidium 85/87 D Line Data (rev. 2.x): isotope line centres (MHz), A, B (MHz),
# g_J(5S1/2), g_L, g_I, mass, natural widths Gamma/2pi (MHz)
_STECK_ISO: dict[int, dict[str, Any]] = {
    85: {
        "I": Fraction(5, 2),
        "As": 1011.910813,
        "gI": -0.00029364000,
        "gL": 0.99999354,
        "mass": 84.911789732,
        "D1": {"nu": 377107385.690, "A": 120.527, "B": 0.0, "gamma": 5.7500},
        "D2": {"nu": 384230406.373, "A": 25.0020, "B": 25.790, "gamma": 6.0666},
    },
    87: {
        "I": Fraction(3, 2),
        "As": 3417.341305452145,
        "gI": -0.0009951414,
        "gL": 0.99999369,
        "mass": 86.909180520,
        "D1": {"nu": 377107463.380, "A": 407.24, "B": 0.0, "gamma": 5.7500},
        "D2": {"nu": 384230484.4685, "A": 84.7185, "B": 12.4965, "gamma": 6.0666},
    },
}
_STECK_GJ_GROUND = 2.00233113
_STECK_FS = (384230484.4685 - 377107463.380) / 1.5  # L.S coefficient from the 87Rb gap

_CONSTANT_SETS = ("elecsus", "steck")
_LINES = ("D1", "D2")
_ISOTOPE_NAMES = {85: 85, 87: 87, "85": 85, "87": 87, "Rb85": 85, "Rb87": 87}
_ISOTOPE_NAMES.update({"85Rb": 85, "87Rb": 87})


def _isotope(isotope: Any) -> int:
    if isinstance(isotope, bool) or isotope not in _ISOTOPE_NAMES:
        msg = f"isotope must be one of 85, 87, '85Rb', '87Rb', 'Rb85', 'Rb87'; got {isotope!r}"
        raise ValueError(msg)
    return _ISOTOPE_NAMES[isotope]


def rb_line_data(isotope: Any, line: str, /, *, constants: str = "elecsus") -> RbLineData:
    r"""Constants of one Rb isotope on one D line.

    Parameters
    ----------
    isotope : {85, 87, "85Rb", "87Rb", "Rb85", "Rb87"}
        The isotope.
    line : {"D1", "D2"}
        The line.
    constants : {"elecsus", "steck"}, default "elecsus"
        The constant set (module docstring).

    Returns
    -------
    RbLineData
        Host floats in MHz, m, u.

    Raises
    ------
    ValueError
        If the isotope, line or constant set is unknown.

    Notes
    -----
    The two sets differ by at most a few MHz in line positions (hyperfine constants of the
    P levels, isotope shifts, natural widths), far below the ~570 MHz Doppler width at
    100 °C. Both use :math:`\mu_B/h` from CODATA via ``scipy.constants``.

    References
    ----------
    .. [1] D. A. Steck, "Rubidium 85 D Line Data" and "Rubidium 87 D Line Data",
       http://steck.us/alkalidata (revisions 2.x), Tables 1-7.
    .. [2] M. A. Zentile et al., "ElecSus: A program to calculate the electric susceptibility
       of an atomic ensemble", Comput. Phys. Commun. 189, 162 (2015) (ElecSus 3.0.8 constants).
    .. [3] J. D. Briscoe et al., arXiv:2403.00950 (2024): Rb vapour at 0.6 T, theory by ElecSus.

    Examples
    --------
    >>> from refimpl.optics import rb_line_data
    >>> d = rb_line_data(87, "D2")
    >>> float(d.nuclear_spin), d.a_ground_mhz
    (1.5, 3417.341305452145)
    """
    iso = _isotope(isotope)
    _xp.check_choice(line, _LINES, name="line")
    _xp.check_choice(constants, _CONSTANT_SETS, name="constants")
    mu_b = _MU_B_MHZ_PER_G
    j_exc = Fraction(1, 2) if line == "D1" else Fraction(3, 2)
    if constants == "elecsus":
        e = _ELECSUS_ISO[iso]
        a_e, b_e, shift = e[line]
        ln = _ELECSUS_LINE[line]
        return RbLineData(
            isotope=iso,
            line=line,
            constants=constants,
            nuclear_spin=e["I"],
            j_excited=j_exc,
            a_ground_mhz=e["As"],
            a_excited_mhz=a_e,
            b_excited_mhz=b_e,
            g_s_ground=_G_S_CODATA,
            g_s=_G_S_CODATA,
            g_l=1.0,
            g_i=e["gI"],
            fine_structure_mhz=7.123e6,
            isotope_shift_mhz=shift,
            nu0_mhz=ln["nu0"],
            wavelength_m=ln["lam"],
            gamma_natural_mhz=ln["gamma"],
            mass_u=e["mass"],
            mu_b_mhz_per_gauss=mu_b,
        )
    s = _STECK_ISO[iso]
    nu0 = _ELECSUS_LINE[line]["nu0"]  # the same detuning origin for both sets
    sl = s[line]
    return RbLineData(
        isotope=iso,
        line=line,
        constants=constants,
        nuclear_spin=s["I"],
        j_excited=j_exc,
        a_ground_mhz=s["As"],
        a_excited_mhz=sl["A"],
        b_excited_mhz=sl["B"],
        g_s_ground=_STECK_GJ_GROUND,
        g_s=_G_S_CODATA,
        g_l=s["gL"],
        g_i=s["gI"],
        fine_structure_mhz=_STECK_FS,
        isotope_shift_mhz=nu0 - sl["nu"],
        nu0_mhz=nu0,
        wavelength_m=_C / (nu0 * 1e6),
        gamma_natural_mhz=sl["gamma"],
        mass_u=s["mass"],
        mu_b_mhz_per_gauss=mu_b,
    )


_ALCOCK_MELT_K = 312.46


def rb_number_density(T_celsius: float, /) -> float:
    r"""Rb number density of a saturated vapour (both isotopes) in m^-3.

    Parameters
    ----------
    T_celsius : float
        Cell (reservoir) temperature in degrees Celsius, > -273.15.

    Returns
    -------
    float
        :math:`N = p/(k_B T)` in m^-3 (:math:`T` in kelvin, :math:`p` in Pa).

    Raises
    ------
    TypeError
        If ``T_celsius`` is not a real number.
    ValueError
        If it is not finite or not above absolute zero.

    Notes
    -----
    Vapour pressure of Alcock, Itkin and Horrigan (1984), as used by ElecSus and quoted by
    Steck: below the melting point (312.46 K) :math:`\log_{10} p_\mathrm{atm} = 4.857 -
    4215/T`; above it :math:`\log_{10} p_\mathrm{atm} = 8.316 - 4275/T - 1.3102\log_{10}T`;
    :math:`p = 101325\,p_\mathrm{atm}` Pa. :math:`T = T_\mathrm{C} + 273.15`. Values:
    N(25 °C) = 1.2913e16, N(80 °C) = 1.5488e18, N(100 °C) = 6.0750e18 m^-3. The model is
    quoted to ±5 % accuracy.

    References
    ----------
    .. [1] C. B. Alcock, V. P. Itkin, M. K. Horrigan, Can. Metall. Q. 23, 309 (1984).
    .. [2] D. A. Steck, "Rubidium 87 D Line Data", http://steck.us/alkalidata, Eq. (1)-(2).

    Examples
    --------
    >>> from refimpl.optics import rb_number_density
    >>> f"{rb_number_density(100.0):.4e}"
    '6.0750e+18'
    """
    t_c = _xp.finite_float(T_celsius, name="T_celsius")
    t = t_c + 273.15
    if not (math.isfinite(t_c) and t > 0):
        msg = f"T_celsius must be a finite temperature above -273.15; got {T_celsius!r}"
        raise ValueError(msg)
    if t < _ALCOCK_MELT_K:
        log_p = 4.857 - 4215.0 / t
    else:
        log_p = 8.316 - 4275.0 / t - 1.3102 * math.log10(t)
    return 101325.0 * 10.0**log_p / (scipy.constants.k * t)
