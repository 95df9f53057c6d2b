r"""Permutation (graph) frames from Laplacian eigenvectors, and frame averaging over S_n.

S_n acts on a graph with adjacency ``A`` (n, n) and node features ``X`` (n, ...) by relabelling
the nodes. As in :mod:`refimpl.testing.groups`, a permutation is a host index array ``p`` acting
by ``X -> X[p]``, ``A -> A[p][:, p]``. The frame (Puny et al., arXiv:2110.03336, Sec. 3.2;
spec ``equivariance.md`` §2.4) is built from a permutation-equivariant node signature ``s(A)``
(one row per node): the index arrays ``p`` that sort the rows of ``s`` lexicographically, i.e.
the sort order composed with every permutation inside each block of identical rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.frames.average import _check_fn, _check_output

__all__ = ["GraphFrame", "graph_frame", "graph_frame_average"]

Array = Any

#: without ``max_elements``, frames larger than this raise instead of being enumerated
MAX_ENUMERATED = 1_000_000
GRAPH_OUTPUTS = ("invariant", "node")


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphFrame:
    r"""The permutation frame of a graph (returned by :func:`graph_frame`).

    Attributes
    ----------
    permutations : array of int64, shape (n_elements, n)
        Index arrays ``p_k``: ``X[p_k]`` and ``A[p_k][:, p_k]`` are in canonical (sorted)
        order. As group elements of the action ``X -> X[p]`` the frame is
        :math:`\{p_k^{-1}\}`. Namespace and device of ``adjacency``.
    size : int
        The exact frame size :math:`|\mathcal F| = \prod_b (\text{size}_b)!` (a Python int,
        also when the frame is sampled).
    block_sizes : tuple of int
        Sizes of the blocks of identical signature rows, in sorted order.
    sampled : bool
        True when ``size > max_elements`` and ``permutations`` holds ``max_elements`` uniform
        draws from the frame.
    signature : array, shape (n, c)
        The rounded node signature in the original node order (``c`` spectral columns, then
        the feature columns if ``features`` was given).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import graph_frame
    >>> cycle = np.roll(np.eye(5), 1, axis=1) + np.roll(np.eye(5), -1, axis=1)
    >>> frame = graph_frame(cycle)
    >>> frame.size, frame.block_sizes, frame.permutations.shape
    (120, (5,), (120, 5))
    """

    permutations: Array
    size: int
    block_sizes: tuple[int, ...]
    sampled: bool
    signature: Array


def _layout(lead: tuple[int, ...]) -> str:
    return "shape (" + ", ".join([*(str(s) for s in lead), "..."]) + ")"


def _checked_graph(adjacency: Any, features: Any) -> tuple[Any, Array, Array | None]:
    if features is None:
        xp, (a,) = _xp.as_arrays(adjacency)
        x = None
    else:
        xp, (a, x) = _xp.as_arrays(adjacency, features)
    a = _xp.checked_real(a, name="adjacency", xp=xp, min_ndim=2)
    n = int(a.shape[-1])
    if a.ndim != 2 or int(a.shape[0]) != n:
        msg = f"adjacency must be a square 2-D array (n, n); got shape {tuple(a.shape)}"
        raise ValueError(msg)
    if _xp.is_eager(a):
        asym = float(xp.max(xp.abs(a - xp.matrix_transpose(a))))
        if asym != 0.0:
            msg = (
                f"adjacency must be symmetric (an undirected graph); got max|A - A^T| = {asym:.3e}"
            )
            raise ValueError(msg)
    if x is not None:
        x = _xp.checked_real(x, name="features", xp=xp, min_ndim=1)
        if int(x.shape[0]) != n:
            msg = (
                f"features must have one row per node, shape ({n}, ...); got shape {tuple(x.shape)}"
            )
            raise ValueError(msg)
    return xp, a, x


def _signature(
    xp: Any, a: Array, x: Array | None, decimals: int, eig_tol: float | None
) -> np.ndarray:
    """Host (n, c) float64 signature: spectral columns rounded to ``decimals``, then features."""
    n = int(a.shape[0])
    eye = xp.eye(n, dtype=a.dtype, device=_xp.device(a))
    lap = eye * xp.sum(a, axis=-1)[None, :] - a
    lam, u = xp.linalg.eigh(lap)
    lam_h = _xp.to_host(lam).astype(np.float64)
    u_h = _xp.to_host(u).astype(np.float64)
    scale = max(1.0, float(np.max(np.abs(lam_h))))
    tol = (math.sqrt(_xp.eps(xp, a.dtype)) if eig_tol is None else eig_tol) * scale
    cols, start = [], 0
    for i in range(1, n + 1):
        if i == n or lam_h[i] - lam_h[i - 1] > tol:
            block = u_h[:, start:i]
            cols.append(np.sqrt(np.sum(block * block, axis=1)))  # |u| for a simple eigenvalue
            start = i
    sig = np.round(np.stack(cols, axis=1), decimals) + 0.0  # + 0.0: no negative zeros
    if x is not None:
        feat = _xp.to_host(x).astype(np.float64).reshape(n, -1)
        sig = np.concatenate([sig, feat], axis=1)
    return sig


def _blocks_of(sorted_sig: np.ndarray) -> list[tuple[int, int]]:
    """Runs ``(start, size)`` of identical consecutive rows."""
    n = sorted_sig.shape[0]
    out, start = [], 0
    for i in range(1, n + 1):
        if i == n or not np.array_equal(sorted_sig[i], sorted_sig[i - 1]):
            out.append((start, i - start))
            start = i
    return out


def _enumerate(order: np.ndarray, blocks: list[tuple[int, int]]) -> np.ndarray:
    perms = order[None, :].copy()
    for start, size in blocks:
        if size < 2:
            continue
        local = np.array(list(itertools.permutations(range(size))), dtype=np.int64)
        m = perms.shape[0]
        perms = np.repeat(perms, local.shape[0], axis=0)
        perms[:, start : start + size] = np.tile(order[start + local], (m, 1))
    return perms


def _sample(
    order: np.ndarray, blocks: list[tuple[int, int]], m: int, gen: np.random.Generator
) -> np.ndarray:
    perms = np.tile(order, (m, 1))
    for start, size in blocks:
        if size < 2:
            continue
        local = np.argsort(gen.random((m, size)), axis=1)  # uniform permutations of the block
        perms[:, start : start + size] = order[start + local]
    return perms


def graph_frame(
    adjacency: Any,
    /,
    *,
    features: Any = None,
    decimals: int = 2,
    max_elements: int | None = None,
    rng: Any = None,
    eig_tol: float | None = None,
) -> GraphFrame:
    r"""The permutation frame of a graph from Laplacian eigenvector signatures.

    Parameters
    ----------
    adjacency : array, shape (n, n)
        Symmetric (weighted) adjacency matrix of one undirected graph. Boolean arrays are
        rejected (cast them to a float dtype).
    features : array, shape (n, ...), optional
        Node features appended to the signature (after the spectral columns, unrounded) to
        break ties; they must be relabelled with the nodes.
    decimals : int, default 2
        The spectral signature is rounded to this many decimals (the official choice), so that
        eigensolver noise does not split ties.
    max_elements : int, optional
        If the frame has more elements, ``max_elements`` of them are drawn uniformly (with
        replacement) with ``rng``. Without it frames larger than ``MAX_ENUMERATED``
        (1e6) raise ``ValueError``.
    rng : numpy.random.Generator, int or None
        Random source for sampled frames.
    eig_tol : float, optional
        Laplacian eigenvalues closer than ``eig_tol * max(1, |lambda|_max)`` are grouped into
        one eigenspace; default ``sqrt(eps)`` of the dtype.

    Returns
    -------
    GraphFrame
        ``permutations`` ``(|F| or max_elements, n)`` int64 in the namespace and device of
        ``adjacency``, the exact ``size``, ``block_sizes``, ``sampled`` and ``signature``.

    Raises
    ------
    TypeError
        Non-real or boolean ``adjacency``/``features``, a bad ``rng``.
    ValueError
        Non-square or asymmetric ``adjacency``, NaN/inf, features with the wrong number of
        rows, negative ``decimals``, a too large frame without ``max_elements``.

    Notes
    -----
    Algorithm (spec §2.4, after the official ``graph_separation/frame_transform.py``):
    ``L = D - A``, ``eigh`` (ascending); eigenvalues are grouped with ``eig_tol`` (the
    official code groups exactly equal floats); a simple eigenvalue contributes the column
    ``|u|`` (sign invariant), a ``k``-fold one the row norms of its ``k`` eigenvectors (basis
    invariant); columns in ascending eigenvalue order, rounded to ``decimals``; rows sorted
    lexicographically with the first column as primary key. The frame is every ``p`` that
    sorts the rows: ``|F| = prod_b (size_b)!`` over the blocks of identical rows. Since
    ``s(A[q][:, q]) = s(A)[q]``, the frame is equivariant, and without ties ``A[p][:, p]`` is
    a canonical form: equal for isomorphic relabellings. Vertex-transitive graphs (cycles,
    strongly regular graphs, circulant graphs) have identical rows, so their frame is all of
    S_n. The signature is computed on the host (one transfer of the eigenpairs); rows near a
    rounding boundary can flip under eigensolver noise (spec §2.8 pitfall 4).

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 3.2 (graphs: frames from Laplacian eigenvectors).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import graph_frame
    >>> rng = np.random.default_rng(3)
    >>> a = np.triu((rng.random((8, 8)) < 0.4).astype(float), 1)
    >>> a = a + a.T
    >>> frame = graph_frame(a)
    >>> p = rng.permutation(8)                     # a relabelled copy
    >>> frame2 = graph_frame(a[p][:, p])
    >>> canon = lambda m, q: m[q][:, q]
    >>> frame.size, bool(np.array_equal(canon(a, frame.permutations[0]),
    ...                                 canon(a[p][:, p], frame2.permutations[0])))
    (1, True)
    """
    xp, a, x = _checked_graph(adjacency, features)
    dec = _xp.nonnegative_int(decimals, name="decimals")
    cap = None if max_elements is None else _xp.positive_int(max_elements, name="max_elements")
    tol = None if eig_tol is None else _xp.nonnegative_float(eig_tol, name="eig_tol")
    gen = _xp.rng(rng)
    sig = _signature(xp, a, x, dec, tol)
    order = np.lexsort(sig.T[::-1]).astype(np.int64)  # primary key: column 0
    blocks = _blocks_of(sig[order])
    size = math.prod(math.factorial(s) for _, s in blocks)
    sampled = cap is not None and size > cap
    if sampled:
        assert cap is not None
        perms = _sample(order, blocks, cap, gen)
    else:
        if size > MAX_ENUMERATED:
            msg = (
                f"max_elements must be given for a frame with more than {MAX_ENUMERATED} "
                f"elements; got a frame of {size} elements (tie blocks of sizes "
                f"{sorted((s for _, s in blocks if s > 1), reverse=True)})"
            )
            raise ValueError(msg)
        perms = _enumerate(order, blocks)
    dev = _xp.device(a)
    return GraphFrame(
        permutations=xp.asarray(perms, dtype=xp.int64, device=dev),
        size=size,
        block_sizes=tuple(s for _, s in blocks),
        sampled=sampled,
        signature=xp.asarray(sig, dtype=a.dtype, device=dev),
    )


def graph_frame_average(
    fn: Callable[..., Any],
    adjacency: Any,
    features: Any,
    /,
    *,
    output: str = "invariant",
    decimals: int = 2,
    max_elements: int | None = None,
    rng: Any = None,
    eig_tol: float | None = None,
    frame_features: bool = False,
    vectorized: bool = False,
) -> Array:
    r"""Frame average of a graph backbone over the permutation frame: S_n invariant/equivariant.

    Parameters
    ----------
    fn : callable
        The backbone, called once per frame element as ``fn(a, x)`` with the canonically
        ordered ``a = A[p][:, p]`` (n, n) and ``x = X[p]`` (``None`` when ``features`` is
        None). It must return a real floating array of the input's namespace and device:
        any shape for ``output="invariant"``, ``(n, ...)`` (one row per canonical node) for
        ``"node"``; the same shape and dtype every time. With ``vectorized=True`` it is called
        once with ``a`` of shape ``(|F|, n, n)`` and ``x`` ``(|F|, n, ...)`` and must return
        ``(|F|, ...)`` / ``(|F|, n, ...)``.
    adjacency : array, shape (n, n)
        Symmetric adjacency matrix.
    features : array, shape (n, ...), or None
        Node features.
    output : {"invariant", "node"}, default "invariant"
        ``"invariant"``: mean of ``fn(A[p][:, p], X[p])``; ``"node"``: mean of the outputs
        mapped back to the original labels, ``fn(...)[p^-1]``.
    decimals, max_elements, rng, eig_tol
        As in :func:`graph_frame`.
    frame_features : bool, default False
        Also use ``features`` to break ties in the frame (:func:`graph_frame`'s ``features``).
    vectorized : bool, default False
        Call ``fn`` once on all frame elements stacked.

    Returns
    -------
    array
        The averaged output, in the namespace, dtype and device of the inputs.

    Raises
    ------
    TypeError, ValueError
        As :func:`graph_frame`; ``fn`` not callable or returning a wrong namespace, dtype or
        shape.

    Notes
    -----
    Exactly S_n-invariant (``"invariant"``) or equivariant (``"node"``: relabelling the input
    relabels the output rows) for any ``fn`` when the frame is enumerated (paper Theorem 1);
    with a sampled frame (``max_elements``) the result is invariant in distribution. Cost:
    ``|F|`` backbone calls. With ``fn`` an MLP on ``flatten(A[p][:, p])`` this is the paper's
    FA-MLP, which separates any two non-isomorphic graphs whose frames are enumerated (their
    canonical forms differ), unlike 1-WL-bounded message passing.

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 2 (Eq. (3)-(4)) and Sec. 3.2 (graph frames,
       FA-MLP / FA-GIN).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import graph_frame_average
    >>> rng = np.random.default_rng(0)
    >>> a = np.triu((rng.random((6, 6)) < 0.5).astype(float), 1)
    >>> a = a + a.T
    >>> w = rng.standard_normal(36)
    >>> mlp = lambda m, x: np.tanh(m.reshape(-1) @ w + 0.1)    # not permutation invariant
    >>> p = rng.permutation(6)
    >>> bool(np.isclose(graph_frame_average(mlp, a, None),
    ...                 graph_frame_average(mlp, a[p][:, p], None)))
    True
    """
    _check_fn(fn)
    out_kind = _xp.check_choice(output, GRAPH_OUTPUTS, name="output")
    if not isinstance(vectorized, bool) or not isinstance(frame_features, bool):
        bad = vectorized if not isinstance(vectorized, bool) else frame_features
        name = "vectorized" if not isinstance(vectorized, bool) else "frame_features"
        msg = f"{name} must be a bool; got {type(bad).__name__}"
        raise TypeError(msg)
    xp, a, x = _checked_graph(adjacency, features)
    if x is not None:
        dtype = xp.result_type(a.dtype, x.dtype)
        a, x = xp.astype(a, dtype, copy=False), xp.astype(x, dtype, copy=False)
    frame = graph_frame(
        a,
        features=x if frame_features else None,
        decimals=decimals,
        max_elements=max_elements,
        rng=rng,
        eig_tol=eig_tol,
    )
    dev = _xp.device(a)
    n = int(a.shape[0])
    perms = frame.permutations
    perms_h = _xp.to_host(perms)
    inverse = xp.asarray(np.argsort(perms_h, axis=1), dtype=xp.int64, device=dev)
    k = int(perms.shape[0])
    if vectorized:
        flat = xp.reshape(perms, (-1,))
        rows = xp.reshape(xp.take(a, flat, axis=0), (k, n, n))  # A[p]
        idx = xp.broadcast_to(perms[:, None, :], (k, n, n))
        ak = xp.take_along_axis(rows, idx, axis=-1)  # A[p][:, p]
        xk = None
        if x is not None:
            xk = xp.reshape(xp.take(x, flat, axis=0), (k, n, *x.shape[1:]))
        lead: tuple[int, ...] = (k, n) if out_kind == "node" else (k,)
        y = _check_output(
            fn(ak, xk),
            xp=xp,
            dev=dev,
            lead=lead,
            last=None,
            what="outputs (vectorized=True)",
            expect=_layout(lead),
        )
        if out_kind == "node":
            # y[j, inverse[j]] along axis 1
            idx = xp.reshape(inverse, (k, n, *([1] * (y.ndim - 2))))
            idx = xp.broadcast_to(idx, tuple(y.shape))
            y = xp.take_along_axis(y, idx, axis=1)
        return xp.mean(y, axis=0)
    total = None
    first: tuple[tuple[int, ...], Any] | None = None
    lead = (n,) if out_kind == "node" else ()
    for j in range(k):
        p = perms[j, :]
        ak = xp.take(xp.take(a, p, axis=0), p, axis=1)
        xk = None if x is None else xp.take(x, p, axis=0)
        y = _check_output(
            fn(ak, xk),
            xp=xp,
            dev=dev,
            lead=lead,
            last=None,
            what="outputs",
            expect=_layout(lead),
        )
        if first is None:
            first = (tuple(y.shape), y.dtype)
        elif (tuple(y.shape), y.dtype) != first:
            msg = (
                f"fn must return the same shape and dtype for every frame element; got "
                f"{first[0]} {first[1]} and {tuple(y.shape)} {y.dtype}"
            )
            raise ValueError(msg)
        if out_kind == "node":
            y = xp.take(y, inverse[j, :], axis=0)
        total = y if total is None else total + y
    assert total is not None
    return total / k
