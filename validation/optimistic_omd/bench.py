"""Cost of the learners per round, as ratios measured in one process.

Cases (NumPy float64, 8 independent runs, T = 256 rounds of an i.i.d. SEA quadratic):

* the two-layer ensemble (K base learners on the geometric step grid plus the meta-learner) /
  one adaptive optimistic OGD learner: the goal ratio is K + 1 (the ensemble does K bases and
  one Hedge step per round, with one gradient query);
* optimistic ONS / optimistic OGD at d = 4 and 16: no goal beyond d^3 (eigendecompositions
  only when an iterate leaves the ball), listed with goal ratio 50.

Run ``python validation/optimistic_omd/bench.py`` or ``refimpl bench --only optimistic_omd``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from refimpl.optim.online import (
    OptimisticEnsemble,
    OptimisticOMD,
    OptimisticONS,
    run_online,
    sea_iid,
)

QUICK: dict[str, Any] = {"T": 256, "runs": 8, "dims": [4, 16], "repeats": 3}
FULL: dict[str, Any] = {"T": 2048, "runs": 8, "dims": [4, 16, 64], "repeats": 5}


def _median(fns: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {k: [] for k in fns}
    names = list(fns)
    for r in range(repeats):
        for k in names[r % len(names) :] + names[: r % len(names)]:
            start = time.perf_counter()
            fns[k]()
            times[k].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def run(config: dict[str, Any]) -> dict[str, Any]:
    T, runs = int(config["T"]), int(config["runs"])
    cases = []
    for d in config["dims"]:
        env = sea_iid(T, d, noise=1.0, n_runs=runs, rng=0)
        x0 = np.zeros((runs, d))
        ens_k = OptimisticEnsemble(
            x0, domain=env.domain, horizon=T, grad_bound=env.grad_bound, smoothness=1.0
        ).n_bases
        fns = {
            "omd": lambda env=env, x0=x0: run_online(
                OptimisticOMD(x0, domain=env.domain, grad_bound=env.grad_bound), env
            ),
            "ensemble": lambda env=env, x0=x0: run_online(
                OptimisticEnsemble(
                    x0, domain=env.domain, horizon=T, grad_bound=env.grad_bound, smoothness=1.0
                ),
                env,
            ),
            "ons": lambda env=env, x0=x0: run_online(
                OptimisticONS(x0, domain=env.domain, beta=1.0 / env.grad_bound**2), env
            ),
        }
        for f in fns.values():
            f()  # warm-up
        med = _median(fns, int(config["repeats"]))
        for key, label, goal in (
            ("ensemble", f"OptimisticEnsemble (K={ens_k}) d={d}", float(ens_k + 1)),
            ("ons", f"OptimisticONS d={d}", 50.0),
        ):
            ratio = med[key] / med["omd"]
            cases.append(
                {
                    "name": label,
                    "n": T * runs,
                    "seconds_median": med[key],
                    "baseline": "OptimisticOMD (adaptive)",
                    "baseline_seconds_median": med["omd"],
                    "ratio": ratio,
                    "goal_ratio": goal,
                    "meets_goal": bool(ratio <= goal),
                    "d": d,
                }
            )
    return {"cases": cases}


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
