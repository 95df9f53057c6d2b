r"""PCA frames for O(d), SO(d), E(d) and SE(d) acting on point clouds.

Convention (spec ``equivariance.md`` §0, §2.2): a point cloud is ``X`` of shape ``(n, d)``
(rows are points; leading batch axes ``(..., n, d)`` allowed) and an E(d) element
:math:`g = (R, t)` acts by :math:`X \mapsto X R^T + \mathbf 1 t^T`. With the centroid
:math:`t = X^T\mathbf 1/n`, the centred cloud :math:`X_c = X - \mathbf 1 t^T` and the
eigendecomposition :math:`X_c^T X_c = V \Lambda V^T` (ascending), the frame is

.. math:: \mathcal F(X) = \{(V S, t) : S = \mathrm{diag}(s),\ s \in \{\pm1\}^d\}

(``group="E"``/``"O"``: :math:`2^d` elements) or its ``det = +1`` half (``"SE"``/``"SO"``:
:math:`2^{d-1}` elements). It is equivariant as a set, :math:`\mathcal F(gX) = g\,\mathcal
F(X)`, whatever signs the eigensolver picks (Puny et al., arXiv:2110.03336, Sec. 3.1).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.frames.errors import DegenerateFrameError

__all__ = ["PCAFrame", "pca_frame"]

Array = Any

GROUPS = ("E", "O", "SE", "SO")
ON_DEGENERATE = ("raise", "stochastic")


@dataclass(frozen=True, slots=True, kw_only=True)
class PCAFrame:
    r"""The PCA frame of a point cloud (returned by :func:`pca_frame`).

    Element ``k`` of the frame is the group element :math:`g_k = (R_k, t)` acting by
    :math:`X \mapsto X R_k^T + \mathbf 1 t^T` (``group`` ``"E"``/``"SE"``) or :math:`g_k =
    R_k` acting by :math:`X \mapsto X R_k^T` (``"O"``/``"SO"``). The backbone of a frame
    average sees the canonical input :math:`g_k^{-1} X = (X - \mathbf 1 t^T) R_k` (E/SE) or
    :math:`X R_k` (O/SO).

    Attributes
    ----------
    rotations : array, shape (..., n_elements, d, d)
        The orthogonal matrices :math:`R_k = V\,\mathrm{diag}(s_k)`; the columns of ``V`` are
        the covariance eigenvectors in ascending eigenvalue order; ``s_k`` runs through the
        sign vectors in binary order (``det R_k = +1`` for every ``k`` for SO/SE).
    translation : array, shape (..., d)
        The centroid :math:`t`. For O/SO it is only used to centre the covariance and is not
        part of the group element.
    relgap : array, shape (...)
        The relative eigengap :math:`\min_i(\lambda_{i+1} - \lambda_i)/\max(\lambda_d,
        \mathrm{tiny})` of the centred covariance; float error of the frame is about
        ``eps / relgap``.
    group : str
        ``"E"``, ``"O"``, ``"SE"`` or ``"SO"``.
    stochastic : bool
        True when degenerate eigenspaces were given a Haar-random basis
        (``on_degenerate="stochastic"`` and some batch element was degenerate).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import pca_frame
    >>> frame = pca_frame(np.random.default_rng(0).standard_normal((6, 3)), group="SE")
    >>> frame.size, frame.rotations.shape, frame.translation.shape
    (4, (4, 3, 3), (3,))
    """

    rotations: Array
    translation: Array
    relgap: Array
    group: str
    stochastic: bool = False

    @property
    def size(self) -> int:
        """The number of frame elements ``|F|`` (``2**d`` or ``2**(d - 1)``)."""
        return int(self.rotations.shape[-3])

    @property
    def translates(self) -> bool:
        """Whether the group has translations (``"E"``, ``"SE"``)."""
        return self.group in ("E", "SE")


# --------------------------------------------------------------------------------------
# host tables
# --------------------------------------------------------------------------------------
@functools.cache
def _sign_table(d: int, special: bool) -> np.ndarray:
    """Sign vectors in binary order: all 2^d (special=False), or the 2^(d-1) with product +1
    (the last sign is the product of the others; it is multiplied by det V at use)."""
    if special:
        head = np.array(list(itertools.product((1.0, -1.0), repeat=d - 1))).reshape(-1, d - 1)
        table = np.concatenate([head, np.prod(head, axis=1, keepdims=True)], axis=1)
    else:
        table = np.array(list(itertools.product((1.0, -1.0), repeat=d)))
    table.flags.writeable = False
    return table


def _blocks(lam: np.ndarray, tol: float, tiny: float) -> list[tuple[int, int]]:
    """Runs ``(start, size)`` of eigenvalues whose consecutive relative gaps are < tol."""
    scale = max(float(lam[-1]), tiny)
    out, start = [], 0
    for i in range(1, lam.size + 1):
        if i == lam.size or (lam[i] - lam[i - 1]) / scale >= tol:
            out.append((start, i - start))
            start = i
    return out


def _haar_blockdiag(gen: np.random.Generator, d: int, blocks: list[tuple[int, int]]) -> np.ndarray:
    """Block-diagonal matrix with a Haar O(k) block per degenerate run (1 for simple ones)."""
    b = np.eye(d)
    for start, size in blocks:
        if size > 1:
            b[start : start + size, start : start + size] = _xp.haar_stiefel(gen, size, size)
    return b


# --------------------------------------------------------------------------------------
# shared entry: centroid, eigenbasis, gap check
# --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class _Basis:
    xp: Any
    points: Array  # (..., n, d), checked, floating
    basis: Array  # (..., d, d) eigenvectors (columns), ascending
    translation: Array  # (..., d)
    relgap: Array  # (...)
    detsign: Array | None  # (...) sign of det(basis), for SO/SE
    degenerate: tuple[list[tuple[int, int]] | None, ...]  # per flattened batch element
    special: bool


def _check_group(group: Any) -> str:
    return _xp.check_choice(group, GROUPS, name="group")


def _pca_basis(
    points: Any,
    *,
    group: Any,
    eigengap_tol: Any,
    on_degenerate: Any,
    gen: np.random.Generator,
    rotate_degenerate: bool,
) -> _Basis:
    """Checked points, the PCA basis and its gap; raises or records degenerate blocks.

    With ``rotate_degenerate`` the basis of each degenerate eigenspace is replaced by a
    Haar-random one (one draw per batch element); otherwise the blocks are only recorded.
    """
    xp, (x,) = _xp.as_arrays(points)
    x = _xp.checked_real(x, name="points", xp=xp, min_ndim=2)
    group = _check_group(group)
    tol = _xp.nonnegative_float(eigengap_tol, name="eigengap_tol")
    policy = _xp.check_choice(on_degenerate, ON_DEGENERATE, name="on_degenerate")
    n, d = int(x.shape[-2]), int(x.shape[-1])
    if d < 2:
        msg = (
            "points must have d >= 2 coordinates (last axis) for a PCA frame; got shape "
            f"{tuple(x.shape)}"
        )
        raise ValueError(msg)
    if n < d:
        msg = (
            f"points must hold at least d = {d} points (axis -2) for a PCA frame (the centred "
            f"covariance has rank <= n - 1); got shape {tuple(x.shape)}"
        )
        raise ValueError(msg)
    dev = _xp.device(x)
    t = xp.mean(x, axis=-2)
    xc = x - t[..., None, :]
    cov = xp.matmul(xp.matrix_transpose(xc), xc)
    lam, v = xp.linalg.eigh(cov)
    tiny = float(xp.finfo(x.dtype).smallest_normal)
    top = xp.maximum(lam[..., -1], xp.asarray(tiny, dtype=x.dtype, device=dev))
    relgap = xp.min(lam[..., 1:] - lam[..., :-1], axis=-1) / top
    batch = tuple(int(s) for s in x.shape[:-2])
    n_batch = math.prod(batch)
    degenerate: list[list[tuple[int, int]] | None] = [None] * n_batch
    if _xp.is_eager(relgap):
        gaps = _xp.to_host(relgap).reshape(-1)
        bad = np.flatnonzero(~(gaps >= tol))
        if bad.size and policy == "raise":
            i = int(bad[0])
            index = tuple(int(j) for j in np.unravel_index(i, batch))
            where = f" at batch index {index}" if batch else ""
            msg = (
                f"points must have a covariance spectrum with relative eigengap >= "
                f"eigengap_tol = {tol:.3g} for a finite PCA frame; got relative eigengap "
                f"{gaps[i]:.3e}{where} ({bad.size} of {n_batch} cloud(s) degenerate). Pass "
                "on_degenerate='stochastic' to average over the degenerate eigenspace by "
                "sampling"
            )
            raise DegenerateFrameError(msg)
        if bad.size:
            lam_h = _xp.to_host(lam).reshape(-1, d)
            for j in bad.tolist():
                degenerate[j] = _blocks(lam_h[j], tol, tiny)
    if rotate_degenerate and any(b is not None for b in degenerate):
        mats = np.stack(
            [np.eye(d) if b is None else _haar_blockdiag(gen, d, b) for b in degenerate]
        ).reshape((*batch, d, d))
        v = xp.matmul(v, _xp.from_host(mats, xp=xp, dtype=x.dtype, device=dev))
    special = group in ("SO", "SE")
    detsign = None
    if special:
        one = xp.ones((), dtype=x.dtype, device=dev)
        detsign = xp.where(xp.linalg.det(v) < 0, -one, one)
    return _Basis(
        xp=xp,
        points=x,
        basis=v,
        translation=t,
        relgap=relgap,
        detsign=detsign,
        degenerate=tuple(degenerate),
        special=special,
    )


def _rotations_from_signs(b: _Basis, signs: Array) -> Array:
    """``V diag(s)`` for sign vectors ``signs`` of shape (..., k, d) -> (..., k, d, d); for
    SO/SE the last sign is multiplied by sign(det V) so that every det is +1."""
    xp = b.xp
    if b.detsign is not None:
        d = int(signs.shape[-1])
        ones = xp.ones((*b.detsign.shape, d - 1), dtype=signs.dtype, device=_xp.device(signs))
        fix = xp.concat([ones, b.detsign[..., None]], axis=-1)  # (..., d)
        signs = signs * fix[..., None, :]
    return b.basis[..., None, :, :] * signs[..., :, None, :]


def pca_frame(
    points: Any,
    /,
    *,
    group: str = "E",
    eigengap_tol: float = 1e-6,
    on_degenerate: str = "raise",
    rng: Any = None,
) -> PCAFrame:
    r"""The PCA frame of a point cloud for O(d), SO(d), E(d) or SE(d).

    Parameters
    ----------
    points : array, shape (..., n, d)
        Point clouds (rows are points), ``d >= 2``, ``n >= d``; leading axes are a batch.
        Integers are promoted to the default float.
    group : {"E", "O", "SE", "SO"}, default "E"
        E(d) (rotations, reflections, translations), O(d), SE(d) (no reflections) or SO(d).
    eigengap_tol : float, default 1e-6
        Smallest accepted relative eigengap of the centred covariance (see Notes).
    on_degenerate : {"raise", "stochastic"}, default "raise"
        What to do with a cloud whose relative eigengap is below ``eigengap_tol``:
        raise :class:`~refimpl.frames.DegenerateFrameError`, or give each degenerate
        eigenspace (consecutive eigenvalues closer than ``eigengap_tol`` relative to the
        largest) a Haar-random orthonormal basis before enumerating the signs.
    rng : numpy.random.Generator, int or None
        Random source of the ``"stochastic"`` fallback (unused otherwise).

    Returns
    -------
    PCAFrame
        ``rotations`` ``(..., |F|, d, d)``, ``translation`` (..., d) and ``relgap`` (...), in the
        namespace, floating dtype and device of ``points``; ``|F| = 2**d`` for E/O and
        ``2**(d - 1)`` for SE/SO.

    Raises
    ------
    TypeError
        For non-real or non-numeric ``points``, a bad ``rng``.
    ValueError
        For fewer than 2 dimensions, ``d < 2``, ``n < d``, NaN/inf, an unknown ``group`` or
        ``on_degenerate``, a negative ``eigengap_tol``.
    DegenerateFrameError
        (a ``ValueError``) if some cloud's relative eigengap is below ``eigengap_tol`` and
        ``on_degenerate="raise"``.

    Notes
    -----
    Algorithm (spec ``equivariance.md`` §2.2; paper Sec. 3.1): centroid :math:`t`, centred
    covariance :math:`C = X_c^T X_c` (not divided by ``n``; the scale is irrelevant),
    :math:`C = V\Lambda V^T` by ``eigh`` (ascending), :math:`R_k = V\,\mathrm{diag}(s_k)`.
    For :math:`X' = X R_0^T + \mathbf 1 t_0^T` one has :math:`t' = R_0 t + t_0`,
    :math:`C' = R_0 C R_0^T` and :math:`V' = R_0 V S'` for some signs :math:`S'`, so the *set*
    of frame elements transforms as :math:`\mathcal F(gX) = g\,\mathcal F(X)` whatever signs
    ``eigh`` returns. For SO/SE the last sign is tied to the others and to
    :math:`\det V` so that every :math:`\det R_k = +1`.

    *Degenerate spectra* (spec §2.3). With a repeated eigenvalue the equivariant frame is
    infinite and a finite frame of sign flips is not equivariant (invariance errors of
    several percent; the average also jumps between eigenvalue orderings). Such clouds
    (planar or collinear clouds in 3D, symmetric shapes) raise by default. Near-degenerate
    clouds above the threshold are exact in exact arithmetic, but the frame's float error is
    about ``eps / relgap``: with the default ``1e-6`` float64 errors stay below ~1e-10 while
    float32 ones can reach ~0.1, so pass a larger ``eigengap_tol`` for float32 work. With
    ``on_degenerate="stochastic"`` each degenerate eigenspace of dimension ``k`` gets a
    Haar-random O(k) basis (one draw per cloud): the random frame is then equivariant in
    distribution, :math:`\mathcal F(gX) \overset{d}{=} g\,\mathcal F(X)`, and the frame
    average is invariant/equivariant in distribution (exact per draw only for simple
    spectra). Values are checked (gap, NaN) on eager arrays only; this needs one host
    transfer of the ``(...,)`` gaps (and of the eigenvalues when degenerate).

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 2 (frames, Eq. (2)-(4)) and Sec. 3.1 (PCA frames
       for O(d) and E(d)).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import pca_frame
    >>> x = np.random.default_rng(0).standard_normal((10, 3))
    >>> frame = pca_frame(x)
    >>> frame.size, bool(np.allclose(frame.translation, x.mean(axis=0)))
    (8, True)
    >>> r = frame.rotations
    >>> bool(np.allclose(np.swapaxes(r, -1, -2) @ r, np.eye(3)))
    True
    """
    gen = _xp.rng(rng)
    b = _pca_basis(
        points,
        group=group,
        eigengap_tol=eigengap_tol,
        on_degenerate=on_degenerate,
        gen=gen,
        rotate_degenerate=True,
    )
    xp = b.xp
    d = int(b.points.shape[-1])
    signs = _xp.from_host(
        _sign_table(d, b.special),
        xp=xp,
        dtype=b.points.dtype,
        device=_xp.device(b.points),
    )
    rotations = _rotations_from_signs(b, signs)
    return PCAFrame(
        rotations=rotations,
        translation=b.translation,
        relgap=b.relgap,
        group=str(group),
        stochastic=any(blk is not None for blk in b.degenerate),
    )
