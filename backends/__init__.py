"""Accelerated kernels, installed as ``refimpl.backends``.

Core code never imports this package at module level: implementations are registered in
:mod:`refimpl._dispatch` by dotted target and imported only when a caller asks for them
(``backend="numba"``, ``"cupy"`` or ``"auto"``). Numba kernels take their decorators from
:mod:`refimpl.backends._numba_compat`, which is the identity without numba, so the kernels
import and are tested everywhere (as plain Python on small sizes).
"""

__all__: list[str] = []
