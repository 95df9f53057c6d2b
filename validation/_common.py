"""Shared helpers for ``validation/<paper>/reproduce.py`` scripts (CONVENTIONS.md §5).

A ``reproduce.py`` ends with::

    if __name__ == "__main__":
        from refimpl.validation import _common

        _common.main(run, quick=QUICK, full=FULL, plot=plot, name="<paper>")

``python validation/<paper>/reproduce.py [--quick|--full] [--seed N] [--out DIR]`` then runs the
paper alone exactly as ``refimpl validate --only <paper>`` does: it checks the claims of the
``claims.toml`` beside the script, prints the table, writes the report into ``DIR`` (default
``./refimpl-validation-<paper>``) and exits 0, or 1 when a high-confidence claim fails.

The logic lives in :mod:`refimpl._validate` and :mod:`refimpl._report`; this module is a thin,
stable entry point for the scripts: :func:`main`, :func:`environment`, :func:`write_json` and
:func:`plot_style`; and :func:`bench_main` for ``bench.py`` scripts
(``python validation/<paper>/bench.py [--quick|--full] [--out DIR]`` = ``refimpl bench --only
<paper>`` run on that folder).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from refimpl import _report, _validate
from refimpl._report import environment, write_json

__all__ = ["bench_main", "environment", "main", "plot_style", "write_json"]

#: matplotlib rc settings shared by all validation figures
STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "legend.frameon": False,
}


@contextlib.contextmanager
def plot_style() -> Iterator[Any]:
    """Select the Agg backend and the shared style; yield ``matplotlib.pyplot``.

    Use inside ``plot(result, outdir)``::

        with _common.plot_style() as plt:
            fig, ax = plt.subplots()
            ...
            fig.savefig(outdir / "<paper>-<figure>.png")
            plt.close(fig)
    """
    plt = _report.use_agg()
    with plt.rc_context(STYLE):
        yield plt


def main(
    run: Callable[[dict[str, Any]], Any],
    *,
    quick: Mapping[str, Any],
    full: Mapping[str, Any],
    plot: Callable[[dict[str, Any], Path], Any] | None = None,
    name: str,
    argv: Sequence[str] | None = None,
) -> NoReturn:
    """Run one paper as a script and exit with the ``refimpl validate`` exit code."""
    folder = Path(inspect.getfile(run)).resolve().parent
    parser = argparse.ArgumentParser(
        prog=f"python {folder.name}/reproduce.py",
        description=f"Reproduce the claims of {name} (claims.toml beside this script) and "
        "write the report. Exit code 0: no high-confidence claim fails; 1: one "
        "does or the run failed; 2: usage error.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="small configuration (the default)",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="paper-sized configuration (slow)",
    )
    parser.set_defaults(mode="quick")
    parser.add_argument("--seed", type=int, default=0, metavar="N", help="seed (default: 0)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(f"refimpl-validation-{name}"),
        metavar="DIR",
        help="output folder (default: ./refimpl-validation-NAME)",
    )
    args = parser.parse_args(argv)
    reproduction = _validate.Reproduction(run=run, quick=quick, full=full, plot=plot)
    paper = _validate.Paper(name=name, folder=folder, reproduction=reproduction)
    try:
        code = _validate.execute(
            [paper],
            mode=args.mode,
            seed=args.seed,
            out=args.out,
            stdout=sys.stdout,
            stderr=sys.stderr,
        )
    except KeyboardInterrupt:
        print("\ninterrupted; no output was written", file=sys.stderr)
        code = 130
    raise SystemExit(code)


def time_call(fn: Callable[[], Any]) -> float:
    """Wall time of one call of ``fn`` (``time.perf_counter``)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_medians(
    fns: Mapping[str, Callable[[], Any]], repeats: int, *, warmup: bool = True
) -> dict[str, float]:
    """Median wall time of each function, for benches that compare against a baseline in the
    same run: optionally one untimed warm-up call each, then ``repeats`` rounds, each calling
    every function once in a rotated order (so that drifting machine load hits all alike)."""
    if warmup:
        for fn in fns.values():
            fn()
    names = list(fns)
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(repeats):
        for k in names[r % len(names) :] + names[: r % len(names)]:
            times[k].append(time_call(fns[k]))
    return {k: statistics.median(v) for k, v in times.items()}


def bench_main(script: str, argv: Sequence[str] | None = None) -> NoReturn:
    """Run the ``bench.py`` at path ``script`` alone, exactly as ``refimpl bench --only`` does
    (same table, same ``bench.json``/``bench.md``), and exit with its code."""
    from refimpl import cli

    folder = Path(script).resolve().parent
    args = list(sys.argv[1:] if argv is None else argv)
    sys.exit(cli.main(["bench", "--root", str(folder.parent), "--only", folder.name, *args]))
