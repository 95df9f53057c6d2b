"""Tests of refimpl.quantum.lindblad: dense superoperators and the local POVM generator.

Oracles: the dense master equation (matrix products) against the vectorised superoperator;
the local POVM generator against the dense route under the change of frame
(L P = P(L(rho(P)))) and against the explicit similarity transform T L_vec T^-1 (N = 2);
trace preservation (zero column sums); QuTiP's Liouvillian (optional); translation invariance
of the exact steady state of a periodic chain.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refimpl import _xp
from refimpl.quantum import (
    apply_lindbladian,
    dense_operators,
    density_from_probabilities,
    dissipative_ising,
    dissipative_xyz,
    group_blocks,
    lindblad_model,
    lindblad_rhs,
    lindbladian,
    liouvillian,
    povm,
    probabilities,
    steady_state,
)
from refimpl.testing.strategies import seeds
from tests._helpers import dtype_eps
from tests.quantum._common import FRAMES, SM, SX, SZ, cdtype, ginibre_density, random_hermitian

MODELS = {
    "ising3": lambda **k: dissipative_ising(3, g=1.3, **k),
    "ising4": lambda **k: dissipative_ising(4, g=0.7, V=2.0, gamma=0.8, **k),
    "xyz2x2": lambda **k: dissipative_xyz(4, B=0.4, **k),
}


@pytest.mark.parametrize("model_name", sorted(MODELS))
@pytest.mark.parametrize("name", FRAMES)
def test_column_sums_vanish(xp, device, model_name, name):
    dtype, eps = dtype_eps(xp, device)
    model = MODELS[model_name](xp=xp, dtype=dtype, device=device)
    gen = lindbladian(model, povm(name, xp=xp, dtype=dtype, device=device))
    dense = _xp.to_host(gen.dense())
    norm = np.abs(dense).max()
    assert norm > 1.0  # non-vacuity
    # spec 5.3.3: 1e2 eps |L|; times 4 for the 4-term column sums of each block
    assert np.abs(dense.sum(axis=0)).max() <= 4e2 * eps * norm


@given(seed=seeds(), model_name=st.sampled_from(sorted(MODELS)), name=st.sampled_from(FRAMES))
def test_generator_equals_dense_route(xp, device, seed, model_name, name):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    model = MODELS[model_name](xp=xp, dtype=dtype, device=device)
    f = povm(name, xp=xp, dtype=dtype, device=device)
    gen = lindbladian(model, f)
    rng = np.random.default_rng(seed)
    rho_np = ginibre_density(rng, model.n_sites)
    rho = xp.asarray(rho_np, dtype=cdt, device=device)
    h, ls = dense_operators(model)
    p = probabilities(rho, f)
    want = probabilities(lindblad_rhs(rho, h, ls), f)
    got = apply_lindbladian(gen, p)
    scale = float(xp.max(xp.abs(want)))
    assert scale > 1e-3  # non-vacuity: the state is not stationary
    # |L| <= ~50 (Pauli-4 frame), 4^N-term contractions: 1e3 eps relative
    assert float(xp.max(xp.abs(got - want))) <= 1e3 * eps * max(scale, 1.0) * 4
    unmerged = apply_lindbladian(lindbladian(model, f, merge=False), p)
    assert float(xp.max(xp.abs(unmerged - got))) <= 1e3 * eps * max(scale, 1.0)


@pytest.mark.only_xp("numpy", reason="3x3 lattice: 512 x 512 dense matrices, once")
def test_generator_3x3_xyz_equals_dense_route(xp, device):
    model = dissipative_xyz(9, B=0.3)
    f = povm("tetra")
    rng = np.random.default_rng(5)
    rho = ginibre_density(rng, 9)
    h, ls = dense_operators(model)
    want = probabilities(lindblad_rhs(rho, h, ls), f)
    got = lindbladian(model, f).apply(probabilities(rho, f))
    assert np.abs(got - want).max() <= 1e3 * np.finfo(float).eps * np.abs(want).max() * 4


@pytest.mark.parametrize("name", FRAMES)
def test_generator_is_similarity_transform_of_liouvillian(name):
    """N = 2: the POVM generator equals T L_vec T^-1, T[a, (i,j)] = (M_a)_{ji} (row-major)."""
    model = dissipative_ising(2, g=0.9)
    f = povm(name)
    h, ls = dense_operators(model)
    lvec = liouvillian(h, ls)
    n = 2
    m_full = np.stack([np.kron(f.M[a], f.M[b]) for a in range(4) for b in range(4)])
    n_full = np.stack([np.kron(f.N[a], f.N[b]) for a in range(4) for b in range(4)])
    t = np.stack([m.T.reshape(-1) for m in m_full])  # P = T vec(rho)
    t_inv = np.stack([x.reshape(-1) for x in n_full], axis=1)  # vec(rho) = T^-1 P
    np.testing.assert_allclose(t @ t_inv, np.eye(4**n), atol=1e-12)
    want = np.real(t @ lvec @ t_inv)
    got = lindbladian(model, f).dense()
    np.testing.assert_allclose(got, want, atol=1e-12 * np.abs(want).max())


@given(seed=seeds())
def test_liouvillian_matches_master_equation(xp, device, seed):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    rng = np.random.default_rng(seed)
    d = 4
    h = xp.asarray(random_hermitian(rng, d), dtype=cdt, device=device)
    lnp = rng.standard_normal((2, d, d)) + 1j * rng.standard_normal((2, d, d))
    ls = xp.asarray(lnp, dtype=cdt, device=device)
    rho = xp.asarray(ginibre_density(rng, 2), dtype=cdt, device=device)
    got = liouvillian(h, ls) @ xp.reshape(rho, (d * d,))
    want = xp.reshape(lindblad_rhs(rho, h, ls), (d * d,))
    scale = float(xp.max(xp.abs(want)))
    assert float(xp.max(xp.abs(got - want))) <= 1e2 * eps * scale


def test_liouvillian_matches_qutip():
    qutip = pytest.importorskip("qutip", reason="qutip is an optional oracle (test extra)")
    model = dissipative_ising(3, g=1.1)
    h, ls = dense_operators(model)
    qh = qutip.Qobj(h, dims=[[2] * 3, [2] * 3])
    qls = [qutip.Qobj(x, dims=[[2] * 3, [2] * 3]) for x in ls]
    lq = qutip.liouvillian(qh, qls).full()  # column-stacking vec
    rho = ginibre_density(np.random.default_rng(0), 3)
    want = (lq @ rho.reshape(-1, order="F")).reshape(8, 8, order="F")
    np.testing.assert_allclose(lindblad_rhs(rho, h, ls), want, atol=1e-12)
    # the model's Hamiltonian is the spec's: (V/4) sum zz + (g/2) sum x, sigma^- = sigmam()
    z, x = qutip.sigmaz(), qutip.sigmax()
    ops = [qutip.qeye(2)] * 3

    def site(op, i):
        lst = list(ops)
        lst[i] = op
        return qutip.tensor(lst)

    href = sum(0.5 * site(z, i) * site(z, (i + 1) % 3) + 0.55 * site(x, i) for i in range(3))
    np.testing.assert_allclose(h, href.full(), atol=1e-14)
    np.testing.assert_allclose(ls[0], site(qutip.sigmam(), 0).full(), atol=1e-14)


def test_steady_state_is_translation_invariant():
    n = 5
    f = povm("tetra")
    res = steady_state(lindbladian(dissipative_ising(n, g=1.0), f), method="dense")
    t = res.p.reshape((4,) * n)
    shifted = np.moveaxis(t, 0, -1)  # cyclic shift of the sites
    np.testing.assert_allclose(shifted, t, atol=1e-12)
    # non-vacuity: a non-symmetric state is not invariant
    rho1 = ginibre_density(np.random.default_rng(1), 1)
    q = probabilities(np.kron(rho1, np.eye(16) / 16), f)
    qt = q.reshape((4,) * 5)
    assert np.abs(np.moveaxis(qt, 0, -1) - qt).max() > 1e-4  # entries ~1e-3, far above atol


def test_user_model_matches_builtin(xp, device):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    zz = xp.asarray(0.5 * np.kron(SZ, SZ), dtype=cdt, device=device)
    hx = xp.asarray(0.35 * SX, dtype=cdt, device=device)
    sm = xp.asarray(SM, dtype=cdt, device=device)
    user = lindblad_model(
        3,
        hamiltonian=[((0, 1), zz), ((1, 2), zz), ((2, 0), zz), (0, hx), (1, hx), (2, hx)],
        jumps=[(0, sm), (1, sm), (2, sm)],
    )
    f = povm("pauli4", xp=xp, dtype=dtype, device=device)
    a = lindbladian(user, f).dense()
    b = lindbladian(dissipative_ising(3, g=0.7, xp=xp, dtype=dtype, device=device), f).dense()
    assert float(xp.max(xp.abs(a - b))) <= 1e2 * eps * float(xp.max(xp.abs(b)))
    rho = xp.asarray(density_from_probabilities(xp.ones(64, dtype=dtype, device=device) / 64, f))
    assert rho.shape == (8, 8)


# ------------------------------------------------------------------------------ bad input
def test_bad_models(xp, device):
    dtype, _ = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    nonherm = xp.asarray(SM, dtype=cdt, device=device)
    with pytest.raises(ValueError, match="must be Hermitian"):
        lindblad_model(2, hamiltonian=[(0, nonherm)])
    with pytest.raises(ValueError, match=r"shape \(4, 4\)"):
        lindblad_model(2, hamiltonian=[((0, 1), xp.asarray(SZ, dtype=cdt, device=device))])
    with pytest.raises(ValueError, match="distinct indices"):
        lindblad_model(2, jumps=[((0, 2), xp.eye(4, dtype=cdt, device=device))])
    with pytest.raises(ValueError, match="distinct indices"):
        lindblad_model(2, jumps=[((1, 1), xp.eye(4, dtype=cdt, device=device))])
    with pytest.raises(ValueError, match="perfect square"):
        dissipative_xyz(6)
    with pytest.raises(ValueError, match="perfect square"):
        dissipative_xyz(1)
    with pytest.raises(ValueError, match="gamma"):
        dissipative_ising(3, g=1.0, gamma=-1.0)
    with pytest.raises(ValueError, match="n_sites must be >= 2"):
        dissipative_ising(1, g=1.0)
    with pytest.raises(ValueError, match="hamiltonian must be Hermitian"):
        liouvillian(nonherm, xp.zeros((0, 2, 2), dtype=cdt, device=device))
    with pytest.raises(ValueError, match="jumps must have shape"):
        lindblad_rhs(nonherm, xp.eye(2, dtype=cdt, device=device), nonherm)
    gen = lindbladian(
        dissipative_ising(2, g=1.0, xp=xp, dtype=dtype, device=device),
        povm("tetra", xp=xp, dtype=dtype, device=device),
    )
    with pytest.raises(ValueError, match="p must have shape"):
        apply_lindbladian(gen, xp.ones(4, dtype=dtype, device=device))
    with pytest.raises(TypeError, match="LindbladModel"):
        lindbladian("ising", povm("tetra"))


GROUP_MODELS = {
    "ising5": lambda **k: dissipative_ising(5, g=1.1, **k),  # bond pairs + a wrap-around group
    "xyz2x2": lambda **k: dissipative_xyz(4, B=0.4, **k),  # no triangles: bond pairs
}  # the 3 x 3 lattice (triangles: rows and columns) is tested once below, on NumPy


@settings(max_examples=10)  # each example applies two generators to 2 x 4^5 entries
@given(seed=seeds(), model_name=st.sampled_from(sorted(GROUP_MODELS)))
def test_group_blocks_is_the_same_operator(xp, device, seed, model_name):
    dtype, eps = dtype_eps(xp, device)
    model = GROUP_MODELS[model_name](xp=xp, dtype=dtype, device=device)
    gen = lindbladian(model, povm("tetra", xp=xp, dtype=dtype, device=device))
    grouped = group_blocks(gen)
    assert len(grouped.blocks) < len(gen.blocks)  # non-vacuity: blocks were merged
    assert max(len(s) for s in grouped.sites) == 3  # ising5: 2 pairs + the lone bond (4, 0)
    rng = np.random.default_rng(seed)
    p = xp.asarray(rng.random((4**model.n_sites, 2)), dtype=dtype, device=device)
    want = apply_lindbladian(gen, p)
    got = apply_lindbladian(grouped, p)
    scale = float(xp.max(xp.abs(want)))
    # both sum the same products in another grouping: entries |L_ab| <= 10, <= 64-term sums
    assert float(xp.max(xp.abs(got - want))) <= 1e2 * eps * max(scale, 1.0)
    # explicit groups (one group per bond pair, the rest default) give the same operator too
    mine = group_blocks(gen, [(0, 1, 2)])
    assert float(xp.max(xp.abs(apply_lindbladian(mine, p) - want))) <= 1e2 * eps * max(scale, 1.0)


def test_group_blocks_3x3_rows_and_columns():
    gen = lindbladian(dissipative_xyz(9, B=0.3), povm("tetra"))
    grouped = group_blocks(gen)
    rows = {(0, 1, 2), (3, 4, 5), (6, 7, 8)}
    cols = {(0, 3, 6), (1, 4, 7), (2, 5, 8)}
    assert set(grouped.sites) == rows | cols
    # the dense generators agree (N = 9 is too large for dense(): compare on basis columns)
    cols_idx = np.random.default_rng(0).choice(4**9, size=4, replace=False)
    e = np.zeros((4**9, 4))
    e[cols_idx, np.arange(4)] = 1.0
    np.testing.assert_allclose(grouped.apply(e), gen.apply(e), rtol=0, atol=1e-13)


def test_group_blocks_bad_input():
    gen = lindbladian(dissipative_ising(4, g=1.0), povm("tetra"))
    with pytest.raises(TypeError, match="LocalLindbladian"):
        group_blocks("gen")
    with pytest.raises(ValueError, match="distinct sites"):
        group_blocks(gen, [(0, 0, 1)])
    with pytest.raises(ValueError, match="distinct sites"):
        group_blocks(gen, [(0, 4)])
    with pytest.raises(ValueError, match="distinct sites"):
        group_blocks(gen, [()])
