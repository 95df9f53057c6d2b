"""The ``refimpl`` command: help texts, ``info``, ``bench`` on fake benches, the console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import refimpl
from refimpl import cli


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_the_commands(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0
    for command in ("validate", "bench", "info"):
        assert command in out


def test_version(capsys):
    code, out, _ = run_cli(capsys, "--version")
    assert code == 0
    assert out.strip() == f"refimpl {refimpl.__version__}"


@pytest.mark.parametrize(
    "args", [(), ("frobnicate",), ("info", "--bogus"), ("bench", "--seed", "1")]
)
def test_usage_errors_exit_2(capsys, args):
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert "usage: refimpl" in err


def test_validate_help_explains_modes_verdicts_and_exit_codes(capsys):
    code, out, _ = run_cli(capsys, "validate", "--help")
    assert code == 0
    for text in (
        "--quick",
        "--full",
        "--only",
        "--out",
        "--seed",
        "--root",
        "atol + rtol * |expected|",
        "FAIL",
        "deviates",
        "skipped",
        "high-confidence",
        "exit codes:",
        "report.md",
        "results.json",
        "interrupted",
    ):
        assert text in out, text


def test_bench_help(capsys):
    code, out, _ = run_cli(capsys, "bench", "--help")
    assert code == 0
    assert "ratio" in out
    assert "exit codes" in out


def test_info(capsys):
    from refimpl import _validate

    code, out, _ = run_cli(capsys, "info")
    assert code == 0
    assert out.startswith(f"refimpl {refimpl.__version__}\n")
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln.startswith("  ")}
    assert set(lines) == {"numpy", "array_api_strict", "torch", "cupy", "jax", "numba"}
    import numpy as np

    assert np.__version__ in lines["numpy"]
    papers = ", ".join(_validate.discover()) or "none"
    assert f"validation papers: {papers}" in out


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("refimpl")
    if script.is_file():
        return [str(script)]
    found = shutil.which("refimpl")
    if found is None:
        pytest.skip("the refimpl console script is not installed (pip install -e .)")
    return [found]


@pytest.mark.parametrize("launcher", ["console script", "python -m refimpl"])
def test_info_in_a_subprocess(launcher):
    cmd = _console_script() if launcher == "console script" else [sys.executable, "-m", "refimpl"]
    proc = subprocess.run([*cmd, "info"], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"refimpl {refimpl.__version__}\n")
    assert "array namespaces:" in proc.stdout


# --------------------------------------------------------------------------------------
# bench on fake bench.py files
# --------------------------------------------------------------------------------------
CASE = (
    "{{'name': {name!r}, 'n': 1024, 'seconds_median': {s}, 'baseline': 'numpy.sum', "
    "'baseline_seconds_median': {b}, 'ratio': {s} / {b}, 'goal_ratio': 1.1, "
    "'meets_goal': {s} / {b} <= 1.1}}"
)


def make_bench(root: Path, name: str, body: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "bench.py").write_text(
        "QUICK = {'n': 1024}\nFULL = {'n': 2**20}\n\n\ndef run(config):\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + "\n"
    )


def test_bench_prints_cases_and_writes_labelled_reports(tmp_path, capsys):
    root = tmp_path / "benches"
    fast, slow = CASE.format(name="fast", s=1.0, b=1.0), CASE.format(name="slow", s=3.0, b=1.0)
    body = (
        f"assert config == {{'n': 1024}}\n"
        f"return {{'cases': [{fast}, {slow}], 'crossover': 7, 'note': 'kept'}}"
    )
    make_bench(root, "demo", body)
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(capsys, "bench", "--root", str(root), "--out", str(out))
    assert code == 0  # a missed goal is reported, not a failure
    assert "[1/1] demo" in stderr
    assert stdout.startswith("hardware: ")
    rows = {ln.split()[1]: ln.split() for ln in stdout.splitlines() if ln.startswith("demo")}
    assert rows["fast"][-3:] == ["<=", "1.1", "yes"]
    assert rows["slow"][-4:] == ["3", "<=", "1.1", "NO"]
    data = json.loads((out / "bench.json").read_text())
    assert data["exit_code"] == 0
    assert data["environment"]["cpu_count"] >= 1
    assert data["environment"]["processor"]
    assert [c["name"] for c in data["benches"][0]["cases"]] == ["fast", "slow"]
    assert data["benches"][0]["extra"] == {"crossover": 7, "note": "kept"}  # run()'s other keys
    md = (out / "bench.md").read_text()
    assert "## Hardware and versions" in md
    assert "| demo | slow | 1024 |" in md


def test_bench_plot_writes_figures_into_the_report(tmp_path, capsys):
    root = tmp_path / "benches"
    case = CASE.format(name="only", s=1.0, b=2.0)
    make_bench(root, "fig", f"return {{'cases': [{case}], 'series': [1, 2, 3]}}")
    (root / "fig" / "bench.py").write_text(
        (root / "fig" / "bench.py").read_text()
        + "\n\ndef plot(result, outdir):\n"
        + "    import matplotlib.pyplot as plt\n"
        + "    fig, ax = plt.subplots()\n"
        + "    ax.plot(result['series'])\n"
        + "    path = outdir / 'fig-timing.png'\n"
        + "    fig.savefig(path)\n"
        + "    return [path]\n"
    )
    out = tmp_path / "out"
    code, _, _ = run_cli(capsys, "bench", "--root", str(root), "--out", str(out))
    assert code == 0
    assert (out / "fig-timing.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "bench.json").read_text())
    assert data["benches"][0]["figures"] == ["fig-timing.png"]
    assert "![fig](fig-timing.png)" in (out / "bench.md").read_text()


def test_bench_errors_exit_1_and_the_others_still_run(tmp_path, capsys):
    root = tmp_path / "benches"
    make_bench(root, "a_raises", "raise RuntimeError('no timer')")
    make_bench(root, "b_malformed", "return {'cases': [{'name': 'x', 'n': 1}]}")
    make_bench(root, "c_ok", f"return {{'cases': [{CASE.format(name='ok', s=1.0, b=2.0)}]}}")
    out = tmp_path / "out"
    code, _, stderr = run_cli(capsys, "bench", "--root", str(root), "--out", str(out))
    assert code == 1
    assert "error: a_raises: RuntimeError: no timer" in stderr
    assert "missing ['seconds_median'" in stderr
    benches = {b["bench"]: b for b in json.loads((out / "bench.json").read_text())["benches"]}
    assert benches["c_ok"]["error"] is None
    assert benches["c_ok"]["cases"][0]["ratio"] == 0.5


def test_bench_selection(tmp_path, capsys):
    root = tmp_path / "benches"
    make_bench(root, "demo", f"return {{'cases': [{CASE.format(name='ok', s=1.0, b=1.0)}]}}")
    code, _, err = run_cli(
        capsys, "bench", "--root", str(root), "--only", "nope", "--out", str(tmp_path / "o")
    )
    assert code == 2
    assert "unknown benchmarks 'nope'; known: demo" in err
    code, _, _ = run_cli(
        capsys,
        "bench",
        "--full",
        "--root",
        str(root),
        "--only",
        "demo",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0
    assert json.loads((tmp_path / "o" / "bench.json").read_text())["benches"][0]["config"] == {
        "n": 2**20
    }
