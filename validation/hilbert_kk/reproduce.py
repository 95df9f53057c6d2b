"""Hilbert transform / Kramers-Kronig: the refractive index of a vapour from its absorption.

Briscoe, Pizzey, Wrathmall, Hughes, arXiv:2403.00950 (2024), and Whittaker et al., Phys. Rev. A
91, 032513 (2015), recover the refractive index n(nu) of an atomic vapour from its measured
absorption alone, n - 1 = -(c / 2 omega0) H[alpha]. This script checks that step on synthetic
spectra whose answer is known exactly: a sum of Voigt (Faddeeva) lines, for which the
dispersion is the exact Hilbert transform of the absorption (H[Re w(. + iy)] = Im w(. + iy)).

* ``recovery``: an Rb-D2-like spectrum (Doppler-broadened lines spread over +-10 GHz, a
  +-20 GHz scan on a 10 MHz grid); n - 1 recovered from alpha with ``method="line"`` and with
  the periodic ``method="fft"`` (no padding); max error relative to the peak of |n - 1|.
* ``window``: the line method's error against the half-window L of the scan (pressure-
  broadened lines, whose Lorentzian tails are cut by the window): fitted slope of
  log(max error) on log L, expected -2 + 1/ln(L/h) from the edge term ln(L/h)/L^2.
* ``lorentzian`` and ``faddeeva_pair``: the measured-accuracy table of the spec (unit
  Lorentzian and the Faddeeva pair z = x + 1.3i), re-measured.
* ``identities``: the periodic round trip (H o H = -I) and the sign anchor (n > 1 on the
  red side of a line).

Run ``python validation/hilbert_kk/reproduce.py [--quick|--full] [--seed N] [--out DIR]`` or
``refimpl validate --only hilbert_kk``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import scipy.constants

from refimpl.optics import (
    absorption_from_refractive_index,
    hilbert_transform,
    refractive_index_from_absorption,
    voigt_profile,
)
from refimpl.testing import estimate_order

NAME = "hilbert_kk"
C = float(scipy.constants.c)
NU0_HZ = 384.2304844685e12  # Rb D2 line centre (the scale only sets omega0)
OMEGA0 = 2 * math.pi * NU0_HZ

QUICK: dict[str, Any] = {
    "n_lines": 8,
    "line_span_ghz": 10.0,
    "half_window_ghz": 20.0,
    "step_mhz": 10.0,
    "sweep_half_windows_ghz": [8.0, 16.0, 32.0, 64.0, 128.0],
    "sweep_step_mhz": 2.0,
    "sweep_n_lines": 4,
    "lorentz_points": 20001,
    "pair_points_line": 2**16,
    "pair_points_fft": 2**18,
    "plot_points": 600,
}
FULL: dict[str, Any] = {
    **QUICK,
    "n_lines": 12,
    "step_mhz": 5.0,
    "sweep_half_windows_ghz": [8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
    "sweep_step_mhz": 0.5,  # keeps the O(h^2) floor ~20x below the L = 256 GHz error
    "plot_points": 2000,
}


# ------------------------------------------------------------------------------ spectra
def _draw_lines(
    rng: np.random.Generator, n: int, span: float, gamma_range: tuple[float, float]
) -> dict[str, list[float]]:
    """Line centres (GHz), Doppler sigma (GHz), Lorentz HWHM gamma (GHz), peak alpha (1/m)."""
    return {
        "centre_ghz": rng.uniform(-span, span, n).tolist(),
        "sigma_ghz": rng.uniform(0.2, 0.3, n).tolist(),  # Rb near 100 C: sigma ~ 0.23 GHz
        "gamma_ghz": rng.uniform(*gamma_range, n).tolist(),
        "peak_alpha_per_m": rng.uniform(10.0, 100.0, n).tolist(),
    }


def _spectrum(lines: dict[str, list[float]], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """alpha (1/m) and the exact n - 1 on detuning grid x (GHz)."""
    alpha = np.zeros_like(x)
    disp = np.zeros_like(x)
    for c, s, g, a in zip(
        lines["centre_ghz"],
        lines["sigma_ghz"],
        lines["gamma_ghz"],
        lines["peak_alpha_per_m"],
        strict=True,
    ):
        va, vd = voigt_profile(x - c, gamma=g, sigma=s)
        peak = float(voigt_profile(np.zeros(1), gamma=g, sigma=s)[0][0])
        alpha += (a / peak) * va
        disp += (a / peak) * vd
    # alpha is the absorption part of k Im chi; the dispersion part of k Re chi is -H[alpha]
    return alpha, -(C / (2 * OMEGA0)) * disp


def _grid(half: float, step_ghz: float) -> np.ndarray:
    return np.linspace(-half, half, round(2 * half / step_ghz) + 1)


def _decimate(a: np.ndarray, m: int, *, envelope: bool = False) -> list[float]:
    """About m points of a for the figures (6 significant digits): every k-th sample, or
    (envelope) the max of each block of k."""
    k = max(1, a.size // m)
    a = a[: (a.size // k) * k].reshape(-1, k).max(axis=1) if envelope else a[::k]
    return [float(f"{v:.6g}") for v in a.tolist()]


# ------------------------------------------------------------------------------- parts
def _recovery(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    lines = _draw_lines(rng, config["n_lines"], config["line_span_ghz"], (0.003, 0.03))
    x = _grid(config["half_window_ghz"], config["step_mhz"] / 1e3)
    alpha, exact = _spectrum(lines, x)
    peak = float(np.abs(exact).max())
    centre = np.abs(x) <= config["line_span_ghz"] + 1.0
    out: dict[str, Any] = {
        "half_window_ghz": config["half_window_ghz"],
        "step_mhz": config["step_mhz"],
        "n_points": int(x.size),
        "peak_alpha_per_m": float(alpha.max()),
        "peak_abs_n_minus_1": peak,
        "lines": lines,
    }
    m = config["plot_points"]
    curves: dict[str, Any] = {
        "detuning_ghz": _decimate(x, m),
        "alpha_per_m": _decimate(alpha, m),
        "n_minus_1_true": _decimate(exact, m),
    }
    for method in ("line", "fft"):
        got = refractive_index_from_absorption(alpha, omega0=OMEGA0, method=method)
        err = np.abs(got - exact) / peak
        out[method] = {
            "max_rel_err": float(err.max()),
            "max_rel_err_centre": float(err[centre].max()),
        }
        curves[f"n_minus_1_{method}"] = _decimate(got, m)
        curves[f"rel_err_{method}_envelope"] = _decimate(err, m, envelope=True)
    k = max(1, x.size // m)  # the envelope's blocks, located at their centres
    centres = x[: (x.size // k) * k].reshape(-1, k).mean(axis=1)
    curves["detuning_envelope_ghz"] = [float(f"{v:.6g}") for v in centres.tolist()]
    out["fft_over_line"] = out["fft"]["max_rel_err"] / out["line"]["max_rel_err"]
    out["curves"] = curves
    return out


def _window(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    # pressure-broadened lines near the centre: their Lorentzian tails beyond the window are
    # what the line method misses; at the edge that costs ~ ln(L/h) / L^2
    lines = _draw_lines(rng, config["sweep_n_lines"], 1.0, (0.05, 0.15))
    h = config["sweep_step_mhz"] / 1e3
    halves = np.asarray(config["sweep_half_windows_ghz"], dtype=np.float64)
    errs = []
    for half in halves:
        x = _grid(float(half), h)
        alpha, exact = _spectrum(lines, x)
        got = refractive_index_from_absorption(alpha, omega0=OMEGA0)
        errs.append(float(np.abs(got - exact).max() / np.abs(exact).max()))
    err = np.asarray(errs)
    fit = estimate_order(halves, err)
    corrected = estimate_order(halves, err / np.log(halves / h))
    return {
        "half_window_ghz": halves.tolist(),
        "step_mhz": config["sweep_step_mhz"],
        "line_max_rel_err": errs,
        "line_slope": fit.slope,
        "line_slope_ci": [fit.ci_low, fit.ci_high],
        "line_slope_log_corrected": corrected.slope,
        "expected_raw_slope": float(np.mean(-2.0 + 1.0 / np.log(halves / h))),
        "lines": lines,
    }


def _lorentz_err(half: float, n: int, method: str) -> float:
    x = np.linspace(-half, half, n)
    err = np.abs(hilbert_transform(1 / (1 + x * x), method=method) - x / (1 + x * x))
    return float(err[np.abs(x) < 5].max())


def _lorentzian(config: dict[str, Any]) -> dict[str, float]:
    n = config["lorentz_points"]
    out = {f"line_err_L{h}": _lorentz_err(h, n, "line") for h in (20, 50)}
    out.update({f"fft_err_L{h}": _lorentz_err(h, n, "fft") for h in (20, 50, 100, 400)})
    return out


def _faddeeva_pair(config: dict[str, Any]) -> dict[str, float]:
    # z = x + 1.3 i: voigt_profile with sigma = 1/sqrt(2), gamma = 1.3, rescaled to Re/Im w
    sigma = 1 / math.sqrt(2)
    norm = sigma * math.sqrt(2 * math.pi)
    out = {}
    for method, n in (("line", config["pair_points_line"]), ("fft", config["pair_points_fft"])):
        x = np.linspace(-400.0, 400.0, n)
        a, d = voigt_profile(x, gamma=1.3, sigma=sigma)
        err = np.abs(hilbert_transform(a, method=method) - d) * norm
        out[f"{method}_max_err"] = float(err[np.abs(x) < 20].max())
    return out


def _identities(rng: np.random.Generator) -> dict[str, float]:
    # periodic route: alpha -> n - 1 -> alpha is exact on data without DC/Nyquist parts
    spec = np.fft.rfft(rng.uniform(0.0, 50.0, 4096))
    spec[0] = 0.0
    spec[-1] = 0.0
    alpha = np.fft.irfft(spec, n=4096)
    nm1 = refractive_index_from_absorption(alpha, omega0=OMEGA0, method="fft")
    back = absorption_from_refractive_index(nm1, omega0=OMEGA0, method="fft")
    # sign anchor: one isolated line; n > 1 on its red side, n < 1 on its blue side
    x = _grid(20.0, 0.01)
    a, _ = voigt_profile(x, gamma=0.003, sigma=0.25)
    n_line = refractive_index_from_absorption(50 * a / a.max(), omega0=OMEGA0)
    red, blue = (x < -0.05) & (x > -5), (x > 0.05) & (x < 5)
    return {
        "periodic_round_trip_rel_err": float(np.abs(back - alpha).max() / np.abs(alpha).max()),
        "red_side_n_above_1_fraction": float(np.mean(n_line[red] > 0)),
        "blue_side_n_below_1_fraction": float(np.mean(n_line[blue] < 0)),
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Pure: config (QUICK/FULL plus "seed") -> JSON-safe result."""
    rng = np.random.default_rng(config["seed"])
    return {
        "recovery": _recovery(config, rng),
        "window": _window(config, rng),
        "lorentzian": _lorentzian(config),
        "faddeeva_pair": _faddeeva_pair(config),
        "identities": _identities(rng),
        "omega0_rad_per_s": OMEGA0,
    }


# --------------------------------------------------------------------------------- plot
def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``hilbert_kk-recovery.png`` (alpha, true and recovered n - 1, errors) and
    ``hilbert_kk-window-scaling.png`` (line-method error against the half-window)."""
    from refimpl.validation import _common

    rec = result["recovery"]
    cur = rec["curves"]
    paths = []
    with _common.plot_style() as plt:
        fig, axes = plt.subplots(3, 1, sharex=True, figsize=(6.4, 7.2))
        x = np.asarray(cur["detuning_ghz"])
        axes[0].plot(x, cur["alpha_per_m"], color="k", lw=1)
        axes[0].set_ylabel(r"$\alpha$ (1/m)")
        axes[0].set_title("n - 1 from absorption alone (sum of Voigt lines)")
        scale = 1e6
        axes[1].plot(
            x,
            scale * np.asarray(cur["n_minus_1_true"]),
            color="k",
            lw=2.5,
            alpha=0.35,
            label="exact (Faddeeva)",
        )
        axes[1].plot(
            x, scale * np.asarray(cur["n_minus_1_line"]), color="C0", lw=1, label='method="line"'
        )
        axes[1].plot(
            x,
            scale * np.asarray(cur["n_minus_1_fft"]),
            color="C3",
            lw=1,
            ls="--",
            label='method="fft" (periodic, no pad)',
        )
        axes[1].set_ylabel(r"$(n - 1) \times 10^6$")
        axes[1].legend(loc="upper right", fontsize=8)
        xe = np.asarray(cur["detuning_envelope_ghz"])
        for method, color in (("line", "C0"), ("fft", "C3")):
            e = np.maximum(np.asarray(cur[f"rel_err_{method}_envelope"]), 1e-12)
            axes[2].semilogy(
                xe, e, color=color, lw=1, label=f"{method}: max {rec[method]['max_rel_err']:.1e}"
            )
        axes[2].set_ylabel("|error| / peak |n - 1|")
        axes[2].set_xlabel("detuning (GHz)")
        axes[2].legend(loc="upper right", fontsize=8)
        path = outdir / f"{NAME}-recovery.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)

        win = result["window"]
        fig, ax = plt.subplots()
        halves = np.asarray(win["half_window_ghz"])
        errs = np.asarray(win["line_max_rel_err"])
        ax.loglog(
            halves,
            errs,
            "o-",
            color="C0",
            label=f'method="line": fitted slope {win["line_slope"]:.2f}',
        )
        ref = errs[0] * (halves / halves[0]) ** -2.0
        ax.loglog(halves, ref, ":", color="k", label=r"$L^{-2}$")
        ax.set_xlabel("half-window L (GHz)")
        ax.set_ylabel("max |error| / peak |n - 1|")
        ax.set_title(f"window truncation, grid step {win['step_mhz']:g} MHz")
        ax.legend()
        path = outdir / f"{NAME}-window-scaling.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
