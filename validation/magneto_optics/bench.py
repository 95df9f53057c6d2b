"""Benchmark of the Rb magneto-optics pipeline (NumPy, float64; array_api_strict for one case).

Cases (one process, repeats interleaved in a rotating order, medians, one untimed warm-up call
per function, which also fills the cached Hamiltonian diagonalisations):

* ``indirect_rotation`` against ``rb_susceptibility`` on the same 8001-point grid (goal ratio
  <= 0.2): the paper's measurement-side procedure (two logs, two line-method Hilbert
  transforms, a 2 x 2 Jones product) is cheap next to the model it is compared with;
* ``rb_susceptibility`` with the levels cache cleared against with it warm (goal <= 1.5): the
  host-side diagonalisation per field (at most 36 x 36, block by block in m_F) is a small
  part of one spectrum; the Faddeeva sums over ~400 lines dominate;
* ``rb_susceptibility`` on ``array_api_strict`` (the generic Weideman route of
  :func:`refimpl._xp.wofz`) against NumPy (``scipy.special.wofz``) (goal <= 15); left out
  when array_api_strict (a test dependency) is not installed.

Run ``python validation/magneto_optics/bench.py [--full]`` or ``refimpl bench``. Timings
depend on the machine: compare ratios, never absolute times across runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from refimpl.validation import _common

from refimpl.optics import eigen_indices, indirect_rotation, rb_susceptibility
from refimpl.optics import zeeman as _zeeman

QUICK: dict[str, Any] = {"half_window_mhz": 40000.0, "step_mhz": 10.0, "repeats": 3}
FULL: dict[str, Any] = {"half_window_mhz": 40000.0, "step_mhz": 10.0, "repeats": 9}

LAM = 780.2413272e-9
L = 0.002


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Time the cases of the module docstring; returns ``{"cases": [...]}``."""
    try:  # a test dependency: a plain ``pip install refimpl[validate]`` lacks it
        import array_api_strict
    except ImportError:
        array_api_strict = None

    h = float(config["half_window_mhz"])
    d = np.arange(-h, h, float(config["step_mhz"]))
    kw = {"line": "D2", "B_gauss": 6000.0, "T_celsius": 80.0}
    chis = rb_susceptibility(d, **kw)
    na, nb = eigen_indices(*chis, geometry="faraday")
    k = 2 * np.pi / LAM
    t_a, t_b = np.exp(-2 * k * L * na.imag), np.exp(-2 * k * L * nb.imag)

    def cold() -> Any:
        _zeeman._levels.cache_clear()
        return rb_susceptibility(d, **kw)

    timed: dict[str, Callable[[], Any]] = {
        "chi": lambda: rb_susceptibility(d, **kw),
        "chi_cold": cold,
        "indirect": lambda: indirect_rotation(t_a, t_b, d, L=L, wavelength=LAM, geometry="faraday"),
    }
    if array_api_strict is not None:
        d_strict = array_api_strict.asarray(d)
        timed["chi_strict"] = lambda: rb_susceptibility(d_strict, **kw)
    med = _common.interleaved_medians(timed, int(config["repeats"]))
    specs = [
        ("indirect_rotation", "indirect", "rb_susceptibility (numpy)", "chi", 0.2),
        ("rb_susceptibility, levels cache cleared", "chi_cold", "rb_susceptibility", "chi", 1.5),
        (
            "rb_susceptibility (array_api_strict)",
            "chi_strict",
            "rb_susceptibility (numpy)",
            "chi",
            15.0,
        ),
    ]
    cases = []
    for name, key, baseline, base_key, goal in specs:
        if key not in med:  # array_api_strict is not installed: the case is left out
            continue
        ratio = med[key] / med[base_key]
        cases.append(
            {
                "name": name,
                "n": int(d.size),
                "seconds_median": med[key],
                "baseline": baseline,
                "baseline_seconds_median": med[base_key],
                "ratio": ratio,
                "goal_ratio": goal,
                "meets_goal": bool(ratio <= goal),
                "repeats": int(config["repeats"]),
            }
        )
    return {"cases": cases}


if __name__ == "__main__":
    from refimpl.validation import _common

    _common.bench_main(__file__)
