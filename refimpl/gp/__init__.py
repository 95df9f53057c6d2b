"""Kronecker-structured GP solver for high-frequency and multi-scale PDEs (GP-HM).

Fang, Cooley, Long, Li, Kirby, Zhe, "Solving High Frequency and Multi-Scale PDEs with Gaussian
Processes", ICLR 2024, arXiv:2311.04465. Spectral-mixture kernels per dimension with closed-form
derivatives (:mod:`refimpl.gp.kernels`), Kronecker algebra on grids (:mod:`refimpl.gp.kron`),
the GP-HM objective with its analytic gradient, training and the closed-form linear solve
(:mod:`refimpl.gp.solver`), and the paper's benchmark PDEs (:mod:`refimpl.gp.benchmarks`).
``__all__`` is exactly the union of the submodules' ``__all__``.
"""

from refimpl.gp.benchmarks import BENCHMARKS, GPHMBenchmark, benchmark_problem
from refimpl.gp.kernels import (
    from_gpytorch_sm,
    sm_kernel,
    sm_kernel_param_grad,
    sm_spectral_density,
    to_gpytorch_sm,
)
from refimpl.gp.kron import KroneckerSPD, kron_matvec, mode_product
from refimpl.gp.solver import (
    GPHMParams,
    GPHMResult,
    GridPDE,
    boundary_values,
    gphm_fit,
    gphm_linear_solve,
    gphm_loss,
    gphm_predict,
    init_params,
    pde_residual,
)

__all__ = [
    "BENCHMARKS",
    "GPHMBenchmark",
    "GPHMParams",
    "GPHMResult",
    "GridPDE",
    "KroneckerSPD",
    "benchmark_problem",
    "boundary_values",
    "from_gpytorch_sm",
    "gphm_fit",
    "gphm_linear_solve",
    "gphm_loss",
    "gphm_predict",
    "init_params",
    "kron_matvec",
    "mode_product",
    "pde_residual",
    "sm_kernel",
    "sm_kernel_param_grad",
    "sm_spectral_density",
    "to_gpytorch_sm",
]
