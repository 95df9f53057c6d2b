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

* ``table``: the paper's benchmark table (spec 1.4; cases from
  :func:`refimpl.gp.benchmark_problem`): training of GP-HM-StM (Q components, official
  initialisation) on each case, the *final* relative L2 error on the 300 (1D) / 300^2 (2D)
  test grid, the best checkpoint (what the official code reports), and the learned
  frequencies against the true ones. Linear cases: L-BFGS on the joint objective by variable
  projection (``profile_u=True``: the exact minimiser over U for the current theta; the joint
  minimiser over (U, theta) is unchanged). Allen-Cahn: continuation, i.e. the same profiled
  fit on the Poisson problem with the Allen-Cahn source, then joint L-BFGS over (U, theta)
  from there. Quick mode runs a reduced subset; full mode all cases (sizes in FULL), the
  2-D ones on reduced grids (48^2-200^2 instead of 200^2-400^2: the profiled CG solve needs
  thousands of iterations on the official grids); ``poisson_2d-sin_sin`` on 200^2, the
  smallest grid that resolves it (its closed form at the true hyperparameters on the
  official 400^2 grid is the ``poisson_2d`` entry, full mode).

The paper's per-case error table is not transcribed (not verified against the PDF); the
official repository's own result logs are cited in README.md where they exist.
Run ``python validation/gp_pde/reproduce.py [--quick|--full]`` or
``refimpl validate --only gp_pde``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.gp import (
    GPHMParams,
    GridPDE,
    benchmark_problem,
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
    # benchmark table: (case, collocation points per axis, Q, L-BFGS iterations; Allen-Cahn:
    # profiled Poisson stage, then joint stage)
    "table": [],  # quick: the 2-D training below is the reduced subset
    "table_checkpoints": 4,
    # 2-D training: u = sin(a x) sin(a y) on [0, 1]^2, profiled L-BFGS, StM, Q = 30
    "train_2d": {"n": 36, "a": 50.0, "q": 30, "freq_scale": 20.0, "max_iter": 60},
}
FULL: dict[str, Any] = {
    **QUICK,
    "hf_n": [400, 800],
    "poisson_2d_n": 400,
    "poisson_2d_test": 300,
    "train": True,  # variable projection, Q = 5: ~13 L-BFGS iterations (~60 s, loaded 2 cores)
    "table": [
        ("poisson_1d-single_sin", 400, 30, 60, 0),
        ("poisson_1d-x_time_sinx", 600, 30, 60, 0),
        ("poisson_1d-sin_cos", 400, 30, 60, 0),
        ("poisson_1d-mix_sin", 200, 30, 60, 0),
        ("poisson_1d-x2_add_sinx", 400, 30, 60, 0),
        ("allencahn_1d-single_sin", 400, 30, 60, 60),
        ("allencahn_1d-sin_cos", 400, 30, 60, 60),
        # 2-D cases: sin_add_cos on its official 200^2 grid (operator preconditioner, see
        # profile_options); Allen-Cahn and advection on reduced grids (official 400^2 /
        # 200^2; README.md): their profiled closed form (CG, prior basis) needs thousands
        # of iterations per evaluation on finer grids
        ("poisson_2d-sin_add_cos", 200, 30, 60, 0),
        ("allencahn_2d-mix-sincos", 48, 30, 30, 30),
        ("advection-sin", 48, 30, 30, 0),
        # sin 100x sin 100y on [0, 2 pi]^2 (100 periods per axis): the smallest grid that
        # resolves it, 200^2 (official 400^2, where the profiled solve needs > 4000 CG
        # iterations; 300^2: 2075 at the initial hyperparameters); its closed form at the
        # true hyperparameters on the official 400^2 grid is the ``poisson_2d`` entry
        ("poisson_2d-sin_sin", 200, 30, 30, 0),
    ],
    # per-case options of the profiled solve (gphm_fit): sin_sin uses the operator-basis
    # preconditioner (31 CG iterations at the initial hyperparameters on 200^2 instead of
    # 2724) and rejects line-search trials whose solve needs more than 400 iterations
    "profile_options": {
        "poisson_2d-sin_sin": {"preconditioner": "operator", "solve_max_iter": 400},
        # sin_add_cos on the official 200^2 grid, the paper's (unbounded) objective; a box on
        # the log-precisions (gphm_fit(precision_bounds=...)) did not pass reliably (README)
        "poisson_2d-sin_add_cos": {"preconditioner": "operator", "solve_max_iter": 400},
    },
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


def _match(true: tuple[float, ...], freqs: np.ndarray, weights: np.ndarray) -> list[float]:
    """Relative distance of each true frequency to the nearest learned one among the
    components with weight >= 1 % of the largest."""
    keep = freqs[weights >= 1e-2 * weights.max()]
    return [float(np.min(np.abs(keep - f)) / f) for f in true]


def _table_case(
    name: str, n: int, q: int, it1: int, it2: int, n_ck: int, opts: dict[str, Any] | None = None
) -> dict[str, Any]:
    b = benchmark_problem(name, n_col=n)
    prob = b.problem
    t0 = time.perf_counter()
    common = {"kind": "stm", "exact": b.exact, "test_grids": b.test_grids, "n_checkpoints": n_ck}
    prof = {"profile_u": True, **(opts or {})}
    if prob.kind == "allencahn":
        # continuation: theta and U from the Poisson problem with the same source, then the
        # joint (U, theta) L-BFGS on Allen-Cahn
        lin = dataclasses.replace(prob, kind="poisson")
        r1 = gphm_fit(lin, n_components=q, freq_scale=b.freq_scale, max_iter=it1,
                      **prof, **common)  # fmt: skip
        res = gphm_fit(prob, r1.params, u0=r1.u, max_iter=it2, **common)
        iters = r1.n_iter + res.n_iter
    else:
        res = gphm_fit(prob, n_components=q, freq_scale=b.freq_scale, max_iter=it1,
                       **prof, **common)  # fmt: skip
        iters = res.n_iter
    per_axis = [
        _match(b.true_frequencies[j], res.frequencies[j], res.weights[j])
        for j in range(len(prob.shape))
    ]
    # the highest true frequency (the high-frequency part the method targets), on every axis
    # that carries it (advection: the y axis only)
    top = max(max(t) for t in b.true_frequencies)
    highest = [
        e[t.index(top)] for t, e in zip(b.true_frequencies, per_axis, strict=True) if top in t
    ]
    return {
        "n_col": n,
        "q": q,
        "final_rel_l2": res.final_error,
        "best_rel_l2": res.best_error,
        "true_frequencies": [list(t) for t in b.true_frequencies],
        "learned_frequencies": [f[:q].tolist() for f in res.frequencies],
        "learned_weights": [w[:q].tolist() for w in res.weights],
        "max_frequency_rel_err": float(max(max(e) for e in per_axis)),
        "frequency_rel_err": per_axis,
        "highest_true_frequency": top,
        "highest_frequency_rel_err": float(max(highest)),
        # spec 1.3.9's stricter criterion: the top-weight mu against the nearest true
        # frequency, worst axis
        "top_frequency_rel_err": float(
            max(
                min(abs(float(res.frequencies[j][0]) - t) / t for t in b.true_frequencies[j])
                for j in range(len(prob.shape))
            )
        ),
        "n_iter": iters,
        "seconds": time.perf_counter() - t0,
    }


def _train_2d(
    n: int, a: float, q: int, freq_scale: float, max_iter: int, n_ck: int
) -> dict[str, Any]:
    """Joint training (profiled L-BFGS) on 2-D Poisson, u = sin(a x) sin(a y) on [0, 1]^2."""
    x = np.linspace(0.0, 1.0, n)
    u = np.sin(a * x)[:, None] * np.sin(a * x)[None, :]
    prob = GridPDE((x, x), -2.0 * a * a * u, boundary_values(u))
    xt = np.linspace(0.0, 1.0, 300)
    t0 = time.perf_counter()
    res = gphm_fit(
        prob,
        kind="stm",
        n_components=q,
        freq_scale=freq_scale,
        max_iter=max_iter,
        profile_u=True,
        exact=lambda g: np.sin(a * g[0])[:, None] * np.sin(a * g[1])[None, :],
        test_grids=[xt, xt],
        n_checkpoints=n_ck,
    )
    true = a / TWO_PI
    tops = [float(res.frequencies[j][0]) for j in range(2)]
    unused = max(float(res.weights[j][1]) for j in range(2))
    return {
        "n": n,
        "q": q,
        "true_frequency": true,
        "top_frequencies": tops,
        "top_frequency_rel_err": max(abs(t - true) / true for t in tops),
        "top_weights": [float(res.weights[j][0]) for j in range(2)],
        "max_unused_weight_over_top": unused / min(float(res.weights[j][0]) for j in range(2)),
        "final_rel_l2": res.final_error,
        "best_rel_l2": res.best_error,
        "n_iter": res.n_iter,
        "seconds": time.perf_counter() - t0,
    }


def _one_thread() -> Any:
    """Single-threaded BLAS for the training runs: their matrices are <= 1296 x 1296 and, on
    shared cores, multi-threaded BLAS on small matrices is several times slower (measured
    2x on the development machine); a no-op without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


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
    n_ck = int(config["table_checkpoints"])
    with _one_thread():
        out["training_2d"] = _train_2d(**config["train_2d"], n_ck=n_ck)
        out["table"] = {}
        for name, n, q, it1, it2 in config["table"]:
            out["table"][name.replace("-", "_")] = _table_case(
                name, n, q, it1, it2, n_ck, config.get("profile_options", {}).get(name)
            )
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
