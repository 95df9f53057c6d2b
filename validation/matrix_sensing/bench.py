"""Benchmark: cost of one GD step, symmetric (X X^T) against asymmetric (F G^T), and the
sensing normal operator against the dense (n^2 x n^2) normal matrix.

Same process, repeats interleaved, medians. Ratios only (timings depend on the machine):
``gd_asymmetric / gd_symmetric`` per step (sensing operator, m = 4 n^2 / 5), and
``SensingOperator.normal`` (two m x n^2 products) against one product with the precomputed
dense matrix A^T A / m (n^2 x n^2), a faster but O(n^4)-memory alternative.
Run ``python validation/matrix_sensing/bench.py [--full]`` or
``refimpl bench --only matrix_sensing``.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

from refimpl.optim.matrix_sensing import (
    gd_asymmetric,
    gd_symmetric,
    ground_truth,
    initialize_asymmetric,
    initialize_symmetric,
    sensing_operator,
)

QUICK: dict[str, Any] = {"n": [10, 20], "steps": 50, "repeats": 3}
FULL: dict[str, Any] = {"n": [10, 20, 40], "steps": 200, "repeats": 5}


def _median(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Per size: GD step ratio asym/sym and normal-operator ratio sensing/dense."""
    cases: list[dict[str, Any]] = []
    steps, reps = int(config["steps"]), int(config["repeats"])
    for n in config["n"]:
        cases.extend(_size(int(n), steps, reps))
    return {"cases": cases}


def _size(n: int, steps: int, reps: int) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    m = max(4 * n * n // 5, 10)
    op_s = sensing_operator(n, n, m, symmetric=True, rng=0)
    op_a = sensing_operator(n, n, m, rng=0)
    ms = ground_truth(n, n, 3, symmetric=True, rng=1)
    x0 = initialize_symmetric(n, 5, alpha=0.1, rng=2)
    f0, g0 = initialize_asymmetric(n, n, 5, alpha=0.1, rng=2)
    kw = {"step": 0.01, "n_iter": steps, "record_every": steps}
    gd_symmetric(op_s, ms, x0, **kw)  # warm-up
    gd_asymmetric(op_a, ms, f0, g0, **kw)
    t_sym = _median(lambda: gd_symmetric(op_s, ms, x0, **kw), reps)
    t_asym = _median(lambda: gd_asymmetric(op_a, ms, f0, g0, **kw), reps)
    cases.append(
        {
            "name": f"gd_asymmetric step, n={n}, m={m}",
            "n": n,
            "seconds_median": t_asym / steps,
            "baseline": "gd_symmetric step (same n, m)",
            "baseline_seconds_median": t_sym / steps,
            "ratio": t_asym / t_sym,
            "goal_ratio": 2.5,  # two factor updates instead of one: about 2x
            "meets_goal": bool(t_asym / t_sym <= 2.5),
            "repeats": reps,
        }
    )
    flat = np.asarray(op_a.matrices).reshape(m, n * n)
    dense = flat.T @ flat / m
    e = np.random.default_rng(3).standard_normal((n, n))
    t_op = _median(lambda: [op_a.normal(e) for _ in range(steps)], reps)
    t_dense = _median(lambda: [dense @ e.reshape(-1) for _ in range(steps)], reps)
    err = float(np.max(np.abs(op_a.normal(e) - (dense @ e.reshape(-1)).reshape(n, n))))
    cases.append(
        {
            "name": f"SensingOperator.normal, n={n}, m={m}",
            "n": n,
            "seconds_median": t_op / steps,
            "baseline": "dense (n^2 x n^2) normal matrix product",
            "baseline_seconds_median": t_dense / steps,
            "ratio": t_op / t_dense,
            "goal_ratio": 3.0,  # 2 m n^2 vs n^4 flops, m = 0.8 n^2: about 1.6x, O(m n^2) memory
            "meets_goal": bool(t_op / t_dense <= 3.0),
            "repeats": reps,
            "max_abs_diff": err,
        }
    )
    return cases


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
