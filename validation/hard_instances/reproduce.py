"""Hard instances for stationary points: the constants table and the query-complexity plot.

Zhang, Li, "Quantum Lower Bounds for Finding Stationary Points of Nonconvex Functions", ICML
2023, arXiv:2212.03906, built on Carmon, Duchi, Hinder, Sidford (arXiv:1710.11606) and
Arjevani et al. (arXiv:1912.02365). With :mod:`refimpl.optim.hard_instances` (nothing quantum
is simulated; the classical mechanism behind the bounds is what is measured):

* ``constants``: sup |grad f_T|_inf (claimed <= 23), max Hessian norm (ell_1 = 152), min
  ||grad f_T|| over points with some |x_j| < 1 (> 1), f_T(0) = -sqrt(2 pi e)/2, the gap
  f_T(0) - f_T(x) (<= 12 T), min ||grad f_hat|| of the bounded rotated instance while
  |<u_T, rho(x)>| < 1 (>= 1/2), over random points;
* ``queries``: GD (step 1/L) and SGD with the Bernoulli oracle (p ~ eps^2) on
  ``scaled_chain(1, eps, 1824)`` (T = floor(1/eps^2)): queries to reach ||grad f|| <= eps
  against eps, fitted slopes (-2 and -4), and the zero-chain count >= T;
* ``progress``: SGD's mean progress per query against p (slope 1 in log-log).

Run ``python validation/hard_instances/reproduce.py [--quick|--full]`` or
``refimpl validate --only hard_instances``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.optim.hard_instances import (
    ZeroChainOracle,
    chain_function,
    chain_gradient,
    chain_hessian,
    random_embedding,
    rotated_chain,
    scaled_chain,
)
from refimpl.testing import estimate_order

NAME = "hard_instances"

QUICK: dict[str, Any] = {
    "T": 10,
    "points": 20000,
    "hessian_points": 3000,
    "rot_d": 400,
    "rot_points": 2000,
    "gd_T": [4, 8, 16, 32],
    "sgd_T": [2, 4, 8, 16],
    "sgd_p0": 0.02,
    "sgd_runs": 30,
    "progress_p": [0.4, 0.2, 0.1, 0.05],
    "progress_queries": 200,
}
FULL: dict[str, Any] = {
    **QUICK,
    "points": 200000,
    "hessian_points": 20000,
    "rot_points": 10000,
    "gd_T": [8, 16, 32, 64, 128],
    "sgd_T": [4, 8, 16, 32],
    "sgd_runs": 50,
    "progress_queries": 1000,
}


def _constants(config: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    t = int(config["T"])
    n = int(config["points"])
    x = rng.uniform(-2, 2, (n, t)) * rng.choice([0.3, 1.0, 2.0, 5.0], (n, 1))
    g = chain_gradient(x)
    unfinished = np.any(np.abs(x) < 1, axis=1)
    h = chain_hessian(x[: int(config["hessian_points"])])
    f0 = float(chain_function(np.zeros(t)))
    gap = float(f0 - np.min(chain_function(np.concatenate([x, np.full((1, t), 30.0)]))))
    u = random_embedding(int(config["rot_d"]), t, rng=1)
    f = rotated_chain(u)
    xr = rng.standard_normal((int(config["rot_points"]), u.shape[0]))
    xr = xr * rng.choice([0.1, 1.0, 10.0], (xr.shape[0], 1))
    keep = np.abs(f.chain_point(xr)[:, -1]) < 1
    return {
        "T": t,
        "grad_sup_norm": float(np.abs(g).max()),
        "grad_sup_norm_below_23": float(np.abs(g).max() <= 23.0),
        "hessian_max_norm": float(np.linalg.norm(h, 2, axis=(1, 2)).max()),
        "hessian_below_152": float(np.linalg.norm(h, 2, axis=(1, 2)).max() <= 152.0),
        "min_grad_norm_unfinished": float(np.linalg.norm(g[unfinished], axis=1).min()),
        "f0": f0,
        "f0_claimed": -math.sqrt(2 * math.pi * math.e) / 2,
        "gap_over_T": gap / t,
        "rotated_min_grad_norm": float(np.linalg.norm(f.gradient(xr[keep]), axis=1).min()),
    }


def _first_hits(t: int, p: float, runs: int, seed: int) -> tuple[np.ndarray, float]:
    f = scaled_chain(1.0, 1.0 / math.sqrt(t + 0.5), 1824.0)
    oracle = ZeroChainOracle(f, p=p, rng=seed)
    x = np.zeros((runs, t))
    hit = np.full(runs, -1)
    q = 0
    while np.any(hit < 0) and q < 10**6:
        q += 1
        x = x - oracle(x) / f.L
        done = (np.linalg.norm(oracle.gradient(x), axis=1) <= f.eps) & (hit < 0)
        hit[done] = q
    return hit, f.eps


def _queries(config: dict[str, Any]) -> dict[str, Any]:
    gd_t = [int(t) for t in config["gd_T"]]
    gd = [_first_hits(t, 1.0, 1, 0) for t in gd_t]
    gd_q = np.asarray([h[0] for h, _ in gd], dtype=float)
    gd_eps = np.asarray([e for _, e in gd])
    # GD's count is a + b T: fit the increments (the constant start-up cancels)
    gd_fit = estimate_order(gd_eps[1:], np.diff(gd_q))
    sgd_t = [int(t) for t in config["sgd_T"]]
    e0 = 1.0 / math.sqrt(sgd_t[0] + 0.5)
    sgd_q, sgd_eps, sgd_p = [], [], []
    for t in sgd_t:
        e = 1.0 / math.sqrt(t + 0.5)
        p = float(config["sgd_p0"]) * (e / e0) ** 2
        hit, _ = _first_hits(t, p, int(config["sgd_runs"]), t)
        sgd_q.append(float(hit.mean()))
        sgd_eps.append(e)
        sgd_p.append(p)
    sgd_fit = estimate_order(np.asarray(sgd_eps), np.asarray(sgd_q))
    return {
        "gd_T": gd_t,
        "gd_eps": gd_eps.tolist(),
        "gd_queries": gd_q.tolist(),
        "gd_at_least_T": float(np.all(gd_q >= np.asarray(gd_t))),
        "gd_slope": gd_fit.slope,
        "gd_slope_ci": [gd_fit.ci_low, gd_fit.ci_high],
        "sgd_T": sgd_t,
        "sgd_eps": sgd_eps,
        "sgd_p": sgd_p,
        "sgd_queries": sgd_q,
        "sgd_slope": sgd_fit.slope,
        "sgd_slope_ci": [sgd_fit.ci_low, sgd_fit.ci_high],
    }


def _progress(config: dict[str, Any]) -> dict[str, Any]:
    t, n_q, runs = 400, int(config["progress_queries"]), 50
    ps = [float(p) for p in config["progress_p"]]
    rates = []
    for i, p in enumerate(ps):
        oracle = ZeroChainOracle(t, p=p, rng=100 + i)
        x = np.zeros((runs, t))
        for _ in range(n_q):
            x = x - oracle(x) / 152.0 * 100.0  # large steps: each success crosses 1/2
        rates.append(float(np.mean(np.asarray(oracle.progress(x, alpha=0.25))) / n_q))
    fit = estimate_order(np.asarray(ps), np.asarray(rates))
    return {
        "p": ps,
        "progress_per_query": rates,
        "slope": fit.slope,
        "max_rate_over_p": float(max(r / p for r, p in zip(rates, ps, strict=True))),
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """The experiments of the module docstring; JSON-safe."""
    return {
        "constants": _constants(config),
        "queries": _queries(config),
        "progress": _progress(config),
    }


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``hard_instances-queries.png``: queries to reach ||grad f|| <= eps against eps."""
    from refimpl.validation import _common

    q = result["queries"]
    with _common.plot_style() as plt:
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.loglog(q["gd_eps"], q["gd_queries"], "o-", label="GD (deterministic oracle)")
        ax.loglog(q["sgd_eps"], q["sgd_queries"], "s-", label="SGD (Bernoulli oracle, p ~ eps^2)")
        ax.loglog(q["gd_eps"], q["gd_T"], "k:", label="T = floor(1/eps^2) (zero-chain bound)")
        e = np.asarray(q["sgd_eps"])
        ax.loglog(e, q["sgd_queries"][0] * (e / e[0]) ** -4, "k--", lw=1, label="eps^-4")
        ax.set_xlabel("eps")
        ax.set_ylabel("oracle queries to ||grad f|| <= eps")
        ax.legend(fontsize=8)
        path = Path(outdir) / "hard_instances-queries.png"
        fig.savefig(path)
        plt.close(fig)
    return [path]


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
