r"""Frame averaging of an arbitrary backbone over PCA frames: exact and stochastic.

For a frame :math:`\mathcal F(X)` (:func:`~refimpl.frames.pca_frame`) and any backbone
:math:`\phi`, the frame average (Puny et al., arXiv:2110.03336, Eq. (3)-(4))

.. math::

    \langle\phi\rangle_{\mathcal F}(X) = \frac{1}{|\mathcal F(X)|}
    \sum_{g\in\mathcal F(X)} \rho_2(g)\,\phi\big(\rho_1(g)^{-1}X\big)

is exactly invariant (:math:`\rho_2 = 1`) or equivariant for *every* :math:`\phi`, because
:math:`\mathcal F(gX) = g\,\mathcal F(X)`. Here :math:`\rho_1(g)^{-1}X = (X - \mathbf 1
t^T)R` (E/SE) or :math:`XR` (O/SO), and :math:`\rho_2(g)Y = YR^T + \mathbf 1 t^T`
(``output="point"``) or :math:`YR^T` (``"vector"``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import array_api_compat as compat
import numpy as np

from refimpl import _xp
from refimpl.frames.pca import _Basis, _haar_blockdiag, _pca_basis, pca_frame

__all__ = ["frame_average", "stochastic_frame_average"]

Array = Any

OUTPUTS = ("invariant", "point", "vector")


# --------------------------------------------------------------------------------------
# backbone calls and output checks
# --------------------------------------------------------------------------------------
def _check_fn(fn: Any) -> None:
    if not callable(fn):
        msg = f"fn must be callable; got {type(fn).__name__}"
        raise TypeError(msg)


def _check_output(
    y: Any,
    *,
    xp: Any,
    dev: Any,
    lead: tuple[int, ...],
    last: int | None,
    what: str,
    expect: str,
) -> Array:
    """Check a backbone output: same namespace and device, real floating, ``y.shape[:len(lead)]
    == lead`` and (when ``last`` is given) ``y.shape[-1] == last``."""
    if isinstance(y, np.generic) and compat.is_numpy_namespace(xp):
        y = np.asarray(y)  # NumPy reductions return scalars
    if not compat.is_array_api_obj(y) or isinstance(y, bool | int | float | complex):
        msg = f"fn must return an array of the input's namespace; got {type(y).__name__}"
        raise TypeError(msg)
    ns = compat.array_namespace(y)
    if ns is not xp:
        msg = (
            f"fn must return an array of the input's namespace ({_xp.namespace_name(xp)}); got "
            f"a {_xp.namespace_name(ns)} array"
        )
        raise TypeError(msg)
    if _xp.device(y) != dev:
        msg = f"fn must return an array on the input's device ({dev}); got {_xp.device(y)}"
        raise TypeError(msg)
    if not xp.isdtype(y.dtype, "real floating"):
        msg = f"fn must return a real floating array; got dtype {y.dtype}"
        raise TypeError(msg)
    shape = tuple(int(s) for s in y.shape)
    ok = len(shape) >= len(lead) + (last is not None) and shape[: len(lead)] == lead
    if ok and last is not None:
        ok = shape[-1] == last
    if not ok:
        msg = f"fn must return {expect} {what}; got shape {shape}"
        raise ValueError(msg)
    return y


def _expectation(output: str, lead: tuple[int, ...], d: int) -> tuple[int | None, str]:
    """(required last axis, description) for an output kind."""
    batch = ", ".join(str(s) for s in lead)
    if output == "invariant":
        return None, f"shape ({batch}{', ' if batch else ''}...)"
    return d, f"shape ({batch}{', ' if batch else ''}..., {d})"


def _unframe(xp: Any, y: Array, r: Array, t: Array | None, nlead: int) -> Array:
    """``y R^T (+ t)`` on the last axis of ``y`` (..lead, *mid, d), ``r`` (..lead, d, d),
    ``t`` (..lead, d) or None."""
    lead = tuple(int(s) for s in y.shape[:nlead])
    mid = tuple(int(s) for s in y.shape[nlead:-1])
    d = int(y.shape[-1])
    flat = xp.reshape(y, (*lead, math.prod(mid), d))
    out = xp.matmul(flat, xp.matrix_transpose(r))
    if t is not None:
        out = out + t[..., None, :]
    return xp.reshape(out, (*lead, *mid, d))


def _checked_vectors(xp: Any, vectors: Any, points: Array) -> Array | None:
    if vectors is None:
        return None
    xp_v, (v,) = _xp.as_arrays(vectors)
    if xp_v is not xp:
        msg = "all array arguments must come from one array namespace; got points and vectors"
        raise TypeError(msg)
    _xp.as_arrays(points, v)  # devices
    v = _xp.checked_real(v, name="vectors", xp=xp, min_ndim=2)
    lead = tuple(points.shape[:-2])
    if tuple(v.shape[:-2]) != lead or v.shape[-1] != points.shape[-1]:
        layout = ", ".join(str(s) for s in lead)
        msg = (
            f"vectors must have shape ({layout}{', ' if layout else ''}m, {points.shape[-1]}) "
            f"(the batch axes and dimension of points); got shape {tuple(v.shape)}"
        )
        raise ValueError(msg)
    dtype = xp.result_type(points.dtype, v.dtype)
    return xp.astype(v, dtype, copy=False)


def _average(
    fn: Callable[..., Any],
    basis: _Basis,
    rotations: Array,
    vectors: Array | None,
    *,
    group: str,
    output: str,
    vectorized: bool,
) -> Array:
    """Mean over the frame axis (-3 of ``rotations``: (..., K, d, d)) of the un-framed outputs."""
    xp, x = basis.xp, basis.points
    dev = _xp.device(x)
    translates = group in ("E", "SE")
    if vectors is not None:
        x = xp.astype(x, vectors.dtype, copy=False)
    t = basis.translation if translates else None
    base = x - t[..., None, :] if t is not None else x
    batch = tuple(int(s) for s in x.shape[:-2])
    d = int(x.shape[-1])
    k = int(rotations.shape[-3])
    t_out = t if output == "point" else None
    if vectorized:
        r = rotations  # (..., K, d, d)
        xin = xp.matmul(base[..., None, :, :], r)
        args = [xin] if vectors is None else [xin, xp.matmul(vectors[..., None, :, :], r)]
        lead = (*batch, k)
        last, expect = _expectation(output, lead, d)
        y = _check_output(
            fn(*args),
            xp=xp,
            dev=dev,
            lead=lead,
            last=last,
            what="outputs (vectorized=True)",
            expect=expect,
        )
        if output != "invariant":
            tk = None if t_out is None else t_out[..., None, :]
            y = _unframe(xp, y, r, tk, len(lead))
        return xp.mean(y, axis=len(batch))
    last, expect = _expectation(output, batch, d)
    total = None
    first: tuple[tuple[int, ...], Any] | None = None
    for j in range(k):
        r = rotations[..., j, :, :]
        args = [xp.matmul(base, r)]
        if vectors is not None:
            args.append(xp.matmul(vectors, r))
        y = _check_output(
            fn(*args), xp=xp, dev=dev, lead=batch, last=last, what="outputs", expect=expect
        )
        if first is None:
            first = (tuple(y.shape), y.dtype)
        elif (tuple(y.shape), y.dtype) != first:
            msg = (
                f"fn must return the same shape and dtype for every frame element; got "
                f"{first[0]} {first[1]} and {tuple(y.shape)} {y.dtype}"
            )
            raise ValueError(msg)
        if output != "invariant":
            y = _unframe(xp, y, r, t_out, len(batch))
        total = y if total is None else total + y
    assert total is not None
    return total / k


def _check_common(fn: Any, output: Any, vectorized: Any) -> str:
    _check_fn(fn)
    out = _xp.check_choice(output, OUTPUTS, name="output")
    if not isinstance(vectorized, bool):
        msg = f"vectorized must be a bool; got {type(vectorized).__name__}"
        raise TypeError(msg)
    return out


def frame_average(
    fn: Callable[..., Any],
    points: Any,
    /,
    *,
    group: str = "E",
    output: str = "invariant",
    vectors: Any = None,
    eigengap_tol: float = 1e-6,
    on_degenerate: str = "raise",
    rng: Any = None,
    vectorized: bool = False,
) -> Array:
    r"""Frame average of a backbone over the PCA frame: exactly invariant or equivariant.

    Parameters
    ----------
    fn : callable
        The backbone. Called once per frame element as ``fn(x)`` (or ``fn(x, v)`` when
        ``vectors`` is given) with the canonical input ``x`` of the shape of ``points``,
        ``(..., n, d)``, in its namespace, dtype and device. It must return a real floating
        array of that namespace and device whose leading axes are the batch axes ``...`` of
        ``points``: any shape ``(..., *out)`` for ``output="invariant"``, ``(..., *mid, d)``
        for ``"point"``/``"vector"`` (e.g. ``(..., n, d)`` per-point outputs, or ``(..., d)``),
        the same shape and dtype for every element. With ``vectorized=True`` it is called once
        with a frame axis inserted after the batch axes, ``x`` of shape ``(..., |F|, n, d)``,
        and must return ``(..., |F|, *out)``.
    points : array, shape (..., n, d)
        Point clouds, ``d >= 2``, ``n >= d``.
    group : {"E", "O", "SE", "SO"}, default "E"
        The symmetry group (see :func:`~refimpl.frames.pca_frame`).
    output : {"invariant", "vector", "point"}, default "invariant"
        ``"invariant"``: mean of ``fn(g^-1 X)``; ``"vector"``: mean of ``fn(g^-1 X) R^T``
        (normals, forces, velocities: rotated, not translated); ``"point"``: mean of
        ``fn(g^-1 X) R^T + t`` (positions; for O/SO the same as ``"vector"``).
    vectors : array, shape (..., m, d), optional
        Extra vector inputs (velocities), framed as ``v R`` without centring and passed as the
        second argument of ``fn``.
    eigengap_tol, on_degenerate, rng
        As in :func:`~refimpl.frames.pca_frame`.
    vectorized : bool, default False
        Call ``fn`` once on all frame elements stacked (see ``fn``).

    Returns
    -------
    array
        The averaged output, shape ``(..., *out)``, in the namespace, dtype and device of
        ``fn``'s outputs (which must be those of ``points``).

    Raises
    ------
    TypeError
        If ``fn`` is not callable or returns something other than a real floating array of
        the input's namespace and device; bad ``points``/``vectors`` dtypes (as
        :func:`~refimpl.frames.pca_frame`).
    ValueError
        Bad shapes of ``points`` or ``vectors``, unknown ``group``/``output``, an output of
        the wrong shape or one changing between frame elements.
    DegenerateFrameError
        For a degenerate covariance spectrum (see :func:`~refimpl.frames.pca_frame`).

    Notes
    -----
    Cost: ``|F|`` backbone calls (8 in 3D for E(3), 4 for SE(3)) plus the O(n d^2) covariance
    and one d x d ``eigh`` per cloud. The result is exactly invariant/equivariant for any
    ``fn`` (paper Theorem 1), up to float error of order ``eps / relgap`` times the output's
    sensitivity (the frame's own error, spec §2.3).

    *The vacuous-test trap* (spec §2.6). An O(d)/E(d) frame contains ``R`` and ``-R`` (so
    does an SO(d) frame for even ``d``): an *odd* backbone averages to exactly 0 under
    ``output="invariant"``, and an *even* backbone averages vector outputs to 0 (points to
    the centroid). Such outputs are trivially invariant; give backbones biases and both even
    and odd parts when testing.

    *Product groups* (paper Sec. 3.1, Proposition 1; spec §2.1). The PCA frame is invariant
    under permutations of the points, so a permutation-equivariant ``fn`` (a GNN, DeepSets)
    gives an E(d) x S_n-equivariant average (up to round-off: the covariance is summed in a
    different order).

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 2 (Eq. (3)-(4), Theorem 1), Sec. 3.1 (PCA frames,
       point clouds).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import frame_average
    >>> from refimpl.testing.groups import random_orthogonal
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((8, 3))
    >>> w = rng.standard_normal((3, 4))
    >>> def backbone(y):                       # any function: not invariant by itself
    ...     return np.tanh(y @ w + 0.3).sum(axis=-2)
    >>> r, t = random_orthogonal(rng, 3), np.array([1.0, -2.0, 3.0])
    >>> a = frame_average(backbone, x)
    >>> b = frame_average(backbone, x @ r.T + t)
    >>> bool(np.max(np.abs(a - b)) < 1e-12)
    True
    >>> y = frame_average(lambda y: 2 * y + np.tanh(y), x, output="point")  # equivariant
    >>> bool(np.allclose(frame_average(lambda y: 2 * y + np.tanh(y), x @ r.T + t,
    ...                                output="point"), y @ r.T + t))
    True
    """
    out = _check_common(fn, output, vectorized)
    gen = _xp.rng(rng)
    frame = pca_frame(
        points, group=group, eigengap_tol=eigengap_tol, on_degenerate=on_degenerate, rng=gen
    )
    xp, (x,) = _xp.as_arrays(points)
    x = _xp.real_floating(x, name="points", xp=xp)
    v = _checked_vectors(xp, vectors, x)
    basis = _Basis(
        xp=xp,
        points=x,
        basis=frame.rotations[..., 0, :, :],
        translation=frame.translation,
        relgap=frame.relgap,
        detsign=None,
        degenerate=(),
        special=group in ("SO", "SE"),
    )
    return _average(fn, basis, frame.rotations, v, group=group, output=out, vectorized=vectorized)


def stochastic_frame_average(
    fn: Callable[..., Any],
    points: Any,
    /,
    *,
    n_samples: int,
    group: str = "E",
    output: str = "invariant",
    vectors: Any = None,
    eigengap_tol: float = 1e-6,
    on_degenerate: str = "raise",
    rng: Any = None,
    vectorized: bool = False,
) -> Array:
    r"""Monte Carlo frame average: the mean over ``n_samples`` uniformly drawn frame elements.

    Parameters
    ----------
    fn, points, group, output, vectors, eigengap_tol, on_degenerate, vectorized
        As in :func:`frame_average`; ``fn`` is called ``n_samples`` times (or once, on
        ``(..., n_samples, n, d)``, with ``vectorized=True``).
    n_samples : int
        Number of frame elements drawn, independently and uniformly with replacement (and
        independently for each cloud of a batch).
    rng : numpy.random.Generator, int or None
        Random source (sign vectors; Haar bases of degenerate eigenspaces for
        ``on_degenerate="stochastic"``, one per sample).

    Returns
    -------
    array
        As :func:`frame_average`.

    Raises
    ------
    TypeError, ValueError, DegenerateFrameError
        As :func:`frame_average`; ``n_samples`` must be a positive int.

    Notes
    -----
    Each sample is ``R = V diag(s)`` with ``s`` uniform on the sign vectors of the frame (for
    SO/SE: ``d - 1`` free signs, the last fixed by ``det R = +1``), so every term is an
    unbiased estimate of :func:`frame_average`; the estimate is invariant/equivariant in
    distribution and its error decays like ``n_samples**-0.5`` (spec §2.5). With
    ``on_degenerate="stochastic"`` every sample also draws its own Haar basis of each
    degenerate eigenspace, which makes the estimate unbiased for the average over the
    (infinite) equivariant frame.

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 2 (frame averaging, Eq. (3)-(4)) and Sec. 3.2
       (sampling frame elements when the frame is large).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import frame_average, stochastic_frame_average
    >>> x = np.random.default_rng(0).standard_normal((8, 3))
    >>> def backbone(y):
    ...     return np.tanh(y + 0.3).sum(axis=(-2, -1))
    >>> exact = frame_average(backbone, x)
    >>> approx = stochastic_frame_average(backbone, x, n_samples=4000, rng=1)
    >>> bool(abs(approx - exact) < 0.1)
    True
    """
    out = _check_common(fn, output, vectorized)
    n_s = _xp.positive_int(n_samples, name="n_samples")
    gen = _xp.rng(rng)
    b = _pca_basis(
        points,
        group=group,
        eigengap_tol=eigengap_tol,
        on_degenerate=on_degenerate,
        gen=gen,
        rotate_degenerate=False,
    )
    xp, x = b.xp, b.points
    dev = _xp.device(x)
    v = _checked_vectors(xp, vectors, x)
    batch = tuple(int(s) for s in x.shape[:-2])
    d = int(x.shape[-1])
    basis = b.basis
    if any(blk is not None for blk in b.degenerate):
        eye = np.eye(d)
        mats = np.stack(
            [
                np.stack([_haar_blockdiag(gen, d, blk) for _ in range(n_s)])
                if blk is not None
                else np.broadcast_to(eye, (n_s, d, d))
                for blk in b.degenerate
            ]
        ).reshape((*batch, n_s, d, d))
        basis = xp.matmul(
            basis[..., None, :, :], _xp.from_host(mats, xp=xp, dtype=x.dtype, device=dev)
        )
    else:
        basis = basis[..., None, :, :]
    signs_h = gen.choice(np.array([1.0, -1.0]), size=(*batch, n_s, d))
    signs = _xp.from_host(signs_h, xp=xp, dtype=x.dtype, device=dev)
    if b.special:
        # last sign = product of the others times sign(det) of each sample's basis
        one = xp.ones((), dtype=x.dtype, device=dev)
        det = xp.where(xp.linalg.det(basis) < 0, -one, one)  # (..., S or 1)
        head = signs[..., : d - 1]
        last = xp.prod(head, axis=-1) * det
        signs = xp.concat([head, last[..., None]], axis=-1)
    rotations = basis * signs[..., :, None, :]
    return _average(
        fn,
        _Basis(
            xp=xp,
            points=x,
            basis=b.basis,
            translation=b.translation,
            relgap=b.relgap,
            detsign=None,
            degenerate=(),
            special=b.special,
        ),
        rotations,
        v,
        group=str(group),
        output=out,
        vectorized=vectorized,
    )
