"""Gaunt tensor products in the Fourier basis: exactness, cost scaling and the official constants.

Luo, Chen, Krishnapriyan, "Enabling Efficient Equivariant Operations in the Fourier Basis via
Gaunt Tensor Products", ICLR 2024, arXiv:2401.10216. The Gaunt tensor product of two real SH
expansions is the SH expansion of their pointwise product; the paper computes it by a change of
basis to 2D Fourier series on the torus, one 2D (linear) convolution by FFT and the change back,
in O(L^3) instead of the O(L^6) of a dense Clebsch-Gordan (CG) full tensor product. This script
checks, with :mod:`refimpl.so3`:

* ``accuracy``: ``gaunt_tensor_product(method="fourier")`` against the dense Gaunt contraction
  (``method="dense"``) and against ``method="grid"``, float64, random inputs, untruncated
  outputs (``lmax_out = 2 lmax``), lmax 1..8 (quick) or 1..12 (full). An independent S^2
  product quadrature built here from the public ``s2_quadrature`` and ``spherical_harmonics``
  agrees with the exact sizes and fails with one Gauss-Legendre node fewer (negative control).
* ``constants``: c(l1, l2, l3) = ``gaunt_cg_ratio`` against the official float32 constants
  ``const_wigner2gaunt[l_out, l1, l2]`` quoted in the spec, the block relation
  G = c C for every triple with l <= 6, and the product relation Gaunt TP = CG TP with path
  weights c on even paths and 0 on odd ones.
* ``cost``: operation counts (not wall time) against L = lmax + 1 with fitted exponents
  (``refimpl.testing.estimate_order``): the Fourier route (table multiply-adds + FFT flops),
  the dense CG full tensor product (O(L^6)) and its m-sparse version (O(L^5)). The counting
  rules are in ``README.md``; they are checked against the nonzeros of the linear maps of the
  public ``sh_to_fourier``/``fourier_to_sh`` and of ``clebsch_gordan``, probed with unit inputs.

Run ``python validation/gaunt/reproduce.py [--quick|--full] [--seed N] [--out DIR]`` or
``refimpl validate --only gaunt``. Timings are in ``bench.py`` (``refimpl bench``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from refimpl.so3.cg_product import cg_tensor_product
from refimpl.so3.coupling import clebsch_gordan, gaunt_cg_ratio, gaunt_coefficients
from refimpl.so3.fourier import fourier_to_sh, sh_to_fourier
from refimpl.so3.gaunt_product import gaunt_tensor_product
from refimpl.so3.harmonics import s2_quadrature, spherical_harmonics
from refimpl.testing import estimate_order

NAME = "gaunt"

QUICK: dict[str, Any] = {
    "accuracy_lmax": [1, 2, 3, 4, 5, 6, 7, 8],
    "channels": 4,
    "constants_lmax": 6,  # block relation G = c C for all triples with l1, l2, l3 <= this
    "relation_lmax": 4,  # Gaunt TP == CG TP with weights c, inputs up to this degree
    "probe_lmax": [1, 2, 3, 4, 5],  # count rules vs probed nonzeros (Fourier tables)
    "probe_cg_lmax": 4,  # count rule vs nonzeros of clebsch_gordan (all paths)
    "practical_lmax": list(range(1, 16)),  # the bench range; exponents fitted on lmax >= 4
    "practical_fit_from_lmax": 4,
    "fourier_asymptotic_L": [256, 512, 1024, 2048, 4096],
    "sparse_asymptotic_L": [8, 16, 32, 64],
    "dense_asymptotic_L": [16, 32, 64, 128, 256],
}
FULL: dict[str, Any] = {
    **QUICK,
    "accuracy_lmax": list(range(1, 13)),
    "channels": 16,
    "relation_lmax": 6,
    "probe_lmax": [1, 2, 3, 4, 5, 6, 7, 8],
    "probe_cg_lmax": 6,
    "sparse_asymptotic_L": [8, 16, 32, 64, 128],
}

#: official float32 constants const_wigner2gaunt[l_out, l1, l2] quoted in spec §1.5 [code + num]
OFFICIAL = {
    "c_0_0_0": (0, 0, 0, 0.2820948),
    "c_1_1_2": (1, 1, 2, 0.6909883),
    "c_3_3_6": (3, 3, 6, 1.2992332),
}


# ---------------------------------------------------------------------------- accuracy
def _grid_product(
    x: np.ndarray, y: np.ndarray, lmax_out: int, n_theta: int, n_phi: int
) -> np.ndarray:
    """Independent S^2 route from the public quadrature: SH coefficients of f_x f_y."""
    pts, w = s2_quadrature(n_theta, n_phi, xp=np, dtype=np.float64)
    lmax = max(math.isqrt(x.shape[-1]) - 1, math.isqrt(y.shape[-1]) - 1, lmax_out)
    ysh = np.asarray(spherical_harmonics(lmax, pts))  # (Q, (lmax+1)^2)
    fx = x @ ysh[:, : x.shape[-1]].T
    fy = y @ ysh[:, : y.shape[-1]].T
    return (fx * fy * np.asarray(w)) @ ysh[:, : (lmax_out + 1) ** 2]


def _accuracy(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    c = int(config["channels"])
    rows: dict[str, list[float]] = {
        k: []
        for k in (
            "fourier_vs_dense",
            "grid_vs_dense",
            "fourier_vs_grid",
            "own_grid_vs_dense",
            "own_grid_minus_one_vs_dense",
        )
    }
    scales: list[float] = []
    short_rel: list[float] = []
    for lmax in config["accuracy_lmax"]:
        n = (lmax + 1) ** 2
        x = rng.standard_normal((c, n))
        y = rng.standard_normal((c, n))
        # error scale: max over channels of |x_c| |y_c| (Euclidean norms of the coefficients)
        scale = float(np.max(np.linalg.norm(x, axis=-1) * np.linalg.norm(y, axis=-1)))
        dense = np.asarray(gaunt_tensor_product(x, y, method="dense"))
        fourier = np.asarray(gaunt_tensor_product(x, y, method="fourier"))
        grid = np.asarray(gaunt_tensor_product(x, y, method="grid"))
        # exact product rule for Y_l1 Y_l2 Y_l3 of total degree D = 4 lmax (spec 1.6(c))
        degree = 4 * lmax
        n_theta, n_phi = (degree + 2) // 2, degree + 1
        own = _grid_product(x, y, 2 * lmax, n_theta, n_phi)
        short = _grid_product(x, y, 2 * lmax, n_theta - 1, n_phi)
        for key, a, b in (
            ("fourier_vs_dense", fourier, dense),
            ("grid_vs_dense", grid, dense),
            ("fourier_vs_grid", fourier, grid),
            ("own_grid_vs_dense", own, dense),
            ("own_grid_minus_one_vs_dense", short, dense),
        ):
            rows[key].append(float(np.max(np.abs(a - b))) / scale)
        scales.append(scale)
        # the negative control, relative to the output itself
        short_rel.append(float(np.max(np.abs(short - dense)) / np.max(np.abs(dense))))
    out: dict[str, Any] = {"lmax": list(config["accuracy_lmax"]), "channels": c, "scale": scales}
    out["rel_err"] = rows
    for key, errs in rows.items():
        out[f"max_rel_err_{key}"] = max(errs)
    out["own_grid_minus_one_rel_to_output"] = short_rel
    out["min_err_own_grid_minus_one"] = min(short_rel)
    out["log10_min_err_own_grid_minus_one"] = math.log10(min(short_rel))
    return out


# --------------------------------------------------------------------------- constants
def _constants(config: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, (l1, l2, l3, official) in OFFICIAL.items():
        c = gaunt_cg_ratio(l1, l2, l3)
        out[key] = float(np.float32(c))  # the official file is float32
        out[f"{key}_float64"] = c
        out[f"{key}_official"] = official
    lmax = int(config["constants_lmax"])
    worst, n_triples = 0.0, 0
    for l1 in range(lmax + 1):
        for l2 in range(lmax + 1):
            for l3 in range(abs(l1 - l2), min(l1 + l2, lmax) + 1):
                g = np.asarray(gaunt_coefficients(l1, l2, l3, xp=np, dtype=np.float64))
                cg = np.asarray(clebsch_gordan(l1, l2, l3, xp=np, dtype=np.float64))
                worst = max(worst, float(np.max(np.abs(g - gaunt_cg_ratio(l1, l2, l3) * cg))))
                n_triples += 1
    out["block_relation_max_abs_err"] = worst
    out["block_relation_triples"] = n_triples
    # Gaunt TP == CG TP with path weights c on even paths (odd paths weight 0)
    lm = int(config["relation_lmax"])
    x = rng.standard_normal((3, (lm + 1) ** 2))
    y = rng.standard_normal((3, (lm + 1) ** 2))
    weights = {
        (l1, l2, l3): gaunt_cg_ratio(l1, l2, l3)
        for l1 in range(lm + 1)
        for l2 in range(lm + 1)
        for l3 in range(abs(l1 - l2), l1 + l2 + 1)
        if (l1 + l2 + l3) % 2 == 0
    }
    cg_tp = np.asarray(cg_tensor_product(x, y, path_weights=weights))
    scale = float(np.max(np.linalg.norm(x, axis=-1) * np.linalg.norm(y, axis=-1)))
    out["tp_relation_max_rel_err"] = (
        float(np.max(np.abs(cg_tp - gaunt_tensor_product(x, y)))) / scale
    )
    out["tp_relation_lmax"] = lm
    # the Gaunt product has no 1 x 1 -> 1 path; the full CG product does (cross product)
    v1, v2 = np.zeros(4), np.zeros(4)
    v1[1:], v2[1:] = rng.standard_normal(3), rng.standard_normal(3)
    out["gaunt_1x1_to_1_norm"] = float(
        np.linalg.norm(np.asarray(gaunt_tensor_product(v1, v2, method="dense"))[1:4])
    )
    out["cg_1x1_to_1_norm"] = float(np.linalg.norm(np.asarray(cg_tensor_product(v1, v2))[1:4]))
    return out


# -------------------------------------------------------------------------------- cost
def sh2f_count(lmax: int) -> int:
    """Multiply-adds of sh2f per input: x_{l,m} touches the |u| <= l rows of column v = 0
    (m = 0) or of both columns v = +-m (m != 0): sum_l (2l + 1)(4l + 1)."""
    return sum((2 * d + 1) * (4 * d + 1) for d in range(lmax + 1))


def f2sh_count(band: int, lmax_out: int) -> int:
    """Multiply-adds of f2sh: out_{l,m} reads the 2 band + 1 rows of column v = 0 (m = 0) or
    of both columns v = +-m: (2 band + 1) sum_{l <= lmax_out} (4l + 1)."""
    return (2 * band + 1) * (lmax_out + 1) * (2 * lmax_out + 1)


def fft_count(lmax: int) -> float:
    """Two forward and one inverse 2D FFT of N = (4 lmax + 1)^2 points (the linear, not
    circular, convolution size), 5 N log2 N flops each, plus N pointwise products."""
    n = (4 * lmax + 1) ** 2
    return 3 * 5 * n * math.log2(n) + n


def fourier_count(lmax: int) -> dict[str, float]:
    tables = 2 * sh2f_count(lmax) + f2sh_count(2 * lmax, 2 * lmax)
    fft = fft_count(lmax)
    return {"tables": float(tables), "fft": fft, "total": tables + fft}


def dense_cg_count(lmax: int) -> int:
    """Multiply-adds of the dense CG full tensor product, all paths (l1, l2 <= lmax,
    |l1 - l2| <= l3 <= l1 + l2): sum (2l1+1)(2l2+1)(2l3+1) = (sum_l (2l+1)^2)^2."""
    return sum((2 * d + 1) ** 2 for d in range(lmax + 1)) ** 2


def _sparse_path_counts(l1: int, l2: int) -> np.ndarray:
    """Selection-rule candidates (m1, m2, m3) per l3 = 0..l1+l2 of the path (l1, l2, l3):
    |m3| in {|m1| + |m2|, ||m1| - |m2||}, |m3| <= l3, both signs of m3 (at most 4 per
    (m1, m2), as a kernel over the selection rules visits them)."""
    i = np.arange(l1 + 1)[:, None]
    j = np.arange(l2 + 1)[None, :]
    w = np.where(i == 0, 1, 2) * np.where(j == 0, 1, 2)  # signs of m1, m2
    a, b = i + j, np.abs(i - j)
    ga = w * np.where(a == 0, 1, 2)
    gb = w * np.where(b == 0, 1, 2) * (b != a)
    top = l1 + l2 + 1
    hist = np.bincount(a.ravel(), ga.ravel(), top) + np.bincount(b.ravel(), gb.ravel(), top)
    return np.cumsum(hist)


def sparse_cg_count(lmax: int) -> int:
    """Multiply-adds of the m-sparse CG full tensor product (selection-rule candidates)."""
    total = 0
    for l1 in range(lmax + 1):
        for l2 in range(lmax + 1):
            total += int(_sparse_path_counts(l1, l2)[abs(l1 - l2) :].sum())
    return total


def _probe_fourier(lmax: int) -> dict[str, int]:
    """Nonzeros of the linear maps sh_to_fourier (one input of degree lmax) and fourier_to_sh
    (band 2 lmax -> degree 2 lmax), probed with unit inputs through the public functions."""
    n = (lmax + 1) ** 2
    f = np.asarray(sh_to_fourier(np.eye(n)))
    tol = 1e-12
    sh2f = int(np.count_nonzero(np.abs(f) > tol))
    band = 2 * lmax
    size = 2 * band + 1
    units = np.eye(size * size).reshape(-1, size, size)
    re = np.asarray(fourier_to_sh(units.astype(np.complex128), lmax=band))
    im = np.asarray(fourier_to_sh(1j * units, lmax=band))
    f2sh = int(np.count_nonzero((np.abs(re) > tol) | (np.abs(im) > tol)))
    return {"sh2f_nnz": sh2f, "f2sh_nnz": f2sh}


def _probe_cg(lmax: int) -> tuple[int, int]:
    """(nonzeros of all clebsch_gordan tensors, selection-rule count) over the paths with
    l1, l2 <= lmax (untruncated)."""
    nnz = 0
    for l1 in range(lmax + 1):
        for l2 in range(lmax + 1):
            for l3 in range(abs(l1 - l2), l1 + l2 + 1):
                cg = np.asarray(clebsch_gordan(l1, l2, l3, xp=np, dtype=np.float64))
                nnz += int(np.count_nonzero(np.abs(cg) > 1e-12))
    return nnz, sparse_cg_count(lmax)


def _fit(ls: list[int], counts: list[float]) -> dict[str, Any]:
    fit = estimate_order(np.asarray(ls, dtype=np.float64), np.asarray(counts, dtype=np.float64))
    return {"slope": fit.slope, "ci": [fit.ci_low, fit.ci_high], "L": list(ls)}


def _cost(config: dict[str, Any]) -> dict[str, Any]:
    lm = [int(v) for v in config["practical_lmax"]]
    ls = [v + 1 for v in lm]
    four = [fourier_count(v) for v in lm]
    series: dict[str, Any] = {
        "lmax": lm,
        "L": ls,
        "fourier_total": [f["total"] for f in four],
        "fourier_tables": [f["tables"] for f in four],
        "fourier_fft": [f["fft"] for f in four],
        "dense_cg": [float(dense_cg_count(v)) for v in lm],
        "sparse_cg": [float(sparse_cg_count(v)) for v in lm],
    }
    lo = int(config["practical_fit_from_lmax"])
    keep = [k for k, v in enumerate(lm) if v >= lo]
    practical = {
        key: _fit([ls[k] for k in keep], [series[key][k] for k in keep])
        for key in ("fourier_total", "fourier_tables", "dense_cg", "sparse_cg")
    }
    fa = [int(v) for v in config["fourier_asymptotic_L"]]
    sa = [int(v) for v in config["sparse_asymptotic_L"]]
    da = [int(v) for v in config["dense_asymptotic_L"]]
    asym = {
        "fourier_total": _fit(fa, [fourier_count(v - 1)["total"] for v in fa]),
        "sparse_cg": _fit(sa, [float(sparse_cg_count(v - 1)) for v in sa]),
        "dense_cg": _fit(da, [float(dense_cg_count(v - 1)) for v in da]),
    }
    asym_series = {
        "L": fa,
        "fourier_total": [fourier_count(v - 1)["total"] for v in fa],
        "fourier_fft": [fourier_count(v - 1)["fft"] for v in fa],
    }
    # the counting rules against the probed nonzeros of the actual maps
    probes = []
    for v in config["probe_lmax"]:
        p = _probe_fourier(int(v))
        probes.append(
            {
                "lmax": int(v),
                **p,
                "sh2f_rule": sh2f_count(int(v)),
                "f2sh_rule": f2sh_count(2 * int(v), 2 * int(v)),
            }
        )
    ratios = [r["sh2f_nnz"] / r["sh2f_rule"] for r in probes] + [
        r["f2sh_nnz"] / r["f2sh_rule"] for r in probes
    ]
    cg_nnz, cg_rule = _probe_cg(int(config["probe_cg_lmax"]))
    ratios.append(cg_nnz / cg_rule)
    return {
        "series": series,
        "practical_fit_from_lmax": lo,
        "practical": practical,
        "asymptotic": asym,
        "asymptotic_series": asym_series,
        "fourier_exponent_practical": practical["fourier_total"]["slope"],
        "fourier_tables_exponent_practical": practical["fourier_tables"]["slope"],
        "fourier_exponent_asymptotic": asym["fourier_total"]["slope"],
        "dense_cg_exponent": practical["dense_cg"]["slope"],
        "dense_cg_exponent_asymptotic": asym["dense_cg"]["slope"],
        "sparse_cg_exponent": practical["sparse_cg"]["slope"],
        "sparse_cg_exponent_asymptotic": asym["sparse_cg"]["slope"],
        "fft_share_at_lmax_15": fourier_count(15)["fft"] / fourier_count(15)["total"],
        "dense_over_fourier_at_lmax_15": dense_cg_count(15) / fourier_count(15)["total"],
        "probes": probes,
        "probe_cg": {"lmax": int(config["probe_cg_lmax"]), "nnz": cg_nnz, "rule": cg_rule},
        "probe_over_rule_min": min(ratios),
        "probe_over_rule_max": max(ratios),
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Pure: config (QUICK/FULL plus "seed") -> JSON-safe result."""
    rng = np.random.default_rng(config["seed"])
    return {
        "accuracy": _accuracy(config, rng),
        "constants": _constants(config, rng),
        "cost": _cost(config),
    }


# --------------------------------------------------------------------------------- plot
def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``gaunt-accuracy.png`` (route errors against lmax) and ``gaunt-cost.png`` (operation
    counts against L = lmax + 1, log-log, with fitted slopes)."""
    from refimpl.validation import _common

    paths = []
    acc = result["accuracy"]
    with _common.plot_style() as plt:
        fig, ax = plt.subplots()
        lm = np.asarray(acc["lmax"])
        floor = 1e-18
        styles = {
            "fourier_vs_dense": ("o-", "C0", "fourier vs dense"),
            "grid_vs_dense": ("s-", "C1", "grid vs dense"),
            "own_grid_vs_dense": ("^:", "C2", "independent quadrature (exact sizes) vs dense"),
        }
        for key, (style, color, label) in styles.items():
            e = np.maximum(np.asarray(acc["rel_err"][key]), floor)
            ax.semilogy(lm, e, style, color=color, label=label)
        ax.semilogy(
            lm,
            acc["own_grid_minus_one_rel_to_output"],
            "v-",
            color="C3",
            label=r"same with $n_\theta - 1$, / max|output| (must fail)",
        )
        ax.axhline(1e-12, color="k", ls="--", lw=0.8, label="claim bound 1e-12")
        ax.set_xlabel("lmax (inputs; output untruncated, degree 2 lmax)")
        ax.set_ylabel(r"max |error| / max$_c$ |x$_c$| |y$_c$|")
        ax.set_title(f"Gaunt tensor product routes, float64, {acc['channels']} channels")
        ax.legend(fontsize=8)
        path = outdir / f"{NAME}-accuracy.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)

        cost = result["cost"]
        s = cost["series"]
        pr = cost["practical"]
        fig, ax = plt.subplots()
        big_l = np.asarray(s["L"])
        curves = (
            ("dense_cg", "o-", "C3", "dense CG full TP"),
            ("sparse_cg", "s-", "C1", "m-sparse CG full TP"),
            ("fourier_total", "^-", "C0", "Fourier route (tables + FFT)"),
            ("fourier_tables", "v:", "C0", "Fourier route, tables only"),
        )
        for key, style, color, label in curves:
            slope = pr[key]["slope"]
            ax.loglog(big_l, s[key], style, color=color, label=f"{label}: slope {slope:.2f}")
        ax.loglog(big_l, s["fourier_fft"], "--", color="C2", lw=1, label="Fourier route, FFT part")
        asy = cost["asymptotic"]
        ax.set_xlabel("L = lmax + 1")
        ax.set_ylabel("operations per channel")
        ax.set_title(
            f"slopes fitted on lmax >= {cost['practical_fit_from_lmax']}; asymptotic: Fourier "
            f"{asy['fourier_total']['slope']:.2f}, sparse {asy['sparse_cg']['slope']:.2f}",
            fontsize=9,
        )
        ax.legend(fontsize=8)
        path = outdir / f"{NAME}-cost.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.main(run, quick=QUICK, full=FULL, plot=plot, name=NAME)
