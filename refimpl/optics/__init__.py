"""Optics: Hilbert transform, Kramers-Kronig relations and line shapes.

Reference implementations for Briscoe et al., arXiv:2403.00950 (Rb vapour at 0.6 T) and
Whittaker et al., Phys. Rev. A 91, 032513 (2015): the refractive index of an atomic vapour
from its absorption spectrum alone. ``__all__`` is exactly the union of the submodules'
``__all__`` (checked by ``tests/optics/test_hilbert.py``).
"""

from refimpl.optics.hilbert import hilbert_transform
from refimpl.optics.kramers_kronig import (
    absorption_from_refractive_index,
    absorption_from_transmission,
    refractive_index_from_absorption,
)
from refimpl.optics.lineshapes import lorentzian_profile, voigt_profile

__all__ = [
    "absorption_from_refractive_index",
    "absorption_from_transmission",
    "hilbert_transform",
    "lorentzian_profile",
    "refractive_index_from_absorption",
    "voigt_profile",
]
