"""SO(3) harmonic analysis and tensor products (Luo, Chen, Krishnapriyan, arXiv:2401.10216).

Real spherical harmonics (z polar, orthonormal, flat index ``l*l + l + m``, no Condon-Shortley
sign), real-basis Wigner D matrices, Clebsch-Gordan and real Gaunt coefficients, and the
Clebsch-Gordan and Gaunt tensor products (dense, S^2 grid and the paper's 2D Fourier route).
``__all__`` is exactly the union of the submodules' ``__all__`` (checked by the tests).
"""

from refimpl.so3.cg_product import cg_tensor_product
from refimpl.so3.convert import convert_basis
from refimpl.so3.coupling import clebsch_gordan, gaunt_cg_ratio, gaunt_coefficients
from refimpl.so3.fourier import fourier_to_sh, sh_to_fourier
from refimpl.so3.gaunt_product import gaunt_power, gaunt_tensor_product
from refimpl.so3.harmonics import s2_quadrature, spherical_harmonics
from refimpl.so3.wigner import check_rotation, random_rotation, rotate_coefficients, wigner_D

__all__ = [
    "cg_tensor_product",
    "check_rotation",
    "clebsch_gordan",
    "convert_basis",
    "fourier_to_sh",
    "gaunt_cg_ratio",
    "gaunt_coefficients",
    "gaunt_power",
    "gaunt_tensor_product",
    "random_rotation",
    "rotate_coefficients",
    "s2_quadrature",
    "sh_to_fourier",
    "spherical_harmonics",
    "wigner_D",
]
