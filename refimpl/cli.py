"""The ``refimpl`` command: ``validate``, ``bench`` and ``info``.

``main(argv)`` returns the exit code (it never calls ``sys.exit``), so it can be called in-process;
the console script and ``python -m refimpl`` pass it to ``SystemExit``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import platform
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from refimpl import _bench, _validate

__all__ = ["main"]

_VALIDATE_EPILOG = """\
modes:
  --quick (default)  the small configurations, minutes for the whole suite on 2 CPU cores;
                     a paper taking over 30 s gets a warning
  --full             the paper-sized configurations (slow); claims listed only for "full"
                     in claims.toml are checked here and reported "skipped" in quick mode

verdicts (per claim in claims.toml):
  pass      |measured - expected| <= atol + rtol * |expected|
  FAIL      a miss on a high-confidence claim (stated exactly in the paper, or exact
            mathematics); a missing or non-finite measured value counts as a miss
  deviates  a miss on a medium/low-confidence claim (read off a figure, or qualitative);
            the explanation from claims.toml is in report.md
  skipped   the claim is not checked in this mode

output (--out DIR, default ./refimpl-validation): report.md (table, explanations, config, seed,
timings, hardware, versions, git revision), results.json (all papers), <paper>.json and the
figures <paper>-<figure>.png. Everything is written into a temporary sibling folder that
replaces DIR at the end: an interrupted run leaves DIR as it was. DIR is only replaced if it
is absent, empty, or was written by refimpl.

exit codes:
  0    every paper ran and no high-confidence claim failed (deviations are allowed)
  1    a high-confidence claim failed, or a paper could not be run (error in the report)
  2    usage error: bad option, unknown --only name, unusable --out folder
  130  interrupted; nothing was written

examples:
  refimpl validate --quick
  refimpl validate --full --only hilbert_kk --out report --seed 3
  refimpl validate --root ./my_claims      # your own folders of reproduce.py + claims.toml
"""

_BENCH_EPILOG = """\
Each validation folder with a bench.py is run; its cases compare a refimpl function against a
baseline timed in the same run (medians, repeats interleaved). The table shows the ratio and
the goal; bench.json and bench.md (labelled with the hardware and versions) go to --out.

exit codes: 0 benchmarks ran (goals missed are reported, not failures); 1 a bench.py raised or
returned malformed cases; 2 usage error; 130 interrupted.
"""

_NAMESPACES = (  # (import name, distributions to ask for the version)
    ("numpy", ("numpy",)),
    ("array_api_strict", ("array-api-strict",)),
    ("torch", ("torch",)),
    ("cupy", ("cupy", "cupy-cuda12x", "cupy-cuda13x")),
    ("jax", ("jax",)),
)
_BACKENDS = (
    ("numba", ("numba",), "pip install 'refimpl[numba]'"),
    ("cupy", ("cupy", "cupy-cuda12x", "cupy-cuda13x"), "pip install 'refimpl[cuda12]'"),
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that keeps the epilog's line breaks."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def _wrap(text: str) -> str:
    return textwrap.fill(text, 92)


def _nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"must be an integer >= 0; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _add_common(p: argparse.ArgumentParser, *, out: str, what: str) -> None:
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="small configurations (the default)",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="paper-sized configurations (slow)",
    )
    p.set_defaults(mode="quick")
    p.add_argument(
        "--only",
        nargs="+",
        action="extend",
        metavar="NAME",
        help=f"run only these {what} (folder names; see `refimpl info`)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path(out),
        metavar="DIR",
        help=f"output folder, replaced atomically (default: ./{out})",
    )
    p.add_argument(
        "--root",
        type=Path,
        default=None,
        metavar="DIR",
        help="run the folders found in DIR instead of the installed refimpl.validation package",
    )


def _parser() -> argparse.ArgumentParser:
    from refimpl import __version__

    parser = _Parser(
        prog="refimpl",
        description=_wrap(
            "refimpl: verified reference implementations of recent papers, "
            "written once against the Python Array API standard."
        ),
        epilog="Run `refimpl COMMAND --help` for the options of each command.",
    )
    parser.add_argument("--version", action="version", version=f"refimpl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    v = sub.add_parser(
        "validate",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="reproduce the papers' claims and report measured vs claimed",
        description=_wrap(
            "Run each validation/<paper>/reproduce.py, check every claim of its "
            "claims.toml (expected value, tolerance, confidence), print the table "
            "paper | claim | source | expected | measured | verdict to stdout, "
            "and write the report. Progress goes to stderr."
        ),
        epilog=_VALIDATE_EPILOG,
    )
    _add_common(v, out="refimpl-validation", what="papers")
    v.add_argument(
        "--seed",
        type=_nonnegative_int,
        default=0,
        metavar="N",
        help="seed passed to every run(config) as config['seed'] (default: 0)",
    )
    v.add_argument(
        "--write-index",
        type=Path,
        default=None,
        metavar="FILE",
        help="also rewrite the index table (paper | claim | script | last verdict), "
        "e.g. validation/README.md; needs all papers (no --only)",
    )
    b = sub.add_parser(
        "bench",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="run the performance benchmarks (validation/<paper>/bench.py)",
        description=_wrap(
            "Run each validation/<paper>/bench.py and print its cases: time, "
            "baseline time, ratio and goal."
        ),
        epilog=_BENCH_EPILOG,
    )
    _add_common(b, out="refimpl-bench", what="benchmarks")
    sub.add_parser(
        "info",
        help="print the version, array namespaces, backends and papers",
        description=_wrap(
            "Print refimpl's version, Python and platform, the "
            "installed array namespaces and accelerated backends, "
            "and the validation papers and benchmarks available."
        ),
    )
    return parser


def _select(
    args: argparse.Namespace, need: tuple[str, ...], what: str, stderr: TextIO
) -> list[_validate.Paper] | None:
    try:
        found = _validate.discover(args.root, need=need)
    except NotADirectoryError as exc:
        print(f"refimpl: error: --root: {exc}", file=stderr)
        return None
    where = args.root if args.root is not None else "the installed refimpl.validation package"
    if not found:
        print(
            f"refimpl: error: no {what} (folders with {' + '.join(need)}) in {where}", file=stderr
        )
        return None
    if args.only:
        unknown = [n for n in args.only if n not in found]
        if unknown:
            print(
                f"refimpl: error: unknown {what} {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(found)}",
                file=stderr,
            )
            return None
        return [found[n] for n in found if n in args.only]
    return list(found.values())


def _validate_cmd(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    if args.write_index is not None and args.only:
        print("refimpl: error: --write-index needs all papers; drop --only", file=stderr)
        return 2
    papers = _select(args, ("claims.toml", "reproduce.py"), "papers", stderr)
    if papers is None:
        return 2
    return _validate.execute(
        papers,
        mode=args.mode,
        seed=args.seed,
        out=args.out,
        stdout=stdout,
        stderr=stderr,
        index=args.write_index,
    )


def _bench_cmd(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    benches = _select(args, ("bench.py",), "benchmarks", stderr)
    if benches is None:
        return 2
    return _bench.execute(benches, mode=args.mode, out=args.out, stdout=stdout, stderr=stderr)


def _version(dists: Sequence[str]) -> str:
    for dist in dists:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "version unknown"


def _info(stdout: TextIO) -> int:
    from refimpl import __version__

    def installed(module: str) -> bool:
        try:
            return importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            return False

    lines = [
        f"refimpl {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.platform()}",
        "",
        "array namespaces:",
    ]
    for module, dists in _NAMESPACES:
        state = _version(dists) if installed(module) else "not installed"
        lines.append(f"  {module:<18} {state}")
    lines += ["", "accelerated backends (the reference backend is always available):"]
    for module, dists, hint in _BACKENDS:
        state = _version(dists) if installed(module) else f"not installed ({hint})"
        lines.append(f"  {module:<18} {state}")
    try:
        root = _validate.default_root()
        papers = _validate.discover(root)
        benches = _validate.discover(root, need=("bench.py",))
        names = ", ".join(papers) or "none"
        bench_names = ", ".join(benches) or "none"
    except (ImportError, OSError) as exc:  # pragma: no cover - broken installation
        names = bench_names = f"unavailable ({exc})"
    lines += [
        "",
        f"validation papers: {names}",
        f"benchmarks: {bench_names}",
        "",
        textwrap.fill(
            "Run `refimpl validate --quick` to reproduce the papers' "
            "claims, `refimpl bench` for the benchmarks.",
            92,
        ),
    ]
    print("\n".join(lines), file=stdout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``refimpl`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    stdout, stderr = sys.stdout, sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(None if argv is None else list(argv))
    except SystemExit as exc:  # argparse: --help/--version (0) or usage errors (2)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        if args.command == "validate":
            return _validate_cmd(args, stdout, stderr)
        if args.command == "bench":
            return _bench_cmd(args, stdout, stderr)
        return _info(stdout)
    except KeyboardInterrupt:
        print("\nrefimpl: interrupted; no output was written", file=stderr)
        return 130
