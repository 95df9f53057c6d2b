"""Open quantum systems in the POVM formulation (Luo, Chen, Carrasquilla, Clark, arXiv:2009.05580).

IC-POVMs and dual frames, N-qubit probabilities and reconstruction, Lindblad generators (dense
and local POVM blocks), Crank-Nicolson and Krylov stepping, steady states, and the
autoregressive transformer with string states, importance-sampled costs and a torch training
loop. Probabilities use the site order with site 0 most significant (``qutip.tensor`` order).
``__all__`` is exactly the union of the submodules' ``__all__``.
"""

from refimpl.quantum.autoregressive import (
    TrainResult,
    TransformerModel,
    conditional_log_probs,
    init_transformer,
    local_generator_values,
    log_prob,
    sample,
    steady_state_cost,
    string_log_prob,
    string_orderings,
    string_sample,
    train_steady_state,
    trapezoid_cost,
)
from refimpl.quantum.dynamics import (
    KrylovResult,
    SteadyStateResult,
    TrapezoidResult,
    krylov_evolve,
    steady_state,
    trapezoid_evolve,
    trapezoid_step,
)
from refimpl.quantum.lindblad import (
    LindbladModel,
    LocalLindbladian,
    apply_lindbladian,
    dense_operators,
    dissipative_ising,
    dissipative_xyz,
    lindblad_model,
    lindblad_rhs,
    lindbladian,
    liouvillian,
)
from refimpl.quantum.povms import (
    POVM,
    density_from_probabilities,
    expectation,
    frame_coefficients,
    local_expectations,
    povm,
    povm_from_elements,
    probabilities,
    sample_local_expectations,
)

__all__ = [
    "POVM",
    "KrylovResult",
    "LindbladModel",
    "LocalLindbladian",
    "SteadyStateResult",
    "TrainResult",
    "TransformerModel",
    "TrapezoidResult",
    "apply_lindbladian",
    "conditional_log_probs",
    "dense_operators",
    "density_from_probabilities",
    "dissipative_ising",
    "dissipative_xyz",
    "expectation",
    "frame_coefficients",
    "init_transformer",
    "krylov_evolve",
    "lindblad_model",
    "lindblad_rhs",
    "lindbladian",
    "liouvillian",
    "local_expectations",
    "local_generator_values",
    "log_prob",
    "povm",
    "povm_from_elements",
    "probabilities",
    "sample",
    "sample_local_expectations",
    "steady_state",
    "steady_state_cost",
    "string_log_prob",
    "string_orderings",
    "string_sample",
    "train_steady_state",
    "trapezoid_cost",
    "trapezoid_evolve",
    "trapezoid_step",
]
