"""Gradient descent for over-parameterised matrix sensing: the curses of symmetry and
initialisation.

Xiong, Ding, Du, "How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The
Curses of Symmetry and Initialization", ICLR 2024, arXiv:2310.01769. Gaussian sensing operators
(:func:`sensing_operator`, symmetrised for PSD targets) and the exact population operator
(:func:`population_operator`, :math:`\\mathcal A^*\\mathcal A = \\mathrm{id}`), random rank-``r``
ground truths (:func:`ground_truth`), the papers' small initialisations
(:func:`initialize_symmetric`, :func:`initialize_asymmetric` with ``G_0`` at ``alpha/3``), GD on
:math:`XX^T` (:func:`gd_symmetric`) and on :math:`FG^T` (:func:`gd_asymmetric`), the imbalance
:math:`F^TF - G^TG` (:func:`imbalance`) and a rebalancing step (:func:`rebalance`, a
*reconstruction* of the paper's one-step modification, Section 5).
"""

from ._gd import MatrixSensingResult, gd_asymmetric, gd_symmetric, rebalance
from ._problems import (
    SensingOperator,
    ground_truth,
    imbalance,
    initialize_asymmetric,
    initialize_symmetric,
    population_operator,
    sensing_operator,
)

__all__ = [
    "MatrixSensingResult",
    "SensingOperator",
    "gd_asymmetric",
    "gd_symmetric",
    "ground_truth",
    "imbalance",
    "initialize_asymmetric",
    "initialize_symmetric",
    "population_operator",
    "rebalance",
    "sensing_operator",
]
