"""Benchmark: the closed-form GP-HM solve for Poisson on 2D grids 64^2 .. 1024^2 and a 3D grid.

u = sin 100x sin 100y (3D: times sin 100z) on [0, 2 pi]^d, one GM component per axis at the
true frequency (rho^2 = 1e-2), tau_1 = 1e6, tau_2 = 1e2, lam_b = 200, float64 NumPy on the CPU,
``gphm_linear_solve(method="cg")``: matrix-free preconditioned CG in the joint eigenbasis of
``C`` (one ``eigh`` per distinct axis, mode products only, diagonal preconditioner). Every
case's baseline is the issue's absolute budget, 10 s (stated for 1024^2 on 2 cores), so
``ratio <= 1`` means "within the budget" and the 1024^2 case is the goal. The result also holds
the fitted time exponent in M = N^d over the 2D cases (``refimpl.testing.estimate_order``;
the algorithm is O(N^3) = O(M^1.5) in 2D: mode products and ``eigh``), the peak traced memory
(``tracemalloc``) per unknown, which must stay O(1) (a dense M x M matrix would need 8 M bytes
per unknown; the run asserts < 1 kB per unknown), the machine's CPU count and load average
(timings on a shared machine are noisy: the load is recorded with them).
Run ``python validation/gp_pde/bench.py [--quick|--full]`` or ``refimpl bench --only gp_pde``.
"""

from __future__ import annotations

import math
import os
import statistics
import time
import tracemalloc
from typing import Any

import numpy as np

from refimpl.gp import GPHMParams, GridPDE, boundary_values, gphm_linear_solve
from refimpl.testing import estimate_order

QUICK: dict[str, Any] = {"n2d": [64, 128, 256], "n3d": [24], "repeats": 2}
FULL: dict[str, Any] = {"n2d": [64, 128, 256, 512, 1024], "n3d": [64, 96], "repeats": 2}
BUDGET_S = 10.0  # issue 8: 1024^2 in under 10 s on 2 cores
MAX_BYTES_PER_UNKNOWN = 1e3  # a dense M x M float64 matrix needs 8 M bytes per unknown


def _problem(n: int, d: int = 2) -> tuple[GridPDE, GPHMParams]:
    x = np.linspace(0, 2 * math.pi, n)
    s = np.sin(100 * x)
    u = s
    for _ in range(d - 1):
        u = u[..., None] * s
    prob = GridPDE((x,) * d, -1e4 * d * u, boundary_values(u))
    par = GPHMParams(
        (np.zeros(1),) * d,
        (np.array([math.log(1e-2)]),) * d,
        (np.array([100 / (2 * math.pi)]),) * d,
        np.array(math.log(1e6)),
        np.array(math.log(1e2)),
    )
    return prob, par


def _case(n: int, d: int, repeats: int) -> dict[str, Any]:
    prob, par = _problem(n, d)
    times, cpu = [], []
    info: dict[str, Any] = {}
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        _, info = gphm_linear_solve(prob, par)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    tracemalloc.start()
    gphm_linear_solve(prob, par)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    m = n**d
    med = statistics.median(times)
    per_unknown = peak / m
    if per_unknown >= MAX_BYTES_PER_UNKNOWN:  # never a dense matrix
        msg = f"peak memory must stay O(M); got {per_unknown:.0f} bytes per unknown at {n}^{d}"
        raise AssertionError(msg)
    return {
        "name": f"closed-form Poisson {d}D {n}^{d}",
        "n": m,
        "seconds_median": med,
        "cpu_seconds_median": statistics.median(cpu),
        "baseline": "the issue's 10 s budget (stated for 1024^2, 2 cores)",
        "baseline_seconds_median": BUDGET_S,
        "ratio": med / BUDGET_S,
        "goal_ratio": 1.0,
        "meets_goal": bool(med <= BUDGET_S),
        "cg_iter": int(info["n_iter"]),
        "cg_residual": float(info["residual"]),
        "peak_bytes_per_unknown": per_unknown,
        "repeats": repeats,
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Time the cases of the module docstring; returns ``{"cases": [...], ...}``."""
    reps = int(config["repeats"])
    cases = [_case(n, 2, reps) for n in config["n2d"]]
    cases += [_case(n, 3, reps) for n in config["n3d"]]
    two = [c for c in cases if "2D" in c["name"]]
    exponent = float("nan")
    if len(two) >= 3:  # with 4+ grids drop the smallest (overhead-dominated)
        skip = 1 if len(two) >= 4 else 0
        ms = np.array([c["n"] for c in two], float)[skip:]
        secs = np.array([c["seconds_median"] for c in two])[skip:]
        exponent = float(estimate_order(ms, secs).slope)
    big = [c for c in two if c["n"] == 1024**2]
    return {
        "cases": cases,
        "time_exponent_in_M_2d": exponent,
        "max_peak_bytes_per_unknown": float(max(c["peak_bytes_per_unknown"] for c in cases)),
        "no_dense_matrix": True,  # asserted per case above
        "goal_1024_under_10s": bool(big[0]["meets_goal"]) if big else None,
        "cpu_count": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
    }


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
