"""Benchmark of :func:`refimpl.optics.hilbert_transform` at N = 2^22 (NumPy, float64).

Cases (all measured in one process, repeats interleaved in a rotating order, medians,
one warm-up call per function excluded, which also builds the cached host tables):

* ``method="fft"`` against ``scipy.signal.hilbert(f).imag`` (goal ratio <= 1.1): the same
  periodic transform; ours uses one ``rfft``/``irfft`` pair of length N where scipy runs a
  complex ``fft``/``ifft`` pair, so it should be faster;
* ``method="line"`` against ``scipy.signal.hilbert(f).imag`` (goal <= 3): the exact
  non-periodic transform needs a zero-padded ``rfft``/``irfft`` pair of length >= 2N - 1;
* ``method="line"`` against ``method="fft"`` (goal <= 3): the price of no wrap-around.

Run ``python validation/hilbert_kk/bench.py [--full]`` (prints the table) or ``refimpl bench``.
Timings depend on the machine: compare ratios, never absolute times across runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.signal
from refimpl.validation import _common

from refimpl.optics import hilbert_transform

QUICK: dict[str, Any] = {"log2_n": 22, "repeats": 5}
FULL: dict[str, Any] = {"log2_n": 22, "repeats": 15}


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Time the cases of the module docstring; returns ``{"cases": [...]}``."""
    n = 2 ** int(config["log2_n"])
    repeats = int(config["repeats"])
    f = np.random.default_rng(config.get("seed", 0)).standard_normal(n)
    med = _common.interleaved_medians(
        {
            "scipy": lambda: scipy.signal.hilbert(f).imag,
            "fft": lambda: hilbert_transform(f, method="fft"),
            "line": lambda: hilbert_transform(f, method="line"),
        },
        repeats,
    )
    specs = [
        ('hilbert_transform(method="fft")', "fft", "scipy.signal.hilbert(f).imag", "scipy", 1.1),
        ('hilbert_transform(method="line")', "line", "scipy.signal.hilbert(f).imag", "scipy", 3.0),
        ('hilbert_transform(method="line")', "line", 'hilbert_transform(method="fft")', "fft", 3.0),
    ]
    cases = []
    for name, key, baseline, base_key, goal in specs:
        ratio = med[key] / med[base_key]
        cases.append(
            {
                "name": name,
                "n": n,
                "seconds_median": med[key],
                "baseline": baseline,
                "baseline_seconds_median": med[base_key],
                "ratio": ratio,
                "goal_ratio": goal,
                "meets_goal": bool(ratio <= goal),
                "repeats": repeats,
            }
        )
    return {"cases": cases}


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
