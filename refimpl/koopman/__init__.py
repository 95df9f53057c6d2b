"""Koopman spectra with verification (Colbrook, Mezic, Stepanenko, arXiv:2407.06312; ResDMD:
Colbrook & Townsend, arXiv:2111.14889).

Dictionaries and snapshot data with quadrature weights, EDMD (Galerkin matrices, eigenpairs,
eigenfunctions), ResDMD residuals, the pseudospectrum function ``tau_N(z)`` (QR, Gram and SVD
forms), the error-certified spectral algorithm ("algorithm with verification"), smoothed
spectral measures of measure-preserving systems, and test systems. ``__all__`` is exactly the
union of the submodules' ``__all__`` (checked by the tests).
"""

from refimpl.koopman.data import (
    flow_trajectories,
    gauss_legendre,
    iterate_map,
    snapshot_matrices,
    snapshot_pairs,
    trapezoid,
    uniform_weights,
)
from refimpl.koopman.dictionaries import (
    fourier_dictionary,
    hermite_dictionary,
    kmeans_centres,
    legendre_dictionary,
    monomial_dictionary,
    rbf_dictionary,
    torus_fourier_dictionary,
)
from refimpl.koopman.edmd import EDMDResult, edmd, eigenfunctions, galerkin
from refimpl.koopman.resdmd import (
    SpectrumResult,
    pseudoeigenfunctions,
    pseudospectrum,
    resdmd,
    residuals,
    verified_spectrum,
)
from refimpl.koopman.spectral_measures import ergodic_moments, smoothed_measure
from refimpl.koopman.systems import duffing_vector_field, gauss_map

__all__ = [
    "EDMDResult",
    "SpectrumResult",
    "duffing_vector_field",
    "edmd",
    "eigenfunctions",
    "ergodic_moments",
    "flow_trajectories",
    "fourier_dictionary",
    "galerkin",
    "gauss_legendre",
    "gauss_map",
    "hermite_dictionary",
    "iterate_map",
    "kmeans_centres",
    "legendre_dictionary",
    "monomial_dictionary",
    "pseudoeigenfunctions",
    "pseudospectrum",
    "rbf_dictionary",
    "resdmd",
    "residuals",
    "smoothed_measure",
    "snapshot_matrices",
    "snapshot_pairs",
    "torus_fourier_dictionary",
    "trapezoid",
    "uniform_weights",
    "verified_spectrum",
]
