"""Optimisation algorithms: monotone inclusions (:mod:`refimpl.optim.halpern`) and online
convex optimisation (:mod:`refimpl.optim.online`).

Import the submodules explicitly, e.g. ``from refimpl.optim.halpern import vr_halpern``.
"""

__all__: list[str] = []
