r"""Dense Clebsch-Gordan tensor product of real spherical-harmonic coefficient arrays.

For coefficient arrays ``x`` and ``y`` of degrees ``0..L1`` and ``0..L2`` (flat index
``l*l + l + m``, spec ``equivariance.md`` §1.1), the full tensor product couples every path
``(l1, l2) -> l3`` with ``|l1 - l2| <= l3 <= l1 + l2`` through the unit-norm real
Clebsch-Gordan tensor of :func:`refimpl.so3.coupling.clebsch_gordan`. The reference
implementation contracts, for each input pair ``(l1, l2)``, the outer product of the two
blocks with the stacked coupling tensors of all its output degrees (one ``matmul``); a numba
kernel (``backend="numba"``) loops over the non-zero coupling entries instead.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from refimpl import _dispatch, _xp
from refimpl.so3._layout import lmax_from_size
from refimpl.so3.coupling import _cg_sparse, _triangle

__all__ = ["cg_tensor_product"]

Array = Any
#: ((l1, l2, ((l3, weight), ...)), ...): the paths of one product, weights non-zero
Paths = tuple[tuple[int, int, tuple[tuple[int, float], ...]], ...]

_ALGORITHM = "so3.cg_tensor_product"
_STACK_CACHE_SIZE = 256

_dispatch.register(_ALGORITHM, "reference", "refimpl.so3.cg_product:_cg_reference")
_dispatch.register(
    _ALGORITHM,
    "numba",
    "refimpl.backends._cg_numba:cg_tensor_product_numba",
    requires=["numba"],
    namespaces=["numpy"],
)


# --------------------------------------------------------------------------------------
# argument checks
# --------------------------------------------------------------------------------------
def _batch_shape(x: Array, y: Array) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(tuple(x.shape[:-1]), tuple(y.shape[:-1])))
    except ValueError:
        msg = (
            "the leading axes of x and y must broadcast; "
            f"got shapes {tuple(x.shape)} and {tuple(y.shape)}"
        )
        raise ValueError(msg) from None


def _paths(lmax1: int, lmax2: int, lmax_out: int, path_weights: Any) -> Paths:
    """All coupling paths with their weights (1 when ``path_weights`` is None), grouped by
    ``(l1, l2)``; paths of weight 0 are dropped."""
    weights: dict[tuple[int, int, int], float] | None = None
    if path_weights is not None:
        if not isinstance(path_weights, Mapping):
            msg = (
                "path_weights must be None or a mapping {(l1, l2, l3): float}; "
                f"got {type(path_weights).__name__}"
            )
            raise TypeError(msg)
        weights = {}
        for key, value in path_weights.items():
            if not isinstance(key, tuple) or len(key) != 3:
                msg = f"path_weights keys must be tuples (l1, l2, l3); got {key!r}"
                raise TypeError(msg)
            l1, l2, l3 = (_xp.nonnegative_int(v, name=f"path_weights key {key!r}") for v in key)
            if not _triangle(l1, l2, l3):
                msg = (
                    f"path_weights keys must be coupling paths with |l1 - l2| <= l3 <= l1 + l2; "
                    f"got {key!r}"
                )
                raise ValueError(msg)
            if l1 > lmax1 or l2 > lmax2 or l3 > lmax_out:
                msg = (
                    f"path_weights keys must have l1 <= {lmax1}, l2 <= {lmax2} and "
                    f"l3 <= lmax_out = {lmax_out} for these inputs; got {key!r}"
                )
                raise ValueError(msg)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                msg = f"path_weights values must be real numbers; got {value!r} for {key!r}"
                raise TypeError(msg)
            if not math.isfinite(float(value)):
                msg = f"path_weights values must be finite; got {value!r} for {key!r}"
                raise ValueError(msg)
            weights[(l1, l2, l3)] = float(value)
    out = []
    for l1 in range(lmax1 + 1):
        for l2 in range(lmax2 + 1):
            l3s = []
            for l3 in range(abs(l1 - l2), min(l1 + l2, lmax_out) + 1):
                w = 1.0 if weights is None else weights.get((l1, l2, l3), 0.0)
                if w != 0.0:
                    l3s.append((l3, w))
            if l3s:
                out.append((l1, l2, tuple(l3s)))
    return tuple(out)


# --------------------------------------------------------------------------------------
# host tables
# --------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=_STACK_CACHE_SIZE)
def _stacked(l1: int, l2: int, l3s: tuple[int, ...]) -> np.ndarray:
    """The coupling tensors of ``(l1, l2) -> l3`` for ``l3 in l3s``, reshaped to
    ((2l1+1)(2l2+1), 2l3+1) and concatenated along columns; float64, read-only."""
    n1, n2 = 2 * l1 + 1, 2 * l2 + 1
    out = np.zeros((n1 * n2, sum(2 * l3 + 1 for l3 in l3s)))
    col = 0
    for l3 in l3s:
        idx, val = _cg_sparse(l1, l2, l3)
        out[idx[:, 0] * n2 + idx[:, 1], col + idx[:, 2]] = val
        col += 2 * l3 + 1
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=_STACK_CACHE_SIZE)
def _sparse_table(paths: Paths) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, k, value)``: every non-zero weighted coupling entry of the product as flat
    indices into x, y and the output (int64) and float64 values; read-only. Used by the
    numba backend."""
    ii, jj, kk, vv = [], [], [], []
    for l1, l2, l3ws in paths:
        for l3, w in l3ws:
            idx, val = _cg_sparse(l1, l2, l3)
            ii.append(idx[:, 0] + l1 * l1)
            jj.append(idx[:, 1] + l2 * l2)
            kk.append(idx[:, 2] + l3 * l3)
            vv.append(w * val)
    if not vv:
        empty = np.zeros(0, dtype=np.int64)
        table = (empty, empty.copy(), empty.copy(), np.zeros(0))
    else:
        table = (np.concatenate(ii), np.concatenate(jj), np.concatenate(kk), np.concatenate(vv))
    for a in table:
        a.flags.writeable = False
    return table


# --------------------------------------------------------------------------------------
# reference implementation (pure Array API)
# --------------------------------------------------------------------------------------
def _cg_reference(x: Array, y: Array, lmax_out: int, paths: Paths) -> Array:
    """Dense contraction; ``x``, ``y`` checked, same dtype, leading axes broadcastable."""
    xp = _xp.as_arrays(x, y)[0]
    dev = _xp.device(x)
    batch = _batch_shape(x, y)
    blocks: list[list[Array]] = [[] for _ in range(lmax_out + 1)]
    for l1, l2, l3ws in paths:
        n1, n2 = 2 * l1 + 1, 2 * l2 + 1
        xa = x[..., l1 * l1 : (l1 + 1) ** 2]
        yb = y[..., l2 * l2 : (l2 + 1) ** 2]
        outer = xp.reshape(xa[..., :, None] * yb[..., None, :], (*batch, n1 * n2))
        l3s = tuple(l3 for l3, _ in l3ws)
        table = _stacked(l1, l2, l3s)
        col_w = np.concatenate([np.full(2 * l3 + 1, w) for l3, w in l3ws])
        if not np.all(col_w == 1.0):
            table = table * col_w
        res = xp.matmul(outer, xp.asarray(table, dtype=x.dtype, device=dev, copy=True))
        col = 0
        for l3 in l3s:
            blocks[l3].append(res[..., col : col + 2 * l3 + 1])
            col += 2 * l3 + 1
    out = []
    for l3, parts in enumerate(blocks):
        if not parts:
            out.append(xp.zeros((*batch, 2 * l3 + 1), dtype=x.dtype, device=dev))
            continue
        acc = parts[0]
        for p in parts[1:]:
            acc = acc + p
        out.append(acc)
    return xp.concat(out, axis=-1)


# --------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------
def cg_tensor_product(
    x: Array,
    y: Array,
    /,
    *,
    lmax_out: int | None = None,
    path_weights: Mapping[tuple[int, int, int], float] | None = None,
    backend: str = "reference",
) -> Array:
    r"""Full Clebsch-Gordan tensor product of two real SH coefficient arrays, channel-wise.

    Parameters
    ----------
    x : array, shape (..., C, (L1 + 1)**2)
        Coefficients of degrees ``0..L1`` (flat index ``l*l + l + m``). All axes but the last
        are batch/channel axes (at least 1-D; the channel axis ``C`` is just the last of
        them: the product is channel-wise, no channel mixing). Integers are promoted.
    y : array, shape (..., C, (L2 + 1)**2)
        Coefficients of degrees ``0..L2``; leading axes broadcast against ``x``'s.
    lmax_out : int, optional
        Largest output degree, ``>= 0``; default ``L1 + L2`` (untruncated). Degrees above
        ``L1 + L2`` are returned as zeros.
    path_weights : mapping {(l1, l2, l3): float}, optional
        ``None`` (default): every path has weight 1. A mapping: the weight of each listed
        path; **paths not listed get weight 0**. Keys must be coupling paths of this product
        (``|l1 - l2| <= l3 <= l1 + l2``, ``l1 <= L1``, ``l2 <= L2``, ``l3 <= lmax_out``).
    backend : {"reference", "numba", "auto"}, default "reference"
        ``"reference"``: the Array API implementation (any namespace). ``"numba"``: the
        compiled kernel (NumPy arrays; needs numba). ``"auto"``: numba for NumPy input when
        installed, else the reference.

    Returns
    -------
    array, shape (broadcast(...), (lmax_out + 1)**2)
        .. math:: z_{l_3 m_3} = \sum_{l_1, l_2} w_{l_1 l_2 l_3} \sum_{m_1, m_2}
            C^{(l_1 l_2 l_3)}_{m_1 m_2 m_3}\, x_{l_1 m_1}\, y_{l_2 m_2},

        with ``C = clebsch_gordan(l1, l2, l3)`` (unit Frobenius norm), in the namespace and
        on the device of the inputs, dtype ``result_type(x, y)``.

    Raises
    ------
    TypeError
        If ``x``/``y`` are not real numeric arrays or mix namespaces/devices, if
        ``lmax_out`` is not an int, if ``path_weights`` is not a mapping of ``(l1, l2, l3)``
        tuples to real numbers, or if ``backend="numba"`` gets non-NumPy arrays.
    ValueError
        If an input is 0-D, empty or not finite, if a last axis is not a perfect square, if
        the leading axes do not broadcast, if ``lmax_out < 0``, if a ``path_weights`` key is
        not a path of this product or a weight is not finite, or if ``backend`` is unknown.
    refimpl._dispatch.BackendUnavailableError
        If ``backend="numba"`` and numba is not installed.

    Notes
    -----
    **Paths.** Every path ``(l1, l2) -> l3`` is included, the odd ones
    (:math:`l_1 + l_2 + l_3` odd, e.g. the cross product ``1 x 1 -> 1``) too, which the Gaunt
    tensor product lacks. The product is bilinear and equivariant,
    :math:`z(D x, D y) = D z(x, y)` with ``D`` the block-diagonal real Wigner matrices; it is
    symmetric under swapping ``x`` and ``y`` up to :math:`(-1)^{l_1+l_2+l_3}` per path.

    **Gaunt relation** (spec §1.5-1.6): with weights ``gaunt_cg_ratio(l1, l2, l3)`` on the
    even paths and 0 on the odd ones this is the Gaunt tensor product, i.e. the SH
    coefficients of the pointwise product :math:`f_x f_y`.

    **Cost.** The reference does, per pair ``(l1, l2)``, one outer product and one
    ``matmul`` with the stacked coupling tensors (float64 host tables cached per pair,
    copied to the device per call): :math:`O(L^6)` multiply-adds per channel for
    ``L1 = L2 = lmax_out/2 = L``. The numba kernel visits only the non-zero coupling
    entries (at most 4 per ``(m1, m2)`` and path), :math:`O(L^5)`.

    **Accuracy.** Coupling tables are exact to 1 ulp (see
    :func:`refimpl.so3.coupling.clebsch_gordan`); the contraction adds the usual sum
    round-off, relative error a few ``eps`` times the number of terms per output entry.

    References
    ----------
    .. [1] Y.-L. Luo, C. Chen, A. S. Krishnapriyan, "Enabling Efficient Equivariant
       Operations in the Fourier Basis via Gaunt Tensor Products", ICLR 2024,
       arXiv:2401.10216 (the Clebsch-Gordan tensor product and its O(L^6) cost, in the
       abstract; equation numbers not verified).
    .. [2] refimpl spec ``equivariance.md`` §1.4-1.6, §1.9.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.so3.cg_product import cg_tensor_product
    >>> a, b = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 2.0])  # (x, y, z) vectors
    >>> x = np.concatenate([[0.0], a[[1, 2, 0]]])                      # l=1 order (y, z, x)
    >>> y = np.concatenate([[0.0], b[[1, 2, 0]]])
    >>> z = cg_tensor_product(x, y, path_weights={(1, 1, 0): 1.0, (1, 1, 1): 1.0})
    >>> bool(np.isclose(z[0], a @ b / np.sqrt(3)))                     # dot product
    True
    >>> bool(np.allclose(z[1:4], np.cross(a, b)[[1, 2, 0]] / np.sqrt(6)))  # cross product
    True
    """
    xp, (x, y) = _xp.as_arrays(x, y)
    x = _xp.checked_real(x, name="x", xp=xp)
    y = _xp.checked_real(y, name="y", xp=xp)
    lmax1 = lmax_from_size(x.shape[-1], "x")
    lmax2 = lmax_from_size(y.shape[-1], "y")
    lmax_out = lmax1 + lmax2 if lmax_out is None else _xp.nonnegative_int(lmax_out, name="lmax_out")
    _batch_shape(x, y)
    paths = _paths(lmax1, lmax2, lmax_out, path_weights)
    impl = _dispatch.resolve(_ALGORITHM, backend, _xp.namespace_name(xp))
    dtype = xp.result_type(x.dtype, y.dtype)
    x, y = xp.astype(x, dtype, copy=False), xp.astype(y, dtype, copy=False)
    return impl(x, y, lmax_out, paths)
