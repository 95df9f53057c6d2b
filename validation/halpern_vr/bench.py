"""Benchmarks: wall time of Algorithm 1 against deterministic Halpern to the same residual, and
the numba VR-FoRB inner loop against the reference (``vr_halpern(variant="inexact")``).

Wall time to a fixed residual (always run): a random cocoercive linear problem (n = 400 quick,
1600 full, dim 4, seed 0), ``halpern`` (eta = 2 beta) vs ``vr_halpern(variant="page")``
(eta = 1.5 beta, as in ``reproduce.py``'s speed-up experiment) with ``tol = 1e-3``: the
oracle-call saving measured in seconds, including the sampling overhead (goal: ratio <= 1).

Numba (only when numba imports):

The matrix game (policeman and burglar, n = 100/200 quick, up to 500 full) with the official
constants of Algorithm 2; one whole run of ``vr_halpern(variant="inexact")`` with a fixed
budget and seed per backend, in the same process, repeats interleaved, medians; one untimed
warm-up call each (numba compilation, cached). Both backends consume the same host random
stream, so the runs are the same computation (checked: identical oracle counts, iterates equal
to 1e-12). Run ``python validation/halpern_vr/bench.py [--full]`` or
``refimpl bench --only halpern_vr``. Timings depend on the machine: compare ratios from one run.
"""

from __future__ import annotations

import importlib.util
import math
import statistics
import time
from typing import Any

import numpy as np

from refimpl.optim.halpern import (
    halpern,
    matrix_game,
    policeman_burglar_matrix,
    random_linear_problem,
    vr_halpern,
)

QUICK: dict[str, Any] = {"n": [100, 200], "epochs": 20, "repeats": 3, "wall_n": 400}
FULL: dict[str, Any] = {"n": [100, 200, 500], "epochs": 50, "repeats": 5, "wall_n": 1600}


def _wall_case(n: int, repeats: int) -> dict[str, Any]:
    """Seconds of Algorithm 1 vs deterministic Halpern to the residual 1e-3 (medians)."""
    p, _ = random_linear_problem(n, 4, rng=0)
    u0 = np.random.default_rng(7).standard_normal(4)
    beta = float(p.cocoercivity or 1.0)
    kw = {"tol": 1e-3, "max_oracle_calls": 10**9}
    runs = {
        "halpern": lambda: halpern(p, u0, **kw),
        "page": lambda: vr_halpern(p, u0, eta=1.5 * beta, rng=0, **kw),
    }
    calls = {k: int(f().oracle_calls[-1]) for k, f in runs.items()}  # warm-up, and the counts
    times: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(repeats):
        for k in list(runs)[r % 2 :] + list(runs)[: r % 2]:
            t = time.perf_counter()
            runs[k]()
            times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["page"] / med["halpern"]
    return {
        "name": f'vr_halpern(variant="page") to residual 1e-3, random cocoercive n={n}',
        "n": n,
        "seconds_median": med["page"],
        "baseline": "halpern (eta = 2 beta) to residual 1e-3",
        "baseline_seconds_median": med["halpern"],
        "ratio": ratio,
        "speedup": 1.0 / ratio,
        "goal_ratio": 1.0,
        "meets_goal": bool(ratio <= 1.0),
        "repeats": repeats,
        "oracle_calls": calls,
        "oracle_call_ratio": calls["page"] / calls["halpern"],
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Median wall times (module docstring); ``{"cases": [...]}``."""
    have_numba = importlib.util.find_spec("numba") is not None
    cases: list[dict[str, Any]] = [_wall_case(int(config["wall_n"]), int(config["repeats"]))]
    for n in config["n"] if have_numba else []:
        a = np.asarray(policeman_burglar_matrix(n))
        problem = matrix_game(a)
        fro, p = float(np.linalg.norm(a)), 1.0 / n
        kw = {
            "variant": "inexact",
            "c": math.sqrt(n) / fro,
            "gamma": 5 * math.sqrt(p * (1 - p)) / (math.sqrt(n) + 1),
            "max_oracle_calls": int(config["epochs"]) * n,
            "tol": 0.0,
            "rng": 0,
        }
        u0 = np.full(2 * n, 1.0 / n)
        backends = ["reference", "numba"] if have_numba else ["reference"]
        out = {b: vr_halpern(problem, u0, backend=b, **kw) for b in backends}  # warm-up
        times: dict[str, list[float]] = {b: [] for b in backends}
        for r in range(int(config["repeats"])):
            for b in backends[r % 2 :] + backends[: r % 2]:
                t = time.perf_counter()
                vr_halpern(problem, u0, backend=b, **kw)
                times[b].append(time.perf_counter() - t)
        if have_numba:
            same = bool(np.array_equal(out["numba"].oracle_calls, out["reference"].oracle_calls))
            err = float(np.max(np.abs(out["numba"].x - out["reference"].x)))
            med = {b: statistics.median(v) for b, v in times.items()}
            ratio = med["numba"] / med["reference"]
            cases.append(
                {
                    "name": f'vr_halpern(variant="inexact", backend="numba") game n={n}',
                    "n": n,
                    "seconds_median": med["numba"],
                    "baseline": 'vr_halpern(variant="inexact") reference',
                    "baseline_seconds_median": med["reference"],
                    "ratio": ratio,
                    "speedup": 1.0 / ratio,
                    "goal_ratio": 1.0,
                    "meets_goal": bool(ratio <= 1.0),
                    "repeats": int(config["repeats"]),
                    "same_oracle_calls": same,
                    "max_abs_diff_x": err,
                }
            )
    return {"cases": cases, "numba": "present" if have_numba else "absent (not importable)"}


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
