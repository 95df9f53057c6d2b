"""Optics: Hilbert transform, Kramers-Kronig relations, line shapes and Rb magneto-optics.

Reference implementations for Briscoe et al., arXiv:2403.00950 (Rb vapour at 0.6 T) and
Whittaker et al., Phys. Rev. A 91, 032513 (2015): the refractive index of an atomic vapour
from its absorption spectrum alone, and the atomic model behind it (Rb D-line data, the
fine + hyperfine + Zeeman Hamiltonian, Doppler-broadened susceptibilities, Faraday/Voigt
propagation and the indirect rotation measurement). ``__all__`` is exactly the union of the
submodules' ``__all__`` (checked by ``tests/optics/test_hilbert.py`` and
``tests/optics/test_magneto_api.py``).
"""

from refimpl.optics.angular import wigner_3j, wigner_6j
from refimpl.optics.atoms import (
    RB85_NATURAL_PERCENT,
    RbLineData,
    rb_line_data,
    rb_number_density,
)
from refimpl.optics.hilbert import hilbert_transform
from refimpl.optics.indirect import IndirectResult, indirect_rotation
from refimpl.optics.kramers_kronig import (
    absorption_from_refractive_index,
    absorption_from_transmission,
    refractive_index_from_absorption,
)
from refimpl.optics.lineshapes import lorentzian_profile, voigt_profile
from refimpl.optics.propagation import (
    dielectric_tensor,
    eigen_indices,
    ellipticity,
    faraday_rotation,
    jones_matrix,
    jones_vector,
    rotation_angle,
    stokes_parameters,
    transmitted_stokes,
)
from refimpl.optics.susceptibility import from_elecsus, rb_susceptibility, to_elecsus
from refimpl.optics.zeeman import (
    RbTransitions,
    ZeemanLevels,
    rb_hamiltonian,
    rb_levels,
    rb_transitions,
)

__all__ = [
    "RB85_NATURAL_PERCENT",
    "IndirectResult",
    "RbLineData",
    "RbTransitions",
    "ZeemanLevels",
    "absorption_from_refractive_index",
    "absorption_from_transmission",
    "dielectric_tensor",
    "eigen_indices",
    "ellipticity",
    "faraday_rotation",
    "from_elecsus",
    "hilbert_transform",
    "indirect_rotation",
    "jones_matrix",
    "jones_vector",
    "lorentzian_profile",
    "rb_hamiltonian",
    "rb_levels",
    "rb_line_data",
    "rb_number_density",
    "rb_susceptibility",
    "rb_transitions",
    "refractive_index_from_absorption",
    "rotation_angle",
    "stokes_parameters",
    "to_elecsus",
    "transmitted_stokes",
    "voigt_profile",
    "wigner_3j",
    "wigner_6j",
]
