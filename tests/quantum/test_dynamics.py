"""Tests of refimpl.quantum.dynamics: Crank-Nicolson stepping and steady states.

Oracles: ``scipy.linalg.expm`` of the dense POVM generator (fitted order 2), conservation of
sum P, the single-qubit closed form of the driven-damped qubit, the spec's table of steady-state
observables of the dissipative Ising chain (vectorised Liouvillian + qutip.steadystate,
6 digits), and QuTiP's ``steadystate``/``mesolve`` (optional).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from refimpl import _xp
from refimpl.quantum import (
    density_from_probabilities,
    dissipative_ising,
    dissipative_xyz,
    krylov_evolve,
    lindblad_model,
    lindbladian,
    local_expectations,
    povm,
    probabilities,
    steady_state,
    trapezoid_evolve,
    trapezoid_step,
)
from refimpl.testing import assert_rate
from tests._helpers import dtype_eps
from tests.quantum._common import SM, SX, SY, SZ, cdtype, ginibre_density


def _qubit_model(g, gamma, xp=np, dtype=None, device=None):
    cdt = cdtype(xp, dtype if dtype is not None else xp.float64)
    return lindblad_model(
        1,
        hamiltonian=[(0, xp.asarray(0.5 * g * SX, dtype=cdt, device=device))],
        jumps=[(0, xp.asarray(np.sqrt(gamma) * SM, dtype=cdt, device=device))],
    )


@pytest.mark.only_xp("numpy", reason="rates are fitted in float64")
def test_trapezoid_is_second_order(xp, device):
    f = povm("tetra")
    gen = lindbladian(_qubit_model(1.0, 1.0), f)
    p0 = probabilities(np.diag([1.0, 0.0]), f)
    exact = scipy.linalg.expm(gen.dense() * 1.0) @ p0
    steps = np.array([10, 20, 40, 80, 160])
    errs = []
    for n in steps:
        res = trapezoid_evolve(gen, p0, tau=1.0 / n, n_steps=int(n))
        errs.append(np.abs(res.p - exact).max())
    assert_rate(steps, np.array(errs), expected=-2.0, tol=0.15)


@pytest.mark.only_xp("numpy", reason="round-off budget stated for float64")
def test_trapezoid_conserves_normalisation(xp, device):
    f = povm("pauli4")
    gen = lindbladian(dissipative_ising(3, g=1.0), f)
    p = probabilities(ginibre_density(np.random.default_rng(2), 3), f)
    res = trapezoid_evolve(gen, p, tau=0.05, n_steps=100)
    assert abs(float(res.p.sum()) - 1.0) <= 1e-14
    assert res.converged
    assert np.abs(res.p - p).max() > 1e-3  # non-vacuity: the state moved


def test_single_qubit_steady_state_closed_form(xp, device):
    dtype, eps = dtype_eps(xp, device)
    cdt = cdtype(xp, dtype)
    for g, gamma in ((1.0, 1.0), (0.4, 1.7)):
        f = povm("tetra", xp=xp, dtype=dtype, device=device)
        res = steady_state(lindbladian(_qubit_model(g, gamma, xp, dtype, device), f))
        den = gamma**2 + 2 * g**2
        want = (0.0, 2 * g * gamma / den, -(gamma**2) / den)
        for op, w in zip((SX, SY, SZ), want, strict=True):
            o = xp.asarray(op, dtype=cdt, device=device)
            assert abs(float(local_expectations(res.p, o, f)[0]) - w) <= 1e3 * eps
    # spec 5.4: P_ss for g = gamma = 1 in the tetrahedral frame
    f64 = povm("tetra")
    p = steady_state(lindbladian(_qubit_model(1.0, 1.0), f64)).p
    np.testing.assert_allclose(p, [0.16667, 0.27778, 0.41386, 0.14170], atol=1e-5)


# spec 5.4, [num] vectorised Liouvillian and qutip.steadystate, 6 digits
TABLE = [
    (4, 0.5, 0.237068, 0.066191, -0.966905),
    (4, 1.0, 0.439781, 0.187186, -0.812814),
    (4, 2.0, 0.245085, 0.378262, -0.243477),
    (6, 1.0, 0.446569, 0.188965, -0.811035),
]


@pytest.mark.only_xp("numpy", reason="table values, float64")
@pytest.mark.parametrize(("n", "g", "sx", "sy", "sz"), TABLE)
def test_ising_steady_state_table(xp, device, n, g, sx, sy, sz):
    f = povm("tetra")
    res = steady_state(lindbladian(dissipative_ising(n, g=g), f))
    assert res.converged
    got = [float(local_expectations(res.p, op, f).mean()) for op in (SX, SY, SZ)]
    np.testing.assert_allclose(got, [sx, sy, sz], atol=1.5e-6)  # 6 printed digits


@pytest.mark.only_xp("numpy", reason="one float64 comparison of the two solvers")
def test_dense_and_gmres_steady_states_agree(xp, device):
    gen = lindbladian(dissipative_xyz(4, B=0.5), povm("pauli4"))
    a = steady_state(gen, method="dense")
    b = steady_state(gen, method="gmres")
    assert b.converged
    assert b.n_iter > 0
    np.testing.assert_allclose(a.p, b.p, atol=1e-11)
    assert a.residual < 1e-12


def test_steady_state_matches_qutip():
    qutip = pytest.importorskip("qutip", reason="qutip is an optional oracle (test extra)")
    from refimpl.quantum import dense_operators

    for model in (dissipative_ising(4, g=1.3), dissipative_xyz(4, B=0.2)):
        f = povm("tetra")
        res = steady_state(lindbladian(model, f))
        h, ls = dense_operators(model)
        dims = [[2] * model.n_sites, [2] * model.n_sites]
        rho_q = qutip.steadystate(qutip.Qobj(h, dims=dims), [qutip.Qobj(x, dims=dims) for x in ls])
        np.testing.assert_allclose(density_from_probabilities(res.p, f), rho_q.full(), atol=1e-8)


def test_dynamics_match_qutip_mesolve():
    qutip = pytest.importorskip("qutip", reason="qutip is an optional oracle (test extra)")
    from refimpl.quantum import dense_operators

    model = dissipative_xyz(4)
    f = povm("tetra")
    gen = lindbladian(model, f)
    rho0 = np.zeros((16, 16))
    rho0[0, 0] = 1.0  # all sites |0>, sigma_z = +1
    tau, n_steps = 0.002, 250
    res = trapezoid_evolve(gen, probabilities(rho0, f), tau=tau, n_steps=n_steps, observable=SZ)
    h, ls = dense_operators(model)
    dims = [[2] * 4, [2] * 4]
    zs = [
        qutip.tensor([qutip.sigmaz() if k == i else qutip.qeye(2) for k in range(4)])
        for i in range(4)
    ]
    out = qutip.mesolve(
        qutip.Qobj(h, dims=dims),
        qutip.Qobj(rho0, dims=dims),
        np.asarray(res.times),
        [qutip.Qobj(x, dims=dims) for x in ls],
        e_ops=zs,
        options={"atol": 1e-10, "rtol": 1e-8},
    )
    want = np.mean(np.array(out.expect), axis=0)
    # CN global error ~ C tau^2 with C = O(1): 4e-6 at tau = 2e-3
    np.testing.assert_allclose(res.expectations, want, atol=2e-5)
    assert abs(want[-1] - want[0]) > 0.5  # non-vacuity: sigma_z decays from 1


# ------------------------------------------------------------------------------ bad input
def test_bad_input(xp, device):
    dtype, _ = dtype_eps(xp, device)
    f = povm("tetra", xp=xp, dtype=dtype, device=device)
    gen = lindbladian(dissipative_ising(2, g=1.0, xp=xp, dtype=dtype, device=device), f)
    p = xp.ones(16, dtype=dtype, device=device) / 16
    with pytest.raises(ValueError, match="tau must be"):
        trapezoid_step(gen, p, 0.0)
    with pytest.raises(ValueError, match="tau must be"):
        trapezoid_step(gen, p, -0.1)
    with pytest.raises(ValueError, match="must sum to 1"):
        trapezoid_step(gen, 2 * p, 0.1)
    neg = xp.asarray(np.r_[-0.5, np.full(15, 1.5 / 15)], dtype=dtype, device=device)
    with pytest.raises(ValueError, match="non-negative"):
        trapezoid_evolve(gen, neg, tau=0.1, n_steps=2)
    with pytest.raises(ValueError, match="length"):
        trapezoid_step(gen, xp.ones(64, dtype=dtype, device=device) / 64, 0.1)
    with pytest.raises(ValueError, match="n_steps"):
        trapezoid_evolve(gen, p, tau=0.1, n_steps=0)
    with pytest.raises(ValueError, match="method must be one of"):
        steady_state(gen, method="power")
    with pytest.raises(TypeError, match="LocalLindbladian"):
        steady_state("L")


def test_evolution_runs_in_every_namespace(xp, device):
    dtype, eps = dtype_eps(xp, device)
    f = povm("tetra", xp=xp, dtype=dtype, device=device)
    gen = lindbladian(dissipative_ising(2, g=1.0, xp=xp, dtype=dtype, device=device), f)
    p0 = probabilities(
        xp.asarray(np.diag([1.0, 0, 0, 0]), dtype=cdtype(xp, dtype), device=device), f
    )
    res = trapezoid_evolve(
        gen,
        p0,
        tau=0.1,
        n_steps=5,
        observable=xp.asarray(SZ, dtype=cdtype(xp, dtype), device=device),
    )
    assert res.p.dtype == dtype
    assert res.expectations.shape == (6,)
    assert abs(float(xp.sum(res.p)) - 1.0) <= 1e2 * eps
    host = _xp.to_host(res.p)
    ref = trapezoid_evolve(
        lindbladian(dissipative_ising(2, g=1.0), povm("tetra")),
        probabilities(np.diag([1.0, 0, 0, 0]), povm("tetra")),
        tau=0.1,
        n_steps=5,
    ).p
    np.testing.assert_allclose(host, ref, atol=1e3 * eps)


@pytest.mark.parametrize("name", ["tetra", "pauli4"])
def test_krylov_evolve_matches_expm(xp, device, name):
    dtype, eps = dtype_eps(xp, device)
    f = povm(name, xp=xp, dtype=dtype, device=device)
    gen = lindbladian(dissipative_xyz(4, B=0.3, xp=xp, dtype=dtype, device=device), f)
    rho0 = np.zeros((16, 16))
    rho0[0, 0] = 1.0
    p0 = probabilities(xp.asarray(rho0, dtype=cdtype(xp, dtype), device=device), f)
    res = krylov_evolve(
        gen,
        p0,
        times=[0.0, 0.4, 1.0],
        observable=xp.asarray(SZ, dtype=cdtype(xp, dtype), device=device),
    )
    f64 = povm(name)
    dense = lindbladian(dissipative_xyz(4, B=0.3), f64).dense()
    want = scipy.linalg.expm(dense) @ probabilities(rho0, f64)
    # ~40 Krylov vectors and 4^4 entries of size <= 50: 1e4 eps (float32: 1e-3)
    np.testing.assert_allclose(_xp.to_host(res.p), want, atol=1e4 * eps)
    assert abs(float(xp.sum(res.p)) - 1.0) <= 1e3 * eps
    assert res.converged
    assert res.expectations.shape == (3,)
    assert np.abs(want - _xp.to_host(p0)).max() > 1e-2  # non-vacuity


def test_krylov_bad_times():
    f = povm("tetra")
    gen = lindbladian(dissipative_ising(2, g=1.0), f)
    with pytest.raises(ValueError, match="increasing"):
        krylov_evolve(gen, np.ones(16) / 16, times=[0.0, 0.0])
