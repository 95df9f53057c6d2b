"""Benchmark of ``tau_N(z)`` on grids: cost per grid point against the dictionary size N.

RBF-free synthetic data (random Gaussian ``psi_x``, ``psi_y`` of shape (M, N), uniform weights),
NumPy float64 on the CPU. For each N, ``pseudospectrum(z, ...)`` with ``method="qr"`` (batched
``eigvalsh`` of N x N Hermitian matrices, the official route) and ``method="svd"`` (batched
``svdvals`` of 2N x N matrices) is timed on a small grid, repeats interleaved, medians. Reported:
seconds per grid point, the fitted exponent in N (``estimate_order``), and the projected time of
the issue's target (200 x 200 grid, N = 500, M = 5e4) = 40 000 x the measured per-point time at
N = 500 plus the factorisation. No numba backend: each grid point is one LAPACK call already
(see README, "Performance").
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.koopman import pseudospectrum
from refimpl.testing import estimate_order

QUICK: dict[str, Any] = {"n": [25, 50, 100], "m": 2000, "points": 8, "repeats": 3}
FULL: dict[str, Any] = {"n": [50, 100, 200, 350, 500], "m": 50000, "points": 16, "repeats": 3}


def run(config: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(config.get("seed", 0))
    rows, cases = [], []
    for n in config["n"]:
        m = int(config["m"])
        px = rng.standard_normal((m, n))
        py = px @ (rng.standard_normal((n, n)) / np.sqrt(n)) + 0.1 * rng.standard_normal((m, n))
        w = np.full(m, 1.0 / m)
        z = rng.uniform(-1, 1, int(config["points"])) + 1j * rng.uniform(
            -1, 1, int(config["points"])
        )
        z1 = z[:1]
        times: dict[str, list[float]] = {"qr": [], "svd": [], "factor": []}
        for method in ("qr", "svd"):
            pseudospectrum(z1, px, py, w, method=method)  # warm-up
        for _ in range(int(config["repeats"])):
            for method in ("qr", "svd"):
                t0 = time.perf_counter()
                pseudospectrum(z, px, py, w, method=method)
                times[method].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pseudospectrum(z1, px, py, w, method="qr")
            times["factor"].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        per_point = {k: max(med[k] - med["factor"], 1e-9) / len(z) for k in ("qr", "svd")}
        rows.append(
            {
                "n": n,
                "m": m,
                **{f"{k}_seconds_per_point": v for k, v in per_point.items()},
                "factor_seconds": med["factor"],
            }
        )
        cases.append(
            {
                "name": f'pseudospectrum(method="svd") vs "qr" N={n}',
                "n": n,
                "seconds_median": med["svd"],
                "baseline": 'method="qr"',
                "baseline_seconds_median": med["qr"],
                "ratio": med["svd"] / med["qr"],
                "goal_ratio": 3.0,
                "meets_goal": bool(med["svd"] / med["qr"] <= 3.0),
                "repeats": int(config["repeats"]),
            }
        )
    ns = np.asarray([r["n"] for r in rows], dtype=float)
    fit = estimate_order(ns, np.asarray([r["qr_seconds_per_point"] for r in rows]))
    last = rows[-1]
    projected = 40000 * last["qr_seconds_per_point"] * (500 / last["n"]) ** fit.slope
    return {
        "cases": cases,
        "rows": rows,
        "qr_exponent": fit.slope,
        "projected_seconds_200x200_N500": projected,
    }


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``koopman-bench.png``: seconds per grid point against N."""
    import matplotlib.pyplot as plt

    rows = result["rows"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for key in ("qr", "svd"):
        ax.loglog(
            [r["n"] for r in rows],
            [r[f"{key}_seconds_per_point"] for r in rows],
            "o-",
            label=f'method="{key}"',
        )
    ax.set_xlabel("N")
    ax.set_ylabel("seconds per grid point")
    ax.legend()
    path = Path(outdir) / "koopman-bench.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
