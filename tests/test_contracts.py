"""API contracts of every public array function (CONVENTIONS.md, Sec. 4).

One table, ``PUBLIC_CASES``, lists each public function with ``make_args(rng)`` (host NumPy
float64 arrays, and plain Python values for non-array positionals). Every area adds its
functions here; ``test_table_covers_every_public_function`` fails when one is missing.

For every case and namespace: the outputs' namespace, dtype and device follow the inputs;
float32 in gives float32 out; integers are promoted to the default float; bool, complex and
object dtypes raise ``TypeError`` and 0-D, empty and non-finite arrays ``ValueError``, each
naming the argument; arrays from two namespaces raise ``TypeError``; and NumPy inputs are
never mutated (read-only call first, then a writeable one).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Callable
from typing import Any

import array_api_compat
import array_api_extra as xpx
import array_api_strict
import numpy as np
import pytest

import refimpl.frames
import refimpl.gp
import refimpl.koopman
import refimpl.optics
import refimpl.optim.halpern
import refimpl.optim.hard_instances
import refimpl.optim.matrix_sensing
import refimpl.optim.online
import refimpl.quantum
import refimpl.so3
from refimpl import _xp
from refimpl.frames import (
    frame_average,
    graph_frame,
    graph_frame_average,
    pca_frame,
    stochastic_frame_average,
)
from refimpl.gp import (
    benchmark_problem,
    boundary_values,
    from_gpytorch_sm,
    gphm_fit,
    gphm_linear_solve,
    gphm_loss,
    gphm_predict,
    init_params,
    kron_matvec,
    mode_product,
    pde_residual,
    sm_kernel,
    sm_kernel_param_grad,
    sm_spectral_density,
    to_gpytorch_sm,
)
from refimpl.koopman import (
    duffing_vector_field,
    edmd,
    eigenfunctions,
    ergodic_moments,
    flow_trajectories,
    fourier_dictionary,
    galerkin,
    gauss_legendre,
    gauss_map,
    hermite_dictionary,
    iterate_map,
    kmeans_centres,
    legendre_dictionary,
    monomial_dictionary,
    pseudoeigenfunctions,
    pseudospectrum,
    rbf_dictionary,
    resdmd,
    residuals,
    smoothed_measure,
    snapshot_matrices,
    snapshot_pairs,
    torus_fourier_dictionary,
    trapezoid,
    uniform_weights,
    verified_spectrum,
)
from refimpl.optics import (
    absorption_from_refractive_index,
    absorption_from_transmission,
    dielectric_tensor,
    eigen_indices,
    ellipticity,
    faraday_rotation,
    from_elecsus,
    hilbert_transform,
    indirect_rotation,
    jones_matrix,
    jones_vector,
    lorentzian_profile,
    rb_hamiltonian,
    rb_levels,
    rb_line_data,
    rb_number_density,
    rb_susceptibility,
    rb_transitions,
    refractive_index_from_absorption,
    rotation_angle,
    stokes_parameters,
    to_elecsus,
    transmitted_stokes,
    voigt_profile,
    wigner_3j,
    wigner_6j,
)
from refimpl.optim.halpern import (
    eag,
    extragradient,
    halpern,
    hard_qp,
    linear_problem,
    matrix_game,
    natural_residual,
    operator_residual,
    page_probability,
    policeman_burglar_matrix,
    project_simplex,
    random_linear_problem,
    vr_extragradient,
    vr_halpern,
)
from refimpl.optim.hard_instances import (
    bernoulli_chain_oracle,
    chain_derivative,
    chain_function,
    chain_gradient,
    chain_hessian,
    oracle_descent,
    phi,
    progress,
    psi,
    random_embedding,
    rotated_chain,
    scaled_chain,
)
from refimpl.optim.matrix_sensing import (
    gd_asymmetric,
    gd_symmetric,
    ground_truth,
    imbalance,
    initialize_asymmetric,
    initialize_symmetric,
    population_operator,
    rebalance,
    sensing_operator,
)
from refimpl.optim.online import (
    Domain,
    optimistic_omd,
    project_ball,
    project_ball_mahalanobis,
    project_box,
    run_online,
    sea_adversarial_linear,
    sea_corrupted_iid,
    sea_drifting,
    sea_iid,
    sea_quadratic,
)
from refimpl.quantum import (
    apply_lindbladian,
    conditional_log_probs,
    dense_operators,
    density_from_probabilities,
    dissipative_ising,
    dissipative_xyz,
    expectation,
    frame_coefficients,
    group_blocks,
    init_product_state,
    init_transformer,
    krylov_evolve,
    lindblad_model,
    lindblad_rhs,
    lindbladian,
    liouvillian,
    local_expectations,
    local_generator_values,
    log_prob,
    povm,
    povm_from_elements,
    probabilities,
    sample,
    sample_local_expectations,
    steady_state,
    steady_state_cost,
    string_log_prob,
    string_orderings,
    string_sample,
    train_steady_state,
    trapezoid_cost,
    trapezoid_evolve,
    trapezoid_step,
    variational_evolve,
)
from refimpl.so3 import (
    cg_tensor_product,
    check_rotation,
    clebsch_gordan,
    convert_basis,
    fourier_to_sh,
    gaunt_cg_ratio,
    gaunt_coefficients,
    gaunt_power,
    gaunt_tensor_product,
    random_rotation,
    rotate_coefficients,
    s2_quadrature,
    sh_to_fourier,
    spherical_harmonics,
    wigner_D,
)
from refimpl.testing.groups import random_orthogonal

#: area modules whose ``__all__`` functions must all appear in PUBLIC_CASES or CREATION_CASES
AREAS = [
    refimpl.optics,
    refimpl.so3,
    refimpl.frames,
    refimpl.optim.halpern,
    refimpl.optim.online,
    refimpl.optim.matrix_sensing,
    refimpl.optim.hard_instances,
    refimpl.gp,
    refimpl.quantum,
    refimpl.koopman,
]


@dataclasses.dataclass(frozen=True)
class Case:
    """One public function: ``func(*make_args(rng))``; ``arrays`` names the positions of
    ``make_args``'s arrays with the argument names used in error messages, and the minimum
    number of dimensions each accepts."""

    name: str
    func: Callable[..., Any]
    make_args: Callable[[np.random.Generator], tuple[Any, ...]]
    arrays: tuple[tuple[int, str, int], ...]  # (position, argument name, min ndim)
    covers: Callable[..., Any]
    same_shape: bool = True  # outputs have the first array's shape (else tested in the area)
    complex_out: bool = False  # outputs are the complex dtype matching the input's real dtype
    int_ok: bool = True  # positive integer arrays are valid input (not so for rotations)
    complex_ok: bool = False  # complex input is valid (Fourier coefficients)


OMEGA0 = 2 * np.pi * 384.230e12


def _spectrum(rng: np.random.Generator, n: int = 33) -> np.ndarray:
    return rng.standard_normal(n)


def _transmission(rng: np.random.Generator, n: int = 33) -> np.ndarray:
    return rng.uniform(0.2, 0.9, n)


LAM_D2 = 780.2413272e-9


def _chi(rng: np.random.Generator, n: int = 8) -> np.ndarray:
    return 1e-4 * rng.standard_normal(n)  # real chi is valid (promoted to complex)


def _grid_mhz(rng: np.random.Generator, n: int = 33) -> np.ndarray:
    # strictly increasing, spacing 500 MHz: ceil(|a| + 1) keeps it strictly increasing
    return 1000.0 + 500.0 * np.arange(n) + rng.uniform(0.0, 1.0, n)


def _indirect_fields(t_a, t_b, d):
    res = indirect_rotation(t_a, t_b, d, L=0.002, wavelength=LAM_D2, geometry="faraday")
    return (res.alpha_a, res.n_b_minus_1, res.rotation, res.ellipticity_out)


def _rotations(rng: np.random.Generator, n: int = 3) -> np.ndarray:
    return np.stack([random_orthogonal(rng, 3, special=True) for _ in range(n)])


def _cloud(rng: np.random.Generator, n: int = 9) -> np.ndarray:
    # anisotropic: a simple covariance spectrum (positive-integer variants stay generic)
    return rng.standard_normal((n, 3)) * np.array([1.0, 2.0, 3.0]) + 2.0


def _graph(rng: np.random.Generator, n: int = 6) -> np.ndarray:
    a = np.triu((rng.random((n, n)) < 0.5).astype(float), 1)
    return a + a.T


def _fa_backbone(y):  # namespace-generic, even and odd parts, per point
    return y * y - 0.5 * y


def _graph_backbone(a, x):  # namespace-generic invariant readout
    return a[0, :] * 0.0 + x[:, 0] * a[:, 0]


def _sym(r: np.ndarray) -> np.ndarray:
    return r + r.T


PUBLIC_CASES: list[Case] = [
    Case(
        "hilbert_transform[line]",
        hilbert_transform,
        lambda r: (_spectrum(r),),
        ((0, "f", 1),),
        hilbert_transform,
    ),
    Case(
        "hilbert_transform[fft]",
        lambda f: hilbert_transform(f, method="fft"),
        lambda r: (_spectrum(r),),
        ((0, "f", 1),),
        hilbert_transform,
    ),
    Case(
        "refractive_index_from_absorption",
        lambda a: refractive_index_from_absorption(a, omega0=OMEGA0),
        lambda r: (np.abs(_spectrum(r)),),
        ((0, "alpha", 1),),
        refractive_index_from_absorption,
    ),
    Case(
        "absorption_from_refractive_index",
        lambda n: absorption_from_refractive_index(n, omega0=OMEGA0),
        lambda r: (1e-6 * _spectrum(r),),
        ((0, "n_minus_1", 1),),
        absorption_from_refractive_index,
    ),
    Case(
        "absorption_from_transmission",
        absorption_from_transmission,
        lambda r: (_transmission(r), 0.02),
        ((0, "T", 1),),
        absorption_from_transmission,
    ),
    Case(
        "absorption_from_transmission[T_off array]",
        lambda t, length, t_off: absorption_from_transmission(t, length, T_off=t_off),
        lambda r: (_transmission(r), 0.02, r.uniform(0.9, 1.0, 33)),
        ((0, "T", 1), (2, "T_off", 0)),
        absorption_from_transmission,
    ),
    Case(
        "lorentzian_profile",
        lambda d: lorentzian_profile(d, gamma=0.7),
        lambda r: (5 * _spectrum(r),),
        ((0, "delta", 1),),
        lorentzian_profile,
    ),
    Case(
        "voigt_profile",
        lambda d: voigt_profile(d, gamma=0.3, sigma=1.2),
        lambda r: (5 * _spectrum(r),),
        ((0, "delta", 1),),
        voigt_profile,
    ),
    # ---------------------------------------------------------------- refimpl.so3
    Case(
        "spherical_harmonics",
        lambda v: spherical_harmonics(3, v),
        lambda r: (r.standard_normal((5, 3)),),
        ((0, "vectors", 1),),
        spherical_harmonics,
        same_shape=False,
    ),
    Case(
        "wigner_D",
        lambda rot: wigner_D(2, rot),
        lambda r: (_rotations(r),),
        ((0, "rotation", 2),),
        wigner_D,
        same_shape=False,
        int_ok=False,
    ),
    Case(
        "rotate_coefficients",
        rotate_coefficients,
        lambda r: (r.standard_normal((3, 16)), _rotations(r)),
        ((0, "coeffs", 1), (1, "rotation", 2)),
        rotate_coefficients,
        int_ok=False,
    ),
    Case(
        "check_rotation",
        check_rotation,
        lambda r: (_rotations(r),),
        ((0, "rotation", 2),),
        check_rotation,
        int_ok=False,
    ),
    Case(
        "convert_basis",
        lambda c: convert_basis(c, source="refimpl", target="e3nn"),
        lambda r: (r.standard_normal((4, 9)),),
        ((0, "coeffs", 1),),
        convert_basis,
    ),
    Case(
        "cg_tensor_product",
        cg_tensor_product,
        lambda r: (r.standard_normal((4, 9)), r.standard_normal((4, 16))),
        ((0, "x", 1), (1, "y", 1)),
        cg_tensor_product,
        same_shape=False,
    ),
    Case(
        "sh_to_fourier",
        sh_to_fourier,
        lambda r: (r.standard_normal((3, 16)),),
        ((0, "coeffs", 1),),
        sh_to_fourier,
        same_shape=False,
        complex_out=True,
    ),
    Case(
        "fourier_to_sh",
        lambda f: fourier_to_sh(f, lmax=3),
        lambda r: (r.standard_normal((2, 7, 7)),),
        ((0, "fourier", 2),),
        fourier_to_sh,
        same_shape=False,
        complex_ok=True,
    ),
    *[
        Case(
            f"gaunt_tensor_product[{method}]",
            lambda x, y, method=method: gaunt_tensor_product(x, y, method=method),
            lambda r: (r.standard_normal((2, 3, 9)), r.standard_normal((3, 16))),
            ((0, "x", 1), (1, "y", 1)),
            gaunt_tensor_product,
            same_shape=False,
        )
        for method in ("fourier", "grid", "dense")
    ],
    Case(
        "gaunt_power",
        lambda x: gaunt_power(x, 3, lmax_out=4),
        lambda r: (r.standard_normal((2, 9)),),
        ((0, "x", 1),),
        gaunt_power,
        same_shape=False,
    ),
    Case(
        "pca_frame.rotations",
        lambda x: pca_frame(x).rotations,
        lambda r: (_cloud(r),),
        ((0, "points", 2),),
        pca_frame,
        same_shape=False,
    ),
    Case(
        "frame_average[point]",
        lambda x: frame_average(_fa_backbone, x, output="point"),
        lambda r: (_cloud(r),),
        ((0, "points", 2),),
        frame_average,
    ),
    Case(
        "frame_average[vectors]",
        lambda x, v: frame_average(lambda y, w: y + w, x, output="vector", vectors=v),
        lambda r: (_cloud(r), r.standard_normal((9, 3))),
        ((0, "points", 2), (1, "vectors", 2)),
        frame_average,
    ),
    Case(
        "stochastic_frame_average",
        lambda x: stochastic_frame_average(_fa_backbone, x, n_samples=3, output="point", rng=0),
        lambda r: (_cloud(r),),
        ((0, "points", 2),),
        stochastic_frame_average,
    ),
    Case(
        "graph_frame.signature",
        lambda a: graph_frame(a).signature,
        lambda r: (_graph(r),),
        ((0, "adjacency", 2),),
        graph_frame,
        same_shape=False,
    ),
    Case(
        "graph_frame_average[node]",
        lambda a, x: graph_frame_average(_graph_backbone, a, x, output="node"),
        lambda r: (_graph(r), r.standard_normal((6, 2))),
        ((0, "adjacency", 2), (1, "features", 1)),
        graph_frame_average,
        same_shape=False,
    ),
    Case(
        "project_simplex",
        project_simplex,
        lambda rng: (rng.standard_normal((3, 5)),),
        arrays=((0, "v", 1),),
        covers=project_simplex,
    ),
    Case(
        "project_ball",
        lambda y: project_ball(y, radius=0.7),
        lambda r: (r.standard_normal((4, 3)),),
        ((0, "y", 1),),
        project_ball,
    ),
    Case(
        "project_box",
        lambda y: project_box(y, lower=-0.5, upper=[0.2, 0.4, 1.0]),
        lambda r: (r.standard_normal((4, 3)),),
        ((0, "y", 1),),
        project_box,
    ),
    Case(
        "project_ball_mahalanobis",
        lambda y, a: project_ball_mahalanobis(y, a, radius=0.5),
        lambda r: (r.standard_normal((2, 3)) * 3, 2.0 * np.eye(3) + 0.1 * np.ones((3, 3))),
        ((0, "y", 1), (1, "a", 2)),
        project_ball_mahalanobis,
    ),
    # the driver: output = the decisions x_t (T, d); the gradient oracle is x - 0.3
    Case(
        "optimistic_omd",
        lambda x0: (
            optimistic_omd(
                lambda t, x: x - 0.3, x0, n_rounds=4, domain=Domain.ball(10.0), step=0.5
            ).iterates
        ),
        lambda r: (r.standard_normal(3),),
        ((0, "x0", 1),),
        optimistic_omd,
        same_shape=False,
    ),
    # ------------------------------------------------------- refimpl.optim.matrix_sensing
    Case(
        "imbalance",
        imbalance,
        lambda r: (r.standard_normal((5, 3)), r.standard_normal((4, 3))),
        ((0, "f", 2), (1, "g", 2)),
        imbalance,
        same_shape=False,
    ),
    Case(
        "rebalance",
        rebalance,
        lambda r: (3 * r.standard_normal((5, 3)), r.standard_normal((5, 3))),  # ints: full rank
        ((0, "f", 2), (1, "g", 2)),
        rebalance,
    ),
    # ------------------------------------------------------- refimpl.optim.hard_instances
    Case("psi", psi, lambda r: (r.uniform(-2, 2, 7),), ((0, "x", 0),), psi),
    Case(
        "psi[order=2]",
        lambda x: psi(x, order=2),
        lambda r: (r.uniform(-2, 2, 7),),
        ((0, "x", 0),),
        psi,
    ),
    Case("phi", phi, lambda r: (r.uniform(-2, 2, 7),), ((0, "x", 0),), phi),
    Case(
        "phi[order=3]",
        lambda x: phi(x, order=3),
        lambda r: (r.uniform(-2, 2, 7),),
        ((0, "x", 0),),
        phi,
    ),
    Case(
        "chain_function",
        chain_function,
        lambda r: (r.uniform(-2, 2, (3, 5)),),
        ((0, "x", 1),),
        chain_function,
        same_shape=False,
    ),
    Case(
        "chain_gradient",
        chain_gradient,
        lambda r: (r.uniform(-2, 2, (3, 5)),),
        ((0, "x", 1),),
        chain_gradient,
    ),
    Case(
        "chain_hessian",
        chain_hessian,
        lambda r: (r.uniform(-2, 2, (3, 5)),),
        ((0, "x", 1),),
        chain_hessian,
        same_shape=False,
    ),
    Case(
        "chain_derivative[order=3]",
        lambda x, v: chain_derivative(x, v, order=3),
        lambda r: (r.uniform(-2, 2, (3, 5)), r.standard_normal((3, 5))),
        ((0, "x", 1), (1, "v", 1)),
        chain_derivative,
        same_shape=False,
    ),
    Case(
        "bernoulli_chain_oracle",
        lambda x: bernoulli_chain_oracle(x, p=0.5, xi=1),
        lambda r: (r.uniform(-2, 2, (3, 5)),),
        ((0, "x", 1),),
        bernoulli_chain_oracle,
    ),
    Case(
        "rotated_chain.gradient",
        lambda u, x: rotated_chain(u).gradient(x),
        lambda r: (np.linalg.qr(r.standard_normal((6, 3)))[0], r.standard_normal((2, 6))),
        ((0, "U", 2), (1, "x", 1)),
        rotated_chain,
        same_shape=False,
        int_ok=False,  # U must have orthonormal columns
    ),
    Case(
        "sm_kernel[gm]",
        lambda t, lw, ll, mu: sm_kernel(t, log_w=lw, log_ls=ll, mu=mu),
        lambda r: (r.standard_normal(9), -r.random(2), r.standard_normal(2), r.random(2) + 0.5),
        ((0, "tau", 0), (1, "log_w", 1), (2, "log_ls", 1), (3, "mu", 1)),
        sm_kernel,
    ),
    Case(
        "sm_kernel[stm,deriv=2]",
        lambda t, lw, ll, mu: sm_kernel(t, log_w=lw, log_ls=ll, mu=mu, kind="stm", deriv=2),
        lambda r: (r.standard_normal(9), -r.random(2), r.standard_normal(2), r.random(2) + 0.5),
        ((0, "tau", 0), (1, "log_w", 1), (2, "log_ls", 1), (3, "mu", 1)),
        sm_kernel,
    ),
    Case(
        "sm_spectral_density",
        lambda s, lw, ll, mu: sm_spectral_density(s, log_w=lw, log_ls=ll, mu=mu),
        lambda r: (r.standard_normal(9), -r.random(2), r.standard_normal(2), r.random(2) + 0.5),
        ((0, "s", 0), (1, "log_w", 1), (2, "log_ls", 1), (3, "mu", 1)),
        sm_spectral_density,
    ),
    Case(
        "sm_kernel_param_grad",
        lambda t, lw, ll, mu: sm_kernel_param_grad(t, log_w=lw, log_ls=ll, mu=mu, kind="stm"),
        lambda r: (r.standard_normal(9), -r.random(2), r.standard_normal(2), r.random(2) + 0.5),
        ((0, "tau", 0), (1, "log_w", 1), (2, "log_ls", 1), (3, "mu", 1)),
        sm_kernel_param_grad,
        same_shape=False,  # (..., Q): tested in tests/gp/test_kernels.py
    ),
    Case(
        "mode_product",
        lambda a, u: mode_product(a, u, axis=1),
        lambda r: (r.standard_normal((4, 4)), r.standard_normal((3, 4))),
        ((1, "u", 1), (0, "a", 2)),  # u first: the output has u's shape
        mode_product,
    ),
    Case(
        "kron_matvec",
        lambda a, b, u: kron_matvec([a, b], u),
        lambda r: (r.standard_normal((3, 3)), r.standard_normal((4, 4)), r.standard_normal((3, 4))),
        ((2, "u", 1), (0, "factors[0]", 2), (1, "factors[1]", 2)),
        kron_matvec,
    ),
    Case(
        "boundary_values",
        boundary_values,
        lambda r: (r.standard_normal((4, 5)),),
        ((0, "u", 1),),
        boundary_values,
        same_shape=False,
    ),
    Case(
        "probabilities",
        lambda rho: probabilities(rho, povm("tetra")),
        lambda r: (_sym(r.standard_normal((4, 4))),),
        ((0, "rho", 2),),
        probabilities,
        same_shape=False,  # (4**N,): tested in tests/quantum/test_povms.py
        complex_ok=True,  # complex Hermitian density matrices are the usual input
    ),
    Case(
        "frame_coefficients",
        lambda op: frame_coefficients(op, povm("pauli4"), dual=True),
        lambda r: (r.standard_normal((4, 4)),),
        ((0, "op", 2),),
        frame_coefficients,
        same_shape=False,
        complex_out=True,
        complex_ok=True,
    ),
    Case(
        "density_from_probabilities",
        lambda p: density_from_probabilities(p, povm("tetra")),
        lambda r: (r.random(16),),
        ((0, "p", 1),),
        density_from_probabilities,
        same_shape=False,  # (2**N, 2**N)
        complex_out=True,
    ),
    Case(
        "expectation",
        lambda p, o: expectation(p, o, povm("tetra")),
        lambda r: (r.random(16), _sym(r.standard_normal((4, 4)))),
        ((0, "p", 1), (1, "observable", 2)),
        expectation,
        same_shape=False,  # 0-D
        complex_ok=True,  # complex Hermitian observables are valid
    ),
    Case(
        "local_expectations",
        lambda p, o: local_expectations(p, o, povm("tetra")),
        lambda r: (r.random(16), _sym(r.standard_normal((2, 2)))),
        ((0, "p", 1), (1, "observable", 2)),
        local_expectations,
        same_shape=False,  # (N,)
        complex_ok=True,
    ),
    # refimpl.optics atomic magneto-optics (issue #10)
    Case(
        "rb_susceptibility",
        lambda d: rb_susceptibility(d, line="D2", B_gauss=6000.0, T_celsius=80.0),
        lambda r: (_grid_mhz(r),),
        ((0, "detuning_mhz", 1),),
        rb_susceptibility,
        complex_out=True,
    ),
    Case(
        "dielectric_tensor",
        lambda a, b, c: dielectric_tensor(a, b, c, theta_B=0.3),
        lambda r: (_chi(r), _chi(r), _chi(r)),
        ((0, "chi_p1", 0), (1, "chi_0", 0), (2, "chi_m1", 0)),
        dielectric_tensor,
        same_shape=False,  # (..., 3, 3)
        complex_out=True,
        complex_ok=True,
    ),
    Case(
        "eigen_indices",
        lambda a, b, c: eigen_indices(a, b, c, geometry="voigt"),
        lambda r: (_chi(r), _chi(r), _chi(r)),
        ((0, "chi_p1", 0), (1, "chi_0", 0), (2, "chi_m1", 0)),
        eigen_indices,
        complex_out=True,
        complex_ok=True,
    ),
    Case(
        "jones_matrix",
        lambda a, b, c: jones_matrix(a, b, c, L=0.002, wavelength=LAM_D2, theta_B=1.0),
        lambda r: (_chi(r), _chi(r), _chi(r)),
        ((0, "chi_p1", 0), (1, "chi_0", 0), (2, "chi_m1", 0)),
        jones_matrix,
        same_shape=False,  # (..., 2, 2)
        complex_out=True,
        complex_ok=True,
    ),
    Case(
        "faraday_rotation",
        lambda a, c: faraday_rotation(a, c, L=0.002, wavelength=LAM_D2),
        lambda r: (_chi(r), _chi(r)),
        ((0, "chi_p1", 0), (1, "chi_m1", 0)),
        faraday_rotation,
        complex_ok=True,
    ),
    Case(
        "transmitted_stokes",
        lambda a, b, c, e: transmitted_stokes(a, b, c, e, L=0.002, wavelength=LAM_D2),
        lambda r: (_chi(r), _chi(r), _chi(r), np.array([0.6, 0.8])),
        ((0, "chi_p1", 0), (1, "chi_0", 0), (2, "chi_m1", 0), (3, "E_in", 1)),
        transmitted_stokes,
        same_shape=False,  # (..., 4)
        complex_ok=True,
    ),
    Case(
        "stokes_parameters",
        stokes_parameters,
        lambda r: (r.standard_normal((5, 2)),),
        ((0, "E", 1),),
        stokes_parameters,
        same_shape=False,  # (..., 4)
        complex_ok=True,
    ),
    Case(
        "rotation_angle",
        rotation_angle,
        lambda r: (r.standard_normal((5, 4)),),
        ((0, "S", 1),),
        rotation_angle,
        same_shape=False,  # (...,)
    ),
    Case(
        "ellipticity",
        ellipticity,
        lambda r: (r.standard_normal((5, 4)),),
        ((0, "S", 1),),
        ellipticity,
        same_shape=False,  # (...,)
    ),
    Case(
        "indirect_rotation",
        _indirect_fields,
        lambda r: (_transmission(r), _transmission(r), 1000.0 + 10.0 * np.arange(33)),
        ((0, "T_a", 1), (1, "T_b", 1), (2, "detuning_mhz", 1)),
        indirect_rotation,
    ),
]


@dataclasses.dataclass(frozen=True)
class CreationCase:
    """A public function that makes arrays from options: ``func(xp=, dtype=, device=)``."""

    name: str
    func: Callable[..., Any]
    covers: Callable[..., Any]


CREATION_CASES: list[CreationCase] = [
    CreationCase("clebsch_gordan", lambda **kw: clebsch_gordan(1, 2, 3, **kw), clebsch_gordan),
    CreationCase(
        "gaunt_coefficients", lambda **kw: gaunt_coefficients(2, 2, 2, **kw), gaunt_coefficients
    ),
    CreationCase("s2_quadrature", lambda **kw: s2_quadrature(3, 5, **kw), s2_quadrature),
    CreationCase(
        "random_rotation", lambda **kw: random_rotation((2,), rng=0, **kw), random_rotation
    ),
    CreationCase(
        "policeman_burglar_matrix",
        lambda **kw: policeman_burglar_matrix(4, **kw),
        policeman_burglar_matrix,
    ),
    CreationCase(
        "sea_quadratic",
        lambda **kw: sea_quadratic(8, 3, noise=0.5, rng=0, **kw).noise,
        sea_quadratic,
    ),
    CreationCase("sea_iid", lambda **kw: sea_iid(8, 3, rng=0, **kw).noise, sea_iid),
    CreationCase(
        "sea_drifting",
        lambda **kw: sea_drifting(8, 3, speed=0.1, rng=0, **kw).centres,
        sea_drifting,
    ),
    CreationCase(
        "sea_adversarial_linear",
        lambda **kw: sea_adversarial_linear(8, 3, rng=0, **kw).drift,
        sea_adversarial_linear,
    ),
    CreationCase(
        "sea_corrupted_iid",
        lambda **kw: sea_corrupted_iid(8, 3, corruptions=2, rng=0, **kw).centres,
        sea_corrupted_iid,
    ),
    CreationCase(
        "ground_truth",
        lambda **kw: ground_truth(5, 4, 2, condition_number=2.0, rng=0, **kw),
        ground_truth,
    ),
    CreationCase(
        "initialize_symmetric",
        lambda **kw: initialize_symmetric(5, 3, alpha=0.1, rng=0, **kw),
        initialize_symmetric,
    ),
    CreationCase(
        "initialize_asymmetric",
        lambda **kw: initialize_asymmetric(5, 4, 3, alpha=0.1, rng=0, **kw),
        initialize_asymmetric,
    ),
    CreationCase(
        "sensing_operator",
        lambda **kw: sensing_operator(3, 3, 4, symmetric=True, rng=0, **kw).matrices,
        sensing_operator,
    ),
    CreationCase(
        "random_embedding", lambda **kw: random_embedding(6, 3, rng=0, **kw), random_embedding
    ),
    CreationCase("povm", lambda **kw: (povm("tetra", **kw).T, povm("pauli4", **kw).T_inv), povm),
    CreationCase(
        "init_transformer",
        lambda **kw: tuple(init_transformer(3, rng=0, **kw).params.values()),
        init_transformer,
    ),
    CreationCase(
        "benchmark_problem",
        lambda **kw: (
            benchmark_problem("poisson_2d-sin_sin", n_col=8, n_test=5, **kw).problem.source
        ),
        benchmark_problem,
    ),
    CreationCase(
        "benchmark_problem[test_grids]",
        lambda **kw: benchmark_problem("poisson_1d-single_sin", n_col=8, n_test=5, **kw).test_grids,
        benchmark_problem,
    ),
    CreationCase(
        "init_product_state",
        lambda **kw: tuple(
            init_product_state(3, [0.5, 1 / 6, 1 / 6, 1 / 6], rng=0, **kw).params.values()
        ),
        init_product_state,
    ),
]

#: public functions outside both tables, with the reason
NO_ARRAY_CONTRACT = {
    gaunt_cg_ratio: "takes and returns Python numbers (tests/so3/test_coupling.py)",
    matrix_game: "returns a FiniteSumProblem, not an array (tests/optim/halpern/test_problems.py)",
    hard_qp: "returns a FiniteSumProblem built from xp/dtype/device (tests/optim/halpern)",
    linear_problem: "returns a FiniteSumProblem (tests/optim/halpern/test_problems.py)",
    random_linear_problem: "returns (FiniteSumProblem, array) (tests/optim/halpern)",
    natural_residual: "takes a problem object (tests/optim/halpern/test_problems.py)",
    operator_residual: "takes a problem object (tests/optim/halpern/test_problems.py)",
    page_probability: "takes and returns Python numbers (tests/optim/halpern/test_methods.py)",
    halpern: "takes a problem object; output follows u0 (tests/optim/halpern/test_methods.py)",
    vr_halpern: "takes a problem object (tests/optim/halpern/test_methods.py)",
    extragradient: "takes a problem object (tests/optim/halpern/test_methods.py)",
    eag: "takes a problem object (tests/optim/halpern/test_methods.py)",
    vr_extragradient: "takes a problem object (tests/optim/halpern/test_methods.py)",
    run_online: "takes a learner object and an SEAEnvironment (no raw arrays); output follows "
    "the environment (tests/optim/online/test_omd.py::test_learners_keep_iterates_in_domain)",
    gd_symmetric: "takes a SensingOperator; outputs follow x0 "
    "(tests/optim/matrix_sensing/test_gd.py::test_result_is_frozen_and_histories_follow_input)",
    gd_asymmetric: "takes a SensingOperator; outputs follow f0/g0 "
    "(tests/optim/matrix_sensing/test_gd.py)",
    population_operator: "returns an operator object without arrays "
    "(tests/optim/matrix_sensing/test_gd.py)",
    progress: "returns integer progress indices, not floats "
    "(tests/optim/hard_instances/test_chain.py::test_outputs_follow_input)",
    scaled_chain: "takes and returns Python numbers / an instance object "
    "(tests/optim/hard_instances/test_chain.py::test_scaled_chain_properties)",
    oracle_descent: "takes a ZeroChainOracle object; outputs follow x0 "
    "(tests/optim/hard_instances/test_chain.py)",
    to_gpytorch_sm: "keyword-only parameter arrays -> dict of arrays (tests/gp/test_kernels.py)",
    from_gpytorch_sm: "keyword-only linear-domain arrays -> dict (tests/gp/test_kernels.py)",
    init_params: "builds a GPHMParams from a template array (tests/gp/test_solver.py)",
    gphm_loss: "takes GridPDE/GPHMParams objects; namespace/dtype tested in "
    "tests/gp/test_solver.py::test_loss_follows_namespace",
    gphm_fit: "takes a GridPDE; returns a GPHMResult (tests/gp/test_solver.py)",
    gphm_linear_solve: "takes GridPDE/GPHMParams; returns (array, dict) (tests/gp/test_solver.py)",
    gphm_predict: "takes GridPDE/GPHMParams objects (tests/gp/test_solver.py)",
    pde_residual: "takes GridPDE/GPHMParams objects (tests/gp/test_solver.py)",
    povm_from_elements: "returns a POVM dataclass of complex/real arrays; validation errors "
    "tested in tests/quantum/test_povms.py::test_custom_frames_are_validated",
    sample_local_expectations: "takes integer outcome samples (bool/int contracts do not apply); "
    "tested in tests/quantum/test_povms.py",
    lindblad_model: "takes lists of (sites, operator) terms; returns a LindbladModel "
    "(tests/quantum/test_lindblad.py::test_bad_models)",
    dissipative_ising: "builds a LindbladModel of complex operators from xp/dtype/device "
    "(tests/quantum/test_lindblad.py)",
    dissipative_xyz: "builds a LindbladModel of complex operators (tests/quantum/test_lindblad.py)",
    dense_operators: "takes a LindbladModel; returns complex (H, jumps) "
    "(tests/quantum/test_lindblad.py)",
    lindblad_rhs: "complex operators; K = 0 jumps (an empty array) is valid input "
    "(tests/quantum/test_lindblad.py::test_liouvillian_matches_master_equation)",
    liouvillian: "complex operators; K = 0 jumps (an empty array) is valid input "
    "(tests/quantum/test_lindblad.py)",
    lindbladian: "takes a LindbladModel and a POVM; returns a LocalLindbladian "
    "(tests/quantum/test_lindblad.py)",
    apply_lindbladian: "takes a LocalLindbladian whose blocks fix the namespace; output follows "
    "p (tests/quantum/test_lindblad.py::test_generator_equals_dense_route)",
    trapezoid_step: "takes a LocalLindbladian; output follows p (tests/quantum/test_dynamics.py)",
    trapezoid_evolve: "takes a LocalLindbladian; returns a TrapezoidResult "
    "(tests/quantum/test_dynamics.py::test_evolution_runs_in_every_namespace)",
    krylov_evolve: "takes a LocalLindbladian; returns a KrylovResult "
    "(tests/quantum/test_dynamics.py::test_krylov_evolve_matches_expm)",
    steady_state: "takes a LocalLindbladian; returns a SteadyStateResult "
    "(tests/quantum/test_dynamics.py::test_single_qubit_steady_state_closed_form)",
    conditional_log_probs: "takes a TransformerModel and integer configurations "
    "(tests/quantum/test_autoregressive.py::test_conditionals_are_causal)",
    log_prob: "takes a TransformerModel and integer configurations "
    "(tests/quantum/test_autoregressive.py::test_probabilities_sum_to_one)",
    sample: "takes a TransformerModel; returns int64 samples "
    "(tests/quantum/test_autoregressive.py)",
    string_orderings: "returns a host int64 table (tests/quantum/test_autoregressive.py)",
    string_log_prob: "takes a TransformerModel and integer configurations "
    "(tests/quantum/test_autoregressive.py::test_string_mixture_is_shift_invariant)",
    string_sample: "takes a TransformerModel; returns int64 samples "
    "(tests/quantum/test_autoregressive.py::test_sampling_goodness_of_fit)",
    local_generator_values: "takes a TransformerModel, a LocalLindbladian and integer "
    "configurations (tests/quantum/test_autoregressive.py::test_local_generator_values_exact)",
    steady_state_cost: "takes model objects and integer samples "
    "(tests/quantum/test_autoregressive.py::test_costs_are_unbiased)",
    trapezoid_cost: "takes model objects and integer samples "
    "(tests/quantum/test_autoregressive.py::test_costs_are_unbiased)",
    train_steady_state: "torch-only training loop on model objects "
    "(tests/quantum/test_autoregressive.py::test_training_lowers_the_cost)",
    wigner_3j: "takes and returns Python numbers (tests/optics/test_angular.py)",
    wigner_6j: "takes and returns Python numbers (tests/optics/test_angular.py)",
    rb_line_data: "returns a dataclass of host floats (tests/optics/test_zeeman.py)",
    rb_number_density: "takes and returns Python floats (tests/optics/test_zeeman.py)",
    rb_hamiltonian: "returns host NumPy constant tables (tests/optics/test_zeeman.py)",
    rb_levels: "returns host NumPy constant tables (tests/optics/test_zeeman.py)",
    rb_transitions: "returns host NumPy constant tables (tests/optics/test_zeeman.py)",
    jones_vector: "creation function with a complex dtype (the CreationCase test asks for a "
    "real one); tests/optics/test_propagation.py::test_outputs_follow_namespace",
    from_elecsus: "returns its arguments reordered, no computation "
    "(tests/optics/test_susceptibility.py::test_elecsus_label_conversion_round_trip)",
    to_elecsus: "returns its arguments reordered, no computation "
    "(tests/optics/test_susceptibility.py::test_elecsus_label_conversion_round_trip)",
    group_blocks: "takes a LocalLindbladian and host site groups; returns a LocalLindbladian in "
    "the generator's namespace (tests/quantum/test_lindblad.py::"
    "test_group_blocks_is_the_same_operator, all four namespaces)",
    variational_evolve: "torch-only training loop on model objects "
    "(tests/quantum/test_autoregressive.py::test_variational_evolve_tracks_exact_trapezoid)",
}


# refimpl.koopman (issue #11)
def _snapshots(r: np.random.Generator, m: int = 40, n: int = 5) -> tuple[np.ndarray, ...]:
    # generic dense Psi_X, Psi_Y (M, N) and positive weights: full rank also after the
    # contract tests' integer variant ceil(|a| + 1)
    return 3 * r.standard_normal((m, n)), 3 * r.standard_normal((m, n)), r.uniform(0.5, 1.5, m)


def _feature_map(t):  # namespace-generic user dictionary for snapshot_matrices
    return monomial_dictionary(t, degree=2)


def _half(x):  # namespace-generic map for iterate_map
    return 0.5 * x


def _decay(t, x):  # host right-hand side for flow_trajectories
    return -x


PUBLIC_CASES += [
    # ------------------------------------------------------------ refimpl.koopman
    Case(
        "fourier_dictionary",
        lambda x: fourier_dictionary(x, n=2),
        lambda r: (r.uniform(0, 6, 7),),
        ((0, "x", 1),),
        fourier_dictionary,
        same_shape=False,  # (M, 2n + 1): tests/koopman/test_dictionaries.py
        complex_out=True,
    ),
    Case(
        "torus_fourier_dictionary",
        lambda x: torus_fourier_dictionary(x, n=1),
        lambda r: (r.uniform(0, 6, (7, 2)),),
        ((0, "x", 2),),
        torus_fourier_dictionary,
        same_shape=False,
        complex_out=True,
    ),
    Case(
        "legendre_dictionary",
        lambda x: legendre_dictionary(x, n=4),
        lambda r: (r.uniform(-1, 1, 7),),
        ((0, "x", 1),),
        legendre_dictionary,
        same_shape=False,
    ),
    Case(
        "hermite_dictionary",
        lambda x: hermite_dictionary(x, n=4),
        lambda r: (r.standard_normal(7),),
        ((0, "x", 1),),
        hermite_dictionary,
        same_shape=False,
    ),
    Case(
        "monomial_dictionary",
        lambda x: monomial_dictionary(x, degree=2),
        lambda r: (r.standard_normal((7, 2)),),
        ((0, "x", 1),),
        monomial_dictionary,
        same_shape=False,
    ),
    Case(
        "rbf_dictionary",
        lambda x, c: rbf_dictionary(x, c, scale=1.0),
        lambda r: (r.standard_normal((7, 2)), r.standard_normal((3, 2))),
        ((0, "x", 1), (1, "centres", 1)),
        rbf_dictionary,
        same_shape=False,
    ),
    Case(
        "kmeans_centres",
        lambda x: kmeans_centres(x, n_centres=3, n_iter=20, rng=0),
        lambda r: (r.standard_normal((12, 2)),),
        ((0, "x", 1),),
        kmeans_centres,
        same_shape=False,
    ),
    Case(
        "iterate_map",
        lambda x0: iterate_map(_half, x0, n_steps=2),
        lambda r: (r.standard_normal((4, 2)),),
        ((0, "x0", 1),),
        iterate_map,
        same_shape=False,  # (n_steps + 1, *x0.shape)
    ),
    Case(
        "flow_trajectories",
        lambda x0: flow_trajectories(_decay, x0, dt=0.1, n_steps=2),
        lambda r: (r.standard_normal((3, 2)),),
        ((0, "x0", 2),),
        flow_trajectories,
        same_shape=False,
    ),
    Case(
        "snapshot_pairs",
        lambda tr: snapshot_pairs(tr)[0],
        lambda r: (r.standard_normal((3, 4, 2)),),
        ((0, "trajectories", 2),),
        snapshot_pairs,
        same_shape=False,
    ),
    Case(
        "snapshot_matrices",
        lambda f, x, y: snapshot_matrices(f, x, y),
        lambda r: (_feature_map, r.standard_normal((7, 2)), r.standard_normal((7, 2))),
        ((1, "x", 1), (2, "y", 1)),
        snapshot_matrices,
        same_shape=False,
    ),
    Case(
        "galerkin",
        galerkin,
        _snapshots,
        ((0, "psi_x", 2), (1, "psi_y", 2), (2, "w", 1)),
        galerkin,
        same_shape=False,
        complex_ok=True,  # complex dictionaries (Fourier) are valid; complex w is tested below
    ),
    Case(
        "edmd",
        lambda px, py, w: edmd(px, py, w).residuals,  # eigenpairs are complex: test_resdmd.py
        _snapshots,
        ((0, "psi_x", 2), (1, "psi_y", 2), (2, "w", 1)),
        edmd,
        same_shape=False,
        complex_ok=True,
    ),
    Case(
        "resdmd",
        lambda px, py, w: resdmd(px, py, w, epsilon=1e9).residuals,
        _snapshots,
        ((0, "psi_x", 2), (1, "psi_y", 2), (2, "w", 1)),
        resdmd,
        same_shape=False,
        complex_ok=True,
    ),
    Case(
        "residuals",
        residuals,
        lambda r: (r.uniform(-1, 1, 3), r.standard_normal((5, 3)), *_snapshots(r)),
        ((0, "z", 1), (1, "g", 2), (2, "psi_x", 2), (3, "psi_y", 2), (4, "w", 1)),
        residuals,
        same_shape=False,  # (K,)
        complex_ok=True,  # complex z and g are the usual input
    ),
    Case(
        "pseudospectrum",
        pseudospectrum,
        lambda r: (r.uniform(-1, 1, 6), *_snapshots(r)),
        ((0, "z", 0), (1, "psi_x", 2), (2, "psi_y", 2), (3, "w", 1)),
        pseudospectrum,
        complex_ok=True,
    ),
    Case(
        "pseudospectrum[svd]",
        lambda z, px, py, w: pseudospectrum(z, px, py, w, method="svd"),
        lambda r: (r.uniform(-1, 1, 6), *_snapshots(r)),
        ((0, "z", 0), (1, "psi_x", 2), (2, "psi_y", 2), (3, "w", 1)),
        pseudospectrum,
        complex_ok=True,
    ),
    Case(
        "pseudospectrum[auto]",  # the numba kernel for NumPy input (numba installed)
        lambda z, px, py, w: pseudospectrum(z, px, py, w, backend="auto"),
        lambda r: (r.uniform(-1, 1, 6), *_snapshots(r)),
        ((0, "z", 0), (1, "psi_x", 2), (2, "psi_y", 2), (3, "w", 1)),
        pseudospectrum,
        complex_ok=True,
    ),
    Case(
        "pseudospectrum[gram]",
        lambda z, px, py, w: pseudospectrum(z, px, py, w, method="gram"),
        lambda r: (r.uniform(-1, 1, 6), *_snapshots(r)),
        ((0, "z", 0), (1, "psi_x", 2), (2, "psi_y", 2), (3, "w", 1)),
        pseudospectrum,
        complex_ok=True,
    ),
    Case(
        "pseudoeigenfunctions",
        lambda z, px, py, w: pseudoeigenfunctions(z, px, py, w)[0],  # coefficients: complex
        lambda r: (r.uniform(-1, 1, 6), *_snapshots(r)),
        ((0, "z", 1), (1, "psi_x", 2), (2, "psi_y", 2), (3, "w", 1)),
        pseudoeigenfunctions,
        complex_ok=True,
    ),
    Case(
        "verified_spectrum",
        lambda z, tau: (lambda s: (s.bounds, s.tau))(verified_spectrum(z, tau)),
        lambda r: (r.uniform(-1, 1, 20), r.uniform(0, 2, 20)),
        ((0, "z", 0), (1, "tau", 0)),
        verified_spectrum,
        same_shape=False,  # (P,) and (K,): tests/koopman/test_resdmd.py
        complex_ok=True,  # complex z is the usual input (complex tau raises: test_resdmd.py)
    ),
    Case(
        "eigenfunctions",
        eigenfunctions,
        lambda r: (r.standard_normal((7, 4)), r.standard_normal((4, 3))),
        ((0, "psi", 2), (1, "coefficients", 1)),
        eigenfunctions,
        same_shape=False,
        complex_ok=True,
    ),
    Case(
        "ergodic_moments",
        lambda g: ergodic_moments(g, n_max=3),
        lambda r: (r.standard_normal(20),),
        ((0, "g", 1),),
        ergodic_moments,
        same_shape=False,  # (2 n_max + 1,)
        complex_out=True,
        complex_ok=True,
    ),
    Case(
        "smoothed_measure",
        lambda c, t: smoothed_measure(c, t),
        lambda r: (r.standard_normal(9), r.uniform(-3, 3, 5)),
        ((0, "moments", 1), (1, "theta", 0)),
        smoothed_measure,
        same_shape=False,  # shape of theta
        complex_ok=True,
    ),
    Case("gauss_map", gauss_map, lambda r: (r.uniform(-1, 0, 7),), ((0, "x", 0),), gauss_map),
    Case(
        "duffing_vector_field",
        duffing_vector_field,
        lambda r: (r.standard_normal((5, 2)),),
        ((0, "state", 1),),
        duffing_vector_field,
    ),
]
CREATION_CASES += [
    CreationCase("gauss_legendre", lambda **kw: gauss_legendre(5, **kw), gauss_legendre),
    CreationCase("trapezoid", lambda **kw: trapezoid(5, **kw), trapezoid),
    CreationCase("trapezoid[closed]", lambda **kw: trapezoid(5, periodic=False, **kw), trapezoid),
    CreationCase("uniform_weights", lambda **kw: uniform_weights(5, **kw), uniform_weights),
]


def _outputs(result: Any) -> list[Any]:
    return list(result) if isinstance(result, tuple) else [result]


def _convert(args: tuple[Any, ...], xp: Any, dtype: Any, device: Any) -> list[Any]:
    return [
        xp.asarray(a, dtype=dtype, device=device) if isinstance(a, np.ndarray) else a for a in args
    ]


def _with(args: tuple[Any, ...], pos: int, value: Any) -> list[Any]:
    out = list(args)
    out[pos] = value
    return out


# ------------------------------------------------------------------------------ coverage
def test_table_covers_every_public_function():
    covered = {c.covers for c in PUBLIC_CASES} | {c.covers for c in CREATION_CASES}
    covered |= set(NO_ARRAY_CONTRACT)
    missing = [
        f"{area.__name__}.{name}"
        for area in AREAS
        for name in area.__all__
        if inspect.isfunction(getattr(area, name)) and getattr(area, name) not in covered
    ]
    assert not missing, f"add these public functions to PUBLIC_CASES: {missing}"


# --------------------------------------------------------------- namespace, dtype, device
@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_output_follows_input(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    args = _convert(case.make_args(np.random.default_rng(0)), xp, dtype, device)
    first = args[case.arrays[0][0]]
    want = _xp.complex_dtype(xp, dtype) if case.complex_out else dtype
    for out in _outputs(case.func(*args)):
        assert array_api_compat.array_namespace(out) is xp
        assert out.dtype == want
        assert _xp.device(out) == _xp.device(first)
        if case.same_shape:
            assert out.shape == first.shape
        assert bool(xp.all(xp.isfinite(out)))


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_float32_in_float32_out(case, xp, device):
    args = _convert(case.make_args(np.random.default_rng(1)), xp, xp.float32, device)
    want = xp.complex64 if case.complex_out else xp.float32
    for out in _outputs(case.func(*args)):
        assert out.dtype == want


@pytest.mark.parametrize("case", CREATION_CASES, ids=lambda c: c.name)
def test_creation_functions_honour_xp_dtype_device(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    for out in _outputs(case.func(xp=xp, dtype=dtype, device=device)):
        assert array_api_compat.array_namespace(out) is xp
        assert out.dtype == dtype
        if device is not None:
            assert _xp.device(out) == device
    for out in _outputs(case.func(xp=xp, dtype=xp.float32, device=device)):
        assert out.dtype == xp.float32
    for out in _outputs(case.func()):  # defaults: NumPy float64
        assert isinstance(out, np.ndarray)
        assert out.dtype == np.float64


@pytest.mark.parametrize("case", [c for c in PUBLIC_CASES if c.int_ok], ids=lambda c: c.name)
def test_integers_are_promoted(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    host = case.make_args(np.random.default_rng(2))
    ints = tuple(
        np.ceil(np.abs(a) + 1).astype(np.int64) if isinstance(a, np.ndarray) else a for a in host
    )  # positive integers: valid for every argument
    args = [xp.asarray(a, device=device) if isinstance(a, np.ndarray) else a for a in ints]
    want = _xp.complex_dtype(xp, dtype) if case.complex_out else dtype
    for out in _outputs(case.func(*args)):
        assert out.dtype == want


# ------------------------------------------------------------------------- bad input
def _bad_variants(
    a: np.ndarray, min_ndim: int, complex_ok: bool
) -> list[tuple[Any, type[Exception], str]]:
    nan = a.copy()
    nan.reshape(-1)[0] = np.nan
    inf = a.copy()
    inf.reshape(-1)[-1] = -np.inf
    out = [
        (a > 0, TypeError, "must be a real numeric array"),
        (a.astype(object), TypeError, "must be a numeric array"),
        (a.astype(str), TypeError, "must be a numeric array"),
        (a[:0], ValueError, "must not be empty"),
        (nan, ValueError, "must be finite"),
        (inf, ValueError, "must be finite"),
    ]
    if not complex_ok:
        out.append((a + 0j, TypeError, "must be a real numeric array"))
    if min_ndim >= 1:
        out.append((np.asarray(a.reshape(-1)[0]), ValueError, f"must have at least {min_ndim} dim"))
    return out


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_bad_arrays_raise_naming_the_argument(case):
    host = case.make_args(np.random.default_rng(3))
    for pos, name, min_ndim in case.arrays:
        for bad, exc, text in _bad_variants(host[pos], min_ndim, case.complex_ok):
            with pytest.raises(exc, match=f"^{re.escape(name)} {text}"):
                case.func(*_with(host, pos, bad))


@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_bad_arrays_raise_in_every_namespace(case, xp, device):
    dtype = xpx.default_dtype(xp, device=device)
    host = case.make_args(np.random.default_rng(4))
    args = _convert(host, xp, dtype, device)
    for pos, name, _ in case.arrays:
        bad_bool = xp.asarray(host[pos] > 0, device=device)
        with pytest.raises(TypeError, match=f"^{re.escape(name)} must be a real numeric array"):
            case.func(*_with(tuple(args), pos, bad_bool))
        nan = host[pos].copy()
        nan.reshape(-1)[1] = np.nan
        with pytest.raises(ValueError, match=f"^{re.escape(name)} must be finite"):
            case.func(*_with(tuple(args), pos, xp.asarray(nan, dtype=dtype, device=device)))


@pytest.mark.parametrize(
    "case", [c for c in PUBLIC_CASES if len(c.arrays) > 1], ids=lambda c: c.name
)
def test_mixed_namespaces_raise(case):
    host = case.make_args(np.random.default_rng(5))
    for pos, _, _ in case.arrays[1:]:
        mixed = _with(host, pos, array_api_strict.asarray(host[pos]))
        with pytest.raises(TypeError, match="one array namespace"):
            case.func(*mixed)


def test_not_an_array_raises():
    for case in PUBLIC_CASES:
        host = case.make_args(np.random.default_rng(6))
        pos = case.arrays[0][0]
        with pytest.raises(TypeError, match="expected an array"):
            case.func(*_with(host, pos, {"not": "an array"}))


# --------------------------------------------------------------------------- mutation
@pytest.mark.parametrize("case", PUBLIC_CASES, ids=lambda c: c.name)
def test_never_mutates_inputs(case):
    args = case.make_args(np.random.default_rng(0))  # NumPy arrays
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    saved = [a.copy() for a in arrays]
    for writeable in (False, True):  # read-only first: writes raise
        for a in arrays:
            a.flags.writeable = writeable
        case.func(*args)
    for a, s in zip(arrays, saved, strict=True):
        np.testing.assert_array_equal(a, s)
