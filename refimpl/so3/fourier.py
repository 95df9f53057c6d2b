r"""Change of basis between real spherical harmonics and 2D Fourier series on the torus.

This is steps 1 and 3 of the Fourier route of the Gaunt tensor product (Luo, Chen,
Krishnapriyan, arXiv:2401.10216, Sec. 3.2 "sh2f" and "f2sh"; refimpl spec
``equivariance.md`` §1.6(b)).

**Torus extension.** Each real harmonic ``Y_lm`` (refimpl's basis: z polar, flat index
``l*l + l + m``, no Condon-Shortley phase) is a polynomial in ``(x, y, z)``. Evaluated at
``(sin t cos p, sin t sin p, cos t)`` for *all* ``(t, p)`` in ``[0, 2 pi)^2`` (``sin t`` keeps
its sign, so ``t > pi`` gives the point ``(2 pi - t, p + pi)`` of the sphere) it becomes a
trigonometric polynomial

.. math::

    \tilde Y_{lm}(\theta, \varphi) = \sum_{u=-l}^{l} \sum_{v=\pm m}
        y^{lm}_{uv}\, e^{i(u\theta + v\varphi)} .

**Array layout** (one convention for every array this module and
:mod:`refimpl.so3.gaunt_product` produce or accept): a Fourier array of band ``K`` has shape
``(..., 2K+1, 2K+1)``, and ``F[..., K + u, K + v]`` is the coefficient of
:math:`e^{i(u\theta + v\varphi)}` -- axis ``-2`` is the :math:`\theta` (polar) frequency ``u``,
axis ``-1`` the :math:`\varphi` (azimuthal) frequency ``v``, both centred, increasing, with
the sign convention :math:`e^{+iu\theta}`. The official tables of the paper's repository
(``coefficient_sh2f.pt``) store the :math:`\theta` axis **reversed** relative to this
(:math:`e^{-iu\theta}`) and the ``v = -m`` slot with a flipped ``m`` axis: do not mix them with
these arrays (spec §1.6(b), §1.14 item 5).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.so3._layout import lmax_from_size
from refimpl.so3.harmonics import spherical_harmonics

__all__ = ["fourier_to_sh", "sh_to_fourier"]

Array = Any

_TABLE_CACHE_SIZE = 32


# --------------------------------------------------------------------------------------
# host tables (float64 / complex128, cached, read-only)
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _theta_coefficients(lmax: int) -> np.ndarray:
    r"""``a[m, l, lmax + u]``: Fourier coefficients in :math:`\theta` of the torus extension.

    For ``m >= 0``, :math:`\tilde Y_{l,\pm m}(\theta, \varphi) = P_{lm}(\theta)\,
    \{\cos m\varphi, \sin m\varphi\}` with :math:`P_{lm}(\theta) = \tilde Y_{l,m}(\theta, 0)
    = \sum_{|u| \le l} a^{lm}_u e^{iu\theta}` (zero rows for ``l < m``). The samples at the
    ``2 lmax + 1`` equispaced :math:`\theta_j` come from :func:`spherical_harmonics` at the
    unit vectors ``(sin t_j, 0, cos t_j)`` (``sin t_j < 0`` for ``t_j > pi``: the torus
    extension), and one FFT gives the coefficients exactly (degree ``<= lmax`` < number of
    samples: no aliasing). complex128, shape ``(lmax+1, lmax+1, 2 lmax + 1)``.
    """
    n = 2 * lmax + 1
    t = 2.0 * np.pi * np.arange(n) / n
    pts = np.stack([np.sin(t), np.zeros(n), np.cos(t)], axis=-1)
    y = np.asarray(spherical_harmonics(lmax, pts, normalize=False))  # (n, (lmax+1)^2)
    ls = np.arange(lmax + 1)
    a = np.zeros((lmax + 1, lmax + 1, n), dtype=np.complex128)
    for m in range(lmax + 1):
        rows = ls[m:]
        samples = y[:, rows * rows + rows + m]  # (n, lmax+1-m): P_lm(t_j)
        coef = np.fft.fft(samples, axis=0) / n  # index u mod n
        a[m, m:, :] = np.fft.fftshift(coef, axes=0).T  # u = -lmax..lmax
    a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _sh2f_table(lmax: int) -> np.ndarray:
    r"""``A[m, l, u] = c_m a[m, l, u]`` with ``c_0 = 1`` and ``c_m = 1/2`` (``m > 0``).

    With ``W^\pm_{lm} = x_{l,m} \mp i\,x_{l,-m}`` (``x_{l,-0} := 0``),
    ``F[u, \pm m] = \sum_l A[m, l, u] W^\pm_{lm}``, because
    :math:`\cos m\varphi = (e^{im\varphi} + e^{-im\varphi})/2` and
    :math:`\sin m\varphi = (e^{im\varphi} - e^{-im\varphi})/(2i)`.
    """
    a = np.array(_theta_coefficients(lmax))
    a[1:] *= 0.5
    a.flags.writeable = False
    return a


def _sin_moment(k: np.ndarray) -> np.ndarray:
    r""":math:`I(k) = \int_0^\pi e^{ik\theta}\sin\theta\,d\theta` for integer ``k``:
    :math:`(1 + (-1)^k)/(1 - k^2)` for :math:`|k| \ne 1`, :math:`\pm i\pi/2` at ``k = +-1``."""
    k = np.asarray(k)
    out = np.zeros(k.shape, dtype=np.complex128)
    even = (k % 2) == 0
    out[even] = 2.0 / (1.0 - k[even].astype(np.float64) ** 2)
    out[k == 1] = 0.5j * np.pi
    out[k == -1] = -0.5j * np.pi
    return out


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _f2sh_table(lmax: int, band: int) -> np.ndarray:
    r"""``B[m, l, band + u] = 2 pi sum_{u'} a[m, l, u'] I(u + u')`` for ``|u| <= band``.

    :math:`B^{lm}_u = 2\pi\int_0^\pi e^{iu\theta} P_{lm}(\theta)\sin\theta\,d\theta`, so that
    for :math:`h = \sum H_{uv} e^{i(u\theta + v\varphi)}` and ``m >= 0``
    :math:`\int_{S^2} h\,Y_{l,m} = \mathrm{Re}\sum_u B^{lm}_u (H_{u,m} + H_{u,-m})/2` and
    :math:`\int_{S^2} h\,Y_{l,-m} = \mathrm{Re}\sum_u B^{lm}_u (H_{u,-m} - H_{u,m})/(2i)`
    (the :math:`\varphi` integral keeps ``v = -v'``). complex128, shape
    ``(lmax+1, lmax+1, 2 band + 1)``.
    """
    a = _theta_coefficients(lmax)  # (m, l, u'), u' = -lmax..lmax
    up = np.arange(-lmax, lmax + 1)
    u = np.arange(-band, band + 1)
    moments = _sin_moment(up[:, None] + u[None, :])  # (u', u)
    b = 2.0 * np.pi * (a @ moments)
    b.flags.writeable = False
    return b


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _gather_indices(lmax: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat SH indices of ``x_{l,m}`` and ``x_{l,-m}`` laid out ``[l, m]`` (m >= 0), their
    masks (``m <= l``; ``m >= 1`` for the sine part), and the inverse map used by f2sh."""
    n = lmax + 1
    ls, ms = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    valid = ms <= ls
    pos = np.where(valid, ls * ls + ls + ms, 0)
    neg = np.where(valid & (ms > 0), ls * ls + ls - ms, 0)
    masks = np.stack([valid, valid & (ms > 0)]).astype(np.float64)
    # inverse: output flat index l*l+l+m reads P[m, l] (m >= 0) or Q[|m|, l] (m < 0) from the
    # concatenation [P.ravel(), Q.ravel()] of two (n, n) arrays laid out [m, l]
    inv = np.empty(n * n, dtype=np.int64)
    for ll in range(n):
        for m in range(-ll, ll + 1):
            inv[ll * ll + ll + m] = (m * n + ll) if m >= 0 else (n * n + (-m) * n + ll)
    for arr in (pos, neg, masks, inv):
        arr.flags.writeable = False
    return pos.ravel(), neg.ravel(), masks, inv


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def _table(xp: Any, table: np.ndarray, dtype: Any, device: Any) -> Array:
    return xp.asarray(table, dtype=dtype, device=device, copy=True)


# --------------------------------------------------------------------------------------
# kernels (inputs already checked)
# --------------------------------------------------------------------------------------
def _sh_to_fourier(xp: Any, coeffs: Array, lmax: int) -> Array:
    """sh2f on a checked real floating ``coeffs`` of degree ``lmax`` (no validation)."""
    n = lmax + 1
    dev = _xp.device(coeffs)
    rdt = coeffs.dtype
    cdt = _xp.complex_dtype(xp, rdt)
    pos, neg, masks, _ = _gather_indices(lmax)
    lead = tuple(coeffs.shape[:-1])
    re = xp.take(coeffs, xp.asarray(pos, device=dev, copy=True), axis=-1)
    im = xp.take(coeffs, xp.asarray(neg, device=dev, copy=True), axis=-1)
    re = xp.reshape(re, (*lead, n, n)) * _table(xp, masks[0], rdt, dev)  # [..., l, m]
    im = xp.reshape(im, (*lead, n, n)) * _table(xp, masks[1], rdt, dev)
    # (..., m, 1, l) @ (m, l, u) -> (..., m, 1, u)
    re_c = xp.astype(xp.permute_dims(re, (*range(len(lead)), len(lead) + 1, len(lead))), cdt)
    im_c = xp.astype(xp.permute_dims(im, (*range(len(lead)), len(lead) + 1, len(lead))), cdt)
    table = _table(xp, _sh2f_table(lmax), cdt, dev)
    f_pos = xp.matmul(xp.expand_dims(re_c - 1j * im_c, axis=-2), table)[..., 0, :]
    f_neg = xp.matmul(xp.expand_dims(re_c + 1j * im_c, axis=-2), table)[..., 0, :]
    # rows v = -lmax..-1 (m = lmax..1 of f_neg), then v = 0..lmax (f_pos); layout (..., v, u)
    cols = xp.concat([xp.flip(f_neg[..., 1:, :], axis=-2), f_pos], axis=-2)
    return xp.permute_dims(cols, (*range(len(lead)), len(lead) + 1, len(lead)))


def _fourier_to_sh(xp: Any, fourier: Array, lmax: int) -> Array:
    """f2sh on a checked complex ``fourier`` with odd last-two-axes lengths (no validation)."""
    n_u, n_v = fourier.shape[-2], fourier.shape[-1]
    band_u, band_v = (n_u - 1) // 2, (n_v - 1) // 2
    n = lmax + 1
    dev = _xp.device(fourier)
    cdt = fourier.dtype
    rdt = xp.float32 if cdt == xp.complex64 else xp.float64
    lead = tuple(fourier.shape[:-2])
    nd = len(lead)
    if band_v < lmax:  # columns |v| > band_v are zero
        pad = xp.zeros((*lead, n_u, lmax - band_v), dtype=cdt, device=dev)
        fourier = xp.concat([pad, fourier, pad], axis=-1)
        band_v = lmax
    ms = np.arange(n)
    h_pos = xp.take(fourier, xp.asarray(band_v + ms, device=dev), axis=-1)  # (..., u, m)
    h_neg = xp.take(fourier, xp.asarray(band_v - ms, device=dev), axis=-1)
    h_pos = xp.permute_dims(h_pos, (*range(nd), nd + 1, nd))  # (..., m, u)
    h_neg = xp.permute_dims(h_neg, (*range(nd), nd + 1, nd))
    table = _table(xp, _f2sh_table(lmax, band_u), cdt, dev)  # (m, l, u)
    cos_part = xp.expand_dims(0.5 * (h_pos + h_neg), axis=-1)  # (..., m, u, 1)
    sin_part = xp.expand_dims(-0.5j * (h_neg - h_pos), axis=-1)
    p = xp.real(xp.matmul(table, cos_part)[..., 0])  # (..., m, l)
    q = xp.real(xp.matmul(table, sin_part)[..., 0])
    both = xp.concat([xp.reshape(p, (*lead, n * n)), xp.reshape(q, (*lead, n * n))], axis=-1)
    _, _, _, inv = _gather_indices(lmax)
    out = xp.take(both, xp.asarray(inv, device=dev, copy=True), axis=-1)
    return xp.astype(out, rdt, copy=False)


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
def sh_to_fourier(coeffs: Array, /) -> Array:
    r"""2D Fourier coefficients on the torus of a real spherical-harmonic expansion ("sh2f").

    Parameters
    ----------
    coeffs : array, shape (..., (lmax + 1)**2)
        Real SH coefficients :math:`x_{lm}` at flat index ``l*l + l + m`` (refimpl's basis),
        of the function :math:`f = \sum x_{lm} Y_{lm}`. Real, finite, non-empty; integers
        are promoted to the default float. Any batch shape.

    Returns
    -------
    array, shape (..., 2 lmax + 1, 2 lmax + 1)
        Complex :math:`F` with :math:`\tilde f(\theta, \varphi) = \sum_{u,v} F[..., \mathrm{lmax}
        + u, \mathrm{lmax} + v]\, e^{i(u\theta + v\varphi)}` (module docstring: axis ``-2`` is
        the polar frequency ``u``, axis ``-1`` the azimuthal frequency ``v``). complex64 for
        float32 input, complex128 for float64; same namespace and device as ``coeffs``.

    Raises
    ------
    TypeError
        If ``coeffs`` is bool, complex or non-numeric, or not an array (or list/scalar).
    ValueError
        If ``coeffs`` is 0-D, empty or not finite, or its last axis is not a perfect square.

    Notes
    -----
    :math:`\tilde f` is the torus extension of :math:`f` (module docstring): on
    :math:`\theta \in [0, \pi]` it equals :math:`f` at
    :math:`(\sin\theta\cos\varphi, \sin\theta\sin\varphi, \cos\theta)`, and
    :math:`\tilde f(\theta, \varphi) = f(2\pi - \theta, \varphi + \pi)` for
    :math:`\theta > \pi`. Since :math:`\tilde f` is real,
    :math:`F_{-u,-v} = \overline{F_{u,v}}`.

    *Algorithm.* Write :math:`\tilde Y_{l,\pm m} = P_{lm}(\theta)\{\cos m\varphi,
    \sin m\varphi\}` (``m >= 0``) with :math:`P_{lm}(\theta) = \sum_{|u|\le l} a^{lm}_u
    e^{iu\theta}`. Then column ``v = \pm m`` only receives degree blocks with order
    :math:`\pm m`:

    .. math::

        F_{u,\pm m} = c_m \sum_{l \ge m} a^{lm}_u (x_{l,m} \mp i\,x_{l,-m}),
        \qquad c_0 = 1,\ c_{m>0} = \tfrac12,\ x_{l,-0} := 0,

    one batched matrix product per ``m``: :math:`O(L^3)` per expansion (``L = lmax + 1``)
    instead of the :math:`O(L^4)` dense table contraction. The table :math:`a^{lm}_u` is the
    FFT of :func:`~refimpl.so3.harmonics.spherical_harmonics` sampled at ``2 lmax + 1``
    equispaced :math:`\theta` (exact: no aliasing), computed once per ``lmax`` on the host
    in float64 and cached read-only. Spot values: :math:`Y_{00} \to 1/\sqrt{4\pi}` at
    ``(0, 0)``; :math:`Y_{10} \to \sqrt{3/16\pi}` at ``(u, v) = (\pm1, 0)``;
    :math:`|F| = \sqrt{3/4\pi}/4` at :math:`(\pm1, \pm1)` for :math:`Y_{11}`.

    Accuracy: against a brute-force 2D DFT of torus samples the error is a few ulp of
    :math:`\sum|x_{lm}|` (tests bound it by ``1e2 eps``); the round trip
    ``fourier_to_sh(sh_to_fourier(x))`` returns ``x`` to 2e-14 at lmax = 32 (float64).
    The official tables of the paper's repository use a reversed :math:`\theta` axis
    (module docstring).

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, "Enabling Efficient Equivariant
       Operations in the Fourier Basis via Gaunt Tensor Products", ICLR 2024,
       arXiv:2401.10216, Sec. 3.2 (change of basis from spherical harmonics to 2D Fourier
       bases; equation numbers not verified).
    .. [2] refimpl spec ``equivariance.md`` §1.6(b), step 1 (sh2f) and its spot values.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.fourier import sh_to_fourier
    >>> x = np.zeros(4); x[2] = 1.0            # Y_{1,0} = sqrt(3/4pi) cos(theta)
    >>> F = sh_to_fourier(x)                   # shape (3, 3), centre (1, 1) is u = v = 0
    >>> np.round(np.abs(F), 5)                 # sqrt(3/16pi) at (u, v) = (+-1, 0)
    array([[0.    , 0.2443, 0.    ],
           [0.    , 0.    , 0.    ],
           [0.    , 0.2443, 0.    ]])
    """
    xp, (coeffs,) = _xp.as_arrays(coeffs)
    coeffs = _xp.checked_real(coeffs, name="coeffs", xp=xp, min_ndim=1)
    return _sh_to_fourier(xp, coeffs, lmax_from_size(coeffs.shape[-1], "coeffs"))


def fourier_to_sh(fourier: Array, /, *, lmax: int) -> Array:
    r"""Real SH coefficients of a function given by its 2D Fourier series on the torus ("f2sh").

    Parameters
    ----------
    fourier : array, shape (..., 2 Ku + 1, 2 Kv + 1)
        Coefficients :math:`H` of :math:`h(\theta, \varphi) = \sum_{u,v} H[..., K_u + u,
        K_v + v]\, e^{i(u\theta + v\varphi)}` in the layout of :func:`sh_to_fourier` (axis
        ``-2``: polar frequency ``u``; axis ``-1``: azimuthal frequency ``v``; both of odd
        length, centred). Complex or real floating (integers promoted), finite, non-empty.
    lmax : int
        Maximum degree of the output, ``>= 0``.

    Returns
    -------
    array, shape (..., (lmax + 1)**2)
        :math:`\mathrm{Re}\int_{S^2} h\,Y_{lm}\,d\Omega` at flat index ``l*l + l + m``, real
        (float32 for complex64 input, float64 for complex128), same namespace and device.

    Raises
    ------
    TypeError
        If ``fourier`` is bool or non-numeric, or if ``lmax`` is not an int.
    ValueError
        If ``fourier`` has fewer than 2 dimensions, an even length on either of its last two
        axes, is empty or not finite, or if ``lmax < 0``.

    Notes
    -----
    Only :math:`\theta \in [0, \pi]` is integrated: the sphere, parametrised by the torus
    coordinates. With
    :math:`I(k) = \int_0^\pi e^{ik\theta}\sin\theta\,d\theta = (1 + (-1)^k)/(1 - k^2)` for
    :math:`|k| \ne 1` and :math:`I(\pm 1) = \pm i\pi/2`,

    .. math::

        \mathrm{out}_{lm} = \mathrm{Re} \sum_{u,v} H_{uv}\; 2\pi \sum_{u'}
            y^{lm}_{u',-v}\, I(u + u') ,

    evaluated with the sparsity in ``v`` (order ``\pm m`` reads columns ``v = \pm m`` only):
    :math:`O(L^2 K_u)` per array. The table :math:`2\pi\sum_{u'} a^{lm}_{u'} I(u + u')` is
    cached per ``(lmax, K_u)`` on the host in float64. Columns with :math:`|v| > K_v` count
    as zero, so ``lmax`` may exceed the band of ``h``; frequencies beyond ``lmax`` in ``v``
    never contribute.

    For :math:`h = \tilde f` (the torus extension of a band-limited :math:`f`, e.g. the output
    of :func:`sh_to_fourier` or a product of such extensions, spec §1.6(b) step 2) this is
    the exact SH projection of :math:`f` and inverts :func:`sh_to_fourier`. For other
    :math:`H` it is the projection of :math:`h` restricted to the sphere's parametrisation
    (the imaginary part, zero for Hermitian :math:`H`, is discarded).

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, arXiv:2401.10216, Sec. 3.2 (change of
       basis back from 2D Fourier bases to spherical harmonics; equation numbers not
       verified).
    .. [2] refimpl spec ``equivariance.md`` §1.6(b), step 3 (f2sh) and the integral
       :math:`I(k)`.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.fourier import fourier_to_sh, sh_to_fourier
    >>> x = np.array([0.5, -1.0, 2.0, 0.25])
    >>> np.allclose(fourier_to_sh(sh_to_fourier(x), lmax=1), x)
    True
    >>> fourier_to_sh(np.ones((1, 1)), lmax=0)  # h = 1 -> sqrt(4 pi) Y_00
    array([3.5449077])
    """
    xp, (fourier,) = _xp.as_arrays(fourier)
    lmax = _xp.nonnegative_int(lmax, name="lmax")
    if isinstance(fourier, np.ndarray) and fourier.dtype.kind not in "biufc":
        msg = f"fourier must be a numeric array; got dtype {fourier.dtype}"
        raise TypeError(msg)
    if xp.isdtype(fourier.dtype, "complex floating"):
        if fourier.ndim < 2:
            msg = f"fourier must have at least 2 dimension(s); got shape {tuple(fourier.shape)}"
            raise ValueError(msg)
        _xp.check_nonempty(fourier, name="fourier")
        _xp.check_finite(fourier, name="fourier", xp=xp)
    else:
        fourier = _xp.checked_real(fourier, name="fourier", xp=xp, min_ndim=2)
        fourier = xp.astype(fourier, _xp.complex_dtype(xp, fourier.dtype))
    n_u, n_v = fourier.shape[-2], fourier.shape[-1]
    if n_u % 2 == 0 or n_v % 2 == 0:
        msg = (
            "fourier must have odd lengths (2K + 1) on its last two axes; "
            f"got shape {tuple(fourier.shape)}"
        )
        raise ValueError(msg)
    return _fourier_to_sh(xp, fourier, lmax)
