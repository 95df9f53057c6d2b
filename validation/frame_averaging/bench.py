"""Benchmark: the cost of frame averaging against the backbone alone.

Claim (paper Sec. 3.1 and Sec. 5; spec §2.2): FA costs |F| backbone calls (8 for E(3), 4 for
SE(3)) plus an O(n d^2) covariance and a d x d ``eigh`` per cloud. Backbone: a per-point MLP
(3 -> H -> H -> 3, tanh) on a batch of B clouds of n points in 3D, NumPy float64 on the CPU.
For each size, in one process with interleaved repeats (medians, one warm-up call each):

* ``frame_average(group="E", output="point")`` / backbone: goal ratio <= 8 * 2 (the 8 calls
  plus at most 100 % overhead for the frame, the un-framing and timing noise on a shared
  machine; measured 9.4-11);
* ``frame_average(group="SE")`` / backbone: goal <= 4 * 2 (measured 3.8-5.1);
* ``frame_average(vectorized=True)`` / backbone: goal <= 8 * 2 (one call on 8x the data);
* ``pca_frame`` / backbone: the frame alone, goal <= 1 (cheaper than one backbone call).

Run ``python validation/frame_averaging/bench.py [--full]`` or ``refimpl bench --only
frame_averaging``. Timings depend on the machine: compare ratios from one run only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from refimpl.validation import _common

from refimpl.frames import frame_average, pca_frame

QUICK: dict[str, Any] = {"sizes": [(16, 64), (32, 128)], "hidden": 64, "repeats": 5}
FULL: dict[str, Any] = {**QUICK, "sizes": [(16, 64), (64, 256), (128, 1024)], "repeats": 9}

BACKBONE = "per-point MLP backbone alone"


def _mlp(hidden: int, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    w1, b1 = rng.standard_normal((3, hidden)), rng.standard_normal(hidden)
    w2 = rng.standard_normal((hidden, hidden)) / np.sqrt(hidden)
    w3 = rng.standard_normal((hidden, 3)) / np.sqrt(hidden)

    def fn(y: np.ndarray) -> np.ndarray:
        return np.tanh(np.tanh(y @ w1 + b1) @ w2) @ w3

    return fn


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Time FA against the backbone alone; returns ``{"cases": [...]}``."""
    rng = np.random.default_rng(config.get("seed", 0))
    fn = _mlp(int(config["hidden"]), rng)
    cases = []
    for batch, n in config["sizes"]:
        x = rng.standard_normal((batch, n, 3)) * np.array([1.0, 2.0, 3.0])
        fns = {
            "backbone": functools.partial(fn, x),
            "E": functools.partial(frame_average, fn, x, output="point"),
            "SE": functools.partial(frame_average, fn, x, group="SE", output="point"),
            "E-vectorized": functools.partial(
                frame_average, fn, x, output="point", vectorized=True
            ),
            "pca_frame": functools.partial(pca_frame, x),
        }
        for f in fns.values():
            f()  # warm-up
        med = _common.interleaved_medians(fns, int(config["repeats"]), warmup=False)
        goals = {"E": 16.0, "SE": 8.0, "E-vectorized": 16.0, "pca_frame": 1.0}
        names = {
            "E": 'frame_average(group="E") (8 calls)',
            "SE": 'frame_average(group="SE") (4 calls)',
            "E-vectorized": 'frame_average(group="E", vectorized=True)',
            "pca_frame": "pca_frame alone",
        }
        for key, goal in goals.items():
            ratio = med[key] / med["backbone"]
            cases.append(
                {
                    "name": f"{names[key]} B={batch} n={n}",
                    "n": batch * n,
                    "seconds_median": med[key],
                    "baseline": BACKBONE,
                    "baseline_seconds_median": med["backbone"],
                    "ratio": ratio,
                    "goal_ratio": goal,
                    "meets_goal": bool(ratio <= goal),
                    "repeats": int(config["repeats"]),
                }
            )
    return {"cases": cases}


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
