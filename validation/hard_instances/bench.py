"""Benchmark: the chain gradient (closed form, O(T)) against torch autograd of the chain value,
and the tridiagonal Hessian against a finite-difference Hessian from 2T gradient calls.

Same process, repeats interleaved, medians, ratios only. Run
``python validation/hard_instances/bench.py [--full]`` or ``refimpl bench --only hard_instances``.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from typing import Any

import numpy as np

from refimpl.optim.hard_instances import chain_gradient, chain_hessian

QUICK: dict[str, Any] = {"T": [10, 100], "batch": 256, "repeats": 5}
FULL: dict[str, Any] = {"T": [10, 100, 1000], "batch": 1024, "repeats": 9}


def _median(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Per T: closed-form Hessian vs finite differences; gradient vs torch autograd."""
    cases: list[dict[str, Any]] = []
    reps = int(config["repeats"])
    have_torch = importlib.util.find_spec("torch") is not None
    for t in config["T"]:
        cases.extend(_size(int(t), int(config["batch"]), reps, have_torch))
    return {"cases": cases, "torch": "present" if have_torch else "absent"}


def _size(t: int, batch: int, reps: int, have_torch: bool) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    x = np.random.default_rng(0).uniform(-1.5, 1.5, (batch, t))
    h = 1e-5
    eye = np.eye(int(t))

    def fd_hessian() -> np.ndarray:
        cols = [(chain_gradient(x + h * e) - chain_gradient(x - h * e)) / (2 * h) for e in eye]
        return np.stack(cols, axis=-1)

    if t <= 100:
        t_h = _median(lambda: chain_hessian(x), reps)
        t_fd = _median(fd_hessian, max(1, reps // 2))
        cases.append(
            {
                "name": f"chain_hessian, T={t}, batch={x.shape[0]}",
                "seconds_median": t_h,
                "baseline": "central finite differences (2T chain_gradient calls)",
                "baseline_seconds_median": t_fd,
                "n": t,
                "ratio": t_h / t_fd,
                "goal_ratio": 1.0,
                "meets_goal": bool(t_h <= t_fd),
                "max_abs_diff": float(np.max(np.abs(chain_hessian(x) - fd_hessian()))),
            }
        )
    if have_torch:
        import torch

        from refimpl.optim.hard_instances import chain_function

        xt = torch.tensor(x)

        def autograd() -> Any:
            y = xt.clone().requires_grad_(True)
            return torch.autograd.grad(chain_function(y).sum(), y)[0]

        t_g = _median(lambda: chain_gradient(xt), reps)
        t_a = _median(autograd, reps)
        cases.append(
            {
                "name": f"chain_gradient (torch), T={t}, batch={x.shape[0]}",
                "seconds_median": t_g,
                "baseline": "torch autograd of chain_function",
                "baseline_seconds_median": t_a,
                "n": t,
                "ratio": t_g / t_a,
                "goal_ratio": 1.0,
                "meets_goal": bool(t_g <= t_a),
                "max_abs_diff": float((chain_gradient(xt) - autograd()).abs().max()),
            }
        )
    return cases


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
