"""Over-parameterised matrix sensing: the four rate regimes and the one-step modification.

Xiong, Ding, Du, "How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: The
Curses of Symmetry and Initialization", ICLR 2024, arXiv:2310.01769. With
:mod:`refimpl.optim.matrix_sensing`, Gaussian sensing (``m`` measurements, symmetrised for the
PSD target) on a rank-3 target with singular values 1, 0.7, 0.4-ish (kappa = 2.5):

* ``symmetric``: GD on X X^T, k = r (linear) and k > r (log-log slope of ||X X^T - M*||_F
  ~ -1, i.e. squared error ~ 1/T^2: Theorem 3.1);
* ``asymmetric``: GD on F G^T, k > r, several alpha (F_0 at alpha, G_0 at alpha/3): linear
  rates, slope of log rate vs log alpha ~ 2 (Theorem 1.3/4.2: exp(-Omega(alpha^2 T)));
* ``rebalanced``: the same runs with one rebalancing step once ||F G^T - M*||_F <= 1e-2
  (a *reconstruction* of Section 5; see README.md): rate independent of alpha.

Run ``python validation/matrix_sensing/reproduce.py [--quick|--full]`` or
``refimpl validate --only matrix_sensing``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from refimpl.optim.matrix_sensing import (
    gd_asymmetric,
    gd_symmetric,
    ground_truth,
    initialize_asymmetric,
    initialize_symmetric,
    population_operator,
    sensing_operator,
)
from refimpl.testing import estimate_order

NAME = "matrix_sensing"

QUICK: dict[str, Any] = {
    "n": 20,
    "r": 3,
    "k_over": 5,
    "m": 600,
    "kappa": 2.5,
    "eta": 0.05,
    "sym_iters": 6000,
    "asym_eta": 0.1,
    "asym_iters": 8000,
    "alphas": [0.1, 0.07, 0.05],
    "sensing": True,
}
FULL: dict[str, Any] = {
    **QUICK,
    "n": 30,
    "m": 1000,
    "sym_iters": 15000,
    "asym_iters": 20000,
    "alphas": [0.1, 0.07, 0.05, 0.035],
}


def _op(config: dict[str, Any], symmetric: bool, seed: int) -> Any:
    n = int(config["n"])
    if config["sensing"]:
        return sensing_operator(n, n, int(config["m"]), symmetric=symmetric, rng=seed)
    return population_operator(n, n, symmetric=symmetric)


def _linear_rate(it: np.ndarray, rr: np.ndarray, lo: float = 1e-10, hi: float = 1e-4) -> float:
    sel = (rr > lo) & (rr < hi)
    if sel.sum() < 10:
        return float("nan")
    return -estimate_order(it[sel], rr[sel], scale="semilogy").slope


def _symmetric(config: dict[str, Any]) -> dict[str, Any]:
    n, r, eta = int(config["n"]), int(config["r"]), float(config["eta"])
    m = ground_truth(n, n, r, condition_number=config["kappa"], symmetric=True, rng=0)
    op = _op(config, True, 1)
    out: dict[str, Any] = {}
    for label, k in (("exact", r), ("over", int(config["k_over"]))):
        x0 = initialize_symmetric(n, k, alpha=0.05, rng=2)
        res = gd_symmetric(op, m, x0, step=eta, n_iter=int(config["sym_iters"]), record_every=5)
        it, rr = np.asarray(res.iterations), np.asarray(res.residuals)
        out[label] = {"it": it.tolist(), "res": rr.tolist(), "final": float(rr[-1])}
    it, rr = np.asarray(out["over"]["it"]), np.asarray(out["over"]["res"])
    late = it >= int(config["sym_iters"]) // 10
    fit = estimate_order(it[late], rr[late])
    fit2 = estimate_order(it[late], rr[late] ** 2)
    k_over = int(config["k_over"])
    return {
        **out,
        "over_slope": fit.slope,
        "over_ci": [fit.ci_low, fit.ci_high],
        "over_squared_slope": fit2.slope,
        "over_t_err_ratio": float(it[-1] * rr[-1] / (np.sqrt(k_over - r) / (4 * eta))),
        "exact_linear": float(out["exact"]["final"] < 1e-10),
    }


def _asymmetric(config: dict[str, Any]) -> dict[str, Any]:
    n, r = int(config["n"]), int(config["r"])
    eta = float(config["asym_eta"])
    m = ground_truth(n, n, r, condition_number=config["kappa"], rng=0)
    op = _op(config, False, 1)
    alphas = [float(a) for a in config["alphas"]]
    series: dict[str, Any] = {}
    rates, rates_rb, lam = [], [], []
    for a in alphas:
        f0, g0 = initialize_asymmetric(n, n, int(config["k_over"]), alpha=a, rng=2)
        kw = {"step": eta, "n_iter": int(config["asym_iters"]), "tol": 1e-11, "record_every": 5}
        plain = gd_asymmetric(op, m, f0, g0, **kw)
        rb = gd_asymmetric(op, m, f0, g0, rebalance_tol=1e-2, **kw)
        for name, res, store in (("plain", plain, rates), ("rebalanced", rb, rates_rb)):
            it, rr = np.asarray(res.iterations), np.asarray(res.residuals)
            store.append(_linear_rate(it, rr))
            series[f"{name}_{a}"] = {"it": it.tolist(), "res": rr.tolist()}
        lam.append(float(plain.imbalance_min_eig[0]))
    fit = estimate_order(np.asarray(alphas), np.asarray(rates))
    rb_arr = np.asarray(rates_rb)
    return {
        "alphas": alphas,
        "rates": rates,
        "rates_rebalanced": rates_rb,
        "lambda_min_delta0": lam,
        "rate_over_eta_lambda": [r_ / (eta * l_) for r_, l_ in zip(rates, lam, strict=True)],
        "alpha_exponent": fit.slope,
        "alpha_exponent_ci": [fit.ci_low, fit.ci_high],
        "rebalanced_spread": float(rb_arr.max() / rb_arr.min()),
        "rebalanced_speedup_at_smallest_alpha": float(rates_rb[-1] / rates[-1]),
        "rebalanced_faster_at_smallest_alpha": float(rates_rb[-1] > 2 * rates[-1]),
        "series": series,
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """The experiments of the module docstring; JSON-safe."""
    return {
        "config": dict(config),
        "symmetric": _symmetric(config),
        "asymmetric": _asymmetric(config),
    }


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``matrix_sensing-symmetric.png`` (log-log) and ``matrix_sensing-asymmetric.png``."""
    from refimpl.validation import _common

    paths = []
    sym = result["symmetric"]
    eta = float(result["config"]["eta"])
    with _common.plot_style() as plt:
        fig, ax = plt.subplots(figsize=(6, 4))
        for label, key in (("k = r", "exact"), ("k > r", "over")):
            it = np.asarray(sym[key]["it"])
            ax.loglog(np.maximum(it, 1), sym[key]["res"], label=f"symmetric GD, {label}")
        it = np.asarray(sym["over"]["it"][1:], dtype=float)
        k_r = int(result["config"]["k_over"]) - int(result["config"]["r"])
        ax.loglog(it, np.sqrt(k_r) / (4 * eta * it), "k--", lw=1, label="sqrt(k-r)/(4 eta t)")
        ax.set_xlabel("iteration t")
        ax.set_ylabel("||X X^T - M*||_F")
        ax.set_ylim(1e-14, 10)
        ax.legend(fontsize=8)
        path = Path(outdir) / "matrix_sensing-symmetric.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
        asym = result["asymmetric"]
        fig, ax = plt.subplots(figsize=(6, 4))
        for a in asym["alphas"]:
            s = asym["series"][f"plain_{a}"]
            ax.semilogy(s["it"], s["res"], label=f"GD, alpha = {a}")
            s = asym["series"][f"rebalanced_{a}"]
            ax.semilogy(s["it"], s["res"], "--", label=f"rebalanced, alpha = {a}")
        ax.set_xlabel("iteration t")
        ax.set_ylabel("||F G^T - M*||_F")
        ax.legend(fontsize=7)
        path = Path(outdir) / "matrix_sensing-asymmetric.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
