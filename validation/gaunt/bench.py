"""Benchmark of the Gaunt tensor product routes against the dense Clebsch-Gordan product.

C = 128 channels, float64, NumPy on the CPU, inputs x, y of shape (128, (lmax + 1)**2), the
full (untruncated) product: output degree 2 lmax. For each lmax (1..8 quick, 1..15 full) all
functions are timed in the same process, repeats interleaved in a rotating order, medians, one
untimed warm-up call each (it also builds the cached host tables). Cases:

* ``gaunt_tensor_product(method="fourier")`` / ``cg_tensor_product`` (dense reference, all
  paths): the issue's goals are ratio <= 0.1 (>= 10x faster) at lmax 7 and <= 0.01 (>= 100x)
  at lmax 15; at every other lmax the listed goal is only the break-even ratio 1 (no speed-up
  is promised for lmax <= 7, spec 1.9). The two products are not the same operation: the CG
  product has all paths, the Gaunt product only the even ones (with weights c).
* ``gaunt_tensor_product(method="grid")`` / ``cg_tensor_product`` (break-even goal 1).
* ``gaunt_tensor_product(method="fourier")`` / ``method="grid"`` (break-even goal 1).
* ``gaunt_tensor_product(method="fourier")`` / e3nn ``o3.FullTensorProduct`` (torch CPU,
  float64), when torch and e3nn import. Irreps ``1x0e + 1x1o + ... + 1x(lmax)p`` (parity
  (-1)^l, multiplicity 1) with the 128 channels as a batch axis: the same channel-wise product
  as ours (multiplicity 128 would couple all 128^2 channel pairs). It keeps every path as its
  own output irrep (no summation into 2 lmax + 1 degrees). Its construction (code generation)
  is not timed but grows fast (about 40 s at lmax 10, 260 s at lmax 15 on the development
  machine), hence ``e3nn_lmax_max``.
* ``cg_tensor_product(backend="numba")`` / reference, only when numba imports (it is not a
  dependency of refimpl).

The result also holds ``crossover_lmax`` (the first lmax where the Fourier route is faster than
the dense CG product; also copied into each Fourier-vs-dense case, because ``refimpl bench``
keeps only the cases) and the caps. Run ``python validation/gaunt/bench.py [--full]`` or
``refimpl bench --only gaunt``. Timings depend on the machine: compare ratios from one run only.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from refimpl.validation import _common

from refimpl.so3.cg_product import cg_tensor_product
from refimpl.so3.gaunt_product import gaunt_tensor_product

QUICK: dict[str, Any] = {
    "lmax": [1, 2, 3, 4, 5, 6, 7, 8],
    "channels": 128,
    "repeats": 5,
    "e3nn_lmax_max": 3,
    "max_call_seconds": 20.0,  # larger lmax are skipped for a function once one call exceeds it
}
FULL: dict[str, Any] = {
    **QUICK,
    "lmax": list(range(1, 16)),
    "repeats": 7,
    "e3nn_lmax_max": 10,  # construction time, not the call time (3.4 s at lmax 15), caps it
}

GOALS = {7: 0.1, 15: 0.01}  # the speed-up goals over the dense CG product

FOURIER = 'gaunt_tensor_product(method="fourier")'
GRID = 'gaunt_tensor_product(method="grid")'
DENSE = "cg_tensor_product (dense reference)"
E3NN = "e3nn o3.FullTensorProduct (torch CPU, float64)"
NUMBA = 'cg_tensor_product(backend="numba")'


def _e3nn_factory(lmax: int) -> Callable[[np.ndarray, np.ndarray], Callable[[], Any]] | None:
    """A builder of the e3nn call for irreps 1x0e + 1x1o + ... (None if e3nn is absent)."""
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("e3nn") is None:
        return None
    import torch
    from e3nn import o3  # type: ignore[import-untyped]

    irreps = o3.Irreps([(1, (deg, (-1) ** deg)) for deg in range(lmax + 1)])
    tp = o3.FullTensorProduct(irreps, irreps).to(torch.float64)

    def build(x: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
        # refimpl's basis differs from e3nn's by a rotation per degree; for timing the values
        # do not matter, so the same arrays are passed unconverted
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def call() -> Any:
            with torch.no_grad():
                return tp(tx, ty)

        return call

    return build


def _case(
    name: str,
    key: str,
    baseline: str,
    base_key: str,
    med: dict[str, float],
    lmax: int,
    goal: float,
    config: dict[str, Any],
) -> dict[str, Any]:
    ratio = med[key] / med[base_key]
    return {
        "name": f"{name} lmax={lmax}",
        "n": int(config["channels"]) * (lmax + 1) ** 2,
        "lmax": lmax,
        "channels": int(config["channels"]),
        "seconds_median": med[key],
        "baseline": baseline,
        "baseline_seconds_median": med[base_key],
        "ratio": ratio,
        "speedup": 1.0 / ratio,
        "goal_ratio": goal,
        "meets_goal": bool(ratio <= goal),
        "repeats": int(config["repeats"]),
    }


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Time the cases of the module docstring; returns ``{"cases": [...], ...}``."""
    rng = np.random.default_rng(config.get("seed", 0))
    channels = int(config["channels"])
    repeats = int(config["repeats"])
    cap = float(config["max_call_seconds"])
    have_numba = importlib.util.find_spec("numba") is not None
    too_slow: set[str] = set()
    cases: list[dict[str, Any]] = []
    per_lmax: list[dict[str, Any]] = []
    crossover: int | None = None
    dense_cap: int | None = None
    e3nn_cap: int | None = None
    torch_threads: int | None = None
    for lmax in config["lmax"]:
        n = (lmax + 1) ** 2
        x = rng.standard_normal((channels, n))
        y = rng.standard_normal((channels, n))
        fns: dict[str, Callable[[], Any]] = {
            "fourier": functools.partial(gaunt_tensor_product, x, y, method="fourier"),
            "grid": functools.partial(gaunt_tensor_product, x, y, method="grid"),
        }
        if "dense" not in too_slow:
            fns["dense"] = functools.partial(cg_tensor_product, x, y)
        if have_numba and "numba" not in too_slow:
            fns["numba"] = functools.partial(cg_tensor_product, x, y, backend="numba")
        if lmax <= int(config["e3nn_lmax_max"]):
            build = _e3nn_factory(lmax)
            if build is not None:
                import torch

                torch_threads = torch.get_num_threads()
                fns["e3nn"] = build(x, y)
        for k in list(fns):
            fns[k]()  # warm-up: tables, code generation, first torch call
            if _common.time_call(fns[k]) > cap:  # one more call to decide on the cap
                too_slow.add(k)
        med = _common.interleaved_medians(fns, repeats, warmup=False)
        row = {"lmax": lmax, "channels": channels, **{f"{k}_seconds": v for k, v in med.items()}}
        per_lmax.append(row)
        if "dense" in med:
            dense_cap = lmax
            goal = GOALS.get(lmax, 1.0)
            cases.append(_case(FOURIER, "fourier", DENSE, "dense", med, lmax, goal, config))
            cases.append(_case(GRID, "grid", DENSE, "dense", med, lmax, 1.0, config))
            if crossover is None and med["fourier"] < med["dense"]:
                crossover = lmax
        cases.append(_case(FOURIER, "fourier", GRID, "grid", med, lmax, 1.0, config))
        if "e3nn" in med:
            e3nn_cap = lmax
            cases.append(_case(FOURIER, "fourier", E3NN, "e3nn", med, lmax, 1.0, config))
        if "numba" in med and "dense" in med:
            cases.append(_case(NUMBA, "numba", DENSE, "dense", med, lmax, 1.0, config))
    for case in cases:
        if case["baseline"] == DENSE and case["name"].startswith(FOURIER):
            case["crossover_lmax"] = crossover
    return {
        "cases": cases,
        "per_lmax": per_lmax,
        "crossover_lmax": crossover,
        "dense_lmax_cap": dense_cap,
        "e3nn_lmax_cap": e3nn_cap,
        "numba": "present" if have_numba else "absent (not importable)",
        "e3nn": "absent (not importable)" if e3nn_cap is None else "present",
        "torch_threads": torch_threads,
        "max_call_seconds": cap,
    }


_LABELS = {
    "fourier": 'gaunt_tensor_product(method="fourier")',
    "grid": 'gaunt_tensor_product(method="grid")',
    "dense": "cg_tensor_product (dense reference)",
    "numba": 'cg_tensor_product(backend="numba")',
    "e3nn": "e3nn o3.FullTensorProduct (torch CPU)",
}


def plot(result: dict[str, Any], outdir: Path) -> list[Path]:
    """``gaunt-bench.png``: median time per call against lmax for every timed method."""
    import matplotlib.pyplot as plt

    rows = result["per_lmax"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for key, label in _LABELS.items():
        pts = [(r["lmax"], r[f"{key}_seconds"]) for r in rows if f"{key}_seconds" in r]
        if pts:
            ax.semilogy(*zip(*pts, strict=True), marker="o", label=label)
    if result.get("crossover_lmax") is not None:
        ax.axvline(result["crossover_lmax"], color="0.6", ls=":", lw=1)
    channels = rows[0].get("channels", "") if rows else ""
    ax.set_xlabel("lmax (both inputs; output degree 2 lmax)")
    ax.set_ylabel("median seconds per call")
    ax.set_title(f"full tensor products, {channels or 'C'} channels, float64, CPU".strip())
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(outdir) / "gaunt-bench.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
