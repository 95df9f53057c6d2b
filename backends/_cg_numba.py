"""Numba kernel for :func:`refimpl.so3.cg_product.cg_tensor_product` (``backend="numba"``).

Registered in :mod:`refimpl.so3.cg_product` through :mod:`refimpl._dispatch` (requires numba,
NumPy arrays only). Without numba the decorators of :mod:`refimpl.backends._numba_compat`
are the identity, so the kernel runs as plain Python (only sensible on tiny inputs: tests).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba_compat import njit, prange

__all__ = ["cg_tensor_product_numba"]


@njit(parallel=True, cache=True)
def _contract(
    x: np.ndarray,
    y: np.ndarray,
    ii: np.ndarray,
    jj: np.ndarray,
    kk: np.ndarray,
    val: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled, or plain Python on tiny tests
    """``out[n, kk[e]] += val[e] * x[n, ii[e]] * y[n, jj[e]]`` for every row n (parallel)
    and every non-zero coupling entry e."""
    for n in prange(x.shape[0]):
        for e in range(val.shape[0]):
            out[n, kk[e]] += val[e] * x[n, ii[e]] * y[n, jj[e]]


def cg_tensor_product_numba(x: Any, y: Any, lmax_out: int, paths: Any) -> np.ndarray:
    """The dense CG tensor product on NumPy arrays, looping over the non-zero entries.

    ``x``, ``y``: checked real NumPy arrays of one dtype, shapes (..., (L1+1)**2) and
    (..., (L2+1)**2) with broadcastable leading axes; ``paths`` as built by
    :func:`refimpl.so3.cg_product._paths`. Returns (broadcast(...), (lmax_out+1)**2) in
    the inputs' dtype. Inputs are read only (broadcast views are copied into contiguous
    work arrays).
    """
    from refimpl.so3.cg_product import _batch_shape, _sparse_table

    batch = _batch_shape(x, y)
    n_rows = int(np.prod(batch, dtype=np.int64))
    dtype = x.dtype
    xb = np.ascontiguousarray(np.broadcast_to(x, (*batch, x.shape[-1]))).reshape(n_rows, -1)
    yb = np.ascontiguousarray(np.broadcast_to(y, (*batch, y.shape[-1]))).reshape(n_rows, -1)
    ii, jj, kk, val = _sparse_table(paths)
    out = np.zeros((n_rows, (lmax_out + 1) ** 2), dtype=dtype)
    _contract(xb, yb, ii, jj, kk, val.astype(dtype), out)
    return out.reshape((*batch, (lmax_out + 1) ** 2))
