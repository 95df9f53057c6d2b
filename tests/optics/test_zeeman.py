"""Rb D-line levels and line strengths: limits, sum rules, selection rules, 3j/6j, ARC.

Independent oracles: the closed-form zero-field hyperfine energies (Casimir formula), the
Breit-Rabi formula (exact for J = 1/2), g_F from the Lande formulas, the Paschen-Back slopes,
Wigner 3j/6j line-strength factors (Steck, Rubidium 87 D Line Data, §4) and ARC (optional).
Everything here is host-side float64 (the Hamiltonians are constant tables).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from refimpl.optics import (
    rb_hamiltonian,
    rb_levels,
    rb_line_data,
    rb_number_density,
    rb_transitions,
    wigner_3j,
    wigner_6j,
)

EPS = float(np.finfo(np.float64).eps)
CASES = [(iso, line) for iso in (85, 87) for line in ("D1", "D2")]
# eigh on matrices whose largest entries are the fine-structure term (~1.1e7 MHz): backward
# error ~ dim * eps * ||H||, i.e. ~ 36 * 2.2e-16 * 1.1e7 ~ 1e-7 MHz; the ground manifold's norm
# is ~ 1e4 MHz (at most 6000 G) -> 1e-10 MHz
TOL_EXC_MHZ = 1e-6
TOL_GND_MHZ = 1e-9


def _gj(j: float, l_: float, s: float, g_l: float, g_s: float) -> float:
    jj, ll, ss = j * (j + 1), l_ * (l_ + 1), s * (s + 1)
    return g_l * (jj - ss + ll) / (2 * jj) + g_s * (jj + ss - ll) / (2 * jj)


def _gf(f: float, j: float, nuc: float, g_j: float, g_i: float) -> float:
    ff, jj, ii = f * (f + 1), j * (j + 1), nuc * (nuc + 1)
    if ff == 0:  # F = 0 (87Rb F' = 0): a single m_F = 0 state, no linear shift
        return 0.0
    return g_j * (ff - ii + jj) / (2 * ff) + g_i * (ff + ii - jj) / (2 * ff)


def _hfs_energy(f: float, j: float, nuc: float, a: float, b: float) -> float:
    """Zero-field hyperfine energy (Steck Eq. 16): A K/2 + B (3/2 K(K+1) - 2IJ..)/(..)."""
    k = f * (f + 1) - nuc * (nuc + 1) - j * (j + 1)
    e = a * k / 2
    if b != 0.0:
        num = 1.5 * k * (k + 1) - 2 * nuc * (nuc + 1) * j * (j + 1)
        e += b * num / (4 * nuc * (2 * nuc - 1) * j * (2 * j - 1))
    return e


def _f_values(nuc: float, j: float) -> list[float]:
    return [abs(nuc - j) + k for k in range(round(2 * min(nuc, j)) + 1)]


def _f_labels(energies, nuc, j, a, b, offset):
    """Map zero-field energies to F by the nearest closed-form hyperfine energy."""
    fs = _f_values(nuc, j)
    ref = np.array([_hfs_energy(f, j, nuc, a, b) + offset for f in fs])
    idx = np.argmin(np.abs(energies[:, None] - ref[None, :]), axis=1)
    return np.array(fs)[idx], np.abs(energies - ref[idx]).max()


# ------------------------------------------------------------------------ zero field
@pytest.mark.parametrize(("iso", "line"), CASES)
def test_zero_field_hyperfine_levels(iso, line):
    d = rb_line_data(iso, line)
    nuc, jx = float(d.nuclear_spin), float(d.j_excited)
    g, e = rb_levels(iso, line, B_gauss=0.0)
    f_g, err_g = _f_labels(g.energies_mhz, nuc, 0.5, d.a_ground_mhz, 0.0, d.isotope_shift_mhz)
    f_e, err_e = _f_labels(e.energies_mhz, nuc, jx, d.a_excited_mhz, d.b_excited_mhz, 0.0)
    assert err_g <= TOL_GND_MHZ
    assert err_e <= TOL_EXC_MHZ
    # each F appears 2F + 1 times; the ground splitting is A_s (I + 1/2)
    for labels in (f_g, f_e):
        for f in np.unique(labels):
            assert np.sum(labels == f) == round(2 * f + 1)
    split = g.energies_mhz.max() - g.energies_mhz.min()
    assert split == pytest.approx(d.a_ground_mhz * (nuc + 0.5), abs=TOL_GND_MHZ)


# ------------------------------------------------------------------------ weak field
@pytest.mark.parametrize(("iso", "line"), CASES)
def test_weak_field_slopes_are_gf_mf(iso, line):
    d = rb_line_data(iso, line)
    nuc, jx = float(d.nuclear_spin), float(d.j_excited)
    db = 0.05  # G: central difference; the quadratic Zeeman term cancels
    mub = d.mu_b_mhz_per_gauss
    lv0 = rb_levels(iso, line, B_gauss=0.0)
    lvp = rb_levels(iso, line, B_gauss=db)
    lvm = rb_levels(iso, line, B_gauss=-db)
    g_js = (
        _gj(0.5, 0.0, 0.5, d.g_l, d.g_s_ground),
        _gj(jx, 1.0, 0.5, d.g_l, d.g_s),
    )
    specs = (
        (0, 0.5, d.a_ground_mhz, 0.0, d.isotope_shift_mhz),
        (1, jx, d.a_excited_mhz, d.b_excited_mhz, 0.0),
    )
    for k, j, a, b, off in specs:
        l0, lp, lm = lv0[k], lvp[k], lvm[k]
        assert np.array_equal(l0.m_f, lp.m_f)  # same block order at every field
        f, _ = _f_labels(l0.energies_mhz, nuc, j, a, b, off)
        slope = (lp.energies_mhz - lm.energies_mhz) / (2 * db)
        want = np.array([_gf(ff, j, nuc, g_js[k], d.g_i) for ff in f]) * l0.m_f * mub
        # energy round-off (TOL / db) plus the cubic Zeeman term (< 1e-9 MHz/G here)
        tol = (TOL_EXC_MHZ if k else TOL_GND_MHZ) / db + 1e-8
        np.testing.assert_allclose(slope, want, rtol=0, atol=tol)
        assert np.ptp(want) > 0.5  # non-vacuous: slopes of order mu_B (1.4 MHz/G)


# ---------------------------------------------------------------------- strong field
def _pb_check(levels, d, b_gauss):
    """Hellmann-Feynman slope <mu_z> vs the Paschen-Back (g_J m_J + g_I m_I) mu_B."""
    basis = levels.basis
    p = levels.states**2  # populations of the basis states
    if basis.shape[1] == 2:
        m_j = p.T @ basis[:, 0]
        g_j = d.g_s_ground
        slope = (d.g_s_ground * m_j + d.g_i * (p.T @ basis[:, 1])) * d.mu_b_mhz_per_gauss
    else:
        ml, ms = p.T @ basis[:, 0], p.T @ basis[:, 1]
        m_j = ml + ms
        g_j = _gj(float(d.j_excited), 1.0, 0.5, d.g_l, d.g_s)
        slope = (d.g_l * ml + d.g_s * ms + d.g_i * (p.T @ basis[:, 2])) * d.mu_b_mhz_per_gauss
    m_i = levels.m_f - np.round(2 * m_j) / 2
    pb = (g_j * np.round(2 * m_j) / 2 + d.g_i * m_i) * d.mu_b_mhz_per_gauss
    return slope, pb


@pytest.mark.parametrize(("iso", "line"), CASES)
def test_paschen_back_slopes(iso, line):
    d = rb_line_data(iso, line)
    nuc = float(d.nuclear_spin)
    for k, b_gauss, a in ((0, 1e5, d.a_ground_mhz), (1, 6000.0, d.a_excited_mhz)):
        errs = []
        for b in (b_gauss / 4, b_gauss):
            lv = rb_levels(iso, line, B_gauss=b)[k]
            slope, pb = _pb_check(lv, d, b)
            errs.append(np.abs(slope - pb).max() / d.mu_b_mhz_per_gauss)
        # hyperfine corrections ~ (A (I + 1/2) / mu_B B)^2 (plus J-mixing ~ mu_B B / Delta_FS)
        x = a * (nuc + 0.5) / (d.mu_b_mhz_per_gauss * b_gauss)
        assert errs[1] <= 4 * x * x + 5 * d.mu_b_mhz_per_gauss * b_gauss / d.fine_structure_mhz
        assert errs[1] < errs[0]  # approaches the limit as B grows


@given(b=st.floats(0.0, 1e4), iso=st.sampled_from([85, 87]))
def test_ground_levels_follow_breit_rabi(b, iso):
    d = rb_line_data(iso, "D2")
    nuc = float(d.nuclear_spin)
    g, _ = rb_levels(iso, "D2", B_gauss=b)
    mub = d.mu_b_mhz_per_gauss
    de = d.a_ground_mhz * (nuc + 0.5)
    x = (d.g_s_ground - d.g_i) * mub * b / de
    ref = []
    for f, sgn in ((nuc + 0.5, 1.0), (nuc - 0.5, -1.0)):
        for m in np.arange(-f, f + 1):
            if abs(m) == nuc + 0.5:  # stretched states: linear in B
                e = (
                    de * nuc / (2 * nuc + 1)
                    + np.sign(m) * 0.5 * (d.g_s_ground + 2 * nuc * d.g_i) * mub * b
                )
            else:
                e = -de / (2 * (2 * nuc + 1)) + d.g_i * mub * m * b
                e += sgn * de / 2 * math.sqrt(1 + 4 * m * x / (2 * nuc + 1) + x * x)
            ref.append(e + d.isotope_shift_mhz)
    np.testing.assert_allclose(np.sort(g.energies_mhz), np.sort(ref), rtol=0, atol=TOL_GND_MHZ * 10)


@pytest.mark.parametrize("iso", [85, 87])
def test_no_crossing_within_an_mf_block(iso):
    """von Neumann-Wigner: levels of one m_F never cross (they anticross); levels of
    different m_F do cross somewhere between 0 and 6000 G (non-vacuity)."""
    fields = np.linspace(0.0, 6000.0, 121)
    energies = np.array([rb_levels(iso, "D2", B_gauss=b)[1].energies_mhz for b in fields])
    m_f = rb_levels(iso, "D2", B_gauss=0.0)[1].m_f
    for m in np.unique(m_f):
        block = energies[:, m_f == m]
        if block.shape[1] > 1:
            gaps = np.diff(np.sort(block, axis=1), axis=1)
            assert gaps.min() > 1.0  # MHz
    order = np.argsort(energies, axis=1)
    assert not np.all(order == order[0])  # the global ordering changes: crossings exist


# ---------------------------------------------------------------------- line strengths
@pytest.mark.parametrize(("iso", "line"), CASES)
@pytest.mark.parametrize("b", [0.0, 50.0, 1000.0, 6000.0])
def test_strength_sum_rule(iso, line, b):
    share = 2 / 3 if line == "D2" else 1 / 3
    for q in (1, 0, -1):
        tr = rb_transitions(iso, line, B_gauss=b, q=q)
        # B = 0: exact up to round-off; B > 0: J-mixing moves <= 1.8e-4 (spec 6.4 item 2)
        tol = 1e-12 if b == 0.0 else 5e-4
        assert abs(tr.strength.sum() - share) <= tol
        if b == 0.0:  # Boltzmann populations change nothing at B = 0 (isotropic F levels)
            trb = rb_transitions(iso, line, B_gauss=b, q=q, T_celsius=100.0)
            assert abs(trb.strength.sum() - share) <= 1e-12
    # the J-mixing deviation is real at 0.6 T (the test is not vacuous about it)
    tr = rb_transitions(iso, line, B_gauss=6000.0, q=1)
    assert abs(tr.strength.sum() - share) > 1e-5


@pytest.mark.parametrize(("iso", "line"), CASES)
def test_selection_rules(iso, line):
    g, e = rb_levels(iso, line, B_gauss=6000.0)
    sel_all = []
    for q in (1, 0, -1):
        tr = rb_transitions(iso, line, B_gauss=6000.0, q=q)
        np.testing.assert_array_equal(e.m_f[tr.excited] - g.m_f[tr.ground], q)
        sel_all.append(tr.frequency_mhz.size)
        # the full coupling matrix vanishes outside Delta m_F = q
        rows = np.flatnonzero(e.basis[:, 0] == q)
        c = e.states[rows, :].T @ g.states
        mask = (e.m_f[:, None] - g.m_f[None, :]) != q
        assert np.abs(c[mask]).max() == 0.0
    assert min(sel_all) > 0


@pytest.mark.parametrize(("iso", "line"), CASES)
def test_zero_field_strengths_from_3j_and_6j(iso, line):
    """|c|^2 = 3 f_J' S_FF' (2F+1) (F 1 F'; m q -m')^2, S_FF' = (2F'+1)(2J+1){J J' 1; F' F I}^2
    with f_J' = (2J'+1)/6 the fine-structure share of the L = 0 -> 1 strength."""
    d = rb_line_data(iso, line)
    nuc, jx = d.nuclear_spin, d.j_excited
    j = Fraction(1, 2)
    g, e = rb_levels(iso, line, B_gauss=0.0)
    f_g, _ = _f_labels(g.energies_mhz, float(nuc), 0.5, d.a_ground_mhz, 0.0, d.isotope_shift_mhz)
    f_e, _ = _f_labels(e.energies_mhz, float(nuc), float(jx), d.a_excited_mhz, d.b_excited_mhz, 0.0)
    f_j = float(2 * jx + 1) / 6
    n_g = g.energies_mhz.size
    checked = 0
    for q in (1, 0, -1):
        tr = rb_transitions(iso, line, B_gauss=0.0, q=q)
        got = tr.strength * n_g  # uniform populations 1/n_g
        for k in range(got.size):
            f, fp = Fraction(f_g[tr.ground[k]]), Fraction(f_e[tr.excited[k]])
            m, mp = Fraction(g.m_f[tr.ground[k]]), Fraction(e.m_f[tr.excited[k]])
            s_ffp = float((2 * fp + 1) * (2 * j + 1)) * wigner_6j(j, jx, 1, fp, f, nuc) ** 2
            want = 3 * f_j * s_ffp * float(2 * f + 1) * wigner_3j(f, 1, fp, m, q, -mp) ** 2
            # eigenvector error ~ eps ||H_e|| / (hyperfine gap) ~ 2e-16 * 1e7 / 30 ~ 1e-10
            assert got[k] == pytest.approx(want, rel=1e-9, abs=1e-12)
            checked += 1
    assert checked > 10


def test_boltzmann_sums_match_elecsus_reference():
    """87Rb D2, 6000 G, 100 C, Boltzmann weights: 0.666131 / 0.666666 / 0.667202 for
    q = +1 / 0 / -1 (spec 6.4 item 2 [num], 6 digits)."""
    for q, want in ((1, 0.666131), (0, 0.666666), (-1, 0.667202)):
        tr = rb_transitions(87, "D2", B_gauss=6000.0, q=q, T_celsius=100.0)
        assert abs(tr.strength.sum() - want) <= 1e-6


# --------------------------------------------------------------------------- bad input
def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="isotope must be one of"):
        rb_levels(86, "D2", B_gauss=1.0)
    with pytest.raises(ValueError, match="isotope must be one of"):
        rb_line_data(True, "D2")
    with pytest.raises(ValueError, match="line must be one of"):
        rb_levels(87, "D3", B_gauss=1.0)
    with pytest.raises(ValueError, match="manifold must be one of"):
        rb_hamiltonian(87, "D2", "middle", B_gauss=1.0)
    with pytest.raises(ValueError, match="constants must be one of"):
        rb_line_data(87, "D2", constants="nist")
    with pytest.raises(TypeError, match="B_tesla"):
        rb_levels(87, "D2", B_tesla=0.6)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="B_gauss"):
        rb_levels(87, "D2", B_gauss="6000")
    for bad in (float("nan"), 2e5):
        with pytest.raises(ValueError, match="B_gauss must be a finite"):
            rb_levels(87, "D2", B_gauss=bad)
    with pytest.raises(ValueError, match="q must be"):
        rb_transitions(87, "D2", B_gauss=1.0, q=2)
    with pytest.raises(TypeError, match="q must be an int"):
        rb_transitions(87, "D2", B_gauss=1.0, q=1.0)
    with pytest.raises(ValueError, match="T_celsius must be"):
        rb_transitions(87, "D2", B_gauss=1.0, q=1, T_celsius=-300.0)
    with pytest.raises(ValueError, match="T_celsius must be"):
        rb_number_density(-274.0)


def test_number_density_values():
    # spec 6.3 item 5 [num]; 4 significant digits as quoted
    for t_c, n in ((25.0, 1.2913e16), (80.0, 1.5488e18), (100.0, 6.0750e18)):
        assert rb_number_density(t_c) == pytest.approx(n, rel=1e-4)
    # solid/liquid branches meet continuously at the melting point (312.46 K)
    t_m = 312.46 - 273.15
    assert rb_number_density(t_m - 1e-9) == pytest.approx(rb_number_density(t_m + 1e-9), rel=0.02)


def test_constant_sets_agree_to_a_few_mhz():
    for iso, line in CASES:
        for q in (1, 0, -1):
            cents = []
            for cs in ("elecsus", "steck"):
                tr = rb_transitions(iso, line, B_gauss=6000.0, q=q, constants=cs)
                cents.append(np.sum(tr.strength * tr.frequency_mhz) / tr.strength.sum())
            assert abs(cents[0] - cents[1]) < 5.0  # MHz, << the 570 MHz Doppler width


# ------------------------------------------------------------------------- ARC oracle
def test_against_arc():
    arc = pytest.importorskip("arc", reason="ARC (arc-alkali-rydberg-calculator) is the oracle")
    for iso, atom in ((87, arc.Rubidium87()), (85, arc.Rubidium85())):
        for cs in ("elecsus", "steck"):
            d = rb_line_data(iso, "D2", constants=cs)
            a_s, _ = atom.getHFSCoefficients(5, 0, 0.5)
            assert d.a_ground_mhz == pytest.approx(a_s / 1e6, rel=1e-9)
            assert d.g_i == pytest.approx(atom.gI, rel=1e-9)
            assert float(d.nuclear_spin) == atom.I
            lam = atom.getTransitionWavelength(5, 0, 0.5, 5, 1, 1.5)
            assert d.wavelength_m == pytest.approx(lam, rel=1e-6)
        a_p, b_p = atom.getHFSCoefficients(5, 1, 1.5)
        st_ = rb_line_data(iso, "D2", constants="steck")
        assert st_.a_excited_mhz == pytest.approx(a_p / 1e6, rel=1e-6)
        assert st_.b_excited_mhz == pytest.approx(b_p / 1e6, rel=1e-6)
    # number density (ARC's own vapour-pressure implementation): 0.1 %
    rb87 = arc.Rubidium87()
    for t_c in (60.0, 100.0, 150.0):
        assert rb_number_density(t_c) == pytest.approx(
            rb87.getNumberDensity(t_c + 273.15), rel=2e-3
        )
    # the stretched D2 dipole matrix element d0 from the natural width (the chi prefactor)
    d = rb_line_data(87, "D2", constants="steck")
    import scipy.constants as sc

    gamma0 = 2 * math.pi * d.gamma_natural_mhz * 1e6
    d0 = math.sqrt(3 * sc.epsilon_0 * sc.hbar * gamma0 * d.wavelength_m**3 / (8 * math.pi**2))
    d0_au = d0 / (sc.e * sc.physical_constants["Bohr radius"][0])
    arc_d0 = rb87.getDipoleMatrixElement(5, 0, 0.5, 0.5, 5, 1, 1.5, 1.5, 1)
    assert d0_au == pytest.approx(arc_d0, rel=2e-3)
