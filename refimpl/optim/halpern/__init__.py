"""Variance-reduced Halpern iteration for finite-sum monotone inclusions.

Cai, Alacaoglu, Diakonikolas, "Variance Reduced Halpern Iteration for Finite-Sum Monotone
Inclusions", ICLR 2024, arXiv:2310.02987. Problems ``0 in F(u) + G(u)`` with
``F = (1/n) sum_i F_i`` (:class:`FiniteSumProblem`, :func:`matrix_game`, :func:`hard_qp`,
:func:`linear_problem`, :func:`random_linear_problem`), the residuals
(:func:`natural_residual`, :func:`operator_residual`), classical :func:`halpern`, the paper's
:func:`vr_halpern` (Algorithm 1 ``variant="page"``, Algorithm 2 ``variant="inexact"``) and the
baselines :func:`extragradient`, :func:`eag`, :func:`vr_extragradient`. Every method takes
``(problem, u0, /, *, ...)`` and returns an :class:`InclusionResult`.
"""

from ._methods import (
    InclusionResult,
    eag,
    extragradient,
    halpern,
    page_probability,
    vr_extragradient,
    vr_halpern,
)
from ._problems import (
    FiniteSumProblem,
    hard_qp,
    linear_problem,
    matrix_game,
    policeman_burglar_matrix,
    project_simplex,
    random_linear_problem,
)
from ._residuals import natural_residual, operator_residual

__all__ = [
    "FiniteSumProblem",
    "InclusionResult",
    "eag",
    "extragradient",
    "halpern",
    "hard_qp",
    "linear_problem",
    "matrix_game",
    "natural_residual",
    "operator_residual",
    "page_probability",
    "policeman_burglar_matrix",
    "project_simplex",
    "random_linear_problem",
    "vr_extragradient",
    "vr_halpern",
]
