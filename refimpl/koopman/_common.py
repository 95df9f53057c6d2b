"""Private helpers of :mod:`refimpl.koopman`: input checks for snapshot data, weights and
the joint QR. The generic shims live in :mod:`refimpl._xp` (``eig``, ``checked_numeric``,
``qr_r``)."""

from __future__ import annotations

from typing import Any

from refimpl import _xp

Array = Any
Namespace = Any


def real_dtype_of(xp: Namespace, dtype: Any) -> Any:
    """float32 for float32/complex64, float64 for float64/complex128."""
    if dtype in (xp.float32, xp.complex64):
        return xp.float32
    return xp.float64


def common_dtypes(xp: Namespace, *arrays: Array) -> tuple[Any, Any]:
    """(real dtype, complex dtype) of the arrays together (float64 wins over float32)."""
    wide = any(real_dtype_of(xp, a.dtype) == xp.float64 for a in arrays)
    real = xp.float64 if wide else xp.float32
    return real, _xp.complex_dtype(xp, real)


def check_snapshots(
    psi_x: Any, psi_y: Any, w: Any, /
) -> tuple[Namespace, Array, Array, Array, Any, Any]:
    """Check the dictionary evaluations ``psi_x``, ``psi_y`` (M, N) and the quadrature weights
    ``w`` (M,); return ``(xp, psi_x, psi_y, w, real dtype, complex dtype)`` with the matrices
    cast to one dtype (complex if either is complex, else real; float64 if any input is) and
    the weights to the common real dtype."""
    xp, (psi_x, psi_y, w) = _xp.as_arrays(psi_x, psi_y, w)
    psi_x = _xp.checked_numeric(psi_x, name="psi_x", xp=xp, min_ndim=2)
    psi_y = _xp.checked_numeric(psi_y, name="psi_y", xp=xp, min_ndim=2)
    w = _xp.checked_real(w, name="w", xp=xp, min_ndim=1)
    if psi_x.ndim != 2:
        msg = f"psi_x must be 2-D (M snapshots, N functions); got shape {tuple(psi_x.shape)}"
        raise ValueError(msg)
    if psi_y.shape != psi_x.shape:
        msg = (
            f"psi_y must have the shape of psi_x {tuple(psi_x.shape)}; "
            f"got shape {tuple(psi_y.shape)}"
        )
        raise ValueError(msg)
    if w.ndim != 1 or w.shape[0] != psi_x.shape[0]:
        msg = (
            f"w must be 1-D with one weight per snapshot, shape ({psi_x.shape[0]},); "
            f"got shape {tuple(w.shape)}"
        )
        raise ValueError(msg)
    if _xp.is_eager(w):
        n_neg = int(xp.sum(xp.astype(w < 0, xp.int32)))
        if n_neg:
            msg = f"w must be non-negative (quadrature weights); got {n_neg} negative value(s)"
            raise ValueError(msg)
        if not bool(xp.any(w > 0)):
            msg = "w must have at least one positive weight; got all zeros"
            raise ValueError(msg)
    real, cplx = common_dtypes(xp, psi_x, psi_y, w)
    is_complex = xp.isdtype(psi_x.dtype, "complex floating") or xp.isdtype(
        psi_y.dtype, "complex floating"
    )
    work = cplx if is_complex else real
    return xp, xp.astype(psi_x, work), xp.astype(psi_y, work), xp.astype(w, real), real, cplx


def ctranspose(a: Array, xp: Namespace) -> Array:
    """Conjugate transpose of the last two axes."""
    return xp.conj(xp.linalg.matrix_transpose(a))


def weighted(psi: Array, w: Array, xp: Namespace) -> Array:
    """``sqrt(W) psi``: rows scaled by the square roots of the weights."""
    return xp.astype(xp.sqrt(w), psi.dtype)[:, None] * psi


def rank_check(d: Array, *, rcond: float, what: str, xp: Namespace) -> float:
    """Raise ``ValueError`` when ``min(d) <= rcond * max(d)`` for the non-negative scale
    numbers ``d`` (|R_ii| or sqrt of the eigenvalues of G); return ``max(d)/min(d)`` (a lower
    bound of the condition number of ``sqrt(W) psi_x``)."""
    if not _xp.is_eager(d):
        return float("nan")
    dmax = float(xp.max(d))
    dmin = float(xp.min(d))
    if not dmin > rcond * dmax:
        cond = float("inf") if dmin == 0 else dmax / dmin
        msg = (
            "psi_x must have linearly independent columns in the weighted L^2 inner product "
            f"(G = psi_x^* W psi_x full rank); got {what} with estimated condition number "
            f"{cond:.3e} >= 1/rcond = {1.0 / rcond:.3e}; remove redundant dictionary functions, "
            "add snapshots or pass a smaller rcond"
        )
        raise ValueError(msg)
    return dmax / dmin


def default_rcond(n: int, xp: Namespace, real_dtype: Any) -> float:
    """``n * eps``: the rank-deficiency threshold on |R_ii| / max |R_jj| (spec §3.5 pitfall 2)."""
    return n * _xp.eps(xp, real_dtype)


def checked_rcond(rcond: Any, n: int, xp: Namespace, real_dtype: Any) -> float:
    if rcond is None:
        return default_rcond(n, xp, real_dtype)
    r = _xp.nonnegative_float(rcond, name="rcond")
    return r


def joint_qr(
    psi_x: Array, psi_y: Array, w: Array, *, rcond: float, xp: Namespace
) -> tuple[Array, Array, float]:
    """QR of ``[sqrt(W) psi_x, sqrt(W) psi_y]`` (M x 2N); return ``(R11, T, cond)`` with
    ``T = [R12; R22] R11^{-1}`` (k x N, k = min(M, 2N)), so that for every coefficient vector g
    ``||sqrt(W)(psi_y - z psi_x) g|| = ||(T - z E) R11 g||`` with ``E = [I; 0]``.

    ``T[:N] = Q^* C`` is the spec's ``A~`` and ``T^* T = C^* C`` its ``L~`` (§3.1 step 4).
    """
    m, n = psi_x.shape
    if m < n:
        msg = (
            f"psi_x must have at least as many snapshots as dictionary functions (M >= N) for "
            f"a full-rank G; got M = {m} < N = {n}"
        )
        raise ValueError(msg)
    stacked = xp.concat([weighted(psi_x, w, xp), weighted(psi_y, w, xp)], axis=1)
    r = _xp.qr_r(stacked)  # Q (M x 2N) is never needed
    r11 = r[:n, :n]
    cond = rank_check(xp.abs(xp.linalg.diagonal(r11)), rcond=rcond, what="sqrt(W) psi_x", xp=xp)
    rhs = r[:, n:]  # (k, N)
    t = xp.linalg.matrix_transpose(
        xp.linalg.solve(xp.linalg.matrix_transpose(r11), xp.linalg.matrix_transpose(rhs))
    )
    return r11, t, cond
