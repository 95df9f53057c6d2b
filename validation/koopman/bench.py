"""Benchmark of ``tau_N(z)`` on grids: cost per grid point against the dictionary size N.

Synthetic data (random Gaussian ``psi_x``, ``psi_y`` of shape (M, N), uniform weights), NumPy
float64 on the CPU. For each N:

* ``pseudospectrum(z, ...)`` with ``method="qr"`` (batched ``eigvalsh`` of N x N Hermitian
  matrices, the official route) and ``method="svd"`` (batched ``svdvals`` of 2N x N matrices) on
  a small grid, repeats interleaved, medians of the whole calls (factorisation included; a
  one-point call times the factorisation);
* the two routes for the batch of small Hermitian eigenproblems, on the same matrices (one
  full batch of grid points): ``backend="reference"`` (one batched ``numpy.linalg.eigvalsh``
  call per batch, threads inside LAPACK) and ``backend="numba"`` (the kernel of
  ``refimpl.backends._koopman_numba``: a ``prange`` loop over the grid points, one
  ``eigvalsh`` per matrix, threads across points); skipped, with the reason, when numba is
  not installed.

Reported: whole-call medians of the two methods, seconds per grid point of the two routes and
their fitted exponents in N (``estimate_order``), the route ratio numba / vectorised, and the
projection of the issue's target (200 x 200 grid, N = 500, M = 5e4) for the route
``backend="auto"`` takes (numba when installed). Full mode also *times* that target once
(``target``): one ``pseudospectrum(..., backend="auto")`` call on the 40 000-point grid, wall
and process CPU seconds with the load average (about 27 min on 2 cores).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.koopman import pseudospectrum
from refimpl.testing import estimate_order

QUICK: dict[str, Any] = {"n": [25, 50, 100], "m": 2000, "points": 8, "repeats": 3}
FULL: dict[str, Any] = {
    "n": [50, 100, 200, 350, 500],
    "m": 50000,
    "points": 16,
    "repeats": 3,
    "target": {"grid": 200, "n": 500, "m": 50000, "backend": "auto"},
}


def _data(rng: np.random.Generator, m: int, n: int) -> tuple[np.ndarray, ...]:
    px = rng.standard_normal((m, n))
    py = px @ (rng.standard_normal((n, n)) / np.sqrt(n)) + 0.1 * rng.standard_normal((m, n))
    return px, py, np.full(m, 1.0 / m)


def _route_kernels() -> tuple[Any, Any, str | None]:
    """The two implementations of the smallest-eigenvalue step behind
    ``pseudospectrum(backend="reference")`` and ``backend="numba"``, called on identical
    matrices; the numba one is ``None`` (with the reason) when numba is not installed."""
    import importlib
    import importlib.util

    reference = importlib.import_module("refimpl.koopman.resdmd")._lam_min_reference
    if importlib.util.find_spec("numba") is None:
        return reference, None, "skipped: numba is not installed (the [numba] extra)"
    from refimpl.backends._koopman_numba import lam_min_numba

    return reference, lam_min_numba, None


def _routes(rng: np.random.Generator, n: int, repeats: int) -> dict:
    """Median seconds per point of the two eigenproblem routes on the same shifted matrices
    (``ell``, ``a`` random with the structure of ``T^* T`` and ``T[:N]``), over one full batch
    of the reference route (``2**22 / N**2`` points, at least 16): the size a grid is
    processed in, so thread start-up is amortised as on a real grid."""
    reference, numba_route, why = _route_kernels()
    t = (rng.standard_normal((2 * n, n)) + 1j * rng.standard_normal((2 * n, n))) / np.sqrt(n)
    a, ell = t[:n], t.conj().T @ t
    points = max(16, (1 << 22) // (n * n))
    z = rng.uniform(-1, 1, points) + 1j * rng.uniform(-1, 1, points)
    out: dict[str, Any] = {"points": points}
    ref = np.asarray(reference(z, ell, a, None, np))
    routes = {"vectorised": reference}
    if numba_route is None:
        out["numba_status"] = why
    else:
        got = numba_route(z, ell, a, None, np)  # compiles (or loads the cache)
        out["numba_max_abs_difference"] = float(np.max(np.abs(got - ref)))
        routes["numba"] = numba_route
    times: dict[str, list[float]] = {key: [] for key in routes}
    for _ in range(repeats):
        for key, route in routes.items():
            t0 = time.perf_counter()
            route(z, ell, a, None, np)
            times[key].append(time.perf_counter() - t0)
    for key, v in times.items():
        out[f"{key}_seconds_per_point"] = statistics.median(v) / points
    if numba_route is not None:
        out["numba_over_vectorised"] = (
            out["numba_seconds_per_point"] / out["vectorised_seconds_per_point"]
        )
    return out


def target(
    grid: int = 200,
    n: int = 500,
    m: int = 50000,
    seed: int = 0,
    rows: int | None = None,
    backend: str = "reference",
) -> dict[str, Any]:
    """Time the issue's target once: ``tau_N`` on a ``grid x grid`` grid of ``z`` over
    ``[-1.5, 1.5]^2`` for N = ``n``, M = ``m`` (synthetic data as above, ``method="qr"``,
    ``pseudospectrum(..., backend=backend)``).

    ``rows``: time only the first ``rows`` rows of the grid (``rows * grid`` points); the
    cost is linear in the number of points (independent batches of the same size), and
    ``projected_seconds_full_grid`` scales the measured per-point time to the whole grid."""
    rng = np.random.default_rng(seed)
    px, py, w = _data(rng, m, n)
    x = np.linspace(-1.5, 1.5, grid)
    z = (x[None, :] + 1j * x[: grid if rows is None else rows, None]).ravel()
    load0 = os.getloadavg()
    c0, t0 = time.process_time(), time.perf_counter()
    tau_one = pseudospectrum(z[:1], px, py, w, backend=backend)  # factorisation (+ 1 point)
    c1, t1 = time.process_time(), time.perf_counter()
    tau = pseudospectrum(z, px, py, w, backend=backend)
    c2, t2 = time.process_time(), time.perf_counter()
    return {
        "grid": grid,
        "backend": backend,
        "n": n,
        "m": m,
        "points": int(z.size),
        "seconds": t2 - t1,
        "process_cpu_seconds": c2 - c1,
        "factor_seconds": t1 - t0,
        "factor_cpu_seconds": c1 - c0,
        "seconds_per_point": (t2 - t1 - (t1 - t0)) / z.size,
        "projected_seconds_full_grid": (t1 - t0) + (t2 - t1 - (t1 - t0)) / z.size * grid**2,
        "load_average_before": list(load0),
        "load_average_after": list(os.getloadavg()),
        "blas_threads_env": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "tau_min": float(np.min(tau)),
        "tau_first_matches_one_point_call": bool(np.allclose(tau[:1], tau_one, rtol=1e-10)),
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(config.get("seed", 0))
    rows, cases = [], []
    for n in config["n"]:
        m = int(config["m"])
        px, py, w = _data(rng, m, n)
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
        routes = _routes(rng, n, int(config["repeats"]))
        rows.append(
            {
                "n": n,
                "m": m,
                "points": len(z),
                # whole calls (factorisation + points): per-point costs are taken from the
                # routes below, since subtracting a one-point call is noise when the
                # factorisation dominates (M = 5e4, 16 points)
                "qr_seconds": med["qr"],
                "svd_seconds": med["svd"],
                "factor_seconds": med["factor"],
                **{f"route_{k}": v for k, v in routes.items()},
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
        if "numba_over_vectorised" in routes:
            ratio = routes["numba_over_vectorised"]
            cases.append(
                {
                    "name": f"eigvalsh route: numba prange vs vectorised (backend if < 1) N={n}",
                    "n": n,
                    "seconds_median": routes["numba_seconds_per_point"],
                    "baseline": "vectorised (batched numpy.linalg.eigvalsh)",
                    "baseline_seconds_median": routes["vectorised_seconds_per_point"],
                    "ratio": ratio,
                    # the decision rule: a numba backend earns its place only if it is
                    # faster than the vectorised route (ratio < 1) on this machine
                    "goal_ratio": 1.0,
                    "meets_goal": bool(ratio < 1.0),
                    "repeats": int(config["repeats"]),
                }
            )
    ns = np.asarray([r["n"] for r in rows], dtype=float)
    out: dict[str, Any] = {"cases": cases, "rows": rows}
    for route in ("vectorised", "numba"):
        key = f"route_{route}_seconds_per_point"
        if all(key in r for r in rows):
            fit = estimate_order(ns, np.asarray([r[key] for r in rows]))
            out[f"{route}_exponent"] = fit.slope
            # the route backend="auto" takes: numba when installed (it comes second)
            last = rows[-1]
            out["projected_route"] = route
            out["projected_seconds_200x200_N500"] = (
                last["factor_seconds"] + 40000 * last[key] * (500 / last["n"]) ** fit.slope
            )
    out["blas_threads_env"] = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    if config.get("target"):
        out["target"] = target(**config["target"])
    return out


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``koopman-bench.png``: seconds per grid point of the two eigenproblem routes against N."""
    import matplotlib.pyplot as plt

    rows = result["rows"]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for route, label in (("vectorised", 'backend="reference"'), ("numba", 'backend="numba"')):
        key = f"route_{route}_seconds_per_point"
        if all(key in r for r in rows):
            ax.loglog([r["n"] for r in rows], [r[key] for r in rows], "o-", label=label)
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
