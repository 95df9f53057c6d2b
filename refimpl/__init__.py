"""refimpl: verified reference implementations, written once against the Array API standard.

Areas are imported explicitly (``from refimpl.optics import hilbert_transform``); the public
verification kit is :mod:`refimpl.testing`; ``refimpl validate`` reproduces the papers' claims.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("refimpl")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
