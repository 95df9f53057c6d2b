"""The Duffing E_EDMD / E_new study at the paper's data size (too slow for ``--full``).

``duffing_err.m`` of the official code (``MColbrook/Adversarial-Dynamical-Systems``) uses
M1 = 1e4 initial points per data set (M = 5e4 snapshots), the grid [-0.5, 1] x [0, 1] with
step 0.02 (3876 points) and N = round(10.^(2:0.05:3.1)) = 100 ... 1259. This script runs
``reproduce._duffing_case`` with exactly that data size and grid for the N given on the command
line (one k-means per N, 300 iterations, seed 0) and prints / writes one JSON row per N:
``{"n", "E_EDMD", "E_new", "n_certified"}``. The numbers quoted in ``README.md`` ("At the
paper's data size") come from this script. Cost on the 2-core test machine with the numba
backend: data and k-means a few minutes, then about 0.16 s per grid point at N = 800 (926 s
for the damped case) and about 0.5 s at N = 1259 (≈ 40 min).

Run ``python -m validation.koopman.paper_size --n 100,200,400 --case damped --out rows.json``
from the repository root (or ``python -m refimpl.validation.koopman.paper_size`` from an
install). ``--plot PNG`` draws E_EDMD and E_new against N from the rows recorded in
``paper_size_rows.json`` (this folder; the runs quoted in the README, with their sessions)
instead of computing: ``validation/koopman/duffing-errors-paper-size.png``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import reproduce

PAPER: dict[str, Any] = {
    **reproduce.FULL,
    "duffing_m1": 10000,  # M1 of duffing_err.m (M = 5 M1 snapshots)
    "conv_step": 0.02,  # x_pts = -0.5:0.02:1, y_pts = 0:0.02:1
    "duffing_kmeans_iter": 300,
}
CASES = {"undamped": 0.0, "damped": 0.3}


def run(ns: list[int], case: str, seed: int = 0) -> dict[str, Any]:
    """E_EDMD and E_new for each N in ``ns`` (``case``: "undamped" or "damped")."""
    config = {**PAPER, "duffing_n": list(ns), "seed": seed}
    t0 = time.perf_counter()
    rows, _ = reproduce._duffing_case(CASES[case], config, np.random.default_rng(seed))
    return {"case": case, "seed": seed, "rows": rows, "seconds": time.perf_counter() - t0}


ROWS = Path(__file__).with_name("paper_size_rows.json")


def plot(rows_file: Path, png: Path) -> Path:
    """E_EDMD and E_new against N (log-log), both systems, from the recorded rows."""
    from refimpl.validation import _common

    runs = json.loads(rows_file.read_text())["runs"]
    with _common.plot_style() as plt:
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for case, colour in (("undamped", "C0"), ("damped", "C1")):
            rows = sorted(
                (r for run in runs if run["case"] == case for r in run["rows"]),
                key=lambda r: r["n"],
            )
            ns = [r["n"] for r in rows]
            ax.loglog(ns, [r["E_EDMD"] for r in rows], "s--", color=colour, label=f"{case} E_EDMD")
            ax.loglog(ns, [r["E_new"] for r in rows], "o-", color=colour, label=f"{case} E_new")
        ax.set_xlabel("N (radial basis functions)")
        ax.set_ylabel("error")
        ax.set_title("Duffing at the paper's data size (M = 5e4, grid step 0.02)")
        ax.legend(fontsize=8)
        fig.savefig(png, dpi=110)
        plt.close(fig)
    return png


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m validation.koopman.paper_size")
    parser.add_argument("--n", default="100,200,400", help="comma-separated N values")
    parser.add_argument("--case", choices=sorted(CASES), default="undamped")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="JSON file for the rows")
    parser.add_argument(
        "--plot", type=Path, default=None, metavar="PNG", help="plot the recorded rows instead"
    )
    args = parser.parse_args(argv)
    if args.plot is not None:
        print(plot(ROWS, args.plot))
        return
    result = run([int(v) for v in args.n.split(",")], args.case, args.seed)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
