r"""The indirect method of Briscoe et al.: magneto-optical rotation from transmission alone.

In the Faraday geometry an :math:`\hat e_+` input sees only :math:`n_{+1}` and an
:math:`\hat e_-` input only :math:`n_{-1}`; in the Voigt geometry light polarised along
:math:`\mathbf B` sees only :math:`n_\parallel` and light perpendicular to it only
:math:`n_\perp` (:mod:`refimpl.optics.propagation`). Two transmission spectra therefore give
the two absorption coefficients, the Hilbert transform gives the two real indices, and the
Jones calculus gives the rotation of any input polarisation.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from refimpl import _xp
from refimpl.optics.kramers_kronig import (
    absorption_from_transmission,
    refractive_index_from_absorption,
)
from refimpl.optics.propagation import (
    _GEOMETRIES,
    _expm2,
    _stack2,
    rotation_angle,
    stokes_parameters,
)

__all__ = ["IndirectResult", "indirect_rotation"]

Array = Any

_BACKGROUNDS = ("none", "linear")
_UNIFORM_RTOL = 1e-3  # grid steps may differ by this fraction of the mean step


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class IndirectResult:
    r"""Output of :func:`indirect_rotation` (arrays of shape (n,), the input's namespace).

    Attributes
    ----------
    alpha_a, alpha_b : array
        Absorption coefficients (1/m) of the two eigenmodes: Faraday
        :math:`(\alpha_{+1}, \alpha_{-1})`, Voigt :math:`(\alpha_\parallel, \alpha_\perp)`.
    n_a_minus_1, n_b_minus_1 : array
        Real refractive indices minus one from the Hilbert transform.
    rotation : array
        Rotation (rad) of the input polarisation, output angle minus input angle, in
        :math:`(-\pi/2, \pi/2]`.
    ellipticity_out : array
        Ellipticity angle (rad) of the output.
    stokes : array, shape (n, 4)
        Output Stokes parameters for a unit input.
    """

    alpha_a: Array
    alpha_b: Array
    n_a_minus_1: Array
    n_b_minus_1: Array
    rotation: Array
    ellipticity_out: Array
    stokes: Array


def _uniform_grid(xp: Any, d: Array) -> None:
    if d.ndim != 1:
        msg = f"detuning_mhz must be 1-D (n,); got shape {tuple(d.shape)}"
        raise ValueError(msg)
    if d.shape[0] < 8:
        msg = f"detuning_mhz must have at least 8 points; got {d.shape[0]}"
        raise ValueError(msg)
    if not _xp.is_eager(d):
        return
    steps = d[1:] - d[:-1]
    if not bool(xp.all(steps > 0)):
        msg = "detuning_mhz must be strictly increasing (monotone); got a grid that is not"
        raise ValueError(msg)
    h = float(xp.mean(steps))
    if float(xp.max(xp.abs(steps - h))) > _UNIFORM_RTOL * h:
        msg = f"detuning_mhz must be uniform (steps equal to {_UNIFORM_RTOL:g}); got unequal steps"
        raise ValueError(msg)


def _log_background(xp: Any, d: Array, logt: Array, frac: float, kind: str) -> Array:
    """Fit c0 (+ c1 d) to ln T on the outer ``frac`` of each end; return the fitted line."""
    n = d.shape[0]
    m = max(2, math.floor(frac * n))
    dw = xp.concat([d[:m], d[n - m :]])
    lw = xp.concat([logt[:m], logt[n - m :]])
    mean_d, mean_l = xp.mean(dw), xp.mean(lw)
    if kind == "none":
        return mean_l + 0.0 * d
    slope = xp.sum((dw - mean_d) * (lw - mean_l)) / xp.sum((dw - mean_d) ** 2)
    return mean_l + slope * (d - mean_d)


def indirect_rotation(
    T_a: Array,
    T_b: Array,
    detuning_mhz: Array,
    /,
    *,
    L: float,
    wavelength: float,
    geometry: str,
    input_angle: float | None = None,
    background: str = "none",
    wing_fraction: float = 0.05,
    method: str = "line",
) -> IndirectResult:
    r"""Rotation of a linear input recovered from two transmission spectra (Hilbert route).

    Parameters
    ----------
    T_a, T_b : array, shape (n,)
        Transmission spectra (> 0) measured with the two eigen-polarisations: Faraday
        geometry :math:`\hat e_+` (``T_a``, sees :math:`n_{+1}`) and :math:`\hat e_-`
        (``T_b``, :math:`n_{-1}`); Voigt geometry E parallel to B (``T_a``,
        :math:`n_\parallel`) and E perpendicular to B (``T_b``, :math:`n_\perp`). Arbitrary
        scale (detector units): normalised on the wings.
    detuning_mhz : array, shape (n,)
        Uniform, strictly increasing frequency grid (MHz; any offset).
    L : float
        Cell length in m.
    wavelength : float
        Vacuum wavelength in m (:math:`k = 2\pi/\lambda`, :math:`\omega_0 = kc`).
    geometry : {"faraday", "voigt"}
        Which pair of eigenmodes ``T_a``, ``T_b`` belong to (Voigt: B along :math:`\hat x`).
    input_angle : float or None
        Angle (rad, from :math:`\hat x`) of the linear input whose rotation is returned;
        default 0 (Faraday) or :math:`\pi/4` (Voigt, 45° to B, where the rotation is largest).
    background : {"none", "linear"}, default "none"
        Off-resonance level of :math:`\ln T` fitted on the wings (``wing_fraction`` of the
        samples at each end): a constant (``"none"``: plain normalisation) or a straight line
        (``"linear"``: removes a linear drift of :math:`\ln T`, e.g. a laser power ramp).
    wing_fraction : float, default 0.05
        In (0, 0.5).
    method : {"line", "fft"}, default "line"
        Hilbert method of :func:`refimpl.optics.refractive_index_from_absorption`.

    Returns
    -------
    IndirectResult
        Absorption coefficients, Hilbert indices, rotation, ellipticity and Stokes output,
        in the namespace, real dtype and device of ``T_a``.

    Raises
    ------
    TypeError
        For non-real arrays or mixed namespaces, or option types.
    ValueError
        For shapes that differ or are not 1-D, fewer than 8 points, a non-monotone or
        non-uniform grid, non-positive transmissions, unknown options, or bad scalars.

    Notes
    -----
    Steps: (1) :math:`\alpha = -\ln(T/T_\mathrm{bg})/L` with the wing background
    :math:`T_\mathrm{bg}`; (2) :math:`n - 1 = -(c/2\omega_0)H[\alpha]` (each eigen-index is a
    causal response, so this holds mode by mode); (3) complex indices
    :math:`\tilde n - 1 = (n - 1) + i\alpha/2k`; (4) Jones matrix
    :math:`\mathrm{diag}(e^{ikL(\tilde n_a - 1)}, e^{ikL(\tilde n_b - 1)})` in the eigenbasis
    (:math:`\hat e_\pm` or :math:`\hat x, \hat y`), applied to the linear input; (5) rotation
    :math:`\tfrac12\mathrm{atan2}(S_2, S_1)` minus the input angle. In the Faraday geometry
    this rotation is :math:`(kL/2)(n_{-1} - n_{+1})` modulo :math:`\pi`.

    **Window and background effects.** Absorption outside the scan is lost: the line
    method's truncation error falls like :math:`1/W^2` for a half-window :math:`W` beyond the
    lines (Doppler wings fall off fast; Lorentzian wings set the floor), but lines near the
    edge of the window (e.g. the outer sigma lines at 0.6 T) give errors of order
    :math:`10^{-3}` of the peak index. Residual absorption on the wings biases the fitted
    background: it adds a constant to :math:`\alpha` (a constant has a non-zero line-method
    transform, growing towards the edges as :math:`\ln`). Noise in :math:`T` propagates to
    :math:`\alpha` as :math:`\sigma_T/(TL)`, largest where :math:`T` is small; the Hilbert
    transform does not amplify white noise (it is unitary), so the rotation error scales as
    :math:`\sigma_T` (validation ``magneto_optics``). Window birefringence and reflections
    are not modelled.

    References
    ----------
    .. [1] J. D. Briscoe, D. Pizzey, S. A. Wrathmall, I. G. Hughes, "Indirect measurement of
       atomic magneto-optical rotation via Hilbert transform", arXiv:2403.00950 (2024),
       abstract: the two refractive indices measured independently in the Faraday and Voigt
       geometries (equation and figure numbers not verified).
    .. [2] K. A. Whittaker et al., Phys. Rev. A 91, 032513 (2015), arXiv:1411.6420.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.optics import (eigen_indices, faraday_rotation, indirect_rotation,
    ...                             rb_susceptibility)
    >>> d = np.arange(-40e3, 40e3, 10.0)   # the 0.6 T lines reach +-28 GHz
    >>> lam, L = 780.2413272e-9, 0.002
    >>> chi = rb_susceptibility(d, line="D2", B_gauss=6000.0, T_celsius=100.0)
    >>> npl, nmi = eigen_indices(*chi, geometry="faraday")
    >>> k = 2 * np.pi / lam
    >>> T_p, T_m = np.exp(-2 * k * L * npl.imag), np.exp(-2 * k * L * nmi.imag)
    >>> res = indirect_rotation(T_p, T_m, d, L=L, wavelength=lam, geometry="faraday")
    >>> direct = faraday_rotation(chi[0], chi[2], L=L, wavelength=lam)
    >>> diff = np.angle(np.exp(2j * (res.rotation - direct))) / 2   # modulo pi
    >>> bool(np.sqrt(np.mean(diff**2)) < 1e-4)
    True
    """
    xp, (ta, tb, d) = _xp.as_arrays(T_a, T_b, detuning_mhz)
    ta = _xp.checked_real(ta, name="T_a", xp=xp)
    tb = _xp.checked_real(tb, name="T_b", xp=xp)
    d = _xp.checked_real(d, name="detuning_mhz", xp=xp)
    _uniform_grid(xp, d)
    for arr, name in ((ta, "T_a"), (tb, "T_b")):
        if tuple(arr.shape) != tuple(d.shape):
            msg = f"{name} must have the grid's shape {tuple(d.shape)}; got {tuple(arr.shape)}"
            raise ValueError(msg)
        if _xp.is_eager(arr) and not bool(xp.all(arr > 0)):
            msg = f"{name} must be > 0 everywhere; got min = {float(xp.min(arr))!r}"
            raise ValueError(msg)
    if ta.dtype != tb.dtype:
        msg = f"T_a and T_b must have one dtype; got {ta.dtype} and {tb.dtype}"
        raise TypeError(msg)
    length = _xp.positive_float(L, name="L")
    lam = _xp.positive_float(wavelength, name="wavelength")
    _xp.check_choice(geometry, _GEOMETRIES, name="geometry")
    _xp.check_choice(background, _BACKGROUNDS, name="background")
    frac = _xp.positive_float(wing_fraction, name="wing_fraction")
    if frac >= 0.5:
        msg = f"wing_fraction must be in (0, 0.5); got {wing_fraction!r}"
        raise ValueError(msg)
    if input_angle is None:
        theta_in = 0.0 if geometry == "faraday" else math.pi / 4
    else:
        theta_in = _xp.finite_float(input_angle, name="input_angle")
        if not math.isfinite(theta_in):
            msg = f"input_angle must be finite; got {input_angle!r}"
            raise ValueError(msg)
    k = 2 * math.pi / lam
    omega0 = k * 299792458.0
    d = xp.astype(d, ta.dtype)
    alphas, nm1s = [], []
    for t in (ta, tb):
        logt = xp.log(t)
        bg = _log_background(xp, d, logt, frac, background)
        alpha = absorption_from_transmission(xp.exp(logt - bg), length, T_off=1.0)
        alphas.append(alpha)
        nm1s.append(refractive_index_from_absorption(alpha, omega0=omega0, method=method))
    cdtype = _xp.complex_dtype(xp, ta.dtype)
    phases = [
        xp.astype(nm1, cdtype) * (1j * k * length) - xp.astype(alpha, cdtype) * (0.5 * length)
        for alpha, nm1 in zip(alphas, nm1s, strict=True)
    ]
    zero = xp.zeros_like(phases[0])
    jm = _expm2(xp, [[phases[0], zero], [zero, phases[1]]])
    if geometry == "faraday":  # eigenbasis e+, e-: J_lin = U diag U^dagger, U = [e+ e-]
        pa, pb = jm[0][0], jm[1][1]
        j_lin = [
            [0.5 * (pa + pb), -0.5j * (pa - pb)],
            [0.5j * (pa - pb), 0.5 * (pa + pb)],
        ]
    else:
        j_lin = jm
    jmat = _stack2(xp, j_lin)
    e_in = xp.asarray(
        [complex(math.cos(theta_in)), complex(math.sin(theta_in))],
        dtype=cdtype,
        device=_xp.device(ta),
    )
    stokes = stokes_parameters(xp.matmul(jmat, e_in[:, None])[..., 0])
    psi = rotation_angle(stokes) - theta_in
    psi = psi - math.pi * xp.round(psi / math.pi)
    ell = 0.5 * xp.asin(xp.clip(stokes[..., 3] / stokes[..., 0], -1.0, 1.0))
    return IndirectResult(
        alpha_a=alphas[0],
        alpha_b=alphas[1],
        n_a_minus_1=nm1s[0],
        n_b_minus_1=nm1s[1],
        rotation=psi,
        ellipticity_out=ell,
        stokes=stokes,
    )
