"""GP-HM (Fang et al., ICLR 2024, arXiv:2311.04465): closed-form solves and training.

Checks, with :mod:`refimpl.gp`:

* ``convergence``: the closed-form solve (frozen hyperparameters, spec 1.3.7) for
  u = sin 2x on [0, 2 pi], SE kernel (rho^2 = 1, mu = 0), tau_1 = 1e6, tau_2 = 1e2,
  lam_b = 200, N = 20..160: relative L2 error on a 300-point grid.
* ``high_frequency``: the closed form for u = sin 100x, N = 400, one GM component at the true
  frequency 100/(2 pi) (spec 1.4 target 2.3e-6; N = 800: 1.3e-6).
* ``poisson_2d``: the closed form for u = sin 100x sin 100y on [0, 2 pi]^2 (a reduced 100^2 grid
  in quick mode; 400^2 in full mode) with a GM component per axis at the true frequency,
  error on a 300^2 (full) / 100^2 (quick) test grid.
* ``training`` (full mode only, ~60 s): L-BFGS training of GP-HM-StM (Q = 5, freq_scale 20, the
  official initialisation) on poisson_1d-single_sin (N = 400) by variable projection
  (``profile_u=True``: U eliminated by the closed form, L-BFGS over the hyperparameters); the
  final (not best-checkpoint) error on the 300-point test grid, the learned top frequency and
  the largest unused weight relative to its initial 1/Q. The joint U + theta problem with
  Q = 30 (the paper's setting, trained there by Adam for 1e5 steps) did not finish in minutes.

The paper's per-case error table is not asserted (README.md: not verified against the PDF).
Run ``python validation/gp_pde/reproduce.py [--quick|--full]`` or
``refimpl validate --only gp_pde``.
"""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.gp import (
    GPHMParams,
    GridPDE,
    boundary_values,
    gphm_fit,
    gphm_linear_solve,
    gphm_predict,
)

NAME = "gp_pde"

QUICK: dict[str, Any] = {
    "convergence_n": [20, 40, 80, 160],
    "hf_n": [400],
    "poisson_2d_n": 100,
    "poisson_2d_test": 100,
    "train": False,
    "train_components": 5,
    "train_iter": 60,
}
FULL: dict[str, Any] = {
    **QUICK,
    "hf_n": [400, 800],
    "poisson_2d_n": 400,
    "poisson_2d_test": 300,
    "train": True,  # variable projection, Q = 5: ~13 L-BFGS iterations (~60 s, loaded 2 cores)
}

TWO_PI = 2 * math.pi


def _params(d: int, log_ls: float, mu: float) -> GPHMParams:
    return GPHMParams(
        tuple(np.zeros(1) for _ in range(d)),
        tuple(np.array([log_ls]) for _ in range(d)),
        tuple(np.array([mu]) for _ in range(d)),
        np.array(math.log(1e6)),
        np.array(math.log(1e2)),
    )


def _sin_1d(n: int, freq: float, log_ls: float, mu: float) -> float:
    x = np.linspace(0, TWO_PI, n)
    u = np.sin(freq * x)
    prob = GridPDE((x,), -(freq**2) * u, np.array([u[0], u[-1]]))
    par = _params(1, log_ls, mu)
    sol, _ = gphm_linear_solve(prob, par)
    xt = np.linspace(0, TWO_PI, 300)
    ref = np.sin(freq * xt)
    return float(np.linalg.norm(gphm_predict(sol, prob, par, [xt]) - ref) / np.linalg.norm(ref))


def run(config: dict[str, Any]) -> dict[str, Any]:
    conv = [_sin_1d(n, 2.0, 0.0, 0.0) for n in config["convergence_n"]]
    hf = [_sin_1d(n, 100.0, math.log(1e-2), 100 / TWO_PI) for n in config["hf_n"]]
    n2 = int(config["poisson_2d_n"])
    x = np.linspace(0, TWO_PI, n2)
    u = np.sin(100 * x)[:, None] * np.sin(100 * x)[None, :]
    prob = GridPDE((x, x), -2e4 * u, boundary_values(u))
    par = _params(2, math.log(1e-2), 100 / TWO_PI)
    t0 = time.perf_counter()
    sol, info = gphm_linear_solve(prob, par)
    secs = time.perf_counter() - t0
    xt = np.linspace(0, TWO_PI, int(config["poisson_2d_test"]))
    ref = np.sin(100 * xt)[:, None] * np.sin(100 * xt)[None, :]
    pred = gphm_predict(sol, prob, par, [xt, xt])
    err2 = float(np.linalg.norm(pred - ref) / np.linalg.norm(ref))
    out: dict[str, Any] = {
        "convergence": {
            "n": list(config["convergence_n"]),
            "rel_l2": conv,
            "monotone": float(all(b < a for a, b in itertools.pairwise(conv))),
            "decades": float(math.log10(conv[0] / conv[-1])),
        },
        "high_frequency": {"n": list(config["hf_n"]), "rel_l2": hf, "rel_l2_n400": hf[0]},
        "poisson_2d": {"n": n2, "rel_l2": err2, "cg_iter": info["n_iter"], "seconds": secs},
    }
    if config["train"]:
        xs = np.linspace(0, TWO_PI, 400)
        us = np.sin(100 * xs)
        p1 = GridPDE((xs,), -1e4 * us, np.array([us[0], us[-1]]))
        q = int(config["train_components"])
        t0 = time.perf_counter()
        res = gphm_fit(
            p1,
            kind="stm",
            n_components=q,
            freq_scale=20.0,
            max_iter=int(config["train_iter"]),
            profile_u=True,
            exact=lambda g: np.sin(100 * g[0]),
            test_grids=[np.linspace(0, TWO_PI, 300)],
        )
        top = float(res.frequencies[0][0])
        out["training"] = {
            "final_rel_l2": res.final_error,
            "best_rel_l2": res.best_error,
            "top_frequency": top,
            "top_frequency_rel_err": abs(top - 100 / TWO_PI) / (100 / TWO_PI),
            "frequencies": res.frequencies[0].tolist(),
            "weights": res.weights[0].tolist(),
            "max_unused_weight_over_init": float(res.weights[0][1:].max() * q),
            "n_iter": res.n_iter,
            "seconds": time.perf_counter() - t0,
        }
    return out


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    from refimpl.validation import _common

    outdir = Path(outdir)
    with _common.plot_style() as plt:
        fig, ax = plt.subplots()
        c = result["convergence"]
        ax.loglog(c["n"], c["rel_l2"], "o-", label="closed form, sin 2x")
        ax.set_xlabel("collocation points N")
        ax.set_ylabel("relative L2 error")
        ax.legend()
        path = outdir / "gp_pde-convergence.png"
        fig.savefig(path)
        plt.close(fig)
    return [path]


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
