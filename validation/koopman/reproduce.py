"""Koopman spectra with verification: the Gauss-map residual table and the Duffing study.

Colbrook, Mezic, Stepanenko, "Limits and powers of Koopman learning", arXiv:2407.06312
(official code ``MColbrook/Adversarial-Dynamical-Systems``: ``duffing_example.m``,
``duffing_err.m``), building on ResDMD (Colbrook & Townsend, arXiv:2111.14889). Checks, with
:mod:`refimpl.koopman`:

* ``gauss``: ``tau_N(z)`` of the Gauss iterated map (orthonormal Legendre on [-1, 0], M = 100
  Gauss-Legendre nodes) at z = 1, a, a^2, a^3, 0.5i, -1, 1.4, 2 for N = 10, 20, 40 (and 80 in
  the full mode) against the spec's independently reproduced table; the decay of tau at a^k
  with N (fitted geometric rate) and the QR/Gram/SVD agreement.
* ``rotation``: the circle rotation oracle tau(z) = min_k |z - e^{ik omega}| (omega = 1.4 pi).
* ``duffing``: undamped (alpha = 0) and damped (alpha = 0.3) Duffing, Delta t = 0.3, RBF
  dictionary exp(-2 r/d) with k-means centres from a separate data set, W = 1/M. E_EDMD (max
  EDMD residual on held-out data) against E_new (the verified algorithm's error bound) as N
  grows; the certified eigenvalues of the damped system near exp(lambda Delta t) =
  0.8722 +- 0.3916i (linearisation at the foci (+-1, 0)).

Run ``python validation/koopman/reproduce.py [--quick|--full] [--seed N] [--out DIR]`` or
``refimpl validate --only koopman``. Timings are in ``bench.py``.
"""

from __future__ import annotations

import cmath
import math
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.koopman import (
    duffing_vector_field,
    edmd,
    flow_trajectories,
    fourier_dictionary,
    gauss_legendre,
    gauss_map,
    kmeans_centres,
    legendre_dictionary,
    pseudospectrum,
    rbf_dictionary,
    snapshot_pairs,
    uniform_weights,
    verified_spectrum,
)
from refimpl.testing import estimate_order

NAME = "koopman"

QUICK: dict[str, Any] = {
    "gauss_n": [10, 20, 40],
    "duffing_m1": 400,  # initial points per data set (M = 5 m1 snapshots)
    "duffing_n": [20, 40, 60],
    "duffing_kmeans_iter": 50,
    "conv_step": 0.05,  # convergence grid [-0.5, 1] x [0, 1]
    "plot_step": 0.1,  # pseudospectrum grid [-1.5, 1.5] x [-0.04, 1.5]
    "plot_n": 60,
    "rtol": 1e-10,
    # tau on the Duffing grids: numba (threads across grid points) when the [numba] extra is
    # installed, else the reference; equal to round-off (tests/koopman/test_backends.py)
    "backend": "auto",
}
FULL: dict[str, Any] = {
    **QUICK,
    "gauss_n": [10, 20, 40, 80],
    "duffing_m1": 2000,
    "duffing_n": [25, 50, 100, 200],
    "duffing_kmeans_iter": 300,
    "conv_step": 0.025,  # the paper: 0.02 and N up to ~1260 (too slow for ~10 min on 2 cores)
    "plot_step": 0.05,
    "plot_n": 200,
}

A = 4.0 * math.exp(-2.0)
GAUSS_Z = [1.0, A, A * A, A**3, 0.5j, -1.0, 1.4, 2.0]
GAUSS_LABELS = ["1", "a", "a2", "a3", "half_i", "m1", "1p4", "2"]
DAMPED_EIG = cmath.exp((-0.15 + 1j * math.sqrt(2 - 0.3**2 / 4)) * 0.3)


# ------------------------------------------------------------------------------ Gauss map
def _gauss(config: dict[str, Any]) -> dict[str, Any]:
    x, w = gauss_legendre(100, interval=(-1.0, 0.0))
    y = gauss_map(x)
    z = np.asarray(GAUSS_Z, dtype=complex)
    table: dict[str, list[float]] = {lab: [] for lab in GAUSS_LABELS}
    worst_method = 0.0
    for n in config["gauss_n"]:
        px = legendre_dictionary(x, n=n, interval=(-1.0, 0.0))
        py = legendre_dictionary(y, n=n, interval=(-1.0, 0.0))
        tau = np.asarray(pseudospectrum(z, px, py, w, method="svd"))
        for lab, t in zip(GAUSS_LABELS, tau, strict=True):
            table[lab].append(float(t))
        for m in ("qr", "gram"):
            other = np.asarray(pseudospectrum(z, px, py, w, method=m))
            worst_method = max(worst_method, float(np.max(np.abs(other - tau))))
    out: dict[str, Any] = {"n": list(config["gauss_n"]), "tau": table}
    for lab in GAUSS_LABELS:
        for n, t in zip(config["gauss_n"], table[lab], strict=True):
            out[f"tau_{lab}_N{n}"] = t
    ns = np.asarray(config["gauss_n"][:3], dtype=float)
    for lab in ("a", "a2", "a3"):
        fit = estimate_order(ns, np.asarray(table[lab][:3]), scale="semilogy")
        out[f"rate_{lab}"] = fit.slope  # log10 tau per unit N
    out["max_abs_qr_gram_vs_svd"] = worst_method
    out["tau_inside_decreases"] = bool(np.all(np.diff(table["half_i"]) < 0))
    return out


# ----------------------------------------------------------------------------- rotation
def _rotation() -> dict[str, Any]:
    n, m, omega = 5, 64, 1.4 * math.pi
    x = 2 * np.pi * np.arange(m) / m
    px, py = fourier_dictionary(x, n=n), fourier_dictionary(x + omega, n=n)
    w = np.full(m, 2 * np.pi / m)
    g = np.linspace(-1.5, 1.5, 31)
    z = (g[None, :] + 1j * g[:, None]).reshape(-1)
    lam = np.exp(1j * omega * np.arange(-n, n + 1))
    exact = np.min(np.abs(z[:, None] - lam[None, :]), axis=1)
    tau = np.asarray(pseudospectrum(z, px, py, w))
    res = verified_spectrum(z, tau, unitary=True)
    pts = np.asarray(res.points)
    cert = np.min(np.abs(pts[:, None] - lam[None, :]), axis=1) - np.asarray(res.bounds)
    return {
        "max_abs_err": float(np.max(np.abs(tau - exact))),
        "certificate_violation": float(max(0.0, np.max(cert))),
        "n_certified": int(pts.shape[0]),
    }


# ------------------------------------------------------------------------------ Duffing
def _duffing_data(alpha: float, m1: int, gen: np.random.Generator, rtol: float) -> Any:
    x0 = (gen.random((m1, 2)) - 0.5) * 4.0
    traj = flow_trajectories(
        lambda t, s: duffing_vector_field(s, alpha=alpha),
        x0,
        dt=0.3,
        n_steps=5,
        rtol=rtol,
        atol=rtol,
    )
    return snapshot_pairs(traj)


def _grid(x0: float, x1: float, y0: float, y1: float, step: float) -> tuple[Any, Any, Any]:
    xs = np.arange(x0, x1 + step / 2, step)
    ys = np.arange(y0, y1 + step / 2, step)
    return xs, ys, (xs[None, :] + 1j * ys[:, None]).reshape(-1)


def _duffing_case(alpha: float, config: dict[str, Any], gen: np.random.Generator) -> Any:
    m1, rtol = int(config["duffing_m1"]), float(config["rtol"])
    xc, yc = _duffing_data(alpha, m1, gen, rtol)  # centres (separate data set)
    x, y = _duffing_data(alpha, m1, gen, rtol)  # training data
    x3, y3 = _duffing_data(alpha, m1, gen, rtol)  # held-out data for E_EDMD
    d = float(np.mean(np.linalg.norm(x - x.mean(axis=0), axis=1)))
    w = uniform_weights(x.shape[0])
    _, _, zc = _grid(-0.5, 1.0, 0.0, 1.0, float(config["conv_step"]))
    rows = []
    for n in config["duffing_n"]:
        c = kmeans_centres(
            np.concatenate([xc, yc]),
            n_centres=n,
            n_iter=int(config["duffing_kmeans_iter"]),
            rng=gen,
        )
        px, py = rbf_dictionary(x, c, scale=d), rbf_dictionary(y, c, scale=d)
        ed = edmd(px, py, w, rcond=1e-15)
        v = np.asarray(ed.eigenvectors)
        lam = np.asarray(ed.eigenvalues)
        p3x, p3y = rbf_dictionary(x3, c, scale=d), rbf_dictionary(y3, c, scale=d)
        r = np.linalg.norm(p3y @ v - (p3x @ v) * lam, axis=0) / np.linalg.norm(p3x @ v, axis=0)
        tau = np.asarray(
            pseudospectrum(zc, px, py, w, rcond=1e-15, backend=config.get("backend", "auto"))
        )
        ver = verified_spectrum(zc, tau, unitary=(alpha == 0.0))
        rows.append(
            {
                "n": n,
                "E_EDMD": float(np.max(r)),
                "E_new": ver.error,
                "n_certified": int(np.asarray(ver.points).shape[0]),
            }
        )
    return rows, (x, y, w, d, xc, yc)


def _duffing(config: dict[str, Any], gen: np.random.Generator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, alpha in (("undamped", 0.0), ("damped", 0.3)):
        rows, (x, y, w, d, xc, yc) = _duffing_case(alpha, config, gen)
        out[label] = {"rows": rows}
        e_new = [r["E_new"] for r in rows]
        e_edmd = [r["E_EDMD"] for r in rows]
        out[label]["E_new_last"] = e_new[-1]
        out[label]["E_EDMD_last"] = e_edmd[-1]
        out[label]["E_new_ratio_last_first"] = e_new[-1] / e_new[0]
        out[label]["E_EDMD_min"] = min(e_edmd)
        out[label]["E_EDMD_over_E_new_last"] = e_edmd[-1] / e_new[-1]
        # the pseudospectrum plot with certified points
        n = int(config["plot_n"])
        c = kmeans_centres(
            np.concatenate([xc, yc]),
            n_centres=n,
            n_iter=int(config["duffing_kmeans_iter"]),
            rng=gen,
        )
        px, py = rbf_dictionary(x, c, scale=d), rbf_dictionary(y, c, scale=d)
        xs, ys, z = _grid(-1.5, 1.5, -0.04, 1.5, float(config["plot_step"]))
        tau = np.asarray(
            pseudospectrum(z, px, py, w, rcond=1e-15, backend=config.get("backend", "auto"))
        )
        ver = verified_spectrum(z, tau, unitary=(alpha == 0.0))
        pts, bnd = np.asarray(ver.points), np.asarray(ver.bounds)
        lam = np.asarray(edmd(px, py, w, rcond=1e-15).eigenvalues)
        out[label]["plot"] = {
            "x": xs.tolist(),
            "y": ys.tolist(),
            "tau": np.asarray(ver.tau).tolist(),
            "points_re": pts.real.tolist(),
            "points_im": pts.imag.tolist(),
            "bounds": bnd.tolist(),
            "edmd_re": lam.real.tolist(),
            "edmd_im": lam.imag.tolist(),
            "n": n,
        }
        if alpha > 0:
            dist = np.abs(pts - DAMPED_EIG)
            k = int(np.argmin(dist))
            out[label]["nearest_certified_to_focus_eig"] = [float(pts[k].real), float(pts[k].imag)]
            out[label]["dist_certified_to_focus_eig"] = float(dist[k])
            out[label]["bound_at_that_point"] = float(bnd[k])
            out[label]["tau_min_near_focus_eig"] = float(np.min(tau[np.abs(z - DAMPED_EIG) < 0.05]))
    return out


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Pure: config (QUICK/FULL plus "seed") -> JSON-safe result."""
    gen = np.random.default_rng(config["seed"])
    return {"gauss": _gauss(config), "rotation": _rotation(), "duffing": _duffing(config, gen)}


# ---------------------------------------------------------------------------------- plot
def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``koopman-gauss.png``, ``koopman-duffing-errors.png``, ``koopman-duffing-pseudospectrum
    .png``."""
    from refimpl.validation import _common

    paths = []
    with _common.plot_style() as plt:
        g = result["gauss"]
        fig, ax = plt.subplots()
        for lab in GAUSS_LABELS[1:]:
            ax.semilogy(g["n"], np.maximum(g["tau"][lab], 1e-17), "o-", label=f"z = {lab}")
        ax.set_xlabel("N (orthonormal Legendre on [-1, 0])")
        ax.set_ylabel(r"$\tau_N(z)$")
        ax.set_title("Gauss map: tau at eigenvalues a^k -> 0, elsewhere slowly")
        ax.legend(fontsize=8, ncol=2)
        paths.append(outdir / f"{NAME}-gauss.png")
        fig.savefig(paths[-1])
        plt.close(fig)

        fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.0))
        for ax, label in zip(axes, ("undamped", "damped"), strict=True):
            rows = result["duffing"][label]["rows"]
            ns = [r["n"] for r in rows]
            ax.loglog(ns, [r["E_EDMD"] for r in rows], "s-", label=r"$E_{EDMD}$ (held out)")
            ax.loglog(ns, [r["E_new"] for r in rows], "o-", label=r"$E_{new}$ (verified)")
            ax.set_xlabel("N (RBF dictionary)")
            ax.set_title(f"Duffing, {label}")
            ax.legend(fontsize=8)
        axes[0].set_ylabel("error")
        paths.append(outdir / f"{NAME}-duffing-errors.png")
        fig.savefig(paths[-1])
        plt.close(fig)

        fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.6))
        for ax, label in zip(axes, ("undamped", "damped"), strict=True):
            p = result["duffing"][label]["plot"]
            xs, ys = np.asarray(p["x"]), np.asarray(p["y"])
            tau = np.asarray(p["tau"]).reshape(ys.size, xs.size)
            lev = np.log10(np.clip(tau, 1e-2, 10**-0.5))
            for sign in (1, -1):
                cs = ax.contourf(xs, sign * ys, lev, levels=16, cmap="inferno")
            fig.colorbar(cs, ax=ax, label=r"log10 $\tau_N$")
            ax.plot(p["edmd_re"], p["edmd_im"], ".", color="C0", ms=3, label="EDMD eigenvalues")
            ax.plot(p["points_re"], p["points_im"], "x", color="C2", ms=6, label="certified")
            ax.plot(p["points_re"], -np.asarray(p["points_im"]), "x", color="C2", ms=6)
            if label == "damped":
                ax.plot(
                    [DAMPED_EIG.real] * 2,
                    [DAMPED_EIG.imag, -DAMPED_EIG.imag],
                    "+",
                    color="w",
                    ms=10,
                    label=r"$e^{\lambda \Delta t}$ (foci)",
                )
            ax.set_xlim(-1.5, 1.5)
            ax.set_ylim(-1.5, 1.5)
            ax.set_aspect("equal")
            ax.set_title(f"Duffing {label}, N = {p['n']}")
            ax.legend(fontsize=7, loc="lower left")
        paths.append(outdir / f"{NAME}-duffing-pseudospectrum.png")
        fig.savefig(paths[-1])
        plt.close(fig)
    return paths


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
