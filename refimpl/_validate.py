"""The validation runner behind ``refimpl validate`` and ``validation/<paper>/reproduce.py``.

A validation folder ``<root>/<name>/`` holds ``reproduce.py`` (``QUICK``, ``FULL``, a pure
``run(config) -> dict`` and an optional ``plot(result, outdir) -> list[Path]``), ``claims.toml``
(the paper's claims with tolerances and confidences) and optionally ``bench.py``
(CONVENTIONS.md §5 and §7). This module discovers such folders, runs them, checks each claim,
and writes the report atomically.

Verdict of a claim checked in the current mode: **pass** when
``|measured - expected| <= atol + rtol * |expected|`` (evaluated exactly); otherwise **FAIL**
for a claim of ``high`` confidence (stated exactly in the paper, or exact mathematics) and
**deviates** for ``medium``/``low`` ones (read off a figure, or qualitative). A missing or
non-finite measured value is treated like a miss. Claims whose ``modes`` exclude the current
mode are **skipped**.

Exit codes (:func:`execute`): 0 when every paper ran and no high-confidence claim failed, 1 when
one failed or a paper could not be run (its error is in the report), 2 on usage errors.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as _dt
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import itertools
import json
import math
import numbers
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn, Protocol, TextIO, TypeGuard

__all__ = [
    "CONFIDENCES",
    "MODES",
    "SLOW_PAPER_SECONDS",
    "Claim",
    "ClaimResult",
    "ClaimsError",
    "OutputDirError",
    "Paper",
    "PaperResult",
    "Report",
    "Reproduction",
    "atomic_output",
    "check_claim",
    "default_root",
    "discover",
    "environment",
    "execute",
    "index_markdown",
    "jsonable",
    "load_claims",
    "load_module",
    "load_reproduction",
    "make_progress",
    "passes",
    "plain_table",
    "report_markdown",
    "run_paper",
    "use_agg",
    "validate",
    "write_json",
    "write_text",
]

CONFIDENCES = ("high", "medium", "low")
MODES = ("quick", "full")
PASS, FAIL, DEVIATES, SKIPPED = "pass", "FAIL", "deviates", "skipped"
VERDICTS = (PASS, DEVIATES, FAIL, SKIPPED)
#: a paper taking longer than this in quick mode gets a warning (CONVENTIONS.md §5, "Budget")
SLOW_PAPER_SECONDS = 30.0
#: written into every output folder; only folders carrying it are ever replaced
MARKER = ".refimpl-output"
HEADERS = ("paper", "claim", "source", "expected", "measured", "verdict")


class ClaimsError(ValueError):
    """A ``claims.toml`` file does not follow the schema of CONVENTIONS.md §5."""


class OutputDirError(ValueError):
    """The output folder exists and is not one that refimpl wrote (it is never replaced)."""


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
# running one paper
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


def _plot(out: PaperResult, plot: Callable[[dict[str, Any], Path], Any], outdir: Path) -> None:
    try:
        plt = use_agg()
    except ImportError as exc:
        out.warnings.append(f"figures skipped: {exc}")
        return
    before = set(plt.get_fignums())
    start = time.perf_counter()
    try:
        paths = plot(copy.deepcopy(out.result or {}), outdir)
        out.figures = _check_figures(out.name, paths, outdir)
    except Exception as exc:
        out.error, out.traceback = _error_text(exc)
        out.error = f"plot() failed: {out.error}"
    finally:
        out.plot_seconds = time.perf_counter() - start
        for num in set(plt.get_fignums()) - before:
            plt.close(num)


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
# the whole run, atomic output, reports
# --------------------------------------------------------------------------------------
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
