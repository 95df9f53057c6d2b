r"""The Gaunt tensor product of SH coefficient arrays: Fourier, S^2-grid and dense routes.

For real SH coefficients ``x`` (degrees ``0..lmax1``) and ``y`` (``0..lmax2``) in refimpl's
basis (z polar, flat index ``l*l + l + m``, orthonormal, no Condon-Shortley phase), the Gaunt
tensor product is

.. math::

    (x \circledast y)_{l_3 m_3} = \sum G^{l_3 m_3}_{l_1 m_1, l_2 m_2}\, x_{l_1 m_1} y_{l_2 m_2},
    \qquad G^{l_3 m_3}_{l_1 m_1, l_2 m_2} = \int_{S^2} Y_{l_1 m_1} Y_{l_2 m_2} Y_{l_3 m_3},

i.e. the SH coefficients of the pointwise product :math:`f_x f_y` (band-limited to
``lmax1 + lmax2``, so every route below is exact up to round-off), truncated to ``lmax_out``
(Luo, Chen, Krishnapriyan, arXiv:2401.10216; refimpl spec ``equivariance.md`` §1.6, §1.8).
"""

from __future__ import annotations

import functools
from typing import Any

import array_api_extra as xpx
import numpy as np
import scipy.fft

from refimpl import _xp
from refimpl.so3._layout import lmax_from_size
from refimpl.so3.coupling import gaunt_coefficients
from refimpl.so3.fourier import _fourier_to_sh, _sh_to_fourier
from refimpl.so3.harmonics import s2_quadrature, spherical_harmonics

__all__ = ["gaunt_power", "gaunt_tensor_product"]

Array = Any

_METHODS = ("dense", "fourier", "grid")
_TABLE_CACHE_SIZE = 16


# --------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------
def _checked_pair(x: Any, y: Any) -> tuple[Any, Array, Array, int, int]:
    """Common namespace, one real floating dtype, degrees of both, broadcastable batches."""
    xp, (x, y) = _xp.as_arrays(x, y)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=1)
    y = _xp.checked_real(y, name="y", xp=xp, min_ndim=1)
    lmax1 = lmax_from_size(x.shape[-1], "x")
    lmax2 = lmax_from_size(y.shape[-1], "y")
    try:
        np.broadcast_shapes(tuple(x.shape[:-1]), tuple(y.shape[:-1]))
    except ValueError as exc:
        msg = (
            "x and y must have broadcastable batch shapes (all axes but the last); got "
            f"{tuple(x.shape[:-1])} and {tuple(y.shape[:-1])}"
        )
        raise ValueError(msg) from exc
    dtype = xp.result_type(x.dtype, y.dtype)
    return xp, xp.astype(x, dtype, copy=False), xp.astype(y, dtype, copy=False), lmax1, lmax2


def _truncate_or_pad(xp: Any, c: Array, lmax_out: int) -> Array:
    """The first ``(lmax_out+1)**2`` coefficients of ``c``, zero-padded if ``c`` is shorter."""
    n_out = (lmax_out + 1) ** 2
    n = c.shape[-1]
    if n >= n_out:
        return c[..., :n_out]
    pad = xp.zeros((*c.shape[:-1], n_out - n), dtype=c.dtype, device=_xp.device(c))
    return xp.concat([c, pad], axis=-1)


# --------------------------------------------------------------------------------------
# Fourier route
# --------------------------------------------------------------------------------------
def _convolve2d(xp: Any, a: Array, b: Array) -> Array:
    """Full 2D *linear* convolution over the last two axes (zero-padded FFT, not circular).

    Sizes ``(p1, q1)`` and ``(p2, q2)`` give ``(p1 + p2 - 1, q1 + q2 - 1)``; with centred odd
    layouts the result is centred too (index ``i + j`` holds frequency ``u_i + u_j``)."""
    p = a.shape[-2] + b.shape[-2] - 1
    q = a.shape[-1] + b.shape[-1] - 1
    s = (scipy.fft.next_fast_len(p), scipy.fft.next_fast_len(q))  # host ints only
    fa = xp.fft.fftn(a, s=s, axes=(-2, -1))
    fb = xp.fft.fftn(b, s=s, axes=(-2, -1))
    return xp.fft.ifftn(fa * fb, axes=(-2, -1))[..., :p, :q]


def _gaunt_fourier(xp: Any, x: Array, y: Array, lmax_out: int) -> Array:
    """sh2f of both inputs, one linear convolution, f2sh (spec §1.6(b) steps 1-3)."""
    fx = _sh_to_fourier(xp, x, lmax_from_size(x.shape[-1], "x"))
    fy = _sh_to_fourier(xp, y, lmax_from_size(y.shape[-1], "y"))
    return _fourier_to_sh(xp, _convolve2d(xp, fx, fy), lmax_out)


# --------------------------------------------------------------------------------------
# S^2 grid route
# --------------------------------------------------------------------------------------
def _grid_sizes(degree: int) -> tuple[int, int]:
    """Smallest exact product rule for an integrand of total degree ``degree`` on S^2:
    ``n_theta = ceil((degree + 1) / 2)`` Gauss-Legendre nodes, ``n_phi = degree + 1``."""
    return (degree + 2) // 2, degree + 1


@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _grid_tables(lmax: int, n_theta: int, n_phi: int) -> tuple[np.ndarray, np.ndarray]:
    """``(Y, Y * w)`` on the product grid, shapes ``(Q, (lmax+1)**2)``; float64, read-only."""
    pts, w = s2_quadrature(n_theta, n_phi, xp=np, dtype=np.float64)  # validates the sizes
    ysh = np.asarray(spherical_harmonics(lmax, pts))
    yw = ysh * w[:, None]
    ysh.flags.writeable = False
    yw.flags.writeable = False
    return ysh, yw


def _gaunt_grid(xp: Any, x: Array, y: Array, lmax_out: int, n_theta: int, n_phi: int) -> Array:
    """``trunc_{lmax_out}(SH coefficients of f_x f_y)`` by the product quadrature with
    ``n_theta x n_phi`` nodes; exact iff the sizes cover the integrand's degree
    (:func:`_grid_sizes`), wrong (by design, for the negative control) otherwise."""
    lmax1 = lmax_from_size(x.shape[-1], "x")
    lmax2 = lmax_from_size(y.shape[-1], "y")
    ysh, yw = _grid_tables(max(lmax1, lmax2, lmax_out), n_theta, n_phi)
    dev, dt = _xp.device(x), x.dtype
    y1 = xp.asarray(ysh[:, : x.shape[-1]].T, dtype=dt, device=dev, copy=True)
    y2 = xp.asarray(ysh[:, : y.shape[-1]].T, dtype=dt, device=dev, copy=True)
    proj = xp.asarray(yw[:, : (lmax_out + 1) ** 2], dtype=dt, device=dev, copy=True)
    fx = xp.matmul(x, y1)  # (..., Q) values at the nodes
    fy = xp.matmul(y, y2)
    return xp.matmul(fx * fy, proj)


# --------------------------------------------------------------------------------------
# dense route
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=_TABLE_CACHE_SIZE)
def _dense_blocks(
    lmax1: int, lmax2: int, lmax_out: int
) -> tuple[tuple[int, int, int, int, np.ndarray], ...]:
    """Per ``(l1, l2)``: ``(l1, l2, start, stop, M)`` with ``M`` of shape
    ``((2l1+1)(2l2+1), stop - start)`` mapping ``vec(x_l1 y_l2^T)`` to the output slice
    ``start:stop`` (degrees ``|l1-l2|..min(l1+l2, lmax_out)``); real Gaunt blocks from
    :func:`refimpl.so3.coupling.gaunt_coefficients` (float64, read-only)."""
    blocks = []
    for l1 in range(lmax1 + 1):
        for l2 in range(lmax2 + 1):
            lo, hi = abs(l1 - l2), min(l1 + l2, lmax_out)
            if lo > hi:
                continue
            start, stop = lo * lo, (hi + 1) ** 2
            mat = np.zeros(((2 * l1 + 1) * (2 * l2 + 1), stop - start))
            for l3 in range(lo, hi + 1):
                if (l1 + l2 + l3) % 2:
                    continue  # no Gaunt coupling for odd l1 + l2 + l3
                g = np.asarray(gaunt_coefficients(l1, l2, l3, xp=np, dtype=np.float64))
                off = l3 * l3 - start
                mat[:, off : off + 2 * l3 + 1] = g.reshape(-1, 2 * l3 + 1)
            mat.flags.writeable = False
            blocks.append((l1, l2, start, stop, mat))
    return tuple(blocks)


def _gaunt_dense(xp: Any, x: Array, y: Array, lmax_out: int) -> Array:
    lmax1 = lmax_from_size(x.shape[-1], "x")
    lmax2 = lmax_from_size(y.shape[-1], "y")
    lead = np.broadcast_shapes(tuple(x.shape[:-1]), tuple(y.shape[:-1]))
    dev, dt = _xp.device(x), x.dtype
    out = xp.zeros((*lead, (lmax_out + 1) ** 2), dtype=dt, device=dev)
    for l1, l2, start, stop, mat in _dense_blocks(lmax1, lmax2, lmax_out):
        xl = x[..., l1 * l1 : (l1 + 1) ** 2]
        yl = y[..., l2 * l2 : (l2 + 1) ** 2]
        z = xp.reshape(xl[..., :, None] * yl[..., None, :], (*lead, mat.shape[0]))
        m = xp.asarray(mat, dtype=dt, device=dev, copy=True)
        out = xpx.at(out)[..., start:stop].add(xp.matmul(z, m))
    return out


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
def gaunt_tensor_product(
    x: Array, y: Array, /, *, lmax_out: int | None = None, method: str = "fourier"
) -> Array:
    r"""Gaunt tensor product of two real SH coefficient arrays.

    Parameters
    ----------
    x : array, shape (..., C, (lmax1 + 1)**2)
        SH coefficients of :math:`f_x = \sum x_{lm} Y_{lm}` (refimpl basis, flat index
        ``l*l + l + m``). Real, finite, non-empty (integers promoted). The channel axis ``C``
        and any further leading axes are batch axes: the product is channel-wise and the
        leading axes of ``x`` and ``y`` broadcast (a 1-D ``x`` is allowed).
    y : array, shape (..., C, (lmax2 + 1)**2)
        Same for :math:`f_y`; same namespace and device as ``x``.
    lmax_out : int, optional
        Maximum output degree, ``>= 0``; default ``lmax1 + lmax2`` (the untruncated product).
        Larger values give zero coefficients above ``lmax1 + lmax2``.
    method : {"fourier", "grid", "dense"}, default "fourier"
        ``"fourier"``: the paper's route, SH -> 2D Fourier (:func:`~refimpl.so3.fourier.
        sh_to_fourier`), 2D linear convolution by zero-padded FFT, 2D Fourier -> SH
        (:func:`~refimpl.so3.fourier.fourier_to_sh`); :math:`O(L^3)` per channel.
        ``"grid"``: evaluate :math:`f_x, f_y` on the exact product quadrature (Gauss-Legendre
        in :math:`\cos\theta` x equispaced :math:`\varphi`), multiply, project.
        ``"dense"``: explicit contraction with the real Gaunt blocks of
        :func:`~refimpl.so3.coupling.gaunt_coefficients`, :math:`O(L^6)`.

    Returns
    -------
    array, shape (broadcast(...), C, (lmax_out + 1)**2)
        :math:`(x \circledast y)_{lm}` for ``l <= lmax_out``, in the inputs' namespace and
        device, with the result dtype of ``x`` and ``y``.

    Raises
    ------
    TypeError
        If ``x`` or ``y`` is bool, complex or non-numeric, if they come from different
        namespaces or devices, or if ``lmax_out`` is not an int.
    ValueError
        If ``x`` or ``y`` is 0-D, empty or not finite, a last axis is not a perfect square,
        the batch shapes do not broadcast, ``lmax_out < 0``, or ``method`` is unknown.

    Notes
    -----
    **Definition.** :math:`(x \circledast y)_{l_3 m_3} = \sum G^{l_3 m_3}_{l_1 m_1, l_2 m_2}
    x_{l_1 m_1} y_{l_2 m_2}` with the real Gaunt coefficients
    :math:`G = \int_{S^2} Y_{l_1 m_1} Y_{l_2 m_2} Y_{l_3 m_3}`: the SH coefficients of
    :math:`f_x f_y`, so :math:`\sum_{lm} (x \circledast y)_{lm} Y_{lm}(p) = f_x(p) f_y(p)`
    when untruncated. Bilinear, commutative, associative when untruncated, with unit
    :math:`\sqrt{4\pi}\,e_{00}`, and equivariant:
    :math:`D(R)x \circledast D(R)y = D(R)(x \circledast y)`.

    **Relation to the Clebsch-Gordan tensor product.** Per path,
    :math:`G^{(l_1,l_2,l_3)} = c(l_1,l_2,l_3)\,C^{(l_1,l_2,l_3)}` with the unit-norm real
    coupling tensor :math:`C` of :func:`~refimpl.so3.coupling.clebsch_gordan` and
    :math:`c = \|G^{(l_1,l_2,l_3)}\|_F` (:func:`~refimpl.so3.coupling.gaunt_cg_ratio`), which
    is 0 for odd :math:`l_1 + l_2 + l_3`. Hence ``gaunt_tensor_product(x, y) ==
    cg_tensor_product(x, y, path_weights={(l1, l2, l3): c(l1, l2, l3)})`` over the even paths
    (odd paths weight 0). In particular the Gaunt product has **no** parity-odd paths, e.g. no
    :math:`1 \otimes 1 \to 1` (cross product) path; use the CG product for those.

    **Routes and exactness.** All three are exact up to round-off (the product is
    band-limited). Fourier: each torus extension has band ``lmax_i``; their product is the
    2D *linear* convolution of size :math:`(2\,\mathrm{lmax1} + 2\,\mathrm{lmax2} + 1)^2`,
    computed by FFTs zero-padded to at least that size (a circular convolution would alias).
    Grid: ``n_theta = ceil((D + 1)/2)`` Gauss-Legendre nodes and ``n_phi = D + 1`` azimuths
    with ``D = lmax1 + lmax2 + lmax_out``, the smallest product rule exact for the integrand
    :math:`Y_{l_1} Y_{l_2} Y_{l_3}` (one node fewer in :math:`\theta` gives O(1) errors).
    Dense: per ``(l1, l2)`` block, a matrix product with the cached Gaunt table.
    Measured in float64 (8 channels, max abs difference to the dense route, output scale
    ~7-10): Fourier 1.3e-14 and grid 7.6e-14 at lmax1 = lmax2 = 8; Fourier 4.2e-14 and
    grid 1.3e-13 at 12. Tables are host float64, cached, and moved to the inputs' device and
    dtype; float32 inputs compute in float32 (Fourier route: 1.3e-6 at 8, 1.9e-6 at 12;
    the error grows roughly like ``eps32 L``).

    **Learnable weights.** Per-degree weights factor through every route
    (:math:`w_3 \odot ((w_1 \odot x) \circledast (w_2 \odot y))`, applied by the caller);
    general per-path weights do not: use ``cg_tensor_product`` with weights ``w c``.

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, "Enabling Efficient Equivariant
       Operations in the Fourier Basis via Gaunt Tensor Products", ICLR 2024,
       arXiv:2401.10216, Sec. 3 (Gaunt tensor product, Fourier-basis route, complexity
       :math:`O(L^3)`; equation numbers not verified).
    .. [2] Y. Xie, A. Daigavane, M. Kotak, T. Smidt, "The Price of Freedom: Exploring
       Expressivity and Runtime Tradeoffs in Equivariant Tensor Products", ICML 2025
       (the S^2 grid route; equation numbers not verified).
    .. [3] refimpl spec ``equivariance.md`` §1.5 (the ratio c), §1.6 (routes, properties).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.gaunt_product import gaunt_tensor_product
    >>> one = np.array([np.sqrt(4 * np.pi)])          # f = 1, the unit
    >>> x = np.random.default_rng(0).standard_normal((2, 9))   # C = 2 channels, lmax = 2
    >>> np.allclose(gaunt_tensor_product(one, x), x)
    True
    >>> v = np.array([0.0, 0.0, 1.0, 0.0])            # Y_10 = sqrt(3/4pi) z; z*z: l = 0, 2
    >>> np.round(gaunt_tensor_product(v, v, method="dense"), 4)
    array([0.2821, 0.    , 0.    , 0.    , 0.    , 0.    , 0.2523, 0.    ,
           0.    ])
    """
    method = _xp.check_choice(method, _METHODS, name="method")
    xp, x, y, lmax1, lmax2 = _checked_pair(x, y)
    lmax_out = lmax1 + lmax2 if lmax_out is None else _xp.nonnegative_int(lmax_out, name="lmax_out")
    if method == "fourier":
        return _gaunt_fourier(xp, x, y, lmax_out)
    if method == "grid":
        n_theta, n_phi = _grid_sizes(lmax1 + lmax2 + lmax_out)
        return _gaunt_grid(xp, x, y, lmax_out, n_theta, n_phi)
    return _gaunt_dense(xp, x, y, lmax_out)


def gaunt_power(x: Array, nu: int, /, *, lmax_out: int) -> Array:
    r"""Gaunt power :math:`\mathrm{trunc}_{\mathrm{lmax\_out}}(x^{\circledast\nu})`: the SH
    coefficients of :math:`f_x^\nu`, by divide and conquer in the Fourier basis.

    Parameters
    ----------
    x : array, shape (..., C, (lmax + 1)**2)
        SH coefficients of :math:`f_x` (refimpl basis); real, finite, non-empty (integers
        promoted); leading axes are batch axes.
    nu : int
        The power, ``>= 1``.
    lmax_out : int
        Maximum output degree, ``>= 0`` (keyword-only, required).

    Returns
    -------
    array, shape (..., C, (lmax_out + 1)**2)
        The coefficients of :math:`f_x^\nu` for degrees ``<= lmax_out`` (zero above
        ``nu * lmax``), in ``x``'s namespace, dtype and device.

    Raises
    ------
    TypeError
        If ``x`` is bool, complex or non-numeric, or ``nu``/``lmax_out`` is not an int.
    ValueError
        If ``x`` is 0-D, empty or not finite, its last axis is not a perfect square,
        ``nu < 1`` or ``lmax_out < 0``.

    Notes
    -----
    :math:`f_x^\nu` has degree :math:`\nu\,\mathrm{lmax}`. Its torus Fourier coefficients
    :math:`F^{\nu}` are built by :math:`F^{\nu} = F^{\lfloor\nu/2\rfloor} *
    F^{\lceil\nu/2\rceil}` (2D linear convolutions by zero-padded FFT, each distinct power
    computed once: :math:`O(\log\nu)` convolutions), then projected once with
    :func:`~refimpl.so3.fourier.fourier_to_sh`. No intermediate truncation happens in the SH
    basis, so the result equals the iterated untruncated Gaunt product
    :math:`x \circledast x \circledast \cdots \circledast x`, truncated at the end, and the
    exact quadrature projection of :math:`f_x^\nu` (grid with ``n_theta >= ceil((nu lmax +
    lmax_out + 1)/2)``, ``n_phi >= nu lmax + lmax_out + 1``). ``nu = 1`` returns the first
    ``lmax_out`` degrees of ``x`` (zero-padded). The weighted many-body feature
    :math:`B_l = \sum_\nu w^{(\nu)}_l\,\mathrm{gaunt\_power}(x, \nu)_l` of the paper is left to
    the caller.

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, arXiv:2401.10216, Sec. 4 (many-body
       interactions with divide-and-conquer Gaunt products; section and equation numbers not
       verified).
    .. [2] refimpl spec ``equivariance.md`` §1.8.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.gaunt_product import gaunt_power, gaunt_tensor_product
    >>> x = np.random.default_rng(1).standard_normal(4)          # lmax = 1
    >>> x3 = gaunt_tensor_product(gaunt_tensor_product(x, x), x)  # degree 3
    >>> np.allclose(gaunt_power(x, 3, lmax_out=3), x3)
    True
    """
    xp, (x,) = _xp.as_arrays(x)
    x = _xp.checked_real(x, name="x", xp=xp, min_ndim=1)
    lmax = lmax_from_size(x.shape[-1], "x")
    nu = _xp.positive_int(nu, name="nu")
    lmax_out = _xp.nonnegative_int(lmax_out, name="lmax_out")
    if nu == 1:
        return _truncate_or_pad(xp, x, lmax_out)
    powers: dict[int, Array] = {1: _sh_to_fourier(xp, x, lmax)}

    def power(k: int) -> Array:
        if k not in powers:
            powers[k] = _convolve2d(xp, power(k // 2), power(k - k // 2))
        return powers[k]

    return _fourier_to_sh(xp, power(nu), lmax_out)
