"""Frame averaging (Puny et al., arXiv:2110.03336): exact O(d)/SO(d)/E(d)/SE(d) and S_n
invariance and equivariance for any backbone.

PCA frames of point clouds (:func:`pca_frame`, group elements ``X -> X R^T + 1 t^T``), the
frame average of an arbitrary backbone (:func:`frame_average`) and its Monte Carlo version
(:func:`stochastic_frame_average`), permutation frames of graphs from Laplacian eigenvector
signatures (:func:`graph_frame`, :func:`graph_frame_average`), and
:class:`DegenerateFrameError` for covariance spectra with a repeated eigenvalue.
``__all__`` is exactly the union of the submodules' ``__all__`` (checked by the tests).
"""

from refimpl.frames.average import frame_average, stochastic_frame_average
from refimpl.frames.errors import DegenerateFrameError
from refimpl.frames.graph import GraphFrame, graph_frame, graph_frame_average
from refimpl.frames.pca import PCAFrame, pca_frame

__all__ = [
    "DegenerateFrameError",
    "GraphFrame",
    "PCAFrame",
    "frame_average",
    "graph_frame",
    "graph_frame_average",
    "pca_frame",
    "stochastic_frame_average",
]
