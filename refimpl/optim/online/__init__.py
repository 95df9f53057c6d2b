"""Online convex optimisation in the SEA model: optimistic online mirror descent.

Chen, Zhang, Tu, Zhao, Zhang, "Optimistic Online Mirror Descent for Bridging Stochastic and
Adversarial Online Convex Optimization", ICML 2023 / JMLR 2024, arXiv:2302.04552; the SEA
model of Sachs, Hadiji, van Erven, Guzman, NeurIPS 2022. Learners (:class:`OptimisticOMD`,
:class:`OptimisticONS`, :class:`OptimisticEnsemble`) share one interface:
``x_t = learner.predict()``, then ``learner.update(g_t)``. ``__all__`` is exactly the union of
the private modules' ``__all__``.
"""

from refimpl.optim.online._domain import (
    Domain,
    project_ball,
    project_ball_mahalanobis,
    project_box,
    project_simplex,
)
from refimpl.optim.online._learners import OptimisticEnsemble, OptimisticOMD, OptimisticONS
from refimpl.optim.online._runner import OMDResult, RegretCurves, optimistic_omd, run_online
from refimpl.optim.online._sea import (
    SEAEnvironment,
    sea_adversarial_linear,
    sea_corrupted_iid,
    sea_drifting,
    sea_iid,
    sea_quadratic,
)

__all__ = [
    "Domain",
    "OMDResult",
    "OptimisticEnsemble",
    "OptimisticOMD",
    "OptimisticONS",
    "RegretCurves",
    "SEAEnvironment",
    "optimistic_omd",
    "project_ball",
    "project_ball_mahalanobis",
    "project_box",
    "project_simplex",
    "run_online",
    "sea_adversarial_linear",
    "sea_corrupted_iid",
    "sea_drifting",
    "sea_iid",
    "sea_quadratic",
]
