r"""Fine + hyperfine + Zeeman Hamiltonians of the Rb D lines, eigenstates and line strengths.

Host-side computation (NumPy float64 on small matrices, at most 36 x 36): the results are
constant tables that :mod:`refimpl.optics.susceptibility` moves to the caller's namespace.

**Units and field.** Energies are :math:`E/h` in MHz; the magnetic field is given only as
``B_gauss`` (gauss; 0.6 T = 6000 G), directed along the quantisation axis :math:`+\hat z`.

**Bases** (uncoupled, every projection listed in descending order, index 0 = largest):

* ground :math:`5S_{1/2}` (:math:`L = 0`): :math:`|m_S, m_I\rangle` = :math:`|m_J, m_I\rangle`,
  dimension :math:`2(2I+1)`;
* excited :math:`5P` (:math:`L = 1`): :math:`|m_L, m_S, m_I\rangle`, dimension
  :math:`6(2I+1)`, which contains both :math:`J' = 1/2` and :math:`3/2`; the fine-structure
  term :math:`\Delta_{FS}\,\mathbf L\cdot\mathbf S` separates them and the states of the
  chosen line (:math:`|E| < \Delta_{FS}/4`) are kept. Restricted to one :math:`J'` this is
  the :math:`|m_J, m_I\rangle` basis up to the :math:`LS \to J` Clebsch-Gordan rotation;
  keeping both :math:`J'` includes the small J-mixing by the field (ElecSus's model).

**Hamiltonians** (:math:`\mu_B/h` in MHz/G, :math:`g_I` in units of :math:`\mu_B`, negative):

.. math::

   H_g &= A_s\,\mathbf I\cdot\mathbf S + \delta_\mathrm{iso}
          + \mu_B B (g_S S_z + g_I I_z), \\
   H_e &= \Delta_{FS}\,\mathbf L\cdot\mathbf S + c + A'\,\mathbf I\cdot\mathbf J
          + B' \frac{3(\mathbf I\cdot\mathbf J)^2 + \tfrac32 \mathbf I\cdot\mathbf J
          - I(I+1)J'(J'+1)}{2I(2I-1)J'(2J'-1)}
          + \mu_B B (g_L L_z + g_S S_z + g_I I_z),

with :math:`\mathbf J = \mathbf L + \mathbf S`, :math:`c = \Delta_{FS}` (D1) or
:math:`-\Delta_{FS}/2` (D2) so that the line's :math:`J'` sits at 0, and :math:`B' = 0` on
D1. Both commute with the total :math:`F_z`, so each is diagonalised block by block in
:math:`m_F = m_L + m_S + m_I`: every eigenstate has a definite :math:`m_F`.

**Line strengths.** For :math:`\Delta m = q \in \{+1, 0, -1\}` the dipole operator maps
:math:`|L=0\rangle|g\rangle` to :math:`|m_L = q\rangle|g\rangle`, so
:math:`c^{(q)}_{eg} = \langle e|\,(|m_L = q\rangle \otimes |g\rangle)` and the strength is
:math:`s_{eg} = p_g |c_{eg}^{(q)}|^2` with :math:`p_g` the ground population (uniform
:math:`1/\dim` or Boltzmann). Summed over all excited states of both :math:`J'`,
:math:`\sum_e |c^{(q)}_{eg}|^2 = 1`; the D2 share is 2/3 and the D1 share 1/3 at
:math:`B = 0`.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
import scipy.constants

from refimpl import _xp
from refimpl.optics.atoms import RbLineData, rb_line_data

__all__ = ["RbTransitions", "ZeemanLevels", "rb_hamiltonian", "rb_levels", "rb_transitions"]

_MANIFOLDS = ("ground", "excited")
_B_MAX_GAUSS = 1.0e5  # 10 T: beyond it the model (no diamagnetism, fixed J') is not meant


def _field(B_gauss: Any) -> float:
    b = _xp.finite_float(B_gauss, name="B_gauss")
    if not math.isfinite(b) or abs(b) > _B_MAX_GAUSS:
        msg = (
            f"B_gauss must be a finite field in gauss with |B| <= {_B_MAX_GAUSS:g} G "
            f"(10 T; 0.6 T = 6000 G); got {B_gauss!r}"
        )
        raise ValueError(msg)
    return b


@functools.cache
def _spin(twice_j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(J_z, J_+, J_-) for spin twice_j/2, basis m = j, j-1, ..., -j (read-only)."""
    j = twice_j / 2
    m = j - np.arange(twice_j + 1)
    jz = np.diag(m)
    jp = np.zeros((twice_j + 1, twice_j + 1))
    for k in range(1, twice_j + 1):  # J+ |m_k> = sqrt(j(j+1) - m_k(m_k+1)) |m_{k-1}>
        jp[k - 1, k] = math.sqrt(j * (j + 1) - m[k] * (m[k] + 1))
    jm = jp.T.copy()
    for a in (jz, jp, jm):
        a.flags.writeable = False
    return jz, jp, jm


def _kron(*ops: np.ndarray) -> np.ndarray:
    out = ops[0]
    for o in ops[1:]:
        out = np.kron(out, o)
    return out


def _dot(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> np.ndarray:
    """A . B = Az Bz + (A+ B- + A- B+)/2 for (z, +, -) operator triples on one space."""
    return a[0] @ b[0] + 0.5 * (a[1] @ b[2] + a[2] @ b[1])


def _labels(*twice: int) -> np.ndarray:
    """Projections of the product basis, shape (dim, len(twice)), descending per factor."""
    grids = np.meshgrid(*[t / 2 - np.arange(t + 1) for t in twice], indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1)


def _hamiltonian(data: RbLineData, manifold: str, b: float) -> tuple[np.ndarray, np.ndarray]:
    ti = int(2 * data.nuclear_spin)
    mub = data.mu_b_mhz_per_gauss * b
    if manifold == "ground":
        s, i = _spin(1), _spin(ti)
        e2, ei = np.eye(2), np.eye(ti + 1)
        sv = tuple(_kron(o, ei) for o in s)
        iv = tuple(_kron(e2, o) for o in i)
        h = data.a_ground_mhz * _dot(iv, sv) + data.isotope_shift_mhz * np.eye(2 * (ti + 1))
        h = h + mub * (data.g_s_ground * sv[0] + data.g_i * iv[0])
        return h, _labels(1, ti)
    l_, s, i = _spin(2), _spin(1), _spin(ti)
    e3, e2, ei = np.eye(3), np.eye(2), np.eye(ti + 1)
    lv = tuple(_kron(o, e2, ei) for o in l_)
    sv = tuple(_kron(e3, o, ei) for o in s)
    iv = tuple(_kron(e3, e2, o) for o in i)
    jv = tuple(a + c for a, c in zip(lv, sv, strict=True))
    dim = 6 * (ti + 1)
    fs = data.fine_structure_mhz
    shift = fs if data.line == "D1" else -fs / 2
    ij = _dot(iv, jv)
    h = fs * _dot(lv, sv) + shift * np.eye(dim) + data.a_excited_mhz * ij
    if data.b_excited_mhz != 0.0:
        nuc = float(data.nuclear_spin)
        jj = float(data.j_excited)
        quad = 3 * ij @ ij + 1.5 * ij - nuc * (nuc + 1) * jj * (jj + 1) * np.eye(dim)
        h = h + data.b_excited_mhz * quad / (2 * nuc * (2 * nuc - 1) * jj * (2 * jj - 1))
    h = h + mub * (data.g_l * lv[0] + data.g_s * sv[0] + data.g_i * iv[0])
    return h, _labels(2, 1, ti)


def rb_hamiltonian(
    isotope: Any, line: str, manifold: str, /, *, B_gauss: float, constants: str = "elecsus"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Hamiltonian matrix of the ground or excited manifold of a Rb D line (host, MHz).

    Parameters
    ----------
    isotope : {85, 87, "85Rb", "87Rb", "Rb85", "Rb87"}
        The isotope.
    line : {"D1", "D2"}
        The line (sets :math:`A'`, :math:`B'`, the isotope shift and the energy origin).
    manifold : {"ground", "excited"}
        :math:`5S_{1/2}` in :math:`|m_S, m_I\rangle` or :math:`5P` in
        :math:`|m_L, m_S, m_I\rangle` (module docstring).
    B_gauss : float
        Magnetic field along :math:`+\hat z` in **gauss** (0.6 T = 6000 G); keyword-only, the
        only accepted unit. :math:`|B| \le 10^5` G.
    constants : {"elecsus", "steck"}, default "elecsus"
        Constant set of :func:`refimpl.optics.rb_line_data`.

    Returns
    -------
    H : numpy.ndarray, shape (dim, dim)
        Real symmetric :math:`H/h` in MHz (float64).
    basis : numpy.ndarray, shape (dim, 2) or (dim, 3)
        The projections :math:`(m_S, m_I)` or :math:`(m_L, m_S, m_I)` of each basis state.

    Raises
    ------
    TypeError
        If ``B_gauss`` is not a real number (a ``B_tesla=`` keyword is a ``TypeError`` too).
    ValueError
        For an unknown isotope, line, manifold or constant set, or a non-finite or
        out-of-range field.

    Notes
    -----
    The Hamiltonians are written out in the module docstring. Host NumPy: these are small
    constant matrices, not user data.

    References
    ----------
    .. [1] D. A. Steck, "Rubidium 87 D Line Data", http://steck.us/alkalidata, §5.1-5.2
       (hyperfine and Zeeman Hamiltonians).
    .. [2] M. A. Zentile et al., Comput. Phys. Commun. 189, 162 (2015), §2 (the
       :math:`|m_L, m_S, m_I\rangle` construction used by ElecSus).
    .. [3] J. D. Briscoe et al., arXiv:2403.00950 (2024) (Rb at 0.6 T; theory by ElecSus).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import rb_hamiltonian
    >>> h, basis = rb_hamiltonian(87, "D2", "ground", B_gauss=0.0)
    >>> e = np.linalg.eigvalsh(h) + 56.361                # remove the isotope shift
    >>> round(float(e.max() - e.min()), 6)                # 2 A_s = ground splitting
    6834.682611
    """
    data = rb_line_data(isotope, line, constants=constants)
    _xp.check_choice(manifold, _MANIFOLDS, name="manifold")
    h, basis = _hamiltonian(data, manifold, _field(B_gauss))
    return h, basis


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ZeemanLevels:
    r"""Eigenstates of one manifold at one field (host NumPy, float64).

    Attributes
    ----------
    energies_mhz : numpy.ndarray, shape (n,)
        Eigenvalues :math:`E/h` in MHz, sorted by :math:`m_F` block then energy.
    m_f : numpy.ndarray, shape (n,)
        Total projection :math:`m_F` of each eigenstate (exact half-integers).
    states : numpy.ndarray, shape (dim, n)
        Orthonormal real eigenvectors (columns) in the manifold's basis.
    basis : numpy.ndarray, shape (dim, 2) or (dim, 3)
        Projections of the basis states (see :func:`rb_hamiltonian`).
    """

    energies_mhz: np.ndarray
    m_f: np.ndarray
    states: np.ndarray
    basis: np.ndarray


def _diagonalise(h: np.ndarray, basis: np.ndarray, keep: float | None) -> ZeemanLevels:
    mtot = basis.sum(axis=1)
    energies, mf, cols = [], [], []
    for m in np.unique(mtot)[::-1]:
        idx = np.flatnonzero(mtot == m)
        w, v = np.linalg.eigh(h[np.ix_(idx, idx)])
        for k in range(w.size):
            if keep is not None and abs(w[k]) >= keep:
                continue
            col = np.zeros(h.shape[0])
            col[idx] = v[:, k]
            energies.append(w[k])
            mf.append(m)
            cols.append(col)
    out = ZeemanLevels(
        energies_mhz=np.asarray(energies),
        m_f=np.asarray(mf),
        states=np.stack(cols, axis=1),
        basis=basis,
    )
    for a in (out.energies_mhz, out.m_f, out.states):
        a.flags.writeable = False
    return out


@functools.lru_cache(maxsize=256)
def _levels(iso: int, line: str, b: float, constants: str) -> tuple[ZeemanLevels, ZeemanLevels]:
    data = rb_line_data(iso, line, constants=constants)
    hg, bg = _hamiltonian(data, "ground", b)
    he, be = _hamiltonian(data, "excited", b)
    return _diagonalise(hg, bg, None), _diagonalise(he, be, data.fine_structure_mhz / 4)


def rb_levels(
    isotope: Any, line: str, /, *, B_gauss: float, constants: str = "elecsus"
) -> tuple[ZeemanLevels, ZeemanLevels]:
    r"""Field-dressed eigenstates of the ground and excited manifolds of a Rb D line.

    Parameters
    ----------
    isotope : {85, 87, "85Rb", "87Rb", "Rb85", "Rb87"}
        The isotope.
    line : {"D1", "D2"}
        The line; only the excited states of its :math:`J'` are returned.
    B_gauss : float
        Field along :math:`+\hat z` in gauss (keyword-only; the only accepted unit).
    constants : {"elecsus", "steck"}, default "elecsus"
        Constant set.

    Returns
    -------
    ground, excited : ZeemanLevels
        ``ground`` has :math:`2(2I+1)` states, ``excited`` :math:`2(2J'+1)(2I+1)`
        (host NumPy, read-only, cached per argument tuple).

    Raises
    ------
    TypeError
        If ``B_gauss`` is not a real number.
    ValueError
        As :func:`rb_hamiltonian`.

    Notes
    -----
    Limits (tests): at :math:`B \to 0` the ground splitting is :math:`A_s(I + 1/2)` and the
    excited levels are the hyperfine levels :math:`F'`; at weak field the slopes are
    :math:`g_F m_F \mu_B`; at 0.6 T the excited states are in the hyperfine Paschen-Back
    regime (slopes :math:`(g_J m_J + g_I m_I)\mu_B` with :math:`\mu_B B/h = 8398` MHz
    :math:`\gg A'`) while the ground states are intermediate (Breit-Rabi, exact for
    :math:`J = 1/2`).

    References
    ----------
    .. [1] D. A. Steck, "Rubidium 87 D Line Data", http://steck.us/alkalidata, §5.2
       (Breit-Rabi formula, Paschen-Back limit).
    .. [2] J. D. Briscoe et al., arXiv:2403.00950 (2024) (0.6 T: hyperfine Paschen-Back).

    Examples
    --------
    >>> from refimpl.optics import rb_levels
    >>> g, e = rb_levels(87, "D2", B_gauss=6000.0)
    >>> g.energies_mhz.shape, e.energies_mhz.shape
    ((8,), (16,))
    """
    iso = rb_line_data(isotope, line, constants=constants).isotope
    return _levels(iso, line, _field(B_gauss), constants)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RbTransitions:
    r"""The :math:`\Delta m = q` lines of one isotope and D line (host NumPy).

    Attributes
    ----------
    frequency_mhz : numpy.ndarray, shape (n,)
        Line positions :math:`E_e - E_g` in MHz, relative to the line's ``nu0_mhz``.
    strength : numpy.ndarray, shape (n,)
        :math:`s_{eg} = p_g|c^{(q)}_{eg}|^2` (dimensionless; only non-zero lines).
    ground, excited : numpy.ndarray, shape (n,)
        Indices into ``rb_levels(...)[0]`` and ``[1]``.
    """

    frequency_mhz: np.ndarray
    strength: np.ndarray
    ground: np.ndarray
    excited: np.ndarray


_Q = (1, 0, -1)
_STRENGTH_FLOOR = 1e-14  # |c|^2 below this is round-off of an exactly forbidden line


def _ground_populations(levels: ZeemanLevels, T_celsius: float | None) -> np.ndarray:
    """Uniform (``None``) or Boltzmann ground populations at ``T_celsius`` (sum 1)."""
    n = levels.energies_mhz.size
    if T_celsius is None:
        return np.full(n, 1.0 / n)
    t = _xp.finite_float(T_celsius, name="T_celsius") + 273.15
    if not (math.isfinite(t) and t > 0):
        msg = f"T_celsius must be a finite temperature above -273.15; got {T_celsius!r}"
        raise ValueError(msg)
    e = levels.energies_mhz - levels.energies_mhz.min()
    w = np.exp(-e * 1e6 * scipy.constants.h / (scipy.constants.k * t))
    return w / w.sum()


def rb_transitions(
    isotope: Any,
    line: str,
    /,
    *,
    B_gauss: float,
    q: int,
    T_celsius: float | None = None,
    constants: str = "elecsus",
) -> RbTransitions:
    r"""Positions and strengths of the :math:`\Delta m = q` transitions of a Rb D line.

    Parameters
    ----------
    isotope : {85, 87, "85Rb", "87Rb", "Rb85", "Rb87"}
        The isotope.
    line : {"D1", "D2"}
        The line.
    B_gauss : float
        Field along :math:`+\hat z` in gauss (keyword-only; the only accepted unit).
    q : {+1, 0, -1}
        :math:`\Delta m = m_e - m_g`: +1 (:math:`\sigma^+`, driven by
        :math:`\hat e_{+} = (\hat x + i\hat y)/\sqrt2` for light along :math:`+\hat z`,
        :math:`e^{i(kz - \omega t)}`), 0 (:math:`\pi`, :math:`\hat z`), -1 (:math:`\sigma^-`).
    T_celsius : float or None, default None
        Boltzmann ground populations at this temperature; ``None``: uniform :math:`1/\dim`.
    constants : {"elecsus", "steck"}, default "elecsus"
        Constant set.

    Returns
    -------
    RbTransitions
        Host NumPy arrays; lines with :math:`|c|^2 < 10^{-14}` (forbidden up to round-off)
        are dropped.

    Raises
    ------
    TypeError
        If ``q`` is not an int or ``B_gauss``/``T_celsius`` are not real numbers.
    ValueError
        If ``q`` is not in {+1, 0, -1}, or as :func:`rb_levels`.

    Notes
    -----
    Sum rule (tests): with uniform populations :math:`\sum s = 2/3` (D2), :math:`1/3` (D1)
    exactly at :math:`B = 0` and to ~2e-4 at 0.6 T (J-mixing moves strength between the
    lines). Selection rule: :math:`m_F(e) - m_F(g) = q` for every returned line.

    References
    ----------
    .. [1] M. A. Zentile et al., Comput. Phys. Commun. 189, 162 (2015), §2.
    .. [2] J. D. Briscoe et al., arXiv:2403.00950 (2024).

    Examples
    --------
    >>> from refimpl.optics import rb_transitions
    >>> t = rb_transitions(87, "D2", B_gauss=0.0, q=1)
    >>> round(float(t.strength.sum()), 12)
    0.666666666667
    """
    if isinstance(q, bool) or not isinstance(q, int):
        msg = f"q must be an int in (+1, 0, -1); got {type(q).__name__}"
        raise TypeError(msg)
    if q not in _Q:
        msg = f"q must be +1, 0 or -1; got {q}"
        raise ValueError(msg)
    g, e = rb_levels(isotope, line, B_gauss=B_gauss, constants=constants)
    p = _ground_populations(g, T_celsius)
    # rows of e.states with m_L = q, matched to the ground basis (m_S, m_I) in order
    sel = np.flatnonzero(e.basis[:, 0] == q)
    c = e.states[sel, :].T @ g.states  # (n_e, n_g)
    c2 = c * c
    ie, ig = np.nonzero(c2 > _STRENGTH_FLOOR)
    return RbTransitions(
        frequency_mhz=e.energies_mhz[ie] - g.energies_mhz[ig],
        strength=p[ig] * c2[ie, ig],
        ground=ig,
        excited=ie,
    )
