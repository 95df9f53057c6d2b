"""The benchmark runner behind ``refimpl bench`` (CONVENTIONS.md §7).

Each ``validation/<name>/bench.py`` defines ``QUICK``, ``FULL`` and ``run(config) -> dict``
returning ``{"cases": [case, ...]}``; a case has the keys :data:`CASE_KEYS`: the timed
function's median wall time and its baseline's, measured in the same run (repeats interleaved),
their ``ratio`` and the ``goal_ratio`` it should not exceed. ``run`` gets a deep copy of
``QUICK`` or ``FULL``.

Benchmarks report, they do not gate: the exit code is 0 unless a ``bench.py`` fails to load,
raises, or returns malformed cases (1). Timings are labelled with the hardware and versions.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from refimpl import _report, _validate

__all__ = [
    "CASE_KEYS",
    "BenchReport",
    "BenchResult",
    "bench",
    "bench_markdown",
    "execute",
    "run_bench",
]

CASE_KEYS = (
    "name",
    "n",
    "seconds_median",
    "baseline",
    "baseline_seconds_median",
    "ratio",
    "goal_ratio",
    "meets_goal",
)
HEADERS = ("bench", "case", "n", "seconds", "baseline", "baseline s", "ratio", "goal", "meets")


@dataclasses.dataclass(slots=True, kw_only=True)
class BenchResult:
    """The cases measured by one ``bench.py`` (or its error)."""

    name: str
    folder: Path
    mode: str
    config: dict[str, Any] | None = None
    seconds: float = 0.0
    cases: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)  # run()'s other keys
    figures: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None
    traceback: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"ERROR {self.error}"
        met = sum(bool(c["meets_goal"]) for c in self.cases)
        return f"{len(self.cases)} case(s), {met} meet their goal"

    def to_json(self) -> dict[str, Any]:
        return {
            "bench": self.name,
            "folder": str(self.folder),
            "mode": self.mode,
            "config": self.config,
            "wall_seconds": self.seconds,
            "cases": self.cases,
            "extra": self.extra,
            "figures": self.figures,
            "warnings": self.warnings,
            "error": self.error,
            "traceback": self.traceback,
        }


@dataclasses.dataclass(slots=True, kw_only=True)
class BenchReport:
    """All benches of one ``refimpl bench`` run."""

    mode: str
    benches: list[BenchResult]
    environment: dict[str, Any]
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if any(b.error for b in self.benches) else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "wall_seconds": self.seconds,
            "exit_code": self.exit_code,
            "benches": [b.to_json() for b in self.benches],
            "environment": self.environment,
        }


def _check_cases(raw: object) -> list[dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("cases"), list) or not raw["cases"]:
        msg = "bench run() must return {'cases': [case, ...]} with at least one case"
        raise TypeError(msg)
    cases = []
    for i, case in enumerate(raw["cases"]):
        if not isinstance(case, dict):
            msg = f"case #{i + 1} must be a dict; got {type(case).__name__}"
            raise TypeError(msg)
        missing = [k for k in CASE_KEYS if k not in case]
        if missing:
            msg = (
                f"case #{i + 1} ({case.get('name')!r}) must have the keys {CASE_KEYS}; "
                f"missing {missing}"
            )
            raise KeyError(msg)
        for k in ("seconds_median", "baseline_seconds_median", "ratio", "goal_ratio"):
            value = case[k]
            if not _validate._is_real(value) or not math.isfinite(value):
                msg = f"case {case['name']!r}: {k} must be a finite number; got {value!r}"
                raise ValueError(msg)
        cases.append(_report.jsonable(case, where=f"cases.{i}"))
    return cases


def run_bench(
    paper: _validate.Paper, *, mode: str = "quick", outdir: Path | None = None
) -> BenchResult:
    """Run one ``bench.py`` in ``mode`` (and its optional ``plot(result, outdir)`` when
    ``outdir`` is given); errors are recorded, ``KeyboardInterrupt`` propagates."""
    out = BenchResult(name=paper.name, folder=paper.folder, mode=mode)
    start = time.perf_counter()
    try:
        repro = _validate.load_reproduction(paper.bench_file)
        out.config = repro.config(mode)
        raw = repro.run(repro.config(mode))
        out.cases = _check_cases(raw)
        out.extra = _report.jsonable(
            {k: v for k, v in raw.items() if k != "cases"}, where="bench result"
        )
    except Exception as exc:
        out.error, out.traceback = _validate._error_text(exc)
    else:
        if outdir is not None and repro.plot is not None:
            out.figures, out.error, out.traceback, out.warnings = _validate.render_figures(
                paper.name, raw, repro.plot, outdir
            )
    out.seconds = time.perf_counter() - start
    return out


def _rows(report: BenchReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for b in report.benches:
        if b.error:
            rows.append((b.name, "ERROR", "—", "—", "—", "—", "—", "—", "—"))
        for c in b.cases:
            rows.append(
                (
                    b.name,
                    str(c["name"]),
                    str(c["n"]),
                    f"{c['seconds_median']:.4g}",
                    str(c["baseline"]),
                    f"{c['baseline_seconds_median']:.4g}",
                    f"{c['ratio']:.3g}",
                    f"<= {c['goal_ratio']:.3g}",
                    "yes" if c["meets_goal"] else "NO",
                )
            )
    return rows


def bench_markdown(report: BenchReport) -> str:
    """The ``bench.md`` text: hardware first (timings mean nothing without it), then cases."""
    lines = [
        "# refimpl benchmarks",
        "",
        f"Mode `{report.mode}`, total wall time {report.seconds:.1f} s. Ratios are "
        "measured in the same run (both sides in one process, repeats interleaved, "
        "medians); they hold for this hardware only.",
        "",
        "## Hardware and versions",
        "",
        _report.environment_markdown(report.environment),
        "",
        "## Cases",
        "",
        _report.md_table(HEADERS, _rows(report)),
        "",
    ]
    for b in report.benches:
        for fig in b.figures:
            lines += [f"![{b.name}]({fig})", ""]
        for warning in b.warnings:
            lines += [f"*{b.name}: {warning}*", ""]
    for b in report.benches:
        if b.error:
            lines += [
                f"### {b.name}: error",
                "",
                "```text",
                (b.traceback or b.error).rstrip(),
                "```",
                "",
            ]
    return "\n".join(lines)


def bench(
    papers: Sequence[_validate.Paper],
    *,
    mode: str = "quick",
    out: Path | None = None,
    progress: _report.Progress | None = None,
) -> BenchReport:
    """Run the benches; with ``out``, write ``bench.json`` and ``bench.md`` there atomically."""
    report = BenchReport(mode=mode, benches=[], environment=_report.environment())
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        outdir = (
            stack.enter_context(_report.atomic_output(out, kind="bench"))
            if out is not None
            else None
        )
        for i, paper in enumerate(papers, 1):
            if progress is not None:
                progress.start(i, paper.name)
            res = run_bench(paper, mode=mode, outdir=outdir)
            report.benches.append(res)
            if progress is not None:
                progress.finish(
                    f"[{i}/{len(papers)}] {paper.name}: {res.seconds:.1f} s, {res.summary()}"
                )
        report.seconds = time.perf_counter() - t0
        if outdir is not None:
            _report.write_json(outdir / "bench.json", report.to_json())
            (outdir / "bench.md").write_text(bench_markdown(report), encoding="utf-8")
    return report


def execute(
    papers: Sequence[_validate.Paper],
    *,
    mode: str,
    out: Path | None,
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Run, print the cases table; return 0, or 1 when a bench failed to run."""
    if out is not None:
        try:
            _report._check_replaceable(Path(out).absolute())
        except _report.OutputDirError as exc:
            print(f"error: {exc}", file=stderr)
            return 2
    progress = _report.make_progress(stderr, len(papers), label="bench")
    try:
        report = bench(papers, mode=mode, out=out, progress=progress)
    finally:
        progress.close()
    env = report.environment
    print(
        f"hardware: {env['processor']} ({env['machine']}), {env['cpus_available']} CPUs; "
        f"{env['python']}",
        file=stdout,
    )
    print(_report.plain_table(HEADERS, _rows(report)), file=stdout)
    for b in report.benches:
        if b.error:
            print(f"error: {b.name}: {b.error}", file=stderr)
    if out is not None:
        print(f"report: {Path(out) / 'bench.md'}", file=stderr)
    return report.exit_code
