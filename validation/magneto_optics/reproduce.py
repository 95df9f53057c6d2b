"""Atomic magneto-optics at 0.6 T: rotation recovered from absorption (Briscoe et al. 2024).

Briscoe, Pizzey, Wrathmall, Hughes, arXiv:2403.00950, measure the two refractive indices of
Rb vapour in a 0.6 T field by sending the eigen-polarisations of each geometry through the
cell (Faraday: circular e+ and e-; Voigt: linear parallel and perpendicular to B), converting
each transmission to an absorption coefficient and Hilbert-transforming it; the two indices
then give the magneto-optical rotation. This script reproduces that procedure on *simulated*
spectra from the refimpl atomic model (ElecSus constants, natural Rb, D2, 6000 G):

* ``model``: the model's own checks at 0.6 T (line-strength sum rules, centroids,
  integrated absorption against the oscillator strength);
* ``recovery``: noise-free spectra on the reference window; Hilbert indices and the rotation
  (Faraday: x input; Voigt: input at 45 degrees to B) against the direct Jones calculation;
* ``noise``: RMS rotation error against the transmission noise level (several seeds) and
  its fitted log-log slope (expected 1: the Hilbert transform is linear and norm-preserving);
* ``window``: RMS rotation error over the central +-15 GHz against the scan half-window (the
  outermost 0.6 T lines sit at +-25..28 GHz: windows that cut them fail).

Conditions (the paper's are not transcribed: see README "Unverified"): T = 80 C, L = 2 mm,
natural abundance, D2, B = 6000 G, 20 MHz grid (quick).

Run ``python validation/magneto_optics/reproduce.py [--quick|--full] [--seed N] [--out DIR]``
or ``refimpl validate --only magneto_optics``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.optics import (
    eigen_indices,
    hilbert_transform,
    indirect_rotation,
    jones_vector,
    rb_line_data,
    rb_number_density,
    rb_susceptibility,
    rb_transitions,
    rotation_angle,
    transmitted_stokes,
)
from refimpl.testing import estimate_order

NAME = "magneto_optics"
B_GAUSS = 6000.0

QUICK: dict[str, Any] = {
    "line": "D2",
    "T_celsius": 80.0,
    "L_m": 0.002,
    "step_mhz": 20.0,
    "half_window_ghz": 40.0,
    "noise_sigma": 1e-3,
    "noise_levels": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2],
    "noise_seeds": 3,
    "window_halves_ghz": [20.0, 25.0, 30.0, 40.0, 60.0],
    "centre_ghz": 15.0,
    "plot_points": 1500,
}
FULL: dict[str, Any] = {
    **QUICK,
    "step_mhz": 5.0,
    "noise_seeds": 10,
    "window_halves_ghz": [20.0, 25.0, 30.0, 35.0, 40.0, 50.0, 60.0, 80.0],
}


def _wrap(x: np.ndarray) -> np.ndarray:
    return np.angle(np.exp(2j * x)) / 2  # modulo pi


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x)))


def _decimate(a: np.ndarray, m: int) -> list[float]:
    k = max(1, a.size // m)
    return [float(f"{v:.6g}") for v in a[::k].tolist()]


# --------------------------------------------------------------------------- model
def _model_checks(line: str) -> dict[str, Any]:
    share = 2 / 3 if line == "D2" else 1 / 3
    out: dict[str, Any] = {}
    worst = 0.0
    for iso in (85, 87):
        for q in (1, 0, -1):
            tr = rb_transitions(iso, line, B_gauss=B_GAUSS, q=q)
            worst = max(worst, abs(tr.strength.sum() - share))
    out["sum_rule_max_dev"] = worst
    # centroids of the natural-abundance sigma lines, isotope shifts removed
    for q, key in ((1, "centroid_sigma_plus_mhz"), (-1, "centroid_sigma_minus_mhz")):
        num = den = 0.0
        for iso, frac in ((85, 0.7217), (87, 0.2783)):
            tr = rb_transitions(iso, line, B_gauss=B_GAUSS, q=q)
            shift = rb_line_data(iso, line).isotope_shift_mhz
            num += frac * np.sum(tr.strength * (tr.frequency_mhz + shift))
            den += frac * tr.strength.sum()
        out[key] = float(num / den)
    # integrated absorption (100 C, +-30 GHz, 2 MHz) against the oscillator strength
    d = np.arange(-30000.0, 30000.1, 2.0)
    chis = rb_susceptibility(d, line=line, B_gauss=B_GAUSS, T_celsius=100.0)
    data = rb_line_data(87, line)
    gamma0 = 2 * math.pi * data.gamma_natural_mhz * 1e6
    g_ratio = (2 * float(data.j_excited) + 1) / 2
    want = rb_number_density(100.0) * data.wavelength_m**3 * g_ratio * gamma0 / (16 * math.pi**2)
    want /= 1e6
    ratios = [float(np.trapezoid(c.imag, d) / want) for c in chis]
    out["integrated_absorption_ratio"] = ratios
    out["integrated_absorption_max_rel_dev"] = max(abs(r - 1) for r in ratios)
    return out


# ---------------------------------------------------------------------- simulation
def _simulate(config: dict[str, Any], half_ghz: float) -> dict[str, Any]:
    d = np.arange(-half_ghz * 1e3, half_ghz * 1e3 + 1e-9, config["step_mhz"])
    chis = rb_susceptibility(d, line=config["line"], B_gauss=B_GAUSS, T_celsius=config["T_celsius"])
    lam = rb_line_data(87, config["line"]).wavelength_m
    length = config["L_m"]
    geo: dict[str, Any] = {}
    for geometry, theta_b, inputs, probe in (
        ("faraday", 0.0, ("e+", "e-"), 0.0),
        ("voigt", math.pi / 2, ("x", "y"), math.pi / 4),
    ):
        t_a, t_b = (
            transmitted_stokes(*chis, jones_vector(v), L=length, wavelength=lam, theta_B=theta_b)[
                :, 0
            ]
            for v in inputs
        )
        s = transmitted_stokes(
            *chis, jones_vector(probe), L=length, wavelength=lam, theta_B=theta_b
        )
        direct = rotation_angle(s) - probe
        na, nb = eigen_indices(*chis, geometry=geometry)
        geo[geometry] = {"T_a": t_a, "T_b": t_b, "direct": _wrap(direct), "na": na, "nb": nb}
    return {"d": d, "lam": lam, "geo": geo}


def _indirect(sim: dict[str, Any], config: dict[str, Any], geometry: str, t_a, t_b) -> Any:
    return indirect_rotation(
        t_a, t_b, sim["d"], L=config["L_m"], wavelength=sim["lam"], geometry=geometry
    )


def _noisy(t: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    # additive detector noise on the normalised transmission; a floor keeps T > 0
    return np.maximum(t + sigma * rng.standard_normal(t.size), 1e-4)


def _recovery(
    config: dict[str, Any], sim: dict[str, Any], rng: np.random.Generator
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "curves": {"detuning_ghz": _decimate(sim["d"] / 1e3, config["plot_points"])}
    }
    cur = out["curves"]
    m = config["plot_points"]
    for geometry, g in sim["geo"].items():
        res = _indirect(sim, config, geometry, g["T_a"], g["T_b"])
        err = _wrap(res.rotation - g["direct"])
        peak_n = max(np.abs(g["na"].real).max(), np.abs(g["nb"].real).max())
        n_err = max(
            np.abs(res.n_a_minus_1 - g["na"].real).max(),
            np.abs(res.n_b_minus_1 - g["nb"].real).max(),
        )
        noisy = _indirect(
            sim,
            config,
            geometry,
            _noisy(g["T_a"], config["noise_sigma"], rng),
            _noisy(g["T_b"], config["noise_sigma"], rng),
        )
        out[geometry] = {
            "rotation_rms_err_rad": _rms(err),
            "rotation_max_err_rad": float(np.abs(err).max()),
            "rotation_peak_abs_rad": float(np.abs(g["direct"]).max()),
            "index_max_rel_err": float(n_err / peak_n),
            "noisy_rotation_rms_err_rad": _rms(_wrap(noisy.rotation - g["direct"])),
            "min_transmission": float(min(g["T_a"].min(), g["T_b"].min())),
        }
        for key, arr in (
            ("T_a", g["T_a"]),
            ("T_b", g["T_b"]),
            ("n_a_true", g["na"].real),
            ("n_b_true", g["nb"].real),
            ("n_a_hilbert", res.n_a_minus_1),
            ("n_b_hilbert", res.n_b_minus_1),
            ("rotation_direct", g["direct"]),
            ("rotation_indirect", res.rotation),
            ("rotation_indirect_noisy", noisy.rotation),
        ):
            cur[f"{geometry}_{key}"] = _decimate(np.asarray(arr), m)
    return out


def _noise_sweep(
    config: dict[str, Any], sim: dict[str, Any], rng: np.random.Generator
) -> dict[str, Any]:
    levels = np.asarray(config["noise_levels"], dtype=np.float64)
    out: dict[str, Any] = {"noise_sigma": levels.tolist()}
    for geometry, g in sim["geo"].items():
        rms = []
        for sigma in levels:
            vals = []
            for _ in range(config["noise_seeds"]):
                res = _indirect(
                    sim,
                    config,
                    geometry,
                    _noisy(g["T_a"], sigma, rng),
                    _noisy(g["T_b"], sigma, rng),
                )
                vals.append(_rms(_wrap(res.rotation - g["direct"])))
            rms.append(float(np.median(vals)))
        fit = estimate_order(levels, np.asarray(rms))
        out[geometry] = {"rotation_rms_err_rad": rms, "slope": fit.slope}
    # Faraday prediction [der]: psi = (H[ln T_-] - H[ln T_+]) / 4 with d ln T = dT / T; the
    # sampled line-method transform maps white noise to noise of RMS gain
    # g = sqrt(sum_m w_m^2) (= ||H[impulse]||, 0.72: the hat-function interpolant filters the
    # highest frequencies), so RMS(d psi) = g (sigma / 4) sqrt(mean(1/T_+^2 + 1/T_-^2))
    g = sim["geo"]["faraday"]
    n = g["T_a"].size
    impulse = np.zeros(2 * n - 1)
    impulse[n - 1] = 1.0
    gain = float(np.linalg.norm(hilbert_transform(impulse)))
    unit = 0.25 * gain * math.sqrt(float(np.mean(1 / g["T_a"] ** 2 + 1 / g["T_b"] ** 2)))
    out["faraday"]["line_kernel_noise_gain"] = gain
    measured = np.asarray(out["faraday"]["rotation_rms_err_rad"]) / levels
    out["faraday"]["predicted_rms_per_sigma"] = unit
    out["faraday"]["measured_over_predicted"] = float(np.median(measured) / unit)
    return out


def _window_sweep(config: dict[str, Any], big: dict[str, Any]) -> dict[str, Any]:
    halves = [float(h) for h in config["window_halves_ghz"]]
    out: dict[str, Any] = {"half_window_ghz": halves}
    d_all = big["d"]
    for geometry, g in big["geo"].items():
        errs = []
        for half in halves:
            sel = np.abs(d_all) <= half * 1e3 + 1e-6
            d = d_all[sel]
            sub = {"d": d, "lam": big["lam"]}
            res = _indirect(sub, config, geometry, g["T_a"][sel], g["T_b"][sel])
            centre = np.abs(d) <= config["centre_ghz"] * 1e3
            errs.append(_rms(_wrap(res.rotation - g["direct"][sel])[centre]))
        ref = errs[halves.index(40.0)]
        out[geometry] = {
            "rotation_rms_err_centre_rad": errs,
            # all lines inside (|lines| < 28.4 GHz): the error has converged to the grid floor
            "converged_ratio_40_to_60": ref / errs[halves.index(60.0)],
            # windows that cut the outermost lines (half-window < 30 GHz)
            "log10_cut_penalty": math.log10(
                max(e for h, e in zip(halves, errs, strict=True) if h < 30.0) / ref
            ),
            # fraction of the cut windows whose error is at least twice the converged one
            "cut_windows_degraded_fraction": float(
                np.mean([e >= 2.0 * ref for h, e in zip(halves, errs, strict=True) if h < 30.0])
            ),
        }
    return out


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Pure: config (QUICK/FULL plus "seed") -> JSON-safe result."""
    rng = np.random.default_rng(config["seed"])
    big = _simulate(config, max(config["window_halves_ghz"]))
    sel = np.abs(big["d"]) <= config["half_window_ghz"] * 1e3 + 1e-6
    sim = {
        "d": big["d"][sel],
        "lam": big["lam"],
        "geo": {k: {kk: vv[sel] for kk, vv in v.items()} for k, v in big["geo"].items()},
    }
    return {
        "conditions": {
            "line": config["line"],
            "B_gauss": B_GAUSS,
            "T_celsius": config["T_celsius"],
            "L_m": config["L_m"],
            "rb85_percent": 72.17,
            "step_mhz": config["step_mhz"],
            "half_window_ghz": config["half_window_ghz"],
            "number_density_m3": rb_number_density(config["T_celsius"]),
        },
        "model": _model_checks(config["line"]),
        "recovery": _recovery(config, sim, rng),
        "noise": _noise_sweep(config, sim, rng),
        "window": _window_sweep(config, big),
    }


# ----------------------------------------------------------------------------- plot
def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``magneto_optics-transmission.png``, ``-indices.png``, ``-rotation.png``,
    ``-degradation.png``."""
    from refimpl.validation import _common

    cur = result["recovery"]["curves"]
    x = np.asarray(cur["detuning_ghz"])
    paths = []
    labels = {
        "faraday": (
            r"$\hat e_+$ ($\Delta m=+1$)",
            r"$\hat e_-$ ($\Delta m=-1$)",
            "Faraday (B ∥ k)",
        ),
        "voigt": (r"E ∥ B ($\pi$)", r"E ⊥ B ($\sigma^\pm$)", "Voigt (B ⊥ k)"),
    }
    with _common.plot_style() as plt:
        fig, axes = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
        for ax, geometry in zip(axes, ("faraday", "voigt"), strict=True):
            la, lb, title = labels[geometry]
            ax.plot(x, cur[f"{geometry}_T_a"], color="C0", lw=1, label=la)
            ax.plot(x, cur[f"{geometry}_T_b"], color="C3", lw=1, label=lb)
            ax.set_ylabel("transmission")
            ax.set_title(title, fontsize=10)
            ax.legend(loc="lower left", fontsize=8)
        axes[-1].set_xlabel("detuning (GHz)")
        path = outdir / f"{NAME}-transmission.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)

        fig, axes = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
        for ax, geometry in zip(axes, ("faraday", "voigt"), strict=True):
            la, lb, title = labels[geometry]
            for key, color, lab in (("a", "C0", la), ("b", "C3", lb)):
                ax.plot(
                    x,
                    1e6 * np.asarray(cur[f"{geometry}_n_{key}_true"]),
                    color=color,
                    lw=2.5,
                    alpha=0.3,
                )
                ax.plot(
                    x,
                    1e6 * np.asarray(cur[f"{geometry}_n_{key}_hilbert"]),
                    color=color,
                    lw=1,
                    ls="--",
                    label=f"{lab}: Hilbert",
                )
            ax.set_ylabel(r"$(n-1)\times10^6$")
            ax.set_title(
                f"{title}: model (thick) and Hilbert transform of absorption (dashed)", fontsize=9
            )
            ax.legend(loc="lower left", fontsize=8)
        axes[-1].set_xlabel("detuning (GHz)")
        path = outdir / f"{NAME}-indices.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)

        fig, axes = plt.subplots(2, 1, sharex=True, figsize=(6.4, 5.6))
        for ax, geometry in zip(axes, ("faraday", "voigt"), strict=True):
            title = labels[geometry][2]
            rec = result["recovery"][geometry]
            noisy = "noisy_rotation_rms_err_rad"
            ax.plot(
                x,
                cur[f"{geometry}_rotation_direct"],
                color="k",
                lw=2.5,
                alpha=0.3,
                label="direct (Jones)",
            )
            ax.plot(
                x,
                cur[f"{geometry}_rotation_indirect"],
                color="C0",
                lw=1,
                ls="--",
                label=f"indirect: RMS {rec['rotation_rms_err_rad']:.1e} rad",
            )
            ax.plot(
                x,
                cur[f"{geometry}_rotation_indirect_noisy"],
                color="C1",
                lw=0.6,
                alpha=0.7,
                label=rf"indirect, noise $\sigma_T$ = 1e-3: RMS {rec[noisy]:.1e}",
            )
            ax.set_ylabel("rotation (rad)")
            ax.set_title(title, fontsize=10)
            ax.legend(loc="lower left", fontsize=7)
        axes[-1].set_xlabel("detuning (GHz)")
        path = outdir / f"{NAME}-rotation.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)

        fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6))
        noise = result["noise"]
        win = result["window"]
        for geometry, color in (("faraday", "C0"), ("voigt", "C3")):
            axes[0].loglog(
                noise["noise_sigma"],
                noise[geometry]["rotation_rms_err_rad"],
                "o-",
                color=color,
                label=f"{geometry}: slope {noise[geometry]['slope']:.2f}",
            )
            axes[1].semilogy(
                win["half_window_ghz"],
                win[geometry]["rotation_rms_err_centre_rad"],
                "o-",
                color=color,
                label=geometry,
            )
        axes[0].set_xlabel(r"transmission noise $\sigma_T$")
        axes[0].set_ylabel("RMS rotation error (rad)")
        axes[0].legend(fontsize=8)
        axes[1].set_xlabel("scan half-window (GHz)")
        axes[1].set_ylabel("RMS error, |Δ| < 15 GHz (rad)")
        axes[1].legend(fontsize=8)
        path = outdir / f"{NAME}-degradation.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
