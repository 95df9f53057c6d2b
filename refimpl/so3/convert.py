r"""Conversions of real spherical-harmonic coefficients between basis conventions.

======================  ================================================================
name                    basis (all orthonormal real harmonics, index ``l*l + l + m``)
======================  ================================================================
``"refimpl"``           z polar, no Condon-Shortley phase (spec §1.1; sphericart's basis)
``"e3nn"``              e3nn / e3nn-jax / cuequivariance (``mul_ir``): y polar,
                        :math:`Y^{\mathrm{e3nn}}(v) = Y^{\mathrm{refimpl}}(Pv)`,
                        :math:`P v = (v_z, v_x, v_y)`
``"condon_shortley"``   z polar *with* the Condon-Shortley phase:
                        :math:`Y^{\mathrm{CS}}_{l,m} = (-1)^m Y^{\mathrm{refimpl}}_{l,m}`
                        (e.g. escnn / lie_learn); from SciPy's complex harmonics,
                        :math:`Y^{\mathrm{CS}}_{l,m} = \sqrt2\,\mathrm{Re}\,Y_l^m`,
                        :math:`Y^{\mathrm{CS}}_{l,-m} = \sqrt2\,\mathrm{Im}\,Y_l^m` (m > 0)
======================  ================================================================
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.so3._layout import lmax_from_size
from refimpl.so3.wigner import wigner_D

__all__ = ["convert_basis"]

Array = Any

_BASES = ("condon_shortley", "e3nn", "refimpl")

#: e3nn's harmonics are refimpl's evaluated at P v: (x, y, z) -> (z, x, y)
_P_E3NN = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@functools.cache
def _to_refimpl(basis: str, l: int) -> np.ndarray:  # noqa: E741
    """Host float64 (2l+1, 2l+1) matrix A with x_refimpl = A x_basis (orthogonal)."""
    if basis == "refimpl":
        a = np.eye(2 * l + 1)
    elif basis == "condon_shortley":
        a = np.diag([(-1.0) ** abs(m) for m in range(-l, l + 1)])
    else:  # e3nn: Y_e3nn = D(P) Y_ref, so x_ref = D(P)^T x_e3nn
        a = np.ascontiguousarray(wigner_D(l, _P_E3NN).T)
    a.flags.writeable = False
    return a


@functools.cache
def _conversion(source: str, target: str, l: int) -> np.ndarray:  # noqa: E741
    """Host float64 M with x_target = M x_source for degree l (read-only)."""
    m = _to_refimpl(target, l).T @ _to_refimpl(source, l)
    if source == target or {source, target} <= {"refimpl", "condon_shortley"}:
        m = np.round(m)  # exact signed identities
    m.flags.writeable = False
    return m


def convert_basis(coeffs: Array, /, *, source: str, target: str) -> Array:
    r"""Convert real SH coefficients (or SH values) from one basis convention to another.

    Parameters
    ----------
    coeffs : array, shape (..., (lmax + 1)**2)
        Coefficients in the ``source`` basis at flat index ``l*l + l + m``; real (integers
        are promoted), finite, non-empty. ``lmax`` is read from the last axis.
    source, target : {"refimpl", "e3nn", "condon_shortley"}
        The bases (see Notes).

    Returns
    -------
    array, shape (..., (lmax + 1)**2)
        The same function's coefficients in the ``target`` basis, in the namespace, floating
        dtype and device of ``coeffs`` (always a new array).

    Raises
    ------
    TypeError
        If ``coeffs`` is bool, complex or non-numeric.
    ValueError
        If the last axis of ``coeffs`` is not a perfect square, ``coeffs`` is empty or not
        finite, or ``source``/``target`` is unknown.

    Notes
    -----
    Each conversion is orthogonal and acts degree by degree:

    * ``"refimpl"`` (canonical; z polar, no Condon-Shortley phase, spec §1.1).
    * ``"e3nn"`` (y polar; also e3nn-jax and cuequivariance in ``mul_ir`` layout): e3nn's
      harmonics satisfy :math:`Y_{\mathrm{e3nn}}^l(v) = Y^l(Pv) = D^l(P)\,Y^l(v)` with
      :math:`P = [[0,0,1],[1,0,0],[0,1,0]]`, so :math:`x_{\mathrm{e3nn}} = D^l(P)\,x` and
      :math:`x = D^l(P)^\top x_{\mathrm{e3nn}}`; for ``l = 1`` the e3nn vector
      :math:`(v_x, v_y, v_z)` becomes refimpl's :math:`(v_y, v_z, v_x)`, exactly the
      identity on the stored triple. :math:`D^l(P)` is computed once per degree with
      :func:`~refimpl.so3.wigner.wigner_D` in float64 on the host (round-off ~1e-15).
    * ``"condon_shortley"``: :math:`Y^{\mathrm{CS}}_{l,m} = (-1)^m Y_{l,m}` (sign flips for
      odd ``|m|``; exact).

    Since the matrices are orthogonal, the same call converts vectors of SH *values*
    (``spherical_harmonics(lmax, v)``) and coefficient vectors alike. The normalisation
    (``"integral"``, ``"component"``, ``"norm"``) is not changed: convert it separately.
    e3nn's own normalisation default is ``"integral"`` (e3nn-jax and cuequivariance use
    ``"component"``). Real Clebsch-Gordan and Gaunt arrays need no conversion (they are
    invariant under :math:`D(P)^{\otimes 3}`; spec §1.4).

    References
    ----------
    .. [1] refimpl spec ``equivariance.md`` §1.1 and §1.7 (conventions of peer libraries).
    .. [2] M. Geiger, T. Smidt, "e3nn: Euclidean Neural Networks", arXiv:2207.09453
       (e3nn's y-polar real harmonics).
    .. [3] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, arXiv:2401.10216 (whose official code
       uses e3nn's convention; equation numbers not verified).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.convert import convert_basis
    >>> v = np.array([0.0, 1.0, 2.0, 3.0])                  # lmax = 1: Y_00, then (y, z, x)
    >>> convert_basis(v, source="refimpl", target="condon_shortley").tolist()
    [0.0, -1.0, 2.0, -3.0]
    >>> np.round(convert_basis(v, source="refimpl", target="e3nn"), 12).tolist()  # (x, y, z)
    [0.0, 3.0, 1.0, 2.0]
    """
    _xp.check_choice(source, _BASES, name="source")
    _xp.check_choice(target, _BASES, name="target")
    xp, (c,) = _xp.as_arrays(coeffs)
    c = _xp.checked_real(c, name="coeffs", xp=xp)
    lmax = lmax_from_size(c.shape[-1], "coeffs")
    dev = _xp.device(c)
    parts = []
    for l in range(lmax + 1):  # noqa: E741
        cl = c[..., l * l : (l + 1) * (l + 1)]
        m = xp.asarray(_conversion(source, target, l).T, dtype=c.dtype, device=dev, copy=True)
        parts.append(xp.matmul(cl, m))
    return xp.concat(parts, axis=-1)
