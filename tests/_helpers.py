"""Small helpers shared by test modules (host data -> namespace under test, tolerances)."""

from __future__ import annotations

from typing import Any

import array_api_extra as xpx
import numpy as np


def dtype_eps(xp: Any, device: Any) -> tuple[Any, float]:
    """The default real floating dtype of ``xp`` on ``device`` (float32 on strict's
    ``no_float64`` device) and its machine epsilon."""
    dtype = xpx.default_dtype(xp, device=device)
    return dtype, float(xp.finfo(dtype).eps)


def to_xp(xp: Any, a: Any, dtype: Any, device: Any) -> Any:
    """Host data (built in float64 with NumPy) moved to ``xp`` with ``dtype`` on ``device``;
    integer and bool data are cast to float64 on the host first, complex data kept."""
    a = np.asarray(a)
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    return xp.asarray(a, dtype=dtype, device=device)
