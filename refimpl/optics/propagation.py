r"""Light propagation through a magnetised vapour: dielectric tensor, eigen-indices, Jones, Stokes.

**Handedness convention** (fixed throughout refimpl): fields :math:`\propto e^{i(kz-\omega t)}`,
light along :math:`+\hat z`; polarisations are labelled by the :math:`\Delta m` of the
transitions they drive when :math:`\mathbf B \parallel +\hat z`:
:math:`\hat e_{+} = (\hat x + i\hat y)/\sqrt2` drives :math:`\Delta m = +1` (its field turns
from :math:`\hat x` to :math:`\hat y`: positive helicity), :math:`\hat e_{-} = (\hat x - i\hat
y)/\sqrt2` drives :math:`\Delta m = -1`. Stokes parameters of a Jones vector
:math:`(E_x, E_y)`: :math:`S_0 = |E_x|^2 + |E_y|^2`, :math:`S_1 = |E_x|^2 - |E_y|^2`,
:math:`S_2 = 2\,\mathrm{Re}(E_x^* E_y) = I(+45°) - I(-45°)`, :math:`S_3 = 2\,\mathrm{Im}(E_x^*
E_y) = I(\hat e_+) - I(\hat e_-)`; rotation :math:`\psi = \tfrac12\mathrm{atan2}(S_2, S_1)`
(from :math:`\hat x` towards :math:`\hat y`), ellipticity :math:`\tfrac12\arcsin(S_3/S_0)`.

**Geometry.** :math:`\mathbf B = B(\sin\theta_B, 0, \cos\theta_B)`: ``theta_B = 0`` is the
Faraday geometry (:math:`\mathbf B \parallel \mathbf k`), ``theta_B = pi/2`` the Voigt geometry
(:math:`\mathbf B \parallel \hat x`). In the field frame
:math:`\chi = \sum_q \chi_q \hat e_q \hat e_q^\dagger`, i.e.
:math:`\epsilon = [[\epsilon_x, -i\epsilon_g, 0], [i\epsilon_g, \epsilon_x, 0], [0, 0, \epsilon_z]]`
with :math:`\epsilon_x = 1 + (\chi_{+1} + \chi_{-1})/2`, :math:`\epsilon_g = (\chi_{+1} -
\chi_{-1})/2`, :math:`\epsilon_z = 1 + \chi_0`, rotated to the lab by :math:`R_y(\theta_B)`.
For a plane wave along :math:`\hat z`, :math:`D_z = 0` eliminates :math:`E_z` exactly and the
transverse field obeys :math:`n^2 E_t = \epsilon_\mathrm{eff} E_t`,
:math:`\epsilon_\mathrm{eff} = \epsilon_{tt} - \epsilon_{tz}\epsilon_{zt}/\epsilon_{zz}`. The
Jones matrix (relative to vacuum propagation over :math:`L`, i.e. without the common phase
:math:`e^{ikL}`) is :math:`\exp(ikL(\sqrt{\epsilon_\mathrm{eff}} - I))`, evaluated in closed
form for 2x2 matrices; it is exact at every angle, with no assumption that the two modes are
orthogonal (they are not for :math:`0 < \theta_B < \pi/2`; Briscoe et al., arXiv:2505.04504).
Reflections at the cell windows and window birefringence are not modelled.
"""

from __future__ import annotations

import math
from typing import Any

from refimpl import _xp

__all__ = [
    "dielectric_tensor",
    "eigen_indices",
    "ellipticity",
    "faraday_rotation",
    "jones_matrix",
    "jones_vector",
    "rotation_angle",
    "stokes_parameters",
    "transmitted_stokes",
]

Array = Any

_GEOMETRIES = ("faraday", "voigt")
_JONES = ("x", "y", "+45", "-45", "e+", "e-")


def _chis(*arrays: Any) -> tuple[Any, list[Array]]:
    """Common namespace; real floating arrays promoted to complex; shapes must match."""
    xp, arrs = _xp.as_arrays(*arrays)
    names = ("chi_p1", "chi_0", "chi_m1")[: len(arrs)] if len(arrs) == 3 else ("chi_p1", "chi_m1")
    out = []
    for a, name in zip(arrs, names, strict=True):
        if not xp.isdtype(a.dtype, "complex floating"):
            a = _xp.checked_real(a, name=name, xp=xp, min_ndim=0)
            a = xp.astype(a, _xp.complex_dtype(xp, a.dtype))
        elif _xp.is_eager(a) and not bool(xp.all(xp.isfinite(a))):
            msg = f"{name} must be finite; got NaN or infinite values"
            raise ValueError(msg)
        out.append(a)
    shapes = {tuple(a.shape) for a in out}
    if len(shapes) != 1:
        msg = f"{', '.join(names)} must have one shape; got {[tuple(a.shape) for a in out]}"
        raise ValueError(msg)
    dtypes = {a.dtype for a in out}
    if len(dtypes) != 1:
        msg = f"{', '.join(names)} must have one dtype; got {sorted(str(t) for t in dtypes)}"
        raise TypeError(msg)
    return xp, out


def _angle(theta_B: Any) -> float:
    t = _xp.finite_float(theta_B, name="theta_B")
    if not math.isfinite(t):
        msg = f"theta_B must be a finite angle in rad; got {theta_B!r}"
        raise ValueError(msg)
    return t


def _sqrt1m1(x: Array, xp: Any) -> Array:
    """sqrt(1 + x) - 1 without cancellation: x / (sqrt(1 + x) + 1)."""
    return x / (xp.sqrt(1.0 + x) + 1.0)


def _chi_lab(xp: Any, cp: Array, c0: Array, cm: Array, theta: float) -> list[list[Array]]:
    """Lab-frame susceptibility tensor as nested lists of arrays (3 x 3)."""
    cx = 0.5 * (cp + cm)
    cg = 0.5 * (cp - cm)
    zero = xp.zeros_like(cp)
    field = [[cx, -1j * cg, zero], [1j * cg, cx, zero], [zero, zero, c0]]
    c, s = math.cos(theta), math.sin(theta)
    rot = [[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]]
    out = []
    for i in range(3):
        row = []
        for j in range(3):
            acc = zero
            for a in range(3):
                for b in range(3):
                    w = rot[i][a] * rot[j][b]
                    if w != 0.0:
                        acc = acc + w * field[a][b]
            row.append(acc)
        out.append(row)
    return out


def _chi_eff(xp: Any, cp: Array, c0: Array, cm: Array, theta: float) -> list[list[Array]]:
    """eps_eff - I (2 x 2 nested lists) after eliminating E_z with D_z = 0."""
    t = _chi_lab(xp, cp, c0, cm, theta)
    ezz = 1.0 + t[2][2]
    return [[t[i][j] - t[i][2] * t[2][j] / ezz for j in range(2)] for i in range(2)]


def _sqrt_dev(xp: Any, x: list[list[Array]]) -> list[list[Array]]:
    r"""sqrt(I + X) - I for 2 x 2 X: Y = (f1 + f2)/2 I + (X - m I)/(r1 + r2), f = r - 1."""
    m = 0.5 * (x[0][0] + x[1][1])
    dlt = xp.sqrt(0.25 * (x[0][0] - x[1][1]) ** 2 + x[0][1] * x[1][0])
    l1, l2 = m + dlt, m - dlt
    r1, r2 = xp.sqrt(1.0 + l1), xp.sqrt(1.0 + l2)
    half = 0.5 * (_sqrt1m1(l1, xp) + _sqrt1m1(l2, xp))
    den = r1 + r2
    return [
        [half + (x[0][0] - m) / den, x[0][1] / den],
        [x[1][0] / den, half + (x[1][1] - m) / den],
    ]


def _expm2(xp: Any, a: list[list[Array]]) -> list[list[Array]]:
    r"""exp(A) for 2 x 2 A: e^m [cosh(d) I + sinh(d)/d (A - m I)], d^2 = ((a-d)/2)^2 + bc."""
    m = 0.5 * (a[0][0] + a[1][1])
    d2 = 0.25 * (a[0][0] - a[1][1]) ** 2 + a[0][1] * a[1][0]
    d = xp.sqrt(d2)
    small = xp.abs(d) < 1e-4
    d_safe = xp.where(small, xp.ones_like(d), d)
    sinhc = xp.where(small, 1.0 + d2 / 6.0 + d2 * d2 / 120.0, xp.sinh(d_safe) / d_safe)
    ch = xp.cosh(d)
    em = xp.exp(m)
    return [
        [em * (ch + sinhc * (a[0][0] - m)), em * sinhc * a[0][1]],
        [em * sinhc * a[1][0], em * (ch + sinhc * (a[1][1] - m))],
    ]


def _stack2(xp: Any, m: list[list[Array]]) -> Array:
    return xp.stack(
        [xp.stack([m[0][0], m[0][1]], axis=-1), xp.stack([m[1][0], m[1][1]], axis=-1)], axis=-2
    )


def dielectric_tensor(
    chi_p1: Array, chi_0: Array, chi_m1: Array, /, *, theta_B: float = 0.0
) -> Array:
    r"""Relative permittivity tensor :math:`\epsilon = I + \chi` in the lab frame.

    Parameters
    ----------
    chi_p1, chi_0, chi_m1 : array, shape (...)
        Susceptibilities of the :math:`\Delta m = +1, 0, -1` transitions (complex or real,
        one shape and dtype), e.g. from :func:`refimpl.optics.rb_susceptibility`.
    theta_B : float, default 0
        Angle (rad) between :math:`\mathbf B` and :math:`\mathbf k \parallel \hat z`, with
        :math:`\mathbf B` in the x-z plane (0: Faraday, :math:`\pi/2`: Voigt, B along x).

    Returns
    -------
    array, shape (..., 3, 3)
        Complex :math:`\epsilon` in the inputs' namespace, device and complex dtype.

    Raises
    ------
    TypeError
        If an input is not a floating/integer array, or dtypes or namespaces differ.
    ValueError
        If shapes differ or values/angle are not finite.

    Notes
    -----
    Module docstring: :math:`\chi = \sum_q \chi_q \hat e_q \hat e_q^\dagger` in the field
    frame, rotated by :math:`R_y(\theta_B)`. :math:`\hat e_{\pm} \cdot` eigenvalues at
    :math:`\theta_B = 0`: :math:`1 + \chi_{\pm 1}`.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024) (Faraday and Voigt geometries).
    .. [2] J. Keaveney et al., Comput. Phys. Commun. 224, 311 (2018), §2 (dielectric tensor
       for arbitrary field angle).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import dielectric_tensor
    >>> eps = dielectric_tensor(np.array([2e-4j]), np.array([1e-4j]), np.array([0j]))
    >>> e_plus = np.array([1, 1j, 0]) / np.sqrt(2)
    >>> bool(np.allclose(eps[0] @ e_plus, (1 + 2e-4j) * e_plus))
    True
    """
    xp, (cp, c0, cm) = _chis(chi_p1, chi_0, chi_m1)
    t = _chi_lab(xp, cp, c0, cm, _angle(theta_B))
    one = xp.ones_like(cp)
    rows = [
        xp.stack([(one if i == j else 0.0 * one) + t[i][j] for j in range(3)], axis=-1)
        for i in range(3)
    ]
    return xp.stack(rows, axis=-2)


def eigen_indices(
    chi_p1: Array, chi_0: Array, chi_m1: Array, /, *, geometry: str
) -> tuple[Array, Array]:
    r"""Complex eigen-indices minus one of the Faraday or Voigt geometry.

    Parameters
    ----------
    chi_p1, chi_0, chi_m1 : array, shape (...)
        Susceptibilities of the :math:`\Delta m = +1, 0, -1` transitions.
    geometry : {"faraday", "voigt"}
        ``"faraday"``: :math:`\mathbf B \parallel \mathbf k`; ``"voigt"``:
        :math:`\mathbf B \perp \mathbf k`.

    Returns
    -------
    n_a_minus_1, n_b_minus_1 : array, shape (...)
        Faraday: :math:`(n_{+1} - 1, n_{-1} - 1)`, :math:`n_q = \sqrt{1 + \chi_q}`, the indices
        seen by :math:`\hat e_+` and :math:`\hat e_-`. Voigt: :math:`(n_\parallel - 1,
        n_\perp - 1)`, :math:`n_\parallel = \sqrt{1+\chi_0}` (E parallel to B, pi lines only),
        :math:`n_\perp = \sqrt{\epsilon_x - \epsilon_g^2/\epsilon_x}` (E perpendicular to B,
        the sigma lines). Complex (:math:`\mathrm{Im}\,n = \alpha/2k`), in the inputs' namespace,
        device and complex dtype. Returned minus one to keep float32 precision.

    Raises
    ------
    TypeError
        As :func:`dielectric_tensor`.
    ValueError
        As :func:`dielectric_tensor`, or for an unknown ``geometry``.

    Notes
    -----
    :math:`\sqrt{1+x} - 1` is evaluated as :math:`x/(\sqrt{1+x}+1)` (no cancellation).
    :math:`n_\perp^2 = 2(1+\chi_{+1})(1+\chi_{-1})/(2+\chi_{+1}+\chi_{-1})`. Each index is a
    causal response (:math:`n - 1` analytic in the upper half plane and vanishing far off
    resonance), so :math:`\mathrm{Re}(n-1) = -H[\mathrm{Im}\,n]`: the basis of the indirect
    method (:func:`refimpl.optics.indirect_rotation`).

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024): "inputting specific light
       polarisations ... induces absorption associated with only one of the refractive
       indices" (abstract), in the Faraday and Voigt geometries.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import eigen_indices
    >>> cp, c0, cm = np.array([2e-4j]), np.array([1e-4j]), np.array([0j])
    >>> npar, nperp = eigen_indices(cp, c0, cm, geometry="voigt")
    >>> bool(np.isclose(npar[0], np.sqrt(1 + 1e-4j) - 1))
    True
    """
    xp, (cp, c0, cm) = _chis(chi_p1, chi_0, chi_m1)
    _xp.check_choice(geometry, _GEOMETRIES, name="geometry")
    if geometry == "faraday":
        return _sqrt1m1(cp, xp), _sqrt1m1(cm, xp)
    cx = 0.5 * (cp + cm)
    cg = 0.5 * (cp - cm)
    return _sqrt1m1(c0, xp), _sqrt1m1(cx - cg * cg / (1.0 + cx), xp)


def _length(L: Any, wavelength: Any) -> float:
    length = _xp.positive_float(L, name="L")
    lam = _xp.positive_float(wavelength, name="wavelength")
    return 2 * math.pi / lam * length


def jones_matrix(
    chi_p1: Array,
    chi_0: Array,
    chi_m1: Array,
    /,
    *,
    L: float,
    wavelength: float,
    theta_B: float = 0.0,
) -> Array:
    r"""Jones matrix of a uniform magnetised vapour cell, for light along :math:`+\hat z`.

    Parameters
    ----------
    chi_p1, chi_0, chi_m1 : array, shape (...)
        Susceptibilities of the :math:`\Delta m = +1, 0, -1` transitions.
    L : float
        Cell length in m (> 0).
    wavelength : float
        Vacuum wavelength in m (> 0); :math:`k = 2\pi/\lambda`.
    theta_B : float, default 0
        Field angle to :math:`\mathbf k` in rad (B in the x-z plane).

    Returns
    -------
    array, shape (..., 2, 2)
        :math:`J = \exp(ikL(\sqrt{\epsilon_\mathrm{eff}} - I))` acting on :math:`(E_x, E_y)`,
        complex, in the inputs' namespace/device/complex dtype.

    Raises
    ------
    TypeError
        As :func:`dielectric_tensor`, or if ``L``/``wavelength``/``theta_B`` are not numbers.
    ValueError
        As :func:`dielectric_tensor`, or for non-positive ``L`` or ``wavelength``.

    Notes
    -----
    Exact for a homogeneous slab without reflections, at any ``theta_B`` (module
    docstring). Faraday (``theta_B = 0``): :math:`J\hat e_\pm = e^{ikL(n_{\pm1}-1)}\hat e_\pm`;
    a linear input is rotated by :math:`\psi = (kL/2)\,\mathrm{Re}(n_{-1} - n_{+1})`
    (:func:`faraday_rotation`). Voigt (``theta_B = pi/2``): :math:`J = \mathrm{diag}(
    e^{ikL(n_\parallel - 1)}, e^{ikL(n_\perp - 1)})`.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024).
    .. [2] J. Keaveney et al., Comput. Phys. Commun. 224, 311 (2018), §2.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import jones_matrix
    >>> z = np.zeros(1, dtype=complex)
    >>> bool(np.allclose(jones_matrix(z, z, z, L=0.01, wavelength=780e-9)[0], np.eye(2)))
    True
    """
    xp, (cp, c0, cm) = _chis(chi_p1, chi_0, chi_m1)
    kl = _length(L, wavelength)
    y = _sqrt_dev(xp, _chi_eff(xp, cp, c0, cm, _angle(theta_B)))
    a = [[(1j * kl) * y[i][j] for j in range(2)] for i in range(2)]
    return _stack2(xp, _expm2(xp, a))


def jones_vector(kind: Any, /, *, xp: Any = None, dtype: Any = None, device: Any = None) -> Array:
    r"""Unit Jones vector :math:`(E_x, E_y)` of a named or linear polarisation.

    Parameters
    ----------
    kind : {"x", "y", "+45", "-45", "e+", "e-"} or float
        ``"e+"`` = :math:`(\hat x + i\hat y)/\sqrt2` (drives :math:`\Delta m = +1` for
        :math:`\mathbf B \parallel \mathbf k`), ``"e-"`` = :math:`(\hat x - i\hat y)/\sqrt2`;
        a float is a linear polarisation at that angle (rad) from :math:`\hat x` towards
        :math:`\hat y`.
    xp : namespace, optional
        Array namespace (default NumPy).
    dtype : complex dtype, optional
        Default: the complex dtype matching the namespace's default float.
    device : device, optional
        Device of the result.

    Returns
    -------
    array, shape (2,)
        Complex unit vector.

    Raises
    ------
    TypeError
        If ``kind`` is neither a str nor a real number, or ``dtype`` is not complex.
    ValueError
        For an unknown name or a non-finite angle.

    Notes
    -----
    Handedness: module docstring (:math:`e^{i(kz - \omega t)}`, labels by :math:`\Delta m`).
    In ElecSus's convention the vector :math:`(\hat x + i\hat y)/\sqrt2` is paired with its
    ``ChiPlus`` = :math:`\chi_{-1}`: an ElecSus input must be complex-conjugated to mean the
    same light here.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024) (input polarisations per geometry).

    Examples
    --------
    >>> from refimpl.optics import jones_vector
    >>> jones_vector("e+").round(6).tolist()
    [(0.707107+0j), 0.707107j]
    """
    ns = _xp.creation_namespace(xp)
    if dtype is None:
        dtype = _xp.complex_dtype(ns, _xp.default_float(ns, device))
    if not ns.isdtype(dtype, "complex floating"):
        msg = f"dtype must be a complex floating dtype; got {dtype}"
        raise TypeError(msg)
    r = 1 / math.sqrt(2)
    if isinstance(kind, str):
        _xp.check_choice(kind, _JONES, name="kind")
        vec = {
            "x": (1.0, 0.0),
            "y": (0.0, 1.0),
            "+45": (r, r),
            "-45": (r, -r),
            "e+": (r, 1j * r),
            "e-": (r, -1j * r),
        }[kind]
    else:
        ang = _xp.finite_float(kind, name="kind")
        if not math.isfinite(ang):
            msg = f"kind must be a polarisation name or a finite angle; got {kind!r}"
            raise ValueError(msg)
        vec = (math.cos(ang), math.sin(ang))
    return ns.asarray([complex(v) for v in vec], dtype=dtype, device=device)


def stokes_parameters(E: Array, /) -> Array:
    r"""Stokes parameters :math:`(S_0, S_1, S_2, S_3)` of Jones vectors.

    Parameters
    ----------
    E : array, shape (..., 2)
        Jones vectors :math:`(E_x, E_y)` (complex or real).

    Returns
    -------
    array, shape (..., 4)
        Real, in ``E``'s namespace/device and matching real dtype.

    Raises
    ------
    TypeError
        If ``E`` is not a numeric array.
    ValueError
        If the last axis is not of length 2.

    Notes
    -----
    :math:`S_2 = 2\,\mathrm{Re}(E_x^*E_y) = I(+45°) - I(-45°)`, :math:`S_3 = 2\,\mathrm{Im}(
    E_x^* E_y) = I(\hat e_+) - I(\hat e_-)` (module docstring).

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024) (Stokes polarimetry of rotation).

    Examples
    --------
    >>> from refimpl.optics import jones_vector, stokes_parameters
    >>> stokes_parameters(jones_vector("e+")).round(12).tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    xp, (e,) = _xp.as_arrays(E)
    if not xp.isdtype(e.dtype, "complex floating"):
        e = _xp.checked_real(e, name="E", xp=xp)
        e = xp.astype(e, _xp.complex_dtype(xp, e.dtype))
    if e.ndim < 1 or e.shape[-1] != 2:
        msg = f"E must have shape (..., 2); got shape {tuple(e.shape)}"
        raise ValueError(msg)
    ex, ey = e[..., 0], e[..., 1]
    ix, iy = xp.real(ex * xp.conj(ex)), xp.real(ey * xp.conj(ey))
    cross = xp.conj(ex) * ey
    return xp.stack([ix + iy, ix - iy, 2.0 * xp.real(cross), 2.0 * xp.imag(cross)], axis=-1)


def _stokes_in(S: Any, name: str = "S") -> tuple[Any, Array]:
    xp, (s,) = _xp.as_arrays(S)
    s = _xp.checked_real(s, name=name, xp=xp)
    if s.shape[-1] != 4:
        msg = f"{name} must have shape (..., 4); got shape {tuple(s.shape)}"
        raise ValueError(msg)
    return xp, s


def rotation_angle(S: Array, /) -> Array:
    r"""Polarisation angle :math:`\psi = \tfrac12\,\mathrm{atan2}(S_2, S_1)` in rad.

    Parameters
    ----------
    S : array, shape (..., 4)
        Stokes parameters (:func:`stokes_parameters`).

    Returns
    -------
    array, shape (...)
        :math:`\psi \in (-\pi/2, \pi/2]`, from :math:`\hat x` towards :math:`\hat y`; the
        rotation of an x-polarised input. Input's namespace, dtype and device.

    Raises
    ------
    TypeError
        If ``S`` is not a real array.
    ValueError
        If the last axis is not of length 4 or values are not finite.

    Notes
    -----
    Defined modulo :math:`\pi`; continuous spectra may need unwrapping.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024) (rotation angle from Stokes).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import jones_vector, rotation_angle, stokes_parameters
    >>> round(float(rotation_angle(stokes_parameters(jones_vector(0.3)))), 12)
    0.3
    """
    xp, s = _stokes_in(S)
    return 0.5 * xp.atan2(s[..., 2], s[..., 1])


def ellipticity(S: Array, /) -> Array:
    r"""Ellipticity angle :math:`\tfrac12\arcsin(S_3/S_0)` in rad.

    Parameters
    ----------
    S : array, shape (..., 4)
        Stokes parameters.

    Returns
    -------
    array, shape (...)
        In :math:`[-\pi/4, \pi/4]`; :math:`+\pi/4` for :math:`\hat e_+`. Input's namespace,
        dtype and device.

    Raises
    ------
    TypeError
        If ``S`` is not a real array.
    ValueError
        If the last axis is not of length 4 or values are not finite.

    Notes
    -----
    :math:`S_3/S_0` is clipped to [-1, 1] against round-off.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import ellipticity, jones_vector, stokes_parameters
    >>> round(float(ellipticity(stokes_parameters(jones_vector("e-")))) / np.pi, 12)
    -0.25
    """
    xp, s = _stokes_in(S)
    return 0.5 * xp.asin(xp.clip(s[..., 3] / s[..., 0], -1.0, 1.0))


def faraday_rotation(chi_p1: Array, chi_m1: Array, /, *, L: float, wavelength: float) -> Array:
    r"""Faraday rotation :math:`\psi = (kL/2)\,\mathrm{Re}(n_{-1} - n_{+1})` in rad.

    Parameters
    ----------
    chi_p1, chi_m1 : array, shape (...)
        Susceptibilities of the :math:`\Delta m = \pm 1` transitions.
    L : float
        Cell length in m.
    wavelength : float
        Vacuum wavelength in m.

    Returns
    -------
    array, shape (...)
        Rotation (rad, from :math:`\hat x` towards :math:`\hat y`, not wrapped) of a linear
        input for :math:`\mathbf B \parallel \mathbf k`, real, in the inputs' namespace,
        device and real dtype.

    Raises
    ------
    TypeError
        As :func:`jones_matrix`.
    ValueError
        As :func:`jones_matrix`.

    Notes
    -----
    In refimpl's convention (module docstring). It equals :func:`rotation_angle` of the
    Jones-propagated linear input modulo :math:`\pi` exactly, whatever the dichroism
    (which only adds ellipticity). ElecSus's rotation is the negative of this
    (:func:`refimpl.optics.from_elecsus`). The issue text's :math:`(kL/2)\mathrm{Re}(n_+ -
    n_-)` is ElecSus's sign with :math:`n_\pm` meaning its ``nPlus``/``nMinus`` labels.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024) (rotation from the two indices;
       equation number not verified).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import faraday_rotation
    >>> psi = faraday_rotation(np.array([2e-6 + 0j]), np.array([0j]), L=0.002, wavelength=780e-9)
    >>> bool(psi[0] < 0)          # n_{+1} > n_{-1}: rotation towards -y
    True
    """
    xp, (cp, cm) = _chis(chi_p1, chi_m1)
    kl = _length(L, wavelength)
    return (0.5 * kl) * xp.real(_sqrt1m1(cm, xp) - _sqrt1m1(cp, xp))


def transmitted_stokes(
    chi_p1: Array,
    chi_0: Array,
    chi_m1: Array,
    E_in: Array,
    /,
    *,
    L: float,
    wavelength: float,
    theta_B: float = 0.0,
) -> Array:
    r"""Stokes parameters of the light transmitted by the cell, for input Jones vector ``E_in``.

    Parameters
    ----------
    chi_p1, chi_0, chi_m1 : array, shape (...)
        Susceptibilities of the :math:`\Delta m = +1, 0, -1` transitions.
    E_in : array, shape (2,) or (..., 2)
        Input Jones vector(s) (:func:`jones_vector`), broadcast against the spectra.
    L, wavelength, theta_B : float
        As :func:`jones_matrix`.

    Returns
    -------
    array, shape (..., 4)
        :math:`(S_0, S_1, S_2, S_3)`; :math:`S_0` is the transmission for a unit input.
        Real, in the inputs' namespace, device and real dtype.

    Raises
    ------
    TypeError
        As :func:`jones_matrix`, or if ``E_in`` mixes namespaces.
    ValueError
        As :func:`jones_matrix`, or if ``E_in``'s last axis is not 2.

    Notes
    -----
    :math:`E_\mathrm{out} = J E_\mathrm{in}` with :math:`J` of :func:`jones_matrix`.

    References
    ----------
    .. [1] J. D. Briscoe et al., arXiv:2403.00950 (2024).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import jones_vector, transmitted_stokes
    >>> cp, c0, cm = np.array([1e-5j]), np.array([0j]), np.array([0j])
    >>> s = transmitted_stokes(cp, c0, cm, jones_vector("e-"), L=0.002, wavelength=780e-9)
    >>> round(float(s[0, 0]), 12)                    # e- does not see the Delta m = +1 lines
    1.0
    """
    j = jones_matrix(chi_p1, chi_0, chi_m1, L=L, wavelength=wavelength, theta_B=theta_B)
    xp, (jm, e) = _xp.as_arrays(j, E_in)
    if not xp.isdtype(e.dtype, "complex floating"):
        e = _xp.checked_real(e, name="E_in", xp=xp)
    e = xp.astype(e, jm.dtype)
    if e.ndim < 1 or e.shape[-1] != 2:
        msg = f"E_in must have shape (..., 2); got shape {tuple(e.shape)}"
        raise ValueError(msg)
    out = xp.matmul(jm, e[..., None])[..., 0]
    return stokes_parameters(out)
