"""Hard instances behind the lower bounds for finding stationary points.

Zhang, Li, "Quantum Lower Bounds for Finding Stationary Points of Nonconvex Functions", ICML
2023, arXiv:2212.03906, and the classical constructions it builds on: Carmon, Duchi, Hinder,
Sidford, arXiv:1710.11606 (the chain function :func:`chain_function` with its building blocks
:func:`psi`, :func:`phi`, derivatives :func:`chain_gradient`, :func:`chain_hessian`,
:func:`chain_derivative`; the scaled instance :func:`scaled_chain`; the random embedding
:func:`random_embedding` and bounded instance :func:`rotated_chain`) and Arjevani, Carmon,
Duchi, Foster, Srebro, Woodworth, arXiv:1912.02365 (the Bernoulli oracle
:func:`bernoulli_chain_oracle`). :class:`ZeroChainOracle` counts queries, :func:`progress`
tracks how much of the chain is uncovered, and :func:`oracle_descent` runs GD/SGD against an
oracle. Nothing quantum is simulated: the classical mechanism of the lower bounds is what is
implemented and tested.
"""

from ._chain import (
    PHI_MAX,
    chain_derivative,
    chain_function,
    chain_gradient,
    chain_hessian,
    phi,
    progress,
    psi,
)
from ._instances import (
    ChainRunResult,
    RotatedChain,
    ScaledChain,
    ZeroChainOracle,
    bernoulli_chain_oracle,
    oracle_descent,
    random_embedding,
    rotated_chain,
    scaled_chain,
)

__all__ = [
    "PHI_MAX",
    "ChainRunResult",
    "RotatedChain",
    "ScaledChain",
    "ZeroChainOracle",
    "bernoulli_chain_oracle",
    "chain_derivative",
    "chain_function",
    "chain_gradient",
    "chain_hessian",
    "oracle_descent",
    "phi",
    "progress",
    "psi",
    "random_embedding",
    "rotated_chain",
    "scaled_chain",
]
