"""The GP-HM paper's benchmark PDEs: exact solutions, sources, boundary data and grids.

Fang, Cooley, Long, Li, Kirby, Zhe, ICLR 2024, arXiv:2311.04465, Sec. 6 (1-D and 2-D Poisson,
Allen-Cahn and advection with high-frequency and multi-scale solutions); the case names and
settings are those of the official configuration files (``code/config/*.yaml``, ``run_1d.sh``,
``run_2d.sh``; refimpl spec 1.1 table). Sources ``f`` are the operator applied to the exact
solution in closed form (derivatives written out by hand and checked against SymPy in the
tests); boundary data are the exact solution on the boundary in the order of
:func:`refimpl.gp.boundary_values`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from refimpl import _xp
from refimpl.gp.solver import GridPDE, boundary_values

__all__ = ["BENCHMARKS", "GPHMBenchmark", "benchmark_problem"]

Array = Any
_TWO_PI = 2.0 * math.pi


@dataclasses.dataclass(frozen=True)
class _Case:
    kind: str  # poisson | allencahn | advection
    length: float  # domain [0, length]^d
    d: int
    n_col: int  # collocation points per axis (official)
    freq_scale: float
    n_steps: int  # official Adam steps (run_1d.sh / run_2d.sh)
    llk_weight: float
    freqs: tuple[tuple[float, ...], ...]  # true angular frequencies per axis (rad / unit)
    u: Callable[..., np.ndarray]
    lap: Callable[..., np.ndarray]  # sum_j u_{x_j x_j} (unused for advection)


def _s(a: float, x: np.ndarray) -> np.ndarray:
    return np.sin(a * x)


def _c(a: float, x: np.ndarray) -> np.ndarray:
    return np.cos(a * x)


# 1-D factors and their second derivatives (product rule written out)
def _sincos(x: np.ndarray) -> np.ndarray:  # sin 6x cos 100x
    return _s(6, x) * _c(100, x)


def _sincos_xx(x: np.ndarray) -> np.ndarray:
    return -(36.0 + 1e4) * _s(6, x) * _c(100, x) - 1200.0 * _c(6, x) * _s(100, x)


def _mixsin(x: np.ndarray) -> np.ndarray:  # sin x + 0.1 sin 20x + 0.05 sin 100x
    return _s(1, x) + 0.1 * _s(20, x) + 0.05 * _s(100, x)


def _mixsin_xx(x: np.ndarray) -> np.ndarray:
    return -_s(1, x) - 40.0 * _s(20, x) - 500.0 * _s(100, x)


def _sinaddcos(x: np.ndarray) -> np.ndarray:  # sin 6x cos 20x
    return _s(6, x) * _c(20, x)


def _sinaddcos_xx(x: np.ndarray) -> np.ndarray:
    return -(36.0 + 400.0) * _s(6, x) * _c(20, x) - 240.0 * _c(6, x) * _s(20, x)


def _ac2d(x: np.ndarray) -> np.ndarray:  # sin x + 0.1 sin 20x + cos 100x
    return _s(1, x) + 0.1 * _s(20, x) + _c(100, x)


def _ac2d_xx(x: np.ndarray) -> np.ndarray:
    return -_s(1, x) - 40.0 * _s(20, x) - 1e4 * _c(100, x)


_CASES: dict[str, _Case] = {
    "poisson_1d-single_sin": _Case(
        "poisson", _TWO_PI, 1, 400, 20.0, 100_000, 200.0, ((100.0,),),
        lambda x: _s(100, x), lambda x: -1e4 * _s(100, x),
    ),
    "poisson_1d-x_time_sinx": _Case(
        "poisson", _TWO_PI, 1, 900, 50.0, 100_000, 200.0, ((200.0,),),
        lambda x: x * _s(200, x), lambda x: 400.0 * _c(200, x) - 4e4 * x * _s(200, x),
    ),
    "poisson_1d-sin_cos": _Case(
        "poisson", _TWO_PI, 1, 400, 20.0, 100_000, 200.0, ((94.0, 106.0),), _sincos, _sincos_xx
    ),
    "poisson_1d-mix_sin": _Case(
        "poisson", 1.0, 1, 900, 30.0, 100_000, 200.0, ((1.0, 20.0, 100.0),), _mixsin, _mixsin_xx
    ),
    "poisson_1d-x2_add_sinx": _Case(
        "poisson", 1.0, 1, 400, 100.0, 1_000_000, 200.0, ((500.0,),),
        lambda x: _s(500, x) - 2.0 * (x - 0.5) ** 2, lambda x: -2.5e5 * _s(500, x) - 4.0,
    ),
    "allencahn_1d-single_sin": _Case(
        "allencahn", _TWO_PI, 1, 400, 20.0, 100_000, 200.0, ((100.0,),),
        lambda x: _s(100, x), lambda x: -1e4 * _s(100, x),
    ),
    "allencahn_1d-sin_cos": _Case(
        "allencahn", _TWO_PI, 1, 400, 20.0, 100_000, 200.0, ((94.0, 106.0),), _sincos, _sincos_xx
    ),
    "poisson_2d-sin_sin": _Case(
        "poisson", _TWO_PI, 2, 400, 20.0, 1_000_000, 200.0, ((100.0,), (100.0,)),
        lambda x, y: _s(100, x) * _s(100, y), lambda x, y: -2e4 * _s(100, x) * _s(100, y),
    ),
    "poisson_2d-sin_add_cos": _Case(
        "poisson", _TWO_PI, 2, 200, 20.0, 1_000_000, 200.0, ((14.0, 26.0), (14.0, 26.0)),
        lambda x, y: _sinaddcos(x) + _sinaddcos(y),
        lambda x, y: _sinaddcos_xx(x) + _sinaddcos_xx(y),
    ),
    "allencahn_2d-mix-sincos": _Case(
        "allencahn", 1.0, 2, 400, 30.0, 3_000_000, 200.0,
        ((1.0, 20.0, 100.0), (1.0, 20.0, 100.0)),
        lambda x, y: _ac2d(x) * _ac2d(y),
        lambda x, y: _ac2d_xx(x) * _ac2d(y) + _ac2d(x) * _ac2d_xx(y),
    ),
    "advection-sin": _Case(
        "advection", 1.0, 2, 200, 40.0, 1_000_000, 500.0, ((1.0,), (200.0,)),
        lambda x, y: np.sin(x - 200.0 * y), lambda x, y: np.zeros(np.broadcast(x, y).shape),
    ),
}  # fmt: skip

#: Names of the benchmark cases (the official configuration names).
BENCHMARKS: tuple[str, ...] = tuple(_CASES)


@dataclasses.dataclass(frozen=True)
class GPHMBenchmark:
    r"""One benchmark PDE of the GP-HM paper, ready for :func:`refimpl.gp.gphm_fit`.

    Attributes
    ----------
    name : str
        Official configuration name, e.g. ``"poisson_1d-single_sin"``.
    problem : GridPDE
        Uniform collocation grid on ``[0, L]^d`` (boundary included), source and boundary data.
    exact : callable
        ``exact(grids) -> numpy.ndarray``: the exact solution on the tensor grid of the host
        1-D coordinate arrays ``grids`` (the ``exact`` argument of :func:`~refimpl.gp.gphm_fit`).
    test_grids : tuple of arrays, shapes (n_test,)
        Uniform test coordinates per axis (the paper: 300 per axis), in the problem's namespace.
    domain : tuple of (float, float)
        ``(0, L)`` per axis.
    true_frequencies : tuple of tuple of float
        The exact solution's frequencies per axis in cycles per unit (``a / (2 pi)`` for a
        factor ``sin(a x)``), increasing.
    freq_scale : float
        The official initial frequency range (``mu = linspace(0, 1, Q) freq_scale``).
    n_steps : int
        The official number of Adam steps.

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 6.

    Examples
    --------
    >>> from refimpl.gp import benchmark_problem
    >>> b = benchmark_problem("poisson_2d-sin_add_cos", n_col=16, n_test=5)
    >>> b.problem.shape, b.test_grids[0].shape
    ((16, 16), (5,))
    """

    name: str
    problem: GridPDE
    exact: Callable[[Sequence[np.ndarray]], np.ndarray]
    test_grids: tuple[Any, ...]
    domain: tuple[tuple[float, float], ...]
    true_frequencies: tuple[tuple[float, ...], ...]
    freq_scale: float
    n_steps: int


def _tensor(fn: Callable[..., np.ndarray], grids: Sequence[np.ndarray]) -> np.ndarray:
    mesh = np.meshgrid(*[np.asarray(g, dtype=np.float64) for g in grids], indexing="ij")
    return np.asarray(fn(*mesh), dtype=np.float64)


def benchmark_problem(
    name: str,
    /,
    *,
    n_col: int | None = None,
    n_test: int = 300,
    xp: Any = None,
    dtype: Any = None,
    device: Any = None,
) -> GPHMBenchmark:
    r"""A benchmark PDE of the GP-HM paper on a uniform collocation grid.

    Parameters
    ----------
    name : str
        One of :data:`BENCHMARKS`: ``poisson_1d-single_sin`` (``u = sin 100x``, ``[0, 2 pi]``),
        ``poisson_1d-x_time_sinx`` (``x sin 200x``), ``poisson_1d-sin_cos``
        (``sin 6x cos 100x``), ``poisson_1d-mix_sin`` (``sin x + 0.1 sin 20x + 0.05 sin 100x``,
        ``[0, 1]``), ``poisson_1d-x2_add_sinx`` (``sin 500x - 2 (x - 0.5)^2``, ``[0, 1]``),
        ``allencahn_1d-single_sin``, ``allencahn_1d-sin_cos`` (``u_xx + u (u^2 - 1) = f``),
        ``poisson_2d-sin_sin`` (``sin 100x sin 100y``, ``[0, 2 pi]^2``),
        ``poisson_2d-sin_add_cos`` (``sin 6x cos 20x + sin 6y cos 20y``),
        ``allencahn_2d-mix-sincos`` (``(sin x + 0.1 sin 20x + cos 100x)`` times the same in
        ``y``, ``[0, 1]^2``), ``advection-sin`` (``200 u_x + u_y = 0``, ``u = sin(x - 200 y)``,
        ``[0, 1]^2``, ``y`` is time).
    n_col : int or None
        Collocation points per axis (>= 3); ``None`` uses the official value (400, 900 or 200).
    n_test : int
        Test points per axis (the paper: 300).
    xp, dtype, device
        Namespace (default NumPy), floating dtype (default the namespace's default float) and
        device of the arrays.

    Returns
    -------
    GPHMBenchmark

    Raises
    ------
    TypeError, ValueError
        Unknown ``name``; ``n_col < 3`` or ``n_test < 1``; a non-namespace ``xp``.

    Notes
    -----
    Frequencies are in cycles per unit. ``f`` is the operator applied to the exact ``u`` in
    closed form, so the exact solution has zero continuous residual; the boundary weight
    ``llk_weight`` is 200 (Poisson, Allen-Cahn) or 500 (advection), the official values.
    The source is computed on the host in float64 and then cast: float32 data carry its
    rounding (``|f|`` reaches ``2.5e5``).

    References
    ----------
    .. [1] Fang et al., arXiv:2311.04465, Sec. 6; official configurations
       ``code/config/*.yaml`` and ``run_1d.sh``/``run_2d.sh``.

    Examples
    --------
    >>> from refimpl.gp import benchmark_problem
    >>> b = benchmark_problem("poisson_1d-single_sin")
    >>> b.problem.shape, round(b.true_frequencies[0][0], 3)
    ((400,), 15.915)
    """
    _xp.check_choice(name, BENCHMARKS, name="name")
    case = _CASES[name]
    n = case.n_col if n_col is None else _xp.positive_int(n_col, name="n_col")
    if n < 3:
        msg = f"n_col must be at least 3; got {n}"
        raise ValueError(msg)
    nt = _xp.positive_int(n_test, name="n_test")
    ns = _xp.creation_namespace(xp)
    dt = _xp.default_float(ns, device) if dtype is None else dtype

    def move(a: np.ndarray) -> Array:
        return _xp.from_host(a, xp=ns, dtype=dt, device=device)

    grid = np.linspace(0.0, case.length, n)
    grids = [grid] * case.d
    u = _tensor(case.u, grids)
    if case.kind == "advection":
        source = np.zeros_like(u)
    else:
        source = _tensor(case.lap, grids)
        if case.kind == "allencahn":
            source = source + u * (u * u - 1.0)
    problem = GridPDE(
        tuple(move(g) for g in grids),
        move(source),
        move(np.asarray(boundary_values(u))),
        kind=case.kind,
        coeffs=(200.0, 1.0),
        llk_weight=case.llk_weight,
    )
    fn = case.u

    def exact(test: Sequence[np.ndarray]) -> np.ndarray:
        return _tensor(fn, test)

    test = np.linspace(0.0, case.length, nt)
    return GPHMBenchmark(
        name=name,
        problem=problem,
        exact=exact,
        test_grids=tuple(move(test) for _ in range(case.d)),
        domain=tuple((0.0, case.length) for _ in range(case.d)),
        true_frequencies=tuple(tuple(a / _TWO_PI for a in ax) for ax in case.freqs),
        freq_scale=case.freq_scale,
        n_steps=case.n_steps,
    )
