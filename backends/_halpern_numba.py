"""Numba kernel for the VR-FoRB inner loop of :func:`refimpl.optim.halpern.vr_halpern`
(``variant="inexact"``, ``backend="numba"``).

Registered in :mod:`refimpl.optim.halpern._methods` through :mod:`refimpl._dispatch` (requires
numba, NumPy arrays only, problems with the split-linear structure of ``matrix_game`` and
``hard_qp``: ``F(u) = M u - q``, ``F_i(u) = n (M[:, i] u_i + M[:, n+i] u_{n+i}) - q``). The
random indices and coins are drawn on the host by the caller, so the kernel and the reference
run the same stream. Without numba the decorators are the identity (plain Python; tests only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numba_compat import njit

__all__ = ["vr_forb_numba"]


@njit(cache=True)
def _project_block(z: np.ndarray, lo: int, hi: int) -> None:  # pragma: no cover - compiled
    """In place: project ``z[lo:hi]`` onto the unit simplex (sort-based)."""
    d = hi - lo
    s = np.sort(z[lo:hi])[::-1]
    css = 0.0
    tau = -np.inf
    for j in range(d):
        css += s[j]
        t = (css - 1.0) / (j + 1)
        if t > tau:
            tau = t
    for j in range(lo, hi):
        z[j] = max(z[j] - tau, 0.0)


@njit(cache=True)
def _forb_kernel(
    m: np.ndarray,
    q: np.ndarray,
    n: int,
    simplex: bool,
    u: np.ndarray,
    c: float,
    gamma: float,
    alpha: float,
    xi: np.ndarray,
    coins: np.ndarray,
    outer_snapshot: bool,
) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled, or plain Python on tiny tests
    dim = u.shape[0]
    v = u.copy()
    w = u.copy()
    w_prev = u.copy()
    gw = c * (m @ w - q) + (w - u)
    calls = n
    v_new = np.empty(dim, dtype=u.dtype)
    for t in range(xi.shape[0]):
        i = xi[t]
        di = v[i] - w_prev[i]
        dj = v[n + i] - w_prev[n + i]
        scale = c * n
        for r in range(dim):
            vbar = alpha * v[r] + (1.0 - alpha) * w[r]
            diff = scale * (m[r, i] * di + m[r, n + i] * dj)
            v_new[r] = vbar - gamma * (gw[r] + diff + (v[r] - w_prev[r]))
        calls += 2
        if simplex:
            _project_block(v_new, 0, n)
            _project_block(v_new, n, dim)
        w_prev[:] = w
        if coins[t]:
            if outer_snapshot:
                w[:] = u
            else:
                w[:] = v_new
            gw = c * (m @ w - q) + (w - u)
            calls += n
        v[:] = v_new
    return v, calls


def vr_forb_numba(
    problem: Any,
    u: Any,
    c: float,
    gamma: float,
    alpha: float,
    xi: np.ndarray,
    coins: np.ndarray,
    outer_snapshot: bool,
) -> tuple[np.ndarray, int]:
    """Same contract as ``refimpl.optim.halpern._methods._vr_forb_reference`` on NumPy
    arrays: ``len(xi)`` VR-FoRB steps from ``v = u``; returns the last inner iterate (``u``'s
    dtype) and the oracle calls. The component-difference row is evaluated directly as
    ``c n (M[:, i] dv_i + M[:, n+i] dv_{n+i})`` (the constant ``q`` cancels)."""
    split = problem._split
    u = np.asarray(u)
    m = np.ascontiguousarray(split["M"], dtype=u.dtype)
    q = np.ascontiguousarray(split["q"], dtype=u.dtype)
    v, calls = _forb_kernel(
        m,
        q,
        int(problem.n),
        bool(split["simplex"]),
        np.ascontiguousarray(u),
        float(c),
        float(gamma),
        float(alpha),
        np.ascontiguousarray(xi, dtype=np.int64),
        np.ascontiguousarray(coins, dtype=np.bool_),
        bool(outer_snapshot),
    )
    return v, int(calls)
