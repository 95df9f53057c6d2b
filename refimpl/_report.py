"""Reports of ``refimpl validate`` and ``refimpl bench``: records, JSON, progress and output.

Shared by :mod:`refimpl._validate`, :mod:`refimpl._bench` and ``validation/_common.py``: the
verdict labels and the result records of a paper and of a whole run, JSON-safe copies and
atomic file writes, the environment a result was measured in, the progress display on stderr,
the atomic replacement of an output folder, and the text and Markdown tables of ``report.md``
and the validation index. Nothing here imports :mod:`refimpl._validate` at run time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import importlib.metadata
import importlib.util
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from refimpl._validate import ClaimResult

__all__ = [
    "DEVIATES",
    "FAIL",
    "HEADERS",
    "PASS",
    "SKIPPED",
    "VERDICTS",
    "OutputDirError",
    "PaperResult",
    "Progress",
    "Report",
    "atomic_output",
    "environment",
    "environment_markdown",
    "index_markdown",
    "jsonable",
    "make_progress",
    "md_table",
    "plain_table",
    "report_markdown",
    "table_rows",
    "use_agg",
    "write_json",
    "write_text",
]

PASS, FAIL, DEVIATES, SKIPPED = "pass", "FAIL", "deviates", "skipped"
VERDICTS = (PASS, DEVIATES, FAIL, SKIPPED)
#: written into every output folder; only folders carrying it are ever replaced
MARKER = ".refimpl-output"
HEADERS = ("paper", "claim", "source", "expected", "measured", "verdict")


class OutputDirError(ValueError):
    """The output folder exists and is not one that refimpl wrote (it is never replaced)."""


# --------------------------------------------------------------------------------------
# JSON and environment
# --------------------------------------------------------------------------------------
def _json_path_error(where: str, value: object) -> TypeError:
    return TypeError(
        f"run()'s result must be JSON-safe (dict, list, str, int, float, bool, None);"
        f" got {type(value).__module__}.{type(value).__qualname__} at {where!r}"
    )


def jsonable(obj: Any, *, where: str = "result", strict: bool = True) -> Any:
    """A JSON-writable copy of ``obj``: tuples become lists, non-finite floats the strings
    ``"nan"``, ``"inf"``, ``"-inf"``.

    With ``strict=True`` anything that is not a dict (string keys), list, tuple, str, int,
    float, bool or None raises ``TypeError`` naming the path; otherwise NumPy scalars and arrays
    are converted (``.item()``/``.tolist()``), Paths become strings and the rest ``repr``.
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        value = float(obj)
        return value if math.isfinite(value) else repr(value)
    if isinstance(obj, Mapping):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                if strict:
                    msg = f"run()'s result must have string keys; got {k!r} in {where!r}"
                    raise TypeError(msg)
                k = str(k)
            out[k] = jsonable(v, where=f"{where}.{k}", strict=strict)
        return out
    if isinstance(obj, list | tuple):
        return [jsonable(v, where=f"{where}.{i}", strict=strict) for i, v in enumerate(obj)]
    if strict:
        raise _json_path_error(where, obj)
    if hasattr(obj, "tolist"):
        return jsonable(obj.tolist(), where=where, strict=False)
    if isinstance(obj, Path):
        return str(obj)
    return repr(obj)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (a temporary sibling file, then a rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_json(path: Path, obj: Any) -> Path:
    """Write ``obj`` (made :func:`jsonable`, non-strict) as indented JSON, atomically."""
    text = json.dumps(jsonable(obj, strict=False), indent=2, allow_nan=False) + "\n"
    return write_text(Path(path), text)


_PACKAGES = (
    "refimpl",
    "numpy",
    "scipy",
    "array-api-compat",
    "array-api-extra",
    "array-api-strict",
    "torch",
    "cupy",
    "cupy-cuda12x",
    "cupy-cuda13x",
    "jax",
    "numba",
    "matplotlib",
    "rich",
)


def _versions(dists: Sequence[str]) -> dict[str, str]:
    out = {}
    for dist in dists:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            out[dist] = importlib.metadata.version(dist)
    return out


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _git_revision(folder: Path) -> dict[str, Any] | None:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    try:
        revision = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"revision": revision, "dirty": dirty}


def environment() -> dict[str, Any]:
    """Where a result was measured: time, versions, platform, hardware and git revision."""
    try:
        cpus_available: int | None = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cpus_available = os.cpu_count()
    return {
        "timestamp": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_available": cpus_available,
        "packages": _versions(_PACKAGES),
        "git": _git_revision(Path(__file__).resolve().parent),
    }


def use_agg() -> Any:
    """Select matplotlib's non-interactive Agg backend; return ``matplotlib.pyplot``.

    Raises ``ImportError`` (with the install hint) when matplotlib is missing.
    """
    try:
        import matplotlib
    except ImportError as exc:
        msg = "figures need matplotlib: pip install 'refimpl[validate]'"
        raise ImportError(msg) from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# --------------------------------------------------------------------------------------
# result records
# --------------------------------------------------------------------------------------
@dataclasses.dataclass(slots=True, kw_only=True)
class PaperResult:
    """The outcome of one paper: measured claims, timings, figures and any error."""

    name: str
    folder: Path
    title: str = ""
    mode: str = "quick"
    seed: int = 0
    config: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    claims: list[ClaimResult] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    plot_seconds: float = 0.0
    figures: list[str] = dataclasses.field(default_factory=list)
    error: str | None = None
    traceback: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.claims) for v in VERDICTS}

    @property
    def failed(self) -> bool:
        """A high-confidence claim failed, or the paper could not be run completely."""
        return self.error is not None or any(r.verdict == FAIL for r in self.claims)

    def summary(self) -> str:
        counts = self.counts()
        text = f"{counts[PASS]} pass, {counts[DEVIATES]} deviates, {counts[FAIL]} FAIL"
        if counts[SKIPPED]:
            text += f", {counts[SKIPPED]} skipped"
        return text + (f"; ERROR {self.error}" if self.error else "")

    def to_json(self, *, with_result: bool = True) -> dict[str, Any]:
        """JSON record; ``with_result=False`` leaves out run()'s (possibly large) result."""
        record = {
            "paper": self.name,
            "title": self.title,
            "folder": str(self.folder),
            "mode": self.mode,
            "seed": self.seed,
            "config": self.config,
            "wall_seconds": self.seconds,
            "plot_seconds": self.plot_seconds,
            "verdicts": self.counts(),
            "failed": self.failed,
            "error": self.error,
            "traceback": self.traceback,
            "warnings": self.warnings,
            "claims": [r.to_json() for r in self.claims],
            "figures": self.figures,
        }
        if with_result:
            record["result"] = self.result
        return record


@dataclasses.dataclass(slots=True, kw_only=True)
class Report:
    """All papers of one ``refimpl validate`` run."""

    mode: str
    seed: int
    papers: list[PaperResult]
    environment: dict[str, Any]
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if any(p.failed for p in self.papers) else 0

    def counts(self) -> dict[str, int]:
        return {v: sum(p.counts()[v] for p in self.papers) for v in VERDICTS}

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "seed": self.seed,
            "wall_seconds": self.seconds,
            "exit_code": self.exit_code,
            "verdicts": self.counts(),
            # run()'s full results are in the per-paper <name>.json files
            "papers": [p.to_json(with_result=False) for p in self.papers],
            "environment": self.environment,
        }


# --------------------------------------------------------------------------------------
# progress display (stderr)
# --------------------------------------------------------------------------------------
class Progress(Protocol):
    def start(self, index: int, name: str) -> None: ...
    def finish(self, line: str) -> None: ...
    def message(self, line: str) -> None: ...
    def close(self) -> None: ...


class _PlainProgress:
    """One line per item; on a TTY a ticker shows the running item and its elapsed time."""

    def __init__(self, stream: TextIO, total: int, *, live: bool) -> None:
        self._stream, self._total, self._live = stream, total, live
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self, index: int, name: str) -> None:
        self._stop_ticker()
        if not self._live:
            return
        self._stop = threading.Event()
        t0 = time.perf_counter()
        spinner = itertools.cycle("|/-\\")

        def tick() -> None:
            while not self._stop.wait(0.2):
                with self._lock:
                    self._stream.write(
                        f"\r[{index}/{self._total}] {name}: running "
                        f"{time.perf_counter() - t0:6.1f} s {next(spinner)}"
                    )
                    self._stream.flush()

        self._thread = threading.Thread(target=tick, daemon=True)
        self._thread.start()

    def _stop_ticker(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
            self._stream.write("\r\x1b[K")

    def finish(self, line: str) -> None:
        self._stop_ticker()
        self.message(line)

    def message(self, line: str) -> None:
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def close(self) -> None:
        self._stop_ticker()


class _RichProgress:
    """A rich live display: spinner, overall bar and the running item's elapsed time."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._overall = self._progress.add_task(label, total=total)
        self._current: Any = None
        self._progress.start()

    def start(self, index: int, name: str) -> None:
        self._drop_current()
        self._current = self._progress.add_task(f"  {name}", total=None)

    def _drop_current(self) -> None:
        if self._current is not None:
            self._progress.remove_task(self._current)
            self._current = None

    def finish(self, line: str) -> None:
        self._drop_current()
        self._progress.advance(self._overall)
        self.message(line)

    def message(self, line: str) -> None:
        self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        self._drop_current()
        self._progress.stop()


def make_progress(stream: TextIO, total: int, *, label: str = "validate") -> Progress:
    """A live display on a TTY (rich when installed, else a plain ticker); plain lines otherwise."""
    live = bool(getattr(stream, "isatty", lambda: False)())
    if live and importlib.util.find_spec("rich") is not None:
        return _RichProgress(stream, total, label)
    return _PlainProgress(stream, total, live=live)


# --------------------------------------------------------------------------------------
# atomic output
# --------------------------------------------------------------------------------------
def _check_replaceable(out: Path) -> None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        msg = f"--out must be a directory path; {str(out)!r} exists and is not a directory"
        raise OutputDirError(msg)
    cwd = Path.cwd().resolve()
    if out.exists() and (cwd == out.resolve() or out.resolve() in cwd.parents):
        msg = f"--out must not contain the current directory; got {str(out)!r}"
        raise OutputDirError(msg)
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        msg = (
            f"--out {str(out)!r} exists and was not written by refimpl (no {MARKER} file); "
            f"refusing to replace it: choose another folder or remove it"
        )
        raise OutputDirError(msg)


@contextlib.contextmanager
def atomic_output(out: Path, *, kind: str = "validate") -> Iterator[Path]:
    """Yield a temporary sibling folder of ``out``; on success it replaces ``out``.

    On any exception (``KeyboardInterrupt`` included) the temporary folder is removed and
    ``out`` is left exactly as it was. ``out`` is only replaced if it is absent, empty, or was
    written by refimpl (it carries the ``.refimpl-output`` marker); otherwise
    :class:`OutputDirError` is raised before anything runs.
    """
    out = Path(out).absolute()
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
        (tmp / MARKER).write_text(
            f"written by refimpl {kind}; replaced by the next run\n", encoding="utf-8"
        )
        tmp.chmod(0o755)  # mkdtemp makes it 0o700
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.replace(out, old / out.name)
            try:
                os.replace(tmp, out)
            except BaseException:
                os.replace(old / out.name, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


# --------------------------------------------------------------------------------------
# tables and Markdown
# --------------------------------------------------------------------------------------
def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def table_rows(papers: Sequence[PaperResult]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for p in papers:
        for r in p.claims:
            c = r.claim
            rows.append(
                (
                    p.name,
                    c.id,
                    c.source,
                    f"{c.expected:.6g} {c.tolerance_text()}",
                    _fmt(r.measured),
                    r.verdict,
                )
            )
        if not p.claims and p.error:
            rows.append((p.name, "—", "—", "—", "—", "ERROR"))
    return rows


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A left-aligned text table with a dashed rule under the header."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def environment_markdown(env: Mapping[str, Any]) -> str:
    git = env.get("git")
    rev = (
        f"{git['revision'][:12]}{' (dirty)' if git['dirty'] else ''}"
        if git
        else "not a git checkout"
    )
    packages = ", ".join(f"{k} {v}" for k, v in env.get("packages", {}).items())
    return "\n".join(
        [
            f"- date (UTC): {env.get('timestamp')}",
            f"- hardware: {env.get('processor')} ({env.get('machine')}), "
            f"{env.get('cpus_available')} of {env.get('cpu_count')} CPUs available",
            f"- platform: {env.get('platform')}, {env.get('python')}",
            f"- packages: {packages}",
            f"- git revision: {rev}",
        ]
    )


def report_markdown(report: Report) -> str:
    """The ``report.md`` text: summary, claims table, deviations explained, papers, environment."""
    counts = report.counts()
    high_fails = [(p, r) for p in report.papers for r in p.claims if r.verdict == FAIL]
    errors = [p for p in report.papers if p.error]
    if report.exit_code == 0:
        status = "every high-confidence claim passes"
    else:
        status = (
            f"{len(high_fails)} high-confidence claim(s) FAIL, "
            f"{len(errors)} paper(s) could not be run completely"
        )
    lines = [
        "# refimpl validation report",
        "",
        f"**{status}** (exit code {report.exit_code}): {counts[PASS]} pass, "
        f"{counts[DEVIATES]} deviates, {counts[FAIL]} FAIL, {counts[SKIPPED]} skipped in "
        f"{report.mode} mode.",
        "",
        f"- mode: `{report.mode}`, seed: {report.seed}, total wall time: {report.seconds:.1f} s",
        "- verdict rule: pass when |measured - expected| ≤ atol + rtol·|expected|; otherwise "
        "FAIL for high-confidence claims and *deviates* for medium/low ones.",
        "",
        "## Claims",
        "",
        md_table(HEADERS, table_rows(report.papers)),
        "",
    ]
    misses = [(p, r) for p in report.papers for r in p.claims if r.verdict in (FAIL, DEVIATES)]
    if misses:
        lines += ["## Failures and deviations", ""]
        for p, r in misses:
            c = r.claim
            lines.append(
                f"- **{p.name} / {c.id}** ({r.verdict}, {c.confidence} confidence, "
                f"{c.source}): expected {c.expected:.6g} {c.tolerance_text()}, "
                f"measured {_fmt(r.measured)}. {r.note}."
            )
            if c.explanation:
                lines.append(f"  Explanation: {c.explanation}")
        lines.append("")
    lines += ["## Papers", ""]
    for p in report.papers:
        lines += [f"### {p.name}", ""]
        if p.title:
            lines += [p.title, ""]
        lines.append(
            f"- wall time: run {p.seconds:.2f} s, figures {p.plot_seconds:.2f} s; "
            f"verdicts: {p.summary()}"
        )
        lines.append(f"- data: [{p.name}.json]({p.name}.json)")
        lines += [f"- warning: {w}" for w in p.warnings]
        if p.config is not None:
            lines += [
                "- config:",
                "",
                "  ```json",
                *(
                    "  " + s
                    for s in json.dumps(jsonable(p.config, strict=False), indent=2).splitlines()
                ),
                "  ```",
            ]
        lines.append("")
        if p.error:
            lines += [f"**Error:** {p.error}", ""]
            if p.traceback:
                lines += ["```text", p.traceback.rstrip(), "```", ""]
        lines += [f"![{f}]({f})" + "\n" for f in p.figures]
    lines += ["## Environment", "", environment_markdown(report.environment), ""]
    return "\n".join(lines)


def index_markdown(report: Report) -> str:
    """``validation/README.md``: the index paper | claim | script | last verdict."""
    rows = []
    for p in report.papers:
        for r in p.claims:
            verdict = r.verdict if r.verdict != SKIPPED else f"not run in {p.mode} mode"
            rows.append(
                (
                    f"[{p.name}]({p.name}/README.md)",
                    f"{r.claim.id} ({r.claim.source})",
                    f"[reproduce.py]({p.name}/reproduce.py)",
                    f"{verdict} ({_fmt(r.measured)}; expected {r.claim.expected:.6g} "
                    f"{r.claim.tolerance_text()})",
                )
            )
        if p.error:
            rows.append(
                (
                    f"[{p.name}]({p.name}/README.md)",
                    "—",
                    f"[reproduce.py]({p.name}/reproduce.py)",
                    f"ERROR: {p.error}",
                )
            )
    env = report.environment
    git = env.get("git")
    rev = f" at git revision {git['revision'][:12]}" if git else ""
    return "\n".join(
        [
            "# Validation: each paper's claims, reproduced",
            "",
            "One folder per paper: `reproduce.py` (pure `run(config) -> dict` with `QUICK`/`FULL`",
            "configs, optional `plot`), `claims.toml` (each claim with its source in the paper,",
            "expected value, tolerance and confidence) and `README.md` (citation, what is checked,",
            "known deviations); optionally `bench.py` for performance claims (`refimpl bench`).",
            "",
            "Run them all with `refimpl validate --quick` (or `--full`), one with",
            "`refimpl validate --only NAME` or `python validation/NAME/reproduce.py`.",
            "A claim passes when |measured - expected| ≤ atol + rtol·|expected|; a miss is FAIL",
            "for high-confidence claims (stated exactly, or exact mathematics) and *deviates*",
            "for medium/low ones (read off a figure, or qualitative), explained in the paper's",
            "README.",
            "",
            f"Last verdicts: `refimpl validate --{report.mode} --seed {report.seed}`{rev},",
            f"{env.get('timestamp')}, on {env.get('processor')} "
            f"({env.get('cpus_available')} CPUs). Regenerate with",
            "`refimpl validate --quick --write-index validation/README.md`.",
            "",
            md_table(("paper", "claim", "script", "last verdict"), rows),
            "",
        ]
    )
