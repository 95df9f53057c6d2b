"""Optimistic OMD in the SEA model: the shapes of the regret bounds on an exact testbed.

Chen, Zhang, Tu, Zhao, Zhang, "Optimistic Online Mirror Descent for Bridging Stochastic and
Adversarial Online Convex Optimization", ICML 2023 / JMLR 2024, arXiv:2302.04552. The paper is
theoretical: its claims are regret bounds. With :mod:`refimpl.optim.online` this script plays
the learners on SEA streams whose sigma^2_{1:T} and Sigma^2_{1:T} are exact, and fits the shape
of the expected regret against T (mean over runs, then logs; one anytime run gives R_t for all
t <= T):

* ``convex``: the adaptive optimistic OGD (one learner, no tuning) on the noiseless fixed
  quadratic (bound O(1): slope 0), i.i.d. noise (slope 1/2, and linear in the noise scale s)
  and adversarial sign-flipping linear losses (slope 1/2): the interpolation claim.
* ``bound_ratio``: R_T / (sqrt(sigma^2_{1:T}) + sqrt(Sigma^2_{1:T})) across five environments.
* ``strongly_convex``: steps 2/(lambda t), i.i.d. noise: R_T linear in log T.
* ``exp_concave``: optimistic ONS, d = 2, 4, 8: R_T ~ b_d log T with b_d proportional to d.
* ``dynamic``: the two-layer ensemble (:class:`OptimisticEnsemble`) on drifting noisy
  quadratics, drift speed c/sqrt(T): dynamic regret against the per-round minimisers c_t over
  the bound sqrt((1 + P_T + sigma^2_{1:T} + Sigma^2_{1:T})(1 + P_T)) (bounded ratio, fitted
  exponent 1), the P_T = 0 column (static rate sqrt(T)), the pathwise meta-regret bound, and
  the ensemble against one statically tuned adaptive learner.

Run ``python validation/optimistic_omd/reproduce.py [--quick|--full]`` or
``refimpl validate --only optimistic_omd``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.optim.online import (
    OptimisticEnsemble,
    OptimisticOMD,
    OptimisticONS,
    run_online,
    sea_adversarial_linear,
    sea_corrupted_iid,
    sea_drifting,
    sea_iid,
)
from refimpl.testing import estimate_order

NAME = "optimistic_omd"

QUICK: dict[str, Any] = {
    "T": 2048,
    "runs": 6,
    "adv_runs": 48,
    "ons_T": 1024,
    "dims": [2, 4, 8],
    "dyn_T": [256, 1024, 4096],
    "dyn_c": [0.0, 0.3, 1.0, 3.0],
    "dyn_runs": 4,
}
FULL: dict[str, Any] = {
    "T": 32768,
    "runs": 20,
    "adv_runs": 200,
    "ons_T": 8192,
    "dims": [2, 4, 8],
    "dyn_T": [256, 1024, 4096, 16384],
    "dyn_c": [0.0, 0.3, 1.0, 3.0],
    "dyn_runs": 10,
}
DYN_NOISE = 0.5


def _mean_curve(env: Any, learner: Any) -> tuple[np.ndarray, np.ndarray, Any]:
    out = run_online(learner, env)
    return np.asarray(out.rounds), np.asarray(out.regret).mean(axis=1), out


def _omd(env: Any) -> OptimisticOMD:
    return OptimisticOMD(
        np.zeros((env.n_runs, env.d)), domain=env.domain, grad_bound=env.grad_bound
    )


def _fit(t: np.ndarray, r: np.ndarray, lo: int, scale: str = "loglog") -> dict[str, Any]:
    f = estimate_order(t, r, window=(lo, None), scale=scale)  # type: ignore[arg-type]
    return {"slope": f.slope, "ci": [f.ci_low, f.ci_high]}


def run(config: dict[str, Any]) -> dict[str, Any]:
    seed = int(config.get("seed", 0))
    T, runs = int(config["T"]), int(config["runs"])
    lo = 64
    curves: dict[str, Any] = {}
    res: dict[str, Any] = {"T": T, "runs": runs}
    scen = {
        "noiseless": sea_iid(T, 3, noise=0.0, n_runs=1, rng=seed),
        "iid_s0.25": sea_iid(T, 3, noise=0.25, n_runs=runs, rng=seed),
        "iid_s1": sea_iid(T, 3, noise=1.0, n_runs=runs, rng=seed),
        "adversarial": sea_adversarial_linear(T, 3, n_runs=int(config["adv_runs"]), rng=seed),
        "corrupted_iid": sea_corrupted_iid(T, 3, noise=0.3, corruptions=50, n_runs=runs, rng=seed),
    }
    bound = {}
    for name, env in scen.items():
        t, r, out = _mean_curve(env, _omd(env))
        curves[name] = {"t": t.tolist(), "regret": r.tolist()}
        b = np.sqrt(np.asarray(out.sigma2)) + np.sqrt(np.asarray(out.Sigma2).mean(axis=1))
        curves[name]["bound"] = b.tolist()
        bound[name] = float(r[-1] / b[-1]) if b[-1] > 0 else None
    res["convex"] = {
        "noiseless_slope": _fit(*(np.asarray(curves["noiseless"][k]) for k in ("t", "regret")), lo)[
            "slope"
        ],
        "noiseless_final": curves["noiseless"]["regret"][-1],
        "iid_slope": _fit(
            np.asarray(curves["iid_s1"]["t"]), np.asarray(curves["iid_s1"]["regret"]), lo
        )["slope"],
        "adversarial_slope": _fit(
            np.asarray(curves["adversarial"]["t"]), np.asarray(curves["adversarial"]["regret"]), lo
        )["slope"],
        "noise_scale_exponent": math.log(
            curves["iid_s1"]["regret"][-1] / curves["iid_s0.25"]["regret"][-1]
        )
        / math.log(4.0),
    }
    ratios = [v for v in bound.values() if v is not None]
    res["bound_ratio"] = {
        "per_env": bound,
        "log10_spread": math.log10(max(ratios) / min(ratios)),
        "max": max(ratios),
    }
    env = sea_iid(T, 3, noise=1.0, n_runs=runs, rng=seed + 1)
    sc = OptimisticOMD(
        np.zeros((runs, 3)), domain=env.domain, step="strongly_convex", strong_convexity=1.0
    )
    t, r, _ = _mean_curve(env, sc)
    curves["strongly_convex"] = {"t": t.tolist(), "regret": r.tolist()}
    early = _fit(t[t <= 256], r[t <= 256], 16, "semilogx")["slope"]
    late = _fit(t, r, 256, "semilogx")["slope"]
    res["strongly_convex"] = {
        "loglog_slope": _fit(t, r, 16)["slope"],
        "semilogx_slope": late,
        "late_over_early": late / early,
    }
    slopes = []
    for d in config["dims"]:
        env = sea_iid(int(config["ons_T"]), d, noise=1.0, n_runs=runs, rng=seed + 2)
        ons = OptimisticONS(np.zeros((runs, d)), domain=env.domain, beta=1.0 / env.grad_bound**2)
        t, r, _ = _mean_curve(env, ons)
        curves[f"ons_d{d}"] = {"t": t.tolist(), "regret": r.tolist()}
        slopes.append(_fit(t, r, 32, "semilogx")["slope"])
    dfit = estimate_order(np.asarray(config["dims"], dtype=float), np.asarray(slopes))
    res["exp_concave"] = {"semilogx_slopes": slopes, "dimension_exponent": dfit.slope}
    res["dynamic"], curves["dynamic"] = _dynamic(config, seed)
    res["curves"] = curves
    return res


def _ensemble(env: Any) -> OptimisticEnsemble:
    return OptimisticEnsemble(
        np.zeros((env.n_runs, env.d)),
        domain=env.domain,
        horizon=env.T,
        grad_bound=env.grad_bound,
        smoothness=env.smoothness,
    )


def _meta_slack(env: Any) -> tuple[float, float]:
    """Violations (count) and smallest relative slack (rhs - lhs)/rhs over bases and runs of the
    pathwise meta-regret
    bound sum_t f_t(x_t) - f_t(x_{t,i}) <= ln K/eps_{T+1} + sum_t eps_t ||l_t - m_t||^2/2
    + gamma sum_t (s_{t,i} - <p_t, s_t>) (OptimisticEnsemble Notes)."""
    ens = _ensemble(env)
    ps, xs, bs, eps, gs = [], [], [], [], []
    for t in range(env.T):
        x = ens.predict()
        ps.append(np.asarray(ens.weights))
        bs.append(np.asarray(ens.base_decisions))
        eps.append(np.asarray(ens.meta_step))
        xs.append(np.asarray(x))
        g = env.grad(t, x)
        gs.append(np.asarray(g))
        ens.update(g)
    eps.append(np.asarray(ens.meta_step))
    p, x, b, e, g = (np.asarray(a) for a in (ps, xs, bs, eps, gs))
    k = b.shape[2]
    hint = np.concatenate([np.zeros_like(g[:1]), g[:-1]])
    prev = np.concatenate([np.zeros_like(b[:1]), b[:-1]])  # x_{0,i} = x0 = 0
    sw = ens.switching_weight * np.sum((b - prev) ** 2, axis=-1)
    loss = np.einsum("trd,trkd->trk", g, b) + sw
    opt = np.einsum("trd,trkd->trk", hint, b) + sw
    var = np.max(np.abs(loss - opt), axis=-1) ** 2
    rhs = (
        math.log(k) / e[-1]
        + np.sum(e[:-1] / 2 * var, axis=0)
        + np.sum(sw - np.sum(p * sw, -1, keepdims=True).squeeze(-1)[..., None], 0).T
    ).T
    fx = np.asarray(env.losses(x)).sum(0)
    fb = np.stack([np.asarray(env.losses(b[:, :, i, :])).sum(0) for i in range(k)], -1)
    return float(np.sum(fx[:, None] - fb > rhs)), float(np.min((rhs - (fx[:, None] - fb)) / rhs))


def _dynamic(config: dict[str, Any], seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rows, curve = [], {}
    for T in config["dyn_T"]:
        for c in config["dyn_c"]:
            env = sea_drifting(
                T, 2, speed=c / math.sqrt(T), noise=DYN_NOISE, n_runs=config["dyn_runs"], rng=seed
            )
            u = np.asarray(env.centres)
            out = run_online(_ensemble(env), env, comparator=u)
            one = OptimisticOMD(
                np.zeros((env.n_runs, 2)), domain=env.domain, grad_bound=env.grad_bound
            )
            single = run_online(one, env, comparator=u)
            p = float(np.mean(np.asarray(out.path_length)[-1]))
            v = float(out.sigma2[-1]) + float(np.mean(np.asarray(out.Sigma2)[-1]))
            bound = math.sqrt((1 + p + v) * (1 + p))
            reg = float(np.mean(np.asarray(out.dynamic_regret)[-1]))
            reg1 = float(np.mean(np.asarray(single.dynamic_regret)[-1]))
            rows.append([T, c, p, bound, reg, reg1])
    r = np.asarray(rows)
    curve = {k: r[:, i].tolist() for i, k in enumerate(["T", "c", "P", "bound", "ens", "single"])}
    ratio = r[:, 4] / r[:, 3]
    fit = estimate_order(r[:, 3], r[:, 4])
    static = r[r[:, 1] == 0.0]
    sfit = estimate_order(static[:, 0], static[:, 4])
    slow = r[(r[:, 1] == 0.3) & (r[:, 0] == max(config["dyn_T"]))]
    env = sea_drifting(2048, 2, speed=1.0 / math.sqrt(2048), noise=DYN_NOISE, n_runs=2, rng=seed)
    res = {
        "ratio_min": float(ratio.min()),
        "ratio_max": float(ratio.max()),
        "log10_spread": math.log10(ratio.max() / ratio.min()),
        "exponent": fit.slope,
        "exponent_ci": [fit.ci_low, fit.ci_high],
        "static_slope": sfit.slope,
        "slow_drift_ens_over_single": float(slow[0, 4] / slow[0, 5]),
    }
    res["meta_bound_violations"], res["meta_bound_slack_min"] = _meta_slack(env)
    return res, curve


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    from refimpl.validation import _common

    c = result["curves"]
    paths = []
    with _common.plot_style() as plt:
        fig, axes = plt.subplots(1, 4, figsize=(17, 4))
        ax = axes[0]
        for i, name in enumerate(
            ["noiseless", "iid_s0.25", "iid_s1", "adversarial", "corrupted_iid"]
        ):
            t = np.asarray(c[name]["t"])
            ax.loglog(t, np.maximum(c[name]["regret"], 1e-3), "o-", ms=3, color=f"C{i}", label=name)
            ax.loglog(t, np.maximum(c[name]["bound"], 1e-3), "--", color=f"C{i}", lw=0.8)
        ax.set_xlabel("T")
        ax.set_ylabel("mean regret R_T")
        ax.set_title("convex: R_T (o) vs sqrt(sigma^2)+sqrt(Sigma^2) (--)", fontsize=9)
        ax.legend(fontsize=7)
        ax = axes[1]
        t = np.asarray(c["strongly_convex"]["t"])
        r = np.asarray(c["strongly_convex"]["regret"])
        ax.semilogx(t, r, "o-", ms=3, label="strongly convex, eta = 2/(lambda t)")
        ax.semilogx(t, r[-1] * np.log(t) / np.log(t[-1]), "--", label="c log T")
        ax.set_xlabel("T")
        ax.set_title("strongly convex: log T", fontsize=9)
        ax.legend(fontsize=7)
        ax = axes[2]
        for i, key in enumerate(k for k in c if k.startswith("ons_d")):
            t = np.asarray(c[key]["t"])
            ax.semilogx(t, c[key]["regret"], "o-", ms=3, color=f"C{i}", label=f"ONS {key[4:]}")
        ax.set_xlabel("T")
        ax.set_title(
            f"exp-concave: slope in d = {result['exp_concave']['dimension_exponent']:.2f}",
            fontsize=9,
        )
        ax.legend(fontsize=7)
        ax = axes[3]
        dyn = c["dynamic"]
        cs = sorted(set(dyn["c"]))
        for i, cc in enumerate(cs):
            sel = np.asarray(dyn["c"]) == cc
            b = np.asarray(dyn["bound"])[sel]
            ax.loglog(b, np.asarray(dyn["ens"])[sel], "o-", ms=4, color=f"C{i}", label=f"c = {cc}")
            ax.loglog(b, np.asarray(dyn["single"])[sel], "x:", ms=4, color=f"C{i}", lw=0.8)
        b = np.asarray(dyn["bound"])
        ax.loglog(np.sort(b), np.sort(b), "k--", lw=0.8, label="D-Reg = bound")
        ax.set_xlabel("sqrt((1 + P_T + sigma^2 + Sigma^2)(1 + P_T))")
        ax.set_ylabel("dynamic regret vs c_t")
        ax.set_title(
            f"dynamic: ensemble (o), one adaptive OGD (x); exponent "
            f"{result['dynamic']['exponent']:.2f}",
            fontsize=9,
        )
        ax.legend(fontsize=7)
        path = outdir / f"{NAME}-regret.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
