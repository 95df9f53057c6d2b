"""The validation runner behind ``refimpl validate`` and ``validation/<paper>/reproduce.py``.

A validation folder ``<root>/<name>/`` holds ``reproduce.py`` (``QUICK``, ``FULL``, a pure
``run(config) -> dict`` and an optional ``plot(result, outdir) -> list[Path]``), ``claims.toml``
(the paper's claims with tolerances and confidences) and optionally ``bench.py``
(CONVENTIONS.md §5 and §7). This module discovers such folders, runs them, checks each claim,
and writes the report atomically (the report itself, JSON, progress display and atomic output
are in :mod:`refimpl._report`).

Verdict of a claim checked in the current mode: **pass** when
``|measured - expected| <= atol + rtol * |expected|`` (evaluated exactly); otherwise **FAIL**
for a claim of ``high`` confidence (stated exactly in the paper, or exact mathematics) and
**deviates** for ``medium``/``low`` ones (read off a figure, or qualitative). A missing or
non-finite measured value is treated like a miss. Claims whose ``modes`` exclude the current
mode are **skipped**, and so are claims whose quantity lies under a part of the result that
``run()`` marked skipped: a mapping on the quantity's dotted path whose ``"status"`` is a string
starting with ``"skipped"`` (``{"status": "skipped: torch is not installed"}``, for a part that
needs an optional dependency). Such a claim is never a pass; the status is shown as its note.

Exit codes (:func:`execute`): 0 when every paper ran and no high-confidence claim failed, 1 when
one failed or a paper could not be run (its error is in the report), 2 on usage errors.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import importlib
import importlib.machinery
import importlib.util
import itertools
import math
import numbers
import sys
import time
import tomllib
import traceback
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, TextIO, TypeGuard

from refimpl._report import (
    DEVIATES,
    FAIL,
    HEADERS,
    PASS,
    SKIPPED,
    OutputDirError,
    PaperResult,
    Progress,
    Report,
    _check_replaceable,
    atomic_output,
    environment,
    index_markdown,
    jsonable,
    make_progress,
    plain_table,
    report_markdown,
    table_rows,
    use_agg,
    write_json,
    write_text,
)

__all__ = [
    "CONFIDENCES",
    "MODES",
    "SLOW_PAPER_SECONDS",
    "Claim",
    "ClaimResult",
    "ClaimsError",
    "Paper",
    "Reproduction",
    "check_claim",
    "default_root",
    "discover",
    "execute",
    "load_claims",
    "load_module",
    "load_reproduction",
    "passes",
    "run_paper",
    "validate",
]

CONFIDENCES = ("high", "medium", "low")
MODES = ("quick", "full")
#: a paper taking longer than this in quick mode gets a warning (CONVENTIONS.md §5, "Budget")
SLOW_PAPER_SECONDS = 30.0


class ClaimsError(ValueError):
    """A ``claims.toml`` file does not follow the schema of CONVENTIONS.md §5."""


# --------------------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """One ``[[claim]]`` table of a ``claims.toml``."""

    id: str
    source: str
    quantity: str
    expected: float
    atol: float = 0.0
    rtol: float = 0.0
    confidence: str = "high"
    modes: tuple[str, ...] = MODES
    explanation: str = ""

    @property
    def bound(self) -> float:
        """The allowed deviation ``atol + rtol * |expected|``."""
        return self.atol + self.rtol * abs(self.expected)

    def tolerance_text(self) -> str:
        """The tolerance as shown in tables: ``± 0.1``, ``± 5%`` or ``± (0.1 + 5%)``."""
        parts = []
        if self.atol or not self.rtol:
            parts.append(f"{self.atol:.3g}")
        if self.rtol:
            parts.append(f"{100 * self.rtol:.3g}%")
        return "± " + (parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult:
    """A claim with its measured value and verdict."""

    claim: Claim
    measured: float | None
    verdict: str
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "source": c.source,
            "quantity": c.quantity,
            "expected": c.expected,
            "tolerance": {"atol": c.atol, "rtol": c.rtol},
            "bound": c.bound,
            "confidence": c.confidence,
            "modes": list(c.modes),
            "measured": self.measured,
            "verdict": self.verdict,
            "note": self.note,
            "explanation": c.explanation,
        }


_CLAIM_KEYS = {
    "id",
    "source",
    "quantity",
    "expected",
    "tolerance",
    "confidence",
    "modes",
    "explanation",
}


def _is_real(value: object) -> TypeGuard[numbers.Real]:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def load_claims(path: Path) -> tuple[str, tuple[Claim, ...]]:
    """Read and check ``claims.toml``; return ``(paper, claims)``.

    Raises
    ------
    ClaimsError
        If the file is not valid TOML or a field is missing, misspelt or out of range; the
        message names the file, the claim and the field.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"{path}: cannot read claims: {exc}"
        raise ClaimsError(msg) from exc

    def bad(where: str, expectation: str, got: object) -> NoReturn:
        msg = f"{path}: {where} must be {expectation}; got {got!r}"
        raise ClaimsError(msg)

    paper = data.get("paper")
    if not isinstance(paper, str) or not paper.strip():
        bad("'paper'", "a non-empty string (the citation)", paper)
    unknown = set(data) - {"paper", "claim"}
    if unknown:
        bad("the top level", "only 'paper' and [[claim]] tables", sorted(unknown))
    tables = data.get("claim")
    if not isinstance(tables, list) or not tables:
        bad("[[claim]]", "a non-empty array of tables", tables)
    claims: list[Claim] = []
    for i, t in enumerate(tables):
        where = f"claim #{i + 1}" + (f" ({t.get('id')!r})" if isinstance(t, dict) else "")
        if not isinstance(t, dict):
            bad(where, "a table", t)
        extra = set(t) - _CLAIM_KEYS
        if extra:
            bad(f"{where} keys", f"among {sorted(_CLAIM_KEYS)}", sorted(extra))
        for key in ("id", "source", "quantity"):
            if not isinstance(t.get(key), str) or not t[key].strip():
                bad(f"{where}: '{key}'", "a non-empty string", t.get(key))
        expected = t.get("expected")
        if not _is_real(expected) or not math.isfinite(expected):
            bad(f"{where}: 'expected'", "a finite number", expected)
        tol = t.get("tolerance")
        if not isinstance(tol, dict) or not tol or set(tol) - {"atol", "rtol"}:
            bad(f"{where}: 'tolerance'", "a table with atol and/or rtol", tol)
        for key, value in tol.items():
            if not _is_real(value) or not math.isfinite(value) or value < 0:
                bad(f"{where}: tolerance.{key}", "a finite number >= 0", value)
        confidence = t.get("confidence")
        if confidence not in CONFIDENCES:
            bad(f"{where}: 'confidence'", f"one of {list(CONFIDENCES)}", confidence)
        modes = t.get("modes", list(MODES))
        if not isinstance(modes, list) or not modes or any(m not in MODES for m in modes):
            bad(f"{where}: 'modes'", f"a non-empty list drawn from {list(MODES)}", modes)
        explanation = t.get("explanation", "")
        if not isinstance(explanation, str):
            bad(f"{where}: 'explanation'", "a string", explanation)
        if any(c.id == t["id"] for c in claims):
            bad(f"{where}: 'id'", "unique within the file", t["id"])
        claims.append(
            Claim(
                id=t["id"],
                source=t["source"],
                quantity=t["quantity"],
                expected=float(expected),
                atol=float(tol.get("atol", 0.0)),
                rtol=float(tol.get("rtol", 0.0)),
                confidence=confidence,
                modes=tuple(modes),
                explanation=explanation.strip(),
            )
        )
    return paper.strip(), tuple(claims)


def passes(measured: float, claim: Claim) -> bool:
    """``|measured - expected| <= atol + rtol * |expected|`` (the boundary passes).

    Evaluated exactly on the binary values (as fractions), so no rounding in the subtraction
    can move a value across the boundary. ``measured`` must be finite.
    """
    m, e = Fraction(measured), Fraction(claim.expected)
    return abs(m - e) <= Fraction(claim.atol) + Fraction(claim.rtol) * abs(e)


_MISSING = object()


def _lookup(result: Mapping[str, Any], quantity: str) -> object:
    """``result[quantity]``, else the dotted path through nested dicts (and list indices)."""
    if quantity in result:
        return result[quantity]
    node: object = result
    for part in quantity.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list | tuple) and part.lstrip("-").isdigit():
            try:
                node = node[int(part)]
            except IndexError:
                return _MISSING
        else:
            return _MISSING
    return node


def _skipped_status(result: Mapping[str, Any], quantity: str) -> str | None:
    """The ``"status"`` string starting with ``"skipped"`` of a mapping on ``quantity``'s path."""
    node: object = result
    for part in quantity.split("."):
        if not isinstance(node, Mapping):
            return None
        status = node.get("status")
        if isinstance(status, str) and status.startswith("skipped"):
            return status
        if part not in node:
            return None
        node = node[part]
    return None


def check_claim(
    claim: Claim, result: Mapping[str, Any] | None, *, mode: str, error: str | None = None
) -> ClaimResult:
    """Measure ``claim.quantity`` in ``result`` and give the verdict for ``mode``.

    ``result=None`` means the paper could not be run; ``error`` then says why.
    """
    if mode not in claim.modes:
        only = "/".join(claim.modes)
        return ClaimResult(claim=claim, measured=None, verdict=SKIPPED, note=f"{only} mode only")
    miss = FAIL if claim.confidence == "high" else DEVIATES
    if result is None:
        return ClaimResult(
            claim=claim,
            measured=None,
            verdict=miss,
            note=f"not measured: {error or 'the paper did not run'}",
        )
    value = _lookup(result, claim.quantity)
    skipped = _skipped_status(result, claim.quantity)
    if skipped is not None and (value is _MISSING or not _is_real(value)):
        return ClaimResult(claim=claim, measured=None, verdict=SKIPPED, note=skipped)
    if value is _MISSING:
        keys = ", ".join(sorted(map(str, result))) or "none"
        return ClaimResult(
            claim=claim,
            measured=None,
            verdict=miss,
            note=f"quantity {claim.quantity!r} is missing from run()'s result "
            f"(top-level keys: {keys})",
        )
    if not _is_real(value):
        return ClaimResult(
            claim=claim,
            measured=None,
            verdict=miss,
            note=f"quantity {claim.quantity!r} must be a real number; got "
            f"{type(value).__name__} {_short(value)}",
        )
    measured = float(value)
    if not math.isfinite(measured):
        return ClaimResult(
            claim=claim,
            measured=measured,
            verdict=miss,
            note=f"measured value is {measured} (not finite)",
        )
    if passes(measured, claim):
        return ClaimResult(claim=claim, measured=measured, verdict=PASS)
    diff = abs(measured - claim.expected)
    return ClaimResult(
        claim=claim,
        measured=measured,
        verdict=miss,
        note=f"|measured - expected| = {diff:.6g} > {claim.bound:.6g}",
    )


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------
# discovery and loading
# --------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Reproduction:
    """What a ``reproduce.py`` (or a ``bench.py``) exports."""

    run: Callable[[dict[str, Any]], Any]
    quick: Mapping[str, Any]
    full: Mapping[str, Any]
    plot: Callable[[dict[str, Any], Path], Any] | None = None

    def config(self, mode: str) -> dict[str, Any]:
        """A deep copy of ``QUICK`` or ``FULL`` (run() may not mutate the module's dicts)."""
        return copy.deepcopy(dict(self.quick if mode == "quick" else self.full))


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Paper:
    """A validation folder; ``reproduction`` is loaded from ``reproduce.py`` when ``None``."""

    name: str
    folder: Path
    reproduction: Reproduction | None = None

    @property
    def claims_file(self) -> Path:
        return self.folder / "claims.toml"

    @property
    def reproduce_file(self) -> Path:
        return self.folder / "reproduce.py"

    @property
    def bench_file(self) -> Path:
        return self.folder / "bench.py"


def default_root() -> Path:
    """The installed ``refimpl.validation`` package folder (top-level ``validation/``)."""
    package = importlib.import_module("refimpl.validation")
    return Path(str(package.__file__)).resolve().parent


def discover(
    root: Path | None = None, *, need: Sequence[str] = ("claims.toml", "reproduce.py")
) -> dict[str, Paper]:
    """The folders of ``root`` (default: :func:`default_root`) holding every file in ``need``.

    Folders whose name starts with ``_`` or ``.`` are ignored. Sorted by name.
    """
    root = default_root() if root is None else Path(root)
    if not root.is_dir():
        msg = f"root must be an existing directory; got {str(root)!r}"
        raise NotADirectoryError(msg)
    found = {}
    for folder in sorted(root.iterdir()):
        if folder.name.startswith(("_", ".")) or not folder.is_dir():
            continue
        if all((folder / f).is_file() for f in need):
            found[folder.name] = Paper(name=folder.name, folder=folder)
    return found


_counter = itertools.count()


def load_module(path: Path) -> ModuleType:
    """Import ``path`` (``reproduce.py`` or ``bench.py``) by location.

    Inside the installed ``refimpl.validation`` package the regular import system is used
    (``refimpl.validation.<name>.<stem>``); elsewhere the file is loaded under a fresh private
    package whose ``__path__`` is its folder, so sibling modules import relatively
    (``from . import helpers``) and two roots never clash.
    """
    path = Path(path).resolve()
    folder = path.parent
    if folder.parent == default_root() and folder.name.isidentifier():
        return importlib.import_module(f"refimpl.validation.{folder.name}.{path.stem}")
    package = f"_refimpl_validation_{next(_counter)}"
    spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
    spec.submodule_search_locations = [str(folder)]
    sys.modules[package] = importlib.util.module_from_spec(spec)
    name = f"{package}.{path.stem}"
    mod_spec = importlib.util.spec_from_file_location(name, path)
    if mod_spec is None or mod_spec.loader is None:  # pragma: no cover - .py always loads
        msg = f"cannot import {path}"
        raise ImportError(msg)
    module = importlib.util.module_from_spec(mod_spec)
    sys.modules[name] = module
    try:
        mod_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_reproduction(path: Path) -> Reproduction:
    """Load ``QUICK``, ``FULL``, ``run`` and the optional ``plot`` from a script."""
    module = load_module(path)
    missing = [n for n in ("QUICK", "FULL", "run") if not hasattr(module, n)]
    if missing:
        msg = f"{path} must define QUICK, FULL and run(config); missing {', '.join(missing)}"
        raise AttributeError(msg)
    for n in ("QUICK", "FULL"):
        if not isinstance(getattr(module, n), Mapping):
            msg = f"{path}: {n} must be a dict; got {type(getattr(module, n)).__name__}"
            raise TypeError(msg)
    return Reproduction(
        run=module.run, quick=module.QUICK, full=module.FULL, plot=getattr(module, "plot", None)
    )


# --------------------------------------------------------------------------------------
# running one paper
# --------------------------------------------------------------------------------------
def _error_text(exc: BaseException) -> tuple[str, str]:
    """(one-line summary, traceback of the last frames, without the runner's own frames)."""
    summary = "".join(traceback.format_exception_only(exc)).strip().splitlines()[-1]
    tb = exc.__traceback__
    while (
        tb is not None
        and tb.tb_next is not None
        and tb.tb_frame.f_globals.get("__name__", "").startswith("refimpl._")
    ):
        tb = tb.tb_next
    return summary, "".join(traceback.format_exception(type(exc), exc, tb, limit=-8))


def run_paper(
    paper: Paper, *, mode: str = "quick", seed: int = 0, figures_dir: Path | None = None
) -> PaperResult:
    """Run one paper in ``mode`` and check its claims; plot into ``figures_dir`` if given.

    Exceptions from ``reproduce.py``, ``run()`` or ``plot()`` are caught and recorded
    (``error``, ``traceback``; the claims are then unmeasured); ``KeyboardInterrupt`` and
    ``SystemExit`` propagate.
    """
    if mode not in MODES:
        msg = f"mode must be one of {list(MODES)}; got {mode!r}"
        raise ValueError(msg)
    out = PaperResult(name=paper.name, folder=paper.folder, mode=mode, seed=seed)
    try:
        out.title, claims = load_claims(paper.claims_file)
    except ClaimsError as exc:
        out.error, out.traceback = str(exc), None
        return out
    result: dict[str, Any] | None = None
    repro: Reproduction | None = None
    start = time.perf_counter()
    try:
        repro = paper.reproduction or load_reproduction(paper.reproduce_file)
        out.config = repro.config(mode)
        out.config["seed"] = seed
        raw = repro.run(copy.deepcopy(out.config))
        out.seconds = time.perf_counter() - start
        if not isinstance(raw, Mapping):
            msg = f"run() must return a dict; got {type(raw).__name__}"
            raise TypeError(msg)
        result = dict(raw)
        out.result = jsonable(result)
    except Exception as exc:
        out.seconds = time.perf_counter() - start
        out.error, out.traceback = _error_text(exc)
    out.claims = [check_claim(c, result, mode=mode, error=out.error) for c in claims]
    if figures_dir is not None and out.error is None and repro and repro.plot is not None:
        _plot(out, repro.plot, figures_dir)
    return out


def render_figures(
    name: str, result: dict[str, Any], plot: Callable[[dict[str, Any], Path], Any], outdir: Path
) -> tuple[list[str], str | None, str | None, list[str]]:
    """Call ``plot(result, outdir)`` under Agg: ``(figures, error, traceback, warnings)``.

    Shared by ``refimpl validate`` (reproduce.py) and ``refimpl bench`` (bench.py); figures
    opened by ``plot`` are closed afterwards, and a missing matplotlib is a warning."""
    try:
        plt = use_agg()
    except ImportError as exc:
        return [], None, None, [f"figures skipped: {exc}"]
    before = set(plt.get_fignums())
    try:
        paths = plot(copy.deepcopy(result), outdir)
        return _check_figures(name, paths, outdir), None, None, []
    except Exception as exc:
        error, tb = _error_text(exc)
        return [], f"plot() failed: {error}", tb, []
    finally:
        for num in set(plt.get_fignums()) - before:
            plt.close(num)


def _plot(out: PaperResult, plot: Callable[[dict[str, Any], Path], Any], outdir: Path) -> None:
    start = time.perf_counter()
    figures, error, tb, warnings = render_figures(out.name, out.result or {}, plot, outdir)
    out.plot_seconds = time.perf_counter() - start
    out.figures = figures
    out.warnings.extend(warnings)
    if error is not None:
        out.error, out.traceback = error, tb


def _check_figures(name: str, paths: object, outdir: Path) -> list[str]:
    if not isinstance(paths, list | tuple):
        msg = f"plot() must return a list of the PNG paths it wrote; got {type(paths).__name__}"
        raise TypeError(msg)
    names = []
    for p in paths:
        p = Path(p)
        if p.resolve().parent != outdir.resolve() or not p.is_file():
            msg = f"plot() must write its figures into {outdir}; {p} is not a file there"
            raise ValueError(msg)
        if not (p.name.startswith(f"{name}-") and p.suffix == ".png"):
            msg = f"figure files must be named '{name}-<figure>.png'; got {p.name!r}"
            raise ValueError(msg)
        names.append(p.name)
    return names


# --------------------------------------------------------------------------------------
# the whole run
# --------------------------------------------------------------------------------------
def validate(
    papers: Sequence[Paper],
    *,
    mode: str = "quick",
    seed: int = 0,
    out: Path | None = None,
    progress: Progress | None = None,
    stderr: TextIO | None = None,
) -> Report:
    """Run ``papers`` and check their claims; with ``out``, write the report there atomically.

    Written files: ``report.md``, ``results.json`` (all papers), ``<name>.json`` per paper and
    the figures ``<name>-<figure>.png``. ``progress`` gets one line per paper.
    """
    env = environment()
    t0 = time.perf_counter()
    report = Report(mode=mode, seed=seed, papers=[], environment=env)
    with contextlib.ExitStack() as stack:
        outdir = stack.enter_context(atomic_output(out)) if out is not None else None
        for i, paper in enumerate(papers, 1):
            if progress is not None:
                progress.start(i, paper.name)
            t = time.perf_counter()
            res = run_paper(paper, mode=mode, seed=seed, figures_dir=outdir)
            elapsed = time.perf_counter() - t
            report.papers.append(res)
            if progress is not None:
                progress.finish(
                    f"[{i}/{len(papers)}] {paper.name}: {elapsed:.1f} s, {res.summary()}"
                )
                if mode == "quick" and elapsed > SLOW_PAPER_SECONDS:
                    progress.message(
                        f"warning: {paper.name} took {elapsed:.0f} s in quick mode (over "
                        f"{SLOW_PAPER_SECONDS:.0f} s; the budget is about 20 s per paper): move "
                        "the expensive parts to FULL"
                    )
                for w in res.warnings:
                    progress.message(f"warning: {paper.name}: {w}")
            if outdir is not None:
                write_json(outdir / f"{res.name}.json", {**res.to_json(), "environment": env})
        report.seconds = time.perf_counter() - t0
        if outdir is not None:
            write_json(outdir / "results.json", report.to_json())
            (outdir / "report.md").write_text(report_markdown(report), encoding="utf-8")
    return report


SOURCE_WIDTH = 48


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _print_table(report: Report, stdout: TextIO) -> None:
    rows = table_rows(report.papers)
    if getattr(stdout, "isatty", lambda: False)() and importlib.util.find_spec("rich"):
        from rich.console import Console
        from rich.table import Table

        style = {
            PASS: "green",
            FAIL: "bold red",
            DEVIATES: "yellow",
            SKIPPED: "dim",
            "ERROR": "bold red",
        }
        table = Table(*HEADERS)
        for r in rows:
            table.add_row(*r[:-1], f"[{style[r[-1]]}]{r[-1]}[/]")
        Console(file=stdout).print(table)
    else:
        # the source column is cut to keep lines readable; report.md has it in full
        rows = [(*r[:2], _clip(r[2], SOURCE_WIDTH), *r[3:]) for r in rows]
        print(plain_table(HEADERS, rows), file=stdout)


def execute(
    papers: Sequence[Paper],
    *,
    mode: str,
    seed: int,
    out: Path | None,
    stdout: TextIO,
    stderr: TextIO,
    index: Path | None = None,
) -> int:
    """Run, print the table to ``stdout`` and progress to ``stderr``; return the exit code.

    ``KeyboardInterrupt`` propagates after the partial output has been removed.
    """
    if out is not None:
        try:
            _check_replaceable(Path(out).absolute())
        except OutputDirError as exc:
            print(f"error: {exc}", file=stderr)
            return 2
    progress = make_progress(stderr, len(papers))
    try:
        report = validate(papers, mode=mode, seed=seed, out=out, progress=progress)
    finally:
        progress.close()
    if index is not None:
        write_text(Path(index), index_markdown(report))
        print(f"index: {index}", file=stderr)
    _print_table(report, stdout)
    for p in report.papers:
        if p.error:
            print(f"error: {p.name}: {p.error}", file=stderr)
    counts = report.counts()
    print(
        f"{counts[PASS]} pass, {counts[DEVIATES]} deviates, {counts[FAIL]} FAIL, "
        f"{counts[SKIPPED]} skipped ({mode} mode, seed {seed}, {report.seconds:.1f} s); "
        f"exit code {report.exit_code}",
        file=stderr,
    )
    if out is not None:
        print(f"report: {Path(out) / 'report.md'}", file=stderr)
    return report.exit_code
