"""The error raised when a PCA frame is not well defined (a degenerate covariance spectrum)."""

from __future__ import annotations

__all__ = ["DegenerateFrameError"]


class DegenerateFrameError(ValueError):
    """A point cloud's covariance has a (near-)repeated eigenvalue: its PCA frame is infinite.

    Raised by :func:`~refimpl.frames.pca_frame` (and everything built on it) when the
    relative eigengap ``min_i (lambda_{i+1} - lambda_i) / lambda_max`` of the centred
    covariance is below ``eigengap_tol``. With a repeated eigenvalue every orthonormal basis of
    the eigenspace belongs to the equivariant frame, so the finite frame of sign flips is no
    longer equivariant and the averaged output is not exactly invariant (and is discontinuous
    there). It subclasses :class:`ValueError`, so ``except ValueError`` catches it.

    References
    ----------
    .. [1] O. Puny et al., "Frame Averaging for Invariant and Equivariant Network Design",
       ICLR 2022, arXiv:2110.03336, Sec. 3.1 (PCA frames assume a simple spectrum).

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.frames import DegenerateFrameError, pca_frame
    >>> square = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    >>> try:
    ...     pca_frame(square)
    ... except DegenerateFrameError as e:
    ...     print(type(e).__mro__[1].__name__)
    ValueError
    """
