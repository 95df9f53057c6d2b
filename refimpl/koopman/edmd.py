r"""Extended dynamic mode decomposition (EDMD): Galerkin matrices, eigenpairs, eigenfunctions.

Snapshot pairs ``(x_m, y_m = F(x_m))`` with quadrature weights ``w_m`` and a dictionary
``psi_1..psi_N`` give ``Psi_X[m, j] = psi_j(x_m)``, ``Psi_Y[m, j] = psi_j(y_m)`` and
``W = diag(w)``. The Galerkin matrices are ``G = Psi_X^* W Psi_X``, ``A = Psi_X^* W Psi_Y`` and
``L = Psi_Y^* W Psi_Y`` (quadrature approximations of ``<psi_k, psi_j>``,
``<K psi_k, psi_j>`` and ``<K psi_k, K psi_j>``); EDMD's matrix is ``K = G^+ A`` and its
eigenpairs ``K v = lambda v`` give candidate eigenfunctions ``phi = Psi v``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.koopman import _common

__all__ = ["EDMDResult", "edmd", "eigenfunctions", "galerkin"]

Array = Any


def galerkin(psi_x: Array, psi_y: Array, w: Array, /) -> tuple[Array, Array, Array]:
    r"""The Galerkin matrices ``G``, ``A``, ``L`` of EDMD / ResDMD.

    Parameters
    ----------
    psi_x, psi_y : array, shape (M, N)
        The dictionary evaluated at the snapshots ``x_m`` and at their images ``y_m``; real or
        complex (integers are promoted).
    w : array, shape (M,)
        Non-negative quadrature weights (Gauss-Legendre, trapezoid, or ``1/M`` for Monte Carlo
        or ergodic sampling).

    Returns
    -------
    G, A, L : array, shape (N, N)
        ``G = Psi_X^* W Psi_X``, ``A = Psi_X^* W Psi_Y``, ``L = Psi_Y^* W Psi_Y``; the input's
        namespace and device, the common dtype of ``psi_x``, ``psi_y`` (complex if either is).

    Raises
    ------
    TypeError
        Bool, non-numeric or (for ``w``) complex arrays, or arrays from two namespaces.
    ValueError
        ``psi_x`` not 2-D, ``psi_y`` of another shape, ``w`` not of shape (M,), negative or
        non-finite weights, non-finite or empty arrays.

    Notes
    -----
    ``G`` and ``L`` are Hermitian positive semi-definite; for a dictionary orthonormal in
    ``L^2(omega)`` and an exact quadrature ``G = I``. ``A[j, k]`` approximates
    ``<K psi_k, psi_j>``, so ``G^{-1} A`` is the matrix of the compressed Koopman operator
    acting on coefficient vectors (columns).

    References
    ----------
    .. [1] M. J. Colbrook, A. Townsend, "Rigorous data-driven computation of spectral
       properties of Koopman operators for dynamical systems", CPAM 77 (2024) 221,
       arXiv:2111.14889, Eqs. (2.5), (3.2) and (3.3).
    .. [2] M. J. Colbrook, I. Mezic, A. Stepanenko, "Limits and powers of Koopman learning",
       arXiv:2407.06312, Sec. 2 (the Galerkin matrices of EDMD).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import galerkin
    >>> x = np.linspace(0.0, 1.0, 5)
    >>> psi = np.stack([np.ones(5), x], axis=1)
    >>> G, A, L = galerkin(psi, 0.5 * psi, np.full(5, 0.2))
    >>> bool(np.allclose(A, 0.5 * G) and np.allclose(L, 0.25 * G))
    True
    """
    xp, psi_x, psi_y, w, _, _ = _common.check_snapshots(psi_x, psi_y, w)
    wx = xp.astype(w, psi_x.dtype)[:, None] * psi_x
    psi_x_h = _common.ctranspose(psi_x, xp)
    psi_y_h = _common.ctranspose(psi_y, xp)
    g = psi_x_h @ wx
    a = psi_x_h @ (xp.astype(w, psi_y.dtype)[:, None] * psi_y)
    ell = psi_y_h @ (xp.astype(w, psi_y.dtype)[:, None] * psi_y)
    return g, a, ell


@dataclass(frozen=True, slots=True, kw_only=True)
class EDMDResult:
    """EDMD eigenpairs with their ResDMD residuals.

    Attributes
    ----------
    eigenvalues : array, shape (N,)
        Eigenvalues of ``K = G^{-1} A`` (complex dtype), sorted by decreasing modulus.
    eigenvectors : array, shape (N, N)
        Column ``k`` holds the coefficients ``v_k`` of the candidate eigenfunction
        ``phi_k = Psi v_k``, normalised so that ``v_k^* G v_k = 1`` (unit quadrature norm).
    residuals : array, shape (N,)
        ``res(lambda_k, v_k) = ||sqrt(W)(Psi_Y - lambda_k Psi_X) v_k|| / ||sqrt(W) Psi_X v_k||``
        (real dtype): the quadrature approximation of ``||(K - lambda_k) phi_k|| / ||phi_k||``.
    K : array, shape (N, N)
        The EDMD matrix ``G^{-1} A`` (complex dtype).
    condition : float
        ``max |R_ii| / min |R_ii|`` of the QR factor of ``sqrt(W) Psi_X`` (a lower bound on its
        condition number; ``cond(G)`` is about its square).
    """

    eigenvalues: Array
    eigenvectors: Array
    residuals: Array
    K: Array
    condition: float


def edmd(psi_x: Array, psi_y: Array, w: Array, /, *, rcond: float | None = None) -> EDMDResult:
    r"""EDMD eigenpairs of ``K = G^{-1} A`` with the ResDMD residual of every pair.

    Parameters
    ----------
    psi_x, psi_y : array, shape (M, N)
        Dictionary evaluated at the snapshots and at their images (``M >= N``).
    w : array, shape (M,)
        Non-negative quadrature weights.
    rcond : float, optional
        Rank-deficiency threshold: ``ValueError`` when ``min |R_ii| <= rcond * max |R_ii|`` for
        the QR factor ``R`` of ``sqrt(W) Psi_X``. Default ``N * eps``.

    Returns
    -------
    EDMDResult
        Eigenvalues, eigenvector coefficients, residuals, ``K`` and the condition estimate; the
        arrays in the input's namespace and on its device (eigenvalues, eigenvectors and ``K``
        in the matching complex dtype, residuals in the real dtype).

    Raises
    ------
    TypeError, ValueError
        As :func:`galerkin`; also ``ValueError`` when ``M < N`` or ``sqrt(W) Psi_X`` is
        numerically rank deficient (the message gives the condition-number estimate).

    Notes
    -----
    With ``sqrt(W) Psi_X = Q R`` (reduced QR), ``K = R^{-1} A~ R`` with ``A~ = Q^* sqrt(W)
    Psi_Y R^{-1}``, so the eigenvalues are those of ``A~`` and the eigenvectors are ``R^{-1}``
    times those of ``A~``: this avoids forming ``G`` (whose condition number is the square of
    that of ``R``). The residuals are evaluated directly from the data, not from the quadratic
    form ``v^*(L - lambda A^* - conj(lambda) A + |lambda|^2 G) v`` (which loses half the
    digits for small residuals). Eigenvalues are sorted by decreasing modulus, ties by
    increasing argument in (-pi, pi]. The non-Hermitian eigensolver is
    ``numpy.linalg.eig`` / ``torch.linalg.eig``; other namespaces go through the host.

    References
    ----------
    .. [1] M. O. Williams, I. G. Kevrekidis, C. W. Rowley, "A data-driven approximation of the
       Koopman operator: extending dynamic mode decomposition", J. Nonlinear Sci. 25 (2015).
    .. [2] Colbrook & Townsend, arXiv:2111.14889, Algorithm 1 (ResDMD residuals, Eq. (3.4)).
    .. [3] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Sec. 2 (``E_EDMD`` is the largest of
       these residuals).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import edmd
    >>> x = np.linspace(-1.0, 1.0, 7)
    >>> psi = lambda t: np.stack([np.ones_like(t), t, t**2], axis=1)
    >>> res = edmd(psi(x), psi(0.5 * x), np.full(7, 1 / 7))
    >>> np.round(res.eigenvalues.real, 12).tolist()
    [1.0, 0.5, 0.25]
    >>> bool(np.max(res.residuals) < 1e-12)
    True
    """
    xp, psi_x, psi_y, w, real, cplx = _common.check_snapshots(psi_x, psi_y, w)
    n = psi_x.shape[1]
    rc = _common.checked_rcond(rcond, n, xp, real)
    psi_x = xp.astype(psi_x, cplx)
    psi_y = xp.astype(psi_y, cplx)
    r11, t, cond = _common.joint_qr(psi_x, psi_y, w, rcond=rc, xp=xp)
    a_tilde = t[:n, :]
    vals, u = _xp.eig(a_tilde)
    # v = R^{-1} u, then v^* G v = ||u||^2: normalise u
    u = u / xp.linalg.vector_norm(u, axis=0)[None, :]
    v = xp.linalg.solve(r11, u)
    k_mat = xp.linalg.solve(r11, a_tilde @ r11)
    # order: decreasing modulus, then increasing angle
    order = _sort_order(vals, xp)
    vals = xp.take(vals, order, axis=0)
    v = xp.take(v, order, axis=1)
    res = _pair_residuals(vals, v, psi_x, psi_y, w, xp)
    return EDMDResult(eigenvalues=vals, eigenvectors=v, residuals=res, K=k_mat, condition=cond)


def _sort_order(vals: Array, xp: Any) -> Array:
    """Indices sorting ``vals`` by decreasing modulus (rounded to 1e-9 relative), ties by
    increasing angle; computed on the host (N numbers) and moved back as an index array."""
    h = _xp.to_host(vals)
    mod = np.abs(h)
    scale = float(mod.max()) if h.size and mod.max() > 0 else 1.0
    order = np.lexsort((np.angle(h), -np.round(mod / scale * 1e9)))
    return xp.asarray(order, device=_xp.device(vals))


def _pair_residuals(vals: Array, v: Array, psi_x: Array, psi_y: Array, w: Array, xp: Any) -> Array:
    """``||sqrt(W)(Psi_Y v_k - lambda_k Psi_X v_k)|| / ||sqrt(W) Psi_X v_k||`` per column."""
    sw = xp.astype(xp.sqrt(w), psi_x.dtype)[:, None]
    px = sw * (psi_x @ v)
    py = sw * (psi_y @ v)
    num = xp.linalg.vector_norm(py - px * vals[None, :], axis=0)
    den = xp.linalg.vector_norm(px, axis=0)
    return num / den


def eigenfunctions(psi: Array, coefficients: Array, /) -> Array:
    r"""Evaluate candidate eigenfunctions ``phi_k = sum_j psi_j v_{jk}`` at points.

    Parameters
    ----------
    psi : array, shape (P, N)
        The dictionary evaluated at ``P`` points (any points, not only the snapshots).
    coefficients : array, shape (N,) or (N, K)
        Coefficient vectors (columns), e.g. ``EDMDResult.eigenvectors``.

    Returns
    -------
    array, shape (P,) or (P, K)
        ``psi @ coefficients`` in the common dtype (complex if either input is), the input's
        namespace and device.

    Raises
    ------
    TypeError
        Bool or non-numeric arrays, mixed namespaces.
    ValueError
        ``psi`` not 2-D, ``coefficients`` not 1-D/2-D or with a first axis other than ``N``,
        non-finite or empty arrays.

    Notes
    -----
    The eigenfunction is determined up to a scalar; :func:`edmd` normalises its coefficients
    to unit quadrature norm (``v^* G v = 1``).

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Sec. 2.2 (``phi = Psi v``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import eigenfunctions
    >>> psi = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> eigenfunctions(psi, np.array([2.0, 3.0])).tolist()
    [2.0, 5.0]
    """
    xp, (psi, coefficients) = _xp.as_arrays(psi, coefficients)
    psi = _xp.checked_numeric(psi, name="psi", xp=xp, min_ndim=2)
    coefficients = _xp.checked_numeric(coefficients, name="coefficients", xp=xp)
    if psi.ndim != 2:
        msg = f"psi must be 2-D (P points, N functions); got shape {tuple(psi.shape)}"
        raise ValueError(msg)
    if coefficients.ndim > 2 or coefficients.shape[0] != psi.shape[1]:
        msg = (
            f"coefficients must have shape ({psi.shape[1]},) or ({psi.shape[1]}, K); "
            f"got shape {tuple(coefficients.shape)}"
        )
        raise ValueError(msg)
    dtype = _xp_result_dtype(xp, psi, coefficients)
    return xp.astype(psi, dtype) @ xp.astype(coefficients, dtype)


def _xp_result_dtype(xp: Any, *arrays: Array) -> Any:
    real, cplx = _common.common_dtypes(xp, *arrays)
    if any(xp.isdtype(a.dtype, "complex floating") for a in arrays):
        return cplx
    return real
