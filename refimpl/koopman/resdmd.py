r"""ResDMD: residuals of candidate eigenpairs, the pseudospectrum function ``tau_N(z)`` and the
error-certified spectral algorithm of the Limits paper.

For a coefficient vector ``g`` (candidate eigenfunction ``phi = Psi g``) and a shift ``z``,
the residual is

    res(z, g)^2 = g^*(L - z A^* - conj(z) A + |z|^2 G) g / (g^* G g)
                = ||sqrt(W)(Psi_Y - z Psi_X) g||^2 / ||sqrt(W) Psi_X g||^2,

the quadrature approximation of ``||(K - z) phi||^2 / ||phi||^2``, and ``tau_N(z) = min_g
res(z, g)`` (the square root of the smallest generalised eigenvalue of ``(L - z A^* - conj(z)
A + |z|^2 G, G)``). As the quadrature converges, ``tau_N(z) >= sigma_inf(K - z)``; for nested
dictionaries ``tau_N`` is non-increasing in ``N``, so ``{z : tau_N(z) < eps}`` never contains
spurious eigenvalues ("no spectral pollution").
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from refimpl import _dispatch, _xp
from refimpl.koopman import _common
from refimpl.koopman.edmd import EDMDResult, edmd, galerkin

__all__ = [
    "SpectrumResult",
    "pseudoeigenfunctions",
    "pseudospectrum",
    "resdmd",
    "residuals",
    "verified_spectrum",
]

Array = Any
_METHODS = ("qr", "gram", "svd")
#: complex elements of one batch of shifted matrices (64 MiB in complex128)
_BATCH_ELEMENTS = 1 << 22
#: smallest eigenvalue of the shifted Hermitian matrices ("qr" and "gram" forms)
_LAM_MIN = "koopman.pseudospectrum"
#: the "svd" form has only the reference implementation
_SVD = "koopman.pseudospectrum_svd"

_dispatch.register(_LAM_MIN, "reference", "refimpl.koopman.resdmd:_lam_min_reference")
_dispatch.register(
    _LAM_MIN,
    "numba",
    "refimpl.backends._koopman_numba:lam_min_numba",
    requires=["numba", "threadpoolctl"],
    namespaces=["numpy"],
)
_dispatch.register(_SVD, "reference", "refimpl.koopman.resdmd:_tau_svd")


# ----------------------------------------------------------------------------- residuals
def residuals(z: Array, g: Array, psi_x: Array, psi_y: Array, w: Array, /) -> Array:
    r"""ResDMD residuals ``res(z_k, g_k)`` of candidate eigenpairs.

    Parameters
    ----------
    z : array, shape (K,)
        Candidate eigenvalues (real or complex).
    g : array, shape (N, K)
        Candidate eigenfunction coefficients (columns), ``phi_k = Psi g_k``.
    psi_x, psi_y : array, shape (M, N)
        Dictionary evaluated at the snapshots and at their images.
    w : array, shape (M,)
        Non-negative quadrature weights.

    Returns
    -------
    array, shape (K,)
        ``||sqrt(W)(Psi_Y - z_k Psi_X) g_k|| / ||sqrt(W) Psi_X g_k||`` in the real dtype of the
        inputs (float32 if every input is single precision), the input's namespace and device.

    Raises
    ------
    TypeError
        Bool or non-numeric arrays, complex weights, mixed namespaces.
    ValueError
        Mismatched shapes, negative or non-finite weights, non-finite ``z`` or ``g``, or a
        coefficient vector with ``||sqrt(W) Psi_X g|| = 0``.

    Notes
    -----
    Evaluated directly from the data (not from the quadratic form with ``G``, ``A``, ``L``,
    which loses half the significant digits for small residuals). The residual is invariant
    under scaling of ``g`` and of ``w``.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Eq. (3.4) and Algorithm 1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import residuals
    >>> x = np.linspace(-1.0, 1.0, 5)
    >>> psi_x, psi_y = np.stack([x, x**2], 1), np.stack([0.5 * x, 0.25 * x**2], 1)
    >>> residuals(np.array([0.5, 0.3]), np.eye(2), psi_x, psi_y, np.full(5, 0.2)).round(12)
    array([0.  , 0.05])
    """
    xp, psi_x, psi_y, w, real, cplx = _common.check_snapshots(psi_x, psi_y, w)
    xp2, (z, g) = _xp.as_arrays(z, g)
    _same_namespace(xp, xp2, psi_x, z)
    z = _xp.checked_numeric(z, name="z", xp=xp, min_ndim=1)
    g = _xp.checked_numeric(g, name="g", xp=xp, min_ndim=2)
    n = psi_x.shape[1]
    if z.ndim != 1:
        msg = f"z must be 1-D (K candidate eigenvalues); got shape {tuple(z.shape)}"
        raise ValueError(msg)
    if g.ndim != 2 or g.shape != (n, z.shape[0]):
        msg = f"g must have shape (N, K) = ({n}, {z.shape[0]}); got shape {tuple(g.shape)}"
        raise ValueError(msg)
    work = cplx
    if _common.real_dtype_of(xp, z.dtype) == xp.float64 or (
        _common.real_dtype_of(xp, g.dtype) == xp.float64
    ):
        real, work = xp.float64, xp.complex128
    sw = xp.astype(xp.sqrt(w), work)[:, None]
    gg = xp.astype(g, work)
    px = sw * (xp.astype(psi_x, work) @ gg)
    py = sw * (xp.astype(psi_y, work) @ gg)
    num = xp.linalg.vector_norm(py - px * xp.astype(z, work)[None, :], axis=0)
    den = xp.linalg.vector_norm(px, axis=0)
    if _xp.is_eager(den) and not bool(xp.all(den > 0)):
        msg = "g must have columns with ||sqrt(W) psi_x g|| > 0; got a zero column norm"
        raise ValueError(msg)
    return xp.astype(num / den, real)


def _same_namespace(xp: Any, xp2: Any, a: Array, b: Array) -> None:
    if xp2 is not xp:
        msg = "all array arguments must come from one array namespace; got two namespaces"
        raise TypeError(msg)
    if _xp.device(a) != _xp.device(b):
        msg = f"all array arguments must be on one device; got {_xp.device(a)}, {_xp.device(b)}"
        raise TypeError(msg)


def resdmd(
    psi_x: Array, psi_y: Array, w: Array, /, *, epsilon: float, rcond: float | None = None
) -> EDMDResult:
    r"""ResDMD's filtered EDMD eigenpairs: those with residual at most ``epsilon``.

    Parameters
    ----------
    psi_x, psi_y : array, shape (M, N)
        Dictionary evaluated at the snapshots and at their images.
    w : array, shape (M,)
        Non-negative quadrature weights.
    epsilon : float
        Residual tolerance (``>= 0``).
    rcond : float, optional
        Rank-deficiency threshold, as in :func:`refimpl.koopman.edmd`.

    Returns
    -------
    EDMDResult
        The kept eigenvalues (shape (K,)), their coefficient vectors (N, K) and residuals (K,),
        with ``K`` and the condition estimate of the full EDMD; same namespace and device.

    Raises
    ------
    TypeError, ValueError
        As :func:`refimpl.koopman.edmd`; ``ValueError`` for a negative or non-finite
        ``epsilon``.

    Notes
    -----
    ``Sp_eps`` guarantee: as the quadrature converges every kept eigenvalue lies in the
    ``epsilon``-pseudospectrum of the Koopman operator (Colbrook & Townsend, Theorem 3.1).

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Algorithm 1 and Theorem 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import resdmd
    >>> x = np.linspace(-1.0, 1.0, 9)
    >>> psi = lambda t: np.stack([np.ones_like(t), t, np.cos(3 * t)], axis=1)
    >>> kept = resdmd(psi(x), psi(0.5 * x), np.full(9, 1 / 9), epsilon=1e-10)
    >>> np.round(kept.eigenvalues.real, 10).tolist()
    [1.0, 0.5]
    """
    eps_val = _xp.nonnegative_float(epsilon, name="epsilon")
    full = edmd(psi_x, psi_y, w, rcond=rcond)
    xp = _xp.as_arrays(full.residuals)[0]
    keep_h = _xp.to_host(full.residuals) <= eps_val
    idx = xp.asarray([int(i) for i in range(keep_h.shape[0]) if keep_h[i]], dtype=xp.int64)
    idx = xp.asarray(idx, device=_xp.device(full.residuals))
    return EDMDResult(
        eigenvalues=xp.take(full.eigenvalues, idx, axis=0),
        eigenvectors=xp.take(full.eigenvectors, idx, axis=1),
        residuals=xp.take(full.residuals, idx, axis=0),
        K=full.K,
        condition=full.condition,
    )


# ------------------------------------------------------------------------ pseudospectrum
def _prepare(
    z: Array, psi_x: Array, psi_y: Array, w: Array, method: str, rcond: Any
) -> tuple[Any, Array, Any, Any, tuple[int, ...], Any, Any]:
    _xp.check_choice(method, _METHODS, name="method")
    xp, psi_x, psi_y, w, real, cplx = _common.check_snapshots(psi_x, psi_y, w)
    xp2, (z,) = _xp.as_arrays(z)
    _same_namespace(xp, xp2, psi_x, z)
    z = _xp.checked_numeric(z, name="z", xp=xp, min_ndim=0)
    if _common.real_dtype_of(xp, z.dtype) == xp.float64:
        real, cplx = xp.float64, xp.complex128
    shape = tuple(z.shape)
    zf = xp.reshape(xp.astype(z, cplx), (-1,))
    n = psi_x.shape[1]
    rc = _common.checked_rcond(rcond, n, xp, real)
    # Real dictionaries are factorised in real arithmetic (a quarter of the complex flops);
    # the small N x N factors are promoted to complex before the shifts (see _tau_flat).
    work = cplx if xp.isdtype(psi_x.dtype, "complex floating") else real
    return xp, zf, xp.astype(psi_x, work), xp.astype(psi_y, work), shape, (w, rc), (real, cplx)


def _batches(k: int, size: int) -> list[tuple[int, int]]:
    step = max(1, _BATCH_ELEMENTS // max(size, 1))
    return [(s, min(s + step, k)) for s in range(0, k, step)]


def _shifted_hermitian(
    zf: Array, ell: Array, a: Array, g: Array | None, xp: Any
) -> Iterator[tuple[int, int, Array]]:
    """Batches of ``L - z A^* - conj(z) A + |z|^2 G`` (G = I when None), generated one at a
    time so that memory stays O(batch * N^2) whatever the number of points."""
    n = ell.shape[0]
    ah = _common.ctranspose(a, xp)
    eye = xp.eye(n, dtype=ell.dtype, device=_xp.device(ell)) if g is None else g
    for s, e in _batches(zf.shape[0], n * n):
        zb = zf[s:e][:, None, None]
        mats = ell[None, ...] - zb * ah[None, ...] - xp.conj(zb) * a[None, ...]
        mats = mats + xp.astype(xp.abs(zb) ** 2, ell.dtype) * eye[None, ...]
        yield s, e, mats


def _gram_whitener(psi_x: Array, psi_y: Array, w: Array, rc: float, xp: Any) -> tuple[Any, ...]:
    """``(L, A, G, G^{-1/2})`` of the Gram form (``G^{-1/2}`` from ``eigh(G)``)."""
    g, a, ell = galerkin(psi_x, psi_y, w)
    s, u = xp.linalg.eigh(g)
    root = xp.sqrt(xp.clip(s, 0.0, None))
    _common.rank_check(root, rcond=rc, what="G (Gram form, sqrt of its eigenvalues)", xp=xp)
    inv_root = u * xp.astype(1.0 / root, u.dtype)[None, :]
    whiten = inv_root @ _common.ctranspose(u, xp)
    return ell, a, g, whiten


def pseudospectrum(
    z: Array,
    psi_x: Array,
    psi_y: Array,
    w: Array,
    /,
    *,
    method: str = "qr",
    rcond: float | None = None,
    backend: str = "reference",
) -> Array:
    r"""The ResDMD pseudospectrum function ``tau_N(z) = min_g res(z, g)`` on points ``z``.

    Parameters
    ----------
    z : array, any shape
        Shifts (real or complex); typically a flattened grid in the complex plane.
    psi_x, psi_y : array, shape (M, N)
        Dictionary evaluated at the snapshots and at their images (``M >= N``).
    w : array, shape (M,)
        Non-negative quadrature weights.
    method : {"qr", "gram", "svd"}
        ``"qr"`` (default; the official ``KoopPseudoSpecQR``): with ``sqrt(W) Psi_X = Q R``,
        ``C = sqrt(W) Psi_Y R^{-1}``, ``L~ = C^* C``, ``A~ = Q^* C``,
        ``tau = sqrt(max(0, lambda_min(L~ - z A~^* - conj(z) A~ + |z|^2 I)))``.
        ``"gram"``: the same with ``G^{-1/2} (L - z A^* - conj(z) A + |z|^2 G) G^{-1/2}``
        (``G^{-1/2}`` from ``eigh(G)``; squares the condition number, for tests).
        ``"svd"``: ``tau = sigma_min(T - z E)`` with ``T = [R12; R22] R11^{-1}`` from the QR of
        ``[sqrt(W) Psi_X, sqrt(W) Psi_Y]`` and ``E = [I; 0]``: no squaring, so ``tau`` is
        accurate to ``eps`` rather than ``sqrt(eps)`` where it is small (about twice the cost).
    rcond : float, optional
        Rank-deficiency threshold on ``|R_ii| / max |R_jj|`` (on ``sqrt`` of the eigenvalues of
        ``G`` for ``"gram"``). Default ``N * eps``.
    backend : {"reference", "numba", "auto"}
        How the smallest eigenvalues of the shifted matrices are computed (``"qr"`` and
        ``"gram"``; the factorisation is the same). ``"reference"``: batches of shifted
        matrices, one batched ``eigvalsh`` per batch, any namespace and device (threads, if
        any, inside LAPACK). ``"numba"`` (``pip install 'refimpl[numba]'``: numba and
        threadpoolctl): NumPy arrays only, a ``prange`` loop over the points with one
        ``eigvalsh`` per matrix (threads across points, BLAS limited to one thread during the
        call); agrees with the reference to round-off, measured 0.5-0.7x its time on two cores
        (N = 25..500; ``validation/koopman/README.md``). ``"auto"``: numba for NumPy input when
        installed, else the reference. ``method="svd"`` has the reference only.

    Returns
    -------
    array, shape of ``z``
        ``tau_N(z) >= 0`` in the real dtype (float64 if any input is double precision), the
        input's namespace and device.

    Raises
    ------
    TypeError
        Bool or non-numeric arrays, complex weights, mixed namespaces, ``backend="numba"``
        with non-NumPy arrays.
    ValueError
        Mismatched snapshot shapes, negative or non-finite weights, non-finite ``z``,
        ``M < N``, an unknown ``method`` or ``backend``, ``backend="numba"`` with
        ``method="svd"``, or a numerically rank-deficient ``sqrt(W) Psi_X`` (the message
        gives the condition-number estimate).
    refimpl._dispatch.BackendUnavailableError
        ``backend="numba"`` without numba or threadpoolctl (the ``[numba]`` extra).

    Notes
    -----
    ``T^* T = L~`` and ``T[:N] = A~``, so the three methods compute the same function:
    ``L - z A^* - conj(z) A + |z|^2 G = (R11 ^*)(T - zE)^*(T - zE) R11``. ``tau`` is invariant
    under a change of dictionary basis ``Psi -> Psi T`` and under ``w -> c w``; for real data
    ``tau(conj z) = tau(z)``; ``tau`` is 1-Lipschitz in ``z``; for nested dictionaries it is
    non-increasing in ``N``; ``tau(lambda) <= res(lambda, v)`` for every EDMD pair. A
    slightly negative smallest eigenvalue (round-off) is clamped to 0 (spec §3.5 pitfall 1).
    Shifted matrices are processed in batches of about 2**22 elements.

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Algorithm 2 and Eq. (4.3) (the ``tau_N``
       function and its convergence, Theorem 4.1).
    .. [2] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Sec. 3 and Methods (the QR form,
       official ``KoopPseudoSpecQR.m``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import fourier_dictionary, pseudospectrum
    >>> x = 2 * np.pi * np.arange(16) / 16
    >>> omega = 1.0
    >>> psi_x, psi_y = fourier_dictionary(x, n=2), fourier_dictionary(x + omega, n=2)
    >>> tau = pseudospectrum(np.array([1.0, 0.0, np.exp(1j * omega)]), psi_x, psi_y,
    ...                      np.full(16, 2 * np.pi / 16))
    >>> np.round(tau, 12).tolist()
    [0.0, 1.0, 0.0]
    """
    xp, zf, psi_x, psi_y, shape, (w, rc), (real, _) = _prepare(z, psi_x, psi_y, w, method, rcond)
    ns = _xp.namespace_name(xp)
    impl = _dispatch.resolve(_SVD if method == "svd" else _LAM_MIN, backend, ns)
    if method == "svd":
        tau = impl(xp, zf, psi_x, psi_y, w, rc, vectors=False)[0]
    else:
        tau = _tau_flat(xp, zf, psi_x, psi_y, w, method, rc, vectors=False, lam_min=impl)[0]
    return xp.reshape(xp.astype(tau, real), shape)


def _tau_svd(
    xp: Any, zf: Array, psi_x: Array, psi_y: Array, w: Array, rc: float, *, vectors: bool
) -> tuple[Array, Array | None]:
    """``tau = sigma_min(T - z E)`` (``method="svd"``), batched ``svdvals``/``svd``."""
    n = psi_x.shape[1]
    k = zf.shape[0]
    parts: list[Array] = []
    vparts: list[Array] = []
    cplx = zf.dtype
    r11, t, _ = _common.joint_qr(psi_x, psi_y, w, rcond=rc, xp=xp)
    r11, t = xp.astype(r11, cplx), xp.astype(t, cplx)
    rows = t.shape[0]
    dev = _xp.device(t)
    e = xp.concat(
        [
            xp.eye(n, dtype=t.dtype, device=dev),
            xp.zeros((rows - n, n), dtype=t.dtype, device=dev),
        ],
        axis=0,
    )
    for s, stop in _batches(k, rows * n):
        zb = zf[s:stop][:, None, None]
        mats = t[None, ...] - zb * e[None, ...]
        if vectors:
            _, sv, vh = xp.linalg.svd(mats, full_matrices=False)
            parts.append(sv[:, -1])
            vparts.append(xp.conj(vh[:, -1, :]))
        else:
            parts.append(xp.linalg.svdvals(mats)[:, -1])
    tau = xp.concat(parts) if parts else xp.zeros((0,), device=_xp.device(zf))
    if vectors:
        u = xp.linalg.matrix_transpose(xp.concat(vparts, axis=0))  # (N, K)
        return tau, xp.linalg.solve(r11, u)
    return tau, None


def _hermitian_form(
    xp: Any, zf: Array, psi_x: Array, psi_y: Array, w: Array, method: str, rc: float
) -> tuple[Array, Array, Array | None, Array, bool]:
    """``(L, A, G, back, solve)`` with ``tau(z)^2 = lambda_min(L - z A^* - conj(z) A + |z|^2
    G)`` (``G = I`` when None); an eigenvector ``u`` maps to the dictionary coefficients
    ``back^{-1} u`` (``solve``) or ``back @ u``.

    ``"qr"``: ``L = T^* T``, ``A = T[:N]``, ``back = R11``. ``"gram"``: the whitened Galerkin
    matrices ``W L W``, ``W A W``, ``W G W`` with ``W = G^{-1/2}`` Hermitian, so that
    ``W (L - z A^* - conj(z) A + |z|^2 G) W`` is formed once, not per point."""
    n = psi_x.shape[1]
    cplx = zf.dtype
    if method == "qr":
        r11, t, _ = _common.joint_qr(psi_x, psi_y, w, rcond=rc, xp=xp)
        r11, t = xp.astype(r11, cplx), xp.astype(t, cplx)
        return _common.ctranspose(t, xp) @ t, t[:n, :], None, r11, True
    ell, a, g, whiten = (xp.astype(m, cplx) for m in _gram_whitener(psi_x, psi_y, w, rc, xp))
    return (
        whiten @ ell @ whiten,
        whiten @ a @ whiten,
        whiten @ g @ whiten,
        whiten,
        False,
    )


def _lam_min_reference(zf: Array, ell: Array, a: Array, g: Array | None, xp: Any) -> Array:
    """Smallest eigenvalues of the shifted matrices: one batched ``eigvalsh`` per batch."""
    parts = [xp.linalg.eigvalsh(m)[:, 0] for _, _, m in _shifted_hermitian(zf, ell, a, g, xp)]
    if not parts:
        return xp.zeros((0,), dtype=_common.real_dtype_of(xp, ell.dtype), device=_xp.device(zf))
    return xp.concat(parts)


def _tau_flat(
    xp: Any,
    zf: Array,
    psi_x: Array,
    psi_y: Array,
    w: Array,
    method: str,
    rc: float,
    *,
    vectors: bool,
    lam_min: Any = None,
) -> tuple[Array, Array | None]:
    """``tau`` on the flat ``zf`` (and the coefficient vectors when ``vectors``);
    ``lam_min``: the resolved smallest-eigenvalue implementation (reference when None)."""
    if method == "svd":
        return _tau_svd(xp, zf, psi_x, psi_y, w, rc, vectors=vectors)
    ell, a, g, back, solve = _hermitian_form(xp, zf, psi_x, psi_y, w, method, rc)
    if not vectors:
        lam = (lam_min or _lam_min_reference)(zf, ell, a, g, xp)
        return xp.sqrt(xp.clip(lam, 0.0, None)), None
    parts: list[Array] = []
    vparts: list[Array] = []
    for _, _, mats in _shifted_hermitian(zf, ell, a, g, xp):
        lam, vec = xp.linalg.eigh(mats)
        parts.append(lam[:, 0])
        vparts.append(vec[:, :, 0])
    lam_all = xp.concat(parts) if parts else xp.zeros((0,), device=_xp.device(zf))
    tau = xp.sqrt(xp.clip(lam_all, 0.0, None))
    u = xp.linalg.matrix_transpose(xp.concat(vparts, axis=0))
    coef = xp.linalg.solve(back, u) if solve else back @ u
    return tau, coef


def pseudoeigenfunctions(
    z: Array,
    psi_x: Array,
    psi_y: Array,
    w: Array,
    /,
    *,
    method: str = "qr",
    rcond: float | None = None,
) -> tuple[Array, Array]:
    r"""``tau_N(z)`` and the minimising coefficient vectors (pseudo-eigenfunctions).

    Parameters
    ----------
    z : array, shape (K,)
        Shifts (real or complex).
    psi_x, psi_y : array, shape (M, N)
        Dictionary evaluated at the snapshots and at their images.
    w : array, shape (M,)
        Non-negative quadrature weights.
    method : {"qr", "gram", "svd"}
        As :func:`pseudospectrum`.
    rcond : float, optional
        As :func:`pseudospectrum`.

    Returns
    -------
    tau : array, shape (K,)
        ``tau_N(z_k)`` (real dtype).
    coefficients : array, shape (N, K)
        ``g_k`` with ``res(z_k, g_k) = tau_N(z_k)`` and ``g_k^* G g_k = 1`` (complex dtype);
        the pseudo-eigenfunction is ``Psi g_k``. Same namespace and device as the inputs.

    Raises
    ------
    TypeError, ValueError
        As :func:`pseudospectrum`; ``z`` must be 1-D.

    Notes
    -----
    ``"qr"``: the eigenvector ``u`` of the smallest eigenvalue of the shifted matrix, mapped
    back with ``g = R^{-1} u`` (the official ``V2 = R \ V2``).

    References
    ----------
    .. [1] Colbrook & Townsend, arXiv:2111.14889, Algorithm 2 (approximate eigenfunctions).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import pseudoeigenfunctions, residuals
    >>> x = np.linspace(-1.0, 1.0, 9)
    >>> psi = lambda t: np.stack([np.ones_like(t), t, t**2], axis=1)
    >>> w = np.full(9, 1 / 9)
    >>> tau, g = pseudoeigenfunctions(np.array([0.4]), psi(x), psi(0.5 * x), w)
    >>> bool(np.isclose(tau[0], residuals(np.array([0.4]), g, psi(x), psi(0.5 * x), w)[0]))
    True
    """
    xp, zf, psi_x, psi_y, shape, (w, rc), (real, _) = _prepare(z, psi_x, psi_y, w, method, rcond)
    if len(shape) == 0:
        msg = "z must have at least 1 dimension(s) (1-D, K shifts); got shape ()"
        raise ValueError(msg)
    if len(shape) != 1:
        msg = f"z must be 1-D (K shifts); got shape {shape}"
        raise ValueError(msg)
    tau, coef = _tau_flat(xp, zf, psi_x, psi_y, w, method, rc, vectors=True)
    assert coef is not None
    return xp.astype(tau, real), coef


# -------------------------------------------------------------------- verified spectrum
@dataclass(frozen=True, slots=True, kw_only=True)
class SpectrumResult:
    """Output of :func:`verified_spectrum`.

    Attributes
    ----------
    points : array, shape (P,)
        The certified set ``Gamma`` (complex dtype), in increasing order of ``indices``.
    bounds : array, shape (P,)
        ``tau`` at the points (after the isometry refinement): for a normal Koopman operator
        and converged quadrature, ``dist(points[p], Sp K) <= bounds[p]``.
    indices : array, shape (P,)
        Flat indices of the points into the grid ``z``.
    tau : array, shape (K,)
        The (refined) ``tau`` on the flattened grid that the selection used.
    error : float
        ``E_new = max(bounds)``: the algorithm's error bound (``inf`` when no grid point has
        ``tau < threshold``, i.e. nothing is certified).
    """

    points: Array
    bounds: Array
    indices: Array
    tau: Array
    error: float


def verified_spectrum(
    z: Array,
    tau: Array,
    /,
    *,
    unitary: bool = False,
    radius_factor: float = 5.0,
    threshold: float = 1.0,
) -> SpectrumResult:
    r"""The error-certified spectral algorithm ("algorithm with verification").

    Parameters
    ----------
    z : array, any shape
        Grid of points in the complex plane (flattened in C order).
    tau : array, shape of ``z``
        ``tau_N`` on the grid (:func:`pseudospectrum`), non-negative and finite.
    unitary : bool
        The system is measure preserving (Koopman operator an isometry): replace
        ``tau_j`` by ``max(tau_j, |1 - |z_j||)`` (a valid lower bound of ``sigma_inf(K - z)``
        for isometries), step (b).
    radius_factor : float
        Neighbourhood radius in units of ``tau_j`` (the paper's 5).
    threshold : float
        Only grid points with ``tau_j < threshold`` start a search (the paper's 1).

    Returns
    -------
    SpectrumResult
        Points, bounds, grid indices, refined ``tau`` and ``error``; arrays in the input's
        namespace and on its device.

    Raises
    ------
    TypeError
        Bool or non-numeric arrays, complex ``tau``, mixed namespaces.
    ValueError
        ``tau`` of another shape than ``z``, negative or non-finite values, non-finite ``z``,
        non-positive ``radius_factor`` or ``threshold``.

    Notes
    -----
    Steps (official ``duffing_example.m``): for every grid point ``z_j`` with ``tau_j <
    threshold``, among the grid points with ``|z - z_j| < radius_factor * tau_j`` keep the
    first (in flat order) minimiser of ``tau``; ``Gamma`` is the set of kept points and
    ``E_new = max_{z in Gamma} tau(z)``. A point with ``tau_j = 0`` has an empty open
    neighbourhood; it is its own minimiser here (the official loop would fail). The set is
    closed under the operation: the kept minimiser of every kept point's own neighbourhood is
    kept. ``O(K * K_candidates)`` distance evaluations, in batches.

    References
    ----------
    .. [1] Colbrook, Mezic, Stepanenko, arXiv:2407.06312, Methods ("algorithm with
       verification"; official code ``duffing_example.m``) and Sec. 3 (``E_new -> 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.koopman import verified_spectrum
    >>> grid = np.linspace(-2.0, 2.0, 41) + 0j
    >>> tau = np.minimum(np.abs(grid - 1.0), np.abs(grid + 0.5))
    >>> res = verified_spectrum(grid, tau)
    >>> res.points.real.tolist(), res.error
    ([-0.5, 1.0], 0.0)
    """
    xp, (z, tau) = _xp.as_arrays(z, tau)
    z = _xp.checked_numeric(z, name="z", xp=xp, min_ndim=0)
    tau = _xp.checked_real(tau, name="tau", xp=xp, min_ndim=0)
    if tuple(tau.shape) != tuple(z.shape):
        msg = f"tau must have the shape of z {tuple(z.shape)}; got shape {tuple(tau.shape)}"
        raise ValueError(msg)
    if _xp.is_eager(tau) and not bool(xp.all(tau >= 0)):
        msg = "tau must be non-negative (a pseudospectrum function); got negative values"
        raise ValueError(msg)
    if not isinstance(unitary, bool):
        msg = f"unitary must be a bool; got {type(unitary).__name__}"
        raise TypeError(msg)
    rf = _xp.positive_float(radius_factor, name="radius_factor")
    thr = _xp.positive_float(threshold, name="threshold")
    real, cplx = _common.common_dtypes(xp, z, tau)
    zf = xp.reshape(xp.astype(z, cplx), (-1,))
    tf = xp.reshape(xp.astype(tau, real), (-1,))
    if unitary:
        tf = xp.maximum(tf, xp.abs(1.0 - xp.abs(zf)))
    dev = _xp.device(zf)
    k = zf.shape[0]
    tf_h = _xp.to_host(tf)
    cand_h = [int(i) for i in range(k) if tf_h[i] < thr]
    kept: set[int] = set()
    inf = xp.asarray(math.inf, dtype=real, device=dev)
    step = max(1, _BATCH_ELEMENTS // max(k, 1))
    for s in range(0, len(cand_h), step):
        cidx = xp.asarray(cand_h[s : s + step], dtype=xp.int64, device=dev)
        zc = xp.take(zf, cidx)
        tc = xp.take(tf, cidx)
        dist = xp.abs(zf[None, :] - zc[:, None])
        own = xp.arange(k, device=dev)[None, :] == cidx[:, None]
        inside = (dist < rf * tc[:, None]) | own
        masked = xp.where(inside, tf[None, :], inf)
        kept.update(int(i) for i in _xp.to_host(xp.argmin(masked, axis=1)).tolist())
    order = sorted(kept)
    idx = xp.asarray(order, dtype=xp.int64, device=dev)
    points = xp.take(zf, idx)
    bounds = xp.take(tf, idx)
    error = float(xp.max(bounds)) if order else math.inf
    return SpectrumResult(points=points, bounds=bounds, indices=idx, tau=tf, error=error)
