"""Convergence-order fits: :func:`estimate_order` and :func:`assert_rate`.

Both work on host data (lists, NumPy) and accept arrays of any Array API namespace, which
are copied to the host with :func:`refimpl._xp.to_host`. The fit is ordinary least squares of
``log(err)`` on ``log(x)`` (``scale="loglog"``, algebraic rates), of ``log(err)`` on ``x``
(``scale="semilogy"``, geometric rates ``err ~ C rho^x``) or of ``err`` on ``log(x)``
(``scale="semilogx"``, logarithmic growth ``err ~ a + b log x``); the confidence band uses
Student's t with ``n - 2`` degrees of freedom (``scipy.stats.t``).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Literal

import array_api_compat as compat
import numpy as np
import scipy.stats

from refimpl import _xp

__all__ = ["OrderEstimate", "assert_rate", "estimate_order"]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEstimate:
    """Result of :func:`estimate_order`: the fit ``log(err) ~ intercept + slope * log(x)``
    (on ``scale="loglog"``; the semilog scales drop one of the logarithms).

    Attributes
    ----------
    slope, intercept : float
        Least-squares slope and intercept (natural logarithms; the slope does not depend on
        the base).
    stderr : float
        Standard error of the slope, ``sqrt(s^2 / sum((log x - mean)^2))`` with ``s^2`` the
        residual variance over ``n_points - 2`` degrees of freedom (0 for an exact power law).
    ci_low, ci_high : float
        The two-sided confidence band ``slope -/+ t_{(1+confidence)/2, n-2} * stderr``.
    confidence : float
        The band's confidence level (0.95 by default).
    n_points : int
        Number of points in the fitted window.
    x_decades, err_decades : float
        ``log10(max / min)`` of ``x`` and of ``err`` over the fitted window.
    """

    slope: float
    intercept: float
    stderr: float
    ci_low: float
    ci_high: float
    confidence: float
    n_points: int
    x_decades: float
    err_decades: float


Scale = Literal["loglog", "semilogy", "semilogx"]
_SCALES = ("loglog", "semilogy", "semilogx")


def _host_1d(a: Any, name: str, *, positive: bool = True) -> np.ndarray:
    if compat.is_array_api_obj(a):
        h = _xp.to_host(a)
    elif isinstance(a, list | tuple):
        h = np.asarray(a)
    else:
        msg = f"{name} must be a 1-D array or a list of numbers; got {type(a).__name__}"
        raise TypeError(msg)
    if h.dtype.kind not in "iuf":
        msg = f"{name} must hold real numbers; got dtype {h.dtype}"
        raise TypeError(msg)
    if h.ndim != 1:
        msg = f"{name} must be 1-D; got shape {h.shape}"
        raise ValueError(msg)
    h = h.astype(np.float64)
    if not np.all(np.isfinite(h)):
        msg = f"{name} must be finite; got {h.tolist()}"
        raise ValueError(msg)
    bad = np.flatnonzero(h <= 0)
    if positive and bad.size:
        msg = (
            f"{name} must be positive (it is fitted on a log scale); got {h[bad[0]]!r} at "
            f"index {int(bad[0])}"
        )
        raise ValueError(msg)
    return h


def _window(x: np.ndarray, window: Any) -> np.ndarray:
    """Boolean mask of the points with lo <= x <= hi."""
    if window is None:
        return np.ones(x.shape, dtype=bool)
    if not isinstance(window, tuple) or len(window) != 2:
        msg = f"window must be None or a (lo, hi) tuple on x; got {window!r}"
        raise TypeError(msg)
    lo, hi = window
    for v, nm in ((lo, "window[0]"), (hi, "window[1]")):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            msg = f"{nm} must be a real number or None; got {type(v).__name__}"
            raise TypeError(msg)
    lo_v = -math.inf if lo is None else float(lo)
    hi_v = math.inf if hi is None else float(hi)
    if not lo_v <= hi_v:
        msg = f"window must satisfy lo <= hi; got {window!r}"
        raise ValueError(msg)
    return (x >= lo_v) & (x <= hi_v)


def _check_scale(scale: Any) -> str:
    if scale not in _SCALES:
        msg = f"scale must be one of {_SCALES}; got {scale!r}"
        raise ValueError(msg)
    return str(scale)


def _prepare(x: Any, err: Any, window: Any, scale: str = "loglog") -> tuple[np.ndarray, np.ndarray]:
    xh = _host_1d(x, "x", positive=scale != "semilogy")
    eh = _host_1d(err, "err", positive=scale != "semilogx")
    if xh.shape != eh.shape:
        msg = f"x and err must have the same length; got {xh.size} and {eh.size}"
        raise ValueError(msg)
    mask = _window(xh, window)
    xw, ew = xh[mask], eh[mask]
    if xw.size < 3:
        msg = (
            f"estimate_order needs at least 3 points in the window; got {xw.size} "
            f"(window={window!r}, x={xh.tolist()})"
        )
        raise ValueError(msg)
    if np.ptp(xw) == 0:
        msg = f"x must take at least two distinct values; got {xw.tolist()}"
        raise ValueError(msg)
    return xw, ew


def estimate_order(
    x: Any,
    err: Any,
    /,
    *,
    window: tuple[float | None, float | None] | None = None,
    scale: Scale = "loglog",
) -> OrderEstimate:
    r"""Fit the order ``p`` of ``err ~ C x^p`` by least squares on ``log err`` vs ``log x``.

    With ``scale="semilogy"`` the fit is ``log err`` vs ``x`` (a geometric rate
    ``err ~ C rho^x`` has slope ``log rho``); with ``scale="semilogx"`` it is ``err`` vs
    ``log x`` (logarithmic growth ``err ~ a + b log x`` has slope ``b``).

    Parameters
    ----------
    x : array_like, shape (m,)
        Positive abscissae: sizes ``n``, iteration counts ``k``, step sizes ``h``, ... (a
        list, a NumPy array or any Array API array; copied to the host).
    err : array_like, shape (m,)
        Positive errors at ``x``.
    window : (lo, hi) or None
        The asymptotic range: only points with ``lo <= x <= hi`` are fitted; either bound
        may be ``None`` (unbounded). Example: ``window=(64, None)`` keeps ``n >= 64``;
        ``window=(None, 1e-2)`` keeps ``h <= 1e-2``. ``None`` fits every point.
    scale : {"loglog", "semilogy", "semilogx"}, default "loglog"
        Which axes are logarithmic. ``"semilogy"`` allows ``x <= 0``; ``"semilogx"`` allows
        ``err <= 0``.

    Returns
    -------
    OrderEstimate
        ``slope``, ``intercept``, ``stderr``, the 95% band ``ci_low``/``ci_high``,
        ``confidence``, ``n_points``, ``x_decades``, ``err_decades`` (``nan`` where the
        axis holds non-positive values, which only the semilog scales allow).

    Raises
    ------
    TypeError
        If ``x`` or ``err`` is not numeric (bool, complex, object) or ``window`` is malformed.
    ValueError
        If they are not 1-D of equal length, hold non-finite values or non-positive values
        on a log axis, if the window keeps fewer than 3 points or a single distinct ``x``,
        or if ``scale`` is unknown.

    Notes
    -----
    Ordinary least squares with ``u = log x``, ``v = log err``: ``slope = S_uv / S_uu``,
    ``stderr = sqrt(SSR / (m - 2) / S_uu)``, band ``slope -/+ t_{0.975, m-2} stderr``
    (Student t quantile from :mod:`scipy.stats`). The band assumes independent, equally
    noisy log-errors; errors from one iteration history are correlated, so read the band
    as indicative and prefer fitting the across-seed median (CONVENTIONS.md, Sec. 4). Fit
    only the asymptotic range: exclude the pre-asymptotic transient and the round-off floor.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing import estimate_order
    >>> n = np.array([8, 16, 32, 64, 128, 256])
    >>> fit = estimate_order(n, 3.0 / n**2)
    >>> round(fit.slope, 10), fit.n_points
    (-2.0, 6)
    >>> n = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
    >>> err = 3.0 / n**2 + 1e-6                       # a floor at 1e-6 bends the tail
    >>> round(estimate_order(n, err).slope, 2)
    -1.96
    >>> fit = estimate_order(n, err, window=(None, 128))   # the range before the floor
    >>> fit.n_points, round(fit.slope, 2)
    (5, -2.0)
    >>> k = np.arange(0, 50, 5)
    >>> round(estimate_order(k, 2.0 * 0.9**k, scale="semilogy").slope, 6)  # log(0.9)
    -0.105361
    >>> T = np.array([10, 100, 1000, 10000])
    >>> round(estimate_order(T, 3.0 * np.log(T) - 1.0, scale="semilogx").slope, 6)
    3.0
    """
    sc = _check_scale(scale)
    xw, ew = _prepare(x, err, window, sc)
    u = xw if sc == "semilogy" else np.log(xw)
    v = ew if sc == "semilogx" else np.log(ew)
    m = u.size
    um, vm = u.mean(), v.mean()
    suu = float(np.sum((u - um) ** 2))
    slope = float(np.sum((u - um) * (v - vm)) / suu)
    intercept = float(vm - slope * um)
    ssr = float(np.sum((v - intercept - slope * u) ** 2))
    stderr = math.sqrt(ssr / (m - 2) / suu)
    confidence = 0.95
    half = float(scipy.stats.t.ppf(0.5 + confidence / 2, m - 2)) * stderr
    return OrderEstimate(
        slope=slope,
        intercept=intercept,
        stderr=stderr,
        ci_low=slope - half,
        ci_high=slope + half,
        confidence=confidence,
        n_points=m,
        x_decades=_decades(xw),
        err_decades=_decades(ew),
    )


def _decades(a: np.ndarray) -> float:
    return float(np.log10(a.max() / a.min())) if np.all(a > 0) else math.nan


def _fmt(a: np.ndarray) -> str:
    return np.array2string(a, precision=4, max_line_width=100, separator=", ")


def assert_rate(
    x: Any,
    err: Any,
    /,
    *,
    expected: float,
    tol: float,
    window: tuple[float | None, float | None] | None = None,
    min_decades: float = 2.0,
    scale: Scale = "loglog",
) -> OrderEstimate:
    r"""Assert that ``err`` decays like ``x**expected``: ``|slope - expected| <= tol``.

    Parameters
    ----------
    x, err : array_like, shape (m,)
        Positive abscissae and errors (lists, NumPy or any Array API arrays).
    expected : float
        The expected slope of ``log err`` vs ``log x`` (e.g. ``-2.0`` for a second-order
        method in ``n``, ``+2.0`` in the step size ``h``).
    tol : float
        Allowed ``|slope - expected|``, ``> 0``.
    window : (lo, hi) or None
        The asymptotic range on ``x``, as in :func:`estimate_order`.
    min_decades : float, default 2.0
        The errors in the window must span at least this many decades,
        ``log10(max err / min err) >= min_decades``; a rate read off a narrower range is
        refused (CONVENTIONS.md, Sec. 4). ``0`` disables the check (e.g. for
        ``expected = 0``). With ``scale="semilogx"`` (errors on a linear axis) the check
        is not applied.
    scale : {"loglog", "semilogy", "semilogx"}, default "loglog"
        The axes of the fit, as in :func:`estimate_order`; ``expected`` is the slope on
        those axes (``log rho`` for a geometric rate on ``"semilogy"``).

    Returns
    -------
    OrderEstimate
        The fit, for reporting.

    Raises
    ------
    AssertionError
        If the slope is off by more than ``tol`` or the errors span fewer than
        ``min_decades`` decades; the message gives the slope, its band and the data.
    TypeError, ValueError
        For degenerate input (see :func:`estimate_order`) or bad ``expected``/``tol``/
        ``min_decades``.

    Notes
    -----
    The verdict uses the point estimate, not the band: ``tol`` is the documented modelling
    tolerance of the test, and the band is printed to show how well the data pin the slope.

    Examples
    --------
    >>> import numpy as np
    >>> from refimpl.testing import assert_rate
    >>> h = np.logspace(-3, -1, 9)
    >>> fit = assert_rate(h, 0.5 * h**2, expected=2.0, tol=0.1)
    >>> try:
    ...     assert_rate(h, 0.5 * h**2, expected=1.0, tol=0.1)
    ... except AssertionError as e:
    ...     print(str(e)[:44])
    assert_rate: fitted slope 2.0000 (95% band [
    """
    if isinstance(expected, bool) or not isinstance(expected, numbers.Real):
        msg = f"expected must be a real number; got {type(expected).__name__}"
        raise TypeError(msg)
    if not math.isfinite(float(expected)):
        msg = f"expected must be finite; got {expected!r}"
        raise ValueError(msg)
    tol_v = _xp.positive_float(tol, name="tol")
    if isinstance(min_decades, bool) or not isinstance(min_decades, numbers.Real):
        msg = f"min_decades must be a non-negative real number; got {type(min_decades).__name__}"
        raise TypeError(msg)
    if not (math.isfinite(float(min_decades)) and min_decades >= 0):
        msg = f"min_decades must be a non-negative real number; got {min_decades!r}"
        raise ValueError(msg)
    fit = estimate_order(x, err, window=window, scale=scale)
    xw, ew = _prepare(x, err, window, scale)
    data = f"x = {_fmt(xw)}\nerr = {_fmt(ew)}"
    band = f"{fit.confidence:.0%} band [{fit.ci_low:.4f}, {fit.ci_high:.4f}]"
    if scale != "semilogx" and fit.err_decades < min_decades:
        msg = (
            f"assert_rate: the errors span only {fit.err_decades:.2f} decades in the window, "
            f"fewer than min_decades = {min_decades:g}; a rate needs the error to fall across "
            f"a wider range (extend the sweep, or lower min_decades deliberately). Fitted slope "
            f"{fit.slope:.4f} ({band}), expected {float(expected):g}.\n{data}"
        )
        raise AssertionError(msg)
    if not abs(fit.slope - float(expected)) <= tol_v:
        msg = (
            f"assert_rate: fitted slope {fit.slope:.4f} ({band}, stderr {fit.stderr:.2g}, "
            f"{fit.n_points} points) differs from expected {float(expected):g} by "
            f"{abs(fit.slope - float(expected)):.4f} > tol = {tol_v:g}.\n{data}"
        )
        raise AssertionError(msg)
    return fit
